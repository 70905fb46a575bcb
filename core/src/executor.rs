//! Who runs a kernel's independent pieces: one after the other
//! ([`Serial`], what every plain call uses) or on a thread pool (the
//! `simkern` crate's `rayon` forms implement [`Executor`] with
//! `rayon::join`). The core has no threads; it only says which pieces are
//! independent.
//!
//! A kernel that takes an executor cuts its work into pieces whose results
//! do not depend on where the cuts fall — every output element is computed
//! by one piece, with the same operations in the same order, and partial
//! sums are combined in a fixed order — so **the result is the same bits
//! for any executor and any number of workers**, [`Serial`] included.
//!
//! On targets without SIMD registers (microcontrollers, where flash counts
//! more than time) the pieces run on one worker whatever the executor says:
//! none of the dividing is compiled in there.

use crate::simd::COMPACT;

/// Runs two pieces of work, possibly at the same time.
///
/// ```
/// use simkern_core::executor::{Executor, Serial};
/// let (a, b) = Serial.join(|| 1 + 1, || 2 * 3);
/// assert_eq!((a, b), (2, 6));
/// assert_eq!(Serial.workers(), 1);
/// ```
pub trait Executor: Sync {
    /// How many pieces may run at once (at least 1): a kernel's scratch
    /// holds one workspace per worker (see e.g.
    /// [`InfoNce::scratch_len_with`](crate::infonce::InfoNce::scratch_len_with)).
    fn workers(&self) -> usize;

    /// Runs `a` and `b` (in any order, or concurrently) and returns both results.
    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send;
}

/// The executor of every plain call: one worker, `a` then `b`.
///
/// ```
/// use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
/// use simkern_core::executor::{Executor, Serial};
/// let step = AtomicU32::new(0);
/// let (a, b) = Serial.join(|| step.fetch_add(1, Relaxed), || step.fetch_add(1, Relaxed));
/// assert_eq!((a, b), (0, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Serial;

impl Executor for Serial {
    fn workers(&self) -> usize {
        1
    }

    #[inline(always)]
    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        (a(), b())
    }
}

/// Work that can be cut in two: `units` (rows, columns) of independent output.
pub(crate) trait Divisible: Sized + Send {
    /// The units left.
    fn units(&self) -> usize;
    /// The first `at` units and the rest (`0 < at < units`).
    fn divide(self, at: usize) -> (Self, Self);
}

/// Runs `work` over `piece` on `workers` workers: cut in proportion to the
/// workers on each side (at multiples of `grain` units), each side with
/// its share of `slots` (one workspace of `slots.len() / workers` elements
/// per worker), until one worker is left; `work` then runs the piece with
/// its workspace. One worker ([`Serial`]), or a target without SIMD
/// registers ([`COMPACT`]): `work` on the whole piece.
#[inline(always)]
pub(crate) fn divide_among<E, T, F>(
    exec: &E,
    workers: usize,
    slots: &mut [f32],
    grain: usize,
    piece: T,
    work: &F,
) where
    E: Executor,
    T: Divisible,
    F: Fn(T, &mut [f32]) + Sync,
{
    if COMPACT || workers <= 1 {
        work(piece, slots);
    } else {
        divide(exec, workers, slots, grain.max(1), piece, work);
    }
}

/// [`divide_among`] for two workers or more.
fn divide<E, T, F>(exec: &E, workers: usize, slots: &mut [f32], grain: usize, piece: T, work: &F)
where
    E: Executor,
    T: Divisible,
    F: Fn(T, &mut [f32]) + Sync,
{
    let slot = slots.len() / workers.max(1);
    let units = piece.units();
    let left = workers / 2;
    // The left side's share of the units, in whole grains.
    let at = (units / grain.max(1) * left / workers.max(1)) * grain;
    if workers <= 1 || at == 0 || at >= units {
        return work(piece, slots.get_mut(..slot).unwrap_or_default());
    }
    let Some((sa, sb)) = slots.split_at_mut_checked(left * slot) else {
        return work(piece, &mut []);
    };
    let (a, b) = piece.divide(at);
    exec.join(
        || divide_among(exec, left, sa, grain, a, work),
        || divide_among(exec, workers - left, sb, grain, b, work),
    );
}

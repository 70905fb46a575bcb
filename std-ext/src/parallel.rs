//! Multi-core forms (feature `rayon`): the core's kernels that take an
//! [`Executor`] run on rayon's pool through [`Rayon`]. The core divides
//! its work so that every output is computed the same way whatever the
//! number of workers: the results are the same bits with 1, 2 or 64
//! threads, and the same as the one-thread functions'.

pub use simkern_core::executor::{Executor, Serial};

/// The [`Executor`] of the current rayon pool: `rayon::join` for its
/// pieces, one workspace per thread of the pool.
///
/// ```
/// use simkern::{Executor, Rayon};
/// let (a, b) = Rayon.join(|| 2 + 2, || 3 * 3);
/// assert_eq!((a, b), (4, 9));
/// assert_eq!(Rayon.workers(), rayon::current_num_threads());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rayon;

impl Executor for Rayon {
    fn workers(&self) -> usize {
        rayon::current_num_threads()
    }

    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        rayon::join(a, b)
    }
}

//! Ranking with ties, like `scipy.stats.rankdata`: an argsort by a stable
//! LSD radix sort on order-preserving integer keys, then one pass over the
//! runs of equal values.
//!
//! # Keys
//! An `f32` maps to a `u32` whose unsigned order is the numeric order
//! (flip every bit of a negative number, only the sign bit of a positive
//! one), after adding `+0.0` so that `−0.0` and `0.0` share a key and tie.
//! `f64` likewise to `u64`. NaNs never get a key: [`NanPolicy`] decides.
//!
//! # Sort
//! Items are `(key, index)` packed into one `u64` (`f32`: key in the high
//! 32 bits) or a `[u64; 2]` (`f64`), sorted by 8-bit digits of the key,
//! least significant first. One read builds the histograms of every pass;
//! a pass whose digit is the same for all items is skipped, which
//! helps small-range data. Below 80 items an insertion sort does the job.
//! The sort is stable, so `Ties::Ordinal` ranks equal values in order of
//! appearance, as SciPy does. For `f32` the output slice is the sort's
//! second buffer (its `f64`s are as wide as the items): the digits are
//! counted from the input, and the items built in whichever buffer makes
//! the last pass end in scratch, so the scratch is one word per value.
//!
//! The whole body runs inside the dispatched entry point of the best
//! level (see `RankInto`) although it is scalar code: there its
//! floating-point instructions are VEX-encoded, immune to the slow-down of
//! legacy SSE code after other libraries leave dirty upper vector state.
//!
//! # Few distinct values
//! Tie-heavy data (integer scores, Likert scales) is the normal case, and
//! the one where vectorised quicksorts regress. From 16 Ki values, a hash
//! table of the distinct keys is tried first: count each key, sort the
//! (at most 2048) distinct keys, turn the counts into ranks, look each
//! value up again — two reads of the input instead of five moves of every
//! item. Past 2048 distinct keys it gives up and the radix sort runs.
//!
//! Ranks are exact (`f64` holds every integer and half-integer below 2⁵²).
//! The `f32` path packs indices in 32 bits: inputs longer than
//! `u32::MAX` give [`Error::SizeOverflow`].

mod inversions;
mod radix;
mod table;

pub(crate) use inversions::count_inversions;

pub(crate) use radix::{WholeWord, radix_sort};
use radix::{hist_words, radix_rank_packed, radix_rank_pairs};
use table::{TABLE_MIN_LEN, TABLE_WORDS, rank_by_table};

use crate::error::{Error, Result, same_len};
use crate::sample::Sample;
use crate::simd::{COMPACT, Kernel, Kernels, Simd};

/// How equal values are ranked (the `method` of `scipy.stats.rankdata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ties {
    /// The mean of the ranks the run spans (e.g. 1.5 for two values tied
    /// for first). Spearman's ρ uses these.
    Average,
    /// The lowest rank of the run.
    Min,
    /// The highest rank of the run.
    Max,
    /// Ranks without gaps: the run gets one more than the previous run.
    Dense,
    /// Distinct ranks in order of appearance.
    Ordinal,
}

impl Ties {
    /// The rank every value of a run of equal values shares, for the run
    /// at sorted positions `start..end` (from 0) that is the `run`-th run
    /// (from 0); `None` for [`Ties::Ordinal`], whose values each take
    /// their own position plus one.
    ///
    /// ```
    /// use simkern_core::rank::Ties;
    /// assert_eq!(Ties::Average.shared_rank(2, 4, 1), Some(3.5));
    /// assert_eq!(Ties::Dense.shared_rank(2, 4, 1), Some(2.0));
    /// assert_eq!(Ties::Ordinal.shared_rank(2, 4, 1), None);
    /// ```
    pub fn shared_rank(self, start: usize, end: usize, run: usize) -> Option<f64> {
        match self {
            Ties::Average => Some((start + 1 + end) as f64 / 2.0),
            Ties::Min => Some((start + 1) as f64),
            Ties::Max => Some(end as f64),
            Ties::Dense => Some((run + 1) as f64),
            Ties::Ordinal => None,
        }
    }
}

/// What NaN inputs do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NanPolicy {
    /// Any NaN makes every result NaN.
    Propagate,
    /// Any NaN is an error.
    Raise,
    /// NaNs are left out: the other values are ranked as if the NaNs were
    /// absent (a NaN's own rank is NaN); correlations drop the pair.
    Omit,
}

/// Elements of `u64` scratch [`rank_into`] needs for `n` values of `T`.
///
/// One word per value for `f32` (the sort's second buffer is the output
/// itself), four for `f64`, plus the radix histograms for 80 values or more
/// (4 × 256 words for `f32`, 8 × 256 for `f64`), and at least the hash
/// table of the few-distinct-values path (26 624 words) from 16 Ki values —
/// except on targets without SIMD (microcontrollers), which do without
/// that path and its table.
///
/// A `const fn`, so it can size a stack array.
///
/// ```
/// use simkern_core::rank::rank_scratch_len;
/// let scratch = [0u64; rank_scratch_len::<f32>(8)];
/// assert_eq!(scratch.len(), 8);
/// assert_eq!(rank_scratch_len::<f32>(10), 10);
/// assert_eq!(rank_scratch_len::<f64>(10), 40);
/// assert_eq!(rank_scratch_len::<f32>(1000), 1000 + 4 * 256);
/// ```
pub const fn rank_scratch_len<T: Sample>(n: usize) -> usize {
    let items = if T::RANK_WORDS == 1 { n } else { n.saturating_mul(4) };
    let len = items.saturating_add(hist_words(n, 32 * T::RANK_WORDS as u32));
    if !COMPACT && n >= TABLE_MIN_LEN && len < TABLE_WORDS { TABLE_WORDS } else { len }
}

/// Ranks of `x` (from 1) into `out`, with `ties` and `nan` as described on
/// [`Ties`] and [`NanPolicy`].
///
/// Errors: `out` not the length of `x`, scratch shorter than
/// [`rank_scratch_len`], a NaN under [`NanPolicy::Raise`], more than
/// `u32::MAX` `f32` values.
///
/// ```
/// use simkern_core::rank::{NanPolicy, Ties, rank_into, rank_scratch_len};
/// let x = [10.0f32, 20.0, 10.0, 30.0];
/// let mut r = [0.0; 4];
/// let mut scratch = vec![0u64; rank_scratch_len::<f32>(4)];
/// rank_into(&x, Ties::Average, NanPolicy::Propagate, &mut r, &mut scratch).unwrap();
/// assert_eq!(r, [1.5, 3.0, 1.5, 4.0]);
/// rank_into(&x, Ties::Dense, NanPolicy::Propagate, &mut r, &mut scratch).unwrap();
/// assert_eq!(r, [1.0, 2.0, 1.0, 3.0]);
/// ```
pub fn rank_into<T: Sample>(
    x: &[T],
    ties: Ties,
    nan: NanPolicy,
    out: &mut [f64],
    scratch: &mut [u64],
) -> Result<()> {
    Kernels::best().rank_into(x, ties, nan, out, scratch)
}

impl Kernels {
    /// [`rank_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, rank::{NanPolicy, Ties, rank_scratch_len}};
    /// let mut r = [0.0; 3];
    /// let mut scratch = vec![0u64; rank_scratch_len::<f64>(3)];
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// k.rank_into(&[3.0f64, 1.0, 2.0], Ties::Min, NanPolicy::Raise, &mut r, &mut scratch).unwrap();
    /// assert_eq!(r, [3.0, 1.0, 2.0]);
    /// ```
    pub fn rank_into<T: Sample>(
        self,
        x: &[T],
        ties: Ties,
        nan: NanPolicy,
        out: &mut [f64],
        scratch: &mut [u64],
    ) -> Result<()> {
        same_len("x", x.len(), "out", out.len())?;
        let needed = rank_scratch_len::<T>(x.len());
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, got: scratch.len() });
        }
        self.run(RankInto { x, ties, nan, out, scratch: &mut scratch[..needed] })
    }

    /// Dense ranks from 0 of NaN-free `x` (Kendall's τ), as a kernel for
    /// the reason given on `RankInto`.
    pub(crate) fn dense_ranks<T: Sample>(self, x: &[T], scratch: &mut [u64], out: &mut [u64]) -> Result<()> {
        self.run(Dense { x, scratch, out })
    }
}

/// [`rank_into`] after its checks, as a kernel: plain scalar code, but
/// compiled inside each level's entry point, where floating-point
/// instructions are VEX-encoded. The legacy SSE encodings of a default
/// x86-64 build ran up to 3× slower after other code (faer's GEMM, in the
/// report) had left the upper halves of the vector registers dirty without
/// `vzeroupper`: the table path of a 1 M-value rank went from 2.5 to 7.9 ms.
struct RankInto<'a, T> {
    x: &'a [T],
    ties: Ties,
    nan: NanPolicy,
    out: &'a mut [f64],
    scratch: &'a mut [u64],
}

impl<T: Sample> Kernel for RankInto<'_, T> {
    type Output = Result<()>;
    #[inline(always)]
    fn run<S: Simd>(self, _: S) -> Result<()> {
        let RankInto { x, ties, nan, out, scratch } = self;
        let nans = x.iter().filter(|v| v.is_nan()).count();
        if nans > 0 {
            match nan {
                NanPolicy::Propagate => {
                    out.fill(f64::NAN);
                    return Ok(());
                }
                NanPolicy::Raise => return Err(Error::NanInput { name: "x" }),
                NanPolicy::Omit => {}
            }
        }
        rank_sorted(x, scratch, nans, Output::Ranks(ties, &mut *out))?;
        if nans > 0 {
            for (o, v) in out.iter_mut().zip(x) {
                if v.is_nan() {
                    *o = f64::NAN;
                }
            }
        }
        Ok(())
    }
}

struct Dense<'a, T> {
    x: &'a [T],
    scratch: &'a mut [u64],
    out: &'a mut [u64],
}

impl<T: Sample> Kernel for Dense<'_, T> {
    type Output = Result<()>;
    #[inline(always)]
    fn run<S: Simd>(self, _: S) -> Result<()> {
        rank_sorted(self.x, self.scratch, 0, Output::Dense(self.out))
    }
}

/// What a sort of the non-NaN values produces.
pub(crate) enum Output<'a> {
    /// Ranks from 1 under a tie method, at the values' indices.
    Ranks(Ties, &'a mut [f64]),
    /// Dense ranks from 0 (the run number), at the values' indices.
    Dense(&'a mut [u64]),
}

/// Sorts the non-NaN values of `x` (`nans` of them are NaN) and writes
/// `output`: through the table of distinct values when there are few,
/// else by the radix sort (`scratch`: [`rank_scratch_len`] words).
#[inline(always)]
pub(crate) fn rank_sorted<T: Sample>(
    x: &[T],
    scratch: &mut [u64],
    nans: usize,
    mut output: Output<'_>,
) -> Result<()> {
    if x.len() > u32::MAX as usize {
        return Err(Error::SizeOverflow);
    }
    // The table path is for inputs of 16 Ki values and more with a 208 KiB
    // table: not where COMPACT (microcontrollers), which keep the code and
    // the scratch of the radix sort alone.
    if !COMPACT && rank_by_table(x, scratch, &mut output) {
        Ok(())
    } else if T::RANK_WORDS == 1 {
        radix_rank_packed(x, scratch, nans, output)
    } else {
        radix_rank_pairs(x, scratch, nans, output)
    }
}

/// `scratch` split at `at`, or the error of a short scratch. The public
/// functions have checked the scratch already; this repeats the check
/// where the optimiser sees it, so that no panic path stays in the sort
/// (the firmware's panic-free link check).
pub(crate) fn split_scratch<T>(scratch: &mut [T], at: usize) -> Result<(&mut [T], &mut [T])> {
    let got = scratch.len();
    scratch.split_at_mut_checked(at).ok_or(Error::ScratchTooSmall { needed: at, got })
}

/// The first `len` elements of `buf`, checked as [`split_scratch`].
pub(crate) fn prefix<T>(buf: &mut [T], len: usize) -> Result<&mut [T]> {
    split_scratch(buf, len).map(|(head, _)| head)
}

//! The sealed element trait: the kernels are generic over `f32` and `f64`.

use crate::simd::Simd;

/// `f32` or `f64`, the element types the kernels accept. Sealed.
///
/// Every reduction runs in `f64` lanes: `f32` inputs are widened exactly
/// on load, so products of two `f32` are exact and only the additions round.
///
/// ```
/// use simkern_core::Float;
/// fn total<T: Float>(x: &[T]) -> f64 { x.iter().map(|v| v.to_f64()).sum() }
/// assert_eq!(total(&[1.0f32, 2.0]), 3.0);
/// ```
pub trait Float:
    sealed::Element + Copy + Default + PartialOrd + core::fmt::Debug + Send + Sync + 'static
{
    /// Rounds an `f64` to this type (round to nearest even).
    fn from_f64(x: f64) -> Self;
    /// Widens to `f64` (exact).
    fn to_f64(self) -> f64;
}

impl Float for f32 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Float for f64 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

pub(crate) mod sealed {
    use super::Simd;
    use crate::lse::{self, OnlineLse};
    use crate::rank;
    use crate::{Level, Result};

    /// The per-type vector operations behind [`Float`](super::Float).
    pub trait Element: Sized {
        /// Loads `S::F64_LANES` elements as `f64` lanes.
        fn load_f64<S: Simd>(s: S, src: &[Self]) -> S::F64;
        /// Loads up to `S::F64_LANES` elements as `f64` lanes, zero elsewhere.
        fn load_partial_f64<S: Simd>(s: S, src: &[Self]) -> S::F64;
        /// Divides every element by `by` (rounded to `Self` first).
        fn divide_in_place<S: Simd>(s: S, x: &mut [Self], by: f64);
        /// The log-sum-exp state of `x`.
        fn lse_state(level: Option<Level>, x: &[Self]) -> Result<OnlineLse>;
        /// Softmax (or log-softmax) of `x` into `out`.
        fn softmax_into(level: Option<Level>, x: &[Self], out: &mut [Self], log: bool) -> Result<()>;
        /// `u64` words of a radix-sort item (key and index).
        const RANK_WORDS: usize;
        /// The order-preserving rank key of a value, `None` for NaN.
        fn rank_key(self) -> Option<u64>;
        /// Radix-sorts the non-NaN values (`nans` of them are NaN) and writes
        /// `output`; at most `u32::MAX` values.
        // `Output` is crate-private; the trait is sealed, so nothing outside
        // the crate can implement or call this.
        #[allow(private_interfaces)]
        fn radix_rank(x: &[Self], scratch: &mut [u64], nans: usize, output: rank::Output<'_>);
    }

    impl Element for f32 {
        #[inline(always)]
        fn load_f64<S: Simd>(s: S, src: &[f32]) -> S::F64 {
            s.load_widen_f64(src)
        }
        #[inline(always)]
        fn load_partial_f64<S: Simd>(s: S, src: &[f32]) -> S::F64 {
            s.load_widen_partial_f64(src)
        }
        #[inline(always)]
        fn divide_in_place<S: Simd>(s: S, x: &mut [f32], by: f64) {
            let by = s.splat_f32(by as f32);
            let mut chunks = x.chunks_exact_mut(S::F32_LANES);
            for c in &mut chunks {
                s.store_f32(s.div_f32(s.load_f32(c), by), c);
            }
            let tail = chunks.into_remainder();
            s.store_partial_f32(s.div_f32(s.load_partial_f32(tail), by), tail);
        }
        fn lse_state(level: Option<Level>, x: &[f32]) -> Result<OnlineLse> {
            lse::lse_state_f32(level, x)
        }
        fn softmax_into(level: Option<Level>, x: &[f32], out: &mut [f32], log: bool) -> Result<()> {
            lse::softmax_f32(level, x, out, log)
        }
        const RANK_WORDS: usize = 1;
        #[inline(always)]
        fn rank_key(self) -> Option<u64> {
            (!self.is_nan()).then(|| u64::from(rank::key_f32(self)))
        }
        #[allow(private_interfaces)]
        #[inline(always)]
        fn radix_rank(x: &[f32], scratch: &mut [u64], nans: usize, output: rank::Output<'_>) {
            rank::radix_rank_f32(x, scratch, nans, output)
        }
    }

    impl Element for f64 {
        #[inline(always)]
        fn load_f64<S: Simd>(s: S, src: &[f64]) -> S::F64 {
            s.load_f64(src)
        }
        #[inline(always)]
        fn load_partial_f64<S: Simd>(s: S, src: &[f64]) -> S::F64 {
            s.load_partial_f64(src)
        }
        #[inline(always)]
        fn divide_in_place<S: Simd>(s: S, x: &mut [f64], by: f64) {
            let by = s.splat_f64(by);
            let mut chunks = x.chunks_exact_mut(S::F64_LANES);
            for c in &mut chunks {
                s.store_f64(s.div_f64(s.load_f64(c), by), c);
            }
            let tail = chunks.into_remainder();
            s.store_partial_f64(s.div_f64(s.load_partial_f64(tail), by), tail);
        }
        fn lse_state(level: Option<Level>, x: &[f64]) -> Result<OnlineLse> {
            lse::lse_state_f64_at(level, x)
        }
        fn softmax_into(level: Option<Level>, x: &[f64], out: &mut [f64], log: bool) -> Result<()> {
            lse::softmax_f64(level, x, out, log)
        }
        const RANK_WORDS: usize = 2;
        #[inline(always)]
        fn rank_key(self) -> Option<u64> {
            (!self.is_nan()).then(|| rank::key_f64(self))
        }
        #[allow(private_interfaces)]
        #[inline(always)]
        fn radix_rank(x: &[f64], scratch: &mut [u64], nans: usize, output: rank::Output<'_>) {
            rank::radix_rank_f64(x, scratch, nans, output)
        }
    }
}

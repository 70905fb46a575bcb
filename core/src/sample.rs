//! The values the rank statistics accept: `f32`, `f64` and every primitive
//! integer up to 64 bits — ranks, Spearman and Kendall take any of them,
//! per argument (`spearman(&gold_u8, &pred_f32)`).
//!
//! What a statistic needs of a value is its order — an order-preserving
//! integer key, exact for every 64-bit integer, so integer ranks are exact
//! where `f64` would round (above 2⁵³) — and, for Pearson's r, its value
//! in `f64`.

/// A slice of one of the two [`Float`](crate::Float) types (re-exported as
/// `float::Slice`).
#[derive(Debug)]
pub enum Slice<'a> {
    /// `f32` elements.
    F32(&'a [f32]),
    /// `f64` elements.
    F64(&'a [f64]),
}

/// The order-preserving key of a non-NaN `f32` ([`Sample::key`](crate::Sample::key)):
/// flip every bit of a negative number, only the sign bit of a positive
/// one, after adding `+0.0` (so `−0.0` and `0.0` share a key).
#[inline(always)]
pub(crate) fn key_f32(v: f32) -> u32 {
    let b = (v + 0.0).to_bits();
    if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
}

/// The order-preserving key of a non-NaN `f64`.
#[inline(always)]
pub(crate) fn key_f64(v: f64) -> u64 {
    let b = (v + 0.0).to_bits();
    if b >> 63 == 1 { !b } else { b | 0x8000_0000_0000_0000 }
}

/// A value the rank statistics accept. Sealed.
///
/// ```
/// use simkern_core::Sample;
/// assert!((-3i8).rank_key() < 2i8.rank_key());
/// assert!(u64::MAX.rank_key() > (u64::MAX - 1).rank_key()); // exact, unlike f64
/// assert_eq!(f32::NAN.rank_key(), None);
/// ```
pub trait Sample: sealed::Sealed + Copy + Send + Sync + core::fmt::Debug + 'static {
    /// `u64` words of one radix-sort item: 1 where the key fits 32 bits
    /// (packed with a 32-bit index), 2 otherwise.
    ///
    /// ```
    /// use simkern_core::Sample;
    /// assert_eq!((<u16 as Sample>::RANK_WORDS, <i64 as Sample>::RANK_WORDS), (1, 2));
    /// ```
    const RANK_WORDS: usize;

    /// Whether the value is NaN (never, for an integer).
    ///
    /// ```
    /// use simkern_core::Sample;
    /// assert!(Sample::is_nan(f64::NAN) && !Sample::is_nan(3u8));
    /// ```
    fn is_nan(self) -> bool;

    /// The order-preserving key of a value that is not NaN: unsigned order
    /// of keys is numeric order (`−0.0` and `0.0` share one), and it fits
    /// 32 bits where `RANK_WORDS` is 1.
    ///
    /// ```
    /// use simkern_core::Sample;
    /// assert!((-1i32).key() < 0i32.key());
    /// assert!(<i32 as Sample>::key(i32::MAX) < 1 << 32);
    /// ```
    fn key(self) -> u64;

    /// [`Sample::key`], `None` for NaN.
    ///
    /// ```
    /// use simkern_core::Sample;
    /// assert_eq!(7u8.rank_key(), Some(7));
    /// ```
    #[inline(always)]
    fn rank_key(self) -> Option<u64> {
        (!self.is_nan()).then(|| self.key())
    }

    /// The value in `f64` (exact for floats and for integers of magnitude
    /// up to 2⁵³; rounded to nearest beyond).
    ///
    /// ```
    /// use simkern_core::Sample;
    /// assert_eq!(Sample::to_f64(-5i16), -5.0);
    /// ```
    fn to_f64(self) -> f64;

    /// `x` as one of the two [`Float`](crate::Float) types, `None` for
    /// integers (for callers that take the vector paths when they can).
    ///
    /// ```
    /// use simkern_core::Sample;
    /// assert!(Sample::floats(&[1.0f32][..]).is_some() && Sample::floats(&[1u8][..]).is_none());
    /// ```
    fn floats(x: &[Self]) -> Option<Slice<'_>>;
}

impl Sample for f32 {
    const RANK_WORDS: usize = 1;
    #[inline(always)]
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn key(self) -> u64 {
        u64::from(key_f32(self))
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn floats(x: &[f32]) -> Option<Slice<'_>> {
        Some(Slice::F32(x))
    }
}

impl Sample for f64 {
    const RANK_WORDS: usize = 2;
    #[inline(always)]
    fn is_nan(self) -> bool {
        self.is_nan()
    }
    #[inline(always)]
    fn key(self) -> u64 {
        key_f64(self)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    fn floats(x: &[f64]) -> Option<Slice<'_>> {
        Some(Slice::F64(x))
    }
}

/// Integers: unsigned ones are their own key; signed ones have the sign
/// bit of their width flipped (two's complement order becomes unsigned).
macro_rules! integer_sample {
    ($($t:ty => $words:expr, $unsigned:ty, $bias:expr);* $(;)?) => {$(
        impl Sample for $t {
            const RANK_WORDS: usize = $words;
            #[inline(always)]
            fn is_nan(self) -> bool {
                false
            }
            #[inline(always)]
            fn key(self) -> u64 {
                #[allow(clippy::cast_sign_loss, trivial_numeric_casts)]
                let unsigned = self as $unsigned;
                (unsigned ^ $bias) as u64
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn floats(_: &[$t]) -> Option<Slice<'_>> {
                None
            }
        }
        impl sealed::Sealed for $t {}
    )*};
}

integer_sample! {
    u8 => 1, u8, 0;
    u16 => 1, u16, 0;
    u32 => 1, u32, 0;
    u64 => 2, u64, 0;
    i8 => 1, u8, 0x80;
    i16 => 1, u16, 0x8000;
    i32 => 1, u32, 0x8000_0000;
    i64 => 2, u64, 0x8000_0000_0000_0000;
}

mod sealed {
    /// Only `f32`, `f64` and the primitive integers implement
    /// [`Sample`](super::Sample).
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

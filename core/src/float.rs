//! The element trait: facts about `f32` and `f64`, nothing about kernels.
//!
//! [`Float`] says how an element converts (its order key for the rank sort
//! comes from [`Sample`], which integers share), and which of the two types a slice is — a safe type
//! witness ([`Slice`], [`SliceMut`], [`InOut`]) that a kernel matches on
//! when its `f32` and `f64` forms are different algorithms. Its vector
//! loads (native and widened to `f64` lanes) come from the ISA layer's lane
//! trait, a supertrait.

use crate::sample::Sample;
pub use crate::sample::Slice;
use crate::simd::{F32Source, Lane};

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
    Lane + Sample + sealed::Sealed + Copy + Default + PartialOrd + core::fmt::Debug + Send + Sync + 'static
{
    /// Rounds an `f64` to this type (round to nearest even).
    ///
    /// ```
    /// use simkern_core::Float;
    /// assert_eq!(<f32 as Float>::from_f64(0.1), 0.1f32);
    /// ```
    fn from_f64(x: f64) -> Self;

    /// Which of the two types `x` is.
    ///
    /// ```
    /// use simkern_core::float::Slice;
    /// use simkern_core::Float;
    /// assert!(matches!(Float::slice(&[1.0f32][..]), Slice::F32(_)));
    /// ```
    fn slice(x: &[Self]) -> Slice<'_>;

    /// Which of the two types `x` is, mutably.
    ///
    /// ```
    /// use simkern_core::float::SliceMut;
    /// use simkern_core::Float;
    /// let mut x = [1.0f64];
    /// assert!(matches!(Float::slice_mut(&mut x[..]), SliceMut::F64(_)));
    /// ```
    fn slice_mut(x: &mut [Self]) -> SliceMut<'_>;

    /// An input and an output of the same type, together.
    ///
    /// ```
    /// use simkern_core::float::InOut;
    /// use simkern_core::Float;
    /// let mut out = [0.0f32];
    /// assert!(matches!(Float::in_out(&[1.0f32][..], &mut out[..]), InOut::F32(..)));
    /// ```
    fn in_out<'a, 'b>(x: &'a [Self], out: &'b mut [Self]) -> InOut<'a, 'b>;
}

/// The element types of the fast tier ([`dot_fast`], [`cosine_fast`],
/// [`l2_squared_fast`]): `f32`, `half::f16` and `half::bf16`, read into
/// `f32` lanes exactly (a product of two of them is exact in `f32`, bar
/// underflow) and accumulated in `f32`. Sealed.
///
/// [`dot_fast`]: crate::similarity::dot_fast
/// [`cosine_fast`]: crate::similarity::cosine_fast
/// [`l2_squared_fast`]: crate::similarity::l2_squared_fast
///
/// ```
/// use half::bf16;
/// use simkern_core::similarity::dot_fast;
/// let a = [bf16::from_f32(1.5), bf16::from_f32(-2.0)];
/// assert_eq!(dot_fast(&a, &a).unwrap(), 6.25);
/// assert_eq!(dot_fast(&[1.5f32, -2.0], &[1.5, -2.0]).unwrap(), 6.25);
/// ```
pub trait FastElement:
    F32Source + sealed::SealedFast + Copy + core::fmt::Debug + Send + Sync + 'static
{
    /// The value as an `f32` (exact).
    ///
    /// ```
    /// use simkern_core::float::FastElement;
    /// assert_eq!(half::f16::from_f32(0.5).widen(), 0.5f32);
    /// ```
    fn widen(self) -> f32;

    /// `x` itself where the element is `f32` (what the fast cosine falls
    /// back to the accurate tier with), `None` for the half types.
    ///
    /// ```
    /// use simkern_core::float::FastElement;
    /// assert!(FastElement::as_f32(&[1.0f32][..]).is_some());
    /// assert!(FastElement::as_f32(&[half::bf16::ONE][..]).is_none());
    /// ```
    #[inline]
    fn as_f32(x: &[Self]) -> Option<&[f32]> {
        let _ = x;
        None
    }
}

impl FastElement for f32 {
    #[inline]
    fn widen(self) -> f32 {
        self
    }
    #[inline]
    fn as_f32(x: &[f32]) -> Option<&[f32]> {
        Some(x)
    }
}

impl FastElement for half::f16 {
    #[inline]
    fn widen(self) -> f32 {
        self.to_f32()
    }
}

impl FastElement for half::bf16 {
    #[inline]
    fn widen(self) -> f32 {
        self.to_f32()
    }
}

/// A mutable slice of one of the two [`Float`] types.
#[derive(Debug)]
pub enum SliceMut<'a> {
    /// `f32` elements.
    F32(&'a mut [f32]),
    /// `f64` elements.
    F64(&'a mut [f64]),
}

/// An input and an output slice of the same [`Float`] type.
#[derive(Debug)]
pub enum InOut<'a, 'b> {
    /// `f32` elements.
    F32(&'a [f32], &'b mut [f32]),
    /// `f64` elements.
    F64(&'a [f64], &'b mut [f64]),
}

impl Float for f32 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn slice(x: &[f32]) -> Slice<'_> {
        Slice::F32(x)
    }
    #[inline(always)]
    fn slice_mut(x: &mut [f32]) -> SliceMut<'_> {
        SliceMut::F32(x)
    }
    #[inline(always)]
    fn in_out<'a, 'b>(x: &'a [f32], out: &'b mut [f32]) -> InOut<'a, 'b> {
        InOut::F32(x, out)
    }
}

impl Float for f64 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn slice(x: &[f64]) -> Slice<'_> {
        Slice::F64(x)
    }
    #[inline(always)]
    fn slice_mut(x: &mut [f64]) -> SliceMut<'_> {
        SliceMut::F64(x)
    }
    #[inline(always)]
    fn in_out<'a, 'b>(x: &'a [f64], out: &'b mut [f64]) -> InOut<'a, 'b> {
        InOut::F64(x, out)
    }
}

mod sealed {
    /// Only `f32` and `f64` implement [`Float`](super::Float).
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    /// Only `f32`, `f16` and `bf16` implement
    /// [`FastElement`](super::FastElement).
    pub trait SealedFast {}
    impl SealedFast for f32 {}
    impl SealedFast for half::f16 {}
    impl SealedFast for half::bf16 {}
}

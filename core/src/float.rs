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
use crate::simd::Lane;

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
}

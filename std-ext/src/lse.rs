//! Log-sum-exp and softmax with owned results.

use crate::alloc::zeroed;
use simkern_core::lse as core_lse;
use simkern_core::{Float, Result};

pub use simkern_core::lse::{OnlineLse, log_softmax_into, softmax_into};

/// `log Σ e^{xᵢ}`, stable for any input: `−∞` for an empty slice or all
/// `−∞`, `+∞` if any entry is `+∞`, NaN if any is NaN. Near-zero results
/// keep their relative accuracy (`log1p` of the non-maximal terms).
///
/// ```
/// assert_eq!(simkern::logsumexp::<f32>(&[]), f32::NEG_INFINITY);
/// assert_eq!(simkern::logsumexp(&[1e30f32, 1e30]), 1e30);
/// assert!((simkern::logsumexp(&[0.0f64, -40.0, -745.0, -746.0]) - 4.248354255291589e-18).abs() < 1e-30);
/// ```
pub fn logsumexp<T: Float>(x: &[T]) -> T {
    core_lse::logsumexp(x)
}

/// `softmax(x)` as a new vector; all NaN when `x` holds NaN or `+∞` or is
/// all `−∞` (as SciPy and PyTorch); empty for empty input.
///
/// The contract returns the vector itself, so an allocation that cannot
/// be made aborts as any `Vec`'s would; where that must be an error, use
/// [`softmax_into`] on a buffer the caller reserved (or [`softmax_rows`],
/// whose result is a `Result`).
///
/// ```
/// assert_eq!(simkern::softmax(&[0.0f32, 0.0]), vec![0.5, 0.5]);
/// assert!(simkern::softmax(&[1.0f32, f32::INFINITY]).iter().all(|p| p.is_nan()));
/// assert!(simkern::softmax::<f64>(&[]).is_empty());
/// ```
pub fn softmax<T: Float>(x: &[T]) -> Vec<T> {
    let mut out = vec![T::default(); x.len()];
    // `out` has `x`'s length, the only way the core call can fail.
    let _ = core_lse::softmax_into(x, &mut out);
    out
}

/// `log_softmax(x) = x − LSE(x)` as a new vector (an allocation failure
/// aborts, as for [`softmax`]; [`log_softmax_into`] is the allocation-free
/// form).
///
/// ```
/// let y = simkern::log_softmax(&[0.0f64, 0.0]);
/// assert_eq!(y, vec![-(2f64.ln()); 2]);
/// ```
pub fn log_softmax<T: Float>(x: &[T]) -> Vec<T> {
    let mut out = vec![T::default(); x.len()];
    let _ = core_lse::log_softmax_into(x, &mut out);
    out
}

/// One `LSE` per row of the row-major matrix `x` (rows of `dim`); see
/// [`simkern_core::lse::logsumexp_rows_into`].
///
/// ```
/// let l = simkern::logsumexp_rows(&[0.0f64, 0.0, 5.0, f64::NEG_INFINITY], 2)?;
/// assert_eq!(l, vec![2f64.ln(), 5.0]);
/// assert!(simkern::logsumexp_rows(&[0.0f32; 3], 2).is_err());
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn logsumexp_rows<T: Float>(x: &[T], dim: usize) -> Result<Vec<T>> {
    let rows = simkern_core::MatRef::named("x", x, dim)?.rows();
    let mut out = zeroed(rows)?;
    core_lse::logsumexp_rows_into(x, dim, &mut out)?;
    Ok(out)
}

/// The softmax of each row of a row-major matrix (rows of `dim`), as
/// PyTorch's `softmax(x, dim=-1)`; see [`simkern_core::lse::softmax_rows_into`].
///
/// ```
/// let p = simkern::softmax_rows(&[0.0f32, 0.0, 1.0, f32::NEG_INFINITY], 2)?;
/// assert_eq!(p, vec![0.5, 0.5, 1.0, 0.0]);
/// assert!(simkern::softmax_rows(&[0.0f32; 3], 2).is_err());
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn softmax_rows<T: Float>(x: &[T], dim: usize) -> Result<Vec<T>> {
    let mut out = zeroed(x.len())?;
    core_lse::softmax_rows_into(x, dim, &mut out)?;
    Ok(out)
}

/// The log-softmax of each row of a row-major matrix (rows of `dim`).
///
/// ```
/// let y = simkern::log_softmax_rows(&[0.0f64, 0.0], 1)?;
/// assert_eq!(y, vec![0.0, 0.0]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn log_softmax_rows<T: Float>(x: &[T], dim: usize) -> Result<Vec<T>> {
    let mut out = zeroed(x.len())?;
    core_lse::log_softmax_rows_into(x, dim, &mut out)?;
    Ok(out)
}

/// `(log|Σ bᵢ e^{xᵢ}|, sign)` as SciPy's `logsumexp(x, b=b,
/// return_sign=True)`; see [`simkern_core::lse::logsumexp_weighted`].
///
/// ```
/// let (v, sign) = simkern::logsumexp_weighted(&[1.0f64, 2.0, 3.0], &[1.0, -1.0, 1.0])?;
/// assert!((v - 2.7353256640555195).abs() < 1e-15 && sign == 1.0); // SciPy 1.17
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn logsumexp_weighted<T: Float>(x: &[T], b: &[T]) -> Result<(T, T)> {
    core_lse::logsumexp_weighted(x, b)
}

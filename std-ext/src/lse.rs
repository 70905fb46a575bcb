//! Log-sum-exp and softmax with owned results.

use simkern_core::Float;
use simkern_core::lse as core_lse;

pub use simkern_core::lse::OnlineLse;

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
/// ```
/// assert_eq!(simkern::softmax(&[0.0f32, 0.0]), vec![0.5, 0.5]);
/// assert!(simkern::softmax(&[1.0f32, f32::INFINITY]).iter().all(|p| p.is_nan()));
/// assert!(simkern::softmax::<f64>(&[]).is_empty());
/// ```
pub fn softmax<T: Float>(x: &[T]) -> Vec<T> {
    let mut out = vec![T::default(); x.len()];
    // `out` has `x`'s length, the only way the core call can fail.
    let _ = core_lse::softmax(x, &mut out);
    out
}

/// `log_softmax(x) = x − LSE(x)` as a new vector.
///
/// ```
/// let y = simkern::log_softmax(&[0.0f64, 0.0]);
/// assert_eq!(y, vec![-(2f64.ln()); 2]);
/// ```
pub fn log_softmax<T: Float>(x: &[T]) -> Vec<T> {
    let mut out = vec![T::default(); x.len()];
    let _ = core_lse::log_softmax(x, &mut out);
    out
}

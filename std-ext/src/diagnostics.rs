//! Embedding-space diagnostics with owned scratch (see
//! [`simkern_core::diagnostics`] for the formulas and the algorithms).

use simkern_core::diagnostics as core_diag;
use simkern_core::{MatRef, Result};

use crate::alloc::zeroed;

pub use simkern_core::diagnostics::Anisotropy;

/// Alignment `(1/N) Σᵢ ‖xᵢ − yᵢ‖^α` of the positive pairs in `x` and `y`
/// (row-major, `dim` per row; not normalised here). Errors for no rows.
///
/// ```
/// let a = simkern::alignment(&[1.0, 0.0], &[0.0, 1.0], 2, 2.0)?;
/// assert!((a - 2.0).abs() < 1e-6);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn alignment(x: &[f32], y: &[f32], dim: usize, alpha: f32) -> Result<f32> {
    core_diag::alignment(MatRef::named("x", x, dim)?, MatRef::named("y", y, dim)?, alpha)
}

/// Uniformity `log mean_{i<j} e^{−t‖xᵢ − xⱼ‖²}`, streamed (no `N × N`
/// matrix). Errors for fewer than 2 rows.
///
/// ```
/// let u = simkern::uniformity(&[1.0, 0.0, -1.0, 0.0], 2, 2.0)?;
/// assert!((u + 8.0).abs() < 1e-5); // ‖x₀ − x₁‖² = 4
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn uniformity(x: &[f32], dim: usize, t: f32) -> Result<f32> {
    let xm = MatRef::named("x", x, dim)?;
    let mut ws = zeroed(core_diag::uniformity_scratch_len(xm.rows(), dim))?;
    core_diag::uniformity(xm, t, &mut ws)
}

/// Mean pairwise cosine, `Sum(WWᵀ)` and `λ_max(WWᵀ)` of the rows of `x`.
/// Errors for fewer than 2 rows.
///
/// ```
/// let a = simkern::anisotropy(&[1.0, 0.0, 1.0, 0.0], 2)?;
/// assert_eq!((a.mean_cosine, a.gram_sum), (1.0, 4.0));
/// assert!((a.top_eigenvalue - 2.0).abs() < 1e-9);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn anisotropy(x: &[f32], dim: usize) -> Result<Anisotropy> {
    let mut ws = zeroed(core_diag::anisotropy_scratch_len(dim))?;
    core_diag::anisotropy(MatRef::named("x", x, dim)?, &mut ws)
}

/// The mean pairwise cosine of the rows of `x` alone (one pass; see
/// [`simkern_core::diagnostics::mean_cosine`]). Errors for fewer than 2 rows.
///
/// ```
/// let c = simkern::mean_cosine(&[1.0, 0.0, 1.0, 0.0, 0.0, 3.0], 2)?;
/// assert!((c - 1.0 / 3.0).abs() < 1e-15);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn mean_cosine(x: &[f32], dim: usize) -> Result<f64> {
    core_diag::mean_cosine(MatRef::named("x", x, dim)?, &mut zeroed(dim)?)
}

/// `Sum(XXᵀ) = ‖Σᵢ xᵢ‖²` alone (one pass; see
/// [`simkern_core::diagnostics::gram_sum`]).
///
/// ```
/// assert_eq!(simkern::gram_sum(&[1.0, 0.0, 1.0, 0.0, 0.0, 1.0], 2)?, 5.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn gram_sum(x: &[f32], dim: usize) -> Result<f64> {
    core_diag::gram_sum(MatRef::named("x", x, dim)?, &mut zeroed(dim)?)
}

/// Rows per parallel uniformity task: fixed, so that the merge order (and
/// therefore the result's bits) does not depend on the thread count.
#[cfg(feature = "rayon")]
const PAR_ROWS: usize = 256;

/// [`uniformity`] on all cores (feature `rayon`): the pairs `(i, j > i)`
/// are split by blocks of 256 rows `i`, each block's log-sum-exp state is
/// computed on some thread, and the states are merged in block order — the
/// same bits for any number of threads (and within rounding of
/// [`uniformity`]).
///
/// ```
/// let x = [1.0f32, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0];
/// let (par, one) = (simkern::par_uniformity(&x, 2, 2.0)?, simkern::uniformity(&x, 2, 2.0)?);
/// assert!((par - one).abs() < 1e-6);
/// # Ok::<(), simkern::Error>(())
/// ```
#[cfg(feature = "rayon")]
pub fn par_uniformity(x: &[f32], dim: usize, t: f32) -> Result<f32> {
    use rayon::prelude::*;
    let xm = MatRef::named("x", x, dim)?;
    let n = xm.rows();
    if n < 2 {
        // The serial function reports the error.
        return uniformity(x, dim, t);
    }
    let blocks: Vec<usize> = (0..n - 1).step_by(PAR_ROWS).collect();
    let states: Vec<Result<simkern_core::lse::OnlineLse>> = blocks
        .par_iter()
        .map(|&a| {
            let mut ws = zeroed(core_diag::uniformity_scratch_len(n, dim))?;
            core_diag::uniformity_pairs_state(xm, t, a..(a + PAR_ROWS).min(n - 1), &mut ws)
        })
        .collect();
    let mut total = simkern_core::lse::OnlineLse::new();
    for st in states {
        total.merge(st?);
    }
    let pairs = n as f64 * (n as f64 - 1.0) / 2.0;
    Ok((total.value() - pairs.ln()) as f32)
}

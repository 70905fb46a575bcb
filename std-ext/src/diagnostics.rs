//! Embedding-space diagnostics with owned workspace (see
//! [`simkern_core::diagnostics`] for the formulas and the algorithms).

use simkern_core::diagnostics as core_diag;
use simkern_core::{MatRef, Result};

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
    let mut ws = vec![0.0f32; core_diag::uniformity_workspace_len(xm.rows(), dim)];
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
    let mut ws = vec![0.0f64; core_diag::anisotropy_workspace_len(dim)];
    core_diag::anisotropy(MatRef::named("x", x, dim)?, &mut ws)
}

//! The accuracy each kernel promises, in one table: every suite checks
//! against these names, not against numbers of its own (libm's
//! `precision.rs` is the model). Each bound is the one stated in the
//! kernel's docs and in DESIGN.md's numerical contract; changing one here
//! changes what every test demands.
//!
//! | bound | value | kernel |
//! |---|---|---|
//! | [`EXP_F32_ULPS`] | 2 ulp | vector `exp` (f32), every input |
//! | [`CORRELATION_ABS`] | 1e-12 | Pearson, Spearman, Kendall vs a careful reference |
//! | [`P_VALUE_REL`] | 1e-10 | correlation tests' p-values vs SciPy (relative) |
//! | [`PMF_REL`] | 1e-13 | binomial `pmf` / `logpmf` vs mpmath |
//! | [`PMF_INTO_ULPS`] | 4 ulp | `pmf_into` (vector `exp`) vs `pmf` |
//! | [`CDF_REL`] | 1e-12 | binomial `cdf` / `sf` vs mpmath |
//! | [`LOG_TAIL_REL`] | 1e-12 | binomial `logcdf` / `logsf`: error in the log ≤ this × max(1, \|log\|) |
//! | [`END_PMF_ULPS`] | 4 ulp | binomial `pmf` at `k = 0` and `k = n` vs mpmath |
//! | [`INFONCE_LOSS_REL`] | 1e-5 | InfoNCE loss vs an f64 reference (τ ≥ 0.01) |
//! | [`INFONCE_GRAD_TORCH`] | 2e-4 × max\|g\| | InfoNCE gradients vs PyTorch's f32 autograd |
//! | [`EIGENVALUE_REL`] | 1e-8 | anisotropy's top eigenvalue (Lanczos) |
//! | [`MOMENT_REL`] | 1e-12 | mean / variance, anisotropy's mean cosine and Gram sum (per row) |

/// Vector `exp` (f32): ulp of the result, over all 2³² inputs.
///
/// ```
/// assert_eq!(simkern_tests::precision::EXP_F32_ULPS, 2.0);
/// ```
pub const EXP_F32_ULPS: f64 = 2.0;

/// Correlations (absolute, `r ∈ [−1, 1]`).
///
/// ```
/// assert!(simkern_tests::precision::CORRELATION_ABS <= 1e-12);
/// ```
pub const CORRELATION_ABS: f64 = 1e-12;

/// Binomial `pmf` and `logpmf`, relative, wherever `|ln pmf| ≤ 450`.
///
/// ```
/// assert!(simkern_tests::precision::PMF_REL <= 1e-13);
/// ```
pub const PMF_REL: f64 = 1e-13;

/// `pmf_into` against `pmf`, in ulp (its `exp` rounds differently).
///
/// ```
/// assert_eq!(simkern_tests::precision::PMF_INTO_ULPS, 4);
/// ```
pub const PMF_INTO_ULPS: u64 = 4;

/// Binomial `cdf` and `sf`, relative.
///
/// ```
/// assert!(simkern_tests::precision::CDF_REL <= 1e-12);
/// ```
pub const CDF_REL: f64 = 1e-12;

/// P-values of the correlation tests against SciPy, relative: the
/// statistic's last-bit differences (two summation orders) move a p-value
/// of 1e-100 by up to ~1e-13 of itself (`|d ln p / d ln r|` is in the
/// thousands there), and SciPy's spearmanr goes through a rounded `t`.
///
/// ```
/// assert!(simkern_tests::precision::P_VALUE_REL <= 1e-10);
/// ```
pub const P_VALUE_REL: f64 = 1e-10;

/// Binomial `logcdf` / `logsf`: the error of the log, relative to
/// `max(1, |log|)` (below 1 it is the tail's relative error).
///
/// ```
/// assert!(simkern_tests::precision::LOG_TAIL_REL <= 1e-12);
/// ```
pub const LOG_TAIL_REL: f64 = 1e-12;

/// Binomial `pmf` at `k = 0` and `k = n` (`(1 − p)ⁿ`, `pⁿ`), in ulp.
///
/// ```
/// assert_eq!(simkern_tests::precision::END_PMF_ULPS, 4);
/// ```
pub const END_PMF_ULPS: u64 = 4;

/// InfoNCE loss, relative to an f64 reference, for `τ ≥ 0.01`.
///
/// ```
/// assert!(simkern_tests::precision::INFONCE_LOSS_REL <= 1e-5);
/// ```
pub const INFONCE_LOSS_REL: f64 = 1e-5;

/// InfoNCE gradients against PyTorch (both f32), relative to the largest
/// gradient entry.
///
/// ```
/// assert!(simkern_tests::precision::INFONCE_GRAD_TORCH <= 2e-4);
/// ```
pub const INFONCE_GRAD_TORCH: f64 = 2e-4;

/// Anisotropy's top eigenvalue, relative (Lanczos stops at a residual of
/// 1e-10 of the Ritz value, which bounds its distance to an eigenvalue).
///
/// ```
/// assert!(simkern_tests::precision::EIGENVALUE_REL <= 1e-8);
/// ```
pub const EIGENVALUE_REL: f64 = 1e-8;

/// Moments in f64 (mean, variance, mean cosine, Gram sum), relative per
/// term summed.
///
/// ```
/// assert!(simkern_tests::precision::MOMENT_REL <= 1e-12);
/// ```
pub const MOMENT_REL: f64 = 1e-12;

/// Whether `got` has the IEEE class of `want`: NaN for NaN, the same
/// infinity for an infinity, finite for finite — the check for kernels on
/// inputs with NaN or ±∞, where no error bound applies.
///
/// ```
/// use simkern_tests::precision::same_ieee_class;
/// assert!(same_ieee_class(f64::NAN, f64::NAN));
/// assert!(same_ieee_class(1.5, 2.0));
/// assert!(!same_ieee_class(f64::INFINITY, f64::NEG_INFINITY));
/// ```
pub fn same_ieee_class(got: f64, want: f64) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() {
        got == want
    } else {
        got.is_finite()
    }
}

/// Checks the fast tier (`dot_fast`, `l2_squared_fast`, `cosine_fast`) at
/// every level against its stated bound (module docs of
/// `simkern_core::similarity`), for any of its element types: `γ_k·Σ|aᵢbᵢ|`
/// with `k` the roundings of its blocked `f32` chains, the `f64` totals'
/// `γ` in `u64`, the final rounding and the underflow floor. The reference
/// is the exact sum of the exactly widened values; at
/// `Level::Avx512Bf16` and `Level::Amx` the bound adds `2⁻¹²⁶ · Σ(1 + |aᵢ| + |bᵢ|)` (DAZ/FTZ
/// of `vdpbf16ps`, documented).
///
/// ```
/// simkern_tests::precision::check_fast_tier(&[1.0f32, 2.0], &[3.0, -4.0]);
/// let h = [half::bf16::from_f32(0.5); 3];
/// simkern_tests::precision::check_fast_tier(&h, &h);
/// ```
pub fn check_fast_tier<E: simkern_core::FastElement>(a: &[E], b: &[E]) {
    use crate::reference::{self as naive, dot_abs, gamma};
    const U32: f64 = f32::EPSILON as f64 / 2.0;
    const U64: f64 = f64::EPSILON / 2.0;
    let widen = |x: &[E]| -> Vec<f64> { x.iter().map(|v| f64::from(v.widen())).collect() };
    let (x, y) = (widen(a), widen(b));
    let n = a.len();
    let k = simkern_core::similarity::FAST_ROUNDINGS;
    let floor = n as f64 * f64::from(f32::from_bits(1)) * 2.0;
    let exact = naive::dot_exact(&x, &y);
    let abs = dot_abs(&x, &y);
    let bound = gamma(k, U32) * abs + gamma(n / 64 + 16, U64) * abs + U32 * exact.abs() + floor;
    let d: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p - q).collect();
    let exact_l2 = naive::dot_exact(&d, &d);
    let l2_bound = gamma(k + 2, U32) * exact_l2 + gamma(n / 64 + 16, U64) * exact_l2 + U32 * exact_l2 + floor;
    let exact_cos = naive::cosine(&x, &y);
    let cos_bound = 2.0 * gamma(k, U32) + 4.0 * U32 + 1e-30;
    if abs > f64::from(f32::MAX) {
        return; // partial sums may overflow (documented)
    }
    // vdpbf16ps (bf16 at the level with it) counts subnormal inputs as
    // zero and flushes subnormal results: the documented extra term.
    let daz =
        f64::from(f32::MIN_POSITIVE) * x.iter().zip(&y).map(|(p, q)| 1.0 + p.abs() + q.abs()).sum::<f64>();
    for &level in crate::levels::levels() {
        let native = matches!(level.level(), simkern_core::Level::Avx512Bf16 | simkern_core::Level::Amx);
        // (The cosine's sums are at least 1e-20 where it uses them.)
        let norms = (naive::dot_exact(&x, &x) * naive::dot_exact(&y, &y)).sqrt().max(1e-20);
        let (bound, cos_bound) =
            if native { (bound + daz, cos_bound + 3.0 * daz / norms) } else { (bound, cos_bound) };
        let got = f64::from(level.dot_fast(a, b).unwrap());
        assert!((got - exact).abs() <= bound, "{level:?} n={n}: dot_fast {got} vs {exact}, bound {bound:e}");
        let got = f64::from(level.l2_squared_fast(a, b).unwrap());
        assert!((got - exact_l2).abs() <= l2_bound, "{level:?} n={n}: l2_squared_fast {got} vs {exact_l2}");
        let got = f64::from(level.cosine_fast(a, b).unwrap());
        assert!((got - exact_cos).abs() <= cos_bound, "{level:?} n={n}: cosine_fast {got} vs {exact_cos}");
    }
}

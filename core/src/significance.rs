//! Hypothesis tests of no correlation: the coefficient and its p-value,
//! as SciPy 1.17's `pearsonr`, `spearmanr` and `kendalltau` give them.
//!
//! | test | null distribution of the statistic |
//! |---|---|
//! | [`pearson_test`] | exact for normal data: `(1 + r)/2 ~ Beta(n/2 − 1, n/2 − 1)` |
//! | [`spearman_test`] | Student's t with `n − 2` degrees of freedom for `t = ρ√((n − 2)/(1 − ρ²))` — the same beta law in `ρ` |
//! | [`kendall_tau_b_test`] | exact (permutations by inversions, Mahonian numbers) without ties for `n ≤ 33`, else normal with the tie-corrected variance |
//!
//! Each p-value comes from a tail computed directly (the regularised
//! incomplete beta, the normal tail), never as `1 − (the other tail)`, so
//! a p-value of 1e-300 has its digits; where the exact beta tail is below
//! `f64`'s range the p-value is 0. A p-value costs well under a
//! microsecond beyond its statistic (measured in the report).
//!
//! Undefined statistics (a constant input, NaN in the data) give
//! `statistic` and `p_value` NaN, as SciPy.

use crate::correlation::KendallCounts;
use crate::error::Result;
use crate::float::Float;
use crate::sample::Sample;
use crate::simd::Kernels;
use crate::special::beta::Beta;
use crate::special::deviance::two_sum;
use crate::special::normal::{normal_cdf, normal_sf};

/// The alternative hypothesis of a correlation test (SciPy's
/// `alternative`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alternative {
    /// The correlation is not zero (`"two-sided"`).
    TwoSided,
    /// The correlation is negative (`"less"`).
    Less,
    /// The correlation is positive (`"greater"`).
    Greater,
}

/// A correlation coefficient with the p-value of the test of no
/// correlation.
///
/// ```
/// use simkern_core::significance::{Alternative, pearson_test};
/// let t = pearson_test(&[1.0f64, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0], Alternative::TwoSided).unwrap();
/// assert!((t.statistic - 0.8).abs() < 1e-15);
/// assert!((t.p_value - 0.2).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorrelationTest {
    /// The coefficient (Pearson's r, Spearman's ρ, Kendall's τ-b).
    pub statistic: f64,
    /// The probability, under no correlation, of a statistic at least as
    /// extreme in the direction of the alternative.
    pub p_value: f64,
}

/// Pearson's r with the p-value of its exact test (`scipy.stats.pearsonr`):
/// under no correlation, for normal data, `(1 + r)/2 ~ Beta(n/2 − 1,
/// n/2 − 1)`. `n = 2`: p-value 1 (r is ±1 for any such data).
///
/// Errors as [`crate::correlation::pearson`].
///
/// ```
/// use simkern_core::significance::{Alternative, pearson_test};
/// let x = [1.0f64, 2.0, 3.0, 4.0, 5.0];
/// let y = [2.0f64, 1.0, 4.0, 3.0, 5.0];
/// let two = pearson_test(&x, &y, Alternative::TwoSided).unwrap();
/// let greater = pearson_test(&x, &y, Alternative::Greater).unwrap();
/// assert!((two.statistic - 0.8).abs() < 1e-15);
/// assert!((greater.p_value - two.p_value / 2.0).abs() < 1e-15);
/// ```
pub fn pearson_test<A: Float, B: Float>(
    x: &[A],
    y: &[B],
    alternative: Alternative,
) -> Result<CorrelationTest> {
    Kernels::best().pearson_test(x, y, alternative)
}

/// Spearman's ρ with the p-value of `scipy.stats.spearmanr`: Student's t
/// with `n − 2` degrees of freedom for `t = ρ√((n − 2)/(1 − ρ²))`, which
/// is the law of [`pearson_test`] at `r = ρ`. `n = 2`: p-value NaN (no
/// degrees of freedom), as SciPy. `ranks` and `scratch` as
/// [`crate::correlation::spearman`].
///
/// ```
/// use simkern_core::correlation::spearman_scratch_len;
/// use simkern_core::significance::{Alternative, spearman_test};
/// let (r, s) = spearman_scratch_len::<f64>(5);
/// let (mut ranks, mut scratch) = (vec![0.0; r], vec![0u64; s]);
/// let x = [1.0f64, 2.0, 3.0, 4.0, 5.0];
/// let t = spearman_test(&x, &[5.0, 6.0, 7.0, 8.0, 7.0], Alternative::TwoSided, &mut ranks, &mut scratch).unwrap();
/// assert!((t.statistic - 0.8207826816681233).abs() < 1e-15);
/// assert!((t.p_value - 0.08858700531354381).abs() < 1e-14);
/// ```
pub fn spearman_test<A: Sample, B: Sample>(
    x: &[A],
    y: &[B],
    alternative: Alternative,
    ranks: &mut [f64],
    scratch: &mut [u64],
) -> Result<CorrelationTest> {
    Kernels::best().spearman_test(x, y, alternative, ranks, scratch)
}

/// Kendall's τ-b with the p-value of `scipy.stats.kendalltau`
/// (`method="auto"`): without ties and for `n ≤ 33` (or at most one
/// discordant or concordant pair) the exact permutation distribution of
/// the discordant pairs; otherwise the normal approximation of
/// `n_c − n_d` with the tie-corrected variance
///
/// ```text
/// Var = (v₀ − v_x − v_y)/18 + 2 n_x n_y / (n(n − 1)) + t_x t_y / (9n(n − 1)(n − 2))
/// ```
///
/// (`v = Σ t(t − 1)(2t + 5)` over tie groups, `v₀` for `n`; `n_x`, `n_y`
/// the tied pairs; `t = Σ t(t − 1)(t − 2)`). `scratch` as
/// [`crate::correlation::kendall_tau_b`].
///
/// ```
/// use simkern_core::correlation::kendall_scratch_len;
/// use simkern_core::significance::{Alternative, kendall_tau_b_test};
/// let mut scratch = vec![0u64; kendall_scratch_len(4)];
/// let t = kendall_tau_b_test(&[1.0f64, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0], Alternative::TwoSided, &mut scratch);
/// let t = t.unwrap();
/// assert!((t.statistic - 2.0 / 3.0).abs() < 1e-15);
/// assert!((t.p_value - 1.0 / 3.0).abs() < 1e-15); // 8 of the 24 permutations
/// ```
pub fn kendall_tau_b_test<A: Sample, B: Sample>(
    x: &[A],
    y: &[B],
    alternative: Alternative,
    scratch: &mut [u64],
) -> Result<CorrelationTest> {
    Kernels::best().kendall_tau_b_test(x, y, alternative, scratch)
}

impl Kernels {
    /// [`pearson_test`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, significance::Alternative};
    /// let t = Kernels::best().pearson_test(&[1.0f32, 2.0], &[2.0, 1.0], Alternative::TwoSided).unwrap();
    /// assert_eq!((t.statistic, t.p_value), (-1.0, 1.0));
    /// ```
    pub fn pearson_test<A: Float, B: Float>(
        self,
        x: &[A],
        y: &[B],
        alternative: Alternative,
    ) -> Result<CorrelationTest> {
        let r = self.pearson(x, y)?;
        let p_value = if x.len() == 2 && !r.is_nan() { 1.0 } else { beta_p_value(r, x.len(), alternative) };
        Ok(CorrelationTest { statistic: r, p_value })
    }

    /// [`spearman_test`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, correlation::spearman_scratch_len, significance::Alternative};
    /// let (r, s) = spearman_scratch_len::<f32>(3);
    /// let (mut ranks, mut scratch) = (vec![0.0; r], vec![0u64; s]);
    /// let k = Kernels::best();
    /// let t = k.spearman_test(&[1.0f32, 2.0, 3.0], &[1.0f32, 2.0, 3.0], Alternative::Less, &mut ranks, &mut scratch);
    /// assert_eq!(t.unwrap().p_value, 1.0); // ρ = 1: no evidence for ρ < 0
    /// ```
    pub fn spearman_test<A: Sample, B: Sample>(
        self,
        x: &[A],
        y: &[B],
        alternative: Alternative,
        ranks: &mut [f64],
        scratch: &mut [u64],
    ) -> Result<CorrelationTest> {
        let rho = self.spearman(x, y, ranks, scratch)?;
        let p_value = if x.len() == 2 { f64::NAN } else { beta_p_value(rho, x.len(), alternative) };
        Ok(CorrelationTest { statistic: rho, p_value })
    }

    /// [`kendall_tau_b_test`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, correlation::kendall_scratch_len, significance::Alternative};
    /// let mut scratch = vec![0u64; kendall_scratch_len(3)];
    /// let k = Kernels::best();
    /// let t = k.kendall_tau_b_test(&[1.0f64, 2.0, 3.0], &[3.0, 2.0, 1.0], Alternative::Less, &mut scratch);
    /// assert!((t.unwrap().p_value - 1.0 / 6.0).abs() < 1e-15); // 1 of the 6 permutations
    /// ```
    pub fn kendall_tau_b_test<A: Sample, B: Sample>(
        self,
        x: &[A],
        y: &[B],
        alternative: Alternative,
        scratch: &mut [u64],
    ) -> Result<CorrelationTest> {
        let nan = CorrelationTest { statistic: f64::NAN, p_value: f64::NAN };
        let Some(c) = self.kendall_counts(x, y, scratch)? else { return Ok(nan) };
        let statistic = c.tau_b();
        if statistic.is_nan() {
            return Ok(nan);
        }
        Ok(CorrelationTest { statistic, p_value: kendall_p_value(&c, alternative) })
    }
}

/// The p-value of a correlation `r` of `n` pairs whose null law is
/// `(1 + r)/2 ~ Beta(n/2 − 1, n/2 − 1)`, for `n ≥ 3`: each tail is an
/// incomplete beta at `(1 ± r)/2` (formed exactly as double-doubles).
fn beta_p_value(r: f64, n: usize, alternative: Alternative) -> f64 {
    if r.is_nan() {
        return f64::NAN;
    }
    let m = n as f64 / 2.0 - 1.0;
    let half = |(hi, lo): (f64, f64)| (0.5 * hi, 0.5 * lo);
    // P(R ≤ r) = I_{(1+r)/2}(m, m) and P(R ≥ r) its complement.
    let tails =
        Beta { a: (m, 0.0), b: (m, 0.0), x: half(two_sum(1.0, r)), y: half(two_sum(1.0, -r)) }.tails();
    match alternative {
        Alternative::Less => tails.lower(),
        Alternative::Greater => tails.upper(),
        Alternative::TwoSided => (2.0 * tails.lower().min(tails.upper())).min(1.0),
    }
}

/// SciPy's choice: the exact law without ties when `n ≤ 33` or at most one
/// pair is discordant (or concordant).
const KENDALL_EXACT_MAX_N: u64 = 33;

/// The p-value of Kendall's test from its counts (τ-b defined).
fn kendall_p_value(c: &KendallCounts, alternative: Alternative) -> f64 {
    let total = c.total();
    let no_ties = c.x.pairs == 0 && c.y.pairs == 0;
    if no_ties && (c.n <= KENDALL_EXACT_MAX_N || c.discordant.min(total - c.discordant) <= 1) {
        return kendall_exact(c.n, total - c.discordant, alternative);
    }
    let n = c.n as f64;
    let m = n * (n - 1.0);
    let var = (m * (2.0 * n + 5.0) - c.x.variance - c.y.variance) / 18.0
        + 2.0 * c.x.pairs as f64 * c.y.pairs as f64 / m
        + c.x.cubic * c.y.cubic / (9.0 * m * (n - 2.0));
    let z = c.score() / libm::sqrt(var);
    match alternative {
        Alternative::Less => normal_cdf(z),
        Alternative::Greater => normal_sf(z),
        Alternative::TwoSided => (2.0 * normal_sf(libm::fabs(z))).min(1.0),
    }
}

/// Permutations of `n ≤ 33` counted by inversions, up to the middle:
/// `n(n − 1)/4 ≤ 264`.
const MAHONIAN_LEN: usize = 265;

/// The exact p-value of `concordant` pairs among `n` without ties (SciPy's
/// `_kendall_p_exact`): the permutations of `n` with at most
/// `c = min(concordant, n(n−1)/2 − concordant)` inversions (Mahonian
/// numbers, `I_j(i) = Σ_{k<j} I_{j−1}(i − k)` by running sums), twice over
/// `n!` for the two-sided test; a one-sided test halves it, or takes the
/// complement plus the mass at `c` when the statistic lies on the other
/// side. `c ≤ 1` has closed forms at any `n`.
fn kendall_exact(n: u64, concordant: u64, alternative: Alternative) -> f64 {
    let total = n * (n - 1) / 2;
    let in_right_tail = concordant >= total - concordant;
    let c = concordant.min(total - concordant);
    let factorial = |m: u64| (1..=m).fold(1.0f64, |f, i| f * i as f64);
    let (prob, mass_at_c) = if n == 2 {
        (1.0, 0.5)
    } else if c == 0 {
        let prob = if n < 171 { 2.0 / factorial(n) } else { 0.0 };
        (prob, prob / 2.0)
    } else if c == 1 {
        let prob = if n < 172 { 2.0 / factorial(n - 1) } else { 0.0 };
        (prob, if n < 171 { (n - 1) as f64 / factorial(n) } else { 0.0 })
    } else if 4 * c == n * (n - 1) && alternative == Alternative::TwoSided {
        (1.0, 0.0)
    } else {
        // c ≤ 264 here: n ≤ 33 (the only way to reach c ≥ 2).
        // (`min` and exclusive ranges let the optimiser see the indices in
        // bounds: no panic path.)
        let c = (c as usize).min(MAHONIAN_LEN - 1);
        let mut count = [0.0f64; MAHONIAN_LEN];
        count[0] = 1.0;
        count[1] = 1.0; // n = 2
        for j in 3..n as usize + 1 {
            // Running sums, then subtract the sums that fall out of the window.
            for i in 1..c + 1 {
                count[i] += count[i - 1];
            }
            // (`get` in the descending loop: the optimiser does not see
            // `i - j ≤ i ≤ c` there and kept a panic path per index.)
            for i in (j..c + 1).rev() {
                let fallen_out = count.get(i - j).copied().unwrap_or(0.0);
                if let Some(v) = count.get_mut(i) {
                    *v -= fallen_out;
                }
            }
        }
        let nf = factorial(n);
        (2.0 * count[..c + 1].iter().sum::<f64>() / nf, count[c] / nf)
    };
    let p = match alternative {
        Alternative::TwoSided => prob,
        Alternative::Greater | Alternative::Less => {
            if in_right_tail == (alternative == Alternative::Greater) {
                prob / 2.0
            } else {
                1.0 - prob / 2.0 + mass_at_c
            }
        }
    };
    p.clamp(0.0, 1.0)
}

//! The binomial distribution: `P(X = k) = C(n, k) pᵏ (1 − p)ⁿ⁻ᵏ`, its log
//! and its CDF, accurate for huge `n` and tiny `p`.
//!
//! The naive `lgamma(n+1) − lgamma(k+1) − lgamma(n−k+1) + k ln p + …` loses
//! digits to cancellation when `n` is large. These functions use Loader's
//! saddle-point form (C. Loader, *Fast and Accurate Computation of Binomial
//! Probabilities*, 2000), as R's `dbinom` does:
//!
//! ```text
//! ln P = stirlerr(n) − stirlerr(k) − stirlerr(n−k) − bd0(k, np) − bd0(n−k, nq)
//!        − ½ ln(2π k (n−k)/n)
//! ```
//!
//! with `stirlerr(m) = ln m! − ln(√(2πm)(m/e)ᵐ)` (exact table to 15, then
//! its asymptotic series) and the deviance `bd0(x, μ) = x ln(x/μ) + μ − x`
//! (a series in `v = (x−μ)/(x+μ)` for `|v| < ½`, where the direct form
//! cancels; `x`, `μ` as double-doubles). `k = 0` uses `n·log1p(−p)` (SciPy's `pow(1−p, n)` returns 1
//! when `1 − p` rounds to 1), `k = n` uses `n·ln p` (via `log1p(−q)` when
//! `p > ½`).
//!
//! # Domain
//! `p ∉ [0, 1]` or NaN → NaN; `k > n` → pmf 0, logpmf −∞, cdf 1, sf 0;
//! `p = 0`, `p = 1` exact. Results are `f64`. `n`, `k`, `n − k` and `n·p` enter the
//! deviances as double-doubles, so integers above 2⁵³ lose nothing there.
//!
//! # The distribution function
//! `cdf`, `sf`, `logcdf` and `logsf` go through the regularised incomplete
//! beta, `P(X > k) = I_p(k + 1, n − k)` (see `special::beta`: a continued
//! fraction, or Temme's uniform expansion in the bulk of a large-variance
//! distribution), so their cost does not grow with `n` (about 0.1–1 µs at
//! any `n` up to 2⁶⁴ − 1) and each tail keeps its relative accuracy however
//! small it is; `logcdf`/`logsf` stay finite where the tail underflows.
//! `ppf` inverts `cdf` exactly on the integers (a normal start, then
//! bracketing by whole steps).
//!
//! # Accuracy (tested against 50-digit mpmath values, `tests/data/`)
//! `logpmf` relative error ≤ 1e-13 (largest measured 4.4e-16); `pmf` ≤
//! 1e-13 wherever `|ln pmf| ≤ 450` (largest measured 8.7e-14), and within
//! 4 ulp at `k = 0` and `k = n` (`(1 − p)ⁿ` and `pⁿ` by `pow` on the exact
//! double-double `1 − p`); `cdf`, `sf` ≤ 1e-12 relative, `logcdf`, `logsf`
//! ≤ 1e-12 relative (or 1e-300 absolute near 0) — for every `n < 2⁶⁴`,
//! every `k` and every `p ∈ [0, 1]`; there is no range outside which an
//! answer is silently worse.

use crate::error::Result;
use crate::math::exp_f64;
use crate::simd::{Kernel, Kernels, LaneMap, Simd, map_in_place};
use crate::special::beta::{Beta, BetaTails, ln_one_minus_exp};
use crate::special::deviance::{LN_2PI, add, bd0, split, stirlerr, times, two_sum};
use crate::special::normal::normal_quantile;

/// The parts of `ln P(X = k)` that depend only on `n` and `p`, computed
/// once for every `k` of [`pmf_into`].
struct Loader {
    n: u64,
    p: f64,
    q: f64,
    /// `ln p`, `ln q`, each with full relative accuracy on both sides of ½.
    ln_p: f64,
    ln_q: f64,
    /// `n·p` and `n·q` as double-doubles (`q = 1 − p` exactly).
    np: (f64, f64),
    nq: (f64, f64),
    stirlerr_n: f64,
    /// `1/n`.
    inv_n: f64,
}

impl Loader {
    /// The distribution for `0 ≤ p ≤ 1`.
    fn new(n: u64, p: f64) -> Self {
        let q = 1.0 - p;
        // q = 1 − p exactly, as a double-double (Fast2Sum: |1| ≥ |p|).
        let q_lo = (1.0 - q) - p;
        let n2 = split(n);
        Loader {
            n,
            p,
            q,
            ln_p: if p > 0.5 { libm::log1p(-q) } else { libm::log(p) },
            ln_q: if p < 0.5 { libm::log1p(-p) } else { libm::log(q) },
            np: times(n2, p, 0.0),
            nq: times(n2, q, q_lo),
            stirlerr_n: stirlerr(n as f64),
            inv_n: 1.0 / n as f64,
        }
    }

    /// `ln P(X = k)`.
    fn ln_pmf(&self, k: u64) -> f64 {
        let n = self.n;
        if k > n {
            return f64::NEG_INFINITY;
        }
        if self.p == 0.0 {
            return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
        }
        if self.q == 0.0 {
            return if k == n { 0.0 } else { f64::NEG_INFINITY };
        }
        let (kf, nf) = (k as f64, n as f64);
        if k == 0 {
            return nf * self.ln_q;
        }
        if k == n {
            return nf * self.ln_p;
        }
        let nk = (n - k) as f64;
        let lc = self.stirlerr_n
            - stirlerr(kf)
            - stirlerr(nk)
            - bd0(split(k), self.np)
            - bd0(split(n - k), self.nq);
        // ½ ln(2π k (n−k)/n): one log of a product rounded at most four
        // times, an absolute error below 1e-15 in ln P.
        lc - 0.5 * (LN_2PI + libm::log(kf * nk * self.inv_n))
    }
}

fn valid(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}

/// `ln P(X = k)` for `X ~ Binomial(n, p)`: `−∞` for `k > n`, NaN for
/// `p ∉ [0, 1]` (or NaN).
///
/// ```
/// use simkern_core::binomial::logpmf;
/// assert_eq!(logpmf(0, 10, 0.0), 0.0);
/// assert!((logpmf(1, 2, 0.5) - 0.5f64.ln()).abs() < 1e-15);
/// // Tiny p, huge n: P(X = 0) = (1 − p)ⁿ ≈ e^{−np} with np = 1e-6.
/// assert!((logpmf(0, 1_000_000_000_000, 1e-18) + 1e-6).abs() < 1e-19);
/// assert_eq!(logpmf(3, 2, 0.5), f64::NEG_INFINITY);
/// assert!(logpmf(1, 2, 1.5).is_nan());
/// ```
pub fn logpmf(k: u64, n: u64, p: f64) -> f64 {
    if !valid(p) {
        return f64::NAN;
    }
    Loader::new(n, p).ln_pmf(k)
}

/// `P(X = k) = C(n, k) pᵏ (1 − p)ⁿ⁻ᵏ`: 0 for `k > n`, NaN for `p ∉ [0, 1]`.
///
/// ```
/// use simkern_core::binomial::pmf;
/// assert!((pmf(2, 4, 0.5) - 6.0 / 16.0).abs() < 1e-16);
/// assert_eq!(pmf(0, 5, 0.0), 1.0);
/// assert_eq!(pmf(5, 4, 0.5), 0.0);
/// ```
pub fn pmf(k: u64, n: u64, p: f64) -> f64 {
    if p > 0.0 && p < 1.0 && (k == 0 || k == n) {
        return end_pmf(k, n, p);
    }
    libm::exp(logpmf(k, n, p))
}

/// `P(X = 0) = (1 − p)ⁿ` and `P(X = n) = pⁿ` within a few ulp: `exp` of a
/// rounded `n·ln(1 − p)` would carry that product's rounding, amplified by
/// `|ln P|` (200+ ulp at `ln P ≈ −500`).
///
/// - `(1 − p)ⁿ` for `p < 2⁻¹⁰`: `ln(1 − p) = −p − p²/2 − p³/3 − …` as a
///   double-double, times `n` (a double-double too), then
///   `e^{hi}·(1 + lo)`;
/// - otherwise `pow` of the base — `p`, or `1 − p`, which is exact there
///   up to a last bit whose effect `(1 + lo/q)ⁿ` is negligible wherever
///   `(1 − p)ⁿ` does not underflow — with `n` split so that each exponent
///   is an exact `f64`.
fn end_pmf(k: u64, n: u64, p: f64) -> f64 {
    if k > n {
        return 0.0;
    }
    let n2 = split(n);
    if k == 0 && p < 1.0 / 1024.0 {
        let (ln_q_hi, ln_q_lo) = ln_one_minus_small(p);
        let (e_hi, e_lo) = times(n2, ln_q_hi, ln_q_lo);
        let (hi, lo) = two_sum(e_hi, e_lo);
        return libm::exp(hi) * (1.0 + lo);
    }
    let (base, lo) = if k == 0 {
        let q = 1.0 - p;
        (q, (1.0 - q) - p)
    } else {
        (p, 0.0)
    };
    let mut r = libm::pow(base, n2.0);
    // Once the main power underflows the small corrections cannot lift it
    // (|n2.1| ≤ 2¹⁰ against n2.0 ≥ 2⁵³), but pow(base, n2.1 < 0) could be
    // ∞: stop at 0 rather than form 0·∞.
    if r == 0.0 {
        return 0.0;
    }
    if n2.1 != 0.0 {
        r *= libm::pow(base, n2.1);
    }
    if lo != 0.0 {
        r *= libm::exp(n2.0 * libm::log1p(lo / base));
    }
    r
}

/// `ln(1 − p)` for `0 ≤ p < 2⁻¹⁰` as a double-double: `−p − p²/2` exactly,
/// the rest of the series (`p³/3 + …`, below `2⁻²⁰` of the total) in `f64`.
fn ln_one_minus_small(p: f64) -> (f64, f64) {
    let sq = p * p;
    let sq_lo = libm::fma(p, p, -sq);
    // Σ_{j ≥ 3} pʲ/j, until the terms vanish against it.
    let (mut term, mut rest) = (sq * p, 0.0);
    for j in 3..40 {
        let next = rest + term / j as f64;
        if next == rest {
            break;
        }
        rest = next;
        term *= p;
    }
    // −p − (sq + sq_lo)/2 − rest; −p and −sq/2 are exact, summed by TwoSum.
    let (hi, lo) = two_sum(-p, -0.5 * sq);
    two_sum(hi, lo - 0.5 * sq_lo - rest)
}

/// `P(X = kᵢ)` for every `kᵢ` in `ks`, into `out` (same length): NaN
/// everywhere for `p ∉ [0, 1]`.
///
/// The `n`- and `p`-only parts of Loader's formula are computed once; the
/// logs go block by block through a vector `exp` (at the best level; the
/// results may differ from [`pmf`]'s in the last bits, well within the
/// accuracy contract).
///
/// ```
/// let mut out = [0.0; 3];
/// simkern_core::binomial::pmf_into(&[0, 1, 2], 2, 0.5, &mut out).unwrap();
/// for (got, want) in out.iter().zip([0.25, 0.5, 0.25]) {
///     assert!((got - want).abs() <= 1e-15 * want);
/// }
/// ```
pub fn pmf_into(ks: &[u64], n: u64, p: f64, out: &mut [f64]) -> Result<()> {
    Kernels::best().pmf_into(ks, n, p, out)
}

/// Values per block: the logs of a block are exponentiated while in L1.
const PMF_BLOCK: usize = 512;

impl Kernels {
    /// [`pmf_into`] with the `exp` at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut out = [0.0; 2];
    /// Kernels::new(Level::Portable).unwrap().pmf_into(&[1, 3], 2, 0.5, &mut out).unwrap();
    /// assert!((out[0] - 0.5).abs() <= 1e-15);
    /// assert_eq!(out[1], 0.0); // k > n
    /// ```
    pub fn pmf_into(self, ks: &[u64], n: u64, p: f64, out: &mut [f64]) -> Result<()> {
        crate::error::same_len("ks", ks.len(), "out", out.len())?;
        if !valid(p) {
            out.fill(f64::NAN);
            return Ok(());
        }
        let dist = Loader::new(n, p);
        for (ks, out) in ks.chunks(PMF_BLOCK).zip(out.chunks_mut(PMF_BLOCK)) {
            for (o, &k) in out.iter_mut().zip(ks) {
                // Below −746 (and −∞) the pmf rounds to 0, which `exp_f64`
                // gives for −746: clamp into its domain.
                *o = dist.ln_pmf(k).max(-746.0);
            }
            self.run(ExpInPlace { x: out });
            if p > 0.0 && p < 1.0 {
                for (o, &k) in out.iter_mut().zip(ks) {
                    if k == 0 || k == n {
                        *o = end_pmf(k, n, p);
                    }
                }
            }
        }
        Ok(())
    }
}

/// `eˣ` lane by lane, for `x ∈ [−746, 0]`.
struct ExpF64Lanes;

impl<S: Simd> LaneMap<S, f64> for ExpF64Lanes {
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F64) -> S::F64 {
        exp_f64(s, x)
    }
}

/// `x ← eˣ` over `f64` lanes.
struct ExpInPlace<'a> {
    x: &'a mut [f64],
}

impl Kernel for ExpInPlace<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        map_in_place(s, &mut ExpF64Lanes, self.x);
    }
}

/// `P(X ≤ k)`: 1 for `k ≥ n`, NaN for `p ∉ [0, 1]`.
///
/// `1 − I_p(k + 1, n − k)` (see the module docs): relative error ≤ 1e-12
/// in either tail, at any `n`.
///
/// ```
/// use simkern_core::binomial::cdf;
/// assert!((cdf(1, 2, 0.5) - 0.75).abs() < 1e-15);
/// assert_eq!(cdf(7, 5, 0.3), 1.0);
/// // A deep lower tail keeps its relative accuracy.
/// let t = cdf(0, 1000, 0.5);
/// assert!((t / 0.5f64.powi(1000) - 1.0).abs() < 1e-12);
/// // Huge n: P(X ≤ 3·10¹⁸) for n = 10¹⁹, p = 0.3 (as f64, a hair below
/// // 0.3) is 0.50000003072003343… (60-digit quadrature).
/// let c = cdf(3_000_000_000_000_000_000, 10_000_000_000_000_000_000, 0.3);
/// assert!((c - 0.500_000_030_720_033_43).abs() < 1e-15);
/// ```
pub fn cdf(k: u64, n: u64, p: f64) -> f64 {
    tails(k, n, p).lower()
}

/// The survival function `P(X > k) = 1 − P(X ≤ k)`, with the relative
/// accuracy of [`cdf`] in the upper tail (where `1 − cdf` would round to
/// 0): 0 for `k ≥ n`, NaN for `p ∉ [0, 1]`.
///
/// ```
/// use simkern_core::binomial::{cdf, sf};
/// assert!((sf(1, 2, 0.5) - 0.25).abs() < 1e-15);
/// // P(X > 999) = P(X = 1000) = 2⁻¹⁰⁰⁰, far below what 1 − cdf resolves.
/// assert!((sf(999, 1000, 0.5) / 0.5f64.powi(1000) - 1.0).abs() < 1e-12);
/// assert_eq!(1.0 - cdf(999, 1000, 0.5), 0.0);
/// ```
pub fn sf(k: u64, n: u64, p: f64) -> f64 {
    tails(k, n, p).upper()
}

/// `ln P(X ≤ k)`, finite where [`cdf`] underflows: `0` for `k ≥ n`, NaN
/// for `p ∉ [0, 1]`.
///
/// ```
/// use simkern_core::binomial::logcdf;
/// // P(X ≤ 0) = 2⁻¹⁰⁰⁰⁰ for n = 10 000, p = ½: below f64, but not its log.
/// let l = logcdf(0, 10_000, 0.5);
/// assert!((l / (-10_000.0 * core::f64::consts::LN_2) - 1.0).abs() < 1e-14);
/// assert_eq!(logcdf(5, 5, 0.5), 0.0);
/// ```
pub fn logcdf(k: u64, n: u64, p: f64) -> f64 {
    tails(k, n, p).ln_lower
}

/// `ln P(X > k)`, finite where [`sf`] underflows: `−∞` for `k ≥ n`, NaN
/// for `p ∉ [0, 1]`.
///
/// ```
/// use simkern_core::binomial::logsf;
/// // P(X > 9 999) = P(X = 10 000) = 2⁻¹⁰⁰⁰⁰.
/// let l = logsf(9_999, 10_000, 0.5);
/// assert!((l / (-10_000.0 * core::f64::consts::LN_2) - 1.0).abs() < 1e-14);
/// assert_eq!(logsf(5, 5, 0.5), f64::NEG_INFINITY);
/// ```
pub fn logsf(k: u64, n: u64, p: f64) -> f64 {
    tails(k, n, p).ln_upper
}

/// `ln P(X ≤ k)` and `ln P(X > k)`.
fn tails(k: u64, n: u64, p: f64) -> BetaTails {
    if !valid(p) {
        return BetaTails { ln_lower: f64::NAN, ln_upper: f64::NAN };
    }
    if k >= n || p == 0.0 {
        return BetaTails { ln_lower: 0.0, ln_upper: f64::NEG_INFINITY };
    }
    if p == 1.0 {
        return BetaTails { ln_lower: f64::NEG_INFINITY, ln_upper: 0.0 };
    }
    if k < SHORT_SUM || n - k <= SHORT_SUM {
        return short_tails(k, n, p);
    }
    // P(X > k) = I_p(k + 1, n − k); its complement is the cdf. q = 1 − p
    // exactly, as a double-double.
    let q = 1.0 - p;
    let upper =
        Beta { a: add(split(k), (1.0, 0.0)), b: split(n - k), x: (p, 0.0), y: (q, (1.0 - q) - p) }.tails();
    BetaTails { ln_lower: upper.ln_upper, ln_upper: upper.ln_lower }
}

/// A tail with fewer terms than this (`k + 1` for the cdf, `n − k` for
/// the sf) is summed term by term: where one parameter of the incomplete
/// beta is that small, its expansions lose accuracy (DiDonato & Morris
/// switch to power series there), and the finite sum is exact and short.
const SHORT_SUM: u64 = 40;

/// [`tails`] by summing the pmf where `k + 1` or `n − k` is below
/// [`SHORT_SUM`]: the short tail term by term, the other as its complement
/// when the short one is at most ½, else summed too (then the distribution
/// is concentrated on the short side: few terms either way).
fn short_tails(k: u64, n: u64, p: f64) -> BetaTails {
    let half = -core::f64::consts::LN_2;
    if k < SHORT_SUM {
        let ln_lower = ln_pmf_sum(0, k, n, p);
        let ln_upper = if ln_lower <= half { ln_one_minus_exp(ln_lower) } else { ln_pmf_sum(k + 1, n, n, p) };
        BetaTails { ln_lower, ln_upper }
    } else {
        let ln_upper = ln_pmf_sum(k + 1, n, n, p);
        let ln_lower = if ln_upper <= half { ln_one_minus_exp(ln_upper) } else { ln_pmf_sum(0, k, n, p) };
        BetaTails { ln_lower, ln_upper }
    }
}

/// `ln Σ_{j = lo}^{hi} P(X = j)`, summed outwards from the largest term
/// (the mode, clamped to `[lo, hi]`) by the ratio recurrences, each side
/// until its terms fall below 1e-17 of the sum (NaN past a million terms,
/// which the callers' ranges never need: they are short, or lie on the
/// side of a distribution with a small variance).
fn ln_pmf_sum(lo: u64, hi: u64, n: u64, p: f64) -> f64 {
    const MAX_TERMS: u64 = 1_000_000;
    let q = 1.0 - p;
    let mode = if p <= 0.5 {
        libm::floor((n as f64 + 1.0) * p) as u64
    } else {
        n.saturating_sub(libm::floor((n as f64 + 1.0) * q) as u64)
    };
    let start = mode.max(lo).min(hi); // (`clamp` asserts lo ≤ hi: a panic path)
    let ln_start = logpmf(start, n, p);
    let (mut sum, mut terms) = (1.0, 0u64);
    // Downwards: P(j − 1) = P(j) · j q / ((n − j + 1) p).
    let (mut term, mut j) = (1.0, start);
    while j > lo {
        term *= (j as f64 * q) / ((n - j + 1) as f64 * p);
        sum += term;
        j -= 1;
        terms += 1;
        if term <= sum * 1e-17 || terms > MAX_TERMS {
            break;
        }
    }
    // Upwards: P(j + 1) = P(j) · (n − j) p / ((j + 1) q).
    let (mut term, mut j) = (1.0, start);
    while j < hi {
        term *= ((n - j) as f64 * p) / ((j + 1) as f64 * q);
        sum += term;
        j += 1;
        terms += 1;
        if term <= sum * 1e-17 || terms > MAX_TERMS {
            break;
        }
    }
    if terms > MAX_TERMS {
        return f64::NAN;
    }
    // Each term is within the pmf's bound, so a sum over most of the mass
    // can pass 1 by that much: the probability is at most 1.
    (ln_start + libm::log(sum)).min(0.0)
}

/// The quantile function: the smallest `k` with `P(X ≤ k) ≥ q`, as `f64`
/// (SciPy's `binom.ppf`): `−1` for `q = 0` (SciPy's convention: no `k`
/// has probability below every `cdf`), `n` for `q = 1`, NaN for `q ∉ [0, 1]`
/// or `p ∉ [0, 1]`. Above 2⁵³, where not every integer is an `f64`, the
/// smallest `f64` at or above that `k`.
///
/// Exact on the integers: a start from the normal approximation with
/// Cornish–Fisher's skewness term, then whole steps outwards until `cdf`
/// brackets `q`, then bisection (about `log₂` of the start's error in
/// evaluations of [`cdf`] or, for `q > ½`, of [`sf`] against `1 − q`,
/// which is exact there).
///
/// ```
/// use simkern_core::binomial::{cdf, ppf};
/// assert_eq!(ppf(0.5, 10, 0.5), 5.0);
/// assert_eq!(ppf(cdf(3, 10, 0.3), 10, 0.3), 3.0);
/// assert_eq!(ppf(0.0, 10, 0.3), -1.0);
/// assert_eq!(ppf(1.0, 10, 0.3), 10.0);
/// assert!(ppf(1.5, 10, 0.3).is_nan());
/// ```
pub fn ppf(q: f64, n: u64, p: f64) -> f64 {
    if !valid(p) || !valid(q) {
        return f64::NAN;
    }
    if q == 0.0 {
        return -1.0;
    }
    if q == 1.0 || p == 1.0 {
        return n as f64;
    }
    if p == 0.0 {
        return 0.0;
    }
    // reached(k) ⟺ P(X ≤ k) ≥ q; monotone in k, true at k = n.
    let reached = |k: u64| if q <= 0.5 { cdf(k, n, p) >= q } else { sf(k, n, p) <= 1.0 - q };
    let guess = normal_guess(q, n, p);
    // Bracket: reached(hi), !reached(lo) (lo = None stands for −1).
    let (mut lo, mut hi): (Option<u64>, u64);
    if reached(guess) {
        hi = guess;
        let mut step = 1u64;
        loop {
            match hi.checked_sub(step) {
                Some(k) if reached(k) => {
                    hi = k;
                    step = step.saturating_mul(2);
                }
                Some(k) => {
                    lo = Some(k);
                    break;
                }
                None if reached(0) => return 0.0,
                None => {
                    lo = Some(0);
                    break;
                }
            }
        }
    } else {
        lo = Some(guess);
        let mut step = 1u64;
        loop {
            let k = guess.saturating_add(step).min(n);
            if reached(k) {
                hi = k;
                break;
            }
            lo = Some(k);
            step = step.saturating_mul(2);
        }
    }
    // Invariant: !reached(lo), reached(hi).
    while let Some(l) = lo {
        if hi - l <= 1 {
            break;
        }
        let mid = l + (hi - l) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = Some(mid);
        }
    }
    // Above 2⁵³ not every integer is an f64: round up, so that
    // cdf(ppf(q)) ≥ q still holds.
    let k = hi as f64;
    if (k as u64) < hi { k.next_up() } else { k }
}

/// A start for [`ppf`]: `np + σz + (q − p)(z² − 1)/6` (normal quantile `z`
/// with the skewness correction), clamped to `[0, n]`.
fn normal_guess(q: f64, n: u64, p: f64) -> u64 {
    let nf = n as f64;
    let sd = libm::sqrt(nf * p * (1.0 - p));
    let z = normal_quantile(q);
    let k = nf * p + sd * z + (1.0 - 2.0 * p) * (z * z - 1.0) / 6.0 - 0.5;
    if k <= 0.0 || k.is_nan() {
        0
    } else if k >= nf {
        n
    } else {
        k as u64
    }
}

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
//! # Accuracy (tested against 50-digit mpmath values, `tests/data/`)
//! `logpmf` relative error ≤ 1e-13 (largest measured 4.4e-16); `pmf` ≤
//! 1e-13 wherever `|ln pmf| ≤ 450` (largest measured 8.7e-14);
//! `cdf` and `sf` ≤ 1e-12 when `n·p·(1 − p) ≤ 1e10`: they sum the pmf
//! from `k` away from the mode (recurrence `P(j±1)/P(j)`, at most
//! `CDF_MAX_TERMS` terms) and complement when the wanted tail is the
//! larger one, so each keeps its relative accuracy in its own small tail
//! (measured: cdf 1.0e-13, sf 1.6e-13). Beyond that variance the sum is
//! truncated and the 1e-12 bound is not guaranteed.

use crate::error::Result;
use crate::math::exp_f64;
use crate::simd::{Kernel, Kernels, LaneMap, Simd, map_in_place};

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// `stirlerr(n)` for `n = 0..=15` (50-digit mpmath values, rounded; the
/// script is `tests/data/stirlerr_table.py`; `n = 0` is never used).
const STIRLERR: [f64; 16] = [
    0.0,
    0.08106146679532726,
    0.0413406959554093,
    0.02767792568499834,
    0.020790672103765093,
    0.016644691189821193,
    0.013876128823070748,
    0.01189670994589177,
    0.010411265261972096,
    0.009255462182712733,
    0.00833056343336287,
    0.007573675487951841,
    0.00694284010720953,
    0.006408994188004207,
    0.0059513701127588475,
    0.005554733551962801,
];

/// `1/(2j + 1)` for `j = 1..=32`: the deviance series multiplies by these
/// instead of dividing (a division per term was most of the pmf's time).
const INV_ODD: [f64; 32] = {
    let mut t = [0.0; 32];
    let mut j = 0;
    while j < 32 {
        t[j] = 1.0 / (2 * j + 3) as f64;
        j += 1;
    }
    t
};

/// The most terms [`cdf`] sums.
const CDF_MAX_TERMS: u64 = 100_000_000;

/// `ln m! − ln(√(2πm)(m/e)ᵐ)` for an integer `m ≥ 1`: the table up to 15,
/// then the Stirling series `1/(12m) − 1/(360m³) + 1/(1260m⁵) − …` with as
/// many terms as double precision needs at that `m` (Loader's cut-offs).
fn stirlerr(m: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if m <= 15.0 {
        return STIRLERR[m as usize];
    }
    // One division: the series in r = 1/m.
    let r = 1.0 / m;
    let r2 = r * r;
    if m > 500.0 {
        (S0 - S1 * r2) * r
    } else if m > 80.0 {
        (S0 - (S1 - S2 * r2) * r2) * r
    } else if m > 35.0 {
        (S0 - (S1 - (S2 - S3 * r2) * r2) * r2) * r
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 * r2) * r2) * r2) * r2) * r
    }
}

/// The deviance `x ln(x/μ) + μ − x ≥ 0` for `x = x.0 + x.1` and
/// `μ = mu.0 + mu.1` (double-doubles: integers above 2⁵³ and `n·p` round,
/// and the deviance near its minimum is sensitive to both), without
/// cancellation for `|v| < ½`, `v = (x − μ)/(x + μ)`: there it is
/// `(x − μ)v + 2x Σⱼ v^(2j+1)/(2j+1)` (at most ~27 terms). Loader uses the
/// series only for `|v| < 0.1`; between 0.1 and ½ the direct form lost up
/// to 2e-13 of relative accuracy in the pmf to cancellation (measured).
fn bd0(x: (f64, f64), mu: (f64, f64)) -> f64 {
    // x − μ: the first difference is exact when the two are close.
    let d = ((x.0 - mu.0) + x.1) - mu.1;
    if d.abs() < 0.5 * (x.0 + mu.0) {
        let v = d / (x.0 + mu.0 + (x.1 + mu.1));
        let v2 = v * v;
        let mut s = d * v;
        let mut ej = 2.0 * x.0 * v;
        // Each term is at most v² < ¼ of the last: 32 reach below an ulp.
        for inv in INV_ODD {
            ej *= v2;
            let next = s + ej * inv;
            if next == s {
                break;
            }
            s = next;
        }
        return s;
    }
    // ln(x/μ) to first order in the low parts.
    x.0 * (libm::log(x.0 / mu.0) + x.1 / x.0 - mu.1 / mu.0) - d
}

/// An integer as a double-double `(hi, lo)`, exact for any `u64`.
fn split(m: u64) -> (f64, f64) {
    let hi = m as f64;
    if m < 1 << 53 {
        return (hi, 0.0);
    }
    (hi, (i128::from(m) - hi as i128) as f64)
}

/// `n·c` as a double-double for `n = n.0 + n.1`, `c = c_hi + c_lo`.
fn times(n: (f64, f64), c_hi: f64, c_lo: f64) -> (f64, f64) {
    let hi = n.0 * c_hi;
    (hi, libm::fma(n.0, c_hi, -hi) + n.0 * c_lo + n.1 * c_hi)
}

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
    libm::exp(logpmf(k, n, p))
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
/// Sums the pmf from `k` away from the mode with the ratio recurrence, or
/// the other tail and takes the complement when `k` is past the mode, so
/// that the smaller tail is the one summed (see the module docs for the
/// accuracy and its domain).
///
/// ```
/// use simkern_core::binomial::cdf;
/// assert!((cdf(1, 2, 0.5) - 0.75).abs() < 1e-15);
/// assert_eq!(cdf(7, 5, 0.3), 1.0);
/// // A deep lower tail keeps its relative accuracy.
/// let t = cdf(0, 1000, 0.5);
/// assert!((t / 0.5f64.powi(1000) - 1.0).abs() < 1e-12);
/// ```
pub fn cdf(k: u64, n: u64, p: f64) -> f64 {
    match tail(k, n, p) {
        Tail::Lower(s) => s,
        Tail::Upper(s) => 1.0 - s,
    }
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
    match tail(k, n, p) {
        Tail::Lower(s) => 1.0 - s,
        Tail::Upper(s) => s,
    }
}

/// The smaller of the two tails around `k`, summed.
enum Tail {
    /// `P(X ≤ k)`.
    Lower(f64),
    /// `P(X > k)`.
    Upper(f64),
}

/// Sums the tail of `k` on the far side of the mode: `P(X ≤ k)` below
/// it, `P(X > k)` from it (NaN for an invalid `p`).
fn tail(k: u64, n: u64, p: f64) -> Tail {
    if !valid(p) {
        return Tail::Lower(f64::NAN);
    }
    if k >= n || p == 0.0 {
        return Tail::Upper(0.0);
    }
    if p == 1.0 {
        return Tail::Lower(0.0);
    }
    let q = 1.0 - p;
    // k < mode = ⌊(n + 1)p⌋ ⟺ k + 1 ≤ (n + 1)p ⟺ n − k ≥ (n + 1)q. Past
    // p = ½ the second form: n − k and (n + 1)q are small and exact enough
    // there, where k and (n + 1)p lose their difference to rounding once
    // n > 2⁵³ (the larger tail was summed and its complement lost every
    // digit: cdf(n − 613, 2.56e18, 1 − 2⁻⁵³) = 4.25e-64 came out as −1.4e-14).
    let below_mode = if p <= 0.5 {
        (k as f64) < libm::floor((n as f64 + 1.0) * p)
    } else {
        ((n - k) as f64) >= (n as f64 + 1.0) * q
    };
    if below_mode {
        // Lower tail: P(j − 1) = P(j) · j q / ((n − j + 1) p).
        let mut term = pmf(k, n, p);
        let mut sum = term;
        let mut j = k;
        while j > 0 && k - j < CDF_MAX_TERMS {
            term *= (j as f64 * q) / ((n - j + 1) as f64 * p);
            if term <= sum * 1e-17 {
                break;
            }
            sum += term;
            j -= 1;
        }
        // Each term is within the pmf's bound, so a sum over most of the mass
        // can pass 1 by that much: the probability is at most 1.
        Tail::Lower(sum.min(1.0))
    } else {
        // Upper tail from k + 1: P(j + 1) = P(j) · (n − j) p / ((j + 1) q).
        let mut term = pmf(k + 1, n, p);
        let mut sum = term;
        let mut j = k + 1;
        while j < n && j - k < CDF_MAX_TERMS {
            term *= ((n - j) as f64 * p) / ((j + 1) as f64 * q);
            if term <= sum * 1e-17 {
                break;
            }
            sum += term;
            j += 1;
        }
        Tail::Upper(sum.min(1.0))
    }
}

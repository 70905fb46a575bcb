//! The regularised incomplete beta function
//!
//! ```text
//! I_x(a, b) = ∫₀ˣ tᵃ⁻¹ (1 − t)ᵇ⁻¹ dt / B(a, b)
//! ```
//!
//! and its complement `1 − I_x(a, b) = I_y(b, a)`, `y = 1 − x`, each as a
//! natural log with its own relative accuracy, so that a tail of 1e-300 —
//! or of e⁻¹⁰⁰⁰⁰⁰, which no `f64` holds — keeps its digits.
//!
//! With `λ = a − (a + b)x` (the distance from the mean `x₀ = a/(a + b)`,
//! scaled), the side with `λ ≥ 0` is computed (swapping `(a, x) ↔ (b, y)`
//! otherwise) by one of two methods, after DiDonato & Morris (ACM TOMS
//! 708, 1992), whose case split R and SciPy's Boost build on:
//!
//! - **Temme's uniform asymptotic expansion** when both parameters exceed
//!   100 and `λ ≤ 0.03·min(a, b)` (the bulk of a sharply peaked
//!   integrand, where a continued fraction needs `O(√min(a, b))` terms):
//!   `I = (2/√π) e^{−f − Δ} Σₙ dₙ w₀ⁿ Jₙ(√f)`, with `f` the deviance of
//!   `x` from `x₀`, `Δ` the Stirling corrections of `B(a, b)`, `Jₙ` the
//!   scaled complementary error function and its recurrence, and `dₙ` the
//!   coefficients of the expansion of the integrand about its peak (powers
//!   of a series, J. C. P. Miller's recurrence). Terms fall like
//!   `min(a, b)^{−n/2}`: a handful at `a, b ≥ 10⁶`, at most 20 at 100.
//! - **The continued fraction** (modified Lentz) everywhere else, with
//!   the prefactor `xᵃ yᵇ / B(a, b)` from the deviances (no `ln Γ` of
//!   large arguments, no `a·ln x` that cancels).
//!
//! Every input enters as a double-double (`a`, `b`, `x`, `y`), so callers
//! with integers above 2⁵³ (the binomial's `n − k`) or an `x` whose
//! complement must not round (`y = 1 − p`) lose nothing before `λ` and the
//! deviances are formed.

use super::deviance::{Dd, LN_2PI, add, bd0, stirlerr, times, value};
use super::normal::erfcx;

/// `I_x(a, b)` and `1 − I_x(a, b)` as natural logs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BetaTails {
    /// `ln I_x(a, b)`.
    pub(crate) ln_lower: f64,
    /// `ln(1 − I_x(a, b))`.
    pub(crate) ln_upper: f64,
}

impl BetaTails {
    /// `I_x(a, b)`: the exponential of its log, or one minus the other
    /// tail's (`−expm1`, one rounding) where it is the larger one.
    pub(crate) fn lower(self) -> f64 {
        if self.ln_lower > -core::f64::consts::LN_2 {
            -libm::expm1(self.ln_upper)
        } else {
            libm::exp(self.ln_lower)
        }
    }

    /// `1 − I_x(a, b)`, as [`BetaTails::lower`].
    pub(crate) fn upper(self) -> f64 {
        if self.ln_upper > -core::f64::consts::LN_2 {
            -libm::expm1(self.ln_lower)
        } else {
            libm::exp(self.ln_upper)
        }
    }
}

/// The arguments of `I_x(a, b)`: `a, b > 0`, `x, y ∈ [0, 1]` with
/// `x + y = 1` (exactly, as double-doubles).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Beta {
    pub(crate) a: Dd,
    pub(crate) b: Dd,
    pub(crate) x: Dd,
    pub(crate) y: Dd,
}

/// Both parameters above this (and `λ` within [`TEMME_LAMBDA`] of the
/// smaller) take Temme's expansion.
const TEMME_MIN: f64 = 100.0;
/// `λ / min(a, b)` below which Temme's expansion is used.
const TEMME_LAMBDA: f64 = 0.03;
/// Relative size of the last term kept in Temme's series.
const EPS: f64 = 1e-16;
/// Relative change of the continued fraction's convergent at which it has
/// converged: 4ε, twice the at most one ulp by which the renormalised
/// recurrence itself moves a converged value each step (a product and a
/// quotient, each rounded). A tolerance below an ulp is met only by luck:
/// for `a = 2·10⁹, b = 1.8·10¹⁹, x = 10⁻⁷⁴` (the binomial's `k` far above
/// `n·p`), the fraction is `c₁/c` from its first step on, and rounding
/// moved it by one ulp at each of 20 000 steps, so the cdf came out NaN.
const CF_TOL: f64 = 4.0 * f64::EPSILON;
/// Continued-fraction steps before giving up (NaN): where it is used it
/// converges in at most a few hundred.
const CF_MAX_STEPS: usize = 20_000;

/// `ln(2/√π)`.
const LN_2_OVER_SQRT_PI: f64 = 0.120_782_237_635_245_22;

impl Beta {
    /// Both tails, as logs; NaN where a method failed to converge (none is
    /// known; the bound is tested against mpmath).
    pub(crate) fn tails(self) -> BetaTails {
        let (x, y) = (value(self.x), value(self.y));
        if x == 0.0 {
            return BetaTails { ln_lower: f64::NEG_INFINITY, ln_upper: 0.0 };
        }
        if y == 0.0 {
            return BetaTails { ln_lower: 0.0, ln_upper: f64::NEG_INFINITY };
        }
        // λ = a − (a + b)x, in double-double: it is the difference of two
        // numbers near 10¹⁸ for the binomial's huge n.
        let sum = add(self.a, self.b);
        let ax = times(sum, self.x.0, self.x.1);
        let lambda = value(add(self.a, (-ax.0, -ax.1)));
        let (near, swapped) = if lambda >= 0.0 {
            (Side { a: self.a, b: self.b, x, y, ax, by: times(sum, self.y.0, self.y.1), lambda }, false)
        } else {
            let by = times(sum, self.y.0, self.y.1);
            (Side { a: self.b, b: self.a, x: y, y: x, ax: by, by: ax, lambda: -lambda }, true)
        };
        let ln_near = near.ln_lower();
        // The other tail is at least about ½: its complement is exact enough.
        let ln_far = ln_one_minus_exp(ln_near);
        if swapped {
            BetaTails { ln_lower: ln_far, ln_upper: ln_near }
        } else {
            BetaTails { ln_lower: ln_near, ln_upper: ln_far }
        }
    }
}

/// `ln(1 − eˡ)` for `l ≤ 0`, accurate on both sides of `ln ½`.
pub(crate) fn ln_one_minus_exp(l: f64) -> f64 {
    if l > -core::f64::consts::LN_2 { libm::log(-libm::expm1(l)) } else { libm::log1p(-libm::exp(l)) }
}

/// `I_x(a, b)` on the side of the mean where `λ = a − (a + b)x ≥ 0`.
struct Side {
    a: Dd,
    b: Dd,
    x: f64,
    y: f64,
    /// `(a + b)·x` and `(a + b)·y`.
    ax: Dd,
    by: Dd,
    lambda: f64,
}

impl Side {
    /// `ln I_x(a, b)`.
    fn ln_lower(&self) -> f64 {
        let (a, b) = (value(self.a), value(self.b));
        // The deviance f = a·φ(−λ/a) + b·φ(λ/b), φ(t) = t − ln(1 + t):
        // −ln of (x/x₀)ᵃ (y/y₀)ᵇ.
        let f = bd0(self.a, self.ax) + bd0(self.b, self.by);
        // Δ = δ(a) + δ(b) − δ(a + b), the Stirling corrections of B(a, b).
        let delta = stirlerr(a) + stirlerr(b) - stirlerr(a + b);
        let small = a.min(b);
        if small > TEMME_MIN && self.lambda <= TEMME_LAMBDA * small {
            return LN_2_OVER_SQRT_PI - f - delta + libm::log(temme_sum(a, b, f));
        }
        // ln(xᵃ yᵇ / B(a, b)) = ½ ln(ab / (2π(a + b))) − f − Δ.
        let ln_front = 0.5 * (libm::log(a) + libm::log(b) - libm::log(a + b) - LN_2PI) - f - delta;
        match continued_fraction(a, b, self.x, self.y, self.lambda) {
            Some(r) => ln_front + libm::log(r),
            None => f64::NAN,
        }
    }
}

/// `I_x(a, b) / (xᵃ yᵇ / B(a, b))` by DiDonato & Morris' continued
/// fraction for `λ ≥ 0` (their BFRAC), evaluated by forward recurrence of
/// the convergents `Aₙ/Bₙ`, renormalised each step; `None` if it has not
/// converged in [`CF_MAX_STEPS`].
///
/// Unlike the textbook fraction in `x` alone, whose terms `1 − (…)x` cancel
/// when `x` is near 1 (losing `u/y` of relative accuracy: 1e-3 at
/// `y = 2⁻⁴⁰`), every partial numerator `αₙ` and denominator `βₙ` here is
/// a sum of non-negative terms in `λ`, `x` and `y`:
///
/// ```text
/// αₙ = pₙ(pₙ + b/a)·(a/sₙ)²·n(b − n)x²,    βₙ = n + n(b − n)x/sₙ + eₙ(1 + λ + n(1 + y))
/// pₙ = 1 + (n − 1)/a,  sₙ = a + 2n − 1,  eₙ = (1 + n/a)/(1 + 1/a + 2n/a)
/// ```
fn continued_fraction(a: f64, b: f64, x: f64, y: f64, lambda: f64) -> Option<f64> {
    let c = 1.0 + lambda;
    let (c0, c1) = (b / a, 1.0 + 1.0 / a);
    let (mut p, mut s) = (1.0, a + 1.0);
    // Convergents: (A_{n−1}, B_{n−1}) and (A_n, B_n).
    let (mut a_prev, mut b_prev) = (0.0, 1.0);
    let (mut a_cur, mut b_cur) = (1.0, c / c1);
    let mut r = c1 / c;
    for n in 1..=CF_MAX_STEPS {
        let n = n as f64;
        let t = n / a;
        let w = n * (b - n) * x;
        let e = a / s;
        let alpha = p * (p + c0) * e * e * (w * x);
        let beta = n + w / s + (t + 1.0) / (c1 + t + t) * (c + n * (1.0 + y));
        p = 1.0 + t;
        s += 2.0;
        (a_prev, a_cur) = (a_cur, alpha * a_prev + beta * a_cur);
        (b_prev, b_cur) = (b_cur, alpha * b_prev + beta * b_cur);
        let last = r;
        r = a_cur / b_cur;
        if (r - last).abs() <= CF_TOL * r {
            return Some(r);
        }
        a_prev /= b_cur;
        b_prev /= b_cur;
        a_cur = r;
        b_cur = 1.0;
    }
    None
}

/// The most terms of Temme's series (pairs of `n`): enough at `a, b > 100`.
const TEMME_TERMS: usize = 20;

/// `Σₙ dₙ w₀ⁿ Jₙ(z₀)` of Temme's expansion of `I_x(a, b)` for `λ ≥ 0`, with
/// `z₀ = √f` (see the module docs; the notation is DiDonato & Morris').
///
/// With `h` the smaller of `a/b` and `b/a` and `w₀ = 1/√(min(a, b)(1 + h))`,
/// the integrand about its peak is expanded in `u` with coefficients
/// `αⱼ` (`α₀ = ⅔ r₁`, then alternately `2r₀(hʲ⁺¹ + 1)/(j + 3)` and
/// `2r₁(1 + h² + … + hʲ)/(j + 3)`, `r₀ = 1/(1 + h)`, `r₁ = (b − a)/max`);
/// `cᵢ` is the `i`-th coefficient of `(1 + α(u))^{−(i+1)/2}` over `i + 1`,
/// and `1 + d(u) = 1 / (1 + c(u))`. `Jₙ = ∫_{z₀}^∞ e^{−(s² − z₀²)} (√2 s)ⁿ⁻¹…`
/// follow from `J₀ = (√π/4)·erfcx(z₀)`, `J₁ = 2^{−3/2}` by
/// `Jₙ = 2^{−3/2} (√2 z₀)ⁿ⁻¹ + (n − 1) Jₙ₋₂`.
fn temme_sum(a: f64, b: f64, f: f64) -> f64 {
    const E1: f64 = 0.353_553_390_593_273_8; // 2^(−3/2)
    const HALF_OVER_E0: f64 = 0.443_113_462_726_379_14; // √π / 4
    let (h, r1, w0) = if a < b {
        let h = a / b;
        (h, (b - a) / b, 1.0 / libm::sqrt(a * (1.0 + h)))
    } else {
        let h = b / a;
        (h, (b - a) / a, 1.0 / libm::sqrt(b * (1.0 + h)))
    };
    let r0 = 1.0 / (1.0 + h);
    let z0 = libm::sqrt(f);

    let mut alpha = [0.0; TEMME_TERMS + 1];
    let mut c = [0.0; TEMME_TERMS + 1];
    let mut d = [0.0; TEMME_TERMS + 1];
    let mut power = [0.0; TEMME_TERMS + 1];
    alpha[0] = r1 * (2.0 / 3.0);
    c[0] = -0.5 * alpha[0];
    d[0] = -c[0];

    let mut j_even = HALF_OVER_E0 * erfcx(z0);
    let mut j_odd = E1;
    let mut sum = j_even + d[0] * w0 * j_odd;

    let (h2, two_f) = (h * h, 2.0 * f);
    let (mut hn, mut geometric, mut w) = (1.0, 1.0, w0);
    // (√2 z₀)ⁿ⁻¹ and (√2 z₀)ⁿ for the J recurrences.
    let (mut z_odd, mut z_even) = (core::f64::consts::SQRT_2 * z0, two_f);
    for half in 1..TEMME_TERMS / 2 + 1 {
        let n = 2 * half;
        hn *= h2;
        alpha[n - 1] = 2.0 * r0 * (h * hn + 1.0) / (n as f64 + 2.0);
        geometric += hn;
        alpha[n] = 2.0 * r1 * geometric / (n as f64 + 3.0);
        for i in n..n + 2 {
            // Coefficients of (1 + α(u))^r, r = −(i + 1)/2, by Miller's
            // recurrence: m·βₘ = Σⱼ (j·r − (m − j)) αⱼ βₘ₋ⱼ (+ m·r·αₘ).
            let r = -0.5 * (i as f64 + 1.0);
            // (Exclusive ranges and iterators over the filled prefixes: the
            // optimiser sees every index in bounds, so no panic path stays.)
            power[0] = r * alpha[0];
            for m in 2..i + 1 {
                let (done, next) = power.split_at_mut(m - 1);
                let acc: f64 = (1..m)
                    .zip(&alpha)
                    .zip(done.iter().rev())
                    .map(|((j, &a), &p)| (j as f64 * r - (m - j) as f64) * a * p)
                    .sum();
                next[0] = r * alpha[m - 1] + acc / m as f64;
            }
            let ci = power[i - 1] / (i as f64 + 1.0);
            c[i - 1] = ci;
            // 1 + d = 1/(1 + c): dᵢ = −(cᵢ + Σⱼ dᵢ₋ⱼ cⱼ).
            let (done, next) = d.split_at_mut(i - 1);
            let acc: f64 = done.iter().rev().zip(&c).map(|(&d, &c)| d * c).sum();
            next[0] = -(acc + ci);
        }
        j_even = E1 * z_odd + (n as f64 - 1.0) * j_even;
        j_odd = E1 * z_even + n as f64 * j_odd;
        z_odd *= two_f;
        z_even *= two_f;
        w *= w0;
        let t0 = d[n - 1] * w * j_even;
        w *= w0;
        let t1 = d[n] * w * j_odd;
        sum += t0 + t1;
        if t0.abs() + t1.abs() <= EPS * sum {
            break;
        }
    }
    sum
}

//! Stirling's error and the deviance: the cancellation-free pieces of
//! `ln Γ` and `ln(x/μ)` that the binomial pmf (Loader) and the incomplete
//! beta's prefactor are built from, with double-double inputs where
//! integers above 2⁵³ must not round.

/// A double-double `hi + lo`, `|lo| ≤ ½ ulp(hi)`.
pub(crate) type Dd = (f64, f64);

/// `ln(2π)`.
pub(crate) const LN_2PI: f64 = 1.837_877_066_409_345_5;

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

/// Stirling's error `δ(m) = ln Γ(m + 1) − ln(√(2πm)(m/e)ᵐ)` for a real
/// `m > 0`: the table at the integers up to 15, `lgamma` for other `m ≤ 15`
/// (an absolute error of a few 1e-16: `δ` only ever enters an exponent),
/// then the Stirling series `1/(12m) − 1/(360m³) + 1/(1260m⁵) − …` with as
/// many terms as double precision needs at that `m` (Loader's cut-offs).
pub(crate) fn stirlerr(m: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if m <= 15.0 {
        if m == libm::floor(m) {
            return STIRLERR[(m as usize).min(STIRLERR.len() - 1)];
        }
        // ln Γ(m + 1) = ln Γ(m) + ln m, written so that no term is large.
        return libm::lgamma(m) + libm::log(m) - (m + 0.5) * libm::log(m) + m - 0.5 * LN_2PI;
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
pub(crate) fn bd0(x: Dd, mu: Dd) -> f64 {
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
pub(crate) fn split(m: u64) -> Dd {
    let hi = m as f64;
    if m < 1 << 53 {
        return (hi, 0.0);
    }
    (hi, (i128::from(m) - hi as i128) as f64)
}

/// `n·c` as a double-double for `n = n.0 + n.1`, `c = c_hi + c_lo`.
pub(crate) fn times(n: Dd, c_hi: f64, c_lo: f64) -> Dd {
    let hi = n.0 * c_hi;
    (hi, libm::fma(n.0, c_hi, -hi) + n.0 * c_lo + n.1 * c_hi)
}

/// `a + b = hi + lo` exactly (Knuth's TwoSum).
pub(crate) fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let v = s - a;
    (s, (a - (s - v)) + (b - v))
}

/// `a + b` as a double-double (TwoSum on the high parts, the low parts
/// added to its error, renormalised).
pub(crate) fn add(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.0, b.0);
    let (hi, lo) = two_sum(s, e + a.1 + b.1);
    (hi, lo)
}

/// `hi + lo` rounded to one `f64`.
pub(crate) fn value(x: Dd) -> f64 {
    x.0 + x.1
}

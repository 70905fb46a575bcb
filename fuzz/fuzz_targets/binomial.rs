//! Arbitrary bytes → `(k, n, p)` at every scale for the binomial
//! functions: no panic; the domain rules; `0 ≤ pmf ≤ 1`, `logpmf ≤ 0`,
//! `cdf, sf ∈ [0, 1]`; `logpmf = ln pmf` where the pmf is normal;
//! `pmf_into` (vector `exp`) at every level, over a run of `k` around the
//! drawn one, within 4 ulp of `pmf`; for `n ≤ 2000` the pmf within 1e-11
//! of the independent product reference, and for `n ≤ 300` the cdf and sf
//! within 1e-11 of its running sums.
//!
//! `cdf` / `sf` / `logcdf` / `logsf` at any `n` (the incomplete beta: well
//! under a microsecond each), the logs consistent with the values where
//! those are normal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::binomial::{cdf, logcdf, logpmf, logsf, pmf, sf};
use simkern_tests::reference as naive;

fuzz_target!(|data: &[u8]| {
    if data.len() < 18 {
        return;
    }
    let word = |i: usize| u64::from_le_bytes(data[i..i + 8].try_into().expect("8 bytes"));
    let (shape, scale) = (data[16], data[17]);
    // n from 0 to 2⁶⁴ − 1, k near 0, near n·p or anywhere.
    let n = word(0) >> (scale % 64);
    // p: a fraction, a tiny power of ten, exactly 0 or 1, or out of range.
    let frac = (word(8) >> 11) as f64 / (1u64 << 53) as f64;
    let p = match shape % 8 {
        0 => 0.0,
        1 => 1.0,
        2 => frac * 10f64.powi(-i32::from(scale % 250)),
        3 => 1.0 - frac * 1e-9,
        4 => -frac,
        5 => f64::NAN,
        _ => frac,
    };
    let k = match shape / 8 % 4 {
        0 => word(8) % 64,
        1 => ((n as f64 * p.clamp(0.0, 1.0)) as u64).wrapping_add(word(8) % 33).wrapping_sub(16),
        2 => n.wrapping_add(word(8) % 3).wrapping_sub(1),
        _ => word(8) >> (scale % 64),
    };

    let (pm, lp) = (pmf(k, n, p), logpmf(k, n, p));
    let (c, s) = (cdf(k, n, p), sf(k, n, p));
    let (lc, ls) = (logcdf(k, n, p), logsf(k, n, p));
    if !(0.0..=1.0).contains(&p) {
        assert!(pm.is_nan() && lp.is_nan() && c.is_nan() && s.is_nan(), "({k}, {n}, {p}) outside the domain");
        assert!(lc.is_nan() && ls.is_nan(), "log tails ({k}, {n}, {p}) outside the domain");
        return;
    }
    assert!((0.0..=1.0).contains(&pm), "pmf({k}, {n}, {p}) = {pm}");
    assert!(lp <= 0.0, "logpmf({k}, {n}, {p}) = {lp}");
    assert!((0.0..=1.0).contains(&c) && (0.0..=1.0).contains(&s), "cdf, sf({k}, {n}, {p}) = {c}, {s}");
    if k > n {
        assert_eq!((pm, lp), (0.0, f64::NEG_INFINITY));
        assert_eq!((c, s, lc, ls), (1.0, 0.0, 0.0, f64::NEG_INFINITY));
        return;
    }
    assert!(lc <= 0.0 && ls <= 0.0, "logcdf, logsf({k}, {n}, {p}) = {lc}, {ls}");
    for (v, l, what) in [(c, lc, "cdf"), (s, ls, "sf")] {
        if v >= f64::MIN_POSITIVE {
            assert!(
                (l - v.ln()).abs() <= 1e-12 * l.abs().max(1.0),
                "log{what}({k}, {n}, {p}) = {l}, {what} {v:e}"
            );
        }
    }
    if pm >= f64::MIN_POSITIVE {
        assert!(
            (lp - pm.ln()).abs() <= 1e-13 * lp.abs().max(1.0),
            "logpmf({k}, {n}, {p}) = {lp}, pmf {pm:e}"
        );
    }
    // A run of k around the drawn one (past the vector width of every
    // level, with a tail), at every level.
    let len = 1 + usize::from(data[16] % 64) + usize::from(data[17] % 7) * 16;
    let ks: Vec<u64> = (0..len as u64).map(|i| k.saturating_sub(len as u64 / 2).saturating_add(i)).collect();
    for &level in simkern::Kernels::available() {
        let mut out = vec![f64::NAN; ks.len()];
        level.pmf_into(&ks, n, p, &mut out).expect("same lengths");
        for (&kk, &o) in ks.iter().zip(&out) {
            let want = pmf(kk, n, p);
            assert!(
                o.to_bits().abs_diff(want.to_bits()) <= 4,
                "{level:?} pmf_into({kk}, {n}, {p}) = {o:e}, pmf {want:e}"
            );
        }
    }

    if n <= 2000 {
        let want = naive::binomial_pmf(k, n, p);
        if want > 1e-280 {
            assert!((pm - want).abs() <= 1e-11 * want, "pmf({k}, {n}, {p}) = {pm:e}, reference {want:e}");
        }
    }
    if n <= 300 {
        // The cdf against the running sum of the reference (from the
        // smaller side, so the sum itself is accurate).
        let (lower, upper): (f64, f64) = (
            (0..=k).map(|j| naive::binomial_pmf(j, n, p)).sum(),
            (k + 1..=n).map(|j| naive::binomial_pmf(j, n, p)).sum(),
        );
        // Summed lower tail: relative accuracy; complement of the upper
        // tail: also an absolute rounding of 1.
        let (want, slack) = if lower <= upper { (lower, 0.0) } else { (1.0 - upper, 1e-15) };
        if want > 1e-280 {
            assert!(
                (c - want).abs() <= 1e-11 * want + slack,
                "cdf({k}, {n}, {p}) = {c:e}, reference {want:e}"
            );
        }
        let (want, slack) = if upper < lower { (upper, 0.0) } else { (1.0 - lower, 1e-15) };
        if want > 1e-280 {
            assert!(
                (s - want).abs() <= 1e-11 * want + slack,
                "sf({k}, {n}, {p}) = {s:e}, reference {want:e}"
            );
        }
    }
});

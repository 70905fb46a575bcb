//! The binomial pmf, logpmf, cdf and sf against 50-digit mpmath values
//! (`tests/data/binomial_mpmath.py` and its output), n up to 10¹⁸, p down
//! to 1e-300, k at 0, n, the mode and deep tails; the pmf sums to 1; the
//! domain rules.

use serde_json::Value;
use simkern::binomial;
use simkern_tests::levels::levels;
use simkern_tests::precision::{CDF_REL, END_PMF_ULPS, LOG_TAIL_REL, PMF_INTO_ULPS, PMF_REL};
use simkern_tests::reference as naive;

fn num(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

/// Distance in ulp between two finite non-negative doubles.
fn ulps(a: f64, b: f64) -> u64 {
    a.to_bits().abs_diff(b.to_bits())
}

/// logcdf, logsf, cdf and sf at every scale, n up to 2⁶⁴ − 1, both tails to
/// e⁻⁵⁰⁰⁰ and beyond, against 60-digit quadrature of the beta density
/// (`tests/data/binomial_tails_mpmath.py`).
#[test]
fn tails_agree_with_mpmath_at_every_scale() {
    let data: Value = serde_json::from_str(include_str!("../data/binomial_tails_mpmath.json")).unwrap();
    let rows = data["tails"].as_array().unwrap();
    assert!(rows.len() > 400);
    let mut largest_n = 0u64;
    for r in rows {
        let (k, n): (u64, u64) =
            (r[0].as_str().unwrap().parse().unwrap(), r[1].as_str().unwrap().parse().unwrap());
        let p: f64 = r[2].as_str().unwrap().parse().unwrap();
        largest_n = largest_n.max(n);
        for (got, want, what) in [
            (binomial::logcdf(k, n, p), num(&r[3]), "logcdf"),
            (binomial::logsf(k, n, p), num(&r[4]), "logsf"),
        ] {
            let err = (got - want).abs();
            assert!(err <= LOG_TAIL_REL * want.abs().max(1.0), "{what}({k}, {n}, {p}) = {got}, want {want}");
        }
        for (got, want, what) in [
            (binomial::cdf(k, n, p), num(&r[3]).exp(), "cdf"),
            (binomial::sf(k, n, p), num(&r[4]).exp(), "sf"),
        ] {
            if want > 1e-300 {
                assert!(
                    (got - want).abs() <= CDF_REL * want,
                    "{what}({k}, {n}, {p}) = {got:e}, want {want:e}"
                );
            }
        }
    }
    assert_eq!(largest_n, u64::MAX);
}

/// `P(X = 0) = (1 − p)ⁿ` and `P(X = n) = pⁿ` within 4 ulp (R 4.4's bound),
/// from `pmf` and from `pmf_into` at every level.
#[test]
fn pmf_at_both_ends_is_within_four_ulp() {
    let data: Value = serde_json::from_str(include_str!("../data/binomial_tails_mpmath.json")).unwrap();
    let rows = data["ends"].as_array().unwrap();
    assert!(rows.len() > 80);
    for r in rows {
        let (k, n): (u64, u64) =
            (r[0].as_str().unwrap().parse().unwrap(), r[1].as_str().unwrap().parse().unwrap());
        let p: f64 = r[2].as_str().unwrap().parse().unwrap();
        let want = num(&r[3]);
        let got = binomial::pmf(k, n, p);
        assert!(ulps(got, want) <= END_PMF_ULPS, "pmf({k}, {n}, {p}) = {got:e}, want {want:e}");
        for &level in levels() {
            let mut out = [0.0];
            level.pmf_into(&[k], n, p, &mut out).unwrap();
            assert!(ulps(out[0], want) <= END_PMF_ULPS, "{level:?} pmf_into({k}, {n}, {p}) = {:e}", out[0]);
        }
    }
}

/// `ppf` is the exact inverse of `cdf` on the integers: `cdf(ppf(q)) ≥ q >
/// cdf(ppf(q) − 1)`, at n from 1 to 2⁶⁴ − 1, q across (0, 1) and at its
/// ends; and it matches SciPy's `binom.ppf` on small n (below).
#[test]
fn ppf_inverts_cdf() {
    let mut r = simkern_tests::data::Rng::new(5);
    for &n in &[1u64, 2, 10, 37, 1000, 123_457, 10u64.pow(9), 10u64.pow(15), 10u64.pow(18), u64::MAX] {
        for &p in &[1e-300, 1e-12, 0.001, 0.3, 0.5, 0.77, 1.0 - 1e-9] {
            for i in 0..40 {
                let q = match i {
                    0 => 1e-300,
                    1 => 1e-12,
                    2 => 1.0 - 1e-12,
                    3 => 0.5,
                    _ => r.uniform(),
                };
                let k = binomial::ppf(q, n, p);
                assert!(k >= 0.0 && k <= n as f64 && k.fract() == 0.0, "ppf({q}, {n}, {p}) = {k}");
                // The checks as ppf makes them (sf against 1 − q above ½).
                let reached = |k: u64| {
                    if q <= 0.5 { binomial::cdf(k, n, p) >= q } else { binomial::sf(k, n, p) <= 1.0 - q }
                };
                let ku = k as u64;
                assert!(reached(ku), "ppf({q}, {n}, {p}) = {k}: cdf {} < q", binomial::cdf(ku, n, p));
                // The f64 below (k − 1 up to 2⁵³) does not reach q.
                if k > 0.0 {
                    let below = k.next_down() as u64;
                    assert!(!reached(below), "ppf({q}, {n}, {p}) = {k}, but {below} already reaches q");
                }
            }
        }
    }
    // SciPy's conventions at the ends and outside.
    assert_eq!(binomial::ppf(0.0, 10, 0.3), -1.0);
    assert_eq!(binomial::ppf(1.0, 10, 0.3), 10.0);
    assert_eq!(binomial::ppf(0.4, 10, 0.0), 0.0);
    assert_eq!(binomial::ppf(0.4, 10, 1.0), 10.0);
    for bad in [-0.1, 1.1, f64::NAN] {
        assert!(binomial::ppf(bad, 10, 0.3).is_nan());
    }
    assert!(binomial::ppf(0.5, 10, 1.5).is_nan());
    // scipy.stats.binom.ppf(q, n, p), SciPy 1.17.1.
    for (q, n, p, want) in [
        (0.5, 10, 0.5, 5.0),
        (0.05, 100, 0.3, 23.0),
        (0.95, 100, 0.3, 38.0),
        (0.999, 1000, 0.01, 21.0),
        (0.001, 1000, 0.99, 979.0),
        (0.3, 1, 0.5, 0.0),
        (0.7, 1, 0.5, 1.0),
    ] {
        assert_eq!(binomial::ppf(q, n, p), want, "ppf({q}, {n}, {p})");
    }
}

#[test]
fn agrees_with_mpmath() {
    let data: Value = serde_json::from_str(include_str!("../data/binomial_mpmath.json")).unwrap();
    let rows = data["rows"].as_array().unwrap();
    assert!(rows.len() > 500);
    let (mut worst_log, mut worst_pmf, mut worst_cdf, mut worst_sf) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let (mut tails_checked, mut largest_n) = (0usize, 0u64);
    for r in rows {
        let (k, n) = (r[0].as_u64().unwrap(), r[1].as_u64().unwrap());
        let p: f64 = r[2].as_str().unwrap().parse().unwrap();
        let (want_log, want_pmf) = (num(&r[3]), num(&r[4]));
        let got_log = binomial::logpmf(k, n, p);
        if want_log.is_infinite() {
            assert_eq!(got_log, want_log, "logpmf({k}, {n}, {p})");
        } else {
            let rel = (got_log - want_log).abs() / want_log.abs().max(f64::MIN_POSITIVE);
            assert!(
                rel <= PMF_REL || (got_log - want_log).abs() <= 1e-300,
                "logpmf({k}, {n}, {p}) = {got_log:e}, want {want_log:e}"
            );
            worst_log = worst_log.max(rel);
        }
        if want_log.abs() <= 450.0 {
            let got = binomial::pmf(k, n, p);
            let rel = (got - want_pmf).abs() / want_pmf;
            assert!(rel <= PMF_REL, "pmf({k}, {n}, {p}) = {got:e}, want {want_pmf:e}");
            worst_pmf = worst_pmf.max(rel);
            for &level in levels() {
                let mut out = [f64::NAN];
                level.pmf_into(&[k], n, p, &mut out).unwrap();
                let rel = (out[0] - want_pmf).abs() / want_pmf;
                assert!(
                    rel <= PMF_REL,
                    "{level:?} pmf_into({k}, {n}, {p}) = {:e}, want {want_pmf:e}",
                    out[0]
                );
                worst_pmf = worst_pmf.max(rel);
            }
        }
        if let Some(c) = r[5].as_str() {
            let want: f64 = c.parse().unwrap();
            let got = binomial::cdf(k, n, p);
            tails_checked += 1;
            largest_n = largest_n.max(n);
            if want > 1e-300 {
                let rel = (got - want).abs() / want;
                assert!(rel <= CDF_REL, "cdf({k}, {n}, {p}) = {got:e}, want {want:e}");
                worst_cdf = worst_cdf.max(rel);
            } else {
                // As for sf below: absolutely, where |ln cdf| > 690.
                assert!((got - want).abs() <= 1e-300, "cdf({k}, {n}, {p}) = {got:e}, want {want:e}");
            }
        }
        if let Some(c) = r[6].as_str() {
            let want: f64 = c.parse().unwrap();
            let got = binomial::sf(k, n, p);
            if want > 1e-300 {
                let rel = (got - want).abs() / want;
                assert!(rel <= CDF_REL, "sf({k}, {n}, {p}) = {got:e}, want {want:e}");
                worst_sf = worst_sf.max(rel);
            } else {
                // Below 1e-300 (|ln| > 690) only absolutely: like the pmf's,
                // the relative bound holds where |ln| ≤ 450.
                assert!((got - want).abs() <= 1e-300, "sf({k}, {n}, {p}) = {got:e}, want {want:e}");
            }
        }
    }
    eprintln!(
        "worst relative errors: logpmf {worst_log:.2e}, pmf {worst_pmf:.2e}, cdf {worst_cdf:.2e}, sf {worst_sf:.2e}; \
         {tails_checked} cdf/sf rows, n up to {largest_n}"
    );
    // The data reach the tails of large distributions, not only small n.
    assert!(largest_n >= 1_000_000_000 && tails_checked > 800, "{tails_checked} rows, n ≤ {largest_n}");
}

#[test]
fn the_product_reference_agrees_with_mpmath() {
    // `reference::binomial_pmf` is what the fuzz target compares against:
    // check it against the 50-digit values where it applies (n ≤ 2000).
    let data: Value = serde_json::from_str(include_str!("../data/binomial_mpmath.json")).unwrap();
    let mut checked = 0;
    for r in data["rows"].as_array().unwrap() {
        let (k, n) = (r[0].as_u64().unwrap(), r[1].as_u64().unwrap());
        let p: f64 = r[2].as_str().unwrap().parse().unwrap();
        let want = num(&r[4]);
        if n <= 2000 && k <= n && (0.0..=1.0).contains(&p) && want > 1e-280 {
            let got = naive::binomial_pmf(k, n, p);
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "reference pmf({k}, {n}, {p}) = {got:e}, want {want:e}"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} rows checked");
}

#[test]
fn pmf_into_matches_pmf_at_every_level() {
    // The vector exp against libm's, over whole distributions (tails deep
    // into the subnormal range included) and around the mean of huge ones.
    let cases: [(u64, f64, Vec<u64>); 4] = [
        (3000, 0.3, (0..=3000).collect()),
        (2000, 1e-3, (0..=2000).collect()),
        (1_000_000_000, 1e-3, (990_000..1_010_000).step_by(7).collect()),
        (1 << 60, 0.5, (0..2000).map(|i| (1u64 << 59) - 2_000_000_000 + i * 2_000_000).collect()),
    ];
    for &level in levels() {
        for (n, p, ks) in &cases {
            let mut out = vec![f64::NAN; ks.len()];
            level.pmf_into(ks, *n, *p, &mut out).unwrap();
            for (&k, &got) in ks.iter().zip(&out) {
                let want = binomial::pmf(k, *n, *p);
                let ulps = got.to_bits().abs_diff(want.to_bits());
                assert!(ulps <= PMF_INTO_ULPS, "{level:?}: pmf_into({k}, {n}, {p}) = {got:e}, pmf {want:e}");
            }
        }
        let mut out = [1.0; 3];
        level.pmf_into(&[0, 1, 2], 10, -0.5, &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_nan()));
        assert_eq!(
            level.pmf_into(&[0, 1], 10, 0.5, &mut out),
            Err(simkern::Error::LengthMismatch { left: "ks", left_len: 2, right: "out", right_len: 3 })
        );
    }
}

#[test]
fn pmf_sums_to_one() {
    for &(n, p) in &[(10u64, 0.3), (1000, 0.5), (5000, 0.001), (300, 0.999)] {
        let total: f64 = (0..=n).map(|k| binomial::pmf(k, n, p)).sum();
        assert!((total - 1.0).abs() <= 1e-12, "n={n} p={p}: Σ = {total}");
        assert_eq!(binomial::cdf(n, n, p), 1.0);
    }
}

/// cdf and sf against an independent summation: the product reference's
/// terms (`reference::binomial_pmf`, itself checked against mpmath above),
/// each tail summed from its own end, at every k of whole distributions.
/// (`cdf + sf = 1` would prove nothing: both come from one tail sum.)
#[test]
fn cdf_and_sf_match_an_independent_summation() {
    for &(n, p) in &[(10u64, 0.3), (200, 0.5), (1000, 0.01), (2000, 0.7), (1500, 1e-5), (777, 0.999)] {
        let terms: Vec<f64> = (0..=n).map(|k| naive::binomial_pmf(k, n, p)).collect();
        let mut lower = vec![0.0; terms.len()];
        let mut acc = 0.0;
        for (l, &t) in lower.iter_mut().zip(&terms) {
            acc += t;
            *l = acc;
        }
        // upper[k] = Σ_{j > k} terms[j], summed from the top.
        let mut upper = vec![0.0; terms.len()];
        acc = 0.0;
        for k in (0..terms.len()).rev() {
            upper[k] = acc;
            acc += terms[k];
        }
        let mut checked = 0;
        for k in 0..=n {
            let (c, s) = (binomial::cdf(k, n, p), binomial::sf(k, n, p));
            let (lo, up) = (lower[k as usize], upper[k as usize]);
            // The smaller tail relatively (the reference terms are ~3n ulp
            // each); the larger one as the complement of the smaller (a
            // direct sum of it would carry n roundings of its own).
            let small = lo.min(up);
            for (got, direct, what) in [(c, lo, "cdf"), (s, up, "sf")] {
                let (want, tol) = if direct == small {
                    (direct, 1e-11 * direct)
                } else {
                    (1.0 - small, 1e-11 * small + 2.3e-16)
                };
                if want > 1e-280 || want == 0.0 {
                    assert!((got - want).abs() <= tol, "{what}({k}, {n}, {p}) = {got:e}, reference {want:e}");
                    checked += 1;
                }
            }
        }
        assert!(checked > n as usize, "n={n} p={p}: {checked} checks");
    }
}

/// Found by the fuzz target: k within ulp(n) of the mode for n > 2⁵³ and p
/// near 1 summed the larger tail, and its complement came out negative.
/// The value is 50-digit mpmath (P(Y ≥ 613) for Y ~ Bin(n, 1 − p)).
#[test]
fn tails_next_to_the_mode_of_huge_n() {
    let (k, n, p) = (2_559_802_754_667_118_078u64, 2_559_802_754_667_118_691u64, 0.999_999_999_999_999_9);
    let (c, s) = (binomial::cdf(k, n, p), binomial::sf(k, n, p));
    let want = 4.250_207_993_219_969e-64;
    assert!((c - want).abs() <= 1e-12 * want, "cdf = {c:e}, want {want:e}");
    assert_eq!(s, 1.0);
}

#[test]
fn logpmf_is_finite_where_pmf_underflows() {
    let (k, n, p) = (1_000_000u64, 1_000_000u64, 0.3);
    assert_eq!(binomial::pmf(k, n, p), 0.0);
    let l = binomial::logpmf(k, n, p);
    assert!((l - 1e6 * 0.3f64.ln()).abs() <= 1e-9 * l.abs());
}

/// Found by the fuzz target: pmf(0, n, 1) was NaN (pow(0, n_lo < 0) = ∞
/// times 0), and so was an underflowing pⁿ above 2⁵³.
#[test]
fn pmf_at_the_ends_for_degenerate_and_underflowing_cases() {
    let n = 3_098_476_543_630_901_091u64;
    for &level in levels() {
        for (k, p, want) in
            [(0, 1.0, 0.0), (n, 1.0, 1.0), (0, 0.0, 1.0), (n, 0.0, 0.0), (n, 0.5, 0.0), (0, 0.5, 0.0)]
        {
            assert_eq!(binomial::pmf(k, n, p), want, "pmf({k}, {n}, {p})");
            let mut out = [f64::NAN];
            level.pmf_into(&[k], n, p, &mut out).unwrap();
            assert_eq!(out[0], want, "{level:?} pmf_into({k}, {n}, {p})");
        }
    }
}

#[test]
fn domain_rules() {
    for p in [-0.1, 1.1, f64::NAN, f64::INFINITY] {
        assert!(binomial::pmf(1, 5, p).is_nan());
        assert!(binomial::logpmf(1, 5, p).is_nan());
        assert!(binomial::cdf(1, 5, p).is_nan());
        assert!(binomial::sf(1, 5, p).is_nan());
    }
    assert_eq!(binomial::sf(6, 5, 0.5), 0.0);
    assert_eq!(binomial::sf(5, 5, 0.5), 0.0);
    assert_eq!(binomial::sf(0, 5, 0.0), 0.0);
    assert_eq!(binomial::sf(4, 5, 1.0), 1.0);
    assert_eq!(binomial::pmf(6, 5, 0.5), 0.0);
    assert_eq!(binomial::logpmf(6, 5, 0.5), f64::NEG_INFINITY);
    assert_eq!(binomial::cdf(6, 5, 0.5), 1.0);
    assert_eq!(binomial::pmf(0, 5, 0.0), 1.0);
    assert_eq!(binomial::pmf(5, 5, 1.0), 1.0);
    assert_eq!(binomial::pmf(4, 5, 1.0), 0.0);
    assert_eq!(binomial::cdf(4, 5, 1.0), 0.0);
    // k = 0 with 1 − p rounding to 1: SciPy's pow(1 − p, n) says 1.
    let l = binomial::logpmf(0, 1_000_000, 1e-17);
    assert!((l + 1e-11).abs() <= 1e-24, "{l:e}");
}

/// Found by the fuzz target: `k` far out in a tail of a huge `n` (here
/// `k ≈ 2·10⁹` against `n·p ≈ 2·10⁻⁵⁵`) gave NaN for the cdf and sf — the
/// continued fraction was converged from its first step, but a tolerance
/// below one ulp was never met. So far out, the tail is its first term:
/// `P(X > k) = P(X = k + 1)·(1 + ρ + ρ² + …)` with the ratio of successive
/// terms `ρ ≤ (n − k − 1)p / ((k + 2)(1 − p))`, and likewise below the
/// mean: `P(X ≤ k) = P(X = k)·(1 + ρ′ + …)`, `ρ′ ≤ k(1 − p)/((n − k + 1)p)`.
/// Both logs against the first term's, to within that geometric series,
/// at every scale of `n`.
#[test]
fn far_tails_of_huge_n_are_their_first_term() {
    for n in [1u64 << 40, (1 << 53) + 7, 18_446_220_185_565_069_312, u64::MAX] {
        // Above the mean: p so small that n·p ≪ k.
        for p in [1e-20, 1.164_153_218_269_348e-74, 1e-200, 1e-300] {
            for k in [1_000u64, 2_147_483_903, 1_000_000_000_000] {
                let (c, s, ls) = (binomial::cdf(k, n, p), binomial::sf(k, n, p), binomial::logsf(k, n, p));
                let rho = (n - k - 1) as f64 * p / ((k + 2) as f64 * (1.0 - p));
                assert!(rho < 1e-2, "({k}, {n}, {p}): not a far tail");
                let first = binomial::logpmf(k + 1, n, p);
                let geometric = -(-rho).ln_1p(); // ln(1 / (1 − ρ)) bounds the rest
                assert!(
                    ls >= first - 1e-12 * first.abs() && ls <= first + geometric + 1e-12 * first.abs(),
                    "logsf({k}, {n}, {p}) = {ls}, first term {first}"
                );
                assert_eq!(c, 1.0, "cdf({k}, {n}, {p})");
                assert!((0.0..=1.0).contains(&s) && s <= first.exp() * (1.0 + 2.0 * rho) + 1e-300);
                assert_eq!(binomial::logcdf(k, n, p), 0.0, "logcdf({k}, {n}, {p})");
            }
        }
        // Below the mean: k ≪ n·p.
        for p in [0.5, 1e-3] {
            for k in [1_000u64, 1_000_000] {
                let (c, lc) = (binomial::cdf(k, n, p), binomial::logcdf(k, n, p));
                let rho = k as f64 * (1.0 - p) / ((n - k + 1) as f64 * p);
                assert!(rho < 1e-2, "({k}, {n}, {p}): not a far tail");
                let first = binomial::logpmf(k, n, p);
                let geometric = -(-rho).ln_1p();
                assert!(
                    lc >= first - 1e-12 * first.abs() && lc <= first + geometric + 1e-12 * first.abs(),
                    "logcdf({k}, {n}, {p}) = {lc}, first term {first}"
                );
                assert_eq!((c, binomial::sf(k, n, p), binomial::logsf(k, n, p)), (0.0, 1.0, 0.0));
            }
        }
    }
}

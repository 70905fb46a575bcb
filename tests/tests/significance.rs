//! The correlation tests against SciPy 1.17 (`tests/data/tests_scipy.py`
//! and its output): statistic and p-value of `pearsonr`, `spearmanr` and
//! `kendalltau` for every alternative, n from 3 to 400, with and without
//! ties, p-values down to 1e-300; at every level the CPU has. Then the
//! bad-input rules.

use serde_json::Value;
use simkern::{Alternative, CorrelationTest};
use simkern_core::correlation::{kendall_scratch_len, spearman_scratch_len};
use simkern_tests::levels::levels;
use simkern_tests::precision::{CORRELATION_ABS, P_VALUE_REL};

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn check(got: CorrelationTest, want: &Value, what: &str) {
    let (stat, p) = (num(&want[0]), num(&want[1]));
    if stat.is_nan() {
        assert!(got.statistic.is_nan(), "{what}: statistic {} for an undefined one", got.statistic);
    } else {
        assert!(
            (got.statistic - stat).abs() <= CORRELATION_ABS,
            "{what}: statistic {} vs {stat}",
            got.statistic
        );
    }
    if p.is_nan() {
        assert!(got.p_value.is_nan(), "{what}: p-value {} for an undefined one", got.p_value);
        return;
    }
    let err = (got.p_value - p).abs();
    if err <= P_VALUE_REL * p || err <= 1e-300 {
        return;
    }
    // Identical ranks: ρ is exactly ±1 here, and the p-value its limit (0,
    // or 1 in the other direction); SciPy's t statistic came from a ρ of
    // 1 − 1e-16 (its summation order), so its p-value is tiny (1e-24).
    let limit = if p < 0.5 { 0.0 } else { 1.0 };
    assert!(
        got.statistic.abs() == 1.0 && (p - limit).abs() < 1e-10 && got.p_value == limit,
        "{what}: p-value {:e} vs SciPy {p:e} (statistic {} vs {stat})",
        got.p_value,
        got.statistic
    );
}

#[test]
fn agrees_with_scipy() {
    let data: Value = serde_json::from_str(include_str!("../data/tests_scipy.json")).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() > 100);
    let (mut exact_kendall, mut tiny_p) = (0, 0);
    for case in cases {
        let (x, y) = (vec_of(&case["x"]), vec_of(&case["y"]));
        let n = x.len();
        for (alt, name) in [
            (Alternative::TwoSided, "two-sided"),
            (Alternative::Less, "less"),
            (Alternative::Greater, "greater"),
        ] {
            let want = &case[name];
            let ctx = |t: &str| format!("{t}({}, n={n}, {name})", case["kind"]);
            check(simkern::pearson_test(&x, &y, alt).unwrap(), &want["pearson"], &ctx("pearson"));
            check(simkern::spearman_test(&x, &y, alt).unwrap(), &want["spearman"], &ctx("spearman"));
            check(simkern::kendall_tau_b_test(&x, &y, alt).unwrap(), &want["kendall_tau_b"], &ctx("kendall"));
            for &level in levels() {
                let (r, s) = spearman_scratch_len::<f64>(n);
                let (mut ranks, mut scratch) = (vec![0.0; r], vec![0u64; s.max(kendall_scratch_len(n))]);
                check(level.pearson_test(&x, &y, alt).unwrap(), &want["pearson"], &ctx("pearson"));
                let t = level.spearman_test(&x, &y, alt, &mut ranks, &mut scratch).unwrap();
                check(t, &want["spearman"], &ctx("spearman"));
                let t = level.kendall_tau_b_test(&x, &y, alt, &mut scratch).unwrap();
                check(t, &want["kendall_tau_b"], &ctx("kendall"));
            }
            let p = num(&want["pearson"][1]);
            tiny_p += usize::from(p < 1e-100);
        }
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        let ties = sorted.windows(2).any(|w| w[0] == w[1]);
        exact_kendall += usize::from(n <= 33 && !ties);
        let tau_c = simkern::kendall_tau_c(&x, &y).unwrap();
        let want = num(&case["kendall_tau_c"]);
        assert!(
            (tau_c - want).abs() <= CORRELATION_ABS || (tau_c.is_nan() && want.is_nan()),
            "tau_c n={n}: {tau_c} vs {want}"
        );
    }
    // Both Kendall regimes and deep tails were exercised.
    assert!(exact_kendall > 20 && tiny_p > 3, "exact {exact_kendall}, tiny {tiny_p}");
}

/// One-sided p-values of the two directions add up to 1 (continuous
/// laws) or to 1 plus the mass at the statistic (Kendall's exact law),
/// and a two-sided one is twice the smaller.
#[test]
fn alternatives_are_consistent() {
    let mut r = simkern_tests::data::Rng::new(3);
    for n in [3usize, 8, 30, 31, 200] {
        let x: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let y: Vec<f64> = x.iter().map(|v| v + 2.0 * r.normal()).collect();
        for test in [simkern::pearson_test::<f64, f64>, simkern::spearman_test::<f64, f64>] {
            let [two, less, greater] = [Alternative::TwoSided, Alternative::Less, Alternative::Greater]
                .map(|a| test(&x, &y, a).unwrap());
            assert!((less.p_value + greater.p_value - 1.0).abs() <= 1e-14, "n={n}");
            assert!(
                (two.p_value - 2.0 * less.p_value.min(greater.p_value)).abs()
                    <= 1e-14 * two.p_value.max(1e-300)
            );
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    let short = [1.0f64];
    let (a, b) = ([1.0f64, 2.0, 3.0], [1.0f64, 2.0]);
    for alt in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
        assert!(simkern::pearson_test(&short, &short, alt).is_err());
        assert!(simkern::spearman_test(&short, &short, alt).is_err());
        assert!(simkern::kendall_tau_b_test(&short, &short, alt).is_err());
        assert!(simkern::pearson_test(&a, &b, alt).is_err());
        assert!(simkern::spearman_test(&a, &b, alt).is_err());
        assert!(simkern::kendall_tau_b_test(&a, &b, alt).is_err());
    }
    assert!(simkern::kendall_tau_c(&a, &b).is_err());
    // Scratch too small is an error, not a panic.
    let k = simkern::Kernels::best();
    let mut small = [0u64; 2];
    assert!(k.kendall_tau_b_test(&a, &a, Alternative::TwoSided, &mut small).is_err());
    assert!(k.kendall_tau_c(&a, &a, &mut small).is_err());
    let mut ranks = [0.0; 1];
    let mut scratch = vec![0u64; 64];
    assert!(k.spearman_test(&a, &a, Alternative::TwoSided, &mut ranks, &mut scratch).is_err());
    // NaN data: NaN statistic and p-value (SciPy's default nan_policy).
    let nan = [1.0, f64::NAN, 3.0];
    for t in [
        simkern::pearson_test(&nan, &a, Alternative::TwoSided).unwrap(),
        simkern::spearman_test(&nan, &a, Alternative::TwoSided).unwrap(),
        simkern::kendall_tau_b_test(&nan, &a, Alternative::TwoSided).unwrap(),
    ] {
        assert!(t.statistic.is_nan() && t.p_value.is_nan());
    }
    // n = 2: SciPy's p-values (pearsonr 1, spearmanr NaN).
    let t = simkern::pearson_test(&[1.0f64, 2.0], &[2.0, 1.0], Alternative::TwoSided).unwrap();
    assert_eq!((t.statistic, t.p_value), (-1.0, 1.0));
    assert!(
        simkern::spearman_test(&[1.0f64, 2.0], &[2.0, 1.0], Alternative::TwoSided).unwrap().p_value.is_nan()
    );
}

//! Ranks and correlations cross-checked against SciPy (`rankdata`,
//! `pearsonr`, `spearmanr`, `kendalltau(variant="b")`) on committed cases
//! from `tests/data/stats_scipy.py` (its output: `stats_scipy.json`).

use serde_json::Value;
use simkern_tests::precision::CORRELATION_ABS;

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn agrees_with_scipy() {
    let data: Value = serde_json::from_str(include_str!("../data/stats_scipy.json")).unwrap();
    for c in data["cases"].as_array().unwrap() {
        let (x, y) = (f64s(&c["x"]), f64s(&c["y"]));
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        for (ties, name) in simkern_tests::reference::TIE_METHODS {
            let want = f64s(&c["rank"][name]);
            assert_eq!(simkern::rank(&x, ties).unwrap(), want, "{} {name}", c["kind"]);
            assert_eq!(simkern::rank(&x32, ties).unwrap(), want, "{} {name} f32", c["kind"]);
        }
        for (what, got) in [
            ("pearson", simkern::pearson(&x, &y).unwrap()),
            ("spearman", simkern::spearman(&x32, &y32).unwrap()),
            ("kendall_tau_b", simkern::kendall_tau_b(&x32, &y32).unwrap()),
        ] {
            let want = c[what].as_f64().unwrap();
            assert!((got - want).abs() <= CORRELATION_ABS, "{} {what}: {got} vs scipy {want}", c["kind"]);
        }
    }
}

//! `pmf_into` over a million `k` against the naive lgamma formula and
//! statrs; and the accuracy table against mpmath.

use std::fmt::Write as _;
use std::hint::black_box;

use simkern_benches::naive_binomial_pmf;

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let count = 1_000_000u64;
    [(1000u64, 0.3f64), (1_000_000_000, 1e-3)]
        .into_iter()
        .map(|(n, p)| {
            Step::new(format!("binomial pmf n={n}"), move |r| {
                // A million k spread over the bulk of the distribution.
                let mean = n as f64 * p;
                let sd = (mean * (1.0 - p)).sqrt();
                let ks: Vec<u64> = (0..count)
                    .map(|i| (mean - 5.0 * sd + 10.0 * sd * i as f64 / count as f64).max(0.0) as u64)
                    .collect();
                let (mut ours, mut theirs) = (vec![0.0f64; ks.len()], vec![0.0f64; ks.len()]);
                let mut pmf_into =
                    || setup.level.pmf_into(black_box(&ks), n, p, &mut ours).expect("same length");
                let case = Case {
                    family: "binomial_pmf",
                    label: format!("n={n}, p={p}, 1M k (ns/value = µs/1000)"),
                    work: count as f64,
                    unit: Unit::Gelems,
                };
                r.versus(&case, "naive lgamma formula", &mut pmf_into, || {
                    for (o, &k) in theirs.iter_mut().zip(&ks) {
                        *o = naive_binomial_pmf(k, n, p);
                    }
                    black_box(&theirs);
                });
                let dist = statrs::distribution::Binomial::new(p, n).expect("valid parameters");
                r.versus(&case, "statrs 0.19 Binomial::pmf", &mut pmf_into, || {
                    for (o, &k) in theirs.iter_mut().zip(&ks) {
                        *o = statrs::distribution::Discrete::pmf(&dist, k);
                    }
                    black_box(&theirs);
                });
            })
        })
        .collect()
}

/// Relative errors of the binomial pmf against the 50-digit mpmath vectors
/// of `tests/data/` (rows with `|ln pmf| ≤ 450`, the contract's domain),
/// for simkern, statrs and the naive lgamma formula.
pub fn accuracy(_: Setup) -> (String, String) {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/data/binomial_mpmath.json")).expect("valid JSON");
    let num = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse::<f64>().ok());
    let names = ["simkern `pmf`", "statrs 0.19 `Binomial::pmf`", "naive lgamma formula"];
    // Per implementation: rows within 1e-13, rows off by more than 1e-6
    // (or not finite), worst relative error.
    let mut stats = [(0usize, 0usize, 0.0f64); 3];
    let mut rows = 0;
    for r in data["rows"].as_array().expect("rows") {
        let (Some(k), Some(n), Some(p), Some(ln), Some(want)) =
            (r[0].as_u64(), r[1].as_u64(), num(&r[2]), num(&r[3]), num(&r[4]))
        else {
            continue;
        };
        if ln.abs() > 450.0 || p <= 0.0 || p >= 1.0 {
            continue;
        }
        let statrs = statrs::distribution::Binomial::new(p, n)
            .map_or(f64::NAN, |d| statrs::distribution::Discrete::pmf(&d, k));
        let got = [simkern::binomial::pmf(k, n, p), statrs, naive_binomial_pmf(k, n, p)];
        for ((good, bad, worst), g) in stats.iter_mut().zip(got) {
            let rel = ((g - want) / want).abs();
            let rel = if rel.is_finite() { rel } else { f64::INFINITY };
            *good += usize::from(rel <= 1e-13);
            *bad += usize::from(rel > 1e-6);
            *worst = worst.max(rel);
        }
        rows += 1;
    }
    let mut t = format!(
        "| implementation | rows within 1e-13 (of {rows}) | rows off by > 1e-6 or not finite | worst |\n|---|---:|---:|---:|\n"
    );
    for (name, (good, bad, worst)) in names.iter().zip(stats) {
        let _ = writeln!(t, "| {name} | {good} | {bad} | {worst:.1e} |");
    }
    (
        "Binomial pmf against 50-digit mpmath (n up to 10¹⁸, p down to 1e-300, rows with |ln pmf| ≤ 450):"
            .into(),
        t,
    )
}

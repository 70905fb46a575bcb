//! The statistics that sit on the special functions and the symmetric
//! product: the binomial cdf at every scale against statrs, what a p-value
//! costs beyond its statistic, and a Spearman matrix against the pairwise
//! calls it replaces.

use std::hint::black_box;

use simkern::Alternative;
use simkern_benches::matrix;

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let mut steps = Vec::new();
    let ns: &[u64] = if setup.quick {
        &[1_000_000, 1_000_000_000_000_000_000]
    } else {
        &[1_000_000, 1_000_000_000, 1_000_000_000_000, 1_000_000_000_000_000_000]
    };
    for &n in ns {
        steps.push(Step::new(format!("binomial cdf n={n}"), move |r| {
            // 1000 k across the bulk, mean ± 5 sd.
            let p = 0.3;
            let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
            let ks: Vec<u64> = (0..1000).map(|i| (mean - 5.0 * sd + sd * i as f64 / 100.0) as u64).collect();
            let case = Case {
                family: "binomial_cdf",
                label: format!("n={n:e}, p=0.3, 1000 k in mean ± 5σ (ns/value = µs/1000)"),
                work: ks.len() as f64,
                unit: Unit::Gelems,
            };
            let dist = statrs::distribution::Binomial::new(p, n).expect("valid parameters");
            r.versus(
                &case,
                "statrs 0.19 Binomial::cdf",
                || {
                    for &k in &ks {
                        black_box(simkern::binomial::cdf(black_box(k), n, p));
                    }
                },
                || {
                    for &k in &ks {
                        black_box(statrs::distribution::DiscreteCDF::cdf(&dist, black_box(k)));
                    }
                },
            );
        }));
    }
    steps.push(Step::new("p-values n=1000".into(), move |r| {
        let n = 1000;
        let x = matrix(1, n, 31);
        let y: Vec<f32> = matrix(1, n, 32).iter().zip(&x).map(|(a, b)| a + 0.3 * b).collect();
        let (x, y): (Vec<f64>, Vec<f64>) =
            (x.iter().map(|&v| v.into()).collect(), y.iter().map(|&v| v.into()).collect());
        let two = Alternative::TwoSided;
        let case = |what: &str| Case {
            family: "p_value",
            label: format!("{what}, n={n} (the difference is the p-value's cost)"),
            work: 1.0,
            unit: Unit::Gelems,
        };
        r.versus(
            &case("pearson_test"),
            "pearson alone (the statistic)",
            || {
                black_box(simkern::pearson_test(black_box(&x), &y, two).expect("same length"));
            },
            || {
                black_box(simkern::pearson(black_box(&x), &y).expect("same length"));
            },
        );
        r.versus(
            &case("kendall_tau_b_test"),
            "kendall_tau_b alone (the statistic)",
            || {
                black_box(simkern::kendall_tau_b_test(black_box(&x), &y, two).expect("same length"));
            },
            || {
                black_box(simkern::kendall_tau_b(black_box(&x), &y).expect("same length"));
            },
        );
    }));
    let (n_obs, p) = if setup.quick { (10_000, 16) } else { (100_000, 64) };
    steps.push(Step::new(format!("spearman_matrix {n_obs}x{p}"), move |r| {
        // Columns sharing a common factor, one in three rounded (ties).
        let base = matrix(1, n_obs, 41);
        let noise = matrix(p, n_obs, 42);
        let mut x = vec![0.0f32; n_obs * p];
        for (o, row) in x.chunks_exact_mut(p).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let raw = base[o] + 0.1 * j as f32 * noise[j * n_obs + o];
                *v = if j % 3 == 2 { (raw * 4.0).round() } else { raw };
            }
        }
        let columns: Vec<Vec<f32>> = (0..p).map(|j| x.chunks_exact(p).map(|row| row[j]).collect()).collect();
        let pairs = p * (p - 1) / 2;
        let case = Case {
            family: "spearman_matrix",
            label: format!("{n_obs} × {p} f32 (pairs/s)"),
            work: pairs as f64,
            unit: Unit::Gelems,
        };
        r.versus(
            &case,
            "spearman per pair (what pairwise calls cost)",
            || {
                black_box(simkern::spearman_matrix(black_box(&x), p).expect("valid shape"));
            },
            || {
                for i in 0..p {
                    for j in i + 1..p {
                        black_box(simkern::spearman(&columns[i], &columns[j]).expect("same length"));
                    }
                }
            },
        );
    }));
    steps
}

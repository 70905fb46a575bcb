//! Ranks (average ties) against std sorts, with continuous and tie-heavy
//! data; Spearman, Kendall and Pearson at 1 M pairs.

use std::hint::black_box;

use simkern::{NanPolicy, Ties};
use simkern_benches::{
    matrix, std_rank_average, std_rank_average_into, std_spearman, std_stable_rank_average,
};

use super::{Setup, Step};
use crate::report::{Case, Unit};

/// Integer scores in `0..1000` (ties everywhere), from seed 12.
fn tie_heavy(n: usize) -> Vec<f32> {
    matrix(1, n, 12).into_iter().map(|v| (v.abs() * 300.0).floor() % 1000.0).collect()
}

pub fn plan(setup: Setup) -> Vec<Step> {
    let sizes: &[usize] = if setup.quick { &[1_000_000] } else { &[1000, 100_000, 1_000_000, 10_000_000] };
    let mut steps = Vec::new();
    for &n in sizes {
        for kind in ["continuous", "ties: ints 0..1000"] {
            steps.push(Step::new(format!("rank n={n} {kind}"), move |r| {
                let data = if kind == "continuous" { matrix(1, n, 11) } else { tie_heavy(n) };
                let ours = || {
                    black_box(simkern::rank(black_box(&data), Ties::Average).expect("no NaN"));
                };
                let case = Case {
                    family: "rank_average_f32",
                    label: format!("n={n}, {kind}"),
                    work: n as f64,
                    unit: Unit::Gelems,
                };
                r.versus(&case, "sort_unstable_by(total_cmp)", ours, || {
                    black_box(std_rank_average(black_box(&data)));
                });
                if n >= 1_000_000 {
                    // The kernels alone: both sides write into buffers they
                    // reuse, so page faults of fresh allocations (≈1.3 µs per
                    // 4 KiB page on this VM) weigh on neither.
                    let mut out = vec![0.0; n];
                    let mut scratch = vec![0u64; simkern_core::rank::rank_scratch_len::<f32>(n)];
                    let (mut idx, mut their_out) = (vec![0u32; n], vec![0.0; n]);
                    let into = Case {
                        family: "rank_into_f32",
                        label: format!("n={n}, {kind}, both reuse buffers"),
                        work: n as f64,
                        unit: Unit::Gelems,
                    };
                    r.versus(
                        &into,
                        "sort_unstable_by(total_cmp)",
                        || {
                            let (ties, nan) = (Ties::Average, NanPolicy::Propagate);
                            setup
                                .level
                                .rank_into(black_box(&data), ties, nan, &mut out, &mut scratch)
                                .expect("no NaN");
                        },
                        || std_rank_average_into(black_box(&data), &mut idx, &mut their_out),
                    );
                }
                if n <= 1_000_000 {
                    r.versus(&case, "sort_by (stable)", ours, || {
                        black_box(std_stable_rank_average(black_box(&data)));
                    });
                }
            }));
        }
    }
    steps.push(Step::new("spearman / kendall / pearson n=1M".into(), move |r| correlations(setup, r)));
    steps
}

fn correlations(setup: Setup, r: &mut crate::report::Report) {
    let n = 1_000_000;
    let x = matrix(1, n, 13);
    let y: Vec<f32> = matrix(1, n, 14).iter().zip(&x).map(|(a, b)| a + b).collect();
    let case = |family| Case { family, label: format!("n={n}"), work: n as f64, unit: Unit::Gelems };
    let spearman = || {
        black_box(simkern::spearman(black_box(&x), black_box(&y)).expect("valid"));
    };
    r.versus(&case("spearman_f32"), "std sort ranks + Pearson", spearman, || {
        black_box(std_spearman(black_box(&x), black_box(&y)));
    });
    r.versus(
        &case("kendall_tau_b_f32"),
        "simkern spearman (for scale)",
        || {
            black_box(simkern::kendall_tau_b(black_box(&x), black_box(&y)).expect("valid"));
        },
        spearman,
    );
    r.versus(
        &case("pearson_f32"),
        "scalar two-pass Dot2 reference",
        || {
            black_box(setup.level.pearson(black_box(&x), black_box(&y)).expect("valid"));
        },
        || {
            let widen = simkern_tests::reference::widen;
            black_box(simkern_tests::reference::pearson(&widen(&x), &widen(&y)));
        },
    );
    // f64 inputs (16 MB for the pair): the "Pearson f64 1 M" row.
    let (xd, yd) = (simkern_tests::reference::widen(&x), simkern_tests::reference::widen(&y));
    r.versus(
        &case("pearson_f64"),
        "scalar two-pass Dot2 reference",
        || {
            black_box(setup.level.pearson(black_box(&xd), black_box(&yd)).expect("valid"));
        },
        || {
            black_box(simkern_tests::reference::pearson(black_box(&xd), black_box(&yd)));
        },
    );
}

//! The simkern benchmark report: every kernel family against its baselines
//! in one process, contenders interleaved so that machine drift hits both,
//! medians and ratios in a Markdown table (also written under
//! `target/simkern-report/`).
//!
//! ```text
//! cargo run --release -p simkern-benches -- [--quick] [--filter FAMILY] [--level LEVEL] [--json] [--update-benchmarks]
//! ```

mod chart;

use simkern::Kernels;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use simkern::Level;
use simkern_benches::{
    faer_qkt, line_offset_f32, materialized_infonce, materialized_infonce_grad, matrix, matrixmultiply_qkt,
    naive_binomial_pmf, naive_dot, naive_logsumexp, numkong_dot, std_rank_average, std_rank_average_into,
    std_spearman, std_stable_rank_average, unit_rows,
};
use simkern_core::similarity as sim;

/// Command-line options.
struct Options {
    quick: bool,
    filter: Option<String>,
    level: Kernels,
    json: bool,
    /// Rewrite the report section of `BENCHMARKS.md` with this run's output.
    update_benchmarks: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut o =
        Options { quick: false, filter: None, level: Kernels::best(), json: false, update_benchmarks: false };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--json" => o.json = true,
            "--update-benchmarks" => o.update_benchmarks = true,
            "--filter" => o.filter = Some(args.next().ok_or("--filter needs a family name")?),
            "--level" => {
                let name = args.next().ok_or("--level needs a level name")?;
                let level = Level::from_name(&name).ok_or(format!("unknown level {name:?}"))?;
                o.level = Kernels::new(level).map_err(|e| format!("level {name}: {e}"))?;
            }
            "-h" | "--help" => {
                return Err("usage: simkern-benches [--quick] [--filter FAMILY] [--level LEVEL] [--json] [--update-benchmarks]\n\
                            families: dot, similarity_matrix, logsumexp, infonce, rank, binomial, parallel; levels: portable, avx2, avx512, neon"
                    .into());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if o.update_benchmarks && (o.quick || o.filter.is_some()) {
        return Err("--update-benchmarks records the full report: drop --quick and --filter".into());
    }
    Ok(o)
}

/// One measured comparison.
struct Row {
    family: &'static str,
    case: String,
    level: Kernels,
    ours: f64,
    baseline: &'static str,
    theirs: f64,
    /// Work per call, and its unit ("GFLOP/s" or "Gelem/s").
    work: f64,
    unit: &'static str,
}

/// Median seconds per call of `a` and `b`, measured in alternating batches
/// for about `budget` in total.
fn compare(budget: Duration, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    // Calibrate: calls per batch so that one batch takes ~2 ms.
    let t = Instant::now();
    a();
    let once = t.elapsed().as_secs_f64().max(1e-9);
    let reps = ((2e-3 / once) as usize).clamp(1, 1_000_000);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < budget || ta.len() < 5 {
        for (f, out) in [(&mut a as &mut dyn FnMut(), &mut ta), (&mut b as &mut dyn FnMut(), &mut tb)] {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            out.push(t.elapsed().as_secs_f64() / reps as f64);
        }
    }
    (median(&mut ta), median(&mut tb))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A progress bar on stderr (drawn only when stderr is a terminal).
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    let style = ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
        .expect("the template is valid")
        .progress_chars("#>-");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn dot_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    let sizes: &[usize] =
        if o.quick { &[16, 768, 65_536] } else { &[16, 768, 4096, 65_536, 1 << 20, 1 << 24] };
    for &offset in &[0usize, 16] {
        for &n in sizes {
            step(&format!("dot n={n} +{offset}B"));
            let (a, ra) = line_offset_f32(n, offset, 1);
            let (b, rb) = line_offset_f32(n, offset, 2);
            let (a, b) = (&a[ra], &b[rb]);
            let level = o.level;
            // The default entry (run-time dispatch) unless a level is forced.
            let forced = level != Kernels::best();
            let ours = move || {
                let d = if forced {
                    level.dot(black_box(a), black_box(b))
                } else {
                    simkern::dot(black_box(a), black_box(b))
                };
                black_box(d.unwrap_or(f32::NAN));
            };
            let case = format!("n={n}, +{offset}B");
            let (s, t) = compare(budget, ours, || {
                black_box(numkong_dot(black_box(a), black_box(b)));
            });
            let work = 2.0 * n as f64;
            rows.push(Row {
                family: "dot_f32",
                case: case.clone(),
                level,
                ours: s,
                baseline: "numkong",
                theirs: t,
                work,
                unit: "GFLOP/s",
            });
            let (s, t) = compare(budget, ours, || {
                black_box(naive_dot(black_box(a), black_box(b)));
            });
            rows.push(Row {
                family: "dot_f32",
                case,
                level,
                ours: s,
                baseline: "naive iter",
                theirs: t,
                work,
                unit: "GFLOP/s",
            });
        }
    }
}

fn similarity_matrix_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    let shapes: &[(usize, usize)] = if o.quick {
        &[(1024, 768)]
    } else {
        &[(256, 128), (1024, 128), (1024, 768), (4096, 128), (4096, 768)]
    };
    for &(n, d) in shapes {
        step(&format!("similarity_matrix {n}x{n}x{d}"));
        let q = matrix(n, d, 1);
        let k = matrix(n, d, 2);
        let mut out = vec![0.0f32; n * n];
        let mut scratch = vec![0.0f32; sim::similarity_matrix_scratch_len(n, n, d)];
        let mut theirs = vec![0.0f32; n * n];
        let level = o.level;
        let qm = simkern::MatRef::new(&q, d).expect("valid shape");
        let km = simkern::MatRef::new(&k, d).expect("valid shape");
        let work = 2.0 * (n * n * d) as f64;
        let case = format!("{n}×{n}×{d}");
        let (s, t) = compare(
            budget,
            || level.similarity_matrix_into(qm, km, &mut out, &mut scratch).expect("valid shapes"),
            || faer_qkt(&q, &k, d, &mut theirs),
        );
        rows.push(Row {
            family: "similarity_matrix",
            case: case.clone(),
            level,
            ours: s,
            baseline: "faer (seq)",
            theirs: t,
            work,
            unit: "GFLOP/s",
        });
        let (s, t) = compare(
            budget,
            || level.similarity_matrix_into(qm, km, &mut out, &mut scratch).expect("valid shapes"),
            || matrixmultiply_qkt(&q, &k, d, &mut theirs),
        );
        rows.push(Row {
            family: "similarity_matrix",
            case,
            level,
            ours: s,
            baseline: "matrixmultiply",
            theirs: t,
            work,
            unit: "GFLOP/s",
        });
    }
}

/// Mean relative error of f32 dot products against the Dot2 reference, for
/// simkern (f32 result and f64 accumulator) and NumKong (f64 result, and
/// that result rounded to f32 for a like-for-like comparison).
fn dot_accuracy(o: &Options) -> String {
    use simkern_tests::reference::{dot_exact, widen};
    let mut t = String::from(
        "| n | simkern `dot` (f32) | numkong rounded to f32 | simkern `dot_f64` | numkong (f64) |\n|---:|---:|---:|---:|---:|\n",
    );
    for &n in &[768usize, 4096, 65_536] {
        let mut err = [0.0f64; 4];
        let trials = 32;
        for seed in 0..trials {
            let (a, ra) = line_offset_f32(n, 16, 2 * seed);
            let (b, rb) = line_offset_f32(n, 16, 2 * seed + 1);
            let (a, b) = (&a[ra], &b[rb]);
            let exact = dot_exact(&widen(a), &widen(b));
            let nk = numkong_dot(a, b);
            let got = [
                f64::from(o.level.dot(a, b).unwrap_or(f32::NAN)),
                f64::from(nk as f32),
                o.level.dot_f64(a, b).unwrap_or(f64::NAN),
                nk,
            ];
            for (e, g) in err.iter_mut().zip(got) {
                *e += ((g - exact) / exact).abs() / trials as f64;
            }
        }
        let _ = writeln!(t, "| {n} | {:.2e} | {:.2e} | {:.2e} | {:.2e} |", err[0], err[1], err[2], err[3]);
    }
    t
}

/// Relative errors of the binomial pmf against the 50-digit mpmath vectors
/// of `tests/data/` (rows with `|ln pmf| ≤ 450`, the contract's domain),
/// for simkern, statrs and the naive lgamma formula.
fn binomial_accuracy() -> String {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/data/binomial_mpmath.json")).expect("valid JSON");
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
    t
}

fn lse_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    for &n in &[1024usize, 1 << 20] {
        step(&format!("logsumexp n={n}"));
        let x: Vec<f32> = matrix(1, n, 3).into_iter().map(|v| 4.0 * v).collect();
        let level = o.level;
        let forced = level != Kernels::best();
        let (s, t) = compare(
            budget,
            || {
                let l =
                    if forced { level.logsumexp(black_box(&x)) } else { simkern::logsumexp(black_box(&x)) };
                black_box(l);
            },
            || {
                black_box(naive_logsumexp(black_box(&x)));
            },
        );
        rows.push(Row {
            family: "logsumexp_f32",
            case: format!("n={n}"),
            level,
            ours: s,
            baseline: "scalar f32::exp, 2 passes",
            theirs: t,
            work: n as f64,
            unit: "Gelem/s",
        });
    }
}

fn infonce_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    let shapes: &[(usize, usize)] = if o.quick {
        &[(1024, 128)]
    } else {
        &[(256, 128), (1024, 128), (1024, 768), (4096, 128), (4096, 768)]
    };
    let tau = 0.05f32;
    for &(n, d) in shapes {
        step(&format!("infonce {n}x{d}"));
        let (q, k) = (unit_rows(n, d, 5), unit_rows(n, d, 6));
        let loss = simkern::InfoNce::new(tau).expect("valid temperature").on(o.level);
        let mut logits = Vec::new();
        let flops = 2.0 * (n * n * d) as f64;
        let case = format!("N=M={n}, d={d}, τ={tau}");
        let (s, t) = compare(
            budget,
            || {
                black_box(loss.loss(&q, &k, d).expect("valid shapes"));
            },
            || {
                black_box(materialized_infonce(&q, &k, d, tau, &mut logits));
            },
        );
        rows.push(Row {
            family: "infonce_forward",
            case: case.clone(),
            level: o.level,
            ours: s,
            baseline: "faer logits + LSE",
            theirs: t,
            work: flops,
            unit: "GFLOP/s",
        });
        let (mut dq, mut dk) = (vec![0.0f32; n * d], vec![0.0f32; n * d]);
        let (s, t) = compare(
            budget,
            || {
                black_box(loss.loss_and_grad(&q, &k, d).expect("valid shapes"));
            },
            || {
                black_box(materialized_infonce_grad(&q, &k, d, tau, &mut logits, &mut dq, &mut dk));
            },
        );
        rows.push(Row {
            family: "infonce_forward_backward",
            case,
            level: o.level,
            ours: s,
            baseline: "faer logits + softmax + 2 GEMMs",
            theirs: t,
            work: 3.0 * flops,
            unit: "GFLOP/s",
        });
    }
}

fn rank_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    let sizes: &[usize] = if o.quick { &[1_000_000] } else { &[1000, 100_000, 1_000_000, 10_000_000] };
    for &n in sizes {
        for (kind, data) in [
            ("continuous", matrix(1, n, 11)),
            (
                "ties: ints 0..1000",
                matrix(1, n, 12).into_iter().map(|v| (v.abs() * 300.0).floor() % 1000.0).collect(),
            ),
        ] {
            step(&format!("rank n={n} {kind}"));
            let case = format!("n={n}, {kind}");
            let ours = || {
                black_box(simkern::rank(black_box(&data), simkern::Ties::Average).expect("no NaN"));
            };
            let (s, t) = compare(budget, ours, || {
                black_box(std_rank_average(black_box(&data)));
            });
            rows.push(Row {
                family: "rank_average_f32",
                case: case.clone(),
                level: o.level,
                ours: s,
                baseline: "sort_unstable_by(total_cmp)",
                theirs: t,
                work: n as f64,
                unit: "Gelem/s",
            });
            if n >= 1_000_000 {
                // The kernels alone: both sides write into buffers they
                // reuse, so page faults of fresh allocations (≈1.3 µs per
                // 4 KiB page on this VM) weigh on neither.
                let mut out = vec![0.0; n];
                let mut scratch = vec![0u64; simkern_core::rank::rank_scratch_len::<f32>(n)];
                let (mut idx, mut their_out) = (vec![0u32; n], vec![0.0; n]);
                let (s, t) = compare(
                    budget,
                    || {
                        let (ties, nan) = (simkern::Ties::Average, simkern::NanPolicy::Propagate);
                        simkern_core::rank::rank_into(black_box(&data), ties, nan, &mut out, &mut scratch)
                            .expect("no NaN");
                    },
                    || std_rank_average_into(black_box(&data), &mut idx, &mut their_out),
                );
                rows.push(Row {
                    family: "rank_into_f32",
                    case: format!("{case}, both reuse buffers"),
                    level: o.level,
                    ours: s,
                    baseline: "sort_unstable_by(total_cmp)",
                    theirs: t,
                    work: n as f64,
                    unit: "Gelem/s",
                });
            }
            if n <= 1_000_000 {
                let (s, t) = compare(budget, ours, || {
                    black_box(std_stable_rank_average(black_box(&data)));
                });
                rows.push(Row {
                    family: "rank_average_f32",
                    case,
                    level: o.level,
                    ours: s,
                    baseline: "sort_by (stable)",
                    theirs: t,
                    work: n as f64,
                    unit: "Gelem/s",
                });
            }
        }
    }
    let n = 1_000_000;
    step("spearman / kendall n=1M");
    let x = matrix(1, n, 13);
    let y: Vec<f32> = matrix(1, n, 14).iter().zip(&x).map(|(a, b)| a + b).collect();
    let (s, t) = compare(
        budget,
        || {
            black_box(simkern::spearman(black_box(&x), black_box(&y)).expect("valid"));
        },
        || {
            black_box(std_spearman(black_box(&x), black_box(&y)));
        },
    );
    rows.push(Row {
        family: "spearman_f32",
        case: format!("n={n}"),
        level: o.level,
        ours: s,
        baseline: "std sort ranks + Pearson",
        theirs: t,
        work: n as f64,
        unit: "Gelem/s",
    });
    let (s, t) = compare(
        budget,
        || {
            black_box(simkern::kendall_tau_b(black_box(&x), black_box(&y)).expect("valid"));
        },
        || {
            black_box(simkern::spearman(black_box(&x), black_box(&y)).expect("valid"));
        },
    );
    rows.push(Row {
        family: "kendall_tau_b_f32",
        case: format!("n={n}"),
        level: o.level,
        ours: s,
        baseline: "simkern spearman (for scale)",
        theirs: t,
        work: n as f64,
        unit: "Gelem/s",
    });
    let (s, t) = compare(
        budget,
        || {
            black_box(simkern::pearson(black_box(&x), black_box(&y)).expect("valid"));
        },
        || {
            black_box(simkern_tests::reference::pearson(
                &simkern_tests::reference::widen(&x),
                &simkern_tests::reference::widen(&y),
            ));
        },
    );
    rows.push(Row {
        family: "pearson_f32",
        case: format!("n={n}"),
        level: o.level,
        ours: s,
        baseline: "scalar two-pass Dot2 reference",
        theirs: t,
        work: n as f64,
        unit: "Gelem/s",
    });
}

fn binomial_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    let count = 1_000_000u64;
    for &(n, p) in &[(1000u64, 0.3f64), (1_000_000_000, 1e-3)] {
        step(&format!("binomial pmf n={n}"));
        // A million k spread over the bulk of the distribution.
        let mean = n as f64 * p;
        let sd = (mean * (1.0 - p)).sqrt();
        let ks: Vec<u64> = (0..count)
            .map(|i| (mean - 5.0 * sd + 10.0 * sd * i as f64 / count as f64).max(0.0) as u64)
            .collect();
        let (mut ours, mut theirs) = (vec![0.0f64; ks.len()], vec![0.0f64; ks.len()]);
        let (s, t) = compare(
            budget,
            || simkern::binomial::pmf_into(black_box(&ks), n, p, &mut ours).expect("same length"),
            || {
                for (o, &k) in theirs.iter_mut().zip(&ks) {
                    *o = naive_binomial_pmf(k, n, p);
                }
                black_box(&theirs);
            },
        );
        let case = format!("n={n}, p={p}, 1M k (ns/value = µs/1000)");
        rows.push(Row {
            family: "binomial_pmf",
            case: case.clone(),
            level: o.level,
            ours: s,
            baseline: "naive lgamma formula",
            theirs: t,
            work: count as f64,
            unit: "Gelem/s",
        });
        let dist = statrs::distribution::Binomial::new(p, n).expect("valid parameters");
        let (s, t) = compare(
            budget,
            || simkern::binomial::pmf_into(black_box(&ks), n, p, &mut ours).expect("same length"),
            || {
                for (o, &k) in theirs.iter_mut().zip(&ks) {
                    *o = statrs::distribution::Discrete::pmf(&dist, k);
                }
                black_box(&theirs);
            },
        );
        rows.push(Row {
            family: "binomial_pmf",
            case,
            level: o.level,
            ours: s,
            baseline: "statrs 0.19 Binomial::pmf",
            theirs: t,
            work: count as f64,
            unit: "Gelem/s",
        });
    }
}

fn infonce_parallel_rows(o: &Options, budget: Duration, rows: &mut Vec<Row>, step: &mut dyn FnMut(&str)) {
    let (n, d) = if o.quick { (1024, 128) } else { (4096, 768) };
    step(&format!("infonce rayon {n}x{d}"));
    let (q, k) = (unit_rows(n, d, 5), unit_rows(n, d, 6));
    let loss = simkern::InfoNce::new(0.05).expect("valid temperature").on(o.level);
    let flops = 2.0 * (n * n * d) as f64;
    let threads = rayon::current_num_threads();
    let case = format!("N=M={n}, d={d}, {threads} threads");
    let (s, t) = compare(
        budget,
        || {
            black_box(loss.par_loss(&q, &k, d).expect("valid shapes"));
        },
        || {
            black_box(loss.loss(&q, &k, d).expect("valid shapes"));
        },
    );
    rows.push(Row {
        family: "infonce_forward (rayon)",
        case: case.clone(),
        level: o.level,
        ours: s,
        baseline: "simkern, one thread",
        theirs: t,
        work: flops,
        unit: "GFLOP/s",
    });
    let (s, t) = compare(
        budget,
        || {
            black_box(loss.par_loss_and_grad(&q, &k, d).expect("valid shapes"));
        },
        || {
            black_box(loss.loss_and_grad(&q, &k, d).expect("valid shapes"));
        },
    );
    rows.push(Row {
        family: "infonce_forward_backward (rayon)",
        case,
        level: o.level,
        ours: s,
        baseline: "simkern, one thread",
        theirs: t,
        work: 3.0 * flops,
        unit: "GFLOP/s",
    });
}

fn fmt_time(s: f64) -> String {
    match s {
        s if s < 1e-6 => format!("{:.1} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.2} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.3} s"),
    }
}

fn markdown(rows: &[Row]) -> String {
    let mut t = String::from(
        "| kernel | case | level | simkern | baseline | baseline time | speed-up | simkern rate | baseline rate |\n\
         |---|---|---|---:|---|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {:.2}× | {:.1} {} | {:.1} {} |",
            r.family,
            r.case,
            r.level.level().name(),
            fmt_time(r.ours),
            r.baseline,
            fmt_time(r.theirs),
            r.theirs / r.ours,
            r.work / r.ours / 1e9,
            r.unit,
            r.work / r.theirs / 1e9,
            r.unit
        );
    }
    t
}

fn json(rows: &[Row]) -> String {
    let items: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"kernel\":\"{}\",\"case\":\"{}\",\"level\":\"{}\",\"simkern_s\":{:e},\"baseline\":\"{}\",\"baseline_s\":{:e},\"speedup\":{:.4}}}",
                r.family,
                r.case,
                r.level.level().name(),
                r.ours,
                r.baseline,
                r.theirs,
                r.theirs / r.ours
            )
        })
        .collect();
    format!("[\n  {}\n]\n", items.join(",\n  "))
}

/// Replaces the text between the report markers of `BENCHMARKS.md` with
/// `report`, so that the committed figures are this binary's output.
fn update_benchmarks_md(report: &str) -> std::io::Result<std::path::PathBuf> {
    const BEGIN: &str = "<!-- report:begin -->\n";
    const END: &str = "<!-- report:end -->";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    let text = std::fs::read_to_string(&path)?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        return Err(std::io::Error::other("the report markers are missing"));
    };
    let updated = format!("{}{BEGIN}{report}\n{}", &text[..b], &text[e..]);
    std::fs::write(&path, updated)?;
    Ok(path)
}

type Family = fn(&Options, Duration, &mut Vec<Row>, &mut dyn FnMut(&str));

fn main() {
    let o = match parse_args() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            std::process::exit(2);
        }
    };
    let families: [(&str, Family, usize); 7] = [
        ("dot", dot_rows, if o.quick { 6 } else { 12 }),
        ("similarity_matrix", similarity_matrix_rows, if o.quick { 1 } else { 5 }),
        ("logsumexp", lse_rows, 2),
        ("infonce", infonce_rows, if o.quick { 1 } else { 5 }),
        ("rank", rank_rows, if o.quick { 3 } else { 9 }),
        ("binomial", binomial_rows, 2),
        ("parallel", infonce_parallel_rows, 1),
    ];
    let chosen: Vec<_> =
        families.iter().filter(|f| o.filter.as_deref().is_none_or(|x| f.0.contains(x))).collect();
    if chosen.is_empty() {
        eprintln!(
            "no family matches the filter; families: dot, similarity_matrix, logsumexp, infonce, rank, binomial, parallel"
        );
        std::process::exit(2);
    }
    let budget = Duration::from_millis(if o.quick { 150 } else { 700 });
    let bar = progress_bar(chosen.iter().map(|f| f.2).sum());
    let mut rows = Vec::new();
    let started = Instant::now();
    for f in &chosen {
        let mut step = |what: &str| {
            if bar.position() > 0 || !bar.message().is_empty() {
                bar.inc(1);
            }
            bar.set_message(what.to_string());
        };
        (f.1)(&o, budget, &mut rows, &mut step);
    }
    bar.finish_and_clear();

    let mut table = markdown(&rows);
    if chosen.iter().any(|f| f.0 == "dot") {
        table +=
            "\nMean relative error of f32 dot products (normal inputs, 32 trials, vs a Dot2 reference):\n\n";
        table += &dot_accuracy(&o);
    }
    if chosen.iter().any(|f| f.0 == "binomial") {
        table += "\nBinomial pmf against 50-digit mpmath (n up to 10¹⁸, p down to 1e-300, rows with |ln pmf| ≤ 450):\n\n";
        table += &binomial_accuracy();
    }
    let header = format!(
        "simkern report — best level here: {}, measured level: {}, {:.0} s, medians of interleaved batches\n\n",
        Level::best().name(),
        o.level.level().name(),
        started.elapsed().as_secs_f64()
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/simkern-report");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("report.md"), format!("{header}{table}"));
    let _ = std::fs::write(dir.join("report.json"), json(&rows));
    let bars: Vec<chart::Bar> = rows
        .iter()
        .map(|r| chart::Bar {
            label: format!("{} {} vs {}", r.family, r.case, r.baseline),
            speedup: r.theirs / r.ours,
            yardstick: r.baseline.contains("for scale"),
        })
        .collect();
    let title = format!("simkern speed-ups ({}, medians of interleaved batches)", o.level.level().name());
    if let Err(e) = chart::speedups_svg(&dir.join("speedups.svg"), &title, &bars) {
        eprintln!("could not write the chart: {e}");
    }
    if o.update_benchmarks {
        match update_benchmarks_md(&format!("{header}{table}")) {
            Ok(path) => eprintln!("report section of {} rewritten", path.display()),
            Err(e) => eprintln!("could not update BENCHMARKS.md: {e}"),
        }
    }
    if o.json {
        print!("{}", json(&rows));
    } else {
        print!("{header}{table}");
        println!("\n(written to {}, with report.json and speedups.svg)", dir.join("report.md").display());
    }
}

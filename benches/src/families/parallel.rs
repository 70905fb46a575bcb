//! The rayon forms (InfoNCE, the similarity matrix, uniformity) against
//! simkern's own one-thread functions: the speed-up on this machine's cores.

use std::hint::black_box;

use simkern_benches::unit_rows;

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let (n, d) = if setup.quick { (1024, 128) } else { (4096, 768) };
    vec![
        Step::new(format!("infonce rayon {n}x{d}"), move |r| {
            let (q, k) = (unit_rows(n, d, 5), unit_rows(n, d, 6));
            let loss = simkern::InfoNce::new(0.05).expect("valid temperature").on(setup.level);
            let flops = 2.0 * (n * n * d) as f64;
            let label = format!("N=M={n}, d={d}, {} threads", rayon::current_num_threads());
            let forward = Case {
                family: "infonce_forward (rayon)",
                label: label.clone(),
                work: flops,
                unit: Unit::Gflops,
            };
            r.versus(
                &forward,
                "simkern, one thread",
                || {
                    black_box(loss.par_loss(&q, &k, d).expect("valid shapes"));
                },
                || {
                    black_box(loss.loss(&q, &k, d).expect("valid shapes"));
                },
            );
            let both = Case {
                family: "infonce_forward_backward (rayon)",
                label,
                work: 3.0 * flops,
                unit: Unit::Gflops,
            };
            r.versus(
                &both,
                "simkern, one thread",
                || {
                    black_box(loss.par_loss_and_grad(&q, &k, d).expect("valid shapes"));
                },
                || {
                    black_box(loss.loss_and_grad(&q, &k, d).expect("valid shapes"));
                },
            );
        }),
        Step::new(format!("similarity_matrix rayon {n}x{d}"), move |r| {
            let (q, k) = (unit_rows(n, d, 7), unit_rows(n, d, 8));
            let threads = rayon::current_num_threads();
            let case = Case {
                family: "similarity_matrix (rayon)",
                label: format!("{n}x{n}x{d}, {threads} threads"),
                work: 2.0 * (n * n * d) as f64,
                unit: Unit::Gflops,
            };
            r.versus(
                &case,
                "simkern, one thread",
                || {
                    black_box(simkern::par_similarity_matrix(&q, &k, d).expect("valid shapes"));
                },
                || {
                    black_box(simkern::similarity_matrix(&q, &k, d).expect("valid shapes"));
                },
            );
        }),
        Step::new(format!("uniformity rayon {n}x{d}"), move |r| {
            let x = unit_rows(n, d, 9);
            let threads = rayon::current_num_threads();
            let pairs = (n * (n - 1) / 2) as f64;
            let case = Case {
                family: "uniformity (rayon)",
                label: format!("N={n}, d={d}, {threads} threads"),
                work: pairs,
                unit: Unit::Gelems,
            };
            r.versus(
                &case,
                "simkern, one thread",
                || {
                    black_box(simkern::par_uniformity(&x, d, 2.0).expect("valid shapes"));
                },
                || {
                    black_box(simkern::uniformity(&x, d, 2.0).expect("valid shapes"));
                },
            );
        }),
        Step::new("top_k rayon".into(), move |r| {
            let (n_q, n_k, d, k) = if setup.quick { (64, 20_000, 128, 10) } else { (100, 100_000, 768, 10) };
            let (q, keys) = (simkern_benches::matrix(n_q, d, 51), simkern_benches::matrix(n_k, d, 52));
            let index = simkern::KeyIndex::new(&keys, d, simkern::Metric::Dot).expect("valid shape");
            let case = Case {
                family: "top_k (rayon)",
                label: format!(
                    "{n_q} queries × {n_k} keys × {d}, k={k}, {} threads",
                    rayon::current_num_threads()
                ),
                work: 2.0 * (n_q * n_k * d) as f64,
                unit: Unit::Gflops,
            };
            r.versus(
                &case,
                "simkern, one thread",
                || {
                    black_box(index.par_search(black_box(&q), k).expect("valid shape"));
                },
                || {
                    black_box(index.search(black_box(&q), k).expect("valid shape"));
                },
            );
        }),
        Step::new("spearman rayon".into(), move |r| {
            let n = if setup.quick { 1_000_000 } else { 10_000_000 };
            let x = simkern_benches::matrix(1, n, 15);
            let y: Vec<f32> = simkern_benches::matrix(1, n, 16).iter().zip(&x).map(|(a, b)| a + b).collect();
            let case = Case {
                family: "spearman (rayon)",
                label: format!("n={n} continuous f32, {} threads", rayon::current_num_threads()),
                work: n as f64,
                unit: Unit::Gelems,
            };
            r.versus(
                &case,
                "simkern, one thread",
                || {
                    black_box(simkern::par_spearman(black_box(&x), black_box(&y)).expect("valid"));
                },
                || {
                    black_box(simkern::spearman(black_box(&x), black_box(&y)).expect("valid"));
                },
            );
        }),
        Step::new("rank rayon".into(), move |r| {
            let n = if setup.quick { 1_000_000 } else { 10_000_000 };
            let x = simkern_benches::matrix(1, n, 17);
            let case = Case {
                family: "rank (rayon)",
                label: format!("n={n} continuous f32, average, {} threads", rayon::current_num_threads()),
                work: n as f64,
                unit: Unit::Gelems,
            };
            r.versus(
                &case,
                "simkern, one thread",
                || {
                    black_box(simkern::par_rank(black_box(&x), simkern::Ties::Average).expect("valid"));
                },
                || {
                    black_box(simkern::rank(black_box(&x), simkern::Ties::Average).expect("valid"));
                },
            );
        }),
    ]
}

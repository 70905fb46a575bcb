//! `top_k` (fused: blocks of scores selected in cache) against computing
//! the whole similarity matrix — simkern's engine or (feature `openblas`)
//! OpenBLAS `sgemm` — and selecting each row's best with
//! `select_nth_unstable`: what a user without a fused search writes. Each
//! case's label states the peak memory each side allocates (counted by the
//! report's allocator), the search's against the materialised matrix.

use std::hint::black_box;

use simkern::Metric;
use simkern_benches::matrix;
#[cfg(feature = "openblas")]
use simkern_benches::{OpenBlas, qkt};

use super::{Setup, Step};
use crate::memory::peak_during;
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let shapes: &[(usize, usize, usize)] =
        if setup.quick { &[(64, 20_000, 128)] } else { &[(256, 100_000, 128), (100, 100_000, 768)] };
    let k = 10;
    let storage = (!setup.quick).then(|| bf16_keys(100, 100_000, 768, k));
    shapes
        .iter()
        .map(|&(n_q, n_k, d)| {
            Step::new(format!("top_k {n_q}x{n_k}x{d}"), move |r| {
                let q = matrix(n_q, d, 51);
                let keys = matrix(n_k, d, 52);
                let index = simkern::KeyIndex::new(&keys, d, Metric::Dot).expect("valid shape");
                let (ours, hits) = peak_during(|| index.search(&q, k).expect("valid shape"));
                let (full, want) = peak_during(|| {
                    let s = simkern::similarity_matrix(&q, &keys, d).expect("valid shape");
                    select_rows(&s, n_k, k)
                });
                // The same answer, or the timings compare different work.
                assert_eq!(hits.indices, want, "top_k against the materialised selection");
                let mib = |b: usize| b as f64 / f64::from(1 << 20);
                let case = Case {
                    family: "top_k",
                    label: format!(
                        "{n_q} queries × {n_k} keys × {d}, k={k}, dot; peak extra memory {:.2} MiB vs {:.1} MiB ({:.3} of it)",
                        mib(ours),
                        mib(full),
                        ours as f64 / full as f64
                    ),
                    work: 2.0 * (n_q * n_k * d) as f64,
                    unit: Unit::Gflops,
                };
                let mut search = || {
                    black_box(index.search(black_box(&q), k).expect("valid shape"));
                };
                r.versus(&case, "similarity_matrix + select_nth per row", &mut search, || {
                    let s = simkern::similarity_matrix(black_box(&q), &keys, d).expect("valid shape");
                    black_box(select_rows(&s, n_k, k));
                });
                #[cfg(feature = "openblas")]
                {
                    let mut s = vec![0.0f32; n_q * n_k];
                    r.versus(&case, "OpenBLAS sgemm + select_nth per row", &mut search, || {
                        qkt::<OpenBlas>(black_box(&q), &keys, d, &mut s);
                        black_box(select_rows(&s, n_k, k));
                    });
                }
            })
        })
        .chain(storage)
        .collect()
}

/// A search over `bf16` keys (on the matrix tiles where the CPU has them,
/// else widened block by block) against the `f32` search of the same
/// (widened) values: what storing the keys in `bf16` gains or costs.
fn bf16_keys(n_q: usize, n_k: usize, d: usize, k: usize) -> Step {
    Step::new(format!("top_k bf16 {n_q}x{n_k}x{d}"), move |r| {
        let to_bf16 = |x: Vec<f32>| x.into_iter().map(half::bf16::from_f32).collect::<Vec<_>>();
        let (q, keys) = (to_bf16(matrix(n_q, d, 53)), to_bf16(matrix(n_k, d, 54)));
        let widen = |x: &[half::bf16]| x.iter().map(|v| v.to_f32()).collect::<Vec<_>>();
        let (qw, kw) = (widen(&q), widen(&keys));
        let index = simkern::KeyIndex::new(&keys, d, Metric::Cosine).expect("valid shape");
        let wide = simkern::KeyIndex::new(&kw, d, Metric::Cosine).expect("valid shape");
        let case = Case {
            family: "top_k",
            label: format!("{n_q} queries × {n_k} bf16 keys × {d}, k={k}, cosine"),
            work: 2.0 * (n_q * n_k * d) as f64,
            unit: Unit::Gflops,
        };
        r.versus(
            &case,
            "f32 KeyIndex of the widened keys",
            || {
                black_box(index.search(black_box(&q), k).expect("valid shape"));
            },
            || {
                black_box(wide.search(black_box(&qw), k).expect("valid shape"));
            },
        );
    })
}

/// The best `k` of every row of `s` (rows of `n_k`), best first, equal
/// scores by index: `select_nth_unstable_by`, then a sort of the `k`.
fn select_rows(s: &[f32], n_k: usize, k: usize) -> Vec<u32> {
    let mut best = Vec::with_capacity(s.len() / n_k * k);
    let mut row_idx: Vec<u32> = Vec::with_capacity(n_k);
    for row in s.chunks_exact(n_k) {
        row_idx.clear();
        row_idx.extend(0..n_k as u32);
        let better = |a: &u32, b: &u32| row[*b as usize].total_cmp(&row[*a as usize]).then(a.cmp(b));
        row_idx.select_nth_unstable_by(k - 1, better);
        row_idx[..k].sort_by(better);
        best.extend_from_slice(&row_idx[..k]);
    }
    best
}

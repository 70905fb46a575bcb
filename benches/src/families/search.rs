//! `top_k` (fused: blocks of scores selected in cache) against computing
//! the whole similarity matrix and selecting each row's best with
//! `select_nth_unstable` — what a user without a fused search writes.

use std::hint::black_box;

use simkern::Metric;
use simkern_benches::matrix;

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let (n_q, n_k, d, k) = if setup.quick { (64, 20_000, 128, 10) } else { (256, 100_000, 128, 10) };
    vec![Step::new(format!("top_k {n_q}x{n_k}x{d}"), move |r| {
        let q = matrix(n_q, d, 51);
        let keys = matrix(n_k, d, 52);
        let index = simkern::KeyIndex::new(&keys, d, Metric::Dot).expect("valid shape");
        let case = Case {
            family: "top_k",
            label: format!("{n_q} queries × {n_k} keys × {d}, k={k}, dot"),
            work: 2.0 * (n_q * n_k * d) as f64,
            unit: Unit::Gflops,
        };
        r.versus(
            &case,
            "similarity_matrix + select_nth per row",
            || {
                black_box(index.search(black_box(&q), k).expect("valid shape"));
            },
            || {
                let s = simkern::similarity_matrix(black_box(&q), &keys, d).expect("valid shape");
                let mut best = Vec::with_capacity(n_q * k);
                let mut row_idx: Vec<u32> = Vec::with_capacity(n_k);
                for row in s.chunks_exact(n_k) {
                    row_idx.clear();
                    row_idx.extend(0..n_k as u32);
                    row_idx
                        .select_nth_unstable_by(k - 1, |&a, &b| row[b as usize].total_cmp(&row[a as usize]));
                    row_idx[..k]
                        .sort_by(|&a, &b| row[b as usize].total_cmp(&row[a as usize]).then(a.cmp(&b)));
                    best.extend_from_slice(&row_idx[..k]);
                }
                black_box(best);
            },
        );
    })]
}

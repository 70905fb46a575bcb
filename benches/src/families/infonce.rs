//! The fused InfoNCE loss (and its gradient) against materialised logits
//! (faer's, and with the feature `openblas` the system OpenBLAS's GEMMs,
//! then log-sum-exp / softmax).

use std::hint::black_box;

use simkern_benches::{Faer, Gemm, materialized_infonce, materialized_infonce_grad, unit_rows};

use super::{Setup, Step};
use crate::report::{Case, Report, Unit};

/// One batch of the InfoNCE rows.
struct Batch<'a> {
    q: &'a [f32],
    k: &'a [f32],
    d: usize,
    tau: f32,
    loss: simkern::InfoNce,
}

/// The forward+backward case of a batch whose logits cost `flops`: three
/// GEMM-shaped passes' worth.
fn forward_backward(label: &str, flops: f64) -> Case {
    Case { family: "infonce_forward_backward", label: label.into(), work: 3.0 * flops, unit: Unit::Gflops }
}

/// The forward and the forward+backward rows against the materialising
/// recipe on the GEMM `G`.
fn against<G: Gemm>(r: &mut Report, label: &str, b: &Batch<'_>) {
    let (n, d) = (b.q.len() / b.d, b.d);
    let flops = 2.0 * (n * n * d) as f64;
    let mut logits = Vec::new();
    let forward = Case { family: "infonce_forward", label: label.into(), work: flops, unit: Unit::Gflops };
    r.versus(
        &forward,
        G::FORWARD,
        || {
            black_box(b.loss.loss(b.q, b.k, d).expect("valid shapes"));
        },
        || {
            black_box(materialized_infonce::<G>(b.q, b.k, d, b.tau, &mut logits));
        },
    );
    let (mut dq, mut dk) = (vec![0.0f32; n * d], vec![0.0f32; n * d]);
    let both = forward_backward(label, flops);
    r.versus(
        &both,
        G::FORWARD_BACKWARD,
        || {
            black_box(b.loss.loss_and_grad(b.q, b.k, d).expect("valid shapes"));
        },
        || {
            black_box(materialized_infonce_grad::<G>(b.q, b.k, d, b.tau, &mut logits, &mut dq, &mut dk));
        },
    );
}

/// The loss against work of its own: forward+backward against three of
/// the engine's GEMMs of the same shapes (`S = Q·Kᵀ`, `G·K`, `Gᵀ·Q`, the
/// transposes made beforehand), and the symmetric loss against the plain
/// one (its target: at most 1.45× the time, four GEMM-shaped passes
/// instead of three).
fn yardsticks(r: &mut Report, label: &str, b: &Batch<'_>, level: simkern::Kernels) {
    let (n, d) = (b.q.len() / b.d, b.d);
    let flops = 2.0 * (n * n * d) as f64;
    let transpose = |x: &[f32], rows: usize, cols: usize| -> Vec<f32> {
        (0..cols).flat_map(|c| (0..rows).map(move |i| x[i * cols + c])).collect()
    };
    let (kt, qt) = (transpose(b.k, n, d), transpose(b.q, n, d));
    let g: Vec<f32> = (0..n * n).map(|i| ((i % 97) as f32 - 48.0) * 1e-4).collect();
    let gt = transpose(&g, n, n);
    let mut s_out = vec![0.0f32; n * n];
    let mut grad_out = vec![0.0f32; n * d];
    let both = forward_backward(label, flops);
    r.versus(
        &both,
        "3 × simkern's own GEMM, same shapes (for scale)",
        || {
            black_box(b.loss.loss_and_grad(b.q, b.k, d).expect("valid shapes"));
        },
        || {
            let sm = |a: &[f32], bt: &[f32], dim: usize, out: &mut [f32]| {
                let (a, bt) = (
                    simkern::MatRef::new(a, dim).expect("shape"),
                    simkern::MatRef::new(bt, dim).expect("shape"),
                );
                let mut scratch = vec![0.0f32; level.similarity_matrix_scratch_len(a.rows(), bt.rows(), dim)];
                level.similarity_matrix_into(a, bt, out, &mut scratch).expect("valid shapes");
            };
            sm(b.q, b.k, d, &mut s_out);
            sm(&g, &kt, n, &mut grad_out);
            sm(&gt, &qt, n, &mut grad_out);
            black_box((&s_out, &grad_out));
        },
    );
    let symmetric = b.loss.symmetric(true);
    let sym = Case {
        family: "infonce_symmetric_fwd_bwd",
        label: label.into(),
        work: 4.0 * flops,
        unit: Unit::Gflops,
    };
    r.versus(
        &sym,
        "the plain loss's forward+backward (for scale; target ≥ 0.69×)",
        || {
            black_box(symmetric.loss_and_grad(b.q, b.k, d).expect("valid shapes"));
        },
        || {
            black_box(b.loss.loss_and_grad(b.q, b.k, d).expect("valid shapes"));
        },
    );
}

pub fn plan(setup: Setup) -> Vec<Step> {
    let shapes: &[(usize, usize)] = if setup.quick {
        &[(1024, 128)]
    } else {
        &[(256, 128), (1024, 128), (1024, 768), (4096, 128), (4096, 768)]
    };
    let tau = 0.05f32;
    shapes
        .iter()
        .map(|&(n, d)| {
            Step::new(format!("infonce {n}x{d}"), move |r| {
                let (q, k) = (unit_rows(n, d, 5), unit_rows(n, d, 6));
                let loss = simkern::InfoNce::new(tau).expect("valid temperature").on(setup.level);
                let label = format!("N=M={n}, d={d}, τ={tau}");
                let input = Batch { q: &q, k: &k, d, tau, loss };
                #[cfg(feature = "openblas")]
                against::<simkern_benches::OpenBlas>(r, &label, &input);
                against::<Faer>(r, &label, &input);
                if setup.quick || n == 4096 {
                    yardsticks(r, &label, &input, setup.level);
                }
            })
        })
        .collect()
}

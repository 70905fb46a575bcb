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
    let both = Case {
        family: "infonce_forward_backward",
        label: label.into(),
        work: 3.0 * flops,
        unit: Unit::Gflops,
    };
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
            })
        })
        .collect()
}

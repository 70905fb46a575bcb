//! The fused InfoNCE loss (and its gradient) against materialised logits
//! (faer GEMMs + log-sum-exp / softmax).

use std::hint::black_box;

use simkern_benches::{materialized_infonce, materialized_infonce_grad, unit_rows};

use super::{Setup, Step};
use crate::report::{Case, Unit};

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
                let mut logits = Vec::new();
                let flops = 2.0 * (n * n * d) as f64;
                let label = format!("N=M={n}, d={d}, τ={tau}");
                let forward =
                    Case { family: "infonce_forward", label: label.clone(), work: flops, unit: Unit::Gflops };
                r.versus(
                    &forward,
                    "faer logits + LSE",
                    || {
                        black_box(loss.loss(&q, &k, d).expect("valid shapes"));
                    },
                    || {
                        black_box(materialized_infonce(&q, &k, d, tau, &mut logits));
                    },
                );
                let (mut dq, mut dk) = (vec![0.0f32; n * d], vec![0.0f32; n * d]);
                let both =
                    Case { family: "infonce_forward_backward", label, work: 3.0 * flops, unit: Unit::Gflops };
                r.versus(
                    &both,
                    "faer logits + softmax + 2 GEMMs",
                    || {
                        black_box(loss.loss_and_grad(&q, &k, d).expect("valid shapes"));
                    },
                    || {
                        black_box(materialized_infonce_grad(&q, &k, d, tau, &mut logits, &mut dq, &mut dk));
                    },
                );
            })
        })
        .collect()
}

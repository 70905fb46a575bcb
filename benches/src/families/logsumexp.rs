//! `logsumexp` (f32) against a two-pass scalar loop over `f32::exp`.

use std::hint::black_box;

use simkern_benches::{matrix, naive_logsumexp};

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    [1024usize, 1 << 20]
        .into_iter()
        .map(|n| {
            Step::new(format!("logsumexp n={n}"), move |r| {
                let x: Vec<f32> = matrix(1, n, 3).into_iter().map(|v| 4.0 * v).collect();
                let (level, forced) = (setup.level, setup.forced());
                let case = Case {
                    family: "logsumexp_f32",
                    label: format!("n={n}"),
                    work: n as f64,
                    unit: Unit::Gelems,
                };
                r.versus(
                    &case,
                    "scalar f32::exp, 2 passes",
                    || {
                        let l = if forced {
                            level.logsumexp(black_box(&x))
                        } else {
                            simkern::logsumexp(black_box(&x))
                        };
                        black_box(l);
                    },
                    || {
                        black_box(naive_logsumexp(black_box(&x)));
                    },
                );
            })
        })
        .collect()
}

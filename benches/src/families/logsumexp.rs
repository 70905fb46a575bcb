//! `logsumexp` (f32 and f64) against a two-pass scalar loop over `exp`.

use std::hint::black_box;

use simkern_benches::{Real, matrix, naive_logsumexp};

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let mut steps: Vec<Step> =
        [1024usize, 1 << 20].into_iter().map(|n| step::<f32>(setup, n, "f32")).collect();
    steps.push(step::<f64>(setup, 1 << 20, "f64"));
    steps
}

/// `logsumexp` of `n` elements of `T` against the naive two passes.
fn step<T: simkern::Float + Real + From<f32>>(setup: Setup, n: usize, name: &'static str) -> Step {
    Step::new(format!("logsumexp {name} n={n}"), move |r| {
        let x: Vec<T> = matrix(1, n, 3).into_iter().map(|v| T::from(4.0 * v)).collect();
        let (level, forced) = (setup.level, setup.forced());
        let family = if name == "f32" { "logsumexp_f32" } else { "logsumexp_f64" };
        let case = Case { family, label: format!("n={n}"), work: n as f64, unit: Unit::Gelems };
        r.versus(
            &case,
            if name == "f32" { "scalar f32::exp, 2 passes" } else { "scalar f64::exp, 2 passes" },
            || {
                let l =
                    if forced { level.logsumexp(black_box(&x)) } else { simkern::logsumexp(black_box(&x)) };
                black_box(l);
            },
            || {
                black_box(naive_logsumexp(black_box(&x)));
            },
        );
    })
}

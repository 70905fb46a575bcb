#![allow(missing_docs, reason = "gungraun's macros generate undocumented modules and constants")]
//! Instruction counts (Callgrind, via gungraun) for the kernels whose
//! speed matters most. Run with `cargo bench -p simkern-benches --bench
//! instructions` after `cargo install gungraun-runner --version 0.20.0`.
//! Valgrind's CPU reports no AVX-512, so dispatch picks AVX2 here.

use std::hint::black_box;

use gungraun::prelude::*;
use simkern_tests::data::{Dist, Rng, vec_f32};

fn two_vectors(n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut r = Rng::new(n as u64);
    (vec_f32(&mut r, Dist::Normal, n), vec_f32(&mut r, Dist::Normal, n))
}

#[library_benchmark]
#[bench::n768(setup = two_vectors, args = (768))]
#[bench::n65536(setup = two_vectors, args = (65_536))]
fn dot_f32((a, b): (Vec<f32>, Vec<f32>)) -> f32 {
    black_box(simkern::dot(black_box(&a), black_box(&b)).unwrap_or(f32::NAN))
}

#[library_benchmark]
#[bench::n768(setup = two_vectors, args = (768))]
fn cosine_f32((a, b): (Vec<f32>, Vec<f32>)) -> f32 {
    black_box(simkern::cosine(black_box(&a), black_box(&b)).unwrap_or(f32::NAN))
}

library_benchmark_group!(name = similarity, benchmarks = [dot_f32, cosine_f32]);

main!(library_benchmark_groups = similarity);

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

fn logits(n: usize) -> Vec<f32> {
    vec_f32(&mut Rng::new(n as u64), Dist::Normal, n)
}

#[library_benchmark]
#[bench::n1024(setup = logits, args = (1024))]
fn logsumexp_f32(x: Vec<f32>) -> f32 {
    black_box(simkern::logsumexp(black_box(&x)))
}

/// Unit-expected-norm rows for InfoNCE at τ = 0.05.
fn batch((n, d): (usize, usize)) -> (Vec<f32>, Vec<f32>, usize) {
    let mut r = Rng::new(7);
    let scale = 1.0 / (d as f32).sqrt();
    let q = vec_f32(&mut r, Dist::Normal, n * d).into_iter().map(|v| v * scale).collect();
    let k = vec_f32(&mut r, Dist::Normal, n * d).into_iter().map(|v| v * scale).collect();
    (q, k, d)
}

#[library_benchmark]
#[bench::n256_d128(setup = batch, args = ((256, 128)))]
fn infonce_forward((q, k, d): (Vec<f32>, Vec<f32>, usize)) -> f32 {
    let loss = simkern::InfoNce::new(0.05).map(|l| l.loss(black_box(&q), black_box(&k), d));
    black_box(loss.ok().and_then(Result::ok).unwrap_or(f32::NAN))
}

/// `n` continuous values, or `n` integer scores in `0..1000` (ties).
fn rank_data((n, ties): (usize, bool)) -> Vec<f32> {
    let x = vec_f32(&mut Rng::new(11), Dist::Normal, n);
    if ties { x.into_iter().map(|v| (v.abs() * 300.0).floor() % 1000.0).collect() } else { x }
}

#[library_benchmark]
#[bench::continuous_100k(setup = rank_data, args = ((100_000, false)))]
#[bench::ties_100k(setup = rank_data, args = ((100_000, true)))]
fn rank_average_f32(x: Vec<f32>) -> f64 {
    let ranks = simkern::rank(black_box(&x), simkern::Ties::Average);
    black_box(ranks.map_or(f64::NAN, |r| r[0]))
}

/// Two correlated columns of `n` values.
fn pairs(n: usize) -> (Vec<f32>, Vec<f32>) {
    let (x, e) = two_vectors(n);
    let y = x.iter().zip(&e).map(|(a, b)| a + b).collect();
    (x, y)
}

#[library_benchmark]
#[bench::n100k(setup = pairs, args = (100_000))]
fn pearson_f32((x, y): (Vec<f32>, Vec<f32>)) -> f64 {
    black_box(simkern::pearson(black_box(&x), black_box(&y)).unwrap_or(f64::NAN))
}

library_benchmark_group!(name = similarity, benchmarks = [dot_f32, cosine_f32]);
library_benchmark_group!(name = contrastive, benchmarks = [logsumexp_f32, infonce_forward]);
library_benchmark_group!(name = statistics, benchmarks = [rank_average_f32, pearson_f32]);

main!(library_benchmark_groups = similarity, contrastive, statistics);

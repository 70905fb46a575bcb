//! Criterion: f32 dot vs a naive iterator sum and NumKong; the similarity
//! matrix vs faer and matrixmultiply. Default RUSTFLAGS: simkern dispatches
//! at run time.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use simkern_benches::{Faer, line_offset_f32, matrix, matrixmultiply_qkt, naive_dot, numkong_dot, qkt};

fn dot(c: &mut Criterion) {
    for &offset in &[0usize, 16] {
        let mut g = c.benchmark_group(format!("dot_f32/line+{offset}B"));
        for &n in &[16usize, 256, 768, 1536, 4096, 65_536, 1 << 20, 1 << 24] {
            let (a, ra) = line_offset_f32(n, offset, 1);
            let (b, rb) = line_offset_f32(n, offset, 2);
            let (a, b) = (&a[ra], &b[rb]);
            g.throughput(Throughput::Elements(n as u64));
            if n >= 1 << 20 {
                g.sample_size(20);
            }
            g.bench_with_input(BenchmarkId::new("simkern", n), &n, |bn, _| {
                bn.iter(|| simkern::dot(black_box(a), black_box(b)))
            });
            g.bench_with_input(BenchmarkId::new("numkong", n), &n, |bn, _| {
                bn.iter(|| numkong_dot(black_box(a), black_box(b)))
            });
            g.bench_with_input(BenchmarkId::new("naive", n), &n, |bn, _| {
                bn.iter(|| naive_dot(black_box(a), black_box(b)))
            });
        }
        g.finish();
    }
}

fn similarity_matrix(c: &mut Criterion) {
    let mut g = c.benchmark_group("similarity_matrix");
    g.sample_size(10);
    for &d in &[128usize, 768] {
        for &n in &[256usize, 1024, 4096] {
            let q = matrix(n, d, 1);
            let k = matrix(n, d, 2);
            let mut out = vec![0.0f32; n * n];
            g.throughput(Throughput::Elements((2 * n * n * d) as u64));
            let id = format!("{n}x{n}x{d}");
            g.bench_function(BenchmarkId::new("simkern", &id), |b| {
                b.iter(|| simkern::similarity_matrix(black_box(&q), black_box(&k), d))
            });
            g.bench_function(BenchmarkId::new("faer", &id), |b| {
                b.iter(|| qkt::<Faer>(black_box(&q), black_box(&k), d, &mut out))
            });
            g.bench_function(BenchmarkId::new("matrixmultiply", &id), |b| {
                b.iter(|| matrixmultiply_qkt(black_box(&q), black_box(&k), d, &mut out))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, dot, similarity_matrix);
criterion_main!(benches);

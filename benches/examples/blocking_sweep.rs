//! The GEMM engine at several cache blockings, interleaved in one process
//! (medians): what checks `Blocking::for_caches` on a new CPU. The first
//! row is the blocking derived from this CPU's caches; the others name
//! cache sizes that give neighbouring blocks.
//!
//! ```text
//! cargo run --release -p simkern-benches --example blocking_sweep            # FMA peak + similarity_matrix
//! cargo run --release -p simkern-benches --example blocking_sweep infonce    # InfoNCE forward+backward 4096×768
//! cargo run --release -p simkern-benches --example blocking_sweep peak       # the FMA peak per level only
//! ONLY_DETECTED=1 cargo run …                                                # the detected blocking only
//! ```

use simkern_core::infonce::{Pass, Positives};
use simkern_core::{Caches, Kernels, MatRef};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mib = 1usize << 20;
    let variants: Vec<(&str, Option<Caches>)> = vec![
        ("detected", None),
        ("fallback", Some(Caches::default())),
        ("mc144 nc2720", Some(Caches { l1d: None, l2: Some(900 << 10), l3: Some(32 * mib) })),
        ("mc168 nc1536", Some(Caches { l1d: None, l2: Some(mib), l3: Some(18 * mib) })),
        ("mc168 nc3072", Some(Caches { l1d: None, l2: Some(mib), l3: Some(40 * mib) })),
        ("mc336(2MiB)", Some(Caches { l1d: None, l2: Some(2 * mib), l3: Some(40 * mib) })),
    ];
    let only = std::env::var("ONLY_DETECTED").is_ok();
    let ks: Vec<(&str, Kernels)> = variants
        .iter()
        .take(if only { 1 } else { 99 })
        .map(|(n, c)| (*n, c.map_or(Kernels::best(), |c| Kernels::best().with_caches(c))))
        .collect();
    for (n, k) in &ks {
        println!("{n}: {:?}", k.blocking());
    }
    let which = std::env::args().nth(1).unwrap_or_default();
    for k in Kernels::available() {
        let mut v = Vec::new();
        for _ in 0..9 {
            let t = Instant::now();
            let f = k.fma_peak_probe(1 << 24);
            v.push(f as f64 / t.elapsed().as_secs_f64() / 1e9);
        }
        println!("peak {:?}: {:.1} GFLOP/s", k.level(), median(v));
    }
    if which == "peak" {
        return;
    }
    let mut rng = 1u64;
    let mut rnd = || {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((rng >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    };
    for &(n, d) in &[(4096usize, 768usize), (4096, 128), (1024, 768)] {
        if which == "infonce" && (n, d) != (4096, 768) {
            continue;
        }
        let q: Vec<f32> = (0..n * d).map(|_| rnd()).collect();
        let kk: Vec<f32> = (0..n * d).map(|_| rnd()).collect();
        let (qm, km) = (MatRef::new(&q, d).unwrap(), MatRef::new(&kk, d).unwrap());
        let mut times = vec![Vec::new(); ks.len()];
        if which == "infonce" {
            let mut dq = vec![0.0; n * d];
            let mut dk = vec![0.0; n * d];
            for _ in 0..5 {
                for (i, (_, k)) in ks.iter().enumerate() {
                    let l = k.infonce(0.05).unwrap();
                    let mut ws = vec![0.0; l.scratch_len(n, n, d, Pass::Backward)];
                    let t = Instant::now();
                    l.loss_and_grad(qm, km, Positives::Diagonal, &mut dq, &mut dk, &mut ws).unwrap();
                    times[i].push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            for (i, (name, _)) in ks.iter().enumerate() {
                println!("infonce fwd+bwd {n}x{d} {name:14} {:8.2} ms", median(times[i].clone()));
            }
            continue;
        }
        let mut out = vec![0.0f32; n * n];
        let reps = if n == 4096 { 7 } else { 31 };
        for _ in 0..reps {
            for (i, (_, k)) in ks.iter().enumerate() {
                let mut scratch = vec![0.0; k.similarity_matrix_scratch_len(n, n, d)];
                let t = Instant::now();
                k.similarity_matrix_into(qm, km, &mut out, &mut scratch).unwrap();
                times[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        for (i, (name, _)) in ks.iter().enumerate() {
            let ms = median(times[i].clone());
            let gf = 2.0 * (n * n * d) as f64 / ms / 1e6;
            println!("sim {n}x{n}x{d} {name:14} {ms:8.3} ms {gf:6.1} GFLOP/s");
        }
    }
}

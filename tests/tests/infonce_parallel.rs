//! (Not built for WASI, which has no threads to run a pool on.)
#![cfg(not(target_os = "wasi"))]
//! The `rayon` InfoNCE: the same bits with 1, 2 or 3 threads, and the same
//! values as the one-thread kernel within the loss contract.

use simkern::InfoNce;
use simkern_tests::data::{Dist, Rng, vec_f32};

fn batch(n: usize, d: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut r = Rng::new(seed);
    (vec_f32(&mut r, Dist::Normal, n * d), vec_f32(&mut r, Dist::Normal, n * d))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

#[test]
fn deterministic_across_thread_counts_and_close_to_serial() {
    let (n, d) = (1100, 12); // three blocks of 512, 512 and 76 rows
    let (q, k) = batch(n, d, 1);
    for (normalize, symmetric) in [(false, false), (true, false), (true, true)] {
        let l = InfoNce::new(0.1).unwrap().normalize(normalize).symmetric(symmetric);
        let runs: Vec<_> = [1, 2, 3]
            .into_iter()
            .map(|t| {
                pool(t).install(|| (l.par_loss(&q, &k, d).unwrap(), l.par_loss_and_grad(&q, &k, d).unwrap()))
            })
            .collect();
        for r in &runs[1..] {
            assert_eq!(r.0.to_bits(), runs[0].0.to_bits(), "loss bits differ across thread counts");
            assert_eq!(r.1, runs[0].1, "gradient bits differ across thread counts");
        }
        let serial = l.loss_and_grad(&q, &k, d).unwrap();
        let (loss, g) = (&runs[0].0, &runs[0].1);
        assert!((loss - serial.loss).abs() <= 1e-5 * serial.loss.abs(), "{loss} vs {}", serial.loss);
        assert!((g.loss - serial.loss).abs() <= 1e-5 * serial.loss.abs());
        let gmax = serial.dq.iter().chain(&serial.dk).fold(0.0f32, |a, &b| a.max(b.abs()));
        for (a, b) in g.dq.iter().chain(&g.dk).zip(serial.dq.iter().chain(&serial.dk)) {
            assert!((a - b).abs() <= 1e-4 * gmax, "{a} vs {b}");
        }
    }
}

#[test]
fn errors_like_the_serial_api() {
    use simkern::Error;
    let l = InfoNce::new(0.1).unwrap();
    for (q, k, d) in
        [(&[1.0f32; 4][..], &[1.0f32; 6][..], 2usize), (&[1.0; 4], &[1.0; 4], 0), (&[1.0; 5], &[1.0; 4], 2)]
    {
        let serial = l.loss(q, k, d).unwrap_err();
        assert_eq!(l.par_loss(q, k, d).unwrap_err(), serial, "q {} k {} d {d}", q.len(), k.len());
        assert_eq!(l.par_loss_and_grad(q, k, d).unwrap_err(), serial);
    }
    assert_eq!(l.par_loss(&[1.0; 4], &[1.0; 4], 0).unwrap_err(), Error::ZeroDimension);
    assert_eq!(
        l.par_loss(&[1.0; 4], &[1.0; 6], 2).unwrap_err(),
        Error::RowMismatch { left: "q", left_rows: 2, right: "k", right_rows: 3 }
    );
}

#[test]
fn par_uniformity_is_deterministic_and_matches() {
    let (x, _) = batch(700, 9, 4); // 3 blocks of 256 rows i
    let serial = simkern::uniformity(&x, 9, 2.0).unwrap();
    let runs: Vec<f32> = [1, 2, 3]
        .into_iter()
        .map(|t| pool(t).install(|| simkern::par_uniformity(&x, 9, 2.0).unwrap()))
        .collect();
    assert!(runs.iter().all(|r| r.to_bits() == runs[0].to_bits()));
    assert!((runs[0] - serial).abs() <= 1e-5 * serial.abs(), "{} vs {serial}", runs[0]);
    assert_eq!(
        simkern::par_uniformity(&x[..9], 9, 2.0).unwrap_err(),
        simkern::Error::InvalidParameter {
            name: "rows of x",
            expected: "at least 2",
            value: simkern::Value::Count(1)
        }
    );
}

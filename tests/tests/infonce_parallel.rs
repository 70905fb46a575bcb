//! (Not built for WASI, which has no threads to run a pool on.)
#![cfg(not(target_os = "wasi"))]
//! The `rayon` forms: the same bits with 1, 2 or 3 threads as the
//! one-thread functions.

use simkern::InfoNce;
use simkern_tests::data::{Dist, Rng, vec_f32};

fn batch(n: usize, d: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut r = Rng::new(seed);
    (vec_f32(&mut r, Dist::Normal, n * d), vec_f32(&mut r, Dist::Normal, n * d))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

/// Shapes across the blocks: fewer rows than one `A` block, several
/// blocks with a partial last one, and (for the gradient) several
/// gradient blocks; odd dimensions and key counts off the register tile.
const SHAPES: [(usize, usize); 3] = [(37, 5), (700, 12), (1100, 33)];

#[test]
fn infonce_same_bits_for_every_thread_count_and_as_serial() {
    for (n, d) in SHAPES {
        let (q, k) = batch(n, d, n as u64);
        for (normalize, symmetric) in [(false, false), (true, false), (false, true), (true, true)] {
            let l = InfoNce::new(0.1).unwrap().normalize(normalize).symmetric(symmetric);
            let serial = (l.loss(&q, &k, d).unwrap(), l.loss_and_grad(&q, &k, d).unwrap());
            for threads in [1, 2, 3] {
                let par = pool(threads)
                    .install(|| (l.par_loss(&q, &k, d).unwrap(), l.par_loss_and_grad(&q, &k, d).unwrap()));
                let what =
                    format!("n {n} d {d} normalize {normalize} symmetric {symmetric}, {threads} threads");
                assert_eq!(par.0.to_bits(), serial.0.to_bits(), "loss, {what}");
                assert_eq!(par.1.loss.to_bits(), serial.1.loss.to_bits(), "loss with gradient, {what}");
                assert!(
                    par.1.dq.iter().zip(&serial.1.dq).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "dq, {what}"
                );
                assert!(
                    par.1.dk.iter().zip(&serial.1.dk).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "dk, {what}"
                );
            }
        }
    }
}

#[test]
fn infonce_same_bits_with_small_blocks() {
    // Tiny caches: blocks of a few rows, so three workers share many
    // blocks and every division point moves.
    use simkern::{Caches, Kernels};
    let tiny = Caches { l1d: Some(1 << 10), l2: Some(2 << 10), l3: None };
    let (n, d) = (150, 9);
    let (q, k) = batch(n, d, 7);
    for symmetric in [false, true] {
        let l = InfoNce::new(0.2).unwrap().symmetric(symmetric).on(Kernels::best().with_caches(tiny));
        let serial = l.loss_and_grad(&q, &k, d).unwrap();
        for threads in [2, 3] {
            let par = pool(threads).install(|| l.par_loss_and_grad(&q, &k, d).unwrap());
            assert_eq!(par, serial, "symmetric {symmetric}, {threads} threads");
        }
    }
}

#[test]
fn similarity_matrix_same_bits_for_every_thread_count() {
    for (n, m, d) in [(1, 1, 1), (37, 29, 5), (300, 130, 70), (700, 64, 800)] {
        let (q, _) = batch(n, d, 3);
        let (k, _) = batch(m, d, 4);
        let serial = simkern::similarity_matrix(&q, &k, d).unwrap();
        for threads in [1, 2, 3] {
            let par = pool(threads).install(|| simkern::par_similarity_matrix(&q, &k, d).unwrap());
            assert!(
                par.iter().zip(&serial).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{n}x{m}x{d}, {threads} threads"
            );
            assert_eq!(par.len(), serial.len());
        }
    }
    assert_eq!(simkern::par_similarity_matrix(&[], &[1.0; 4], 2).unwrap(), Vec::<f32>::new());
    assert_eq!(
        simkern::par_similarity_matrix(&[1.0; 4], &[1.0; 6], 3).unwrap_err(),
        simkern::similarity_matrix(&[1.0f32; 4], &[1.0; 6], 3).unwrap_err()
    );
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

//! Reusing scratch: the `_in` / `_into` forms with a [`Workspace`] give the
//! allocating forms' bits, and a loop that keeps its buffers allocates in
//! its first step only.

use simkern::{Error, InfoNce, Workspace};
use simkern_tests::data::{Dist, Rng, vec_f32};

#[test]
fn a_training_loop_allocates_once_and_matches_the_owned_api() {
    let (n, d) = (300, 24);
    let mut r = Rng::new(11);
    let mut ws = Workspace::new();
    let (mut dq, mut dk) = (vec![0.0f32; n * d], vec![0.0f32; n * d]);
    for (step, loss) in [
        InfoNce::new(0.05).unwrap(),
        InfoNce::new(0.1).unwrap().normalize(true),
        InfoNce::new(0.2).unwrap().symmetric(true),
        InfoNce::new(0.2).unwrap().symmetric(true).normalize(true),
    ]
    .into_iter()
    .cycle()
    .take(8)
    .enumerate()
    {
        let (q, k) = (vec_f32(&mut r, Dist::Normal, n * d), vec_f32(&mut r, Dist::Normal, n * d));
        let before = ws.capacity();
        let l = loss.loss_and_grad_into(&q, &k, d, &mut dq, &mut dk, &mut ws).unwrap();
        let owned = loss.loss_and_grad(&q, &k, d).unwrap();
        assert_eq!((l.to_bits(), &dq, &dk), (owned.loss.to_bits(), &owned.dq, &owned.dk), "step {step}");
        assert_eq!(
            loss.loss_in(&q, &k, d, &mut ws).unwrap().to_bits(),
            loss.loss(&q, &k, d).unwrap().to_bits()
        );
        if step >= 4 {
            assert_eq!(ws.capacity(), before, "step {step} grew the workspace");
        }
    }
}

#[test]
fn one_workspace_serves_different_kernels_and_shapes() {
    let mut r = Rng::new(12);
    let mut ws = Workspace::new();
    for (n, m, d) in [(3, 5, 7), (200, 90, 33), (4, 4, 2)] {
        let (q, k) = (vec_f32(&mut r, Dist::Normal, n * d), vec_f32(&mut r, Dist::Normal, m * d));
        let mut out = vec![f32::NAN; n * m];
        simkern::similarity_matrix_into(&q, &k, d, &mut out, &mut ws).unwrap();
        let owned = simkern::similarity_matrix(&q, &k, d).unwrap();
        assert!(out.iter().zip(&owned).all(|(a, b)| a.to_bits() == b.to_bits()), "{n}x{m}x{d}");
    }
}

#[test]
fn wrong_buffers_are_errors() {
    let mut ws = Workspace::new();
    let (q, k) = ([1.0f32, 0.0, 0.0, 1.0], [1.0f32, 0.0, 0.0, 1.0]);
    let l = InfoNce::new(0.5).unwrap();
    let (mut dq, mut dk) = ([0.0f32; 4], [0.0f32; 3]);
    assert_eq!(
        l.loss_and_grad_into(&q, &k, 2, &mut dq, &mut dk, &mut ws).unwrap_err(),
        Error::LengthMismatch { left: "k", left_len: 4, right: "dk", right_len: 3 }
    );
    let mut out = [0.0f32; 3];
    assert_eq!(
        simkern::similarity_matrix_into(&q, &k, 2, &mut out, &mut ws).unwrap_err(),
        Error::OutputSize { needed: 4, got: 3 }
    );
    assert_eq!(
        simkern::similarity_matrix_into(&q, &k, 3, &mut out, &mut ws).unwrap_err(),
        simkern::similarity_matrix(&q, &k, 3).unwrap_err()
    );
}

//! Alignment, uniformity and anisotropy against the references (every
//! pair explicitly; the eigenvalue by Jacobi rotations), at every level.

use proptest::prelude::*;
use simkern_core::MatRef;
use simkern_core::diagnostics::{self as diag, anisotropy_workspace_len, uniformity_workspace_len};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::levels;
use simkern_tests::reference::{self as naive, gamma, widen};

const U32: f64 = f32::EPSILON as f64 / 2.0;

fn rows(seed: u64, n: usize, d: usize, unit: bool) -> Vec<f32> {
    let mut x = vec_f32(&mut Rng::new(seed), Dist::Normal, n * d);
    if unit {
        for r in x.chunks_exact_mut(d) {
            simkern::normalize(r);
        }
    }
    x
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    #[test]
    fn alignment_matches(seed: u64, n in 1usize..60, d in 1usize..80, alpha in prop::sample::select(vec![0.5f32, 1.0, 2.0, 3.0])) {
        let (x, y) = (rows(seed, n, d, true), rows(seed ^ 1, n, d, true));
        let want = naive::alignment(&widen(&x), &widen(&y), d, f64::from(alpha));
        for &level in levels() {
            let xm = MatRef::new(&x, d).unwrap();
            let got = diag::alignment_at(level, xm, MatRef::new(&y, d).unwrap(), alpha).unwrap();
            prop_assert!((f64::from(got) - want).abs() <= 4.0 * U32 * want, "{level:?} {got} vs {want}");
        }
    }

    #[test]
    fn uniformity_matches(seed: u64, n in 2usize..200, d in 1usize..40, unit: bool, t in prop::sample::select(vec![0.5f32, 2.0, 10.0])) {
        let x = rows(seed, n, d, unit);
        let xw = widen(&x);
        let want = naive::uniformity(&xw, d, f64::from(t));
        let max_sq = xw.chunks_exact(d).map(|r| r.iter().map(|v| v * v).sum::<f64>()).fold(0.0, f64::max);
        // Exponent error: the f32 Gram entry (γ_d) and the f32 arithmetic of
        // ‖xᵢ‖² + ‖xⱼ‖² − 2g (a few u), times t; then the LSE's own rounding.
        let pairs = (n * (n - 1) / 2) as f64;
        let bound = f64::from(t) * (8.0 * U32 + 2.0 * gamma(d + 2, U32)) * 2.0 * max_sq
            + 8.0 * U32 * (want.abs() + pairs.ln() + 1.0);
        let mut ws = vec![0.0; uniformity_workspace_len(n, d)];
        for &level in levels() {
            let got = diag::uniformity_at(level, MatRef::new(&x, d).unwrap(), t, &mut ws).unwrap();
            prop_assert!((f64::from(got) - want).abs() <= bound, "{level:?} n={n} d={d}: {got} vs {want} (bound {bound:e})");
        }
    }

    #[test]
    fn anisotropy_matches(seed: u64, m in 2usize..50, d in 1usize..10, shift in 0.0f32..2.0) {
        // A common shift makes the rows anisotropic (one dominant direction).
        let x: Vec<f32> = rows(seed, m, d, false).into_iter().map(|v| v + shift).collect();
        let (cos, gram, top) = naive::anisotropy(&widen(&x), d);
        let mut ws = vec![0.0f64; anisotropy_workspace_len(d)];
        for &level in levels() {
            let a = diag::anisotropy_at(level, MatRef::new(&x, d).unwrap(), &mut ws).unwrap();
            prop_assert!((a.mean_cosine - cos).abs() <= 1e-12 * (1.0 + m as f64), "{level:?} cos {} vs {cos}", a.mean_cosine);
            prop_assert!((a.gram_sum - gram).abs() <= 1e-12 * gram.max(1.0) * m as f64, "{level:?} gram {} vs {gram}", a.gram_sum);
            prop_assert!((a.top_eigenvalue - top).abs() <= 1e-8 * top, "{level:?} λ {} vs {top}", a.top_eigenvalue);
        }
    }
}

#[test]
fn uniformity_over_block_boundaries() {
    // 300 rows: two full blocks of 144 and a partial one.
    let x = rows(3, 300, 17, true);
    let want = naive::uniformity(&widen(&x), 17, 2.0);
    assert!((f64::from(simkern::uniformity(&x, 17, 2.0).unwrap()) - want).abs() <= 1e-5);
}

#[test]
fn anisotropy_of_a_collapsed_space() {
    // Every row the same direction: mean cosine 1, Sum(WWᵀ) = m², λ = m.
    let x = [0.5f32; 4].repeat(10); // unit rows, exactly
    let a = simkern::anisotropy(&x, 4).unwrap();
    assert!((a.mean_cosine - 1.0).abs() < 1e-12);
    assert!((a.gram_sum - 100.0).abs() < 1e-9);
    assert!((a.top_eigenvalue - 10.0).abs() < 1e-9);
    // A zero row has cosine 0 with everything.
    let z = [1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0];
    assert!((simkern::anisotropy(&z, 2).unwrap().mean_cosine - 1.0 / 3.0).abs() < 1e-15);
}

#[test]
fn bad_input_is_an_error() {
    assert_eq!(simkern::alignment(&[], &[], 2, 2.0).unwrap_err().to_string(), "x is empty");
    assert!(simkern::alignment(&[1.0, 0.0], &[1.0, 0.0, 0.0, 1.0], 2, 2.0).is_err());
    assert!(simkern::alignment(&[1.0, 0.0], &[1.0, 0.0], 2, 0.0).is_err());
    assert!(simkern::alignment(&[1.0, 0.0], &[1.0, 0.0], 0, 2.0).is_err());
    assert_eq!(
        simkern::uniformity(&[1.0, 0.0], 2, 2.0).unwrap_err().to_string(),
        "rows of x must be at least 2, got 1"
    );
    assert!(simkern::uniformity(&[1.0, 0.0, 0.0, 1.0], 2, -1.0).is_err());
    assert!(simkern::uniformity(&[1.0, 0.0, 0.0, 1.0], 2, f32::NAN).is_err());
    assert!(simkern::anisotropy(&[1.0, 0.0], 2).is_err());
    assert!(simkern::anisotropy(&[1.0, 0.0, 1.0], 2).is_err());
    let x = [1.0f32, 0.0, 0.0, 1.0];
    let mut small = [0.0f32; 1];
    assert!(diag::uniformity(MatRef::new(&x, 2).unwrap(), 2.0, &mut small).is_err());
    assert!(simkern::uniformity(&[f32::NAN, 0.0, 0.0, 1.0], 2, 2.0).unwrap().is_nan());
}

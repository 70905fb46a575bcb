//! Alignment, uniformity and anisotropy against the references (every
//! pair explicitly; the eigenvalue by Jacobi rotations), at every level.

use proptest::prelude::*;
use simkern::{Kernels, Value};
use simkern_core::MatRef;
use simkern_core::diagnostics::{self as diag, anisotropy_scratch_len, uniformity_scratch_len};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::{levels, levels_and_blockings};
use simkern_tests::precision::{EIGENVALUE_REL, MOMENT_REL};
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
            let got = level.alignment(xm, MatRef::new(&y, d).unwrap(), alpha).unwrap();
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
        let mut ws = vec![f32::NAN; uniformity_scratch_len(n, d)];
        for level in levels_and_blockings() {
            let got = level.uniformity(MatRef::new(&x, d).unwrap(), t, &mut ws).unwrap();
            prop_assert!((f64::from(got) - want).abs() <= bound, "{level:?} n={n} d={d}: {got} vs {want} (bound {bound:e})");
        }
    }

    /// Every value distribution of the shared generator (not unit rows).
    #[test]
    fn alignment_and_uniformity_over_value_distributions(seed: u64, di in 0usize..5, n in 2usize..160, d in 1usize..90) {
        let mut r = Rng::new(seed);
        let (x, y) = (vec_f32(&mut r, Dist::ALL[di], n * d), vec_f32(&mut r, Dist::ALL[di], n * d));
        let (xw, yw) = (widen(&x), widen(&y));
        let want = naive::alignment(&xw, &yw, d, 2.0);
        let want_u = naive::uniformity(&xw, d, 2.0);
        let bound_u = uniformity_bound(&xw, d, 2.0, want_u);
        let mut ws = vec![f32::NAN; uniformity_scratch_len(n, d)];
        for &level in levels() {
            let (xm, ym) = (MatRef::new(&x, d).unwrap(), MatRef::new(&y, d).unwrap());
            let got = level.alignment(xm, ym, 2.0).unwrap();
            // Differences and squares exact in f64, the sum γ, one f32 rounding
            // (or half a subnormal step below the normal range).
            prop_assert!((f64::from(got) - want).abs() <= 4.0 * U32 * want + 7.1e-46, "{level:?} alignment {got} vs {want}");
            let u = level.uniformity(xm, 2.0, &mut ws).unwrap();
            prop_assert!((f64::from(u) - want_u).abs() <= bound_u, "{level:?} uniformity {u} vs {want_u} (bound {bound_u:e})");
        }
    }

    #[test]
    fn anisotropy_matches(seed: u64, m in 2usize..50, d in 1usize..10, shift in 0.0f32..2.0) {
        // A common shift makes the rows anisotropic (one dominant direction).
        let x: Vec<f32> = rows(seed, m, d, false).into_iter().map(|v| v + shift).collect();
        let (cos, gram, top) = naive::anisotropy(&widen(&x), d);
        let mut ws = vec![f64::NAN; anisotropy_scratch_len(d)];
        for &level in levels() {
            let a = level.anisotropy(MatRef::new(&x, d).unwrap(), &mut ws).unwrap();
            prop_assert!((a.mean_cosine - cos).abs() <= MOMENT_REL * (1.0 + m as f64), "{level:?} cos {} vs {cos}", a.mean_cosine);
            prop_assert!((a.gram_sum - gram).abs() <= MOMENT_REL * gram.max(1.0) * m as f64, "{level:?} gram {} vs {gram}", a.gram_sum);
            prop_assert!((a.top_eigenvalue - top).abs() <= EIGENVALUE_REL * top, "{level:?} λ {} vs {top}", a.top_eigenvalue);
            // The cheap statistics alone: the same numbers, bit for bit.
            let mut acc = vec![f64::NAN; d];
            prop_assert_eq!(level.mean_cosine(MatRef::new(&x, d).unwrap(), &mut acc).unwrap().to_bits(), a.mean_cosine.to_bits());
            prop_assert_eq!(level.gram_sum(MatRef::new(&x, d).unwrap(), &mut acc).unwrap().to_bits(), a.gram_sum.to_bits());
        }
    }
}

#[test]
fn mean_cosine_and_gram_sum_alone() {
    // NaN or ±∞ anywhere: NaN, as anisotropy's fields.
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut x = rows(5, 6, 3, false);
        x[7] = bad;
        assert!(simkern::mean_cosine(&x, 3).unwrap().is_nan(), "{bad}");
        assert!(simkern::gram_sum(&x, 3).unwrap().is_nan(), "{bad}");
    }
    // A zero row counts as cosine 0 with every other row.
    let x = [1.0f32, 0.0, 0.0, 0.0, 2.0, 0.0];
    assert!((simkern::mean_cosine(&x, 2).unwrap() - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(simkern::gram_sum(&[], 4).unwrap(), 0.0);
    let one_row = simkern::mean_cosine(&[1.0, 2.0], 2).unwrap_err();
    assert_eq!(one_row, simkern::anisotropy(&[1.0, 2.0], 2).unwrap_err());
    let w = MatRef::new(&x, 2).unwrap();
    assert_eq!(
        diag::mean_cosine(w, &mut [0.0; 1]),
        Err(simkern::Error::ScratchTooSmall { needed: 2, got: 1 })
    );
    assert_eq!(diag::gram_sum(w, &mut [0.0; 1]), Err(simkern::Error::ScratchTooSmall { needed: 2, got: 1 }));
}

/// The bound of `uniformity_matches`: the exponent's f32 error (Gram entry
/// and `‖xᵢ‖² + ‖xⱼ‖² − 2g`, times t), then the LSE's own rounding.
fn uniformity_bound(xw: &[f64], d: usize, t: f32, want: f64) -> f64 {
    let n = xw.len() / d;
    let max_sq = xw.chunks_exact(d).map(|r| r.iter().map(|v| v * v).sum::<f64>()).fold(0.0, f64::max);
    let pairs = (n * (n - 1) / 2) as f64;
    f64::from(t) * (8.0 * U32 + 2.0 * gamma(d + 2, U32)) * 2.0 * max_sq
        + 8.0 * U32 * (want.abs() + pairs.ln() + 1.0)
}

#[test]
fn uniformity_over_block_boundaries_at_every_level() {
    // 450 rows: three full blocks of 144 and a partial one; d = 70 past the
    // 64-wide loops; the pair-state form over uneven row ranges too.
    for (n, d, unit) in [(300usize, 17usize, true), (450, 70, true), (450, 70, false)] {
        let x = rows(n as u64, n, d, unit);
        let xw = widen(&x);
        let want = naive::uniformity(&xw, d, 2.0);
        let bound = uniformity_bound(&xw, d, 2.0, want);
        let xm = MatRef::new(&x, d).unwrap();
        let mut ws = vec![f32::NAN; uniformity_scratch_len(n, d)];
        for &level in levels() {
            let got = level.uniformity(xm, 2.0, &mut ws).unwrap();
            assert!((f64::from(got) - want).abs() <= bound, "{level:?} n={n} d={d}: {got} vs {want}");
            let mut state = level.uniformity_pairs_state(xm, 2.0, 0..100, &mut ws).unwrap();
            state.merge(level.uniformity_pairs_state(xm, 2.0, 100..n, &mut ws).unwrap());
            let pairs = (n * (n - 1) / 2) as f64;
            let merged = state.value() - pairs.ln();
            assert!((merged - want).abs() <= bound, "{level:?} pair states {merged} vs {want}");
        }
    }
}

#[test]
fn anisotropy_wide_rows_at_every_level() {
    // d ≥ 64 reaches the 64-wide loops of every level (the proptest keeps
    // d small for the Jacobi reference); shifted rows are anisotropic.
    for (i, &(m, d, shift)) in
        [(40usize, 64usize, 0.5f32), (30, 100, 1.0), (25, 130, 0.0), (9, 200, 2.0)].iter().enumerate()
    {
        let x: Vec<f32> = rows(i as u64, m, d, false).into_iter().map(|v| v + shift).collect();
        let (cos, gram, top) = naive::anisotropy(&widen(&x), d);
        let mut ws = vec![f64::NAN; anisotropy_scratch_len(d)];
        for &level in levels() {
            let a = level.anisotropy(MatRef::new(&x, d).unwrap(), &mut ws).unwrap();
            assert!(
                (a.mean_cosine - cos).abs() <= MOMENT_REL * (1.0 + m as f64),
                "{level:?} d={d} cos {} vs {cos}",
                a.mean_cosine
            );
            assert!(
                (a.gram_sum - gram).abs() <= MOMENT_REL * gram.max(1.0) * m as f64,
                "{level:?} d={d} gram {} vs {gram}",
                a.gram_sum
            );
            assert!(
                (a.top_eigenvalue - top).abs() <= EIGENVALUE_REL * top,
                "{level:?} d={d} λ {} vs {top}",
                a.top_eigenvalue
            );
        }
    }
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
    use simkern::Error;
    assert_eq!(simkern::alignment(&[], &[], 2, 2.0).unwrap_err().to_string(), "x is empty");
    assert_eq!(simkern::alignment(&[], &[], 2, 2.0), Err(Error::Empty { name: "x" }));
    assert_eq!(
        simkern::alignment(&[1.0, 0.0], &[1.0, 0.0, 0.0, 1.0], 2, 2.0),
        Err(Error::RowMismatch { left: "x", left_rows: 1, right: "y", right_rows: 2 })
    );
    assert_eq!(
        simkern::alignment(&[1.0, 0.0], &[1.0, 0.0], 2, 0.0),
        Err(Error::InvalidParameter {
            name: "alpha",
            expected: "positive and finite",
            value: Value::F32(0.0)
        })
    );
    assert_eq!(simkern::alignment(&[1.0, 0.0], &[1.0, 0.0], 0, 2.0), Err(Error::ZeroDimension));
    assert_eq!(
        simkern::uniformity(&[1.0, 0.0], 2, 2.0).unwrap_err().to_string(),
        "rows of x must be at least 2, got 1"
    );
    assert_eq!(
        simkern::uniformity(&[1.0, 0.0], 2, 2.0),
        Err(Error::InvalidParameter { name: "rows of x", expected: "at least 2", value: Value::Count(1) })
    );
    assert_eq!(
        simkern::uniformity(&[1.0, 0.0, 0.0, 1.0], 2, -1.0),
        Err(Error::InvalidParameter { name: "t", expected: "positive and finite", value: Value::F32(-1.0) })
    );
    assert!(matches!(
        simkern::uniformity(&[1.0, 0.0, 0.0, 1.0], 2, f32::NAN),
        Err(Error::InvalidParameter { name: "t", value, .. }) if value.is_nan()
    ));
    assert_eq!(
        simkern::anisotropy(&[1.0, 0.0], 2),
        Err(Error::InvalidParameter { name: "rows of w", expected: "at least 2", value: Value::Count(1) })
    );
    assert_eq!(
        simkern::anisotropy(&[1.0, 0.0, 1.0], 2),
        Err(Error::NotMultipleOfDim { name: "x", len: 3, dim: 2 })
    );
    let x = [1.0f32, 0.0, 0.0, 1.0];
    let xm = MatRef::new(&x, 2).unwrap();
    let mut small = [f32::NAN; 1];
    // The error reports the running level's need (the GEMM packing differs
    // by level: 50 on AVX2, 94 on AVX-512), at most the any-level bound.
    let needed = simkern::Kernels::best().uniformity_scratch_len(2, 2);
    assert!(needed <= uniformity_scratch_len(2, 2));
    assert_eq!(diag::uniformity(xm, 2.0, &mut small), Err(Error::ScratchTooSmall { needed, got: 1 }));
    let mut small64 = [f64::NAN; 5];
    let needed = anisotropy_scratch_len(2); // (3 + 2)·2 vectors + 5·2 for the tridiagonal
    assert_eq!(needed, 20);
    assert_eq!(diag::anisotropy(xm, &mut small64), Err(Error::ScratchTooSmall { needed, got: 5 }));
    let missing = if cfg!(target_arch = "x86_64") { simkern::Level::Neon } else { simkern::Level::Avx512 };
    let refused = Error::LevelUnavailable { level: missing };
    // A level this CPU lacks has no handle: no kernel can run there.
    assert_eq!(Kernels::new(missing), Err(refused));
    assert!(simkern::uniformity(&[f32::NAN, 0.0, 0.0, 1.0], 2, 2.0).unwrap().is_nan());
}

/// A spectrum evenly spaced from 1 down to 1/1000 (`W` diagonal, rows
/// `√λᵢ·eᵢ`): the top eigenvalue's relative gap is 1/1000, the slow case
/// for Lanczos — 96 steps leave it short of the bound, so the restarts
/// from the Ritz vector are what reach it.
/// `λ_max = 1` exactly (the first row is `e₀`); the rows are orthogonal,
/// so the mean cosine is 0.
#[test]
fn anisotropy_evenly_spaced_spectrum_needs_a_restart() {
    let d = 1000;
    let mut w = vec![0.0f32; d * d];
    for i in 0..d {
        w[i * d + i] = (1.0 - i as f64 / d as f64).sqrt() as f32;
    }
    let mut ws = vec![f64::NAN; anisotropy_scratch_len(d)];
    for &level in levels() {
        let a = level.anisotropy(MatRef::new(&w, d).unwrap(), &mut ws).unwrap();
        assert!((a.top_eigenvalue - 1.0).abs() <= EIGENVALUE_REL, "{level:?}: λ_max {}", a.top_eigenvalue);
        assert_eq!(a.mean_cosine, 0.0, "{level:?}");
    }
}

//! Correlation matrices: every entry equals the pairwise Pearson /
//! Spearman call within the contract, at every level, over shapes across
//! the register tiles and observation blocks, magnitudes from 1e-300 to
//! 1e300, ties, constant and NaN columns; against NumPy / SciPy
//! (`tests/data/tests_scipy.py`); bad shapes are errors.

use serde_json::Value;
use simkern_core::correlation_matrix::{pearson_matrix_scratch_len, spearman_matrix_scratch_len};
use simkern_tests::data::Rng;
use simkern_tests::levels::levels;
use simkern_tests::precision::CORRELATION_ABS;

/// Column `j` of a row-major `n_obs × p` matrix.
fn column(x: &[f64], p: usize, j: usize) -> Vec<f64> {
    x.chunks_exact(p).map(|row| row[j]).collect()
}

/// A data matrix whose columns mix scales, ties and dependence.
fn data(r: &mut Rng, n_obs: usize, p: usize) -> Vec<f64> {
    let base: Vec<f64> = (0..n_obs).map(|_| r.normal()).collect();
    let mut x = vec![0.0; n_obs * p];
    for j in 0..p {
        let (w, scale, ties) = (0.3 * j as f64, [1.0, 1e-300, 1e300, 1e150, 3.0][j % 5], j % 3 == 2);
        for (o, row) in x.chunks_exact_mut(p).enumerate() {
            let v = base[o] + w * r.normal();
            row[j] = if ties { v.round() } else { v } * scale;
        }
    }
    x
}

fn check_against_pairwise(x: &[f64], p: usize) {
    for &level in levels() {
        let n_obs = x.len() / p;
        let mut out = vec![0.0; p * p];
        let mut scratch = vec![0.0; pearson_matrix_scratch_len(n_obs, p)];
        level.pearson_matrix_into(x, p, &mut out, &mut scratch).unwrap();
        let (f, u) = spearman_matrix_scratch_len(n_obs, p);
        let mut out_s = vec![0.0; p * p];
        let (mut sf, mut su) = (vec![0.0; f], vec![0u64; u]);
        level.spearman_matrix_into(x, p, &mut out_s, &mut sf, &mut su).unwrap();
        for i in 0..p {
            for j in 0..p {
                let (a, b) = (column(x, p, i), column(x, p, j));
                let want = simkern::pearson(&a, &b).unwrap();
                let got = out[i * p + j];
                let ctx = format!("{level:?} n={n_obs} p={p} ({i}, {j})");
                assert!(
                    (got - want).abs() <= CORRELATION_ABS || (got.is_nan() && want.is_nan()),
                    "{ctx}: pearson {got} vs {want}"
                );
                let want = simkern::spearman(&a, &b).unwrap();
                let got = out_s[i * p + j];
                assert!(
                    (got - want).abs() <= CORRELATION_ABS || (got.is_nan() && want.is_nan()),
                    "{ctx}: spearman {got} vs {want}"
                );
                assert_eq!(out[i * p + j].to_bits(), out[j * p + i].to_bits(), "{ctx}: not symmetric");
            }
        }
    }
}

#[test]
fn every_entry_matches_the_pairwise_call() {
    let mut r = Rng::new(21);
    // Shapes across the tiles (2, 4 columns) and the 512-observation blocks.
    for (n_obs, p) in [(2, 1), (3, 2), (7, 5), (100, 4), (513, 9), (1100, 3), (2000, 17)] {
        check_against_pairwise(&data(&mut r, n_obs, p), p);
    }
}

#[test]
fn constant_and_nan_columns_give_nan_rows() {
    let mut r = Rng::new(4);
    let (n_obs, p) = (50, 4);
    let mut x = data(&mut r, n_obs, p);
    for row in x.chunks_exact_mut(p) {
        row[1] = 0.667; // constant, and its mean does not round back
    }
    x[7 * p + 3] = f64::NAN;
    let pm = simkern::pearson_matrix(&x, p).unwrap();
    let sm = simkern::spearman_matrix(&x, p).unwrap();
    for m in [&pm, &sm] {
        for i in 0..p {
            for j in 0..p {
                let bad = [1, 3].contains(&i) || [1, 3].contains(&j);
                assert_eq!(m[i * p + j].is_nan(), bad, "({i}, {j}) = {}", m[i * p + j]);
            }
        }
        assert_eq!((m[0], m[2 * p + 2]), (1.0, 1.0));
    }
    check_against_pairwise(&x, p);
}

#[test]
fn agrees_with_numpy_and_scipy() {
    let data: Value = serde_json::from_str(include_str!("../data/tests_scipy.json")).unwrap();
    for m in data["matrices"].as_array().unwrap() {
        let p = m["n_cols"].as_u64().unwrap() as usize;
        let x: Vec<f64> = m["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (got, key) in [
            (simkern::pearson_matrix(&x, p).unwrap(), "pearson"),
            (simkern::spearman_matrix(&x, p).unwrap(), "spearman"),
        ] {
            let want: Vec<f64> = m[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= CORRELATION_ABS, "{key} p={p}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn bad_shapes_are_errors() {
    let x = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
    assert!(simkern::pearson_matrix(&x, 0).is_err());
    assert!(simkern::pearson_matrix(&x, 4).is_err()); // 6 is not a multiple of 4
    assert!(simkern::spearman_matrix(&x, 6).is_err()); // one observation
    assert!(simkern::pearson_matrix::<f64>(&[], 3).is_err());
    let k = simkern::Kernels::best();
    let (mut out, mut scratch) = (vec![0.0; 4], vec![0.0; 5]);
    assert!(k.pearson_matrix_into(&x, 2, &mut out, &mut scratch).is_err()); // 4 ≠ 2²
    let mut out = vec![0.0; 4];
    assert!(k.pearson_matrix_into(&x[..4], 2, &mut out, &mut scratch[..3]).is_err()); // scratch short
    let (mut sf, mut su) = (vec![0.0; 6], vec![0u64; 1]);
    assert!(k.spearman_matrix_into(&x[..4], 2, &mut out, &mut sf, &mut su).is_err()); // rank scratch short
}

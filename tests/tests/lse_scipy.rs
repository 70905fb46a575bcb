//! Weighted and row-wise log-sum-exp against SciPy 1.17 and 50-digit mpmath
//! (`tests/data/lse_scipy.py` and its output): SciPy's semantics for every
//! NaN / ±∞ / zero-weight / cancelling case, accuracy against mpmath at the
//! documented bound, rows at every level; bad input.

use serde_json::Value;
use simkern::Error;
use simkern::Kernels;
use simkern_core::lse;
use simkern_tests::levels::levels;
use simkern_tests::reference::{self as naive, widen};

fn data() -> Value {
    serde_json::from_str(include_str!("../data/lse_scipy.json")).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().parse().unwrap()).collect()
}

/// Equal, or both NaN.
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[test]
fn weighted_matches_mpmath_at_its_bound_and_scipy_in_sign() {
    let u = f64::EPSILON / 2.0;
    let d = data();
    for case in d["weighted"].as_array().unwrap() {
        let (x, b) = (floats(&case["x"]), floats(&case["b"]));
        let scipy = floats(&case["scipy"]);
        let want: f64 = case["mpmath"].as_str().unwrap().parse().unwrap();
        let (v, sign) = lse::logsumexp_weighted(&x, &b).unwrap();
        assert_eq!(sign, scipy[1], "{}: sign", case["kind"]);
        // The bound: 4u·(condition + |value|), the condition Σ|tᵢ| / |Σtᵢ|
        // from the exact value.
        let m = x.iter().zip(&b).filter(|(_, w)| **w != 0.0).fold(f64::NEG_INFINITY, |m, (v, _)| m.max(*v));
        let abs_sum: f64 = x.iter().zip(&b).map(|(v, w)| (w * (v - m).exp()).abs()).sum();
        let cond = abs_sum / (want - m).exp();
        let bound = 4.0 * u * (cond + want.abs());
        assert!(
            (v - want).abs() <= bound,
            "{}: {v} vs {want} (bound {bound:e}, condition {cond:e})",
            case["kind"]
        );
        // SciPy's plain sum is within its own, larger, error of the same value.
        assert!(
            (scipy[0] - want).abs() <= 1e3 * bound.max(1e-13),
            "{}: SciPy {} vs {want}",
            case["kind"],
            scipy[0]
        );
    }
}

#[test]
fn weighted_edge_cases_as_scipy() {
    let d = data();
    for case in d["edge"].as_array().unwrap() {
        let (x, b) = (floats(&case["x"]), floats(&case["b"]));
        let scipy = floats(&case["scipy"]);
        let (v, s) = lse::logsumexp_weighted(&x, &b).unwrap();
        let ok =
            same(v, scipy[0]) && same(s, scipy[1]) || (v - scipy[0]).abs() <= 4.0 * f64::EPSILON * v.abs();
        assert!(ok, "x {x:?} b {b:?}: ({v}, {s}) vs SciPy ({}, {})", scipy[0], scipy[1]);
        // The f32 form: the same semantics (these values are exact in f32).
        let (xs, bs): (Vec<f32>, Vec<f32>) =
            (x.iter().map(|&t| t as f32).collect(), b.iter().map(|&t| t as f32).collect());
        let (v32, s32) = lse::logsumexp_weighted(&xs, &bs).unwrap();
        assert!(
            same(f64::from(s32), s) && (same(f64::from(v32), v as f32 as f64)),
            "f32 x {x:?} b {b:?}: ({v32}, {s32})"
        );
    }
    // Empty: S = 0, so (−∞, 0) (SciPy reports sign −1 here, an artefact).
    assert_eq!(lse::logsumexp_weighted::<f64>(&[], &[]).unwrap(), (f64::NEG_INFINITY, 0.0));
    assert_eq!(
        lse::logsumexp_weighted(&[1.0f64, 2.0], &[1.0]),
        Err(Error::LengthMismatch { left: "x", left_len: 2, right: "b", right_len: 1 })
    );
    // The std API is the same function.
    assert_eq!(
        simkern::logsumexp_weighted(&[0.0f32, 1.0], &[1.0, -1.0]),
        lse::logsumexp_weighted(&[0.0f32, 1.0], &[1.0, -1.0])
    );
}

#[test]
fn rows_match_scipy_and_the_reference_at_every_level() {
    let d = data();
    for case in d["rows"].as_array().unwrap() {
        let dim = case["dim"].as_u64().unwrap() as usize;
        let (x, scipy) = (floats(&case["x"]), floats(&case["scipy"]));
        let rows = x.len() / dim;
        let xs: Vec<f32> = x.iter().map(|&t| t as f32).collect();
        for &level in levels() {
            let mut out = vec![f64::NAN; rows];
            level.logsumexp_rows_into(&x, dim, &mut out).unwrap();
            for (i, (&g, &w)) in out.iter().zip(&scipy).enumerate() {
                assert!(
                    g == w || (g - w).abs() <= 4.0 * f64::EPSILON * w.abs().max(1.0),
                    "{level:?} f64 row {i}: {g} vs {w}"
                );
            }
            // f32: each row at logsumexp's bound against the f64 reference.
            let mut out32 = vec![f32::NAN; rows];
            level.logsumexp_rows_into(&xs, dim, &mut out32).unwrap();
            let u = f64::from(f32::EPSILON) / 2.0;
            for (i, (&g, row)) in out32.iter().zip(xs.chunks_exact(dim)).enumerate() {
                let (want, rest) = naive::logsumexp(&widen(row));
                let bound = u * (want.abs() + 4.0 * rest / (1.0 + rest) + (dim as f64).ln() + 1.0) + 1.5e-45;
                assert!(
                    f64::from(g) == want || (f64::from(g) - want).abs() <= bound,
                    "{level:?} f32 row {i}: {g} vs {want}"
                );
                assert_eq!(g.to_bits(), level.logsumexp(row).to_bits(), "rows = one call per row");
            }
        }
        assert_eq!(simkern::logsumexp_rows(&xs, dim).unwrap().len(), rows);
    }
    // Bad shapes and buffers.
    let mut out = [f32::NAN; 2];
    assert_eq!(lse::logsumexp_rows_into(&[0.0f32; 4], 0, &mut out), Err(Error::ZeroDimension));
    assert_eq!(
        lse::logsumexp_rows_into(&[0.0f32; 5], 2, &mut out),
        Err(Error::NotMultipleOfDim { name: "x", len: 5, dim: 2 })
    );
    assert_eq!(
        lse::logsumexp_rows_into(&[0.0f32; 6], 2, &mut out),
        Err(Error::OutputSize { needed: 3, got: 2 })
    );
    assert!(out.iter().all(|v| v.is_nan()), "nothing written on error");
    let missing = if cfg!(target_arch = "x86_64") { simkern::Level::Neon } else { simkern::Level::Avx512 };
    let refused = Error::LevelUnavailable { level: missing };
    // A level this CPU lacks has no handle: no kernel can run there.
    assert_eq!(Kernels::new(missing), Err(refused));
    assert_eq!(simkern::logsumexp_rows::<f64>(&[], 3).unwrap(), Vec::<f64>::new());
}

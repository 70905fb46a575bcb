//! Arbitrary bytes → shapes and values for the similarity kernels, at every
//! level this CPU has: no panic, agreement with the references within the
//! documented bounds, errors exactly when the shapes are invalid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::Level;
use simkern_core::similarity as sim;
use simkern_tests::reference::{self as naive, dot_abs, gamma, widen};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, body) = data.split_at(4);
    let dim = head[0] as usize % 40;
    let split = u16::from_le_bytes([head[1], head[2]]) as usize;
    let values: Vec<f32> = body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let split = split % (values.len() + 1);
    let (a, b) = values.split_at(split);

    // Vector kernels: equal-length prefix, and the raw (maybe mismatched) pair.
    let n = a.len().min(b.len());
    for &level in Level::available() {
        assert_eq!(sim::dot_at(level, a, b).is_err(), a.len() != b.len());
        let (x, y) = (&a[..n], &b[..n]);
        let got = sim::dot_f64_at(level, x, y).expect("equal lengths");
        let cos = sim::cosine_at(level, x, y).expect("equal lengths");
        let (xw, yw) = (widen(x), widen(y));
        let scale = dot_abs(&xw, &yw);
        if scale.is_finite() {
            let exact = naive::dot_exact(&xw, &yw);
            assert!((got - exact).abs() <= gamma(n / 8 + 16, f64::EPSILON / 2.0) * scale, "{level:?} dot");
            assert!(cos.is_nan() || (-1.0..=1.0).contains(&cos));
        }
        let _ = sim::l2_squared_at(level, x, y);
        let mut z = x.to_vec();
        let _ = sim::normalize_at(level, &mut z);
    }

    // Similarity matrix: any dim (0 included) must give a result or an error.
    match simkern::similarity_matrix(a, b, dim) {
        Ok(s) => {
            assert!(dim > 0 && a.len() % dim == 0 && b.len() % dim == 0);
            assert_eq!(s.len(), (a.len() / dim) * (b.len() / dim));
            let finite = a.iter().chain(b).all(|v| v.is_finite() && v.abs() < 1e15);
            if finite && !s.is_empty() {
                let (qa, kb) = (widen(a), widen(b));
                let exact = naive::similarity_matrix(&qa, &kb, dim);
                for (i, (&g, &e)) in s.iter().zip(&exact).enumerate() {
                    let (r, c) = (i / (b.len() / dim), i % (b.len() / dim));
                    let bound = gamma(dim + 2, f32::EPSILON as f64 / 2.0)
                        * dot_abs(&qa[r * dim..(r + 1) * dim], &kb[c * dim..(c + 1) * dim])
                        + (dim as f64 + 2.0) * 1.4e-45; // rounding in the f32 subnormal range
                    assert!((g as f64 - e).abs() <= bound, "entry {i}: {g} vs {e}");
                }
            }
        }
        Err(_) => assert!(dim == 0 || a.len() % dim != 0 || b.len() % dim != 0),
    }
});

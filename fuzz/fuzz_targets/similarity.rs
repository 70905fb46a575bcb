//! Arbitrary bytes → shapes and values for the similarity kernels, at every
//! level this CPU has: no panic; every result compared with the reference —
//! within the documented bound for finite input, the IEEE class (NaN, ±∞)
//! of plain `f64` arithmetic otherwise; errors exactly when the shapes are
//! invalid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::Kernels;
use simkern_tests::precision::same_ieee_class;
use simkern_tests::reference::{self as naive, dot_abs, dot_plain, gamma, widen};

const U64: f64 = f64::EPSILON / 2.0;
const U32: f64 = f32::EPSILON as f64 / 2.0;
/// Half the spacing of `f32` subnormals.
const SUBNORMAL_HALF: f64 = 7.006_492_321_624_085e-46;

fn vector_kernels(level: Kernels, x: &[f32], y: &[f32]) {
    let n = x.len();
    let steps = n / 8 + 16;
    let (xw, yw) = (widen(x), widen(y));
    let plain = dot_plain(&xw, &yw);
    let wide = level.dot_f64(x, y).expect("equal lengths");
    let narrow = level.dot(x, y).expect("equal lengths");
    // The f32 result is the f64 sum rounded once, for every input.
    assert!(
        narrow.to_bits() == (wide as f32).to_bits() || (narrow.is_nan() && wide.is_nan()),
        "{level:?} dot"
    );
    let scale = dot_abs(&xw, &yw);
    if scale.is_finite() {
        let exact = naive::dot_exact(&xw, &yw);
        assert!((wide - exact).abs() <= gamma(steps, U64) * scale, "{level:?} dot {wide} vs {exact}");
    } else {
        assert!(same_ieee_class(wide, plain), "{level:?} dot {wide} vs {plain}");
    }

    let d: Vec<f64> = xw.iter().zip(&yw).map(|(a, b)| a - b).collect();
    let l2 = f64::from(level.l2_squared(x, y).expect("equal lengths"));
    let l2_plain = dot_plain(&d, &d);
    if l2_plain.is_finite() && l2_plain < f64::from(f32::MAX) / 2.0 {
        let exact = naive::l2_squared(&xw, &yw);
        let bound = gamma(steps + 2, U64) * exact + U32 * exact + SUBNORMAL_HALF;
        assert!((l2 - exact).abs() <= bound, "{level:?} l2 {l2} vs {exact}");
    } else if !l2_plain.is_finite() {
        assert!(same_ieee_class(l2, l2_plain), "{level:?} l2 {l2} vs {l2_plain}");
    }

    let cos = f64::from(level.cosine(x, y).expect("equal lengths"));
    let (xx, yy) = (dot_plain(&xw, &xw), dot_plain(&yw, &yw));
    if scale.is_finite() && xx.is_finite() && yy.is_finite() {
        let exact = naive::cosine(&xw, &yw);
        let bound = U32 * exact.abs() + gamma(steps + 8, U64) + f64::from(f32::MIN_POSITIVE);
        assert!((cos - exact).abs() <= bound, "{level:?} cosine {cos} vs {exact}");
    } else {
        let want = if xx == 0.0 || yy == 0.0 { 0.0 } else { plain / (xx.sqrt() * yy.sqrt()) };
        assert!(same_ieee_class(cos, want), "{level:?} cosine {cos} vs {want}");
    }

    let mut u = x.to_vec();
    let norm = level.normalize(&mut u);
    // The f32 norm is the f64 one rounded (∞ past f32::MAX).
    assert!(
        same_ieee_class(f64::from(norm), f64::from(xx.sqrt() as f32)),
        "{level:?} normalize returned {norm}"
    );
    if xx.is_finite() && norm.is_finite() && norm >= f32::MIN_POSITIVE {
        assert!((f64::from(norm) - xx.sqrt()).abs() <= U32 * xx.sqrt() * (1.0 + 1e-9), "{level:?} norm");
        for (i, (&ui, &xi)) in u.iter().zip(x).enumerate() {
            assert_eq!(ui, xi / norm, "{level:?} normalized[{i}]: one correctly rounded division");
        }
    } else if norm == 0.0 {
        assert_eq!(u, x, "{level:?} a zero vector is left as is");
    } else if norm.is_nan() {
        assert!(u.iter().all(|v| v.is_nan()), "{level:?} normalize by NaN");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, body) = data.split_at(4);
    let dim = head[0] as usize % 40;
    let split = u16::from_le_bytes([head[1], head[2]]) as usize;
    let values: Vec<f32> =
        body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let split = split % (values.len() + 1);
    let (a, b) = values.split_at(split);

    // Vector kernels: equal-length prefix, and the raw (maybe mismatched) pair.
    let n = a.len().min(b.len());
    for &level in Kernels::available() {
        assert_eq!(level.dot(a, b).is_err(), a.len() != b.len());
        vector_kernels(level, &a[..n], &b[..n]);
    }

    // Similarity matrix at every level: any dim (0 included) gives a result
    // or an error.
    for &level in Kernels::available() {
        match simkern::similarity_matrix_on(level, a, b, dim) {
            Ok(s) => {
                assert!(dim > 0 && a.len() % dim == 0 && b.len() % dim == 0);
                let cols = b.len() / dim;
                assert_eq!(s.len(), (a.len() / dim) * cols);
                let (qa, kb) = (widen(a), widen(b));
                for (i, &g) in s.iter().enumerate() {
                    let (qi, kj) = (&qa[i / cols * dim..][..dim], &kb[i % cols * dim..][..dim]);
                    let (plain, scale) = (dot_plain(qi, kj), dot_abs(qi, kj));
                    if scale < 1e30 {
                        // f32 accumulation (as BLAS), rounding in the subnormal range too.
                        let bound = gamma(dim + 2, U32) * scale + (dim as f64 + 2.0) * 1.4e-45;
                        let exact = naive::dot_exact(qi, kj);
                        assert!((f64::from(g) - exact).abs() <= bound, "{level:?} entry {i}: {g} vs {exact}");
                    } else if plain.is_nan() {
                        // NaN input, ∞·0 or ∞ − ∞: f32 arithmetic meets the same NaN.
                        assert!(g.is_nan(), "{level:?} entry {i}: {g} vs NaN");
                    } else if plain.is_infinite() {
                        // ∞ in the input; f32 overflow may add an opposite ∞ (NaN).
                        assert!(!g.is_finite(), "{level:?} entry {i}: {g} vs {plain}");
                    }
                }
            }
            Err(_) => assert!(dim == 0 || a.len() % dim != 0 || b.len() % dim != 0),
        }
    }
});

//! Arbitrary floats → logsumexp, softmax, log_softmax, exp at every level:
//! no panic; IEEE semantics for NaN / ±∞ / empty; agreement with the f64
//! reference within the documented bound for finite input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::Level;
use simkern_core::lse;
use simkern_tests::reference::{self as naive, widen};

fuzz_target!(|data: &[u8]| {
    let x: Vec<f32> = data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let (want, rest) = naive::logsumexp(&widen(&x));
    let u = f64::from(f32::EPSILON) / 2.0;
    for &level in Level::available() {
        let got = f64::from(lse::logsumexp_at(level, &x).unwrap());
        if want.is_nan() {
            assert!(got.is_nan(), "{level:?}: {got} vs NaN");
        } else if want.is_infinite() || want.abs() > f64::from(f32::MAX) {
            assert_eq!(got, want as f32 as f64, "{level:?}");
        } else {
            let n = x.len() as f64;
            let bound = u * (want.abs() + 4.0 * rest / (1.0 + rest) + n.ln() + 1.0) + 1.5e-45;
            assert!((got - want).abs() <= bound, "{level:?}: {got} vs {want}");
        }
        let mut p = vec![0.0f32; x.len()];
        lse::softmax_at(level, &x, &mut p).unwrap();
        if want.is_finite() && !x.is_empty() {
            let total: f64 = p.iter().map(|&v| f64::from(v)).sum();
            assert!((total - 1.0).abs() <= 1e-4 + 8.0 * u * x.len() as f64, "{level:?}: Σp = {total}");
        } else {
            assert!(p.iter().all(|v| v.is_nan()), "{level:?}");
        }
        lse::log_softmax_at(level, &x, &mut p).unwrap();
        lse::exp_at(level, &x, &mut p).unwrap();
    }
});

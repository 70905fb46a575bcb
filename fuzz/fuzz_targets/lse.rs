//! Arbitrary floats → logsumexp, softmax, log_softmax, exp and the streaming
//! state at every level: no panic; IEEE semantics for NaN / ±∞ / empty;
//! every output against the f64 reference within its documented bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::Kernels;
use simkern_core::lse::OnlineLse;
use simkern_tests::reference::{self as naive, widen};

const U: f64 = f32::EPSILON as f64 / 2.0;
const TINY: f64 = 1.5e-45;

fuzz_target!(|data: &[u8]| {
    let x: Vec<f32> = data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let xw = widen(&x);
    let (want, rest) = naive::logsumexp(&xw);
    let want_p = naive::softmax(&xw);
    let want_y = naive::log_softmax(&xw);
    let m = xw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = x.len() as f64;
    for &level in Kernels::available() {
        let got = f64::from(level.logsumexp(&x));
        let mut online = OnlineLse::new();
        for part in x.chunks(x.len() / 3 + 1) {
            online.merge(level.lse_state(part));
        }
        for (what, got) in [("lse", got), ("online", online.value() as f32 as f64)] {
            if want.is_nan() {
                assert!(got.is_nan(), "{level:?} {what}: {got} vs NaN");
            } else if want.is_infinite() || want.abs() > f64::from(f32::MAX) {
                assert_eq!(got, want as f32 as f64, "{level:?} {what}");
            } else {
                let bound = U * (want.abs() + 4.0 * rest / (1.0 + rest) + n.ln() + 1.0) + TINY;
                // The online state's merges round once more per piece.
                let bound = if what == "online" { 2.0 * bound + 4.0 * U * want.abs() } else { bound };
                assert!((got - want).abs() <= bound, "{level:?} {what}: {got} vs {want}");
            }
        }

        let mut p = vec![f32::NAN; x.len()];
        level.softmax_into(&x, &mut p).unwrap();
        let mut y = vec![f32::NAN; x.len()];
        level.log_softmax_into(&x, &mut y).unwrap();
        let mut e = vec![f32::NAN; x.len()];
        level.exp_into(&x, &mut e).unwrap();
        for i in 0..x.len() {
            if want.is_finite() && x[i] == f32::NEG_INFINITY {
                assert!(
                    p[i] == 0.0 && y[i] == f32::NEG_INFINITY,
                    "{level:?} softmax, log at −∞: {} {}",
                    p[i],
                    y[i]
                );
            } else if want.is_finite() {
                // Rounding of xᵢ − m (amplified by exp), 2 ulp of exp, the sum
                // and the division (the softmax bound of lse.rs).
                let pb = U * ((xw[i] - m).abs() + 8.0) * want_p[i] + TINY;
                assert!(
                    (f64::from(p[i]) - want_p[i]).abs() <= pb,
                    "{level:?} p[{i}] {} vs {}",
                    p[i],
                    want_p[i]
                );
                let ye = want_y[i];
                if ye.is_finite() && ye.abs() < f64::from(f32::MAX) {
                    let yb = U * ((xw[i] - m).abs() + (want - m).abs() + ye.abs()) + 4.0 * U;
                    assert!((f64::from(y[i]) - ye).abs() <= yb, "{level:?} log p[{i}] {} vs {ye}", y[i]);
                } else {
                    assert_eq!(f64::from(y[i]), ye as f32 as f64, "{level:?} log p[{i}]");
                }
            } else {
                assert!(p[i].is_nan() && y[i].is_nan(), "{level:?} softmax[{i}] of non-finite LSE");
            }
            let ee = xw[i].exp();
            // Within 2 ulp (subnormal results too: 2 ulp there is 2.8e-45);
            // near the overflow threshold 2 ulp may reach ∞.
            if x[i].is_finite() && ee < f64::from(f32::MAX) * (1.0 - 4.0 * f64::from(f32::EPSILON)) {
                let bound = 2.0 * f64::from(f32::EPSILON) * ee + 2.0 * TINY;
                assert!((f64::from(e[i]) - ee).abs() <= bound, "{level:?} exp({})", x[i]);
            } else if x[i].is_finite() && ee.is_finite() {
                assert!(
                    f64::from(e[i]) >= ee * (1.0 - 2.0 * f64::from(f32::EPSILON)),
                    "{level:?} exp({})",
                    x[i]
                );
            } else {
                assert!(
                    e[i].to_bits() == (ee as f32).to_bits() || (e[i].is_nan() && ee.is_nan()),
                    "{level:?} exp({})",
                    x[i]
                );
            }
        }
    }
});

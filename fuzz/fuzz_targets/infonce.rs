//! Arbitrary bytes → an InfoNCE configuration, shapes and embeddings: no
//! panic at any level; errors exactly for invalid shapes; on finite unit-row
//! inputs with τ ≥ 0.01 the loss agrees with the f64 reference within the
//! contract, and forward and forward+backward give the same loss.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::InfoNce;
use simkern::Kernels;
use simkern_tests::reference::{self as naive, gamma, widen};

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let (head, body) = data.split_at(6);
    let n = 1 + head[0] as usize % 9;
    let m = n + if head[1] & 1 == 1 { head[1] as usize % 5 } else { 0 };
    let d = head[2] as usize % 20; // 0 is a valid error case
    let tau = [0.01f32, 0.05, 0.5, 1.0, 100.0, 0.0, -1.0, f32::NAN][head[3] as usize % 8];
    let (normalize, symmetric, explicit) = (head[4] & 1 == 1, head[4] & 2 == 2, m != n || head[4] & 4 == 4);
    let values: Vec<f32> =
        body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let need = (n + m) * d.max(1);
    if values.len() < need {
        return;
    }
    let (q, k) = values[..need].split_at(n * d.max(1));
    let pos: Vec<usize> = (0..n).map(|i| (head[5] as usize + 7 * i) % m).collect();

    let Ok(cfg) = InfoNce::new(tau) else {
        assert!(!(tau > 0.0 && tau.is_finite()));
        return;
    };
    for &level in Kernels::available() {
        let l = cfg.normalize(normalize).symmetric(symmetric).on(level);
        let (fwd, bwd) = if explicit {
            (l.loss_with_positives(q, k, d, &pos), l.loss_and_grad_with_positives(q, k, d, &pos))
        } else {
            (l.loss(q, k, d), l.loss_and_grad(q, k, d))
        };
        let valid = d > 0 && !(symmetric && explicit);
        assert_eq!(fwd.is_ok(), valid, "{level:?} n={n} m={m} d={d} sym={symmetric} explicit={explicit}");
        let (Ok(loss), Ok(g)) = (fwd, bwd) else { continue };
        assert!(loss.to_bits() == g.loss.to_bits() || (loss.is_nan() && g.loss.is_nan()));
        let sane = q.iter().chain(k).all(|v| v.is_finite() && v.abs() < 1e6 && (v.abs() > 1e-6 || *v == 0.0));
        if normalize && tau >= 0.01 && sane {
            let p: Vec<usize> = if explicit { pos.clone() } else { (0..n).collect() };
            let r = naive::infonce(&widen(q), &widen(k), d, &p, f64::from(tau), true, symmetric);
            let u = f64::from(f32::EPSILON) / 2.0;
            let bound = 2.0 * (gamma(d + 2, u) + 4.0 * u) / f64::from(tau) + 1e-5 * r.loss.abs() + 1e-5;
            if r.loss.is_finite() {
                assert!((f64::from(loss) - r.loss).abs() <= bound, "{level:?}: {loss} vs {}", r.loss);
            }
        }
    }
});

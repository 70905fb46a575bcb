//! Initialisers: sample mean and variance within statistical bounds for a
//! fixed seed; mean_variance against the reference at every level.

use simkern_core::init::{self, Init};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::levels;
use simkern_tests::precision::MOMENT_REL;
use simkern_tests::reference::{dot_exact, widen};

#[test]
fn filled_buffers_have_the_scheme_variance() {
    let n = 200_000;
    for (scheme, fan_in, fan_out) in [
        (Init::XavierUniform, 256, 512),
        (Init::XavierNormal, 100, 30),
        (Init::HeUniform, 784, 10),
        (Init::HeNormal, 64, 64),
    ] {
        let mut rng = Rng::new(2024);
        let mut w = vec![f32::NAN; n];
        init::fill(&mut w, fan_in, fan_out, scheme, &mut || rng.next_u64()).unwrap();
        let mv = simkern::init::mean_variance(&w).unwrap();
        let var = scheme.variance(fan_in, fan_out);
        // 5σ bounds: the sample mean has sd √(var/n); the sample variance
        // has relative sd √(2/n) for a normal, √(0.8/n) for a uniform.
        assert!(mv.mean.abs() <= 5.0 * (var / n as f64).sqrt(), "{scheme:?} mean {}", mv.mean);
        assert!(
            (mv.variance / var - 1.0).abs() <= 5.0 * (2.0 / n as f64).sqrt(),
            "{scheme:?} var {} vs {var}",
            mv.variance
        );
    }
}

#[test]
fn mean_variance_matches_reference() {
    let mut r = Rng::new(3);
    for n in [1usize, 2, 7, 64, 1000, 4097] {
        let x: Vec<f32> = vec_f32(&mut r, Dist::LogNormal, n).into_iter().map(|v| v + 1000.0).collect();
        let xw = widen(&x);
        let ones = vec![1.0; n];
        let mean = dot_exact(&xw, &ones) / n as f64;
        let d: Vec<f64> = xw.iter().map(|v| v - mean).collect();
        let var = dot_exact(&d, &d) / n as f64;
        for &level in levels() {
            let mv = level.mean_variance(&x).unwrap();
            assert!((mv.mean - mean).abs() <= 1e-15 * mean.abs() * (n as f64).max(8.0));
            assert!(
                (mv.variance - var).abs() <= MOMENT_REL * var.max(1e-300) + MOMENT_REL,
                "{level:?} n={n}: {} vs {var}",
                mv.variance
            );
        }
    }
    assert_eq!(simkern::init::mean_variance::<f32>(&[]), Err(simkern::Error::Empty { name: "x" }));
    assert!(simkern::init::mean_variance(&[1.0f32, f32::NAN]).unwrap().variance.is_nan());
    let mut rng = Rng::new(1);
    assert_eq!(
        init::fill(&mut [0.0f32; 4], 0, 0, Init::XavierNormal, &mut || rng.next_u64()),
        Err(simkern::Error::InvalidParameter {
            name: "fan",
            expected: "positive",
            value: simkern::Value::Count(0)
        })
    );
}

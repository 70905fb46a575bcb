//! Arbitrary bytes → values for ranks and rank correlations: no panic;
//! exact ranks and correlations within 1e-12 of the O(n²) references;
//! `Raise` fails exactly when there is a NaN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::{NanPolicy, Ties};
use simkern_tests::reference::{self as naive, widen};

fuzz_target!(|data: &[u8]| {
    // Values quantised to make ties likely; 255 is a NaN.
    let x: Vec<f32> = data.iter().map(|&b| if b == 255 { f32::NAN } else { f32::from(b % 17) - 8.0 }).collect();
    if let [0, copies, ..] = data {
        // Tiled past 16 Ki values with up to 17 · 256 distinct ones: the
        // few-distinct-values table path, its limit of 2048 and its
        // fallback, against the sort-based reference.
        let shifts = usize::from(*copies) + 1;
        let big: Vec<f32> =
            (0..16_500).map(|i| x[i % x.len()] + (i / x.len() % shifts) as f32 * 17.0).collect();
        let kept: Vec<f64> = widen(&big).into_iter().filter(|v| !v.is_nan()).collect();
        for (ties, name) in [(Ties::Average, "average"), (Ties::Ordinal, "ordinal"), (Ties::Dense, "dense")] {
            let got = simkern::rank_with(&big, ties, NanPolicy::Omit).expect("Omit never fails");
            let got: Vec<f64> = got.iter().zip(&big).filter(|(_, v)| !v.is_nan()).map(|(r, _)| *r).collect();
            assert_eq!(got, naive::rankdata_sorted(&kept, name));
        }
        return;
    }
    let half = x.len() / 2;
    let (a, b) = (&x[..half], &x[half..2 * half]);
    for (ties, name) in [(Ties::Average, "average"), (Ties::Min, "min"), (Ties::Max, "max"), (Ties::Dense, "dense"), (Ties::Ordinal, "ordinal")] {
        let omit = simkern::rank_with(&x, ties, NanPolicy::Omit).expect("Omit never fails");
        let kept: Vec<f64> = widen(&x).into_iter().filter(|v| !v.is_nan()).collect();
        let got: Vec<f64> = omit.iter().zip(&x).filter(|(_, v)| !v.is_nan()).map(|(r, _)| *r).collect();
        assert_eq!(got, naive::rankdata(&kept, name));
        assert_eq!(simkern::rank_with(&x, ties, NanPolicy::Raise).is_err(), x.iter().any(|v| v.is_nan()));
    }
    if half >= 2 {
        let rho = simkern::spearman_with(a, b, NanPolicy::Omit);
        let tau = simkern::kendall_tau_b_with(a, b, NanPolicy::Omit);
        let pairs: (Vec<f64>, Vec<f64>) =
            widen(a).into_iter().zip(widen(b)).filter(|(u, v)| !u.is_nan() && !v.is_nan()).unzip();
        if pairs.0.len() >= 2 {
            let close = |g: f64, w: f64| (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12;
            assert!(close(rho.unwrap(), naive::spearman(&pairs.0, &pairs.1)));
            assert!(close(tau.unwrap(), naive::kendall_tau_b(&pairs.0, &pairs.1)));
        } else {
            assert!(rho.is_err() && tau.is_err());
        }
    }
});

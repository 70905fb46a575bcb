//! Arbitrary bytes → values for ranks and rank correlations, and
//! `(k, n, p)` for the binomial functions: no panic; exact ranks and
//! correlations within 1e-12 of the O(n²) references; the binomial domain
//! rules and `0 ≤ pmf ≤ 1`, `logpmf ≤ 0`, `cdf ∈ [0, 1]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::{NanPolicy, Ties};
use simkern_tests::reference::{self as naive, widen};

fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (head, body) = data.split_at(17);
    // Binomial.
    let k = u64::from_le_bytes(head[0..8].try_into().unwrap()) >> (head[16] % 64);
    let n = u64::from_le_bytes(head[8..16].try_into().unwrap()) >> (head[16] % 61);
    let p = f64::from(head[16]) / 255.0 * if head[16] & 1 == 1 { 1.0 } else { 1e-3 };
    let (pm, lp) = (simkern::binomial::pmf(k, n, p), simkern::binomial::logpmf(k, n, p));
    assert!((0.0..=1.0).contains(&pm), "pmf({k}, {n}, {p}) = {pm}");
    assert!(lp <= 0.0, "logpmf({k}, {n}, {p}) = {lp}");
    if k > n {
        assert_eq!((pm, lp), (0.0, f64::NEG_INFINITY));
    }
    if n < 100_000 {
        let c = simkern::binomial::cdf(k, n, p);
        assert!((0.0..=1.0 + 1e-12).contains(&c), "cdf({k}, {n}, {p}) = {c}");
    }

    // Ranks and correlations on values quantised to make ties likely.
    let x: Vec<f32> = body.iter().map(|&b| if b == 255 { f32::NAN } else { f32::from(b % 17) - 8.0 }).collect();
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

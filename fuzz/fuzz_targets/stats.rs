//! Arbitrary bytes → values for ranks and rank correlations: no panic;
//! exact ranks against the counting reference (tie-heavy small integers
//! and ±∞); correlations within 1e-12
//! of the references (Kendall's O(n²) one up to 512 pairs; beyond, one of
//! the identities τ(x, y) = τ(y, x) and τ(x, −y) = −τ(x, y), which the
//! implementation's asymmetric sort-and-merge does not get for free);
//! `Raise` fails exactly when there is a NaN.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simkern::NanPolicy;
use simkern_tests::reference::{self as naive, widen};

use simkern_tests::reference::TIE_METHODS as METHODS;

/// Ranks of the non-NaN values of `x` under `Omit` with the tie method the
/// input chose (one per input keeps the target fast; the fuzzer reaches
/// all five), against the reference; `Propagate` and `Raise`.
fn check_ranks(x: &[f32], method: u8) {
    let (ties, name) = METHODS[usize::from(method) % METHODS.len()];
    let kept: Vec<f64> = widen(x).into_iter().filter(|v| !v.is_nan()).collect();
    let omit = simkern::rank_with(x, ties, NanPolicy::Omit).expect("Omit never fails");
    let got: Vec<f64> = omit.iter().zip(x).filter(|(_, v)| !v.is_nan()).map(|(r, _)| *r).collect();
    // Every value is an integer or ±∞: the counting reference applies.
    // Compared element by element (a slice `==` is a memcmp, which
    // libFuzzer intercepts and traces: a third of this target's time).
    let want = naive::rankdata_counting(&kept, name);
    assert!(
        got.len() == want.len() && got.iter().zip(&want).all(|(g, w)| g == w),
        "{name}: {got:?} vs {want:?}"
    );
    assert!(omit.iter().zip(x).all(|(r, v)| !v.is_nan() || r.is_nan()), "{name}: NaN positions");
    let has_nan = x.iter().any(|v| v.is_nan());
    assert_eq!(simkern::rank_with(x, ties, NanPolicy::Raise).is_err(), has_nan);
    if has_nan {
        let all = simkern::rank_with(x, ties, NanPolicy::Propagate).expect("Propagate never fails");
        assert!(all.iter().all(|r| r.is_nan()), "{name}: Propagate");
    }
}

fuzz_target!(|data: &[u8]| {
    // Values quantised to make ties likely; 255 is a NaN, 254 and 253 are ±∞.
    let x: Vec<f32> = data
        .iter()
        .map(|&b| match b {
            255 => f32::NAN,
            254 => f32::INFINITY,
            253 => f32::NEG_INFINITY,
            _ => f32::from(b % 17) - 8.0,
        })
        .collect();
    if let [0, copies, ..] = data {
        // Tiled past 16 Ki values with up to 17 · 256 distinct ones: the
        // few-distinct-values table path, its limit of 2048 and its
        // fallback, against the sort-based reference.
        let shifts = usize::from(*copies) + 1;
        let big: Vec<f32> =
            (0..16_500).map(|i| x[i % x.len()] + (i / x.len() % shifts) as f32 * 17.0).collect();
        check_ranks(&big, data.get(2).copied().unwrap_or(0));
        return;
    }
    check_ranks(&x, data.last().copied().unwrap_or(0));
    let half = x.len() / 2;
    let (a, b) = (&x[..half], &x[half..2 * half]);
    if half >= 2 {
        let rho = simkern::spearman_with(a, b, NanPolicy::Omit);
        let tau = simkern::kendall_tau_b_with(a, b, NanPolicy::Omit);
        let pairs: (Vec<f64>, Vec<f64>) =
            widen(a).into_iter().zip(widen(b)).filter(|(u, v)| !u.is_nan() && !v.is_nan()).unzip();
        let (pa, pb) = pairs;
        if pa.len() >= 2 {
            let close = |g: f64, w: f64| (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12;
            let want_rho = naive::pearson(
                &naive::rankdata_counting(&pa, "average"),
                &naive::rankdata_counting(&pb, "average"),
            );
            assert!(close(rho.unwrap(), want_rho), "spearman");
            let tau = tau.unwrap();
            if pa.len() <= 512 {
                assert!(close(tau, naive::kendall_tau_b(&pa, &pb)), "kendall");
            } else if data[1] & 1 == 0 {
                // One identity per input (the fuzzer reaches both).
                let swapped = simkern::kendall_tau_b(&pb, &pa).unwrap();
                assert!(close(tau, swapped), "τ(x, y) = {tau}, τ(y, x) = {swapped}");
            } else {
                let neg: Vec<f64> = pb.iter().map(|v| -v).collect();
                let negated = simkern::kendall_tau_b(&pa, &neg).unwrap();
                assert!(close(tau, -negated), "τ(x, y) = {tau}, τ(x, −y) = {negated}");
            }
            assert!(tau.is_nan() || (-1.0..=1.0).contains(&tau));
        } else {
            assert!(rho.is_err() && tau.is_err());
        }
    }
});

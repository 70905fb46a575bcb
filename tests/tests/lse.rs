//! logsumexp, softmax, log_softmax, the softmax VJP and OnlineLse against
//! the f64 references, at every level; edge cases of MISSION.md §7.

use proptest::prelude::*;
use simkern::Kernels;
use simkern_core::lse::{self, OnlineLse};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::levels;
use simkern_tests::reference::{self as naive, widen};

const U32: f64 = f32::EPSILON as f64 / 2.0;
/// The smallest positive subnormal `f32`: the absolute floor of any bound.
const TINY: f64 = 1.401_298_464_324_817e-45;

fn logits(seed: u64, n: usize, spread: f32) -> Vec<f32> {
    let mut r = Rng::new(seed);
    vec_f32(&mut r, Dist::Normal, n).into_iter().map(|v| v * spread).collect()
}

fn check_lse(x: &[f32]) {
    let (exact, rest) = naive::logsumexp(&widen(x));
    // Final rounding, 2 ulp per exp term weighted by its share, one f32
    // rounding of each pair of terms, and the rounding of each xᵢ − m (a
    // weighted mean of |xᵢ − m| ≤ ln n + 1).
    let n = x.len() as f64;
    let bound = U32 * exact.abs() + U32 * (5.0 * rest / (1.0 + rest) + n.ln() + 1.0) + TINY;
    for &level in levels() {
        let got = f64::from(level.logsumexp(x));
        assert!((got - exact).abs() <= bound, "{level:?} n={} lse {got} vs {exact}", x.len());
        let mut online = OnlineLse::new();
        let cut = x.len() / 3;
        online.merge(level.lse_state(&x[..cut]));
        online.merge(level.lse_state(&x[cut..]));
        assert!((online.value() - exact).abs() <= bound, "online {} vs {exact}", online.value());
    }
}

fn check_softmax(x: &[f32]) {
    let xw = widen(x);
    let p_exact = naive::softmax(&xw);
    let (l, _) = naive::logsumexp(&xw);
    let m = xw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for &level in levels() {
        let mut p = vec![f32::NAN; x.len()];
        level.softmax_into(x, &mut p).unwrap();
        let mut y = vec![f32::NAN; x.len()];
        level.log_softmax_into(x, &mut y).unwrap();
        for i in 0..x.len() {
            let (pe, got) = (p_exact[i], f64::from(p[i]));
            // Rounding of xᵢ − m (amplified by exp), 2 ulp of exp, the sum
            // and the division: the conditioning of softmax in f32.
            let pb = U32 * ((xw[i] - m).abs() + 8.0) * pe + TINY;
            assert!((got - pe).abs() <= pb, "{level:?} p[{i}] {got} vs {pe}");
            let ye = xw[i] - l;
            let yb = U32 * ((xw[i] - m).abs() + (l - m).abs() + ye.abs()) + 4.0 * U32;
            assert!((f64::from(y[i]) - ye).abs() <= yb, "{level:?} log p[{i}] {} vs {ye}", y[i]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn logsumexp_matches_reference(seed: u64, n in 1usize..2000, spread in prop::sample::select(vec![0.01f32, 1.0, 10.0, 100.0, 1e4])) {
        check_lse(&logits(seed, n, spread));
    }

    #[test]
    fn softmax_matches_reference(seed: u64, n in 1usize..700, spread in prop::sample::select(vec![0.1f32, 1.0, 20.0, 1e3])) {
        check_softmax(&logits(seed, n, spread));
    }

    /// Every value distribution of the shared generator as logits (huge
    /// and tiny magnitudes, subnormals, ±0), lengths past every block.
    #[test]
    fn lse_and_softmax_over_value_distributions(seed: u64, di in 0usize..5, n in 1usize..3000) {
        let x = vec_f32(&mut Rng::new(seed), Dist::ALL[di], n);
        check_lse(&x);
        check_softmax(&x);
    }

    #[test]
    fn f64_paths_match_reference(seed: u64, n in 1usize..500) {
        let x: Vec<f64> = logits(seed, n, 30.0).into_iter().map(f64::from).collect();
        let (exact, _) = naive::logsumexp(&x);
        let got = lse::logsumexp(&x);
        prop_assert!((got - exact).abs() <= 4.0 * f64::EPSILON * exact.abs().max(1.0));
        let mut p = vec![f64::NAN; n];
        lse::softmax_into(&x, &mut p).unwrap();
        for ((a, b), xi) in p.iter().zip(naive::softmax(&x)).zip(&x) {
            // exp(xᵢ − LSE) with the subtraction rounded, here and in the
            // reference (whose LSE itself rounds by |LSE|·ε): relative error up to
            // (|xᵢ − LSE| + |LSE|)·ε each.
            prop_assert!((a - b).abs() <= 2.0 * f64::EPSILON * ((xi - exact).abs() + exact.abs() + 8.0) * b + 1e-300);
        }
    }
}

#[test]
fn every_length_for_tails() {
    for n in 1..=130 {
        let x = logits(n as u64, n, 5.0);
        check_lse(&x);
        check_softmax(&x);
    }
}

/// Rows longer than the f32 kernel's block (4096 values, merged block by
/// block): lengths at and across block boundaries against the reference
/// at every level, and the special values where they fall in a later
/// block than the maximum — NaN and `+∞` still win, `−∞` blocks add
/// nothing, the maximum in the last block or the first (and the same
/// special values in a long f64 row, which is not blocked).
#[test]
fn long_rows_block_by_block() {
    for (n, spread) in [(4095, 3.0f32), (4096, 30.0), (4097, 0.1), (8193, 300.0), (50_000, 10.0)] {
        let x = logits(n as u64 + 11, n, spread);
        check_lse(&x);
        check_softmax(&x[..n.min(8193)]);
    }
    let inf = f32::INFINITY;
    for &level in levels() {
        let mut x = logits(5, 20_000, 4.0);
        x[19_999] = 80.0; // the maximum in the last block
        let want = naive::logsumexp(&widen(&x)).0;
        assert!((f64::from(level.logsumexp(&x)) - want).abs() <= 4.0 * U32 * want.abs(), "{level:?}");
        x[0] = 1e4; // ... and in the first: every other term underflows
        assert_eq!(level.logsumexp(&x), 1e4);
        let mut y = vec![-inf; 12_000];
        assert_eq!(level.logsumexp(&y), -inf);
        y[11_000] = 2.5;
        assert_eq!(level.logsumexp(&y), 2.5);
        y[9000] = inf;
        assert_eq!(level.logsumexp(&y), inf);
        y[10_500] = f32::NAN;
        assert!(level.logsumexp(&y).is_nan());
        let mut z: Vec<f64> = logits(6, 9000, 4.0).into_iter().map(f64::from).collect();
        z[8999] = f64::NAN;
        assert!(level.logsumexp(&z).is_nan());
        z[8999] = f64::INFINITY;
        assert_eq!(level.logsumexp(&z), f64::INFINITY);
    }
}

#[test]
fn edge_cases_of_the_contract() {
    let inf = f32::INFINITY;
    for &level in levels() {
        let lse = |x: &[f32]| level.logsumexp(x);
        assert_eq!(lse(&[]), -inf);
        assert_eq!(lse(&[-inf, -inf]), -inf);
        assert_eq!(lse(&[-inf, 0.0]), 0.0);
        assert_eq!(lse(&[1.0, inf, -inf]), inf);
        assert!(lse(&[1.0, f32::NAN, inf]).is_nan());
        assert!(lse(&[f32::NAN; 40]).is_nan());
        assert_eq!(lse(&[1e30, 1e30]), 1e30, "no overflow from large logits");
        assert_eq!(lse(&[-1e30, -1e30]), -1e30);
        // A result near zero keeps its relative accuracy (log1p of the rest).
        let tiny = lse(&[0.0, -40.0, -104.0, -105.0]);
        let want = (-40f64).exp().ln_1p();
        assert!((f64::from(tiny) - want).abs() <= 2.0 * U32 * want, "{tiny:e} vs {want:e}");
        // Ties at the maximum each count: log(3·e⁵) = 5 + ln 3.
        assert!((lse(&[5.0, 5.0, 5.0]) - (5.0 + 3f32.ln())).abs() <= 5.0 * f32::EPSILON);

        let soft = |x: &[f32]| {
            let mut p = vec![f32::NAN; x.len()];
            level.softmax_into(x, &mut p).unwrap();
            p
        };
        assert!(soft(&[1.0, inf]).iter().all(|v| v.is_nan()), "+∞ gives NaN, as SciPy and PyTorch");
        assert!(soft(&[1.0, f32::NAN]).iter().all(|v| v.is_nan()));
        assert!(soft(&[-inf; 3]).iter().all(|v| v.is_nan()));
        assert_eq!(soft(&[-inf, 0.0]), vec![0.0, 1.0]);
        assert_eq!(soft(&[]), Vec::<f32>::new());
        assert_eq!(soft(&[1e30, 1e30]), vec![0.5, 0.5]);
    }
    // f64, including the mission's example.
    let t = lse::logsumexp(&[0.0f64, -40.0, -745.0, -746.0]);
    assert!((t - 4.248_354_255_291_589e-18).abs() <= 1e-32, "{t:e}");
    assert_eq!(lse::logsumexp::<f64>(&[]), f64::NEG_INFINITY);
    assert!(lse::logsumexp(&[0.0f64, f64::NAN]).is_nan());
}

#[test]
fn softmax_vjp_is_the_jacobian_product() {
    // Lengths past every level's vector width and tail, at every level.
    for n in [1usize, 37, 64, 129, 1000, 4099] {
        let x = logits(n as u64, n, 2.0);
        let mut p = vec![f32::NAN; n];
        lse::softmax_into(&x, &mut p).unwrap();
        let g = logits(n as u64 + 1, n, 1.0);
        // J = diag(p) − p pᵀ, so (Jᵀ g)ᵢ = pᵢ gᵢ − pᵢ Σⱼ pⱼ gⱼ.
        let dot: f64 = p.iter().zip(&g).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum();
        let dot_abs: f64 = p.iter().zip(&g).map(|(&a, &b)| (f64::from(a) * f64::from(b)).abs()).sum();
        for &level in levels() {
            let mut out = vec![f32::NAN; n];
            level.softmax_vjp_into(&p, &g, &mut out).unwrap();
            for i in 0..n {
                let want = f64::from(p[i]) * (f64::from(g[i]) - dot);
                // ⟨g, p⟩ in f64 rounded to f32, then gᵢ − ⟨g, p⟩ and the product.
                let bound = 4.0 * U32 * f64::from(p[i]) * (f64::from(g[i]).abs() + dot_abs) + TINY;
                assert!(
                    (f64::from(out[i]) - want).abs() <= bound,
                    "{level:?} n={n} [{i}] {} vs {want}",
                    out[i]
                );
            }
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    use simkern::Error;
    let mismatch =
        |left, left_len, right, right_len| Error::LengthMismatch { left, left_len, right, right_len };
    let mut out = [f32::NAN; 2];
    assert_eq!(
        lse::softmax_into(&[1.0f32; 3], &mut out).unwrap_err().to_string(),
        "length mismatch: x has 3 elements, out has 2"
    );
    assert_eq!(lse::softmax_into(&[1.0f32; 3], &mut out), Err(mismatch("x", 3, "out", 2)));
    assert_eq!(lse::exp_into(&[1.0; 3], &mut out), Err(mismatch("x", 3, "out", 2)));
    assert_eq!(lse::softmax_vjp_into(&[1.0; 2], &[1.0; 3], &mut out), Err(mismatch("p", 2, "g", 3)));
    assert_eq!(lse::softmax_vjp_into(&[1.0; 3], &[1.0; 3], &mut out), Err(mismatch("p", 3, "out", 2)));
    assert_eq!(lse::log_softmax_into(&[1.0f64; 3], &mut [f64::NAN; 4]), Err(mismatch("x", 3, "out", 4)));
    assert!(out.iter().all(|v| v.is_nan()), "nothing written on error");
    // A level this CPU does not have is refused by every *_at form.
    let missing = if cfg!(target_arch = "x86_64") { simkern::Level::Neon } else { simkern::Level::Avx512 };
    let refused = Error::LevelUnavailable { level: missing };
    // A level this CPU lacks has no handle: no kernel can run there.
    assert_eq!(Kernels::new(missing), Err(refused));
}

/// Row-wise softmax and log-softmax are the per-row kernels, bit for bit,
/// at every level; bad shapes are errors.
#[test]
fn softmax_rows_is_softmax_per_row() {
    let mut r = Rng::new(88);
    for (rows, dim) in [(1usize, 1usize), (3, 7), (17, 64), (5, 1000)] {
        let x = vec_f32(&mut r, Dist::Normal, rows * dim);
        for &level in levels() {
            let (mut p, mut lp) = (vec![0.0f32; x.len()], vec![0.0f32; x.len()]);
            level.softmax_rows_into(&x, dim, &mut p).unwrap();
            level.log_softmax_rows_into(&x, dim, &mut lp).unwrap();
            for ((row, pr), lr) in x.chunks_exact(dim).zip(p.chunks_exact(dim)).zip(lp.chunks_exact(dim)) {
                let mut want = vec![0.0f32; dim];
                level.softmax_into(row, &mut want).unwrap();
                assert_eq!(pr, &want[..], "{level:?} rows={rows} dim={dim}");
                level.log_softmax_into(row, &mut want).unwrap();
                assert_eq!(lr, &want[..], "{level:?} rows={rows} dim={dim}");
            }
        }
    }
    assert!(simkern::softmax_rows(&[0.0f64; 3], 0).is_err());
    assert!(simkern::softmax_rows(&[0.0f64; 3], 2).is_err());
    let mut short = [0.0f32; 2];
    assert!(simkern::Kernels::best().softmax_rows_into(&[0.0f32; 4], 2, &mut short).is_err());
}

/// The `f64` kernels at every level: every tail length and a few long
/// ones, three spreads, against the f64 reference; then the edge cases of
/// the `f32` ones.
#[test]
fn f64_at_every_level() {
    let eps = f64::EPSILON;
    let lengths = (1..70).chain([1000, 4099]);
    for (n, spread) in lengths.flat_map(|n| [1.0f32, 30.0, 300.0].map(move |s| (n, s))) {
        let x: Vec<f64> =
            logits(n as u64 * 7 + spread as u64, n, spread).into_iter().map(f64::from).collect();
        let (exact, _) = naive::logsumexp(&x);
        let softmax = naive::softmax(&x);
        for &level in levels() {
            let got = level.logsumexp(&x);
            let bound = 4.0 * eps * (exact.abs() + (n as f64).ln() + 1.0);
            assert!((got - exact).abs() <= bound, "{level:?} n={n} spread {spread}: {got} vs {exact}");
            let (mut p, mut lp) = (vec![f64::NAN; n], vec![f64::NAN; n]);
            level.softmax_into(&x, &mut p).unwrap();
            level.log_softmax_into(&x, &mut lp).unwrap();
            for (i, ((&a, &b), &xi)) in p.iter().zip(&softmax).zip(&x).enumerate() {
                // As `f64_paths_match_reference`: the rounding of xᵢ − LSE
                // (here and in the reference) times the exponential's slope.
                let tol = 2.0 * eps * ((xi - exact).abs() + exact.abs() + 8.0) * b + 1e-300;
                assert!((a - b).abs() <= tol, "{level:?} n={n} p[{i}] {a} vs {b}");
                let want = xi - exact;
                assert!(
                    (lp[i] - want).abs() <= 4.0 * eps * (want.abs() + exact.abs() + 1.0),
                    "{level:?} log p[{i}]"
                );
            }
        }
    }
    let (inf, nan) = (f64::INFINITY, f64::NAN);
    for &level in levels() {
        let lse = |x: &[f64]| level.logsumexp(x);
        let soft = |x: &[f64]| {
            let mut p = vec![0.0; x.len()];
            level.softmax_into(x, &mut p).unwrap();
            p
        };
        let t = lse(&[0.0, -40.0, -745.0, -746.0]);
        assert!((t - 4.248_354_255_291_589e-18).abs() <= 1e-32, "{level:?} {t:e}");
        assert_eq!(lse(&[]), -inf);
        assert_eq!(lse(&[-inf; 5]), -inf);
        assert_eq!(lse(&[-inf, 0.0, -inf]), 0.0);
        assert_eq!(lse(&[1.0, inf, 2.0]), inf);
        assert!(lse(&[1.0, nan, inf]).is_nan());
        assert!(lse(&[-inf, nan]).is_nan());
        assert_eq!(lse(&[1e300, 1e300]), 1e300);
        assert_eq!(lse(&[-1e300, 0.0]), 0.0);
        assert!(
            (lse(&[3.0; 9]) - (3.0 + 9f64.ln())).abs() <= 2.0 * eps * 5.0,
            "{level:?} ties at the maximum"
        );
        assert_eq!(soft(&[-inf, 0.0]), vec![0.0, 1.0]);
        assert!(soft(&[1.0, inf]).iter().all(|p| p.is_nan()));
        assert!(soft(&[-inf, -inf]).iter().all(|p| p.is_nan()));
        assert!(soft(&[0.0, nan]).iter().all(|p| p.is_nan()));
        assert_eq!(soft(&[1e300, 1e300]), vec![0.5, 0.5]);
        assert_eq!(soft(&[0.0, -1e300]), vec![1.0, 0.0]);
    }
}

//! Ranks and rank correlations against the references: exact ranks for
//! every tie method, correlations within 1e-12, NaN policies, invariances.

use proptest::prelude::*;
use simkern::Kernels;
use simkern::{Level, NanPolicy, Ties, Value};
use simkern_core::{correlation as corr, rank};
use simkern_tests::data::Rng;
use simkern_tests::levels::levels;
use simkern_tests::reference::{self as naive, widen};

use simkern_tests::precision::CORRELATION_ABS;
use simkern_tests::reference::TIE_METHODS as METHODS;

/// `n` values: continuous, or drawn from `range` distinct integers (ties),
/// with signed zeros and infinities mixed in.
fn values(seed: u64, n: usize, range: u64, specials: bool) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|_| {
            let v = if range == 0 {
                r.normal() as f32
            } else {
                (r.next_u64() % range) as f32 - (range / 2) as f32
            };
            match (specials, r.next_u64() % 16) {
                (true, 0) => -0.0,
                (true, 1) => 0.0,
                (true, 2) => f32::INFINITY,
                (true, 3) => f32::NEG_INFINITY,
                _ => v,
            }
        })
        .collect()
}

/// Ranks of `x` at `level` through the core API, output pre-filled with NaN.
fn rank_on<T: simkern::Float>(level: Kernels, x: &[T], ties: Ties) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    let mut scratch = vec![0u64; rank::rank_scratch_len::<T>(x.len())];
    level.rank_into(x, ties, NanPolicy::Propagate, &mut out, &mut scratch).unwrap();
    out
}

fn check_ranks(x: &[f32]) {
    let xw = widen(x);
    for (ties, name) in METHODS {
        let want = naive::rankdata(&xw, name);
        assert_eq!(simkern::rank(x, ties).unwrap(), want, "{name} f32 {x:?}");
        assert_eq!(simkern::rank(&xw, ties).unwrap(), want, "{name} f64");
        for &level in levels() {
            assert_eq!(rank_on(level, x, ties), want, "{level:?} {name} f32");
            assert_eq!(rank_on(level, &xw, ties), want, "{level:?} {name} f64");
        }
    }
}

/// Pearson, Spearman and Kendall at every level through the core API.
fn correlations_on<T: simkern::Float>(level: Kernels, x: &[T], y: &[T]) -> (f64, f64, f64) {
    let n = x.len();
    let (rl, sl) = corr::spearman_scratch_len::<T>(n);
    let (mut ranks, mut scratch) = (vec![f64::NAN; rl], vec![0u64; sl.max(corr::kendall_scratch_len(n))]);
    (
        level.pearson(x, y).unwrap(),
        level.spearman(x, y, &mut ranks, &mut scratch).unwrap(),
        level.kendall_tau_b(x, y, &mut scratch).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ranks_are_exact(seed: u64, n in 0usize..400, range in prop::sample::select(vec![0u64, 3, 10, 1000]), specials: bool) {
        check_ranks(&values(seed, n, range, specials));
    }

    #[test]
    fn correlations_match(seed: u64, n in 2usize..300, range in prop::sample::select(vec![0u64, 3, 10, 1000])) {
        let (x, y) = (values(seed, n, range, false), values(seed ^ 7, n, range, false));
        // Correlated too: y depends on x.
        let y: Vec<f32> = x.iter().zip(&y).map(|(a, b)| a + 0.5 * b).collect();
        let (xw, yw) = (widen(&x), widen(&y));
        let close = |a: f64, b: f64| (a.is_nan() && b.is_nan()) || (a - b).abs() <= CORRELATION_ABS;
        prop_assert!(close(simkern::pearson(&x, &y).unwrap(), naive::pearson(&xw, &yw)));
        prop_assert!(close(simkern::spearman(&x, &y).unwrap(), naive::spearman(&xw, &yw)));
        prop_assert!(close(simkern::kendall_tau_b(&x, &y).unwrap(), naive::kendall_tau_b(&xw, &yw)));
        prop_assert!(close(simkern::kendall_tau_b(&xw, &yw).unwrap(), naive::kendall_tau_b(&xw, &yw)));
        let want = (naive::pearson(&xw, &yw), naive::spearman(&xw, &yw), naive::kendall_tau_b(&xw, &yw));
        for &level in levels() {
            for got in [correlations_on(level, &x, &y), correlations_on(level, &xw, &yw)] {
                prop_assert!(close(got.0, want.0) && close(got.1, want.1) && close(got.2, want.2), "{level:?} {got:?} vs {want:?}");
            }
        }
    }
}

/// `n` pairs `(a, ρa + √(1 − ρ²)·e)` of standard normals: correlation ≈ ρ.
fn correlated_pairs(seed: u64, n: usize, rho: f64) -> Vec<(f64, f64)> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|_| {
            let a = r.normal();
            (a, rho * a + (1.0 - rho * rho).sqrt() * r.normal())
        })
        .collect()
}

/// f64 Pearson where the naive one-pass formula fails: large offsets
/// (deviations 1e-9 of the mean) at scales from 1e-140 to 1e140 (the
/// whole range, with the rescaled path, is `pearson_over_the_whole_f64_range`).
#[test]
fn pearson_with_large_offsets_at_every_scale() {
    // One block of the blocked two passes, several (4096 pairs a block,
    // and a short last one), and a trend, where the blocks' means differ
    // and their merge carries most of the sums.
    let trend: Vec<(f64, f64)> = correlated_pairs(78, 9000, 0.3)
        .into_iter()
        .enumerate()
        .map(|(i, (a, b))| (a + i as f64 * 1e-3, b - i as f64 * 2e-3))
        .collect();
    for base in [correlated_pairs(77, 1000, 0.6), correlated_pairs(79, 3 * 4096 + 17, 0.6), trend] {
        pearson_offsets_and_scales(&base);
    }
}

fn pearson_offsets_and_scales(base: &[(f64, f64)]) {
    for offset in [0.0, 1e3, 1e6, 1e9] {
        for scale in [1e-140, 1e-30, 1.0, 1e30, 1e140] {
            let x: Vec<f64> = base.iter().map(|p| (offset + p.0) * scale).collect();
            let y: Vec<f64> = base.iter().map(|p| (-offset + p.1) * scale).collect();
            let want = naive::pearson(&x, &y);
            assert!(want.is_finite() && want.abs() > 0.3, "the case is well posed: {want}");
            for &level in levels() {
                let got = level.pearson(&x, &y).unwrap();
                // The contract's 1e-12 (two passes: an error in the mean
                // enters the sums only to second order; 1.4e-14 seen).
                assert!(
                    (got - want).abs() <= CORRELATION_ABS,
                    "{level:?} offset {offset:e} scale {scale:e}: {got} vs {want}"
                );
            }
        }
    }
}

#[test]
fn every_radix_pass_boundary() {
    // Sizes around the insertion-sort cutoff and large enough for all passes.
    for &n in &[1usize, 2, 79, 80, 81, 255, 256, 257, 4097] {
        check_ranks(&values(n as u64, n, 0, true));
        check_ranks(&values(n as u64, n, 3, false));
    }
    // Sorted, reverse-sorted, all equal.
    let sorted: Vec<f32> = (0..300).map(|i| i as f32).collect();
    let reversed: Vec<f32> = sorted.iter().rev().copied().collect();
    check_ranks(&sorted);
    check_ranks(&reversed);
    check_ranks(&[7.5f32; 300]);
}

/// Ranks of `x` (NaNs omitted) by every method, against the sort-based
/// reference on the kept values, for `f32` and `f64`.
fn check_large_ranks(x: &[f32], what: &str) {
    let xw = widen(x);
    let kept: Vec<f64> = xw.iter().copied().filter(|v| !v.is_nan()).collect();
    let kept_ranks = |got: Vec<f64>| -> Vec<f64> {
        got.into_iter().zip(&xw).filter(|(_, v)| !v.is_nan()).map(|(r, _)| r).collect()
    };
    for (ties, name) in METHODS {
        let want = naive::rankdata_sorted(&kept, name);
        assert_eq!(
            kept_ranks(simkern::rank_with(x, ties, NanPolicy::Omit).unwrap()),
            want,
            "{name} f32, {what}"
        );
        assert_eq!(
            kept_ranks(simkern::rank_with(&xw, ties, NanPolicy::Omit).unwrap()),
            want,
            "{name} f64, {what}"
        );
    }
}

#[test]
fn large_inputs_on_the_table_and_radix_paths() {
    // From 16 Ki values, inputs with at most 2048 distinct values are ranked
    // through a hash table of them; more distinct values fall back to the
    // radix sort, however late the table finds out.
    let n = 40_000;
    for (range, nan) in [(0u64, false), (10, false), (1000, true), (2048, false), (2049, false)] {
        let mut x: Vec<f32> = if range == 0 {
            values(range + 5, n, 0, true)
        } else {
            // Every one of `range` values present (the exact distinct count).
            let mut r = Rng::new(range);
            (0..n as u64).map(|i| (if i < range { i } else { r.next_u64() % range }) as f32 - 7.0).collect()
        };
        if nan {
            x[123] = f32::NAN;
            x[30_000] = f32::NAN;
        }
        check_large_ranks(&x, &format!("range {range}"));
    }
    // Signed zeros and infinities among few distinct values.
    check_large_ranks(&values(3, n, 10, true), "range 10 with specials");
    // Few distinct values for most of the input, then many: a late fallback.
    let late: Vec<f32> = (0..n).map(|i| if i < 30_000 { (i % 7) as f32 } else { i as f32 * 0.5 }).collect();
    check_large_ranks(&late, "late fallback");

    // Correlations on both paths: Spearman (average ranks) and Kendall
    // (dense ranks of x and y).
    for (rx, ry) in [(50u64, 0u64), (7, 1000), (3000, 4)] {
        let x = values(rx + 9, 20_000, rx, false);
        let y: Vec<f32> = values(ry + 10, 20_000, ry, false).iter().zip(&x).map(|(b, a)| b + a).collect();
        let (xw, yw) = (widen(&x), widen(&y));
        let (ax, ay) = (naive::rankdata_sorted(&xw, "average"), naive::rankdata_sorted(&yw, "average"));
        let rho = simkern::spearman(&x, &y).unwrap();
        assert!((rho - naive::pearson(&ax, &ay)).abs() <= CORRELATION_ABS, "spearman, ranges {rx} {ry}");
        let tau = simkern::kendall_tau_b(&x, &y).unwrap();
        assert!((tau - naive::kendall_tau_b(&xw, &yw)).abs() <= CORRELATION_ABS, "kendall, ranges {rx} {ry}");
    }
}

/// Kendall's discordant pairs are counted digit by digit (8-bit digits of
/// the dense y ranks, largest first): at 2¹⁴ distinct values every digit
/// of the first level occurs, the largest one included; at 2¹⁴ + 1 the
/// first digit is a single bit. Both against the pair-by-pair reference.
#[test]
fn kendall_at_every_digit_of_the_inversion_count() {
    for n in [1 << 14, (1 << 14) + 1] {
        let x = values(21, n, 0, false);
        let y: Vec<f32> = values(22, n, 0, false).iter().zip(&x).map(|(b, a)| b - 0.3 * a).collect();
        let (xw, yw) = (widen(&x), widen(&y));
        let tau = simkern::kendall_tau_b(&x, &y).unwrap();
        assert!((tau - naive::kendall_tau_b(&xw, &yw)).abs() <= CORRELATION_ABS, "kendall, n = {n}");
    }
}

#[test]
fn nan_policies() {
    let x = [3.0f64, f64::NAN, 1.0, 3.0];
    assert!(simkern::rank(&x, Ties::Average).unwrap().iter().all(|r| r.is_nan()));
    let omit = simkern::rank_with(&x, Ties::Average, NanPolicy::Omit).unwrap();
    assert_eq!((omit[0], omit[2], omit[3]), (2.5, 1.0, 2.5));
    assert!(omit[1].is_nan());
    assert_eq!(
        simkern::rank_with(&x, Ties::Average, NanPolicy::Raise).unwrap_err().to_string(),
        "x contains NaN (NanPolicy::Raise)"
    );
    let y = [1.0f64, 2.0, 3.0, 4.0];
    assert!(simkern::spearman(&x, &y).unwrap().is_nan());
    assert!(simkern::pearson(&x, &y).unwrap().is_nan());
    assert!(simkern::kendall_tau_b(&x, &y).unwrap().is_nan());
    let kept = ([3.0, 1.0, 3.0], [1.0, 3.0, 4.0]);
    assert_eq!(simkern::spearman_with(&x, &y, NanPolicy::Omit).unwrap(), naive::spearman(&kept.0, &kept.1));
    assert_eq!(
        simkern::kendall_tau_b_with(&x, &y, NanPolicy::Omit).unwrap(),
        naive::kendall_tau_b(&kept.0, &kept.1)
    );
    assert!(simkern::pearson_with(&x, &y, NanPolicy::Raise).is_err());
}

#[test]
fn bad_input_and_degenerate_cases() {
    use simkern::Error;
    let one_pair = Err(Error::InvalidParameter {
        name: "number of pairs",
        expected: "at least 2",
        value: Value::Count(1),
    });
    assert_eq!(simkern::spearman(&[1.0f32], &[1.0]), one_pair);
    assert_eq!(simkern::pearson(&[1.0f32], &[1.0]), one_pair);
    assert_eq!(simkern::kendall_tau_b(&[1.0f32], &[1.0]), one_pair);
    let mismatch = Err(Error::LengthMismatch { left: "x", left_len: 2, right: "y", right_len: 1 });
    assert_eq!(simkern::kendall_tau_b(&[1.0f32, 2.0], &[1.0]), mismatch);
    assert_eq!(simkern::spearman(&[1.0f32, 2.0], &[1.0]), mismatch);
    assert_eq!(
        simkern::pearson::<f64, f64>(&[], &[]),
        Err(Error::InvalidParameter {
            name: "number of pairs",
            expected: "at least 2",
            value: Value::Count(0)
        })
    );
    assert_eq!(
        simkern::rank_with(&[1.0f32, f32::NAN], Ties::Min, NanPolicy::Raise),
        Err(Error::NanInput { name: "x" })
    );
    // The core API checks its buffers and levels.
    let mut out = [f64::NAN; 3];
    let mut small = [0u64; 1];
    let needed = rank::rank_scratch_len::<f64>(3);
    assert_eq!(
        rank::rank_into(&[1.0f64, 2.0, 3.0], Ties::Min, NanPolicy::Raise, &mut out, &mut small),
        Err(Error::ScratchTooSmall { needed, got: 1 })
    );
    let mut scratch = vec![0u64; needed];
    assert_eq!(
        rank::rank_into(&[1.0f64, 2.0], Ties::Min, NanPolicy::Raise, &mut out, &mut scratch),
        Err(Error::LengthMismatch { left: "x", left_len: 2, right: "out", right_len: 3 })
    );
    assert!(out.iter().all(|v| v.is_nan()), "nothing written on error");
    let missing = if cfg!(target_arch = "x86_64") { Level::Neon } else { Level::Avx512 };
    let refused = Error::LevelUnavailable { level: missing };
    // A level this CPU lacks: no handle, so no kernel can run there.
    assert_eq!(Kernels::new(missing), Err(refused));
    // A constant input has no correlation: NaN, as SciPy.
    assert!(simkern::spearman(&[2.0f32; 5], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap().is_nan());
    assert!(simkern::kendall_tau_b(&[2.0f32; 5], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap().is_nan());
    assert!(simkern::pearson(&[2.0f32; 5], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap().is_nan());
    assert_eq!(simkern::rank::<f32>(&[], Ties::Average).unwrap(), Vec::<f64>::new());
    // −0.0 and 0.0 tie.
    assert_eq!(simkern::rank(&[0.0f32, -0.0], Ties::Average).unwrap(), vec![1.5, 1.5]);
}

#[test]
fn invariances() {
    let x = values(1, 500, 0, false);
    let y: Vec<f32> = values(2, 500, 0, false).iter().zip(&x).map(|(a, b)| a + b).collect();
    let rho = simkern::spearman(&x, &y).unwrap();
    let tau = simkern::kendall_tau_b(&x, &y).unwrap();
    // Strictly increasing transforms leave rank correlations unchanged.
    let ex: Vec<f64> = x.iter().map(|v| f64::from(*v).exp()).collect();
    let cy: Vec<f64> = y.iter().map(|v| f64::from(*v).powi(3)).collect();
    assert_eq!(simkern::spearman(&ex, &cy).unwrap(), rho);
    assert_eq!(simkern::kendall_tau_b(&ex, &cy).unwrap(), tau);
    // Symmetry and ρ(x, x) = 1.
    assert_eq!(simkern::spearman(&y, &x).unwrap(), rho);
    assert_eq!(simkern::kendall_tau_b(&y, &x).unwrap(), tau);
    assert_eq!(simkern::spearman(&x, &x).unwrap(), 1.0);
    assert_eq!(simkern::kendall_tau_b(&x, &x).unwrap(), 1.0);
}

/// Pearson's one pass is centred on the first 4096 pairs: data whose head
/// is far from the rest (a level shift, sorted data) takes the second pass
/// about the means, and data whose head is typical does not; both within
/// the contract of the reference. (Which pass is taken cannot be seen from
/// here: the one pass's rounding is amplified by at most `n / 4096`, so at
/// these lengths both meet the contract; the second pass is for n ≳ 10⁸.)
#[test]
fn pearson_whatever_the_head() {
    let noise = correlated_pairs(31, 100_000, 0.4);
    let shifted: Vec<(f64, f64)> = noise
        .iter()
        .enumerate()
        .map(|(i, p)| if i < 4096 { (p.0 + 1000.0, p.1 - 1e4) } else { *p })
        .collect();
    let mut sorted = noise.clone();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (name, data) in [("level shift", &shifted), ("sorted by x", &sorted), ("shuffled", &noise)] {
        let (x, y): (Vec<f64>, Vec<f64>) = data.iter().copied().unzip();
        let want = naive::pearson(&x, &y);
        for &level in levels() {
            let got = level.pearson(&x, &y).unwrap();
            assert!((got - want).abs() <= CORRELATION_ABS, "{level:?} {name}: {got} vs {want}");
        }
    }
}

/// Pearson over f64's whole range: magnitudes from 1e-300 to 1e300 (where
/// the plain squared deviations underflow or overflow: 1e154 once gave 0.0
/// for r ≈ 0.98, 1e200 and 1e-188 gave NaN), against the reference on the
/// same data scaled by an exact power of two (r is scale-invariant), at
/// every level; constant inputs whose mean does not round back exactly give
/// NaN, as an exactly constant input does.
#[test]
fn pearson_over_the_whole_f64_range() {
    let base = correlated_pairs(2026, 257, 0.98);
    for e in [-300i32, -188, -154, -100, 0, 100, 154, 200, 300, 307] {
        for offset in [0.0, 5.0, -1e6] {
            let scale = 10f64.powi(e);
            let x: Vec<f64> = base.iter().map(|p| (offset + p.0) * scale).collect();
            let y: Vec<f64> = base.iter().map(|p| p.1 * scale * 0.5).collect();
            if x.iter().any(|v| !v.is_finite()) {
                // (−1e6 + a)·1e307 overflows to −∞: no moments, NaN.
                assert!(corr::pearson(&x, &y).unwrap().is_nan());
                continue;
            }
            // The reference on the data brought near 1 by a power of two.
            let k = scale.log2().round() as i32;
            let unit = |v: &[f64]| -> Vec<f64> {
                v.iter().map(|t| t * 2f64.powi(-k / 2) * 2f64.powi(-k + k / 2)).collect()
            };
            let want = naive::pearson(&unit(&x), &unit(&y));
            assert!(want.is_finite() && want.abs() > 0.5, "well posed: {want}");
            for &level in levels() {
                let got = level.pearson(&x, &y).unwrap();
                assert!(
                    (got - want).abs() <= CORRELATION_ABS,
                    "{level:?} 1e{e} offset {offset}: {got} vs {want}"
                );
            }
        }
    }
    // Constant inputs: NaN whether or not the mean rounds back exactly.
    for v in [0.667f64, 0.1, 1e300, 3e-300, 2.0] {
        for n in [2usize, 3, 7, 100, 1001, 2 * 4096 + 5] {
            let c = vec![v; n];
            let y: Vec<f64> = (0..n).map(|i| i as f64).collect();
            for &level in levels() {
                assert!(level.pearson(&c, &y).unwrap().is_nan(), "{level:?} constant {v} × {n}");
                assert!(level.pearson(&y, &c).unwrap().is_nan(), "{level:?} constant {v} × {n}");
            }
        }
    }
}

/// Integers of every width rank as their values do (exactly, even where
/// `f64` would merge them), at every level, through both the table and the
/// radix paths; and every statistic takes mixed argument types.
#[test]
fn integer_and_mixed_inputs() {
    use simkern_core::rank::{NanPolicy, Ties, rank_scratch_len};
    let mut r = Rng::new(404);
    for n in [5usize, 100, 20_000] {
        // Few distinct values (the table path) and many (the radix path).
        for spread in [7i64, 1 << 40] {
            let v: Vec<i64> = (0..n).map(|_| (r.uniform() * spread as f64) as i64 - spread / 2).collect();
            let as_f64: Vec<f64> = v.iter().map(|&x| x as f64).collect();
            let want = simkern::rank(&as_f64, Ties::Average).unwrap();
            macro_rules! same_ranks {
                ($($t:ty),*) => {$(
                    if spread < 100 || <$t>::BITS >= 48 {
                        let typed: Vec<$t> = v.iter().map(|&x| if <$t>::MIN == 0 { (x + spread) as $t } else { x as $t }).collect();
                        let shifted: Vec<f64> = typed.iter().map(|&x| x as f64).collect();
                        let want = simkern::rank(&shifted, Ties::Average).unwrap();
                        for &level in levels() {
                            let mut out = vec![0.0; n];
                            let mut scratch = vec![0u64; rank_scratch_len::<$t>(n)];
                            level.rank_into(&typed, Ties::Average, NanPolicy::Propagate, &mut out, &mut scratch).unwrap();
                            assert_eq!(out, want, "{} n={n} spread={spread} {level:?}", stringify!($t));
                        }
                    }
                )*};
            }
            same_ranks!(i8, u8, i16, u16, i32, u32, i64, u64);
            let _ = want;
        }
    }
    // Exact where f64 is not: three u64 that round to one f64.
    let big = [u64::MAX, u64::MAX - 1, u64::MAX - 2, 0];
    assert_eq!(simkern::rank(&big, Ties::Average).unwrap(), vec![4.0, 3.0, 2.0, 1.0]);
    let neg = [i64::MIN + 1, i64::MIN, i64::MAX, i64::MAX - 1];
    assert_eq!(simkern::rank(&neg, Ties::Min).unwrap(), vec![2.0, 1.0, 4.0, 3.0]);

    // Mixed arguments: the same statistics as on f64 copies.
    let gold: Vec<u8> = (0..500).map(|_| (r.uniform() * 5.0) as u8).collect();
    let pred: Vec<f32> = gold.iter().map(|&g| f32::from(g) + r.normal() as f32).collect();
    let gold64: Vec<f64> = gold.iter().map(|&g| f64::from(g)).collect();
    let pred64: Vec<f64> = pred.iter().map(|&p| f64::from(p)).collect();
    assert_eq!(simkern::spearman(&gold, &pred).unwrap(), simkern::spearman(&gold64, &pred64).unwrap());
    assert_eq!(
        simkern::kendall_tau_b(&gold, &pred).unwrap(),
        simkern::kendall_tau_b(&gold64, &pred64).unwrap()
    );
    assert_eq!(
        simkern::kendall_tau_c(&pred, &gold).unwrap(),
        simkern::kendall_tau_c(&pred64, &gold64).unwrap()
    );
    let p = simkern::pearson(&gold, &pred).unwrap();
    assert!((p - simkern::pearson(&gold64, &pred64).unwrap()).abs() <= 1e-15);
    assert_eq!(simkern::pearson(&pred, &pred64).unwrap(), 1.0); // f32 against f64
    let alt = simkern::Alternative::TwoSided;
    let (a, b) = (
        simkern::spearman_test(&gold, &pred, alt).unwrap(),
        simkern::spearman_test(&gold64, &pred64, alt).unwrap(),
    );
    assert_eq!(a, b);
    let (a, b) = (
        simkern::kendall_tau_b_test(&gold, &pred, alt).unwrap(),
        simkern::kendall_tau_b_test(&gold64, &pred64, alt).unwrap(),
    );
    assert_eq!(a, b);
    let (a, b) = (
        simkern::pearson_test(&gold, &pred, alt).unwrap(),
        simkern::pearson_test(&gold64, &pred64, alt).unwrap(),
    );
    assert!(
        (a.statistic - b.statistic).abs() <= 1e-15
            && (a.p_value - b.p_value).abs() <= 1e-12 * b.p_value.max(1e-300)
    );
    // NaN policies over mixed types.
    let with_nan = [1.0f32, f32::NAN, 3.0, 4.0];
    let ints = [4i32, 3, 2, 1];
    assert_eq!(simkern::spearman_with(&with_nan, &ints, simkern::NanPolicy::Omit).unwrap(), -1.0);
    assert!(simkern::spearman_with(&with_nan, &ints, simkern::NanPolicy::Raise).is_err());
}

/// `par_rank` on 1, 2 and 3 threads: the same ranks, bit for bit, as
/// `rank`, under every tie method — continuous values, runs of equal
/// values that straddle the parts (values `i / 50`, shuffled), several
/// integer types; and the inputs it hands to `rank` (few distinct values,
/// NaN, 64-bit keys, short ones). (Not on WASI: no threads.)
#[cfg(not(target_os = "wasi"))]
#[test]
fn par_rank_is_rank() {
    let n = 300_000;
    let x = values(44, n, 0, false);
    let order = simkern::rank(&values(45, n, 0, false), simkern::Ties::Ordinal).unwrap();
    let runs: Vec<f32> = order.iter().map(|&r| (r as usize / 50) as f32).collect();
    let ints: Vec<i32> = order.iter().map(|&r| r as i32 / 7 - 20_000).collect();
    let shorts: Vec<u16> = order.iter().map(|&r| (r as usize % 60_000) as u16).collect();
    let few: Vec<u8> = order.iter().map(|&r| r as u8).collect();
    let mut with_nan = x.clone();
    with_nan[777] = f32::NAN;
    let wide = widen(&x);
    let ties = [
        simkern::Ties::Average,
        simkern::Ties::Min,
        simkern::Ties::Max,
        simkern::Ties::Dense,
        simkern::Ties::Ordinal,
    ];
    for threads in 1..=3 {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            for t in ties {
                let same = |a: Vec<f64>, b: Vec<f64>, what: &str| {
                    assert!(
                        a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
                        "{threads} threads, {t:?}, {what}"
                    );
                    assert_eq!(a.len(), b.len());
                };
                same(simkern::par_rank(&x, t).unwrap(), simkern::rank(&x, t).unwrap(), "continuous");
                same(simkern::par_rank(&runs, t).unwrap(), simkern::rank(&runs, t).unwrap(), "runs");
                same(simkern::par_rank(&ints, t).unwrap(), simkern::rank(&ints, t).unwrap(), "i32");
                same(simkern::par_rank(&shorts, t).unwrap(), simkern::rank(&shorts, t).unwrap(), "u16");
                same(simkern::par_rank(&few, t).unwrap(), simkern::rank(&few, t).unwrap(), "few");
                same(simkern::par_rank(&wide, t).unwrap(), simkern::rank(&wide, t).unwrap(), "f64");
                same(
                    simkern::par_rank(&x[..1000], t).unwrap(),
                    simkern::rank(&x[..1000], t).unwrap(),
                    "short",
                );
            }
            assert!(simkern::par_rank(&with_nan, simkern::Ties::Average).unwrap().iter().all(|r| r.is_nan()));
            assert_eq!(simkern::par_rank::<f32>(&[], simkern::Ties::Min).unwrap(), Vec::<f64>::new());
        });
    }
}

/// `par_spearman` on 1, 2 and 3 threads: the same bits as `spearman`, on
/// continuous data (the radix path), tie-heavy data (the table path), mixed
/// argument types, NaN, and the errors. (Not on WASI, which has no threads
/// to run a pool on.)
#[cfg(not(target_os = "wasi"))]
#[test]
fn par_spearman_is_spearman() {
    let n = 40_000;
    let x = values(41, n, 0, false);
    let y: Vec<f32> = values(42, n, 0, false).iter().zip(&x).map(|(b, a)| b + a).collect();
    let ties: Vec<u8> = values(43, n, 7, false).iter().map(|v| (v + 4.0) as u8).collect();
    let mut with_nan = widen(&y);
    with_nan[123] = f64::NAN;
    for threads in 1..=3 {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
            let got = simkern::par_spearman(&x, &y).unwrap();
            assert!(same(got, simkern::spearman(&x, &y).unwrap()), "{threads} threads: {got}");
            let got = simkern::par_spearman(&ties, &x).unwrap();
            let want = simkern::spearman(&ties, &x).unwrap();
            assert!(same(got, want), "{threads} threads, ties: {got} vs {want}");
            assert!(simkern::par_spearman(&x, &with_nan).unwrap().is_nan());
            assert!(simkern::par_spearman(&x[..3], &y[..2]).is_err());
            assert!(simkern::par_spearman(&x[..1], &y[..1]).is_err());
        });
    }
}

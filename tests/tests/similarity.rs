//! Similarity kernels against the references, at every level this CPU
//! supports, forced one by one.

use proptest::prelude::*;
use simkern_core::Kernels;
use simkern_core::MatRef;
use simkern_core::similarity as sim;
use simkern_tests::data::{Dist, Rng, vec_f32, vec_f64};
use simkern_tests::levels::{levels, levels_and_blockings};
use simkern_tests::precision::check_fast_tier;
use simkern_tests::reference::{self as naive, dot_abs, gamma, widen};

const U64: f64 = f64::EPSILON / 2.0;
const U32: f64 = f32::EPSILON as f64 / 2.0;
/// Half the spacing of `f32` subnormals: the absolute rounding error below `f32::MIN_POSITIVE`.
const SUBNORMAL_HALF: f64 = 7.006_492_321_624_085e-46;

/// Rounding steps of the f64 accumulation for `n` elements: `n/8` per
/// accumulator lane, plus the head, tail and the two merge trees (see the
/// bound in `simkern_core::similarity`).
fn steps(n: usize) -> usize {
    n / 8 + 16
}

fn case_f32(seed: u64, dist: Dist, n: usize, offset: usize) -> (Vec<f32>, Vec<f32>) {
    let mut r = Rng::new(seed);
    let a = vec_f32(&mut r, dist, n + offset);
    let b = vec_f32(&mut r, dist, n + offset);
    (a, b)
}

fn check_f32(a: &[f32], b: &[f32]) {
    let (x, y) = (widen(a), widen(b));
    let exact = naive::dot_exact(&x, &y);
    let bound = gamma(steps(a.len()), U64) * dot_abs(&x, &y);
    let exact_l2 = naive::l2_squared(&x, &y);
    let exact_cos = naive::cosine(&x, &y);
    for &level in levels() {
        let wide = level.dot_f64(a, b).unwrap();
        assert!(
            (wide - exact).abs() <= bound,
            "{level:?} n={} dot {wide} vs {exact}, bound {bound}",
            a.len()
        );
        // The f32 result is the f64 sum rounded once.
        assert_eq!(level.dot(a, b).unwrap().to_bits(), (wide as f32).to_bits());

        let l2 = level.l2_squared(a, b).unwrap() as f64;
        // Relative rounding to f32, or half the smallest subnormal below its normal range.
        let l2_bound = gamma(steps(a.len()) + 2, U64) * exact_l2 + U32 * exact_l2 + SUBNORMAL_HALF;
        assert!((l2 - exact_l2).abs() <= l2_bound, "{level:?} l2 {l2} vs {exact_l2}");

        let cos = level.cosine(a, b).unwrap() as f64;
        assert!((-1.0..=1.0).contains(&cos));
        // |Σab| ≤ ‖a‖‖b‖, so the f64 error is O(k·u) absolute; then one f32 rounding.
        let cos_bound = U32 * exact_cos.abs() + gamma(steps(a.len()) + 8, U64) + f64::from(f32::MIN_POSITIVE);
        assert!((cos - exact_cos).abs() <= cos_bound, "{level:?} cos {cos} vs {exact_cos}");
    }
}

fn check_f64(a: &[f64], b: &[f64]) {
    let exact = naive::dot_exact(a, b);
    // One more rounding per element where the portable build lacks FMA.
    let k = steps(a.len()) + 1;
    let bound = gamma(k, U64) * dot_abs(a, b) * 2.0;
    let exact_l2 = naive::l2_squared(a, b);
    let exact_sq = naive::dot_exact(a, a);
    for &level in levels() {
        let got = level.dot(a, b).unwrap();
        assert!((got - exact).abs() <= bound, "{level:?} n={} dot {got} vs {exact}", a.len());
        let exact_cos = naive::cosine(a, b);
        let cos = level.cosine(a, b).unwrap();
        assert!((cos - exact_cos).abs() <= gamma(steps(a.len()) + 8, U64) * 2.0, "{level:?} cos");
        // Each difference rounds once (u), then the sum of squares as dot.
        let l2 = level.l2_squared(a, b).unwrap();
        assert!(
            (l2 - exact_l2).abs() <= (gamma(k, U64) * 2.0 + 3.0 * U64) * exact_l2,
            "{level:?} l2 {l2} vs {exact_l2}"
        );
        let sq = level.norm_squared(a);
        assert!(
            (sq - exact_sq).abs() <= gamma(k, U64) * 2.0 * exact_sq,
            "{level:?} norm² {sq} vs {exact_sq}"
        );
        // √ halves the relative error of the sum and rounds once more.
        let exact_norm = exact_sq.sqrt();
        let norm_bound = (gamma(k, U64) + U64) * exact_norm;
        let norm = level.norm(a);
        assert!((norm - exact_norm).abs() <= norm_bound, "{level:?} norm {norm} vs {exact_norm}");
        let mut u = a.to_vec();
        let n = level.normalize(&mut u);
        assert!((n - exact_norm).abs() <= norm_bound, "{level:?} normalize returned {n}");
        for (i, (&ui, &ai)) in u.iter().zip(a).enumerate() {
            // One correctly rounded division by the computed norm; a norm of
            // zero (a zero vector, or subnormals whose squares underflow)
            // leaves the input as it was, as the docs promise.
            let expected = if n == 0.0 { ai } else { ai / n };
            assert_eq!(ui.to_bits(), expected.to_bits(), "{level:?} normalized[{i}]");
        }
    }
}

fn dist() -> impl Strategy<Value = Dist> {
    prop::sample::select(Dist::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn f32_kernels_match_reference(seed: u64, d in dist(), n in 0usize..=3000, offset in 0usize..64) {
        let (a, b) = case_f32(seed, d, n, offset);
        check_f32(&a[offset..], &b[offset..]);
    }

    #[test]
    fn fast_tier_meets_its_bound(seed: u64, d in dist(), n in 0usize..=20_000, offset in 0usize..64) {
        let (a, b) = case_f32(seed, d, n, offset);
        check_fast_tier(&a[offset..], &b[offset..]);
    }

    #[test]
    fn f64_kernels_match_reference(seed: u64, d in dist(),
                                   n in 0usize..=3000, offset in 0usize..64) {
        let mut r = Rng::new(seed);
        let a = vec_f64(&mut r, d, n + offset);
        let b = vec_f64(&mut r, d, n + offset);
        check_f64(&a[offset..], &b[offset..]);
    }
}

/// The fast tier across many blocks (its bound does not grow with n) and
/// every tail length.
#[test]
fn fast_tier_on_long_inputs_and_every_tail() {
    let mut r = Rng::new(61);
    for n in [70_000usize, 300_001] {
        let (a, b) = (vec_f32(&mut r, Dist::Normal, n), vec_f32(&mut r, Dist::LogNormal, n));
        check_fast_tier(&a, &b);
    }
    let (a, b) = (vec_f32(&mut r, Dist::Normal, 1100), vec_f32(&mut r, Dist::Normal, 1100));
    for n in 0..=1100 {
        check_fast_tier(&a[..n], &b[..n]);
    }
    assert!(simkern::dot_fast(&[1.0], &[]).is_err());
    assert!(simkern::cosine_fast(&[1.0], &[]).is_err());
    assert!(simkern::l2_squared_fast(&[1.0], &[]).is_err());
    assert_eq!(simkern::cosine_fast(&[0.0; 5], &[1.0; 5]).unwrap(), 0.0);
    assert!(simkern::dot_fast(&[f32::NAN, 1.0], &[1.0, 1.0]).unwrap().is_nan());
}

/// The fast cosine at magnitudes where its plain `f32` sums of squares
/// overflow or underflow (|x| beyond ~1e15 or below ~1e-15): at SIMD levels
/// it hands those to the accurate tier; on targets without SIMD (the WASI
/// run) it sums the inputs scaled by powers of two in `f32`. Either way the
/// result keeps the fast tier's bound against the exact cosine of the
/// inputs as given.
#[test]
fn cosine_fast_at_every_magnitude() {
    let mut r = Rng::new(7);
    let k = sim::FAST_ROUNDINGS;
    let bound = 2.0 * gamma(k, U32) + 4.0 * U32 + 1e-30;
    for &scale in &[2f32.powi(-140), 1e-30, 1e-20, 1e20, 1e30, 2f32.powi(120)] {
        for n in [1usize, 7, 64, 1000] {
            let a: Vec<f32> = vec_f32(&mut r, Dist::Normal, n).iter().map(|v| v * scale).collect();
            let b: Vec<f32> = vec_f32(&mut r, Dist::Normal, n).iter().map(|v| v * scale).collect();
            let exact = naive::cosine(&widen(&a), &widen(&b));
            for &level in levels() {
                let got = f64::from(level.cosine_fast(&a, &b).unwrap());
                assert!((got - exact).abs() <= bound, "{level:?} scale {scale:e} n={n}: {got} vs {exact}");
            }
        }
    }
    for &level in levels() {
        assert_eq!(level.cosine_fast(&[0.0; 3], &[1e30; 3]).unwrap(), 0.0);
        assert!(level.cosine_fast(&[f32::INFINITY, 1e30], &[1e30, 1e30]).unwrap().is_nan());
        assert!(level.cosine_fast(&[f32::NAN, 1e-30], &[1e-30, 1e-30]).unwrap().is_nan());
    }
}

#[test]
fn every_tail_length_and_offset() {
    // Every length 0..=200 (all tails mod 64 several times over) at every
    // offset 0..64 of the first input and a different one of the second.
    let mut r = Rng::new(42);
    let a = vec_f32(&mut r, Dist::Normal, 300);
    let b = vec_f32(&mut r, Dist::Normal, 300);
    for n in 0..=200 {
        for off in 0..64 {
            let off_b = (off * 7 + 3) % 64;
            check_f32(&a[off..off + n], &b[off_b..off_b + n]);
        }
    }
}

#[test]
fn normalize_gives_unit_vectors_at_every_level() {
    let mut r = Rng::new(9);
    for n in [1usize, 3, 17, 64, 767, 1000] {
        let x = vec_f32(&mut r, Dist::LogNormal, n);
        for &level in levels() {
            let mut y = x.clone();
            let norm = level.normalize(&mut y);
            let exact = naive::dot_exact(&widen(&x), &widen(&x)).sqrt();
            assert!((norm as f64 - exact).abs() <= U32 * exact);
            for (yi, xi) in y.iter().zip(&x) {
                assert_eq!(*yi, xi / norm, "division per element, correctly rounded");
            }
        }
    }
    for &level in levels() {
        let mut z = vec![0.0f64; 33];
        assert_eq!(level.normalize(&mut z), 0.0);
        assert!(z.iter().all(|&v| v == 0.0));
    }
}

/// Cosine, norm and normalize of `f64` vectors are right at every
/// magnitude: scaled by 2ᵏ (exact while the elements stay normal) a vector
/// keeps its cosine and its unit vector, and its norm scales by 2ᵏ —
/// also where the plain sums of squares overflow (k ≥ 512) or underflow
/// (k ≤ −512), which gave NaN, 0 or ∞ before.
#[test]
fn f64_similarity_is_scale_invariant_over_the_whole_range() {
    let mut r = Rng::new(77);
    for n in [1usize, 2, 7, 64, 300] {
        // Elements in [2⁻²⁰, 8]-ish magnitudes so that 2ᵏ·v stays normal.
        let v: Vec<f64> = vec_f64(&mut r, Dist::Normal, n).iter().map(|x| x + x.signum() * 1e-6).collect();
        let w: Vec<f64> = vec_f64(&mut r, Dist::Normal, n).iter().map(|x| x + x.signum() * 1e-6).collect();
        let exact_cos = naive::cosine(&v, &w);
        let exact_norm = naive::dot_exact(&v, &v).sqrt();
        let bound = gamma(steps(n) + 8, U64) * 2.0;
        for k in [-1000, -700, -600, -513, -300, 0, 300, 511, 512, 600, 900, 1000] {
            let c = 2f64.powi(k);
            let (a, b): (Vec<f64>, Vec<f64>) =
                (v.iter().map(|x| x * c).collect(), w.iter().map(|x| x * c).collect());
            for &level in levels() {
                let cos = level.cosine(&a, &b).unwrap();
                assert!((cos - exact_cos).abs() <= bound, "{level:?} n={n} k={k}: cos {cos} vs {exact_cos}");
                let norm = level.norm(&a) / c;
                assert!(
                    (norm - exact_norm).abs() <= bound * exact_norm,
                    "{level:?} n={n} k={k}: norm {norm}"
                );
                let mut u = a.clone();
                let got = level.normalize(&mut u) / c;
                assert!((got - exact_norm).abs() <= bound * exact_norm, "{level:?} k={k}: normalize {got}");
                for (ui, vi) in u.iter().zip(&v) {
                    assert!((ui - vi / exact_norm).abs() <= bound, "{level:?} n={n} k={k}: unit {ui}");
                }
            }
        }
    }
    for &level in levels() {
        // The smallest subnormal: its square underflows, its norm does not.
        let tiny = [f64::from_bits(1)];
        assert_eq!(level.norm(&tiny), tiny[0]);
        let mut u = tiny;
        assert_eq!(level.normalize(&mut u), tiny[0]);
        assert_eq!(u, [1.0]);
        assert_eq!(level.cosine(&tiny, &[-3.0 * tiny[0]]).unwrap(), -1.0);
        // ‖(10³⁰⁸, 10³⁰⁸)‖ = 1.41e308 is finite; its unit vector is (1/√2, 1/√2).
        let big = [1e308f64, 1e308];
        assert_eq!(level.norm(&big), 1e308 * 2f64.sqrt());
        let mut u = big;
        level.normalize(&mut u);
        assert!(u.iter().all(|&x| (x - 0.5f64.sqrt()).abs() <= 2.0 * U64));
        // Beyond f64::MAX the norm is +∞ and the vector still normalises.
        let mut u = [f64::MAX, f64::MAX];
        assert_eq!(level.normalize(&mut u), f64::INFINITY);
        assert!(u.iter().all(|&x| (x - 0.5f64.sqrt()).abs() <= 2.0 * U64));
        // Zero vectors: cosine 0, norm 0, left as they are; ∞: NaN cosine, ∞ norm.
        assert_eq!(level.cosine(&[0.0f64; 3], &[1.0, 2.0, 3.0]).unwrap(), 0.0);
        assert_eq!(level.norm(&[0.0f64; 3]), 0.0);
        assert!(level.cosine(&[f64::INFINITY, 1.0], &[1.0, 1.0]).unwrap().is_nan());
        // A zero vector gives 0 even against ∞ or NaN (found by the fuzz target).
        assert_eq!(level.cosine(&[f64::INFINITY, 1.0], &[0.0, 0.0]).unwrap(), 0.0);
        assert_eq!(level.cosine(&[0.0f32, 0.0], &[f32::NAN, 1.0]).unwrap(), 0.0);
        assert_eq!(level.norm(&[f64::INFINITY, 1.0]), f64::INFINITY);
    }
}

#[test]
fn special_values() {
    for &level in levels() {
        let nan = [1.0f32, f32::NAN, 2.0];
        let one = [1.0f32; 3];
        assert!(level.dot(&nan, &one).unwrap().is_nan());
        assert!(level.cosine(&nan, &one).unwrap().is_nan());
        assert!(level.l2_squared(&nan, &one).unwrap().is_nan());
        let inf = [f32::INFINITY, 1.0, 1.0];
        assert_eq!(level.dot(&inf, &one).unwrap(), f32::INFINITY);
        assert!(level.dot(&inf, &[0.0, 1.0, 1.0]).unwrap().is_nan(), "∞·0 is NaN");
        let empty: [f32; 0] = [];
        assert_eq!(level.dot(&empty, &empty).unwrap(), 0.0);
        assert_eq!(level.cosine(&empty, &empty).unwrap(), 0.0);
        assert_eq!(level.l2_squared(&empty, &empty).unwrap(), 0.0);
        assert_eq!(level.cosine(&[0.0f32; 5], &[1.0; 5]).unwrap(), 0.0);
        // cos(x, x) is exactly 1 after clamping, whatever the rounding.
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        assert_eq!(level.cosine(&x, &x).unwrap(), 1.0);
        // f32 overflow of the rounded result, not of the f64 accumulator.
        let big = [3e38f32, 3e38];
        assert_eq!(level.dot_f64(&big, &[1.0, 1.0]).unwrap(), 2.0 * f64::from(3e38f32));
        assert_eq!(level.dot(&big, &[1.0, 1.0]).unwrap(), f32::INFINITY);
    }
}

#[test]
fn length_mismatch_is_an_error_everywhere() {
    let a = [0.0f32; 768];
    let b = [0.0f32; 767];
    let msg = "length mismatch: a has 768 elements, b has 767";
    assert_eq!(simkern::dot(&a, &b).unwrap_err().to_string(), msg);
    assert_eq!(simkern::cosine(&a, &b).unwrap_err().to_string(), msg);
    assert_eq!(simkern::l2_squared(&a, &b).unwrap_err().to_string(), msg);
    let mismatch =
        |left_len, right_len| simkern::Error::LengthMismatch { left: "a", left_len, right: "b", right_len };
    for &level in levels() {
        assert_eq!(level.dot(&a, &b), Err(mismatch(768, 767)));
        assert_eq!(level.dot_f64(&a, &b), Err(mismatch(768, 767)));
        assert_eq!(level.l2_squared(&a, &b), Err(mismatch(768, 767)));
        assert_eq!(level.cosine(&a[..1], &b), Err(mismatch(1, 767)));
    }
    let missing = if cfg!(target_arch = "x86_64") { simkern::Level::Neon } else { simkern::Level::Avx512 };
    let refused = simkern::Error::LevelUnavailable { level: missing };
    // A level this CPU lacks has no handle: no kernel can run there.
    assert_eq!(Kernels::new(missing), Err(refused));
}

fn check_matrix(n: usize, m: usize, d: usize, seed: u64) {
    check_matrix_of(n, m, d, seed, Dist::Normal);
}

fn check_matrix_of(n: usize, m: usize, d: usize, seed: u64, dist: Dist) {
    let mut r = Rng::new(seed);
    let q = vec_f32(&mut r, dist, n * d);
    let k = vec_f32(&mut r, dist, m * d);
    let (qx, kx) = (widen(&q), widen(&k));
    let exact = naive::similarity_matrix(&qx, &kx, d);
    let mut abs = Vec::new();
    for qi in qx.chunks_exact(d) {
        for kj in kx.chunks_exact(d) {
            abs.push(dot_abs(qi, kj));
        }
    }
    for level in levels_and_blockings() {
        let got = simkern::similarity_matrix_on(level, &q, &k, d).unwrap();
        assert_eq!(got.len(), n * m);
        for (idx, ((&g, &e), &s)) in got.iter().zip(&exact).zip(&abs).enumerate() {
            // f32 accumulation (as BLAS); below the normal range each step
            // rounds by up to half a subnormal spacing.
            let bound = gamma(d + 2, U32) * s + (d + 2) as f64 * SUBNORMAL_HALF;
            assert!(
                (g as f64 - e).abs() <= bound,
                "{level:?} {n}x{m}x{d} entry ({}, {}): {g} vs {e}",
                idx / m,
                idx % m
            );
        }
    }
}

#[test]
fn similarity_matrix_odd_shapes() {
    for (i, &(n, m, d)) in [
        (1, 1, 1),
        (7, 13, 5),
        (65, 33, 129),
        (13, 1, 300),
        (1, 97, 257),
        (25, 40, 513),
        (150, 35, 17),
        (3, 1600, 9),
        (20, 50, 800),
        (5, 7, 1601),
        (170, 1540, 3),
    ]
    .iter()
    .enumerate()
    {
        check_matrix(n, m, d, i as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn similarity_matrix_random_shapes(n in 1usize..40, m in 1usize..70, d in 1usize..300, seed: u64, dist in dist()) {
        check_matrix_of(n, m, d, seed, dist);
    }
}

/// A row-major matrix (`rows × dim`) stored with other strides: each
/// layout's slice and strides.
fn layouts(x: &[f32], rows: usize, dim: usize) -> Vec<(&'static str, Vec<f32>, usize, usize)> {
    let at = |i: usize, j: usize| x[i * dim + j];
    let mut column_major = vec![0.0f32; rows * dim];
    let mut padded = vec![f32::NAN; rows * (dim + 3)];
    let mut stepped = vec![f32::NAN; (rows * 2) * (dim * 2)];
    for i in 0..rows {
        for j in 0..dim {
            column_major[j * rows + i] = at(i, j);
            padded[i * (dim + 3) + j] = at(i, j);
            stepped[i * 4 * dim + 2 * j + 1] = at(i, j);
        }
    }
    let stepped = stepped[1..].to_vec();
    vec![
        ("row-major", x.to_vec(), dim, 1),
        ("column-major", column_major, 1, rows),
        ("rows padded by 3 NaN", padded, dim + 3, 1),
        ("every other row and column", stepped, 4 * dim, 2),
    ]
}

/// The strided form at every level and blocking, bit for bit the
/// row-major one, for every pair of layouts (column-major, padded rows,
/// stepped rows and columns) and a repeated row (row stride 0); a view
/// that reaches past its slice is an error.
#[test]
fn strided_operands_give_the_row_major_bits() {
    use simkern_core::StridedMatRef;
    let mut r = Rng::new(77);
    for (n, m, d) in [(1, 1, 1), (7, 13, 5), (37, 70, 129), (130, 9, 33)] {
        let q = vec_f32(&mut r, Dist::Normal, n * d);
        let k = vec_f32(&mut r, Dist::Normal, m * d);
        for level in levels_and_blockings() {
            let want = simkern::similarity_matrix_on(level, &q, &k, d).unwrap();
            let mut scratch = vec![0.0f32; level.similarity_matrix_scratch_len(n, m, d)];
            for (q_name, qs, q_rs, q_cs) in layouts(&q, n, d) {
                for (k_name, ks, k_rs, k_cs) in layouts(&k, m, d) {
                    let qv = StridedMatRef::new(&qs, n, d, q_rs, q_cs).unwrap();
                    let kv = StridedMatRef::new(&ks, m, d, k_rs, k_cs).unwrap();
                    let mut out = vec![0.0f32; n * m];
                    level.similarity_matrix_strided_into(qv, kv, &mut out, &mut scratch).unwrap();
                    let ctx = format!("{level:?} {n}x{m}x{d}: q {q_name}, k {k_name}");
                    assert_eq!(
                        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "{ctx}"
                    );
                }
            }
            // Row stride 0: the first query row n times.
            let rep = StridedMatRef::new(&q[..d], n, d, 0, 1).unwrap();
            let mut out = vec![0.0f32; n * m];
            level
                .similarity_matrix_strided_into(
                    rep,
                    MatRef::new(&k, d).unwrap().into(),
                    &mut out,
                    &mut scratch,
                )
                .unwrap();
            for row in out.chunks_exact(m) {
                assert_eq!(row, &want[..m], "{level:?} {n}x{m}x{d}: repeated row");
            }
        }
        let e = StridedMatRef::new(&q, n, d, d + 1, 1);
        assert!(n == 1 || matches!(e, Err(simkern::Error::ViewOutOfBounds { .. })), "{e:?}");
    }
    let both = StridedMatRef::new(&[1.0f32, 3.0, 2.0, 4.0], 2, 2, 1, 2).unwrap();
    assert_eq!(simkern::similarity_matrix_strided(both, both).unwrap(), vec![5.0, 11.0, 11.0, 25.0]);
    let narrow = StridedMatRef::new(&[1.0f32; 3], 1, 3, 3, 1).unwrap();
    assert!(matches!(
        simkern::similarity_matrix_strided(both, narrow),
        Err(simkern::Error::DimMismatch { .. })
    ));
}

#[test]
fn similarity_matrix_bad_input() {
    let q = [0.0f32; 12];
    assert!(matches!(simkern::similarity_matrix(&q, &q, 0), Err(simkern::Error::ZeroDimension)));
    assert_eq!(
        simkern::similarity_matrix(&q, &q[..10], 4).unwrap_err().to_string(),
        "k has 10 elements, which is not a multiple of dim = 4"
    );
    assert_eq!(simkern::similarity_matrix(&[], &q, 4).unwrap(), Vec::<f32>::new());
    let nan = [f32::NAN, 1.0];
    let s = simkern::similarity_matrix(&nan, &[1.0, 1.0, 2.0, 2.0], 2).unwrap();
    assert!(s.iter().all(|v| v.is_nan()));

    // The core API checks its buffers.
    let qm = MatRef::new(&q, 4).unwrap();
    let km = MatRef::new(&q[..8], 4).unwrap();
    let mut out = [0.0f32; 6];
    let mut small = [0.0f32; 3];
    assert!(matches!(
        sim::similarity_matrix_into(qm, km, &mut out, &mut small),
        Err(simkern::Error::ScratchTooSmall { got: 3, .. })
    ));
    let mut scratch = vec![0.0f32; sim::similarity_matrix_scratch_len(3, 2, 4)];
    assert!(matches!(
        sim::similarity_matrix_into(qm, km, &mut out[..5], &mut scratch),
        Err(simkern::Error::OutputSize { needed: 6, got: 5 })
    ));
    let k3 = MatRef::new(&q, 3).unwrap();
    assert!(matches!(
        sim::similarity_matrix_into(qm, k3, &mut out, &mut scratch),
        Err(simkern::Error::DimMismatch { left: "q", left_dim: 4, right: "k", right_dim: 3 })
    ));
}

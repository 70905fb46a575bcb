//! Storage types: `dot`, `cosine`, `l2_squared` over `half::f16`,
//! `half::bf16` (the fast tier, at every level, against the exact sums of
//! the exactly widened values and its bound) and `i8` (exact integers),
//! over every tail length, offset and value distribution; the similarity
//! matrix of each type against the f32 engine on widened inputs (f16, bit
//! for bit), its bound at every level (bf16: the AMX tiles included) or
//! exact integers; bad input.

use proptest::prelude::*;
use simkern::half::{bf16, f16};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::levels;
use simkern_tests::precision::check_fast_tier;
use simkern_tests::reference as naive;

const U32: f64 = f32::EPSILON as f64 / 2.0;

/// The half types through the std API (the fast tier at the best level,
/// bit for bit) and at every level against the fast tier's bound.
fn check_half<T>(a: &[T], b: &[T])
where
    T: simkern::Element<Sum = f32, Cosine = f32> + simkern_core::FastElement,
{
    check_fast_tier(a, b);
    let best = simkern::Kernels::best();
    assert_eq!(simkern::dot(a, b).unwrap().to_bits(), best.dot_fast(a, b).unwrap().to_bits());
    assert_eq!(simkern::l2_squared(a, b).unwrap().to_bits(), best.l2_squared_fast(a, b).unwrap().to_bits());
    assert_eq!(simkern::cosine(a, b).unwrap().to_bits(), best.cosine_fast(a, b).unwrap().to_bits());
}

/// Both half types of the same f32 values (rounded to nearest), or `None`
/// for a type the values overflow.
fn halves(x: &[f32]) -> (Option<Vec<f16>>, Option<Vec<bf16>>) {
    let h: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
    let b: Vec<bf16> = x.iter().map(|&v| bf16::from_f32(v)).collect();
    (h.iter().all(|v| v.is_finite()).then_some(h), b.iter().all(|v| v.is_finite()).then_some(b))
}

#[test]
fn half_types_meet_the_fast_bound_at_every_tail() {
    let mut r = Rng::new(8);
    for &d in &Dist::ALL {
        for n in (0usize..=80).chain([511, 512, 513, 2047, 2048, 2049, 3000, 70_000]) {
            let (fa, fb) = (vec_f32(&mut r, d, n), vec_f32(&mut r, d, n));
            let ((ha, ba), (hb, bb)) = (halves(&fa), halves(&fb));
            if let (Some(a), Some(b)) = (ha, hb) {
                check_half(&a, &b);
            }
            if let (Some(a), Some(b)) = (ba, bb) {
                check_half(&a, &b);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Every length and alignment offset, every distribution.
    #[test]
    fn half_types_match_the_reference(seed: u64, d in prop::sample::select(Dist::ALL.to_vec()),
                                      n in 0usize..=5000, offset in 0usize..40) {
        let mut r = Rng::new(seed);
        let (fa, fb) = (vec_f32(&mut r, d, n + offset), vec_f32(&mut r, d, n + offset));
        let ((ha, ba), (hb, bb)) = (halves(&fa), halves(&fb));
        if let (Some(a), Some(b)) = (ha, hb) {
            check_half(&a[offset..], &b[offset..]);
        }
        if let (Some(a), Some(b)) = (ba, bb) {
            check_half(&a[offset..], &b[offset..]);
        }
    }
}

/// Special values: NaN and ∞ propagate, a zero vector has cosine 0, and
/// bf16's f32-sized range is handled by the fast cosine's scaled sums.
#[test]
fn half_types_special_values() {
    for &level in levels() {
        let nan = [bf16::NAN, bf16::ONE];
        assert!(level.dot_fast(&nan, &[bf16::ONE; 2]).unwrap().is_nan());
        assert!(level.cosine_fast(&nan, &[bf16::ONE; 2]).unwrap().is_nan());
        assert_eq!(level.cosine_fast(&[f16::ZERO; 40], &[f16::ONE; 40]).unwrap(), 0.0);
        let inf = [f16::INFINITY; 33];
        assert_eq!(level.dot_fast(&inf, &[f16::ONE; 33]).unwrap(), f32::INFINITY);
        // (On targets without SIMD the compensated totals must not turn ∞ into NaN.)
        assert_eq!(level.dot_fast(&[f32::INFINITY; 33], &[1.0f32; 33]).unwrap(), f32::INFINITY);
        // Squares beyond f32's range: the cosine of parallel vectors is 1.
        let big = [bf16::from_f32(1e30), bf16::from_f32(2e30), bf16::from_f32(-3e30)];
        let c = level.cosine_fast(&big, &big).unwrap();
        assert!((c - 1.0).abs() <= 4.0 * f32::EPSILON, "{level:?}: {c}");
        let tiny = [bf16::from_f32(1e-30), bf16::from_f32(-2e-30)];
        let c = level.cosine_fast(&tiny, &tiny).unwrap();
        assert!((c - 1.0).abs() <= 4.0 * f32::EPSILON, "{level:?}: {c}");
        assert!(level.dot_fast(&[bf16::ONE; 3], &[bf16::ONE; 2]).is_err());
    }
    // Subnormal bf16 (which `vdpbf16ps` counts as zero, within its
    // documented extra term) beside normal ones, and their cosine (whose
    // tiny sums take the scaled path: right at every level).
    let sub: Vec<bf16> = (0..100).map(|i| bf16::from_bits(1 + i % 7)).collect();
    let mixed: Vec<bf16> = (0..100).map(|i| if i % 3 == 0 { bf16::from_f32(0.5) } else { sub[i] }).collect();
    check_half(&sub, &[bf16::ONE; 100]);
    check_half(&mixed, &sub);
    check_half(&mixed, &mixed);
    for &level in levels() {
        let c = level.cosine_fast(&sub, &sub).unwrap();
        assert!((c - 1.0).abs() <= 4.0 * f32::EPSILON, "{level:?}: {c}");
    }
}

/// `i8` sums at every level against exact `i64` references, and the std
/// API against the best level.
fn check_i8(a: &[i8], b: &[i8]) {
    let dot: i64 = a.iter().zip(b).map(|(&x, &y)| i64::from(x) * i64::from(y)).sum();
    let l2: i64 = a.iter().zip(b).map(|(&x, &y)| (i64::from(x) - i64::from(y)).pow(2)).sum();
    let (x, y): (Vec<f64>, Vec<f64>) =
        (a.iter().map(|&v| f64::from(v)).collect(), b.iter().map(|&v| f64::from(v)).collect());
    let exact_cos = naive::cosine(&x, &y);
    let n = a.len();
    for &level in levels() {
        assert_eq!(level.dot_i8(a, b).unwrap(), dot, "{level:?} n={n}");
        assert_eq!(level.l2_squared_i8(a, b).unwrap(), l2, "{level:?} n={n}");
        let cos = f64::from(level.cosine_i8(a, b).unwrap());
        assert!((cos - exact_cos).abs() <= 4.0 * U32, "{level:?} n={n}: {cos} vs {exact_cos}");
    }
    assert_eq!(simkern::dot(a, b).unwrap(), dot);
    assert_eq!(simkern::l2_squared(a, b).unwrap(), l2);
    assert_eq!(simkern::cosine(a, b).unwrap(), simkern::Kernels::best().cosine_i8(a, b).unwrap());
}

fn random_i8(r: &mut Rng, n: usize) -> Vec<i8> {
    (0..n).map(|_| (r.uniform() * 256.0 - 128.0).floor() as i8).collect()
}

#[test]
fn i8_sums_are_exact_at_every_level() {
    let mut r = Rng::new(9);
    for n in (0usize..=300).chain([1000, 4096, 4097, 70_000]) {
        let (a, b) = (random_i8(&mut r, n + 7), random_i8(&mut r, n + 7));
        check_i8(&a[..n], &b[..n]);
        check_i8(&a[7..], &b[7..]);
    }
    // The extremes: 128² per product, and 255² per squared difference, over
    // lengths that cross an i32 lane's range many times over and the
    // blocks after which the lanes go into i64.
    for n in [64, 1 << 17, (1 << 22) + 3] {
        let (lo, hi) = (vec![-128i8; n], vec![127i8; n]);
        check_i8(&lo, &lo);
        check_i8(&lo, &hi);
    }
    assert_eq!(simkern::dot(&vec![-128i8; 1 << 17], &vec![-128; 1 << 17]).unwrap(), 16384 << 17);
    for &level in levels() {
        assert!(level.dot_i8(&[1, 2], &[1]).is_err());
        assert!(level.l2_squared_i8(&[1], &[]).is_err());
        assert!(level.cosine_i8(&[], &[1]).is_err());
        assert_eq!(level.cosine_i8(&[0; 70], &[1; 70]).unwrap(), 0.0);
        assert_eq!(level.dot_i8(&[], &[]).unwrap(), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Every length and offset.
    #[test]
    fn i8_kernels_match_the_reference(seed: u64, n in 0usize..=5000, offset in 0usize..64) {
        let mut r = Rng::new(seed);
        let (a, b) = (random_i8(&mut r, n + offset), random_i8(&mut r, n + offset));
        check_i8(&a[offset..], &b[offset..]);
    }
}

#[test]
fn similarity_matrix_of_every_storage_type() {
    let mut r = Rng::new(10);
    let (n, m, d) = (7, 13, 33);
    let (q, k) = (vec_f32(&mut r, Dist::Normal, n * d), vec_f32(&mut r, Dist::Normal, m * d));
    let (hq, hk): (Vec<f16>, Vec<f16>) =
        (q.iter().map(|&v| f16::from_f32(v)).collect(), k.iter().map(|&v| f16::from_f32(v)).collect());
    let wide = |h: &[f16]| h.iter().map(|v| v.to_f32()).collect::<Vec<f32>>();
    assert_eq!(
        simkern::similarity_matrix(&hq, &hk, d).unwrap(),
        simkern::similarity_matrix(&wide(&hq), &wide(&hk), d).unwrap()
    );
    let (bq, bk): (Vec<bf16>, Vec<bf16>) =
        (q.iter().map(|&v| bf16::from_f32(v)).collect(), k.iter().map(|&v| bf16::from_f32(v)).collect());
    // (bf16: its own test below, against the bound.)
    assert_eq!(simkern::similarity_matrix(&bq, &bk, d).unwrap().len(), n * m);
    let (iq, ik): (Vec<i8>, Vec<i8>) =
        (q.iter().map(|&v| (v * 40.0) as i8).collect(), k.iter().map(|&v| (v * 40.0) as i8).collect());
    let s = simkern::similarity_matrix(&iq, &ik, d).unwrap();
    for i in 0..n {
        for j in 0..m {
            let want: i32 = (0..d).map(|c| i32::from(iq[i * d + c]) * i32::from(ik[j * d + c])).sum();
            assert_eq!(s[i * m + j], want);
        }
    }
    // Bad input.
    assert!(simkern::dot(&hq[..3], &hq[..2]).is_err());
    assert!(simkern::cosine(&iq[..3], &iq[..2]).is_err());
    assert!(simkern::similarity_matrix(&iq, &ik, 0).is_err());
    assert!(simkern::similarity_matrix(&iq[..5], &ik, d).is_err());
    assert!(simkern::similarity_matrix(&vec![1i8; 1 << 17], &vec![1i8; 1 << 17], 1 << 17).is_err());
}

/// The bf16 similarity matrix at every level and blocking (the AMX tiles
/// where the CPU has them, the widened blocks on the f32 engine
/// elsewhere): every entry against the exact sum of the exactly widened
/// values within `γ_{d+1} · Σ|q k|` (plus `2⁻¹²⁶ · Σ(1 + |q| + |k|)` for
/// the tiles' flush of subnormal inputs and results to zero), over every
/// value distribution; shapes across the tile groups (32), steps of
/// `k` (32), packed key blocks (32 keys under the tiny blockings) and the
/// widened blocks (256 rows); and through the std API at the best level.
/// `bf16` keys packed once for the tiles score as the tiles' matrix, bit
/// for bit (shapes across query and key groups and steps); a level
/// without tiles refuses; buffers of the wrong size are errors.
#[test]
fn packed_bf16_keys_score_as_the_tiles_matrix() {
    use simkern_core::MatRef;
    let mut r = Rng::new(13);
    for &level in levels() {
        for (n, m, d) in [(1, 1, 1), (31, 33, 33), (32, 64, 64), (70, 97, 100), (5, 300, 768)] {
            let brain = |x: Vec<f32>| x.into_iter().map(bf16::from_f32).collect::<Vec<_>>();
            let (q, k) =
                (brain(vec_f32(&mut r, Dist::Normal, n * d)), brain(vec_f32(&mut r, Dist::Normal, m * d)));
            let (qm, km) = (MatRef::new(&q, d).unwrap(), MatRef::new(&k, d).unwrap());
            let mut buf = vec![0.0f32; level.packed_bf16_keys_len(m, d)];
            let packed = level.pack_bf16_keys(km, &mut buf).unwrap();
            let mut out = vec![0.0f32; n * m];
            let mut scratch = vec![0.0f32; level.bf16_scores_scratch_len(d)];
            let got = level.bf16_scores_into(qm, &packed, &mut out, &mut scratch);
            if level.level() != simkern::Level::Amx {
                assert!(matches!(got, Err(simkern::Error::LevelUnavailable { .. })), "{level:?}: {got:?}");
                continue;
            }
            got.unwrap();
            let mut want = vec![0.0f32; n * m];
            let mut s2 = vec![0.0f32; level.similarity_matrix_bf16_scratch_len(n, m, d)];
            level.similarity_matrix_bf16_into(qm, km, &mut want, &mut s2).unwrap();
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&out), bits(&want), "{n}x{m}x{d}");
            let again = level.packed_bf16_keys(m, d, &buf).unwrap();
            level.bf16_scores_into(qm, &again, &mut out, &mut scratch).unwrap();
            assert_eq!(bits(&out), bits(&want), "{n}x{m}x{d} reopened");
            let short = scratch.len() - 1;
            assert!(level.bf16_scores_into(qm, &again, &mut out, &mut scratch[..short]).is_err());
            assert!(level.bf16_scores_into(qm, &again, &mut out[1..], &mut scratch).is_err());
            assert!(level.packed_bf16_keys(m + 32, d, &buf).is_err());
            if d > 1 {
                let other = MatRef::new(&q[..d - 1], d - 1).unwrap();
                assert!(level.bf16_scores_into(other, &again, &mut out[..m], &mut scratch).is_err());
            }
        }
    }
}

#[test]
fn bf16_similarity_matrix_meets_its_bound_at_every_level() {
    let mut r = Rng::new(12);
    let shapes = [
        (1, 1, 1),
        (2, 3, 2),
        (31, 33, 31),
        (32, 32, 32),
        (33, 65, 33),
        (64, 96, 64),
        (7, 100, 768),
        (40, 70, 100),
        (65, 300, 40),
        (257, 40, 3),
    ];
    for (n, m, d) in shapes {
        for dist in Dist::ALL {
            let q: Vec<bf16> = vec_f32(&mut r, dist, n * d).into_iter().map(bf16::from_f32).collect();
            let k: Vec<bf16> = vec_f32(&mut r, dist, m * d).into_iter().map(bf16::from_f32).collect();
            let (qw, kw) = (naive::widen(&q), naive::widen(&k));
            let want = naive::similarity_matrix(&qw, &kw, d);
            let check = |got: &[f32], what: &str| {
                assert_eq!(got.len(), n * m);
                for (e, (&g, &w)) in got.iter().zip(&want).enumerate() {
                    let (i, j) = (e / m, e % m);
                    let (qi, kj) = (&qw[i * d..][..d], &kw[j * d..][..d]);
                    let flushed: f64 = qi.iter().zip(kj).map(|(a, b)| 1.0 + a.abs() + b.abs()).sum();
                    let bound = naive::gamma(d + 1, U32) * naive::dot_abs(qi, kj) + flushed * 2f64.powi(-126);
                    assert!(
                        (f64::from(g) - w).abs() <= bound,
                        "{what} {n}x{m}x{d} ({i}, {j}): {g} vs {w}, bound {bound}"
                    );
                }
            };
            let (qm, km) = (simkern::MatRef::new(&q, d).unwrap(), simkern::MatRef::new(&k, d).unwrap());
            for kern in simkern_tests::levels::levels_and_blockings() {
                let mut out = vec![f32::NAN; n * m];
                let mut scratch = vec![f32::NAN; kern.similarity_matrix_bf16_scratch_len(n, m, d)];
                kern.similarity_matrix_bf16_into(qm, km, &mut out, &mut scratch).unwrap();
                check(&out, &format!("{:?} {:?}", kern.level(), kern.blocking()));
            }
            check(&simkern::similarity_matrix(&q, &k, d).unwrap(), "std");
        }
    }
    // Bad input: shapes, output and scratch sizes.
    let kern = simkern::Kernels::best();
    let q = vec![bf16::ONE; 6];
    let (q3, q2) = (simkern::MatRef::new(&q, 3).unwrap(), simkern::MatRef::new(&q, 2).unwrap());
    let mut scratch = vec![0.0f32; kern.similarity_matrix_bf16_scratch_len(2, 2, 3)];
    assert!(matches!(
        kern.similarity_matrix_bf16_into(q3, q2, &mut [0.0; 6], &mut scratch),
        Err(simkern::Error::DimMismatch { .. })
    ));
    assert!(matches!(
        kern.similarity_matrix_bf16_into(q3, q3, &mut [0.0; 3], &mut scratch),
        Err(simkern::Error::OutputSize { .. })
    ));
    assert!(matches!(
        kern.similarity_matrix_bf16_into(q3, q3, &mut [0.0; 4], &mut []),
        Err(simkern::Error::ScratchTooSmall { .. })
    ));
    let mut out = [0.0f32; 4];
    kern.similarity_matrix_bf16_into(q3, q3, &mut out, &mut scratch).unwrap();
    assert_eq!(out, [3.0; 4]);
}

/// The i8 similarity matrix is exact on both of its paths: rows of at most
/// 2¹⁰ through the f32 engine (the extremes ±2²⁴ at d = 2¹⁰ included),
/// longer rows pair by pair; shapes across the engine's register and cache
/// blocks; every entry against the i32 sum.
#[test]
fn i8_similarity_matrix_is_exact_on_both_paths() {
    let mut r = Rng::new(11);
    let naive = |q: &[i8], k: &[i8], d: usize| -> Vec<i32> {
        q.chunks_exact(d)
            .flat_map(|qi| {
                k.chunks_exact(d)
                    .map(move |kj| qi.iter().zip(kj).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum())
            })
            .collect()
    };
    for (n, m, d) in [(1, 1, 1), (5, 17, 64), (33, 70, 384), (9, 130, 1024), (4, 6, 1025), (3, 5, 1500)] {
        let (q, k) = (random_i8(&mut r, n * d), random_i8(&mut r, m * d));
        assert_eq!(simkern::similarity_matrix(&q, &k, d).unwrap(), naive(&q, &k, d), "{n}x{m}x{d}");
    }
    // 127² is odd: an odd sum past 2²⁴ (d = 1501) is not an f32.
    for d in [1024, 1025, 1501] {
        let (lo, hi) = (vec![-128i8; 2 * d], vec![127i8; 3 * d]);
        assert_eq!(simkern::similarity_matrix(&lo, &lo, d).unwrap(), vec![16_384 * d as i32; 4]);
        assert_eq!(simkern::similarity_matrix(&lo, &hi, d).unwrap(), vec![-16_256 * d as i32; 6]);
        assert_eq!(simkern::similarity_matrix(&hi, &hi, d).unwrap(), vec![16_129 * d as i32; 9]);
    }
    // The largest accepted dim, at its extreme: 2¹⁴ · (2¹⁷ − 1) < 2³¹.
    let d = (1 << 17) - 1;
    let lo = vec![-128i8; d];
    assert_eq!(simkern::similarity_matrix(&lo, &lo, d).unwrap(), vec![16_384 * d as i32]);
}

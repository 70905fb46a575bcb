//! Storage types: `dot`, `cosine`, `l2_squared` over `half::f16`,
//! `half::bf16` and `i8` against exact references (the half types widened
//! exactly, i8 in integers), over lengths across the widening blocks and
//! value distributions; the similarity matrix of each type against the f32
//! engine on widened inputs (bit for bit) or exact integers; bad input.

use simkern::half::{bf16, f16};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::reference::{self as naive, dot_abs, gamma};

const U32: f64 = f32::EPSILON as f64 / 2.0;
const U64: f64 = f64::EPSILON / 2.0;

fn check_half<T: simkern::Element<Sum = f32, Cosine = f32> + Copy>(
    a: &[T],
    b: &[T],
    wide: impl Fn(T) -> f64,
) {
    let (x, y): (Vec<f64>, Vec<f64>) =
        (a.iter().map(|&v| wide(v)).collect(), b.iter().map(|&v| wide(v)).collect());
    let n = a.len();
    let exact = naive::dot_exact(&x, &y);
    let bound = gamma(n / 8 + 32, U64) * dot_abs(&x, &y) + U32 * exact.abs() + 1e-45;
    let got = f64::from(simkern::dot(a, b).unwrap());
    assert!((got - exact).abs() <= bound, "n={n}: dot {got} vs {exact}");
    let d: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p - q).collect();
    let exact_l2 = naive::dot_exact(&d, &d);
    let got = f64::from(simkern::l2_squared(a, b).unwrap());
    assert!(
        (got - exact_l2).abs() <= (gamma(n / 8 + 32, U64) + U32) * exact_l2 + 1e-45,
        "n={n}: l2 {got} vs {exact_l2}"
    );
    let exact_cos = naive::cosine(&x, &y);
    let got = f64::from(simkern::cosine(a, b).unwrap());
    assert!(
        (got - exact_cos).abs() <= 2.0 * U32 + gamma(n / 8 + 40, U64) * 4.0,
        "n={n}: cosine {got} vs {exact_cos}"
    );
}

#[test]
fn half_types_meet_the_accurate_bound() {
    let mut r = Rng::new(8);
    for &d in &Dist::ALL {
        for n in [0usize, 1, 7, 511, 512, 513, 3000] {
            let (fa, fb) = (vec_f32(&mut r, d, n), vec_f32(&mut r, d, n));
            let (ha, hb): (Vec<f16>, Vec<f16>) = (
                fa.iter().map(|&v| f16::from_f32(v)).collect(),
                fb.iter().map(|&v| f16::from_f32(v)).collect(),
            );
            if ha.iter().chain(&hb).all(|v| v.is_finite()) {
                check_half(&ha, &hb, f16::to_f64);
            }
            let (ba, bb): (Vec<bf16>, Vec<bf16>) = (
                fa.iter().map(|&v| bf16::from_f32(v)).collect(),
                fb.iter().map(|&v| bf16::from_f32(v)).collect(),
            );
            if ba.iter().chain(&bb).all(|v| v.is_finite()) {
                check_half(&ba, &bb, bf16::to_f64);
            }
        }
    }
}

#[test]
fn i8_sums_are_exact() {
    let mut r = Rng::new(9);
    for n in [0usize, 1, 100, 70_000] {
        let random =
            |r: &mut Rng| -> Vec<i8> { (0..n).map(|_| (r.uniform() * 256.0 - 128.0) as i8).collect() };
        let (a, b) = (random(&mut r), random(&mut r));
        let dot: i64 = a.iter().zip(&b).map(|(&x, &y)| i64::from(x) * i64::from(y)).sum();
        let l2: i64 = a.iter().zip(&b).map(|(&x, &y)| (i64::from(x) - i64::from(y)).pow(2)).sum();
        assert_eq!(simkern::dot(&a, &b).unwrap(), dot);
        assert_eq!(simkern::l2_squared(&a, &b).unwrap(), l2);
        let (x, y): (Vec<f64>, Vec<f64>) =
            (a.iter().map(|&v| f64::from(v)).collect(), b.iter().map(|&v| f64::from(v)).collect());
        let cos = f64::from(simkern::cosine(&a, &b).unwrap());
        assert!((cos - naive::cosine(&x, &y)).abs() <= 4.0 * U32, "n={n}");
    }
    // The extreme products: 128² · 2¹⁶ crosses i32 in one block, not in i64.
    let big = vec![-128i8; 1 << 17];
    assert_eq!(simkern::dot(&big, &big).unwrap(), 16384 << 17);
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
    let wide_b = |h: &[bf16]| h.iter().map(|v| v.to_f32()).collect::<Vec<f32>>();
    assert_eq!(
        simkern::similarity_matrix(&bq, &bk, d).unwrap(),
        simkern::similarity_matrix(&wide_b(&bq), &wide_b(&bk), d).unwrap()
    );
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

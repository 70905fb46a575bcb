//! The normal tail and the scaled complementary error function
//! `erfcx(z) = e^{z²} erfc(z)`, both with their relative accuracy where the
//! tail underflows.

/// `1/√π`.
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// `e^{z²}` for `z ≥ 0` without the error of rounding `z²` first: `z` is
/// split into a 26-bit head (whose square is exact) and a tail.
fn exp_square(z: f64) -> f64 {
    let head = f64::from_bits(z.to_bits() & !((1u64 << 27) - 1));
    let tail = z - head;
    libm::exp(head * head) * libm::exp((head + z) * tail)
}

/// `e^{−z²/2}` for `z ≥ 0`, as [`exp_square`].
fn exp_half_square_neg(z: f64) -> f64 {
    let head = f64::from_bits(z.to_bits() & !((1u64 << 27) - 1));
    let tail = z - head;
    libm::exp(-0.5 * head * head) * libm::exp(-0.5 * (head + z) * tail)
}

/// `erfcx(z) = e^{z²} erfc(z)` for `z ≥ 0`: the product where `erfc`
/// does not underflow, its asymptotic series `(1/(z√π)) Σ (−1)ᵏ
/// (2k−1)!!/(2z²)ᵏ` beyond `z = 26` (eight terms reach 1e-17 there).
pub(crate) fn erfcx(z: f64) -> f64 {
    if z < 26.0 {
        return libm::erfc(z) * exp_square(z);
    }
    let inv = 1.0 / (2.0 * z * z);
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..=12 {
        term *= -((2 * k - 1) as f64) * inv;
        sum += term;
        if term.abs() < 1e-17 {
            break;
        }
    }
    FRAC_1_SQRT_PI / z * sum
}

/// `P(Z > z)` for the standard normal, relative accuracy in the upper tail
/// (0 only below the smallest subnormal).
pub(crate) fn normal_sf(z: f64) -> f64 {
    if z <= 1.0 || z.is_nan() {
        return 0.5 * libm::erfc(z * core::f64::consts::FRAC_1_SQRT_2);
    }
    0.5 * erfcx(z * core::f64::consts::FRAC_1_SQRT_2) * exp_half_square_neg(z)
}

/// `P(Z ≤ z) = P(Z > −z)`.
pub(crate) fn normal_cdf(z: f64) -> f64 {
    normal_sf(-z)
}

/// An approximate standard normal quantile (Acklam's rational fit, about
/// 1e-9 relative): only the binomial `ppf`'s starting point depends on it.
pub(crate) fn normal_quantile(q: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let poly = |c: &[f64], x: f64| c.iter().fold(0.0, |acc, &ci| acc * x + ci);
    let tail = |t: f64| {
        let r = libm::sqrt(-2.0 * libm::log(t));
        poly(&C, r) / (poly(&D, r) * r + 1.0)
    };
    if q < 0.02425 {
        tail(q)
    } else if q > 1.0 - 0.02425 {
        -tail(1.0 - q)
    } else {
        let t = q - 0.5;
        let r = t * t;
        t * poly(&A, r) / (poly(&B, r) * r + 1.0)
    }
}

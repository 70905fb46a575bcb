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

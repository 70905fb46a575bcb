//! Vector elementary functions written once over the lane trait.

use crate::simd::{COMPACT, Simd};

/// Inputs above this overflow `f32` (`exp(88.7228) ≈ f32::MAX`); clamped
/// here, they still give `+∞` through `2¹²⁸`.
const EXP_HI: f32 = 88.8;
/// Inputs below this round to zero (`exp(−103.98) ≈ 2⁻¹⁵⁰`).
const EXP_LO: f32 = -104.0;
/// `log₂ e`.
const LOG2_E: f32 = core::f32::consts::LOG2_E;
/// `ln 2` split so that `n · LN2_HI` is exact for `|n| ≤ 2¹⁵` (9
/// significant bits) and `LN2_HI + LN2_LO` is `ln 2` to ~2⁻³³.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Coefficients of `q(r) ≈ (eʳ − 1) / r` on `|r| ≤ ln2 / 2`, lowest
/// first, so that `eʳ ≈ 1 + r·q(r)` in six FMAs (Horner): fitted here for
/// the least maximum relative error of `1 + r·q(r)` (Lawson's iteration
/// over Chebyshev nodes, 2·10⁻⁹ with exact coefficients), then rounded to
/// `f32`. `tests/data/exp_f32_fit.py` derives them.
const Q: [f32; 6] = [1.0, 0.499_999_94, 0.166_664_3, 0.041_668_005, 0.008_374_196, 0.001_384_360_6];

/// `log₂ e` and `ln 2` in two parts for `f64` (fdlibm's split: `LN2_HI_F64`
/// has 32 significant bits, so `n · LN2_HI_F64` is exact for `|n| < 2²¹`).
const LOG2_E_F64: f64 = core::f64::consts::LOG2_E;
const LN2_HI_F64: f64 = 6.931_471_803_691_238e-1;
const LN2_LO_F64: f64 = 1.908_214_929_270_587_7e-10;
/// Coefficients of `q(r) ≈ (eʳ − 1) / r` on `|r| ≤ ln2 / 2`, lowest
/// first: `eʳ ≈ 1 + r·q(r)` in eleven FMAs (Horner), 1·10⁻¹⁷ relative
/// with these rounded coefficients (a Chebyshev fit by
/// `tests/data/exp_f64_fit.py`; the Taylor polynomial needs degree 13).
const Q_F64: [f64; 11] = [
    1.0,
    0.500_000_000_000_000_6,
    0.166_666_666_666_666_7,
    0.041_666_666_666_572_77,
    0.008_333_333_333_326_112,
    0.001_388_888_893_261_963_5,
    0.000_198_412_698_749_012_6,
    2.480_150_418_083_713_7e-5,
    2.755_725_529_796_964_3e-6,
    2.762_642_637_658_033_5e-7,
    2.510_525_953_844_849_4e-8,
];

/// `eˣ` in every `f64` lane, for `x ∈ [−746, 709.78]` (callers clamp; no
/// NaN): within 2 ulp of the exact value where it is normal, subnormal
/// results rounded once from `eʳ`, `+∞` past `709.78`.
///
/// `x = n·ln2 + r`, `|r| ≤ ln2/2` (Cody–Waite, two-part `ln 2`),
/// `eʳ = 1 + r·q(r)` ([`Q_F64`], degree 11 overall, within 1·10⁻¹⁷), then
/// `eʳ · 2ⁿ` by the lane trait's `ldexp`.
#[inline(always)]
pub(crate) fn exp_f64<S: Simd>(s: S, x: S::F64) -> S::F64 {
    if COMPACT { exp_f64_shared(s, x) } else { exp_f64_inline(s, x) }
}

/// One out-of-line copy of [`exp_f64`] for every kernel where
/// [`COMPACT`] (no target features to lose there): on a target without
/// SIMD each inlined copy was kilobytes of scalar code.
#[inline(never)]
fn exp_f64_shared<S: Simd>(s: S, x: S::F64) -> S::F64 {
    exp_f64_inline(s, x)
}

/// The body of [`exp_f64`].
#[inline(always)]
fn exp_f64_inline<S: Simd>(s: S, x: S::F64) -> S::F64 {
    let n = s.round_f64(s.mul_f64(x, s.splat_f64(LOG2_E_F64)));
    let r = s.mul_add_f64(n, s.splat_f64(-LN2_HI_F64), x);
    let r = s.mul_add_f64(n, s.splat_f64(-LN2_LO_F64), r);
    let mut q = s.splat_f64(Q_F64[10]);
    for &c in Q_F64[..10].iter().rev() {
        q = s.mul_add_f64(q, r, s.splat_f64(c));
    }
    s.ldexp_f64(s.mul_add_f64(q, r, s.splat_f64(1.0)), n)
}

/// `eˣ` in every lane: `f32` result within 2 ulp of the exact value over
/// the whole `f32` range (checked exhaustively, all 2³² inputs, at every
/// level), `0` for `x < −103.98` (gradual underflow rounded once), `+∞`
/// above `88.72`, NaN for NaN.
///
/// `x = n·ln2 + r` with `n = round(x·log₂e)` (Cody–Waite, two-part `ln 2`),
/// `eʳ = 1 + r·q(r)` ([`Q`], Horner), then `eʳ · 2ⁿ` by the lane trait's `ldexp`, which
/// rounds once (`vscalefps` on AVX-512, two normal factors elsewhere), so
/// results in the subnormal range are rounded correctly from `eʳ`.
#[inline(always)]
pub(crate) fn exp_f32<S: Simd>(s: S, x: S::F32) -> S::F32 {
    if COMPACT { exp_f32_shared(s, x) } else { exp_f32_body::<true, S>(s, x) }
}

/// [`exp_f32`] for `x ≤ 0` (or `−∞`, or NaN), bit for bit: without the
/// clamp above, which does nothing there (log-sum-exp and softmax take
/// `e^{x − max}`; one vector operation of about seventeen).
#[inline(always)]
pub(crate) fn exp_f32_nonpositive<S: Simd>(s: S, x: S::F32) -> S::F32 {
    if COMPACT { exp_f32_shared(s, x) } else { exp_f32_body::<false, S>(s, x) }
}

/// One out-of-line copy of [`exp_f32`] where [`COMPACT`] (see
/// [`exp_f64_shared`]).
#[inline(never)]
fn exp_f32_shared<S: Simd>(s: S, x: S::F32) -> S::F32 {
    exp_f32_body::<true, S>(s, x)
}

/// The body of [`exp_f32`]; without the clamp above where not
/// `CLAMP_ABOVE` (inputs ≤ 0).
#[inline(always)]
fn exp_f32_body<const CLAMP_ABOVE: bool, S: Simd>(s: S, x: S::F32) -> S::F32 {
    // `max(lo, x)` and `min(hi, ·)` return the second operand for NaN on
    // x86 and NaN on NEON: NaN stays NaN through the polynomial.
    let x = s.max_f32(s.splat_f32(EXP_LO), x);
    let x = if CLAMP_ABOVE { s.min_f32(s.splat_f32(EXP_HI), x) } else { x };
    let n = s.round_f32(s.mul_f32(x, s.splat_f32(LOG2_E)));
    let r = s.mul_add_f32(n, s.splat_f32(-LN2_HI), x);
    let r = s.mul_add_f32(n, s.splat_f32(-LN2_LO), r);
    let mut q = s.splat_f32(Q[5]);
    for &c in Q[..5].iter().rev() {
        q = s.mul_add_f32(q, r, s.splat_f32(c));
    }
    let y = s.mul_add_f32(q, r, s.splat_f32(1.0));
    s.ldexp_f32(y, n)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::{exp_f32, exp_f32_nonpositive, exp_f64};
    use crate::Kernels;
    use crate::simd::{Kernel, Simd};

    struct Exp<'a>(&'a mut [f64]);

    impl Kernel for Exp<'_> {
        type Output = ();
        #[inline(always)]
        fn run<S: Simd>(self, s: S) {
            for c in self.0.chunks_mut(S::F64_LANES) {
                s.store_partial_f64(exp_f64(s, s.load_partial_f64(c)), c);
            }
        }
    }

    #[test]
    fn exp_f64_within_two_ulp_at_every_level() {
        // A sweep of the whole domain (odd step: no two inputs share a
        // rounding pattern), the ends, and the subnormal range.
        let steps = if cfg!(miri) { 2_000 } else { 400_000 };
        let mut xs: Vec<f64> = (0..=steps).map(|i| -746.0 + 1455.78 * i as f64 / steps as f64).collect();
        xs.extend([-746.0, -745.2, -745.0, -740.0, -708.4, -1e-300, 0.0, 1e-300, 1.0, 709.0, 709.78]);
        for &k in Kernels::available() {
            let mut got = xs.clone();
            k.run(Exp(&mut got));
            for (&x, &g) in xs.iter().zip(&got) {
                let want = libm::exp(x);
                let ulps = g.to_bits().abs_diff(want.to_bits());
                let limit = if want < f64::MIN_POSITIVE { 1 } else { 2 };
                assert!(ulps <= limit, "{k:?}: exp({x:e}) = {g:e}, libm {want:e} ({ulps} ulp)");
            }
        }
    }

    /// `[exp_f32(x), exp_f32_nonpositive(x)]` of every element.
    struct BothExpF32<'a>(&'a [f32], &'a mut [[f32; 2]]);

    impl Kernel for BothExpF32<'_> {
        type Output = ();
        #[inline(always)]
        fn run<S: Simd>(self, s: S) {
            let mut a = [0.0f32; 16];
            let mut b = [0.0f32; 16];
            for (x, out) in self.0.chunks(S::F32_LANES).zip(self.1.chunks_mut(S::F32_LANES)) {
                let v = s.load_partial_f32(x);
                s.store_partial_f32(exp_f32(s, v), &mut a[..x.len()]);
                s.store_partial_f32(exp_f32_nonpositive(s, v), &mut b[..x.len()]);
                for (o, (&p, &q)) in out.iter_mut().zip(a.iter().zip(&b)) {
                    *o = [p, q];
                }
            }
        }
    }

    /// The clamp-free `exp` equals `exp` bit for bit on every `x ≤ 0`
    /// (every 61st negative `f32`, `−0`, `−∞`, NaN): so the exhaustive
    /// check of `exp` (tests/tests/exp_exhaustive.rs) covers it.
    #[test]
    fn exp_f32_nonpositive_is_exp_below_zero() {
        let stride = if cfg!(miri) { 1_000_003 } else { 61 };
        let mut xs: Vec<f32> = (0x8000_0000u32..=0xff80_0000).step_by(stride).map(f32::from_bits).collect();
        xs.extend([-0.0, f32::NEG_INFINITY, f32::NAN, -104.0, -103.9, -88.0, -1e-45]);
        let mut out = std::vec![[0.0f32; 2]; xs.len()];
        for &k in Kernels::available() {
            k.run(BothExpF32(&xs, &mut out));
            for (&x, &[p, q]) in xs.iter().zip(&out) {
                // (NaN as NaN: Miri gives each NaN result an arbitrary payload.)
                let same = p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan());
                assert!(same, "{k:?}: exp({x:e}) = {p:e}, nonpositive form {q:e}");
            }
        }
    }
}

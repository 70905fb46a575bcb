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
/// Minimax coefficients of `(eʳ − 1 − r) / r²` on `|r| ≤ ln2 / 2`
/// (the classic Cephes `expf` set).
const P: [f32; 6] = [1.987_569_1e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 0.166_666_65, 0.5];

/// `log₂ e` and `ln 2` in two parts for `f64` (fdlibm's split: `LN2_HI_F64`
/// has 32 significant bits, so `n · LN2_HI_F64` is exact for `|n| < 2²¹`).
const LOG2_E_F64: f64 = core::f64::consts::LOG2_E;
const LN2_HI_F64: f64 = 6.931_471_803_691_238e-1;
const LN2_LO_F64: f64 = 1.908_214_929_270_587_7e-10;
/// `1/k!` for `k = 0..=13`, each correctly rounded (`13!` is exact in f64).
const INV_FACTORIAL: [f64; 14] = {
    let mut t = [0.0; 14];
    let (mut k, mut fact) = (0, 1.0);
    while k < 14 {
        if k > 0 {
            fact *= k as f64;
        }
        t[k] = 1.0 / fact;
        k += 1;
    }
    t
};

/// `eˣ` in every `f64` lane, for `x ∈ [−746, 709.78]` (callers clamp; no
/// NaN): within 2 ulp of the exact value where it is normal, subnormal
/// results rounded once from `eʳ`, `+∞` past `709.78`.
///
/// `x = n·ln2 + r`, `|r| ≤ ln2/2` (Cody–Waite, two-part `ln 2`), `eʳ` by
/// its Taylor polynomial to degree 13 (the first omitted term is below
/// 2⁻⁵⁶ of the result), then `eʳ · 2ⁿ` by the lane trait's `ldexp`.
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
    let mut p = s.splat_f64(INV_FACTORIAL[13]);
    for &c in INV_FACTORIAL[..13].iter().rev() {
        p = s.mul_add_f64(p, r, s.splat_f64(c));
    }
    s.ldexp_f64(p, n)
}

/// `eˣ` in every lane: `f32` result within 2 ulp of the exact value over
/// the whole `f32` range (checked exhaustively, all 2³² inputs, at every
/// level), `0` for `x < −103.98` (gradual underflow rounded once), `+∞`
/// above `88.72`, NaN for NaN.
///
/// `x = n·ln2 + r` with `n = round(x·log₂e)` (Cody–Waite, two-part `ln 2`),
/// `eʳ = 1 + r + r²·P(r)`, then `eʳ · 2ⁿ` by the lane trait's `ldexp`, which
/// rounds once (`vscalefps` on AVX-512, two normal factors elsewhere), so
/// results in the subnormal range are rounded correctly from `eʳ`.
#[inline(always)]
pub(crate) fn exp_f32<S: Simd>(s: S, x: S::F32) -> S::F32 {
    if COMPACT { exp_f32_shared(s, x) } else { exp_f32_inline(s, x) }
}

/// One out-of-line copy of [`exp_f32`] where [`COMPACT`] (see
/// [`exp_f64_shared`]).
#[inline(never)]
fn exp_f32_shared<S: Simd>(s: S, x: S::F32) -> S::F32 {
    exp_f32_inline(s, x)
}

/// The body of [`exp_f32`].
#[inline(always)]
fn exp_f32_inline<S: Simd>(s: S, x: S::F32) -> S::F32 {
    // `max(lo, x)` and `min(hi, ·)` return the second operand for NaN on
    // x86 and NaN on NEON: NaN stays NaN through the polynomial.
    let x = s.min_f32(s.splat_f32(EXP_HI), s.max_f32(s.splat_f32(EXP_LO), x));
    let n = s.round_f32(s.mul_f32(x, s.splat_f32(LOG2_E)));
    let r = s.mul_add_f32(n, s.splat_f32(-LN2_HI), x);
    let r = s.mul_add_f32(n, s.splat_f32(-LN2_LO), r);
    let mut p = s.splat_f32(P[0]);
    for &c in &P[1..] {
        p = s.mul_add_f32(p, r, s.splat_f32(c));
    }
    let r2 = s.mul_f32(r, r);
    let y = s.add_f32(s.mul_add_f32(p, r2, r), s.splat_f32(1.0));
    s.ldexp_f32(y, n)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::exp_f64;
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
}

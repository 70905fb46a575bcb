//! Vector elementary functions written once over the lane trait.

use crate::simd::Simd;

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

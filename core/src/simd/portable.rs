//! The portable level: `wide` vectors, compiled for whatever the target has
//! at build time (SSE2 on a default x86_64 build, NEON or scalar elsewhere).

use wide::{f32x8, f64x4, u64x4};

use super::Kernel;
use super::lanes::Simd;
use super::padded;
use crate::level::Level;

/// Token for the portable level; always available.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Portable(());

impl Portable {
    /// The portable level needs no CPU support, so this always succeeds.
    pub(crate) const fn new() -> Self {
        Portable(())
    }

    /// Runs `kernel` with `wide` vectors, out of line like the other
    /// levels' entry points so that callers stay small.
    #[inline(never)]
    pub(crate) fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        kernel.run(self)
    }
}

const L32: usize = 8;
const L64: usize = 4;

impl Simd for Portable {
    type F32 = f32x8;
    type F64 = f64x4;
    const LEVEL: Level = Level::Portable;

    #[inline(always)]
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        Portable::vectorize(self, kernel)
    }

    #[inline(always)]
    fn splat_f32(self, x: f32) -> f32x8 {
        f32x8::splat(x)
    }
    #[inline(always)]
    fn load_f32(self, src: &[f32]) -> f32x8 {
        let a: [f32; L32] = src[..L32].try_into().unwrap_or_default();
        f32x8::from(a)
    }
    #[inline(always)]
    fn load_partial_f32(self, src: &[f32]) -> f32x8 {
        f32x8::from(padded::<L32, f32>(src, 0.0))
    }
    #[inline(always)]
    fn load_partial_fill_f32(self, src: &[f32], fill: f32) -> f32x8 {
        f32x8::from(padded::<L32, f32>(src, fill))
    }
    #[inline(always)]
    fn store_f32(self, v: f32x8, dst: &mut [f32]) {
        dst[..L32].copy_from_slice(&v.to_array());
    }
    #[inline(always)]
    fn store_partial_f32(self, v: f32x8, dst: &mut [f32]) {
        let n = dst.len().min(L32);
        dst[..n].copy_from_slice(&v.to_array()[..n]);
    }
    #[inline(always)]
    fn add_f32(self, a: f32x8, b: f32x8) -> f32x8 {
        a + b
    }
    #[inline(always)]
    fn sub_f32(self, a: f32x8, b: f32x8) -> f32x8 {
        a - b
    }
    #[inline(always)]
    fn mul_f32(self, a: f32x8, b: f32x8) -> f32x8 {
        a * b
    }
    #[inline(always)]
    fn div_f32(self, a: f32x8, b: f32x8) -> f32x8 {
        a / b
    }
    #[inline(always)]
    fn mul_add_f32(self, a: f32x8, b: f32x8, c: f32x8) -> f32x8 {
        a.mul_add(b, c)
    }
    // x86 semantics on every target (`wide`'s fast_max/fast_min differ on
    // NaN between its SSE and scalar back ends): `b` unless `a` wins.
    #[inline(always)]
    fn max_f32(self, a: f32x8, b: f32x8) -> f32x8 {
        a.simd_gt(b).select(a, b)
    }
    #[inline(always)]
    fn min_f32(self, a: f32x8, b: f32x8) -> f32x8 {
        a.simd_lt(b).select(a, b)
    }
    #[inline(always)]
    fn lt_select_f32(self, a: f32x8, b: f32x8, x: f32x8, y: f32x8) -> f32x8 {
        a.simd_lt(b).select(x, y)
    }
    #[inline(always)]
    fn widen_low_f64(self, v: f32x8) -> f64x4 {
        let a = v.to_array();
        f64x4::from([a[0] as f64, a[1] as f64, a[2] as f64, a[3] as f64])
    }
    #[inline(always)]
    fn widen_high_f64(self, v: f32x8) -> f64x4 {
        let a = v.to_array();
        f64x4::from([a[4] as f64, a[5] as f64, a[6] as f64, a[7] as f64])
    }
    #[inline(always)]
    fn round_f32(self, a: f32x8) -> f32x8 {
        // Adding and subtracting 1.5·2²³ rounds to the nearest integer,
        // ties to even, for |a| ≤ 2²² (the trait's contract).
        let magic = f32x8::splat(12_582_912.0);
        (a + magic) - magic
    }
    #[inline(always)]
    fn pow2_biased_f32(self, e: f32x8) -> f32x8 {
        wide::bytemuck::cast(e.round_int() << 23)
    }
    #[inline(always)]
    fn reduce_sum_f32(self, v: f32x8) -> f32 {
        v.reduce_add()
    }
    #[inline(always)]
    fn reduce_max_f32(self, v: f32x8) -> f32 {
        v.to_array().into_iter().fold(f32::NEG_INFINITY, |m, x| if x > m || x.is_nan() { x } else { m })
    }

    #[inline(always)]
    fn splat_f64(self, x: f64) -> f64x4 {
        f64x4::splat(x)
    }
    #[inline(always)]
    fn load_f64(self, src: &[f64]) -> f64x4 {
        let a: [f64; L64] = src[..L64].try_into().unwrap_or_default();
        f64x4::from(a)
    }
    #[inline(always)]
    fn load_partial_f64(self, src: &[f64]) -> f64x4 {
        f64x4::from(padded::<L64, f64>(src, 0.0))
    }
    #[inline(always)]
    fn load_widen_f64(self, src: &[f32]) -> f64x4 {
        let a = &src[..L64];
        f64x4::from([a[0] as f64, a[1] as f64, a[2] as f64, a[3] as f64])
    }
    #[inline(always)]
    fn load_widen_partial_f64(self, src: &[f32]) -> f64x4 {
        let a = padded::<L64, f32>(src, 0.0);
        f64x4::from([a[0] as f64, a[1] as f64, a[2] as f64, a[3] as f64])
    }
    #[inline(always)]
    fn store_f64(self, v: f64x4, dst: &mut [f64]) {
        dst[..L64].copy_from_slice(&v.to_array());
    }
    #[inline(always)]
    fn store_partial_f64(self, v: f64x4, dst: &mut [f64]) {
        let n = dst.len().min(L64);
        dst[..n].copy_from_slice(&v.to_array()[..n]);
    }
    #[inline(always)]
    fn add_f64(self, a: f64x4, b: f64x4) -> f64x4 {
        a + b
    }
    #[inline(always)]
    fn sub_f64(self, a: f64x4, b: f64x4) -> f64x4 {
        a - b
    }
    #[inline(always)]
    fn mul_f64(self, a: f64x4, b: f64x4) -> f64x4 {
        a * b
    }
    #[inline(always)]
    fn div_f64(self, a: f64x4, b: f64x4) -> f64x4 {
        a / b
    }
    #[inline(always)]
    fn mul_add_f64(self, a: f64x4, b: f64x4, c: f64x4) -> f64x4 {
        a.mul_add(b, c)
    }
    #[inline(always)]
    fn round_f64(self, a: f64x4) -> f64x4 {
        // Adding and subtracting 1.5·2⁵² rounds to the nearest integer,
        // ties to even, for |a| ≤ 2⁵¹ (the trait's contract).
        let magic = f64x4::splat(6_755_399_441_055_744.0);
        (a + magic) - magic
    }
    #[inline(always)]
    fn pow2_biased_f64(self, e: f64x4) -> f64x4 {
        // e + 2⁵² rounds e to an integer in the low mantissa bits; shifted
        // by 52 it is the exponent field.
        let bits: u64x4 = wide::bytemuck::cast(e + f64x4::splat(4_503_599_627_370_496.0));
        wide::bytemuck::cast(bits << 52)
    }
    #[inline(always)]
    fn reduce_sum_f64(self, v: f64x4) -> f64 {
        let a = v.to_array();
        (a[0] + a[2]) + (a[1] + a[3])
    }
}

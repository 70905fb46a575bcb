//! The portable level: `wide` vectors, compiled for whatever the target has
//! at build time (SSE2 on a default x86_64 build, NEON or scalar elsewhere).
//!
//! The width follows the target. Where `wide` has vector registers to map
//! onto (x86 SSE2, aarch64 NEON, wasm simd128) the lanes are 8 × `f32` and
//! 4 × `f64`, two registers each, to keep several operations in flight. On
//! a target without SIMD (a Cortex-M, RISC-V, wasm without simd128) every
//! lane is a scalar instruction (or a soft-float call), so 8 lanes only
//! made each kernel's code 8 scalar copies long for no speed: there the
//! lanes are 4 × `f32` and 2 × `f64`, the narrowest `wide` offers with
//! `f64` lanes half the `f32` ones.

#[cfg(not(any(
    target_feature = "sse2",
    all(target_arch = "aarch64", target_feature = "neon"),
    target_feature = "simd128"
)))]
use wide::{f32x4 as F32s, f64x2 as F64s, u64x2 as U64s};
#[cfg(any(
    target_feature = "sse2",
    all(target_arch = "aarch64", target_feature = "neon"),
    target_feature = "simd128"
))]
use wide::{f32x8 as F32s, f64x4 as F64s, u64x4 as U64s};

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

/// Whether this target lacks SIMD registers for `wide` to map onto.
pub(crate) const NO_SIMD: bool = L32 == 4;

/// `f32` lanes at the portable level on this target (8 or 4).
const L32: usize = core::mem::size_of::<F32s>() / 4;
const _: () = assert!(L32 == Level::Portable.f32_lanes(), "the level names the lanes this file uses");
const L64: usize = L32 / 2;

impl Simd for Portable {
    type F32 = F32s;
    type F64 = F64s;
    type I32 = [i32; L32];
    const LEVEL: Level = Level::Portable;

    #[inline(always)]
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        Portable::vectorize(self, kernel)
    }

    #[inline(always)]
    fn splat_f32(self, x: f32) -> F32s {
        F32s::splat(x)
    }
    #[inline(always)]
    fn load_f32(self, src: &[f32]) -> F32s {
        let a: [f32; L32] = src[..L32].try_into().unwrap_or_default();
        F32s::from(a)
    }
    #[inline(always)]
    fn load_partial_f32(self, src: &[f32]) -> F32s {
        F32s::from(padded::<L32, f32>(src, 0.0))
    }
    #[inline(always)]
    fn load_partial_fill_f32(self, src: &[f32], fill: f32) -> F32s {
        F32s::from(padded::<L32, f32>(src, fill))
    }
    #[inline(always)]
    fn store_f32(self, v: F32s, dst: &mut [f32]) {
        dst[..L32].copy_from_slice(&v.to_array());
    }
    #[inline(always)]
    fn store_partial_f32(self, v: F32s, dst: &mut [f32]) {
        let n = dst.len().min(L32);
        dst[..n].copy_from_slice(&v.to_array()[..n]);
    }
    #[inline(always)]
    fn add_f32(self, a: F32s, b: F32s) -> F32s {
        a + b
    }
    #[inline(always)]
    fn sub_f32(self, a: F32s, b: F32s) -> F32s {
        a - b
    }
    #[inline(always)]
    fn mul_f32(self, a: F32s, b: F32s) -> F32s {
        a * b
    }
    #[inline(always)]
    fn div_f32(self, a: F32s, b: F32s) -> F32s {
        a / b
    }
    #[inline(always)]
    fn mul_add_f32(self, a: F32s, b: F32s, c: F32s) -> F32s {
        a.mul_add(b, c)
    }
    // x86 semantics on every target (`wide`'s fast_max/fast_min differ on
    // NaN between its SSE and scalar back ends): `b` unless `a` wins.
    #[inline(always)]
    fn max_f32(self, a: F32s, b: F32s) -> F32s {
        a.simd_gt(b).select(a, b)
    }
    #[inline(always)]
    fn min_f32(self, a: F32s, b: F32s) -> F32s {
        a.simd_lt(b).select(a, b)
    }
    #[inline(always)]
    fn lt_select_f32(self, a: F32s, b: F32s, x: F32s, y: F32s) -> F32s {
        a.simd_lt(b).select(x, y)
    }
    #[inline(always)]
    fn widen_low_f64(self, v: F32s) -> F64s {
        let a = v.to_array();
        F64s::from(core::array::from_fn::<f64, L64, _>(|i| f64::from(a[i])))
    }
    #[inline(always)]
    fn widen_high_f64(self, v: F32s) -> F64s {
        let a = v.to_array();
        F64s::from(core::array::from_fn::<f64, L64, _>(|i| f64::from(a[L64 + i])))
    }
    #[inline(always)]
    fn round_f32(self, a: F32s) -> F32s {
        // Adding and subtracting 1.5·2²³ rounds to the nearest integer,
        // ties to even, for |a| ≤ 2²² (the trait's contract).
        let magic = F32s::splat(12_582_912.0);
        (a + magic) - magic
    }
    #[inline(always)]
    fn pow2_biased_f32(self, e: F32s) -> F32s {
        wide::bytemuck::cast(e.round_int() << 23)
    }
    #[inline(always)]
    fn reduce_sum_f32(self, v: F32s) -> f32 {
        v.reduce_add()
    }
    #[inline(always)]
    fn reduce_max_f32(self, v: F32s) -> f32 {
        v.to_array().into_iter().fold(f32::NEG_INFINITY, |m, x| if x > m || x.is_nan() { x } else { m })
    }

    #[inline(always)]
    fn zero_i32(self) -> [i32; L32] {
        [0; L32]
    }
    #[inline(always)]
    fn add_i32(self, mut a: [i32; L32], b: [i32; L32]) -> [i32; L32] {
        for (a, b) in a.iter_mut().zip(b) {
            *a = a.wrapping_add(b);
        }
        a
    }
    #[inline(always)]
    fn reduce_sum_i32(self, v: [i32; L32]) -> i64 {
        v.iter().map(|&x| i64::from(x)).sum()
    }
    #[inline(always)]
    fn dot_i8(self, mut acc: [i32; L32], a: &[i8], b: &[i8]) -> [i32; L32] {
        for (x, y) in a[..4 * L32].chunks_exact(L32).zip(b[..4 * L32].chunks_exact(L32)) {
            for ((acc, &x), &y) in acc.iter_mut().zip(x).zip(y) {
                *acc += i32::from(x) * i32::from(y);
            }
        }
        acc
    }
    #[inline(always)]
    fn l2_i8(self, mut acc: [i32; L32], a: &[i8], b: &[i8]) -> [i32; L32] {
        for (x, y) in a[..4 * L32].chunks_exact(L32).zip(b[..4 * L32].chunks_exact(L32)) {
            for ((acc, &x), &y) in acc.iter_mut().zip(x).zip(y) {
                let d = i32::from(x) - i32::from(y);
                *acc += d * d;
            }
        }
        acc
    }

    #[inline(always)]
    fn splat_f64(self, x: f64) -> F64s {
        F64s::splat(x)
    }
    #[inline(always)]
    fn load_f64(self, src: &[f64]) -> F64s {
        let a: [f64; L64] = src[..L64].try_into().unwrap_or_default();
        F64s::from(a)
    }
    #[inline(always)]
    fn load_partial_f64(self, src: &[f64]) -> F64s {
        F64s::from(padded::<L64, f64>(src, 0.0))
    }
    #[inline(always)]
    fn load_widen_f64(self, src: &[f32]) -> F64s {
        let a = &src[..L64];
        F64s::from(core::array::from_fn::<f64, L64, _>(|i| f64::from(a[i])))
    }
    #[inline(always)]
    fn load_widen_partial_f64(self, src: &[f32]) -> F64s {
        let a = padded::<L64, f32>(src, 0.0);
        F64s::from(a.map(f64::from))
    }
    #[inline(always)]
    fn store_f64(self, v: F64s, dst: &mut [f64]) {
        dst[..L64].copy_from_slice(&v.to_array());
    }
    #[inline(always)]
    fn store_partial_f64(self, v: F64s, dst: &mut [f64]) {
        let n = dst.len().min(L64);
        dst[..n].copy_from_slice(&v.to_array()[..n]);
    }
    #[inline(always)]
    fn add_f64(self, a: F64s, b: F64s) -> F64s {
        a + b
    }
    #[inline(always)]
    fn sub_f64(self, a: F64s, b: F64s) -> F64s {
        a - b
    }
    #[inline(always)]
    fn mul_f64(self, a: F64s, b: F64s) -> F64s {
        a * b
    }
    #[inline(always)]
    fn div_f64(self, a: F64s, b: F64s) -> F64s {
        a / b
    }
    #[inline(always)]
    fn mul_add_f64(self, a: F64s, b: F64s, c: F64s) -> F64s {
        a.mul_add(b, c)
    }
    #[inline(always)]
    fn round_f64(self, a: F64s) -> F64s {
        // Adding and subtracting 1.5·2⁵² rounds to the nearest integer,
        // ties to even, for |a| ≤ 2⁵¹ (the trait's contract).
        let magic = F64s::splat(6_755_399_441_055_744.0);
        (a + magic) - magic
    }
    #[inline(always)]
    fn pow2_biased_f64(self, e: F64s) -> F64s {
        // e + 2⁵² rounds e to an integer in the low mantissa bits; shifted
        // by 52 it is the exponent field.
        let bits: U64s = wide::bytemuck::cast(e + F64s::splat(4_503_599_627_370_496.0));
        wide::bytemuck::cast(bits << 52)
    }
    #[inline(always)]
    fn max_f64(self, a: F64s, b: F64s) -> F64s {
        a.simd_gt(b).select(a, b)
    }
    #[inline(always)]
    fn lt_select_f64(self, a: F64s, b: F64s, x: F64s, y: F64s) -> F64s {
        a.simd_lt(b).select(x, y)
    }
    #[inline(always)]
    fn reduce_max_f64(self, v: F64s) -> f64 {
        v.to_array().into_iter().fold(f64::NEG_INFINITY, |m, x| if x > m || x.is_nan() { x } else { m })
    }
    #[inline(always)]
    fn reduce_sum_f64(self, v: F64s) -> f64 {
        // Pairwise, the same tree at either width: (a₀ + a₂) + (a₁ + a₃).
        let mut a = v.to_array();
        let mut h = L64;
        while h > 1 {
            h /= 2;
            for i in 0..h {
                a[i] += a[i + h];
            }
        }
        a[0]
    }
}

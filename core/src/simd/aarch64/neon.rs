//! NEON: 4 `f32` / 2 `f64` lanes; tails go through a small zeroed array.

use core::arch::aarch64::*;
use half::bf16;

use crate::level::Level;
use crate::simd::Kernel;
use crate::simd::lanes::Simd;
use crate::simd::padded;

/// Token for aarch64 Advanced SIMD, part of the aarch64 baseline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Neon(());

impl Neon {
    /// NEON is mandatory on aarch64 targets with the `neon` feature (all the
    /// hosted ones), so this always succeeds there.
    pub(crate) const fn new() -> Self {
        Neon(())
    }

    /// Runs `kernel` in a function of its own (see the x86 tokens).
    #[inline(never)]
    pub(crate) fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        kernel.run(self)
    }
}

// SAFETY (for every `unsafe` block below): this module is compiled only for
// aarch64 with the `neon` target feature (see `simd/mod.rs`), so every NEON
// instruction exists. Pointers come from slices or local arrays with at
// least as many elements as the intrinsic reads or writes.
impl Simd for Neon {
    type F32 = float32x4_t;
    type F64 = float64x2_t;
    type I32 = int32x4_t;
    const LEVEL: Level = Level::Neon;

    #[inline(always)]
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        Neon::vectorize(self, kernel)
    }

    #[inline(always)]
    fn splat_f32(self, x: f32) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f32(x) }
    }
    #[inline(always)]
    fn load_f32(self, src: &[f32]) -> float32x4_t {
        let src = &src[..4];
        // SAFETY: see the impl comment; `src` has 4 elements.
        unsafe { vld1q_f32(src.as_ptr()) }
    }
    #[inline(always)]
    fn load_partial_f32(self, src: &[f32]) -> float32x4_t {
        let a = padded::<4, f32>(src, 0.0);
        // SAFETY: see the impl comment; `a` has 4 elements.
        unsafe { vld1q_f32(a.as_ptr()) }
    }
    #[inline(always)]
    fn load_partial_fill_f32(self, src: &[f32], fill: f32) -> float32x4_t {
        let a = padded::<4, f32>(src, fill);
        // SAFETY: see the impl comment; `a` has 4 elements.
        unsafe { vld1q_f32(a.as_ptr()) }
    }
    #[inline(always)]
    fn store_f32(self, v: float32x4_t, dst: &mut [f32]) {
        let dst = &mut dst[..4];
        // SAFETY: see the impl comment; `dst` has 4 elements.
        unsafe { vst1q_f32(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn store_partial_f32(self, v: float32x4_t, dst: &mut [f32]) {
        let mut a = [0.0f32; 4];
        // SAFETY: see the impl comment; `a` has 4 elements.
        unsafe { vst1q_f32(a.as_mut_ptr(), v) };
        let n = dst.len().min(4);
        dst[..n].copy_from_slice(&a[..n]);
    }
    #[inline(always)]
    fn add_f32(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f32(a, b) }
    }
    #[inline(always)]
    fn sub_f32(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_f32(a, b) }
    }
    #[inline(always)]
    fn mul_f32(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f32(a, b) }
    }
    #[inline(always)]
    fn div_f32(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f32(a, b) }
    }
    #[inline(always)]
    fn mul_add_f32(self, a: float32x4_t, b: float32x4_t, c: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vfmaq_f32(c, a, b) }
    }
    #[inline(always)]
    fn max_f32(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vmaxq_f32(a, b) }
    }
    #[inline(always)]
    fn min_f32(self, a: float32x4_t, b: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vminq_f32(a, b) }
    }
    #[inline(always)]
    fn lt_select_f32(self, a: float32x4_t, b: float32x4_t, x: float32x4_t, y: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f32(vcltq_f32(a, b), x, y) }
    }
    #[inline(always)]
    fn widen_low_f64(self, v: float32x4_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vcvt_f64_f32(vget_low_f32(v)) }
    }
    #[inline(always)]
    fn widen_high_f64(self, v: float32x4_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vcvt_high_f64_f32(v) }
    }
    #[inline(always)]
    fn round_f32(self, a: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vrndnq_f32(a) }
    }
    #[inline(always)]
    fn pow2_biased_f32(self, e: float32x4_t) -> float32x4_t {
        // SAFETY: see the impl comment. round(e) in the exponent field.
        unsafe { vreinterpretq_f32_s32(vshlq_n_s32::<23>(vcvtnq_s32_f32(e))) }
    }
    #[inline(always)]
    fn reduce_sum_f32(self, v: float32x4_t) -> f32 {
        // SAFETY: see the impl comment.
        unsafe { vaddvq_f32(v) }
    }
    #[inline(always)]
    fn reduce_max_f32(self, v: float32x4_t) -> f32 {
        // SAFETY: see the impl comment.
        unsafe { vmaxvq_f32(v) }
    }

    #[inline(always)]
    fn load_bf16_f32(self, src: &[bf16]) -> [float32x4_t; 2] {
        let src = &src[..8];
        // SAFETY: see the impl comment; `src` has 8 elements. A value
        // shifted left by 16 is its f32's bits.
        unsafe {
            let v = vld1q_u16(src.as_ptr().cast());
            [
                vreinterpretq_f32_u32(vshll_n_u16::<16>(vget_low_u16(v))),
                vreinterpretq_f32_u32(vshll_high_n_u16::<16>(v)),
            ]
        }
    }

    #[inline(always)]
    fn zero_i32(self) -> int32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_s32(0) }
    }
    #[inline(always)]
    fn add_i32(self, a: int32x4_t, b: int32x4_t) -> int32x4_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_s32(a, b) }
    }
    #[inline(always)]
    fn reduce_sum_i32(self, v: int32x4_t) -> i64 {
        // SAFETY: see the impl comment (a widening sum across the lanes).
        unsafe { vaddlvq_s32(v) }
    }
    #[inline(always)]
    fn dot_i8(self, acc: int32x4_t, a: &[i8], b: &[i8]) -> int32x4_t {
        let (a, b) = (&a[..16], &b[..16]);
        // SAFETY: see the impl comment; both have 16 elements. The i16
        // products (|p| ≤ 2¹⁴) are exact; pairs of them add into each lane.
        unsafe {
            let (x, y) = (vld1q_s8(a.as_ptr()), vld1q_s8(b.as_ptr()));
            let acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(x), vget_low_s8(y)));
            vpadalq_s16(acc, vmull_high_s8(x, y))
        }
    }
    #[inline(always)]
    fn l2_i8(self, acc: int32x4_t, a: &[i8], b: &[i8]) -> int32x4_t {
        let (a, b) = (&a[..16], &b[..16]);
        // SAFETY: see the impl comment; both have 16 elements. `|a − b|`
        // (≤ 255) is exact in i16, its square in i32.
        unsafe {
            let (x, y) = (vld1q_s8(a.as_ptr()), vld1q_s8(b.as_ptr()));
            let (lo, hi) = (vabdl_s8(vget_low_s8(x), vget_low_s8(y)), vabdl_high_s8(x, y));
            let acc = vmlal_s16(acc, vget_low_s16(lo), vget_low_s16(lo));
            let acc = vmlal_high_s16(acc, lo, lo);
            let acc = vmlal_s16(acc, vget_low_s16(hi), vget_low_s16(hi));
            vmlal_high_s16(acc, hi, hi)
        }
    }

    #[inline(always)]
    fn splat_f64(self, x: f64) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vdupq_n_f64(x) }
    }
    #[inline(always)]
    fn load_f64(self, src: &[f64]) -> float64x2_t {
        let src = &src[..2];
        // SAFETY: see the impl comment; `src` has 2 elements.
        unsafe { vld1q_f64(src.as_ptr()) }
    }
    #[inline(always)]
    fn load_partial_f64(self, src: &[f64]) -> float64x2_t {
        let a = padded::<2, f64>(src, 0.0);
        // SAFETY: see the impl comment; `a` has 2 elements.
        unsafe { vld1q_f64(a.as_ptr()) }
    }
    #[inline(always)]
    fn load_widen_f64(self, src: &[f32]) -> float64x2_t {
        let src = &src[..2];
        // SAFETY: see the impl comment; `src` has 2 elements.
        unsafe { vcvt_f64_f32(vld1_f32(src.as_ptr())) }
    }
    #[inline(always)]
    fn load_widen_partial_f64(self, src: &[f32]) -> float64x2_t {
        let a = padded::<2, f32>(src, 0.0);
        // SAFETY: see the impl comment; `a` has 2 elements.
        unsafe { vcvt_f64_f32(vld1_f32(a.as_ptr())) }
    }
    #[inline(always)]
    fn store_f64(self, v: float64x2_t, dst: &mut [f64]) {
        let dst = &mut dst[..2];
        // SAFETY: see the impl comment; `dst` has 2 elements.
        unsafe { vst1q_f64(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn store_partial_f64(self, v: float64x2_t, dst: &mut [f64]) {
        let mut a = [0.0f64; 2];
        // SAFETY: see the impl comment; `a` has 2 elements.
        unsafe { vst1q_f64(a.as_mut_ptr(), v) };
        let n = dst.len().min(2);
        dst[..n].copy_from_slice(&a[..n]);
    }
    #[inline(always)]
    fn add_f64(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vaddq_f64(a, b) }
    }
    #[inline(always)]
    fn sub_f64(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vsubq_f64(a, b) }
    }
    #[inline(always)]
    fn mul_f64(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vmulq_f64(a, b) }
    }
    #[inline(always)]
    fn div_f64(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vdivq_f64(a, b) }
    }
    #[inline(always)]
    fn mul_add_f64(self, a: float64x2_t, b: float64x2_t, c: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vfmaq_f64(c, a, b) }
    }
    #[inline(always)]
    fn round_f64(self, a: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vrndnq_f64(a) }
    }
    #[inline(always)]
    fn pow2_biased_f64(self, e: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment. round(e) in the exponent field.
        unsafe { vreinterpretq_f64_s64(vshlq_n_s64::<52>(vcvtnq_s64_f64(e))) }
    }
    #[inline(always)]
    fn max_f64(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vmaxq_f64(a, b) }
    }
    #[inline(always)]
    fn lt_select_f64(self, a: float64x2_t, b: float64x2_t, x: float64x2_t, y: float64x2_t) -> float64x2_t {
        // SAFETY: see the impl comment.
        unsafe { vbslq_f64(vcltq_f64(a, b), x, y) }
    }
    #[inline(always)]
    fn reduce_max_f64(self, v: float64x2_t) -> f64 {
        // SAFETY: see the impl comment.
        unsafe { vmaxvq_f64(v) }
    }
    #[inline(always)]
    fn reduce_sum_f64(self, v: float64x2_t) -> f64 {
        // SAFETY: see the impl comment.
        unsafe { vaddvq_f64(v) }
    }
}

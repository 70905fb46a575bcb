//! AVX-512 (F, VL, BW, DQ): 16 `f32` / 8 `f64` lanes, mask registers for
//! tails; and the same with BF16 and VNNI, whose dot-product instructions
//! the storage types use.

use core::arch::x86_64::*;

use half::{bf16, f16};

use super::x86_token;
use crate::level::Level;
use crate::simd::lanes::{Kernel, Simd};

x86_token!(
    /// Token proving AVX-512 F/VL/BW/DQ (and AVX2 + FMA) are usable, with
    /// the ZMM state enabled by the OS (XCR0 checked).
    Avx512,
    super::cpuid_avx512::get() && super::cpuid::has_f16c(),
    "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c"
);

x86_token!(
    /// Token proving AVX-512 with BF16 and VNNI is usable (the `Avx512`
    /// features, and the two extensions by CPUID).
    Avx512Bf16,
    super::cpuid_avx512::get() && super::cpuid::has_f16c() && super::cpuid::has_avx512_bf16_vnni(),
    "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c,avx512bf16,avx512vnni"
);

/// Mask of the first `n` (clamped to 16) lanes.
#[inline(always)]
fn mask16(n: usize) -> __mmask16 {
    if n >= 16 { u16::MAX } else { (1u16 << n) - 1 }
}

/// Mask of the first `n` (clamped to 32) 16-bit lanes.
#[inline(always)]
fn mask32(n: usize) -> __mmask32 {
    if n >= 32 { u32::MAX } else { (1u32 << n) - 1 }
}

/// The 32 `bf16` of `v` as `f32`, exactly: each 16-bit value unpacked
/// next to a zero word, so that it becomes the upper half of a 32-bit lane
/// (the four low values of each 128-bit lane in the first vector, the four
/// high ones in the second).
#[inline(always)]
fn bf16_to_f32(v: __m512i) -> [__m512; 2] {
    // SAFETY: AVX-512 F/BW are enabled in every caller (only inlined into
    // `Avx512::vectorize`'s target-feature entry point); no memory access.
    unsafe {
        let zero = _mm512_setzero_si512();
        [
            _mm512_castsi512_ps(_mm512_unpacklo_epi16(zero, v)),
            _mm512_castsi512_ps(_mm512_unpackhi_epi16(zero, v)),
        ]
    }
}

/// The 64 `i8` of `src` (at least 64 long) sign-extended to two vectors of
/// 32 `i16`.
#[inline(always)]
fn i8_to_i16(src: &[i8]) -> [__m512i; 2] {
    let src = &src[..64];
    // SAFETY: AVX-512 BW is enabled in every caller (only inlined into
    // `Avx512::vectorize`'s entry point); `src` has 64 elements, two halves
    // of 32.
    unsafe {
        let p = src.as_ptr().cast::<__m256i>();
        [_mm512_cvtepi8_epi16(_mm256_loadu_si256(p)), _mm512_cvtepi8_epi16(_mm256_loadu_si256(p.add(1)))]
    }
}

/// Mask of the first `n` (clamped to 8) lanes.
#[inline(always)]
fn mask8(n: usize) -> __mmask8 {
    if n >= 8 { u8::MAX } else { (1u8 << n) - 1 }
}

// SAFETY (for every `unsafe` block below): the `Avx512` and `Avx512Bf16`
// tokens exist only when the CPU and OS support every feature they name,
// and these `#[inline(always)]` methods are compiled inside their
// `vectorize`'s `#[target_feature]` entry points. Pointer arguments come
// from slices whose length was checked (full loads and stores slice
// `[..LANES]`) or are masked to at most `len` lanes; masked-off lanes are
// neither read nor written and cannot fault.

/// The lane operations both AVX-512 tokens share: all but the level, the
/// entry point and the dot products of the storage types.
macro_rules! avx512_lanes {
    () => {
        type F32 = __m512;
        type F64 = __m512d;
        type I32 = __m512i;

        #[inline(always)]
        fn prefetch(self, data: &[f32]) {
            super::prefetch(data);
        }

        #[inline(always)]
        fn splat_f32(self, x: f32) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_set1_ps(x) }
        }
        #[inline(always)]
        fn load_f32(self, src: &[f32]) -> __m512 {
            let src = &src[..16];
            // SAFETY: see the impl comment; `src` has 16 elements.
            unsafe { _mm512_loadu_ps(src.as_ptr()) }
        }
        #[inline(always)]
        fn load_partial_f32(self, src: &[f32]) -> __m512 {
            // SAFETY: see the impl comment; only `min(len, 16)` lanes are read.
            unsafe { _mm512_maskz_loadu_ps(mask16(src.len()), src.as_ptr()) }
        }
        #[inline(always)]
        fn load_partial_fill_f32(self, src: &[f32], fill: f32) -> __m512 {
            // SAFETY: see the impl comment; only `min(len, 16)` lanes are read.
            unsafe { _mm512_mask_loadu_ps(_mm512_set1_ps(fill), mask16(src.len()), src.as_ptr()) }
        }
        #[inline(always)]
        fn store_f32(self, v: __m512, dst: &mut [f32]) {
            let dst = &mut dst[..16];
            // SAFETY: see the impl comment; `dst` has 16 elements.
            unsafe { _mm512_storeu_ps(dst.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn store_partial_f32(self, v: __m512, dst: &mut [f32]) {
            // SAFETY: see the impl comment; only `min(len, 16)` lanes are written.
            unsafe { _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask16(dst.len()), v) }
        }
        #[inline(always)]
        fn add_f32(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub_f32(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul_f32(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_mul_ps(a, b) }
        }
        #[inline(always)]
        fn div_f32(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_div_ps(a, b) }
        }
        #[inline(always)]
        fn mul_add_f32(self, a: __m512, b: __m512, c: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_fmadd_ps(a, b, c) }
        }
        #[inline(always)]
        fn max_f32(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_max_ps(a, b) }
        }
        #[inline(always)]
        fn min_f32(self, a: __m512, b: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_min_ps(a, b) }
        }
        #[inline(always)]
        fn lt_select_f32(self, a: __m512, b: __m512, x: __m512, y: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(a, b), y, x) }
        }
        #[inline(always)]
        fn widen_low_f64(self, v: __m512) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_cvtps_pd(_mm512_castps512_ps256(v)) }
        }
        #[inline(always)]
        fn widen_high_f64(self, v: __m512) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_cvtps_pd(_mm512_extractf32x8_ps::<1>(v)) }
        }
        #[inline(always)]
        fn round_f32(self, a: __m512) -> __m512 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
        }
        #[inline(always)]
        fn pow2_biased_f32(self, e: __m512) -> __m512 {
            // SAFETY: see the impl comment. round(e) in the exponent field.
            unsafe { _mm512_castsi512_ps(_mm512_slli_epi32::<23>(_mm512_cvtps_epi32(e))) }
        }
        #[inline(always)]
        fn ldexp_f32(self, y: __m512, n: __m512) -> __m512 {
            // SAFETY: see the impl comment. `vscalefps` computes y·2^⌊n⌋ with a
            // single rounding, including into the subnormal range.
            unsafe { _mm512_scalef_ps(y, n) }
        }
        #[inline(always)]
        fn reduce_sum_f32(self, v: __m512) -> f32 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_reduce_add_ps(v) }
        }
        #[inline(always)]
        fn reduce_max_f32(self, v: __m512) -> f32 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_reduce_max_ps(v) }
        }

        #[inline(always)]
        fn load_bf16_f32(self, src: &[bf16]) -> [__m512; 2] {
            let src = &src[..32];
            // SAFETY: see the impl comment; `src` has 32 elements.
            bf16_to_f32(unsafe { _mm512_loadu_si512(src.as_ptr().cast()) })
        }
        #[inline(always)]
        fn load_partial_bf16_f32(self, src: &[bf16]) -> [__m512; 2] {
            // SAFETY: see the impl comment; only `min(len, 32)` values are read.
            bf16_to_f32(unsafe { _mm512_maskz_loadu_epi16(mask32(src.len()), src.as_ptr().cast()) })
        }
        #[inline(always)]
        fn load_f16_f32(self, src: &[f16]) -> [__m512; 2] {
            let src = &src[..32];
            // SAFETY: see the impl comment; `src` has 32 elements, two halves
            // of 16 (`vcvtph2ps` is AVX-512 F).
            unsafe {
                let p = src.as_ptr().cast::<__m256i>();
                [_mm512_cvtph_ps(_mm256_loadu_si256(p)), _mm512_cvtph_ps(_mm256_loadu_si256(p.add(1)))]
            }
        }
        #[inline(always)]
        fn load_partial_f16_f32(self, src: &[f16]) -> [__m512; 2] {
            let (lo, hi) = src.split_at(src.len().min(16));
            // SAFETY: see the impl comment; only `min(len, 16)` values of each
            // half are read.
            unsafe {
                let half =
                    |h: &[f16]| _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask16(h.len()), h.as_ptr().cast()));
                [half(lo), half(hi)]
            }
        }

        #[inline(always)]
        fn zero_i32(self) -> __m512i {
            // SAFETY: see the impl comment.
            unsafe { _mm512_setzero_si512() }
        }
        #[inline(always)]
        fn add_i32(self, a: __m512i, b: __m512i) -> __m512i {
            // SAFETY: see the impl comment.
            unsafe { _mm512_add_epi32(a, b) }
        }
        #[inline(always)]
        fn reduce_sum_i32(self, v: __m512i) -> i64 {
            // SAFETY: see the impl comment. Both halves widened to i64 first.
            unsafe {
                let lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v));
                let hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64::<1>(v));
                _mm512_reduce_add_epi64(_mm512_add_epi64(lo, hi))
            }
        }
        #[inline(always)]
        fn l2_i8(self, acc: __m512i, a: &[i8], b: &[i8]) -> __m512i {
            let [a0, a1] = i8_to_i16(&a[..64]);
            let [b0, b1] = i8_to_i16(&b[..64]);
            // SAFETY: see the impl comment. The differences (|d| ≤ 255) are
            // exact in i16, their squares summed in pairs by `vpmaddwd`.
            unsafe {
                let (d0, d1) = (_mm512_sub_epi16(a0, b0), _mm512_sub_epi16(a1, b1));
                _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_madd_epi16(d0, d0), _mm512_madd_epi16(d1, d1)))
            }
        }

        #[inline(always)]
        fn splat_f64(self, x: f64) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_set1_pd(x) }
        }
        #[inline(always)]
        fn load_f64(self, src: &[f64]) -> __m512d {
            let src = &src[..8];
            // SAFETY: see the impl comment; `src` has 8 elements.
            unsafe { _mm512_loadu_pd(src.as_ptr()) }
        }
        #[inline(always)]
        fn load_partial_f64(self, src: &[f64]) -> __m512d {
            // SAFETY: see the impl comment; only `min(len, 8)` lanes are read.
            unsafe { _mm512_maskz_loadu_pd(mask8(src.len()), src.as_ptr()) }
        }
        #[inline(always)]
        fn load_partial_fill_f64(self, src: &[f64], fill: f64) -> __m512d {
            // SAFETY: see the impl comment; only `min(len, 8)` lanes are read.
            unsafe { _mm512_mask_loadu_pd(_mm512_set1_pd(fill), mask8(src.len()), src.as_ptr()) }
        }
        #[inline(always)]
        fn load_widen_f64(self, src: &[f32]) -> __m512d {
            let src = &src[..8];
            // SAFETY: see the impl comment; `src` has 8 elements.
            unsafe { _mm512_cvtps_pd(_mm256_loadu_ps(src.as_ptr())) }
        }
        #[inline(always)]
        fn load_widen_partial_f64(self, src: &[f32]) -> __m512d {
            // SAFETY: see the impl comment; only `min(len, 8)` lanes are read.
            unsafe { _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mask8(src.len()), src.as_ptr())) }
        }
        #[inline(always)]
        fn load_widen_partial_fill_f64(self, src: &[f32], fill: f64) -> __m512d {
            // SAFETY: see the impl comment; only `min(len, 8)` lanes are read
            // (the others take `fill`, widened from f32 only where it is exact).
            unsafe {
                let m = mask8(src.len());
                let v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, src.as_ptr()));
                _mm512_mask_blend_pd(m, _mm512_set1_pd(fill), v)
            }
        }
        #[inline(always)]
        fn store_f64(self, v: __m512d, dst: &mut [f64]) {
            let dst = &mut dst[..8];
            // SAFETY: see the impl comment; `dst` has 8 elements.
            unsafe { _mm512_storeu_pd(dst.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn store_partial_f64(self, v: __m512d, dst: &mut [f64]) {
            // SAFETY: see the impl comment; only `min(len, 8)` lanes are written.
            unsafe { _mm512_mask_storeu_pd(dst.as_mut_ptr(), mask8(dst.len()), v) }
        }
        #[inline(always)]
        fn add_f64(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_add_pd(a, b) }
        }
        #[inline(always)]
        fn sub_f64(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_sub_pd(a, b) }
        }
        #[inline(always)]
        fn mul_f64(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_mul_pd(a, b) }
        }
        #[inline(always)]
        fn div_f64(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_div_pd(a, b) }
        }
        #[inline(always)]
        fn mul_add_f64(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn round_f64(self, a: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
        }
        #[inline(always)]
        fn pow2_biased_f64(self, e: __m512d) -> __m512d {
            // SAFETY: see the impl comment (AVX-512 DQ converts f64 → i64).
            unsafe { _mm512_castsi512_pd(_mm512_slli_epi64::<52>(_mm512_cvtpd_epi64(e))) }
        }
        #[inline(always)]
        fn ldexp_f64(self, y: __m512d, n: __m512d) -> __m512d {
            // SAFETY: see the impl comment. `vscalefpd` computes y·2^⌊n⌋ with a
            // single rounding, including into the subnormal range.
            unsafe { _mm512_scalef_pd(y, n) }
        }
        #[inline(always)]
        fn max_f64(self, a: __m512d, b: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_max_pd(a, b) }
        }
        #[inline(always)]
        fn lt_select_f64(self, a: __m512d, b: __m512d, x: __m512d, y: __m512d) -> __m512d {
            // SAFETY: see the impl comment.
            unsafe { _mm512_mask_blend_pd(_mm512_cmp_pd_mask::<_CMP_LT_OQ>(a, b), y, x) }
        }
        #[inline(always)]
        fn reduce_max_f64(self, v: __m512d) -> f64 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_reduce_max_pd(v) }
        }
        #[inline(always)]
        fn reduce_sum_f64(self, v: __m512d) -> f64 {
            // SAFETY: see the impl comment.
            unsafe { _mm512_reduce_add_pd(v) }
        }
    };
}

impl Simd for Avx512 {
    const LEVEL: Level = Level::Avx512;

    #[inline(always)]
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        Avx512::vectorize(self, kernel)
    }

    avx512_lanes!();

    #[inline(always)]
    fn dot_i8(self, acc: __m512i, a: &[i8], b: &[i8]) -> __m512i {
        let [a0, a1] = i8_to_i16(&a[..64]);
        let [b0, b1] = i8_to_i16(&b[..64]);
        // SAFETY: see the impl comment. `vpmaddwd` adds two i16 products
        // (|p| ≤ 2¹⁴) per i32 lane.
        unsafe {
            _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_madd_epi16(a0, b0), _mm512_madd_epi16(a1, b1)))
        }
    }
}

impl Simd for Avx512Bf16 {
    const LEVEL: Level = Level::Avx512Bf16;

    #[inline(always)]
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        Avx512Bf16::vectorize(self, kernel)
    }

    avx512_lanes!();

    /// `vdpbf16ps`: per lane, two products of bf16 pairs (exact in f32)
    /// added with at most two roundings — with the instruction's fixed
    /// DAZ/FTZ: subnormal inputs count as zero and subnormal results are
    /// flushed (the fast tier's documented extra `2⁻¹²⁶` terms).
    #[inline(always)]
    fn dot_bf16_f32(self, acc: __m512, a: &[bf16], b: &[bf16]) -> __m512 {
        let (a, b) = (&a[..32], &b[..32]);
        // SAFETY: see the impl comment; both have 32 elements, and a vector
        // of 32 bf16 has the layout of a 512-bit integer vector.
        unsafe {
            let x: __m512bh = core::mem::transmute(_mm512_loadu_si512(a.as_ptr().cast()));
            let y: __m512bh = core::mem::transmute(_mm512_loadu_si512(b.as_ptr().cast()));
            _mm512_dpbf16_ps(acc, x, y)
        }
    }

    /// `vpdpbusd` multiplies unsigned by signed bytes: `a + 128` (the sign
    /// bit flipped) times `b`, less `128 · b` (a second `vpdpbusd` of the
    /// bytes 128 by `b`), is `a · b`, four per lane, exactly (the integer
    /// adds wrap, and the true sum is in range).
    #[inline(always)]
    fn dot_i8(self, acc: __m512i, a: &[i8], b: &[i8]) -> __m512i {
        let (a, b) = (&a[..64], &b[..64]);
        // SAFETY: see the impl comment; both have 64 elements.
        unsafe {
            let (x, y) = (_mm512_loadu_si512(a.as_ptr().cast()), _mm512_loadu_si512(b.as_ptr().cast()));
            let bias = _mm512_set1_epi8(i8::MIN);
            let biased = _mm512_dpbusd_epi32(acc, _mm512_xor_si512(x, bias), y);
            _mm512_sub_epi32(biased, _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, y))
        }
    }
}

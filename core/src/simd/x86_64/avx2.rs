//! AVX2 + FMA: 8 `f32` / 4 `f64` lanes, masked loads and stores for tails.

use core::arch::x86_64::*;

use half::{bf16, f16};

use super::x86_token;
use crate::level::Level;
use crate::simd::lanes::{Kernel, Simd};

x86_token!(
    /// Token proving AVX2, FMA and F16C are usable (CPUID and XCR0
    /// checked; every CPU with AVX2 has F16C).
    Avx2,
    super::cpuid_avx2::get() && super::cpuid::has_f16c(),
    "avx2,fma,f16c"
);

/// Lane mask for the first `n` (clamped to 8) 32-bit lanes.
#[inline(always)]
fn mask32(n: usize) -> __m256i {
    let n = n.min(8) as i32;
    // SAFETY: AVX2 is enabled in every caller (this is only inlined into
    // `Avx2::vectorize`'s target-feature entry point).
    unsafe { _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)) }
}

/// The 32 `i8` of `src` (at least 32 long) sign-extended to two vectors of
/// 16 `i16`.
#[inline(always)]
fn i8_to_i16(src: &[i8]) -> [__m256i; 2] {
    let src = &src[..32];
    // SAFETY: as in `mask32`; `src` has 32 elements, two halves of 16.
    unsafe {
        let p = src.as_ptr().cast::<__m128i>();
        [_mm256_cvtepi8_epi16(_mm_loadu_si128(p)), _mm256_cvtepi8_epi16(_mm_loadu_si128(p.add(1)))]
    }
}

/// Lane mask for the first `n` (clamped to 4) 64-bit lanes.
#[inline(always)]
fn mask64(n: usize) -> __m256i {
    let n = n.min(4) as i64;
    // SAFETY: as in `mask32`.
    unsafe { _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3)) }
}

// SAFETY (for every `unsafe` block below): the `Avx2` token exists only when
// the CPU and OS support AVX2 and FMA, and these `#[inline(always)]` methods
// are compiled inside `Avx2::vectorize`'s `#[target_feature]` entry point.
// Pointer arguments come from slices whose length was checked (full loads
// and stores slice `[..LANES]`) or are masked to at most `len` lanes;
// masked-off lanes are neither read nor written and cannot fault.
impl Simd for Avx2 {
    type F32 = __m256;
    type F64 = __m256d;
    type I32 = __m256i;
    const LEVEL: Level = Level::Avx2;

    #[inline(always)]
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output {
        Avx2::vectorize(self, kernel)
    }

    #[inline(always)]
    fn prefetch(self, data: &[f32]) {
        super::prefetch(data);
    }

    #[inline(always)]
    fn splat_f32(self, x: f32) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    fn load_f32(self, src: &[f32]) -> __m256 {
        let src = &src[..8];
        // SAFETY: see the impl comment; `src` has 8 elements.
        unsafe { _mm256_loadu_ps(src.as_ptr()) }
    }
    #[inline(always)]
    fn load_partial_f32(self, src: &[f32]) -> __m256 {
        // SAFETY: see the impl comment; only `min(len, 8)` lanes are read.
        unsafe { _mm256_maskload_ps(src.as_ptr(), mask32(src.len())) }
    }
    #[inline(always)]
    fn load_partial_fill_f32(self, src: &[f32], fill: f32) -> __m256 {
        // SAFETY: see the impl comment; only `min(len, 8)` lanes are read.
        unsafe {
            let m = mask32(src.len());
            _mm256_blendv_ps(
                _mm256_set1_ps(fill),
                _mm256_maskload_ps(src.as_ptr(), m),
                _mm256_castsi256_ps(m),
            )
        }
    }
    #[inline(always)]
    fn store_f32(self, v: __m256, dst: &mut [f32]) {
        let dst = &mut dst[..8];
        // SAFETY: see the impl comment; `dst` has 8 elements.
        unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn store_partial_f32(self, v: __m256, dst: &mut [f32]) {
        // SAFETY: see the impl comment; only `min(len, 8)` lanes are written.
        unsafe { _mm256_maskstore_ps(dst.as_mut_ptr(), mask32(dst.len()), v) }
    }
    #[inline(always)]
    fn add_f32(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    fn sub_f32(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_sub_ps(a, b) }
    }
    #[inline(always)]
    fn mul_f32(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    fn div_f32(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_div_ps(a, b) }
    }
    #[inline(always)]
    fn mul_add_f32(self, a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    fn max_f32(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    fn min_f32(self, a: __m256, b: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    fn lt_select_f32(self, a: __m256, b: __m256, x: __m256, y: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_blendv_ps(y, x, _mm256_cmp_ps::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn widen_low_f64(self, v: __m256) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_cvtps_pd(_mm256_castps256_ps128(v)) }
    }
    #[inline(always)]
    fn widen_high_f64(self, v: __m256) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)) }
    }
    #[inline(always)]
    fn round_f32(self, a: __m256) -> __m256 {
        // SAFETY: see the impl comment.
        unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn pow2_biased_f32(self, e: __m256) -> __m256 {
        // SAFETY: see the impl comment. round(e) in the exponent field.
        unsafe { _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_cvtps_epi32(e))) }
    }
    #[inline(always)]
    fn reduce_sum_f32(self, v: __m256) -> f32 {
        // SAFETY: see the impl comment.
        unsafe {
            let x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let x = _mm_add_ps(x, _mm_movehl_ps(x, x));
            _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)))
        }
    }
    #[inline(always)]
    fn reduce_max_f32(self, v: __m256) -> f32 {
        // SAFETY: see the impl comment.
        unsafe {
            let x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
            let x = _mm_max_ps(x, _mm_movehl_ps(x, x));
            _mm_cvtss_f32(_mm_max_ss(x, _mm_movehdup_ps(x)))
        }
    }

    #[inline(always)]
    fn load_bf16_f32(self, src: &[bf16]) -> [__m256; 2] {
        let src = &src[..16];
        // SAFETY: see the impl comment; `src` has 16 elements. Each value
        // unpacked next to a zero word becomes the upper half of a 32-bit
        // lane: its f32 (the four low values of each 128-bit lane first).
        unsafe {
            let (v, zero) = (_mm256_loadu_si256(src.as_ptr().cast()), _mm256_setzero_si256());
            [
                _mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, v)),
                _mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, v)),
            ]
        }
    }
    #[inline(always)]
    fn load_f16_f32(self, src: &[f16]) -> [__m256; 2] {
        let src = &src[..16];
        // SAFETY: see the impl comment (F16C is part of the level); `src`
        // has 16 elements, two halves of 8.
        unsafe {
            let p = src.as_ptr().cast::<__m128i>();
            [_mm256_cvtph_ps(_mm_loadu_si128(p)), _mm256_cvtph_ps(_mm_loadu_si128(p.add(1)))]
        }
    }

    #[inline(always)]
    fn zero_i32(self) -> __m256i {
        // SAFETY: see the impl comment.
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    fn add_i32(self, a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_epi32(a, b) }
    }
    #[inline(always)]
    fn reduce_sum_i32(self, v: __m256i) -> i64 {
        // SAFETY: see the impl comment. Both halves widened to i64 first.
        unsafe {
            let lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v));
            let hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256::<1>(v));
            let s = _mm256_add_epi64(lo, hi);
            let s = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256::<1>(s));
            _mm_cvtsi128_si64(s) + _mm_extract_epi64::<1>(s)
        }
    }
    #[inline(always)]
    fn dot_i8(self, acc: __m256i, a: &[i8], b: &[i8]) -> __m256i {
        let [a0, a1] = i8_to_i16(&a[..32]);
        let [b0, b1] = i8_to_i16(&b[..32]);
        // SAFETY: see the impl comment. `vpmaddwd` adds two i16 products
        // (|p| ≤ 2¹⁴) per i32 lane.
        unsafe {
            _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_madd_epi16(a0, b0), _mm256_madd_epi16(a1, b1)))
        }
    }
    #[inline(always)]
    fn l2_i8(self, acc: __m256i, a: &[i8], b: &[i8]) -> __m256i {
        let [a0, a1] = i8_to_i16(&a[..32]);
        let [b0, b1] = i8_to_i16(&b[..32]);
        // SAFETY: see the impl comment. The differences (|d| ≤ 255) are
        // exact in i16, their squares summed in pairs by `vpmaddwd`.
        unsafe {
            let (d0, d1) = (_mm256_sub_epi16(a0, b0), _mm256_sub_epi16(a1, b1));
            _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_madd_epi16(d0, d0), _mm256_madd_epi16(d1, d1)))
        }
    }

    #[inline(always)]
    fn splat_f64(self, x: f64) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_set1_pd(x) }
    }
    #[inline(always)]
    fn load_f64(self, src: &[f64]) -> __m256d {
        let src = &src[..4];
        // SAFETY: see the impl comment; `src` has 4 elements.
        unsafe { _mm256_loadu_pd(src.as_ptr()) }
    }
    #[inline(always)]
    fn load_partial_f64(self, src: &[f64]) -> __m256d {
        // SAFETY: see the impl comment; only `min(len, 4)` lanes are read.
        unsafe { _mm256_maskload_pd(src.as_ptr(), mask64(src.len())) }
    }
    #[inline(always)]
    fn load_widen_f64(self, src: &[f32]) -> __m256d {
        let src = &src[..4];
        // SAFETY: see the impl comment; `src` has 4 elements.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(src.as_ptr())) }
    }
    #[inline(always)]
    fn load_widen_partial_f64(self, src: &[f32]) -> __m256d {
        // SAFETY: see the impl comment; only `min(len, 4)` lanes are read.
        unsafe {
            let m = _mm256_castsi256_si128(mask32(src.len().min(4)));
            _mm256_cvtps_pd(_mm_maskload_ps(src.as_ptr(), m))
        }
    }
    #[inline(always)]
    fn store_f64(self, v: __m256d, dst: &mut [f64]) {
        let dst = &mut dst[..4];
        // SAFETY: see the impl comment; `dst` has 4 elements.
        unsafe { _mm256_storeu_pd(dst.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn store_partial_f64(self, v: __m256d, dst: &mut [f64]) {
        // SAFETY: see the impl comment; only `min(len, 4)` lanes are written.
        unsafe { _mm256_maskstore_pd(dst.as_mut_ptr(), mask64(dst.len()), v) }
    }
    #[inline(always)]
    fn add_f64(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_add_pd(a, b) }
    }
    #[inline(always)]
    fn sub_f64(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_sub_pd(a, b) }
    }
    #[inline(always)]
    fn mul_f64(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_mul_pd(a, b) }
    }
    #[inline(always)]
    fn div_f64(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_div_pd(a, b) }
    }
    #[inline(always)]
    fn mul_add_f64(self, a: __m256d, b: __m256d, c: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_fmadd_pd(a, b, c) }
    }
    #[inline(always)]
    fn round_f64(self, a: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
    }
    #[inline(always)]
    fn pow2_biased_f64(self, e: __m256d) -> __m256d {
        // SAFETY: see the impl comment. e + 2⁵² rounds e to an integer in
        // the low mantissa bits; a shift by 52 moves it into the exponent
        // field (AVX2 has no f64 → i64 conversion).
        unsafe {
            let m = _mm256_add_pd(e, _mm256_set1_pd(4_503_599_627_370_496.0));
            _mm256_castsi256_pd(_mm256_slli_epi64::<52>(_mm256_castpd_si256(m)))
        }
    }
    #[inline(always)]
    fn max_f64(self, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_max_pd(a, b) }
    }
    #[inline(always)]
    fn lt_select_f64(self, a: __m256d, b: __m256d, x: __m256d, y: __m256d) -> __m256d {
        // SAFETY: see the impl comment.
        unsafe { _mm256_blendv_pd(y, x, _mm256_cmp_pd::<_CMP_LT_OQ>(a, b)) }
    }
    #[inline(always)]
    fn reduce_max_f64(self, v: __m256d) -> f64 {
        // SAFETY: see the impl comment.
        unsafe {
            let pair = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
            _mm_cvtsd_f64(_mm_max_sd(pair, _mm_unpackhi_pd(pair, pair)))
        }
    }
    #[inline(always)]
    fn reduce_sum_f64(self, v: __m256d) -> f64 {
        // SAFETY: see the impl comment.
        unsafe {
            let pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
            _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)))
        }
    }
}

//! The lane trait: the vector operations every algorithm is written against.

use half::{bf16, f16};

use crate::level::Level;

/// Vector operations on `f32` and `f64` lanes, implemented once per ISA by a
/// zero-sized token whose existence proves the CPU supports it.
///
/// Loads take slices: full loads read the first `LANES` elements and assert
/// that they exist (the assertion folds away in loops over
/// `chunks_exact(LANES)`); partial loads and stores touch only
/// `min(len, LANES)` elements (masked on AVX-512 and AVX2, a copy through a
/// small array elsewhere) and never read or write past the slice.
pub trait Simd: Copy + 'static {
    /// `f32` lanes.
    type F32: Copy;
    /// `f64` lanes; half as many as `F32`.
    type F64: Copy;
    /// `i32` lanes, `F32_LANES` of them: exact integer sums of `i8`
    /// products.
    type I32: Copy;
    /// The level this token runs (algorithms that pick a shape per level,
    /// like the GEMM tile, match on it; the match folds at compile time).
    const LEVEL: Level;
    /// Number of `f32` lanes.
    const F32_LANES: usize = Self::LEVEL.f32_lanes();
    /// Number of `f64` lanes.
    const F64_LANES: usize = Self::F32_LANES / 2;

    /// Runs `kernel` at this level in a separate, never-inlined function:
    /// for a sub-step whose register use should not mix with its caller's
    /// (the GEMM micro-kernel needs nearly every vector register).
    fn vectorize<K: Kernel>(self, kernel: K) -> K::Output;

    /// All lanes set to `x`.
    fn splat_f32(self, x: f32) -> Self::F32;
    /// Loads `F32_LANES` elements from the start of `src`.
    fn load_f32(self, src: &[f32]) -> Self::F32;
    /// Loads `min(src.len(), F32_LANES)` elements, zero in the other lanes.
    fn load_partial_f32(self, src: &[f32]) -> Self::F32;
    /// Loads `min(src.len(), F32_LANES)` elements, `fill` in the other lanes.
    fn load_partial_fill_f32(self, src: &[f32], fill: f32) -> Self::F32;
    /// Asks for the cache line holding `data[0]` to be fetched into L1: a
    /// hint with no effect on any result (nothing is read from an empty
    /// slice; a no-op where the level has no prefetch instruction).
    #[inline(always)]
    fn prefetch(self, _data: &[f32]) {}
    /// Stores all lanes to the start of `dst`.
    fn store_f32(self, v: Self::F32, dst: &mut [f32]);
    /// Stores the first `min(dst.len(), F32_LANES)` lanes.
    fn store_partial_f32(self, v: Self::F32, dst: &mut [f32]);
    /// `a + b`.
    fn add_f32(self, a: Self::F32, b: Self::F32) -> Self::F32;
    /// `a − b`.
    fn sub_f32(self, a: Self::F32, b: Self::F32) -> Self::F32;
    /// `a · b`.
    fn mul_f32(self, a: Self::F32, b: Self::F32) -> Self::F32;
    /// `a / b`, correctly rounded.
    fn div_f32(self, a: Self::F32, b: Self::F32) -> Self::F32;
    /// `a · b + c`, fused (one rounding) on every level but a portable build
    /// without FMA, where it is `a · b` then `+ c`.
    fn mul_add_f32(self, a: Self::F32, b: Self::F32, c: Self::F32) -> Self::F32;
    /// Lane-wise maximum. Where either lane is NaN the result is NaN or `b`
    /// (ISAs differ); callers that must propagate NaN test for it.
    fn max_f32(self, a: Self::F32, b: Self::F32) -> Self::F32;
    /// Lane-wise minimum, NaN as in [`Simd::max_f32`].
    fn min_f32(self, a: Self::F32, b: Self::F32) -> Self::F32;
    /// Per lane `if a < b { x } else { y }` (false for NaN).
    fn lt_select_f32(self, a: Self::F32, b: Self::F32, x: Self::F32, y: Self::F32) -> Self::F32;
    /// Widens the low half of the lanes to `f64` (exactly).
    fn widen_low_f64(self, v: Self::F32) -> Self::F64;
    /// Widens the high half of the lanes to `f64` (exactly).
    fn widen_high_f64(self, v: Self::F32) -> Self::F64;
    /// Rounds to the nearest integer, ties to even, for `|a| ≤ 2²²`.
    fn round_f32(self, a: Self::F32) -> Self::F32;
    /// `2^(e − 127)` for lanes whose `e` rounds (to nearest) to an integer
    /// in `[1, 254]`: the rounded `e` placed in the exponent field (exact).
    fn pow2_biased_f32(self, e: Self::F32) -> Self::F32;
    /// `y · 2ⁿ` for lanes `n` holding integers in `[−150, 128]` and `y` in
    /// `[0.5, 2]`, rounded once (correct gradual underflow, `+∞` on overflow).
    ///
    /// By default two normal factors `2^⌊n/2⌋ · 2^⌈n/2⌉`, both in
    /// `[−75, 64]`: the first product is exact, the second rounds once. The
    /// biased exponents come from one fused multiply-add each
    /// (`n/2 + 127 ∓ ¼` rounds to `⌊n/2⌋ + 127` and `⌈n/2⌉ + 127`), so the
    /// whole is two FMAs, two exponent-field builds and two products.
    /// Levels with a scaling instruction override it.
    #[inline(always)]
    fn ldexp_f32(self, y: Self::F32, n: Self::F32) -> Self::F32 {
        let half = self.splat_f32(0.5);
        let lo = self.pow2_biased_f32(self.mul_add_f32(n, half, self.splat_f32(126.75)));
        let hi = self.pow2_biased_f32(self.mul_add_f32(n, half, self.splat_f32(127.25)));
        self.mul_f32(self.mul_f32(y, lo), hi)
    }
    /// Sum of the lanes.
    fn reduce_sum_f32(self, v: Self::F32) -> f32;
    /// Maximum of the lanes (NaN as in [`Simd::max_f32`]).
    fn reduce_max_f32(self, v: Self::F32) -> f32;

    /// Loads `2 · F32_LANES` `bf16` values (the start of `src`) widened to
    /// `f32`, exactly: a bf16 is the upper half of an f32's bits. Which
    /// value lands in which lane is the level's choice, the same for every
    /// call (a pair reduction needs only that both streams agree).
    #[inline(always)]
    fn load_bf16_f32(self, src: &[bf16]) -> [Self::F32; 2] {
        self.load_partial_bf16_f32(&src[..2 * Self::F32_LANES])
    }
    /// Loads `min(src.len(), 2 · F32_LANES)` `bf16` values widened, zero
    /// in the other lanes, in the order of [`Simd::load_bf16_f32`] (by
    /// default through an array, one value at a time).
    #[inline(always)]
    fn load_partial_bf16_f32(self, src: &[bf16]) -> [Self::F32; 2] {
        widen_two_vectors(self, src, bf16::to_f32)
    }
    /// Loads `2 · F32_LANES` `f16` values widened to `f32` (exactly), in a
    /// fixed order as [`Simd::load_bf16_f32`].
    #[inline(always)]
    fn load_f16_f32(self, src: &[f16]) -> [Self::F32; 2] {
        self.load_partial_f16_f32(&src[..2 * Self::F32_LANES])
    }
    /// Loads `min(src.len(), 2 · F32_LANES)` `f16` values widened, zero in
    /// the other lanes, in the order of [`Simd::load_f16_f32`].
    #[inline(always)]
    fn load_partial_f16_f32(self, src: &[f16]) -> [Self::F32; 2] {
        widen_two_vectors(self, src, f16::to_f32)
    }
    /// `acc` plus the `2 · F32_LANES` products `aᵢbᵢ` of two full `bf16`
    /// slices, two per lane, with at most two `f32` roundings per lane (the
    /// products of two bf16 are exact in f32): by default both widened and
    /// two fused multiply-adds; `vdpbf16ps` where the level has it.
    #[inline(always)]
    fn dot_bf16_f32(self, acc: Self::F32, a: &[bf16], b: &[bf16]) -> Self::F32 {
        let ([a0, a1], [b0, b1]) = (self.load_bf16_f32(a), self.load_bf16_f32(b));
        self.mul_add_f32(a1, b1, self.mul_add_f32(a0, b0, acc))
    }

    /// All `i32` lanes zero.
    fn zero_i32(self) -> Self::I32;
    /// `a + b`, lane-wise (wrapping; callers keep the lanes in range).
    fn add_i32(self, a: Self::I32, b: Self::I32) -> Self::I32;
    /// The sum of the `i32` lanes, exact (in `i64`).
    fn reduce_sum_i32(self, v: Self::I32) -> i64;
    /// `acc` plus the `4 · F32_LANES` products `aᵢbᵢ` of two full `i8`
    /// slices, exactly: each lane gains four products, at most `2¹⁶` in
    /// magnitude.
    fn dot_i8(self, acc: Self::I32, a: &[i8], b: &[i8]) -> Self::I32;
    /// `acc` plus the `4 · F32_LANES` squares `(aᵢ − bᵢ)²`, exactly: each
    /// lane gains four, at most `4 · 255² < 2¹⁸`.
    fn l2_i8(self, acc: Self::I32, a: &[i8], b: &[i8]) -> Self::I32;

    /// All lanes set to `x`.
    fn splat_f64(self, x: f64) -> Self::F64;
    /// Loads `F64_LANES` elements from the start of `src`.
    fn load_f64(self, src: &[f64]) -> Self::F64;
    /// Loads `min(src.len(), F64_LANES)` elements, zero in the other lanes.
    fn load_partial_f64(self, src: &[f64]) -> Self::F64;
    /// Loads `min(src.len(), F64_LANES)` elements, `fill` in the other lanes
    /// (through a small array by default; masked where the level can).
    #[inline(always)]
    fn load_partial_fill_f64(self, src: &[f64], fill: f64) -> Self::F64 {
        self.load_f64(&super::padded::<8, f64>(src, fill)[..Self::F64_LANES])
    }
    /// Loads `F64_LANES` `f32` elements and widens them to `f64` (exactly).
    fn load_widen_f64(self, src: &[f32]) -> Self::F64;
    /// Loads `min(src.len(), F64_LANES)` `f32` elements widened, zero elsewhere.
    fn load_widen_partial_f64(self, src: &[f32]) -> Self::F64;
    /// Loads `min(src.len(), F64_LANES)` `f32` elements widened, `fill` in
    /// the other lanes.
    #[inline(always)]
    fn load_widen_partial_fill_f64(self, src: &[f32], fill: f64) -> Self::F64 {
        let mut a = [fill; 8];
        for (a, &v) in a.iter_mut().zip(src.iter().take(Self::F64_LANES)) {
            *a = f64::from(v);
        }
        self.load_f64(&a[..Self::F64_LANES])
    }
    /// Stores all lanes to the start of `dst`.
    fn store_f64(self, v: Self::F64, dst: &mut [f64]);
    /// Stores the first `min(dst.len(), F64_LANES)` lanes.
    fn store_partial_f64(self, v: Self::F64, dst: &mut [f64]);
    /// `a + b`.
    fn add_f64(self, a: Self::F64, b: Self::F64) -> Self::F64;
    /// `a − b`.
    fn sub_f64(self, a: Self::F64, b: Self::F64) -> Self::F64;
    /// `a · b`.
    fn mul_f64(self, a: Self::F64, b: Self::F64) -> Self::F64;
    /// `a / b`, correctly rounded.
    fn div_f64(self, a: Self::F64, b: Self::F64) -> Self::F64;
    /// `a · b + c`, fused (one rounding) on every level but a portable build
    /// without FMA, where it is `a · b` then `+ c`.
    fn mul_add_f64(self, a: Self::F64, b: Self::F64, c: Self::F64) -> Self::F64;
    /// Rounds to the nearest integer, ties to even, for `|a| ≤ 2⁵¹`.
    fn round_f64(self, a: Self::F64) -> Self::F64;
    /// `2^(e − 1023)` for lanes whose `e` rounds (to nearest) to an
    /// integer in `[1, 2046]`, built in the exponent field (exact).
    fn pow2_biased_f64(self, e: Self::F64) -> Self::F64;
    /// `y · 2ⁿ` for lanes `n` holding integers in `[−1076, 1024]` and `y` in
    /// `[0.5, 2]`, rounded once (correct gradual underflow, `+∞` on overflow).
    /// By default two normal factors, as [`Simd::ldexp_f32`] (both in
    /// `[−538, 512]`).
    #[inline(always)]
    fn ldexp_f64(self, y: Self::F64, n: Self::F64) -> Self::F64 {
        let half = self.splat_f64(0.5);
        let lo = self.pow2_biased_f64(self.mul_add_f64(n, half, self.splat_f64(1022.75)));
        let hi = self.pow2_biased_f64(self.mul_add_f64(n, half, self.splat_f64(1023.25)));
        self.mul_f64(self.mul_f64(y, lo), hi)
    }
    /// Lane-wise maximum, NaN as in [`Simd::max_f32`].
    fn max_f64(self, a: Self::F64, b: Self::F64) -> Self::F64;
    /// Per lane `if a < b { x } else { y }` (false for NaN).
    fn lt_select_f64(self, a: Self::F64, b: Self::F64, x: Self::F64, y: Self::F64) -> Self::F64;
    /// Maximum of the lanes (NaN as in [`Simd::reduce_max_f32`]).
    fn reduce_max_f64(self, v: Self::F64) -> f64;
    /// Sum of the lanes.
    fn reduce_sum_f64(self, v: Self::F64) -> f64;
}

/// The first `min(src.len(), 2 · F32_LANES)` values of `src` widened by
/// `widen` into two `f32` vectors, zero in the other lanes, one value at a
/// time through an array: the default of the half types' partial loads.
#[inline(always)]
fn widen_two_vectors<S: Simd, E: Copy>(s: S, src: &[E], widen: impl Fn(E) -> f32) -> [S::F32; 2] {
    let mut x = [0.0f32; 32];
    for (x, &v) in x.iter_mut().zip(src.iter().take(2 * S::F32_LANES)) {
        *x = widen(v);
    }
    [s.load_f32(&x), s.load_f32(&x[S::F32_LANES..])]
}

/// An algorithm written once over [`Simd`], runnable at any level.
///
/// Implementors are small structs holding the arguments; `run` must be
/// `#[inline(always)]` so that it is compiled inside each token's
/// `#[target_feature]` entry point.
pub trait Kernel {
    /// What the algorithm returns.
    type Output;
    /// Runs the algorithm with the instructions of `S`.
    fn run<S: Simd>(self, s: S) -> Self::Output;
}

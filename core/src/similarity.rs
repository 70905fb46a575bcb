//! Similarity of vectors: dot product, norms, squared Euclidean distance,
//! cosine similarity and L2 normalisation, for `f32` and `f64`.
//!
//! | kernel | formula |
//! |---|---|
//! | [`dot`] | `Σ aᵢ bᵢ` |
//! | [`norm_squared`], [`norm`] | `Σ xᵢ²`, `√Σ xᵢ²` |
//! | [`l2_squared`] | `Σ (aᵢ − bᵢ)²` |
//! | [`cosine`] | `a·b / (‖a‖ ‖b‖)`, clamped to `[−1, 1]`; 0 if either is a zero vector |
//! | [`normalize`] | `x ← x / ‖x‖` (a zero vector is left as is) |
//! | [`dot_fast`], [`l2_squared_fast`], [`cosine_fast`] | the same in `f32` accumulation (the fast tier; also `f16`, `bf16`) |
//! | [`dot_i8`], [`l2_squared_i8`], [`cosine_i8`] | the same over `i8`, in exact integers |
//!
//! # Accuracy
//! Every sum runs in `f64` lanes with eight independent accumulators (four
//! for cosine, which keeps three sums). `f32` inputs are widened exactly, so
//! each product `aᵢbᵢ` is exact and the computed sum `ŝ` satisfies
//! `|ŝ − s| ≤ γ_k · Σ|aᵢbᵢ|` with `k = n/8 + 16` and `γ_k = k·u/(1 − k·u)`,
//! `u = 2⁻⁵³`; the `f32` result is that value rounded once, so it is within
//! half an `f32` ulp of the exact dot product for any input whose
//! cancellation (`Σ|aᵢbᵢ| / |Σaᵢbᵢ|`) is below ~10⁶. For `f64` inputs each
//! product also rounds: `|ŝ − s| ≤ γ_{k+1} · Σ|aᵢbᵢ|`.
//! Square roots are exact IEEE `sqrt` (no reciprocal-sqrt estimate).
//!
//! `cosine`, `norm` and `normalize` hold these bounds at every magnitude:
//! where the plain `f64` sums of squares overflow or underflow (only `f64`
//! inputs beyond ~1e154 or below ~1e-140 can get there), the sums are
//! recomputed on the inputs scaled by a power of two (exact), so
//! `‖(1e308, 1e308)‖` is `1.41e308`, not `∞`, and the smallest subnormal
//! normalises to `1`, not to itself.
//!
//! # The fast tier
//! [`dot_fast`], [`cosine_fast`] and [`l2_squared_fast`] accumulate in
//! `f32`, as BLAS's `sdot` and an FPU without `f64` (Cortex-M4F) do, at
//! the CPU's load limit: `U = 4` chains of fused multiply-adds per vector
//! lane, in blocks of 32 steps per chain, each block merged and widened
//! exactly into `f64` totals. So every term goes through at most
//! `k = 32 + log₂ 4 + 1 = 35` `f32` roundings whatever `n` (`sdot` with
//! `L` lanes and `U` chains: `n/(L·U)`, 1 024 at `n = 65 536`):
//!
//! ```text
//! |ŝ − s| ≤ γ₃₅ · Σ|aᵢbᵢ| + ½ ulp(s)     (γ₃₅ = 35u/(1 − 35u) ≈ 2.1e-6, u = 2⁻²⁴)
//! ```
//!
//! plus `n·2⁻¹⁵⁰` absolute where products fall below `f32`'s normal range
//! (and, for `bf16` dot products and cosines at
//! [`Level::Avx512Bf16`](crate::Level::Avx512Bf16), whose `vdpbf16ps`
//! treats subnormal inputs as zero and flushes subnormal results,
//! `2⁻¹²⁶ · Σ(1 + |aᵢ| + |bᵢ|)`: nothing an embedding notices);
//! where `Σ|aᵢbᵢ|` itself exceeds `f32::MAX` a partial sum may overflow
//! (±∞ or NaN), as in any `f32` accumulation.
//! The same bound holds for `half::f16` and `half::bf16` inputs
//! ([`FastElement`]): they are widened exactly in the registers (a unit of
//! two vectors per step, blocks counted in roundings), and a product of
//! two of them is exact in `f32`.
//! `l2_squared_fast` adds `2u` per term for the rounded difference
//! (`γ₃₇ · Σ(aᵢ − bᵢ)²`); `cosine_fast` the bound of each of its three
//! sums through the ratio. [`similarity_matrix_into`] accumulates in `f32`
//! along `d` without blocks (as BLAS's `sgemm`): its bound is `γ_d`.
//!
//! On targets without SIMD (a Cortex-M4F, whose FPU has no `f64`) the
//! tier runs without any `f64` arithmetic: one chain (`k = 33`), each
//! block's sums added into compensated `f32` totals (two-sum, exact at
//! each step) instead of `f64` ones, the same bound; `cosine_fast` takes
//! its ratio in `f32` there, and sums power-of-two-scaled inputs in `f32`
//! where the plain sums leave the range (elsewhere: the accurate tier).
//!
//! # Layout
//! The main loop peels a head so that loads of `a` are aligned to the vector
//! width (unaligned 512-bit loads that split cache lines halve L1
//! throughput), runs unrolled over aligned blocks, and finishes the tail
//! with masked (AVX-512, AVX2) or copied (portable, NEON) partial loads.

use half::bf16;

mod bf16_matrix;
pub use bf16_matrix::{PackedBf16Keys, similarity_matrix_bf16_into, similarity_matrix_bf16_scratch_len};

use crate::blocking::tile;
use crate::error::{Error, Result, same_dim, same_len};
use crate::executor::{Divisible, Executor, divide_among};
use crate::float::{FastElement, Float, SliceMut};
use crate::gemm::{self, Accum, Blocking, GemmPackedB, PackB, View, ViewMut};
use crate::matrix::{MatRef, StridedMatRef};
use crate::moments::{Centered, Scale, ratio};
use crate::simd::{
    COMPACT, F32_BLOCK_STEPS, Kernel, Kernels, Lane, LaneMap, PairReduce, PairReduceF32, PairReduceI8,
    ShortPairs, Simd, map_in_place, reduce_pairs, reduce_pairs_f32, reduce_pairs_f32_compact,
    reduce_pairs_i8,
};

/// `Σ aᵢ bᵢ`.
#[derive(Clone, Copy)]
pub(crate) struct Dot;
/// `Σ (aᵢ − bᵢ)²`.
#[derive(Clone, Copy)]
struct L2Squared;
/// `(Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²)`, for cosine in one pass.
#[derive(Clone, Copy)]
struct CosineSums;

impl PairReduce<1> for Dot {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::F64; 1], a: S::F64, b: S::F64) -> [S::F64; 1] {
        [s.mul_add_f64(a, b, acc)]
    }
}

impl PairReduce<1> for L2Squared {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::F64; 1], a: S::F64, b: S::F64) -> [S::F64; 1] {
        let d = s.sub_f64(a, b);
        [s.mul_add_f64(d, d, acc)]
    }
}

impl PairReduce<3> for CosineSums {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [ab, aa, bb]: [S::F64; 3], a: S::F64, b: S::F64) -> [S::F64; 3] {
        [s.mul_add_f64(a, b, ab), s.mul_add_f64(a, a, aa), s.mul_add_f64(b, b, bb)]
    }
}

impl PairReduceF32<1> for Dot {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::F32; 1], a: S::F32, b: S::F32) -> [S::F32; 1] {
        [s.mul_add_f32(a, b, acc)]
    }
    #[inline(always)]
    fn step_bf16<S: Simd>(&self, s: S, [acc]: [S::F32; 1], a: &[bf16], b: &[bf16]) -> [S::F32; 1] {
        [s.dot_bf16_f32(acc, a, b)]
    }
}

impl PairReduceF32<1> for L2Squared {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::F32; 1], a: S::F32, b: S::F32) -> [S::F32; 1] {
        let d = s.sub_f32(a, b);
        [s.mul_add_f32(d, d, acc)]
    }
}

impl PairReduceF32<3> for CosineSums {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [ab, aa, bb]: [S::F32; 3], a: S::F32, b: S::F32) -> [S::F32; 3] {
        [s.mul_add_f32(a, b, ab), s.mul_add_f32(a, a, aa), s.mul_add_f32(b, b, bb)]
    }
    #[inline(always)]
    fn step_bf16<S: Simd>(&self, s: S, [ab, aa, bb]: [S::F32; 3], a: &[bf16], b: &[bf16]) -> [S::F32; 3] {
        [s.dot_bf16_f32(ab, a, b), s.dot_bf16_f32(aa, a, a), s.dot_bf16_f32(bb, b, b)]
    }
}

impl PairReduceI8<1> for Dot {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::I32; 1], a: &[i8], b: &[i8]) -> [S::I32; 1] {
        [s.dot_i8(acc, a, b)]
    }
}

impl PairReduceI8<1> for L2Squared {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::I32; 1], a: &[i8], b: &[i8]) -> [S::I32; 1] {
        [s.l2_i8(acc, a, b)]
    }
}

impl PairReduceI8<3> for CosineSums {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [ab, aa, bb]: [S::I32; 3], a: &[i8], b: &[i8]) -> [S::I32; 3] {
        [s.dot_i8(ab, a, b), s.dot_i8(aa, a, a), s.dot_i8(bb, b, b)]
    }
}

/// The [`Kernel`] of an exact `i8` reduction: four chains where there is
/// SIMD, one where [`COMPACT`].
struct I8Pairs<'a, R, const K: usize> {
    a: &'a [i8],
    b: &'a [i8],
    r: R,
}

impl<R: PairReduceI8<K>, const K: usize> Kernel for I8Pairs<'_, R, K> {
    type Output = [i64; K];
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> [i64; K] {
        if COMPACT {
            reduce_pairs_i8::<S, R, K, 1>(s, &self.r, self.a, self.b)
        } else {
            reduce_pairs_i8::<S, R, K, 4>(s, &self.r, self.a, self.b)
        }
    }
}

/// Chains of the fast tier (see the module docs: with
/// [`F32_BLOCK_STEPS`] they fix its bound): one on targets without SIMD,
/// where more only lengthen the code.
const FAST_CHAINS: usize = if COMPACT { 1 } else { 4 };

/// The `f32` roundings a term of the fast tier goes through at most.
pub const FAST_ROUNDINGS: usize = F32_BLOCK_STEPS + FAST_CHAINS.ilog2() as usize + 1;

/// The [`Kernel`] of a fast-tier reduction.
struct FastPairs<'a, E, R, const K: usize> {
    a: &'a [E],
    b: &'a [E],
    r: R,
}

impl<E: FastElement, R: PairReduceF32<K>, const K: usize> Kernel for FastPairs<'_, E, R, K> {
    /// Each sum rounded once to `f32`: from `f64` totals where there is
    /// SIMD, from compensated `f32` totals where [`COMPACT`] (no `f64`
    /// arithmetic at all on an FPU without it).
    type Output = [f32; K];
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> [f32; K] {
        if COMPACT {
            reduce_pairs_f32_compact::<S, E, R, K>(s, &self.r, self.a, self.b)
        } else {
            reduce_pairs_f32::<S, E, R, K, FAST_CHAINS>(s, &self.r, self.a, self.b).map(|v| v as f32)
        }
    }
}

/// `(Σ (ca·aᵢ)(cb·bᵢ), Σ (ca·aᵢ)², Σ (cb·bᵢ)²)` for powers of two `ca`,
/// `cb`: the fast cosine of inputs whose plain `f32` sums leave the range,
/// where [`COMPACT`] (elsewhere those take the accurate tier).
struct ScaledCosineSums {
    c: [f32; 2],
}

impl PairReduceF32<3> for ScaledCosineSums {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, acc: [S::F32; 3], a: S::F32, b: S::F32) -> [S::F32; 3] {
        let (a, b) = (s.mul_f32(a, s.splat_f32(self.c[0])), s.mul_f32(b, s.splat_f32(self.c[1])));
        PairReduceF32::step(&CosineSums, s, acc, a, b)
    }
}

/// A power of two that brings `max |xᵢ|` near 1 (into `[½, 1)` when
/// `max |xᵢ|` is normal and below 2¹²⁶, within `[2⁻²³, 4)` at the ends of
/// the range), so that the sums of squares stay in `f32`'s range: `None`
/// for a zero vector or one holding NaN or ±∞ (a scalar scan, for the cold
/// path).
fn f32_scale<E: FastElement>(x: &[E]) -> Option<f32> {
    let mut largest = 0.0f32;
    for v in x.iter().map(|v| v.widen()) {
        if !v.is_finite() {
            return None;
        }
        largest = largest.max(v.abs());
    }
    if largest == 0.0 {
        return None;
    }
    // 2^−(e + 1) for the biased exponent field e + 127 of `largest`, within
    // the normal powers 2⁻¹²⁶..2¹²⁷, built in the exponent field.
    let e = ((largest.to_bits() >> 23) as i32) - 127;
    let k = (-(e + 1)).clamp(-126, 127);
    Some(f32::from_bits(((k + 127) as u32) << 23))
}

/// `ab / (√aa √bb)` in `f32`, clamped to `[−1, 1]` (sums in `f32`'s range).
fn cosine_from_f32_sums([ab, aa, bb]: [f32; 3]) -> f32 {
    (ab / (libm::sqrtf(aa) * libm::sqrtf(bb))).clamp(-1.0, 1.0)
}

/// Inputs shorter than this take [`ShortPairs`] (`reduce_short_pairs`): a separate entry
/// point, so they pay for neither the alignment peel, the merge tree of
/// eight accumulators, nor the larger stack frame of the long loop.
const SHORT: usize = 64;

/// The [`Kernel`] of a pair reduction with `U` accumulators.
struct Pairs<'a, T, R, const K: usize, const U: usize> {
    a: &'a [T],
    b: &'a [T],
    r: R,
}

impl<T: Float, R: PairReduce<K>, const K: usize, const U: usize> Kernel for Pairs<'_, T, R, K, U> {
    type Output = [f64; K];
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> [f64; K] {
        reduce_pairs::<S, T, T, R, K, U>(s, &self.r, self.a, self.b)
    }
}

/// `Σ xᵢ²` in `f64`, inside a kernel (for the normalisation in InfoNCE).
#[inline(always)]
pub(crate) fn sum_squares<S: Simd>(s: S, x: &[f32]) -> f64 {
    reduce_pairs::<S, f32, f32, Dot, 1, 8>(s, &Dot, x, x)[0]
}

/// `Σ (xᵢ − yᵢ)²` in `f64`, inside a kernel.
#[inline(always)]
pub(crate) fn l2_squared_in<S: Simd>(s: S, x: &[f32], y: &[f32]) -> f64 {
    reduce_pairs::<S, f32, f32, L2Squared, 1, 8>(s, &L2Squared, x, y)[0]
}

/// `Σ xᵢ yᵢ` in `f64`, inside a kernel.
#[inline(always)]
pub(crate) fn dot_in<S: Simd>(s: S, x: &[f32], y: &[f32]) -> f64 {
    reduce_pairs::<S, f32, f32, Dot, 1, 8>(s, &Dot, x, y)[0]
}

impl Kernels {
    /// Runs the pair reduction `r` over `a` and `b`, which must have equal
    /// lengths.
    #[inline]
    fn pairs<T: Float, R: PairReduce<K>, const K: usize, const U: usize>(
        self,
        r: R,
        a: &[T],
        b: &[T],
    ) -> Result<[f64; K]> {
        same_len("a", a.len(), "b", b.len())?;
        Ok(self.reduce::<T, R, K, U>(r, a, b))
    }

    /// [`Kernels::pairs`] after the length check.
    #[inline]
    fn reduce<T: Float, R: PairReduce<K>, const K: usize, const U: usize>(
        self,
        r: R,
        a: &[T],
        b: &[T],
    ) -> [f64; K] {
        if COMPACT || a.len() < SHORT {
            self.run(ShortPairs::<T, T, R, K> { r: &r, a, b })
        } else {
            self.run(Pairs::<T, R, K, U> { a, b, r })
        }
    }

    /// [`dot`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.dot(&[2.0f64], &[3.0]).unwrap(), 6.0);
    /// ```
    pub fn dot<T: Float>(self, a: &[T], b: &[T]) -> Result<T> {
        self.pairs::<T, Dot, 1, 8>(Dot, a, b).map(|[d]| T::from_f64(d))
    }

    /// [`dot_f64`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// assert_eq!(Kernels::best().dot_f64(&[3.0f32], &[0.5]).unwrap(), 1.5);
    /// ```
    pub fn dot_f64<T: Float>(self, a: &[T], b: &[T]) -> Result<f64> {
        self.pairs::<T, Dot, 1, 8>(Dot, a, b).map(|[d]| d)
    }

    /// [`dot_fast`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.dot_fast(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap(), 32.0);
    /// ```
    pub fn dot_fast<E: FastElement>(self, a: &[E], b: &[E]) -> Result<f32> {
        same_len("a", a.len(), "b", b.len())?;
        Ok(self.run_storage(FastPairs { a, b, r: Dot })[0])
    }

    /// [`l2_squared_fast`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.l2_squared_fast(&[1.0, 2.0], &[4.0, 6.0]).unwrap(), 25.0);
    /// ```
    pub fn l2_squared_fast<E: FastElement>(self, a: &[E], b: &[E]) -> Result<f32> {
        same_len("a", a.len(), "b", b.len())?;
        Ok(self.run_storage(FastPairs { a, b, r: L2Squared })[0])
    }

    /// [`cosine_fast`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.cosine_fast(&[2.0, 2.0], &[1.0, 1.0]).unwrap(), 1.0);
    /// ```
    pub fn cosine_fast<E: FastElement>(self, a: &[E], b: &[E]) -> Result<f32> {
        same_len("a", a.len(), "b", b.len())?;
        let sums @ [ab, aa, bb] = self.run_storage(FastPairs { a, b, r: CosineSums });
        // The f32 sums of squares of finite f32 inputs can overflow (|x| >
        // 1.8e19) or lose their digits to underflow; and below 1e-20 the
        // flush-to-zero of `vdpbf16ps` (2⁻¹²⁶ per rounding) could show.
        let safe = |v: f32| (1e-20..=1e30).contains(&v);
        if safe(aa) && safe(bb) && ab.is_finite() {
            return Ok(if COMPACT {
                cosine_from_f32_sums(sums)
            } else {
                cosine_from_sums(sums.map(f64::from)) as f32
            });
        }
        if let (false, Some(a), Some(b)) = (COMPACT, E::as_f32(a), E::as_f32(b)) {
            // The accurate tier, right at every magnitude.
            return self.cosine(a, b);
        }
        // Without f64 hardware, or for bf16 (whose range is f32's): the
        // same sums of the inputs scaled by powers of two (exact, bar
        // elements below 2⁻¹⁴⁹ of the largest, whose squares do not count
        // against the sums), in f32.
        Ok(match (f32_scale(a), f32_scale(b)) {
            (Some(ca), Some(cb)) => {
                let sums = self.run_storage(FastPairs { a, b, r: ScaledCosineSums { c: [ca, cb] } });
                if COMPACT {
                    cosine_from_f32_sums(sums)
                } else {
                    cosine_from_sums(sums.map(f64::from)) as f32
                }
            }
            _ if a.iter().chain(b).any(|v| !v.widen().is_finite()) => f32::NAN,
            _ => 0.0, // a zero vector
        })
    }

    /// [`dot_i8`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.dot_i8(&[-128, 127], &[-128, 127]).unwrap(), 32_513);
    /// ```
    pub fn dot_i8(self, a: &[i8], b: &[i8]) -> Result<i64> {
        same_len("a", a.len(), "b", b.len())?;
        Ok(self.run_storage(I8Pairs { a, b, r: Dot })[0])
    }

    /// [`l2_squared_i8`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.l2_squared_i8(&[-128, 0], &[127, 3]).unwrap(), 65_034);
    /// ```
    pub fn l2_squared_i8(self, a: &[i8], b: &[i8]) -> Result<i64> {
        same_len("a", a.len(), "b", b.len())?;
        Ok(self.run_storage(I8Pairs { a, b, r: L2Squared })[0])
    }

    /// [`cosine_i8`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.cosine_i8(&[3, 0], &[6, 0]).unwrap(), 1.0);
    /// ```
    pub fn cosine_i8(self, a: &[i8], b: &[i8]) -> Result<f32> {
        same_len("a", a.len(), "b", b.len())?;
        let [ab, aa, bb] = self.run_storage(I8Pairs { a, b, r: CosineSums });
        Ok(if COMPACT {
            if aa == 0 || bb == 0 { 0.0 } else { cosine_from_f32_sums([ab as f32, aa as f32, bb as f32]) }
        } else {
            cosine_from_sums([ab as f64, aa as f64, bb as f64]) as f32
        })
    }

    /// [`l2_squared`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.l2_squared(&[1.0f64], &[3.0]).unwrap(), 4.0);
    /// ```
    pub fn l2_squared<T: Float>(self, a: &[T], b: &[T]) -> Result<T> {
        self.pairs::<T, L2Squared, 1, 8>(L2Squared, a, b).map(|[d]| T::from_f64(d))
    }

    /// [`norm_squared`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// assert_eq!(Kernels::new(Level::Portable).unwrap().norm_squared(&[3.0f64, 4.0]), 25.0);
    /// ```
    pub fn norm_squared<T: Float>(self, x: &[T]) -> T {
        T::from_f64(self.sum_squares(x))
    }

    /// [`norm`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// assert_eq!(Kernels::new(Level::Portable).unwrap().norm(&[6.0f32, 8.0]), 10.0);
    /// ```
    pub fn norm<T: Float>(self, x: &[T]) -> T {
        let ss = self.sum_squares(x);
        if in_range(ss) || ss.is_nan() {
            return T::from_f64(libm::sqrt(ss));
        }
        T::from_f64(self.rescaled_norm(x).0)
    }

    /// `‖x‖` of an `f64` input whose plain `Σ xᵢ²` overflowed or fell below
    /// [`SQUARES_MIN`], with the power of two `c` that brings `max |xᵢ|` to
    /// `[½, 1)`: `(‖x‖, ‖c·x‖, c)`. `(0, 0, 1)` for a zero vector, `∞` when
    /// an element is infinite (callers handle NaN before).
    #[cold]
    #[inline(never)]
    fn rescaled_norm<T: Float>(self, x: &[T]) -> (f64, f64, f64) {
        let c = match Scale::of(x) {
            Scale::By(c) => c,
            Scale::Zero => return (0.0, 0.0, 1.0),
            // ∞ (NaN stopped at the plain sum: Σxᵢ² is NaN only for a NaN xᵢ).
            Scale::NonFinite => return (f64::INFINITY, f64::INFINITY, 1.0),
        };
        let [_, ss, _] = self.reduce::<T, Centered<true>, 3, 2>(Centered { m: [0.0; 2], c: [c; 2] }, x, x);
        let scaled = libm::sqrt(ss);
        (scaled / c, scaled, c)
    }

    /// `Σ xᵢ²` in `f64`.
    fn sum_squares<T: Float>(self, x: &[T]) -> f64 {
        self.reduce::<T, Dot, 1, 8>(Dot, x, x)[0]
    }

    /// [`cosine`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.cosine(&[1.0f64, 1.0], &[-1.0, -1.0]).unwrap(), -1.0);
    /// ```
    pub fn cosine<T: Float>(self, a: &[T], b: &[T]) -> Result<T> {
        let sums @ [ab, aa, bb] = self.pairs::<T, CosineSums, 3, 4>(CosineSums, a, b)?;
        if in_range(aa) && in_range(bb) && !ab.is_nan() {
            return Ok(T::from_f64(cosine_from_sums(sums)));
        }
        // Zero vectors, overflow (Σaᵢbᵢ may be ∞ − ∞), squares lost to
        // underflow, NaN or ∞: cosine is scale-invariant, so scale each input
        // by a power of two (exact) and sum again.
        Ok(T::from_f64(self.rescaled_cosine(a, b)))
    }

    /// Cosine of `f64` inputs whose plain sums left the safe range (see
    /// [`Kernels::cosine`]): 0 if either is a zero vector, else NaN for a
    /// NaN or infinite element.
    #[cold]
    #[inline(never)]
    fn rescaled_cosine<T: Float>(self, a: &[T], b: &[T]) -> f64 {
        let c = match (Scale::of(a), Scale::of(b)) {
            (Scale::By(ca), Scale::By(cb)) => [ca, cb],
            // A zero vector gives 0 whatever the other holds (as the plain
            // path: its sum of squares is exactly 0 there).
            (Scale::Zero, _) | (_, Scale::Zero) => return 0.0,
            (Scale::NonFinite, _) | (_, Scale::NonFinite) => return f64::NAN,
        };
        cosine_from_sums(self.reduce::<T, Centered<true>, 3, 2>(Centered { m: [0.0; 2], c }, a, b))
    }

    /// [`normalize`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut x = [0.0f64, 2.0];
    /// assert_eq!(Kernels::new(Level::Portable).unwrap().normalize(&mut x), 2.0);
    /// assert_eq!(x, [0.0, 1.0]);
    /// ```
    pub fn normalize<T: Float>(self, x: &mut [T]) -> T {
        let ss = self.sum_squares(x);
        if in_range(ss) || ss.is_nan() {
            let n = libm::sqrt(ss);
            self.run(DivideInPlace { x, by: n });
            return T::from_f64(n);
        }
        // Scaled by c first (exact, bar elements that underflow), then
        // divided by c·‖x‖: the same quotients where nothing overflows, and
        // unit vectors where ‖x‖ itself would overflow.
        // An infinite element: ‖x‖ = ∞, and x / ∞ as IEEE defines it.
        let (n, scaled, c) = self.rescaled_norm(x);
        if scaled.is_finite() {
            self.run(DivideInPlace { x, by: 1.0 / c });
        }
        self.run(DivideInPlace { x, by: scaled });
        T::from_f64(n)
    }

    /// Elements of scratch [`Kernels::similarity_matrix_into`] needs at this
    /// handle's level: packed panels of that level's register tile (the
    /// portable level's are 4 × 8, or 4 × 4 on targets without SIMD;
    /// AVX-512's 12 × 32), so a small product
    /// on a microcontroller needs far less than on an AVX-512 CPU.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// const SCRATCH: usize = Kernels::portable().similarity_matrix_scratch_len(3, 4, 5);
    /// // One B panel (one vector wide) and one A panel (4 rows), depth 5.
    /// assert_eq!(SCRATCH, 5 * Level::Portable.f32_lanes() + 5 * 4);
    /// ```
    pub const fn similarity_matrix_scratch_len(self, n: usize, m: usize, dim: usize) -> usize {
        gemm::scratch_len(self.level(), n, m, dim)
    }

    /// [`similarity_matrix_into`] at this handle's level; `scratch` must
    /// hold [`Kernels::similarity_matrix_scratch_len`] elements.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef};
    /// let q = MatRef::new(&[2.0f32], 1).unwrap();
    /// let mut out = [0.0f32];
    /// let mut scratch = [0.0f32; 512];
    /// Kernels::new(Level::Portable).unwrap().similarity_matrix_into(q, q, &mut out, &mut scratch).unwrap();
    /// assert_eq!(out, [4.0]);
    /// ```
    pub fn similarity_matrix_into(
        self,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        self.similarity_matrix_strided_into(q.into(), k.into(), out, scratch)
    }

    /// [`Kernels::similarity_matrix_into`] for operands of any strides
    /// (rows padded past `dim`, column-major, blocks of larger matrices),
    /// read where they are: the engine packs them into the same panels as
    /// row-major copies, so `out` is the same, bit for bit, without the
    /// copies. `out` is row-major `q.rows() × k.rows()`; `scratch` as for
    /// the row-major form.
    ///
    /// ```
    /// use simkern_core::{Kernels, StridedMatRef};
    /// let k = Kernels::best();
    /// // Q = [[1, 2], [3, 4]] column-major; K = [[1, 0], [0, 1]] in rows padded to 3.
    /// let q = StridedMatRef::new(&[1.0f32, 3.0, 2.0, 4.0], 2, 2, 1, 2)?;
    /// let keys = StridedMatRef::new(&[1.0f32, 0.0, -7.0, 0.0, 1.0], 2, 2, 3, 1)?;
    /// let mut out = [0.0f32; 4];
    /// let mut scratch = vec![0.0f32; k.similarity_matrix_scratch_len(2, 2, 2)];
    /// k.similarity_matrix_strided_into(q, keys, &mut out, &mut scratch)?;
    /// assert_eq!(out, [1.0, 2.0, 3.0, 4.0]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn similarity_matrix_strided_into(
        self,
        q: StridedMatRef<'_, f32>,
        k: StridedMatRef<'_, f32>,
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        let needed = self.similarity_matrix_scratch_len(q.rows(), k.rows(), q.dim());
        if check_similarity_matrix(q, k, out, scratch, needed)? {
            self.run(SimilarityMatrix { q, k, out, blocks: self.blocking(), scratch });
        }
        Ok(())
    }

    /// Elements of scratch [`Kernels::similarity_matrix_with`] needs on an
    /// executor of `workers` workers: with one, what
    /// [`Kernels::similarity_matrix_scratch_len`] says; with more, `Kᵀ`
    /// packed whole once (shared by the workers) and one `A` block of
    /// packing space per worker.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// let k = Kernels::best();
    /// assert_eq!(k.similarity_matrix_scratch_len_with(64, 64, 8, 1), k.similarity_matrix_scratch_len(64, 64, 8));
    /// assert!(k.similarity_matrix_scratch_len_with(64, 64, 8, 2) >= 64 * 8);
    /// ```
    pub const fn similarity_matrix_scratch_len_with(
        self,
        n: usize,
        m: usize,
        dim: usize,
        workers: usize,
    ) -> usize {
        if workers <= 1 {
            return self.similarity_matrix_scratch_len(n, m, dim);
        }
        let level = self.level();
        gemm::packed_b_len(level, dim, m)
            .saturating_add(gemm::a_pack_len(level, n, dim).saturating_mul(workers))
    }

    /// [`Kernels::similarity_matrix_into`] with the rows of `out` divided
    /// among `exec`'s workers, all reading one packed `Kᵀ`; `scratch` holds
    /// [`Kernels::similarity_matrix_scratch_len_with`] for `exec.workers()`.
    /// The same bits as the one-worker call (every entry is the same sum in
    /// the same order).
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef, executor::Serial};
    /// let k = Kernels::best();
    /// let q = MatRef::new(&[1.0f32, 2.0, 3.0, 4.0], 2).unwrap();
    /// let mut out = [0.0f32; 4];
    /// let mut scratch = vec![0.0f32; k.similarity_matrix_scratch_len_with(2, 2, 2, 1)];
    /// k.similarity_matrix_with(&Serial, q, q, &mut out, &mut scratch).unwrap();
    /// assert_eq!(out, [5.0, 11.0, 11.0, 25.0]);
    /// ```
    pub fn similarity_matrix_with<E: Executor>(
        self,
        exec: &E,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        let workers = exec.workers();
        if workers <= 1 {
            return self.similarity_matrix_into(q, k, out, scratch);
        }
        let scratch_needed = self.similarity_matrix_scratch_len_with(q.rows(), k.rows(), q.dim(), workers);
        if !check_similarity_matrix(q.into(), k.into(), out, scratch, scratch_needed)? {
            return Ok(());
        }
        let (blocks, m) = (self.blocking(), k.rows());
        let Some((kt_buf, slots)) =
            scratch.split_at_mut_checked(gemm::packed_b_len(self.level(), q.dim(), m))
        else {
            return Err(Error::ScratchTooSmall { needed: scratch_needed, got: scratch.len() });
        };
        let kt = self.run(PackB { b: View::of(k).t(), blocks, buf: kt_buf });
        let rows = OutRows { q: View::of(q), out, m };
        divide_among(
            exec,
            workers,
            slots,
            tile(self.level()).0,
            rows,
            &|part: OutRows<'_>, abuf: &mut [f32]| {
                let c = ViewMut { data: part.out, ld: m };
                self.run(GemmPackedB {
                    a: part.q,
                    b: &kt,
                    c,
                    accum: Accum::Overwrite,
                    mc: blocks.mc(),
                    abuf,
                });
            },
        );
        Ok(())
    }
}

/// The checks of the similarity-matrix entry points: the row lengths,
/// `out` of exactly `n · m` elements, `scratch` of at least
/// `scratch_needed`. `Ok(false)` when there is nothing to compute.
fn check_similarity_matrix<T>(
    q: StridedMatRef<'_, T>,
    k: StridedMatRef<'_, T>,
    out: &[f32],
    scratch: &[f32],
    scratch_needed: usize,
) -> Result<bool> {
    same_dim("q", q.dim(), "k", k.dim())?;
    let needed = q.rows().checked_mul(k.rows()).ok_or(Error::SizeOverflow)?;
    if out.len() != needed {
        return Err(Error::OutputSize { needed, got: out.len() });
    }
    if scratch.len() < scratch_needed {
        return Err(Error::ScratchTooSmall { needed: scratch_needed, got: scratch.len() });
    }
    Ok(needed != 0)
}

/// Rows of `Q` and the rows of `S = Q·Kᵀ` they give (`m` per row).
struct OutRows<'a> {
    q: View<'a>,
    out: &'a mut [f32],
    m: usize,
}

impl Divisible for OutRows<'_> {
    fn units(&self) -> usize {
        self.q.rows()
    }
    fn divide(self, at: usize) -> (Self, Self) {
        let (out, out_b) = self.out.split_at_mut((at * self.m).min(self.out.len()));
        let (q, q_b) = (self.q.rows_range(0, at), self.q.rows_range(at, self.q.rows()));
        (OutRows { q, out, m: self.m }, OutRows { q: q_b, out: out_b, m: self.m })
    }
}

fn cosine_from_sums([ab, aa, bb]: [f64; 3]) -> f64 {
    if aa == 0.0 || bb == 0.0 { 0.0 } else { ratio(ab, aa, bb) }
}

/// Dot product `Σ aᵢ bᵢ`, accumulated in `f64`, rounded once to `T`.
///
/// Two empty slices give `0`; NaN or ∞ give the IEEE result.
/// Errors: [`Error::LengthMismatch`].
///
/// ```
/// let d = simkern_core::similarity::dot(&[1.0f32, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
/// assert_eq!(d, 32.0);
/// ```
pub fn dot<T: Float>(a: &[T], b: &[T]) -> Result<T> {
    Kernels::best().dot(a, b)
}

/// Dot product returned in the `f64` accumulator, before rounding to `T`
/// (for `f32` inputs this keeps the ~16 digits the sum was computed with).
///
/// ```
/// let d = simkern_core::similarity::dot_f64(&[0.1f32], &[0.1f32]).unwrap();
/// assert_eq!(d, 0.1f32 as f64 * 0.1f32 as f64);
/// ```
pub fn dot_f64<T: Float>(a: &[T], b: &[T]) -> Result<f64> {
    Kernels::best().dot_f64(a, b)
}

/// Dot product, the fast tier: `f32` accumulation at the CPU's load limit,
/// `|ŝ − s| ≤ γ₃₅ · Σ|aᵢbᵢ| + ½ ulp(s)` for any length (see the module
/// docs; [`dot`] is exact to one rounding).
///
/// ```
/// use simkern_core::similarity::{dot, dot_fast};
/// let a: Vec<f32> = (0..1000).map(|i| (i as f32).sin()).collect();
/// let (fast, exact) = (dot_fast(&a, &a).unwrap(), dot(&a, &a).unwrap());
/// assert!((fast - exact).abs() <= 2.1e-6 * exact + f32::EPSILON * exact);
/// ```
pub fn dot_fast<E: FastElement>(a: &[E], b: &[E]) -> Result<f32> {
    Kernels::best().dot_fast(a, b)
}

/// Squared Euclidean distance, the fast tier (`f32` accumulation):
/// `|ŝ − s| ≤ γ₃₇ · Σ(aᵢ − bᵢ)² + ½ ulp(s)`.
///
/// ```
/// assert_eq!(simkern_core::similarity::l2_squared_fast(&[0.0, 0.0], &[3.0, 4.0]).unwrap(), 25.0);
/// ```
pub fn l2_squared_fast<E: FastElement>(a: &[E], b: &[E]) -> Result<f32> {
    Kernels::best().l2_squared_fast(a, b)
}

/// Cosine similarity, the fast tier: its three sums in `f32` (each within
/// the bound of [`dot_fast`]), then the ratio in `f64` (in `f32` on targets
/// without SIMD, whose FPU may lack `f64`), clamped to `[−1, 1]`; 0 for a
/// zero vector. Inputs whose sums of squares leave `f32`'s comfortable
/// range (beyond 1e30 or below 1e-20) take [`cosine`] (on targets without
/// SIMD, and for `bf16`: the same sums of the inputs scaled by powers of
/// two, in `f32`).
///
/// ```
/// let c = simkern_core::similarity::cosine_fast(&[1.0, 0.0], &[1.0, 1.0]).unwrap();
/// assert!((c - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
/// ```
pub fn cosine_fast<E: FastElement>(a: &[E], b: &[E]) -> Result<f32> {
    Kernels::best().cosine_fast(a, b)
}

/// Dot product of `i8` vectors `Σ aᵢbᵢ`, exact: `i32` lanes (products
/// sign-extended to `i16` and summed in pairs), added into `i64` before
/// they could overflow, at the CPU's best level.
///
/// Errors: [`Error::LengthMismatch`].
///
/// ```
/// let d = simkern_core::similarity::dot_i8(&[1, -2, 3], &[4, 5, -6]).unwrap();
/// assert_eq!(d, -24);
/// ```
pub fn dot_i8(a: &[i8], b: &[i8]) -> Result<i64> {
    Kernels::best().dot_i8(a, b)
}

/// Squared Euclidean distance of `i8` vectors `Σ (aᵢ − bᵢ)²`, exact.
///
/// ```
/// assert_eq!(simkern_core::similarity::l2_squared_i8(&[0, 0], &[3, 4]).unwrap(), 25);
/// ```
pub fn l2_squared_i8(a: &[i8], b: &[i8]) -> Result<i64> {
    Kernels::best().l2_squared_i8(a, b)
}

/// Cosine similarity of `i8` vectors: the three sums exact (as
/// [`dot_i8`]), the ratio in `f64` (`f32` on targets without SIMD),
/// clamped to `[−1, 1]`; 0 for a zero vector.
///
/// ```
/// let c = simkern_core::similarity::cosine_i8(&[1, 0], &[1, 1]).unwrap();
/// assert!((c - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
/// ```
pub fn cosine_i8(a: &[i8], b: &[i8]) -> Result<f32> {
    Kernels::best().cosine_i8(a, b)
}

/// Squared Euclidean distance `Σ (aᵢ − bᵢ)²`, accumulated in `f64`.
///
/// ```
/// let d = simkern_core::similarity::l2_squared(&[1.0f32, 2.0], &[4.0, 6.0]).unwrap();
/// assert_eq!(d, 25.0);
/// ```
pub fn l2_squared<T: Float>(a: &[T], b: &[T]) -> Result<T> {
    Kernels::best().l2_squared(a, b)
}

/// Squared norm `Σ xᵢ²`, accumulated in `f64`.
///
/// ```
/// assert_eq!(simkern_core::similarity::norm_squared(&[3.0f32, 4.0]), 25.0);
/// ```
pub fn norm_squared<T: Float>(x: &[T]) -> T {
    Kernels::best().norm_squared(x)
}

/// Euclidean norm `√Σ xᵢ²` (exact `sqrt` of the `f64` sum, then rounded).
///
/// ```
/// assert_eq!(simkern_core::similarity::norm(&[3.0f64, 4.0]), 5.0);
/// ```
pub fn norm<T: Float>(x: &[T]) -> T {
    Kernels::best().norm(x)
}

/// Cosine similarity `a·b / (‖a‖‖b‖)` in `[−1, 1]`, from one pass over the
/// inputs with the three sums in `f64`.
///
/// A zero vector (or two empty slices) gives `0`; NaN propagates.
///
/// ```
/// use simkern_core::similarity::cosine;
/// assert_eq!(cosine(&[1.0f32, 0.0], &[0.0, 1.0]).unwrap(), 0.0);
/// assert_eq!(cosine(&[2.0f32, 2.0], &[1.0, 1.0]).unwrap(), 1.0);
/// assert_eq!(cosine(&[0.0f32, 0.0], &[1.0, 1.0]).unwrap(), 0.0);
/// ```
pub fn cosine<T: Float>(a: &[T], b: &[T]) -> Result<T> {
    Kernels::best().cosine(a, b)
}

/// Scales `x` in place to unit length, `x ← x / ‖x‖`, and returns `‖x‖`.
///
/// A zero vector is left unchanged and `0` is returned, so the caller can
/// tell. The division is correctly rounded per element (no reciprocal).
///
/// ```
/// let mut x = [3.0f32, 4.0];
/// assert_eq!(simkern_core::similarity::normalize(&mut x), 5.0);
/// assert_eq!(x, [0.6, 0.8]);
/// let mut z = [0.0f64; 3];
/// assert_eq!(simkern_core::similarity::normalize(&mut z), 0.0);
/// ```
pub fn normalize<T: Float>(x: &mut [T]) -> T {
    Kernels::best().normalize(x)
}

/// `x ← x / by` lane by lane, correctly rounded (`by` broadcast).
pub(crate) struct DivideBy<V>(pub(crate) V);

impl<S: Simd, E: Lane> LaneMap<S, E> for DivideBy<E::V<S>> {
    #[inline(always)]
    fn apply(&mut self, s: S, x: E::V<S>) -> E::V<S> {
        E::div(s, x, self.0)
    }
}

/// `x ← x / by`, each element correctly rounded (`by` rounded to `E` first).
#[inline(always)]
pub(crate) fn divide_in_place<S: Simd, E: Lane + Float>(s: S, x: &mut [E], by: f64) {
    map_in_place(s, &mut DivideBy::<E::V<S>>(E::splat(s, E::from_f64(by))), x);
}

/// `x ← x / by` (nothing for `by = 0`: a zero vector stays as it is).
struct DivideInPlace<'a, T> {
    x: &'a mut [T],
    by: f64,
}

impl<T: Float> Kernel for DivideInPlace<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        if self.by != 0.0 {
            match T::slice_mut(self.x) {
                SliceMut::F32(x) => divide_in_place(s, x, self.by),
                SliceMut::F64(x) => divide_in_place(s, x, self.by),
            }
        }
    }
}

/// Sums of squares from here to `f64::MAX` keep their digits: an element
/// whose square is subnormal adds an error of at most 2⁻¹⁰⁷⁵, below
/// `n·2⁻¹¹⁵` of such a sum. Outside (only reachable from `f64` inputs: the
/// squares of `f32` values stay within 1e-90..1e77) the sums are
/// recomputed from rescaled inputs.
const SQUARES_MIN: f64 = 1.0e-280;

fn in_range(ss: f64) -> bool {
    (SQUARES_MIN..=f64::MAX).contains(&ss)
}

/// Elements of scratch [`similarity_matrix_into`] needs for `n` queries,
/// `m` keys and rows of `dim`, at whichever level this build runs
/// ([`Level::TARGET`](crate::Level::TARGET); one level's exact need is
/// [`Kernels::similarity_matrix_scratch_len`]). Packed panels of both
/// operands for the largest blocks any caches give ([`Blocking::MOST`]):
/// at most `768 · (3072 + 336)` elements, 10.5 MB, however large the
/// inputs. A `const fn`, so it can size a stack array.
///
/// ```
/// use simkern_core::{Blocking, similarity::similarity_matrix_scratch_len};
/// let most = Blocking::MOST;
/// assert!(similarity_matrix_scratch_len(4096, 4096, 768) <= most.kc() * (most.nc() + most.mc()));
/// assert_eq!(similarity_matrix_scratch_len(0, 0, 8), 0);
/// let scratch = [0.0f32; similarity_matrix_scratch_len(3, 4, 5)];
/// # let _ = scratch;
/// ```
pub const fn similarity_matrix_scratch_len(n: usize, m: usize, dim: usize) -> usize {
    gemm::scratch_len_any_level(n, m, dim)
}

/// The similarity matrix `S = Q·Kᵀ` into `out`: `out[i·m + j] = Σ_k
/// q[i][k] · k[j][k]` for `Q` (`n × d`) and `K` (`m × d`), row-major,
/// accumulated in `f32` like BLAS (error ≤ γ_d · Σ_k |q_ik k_jk| per entry).
///
/// `out` must hold exactly `n · m` elements and `scratch` at least
/// [`similarity_matrix_scratch_len`]`(n, m, d)`.
///
/// ```
/// use simkern_core::{MatRef, similarity::{similarity_matrix_into, similarity_matrix_scratch_len}};
/// let q = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0], 2).unwrap();
/// let k = MatRef::new(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], 2).unwrap();
/// let mut out = [0.0f32; 6];
/// let mut scratch = vec![0.0f32; similarity_matrix_scratch_len(2, 3, 2)];
/// similarity_matrix_into(q, k, &mut out, &mut scratch).unwrap();
/// assert_eq!(out, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
/// ```
pub fn similarity_matrix_into(
    q: MatRef<'_, f32>,
    k: MatRef<'_, f32>,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    Kernels::best().similarity_matrix_into(q, k, out, scratch)
}

struct SimilarityMatrix<'a> {
    q: StridedMatRef<'a, f32>,
    k: StridedMatRef<'a, f32>,
    out: &'a mut [f32],
    blocks: Blocking,
    scratch: &'a mut [f32],
}

impl Kernel for SimilarityMatrix<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let (q, k) = (View::strided(self.q), View::strided(self.k));
        let c = ViewMut { data: self.out, ld: k.rows() };
        gemm::gemm(s, q, k.t(), c, Accum::Overwrite, self.blocks, self.scratch);
    }
}

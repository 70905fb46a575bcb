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
//!
//! # Accuracy
//! Every sum runs in `f64` lanes with eight independent accumulators (four
//! for cosine, which keeps three sums). `f32` inputs are widened exactly, so
//! each product `aᵢbᵢ` is exact and the computed sum `ŝ` satisfies
//! `|ŝ − s| ≤ γ_k · Σ|aᵢbᵢ|` with `k = n/8 + 8` and `γ_k = k·u/(1 − k·u)`,
//! `u = 2⁻⁵³`; the `f32` result is that value rounded once, so it is within
//! half an `f32` ulp of the exact dot product for any input whose
//! cancellation (`Σ|aᵢbᵢ| / |Σaᵢbᵢ|`) is below ~10⁶. For `f64` inputs each
//! product also rounds: `|ŝ − s| ≤ γ_{k+1} · Σ|aᵢbᵢ|`.
//! Square roots are exact IEEE `sqrt` (no reciprocal-sqrt estimate).
//!
//! # Layout
//! The main loop peels a head so that loads of `a` are aligned to the vector
//! width (unaligned 512-bit loads that split cache lines halve L1
//! throughput), runs unrolled over aligned blocks, and finishes the tail
//! with masked (AVX-512, AVX2) or copied (portable, NEON) partial loads.

use core::marker::PhantomData;

use crate::error::{Error, Result, same_len};
use crate::float::Float;
use crate::gemm::{self, View};
use crate::matrix::MatRef;
use crate::simd::{self, Kernel, Level, Simd};

/// A reduction over pairs of `f64` lanes, written once for every ISA.
trait PairOp: Copy {
    /// The result, independent of the ISA.
    type Out;
    /// The running state in vector lanes.
    type Acc<S: Simd>: Copy;
    fn zero<S: Simd>(s: S) -> Self::Acc<S>;
    fn step<S: Simd>(s: S, acc: Self::Acc<S>, a: S::F64, b: S::F64) -> Self::Acc<S>;
    fn merge<S: Simd>(s: S, x: Self::Acc<S>, y: Self::Acc<S>) -> Self::Acc<S>;
    fn finish<S: Simd>(s: S, acc: Self::Acc<S>) -> Self::Out;
}

/// `Σ aᵢ bᵢ`.
#[derive(Clone, Copy)]
struct Dot;
/// `Σ (aᵢ − bᵢ)²`.
#[derive(Clone, Copy)]
struct L2Squared;
/// `(Σ aᵢbᵢ, Σ aᵢ², Σ bᵢ²)`, for cosine in one pass.
#[derive(Clone, Copy)]
struct CosineSums;

impl PairOp for Dot {
    type Out = f64;
    type Acc<S: Simd> = S::F64;
    #[inline(always)]
    fn zero<S: Simd>(s: S) -> S::F64 {
        s.splat_f64(0.0)
    }
    #[inline(always)]
    fn step<S: Simd>(s: S, acc: S::F64, a: S::F64, b: S::F64) -> S::F64 {
        s.mul_add_f64(a, b, acc)
    }
    #[inline(always)]
    fn merge<S: Simd>(s: S, x: S::F64, y: S::F64) -> S::F64 {
        s.add_f64(x, y)
    }
    #[inline(always)]
    fn finish<S: Simd>(s: S, acc: S::F64) -> f64 {
        s.reduce_sum_f64(acc)
    }
}

impl PairOp for L2Squared {
    type Out = f64;
    type Acc<S: Simd> = S::F64;
    #[inline(always)]
    fn zero<S: Simd>(s: S) -> S::F64 {
        s.splat_f64(0.0)
    }
    #[inline(always)]
    fn step<S: Simd>(s: S, acc: S::F64, a: S::F64, b: S::F64) -> S::F64 {
        let d = s.sub_f64(a, b);
        s.mul_add_f64(d, d, acc)
    }
    #[inline(always)]
    fn merge<S: Simd>(s: S, x: S::F64, y: S::F64) -> S::F64 {
        s.add_f64(x, y)
    }
    #[inline(always)]
    fn finish<S: Simd>(s: S, acc: S::F64) -> f64 {
        s.reduce_sum_f64(acc)
    }
}

impl PairOp for CosineSums {
    type Out = [f64; 3];
    type Acc<S: Simd> = [S::F64; 3];
    #[inline(always)]
    fn zero<S: Simd>(s: S) -> [S::F64; 3] {
        [s.splat_f64(0.0); 3]
    }
    #[inline(always)]
    fn step<S: Simd>(s: S, [ab, aa, bb]: [S::F64; 3], a: S::F64, b: S::F64) -> [S::F64; 3] {
        [s.mul_add_f64(a, b, ab), s.mul_add_f64(a, a, aa), s.mul_add_f64(b, b, bb)]
    }
    #[inline(always)]
    fn merge<S: Simd>(s: S, x: [S::F64; 3], y: [S::F64; 3]) -> [S::F64; 3] {
        [s.add_f64(x[0], y[0]), s.add_f64(x[1], y[1]), s.add_f64(x[2], y[2])]
    }
    #[inline(always)]
    fn finish<S: Simd>(s: S, acc: [S::F64; 3]) -> [f64; 3] {
        acc.map(|v| s.reduce_sum_f64(v))
    }
}

/// Streams `op` over `a` and `b` (equal lengths) with `U` independent
/// accumulators.
#[inline(always)]
fn reduce_pairs<S: Simd, T: Float, Op: PairOp, const U: usize>(s: S, a: &[T], b: &[T]) -> Op::Out {
    let w = S::F64_LANES;
    let mut acc = [Op::zero(s); U];
    // Peel a head so that the block loads of `a` are vector-aligned; only
    // worth it when the main loop runs long enough to amortise it.
    let head = if a.len() >= 4 * U * w { a.as_ptr().align_offset(4 * S::F32_LANES).min(a.len()) } else { 0 };
    let (a_head, a) = a.split_at(head);
    let (b_head, b) = b.split_at(head);
    for (x, y) in a_head.chunks(w).zip(b_head.chunks(w)) {
        acc[0] = Op::step(s, acc[0], T::load_partial_f64(s, x), T::load_partial_f64(s, y));
    }

    let mut blocks_a = a.chunks_exact(U * w);
    let mut blocks_b = b.chunks_exact(U * w);
    for (x, y) in (&mut blocks_a).zip(&mut blocks_b) {
        for u in 0..U {
            let (xu, yu) = (&x[u * w..], &y[u * w..]);
            acc[u] = Op::step(s, acc[u], T::load_f64(s, xu), T::load_f64(s, yu));
        }
    }

    let (rest_a, rest_b) = (blocks_a.remainder(), blocks_b.remainder());
    let mut lanes_a = rest_a.chunks_exact(w);
    let mut lanes_b = rest_b.chunks_exact(w);
    for (u, (x, y)) in (&mut lanes_a).zip(&mut lanes_b).enumerate() {
        acc[u] = Op::step(s, acc[u], T::load_f64(s, x), T::load_f64(s, y));
    }
    let (tail_a, tail_b) = (lanes_a.remainder(), lanes_b.remainder());
    if !tail_a.is_empty() {
        let last = U - 1;
        let (x, y) = (T::load_partial_f64(s, tail_a), T::load_partial_f64(s, tail_b));
        acc[last] = Op::step(s, acc[last], x, y);
    }

    // Pairwise merge of the accumulators.
    let mut width = U;
    while width > 1 {
        width /= 2;
        for u in 0..width {
            acc[u] = Op::merge(s, acc[u], acc[u + width]);
        }
    }
    Op::finish(s, acc[0])
}

/// Inputs shorter than this take [`reduce_short_pairs`]: a separate entry
/// point, so they pay for neither the alignment peel, the merge tree of
/// eight accumulators, nor the larger stack frame of the long loop.
const SHORT: usize = 64;

/// [`reduce_pairs`] for fewer than [`SHORT`] elements: two chains, full
/// loads while they fit, one masked load for the tail.
#[inline(always)]
fn reduce_short_pairs<S: Simd, T: Float, Op: PairOp>(s: S, a: &[T], b: &[T]) -> Op::Out {
    let w = S::F64_LANES;
    let b = &b[..a.len()]; // equal lengths, checked by the caller; tells LLVM
    let (mut even, mut odd) = (Op::zero(s), Op::zero(s));
    let mut pairs_a = a.chunks_exact(2 * w);
    let mut pairs_b = b.chunks_exact(2 * w);
    for (x, y) in (&mut pairs_a).zip(&mut pairs_b) {
        even = Op::step(s, even, T::load_f64(s, x), T::load_f64(s, y));
        odd = Op::step(s, odd, T::load_f64(s, &x[w..]), T::load_f64(s, &y[w..]));
    }
    let (mut x, mut y) = (pairs_a.remainder(), pairs_b.remainder());
    if x.len() >= w {
        even = Op::step(s, even, T::load_f64(s, x), T::load_f64(s, y));
        (x, y) = (&x[w..], &y[w..]);
    }
    if !x.is_empty() {
        odd = Op::step(s, odd, T::load_partial_f64(s, x), T::load_partial_f64(s, y));
    }
    Op::finish(s, Op::merge(s, even, odd))
}

/// The [`Kernel`] that runs [`reduce_short_pairs`].
struct ShortPairKernel<'a, T, Op> {
    a: &'a [T],
    b: &'a [T],
    op: PhantomData<Op>,
}

impl<T: Float, Op: PairOp> Kernel for ShortPairKernel<'_, T, Op> {
    type Output = Op::Out;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> Op::Out {
        reduce_short_pairs::<S, T, Op>(s, self.a, self.b)
    }
}

/// `Σ xᵢ²` in `f64`, inside a kernel (for the normalisation in InfoNCE).
#[inline(always)]
pub(crate) fn sum_squares<S: Simd>(s: S, x: &[f32]) -> f64 {
    reduce_pairs::<S, f32, Dot, 8>(s, x, x)
}

/// `Σ (xᵢ − yᵢ)²` in `f64`, inside a kernel.
#[inline(always)]
pub(crate) fn l2_squared_in<S: Simd>(s: S, x: &[f32], y: &[f32]) -> f64 {
    reduce_pairs::<S, f32, L2Squared, 8>(s, x, y)
}

/// `Σ xᵢ yᵢ` in `f64`, inside a kernel.
#[inline(always)]
pub(crate) fn dot_in<S: Simd>(s: S, x: &[f32], y: &[f32]) -> f64 {
    reduce_pairs::<S, f32, Dot, 8>(s, x, y)
}

/// The [`Kernel`] that runs [`reduce_pairs`].
struct PairKernel<'a, T, Op, const U: usize> {
    a: &'a [T],
    b: &'a [T],
    op: PhantomData<Op>,
}

impl<T: Float, Op: PairOp, const U: usize> Kernel for PairKernel<'_, T, Op, U> {
    type Output = Op::Out;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> Op::Out {
        reduce_pairs::<S, T, Op, U>(s, self.a, self.b)
    }
}

#[inline]
fn pair<T: Float, Op: PairOp, const U: usize>(level: Option<Level>, a: &[T], b: &[T]) -> Result<Op::Out> {
    same_len("a", a.len(), "b", b.len())?;
    if a.len() < SHORT {
        simd::run(level, ShortPairKernel::<T, Op> { a, b, op: PhantomData })
    } else {
        simd::run(level, PairKernel::<T, Op, U> { a, b, op: PhantomData })
    }
}

fn cosine_from_sums([ab, aa, bb]: [f64; 3]) -> f64 {
    if aa == 0.0 || bb == 0.0 {
        return 0.0;
    }
    // One rounding in the product and one in the square root; the
    // two-root form only where `aa·bb` would overflow or lose bits to
    // underflow (f64 inputs beyond ~1e±150). `clamp` keeps NaN.
    let prod = aa * bb;
    let denom = if prod.is_finite() && prod >= f64::MIN_POSITIVE {
        libm::sqrt(prod)
    } else {
        libm::sqrt(aa) * libm::sqrt(bb)
    };
    (ab / denom).clamp(-1.0, 1.0)
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
    pair::<T, Dot, 8>(None, a, b).map(T::from_f64)
}

/// [`dot`] at an explicit [`Level`]; fails with
/// [`Error::LevelUnavailable`] if this CPU lacks it.
///
/// ```
/// use simkern_core::{Level, similarity::dot_at};
/// assert_eq!(dot_at(Level::Portable, &[2.0f64], &[3.0]).unwrap(), 6.0);
/// ```
pub fn dot_at<T: Float>(level: Level, a: &[T], b: &[T]) -> Result<T> {
    pair::<T, Dot, 8>(Some(level), a, b).map(T::from_f64)
}

/// Dot product returned in the `f64` accumulator, before rounding to `T`
/// (for `f32` inputs this keeps the ~16 digits the sum was computed with).
///
/// ```
/// let d = simkern_core::similarity::dot_f64(&[0.1f32], &[0.1f32]).unwrap();
/// assert_eq!(d, 0.1f32 as f64 * 0.1f32 as f64);
/// ```
pub fn dot_f64<T: Float>(a: &[T], b: &[T]) -> Result<f64> {
    pair::<T, Dot, 8>(None, a, b)
}

/// [`dot_f64`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, similarity::dot_f64_at};
/// assert_eq!(dot_f64_at(Level::best(), &[3.0f32], &[0.5]).unwrap(), 1.5);
/// ```
pub fn dot_f64_at<T: Float>(level: Level, a: &[T], b: &[T]) -> Result<f64> {
    pair::<T, Dot, 8>(Some(level), a, b)
}

/// Squared Euclidean distance `Σ (aᵢ − bᵢ)²`, accumulated in `f64`.
///
/// ```
/// let d = simkern_core::similarity::l2_squared(&[1.0f32, 2.0], &[4.0, 6.0]).unwrap();
/// assert_eq!(d, 25.0);
/// ```
pub fn l2_squared<T: Float>(a: &[T], b: &[T]) -> Result<T> {
    l2_squared_at_opt(None, a, b)
}

/// [`l2_squared`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, similarity::l2_squared_at};
/// assert_eq!(l2_squared_at(Level::Portable, &[1.0f64], &[3.0]).unwrap(), 4.0);
/// ```
pub fn l2_squared_at<T: Float>(level: Level, a: &[T], b: &[T]) -> Result<T> {
    l2_squared_at_opt(Some(level), a, b)
}

fn l2_squared_at_opt<T: Float>(level: Option<Level>, a: &[T], b: &[T]) -> Result<T> {
    pair::<T, L2Squared, 8>(level, a, b).map(T::from_f64)
}

/// Squared norm `Σ xᵢ²`, accumulated in `f64`.
///
/// ```
/// assert_eq!(simkern_core::similarity::norm_squared(&[3.0f32, 4.0]).unwrap(), 25.0);
/// ```
pub fn norm_squared<T: Float>(x: &[T]) -> Result<T> {
    pair::<T, Dot, 8>(None, x, x).map(T::from_f64)
}

/// [`norm_squared`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, similarity::norm_squared_at};
/// assert_eq!(norm_squared_at(Level::Portable, &[3.0f64, 4.0]).unwrap(), 25.0);
/// ```
pub fn norm_squared_at<T: Float>(level: Level, x: &[T]) -> Result<T> {
    pair::<T, Dot, 8>(Some(level), x, x).map(T::from_f64)
}

/// Euclidean norm `√Σ xᵢ²` (exact `sqrt` of the `f64` sum, then rounded).
///
/// ```
/// assert_eq!(simkern_core::similarity::norm(&[3.0f64, 4.0]).unwrap(), 5.0);
/// ```
pub fn norm<T: Float>(x: &[T]) -> Result<T> {
    norm_at_opt(None, x)
}

/// [`norm`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, similarity::norm_at};
/// assert_eq!(norm_at(Level::Portable, &[6.0f32, 8.0]).unwrap(), 10.0);
/// ```
pub fn norm_at<T: Float>(level: Level, x: &[T]) -> Result<T> {
    norm_at_opt(Some(level), x)
}

fn norm_at_opt<T: Float>(level: Option<Level>, x: &[T]) -> Result<T> {
    pair::<T, Dot, 8>(level, x, x).map(|s| T::from_f64(libm::sqrt(s)))
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
    cosine_at_opt(None, a, b)
}

/// [`cosine`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, similarity::cosine_at};
/// assert_eq!(cosine_at(Level::Portable, &[1.0f64, 1.0], &[-1.0, -1.0]).unwrap(), -1.0);
/// ```
pub fn cosine_at<T: Float>(level: Level, a: &[T], b: &[T]) -> Result<T> {
    cosine_at_opt(Some(level), a, b)
}

fn cosine_at_opt<T: Float>(level: Option<Level>, a: &[T], b: &[T]) -> Result<T> {
    pair::<T, CosineSums, 4>(level, a, b).map(|s| T::from_f64(cosine_from_sums(s)))
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
    simd::dispatch_best(Normalize { x })
}

/// [`normalize`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, similarity::normalize_at};
/// let mut x = [0.0f64, 2.0];
/// assert_eq!(normalize_at(Level::Portable, &mut x).unwrap(), 2.0);
/// assert_eq!(x, [0.0, 1.0]);
/// ```
pub fn normalize_at<T: Float>(level: Level, x: &mut [T]) -> Result<T> {
    simd::dispatch(level, Normalize { x })
}

struct Normalize<'a, T> {
    x: &'a mut [T],
}

impl<T: Float> Kernel for Normalize<'_, T> {
    type Output = T;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> T {
        let x = self.x;
        let n = libm::sqrt(reduce_pairs::<S, T, Dot, 8>(s, x, x));
        if n != 0.0 {
            T::divide_in_place(s, x, n);
        }
        T::from_f64(n)
    }
}

/// Elements of scratch [`similarity_matrix`] needs for `n` queries, `m`
/// keys and rows of `dim` (packed panels of both operands; at most
/// `768 · (1536 + 144)` elements, 5.2 MB, however large the inputs).
///
/// ```
/// use simkern_core::similarity::similarity_matrix_scratch_len;
/// assert!(similarity_matrix_scratch_len(4096, 4096, 768) <= 768 * (1536 + 144));
/// assert_eq!(similarity_matrix_scratch_len(0, 0, 8), 0);
/// ```
pub fn similarity_matrix_scratch_len(n: usize, m: usize, dim: usize) -> usize {
    gemm::scratch_len(n, m, dim)
}

/// The similarity matrix `S = Q·Kᵀ`: `out[i·m + j] = Σ_k q[i][k] · k[j][k]`
/// for `Q` (`n × d`) and `K` (`m × d`), row-major, accumulated in `f32`
/// like BLAS (error ≤ γ_d · Σ_k |q_ik k_jk| per entry).
///
/// `out` must hold exactly `n · m` elements and `scratch` at least
/// [`similarity_matrix_scratch_len`]`(n, m, d)`.
///
/// ```
/// use simkern_core::{MatRef, similarity::{similarity_matrix, similarity_matrix_scratch_len}};
/// let q = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0], 2).unwrap();
/// let k = MatRef::new(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], 2).unwrap();
/// let mut out = [0.0f32; 6];
/// let mut scratch = vec![0.0f32; similarity_matrix_scratch_len(2, 3, 2)];
/// similarity_matrix(q, k, &mut out, &mut scratch).unwrap();
/// assert_eq!(out, [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
/// ```
pub fn similarity_matrix(
    q: MatRef<'_, f32>,
    k: MatRef<'_, f32>,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    similarity_matrix_opt(None, q, k, out, scratch)
}

/// [`similarity_matrix`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, MatRef, similarity::similarity_matrix_at};
/// let q = MatRef::new(&[2.0f32], 1).unwrap();
/// let mut out = [0.0f32];
/// let mut scratch = [0.0f32; 512];
/// similarity_matrix_at(Level::Portable, q, q, &mut out, &mut scratch).unwrap();
/// assert_eq!(out, [4.0]);
/// ```
pub fn similarity_matrix_at(
    level: Level,
    q: MatRef<'_, f32>,
    k: MatRef<'_, f32>,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    similarity_matrix_opt(Some(level), q, k, out, scratch)
}

fn similarity_matrix_opt(
    level: Option<Level>,
    q: MatRef<'_, f32>,
    k: MatRef<'_, f32>,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    if q.dim() != k.dim() {
        return Err(Error::DimMismatch { left: q.dim(), right: k.dim() });
    }
    let needed = q.rows().checked_mul(k.rows()).ok_or(Error::SizeOverflow)?;
    if out.len() != needed {
        return Err(Error::OutputSize { needed, got: out.len() });
    }
    let scratch_needed = similarity_matrix_scratch_len(q.rows(), k.rows(), q.dim());
    if scratch.len() < scratch_needed {
        return Err(Error::ScratchTooSmall { needed: scratch_needed, got: scratch.len() });
    }
    if needed == 0 {
        return Ok(());
    }
    simd::run(level, SimilarityMatrix { q, k, out, scratch })
}

struct SimilarityMatrix<'a> {
    q: MatRef<'a, f32>,
    k: MatRef<'a, f32>,
    out: &'a mut [f32],
    scratch: &'a mut [f32],
}

impl Kernel for SimilarityMatrix<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let (q, k) = (View::of(self.q), View::of(self.k));
        gemm::gemm(s, q, k.t(), self.out, k.rows(), false, self.scratch);
    }
}

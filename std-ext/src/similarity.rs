//! Vector similarity and the similarity matrix, with owned results.

use simkern_core::similarity as core_sim;
use simkern_core::{Float, Kernels, MatRef, Result, StridedMatRef};

use crate::Workspace;
use crate::storage::{Element, MatrixElement};

/// Dot product `Σ aᵢ bᵢ`, accumulated in `f64` (see
/// [`simkern_core::similarity`] for the error bound), for every storage
/// type of [`Element`]: `f32`/`f64` give their own type, `half::f16` and
/// `half::bf16` an `f32`, `i8` an exact `i64`.
///
/// Empty slices give `Ok(0)`; different lengths give
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch).
///
/// ```
/// assert_eq!(simkern::dot(&[1.0f32, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap(), 32.0);
/// let err = simkern::dot(&[0.0f32; 768], &[0.0; 767]).unwrap_err();
/// assert_eq!(err.to_string(), "length mismatch: a has 768 elements, b has 767");
/// ```
pub fn dot<T: Element>(a: &[T], b: &[T]) -> Result<T::Sum> {
    T::dot(a, b)
}

/// Cosine similarity in `[−1, 1]`; a zero vector gives `Ok(0)`.
///
/// ```
/// let c = simkern::cosine(&[1.0f32, 1.0], &[1.0, 0.0]).unwrap();
/// assert!((c - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-7);
/// ```
pub fn cosine<T: Element>(a: &[T], b: &[T]) -> Result<T::Cosine> {
    T::cosine(a, b)
}

/// Dot product, the fast tier: `f32` accumulation at BLAS speed, within
/// `γ₃₅·Σ|aᵢbᵢ|` (about 2e-6 of it) at any length; see
/// [`simkern_core::similarity`] ("The fast tier").
///
/// ```
/// assert_eq!(simkern::dot_fast(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0])?, 32.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn dot_fast(a: &[f32], b: &[f32]) -> Result<f32> {
    core_sim::dot_fast(a, b)
}

/// Cosine similarity, the fast tier (`f32` sums).
///
/// ```
/// assert_eq!(simkern::cosine_fast(&[3.0, 4.0], &[3.0, 4.0])?, 1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn cosine_fast(a: &[f32], b: &[f32]) -> Result<f32> {
    core_sim::cosine_fast(a, b)
}

/// Squared Euclidean distance, the fast tier (`f32` sums).
///
/// ```
/// assert_eq!(simkern::l2_squared_fast(&[0.0, 0.0], &[3.0, 4.0])?, 25.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn l2_squared_fast(a: &[f32], b: &[f32]) -> Result<f32> {
    core_sim::l2_squared_fast(a, b)
}

/// Squared Euclidean distance `Σ (aᵢ − bᵢ)²`.
///
/// ```
/// assert_eq!(simkern::l2_squared(&[0.0f64, 0.0], &[3.0, 4.0]).unwrap(), 25.0);
/// ```
pub fn l2_squared<T: Element>(a: &[T], b: &[T]) -> Result<T::Sum> {
    T::l2_squared(a, b)
}

/// Euclidean norm `‖x‖`.
///
/// ```
/// assert_eq!(simkern::norm(&[3.0f32, 4.0]), 5.0);
/// ```
pub fn norm<T: Float>(x: &[T]) -> T {
    core_sim::norm(x)
}

/// Scales `x` to unit length in place and returns its former norm; a zero
/// vector is left as is (and `0` returned).
///
/// ```
/// let mut x = vec![0.0f32, 5.0];
/// assert_eq!(simkern::normalize(&mut x), 5.0);
/// assert_eq!(x, [0.0, 1.0]);
/// ```
pub fn normalize<T: Float>(x: &mut [T]) -> T {
    core_sim::normalize(x)
}

/// The similarity matrix `S = Q·Kᵀ` of row-major `q` (`n × dim`) and `k`
/// (`m × dim`), returned row-major (`n × m`).
///
/// Errors: `dim == 0`, a length that is not a multiple of `dim`. Zero rows
/// give `Ok(vec![])`.
///
/// ```
/// let q = [1.0f32, 2.0, 3.0]; // one row
/// let k = [1.0f32, 0.0, 0.0, 0.0, 1.0, 1.0]; // two rows
/// assert_eq!(simkern::similarity_matrix(&q, &k, 3).unwrap(), vec![1.0, 5.0]);
/// assert!(simkern::similarity_matrix(&q, &k, 0).is_err());
/// ```
pub fn similarity_matrix<T: MatrixElement>(q: &[T], k: &[T], dim: usize) -> Result<Vec<T::Out>> {
    T::similarity_matrix(q, k, dim)
}

/// [`similarity_matrix`] on an explicit [`Kernels`] handle (one level).
///
/// ```
/// use simkern::{Kernels, Level};
/// let portable = Kernels::new(Level::Portable)?;
/// assert_eq!(simkern::similarity_matrix_on(portable, &[2.0f32], &[3.0], 1)?, vec![6.0]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn similarity_matrix_on(kernels: Kernels, q: &[f32], k: &[f32], dim: usize) -> Result<Vec<f32>> {
    let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
    let mut out = crate::alloc::zeroed(qm.rows().checked_mul(km.rows()).ok_or(crate::Error::SizeOverflow)?)?;
    into_on(kernels, qm.into(), km.into(), &mut out, &mut Workspace::new())?;
    Ok(out)
}

/// [`similarity_matrix`] into a caller buffer `out` (`n · m` elements,
/// row-major), its scratch from `ws` (grown if needed, kept for the next
/// call): nothing is allocated once `ws` is large enough.
///
/// Errors: as [`similarity_matrix`], and `out` of the wrong length.
///
/// ```
/// let (mut out, mut ws) = ([0.0f32; 2], simkern::Workspace::new());
/// simkern::similarity_matrix_into(&[1.0, 2.0], &[3.0, 4.0, 5.0, 6.0], 2, &mut out, &mut ws)?;
/// assert_eq!(out, [11.0, 17.0]);
/// assert!(simkern::similarity_matrix_into(&[1.0, 2.0], &[3.0, 4.0], 2, &mut out, &mut ws).is_err());
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn similarity_matrix_into(
    q: &[f32],
    k: &[f32],
    dim: usize,
    out: &mut [f32],
    ws: &mut Workspace,
) -> Result<()> {
    let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
    into_on(Kernels::best(), qm.into(), km.into(), out, ws)
}

/// The similarity matrix on `kernels` into `out`, scratch from `ws`.
fn into_on(
    kernels: Kernels,
    q: StridedMatRef<'_, f32>,
    k: StridedMatRef<'_, f32>,
    out: &mut [f32],
    ws: &mut Workspace,
) -> Result<()> {
    let scratch = ws.f32s(core_sim::similarity_matrix_scratch_len(q.rows(), k.rows(), q.dim()))?;
    kernels.similarity_matrix_strided_into(q, k, out, scratch)
}

/// [`similarity_matrix`] for operands of any strides ([`StridedMatRef`]:
/// rows padded past `dim`, column-major matrices, blocks of larger ones),
/// read where they are — the engine packs them as it packs row-major
/// rows, so the result is the row-major one bit for bit, without copies.
///
/// Errors: rows of different lengths, an allocation that cannot be made.
///
/// ```
/// use simkern::StridedMatRef;
/// // K = [[1, 2], [3, 4]] stored column-major: its transpose's rows.
/// let k = StridedMatRef::new(&[1.0f32, 3.0, 2.0, 4.0], 2, 2, 1, 2)?;
/// let q = StridedMatRef::new(&[1.0f32, 1.0], 1, 2, 2, 1)?;
/// assert_eq!(simkern::similarity_matrix_strided(q, k)?, vec![3.0, 7.0]);
/// assert_eq!(simkern::similarity_matrix(&[1.0, 1.0], &[1.0, 2.0, 3.0, 4.0], 2)?, vec![3.0, 7.0]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn similarity_matrix_strided(q: StridedMatRef<'_, f32>, k: StridedMatRef<'_, f32>) -> Result<Vec<f32>> {
    let mut out = crate::alloc::zeroed(q.rows().checked_mul(k.rows()).ok_or(crate::Error::SizeOverflow)?)?;
    into_on(Kernels::best(), q, k, &mut out, &mut Workspace::new())?;
    Ok(out)
}

/// [`similarity_matrix`] on all cores (feature `rayon`): the rows of `S`
/// divided among the pool's threads, all reading one packed `Kᵀ`. The
/// same bits as [`similarity_matrix`] for any number of threads.
///
/// Errors: as [`similarity_matrix`], and [`Error::OutOfMemory`](crate::Error::OutOfMemory)
/// when the result or the scratch cannot be allocated.
///
/// ```
/// let (q, k) = ([1.0f32, 2.0, 3.0, 4.0], [0.5f32, 0.25, 1.0, 1.0]);
/// assert_eq!(simkern::par_similarity_matrix(&q, &k, 2)?, simkern::similarity_matrix(&q, &k, 2)?);
/// # Ok::<(), simkern::Error>(())
/// ```
#[cfg(feature = "rayon")]
pub fn par_similarity_matrix(q: &[f32], k: &[f32], dim: usize) -> Result<Vec<f32>> {
    use simkern_core::executor::Executor;
    let (q, k) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
    let kernels = Kernels::best();
    let exec = crate::Rayon;
    let mut out =
        crate::alloc::zeroed_on_all_cores(q.rows().checked_mul(k.rows()).ok_or(crate::Error::SizeOverflow)?)?;
    let len = kernels.similarity_matrix_scratch_len_with(q.rows(), k.rows(), dim, exec.workers());
    let mut scratch = crate::alloc::zeroed(len)?;
    kernels.similarity_matrix_with(&exec, q, k, &mut out, &mut scratch)?;
    Ok(out)
}

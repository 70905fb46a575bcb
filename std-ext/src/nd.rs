//! `ndarray` in and out (feature `ndarray`): the kernels of this crate over
//! [`ArrayView2`] / [`ArrayView1`], results as [`Array2`] / [`Array1`].
//!
//! A matrix is its rows: `q` of shape `(n, d)` is `n` vectors of `d`. Views
//! in standard (row-major, contiguous) layout are read where they are, and
//! so are column-major (transposed) views for the `f32`
//! [`similarity_matrix`], whose engine packs them from their strides
//! ([`crate::similarity_matrix_strided`]). Other layouts (a column slice, a
//! stepped view, negative strides — no safe slice holds just their
//! elements), and every layout for the other functions, are copied once
//! into a row-major buffer first: one pass over the input. The
//! shapes are checked as the flat API checks them, with the operands'
//! names in the error: rows of different lengths, zero columns.
//!
//! ```
//! use ndarray::array;
//! let q = array![[1.0f32, 0.0], [0.0, 2.0]];
//! let k = array![[1.0f32, 1.0], [3.0, 0.0], [0.0, -1.0]];
//! let s = simkern::nd::similarity_matrix(q.view(), k.view())?;
//! assert_eq!(s, array![[1.0, 3.0, 0.0], [2.0, 0.0, -2.0]]);
//! // A transposed view: read in place, through the engine's strided packing.
//! let kt = k.t().to_owned();
//! assert_eq!(simkern::nd::similarity_matrix(q.view(), kt.t())?, s);
//! # Ok::<(), simkern::Error>(())
//! ```

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use simkern_core::{Error, Result, Sample, StridedMatRef};

use crate::{Anisotropy, InfoNce, KeyIndex, MatrixElement, Metric, Ties};

/// The elements of `x` row-major: borrowed where the view already is,
/// else copied.
fn row_major<'a, T: Clone>(x: &ArrayView2<'a, T>) -> Cow<'a, [T]> {
    match x.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().cloned().collect()),
    }
}

/// `x` as a strided matrix: read in place where its elements fill one
/// slice and its strides are not negative (standard and column-major
/// layouts, and their like), else copied row-major into `copy` (a stepped
/// or sliced view: no safe slice holds just its span).
fn strided<'v, 'a: 'v, T: Clone>(
    name: &'static str,
    x: &ArrayView2<'a, T>,
    copy: &'v mut Vec<T>,
) -> Result<StridedMatRef<'v, T>> {
    let (rows, cols) = x.dim();
    let strides = (usize::try_from(x.strides()[0]), usize::try_from(x.strides()[1]));
    if let (Some(mem), (Ok(rs), Ok(cs))) = (x.to_slice_memory_order(), strides) {
        return StridedMatRef::named(name, mem, rows, cols, rs, cs);
    }
    crate::alloc::reserve_to(copy, x.len())?;
    copy.extend(x.iter().cloned());
    let copy: &'v Vec<T> = copy;
    StridedMatRef::named(name, copy, rows, cols, cols, 1)
}

/// The elements of `x` in order: borrowed where contiguous, else copied.
fn in_order<'a, T: Clone>(x: &ArrayView1<'a, T>) -> Cow<'a, [T]> {
    match x.to_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().cloned().collect()),
    }
}

/// The row length of `a` and `b`, which must agree (and not be zero).
fn common_dim<T, U>(
    a: (&'static str, &ArrayView2<'_, T>),
    b: (&'static str, &ArrayView2<'_, U>),
) -> Result<usize> {
    let (left_dim, right_dim) = (a.1.ncols(), b.1.ncols());
    if left_dim != right_dim {
        return Err(Error::DimMismatch { left: a.0, left_dim, right: b.0, right_dim });
    }
    if left_dim == 0 {
        return Err(Error::ZeroDimension);
    }
    Ok(left_dim)
}

/// The row length of `x` (not zero).
fn dim_of<T>(x: &ArrayView2<'_, T>) -> Result<usize> {
    if x.ncols() == 0 { Err(Error::ZeroDimension) } else { Ok(x.ncols()) }
}

/// `data` as a `rows × cols` array (its length is `rows · cols` by
/// construction; otherwise the mismatch as an error, never a panic).
fn shaped<T>(data: Vec<T>, rows: usize, cols: usize) -> Result<Array2<T>> {
    let got = data.len();
    Array2::from_shape_vec((rows, cols), data)
        .map_err(|_| Error::OutputSize { needed: rows.saturating_mul(cols), got })
}

/// [`crate::similarity_matrix`]: `S = Q·Kᵀ`, shape `(n, m)`, for `q` of
/// shape `(n, d)` and `k` of shape `(m, d)`, over every
/// [`MatrixElement`] (`f32`, `f16`, `bf16` → `f32`; `i8` → `i32`).
///
/// ```
/// use ndarray::array;
/// let q = array![[1i8, 2], [3, 4]];
/// assert_eq!(simkern::nd::similarity_matrix(q.view(), q.view())?, array![[5, 11], [11, 25]]);
/// assert!(simkern::nd::similarity_matrix(q.view(), array![[1i8, 2, 3]].view()).is_err());
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn similarity_matrix<T: MatrixElement>(
    q: ArrayView2<'_, T>,
    k: ArrayView2<'_, T>,
) -> Result<Array2<T::Out>> {
    common_dim(("q", &q), ("k", &k))?;
    let (mut q_copy, mut k_copy) = (Vec::new(), Vec::new());
    let s = T::similarity_matrix_strided(strided("q", &q, &mut q_copy)?, strided("k", &k, &mut k_copy)?)?;
    shaped(s, q.nrows(), k.nrows())
}

/// The result of a search as arrays: `indices` and `scores` of shape
/// `(n_queries, min(k, n_keys))`, each row best first (see
/// [`crate::TopK`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Hits {
    /// Key indices (rows of the keys).
    pub indices: Array2<u32>,
    /// Their scores: the dot product, the cosine or the squared distance.
    pub scores: Array2<f32>,
}

impl Hits {
    fn of(hits: crate::TopK, queries: usize) -> Result<Hits> {
        Ok(Hits {
            indices: shaped(hits.indices, queries, hits.k)?,
            scores: shaped(hits.scores, queries, hits.k)?,
        })
    }
}

/// [`crate::top_k`]: the `k` best rows of `keys` for every row of
/// `queries`, by `metric`.
///
/// ```
/// use ndarray::array;
/// use simkern::Metric;
/// let keys = array![[1.0f32, 0.0], [0.0, 1.0], [0.7, 0.7]];
/// let hits = simkern::nd::top_k(array![[1.0f32, 0.1]].view(), keys.view(), 2, Metric::Cosine)?;
/// assert_eq!(hits.indices, array![[0, 2]]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn top_k<T: MatrixElement>(
    queries: ArrayView2<'_, T>,
    keys: ArrayView2<'_, T>,
    k: usize,
    metric: Metric,
) -> Result<Hits> {
    let dim = common_dim(("queries", &queries), ("keys", &keys))?;
    let hits = crate::top_k(&row_major(&queries), &row_major(&keys), dim, k, metric)?;
    Hits::of(hits, queries.nrows())
}

/// [`KeyIndex::new`] over the rows of `keys`.
///
/// ```
/// use ndarray::array;
/// use simkern::Metric;
/// let index = simkern::nd::key_index(array![[0.0f32, 1.0], [1.0, 0.0]].view(), Metric::Dot)?;
/// let hits = simkern::nd::search(&index, array![[2.0f32, 1.0], [0.0, 3.0]].view(), 1)?;
/// assert_eq!(hits.indices, array![[1], [0]]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn key_index<T: MatrixElement>(keys: ArrayView2<'_, T>, metric: Metric) -> Result<KeyIndex<T>> {
    KeyIndex::new(&row_major(&keys), dim_of(&keys)?, metric)
}

/// [`KeyIndex::search`] for the rows of `queries` (their length must be
/// the index's).
///
/// ```
/// use ndarray::array;
/// use simkern::Metric;
/// let index = simkern::nd::key_index(array![[0.0f32, 1.0]].view(), Metric::Dot)?;
/// assert!(simkern::nd::search(&index, array![[1.0f32, 2.0, 3.0]].view(), 1).is_err());
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn search<T: MatrixElement>(index: &KeyIndex<T>, queries: ArrayView2<'_, T>, k: usize) -> Result<Hits> {
    let hits = index.search(&row_major(&queries), k)?;
    Hits::of(hits, queries.nrows())
}

/// A loss value with its gradients as arrays of the inputs' shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// The loss.
    pub loss: f32,
    /// `∂L/∂q`, the shape of `q`.
    pub dq: Array2<f32>,
    /// `∂L/∂k`, the shape of `k`.
    pub dk: Array2<f32>,
}

/// [`InfoNce::loss`] over the rows of `q` and `k`.
///
/// ```
/// use ndarray::array;
/// let loss = simkern::InfoNce::new(0.1)?;
/// let q = array![[1.0f32, 0.0], [0.0, 1.0]];
/// let l = simkern::nd::infonce_loss(&loss, q.view(), q.view())?;
/// assert_eq!(l, loss.loss(q.as_slice().unwrap(), q.as_slice().unwrap(), 2)?);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn infonce_loss(loss: &InfoNce, q: ArrayView2<'_, f32>, k: ArrayView2<'_, f32>) -> Result<f32> {
    let dim = common_dim(("q", &q), ("k", &k))?;
    loss.loss(&row_major(&q), &row_major(&k), dim)
}

/// [`InfoNce::loss_and_grad`] over the rows of `q` and `k`, the gradients
/// as arrays of their shapes.
///
/// ```
/// use ndarray::array;
/// let loss = simkern::InfoNce::new(0.1)?;
/// let q = array![[1.0f32, 0.0], [0.0, 1.0]];
/// let k = array![[0.8f32, 0.2], [0.1, 0.9]];
/// let g = simkern::nd::infonce_loss_and_grad(&loss, q.view(), k.view())?;
/// assert_eq!((g.dq.dim(), g.dk.dim()), ((2, 2), (2, 2)));
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn infonce_loss_and_grad(
    loss: &InfoNce,
    q: ArrayView2<'_, f32>,
    k: ArrayView2<'_, f32>,
) -> Result<Gradients> {
    let dim = common_dim(("q", &q), ("k", &k))?;
    let g = loss.loss_and_grad(&row_major(&q), &row_major(&k), dim)?;
    Ok(Gradients { loss: g.loss, dq: shaped(g.dq, q.nrows(), dim)?, dk: shaped(g.dk, k.nrows(), dim)? })
}

/// [`crate::alignment`] of the row pairs of `x` and `y`.
///
/// ```
/// use ndarray::array;
/// let x = array![[1.0f32, 0.0]];
/// assert_eq!(simkern::nd::alignment(x.view(), x.view(), 2.0)?, 0.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn alignment(x: ArrayView2<'_, f32>, y: ArrayView2<'_, f32>, alpha: f32) -> Result<f32> {
    let dim = common_dim(("x", &x), ("y", &y))?;
    crate::alignment(&row_major(&x), &row_major(&y), dim, alpha)
}

/// [`crate::uniformity`] of the rows of `x`.
///
/// ```
/// use ndarray::array;
/// let u = simkern::nd::uniformity(array![[1.0f32, 0.0], [0.0, 1.0]].view(), 2.0)?;
/// assert!((u - -4.0).abs() < 1e-6);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn uniformity(x: ArrayView2<'_, f32>, t: f32) -> Result<f32> {
    crate::uniformity(&row_major(&x), dim_of(&x)?, t)
}

/// [`crate::anisotropy`] of the rows of `x`.
///
/// ```
/// use ndarray::array;
/// let a = simkern::nd::anisotropy(array![[1.0f32, 0.0], [1.0, 0.0]].view())?;
/// assert!((a.mean_cosine - 1.0).abs() < 1e-12);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn anisotropy(x: ArrayView2<'_, f32>) -> Result<Anisotropy> {
    crate::anisotropy(&row_major(&x), dim_of(&x)?)
}

/// [`crate::mean_cosine`] of the rows of `x`.
///
/// ```
/// use ndarray::array;
/// let m = simkern::nd::mean_cosine(array![[1.0f32, 0.0], [0.0, 1.0]].view())?;
/// assert_eq!(m, 0.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn mean_cosine(x: ArrayView2<'_, f32>) -> Result<f64> {
    crate::mean_cosine(&row_major(&x), dim_of(&x)?)
}

/// [`crate::rank`] of the elements of `x`.
///
/// ```
/// use ndarray::array;
/// use simkern::Ties;
/// assert_eq!(simkern::nd::rank(array![3u8, 1, 3].view(), Ties::Average)?, array![2.5, 1.0, 2.5]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn rank<T: Sample>(x: ArrayView1<'_, T>, ties: Ties) -> Result<Array1<f64>> {
    crate::rank(&in_order(&x), ties).map(Array1::from)
}

/// [`crate::pearson`] of two columns (any element types, independently).
///
/// ```
/// use ndarray::array;
/// let m = array![[1.0f64, 2.0], [2.0, 4.5], [3.0, 6.0]];
/// let r = simkern::nd::pearson(m.column(0), m.column(1))?;
/// assert!((r - 0.99).abs() < 0.01);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn pearson<A: Sample, B: Sample>(x: ArrayView1<'_, A>, y: ArrayView1<'_, B>) -> Result<f64> {
    crate::pearson(&in_order(&x), &in_order(&y))
}

/// [`crate::spearman`] of two columns (any element types, independently).
///
/// ```
/// use ndarray::array;
/// let gold = array![1u8, 2, 3, 4];
/// let pred = array![0.1f32, 0.4, 0.2, 0.9];
/// assert!((simkern::nd::spearman(gold.view(), pred.view())? - 0.8).abs() < 1e-12);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn spearman<A: Sample, B: Sample>(x: ArrayView1<'_, A>, y: ArrayView1<'_, B>) -> Result<f64> {
    crate::spearman(&in_order(&x), &in_order(&y))
}

/// [`crate::kendall_tau_b`] of two columns.
///
/// ```
/// use ndarray::array;
/// assert_eq!(simkern::nd::kendall_tau_b(array![1, 2, 3].view(), array![3.0f32, 2.0, 1.0].view())?, -1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn kendall_tau_b<A: Sample, B: Sample>(x: ArrayView1<'_, A>, y: ArrayView1<'_, B>) -> Result<f64> {
    crate::kendall_tau_b(&in_order(&x), &in_order(&y))
}

/// [`crate::pearson_matrix`] of the columns of `x` (observations in
/// rows): shape `(n_cols, n_cols)`.
///
/// ```
/// use ndarray::array;
/// let x = array![[1.0f32, 2.0, 3.0], [2.0, 4.0, 1.0], [3.0, 6.5, 2.0]];
/// let r = simkern::nd::pearson_matrix(x.view())?;
/// assert_eq!(r.dim(), (3, 3));
/// assert!((r[[0, 1]] - simkern::nd::pearson(x.column(0), x.column(1))?).abs() < 1e-12);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn pearson_matrix<T: simkern_core::Float>(x: ArrayView2<'_, T>) -> Result<Array2<f64>> {
    let cols = dim_of(&x)?;
    shaped(crate::pearson_matrix(&row_major(&x), cols)?, cols, cols)
}

/// [`crate::spearman_matrix`] of the columns of `x` (observations in
/// rows): shape `(n_cols, n_cols)`.
///
/// ```
/// use ndarray::array;
/// let x = array![[1.0f32, 2.0], [2.0, 1.0], [3.0, 0.5]];
/// assert_eq!(simkern::nd::spearman_matrix(x.view())?[[0, 1]], -1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn spearman_matrix<T: simkern_core::Float>(x: ArrayView2<'_, T>) -> Result<Array2<f64>> {
    let cols = dim_of(&x)?;
    shaped(crate::spearman_matrix(&row_major(&x), cols)?, cols, cols)
}

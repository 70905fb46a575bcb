//! Baselines and inputs shared by the criterion benches, the gungraun
//! benches and the report binary.
#![deny(missing_docs)]

use simkern_tests::data::{Dist, Rng, vec_f32};

/// `n` normal `f32` values whose first element sits `offset_bytes` past a
/// 64-byte cache-line boundary (0: aligned; 16: where a heap `Vec<f32>`
/// often starts). The returned `Vec` owns the buffer; slice it with the
/// returned range.
///
/// ```
/// let (buf, range) = simkern_benches::line_offset_f32(100, 16, 1);
/// assert_eq!(buf[range.clone()].len(), 100);
/// assert_eq!(buf[range].as_ptr() as usize % 64, 16);
/// ```
pub fn line_offset_f32(n: usize, offset_bytes: usize, seed: u64) -> (Vec<f32>, std::ops::Range<usize>) {
    assert!(offset_bytes.is_multiple_of(4) && offset_bytes < 64);
    let buf = vec_f32(&mut Rng::new(seed), Dist::Normal, n + 32);
    let start = (buf.as_ptr().align_offset(64) + offset_bytes / 4) % 16;
    (buf, start..start + n)
}

/// Normal `f32` values, `rows × dim`.
///
/// ```
/// assert_eq!(simkern_benches::matrix(3, 4, 0).len(), 12);
/// ```
pub fn matrix(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
    vec_f32(&mut Rng::new(seed), Dist::Normal, rows * dim)
}

/// Normal `f32` rows scaled to unit expected norm (`/ √dim`), as
/// embeddings are at τ = 0.05: the InfoNCE benchmarks' inputs.
///
/// ```
/// assert_eq!(simkern_benches::unit_rows(3, 4, 0).len(), 12);
/// ```
pub fn unit_rows(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
    let scale = 1.0 / (dim as f32).sqrt();
    matrix(rows, dim, seed).into_iter().map(|x| x * scale).collect()
}

/// The obvious dot product: an iterator sum in `f32`.
///
/// ```
/// assert_eq!(simkern_benches::naive_dot(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
/// ```
pub fn naive_dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// NumKong's f32 dot product (f64 accumulation, runtime dispatch).
///
/// ```
/// assert_eq!(simkern_benches::numkong_dot(&[1.0, 2.0], &[3.0, 4.0]), 11.0);
/// ```
pub fn numkong_dot(a: &[f32], b: &[f32]) -> f64 {
    <f32 as numkong::Dot>::dot(a, b).unwrap_or(f64::NAN)
}

/// OpenBLAS's `cblas_sdot` (through ndarray's BLAS path: vectors of 32
/// and more; f32 accumulation), one thread; `None` when the report is built
/// without the `openblas` feature.
///
/// ```
/// if let Some(d) = simkern_benches::openblas_sdot(&[1.0; 40], &[2.0; 40]) {
///     assert_eq!(d, 80.0);
/// }
/// ```
pub fn openblas_sdot(a: &[f32], b: &[f32]) -> Option<f32> {
    #[cfg(feature = "openblas")]
    {
        Some(ndarray::ArrayView1::from(a).dot(&ndarray::ArrayView1::from(b)))
    }
    #[cfg(not(feature = "openblas"))]
    {
        let _ = (a, b);
        None
    }
}

/// `out = q·kᵀ` with `matrixmultiply::sgemm`.
///
/// ```
/// let mut out = [0.0f32; 1];
/// simkern_benches::matrixmultiply_qkt(&[2.0], &[3.0], 1, &mut out);
/// assert_eq!(out, [6.0]);
/// ```
pub fn matrixmultiply_qkt(q: &[f32], k: &[f32], dim: usize, out: &mut [f32]) {
    let (n, m) = (q.len() / dim, k.len() / dim);
    // SAFETY: the pointers and strides describe `q` (n × dim, row-major),
    // `kᵀ` (dim × m, read through k's row-major layout) and `out` (n × m),
    // all in bounds of their slices.
    unsafe {
        matrixmultiply::sgemm(
            n,
            dim,
            m,
            1.0,
            q.as_ptr(),
            dim as isize,
            1,
            k.as_ptr(),
            1,
            dim as isize,
            0.0,
            out.as_mut_ptr(),
            m as isize,
            1,
        );
    }
}

/// The obvious log-sum-exp: a max pass, then a scalar `f32::exp` sum pass.
///
/// ```
/// let l = simkern_benches::naive_logsumexp(&[0.0, 0.0]);
/// assert!((l - 2f32.ln()).abs() < 1e-6);
/// ```
pub fn naive_logsumexp<T: Real>(x: &[T]) -> T {
    let m = x.iter().copied().fold(T::NEG_INFINITY, T::max);
    m + x.iter().map(|&v| (v - m).exp()).sum::<T>().ln()
}

/// The scalar operations the naive baselines use, for `f32` and `f64`.
pub trait Real: Copy + std::ops::Add<Output = Self> + std::ops::Sub<Output = Self> + std::iter::Sum {
    /// `−∞`.
    const NEG_INFINITY: Self;
    /// `max(self, other)` (std's NaN rule).
    fn max(self, other: Self) -> Self;
    /// `e^self`.
    fn exp(self) -> Self;
    /// `ln self`.
    fn ln(self) -> Self;
}

macro_rules! real {
    ($($t:ty),*) => {$(
        impl Real for $t {
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
        }
    )*};
}
real!(f32, f64);

/// A row-major `rows × cols` operand of a baseline GEMM, used as it is or
/// transposed.
#[derive(Clone, Copy)]
pub struct Operand<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    transposed: bool,
}

impl<'a> Operand<'a> {
    /// `data` as a row-major `rows × (data.len() / rows)` matrix.
    pub fn new(data: &'a [f32], rows: usize) -> Self {
        Operand { data, rows, cols: data.len() / rows.max(1), transposed: false }
    }
    /// The transpose (no data moves).
    pub fn t(self) -> Self {
        Operand { transposed: !self.transposed, ..self }
    }
}

/// A GEMM library the materialising baselines run on: `c = α·a·b` into a
/// row-major `c` (one thread).
pub trait Gemm {
    /// The report's name for `Q·Kᵀ` by this library.
    const QKT: &'static str;
    /// … for its logits then simkern's row log-sum-exp.
    const FORWARD: &'static str;
    /// … for its logits, softmax − Y, then its two gradient GEMMs.
    const FORWARD_BACKWARD: &'static str;
    /// `c = alpha · a · b`.
    fn gemm(c: &mut [f32], a: Operand<'_>, b: Operand<'_>, alpha: f32);
}

/// faer, sequential.
pub struct Faer;

impl Gemm for Faer {
    const QKT: &'static str = "faer (seq)";
    const FORWARD: &'static str = "faer logits + LSE";
    const FORWARD_BACKWARD: &'static str = "faer logits + softmax + 2 GEMMs";
    fn gemm(c: &mut [f32], a: Operand<'_>, b: Operand<'_>, alpha: f32) {
        fn view(o: Operand<'_>) -> faer::MatRef<'_, f32> {
            let m = faer::MatRef::from_row_major_slice(o.data, o.rows, o.cols);
            if o.transposed { m.transpose() } else { m }
        }
        let (a, b) = (view(a), view(b));
        let c = faer::MatMut::from_row_major_slice_mut(c, a.nrows(), b.ncols());
        faer::linalg::matmul::matmul(c, faer::Accum::Replace, a, b, alpha, faer::Par::Seq);
    }
}

/// The system's OpenBLAS (`cblas_sgemm`, through ndarray's BLAS path), one
/// thread: the report re-runs itself with `OPENBLAS_NUM_THREADS=1`.
#[cfg(feature = "openblas")]
pub struct OpenBlas;

#[cfg(feature = "openblas")]
impl Gemm for OpenBlas {
    const QKT: &'static str = "OpenBLAS sgemm";
    const FORWARD: &'static str = "OpenBLAS sgemm + LSE";
    const FORWARD_BACKWARD: &'static str = "OpenBLAS sgemm, softmax − Y, 2 sgemm (NumPy's recipe)";
    fn gemm(c: &mut [f32], a: Operand<'_>, b: Operand<'_>, alpha: f32) {
        use ndarray::{ArrayView2, ArrayViewMut2};
        fn view(o: Operand<'_>) -> ArrayView2<'_, f32> {
            let m = ArrayView2::from_shape((o.rows, o.cols), o.data).expect("the operand's shape");
            if o.transposed { m.reversed_axes() } else { m }
        }
        let (a, b) = (view(a), view(b));
        let mut c = ArrayViewMut2::from_shape((a.nrows(), b.ncols()), c).expect("the output's shape");
        ndarray::linalg::general_mat_mul(alpha, &a, &b, 0.0, &mut c);
    }
}

// Links the system OpenBLAS (`blas-src` with `openblas-src`'s `system`).
#[cfg(feature = "openblas")]
extern crate blas_src;

/// `out = q·kᵀ` with the GEMM `G`.
///
/// ```
/// let mut out = [0.0f32; 1];
/// simkern_benches::qkt::<simkern_benches::Faer>(&[2.0], &[3.0], 1, &mut out);
/// assert_eq!(out, [6.0]);
/// ```
pub fn qkt<G: Gemm>(q: &[f32], k: &[f32], dim: usize, out: &mut [f32]) {
    let (n, m) = (q.len() / dim, k.len() / dim);
    G::gemm(out, Operand::new(q, n), Operand::new(k, m).t(), 1.0);
}

/// InfoNCE forward the materialising way: `S/τ` by the GEMM `G` (N × M,
/// stored), then each row's log-sum-exp by simkern's SIMD kernel. The
/// baseline the fused kernel is measured against (same exp; only the GEMM
/// and the fusion differ).
///
/// ```
/// use simkern_benches::{Faer, materialized_infonce};
/// let l = materialized_infonce::<Faer>(&[1.0, 0.0, 0.0, 1.0], &[1.0, 0.0, 0.0, 1.0], 2, 1.0, &mut Vec::new());
/// assert!((l - (1.0 + (-1.0f32).exp()).ln()).abs() < 1e-6);
/// ```
pub fn materialized_infonce<G: Gemm>(
    q: &[f32],
    k: &[f32],
    dim: usize,
    tau: f32,
    logits: &mut Vec<f32>,
) -> f32 {
    let (n, m) = (q.len() / dim, k.len() / dim);
    logits.resize(n * m, 0.0);
    G::gemm(logits, Operand::new(q, n), Operand::new(k, m).t(), 1.0 / tau);
    let total: f64 =
        logits.chunks_exact(m).enumerate().map(|(i, row)| f64::from(simkern::logsumexp(row) - row[i])).sum();
    (total / n as f64) as f32
}

/// InfoNCE forward and backward the materialising way (NumPy's recipe):
/// `S/τ` by the GEMM `G`, `G = (softmax_rows(S/τ) − I)/(Nτ)` in place
/// (simkern's softmax per row), then `dQ = G·K` and `dK = Gᵀ·Q`. Returns
/// the loss.
///
/// ```
/// use simkern_benches::{Faer, materialized_infonce_grad};
/// let (mut dq, mut dk) = (vec![0.0; 4], vec![0.0; 4]);
/// let q = [1.0f32, 0.0, 0.0, 1.0];
/// let l = materialized_infonce_grad::<Faer>(&q, &q, 2, 1.0, &mut Vec::new(), &mut dq, &mut dk);
/// assert!(l > 0.0 && dq[0] < 0.0);
/// ```
pub fn materialized_infonce_grad<G: Gemm>(
    q: &[f32],
    k: &[f32],
    dim: usize,
    tau: f32,
    logits: &mut Vec<f32>,
    dq: &mut [f32],
    dk: &mut [f32],
) -> f32 {
    let (n, m) = (q.len() / dim, k.len() / dim);
    logits.resize(n * m, 0.0);
    let (qo, ko) = (Operand::new(q, n), Operand::new(k, m));
    G::gemm(logits, qo, ko.t(), 1.0 / tau);
    let mut total = 0.0f64;
    let mut p = vec![0.0f32; m];
    let scale = 1.0 / (n as f32 * tau);
    for (i, row) in logits.chunks_exact_mut(m).enumerate() {
        total += f64::from(simkern::logsumexp(row) - row[i]);
        simkern_core::lse::softmax_into(row, &mut p).expect("same length");
        for (g, &pj) in row.iter_mut().zip(&p) {
            *g = pj * scale;
        }
        row[i] -= scale;
    }
    let g = Operand::new(logits, n);
    G::gemm(dq, g, ko, 1.0);
    G::gemm(dk, g.t(), qo, 1.0);
    (total / n as f64) as f32
}

/// Average ranks the usual way: `sort_unstable_by(total_cmp)` on an index
/// vector, then one pass over the runs of equal values.
///
/// ```
/// assert_eq!(simkern_benches::std_rank_average(&[2.0, 1.0, 2.0]), vec![2.5, 1.0, 2.5]);
/// ```
pub fn std_rank_average(x: &[f32]) -> Vec<f64> {
    let (mut idx, mut out) = (vec![0; x.len()], vec![0.0; x.len()]);
    std_rank_average_into(x, &mut idx, &mut out);
    out
}

/// [`std_rank_average`] into caller buffers (`idx` and `out` as long as
/// `x`), for comparisons without allocation on either side.
///
/// ```
/// let (mut idx, mut out) = ([0u32; 3], [0.0; 3]);
/// simkern_benches::std_rank_average_into(&[2.0, 1.0, 2.0], &mut idx, &mut out);
/// assert_eq!(out, [2.5, 1.0, 2.5]);
/// ```
pub fn std_rank_average_into(x: &[f32], idx: &mut [u32], out: &mut [f64]) {
    for (i, v) in idx.iter_mut().enumerate() {
        *v = i as u32;
    }
    idx.sort_unstable_by(|&a, &b| x[a as usize].total_cmp(&x[b as usize]));
    ranks_from_order(x, idx, out);
}

/// [`std_rank_average`] with the stable `sort_by`.
///
/// ```
/// assert_eq!(simkern_benches::std_stable_rank_average(&[2.0, 1.0, 2.0]), vec![2.5, 1.0, 2.5]);
/// ```
pub fn std_stable_rank_average(x: &[f32]) -> Vec<f64> {
    let mut idx: Vec<u32> = (0..x.len() as u32).collect();
    idx.sort_by(|&a, &b| x[a as usize].total_cmp(&x[b as usize]));
    let mut out = vec![0.0; x.len()];
    ranks_from_order(x, &idx, &mut out);
    out
}

fn ranks_from_order(x: &[f32], order: &[u32], out: &mut [f64]) {
    let mut start = 0;
    while start < order.len() {
        let v = x[order[start] as usize];
        let mut end = start + 1;
        while end < order.len() && x[order[end] as usize] == v {
            end += 1;
        }
        let r = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i as usize] = r;
        }
        start = end;
    }
}

/// Spearman the usual way: [`std_rank_average`] of both, then Pearson.
///
/// ```
/// assert_eq!(simkern_benches::std_spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
/// ```
pub fn std_spearman(x: &[f32], y: &[f32]) -> f64 {
    let (rx, ry) = (std_rank_average(x), std_rank_average(y));
    simkern_tests::reference::pearson(&rx, &ry)
}

/// The binomial pmf the naive way: `exp(lgamma(n+1) − lgamma(k+1) −
/// lgamma(n−k+1) + k ln p + (n−k) ln(1−p))` (loses digits for large `n`).
///
/// ```
/// assert!((simkern_benches::naive_binomial_pmf(2, 4, 0.5) - 0.375).abs() < 1e-12);
/// ```
pub fn naive_binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    let (k, n) = (k as f64, n as f64);
    libm::exp(
        libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0)
            + k * libm::log(p)
            + (n - k) * libm::log1p(-p),
    )
}

//! Ranks and rank correlations with owned results and NaN policies (see
//! [`simkern_core::rank`] and [`simkern_core::correlation`]).

use simkern_core::correlation as corr;
use simkern_core::float::Slice;
use simkern_core::rank as core_rank;
use simkern_core::{Error, Float, Result, Sample};

use crate::alloc::zeroed;
use simkern_core::correlation_matrix as cm;
pub use simkern_core::rank::{NanPolicy, Ties};
use simkern_core::significance as sig;
pub use simkern_core::significance::{Alternative, CorrelationTest};

/// Ranks of `x` from 1, like `scipy.stats.rankdata(x, method=…)`; any NaN
/// makes every rank NaN (`rank_with` for the other policies).
///
/// ```
/// use simkern::Ties;
/// assert_eq!(simkern::rank(&[3.0f32, 1.0, 3.0], Ties::Average)?, vec![2.5, 1.0, 2.5]);
/// assert_eq!(simkern::rank(&[3.0f32, 1.0, 3.0], Ties::Ordinal)?, vec![2.0, 1.0, 3.0]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn rank<T: Sample>(x: &[T], ties: Ties) -> Result<Vec<f64>> {
    rank_with(x, ties, NanPolicy::Propagate)
}

/// Ranks of `x` with an explicit NaN policy: `Omit` ranks the other values
/// as if the NaNs were absent and leaves NaN at the NaN positions; `Raise`
/// returns an error.
///
/// ```
/// use simkern::{NanPolicy, Ties};
/// let r = simkern::rank_with(&[2.0f64, f64::NAN, 1.0], Ties::Min, NanPolicy::Omit)?;
/// assert_eq!((r[0], r[2]), (2.0, 1.0));
/// assert!(r[1].is_nan());
/// assert!(simkern::rank_with(&[f64::NAN], Ties::Min, NanPolicy::Raise).is_err());
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn rank_with<T: Sample>(x: &[T], ties: Ties, nan: NanPolicy) -> Result<Vec<f64>> {
    let mut out = zeroed(x.len())?;
    let mut scratch = zeroed(core_rank::rank_scratch_len::<T>(x.len()))?;
    core_rank::rank_into(x, ties, nan, &mut out, &mut scratch)?;
    Ok(out)
}

/// Applies a NaN policy to a pair of inputs: `None` to use them as they
/// are (no NaN, or `Propagate`), `Some(filtered)` for `Omit`.
type Pairs<A, B> = Option<(Vec<A>, Vec<B>)>;

fn pairs<A: Sample, B: Sample>(x: &[A], y: &[B], nan: NanPolicy) -> Result<Pairs<A, B>> {
    if x.len() != y.len() {
        return Err(Error::LengthMismatch { left: "x", left_len: x.len(), right: "y", right_len: y.len() });
    }
    let (x_nan, y_nan) = (x.iter().any(|v| v.is_nan()), y.iter().any(|v| v.is_nan()));
    if nan == NanPolicy::Propagate || !(x_nan || y_nan) {
        return Ok(None);
    }
    if nan == NanPolicy::Raise {
        return Err(Error::NanInput { name: if x_nan { "x" } else { "y" } });
    }
    Ok(Some(x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan()).map(|(a, b)| (*a, *b)).unzip()))
}

/// Spearman's ρ of `x` and `y` (Pearson's r of the average ranks).
/// NaN in either gives `Ok(NaN)`; a constant input `Ok(NaN)`; fewer than 2
/// pairs or different lengths an error.
///
/// ```
/// let rho = simkern::spearman(&[1.0f32, 2.0, 3.0, 4.0], &[10.0, 9.0, 8.0, 1.0])?;
/// assert_eq!(rho, -1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn spearman<A: Sample, B: Sample>(x: &[A], y: &[B]) -> Result<f64> {
    spearman_with(x, y, NanPolicy::Propagate)
}

/// [`spearman`] with a NaN policy (`Omit` drops pairs with a NaN).
///
/// ```
/// use simkern::NanPolicy;
/// let rho = simkern::spearman_with(&[1.0f64, 2.0, f64::NAN, 3.0], &[1.0, 2.0, 0.0, 3.0], NanPolicy::Omit)?;
/// assert_eq!(rho, 1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn spearman_with<A: Sample, B: Sample>(x: &[A], y: &[B], nan: NanPolicy) -> Result<f64> {
    let run = |x: &[A], y: &[B]| {
        let (r, s) = spearman_scratch::<A, B>(x.len());
        let (mut ranks, at) = rank_space(r)?;
        corr::spearman(x, y, &mut ranks[at..at + r], &mut zeroed(s)?)
    };
    match pairs(x, y, nan)? {
        Some((x, y)) => run(&x, &y),
        None => run(x, y),
    }
}

/// [`spearman`] on two threads of the current rayon pool (feature
/// `rayon`): the two rankings at once, then Pearson's r of the ranks —
/// the same bits as [`spearman`] (the same ranks, the same sums).
///
/// ```
/// let x: Vec<f64> = (0..1000).map(|i| ((i * 37) % 1000) as f64).collect();
/// let y: Vec<f32> = x.iter().map(|v| (v * v) as f32).collect();
/// assert_eq!(simkern::par_spearman(&x, &y)?, simkern::spearman(&x, &y)?);
/// # Ok::<(), simkern::Error>(())
/// ```
#[cfg(feature = "rayon")]
pub fn par_spearman<A: Sample + Sync, B: Sample + Sync>(x: &[A], y: &[B]) -> Result<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return spearman(x, y); // its error
    }
    let n = x.len();
    let (mut ranks, at) = rank_space(2 * n)?;
    let (rx, ry) = ranks[at..at + 2 * n].split_at_mut(n);
    let (a, b) = rayon::join(|| average_ranks_into(x, rx), || average_ranks_into(y, ry));
    a.and(b)?;
    corr::pearson::<f64, f64>(rx, ry)
}

/// Spearman's ranks of `v` into `out`, with scratch of their own.
#[cfg(feature = "rayon")]
fn average_ranks_into<T: Sample>(v: &[T], out: &mut [f64]) -> Result<()> {
    let mut scratch = zeroed(core_rank::rank_scratch_len::<T>(v.len()))?;
    core_rank::rank_into(v, Ties::Average, NanPolicy::Propagate, out, &mut scratch)
}

/// Room for `len` ranks whose first one is 64-byte aligned: the buffer and
/// where the ranks start. Pearson's sums (over `f64` ranks, in vector
/// lanes) are ordered by where the vectors fall in memory, so the serial
/// and the parallel Spearman, both ranking into such a window, give the
/// same bits.
fn rank_space(len: usize) -> Result<(Vec<f64>, usize)> {
    let lanes = 64 / size_of::<f64>();
    let buf = zeroed::<f64>(len.saturating_add(lanes))?;
    // The address is only looked at, never dereferenced.
    let at = (buf.as_ptr() as usize).wrapping_neg() % 64 / size_of::<f64>();
    Ok((buf, at))
}

/// Pearson's r of `x` and `y` (deviations from the means, `f64`).
///
/// ```
/// assert_eq!(simkern::pearson(&[1.0f32, 2.0, 3.0], &[1.0, 2.0, 3.0])?, 1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn pearson<A: Sample, B: Sample>(x: &[A], y: &[B]) -> Result<f64> {
    pearson_with(x, y, NanPolicy::Propagate)
}

/// [`pearson`] with a NaN policy.
///
/// ```
/// use simkern::NanPolicy;
/// assert!(simkern::pearson_with(&[1.0f32, f32::NAN], &[1.0, 2.0], NanPolicy::Raise).is_err());
/// ```
pub fn pearson_with<A: Sample, B: Sample>(x: &[A], y: &[B], nan: NanPolicy) -> Result<f64> {
    match pairs(x, y, nan)? {
        Some((x, y)) => on_floats(&x, &y, corr::pearson, corr::pearson, corr::pearson, corr::pearson),
        None => on_floats(x, y, corr::pearson, corr::pearson, corr::pearson, corr::pearson),
    }
}

/// Runs a float kernel on `x` and `y`: directly for `f32` and `f64` (in any
/// combination), on `f64` copies for integers (exact up to 2⁵³).
fn on_floats<A: Sample, B: Sample, R>(
    x: &[A],
    y: &[B],
    f32_f32: impl FnOnce(&[f32], &[f32]) -> R,
    f32_f64: impl FnOnce(&[f32], &[f64]) -> R,
    f64_f32: impl FnOnce(&[f64], &[f32]) -> R,
    f64_f64: impl FnOnce(&[f64], &[f64]) -> R,
) -> R {
    match (A::floats(x), B::floats(y)) {
        (Some(Slice::F32(x)), Some(Slice::F32(y))) => f32_f32(x, y),
        (Some(Slice::F32(x)), Some(Slice::F64(y))) => f32_f64(x, y),
        (Some(Slice::F64(x)), Some(Slice::F32(y))) => f64_f32(x, y),
        (Some(Slice::F64(x)), Some(Slice::F64(y))) => f64_f64(x, y),
        _ => f64_f64(&widen_all(x), &widen_all(y)),
    }
}

/// `f64` copies of any samples.
fn widen_all<T: Sample>(v: &[T]) -> Vec<f64> {
    v.iter().map(|e| e.to_f64()).collect()
}

/// Scratch for a Spearman of `n` pairs of `A` and `B`: the larger sort.
fn spearman_scratch<A: Sample, B: Sample>(n: usize) -> (usize, usize) {
    let (r, a) = corr::spearman_scratch_len::<A>(n);
    (r, a.max(corr::spearman_scratch_len::<B>(n).1))
}

/// Kendall's τ-b of `x` and `y`, in `O(n log n)`.
///
/// ```
/// let t = simkern::kendall_tau_b(&[1.0f32, 2.0, 3.0], &[1.0, 3.0, 2.0])?;
/// assert!((t - 1.0 / 3.0).abs() < 1e-15);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn kendall_tau_b<A: Sample, B: Sample>(x: &[A], y: &[B]) -> Result<f64> {
    kendall_tau_b_with(x, y, NanPolicy::Propagate)
}

/// [`kendall_tau_b`] with a NaN policy.
///
/// ```
/// use simkern::NanPolicy;
/// let t = simkern::kendall_tau_b_with(&[1.0f64, f64::NAN, 2.0], &[1.0, 5.0, 2.0], NanPolicy::Omit)?;
/// assert_eq!(t, 1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn kendall_tau_b_with<A: Sample, B: Sample>(x: &[A], y: &[B], nan: NanPolicy) -> Result<f64> {
    let run = |x: &[A], y: &[B]| corr::kendall_tau_b(x, y, &mut zeroed(corr::kendall_scratch_len(x.len()))?);
    match pairs(x, y, nan)? {
        Some((x, y)) => run(&x, &y),
        None => run(x, y),
    }
}

/// Kendall's τ-c of `x` and `y` (`scipy.stats.kendalltau(variant="c")`).
///
/// ```
/// let t = simkern::kendall_tau_c(&[1.0f32, 2.0, 3.0, 4.0], &[1.0, 1.0, 2.0, 2.0])?;
/// assert_eq!(t, 1.0);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn kendall_tau_c<A: Sample, B: Sample>(x: &[A], y: &[B]) -> Result<f64> {
    corr::kendall_tau_c(x, y, &mut zeroed(corr::kendall_scratch_len(x.len()))?)
}

/// Pearson's r and the p-value of its exact test, as
/// `scipy.stats.pearsonr(x, y, alternative=…)` (see
/// [`simkern_core::significance`]).
///
/// ```
/// use simkern::Alternative;
/// let t = simkern::pearson_test(&[1.0f64, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0], Alternative::TwoSided)?;
/// assert!((t.statistic - 0.8).abs() < 1e-15 && (t.p_value - 0.2).abs() < 1e-15);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn pearson_test<A: Sample, B: Sample>(
    x: &[A],
    y: &[B],
    alternative: Alternative,
) -> Result<CorrelationTest> {
    on_floats(
        x,
        y,
        |x, y| sig::pearson_test(x, y, alternative),
        |x, y| sig::pearson_test(x, y, alternative),
        |x, y| sig::pearson_test(x, y, alternative),
        |x, y| sig::pearson_test(x, y, alternative),
    )
}

/// Spearman's ρ and its p-value, as `scipy.stats.spearmanr(x, y,
/// alternative=…)`.
///
/// ```
/// use simkern::Alternative;
/// let t = simkern::spearman_test(&[1.0f64, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0], Alternative::TwoSided)?;
/// assert!((t.p_value - 0.08858700531354384).abs() < 1e-14);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn spearman_test<A: Sample, B: Sample>(
    x: &[A],
    y: &[B],
    alternative: Alternative,
) -> Result<CorrelationTest> {
    let (r, s) = spearman_scratch::<A, B>(x.len());
    sig::spearman_test(x, y, alternative, &mut zeroed(r)?, &mut zeroed(s)?)
}

/// Kendall's τ-b and its p-value, as `scipy.stats.kendalltau(x, y,
/// alternative=…)` (exact without ties for small `n`, else asymptotic).
///
/// ```
/// use simkern::Alternative;
/// let t = simkern::kendall_tau_b_test(&[1.0f32, 2.0, 3.0], &[3.0, 2.0, 1.0], Alternative::Less)?;
/// assert!((t.p_value - 1.0 / 6.0).abs() < 1e-15);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn kendall_tau_b_test<A: Sample, B: Sample>(
    x: &[A],
    y: &[B],
    alternative: Alternative,
) -> Result<CorrelationTest> {
    sig::kendall_tau_b_test(x, y, alternative, &mut zeroed(corr::kendall_scratch_len(x.len()))?)
}

/// Pearson's `r` of every pair of columns of `x` (`n_obs × n_cols`,
/// row-major): an `n_cols × n_cols` row-major matrix, as
/// `np.corrcoef(x, rowvar=False)` (see [`simkern_core::correlation_matrix`]).
/// Errors: `n_cols == 0`, `x.len()` not a multiple of it, fewer than 2
/// observations; [`Error::OutOfMemory`] if the scratch cannot be allocated.
///
/// ```
/// let x = [1.0f64, 10.0, 2.0, 20.0, 3.0, 31.0]; // two columns
/// let r = simkern::pearson_matrix(&x, 2)?;
/// assert_eq!((r[0], r[3]), (1.0, 1.0));
/// assert!((r[1] - 0.9996222851612184).abs() < 1e-15 && r[1] == r[2]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn pearson_matrix<T: Float>(x: &[T], n_cols: usize) -> Result<Vec<f64>> {
    let mut out = zeroed(n_cols.checked_mul(n_cols).ok_or(Error::SizeOverflow)?)?;
    let n_obs = x.len().checked_div(n_cols).unwrap_or(0);
    let mut scratch = zeroed(cm::pearson_matrix_scratch_len(n_obs, n_cols))?;
    cm::pearson_matrix_into(x, n_cols, &mut out, &mut scratch)?;
    Ok(out)
}

/// Spearman's `ρ` of every pair of columns of `x` (`n_obs × n_cols`,
/// row-major), as SciPy's 2-D `spearmanr(x).statistic` or pandas'
/// `df.corr(method="spearman")` without NaN.
///
/// ```
/// let x = [1.0f32, 5.0, 2.0, 4.0, 3.0, 3.0]; // y falls as x rises
/// assert_eq!(simkern::spearman_matrix(&x, 2)?, vec![1.0, -1.0, -1.0, 1.0]);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn spearman_matrix<T: Float>(x: &[T], n_cols: usize) -> Result<Vec<f64>> {
    let mut out = zeroed(n_cols.checked_mul(n_cols).ok_or(Error::SizeOverflow)?)?;
    let n_obs = x.len().checked_div(n_cols).unwrap_or(0);
    let (f, u) = cm::spearman_matrix_scratch_len(n_obs, n_cols);
    let (mut scratch, mut ranks) = (zeroed(f)?, zeroed(u)?);
    cm::spearman_matrix_into(x, n_cols, &mut out, &mut scratch, &mut ranks)?;
    Ok(out)
}

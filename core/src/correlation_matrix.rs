//! Correlation matrices over the columns of a data matrix: Pearson's `r`
//! and Spearman's `ρ` of every pair of columns at once, as SciPy's 2-D
//! `spearmanr` / `np.corrcoef(x, rowvar=False)` / pandas' `df.corr()`.
//!
//! `x` is `n_obs × n_cols`, row-major (one observation per row). Each
//! column is transposed once into a contiguous row of scratch — ranked
//! (average ties) for Spearman —, centred by its two-pass mean and scaled
//! by a power of two to `max |dᵢ| ∈ [½, 1)` (exact; no square can overflow
//! or underflow); one symmetric product `G = D·Dᵀ` (`f64` register tiles,
//! a block of observations at a time so that the columns it reads stay in
//! cache) then gives every `r_ij = G_ij / √(G_ii G_jj)` — the pairwise
//! formula, so `r(x, −x)` is exactly −1.
//! Memory `O(n_obs·n_cols + n_cols²)`; work `n_obs·n_cols²/2` fused
//! multiply-adds, against the `n_cols²/2` separate passes (and, for
//! Spearman, `n_cols²` rankings) of pairwise calls.
//!
//! Entries agree with the pairwise [`crate::correlation::pearson`] and
//! [`crate::correlation::spearman`] to ~1e-15 (tested within 1e-12). A
//! constant column, or one with NaN, has NaN in its row and column (its
//! diagonal too), as SciPy; the other diagonal entries are exactly 1.

use crate::error::{Error, Result, Value};
use crate::float::Float;
use crate::level::Level;
use crate::moments::{Scale, ratio};
use crate::rank::{NanPolicy, Ties, rank_scratch_len};
use crate::simd::{Kernel, Kernels, Simd};

/// Elements of `f64` scratch [`pearson_matrix_into`] needs: one transposed
/// copy of `x`, `n_obs · n_cols` (saturating).
///
/// ```
/// assert_eq!(simkern_core::correlation_matrix::pearson_matrix_scratch_len(100, 3), 300);
/// ```
pub const fn pearson_matrix_scratch_len(n_obs: usize, n_cols: usize) -> usize {
    n_obs.saturating_mul(n_cols)
}

/// Scratch [`spearman_matrix_into`] needs: `(f64 elements, u64 elements)`
/// — the transposed ranks plus one column, and one ranking's sort scratch.
///
/// ```
/// use simkern_core::{correlation_matrix::spearman_matrix_scratch_len, rank::rank_scratch_len};
/// assert_eq!(spearman_matrix_scratch_len(100, 3), (400, rank_scratch_len::<f64>(100)));
/// ```
pub const fn spearman_matrix_scratch_len(n_obs: usize, n_cols: usize) -> (usize, usize) {
    (n_obs.saturating_mul(n_cols).saturating_add(n_obs), rank_scratch_len::<f64>(n_obs))
}

/// Pearson's `r` of every pair of columns of `x` (`n_obs × n_cols`,
/// row-major) into `out` (`n_cols × n_cols`, row-major, symmetric).
///
/// Errors: `n_cols == 0` ([`Error::ZeroDimension`]); `x.len()` not a
/// multiple of `n_cols` ([`Error::NotMultipleOfDim`]); fewer than 2
/// observations ([`Error::InvalidParameter`]); `out.len() != n_cols²`
/// ([`Error::OutputSize`]); scratch shorter than
/// [`pearson_matrix_scratch_len`] ([`Error::ScratchTooSmall`]).
///
/// ```
/// use simkern_core::correlation_matrix::{pearson_matrix_into, pearson_matrix_scratch_len};
/// // Three columns: y = 2x, z = −x + noise-free constant slope.
/// let x = [1.0f64, 2.0, -1.0, 2.0, 4.0, -2.0, 3.0, 6.0, -3.0];
/// let mut out = [0.0; 9];
/// let mut scratch = vec![0.0; pearson_matrix_scratch_len(3, 3)];
/// pearson_matrix_into(&x, 3, &mut out, &mut scratch).unwrap();
/// assert_eq!(out, [1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0]);
/// ```
pub fn pearson_matrix_into<T: Float>(
    x: &[T],
    n_cols: usize,
    out: &mut [f64],
    scratch: &mut [f64],
) -> Result<()> {
    Kernels::best().pearson_matrix_into(x, n_cols, out, scratch)
}

/// Spearman's `ρ` of every pair of columns of `x`, into `out`: Pearson's
/// `r` of the columns' average ranks (see [`pearson_matrix_into`] for the
/// layout and the errors; scratch from [`spearman_matrix_scratch_len`]).
///
/// ```
/// use simkern_core::correlation_matrix::{spearman_matrix_into, spearman_matrix_scratch_len};
/// // Two columns, monotone but not linear: ρ = 1.
/// let x = [1.0f32, 1.0, 2.0, 8.0, 3.0, 27.0];
/// let (f, u) = spearman_matrix_scratch_len(3, 2);
/// let (mut out, mut sf, mut su) = ([0.0; 4], vec![0.0; f], vec![0u64; u]);
/// spearman_matrix_into(&x, 2, &mut out, &mut sf, &mut su).unwrap();
/// assert_eq!(out, [1.0; 4]);
/// ```
pub fn spearman_matrix_into<T: Float>(
    x: &[T],
    n_cols: usize,
    out: &mut [f64],
    scratch: &mut [f64],
    rank_scratch: &mut [u64],
) -> Result<()> {
    Kernels::best().spearman_matrix_into(x, n_cols, out, scratch, rank_scratch)
}

/// Checks the shapes; returns `n_obs`.
fn check_shape(len: usize, n_cols: usize, out: usize) -> Result<usize> {
    if n_cols == 0 {
        return Err(Error::ZeroDimension);
    }
    if !len.is_multiple_of(n_cols) {
        return Err(Error::NotMultipleOfDim { name: "x", len, dim: n_cols });
    }
    let n_obs = len / n_cols;
    if n_obs < 2 {
        return Err(Error::InvalidParameter {
            name: "number of observations",
            expected: "at least 2",
            value: Value::Count(n_obs),
        });
    }
    let needed = n_cols.checked_mul(n_cols).ok_or(Error::SizeOverflow)?;
    if out != needed {
        return Err(Error::OutputSize { needed, got: out });
    }
    Ok(n_obs)
}

fn check_scratch(got: usize, needed: usize) -> Result<()> {
    if got < needed { Err(Error::ScratchTooSmall { needed, got }) } else { Ok(()) }
}

impl Kernels {
    /// [`pearson_matrix_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// let (mut out, mut scratch) = ([0.0; 4], [0.0; 6]);
    /// k.pearson_matrix_into(&[1.0f64, 3.0, 2.0, 2.0, 3.0, 1.0], 2, &mut out, &mut scratch).unwrap();
    /// assert_eq!(out, [1.0, -1.0, -1.0, 1.0]);
    /// ```
    pub fn pearson_matrix_into<T: Float>(
        self,
        x: &[T],
        n_cols: usize,
        out: &mut [f64],
        scratch: &mut [f64],
    ) -> Result<()> {
        let n_obs = check_shape(x.len(), n_cols, out.len())?;
        check_scratch(scratch.len(), pearson_matrix_scratch_len(n_obs, n_cols))?;
        let u = &mut scratch[..n_obs * n_cols];
        transpose(x, n_cols, u);
        self.correlate_rows(u, n_obs, out);
        Ok(())
    }

    /// [`spearman_matrix_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, correlation_matrix::spearman_matrix_scratch_len};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// let (f, u) = spearman_matrix_scratch_len(3, 2);
    /// let (mut out, mut sf, mut su) = ([0.0; 4], vec![0.0; f], vec![0u64; u]);
    /// k.spearman_matrix_into(&[1.0f64, 9.0, 2.0, 4.0, 3.0, 1.0], 2, &mut out, &mut sf, &mut su).unwrap();
    /// assert_eq!(out, [1.0, -1.0, -1.0, 1.0]);
    /// ```
    pub fn spearman_matrix_into<T: Float>(
        self,
        x: &[T],
        n_cols: usize,
        out: &mut [f64],
        scratch: &mut [f64],
        rank_scratch: &mut [u64],
    ) -> Result<()> {
        let n_obs = check_shape(x.len(), n_cols, out.len())?;
        let (need_f, need_u) = spearman_matrix_scratch_len(n_obs, n_cols);
        check_scratch(scratch.len(), need_f)?;
        check_scratch(rank_scratch.len(), need_u)?;
        let (u, column) = scratch[..need_f].split_at_mut(n_obs * n_cols);
        transpose(x, n_cols, u);
        for ranks in u.chunks_exact_mut(n_obs) {
            column.copy_from_slice(ranks);
            self.rank_into(&*column, Ties::Average, NanPolicy::Propagate, ranks, rank_scratch)?;
        }
        self.correlate_rows(u, n_obs, out);
        Ok(())
    }

    /// `out = r` of the rows of `u` (`p × n`), destroying `u`: each row
    /// centred and scaled, the symmetric product, then `G_ij/√(G_ii G_jj)`.
    fn correlate_rows(self, u: &mut [f64], n: usize, out: &mut [f64]) {
        let p = out.len().isqrt();
        for row in u.chunks_exact_mut(n) {
            centre_and_scale(row);
        }
        self.run(Gram { u, n, out });
        // The upper triangle was computed; the ratio, then the mirror.
        for i in 0..p {
            for j in i + 1..p {
                let v = ratio(out[i * p + j], out[i * p + i], out[j * p + j]);
                out[i * p + j] = v;
                out[j * p + i] = v;
            }
        }
        for i in 0..p {
            out[i * p + i] = if out[i * p + i].is_nan() { f64::NAN } else { 1.0 };
        }
    }
}

/// `u[j·n + o] = x[o·p + j]` (widened to `f64`): one pass over `x` in
/// order, writing `p` sequential streams (a pass per column would read
/// all of `x` `p` times over, strided).
fn transpose<T: Float>(x: &[T], p: usize, u: &mut [f64]) {
    let n = x.len() / p;
    for (o, row) in x.chunks_exact(p).enumerate() {
        for (j, v) in row.iter().enumerate() {
            u[j * n + o] = v.to_f64();
        }
    }
}

/// Replaces `row` by its deviations from its mean scaled by a power of two
/// (to `max |dᵢ| ∈ [½, 1)`), or by NaN where the correlation is undefined
/// (NaN or ±∞ in it, or a constant row).
fn centre_and_scale(row: &mut [f64]) {
    let n = row.len() as f64;
    let mean = row.iter().sum::<f64>() / n;
    let first = row[0];
    if !mean.is_finite() || row.iter().all(|&v| v == first) {
        row.fill(f64::NAN);
        return;
    }
    for v in row.iter_mut() {
        *v -= mean;
    }
    let Scale::By(c) = Scale::of(row) else {
        row.fill(f64::NAN);
        return;
    };
    for v in row.iter_mut() {
        *v *= c;
    }
}

/// The upper triangle of `out = U·Uᵀ` for `U` (`p × n`, rows contiguous).
struct Gram<'a> {
    u: &'a [f64],
    n: usize,
    out: &'a mut [f64],
}

/// Observations per block: the `p` rows of a block (`p · OBS_BLOCK · 8`
/// bytes) stay in L2 while every tile reads them (256 KiB at `p = 64`).
const OBS_BLOCK: usize = 512;

impl Kernel for Gram<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        match S::LEVEL {
            Level::Avx512 | Level::Avx512Bf16 | Level::Amx | Level::Neon => gram::<S, 4, 4>(s, self),
            Level::Avx2 => gram::<S, 4, 2>(s, self),
            Level::Portable => gram::<S, 2, 2>(s, self),
        }
    }
}

/// [`Gram`] with `MR × NR` register tiles of `f64` lane accumulators.
#[inline(always)]
fn gram<S: Simd, const MR: usize, const NR: usize>(s: S, g: Gram<'_>) {
    let Gram { u, n, out } = g;
    let p = out.len().isqrt();
    out.fill(0.0);
    let row = |i: usize, o: usize, len: usize| &u[i.min(p - 1) * n + o..][..len];
    for o in (0..n).step_by(OBS_BLOCK) {
        let len = OBS_BLOCK.min(n - o);
        for i0 in (0..p).step_by(MR) {
            // Tiles on or right of the diagonal only (j0 + NR > i0).
            for j0 in ((i0 / NR) * NR..p).step_by(NR) {
                let a: [&[f64]; MR] = core::array::from_fn(|r| row(i0 + r, o, len));
                let b: [&[f64]; NR] = core::array::from_fn(|c| row(j0 + c, o, len));
                let t = tile::<S, MR, NR>(s, a, b);
                for (r, tr) in t.iter().enumerate().filter(|(r, _)| i0 + r < p) {
                    for (c, &v) in tr.iter().enumerate().filter(|(c, _)| j0 + c < p) {
                        out[(i0 + r) * p + j0 + c] += v;
                    }
                }
            }
        }
    }
}

/// `t[r][c] = a[r] · b[c]` for `MR + NR` slices of one length.
#[inline(always)]
fn tile<S: Simd, const MR: usize, const NR: usize>(
    s: S,
    a: [&[f64]; MR],
    b: [&[f64]; NR],
) -> [[f64; NR]; MR] {
    let len = a[0].len();
    let lanes = S::F64_LANES;
    let mut acc = [[s.splat_f64(0.0); NR]; MR];
    let mut o = 0;
    while o + lanes <= len {
        let bv: [S::F64; NR] = core::array::from_fn(|c| s.load_f64(&b[c][o..]));
        for r in 0..MR {
            let av = s.load_f64(&a[r][o..]);
            for c in 0..NR {
                acc[r][c] = s.mul_add_f64(av, bv[c], acc[r][c]);
            }
        }
        o += lanes;
    }
    if o < len {
        let bv: [S::F64; NR] = core::array::from_fn(|c| s.load_partial_f64(&b[c][o..]));
        for r in 0..MR {
            let av = s.load_partial_f64(&a[r][o..]);
            for c in 0..NR {
                acc[r][c] = s.mul_add_f64(av, bv[c], acc[r][c]);
            }
        }
    }
    core::array::from_fn(|r| core::array::from_fn(|c| s.reduce_sum_f64(acc[r][c])))
}

//! Diagnostics of an embedding space (Wang & Isola 2020; Gao et al. 2019):
//!
//! | kernel | formula |
//! |---|---|
//! | [`alignment`] | `(1/N) Σᵢ ‖xᵢ − yᵢ‖^α` over positive pairs (α = 2 usual) |
//! | [`uniformity`] | `log (2/(N(N−1))) Σ_{i<j} e^{−t‖xᵢ − xⱼ‖²}` (t = 2 usual) |
//! | [`anisotropy`] | `Sum(WWᵀ) = ‖Σᵢ hᵢ‖²`, the mean pairwise cosine, `λ_max(WWᵀ)` |
//!
//! None of them normalises its input: pass unit rows, as the papers do.
//!
//! # How
//! - `uniformity` streams the pairs: `‖xᵢ − xⱼ‖² = ‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ`
//!   with the dot products from the GEMM engine, a block of rows against the
//!   rows after them (only `i < j` is computed), each block row folded into
//!   an online log-sum-exp. Memory `O(R·N)`, never `N²`. The squared
//!   distance of nearly equal unit rows carries `~4u` of cancellation
//!   error (`u = 2⁻²⁴`), i.e. `4ut` in each exponent.
//! - The mean pairwise cosine over `i ≠ j` is
//!   `(‖Σᵢ uᵢ‖² − Σᵢ‖uᵢ‖²) / (N(N−1))` for `uᵢ = hᵢ/‖hᵢ‖` (a zero row has
//!   cosine 0 with everything): `O(N·d)`, no Gram matrix. Sums in `f64`.
//! - `λ_max(WWᵀ) = λ_max(WᵀW)` by Lanczos on `WᵀW` (`v ↦ Wᵀ(Wv)`, `O(N·d)`
//!   a step, in `f64`) with full reorthogonalisation, from the deterministic
//!   start `v₀ ∝ Σᵢ hᵢ + (1, …, 1)/√d`. The top Ritz value `θ` of the
//!   tridiagonal `T_k` (bisection on its Sturm sequence) comes with the
//!   residual `‖WᵀW y − θ y‖ = β_k |e_kᵀ s|`, and `θ` is within that of an
//!   eigenvalue: it stops when the residual is below `1e-10 θ` (or the
//!   Krylov space is invariant), restarting from the Ritz vector every 96
//!   steps. Isotropic data, whose top eigenvalues crowd together, took
//!   power iteration its whole 1000-step cap; Lanczos needs ~70 steps at
//!   10 000 × 384 and 3 on anisotropic data.

use crate::error::{Error, Result, Value, same_dim, same_rows};
use crate::gemm::{self, Accum, Blocking, Gemm, View, ViewMut};
use crate::lse::{OnlineLse, lse_state_of};
use crate::matrix::MatRef;
use crate::simd::{Kernel, Kernels, LaneZip, Simd, reduce_pairs, zip_map_in_place};
use crate::similarity::{Dot, sum_squares};

/// Rows of `x` per block of the uniformity pass.
const ROWS: usize = 144;
/// Lanczos: the residual bound, relative to the Ritz value, to stop at.
const EIG_TOL: f64 = 1e-10;
/// Lanczos: steps (basis vectors kept) before a restart from the Ritz vector.
const LANCZOS_STEPS: usize = 96;
/// Lanczos: the most restarts (each of up to `LANCZOS_STEPS` steps).
const LANCZOS_RESTARTS: usize = 20;

fn check_positive(name: &'static str, value: f32) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name, expected: "positive and finite", value: Value::F32(value) })
    }
}

/// Alignment `(1/N) Σᵢ ‖xᵢ − yᵢ‖^α` of positive pairs `(xᵢ, yᵢ)`.
///
/// IEEE arithmetic on the differences: NaN propagates; an infinite entry
/// gives `+∞` (or NaN where `x` and `y` hold the same infinity).
///
/// Errors: no rows, `x` and `y` of different shapes, `α` not positive and
/// finite.
///
/// ```
/// use simkern_core::{MatRef, diagnostics::alignment};
/// let x = MatRef::new(&[0.0f32, 0.0, 1.0, 0.0], 2).unwrap();
/// let y = MatRef::new(&[3.0f32, 4.0, 1.0, 0.0], 2).unwrap();
/// assert_eq!(alignment(x, y, 2.0).unwrap(), 12.5); // (25 + 0) / 2
/// assert_eq!(alignment(x, y, 1.0).unwrap(), 2.5);
/// ```
pub fn alignment(x: MatRef<'_, f32>, y: MatRef<'_, f32>, alpha: f32) -> Result<f32> {
    Kernels::best().alignment(x, y, alpha)
}

struct Alignment<'a> {
    x: MatRef<'a, f32>,
    y: MatRef<'a, f32>,
    alpha: f32,
}

impl Kernel for Alignment<'_> {
    type Output = f32;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> f32 {
        let half = f64::from(self.alpha) / 2.0;
        let mut total = 0.0f64;
        // (Stepped by hand, not zipped: see `normalize_rows` in infonce.)
        let mut ys = self.y.iter_rows();
        for a in self.x.iter_rows() {
            let Some(b) = ys.next() else { break };
            // ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b would cancel; difference first.
            let d2 = crate::similarity::l2_squared_in(s, a, b);
            total += if half == 1.0 { d2 } else { libm::pow(d2, half) };
        }
        (total / self.x.rows() as f64) as f32
    }
}

/// Elements of `f32` scratch [`uniformity`] needs for `n` rows of `dim`
/// at whichever level this build runs ([`Level::TARGET`](crate::Level::TARGET);
/// one level's exact need is [`Kernels::uniformity_scratch_len`]): the
/// norms, one block of distances and the GEMM's packing. A `const fn`.
///
/// ```
/// use simkern_core::diagnostics::uniformity_scratch_len;
/// assert!(uniformity_scratch_len(1000, 64) < 1000 * 1000);
/// let ws = [0.0f32; uniformity_scratch_len(6, 8)];
/// # let _ = ws;
/// ```
pub const fn uniformity_scratch_len(n: usize, dim: usize) -> usize {
    let r = uniformity_rows(n);
    n.saturating_add(r.saturating_mul(n)).saturating_add(gemm::scratch_len_any_level(r, n, dim))
}

/// Rows per block of distances for `n` rows.
const fn uniformity_rows(n: usize) -> usize {
    if n == 0 {
        1
    } else if n < ROWS {
        n
    } else {
        ROWS
    }
}

/// Uniformity `log mean_{i<j} e^{−t‖xᵢ − xⱼ‖²}`, streamed over blocks of
/// pairs (never an `N × N` matrix).
///
/// A NaN or ±∞ entry gives NaN (distances come from `‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ`,
/// which is `∞ − ∞` for an infinite row).
///
/// Errors: fewer than 2 rows, `t` not positive and finite, a scratch
/// shorter than [`uniformity_scratch_len`].
///
/// ```
/// use simkern_core::{MatRef, diagnostics::{uniformity, uniformity_scratch_len}};
/// // Two orthogonal unit vectors: ‖x₀ − x₁‖² = 2, so the value is −2t.
/// let x = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0], 2).unwrap();
/// let mut ws = vec![0.0; uniformity_scratch_len(2, 2)];
/// assert!((uniformity(x, 2.0, &mut ws).unwrap() + 4.0).abs() < 1e-6);
/// ```
pub fn uniformity(x: MatRef<'_, f32>, t: f32, scratch: &mut [f32]) -> Result<f32> {
    Kernels::best().uniformity(x, t, scratch)
}

/// The streaming log-sum-exp state of the exponents `−t‖xᵢ − xⱼ‖²` over the
/// pairs `i < j` with `i` in `rows`: the building block that lets callers
/// split [`uniformity`] over row blocks (and threads) and merge the states
/// in a fixed order. `uniformity = (merged state).value() − ln(N(N−1)/2)`.
///
/// ```
/// use simkern_core::{MatRef, diagnostics::{uniformity, uniformity_pairs_state, uniformity_scratch_len}};
/// let data = [1.0f32, 0.0, 0.0, 1.0, -1.0, 0.0];
/// let x = MatRef::new(&data, 2).unwrap();
/// let mut ws = vec![0.0; uniformity_scratch_len(3, 2)];
/// let mut state = uniformity_pairs_state(x, 2.0, 0..1, &mut ws).unwrap();
/// state.merge(uniformity_pairs_state(x, 2.0, 1..3, &mut ws).unwrap());
/// let whole = uniformity(x, 2.0, &mut ws).unwrap();
/// assert!(((state.value() - 3f64.ln()) as f32 - whole).abs() < 1e-6);
/// ```
pub fn uniformity_pairs_state(
    x: MatRef<'_, f32>,
    t: f32,
    rows: core::ops::Range<usize>,
    scratch: &mut [f32],
) -> Result<OnlineLse> {
    Kernels::best().uniformity_pairs_state(x, t, rows, scratch)
}

impl Kernels {
    /// [`alignment`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef};
    /// let x = MatRef::new(&[1.0f32, 1.0], 2).unwrap();
    /// assert_eq!(Kernels::new(Level::Portable).unwrap().alignment(x, x, 2.0).unwrap(), 0.0);
    /// ```
    pub fn alignment(self, x: MatRef<'_, f32>, y: MatRef<'_, f32>, alpha: f32) -> Result<f32> {
        check_positive("alpha", alpha)?;
        if x.rows() == 0 {
            return Err(Error::Empty { name: "x" });
        }
        same_dim("x", x.dim(), "y", y.dim())?;
        same_rows("x", x.rows(), "y", y.rows())?;
        Ok(self.run(Alignment { x, y, alpha }))
    }

    /// Elements of scratch [`Kernels::uniformity`] needs at this handle's
    /// level (see [`uniformity_scratch_len`]).
    ///
    /// ```
    /// use simkern_core::{Kernels, diagnostics::uniformity_scratch_len};
    /// const WS: usize = Kernels::portable().uniformity_scratch_len(6, 8);
    /// assert!(WS <= uniformity_scratch_len(6, 8));
    /// ```
    pub const fn uniformity_scratch_len(self, n: usize, dim: usize) -> usize {
        let r = uniformity_rows(n);
        n.saturating_add(r.saturating_mul(n)).saturating_add(gemm::scratch_len(self.level(), r, n, dim))
    }

    /// [`uniformity`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef, diagnostics::uniformity_scratch_len};
    /// let x = MatRef::new(&[1.0f32, 0.0, 1.0, 0.0], 2).unwrap();
    /// let mut ws = vec![0.0; uniformity_scratch_len(2, 2)];
    /// assert_eq!(Kernels::new(Level::Portable).unwrap().uniformity(x, 2.0, &mut ws).unwrap(), 0.0);
    /// ```
    pub fn uniformity(self, x: MatRef<'_, f32>, t: f32, scratch: &mut [f32]) -> Result<f32> {
        check_positive("t", t)?;
        if x.rows() < 2 {
            return Err(Error::InvalidParameter {
                name: "rows of x",
                expected: "at least 2",
                value: Value::Count(x.rows()),
            });
        }
        let n = x.rows();
        let state = self.uniformity_pairs_state(x, t, 0..n - 1, scratch)?;
        Ok((state.value() - libm::log(n as f64 * (n as f64 - 1.0) / 2.0)) as f32)
    }

    /// [`uniformity_pairs_state`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef, diagnostics::uniformity_scratch_len};
    /// let data = [1.0f32, 0.0, 0.0, 1.0];
    /// let mut ws = vec![0.0; uniformity_scratch_len(2, 2)];
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// let s = k.uniformity_pairs_state(MatRef::new(&data, 2).unwrap(), 1.0, 0..1, &mut ws).unwrap();
    /// assert!((s.value() + 2.0).abs() < 1e-6); // one pair at squared distance 2
    /// ```
    pub fn uniformity_pairs_state(
        self,
        x: MatRef<'_, f32>,
        t: f32,
        rows: core::ops::Range<usize>,
        scratch: &mut [f32],
    ) -> Result<OnlineLse> {
        check_positive("t", t)?;
        let needed = self.uniformity_scratch_len(x.rows(), x.dim());
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, got: scratch.len() });
        }
        let rows = rows.start.min(x.rows())..rows.end.min(x.rows().saturating_sub(1));
        if rows.start >= rows.end {
            return Ok(OnlineLse::new());
        }
        Ok(self.run(Uniformity { x, t, rows, blocks: self.blocking(), ws: scratch }))
    }

    /// [`mean_cosine`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef};
    /// let w = MatRef::new(&[1.0f32, 0.0, 0.0, 2.0], 2).unwrap();
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.mean_cosine(w, &mut [0.0; 2]).unwrap(), 0.0);
    /// ```
    pub fn mean_cosine(self, w: MatRef<'_, f32>, scratch: &mut [f64]) -> Result<f64> {
        at_least_two_rows(w)?;
        self.moment(w, Moment::MeanCosine, scratch)
    }

    /// [`gram_sum`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef};
    /// let w = MatRef::new(&[1.0f32, 0.0, 0.0, 2.0], 2).unwrap();
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.gram_sum(w, &mut [0.0; 2]).unwrap(), 5.0);
    /// ```
    pub fn gram_sum(self, w: MatRef<'_, f32>, scratch: &mut [f64]) -> Result<f64> {
        self.moment(w, Moment::GramSum, scratch)
    }

    fn moment(self, w: MatRef<'_, f32>, moment: Moment, scratch: &mut [f64]) -> Result<f64> {
        let Some(acc) = scratch.get_mut(..w.dim()) else {
            return Err(Error::ScratchTooSmall { needed: w.dim(), got: scratch.len() });
        };
        Ok(self.run(MomentKernel { w, moment, acc }))
    }

    /// [`anisotropy`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, MatRef, diagnostics::anisotropy_scratch_len};
    /// let w = MatRef::new(&[1.0f32, 1.0], 1).unwrap();
    /// let mut ws = vec![0.0f64; anisotropy_scratch_len(1)];
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.anisotropy(w, &mut ws).unwrap().mean_cosine, 1.0);
    /// ```
    pub fn anisotropy(self, w: MatRef<'_, f32>, scratch: &mut [f64]) -> Result<Anisotropy> {
        at_least_two_rows(w)?;
        let needed = anisotropy_scratch_len(w.dim());
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, got: scratch.len() });
        }
        Ok(self.run(AnisotropyKernel { w, ws: scratch }))
    }
}

struct Uniformity<'a> {
    x: MatRef<'a, f32>,
    t: f32,
    /// The `i` of the pairs `(i, j > i)` to fold.
    rows: core::ops::Range<usize>,
    blocks: Blocking,
    ws: &'a mut [f32],
}

impl Kernel for Uniformity<'_> {
    type Output = OnlineLse;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> OnlineLse {
        let n = self.x.rows();
        let r_max = ROWS.min(n);
        // Checked splits and `get` below: in bounds by the caller's checks,
        // visibly to the optimiser (no panic path).
        let Some((norms, ws)) = self.ws.split_at_mut_checked(n) else { return OnlineLse::new() };
        let Some((block, scratch)) = ws.split_at_mut_checked(r_max * n) else { return OnlineLse::new() };
        let mut rows = self.x.iter_rows();
        for nrm in norms.iter_mut() {
            let Some(row) = rows.next() else { break };
            *nrm = sum_squares(s, row) as f32;
        }
        let xv = View::of(self.x);
        let mut acc = OnlineLse::new();
        for i0 in self.rows.clone().step_by(r_max.max(1)) {
            let r = r_max.min(self.rows.end - i0);
            // Rows i0..i0+r against the rows after i0 (j > i kept below).
            let cols = n - i0 - 1;
            let (a, b) = (xv.rows_range(i0, i0 + r), xv.rows_range(i0 + 1, n));
            let Some(g) = block.get_mut(..r * cols) else { break };
            let c = ViewMut { data: g, ld: cols };
            s.vectorize(Gemm {
                a,
                b: b.t(),
                c,
                accum: Accum::Overwrite,
                blocks: self.blocks,
                scratch: &mut *scratch,
            });
            for (ii, row) in g.chunks_exact_mut(cols.max(1)).enumerate() {
                // Column c is row j = i0 + 1 + c; keep j > i = i0 + ii.
                let row = row.get_mut(ii..).unwrap_or_default();
                let nj = norms.get(i0 + 1 + ii..).unwrap_or_default();
                let ni = norms.get(i0 + ii).copied().unwrap_or(0.0);
                neg_t_sq_dist(s, row, nj, ni, self.t);
                acc.merge(lse_state_of(s, row, 1.0));
            }
        }
        acc
    }
}

/// `−t·max(nᵢ + nⱼ − 2g, 0)` per lane, for Gram entries `g` and squared
/// norms `nⱼ`: the exponents `−t‖xᵢ − xⱼ‖²`.
struct NegTSqDist<V> {
    ni: V,
    neg_t: V,
}

impl<S: Simd> LaneZip<S, f32> for NegTSqDist<S::F32> {
    #[inline(always)]
    fn apply(&mut self, s: S, g: S::F32, nj: S::F32) -> S::F32 {
        let d2 = s.sub_f32(s.add_f32(self.ni, nj), s.add_f32(g, g));
        s.mul_f32(self.neg_t, s.max_f32(s.splat_f32(0.0), d2))
    }
}

/// `row[j] ← −t·max(nᵢ + n[j] − 2·row[j], 0)`.
#[inline(always)]
fn neg_t_sq_dist<S: Simd>(s: S, row: &mut [f32], nj: &[f32], ni: f32, t: f32) {
    zip_map_in_place(s, &mut NegTSqDist { ni: s.splat_f32(ni), neg_t: s.splat_f32(-t) }, row, nj);
}

/// The anisotropy diagnostics of the rows `hᵢ` of `W` (`m × d`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anisotropy {
    /// Mean cosine similarity over ordered pairs `i ≠ j` (0 for a zero row).
    pub mean_cosine: f64,
    /// `Sum(WWᵀ) = Σᵢ Σⱼ hᵢ·hⱼ = ‖Σᵢ hᵢ‖²`.
    pub gram_sum: f64,
    /// The largest eigenvalue of `WWᵀ` (the squared largest singular value).
    pub top_eigenvalue: f64,
}

/// Elements of `f64` scratch [`anisotropy`] needs for rows of `dim`.
///
/// `(3 + k)·dim + 5k` for `k = min(dim, 96)` Lanczos vectors.
///
/// ```
/// assert_eq!(simkern_core::diagnostics::anisotropy_scratch_len(768), (3 + 96) * 768 + 5 * 96);
/// assert_eq!(simkern_core::diagnostics::anisotropy_scratch_len(4), 7 * 4 + 5 * 4);
/// ```
pub const fn anisotropy_scratch_len(dim: usize) -> usize {
    let k = lanczos_steps(dim);
    dim.saturating_mul(3 + k).saturating_add(5 * k)
}

/// Lanczos vectors kept for rows of `dim`.
const fn lanczos_steps(dim: usize) -> usize {
    if dim < LANCZOS_STEPS { dim } else { LANCZOS_STEPS }
}

/// Anisotropy of the rows of `w`: mean pairwise cosine, `Sum(WWᵀ)` and
/// `λ_max(WWᵀ)`, all in `O(m·d)` (a step, for the eigenvalue).
///
/// A NaN or ±∞ entry gives NaN in all three fields.
///
/// Errors: fewer than 2 rows, a scratch shorter than
/// [`anisotropy_scratch_len`].
///
/// ```
/// use simkern_core::{MatRef, diagnostics::{anisotropy, anisotropy_scratch_len}};
/// let w = MatRef::new(&[1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0], 2).unwrap();
/// let mut ws = vec![0.0f64; anisotropy_scratch_len(2)];
/// let a = anisotropy(w, &mut ws).unwrap();
/// assert_eq!(a.gram_sum, 5.0); // ‖(2, 1)‖²
/// assert!((a.mean_cosine - 1.0 / 3.0).abs() < 1e-15); // pairs: 1, 0, 0 (both orders)
/// assert!((a.top_eigenvalue - 2.0).abs() < 1e-9); // WᵀW = diag(2, 1)
/// ```
pub fn anisotropy(w: MatRef<'_, f32>, scratch: &mut [f64]) -> Result<Anisotropy> {
    Kernels::best().anisotropy(w, scratch)
}

/// The mean cosine similarity of the rows of `w` over ordered pairs
/// `i ≠ j` — [`Anisotropy::mean_cosine`] alone, one pass over `w`:
/// `(‖Σᵢ uᵢ‖² − #nonzero rows) / (m(m − 1))` with `uᵢ = hᵢ/‖hᵢ‖` (a zero row
/// counts as cosine 0), in `f64`. NaN for a NaN or ±∞ entry.
///
/// Errors: fewer than 2 rows, a scratch shorter than `w.dim()`.
///
/// ```
/// use simkern_core::{MatRef, diagnostics::mean_cosine};
/// let w = MatRef::new(&[1.0f32, 0.0, 1.0, 0.0, 0.0, 3.0], 2).unwrap();
/// let c = mean_cosine(w, &mut [0.0; 2]).unwrap();
/// assert!((c - 1.0 / 3.0).abs() < 1e-15); // pairs: 1, 0, 0 (both orders)
/// ```
pub fn mean_cosine(w: MatRef<'_, f32>, scratch: &mut [f64]) -> Result<f64> {
    Kernels::best().mean_cosine(w, scratch)
}

/// `Sum(WWᵀ) = ‖Σᵢ hᵢ‖²` — [`Anisotropy::gram_sum`] alone, one pass over
/// `w`, in `f64` (0 for no rows). NaN for a NaN or ±∞ entry.
///
/// Errors: a scratch shorter than `w.dim()`.
///
/// ```
/// use simkern_core::{MatRef, diagnostics::gram_sum};
/// let w = MatRef::new(&[1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0], 2).unwrap();
/// assert_eq!(gram_sum(w, &mut [0.0; 2]).unwrap(), 5.0); // ‖(2, 1)‖²
/// ```
pub fn gram_sum(w: MatRef<'_, f32>, scratch: &mut [f64]) -> Result<f64> {
    Kernels::best().gram_sum(w, scratch)
}

struct AnisotropyKernel<'a> {
    w: MatRef<'a, f32>,
    ws: &'a mut [f64],
}

impl Kernel for AnisotropyKernel<'_> {
    type Output = Anisotropy;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> Anisotropy {
        let (m, d) = (self.w.rows(), self.w.dim());
        let nan = Anisotropy { mean_cosine: f64::NAN, gram_sum: f64::NAN, top_eigenvalue: f64::NAN };
        // Checked splits (the caller checked the length; no panic path).
        let Some((sum, ws)) = self.ws.split_at_mut_checked(d) else { return nan };
        let Some((v, ws)) = ws.split_at_mut_checked(d) else { return nan };
        let Some((wv, ws_rest)) = ws.split_at_mut_checked(d) else { return nan };

        // Σᵢ hᵢ and Σᵢ uᵢ (unit rows), in f64.
        let units = row_sums(s, self.w, Some(&mut *sum), Some(&mut *v));
        let gram_sum = dot_f64s(s, sum, sum);
        if !gram_sum.is_finite() {
            // Some entry is NaN or ±∞ (a sum of widened f32 values cannot
            // overflow f64): no statistic is defined.
            return nan;
        }
        let mean_cosine = mean_cosine_of(dot_f64s(s, v, v), units, m);
        // Lanczos on WᵀW from v₀ ∝ Σ hᵢ + (1, …, 1)/√d.
        let bias = 1.0 / libm::sqrt(d as f64);
        for (vi, si) in v.iter_mut().zip(sum.iter()) {
            *vi = si + bias;
        }
        let lambda = top_eigenvalue(s, self.w, v, wv, ws_rest);
        Anisotropy { mean_cosine, gram_sum, top_eigenvalue: lambda }
    }
}

/// `Σᵢ hᵢ` into `sum` and `Σᵢ hᵢ/‖hᵢ‖` into `units` (each if given; both
/// zeroed first), in `f64`; returns the number of nonzero rows (NaN if
/// a row has a NaN entry).
#[inline(always)]
fn row_sums<S: Simd>(
    s: S,
    w: MatRef<'_, f32>,
    mut sum: Option<&mut [f64]>,
    mut units: Option<&mut [f64]>,
) -> f64 {
    for acc in [sum.as_deref_mut(), units.as_deref_mut()].into_iter().flatten() {
        acc.fill(0.0);
    }
    let mut nonzero = 0.0f64;
    for h in w.iter_rows() {
        if let Some(sum) = sum.as_deref_mut() {
            axpy_widen(s, 1.0, h, sum);
        }
        if let Some(units) = units.as_deref_mut() {
            let n = libm::sqrt(sum_squares(s, h));
            if n > 0.0 {
                axpy_widen(s, 1.0 / n, h, units);
                nonzero += 1.0;
            } else if n.is_nan() {
                // A NaN entry: no unit row (an ∞ one gives 0·∞ = NaN above).
                nonzero = f64::NAN;
            }
        }
    }
    nonzero
}

/// The mean cosine over ordered pairs from `‖Σ uᵢ‖²` of the `units`
/// nonzero unit rows among `m`: `(‖Σ uᵢ‖² − units) / (m(m − 1))`.
fn mean_cosine_of(unit_sum_squared: f64, units: f64, m: usize) -> f64 {
    (unit_sum_squared - units) / (m as f64 * (m as f64 - 1.0))
}

/// `Err` unless `w` has at least two rows (pairs to average over).
fn at_least_two_rows(w: MatRef<'_, f32>) -> Result<()> {
    if w.rows() < 2 {
        return Err(Error::InvalidParameter {
            name: "rows of w",
            expected: "at least 2",
            value: Value::Count(w.rows()),
        });
    }
    Ok(())
}

/// One of the cheap anisotropy statistics alone.
#[derive(Clone, Copy)]
enum Moment {
    MeanCosine,
    GramSum,
}

struct MomentKernel<'a> {
    w: MatRef<'a, f32>,
    moment: Moment,
    /// `dim` elements.
    acc: &'a mut [f64],
}

impl Kernel for MomentKernel<'_> {
    type Output = f64;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> f64 {
        let MomentKernel { w, moment, acc } = self;
        let value = match moment {
            Moment::GramSum => {
                row_sums(s, w, Some(&mut *acc), None);
                dot_f64s(s, acc, acc)
            }
            Moment::MeanCosine => {
                let units = row_sums(s, w, None, Some(&mut *acc));
                // (A NaN or ±∞ entry makes its unit row NaN.)
                mean_cosine_of(dot_f64s(s, acc, acc), units, w.rows())
            }
        };
        if value.is_finite() { value } else { f64::NAN }
    }
}

/// `out = WᵀW x` for the rows `h` of `m`.
#[inline(always)]
fn gram_times<S: Simd>(s: S, m: MatRef<'_, f32>, x: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    for h in m.iter_rows() {
        axpy_widen(s, dot_widen(s, h, x), h, out);
    }
}

/// `λ_max(MᵀM)` by restarted Lanczos from `x` (overwritten), with `w` (`d`)
/// and `ws` (the rest of [`anisotropy_scratch_len`]) as workspace.
#[inline(always)]
fn top_eigenvalue<S: Simd>(s: S, m: MatRef<'_, f32>, x: &mut [f64], w: &mut [f64], ws: &mut [f64]) -> f64 {
    let d = x.len();
    let k = lanczos_steps(d).max(1);
    let Some((basis, ws)) = ws.split_at_mut_checked(k * d) else { return f64::NAN };
    let Some((alpha, ws)) = ws.split_at_mut_checked(k) else { return f64::NAN };
    let Some((beta, ws)) = ws.split_at_mut_checked(k) else { return f64::NAN };
    let Some((y, work)) = ws.split_at_mut_checked(k) else { return f64::NAN };
    let mut theta = 0.0;
    for _ in 0..LANCZOS_RESTARTS {
        let norm = libm::sqrt(dot_f64s(s, x, x));
        if norm == 0.0 || !norm.is_finite() {
            return theta;
        }
        let Some(q0) = basis.get_mut(..d) else { return f64::NAN };
        q0.iter_mut().zip(x.iter()).for_each(|(q, &v)| *q = v / norm);
        for j in 0..k {
            let Some((done, rest)) = basis.split_at_mut_checked((j + 1) * d) else { return f64::NAN };
            let Some(qj) = done.get(j * d..) else { return f64::NAN };
            gram_times(s, m, qj, w);
            let a = dot_f64s(s, qj, w);
            // Against every basis vector, twice ("twice is enough").
            for _ in 0..2 {
                for q in done.chunks_exact(d.max(1)) {
                    let c = dot_f64s(s, w, q);
                    w.iter_mut().zip(q).for_each(|(w, &q)| *w -= c * q);
                }
            }
            let b = libm::sqrt(dot_f64s(s, w, w));
            let (Some(aj), Some(bj)) = (alpha.get_mut(j), beta.get_mut(j)) else { return f64::NAN };
            (*aj, *bj) = (a, b);
            let p = j + 1;
            let (Some(t_alpha), Some(t_beta), Some(t_y)) = (alpha.get(..p), beta.get(..j), y.get_mut(..p))
            else {
                return f64::NAN;
            };
            theta = top_ritz_pair(t_alpha, t_beta, t_y, work);
            let residual = b * t_y.last().map_or(0.0, |v| v.abs());
            // Converged, an invariant subspace (residual 0), the whole
            // space, or a NaN residual (NaN in, NaN out).
            if residual <= EIG_TOL * theta || residual.is_nan() || p == d {
                return theta;
            }
            if let Some(next) = rest.get_mut(..d) {
                next.iter_mut().zip(w.iter()).for_each(|(q, &w)| *q = w / b);
            }
        }
        // Restart from the Ritz vector V y.
        x.fill(0.0);
        for (q, &c) in basis.chunks_exact(d.max(1)).zip(y.iter()) {
            x.iter_mut().zip(q).for_each(|(x, &q)| *x += c * q);
        }
    }
    theta
}

/// The largest eigenvalue `θ` of the symmetric tridiagonal matrix with
/// diagonal `alpha` (`p`) and off-diagonal `beta` (`p − 1`), and its unit
/// eigenvector in `y` (`p`), by bisection on the Sturm sequence and two
/// steps of inverse iteration; `work` holds `2p`.
fn top_ritz_pair(alpha: &[f64], beta: &[f64], y: &mut [f64], work: &mut [f64]) -> f64 {
    let p = alpha.len();
    let off = |i: usize| beta.get(i).copied().unwrap_or(0.0);
    // Gershgorin: every eigenvalue below `hi`; the largest is at least max αᵢ.
    let mut lo = alpha.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut hi = alpha
        .iter()
        .enumerate()
        .map(|(i, &a)| a + off(i).abs() + if i > 0 { off(i - 1).abs() } else { 0.0 })
        .fold(lo, f64::max);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if !(mid > lo && mid < hi) {
            break;
        }
        // How many eigenvalues lie below `mid` (the negative pivots of T − mid·I).
        let (mut below, mut q) = (0, 1.0f64);
        for (i, &a) in alpha.iter().enumerate() {
            let b = if i > 0 { off(i - 1) } else { 0.0 };
            q = a - mid - if i > 0 { b * b / q } else { 0.0 };
            if q == 0.0 {
                q = -f64::MIN_POSITIVE;
            }
            below += usize::from(q < 0.0);
        }
        if below == p { hi = mid } else { lo = mid }
    }
    let theta = hi;
    // Inverse iteration: (T − θI) y ← y, LDLᵀ without pivoting (a zero
    // pivot, the near-singularity that makes it converge, replaced by a tiny one).
    // (Slices of exactly p: every index below is visibly in bounds.)
    let (Some(y), Some((piv, mult))) = (y.get_mut(..p), work.split_at_mut_checked(p)) else { return theta };
    let Some(mult) = mult.get_mut(..p) else { return theta };
    y.fill(1.0);
    for _ in 0..2 {
        // Factor: piv[i] = (αᵢ − θ) − β²/piv[i−1]; mult[i] = βᵢ / piv[i].
        for i in 0..p {
            let b = if i > 0 { off(i - 1) } else { 0.0 };
            let mut d = alpha[i] - theta - if i > 0 { b * mult[i - 1] } else { 0.0 };
            if d == 0.0 {
                d = f64::EPSILON * (hi.abs() + f64::MIN_POSITIVE);
            }
            piv[i] = d;
            if i + 1 < p {
                mult[i] = off(i) / d;
            }
        }
        // Solve L z = y, then D Lᵀ y = z.
        for i in 1..p {
            y[i] -= mult[i - 1] * y[i - 1];
        }
        for i in (0..p).rev() {
            y[i] /= piv[i];
            if i + 1 < p {
                let next = y[i + 1];
                y[i] -= mult[i] * next;
            }
        }
        let n = libm::sqrt(y.iter().map(|v| v * v).sum::<f64>());
        if n > 0.0 && n.is_finite() {
            y.iter_mut().for_each(|v| *v /= n);
        }
    }
    theta
}

/// `acc + a·h` lane by lane (`h` widened to `f64` by the driver).
struct Axpy<V>(V);

impl<S: Simd> LaneZip<S, f64> for Axpy<S::F64> {
    #[inline(always)]
    fn apply(&mut self, s: S, acc: S::F64, h: S::F64) -> S::F64 {
        s.mul_add_f64(self.0, h, acc)
    }
}

/// `acc += a · h` with `h` widened to `f64`.
#[inline(always)]
fn axpy_widen<S: Simd>(s: S, a: f64, h: &[f32], acc: &mut [f64]) {
    zip_map_in_place(s, &mut Axpy(s.splat_f64(a)), acc, h);
}

/// `Σ hᵢ vᵢ` for `f32` `h` and `f64` `v`, in `f64`.
#[inline(always)]
fn dot_widen<S: Simd>(s: S, h: &[f32], v: &[f64]) -> f64 {
    reduce_pairs::<S, f32, f64, Dot, 1, 4>(s, &Dot, h, v)[0]
}

/// `Σ aᵢ bᵢ` of two `f64` slices.
#[inline(always)]
fn dot_f64s<S: Simd>(s: S, a: &[f64], b: &[f64]) -> f64 {
    reduce_pairs::<S, f64, f64, Dot, 1, 4>(s, &Dot, a, b)[0]
}

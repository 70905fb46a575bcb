//! The InfoNCE loss and its gradient, fused and streaming: the `N × M`
//! logits are never stored, only a block of `R` rows at a time.
//!
//! For queries `Q` (`N × d`), keys `K` (`M × d`), temperature `τ` and a
//! positive key `pos(i)` per query,
//!
//! ```text
//! L = (1/N) Σᵢ [ LSEⱼ(sᵢⱼ/τ) − s_{i,pos(i)}/τ ],   sᵢⱼ = qᵢ·kⱼ
//! ```
//!
//! (`cross_entropy(Q Kᵀ / τ, pos)` in PyTorch terms). With
//! `P = softmax_rows(S/τ)` and `Y` the positive indicator,
//! `∂L/∂S = (P − Y)/(Nτ)`, `dQ = (∂L/∂S) K` and `dK = (∂L/∂S)ᵀ Q`.
//!
//! Variants: in-batch negatives (`pos(i) = i`, `N = M`), explicit
//! positives (`M ≥ N` allowed: extra keys are hard negatives), symmetric
//! (CLIP: the mean of the `Q → K` and `K → Q` losses, in-batch only), and
//! L2-normalised inputs (`x / max(‖x‖, 10⁻¹²)` as `F.normalize`, with the
//! gradient chained through `∂L/∂x = (∂L/∂u − ⟨∂L/∂u, u⟩ u)/‖x‖`).
//!
//! # How it streams
//! `Kᵀ` is packed once for the GEMM engine. For each block of `R` query
//! rows: the `R × M` logits go into a block buffer, each row is reduced to
//! its log-sum-exp state (max and `log1p` of the rest, so a near-zero loss
//! keeps its relative accuracy), and — for the gradient — overwritten by
//! its row of `∂L/∂S`, which then feeds `dQ_block = G·K` and `dK += Gᵀ·Q_block`:
//! three GEMM-shaped passes, the same work as the materialised
//! computation, in `O(R·M + (N + M)·d)` memory instead of `O(N·M)`.
//!
//! # On several cores
//! [`InfoNce::loss_with`] and [`InfoNce::loss_and_grad_with`] take an
//! [`Executor`] (the `simkern` crate's rayon
//! forms pass one). The packed `Kᵀ` and `K` are shared by every worker;
//! within a block the rows (logits, softmax, `dQ`) are divided among the
//! workers, then the rows of `dK += Gᵀ·Q_block`, each row of `dK` written
//! by one worker — no per-worker copies of `dK` to add up. Nothing a worker
//! computes depends on where the cuts fall: each row's loss term is kept
//! and the terms summed in row order at the end, column states are folded
//! in fixed groups of `mc` rows, and a gradient block's rows are fixed by
//! the blocking. **The result is the same bits for any number of workers,
//! and the same as the one-thread call's.**
//!
//! The symmetric loss (`N = M`, `L = ½[L_rows + L_cols]`) is fused: one
//! logits sweep reduces each row as above and folds the block into
//! per-column log-sum-exp states (per strip of columns: the block's
//! maxima, then `e^{v − max}` below the new maximum summed in `f64` and the
//! count at it, merged into the running state — the row path's two passes
//! down the columns; `O(M)` states in scratch). The gradient
//! `G = g·(P_rows + P_cols − 2I)` needs every row's and column's state, so
//! a second sweep recomputes each block of logits (bit for bit the same)
//! and feeds `G·K` and `Gᵀ·Q`: four GEMM-shaped passes where the two
//! directions one after the other took six (the forward: one instead of
//! two). Measured on Zen 4 at 4096 × 768: 1.33× the plain loss's
//! forward+backward time. On targets without SIMD registers, where flash
//! counts more than time, the two directions still run one after the
//! other through the one-way sweep (the column code is not compiled in).
//! A NaN or infinite logit puts a NaN or infinity in every column: all
//! column states, and the gradient, are then NaN (as PyTorch's).
//!
//! # Accuracy
//! Logits accumulate in `f32` (as BLAS does), log-sum-exp states and the
//! loss sum in `f64`. Let `ε = (γ_{d+2} + 8u)·maxᵢⱼ Σ_c |q̂ᵢc k̂ⱼc| / τ` be
//! the error bound of one scaled logit (`u = 2⁻²⁴`, `γ_k = ku/(1 − ku)`,
//! `q̂`, `k̂` the rows as used, normalised or not). Each row's term is
//! computed as `ℓᵢ = log1p(Σ_{j≠pos} e^{tᵢⱼ})` with
//! `tᵢⱼ = (sᵢⱼ − s_{i,pos})/τ`, and moving every `tᵢⱼ` by `2ε` moves it by
//! at most `2ε·r/(1 + r) ≤ 2ε·ℓᵢ`, so (tested at every level, over every
//! value distribution):
//! - the loss: `|L̂ − L| ≤ (2ε + 16u)·L` — relative, however small `L` is;
//! - each gradient entry: `|ĝ − g| ≤ (4ε + γ_{max(N,M)+2} + 16u)·Σ|terms|`,
//!   the same sum over `j` (or `i`) with every term `Gᵢⱼ k̂ⱼc` made positive
//!   (chained through the normalisation when it is on); near f32's
//!   underflow add `g·M·2⁻¹⁵⁰·max|k̂|` absolute (`g = 1/(Nτ)`): the state's
//!   f32 exponentials are exact only to half a subnormal step, and the
//!   positive's entry `g·(P − 1) = −g·Σ_{j≠pos}Pⱼ` scales that by `g` —
//!   gradients below ~1e-40, which no f32 training step can see.
//!
//! For unit rows `ε ≤ (d + 10)·u/τ`, a worst case that random rounding does
//! not approach: on training-like batches (τ ≥ 0.01, d ≤ 768, loss ≥ 10⁻³)
//! the loss is within 1e-5 relative (tested; at most 1.4e-6 seen), while very
//! confident batches at τ = 0.01, whose loss is below 10⁻¹⁵, showed up to
//! 8.6e-5 relative — the f32 logits' own rounding, which only wider
//! accumulation would remove.

use crate::blocking::tile;
use crate::error::{Error, Result, Value, same_dim, same_len, same_rows};
use crate::executor::{Divisible, Executor, Serial, divide_among};
use crate::gemm::{self, Accum, Blocking, Gemm, GemmPackedB, PackB, PackedB, View, ViewMut};
use crate::lse::{OnlineLse, RestSums, lse_state_of};
use crate::math::exp_f32_nonpositive;
use crate::matrix::MatRef;
use crate::simd::{COMPACT, Kernel, Kernels, LaneMap, LaneZip, Simd, map_in_place, zip_map_in_place};
use crate::similarity::{divide_in_place, dot_in, sum_squares};

/// Query rows per block of a gradient sweep for the engine's `blocks`.
/// `dK += Gᵀ·Q_block` reads and writes all of `dK` once per block, so the
/// blocks are larger than the forward's (one `A` block of `mc` rows per
/// worker, keeping the logits block small): up to four `A` blocks, but no
/// more rows than one k-block (the rows are that product's inner
/// dimension, so `dK` is still written once per block). At most
/// `max(mc, kc)`, so at most [`Blocking::MOST`]'s `kc`: what the scratch
/// sizes cover. Fixed by the blocking, not by the number of workers: the
/// rows of a block are `dK`'s order of summation.
const fn gradient_rows(blocks: Blocking) -> usize {
    let [kc, mc, _] = blocks.visibly_bounded();
    if mc >= kc {
        mc
    } else if 4 * mc <= kc {
        4 * mc
    } else {
        kc / mc * mc
    }
}
/// `F.normalize`'s epsilon: rows are divided by `max(‖x‖, EPS)`.
const NORM_EPS: f32 = 1e-12;

/// `max(a, b)` in a `const fn`.
const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// `min(a, b)` in a `const fn`.
const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

/// Which key is each query's positive.
#[derive(Clone, Copy, Debug)]
pub enum Positives<'a> {
    /// `pos(i) = i` (in-batch negatives; needs as many keys as queries).
    Diagonal,
    /// `pos(i) = indices[i]`, one per query, each below the number of keys.
    Indices(&'a [usize]),
}

impl Positives<'_> {
    #[inline]
    fn of(&self, i: usize) -> usize {
        match self {
            Positives::Diagonal => i,
            // Checked against the keys before any kernel runs; past the end
            // (impossible) it names no key, and the loss is NaN.
            Positives::Indices(p) => p.get(i).copied().unwrap_or(usize::MAX),
        }
    }
}

/// Whether a call computes the loss only or also its gradient (the
/// scratch each needs differs: [`InfoNce::scratch_len`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pass {
    /// The loss ([`InfoNce::loss`]).
    Forward,
    /// The loss and its gradient ([`InfoNce::loss_and_grad`]).
    Backward,
}

/// A configured InfoNCE loss: temperature, optional L2 normalisation,
/// optional symmetric (CLIP) form, and the [`Kernels`] it runs on.
///
/// A consuming builder; the `loss*` methods take `&self`, so one value is
/// configured once and reused. Outputs and scratch are caller slices
/// (see [`InfoNce::scratch_len`]); the `simkern` crate allocates them.
///
/// ```
/// use simkern_core::{MatRef, infonce::{InfoNce, Pass, Positives}};
/// let q = [1.0f32, 0.0, 0.0, 1.0];
/// let k = [1.0f32, 0.0, 0.0, 1.0];
/// let (q, k) = (MatRef::new(&q, 2).unwrap(), MatRef::new(&k, 2).unwrap());
/// let loss = InfoNce::new(0.5).unwrap().normalize(true);
/// let mut ws = vec![0.0f32; loss.scratch_len(2, 2, 2, Pass::Forward)];
/// let l = loss.loss(q, k, Positives::Diagonal, &mut ws).unwrap();
/// // Each row: log(e² + e⁰) − 2 = log(1 + e⁻²).
/// assert!((l - (1.0 + (-2.0f32).exp()).ln()).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InfoNce {
    temperature: f32,
    normalize: bool,
    symmetric: bool,
    kernels: Kernels,
}

impl InfoNce {
    /// A loss with temperature `τ`, which must be positive and finite.
    ///
    /// ```
    /// use simkern_core::infonce::InfoNce;
    /// assert!(InfoNce::new(0.05).is_ok());
    /// assert_eq!(
    ///     InfoNce::new(0.0).unwrap_err().to_string(),
    ///     "temperature must be positive and finite, got 0"
    /// );
    /// ```
    pub fn new(temperature: f32) -> Result<Self> {
        Kernels::best().infonce(temperature)
    }

    /// L2-normalise every row of `Q` and `K` inside the loss (cosine logits).
    ///
    /// ```
    /// let l = simkern_core::infonce::InfoNce::new(1.0).unwrap().normalize(true);
    /// assert!(l.normalizes());
    /// ```
    pub const fn normalize(self, on: bool) -> Self {
        InfoNce { normalize: on, ..self }
    }

    /// The symmetric (CLIP) loss: the mean of the `Q → K` and `K → Q` losses.
    ///
    /// ```
    /// let l = simkern_core::infonce::InfoNce::new(1.0).unwrap().symmetric(true);
    /// assert!(l.is_symmetric());
    /// ```
    pub const fn symmetric(self, on: bool) -> Self {
        InfoNce { symmetric: on, ..self }
    }

    /// Runs on `kernels` instead of [`Kernels::best`] (what
    /// [`Kernels::infonce`] sets up).
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, infonce::InfoNce};
    /// let portable = Kernels::new(Level::Portable).unwrap();
    /// let l = InfoNce::new(1.0).unwrap().on(portable);
    /// assert_eq!(l.kernels(), portable);
    /// ```
    pub const fn on(self, kernels: Kernels) -> Self {
        InfoNce { kernels, ..self }
    }

    /// The handle the loss runs on.
    ///
    /// ```
    /// use simkern_core::{Kernels, infonce::InfoNce};
    /// assert_eq!(InfoNce::new(1.0).unwrap().kernels(), Kernels::best());
    /// ```
    pub const fn kernels(&self) -> Kernels {
        self.kernels
    }

    /// The temperature `τ`.
    ///
    /// ```
    /// assert_eq!(simkern_core::infonce::InfoNce::new(0.1).unwrap().temperature(), 0.1);
    /// ```
    pub const fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Whether rows are L2-normalised inside the loss.
    ///
    /// ```
    /// assert!(!simkern_core::infonce::InfoNce::new(0.1).unwrap().normalizes());
    /// ```
    pub const fn normalizes(&self) -> bool {
        self.normalize
    }

    /// Whether the loss is the symmetric (CLIP) one.
    ///
    /// ```
    /// assert!(!simkern_core::infonce::InfoNce::new(0.1).unwrap().is_symmetric());
    /// ```
    pub const fn is_symmetric(&self) -> bool {
        self.symmetric
    }

    /// Elements of scratch [`InfoNce::loss`] ([`Pass::Forward`]) or
    /// [`InfoNce::loss_and_grad`] ([`Pass::Backward`]) need for `n` queries,
    /// `m` keys and rows of `dim`: `O((n + m)·dim + R·m)`, never `n·m`.
    ///
    /// ```
    /// use simkern_core::infonce::{InfoNce, Pass};
    /// let l = InfoNce::new(0.05).unwrap();
    /// let ws = l.scratch_len(4096, 4096, 768, Pass::Forward);
    /// assert!(ws < 4096 * 4096 / 2, "far below the logits matrix");
    /// ```
    pub const fn scratch_len(&self, n: usize, m: usize, dim: usize, pass: Pass) -> usize {
        self.scratch_len_with(n, m, dim, pass, 1)
    }

    /// Elements of scratch [`InfoNce::loss_with`] and
    /// [`InfoNce::loss_and_grad_with`] need on an executor of `workers`
    /// workers: the packed keys and the block of logits are shared, each
    /// worker has its own packing space (and, forward, its own rows of the
    /// logits block).
    ///
    /// ```
    /// use simkern_core::infonce::{InfoNce, Pass};
    /// let l = InfoNce::new(0.05).unwrap();
    /// let (one, two) = (l.scratch_len(4096, 4096, 768, Pass::Backward), l.scratch_len_with(4096, 4096, 768, Pass::Backward, 2));
    /// assert_eq!(one, l.scratch_len_with(4096, 4096, 768, Pass::Backward, 1));
    /// assert!(one < two && two < 2 * one, "the packed keys are shared");
    /// ```
    pub const fn scratch_len_with(
        &self,
        n: usize,
        m: usize,
        dim: usize,
        pass: Pass,
        workers: usize,
    ) -> usize {
        let level = self.kernels.level();
        let grad = matches!(pass, Pass::Backward);
        let workers = max(workers, 1);
        // The symmetric loss sweeps square logits (and keeps column states).
        let (rows, keys) = if self.symmetric { (max(n, m), max(n, m)) } else { (n, m) };
        // Any blocking's rows (see `sweep` and `gradient_rows`): one `A` block per worker, or a
        // gradient sweep's rows.
        let most = Blocking::MOST;
        let forward_rows = min(rows, most.mc().saturating_mul(workers));
        let grad_rows = if grad { min(rows, most.kc()) } else { 0 };
        let block_rows = max(max(forward_rows, grad_rows), 1);
        // Each worker's packing space: an `A` block of either product of a
        // row block (inner dimension `dim` or `keys`), or the `dK` product's.
        let pack = gemm::a_pack_len(level, min(rows, most.mc()), max(dim, keys));
        let slot = if grad { max(pack, gemm::scratch_len(level, keys, dim, grad_rows)) } else { pack };
        let mut len = gemm::packed_b_len(level, dim, keys)
            .saturating_add(block_rows.saturating_mul(keys))
            .saturating_add(rows.saturating_mul(2))
            .saturating_add(slot.saturating_mul(workers));
        if grad {
            len = len.saturating_add(gemm::packed_b_len(level, keys, dim));
        }
        if self.normalize {
            len = len.saturating_add((n.saturating_add(m)).saturating_mul(dim.saturating_add(1)));
        }
        if self.symmetric && !COMPACT {
            len = len.saturating_add(columns_len(rows));
        }
        len
    }

    /// The loss for queries `q` and keys `k` (row-major, same row length).
    ///
    /// Errors: an empty batch, `q` and `k` of different row lengths, in-batch
    /// (`Positives::Diagonal`) with `q.rows() != k.rows()`, a positive index
    /// out of range or a list of the wrong length, the symmetric loss with
    /// explicit positives, a scratch shorter than
    /// [`InfoNce::scratch_len`]. NaN in an embedding gives `Ok(NaN)`.
    ///
    /// ```
    /// use simkern_core::{MatRef, infonce::{InfoNce, Pass, Positives}};
    /// let q = MatRef::new(&[1.0f32, 0.0], 2).unwrap();
    /// let k = MatRef::new(&[0.0f32, 1.0, 1.0, 0.0], 2).unwrap();
    /// let l = InfoNce::new(1.0).unwrap();
    /// let mut ws = vec![0.0; l.scratch_len(1, 2, 2, Pass::Forward)];
    /// let loss = l.loss(q, k, Positives::Indices(&[1]), &mut ws).unwrap();
    /// assert!((loss - (1.0 + (-1.0f32).exp()).ln()).abs() < 1e-6);
    /// ```
    pub fn loss(
        &self,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        pos: Positives<'_>,
        scratch: &mut [f32],
    ) -> Result<f32> {
        self.loss_with(&Serial, q, k, pos, scratch)
    }

    /// [`InfoNce::loss`] with its row blocks divided among `exec`'s
    /// workers; `scratch` holds [`InfoNce::scratch_len_with`] for
    /// `exec.workers()`. The same bits as [`InfoNce::loss`] for any
    /// executor and number of workers (see [`crate::executor`]).
    ///
    /// ```
    /// use simkern_core::{MatRef, executor::Serial, infonce::{InfoNce, Pass, Positives}};
    /// let q = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0], 2).unwrap();
    /// let l = InfoNce::new(0.5).unwrap();
    /// let mut ws = vec![0.0; l.scratch_len_with(2, 2, 2, Pass::Forward, 1)];
    /// let with = l.loss_with(&Serial, q, q, Positives::Diagonal, &mut ws).unwrap();
    /// assert_eq!(with, l.loss(q, q, Positives::Diagonal, &mut ws).unwrap());
    /// ```
    pub fn loss_with<E: Executor>(
        &self,
        exec: &E,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        pos: Positives<'_>,
        scratch: &mut [f32],
    ) -> Result<f32> {
        self.check(q, k, pos, scratch, Pass::Forward, exec.workers())?;
        Ok(run(*self, exec, Pair::of(q, k, pos), None, scratch))
    }

    /// The loss and its gradients: `dq` (like `q`) and `dk` (like `k`) are
    /// overwritten with `∂L/∂q` and `∂L/∂k`.
    ///
    /// ```
    /// use simkern_core::{MatRef, infonce::{InfoNce, Pass, Positives}};
    /// let q = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0], 2).unwrap();
    /// let l = InfoNce::new(1.0).unwrap();
    /// let (mut dq, mut dk) = ([0.0f32; 4], [0.0f32; 4]);
    /// let mut ws = vec![0.0; l.scratch_len(2, 2, 2, Pass::Backward)];
    /// let loss = l.loss_and_grad(q, q, Positives::Diagonal, &mut dq, &mut dk, &mut ws).unwrap();
    /// // Pulling q₀ toward k₀ lowers the loss: the gradient points away.
    /// assert!(dq[0] < 0.0 && loss > 0.0);
    /// ```
    pub fn loss_and_grad(
        &self,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        pos: Positives<'_>,
        dq: &mut [f32],
        dk: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<f32> {
        self.loss_and_grad_with(&Serial, q, k, pos, dq, dk, scratch)
    }

    /// [`InfoNce::loss_and_grad`] with its row blocks and its `dK` product
    /// divided among `exec`'s workers (each row of `dK` is written by one
    /// worker: no per-worker copies); the same bits for any executor and
    /// number of workers.
    ///
    /// ```
    /// use simkern_core::{MatRef, executor::Serial, infonce::{InfoNce, Pass, Positives}};
    /// let q = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0], 2).unwrap();
    /// let l = InfoNce::new(1.0).unwrap();
    /// let (mut dq, mut dk) = ([0.0f32; 4], [0.0f32; 4]);
    /// let mut ws = vec![0.0; l.scratch_len_with(2, 2, 2, Pass::Backward, 1)];
    /// l.loss_and_grad_with(&Serial, q, q, Positives::Diagonal, &mut dq, &mut dk, &mut ws).unwrap();
    /// assert!(dq[0] < 0.0);
    /// ```
    #[allow(clippy::too_many_arguments)] // the plain form's six and the executor
    pub fn loss_and_grad_with<E: Executor>(
        &self,
        exec: &E,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        pos: Positives<'_>,
        dq: &mut [f32],
        dk: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<f32> {
        self.check(q, k, pos, scratch, Pass::Backward, exec.workers())?;
        same_len("q", q.as_slice().len(), "dq", dq.len())?;
        same_len("k", k.as_slice().len(), "dk", dk.len())?;
        Ok(run(*self, exec, Pair::of(q, k, pos), Some((dq, dk)), scratch))
    }

    fn check(
        &self,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        pos: Positives<'_>,
        ws: &[f32],
        pass: Pass,
        workers: usize,
    ) -> Result<()> {
        if q.rows() == 0 {
            return Err(Error::Empty { name: "q" });
        }
        if k.rows() == 0 {
            return Err(Error::Empty { name: "k" });
        }
        same_dim("q", q.dim(), "k", k.dim())?;
        match pos {
            Positives::Diagonal => same_rows("q", q.rows(), "k", k.rows())?,
            Positives::Indices(_) if self.symmetric => return Err(Error::SymmetricWithPositives),
            Positives::Indices(p) => {
                if p.len() != q.rows() {
                    return Err(Error::PerRowLength {
                        name: "positives",
                        len: p.len(),
                        matrix: "q",
                        rows: q.rows(),
                    });
                }
                if let Some((at, &index)) = p.iter().enumerate().find(|&(_, &j)| j >= k.rows()) {
                    return Err(Error::IndexOutOfRange { at, index, len: k.rows() });
                }
            }
        }
        let needed = self.scratch_len_with(q.rows(), k.rows(), q.dim(), pass, workers);
        if ws.len() < needed {
            return Err(Error::ScratchTooSmall { needed, got: ws.len() });
        }
        Ok(())
    }
}

/// One call after its checks: the normalised copies, the sweeps, the chain
/// rule through the normalisation — each a kernel of its own, run on the
/// loss's [`Kernels`]; the sweeps divide their blocks among `exec`'s workers.
fn run<E: Executor>(
    cfg: InfoNce,
    exec: &E,
    Pair { q, k, pos }: Pair<'_>,
    mut grad: Option<(&mut [f32], &mut [f32])>,
    ws: &mut [f32],
) -> f32 {
    let kernels = cfg.kernels;
    let (n, m, d) = (q.rows(), k.rows(), q.cols());
    // Normalised copies (and the norms, for the chain rule).
    let (qv, kv, norms, ws) = if cfg.normalize {
        // (Checked splits: the length was checked; no panic path.)
        let Some((qn, ws)) = ws.split_at_mut_checked(n * d) else { return f32::NAN };
        let Some((kn, ws)) = ws.split_at_mut_checked(m * d) else { return f32::NAN };
        let Some((norms, ws)) = ws.split_at_mut_checked(n + m) else { return f32::NAN };
        let Some((qnorm, knorm)) = norms.split_at_mut_checked(n) else { return f32::NAN };
        kernels.run(NormalizeRows { x: q, out: qn, norm: qnorm });
        kernels.run(NormalizeRows { x: k, out: kn, norm: knorm });
        (View::row_major(qn, n, d), View::row_major(kn, m, d), Some(&*norms), ws)
    } else {
        (q, k, None, ws)
    };
    let inv_tau = 1.0 / cfg.temperature;
    let directions = if cfg.symmetric { 2.0 } else { 1.0 };
    let g_scale = inv_tau / (n as f32 * directions);
    // The symmetric loss: fused (column states in the front of the
    // workspace), or where flash counts two one-way sweeps.
    let fused = cfg.symmetric && !COMPACT;
    let (mut cols, ws) = if fused {
        let Some((cols, ws)) = Columns::split(ws, n) else { return f32::NAN };
        (Some(cols), ws)
    } else {
        (None, ws)
    };
    let ctx = Ctx { kernels, exec, workers: exec.workers().max(1), inv_tau, blocks: kernels.blocking() };
    // One call site of `sweep` for both passes.
    let mut total = 0.0;
    for pass in 0..if cfg.symmetric && !fused { 2 } else { 1 } {
        // Pass 1 (two-sweep symmetric): K → Q, the keys query the
        // queries and the gradients swap roles.
        let (a, b, p, accum) = match pass {
            0 => (qv, kv, pos, Accum::Overwrite),
            _ => (kv, qv, Positives::Diagonal, Accum::Add),
        };
        let out = grad.as_mut().map(|(dq, dk)| {
            let (dq, dk) = if pass == 0 { (&mut **dq, &mut **dk) } else { (&mut **dk, &mut **dq) };
            GradOut { dq, dk, scale: g_scale, accum }
        });
        total += sweep(&ctx, Pair { q: a, k: b, pos: p }, out, cols.take(), ws);
    }
    let total = total / (n as f64 * f64::from(directions));
    if let (Some((dq, dk)), Some(norms)) = (grad, norms) {
        let (qnorm, knorm) = norms.split_at_checked(n).unwrap_or((norms, &[]));
        kernels.run(ChainNormalize { dx: dq, u: qv, norm: qnorm });
        kernels.run(ChainNormalize { dx: dk, u: kv, norm: knorm });
    }
    total as f32
}

/// [`normalize_rows`] as a kernel.
struct NormalizeRows<'a> {
    x: View<'a>,
    out: &'a mut [f32],
    norm: &'a mut [f32],
}

impl Kernel for NormalizeRows<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        normalize_rows(s, self.x.as_slice(), self.x.cols(), self.out, self.norm);
    }
}

/// [`chain_normalize`] as a kernel.
struct ChainNormalize<'a> {
    dx: &'a mut [f32],
    u: View<'a>,
    norm: &'a [f32],
}

impl Kernel for ChainNormalize<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        chain_normalize(s, self.dx, self.u.as_slice(), self.norm, self.u.cols());
    }
}

/// `out[i] = x[i] / max(‖x[i]‖, EPS)` row by row; `norm[i] = ‖x[i]‖`.
#[inline(always)]
fn normalize_rows<S: Simd>(s: S, x: &[f32], d: usize, out: &mut [f32], norm: &mut [f32]) {
    out.iter_mut().zip(x).for_each(|(o, &v)| *o = v);
    // (Iterators stepped by hand, not zipped: `zip` of `chunks` can stay
    // out of line with a division by the chunk size — a panic path.)
    let mut norms = norm.iter_mut();
    for row in out.chunks_exact_mut(d.max(1)) {
        let Some(nrm) = norms.next() else { break };
        let n = libm::sqrt(sum_squares(s, row)) as f32;
        *nrm = n;
        divide_in_place(s, row, f64::from(n.max(NORM_EPS)));
    }
}

/// `g + c · u` lane by lane.
struct AddScaled<V>(V);

impl<S: Simd> LaneZip<S, f32> for AddScaled<S::F32> {
    #[inline(always)]
    fn apply(&mut self, s: S, g: S::F32, u: S::F32) -> S::F32 {
        s.mul_add_f32(self.0, u, g)
    }
}

/// Chains `∂L/∂u` (in `dx`) through `u = x / max(‖x‖, EPS)`:
/// `∂L/∂x = (∂L/∂u − ⟨∂L/∂u, u⟩ u) / ‖x‖`, or `∂L/∂u / EPS` where the
/// clamp is active.
#[inline(always)]
fn chain_normalize<S: Simd>(s: S, dx: &mut [f32], u: &[f32], norm: &[f32], d: usize) {
    let (mut units, mut norms) = (u.chunks_exact(d.max(1)), norm.iter());
    for g in dx.chunks_exact_mut(d.max(1)) {
        let (Some(u), Some(&n)) = (units.next(), norms.next()) else { break };
        if n > NORM_EPS {
            let c = s.splat_f32(-(dot_in(s, g, u) as f32));
            zip_map_in_place(s, &mut AddScaled(c), g, u);
        }
        divide_in_place(s, g, f64::from(n.max(NORM_EPS)));
    }
}

/// Where the loss puts its gradient: `dq = G·K` and `dk = Gᵀ·Q` for
/// `G = scale·(P − Y)` (both directions' `P − Y` summed when symmetric).
struct GradOut<'a> {
    dq: &'a mut [f32],
    dk: &'a mut [f32],
    scale: f32,
    /// `Overwrite` for the first sweep, `Add` for the second one-way sweep
    /// of the symmetric loss where it is not fused.
    accum: Accum,
}

/// What every piece of a sweep shares: the handle, the executor and its
/// number of workers, `1/τ` and the engine's blocking.
struct Ctx<'e, E> {
    kernels: Kernels,
    exec: &'e E,
    workers: usize,
    inv_tau: f32,
    blocks: Blocking,
}

/// Queries, keys and which key is each query's positive.
#[derive(Clone, Copy)]
struct Pair<'a> {
    q: View<'a>,
    k: View<'a>,
    pos: Positives<'a>,
}

impl<'a> Pair<'a> {
    fn of(q: MatRef<'a, f32>, k: MatRef<'a, f32>, pos: Positives<'a>) -> Self {
        Pair { q: View::of(q), k: View::of(k), pos }
    }
}

/// The column log-sum-exp states of the symmetric loss (`K → Q`: column
/// `j` of `S/τ` is key `j`'s row of logits), kept in caller scratch across
/// the row blocks of one logits sweep, and each row's state for the
/// gradient sweep that follows. `N = M` (in-batch positives).
struct Columns<'a> {
    /// Each column's running state ([`ColumnStates`]).
    states: ColumnStates<'a>,
    /// Each column's positive logit `v_jj` (as the row sweep saw it).
    diag: &'a mut [f32],
    /// Each row's maximum and `log1p(rest)`, for the gradient sweep.
    row_max: &'a mut [f32],
    row_l1p: &'a mut [f32],
}

/// The running log-sum-exp states of a range of columns, from column `j0` on.
struct ColumnStates<'a> {
    j0: usize,
    /// Each column's running maximum: an `f32` logit, exact.
    max: &'a mut [f32],
    /// The rest `Σ_{i ≠ argmax} e^{vᵢⱼ − maxⱼ}` as an unevaluated sum
    /// `hi + lo` of two `f32`s (48 significant bits: the `f64` sums of the
    /// blocks lose nothing that matters in it); after the sweep, `hi` holds
    /// the gradient's shift `maxⱼ + log1p(restⱼ) − ln g` and `lo`
    /// `log1p(restⱼ)`.
    hi: &'a mut [f32],
    lo: &'a mut [f32],
}

impl ColumnStates<'_> {
    fn reborrow(&mut self) -> ColumnStates<'_> {
        ColumnStates { j0: self.j0, max: &mut *self.max, hi: &mut *self.hi, lo: &mut *self.lo }
    }
}

impl Divisible for ColumnStates<'_> {
    fn units(&self) -> usize {
        self.max.len()
    }
    fn divide(self, at: usize) -> (Self, Self) {
        let (max, max_b) = self.max.split_at_mut(at.min(self.max.len()));
        let (hi, hi_b) = self.hi.split_at_mut(at.min(self.hi.len()));
        let (lo, lo_b) = self.lo.split_at_mut(at.min(self.lo.len()));
        let b = ColumnStates { j0: self.j0 + at, max: max_b, hi: hi_b, lo: lo_b };
        (ColumnStates { j0: self.j0, max, hi, lo }, b)
    }
}

/// Row states a row block records for the symmetric gradient sweep.
struct RowStates<'a> {
    max: &'a mut [f32],
    l1p: &'a mut [f32],
    diag: &'a mut [f32],
}

impl RowStates<'_> {
    /// Records row `i`'s state and its positive logit (the column's too).
    fn record(&mut self, i: usize, st: OnlineLse, v_pos: f32) {
        let cells = (self.max.get_mut(i), self.l1p.get_mut(i), self.diag.get_mut(i));
        if let (Some(max), Some(l1p), Some(diag)) = cells {
            (*max, *l1p, *diag) = (st.max as f32, libm::log1p(st.rest) as f32, v_pos);
        }
    }

    fn divide(self, at: usize) -> (Self, Self) {
        let (max, max_b) = self.max.split_at_mut(at.min(self.max.len()));
        let (l1p, l1p_b) = self.l1p.split_at_mut(at.min(self.l1p.len()));
        let (diag, diag_b) = self.diag.split_at_mut(at.min(self.diag.len()));
        (RowStates { max, l1p, diag }, RowStates { max: max_b, l1p: l1p_b, diag: diag_b })
    }
}

/// Elements of scratch [`Columns`] takes for `n` rows.
const fn columns_len(n: usize) -> usize {
    n.saturating_mul(6)
}

impl<'a> Columns<'a> {
    /// The states of `n` columns in the start of `ws` (and the rest of it).
    fn split(ws: &'a mut [f32], n: usize) -> Option<(Columns<'a>, &'a mut [f32])> {
        let (max, ws) = ws.split_at_mut_checked(n)?;
        let (hi, ws) = ws.split_at_mut_checked(n)?;
        let (lo, ws) = ws.split_at_mut_checked(n)?;
        let (diag, ws) = ws.split_at_mut_checked(n)?;
        let (row_max, ws) = ws.split_at_mut_checked(n)?;
        let (row_l1p, ws) = ws.split_at_mut_checked(n)?;
        max.fill(f32::NEG_INFINITY);
        hi.fill(0.0);
        lo.fill(0.0);
        Some((Columns { states: ColumnStates { j0: 0, max, hi, lo }, diag, row_max, row_l1p }, ws))
    }

    /// The row states of rows `i0..i0 + r`.
    fn rows(&mut self, i0: usize, r: usize) -> RowStates<'_> {
        RowStates {
            max: self.row_max.get_mut(i0..i0 + r).unwrap_or_default(),
            l1p: self.row_l1p.get_mut(i0..i0 + r).unwrap_or_default(),
            diag: self.diag.get_mut(i0..i0 + r).unwrap_or_default(),
        }
    }

    /// Ends the logits sweep: returns `Σⱼ [(maxⱼ − v_jj) + log1p(restⱼ)]`
    /// and turns each column's state into its gradient shift for `g`.
    /// A row whose state was not finite (NaN or `±∞` logits) puts one such
    /// logit in every column: then every column state is NaN.
    fn finish(&mut self, g: f32) -> f64 {
        let ln_g = libm::log(f64::from(g));
        let nonfinite = self.row_max.iter().any(|m| !m.is_finite());
        let ColumnStates { max, hi, lo, .. } = &mut self.states;
        let mut total = 0.0;
        for (((max, hi), lo), &diag) in max.iter().zip(hi.iter_mut()).zip(lo.iter_mut()).zip(&*self.diag) {
            let (m, rest) = (f64::from(*max), f64::from(*hi) + f64::from(*lo));
            let l1p = if nonfinite { f64::NAN } else { libm::log1p(rest) };
            total += (m - f64::from(diag)) + l1p;
            (*hi, *lo) = ((m + l1p - ln_g) as f32, l1p as f32);
        }
        total
    }
}

/// Folds a block of logit rows (`r × m`, unscaled) into the column states
/// of its columns `cols.j0..`: per strip of one vector of columns, the
/// block's maxima, then the sum of `e^{v − max}` below the (new) maximum in
/// `f64` and the count at it — the row path's two passes, down the columns
/// — merged into each column's running state.
#[inline(always)]
fn fold_columns<S: Simd>(s: S, block: &[f32], m: usize, inv_tau: f32, cols: &mut ColumnStates<'_>) {
    let (l, sc, neg_inf) = (S::F32_LANES, s.splat_f32(inv_tau), f32::NEG_INFINITY);
    let (first, width_all) = (cols.j0, cols.max.len());
    let mut j0 = 0;
    while j0 < width_all {
        let width = l.min(width_all - j0);
        let at = first + j0;
        let mut block_max = s.splat_f32(neg_inf);
        for row in block.chunks_exact(m.max(1)) {
            block_max = s.max_f32(block_max, s.mul_f32(strip(s, row, at), sc));
        }
        let old_max = strip(s, cols.max, j0);
        let new_max = s.max_f32(old_max, block_max);
        let mut sums = RestSums::new(s);
        for row in block.chunks_exact(m.max(1)) {
            sums.add(s, s.mul_f32(strip(s, row, at), sc), new_max);
        }
        // The strip's lanes, column by column (scalar: once per block).
        // (16: the widest level's lanes.)
        let mut lanes = [[0.0f32; 16]; 3];
        let mut below = [[0.0f64; 8]; 2];
        for (v, out) in [old_max, new_max, sums.at_max].into_iter().zip(&mut lanes) {
            s.store_f32(v, out.get_mut(..l).unwrap_or_default());
        }
        for (v, out) in sums.sum.into_iter().zip(&mut below) {
            s.store_f64(v, out.get_mut(..l / 2).unwrap_or_default());
        }
        let [old_max, new_max, at_max] = &lanes;
        for c in 0..width {
            let j = j0 + c;
            let (Some(max), Some(hi), Some(lo)) =
                (cols.max.get_mut(j), cols.hi.get_mut(j), cols.lo.get_mut(j))
            else {
                break;
            };
            let (mo, mn) = (old_max[c], new_max[c]);
            let below = if c < l / 2 { below[0][c] } else { below[1][c - l / 2] };
            let (below, at_max) = (below, f64::from(at_max[c]));
            let rest = f64::from(*hi) + f64::from(*lo);
            let rest = if mn == neg_inf {
                0.0
            } else if mo == mn {
                rest + (at_max + below)
            } else {
                // The old maximum becomes an ordinary term; one of the
                // block's elements at the new maximum is the maximum itself.
                // The count goes first: `(below + at_max) − 1` would round a
                // rest below 2⁻⁵³ away (and a rest near it to a few bits).
                ((at_max - 1.0) + below) + (1.0 + rest) * libm::exp(f64::from(mo) - f64::from(mn))
            };
            *max = mn;
            *hi = rest as f32;
            *lo = (rest - f64::from(*hi)) as f32;
        }
        j0 += l;
    }
}

/// The vector of `row` from column `j0` on, `−∞` past its end (a function,
/// not a closure: a closure would be compiled without the ISA's target
/// features).
#[inline(always)]
fn strip<S: Simd>(s: S, row: &[f32], j0: usize) -> S::F32 {
    s.load_partial_fill_f32(row.get(j0..).unwrap_or_default(), f32::NEG_INFINITY)
}

/// `exp(x·inv_tau − row_shift) + exp(x·inv_tau − col_shift)` lane by lane:
/// a row of the symmetric loss's `∂L/∂S / g` before the positive's `−2`.
struct SymmetricGrad<V> {
    inv_tau: V,
    row_shift: V,
}

impl<S: Simd> LaneZip<S, f32> for SymmetricGrad<S::F32> {
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F32, col_shift: S::F32) -> S::F32 {
        let v = s.mul_f32(x, self.inv_tau);
        s.add_f32(
            exp_f32_nonpositive(s, s.sub_f32(v, self.row_shift)),
            exp_f32_nonpositive(s, s.sub_f32(v, col_shift)),
        )
    }
}

/// What a row block computes once its logits are in place.
#[derive(Clone, Copy)]
enum RowMode<'c> {
    /// Each row's loss term.
    Loss,
    /// The term, and the row's state for the symmetric gradient sweep.
    Record,
    /// The term, then the row of `∂L/∂S = g·(P − Y)` (`g = scale`) and its
    /// rows of `dQ = G·K`.
    Grad { scale: f32 },
    /// The symmetric loss's row of `∂L/∂S = g·(P_rows + P_cols − 2I)` from
    /// the recorded states (`ln_g = ln g`), and its rows of `dQ`.
    Symmetric { scale: f32, ln_g: f64, cols: &'c Columns<'c> },
}

/// What every row block of a sweep shares (read-only, by every worker).
struct RowPlan<'p> {
    /// `Kᵀ` packed for the logits, `K` packed for `dQ = G·K`.
    kt: &'p PackedB<'p>,
    kp: Option<&'p PackedB<'p>>,
    pos: Positives<'p>,
    inv_tau: f32,
    mode: RowMode<'p>,
    /// How `dQ` is written ([`GradOut::accum`]).
    accum: Accum,
    mc: usize,
    m: usize,
}

/// Query rows from `i0` on and what is computed for them: their logits
/// (`rows × m`), their loss terms (`hi, lo` per row, or none), their rows
/// of `dQ` (or none), their recorded states (or none).
struct RowBlock<'a> {
    i0: usize,
    q: View<'a>,
    logits: &'a mut [f32],
    terms: &'a mut [f32],
    dq: &'a mut [f32],
    states: Option<RowStates<'a>>,
    m: usize,
}

impl Divisible for RowBlock<'_> {
    fn units(&self) -> usize {
        self.q.rows()
    }
    fn divide(self, at: usize) -> (Self, Self) {
        let RowBlock { i0, q, logits, terms, dq, states, m } = self;
        let d = q.cols();
        let (logits, logits_b) = logits.split_at_mut((at * m).min(logits.len()));
        let (terms, terms_b) = terms.split_at_mut((2 * at).min(terms.len()));
        let (dq, dq_b) = dq.split_at_mut((at * d).min(dq.len()));
        let (states, states_b) = match states.map(|st| st.divide(at)) {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        };
        let (qa, qb) = (q.rows_range(0, at), q.rows_range(at, q.rows()));
        let b =
            RowBlock { i0: i0 + at, q: qb, logits: logits_b, terms: terms_b, dq: dq_b, states: states_b, m };
        (RowBlock { i0, q: qa, logits, terms, dq, states, m }, b)
    }
}

/// One worker's row block: logits, the per-row work of the plan's mode,
/// then (with a gradient) its rows of `dQ`; `abuf` is its packing space.
struct RowWork<'p, 'a> {
    plan: &'p RowPlan<'p>,
    block: RowBlock<'a>,
    abuf: &'a mut [f32],
}

impl Kernel for RowWork<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let RowPlan { kt, kp, pos, inv_tau, mode, accum, mc, m } = *self.plan;
        let RowBlock { i0, q, logits, terms, dq, mut states, .. } = self.block;
        let (abuf, r, d) = (self.abuf, q.rows(), q.cols());
        // Each GEMM runs in a function of its own (`vectorize`): inlined
        // next to the exp code, its accumulators were spilled.
        let c = ViewMut { data: &mut *logits, ld: m };
        s.vectorize(GemmPackedB { a: q, b: kt, c, accum: Accum::Overwrite, mc, abuf: &mut *abuf });
        let mut terms = terms.chunks_exact_mut(2);
        for (i, row) in logits.chunks_exact_mut(m.max(1)).enumerate() {
            if let (false, RowMode::Symmetric { scale, ln_g, cols }) = (COMPACT, mode) {
                symmetric_grad_row(s, row, i0 + i, [inv_tau, scale], ln_g, cols);
                continue;
            }
            let p = pos.of(i0 + i);
            let st = lse_state_of(s, row, inv_tau);
            let v_pos = row.get(p).copied().unwrap_or(f32::NAN) * inv_tau;
            // (max − positive) is exactly 0 when the positive is the maximum,
            // so a near-zero loss keeps its relative accuracy.
            let log1p_rest = libm::log1p(st.rest);
            let term = (st.max - f64::from(v_pos)) + log1p_rest;
            if let Some([hi, lo]) = terms.next() {
                *hi = term as f32;
                *lo = (term - f64::from(*hi)) as f32;
            }
            match mode {
                RowMode::Record if !COMPACT => {
                    if let Some(states) = states.as_mut() {
                        states.record(i, st, v_pos);
                    }
                }
                RowMode::Grad { scale } => {
                    // g·e^{v − LSE} as e^{v − (LSE − ln g)}: one rounding at
                    // the result's own magnitude, also where it is an f32
                    // subnormal (rounding e^{v − LSE} there and then scaling
                    // by g = 1/(nτ) multiplied a subnormal's coarse step by up
                    // to 1/τ).
                    let shifted = st.max + log1p_rest - libm::log(f64::from(scale));
                    softmax_grad_row(s, row, inv_tau, shifted as f32);
                    // The positive's entry g·(P − 1) would cancel in f32 when
                    // P ≈ 1 (a confident row: all of the row's gradient lives
                    // in 1 − P); g·expm1(v − LSE) in f64 keeps it exact to
                    // rounding ([`expm1_below`]).
                    if let Some(at_pos) = row.get_mut(p) {
                        *at_pos =
                            (f64::from(scale) * expm1_below(f64::from(v_pos), st.max, log1p_rest)) as f32;
                    }
                }
                _ => {}
            }
        }
        if let (Some(kp), false) = (kp, dq.is_empty()) {
            let (g, c) = (View::row_major(logits, r, m), ViewMut { data: dq, ld: d });
            s.vectorize(GemmPackedB { a: g, b: kp, c, accum, mc, abuf });
        }
    }
}

/// Row `j` of the symmetric loss's `∂L/∂S`, in place of its logits:
/// `g·(e^{v − LSE_row} + e^{v − LSE_col})` from the recorded states
/// (`[1/τ, g]`), the positive's entry `g·[(P_row − 1) + (P_col − 1)]` by
/// `expm1` as in the one-way loss.
#[inline(always)]
fn symmetric_grad_row<S: Simd>(
    s: S,
    row: &mut [f32],
    j: usize,
    [inv_tau, g]: [f32; 2],
    ln_g: f64,
    c: &Columns<'_>,
) {
    let state = |x: &[f32]| f64::from(x.get(j).copied().unwrap_or(f32::NAN));
    let (row_max, row_l1p) = (state(c.row_max), state(c.row_l1p));
    let (col_max, col_l1p) = (state(c.states.max), state(c.states.lo));
    let v_pos = f64::from(row.get(j).copied().unwrap_or(f32::NAN) * inv_tau);
    let row_shift = (row_max + row_l1p - ln_g) as f32;
    let mut f = SymmetricGrad { inv_tau: s.splat_f32(inv_tau), row_shift: s.splat_f32(row_shift) };
    zip_map_in_place(s, &mut f, row, &*c.states.hi);
    let both = expm1_below(v_pos, row_max, row_l1p) + expm1_below(v_pos, col_max, col_l1p);
    if let Some(at_pos) = row.get_mut(j) {
        *at_pos = (f64::from(g) * both) as f32;
    }
}

/// One worker's columns of the column states: a block of logits (`r × m`)
/// folded in, one `A` block of `mc` rows after the other (fixed groups, so
/// the states do not depend on how the rows were divided among workers).
struct FoldWork<'a> {
    logits: &'a [f32],
    m: usize,
    mc: usize,
    inv_tau: f32,
    cols: ColumnStates<'a>,
}

impl Kernel for FoldWork<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let FoldWork { logits, m, mc, inv_tau, mut cols } = self;
        for group in logits.chunks(mc.max(1) * m.max(1)) {
            fold_columns(s, group, m, inv_tau, &mut cols);
        }
    }
}

/// Rows `j0..` of `dK` (rows of `d`).
struct DkRows<'a> {
    j0: usize,
    dk: &'a mut [f32],
    d: usize,
}

impl Divisible for DkRows<'_> {
    fn units(&self) -> usize {
        self.dk.len() / self.d.max(1)
    }
    fn divide(self, at: usize) -> (Self, Self) {
        let (a, b) = self.dk.split_at_mut((at * self.d).min(self.dk.len()));
        (DkRows { dk: a, ..self }, DkRows { j0: self.j0 + at, dk: b, d: self.d })
    }
}

/// `dK += Gᵀ·Q_block` for a block of `∂L/∂S` rows `g` (`r × m`) and their
/// queries, the rows of `dK` divided among the workers (each row written by
/// one of them, in the same order as by one: no copies to reduce).
fn update_dk<E: Executor>(ctx: &Ctx<'_, E>, dk: &mut [f32], g: View<'_>, qb: View<'_>, slots: &mut [f32]) {
    let (kernels, blocks, d) = (ctx.kernels, ctx.blocks, qb.cols());
    let grain = tile(kernels.level()).0;
    let rows = DkRows { j0: 0, dk, d };
    divide_among(ctx.exec, ctx.workers, slots, grain, rows, &|part: DkRows<'_>, scratch: &mut [f32]| {
        let a = g.t().rows_range(part.j0, part.j0 + part.units());
        let c = ViewMut { data: part.dk, ld: d };
        kernels.run(Gemm { a, b: qb, c, accum: Accum::Add, blocks, scratch });
    });
}

/// The loss summed over rows, `Σᵢ [LSEⱼ(sᵢⱼ/τ) − s_{i,pos(i)}/τ]`, for
/// queries `q` against keys `k`, and its gradient when `grad` is given.
///
/// Blocks of rows go through the engine against `Kᵀ` (and `K`) packed once
/// and shared; within a block the rows are divided among the workers, then
/// (with the gradient) the rows of `dK += Gᵀ·Q_block`. Every row's term
/// is kept (`hi + lo`) and summed in row order at the end, column states
/// are folded in fixed groups of `mc` rows, and the gradient's blocks have
/// the same rows for any number of workers: the result's bits do not
/// depend on it.
///
/// With `cols` (the symmetric loss) the sum includes the columns' terms,
/// and the gradient needs every row's and column's state before its first
/// entry: the logits sweep only reduces, and a second sweep recomputes each
/// block of logits (bit for bit the same) to form
/// `G = g·(P_rows + P_cols − 2I)`. Four GEMM-shaped passes where the two
/// directions one after the other took six.
fn sweep<E: Executor>(
    ctx: &Ctx<'_, E>,
    Pair { q, k, pos }: Pair<'_>,
    mut grad: Option<GradOut<'_>>,
    mut cols: Option<Columns<'_>>,
    ws: &mut [f32],
) -> f64 {
    let (kernels, exec, workers, inv_tau, blocks) =
        (ctx.kernels, ctx.exec, ctx.workers, ctx.inv_tau, ctx.blocks);
    let (n, m, d, level) = (q.rows(), k.rows(), q.cols(), kernels.level());
    let grad_first = grad.is_some() && cols.is_none();
    let [_, mc, _] = blocks.visibly_bounded();
    // A gradient block's rows are `dK`'s k-block: fixed by the blocking. A
    // forward block is one `A` block per worker (how rows are grouped
    // there changes no result).
    let grad_rows = gradient_rows(blocks).min(n);
    let first_rows = if grad_first { grad_rows } else { mc.saturating_mul(workers).min(n) };
    let block_rows = if grad.is_some() { first_rows.max(grad_rows) } else { first_rows };
    let grain = tile(level).0;
    // Checked splits and `get` below: in bounds by `InfoNce::check`, visibly
    // to the optimiser (no panic path); NaN if that were ever not so.
    let Some((kt_buf, ws)) = ws.split_at_mut_checked(gemm::packed_b_len(level, d, m)) else {
        return f64::NAN;
    };
    let k_len = if grad.is_some() { gemm::packed_b_len(level, m, d) } else { 0 };
    let Some((k_buf, ws)) = ws.split_at_mut_checked(k_len) else { return f64::NAN };
    let Some((block, ws)) = ws.split_at_mut_checked(block_rows * m) else { return f64::NAN };
    let Some((terms, slots)) = ws.split_at_mut_checked(2 * n) else { return f64::NAN };
    let kt = kernels.run(PackB { b: k.t(), blocks, buf: kt_buf });
    let kp = grad.as_ref().map(|_| kernels.run(PackB { b: k, blocks, buf: k_buf }));
    if let Some(GradOut { dk, accum: Accum::Overwrite, .. }) = grad.as_mut() {
        dk.fill(0.0);
    }
    let accum = grad.as_ref().map_or(Accum::Overwrite, |g| g.accum);
    let mode = match &grad {
        Some(g) if grad_first => RowMode::Grad { scale: g.scale },
        _ if cols.is_some() => RowMode::Record,
        _ => RowMode::Loss,
    };
    let plan = RowPlan { kt: &kt, kp: kp.as_ref(), pos, inv_tau, mode, accum, mc, m };
    for i0 in (0..n).step_by(first_rows.max(1)) {
        let r = first_rows.min(n - i0);
        let Some(logits) = block.get_mut(..r * m) else { return f64::NAN };
        let dq = match grad.as_mut() {
            Some(g) if grad_first => g.dq.get_mut(i0 * d..(i0 + r) * d).unwrap_or_default(),
            _ => &mut [],
        };
        let rows = RowBlock {
            i0,
            q: q.rows_range(i0, i0 + r),
            logits: &mut *logits,
            terms: terms.get_mut(2 * i0..2 * (i0 + r)).unwrap_or_default(),
            dq,
            states: cols.as_mut().map(|c| c.rows(i0, r)),
            m,
        };
        divide_among(exec, workers, slots, grain, rows, &|b, abuf| {
            kernels.run(RowWork { plan: &plan, block: b, abuf })
        });
        if let (false, Some(c)) = (COMPACT, cols.as_mut()) {
            let (logits, states) = (&*logits, c.states.reborrow());
            let fold = |cols, _: &mut [f32]| kernels.run(FoldWork { logits, m, mc, inv_tau, cols });
            divide_among(exec, workers, &mut [], 16, states, &fold);
        }
        if let (Some(g), true) = (grad.as_mut(), grad_first) {
            update_dk(ctx, g.dk, View::row_major(logits, r, m), q.rows_range(i0, i0 + r), slots);
        }
    }
    // Every row's term, in row order.
    let mut total: f64 = terms.chunks_exact(2).map(|t| f64::from(t[0]) + f64::from(t[1])).sum();
    let (Some(c), Some(out), Some(kp)) = (cols.as_mut(), grad.as_mut(), kp.as_ref()) else {
        return total + cols.as_mut().map_or(0.0, |c| c.finish(1.0));
    };

    // The symmetric gradient sweep.
    total += c.finish(out.scale);
    let ln_g = libm::log(f64::from(out.scale));
    let mode = RowMode::Symmetric { scale: out.scale, ln_g, cols: &*c };
    let plan = RowPlan { kt: &kt, kp: Some(kp), pos, inv_tau, mode, accum: out.accum, mc, m };
    for i0 in (0..n).step_by(grad_rows.max(1)) {
        let r = grad_rows.min(n - i0);
        let Some(logits) = block.get_mut(..r * m) else { return f64::NAN };
        let dq = out.dq.get_mut(i0 * d..(i0 + r) * d).unwrap_or_default();
        let rows = RowBlock {
            i0,
            q: q.rows_range(i0, i0 + r),
            logits: &mut *logits,
            terms: &mut [],
            dq,
            states: None,
            m,
        };
        divide_among(exec, workers, slots, grain, rows, &|b, abuf| {
            kernels.run(RowWork { plan: &plan, block: b, abuf })
        });
        update_dk(ctx, out.dk, View::row_major(logits, r, m), q.rows_range(i0, i0 + r), slots);
    }
    total
}

/// `e^{v − LSE} − 1` for `LSE = max + log1p_rest`, formed as
/// `(v − max) − log1p_rest` (not `v − (max + log1p_rest)`, which rounds a
/// tiny `1 − P` to `ulp(max)`).
#[inline(always)]
fn expm1_below(v: f64, max: f64, log1p_rest: f64) -> f64 {
    libm::expm1((v - max) - log1p_rest)
}

/// `exp(x·inv_tau − shift)` lane by lane.
struct SoftmaxGrad<V> {
    inv_tau: V,
    shift: V,
}

impl<S: Simd> LaneMap<S, f32> for SoftmaxGrad<S::F32> {
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F32) -> S::F32 {
        exp_f32_nonpositive(s, s.sub_f32(s.mul_f32(x, self.inv_tau), self.shift))
    }
}

/// `row ← exp(row·inv_tau − shift)` with `shift = LSE − ln g`: a row of
/// `∂L/∂S = g·softmax` before the positive's `−g`.
#[inline(always)]
fn softmax_grad_row<S: Simd>(s: S, row: &mut [f32], inv_tau: f32, shift: f32) {
    let mut f = SoftmaxGrad { inv_tau: s.splat_f32(inv_tau), shift: s.splat_f32(shift) };
    map_in_place(s, &mut f, row);
}

impl Kernels {
    /// An InfoNCE loss with temperature `τ` that runs on this handle
    /// ([`InfoNce::new`] then [`InfoNce::on`]). A `const fn`: with
    /// [`Kernels::portable`] a loss and its scratch size can be constants.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, infonce::{InfoNce, Pass}};
    /// let portable = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(portable.infonce(0.05).unwrap().kernels(), portable);
    /// const LOSS: InfoNce = match Kernels::portable().infonce(0.1) {
    ///     Ok(loss) => loss,
    ///     Err(_) => panic!("0.1 is a valid temperature"),
    /// };
    /// let ws = [0.0f32; LOSS.scratch_len(4, 4, 6, Pass::Backward)];
    /// # let _ = ws;
    /// ```
    pub const fn infonce(self, temperature: f32) -> Result<InfoNce> {
        if !(temperature > 0.0 && temperature.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "temperature",
                expected: "positive and finite",
                value: Value::F32(temperature),
            });
        }
        Ok(InfoNce { temperature, normalize: false, symmetric: false, kernels: self })
    }
}

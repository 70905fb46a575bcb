//! The InfoNCE loss with owned results (see [`simkern_core::infonce`] for
//! the math, the streaming algorithm and the accuracy contract).

use simkern_core::infonce::{self as core_nce, Pass, Positives};
use simkern_core::{Kernels, MatRef, Result};

use crate::Workspace;
use crate::alloc::zeroed;

/// A configured InfoNCE loss (consuming builder; `loss*` take `&self`).
///
/// `loss` equals `cross_entropy(q @ k.T / τ, arange(N))` — rows
/// L2-normalised first (`x / max(‖x‖, 1e-12)`) with `normalize(true)` — and
/// the gradients equal autograd's. The `N × M` logits are never stored.
///
/// ```
/// let loss = simkern::InfoNce::new(0.05)?.normalize(true).symmetric(true);
/// let q = [1.0f32, 0.0, 0.0, 1.0]; // 2 × 2
/// let k = [0.9f32, 0.1, 0.2, 0.8];
/// let l = loss.loss(&q, &k, 2)?;
/// let g = loss.loss_and_grad(&q, &k, 2)?;
/// assert_eq!(g.loss, l);
/// assert_eq!((g.dq.len(), g.dk.len()), (4, 4));
/// # Ok::<(), simkern::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InfoNce(core_nce::InfoNce);

/// A loss value with its gradients, flattened row-major like the inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct InfoNceGrad {
    /// The loss.
    pub loss: f32,
    /// `∂L/∂q`.
    pub dq: Vec<f32>,
    /// `∂L/∂k`.
    pub dk: Vec<f32>,
}

impl InfoNce {
    /// A loss with temperature `τ > 0` (finite); defaults: no
    /// normalisation, not symmetric.
    ///
    /// ```
    /// assert!(simkern::InfoNce::new(-1.0).is_err());
    /// ```
    pub fn new(temperature: f32) -> Result<Self> {
        core_nce::InfoNce::new(temperature).map(InfoNce)
    }

    /// L2-normalise the rows of `q` and `k` inside the loss.
    ///
    /// ```
    /// let l = simkern::InfoNce::new(0.1).unwrap().normalize(true);
    /// ```
    pub fn normalize(self, on: bool) -> Self {
        InfoNce(self.0.normalize(on))
    }

    /// The symmetric (CLIP) loss: mean of the `q → k` and `k → q` losses.
    ///
    /// ```
    /// let l = simkern::InfoNce::new(0.1).unwrap().symmetric(true);
    /// ```
    pub fn symmetric(self, on: bool) -> Self {
        InfoNce(self.0.symmetric(on))
    }

    /// Runs on an explicit [`Kernels`] handle (one SIMD level) instead of
    /// the best one.
    ///
    /// ```
    /// use simkern::{Kernels, Level};
    /// let l = simkern::InfoNce::new(0.1)?.on(Kernels::new(Level::Portable)?);
    /// assert!(l.loss(&[1.0, 0.0], &[1.0, 0.0], 2).is_ok());
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn on(self, kernels: Kernels) -> Self {
        InfoNce(self.0.on(kernels))
    }

    /// In-batch loss: `q` and `k` have `N` rows of `dim` each, key `i` is
    /// query `i`'s positive, the other keys are its negatives.
    ///
    /// ```
    /// let l = simkern::InfoNce::new(1.0)?.loss(&[1.0, 0.0, 0.0, 1.0], &[1.0, 0.0, 0.0, 1.0], 2)?;
    /// assert!((l - (1.0 + (-1.0f32).exp()).ln()).abs() < 1e-6);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn loss(&self, q: &[f32], k: &[f32], dim: usize) -> Result<f32> {
        self.forward(q, k, dim, Positives::Diagonal, &mut Workspace::new())
    }

    /// Loss with an explicit positive key per query; `k` may have more rows
    /// than `q` (extra or hard negatives). Not defined for the symmetric loss.
    ///
    /// ```
    /// let l = simkern::InfoNce::new(1.0)?;
    /// let loss = l.loss_with_positives(&[1.0, 0.0], &[0.0, 1.0, 1.0, 0.0], 2, &[1])?;
    /// assert!((loss - (1.0 + (-1.0f32).exp()).ln()).abs() < 1e-6);
    /// assert!(l.loss_with_positives(&[1.0, 0.0], &[0.0, 1.0], 2, &[1]).is_err());
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn loss_with_positives(&self, q: &[f32], k: &[f32], dim: usize, positives: &[usize]) -> Result<f32> {
        self.forward(q, k, dim, Positives::Indices(positives), &mut Workspace::new())
    }

    /// In-batch loss and its gradients.
    ///
    /// ```
    /// let g = simkern::InfoNce::new(0.5)?.loss_and_grad(&[1.0, 0.0, 0.0, 1.0], &[1.0, 0.0, 0.0, 1.0], 2)?;
    /// assert!(g.dq[0] < 0.0, "moving q₀ toward its positive lowers the loss");
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn loss_and_grad(&self, q: &[f32], k: &[f32], dim: usize) -> Result<InfoNceGrad> {
        self.backward(q, k, dim, Positives::Diagonal)
    }

    /// Loss and gradients with explicit positives.
    ///
    /// ```
    /// let g = simkern::InfoNce::new(0.5)?.loss_and_grad_with_positives(&[1.0, 0.0], &[0.0, 1.0, 1.0, 0.0], 2, &[1])?;
    /// assert_eq!(g.dk.len(), 4);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn loss_and_grad_with_positives(
        &self,
        q: &[f32],
        k: &[f32],
        dim: usize,
        positives: &[usize],
    ) -> Result<InfoNceGrad> {
        self.backward(q, k, dim, Positives::Indices(positives))
    }

    /// [`InfoNce::loss`] with its scratch from `ws` (grown if needed,
    /// kept for the next call): no allocation once `ws` is large enough.
    ///
    /// ```
    /// let (l, mut ws) = (simkern::InfoNce::new(1.0)?, simkern::Workspace::new());
    /// let q = [1.0f32, 0.0, 0.0, 1.0];
    /// assert_eq!(l.loss_in(&q, &q, 2, &mut ws)?, l.loss(&q, &q, 2)?);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn loss_in(&self, q: &[f32], k: &[f32], dim: usize, ws: &mut Workspace) -> Result<f32> {
        self.forward(q, k, dim, Positives::Diagonal, ws)
    }

    /// [`InfoNce::loss_and_grad`] into caller buffers: `dq` (like `q`) and
    /// `dk` (like `k`) are overwritten with the gradients, the scratch comes
    /// from `ws` — a training loop that keeps all three allocates nothing
    /// per step. `dq` or `dk` of the wrong length is an error.
    ///
    /// ```
    /// let (l, mut ws) = (simkern::InfoNce::new(0.5)?.symmetric(true), simkern::Workspace::new());
    /// let (q, k) = ([1.0f32, 0.0, 0.0, 1.0], [0.8f32, 0.2, 0.1, 0.9]);
    /// let (mut dq, mut dk) = ([0.0f32; 4], [0.0f32; 4]);
    /// let loss = l.loss_and_grad_into(&q, &k, 2, &mut dq, &mut dk, &mut ws)?;
    /// let owned = l.loss_and_grad(&q, &k, 2)?;
    /// assert_eq!((loss, &dq[..], &dk[..]), (owned.loss, &owned.dq[..], &owned.dk[..]));
    /// assert!(l.loss_and_grad_into(&q, &k, 2, &mut dq[..3], &mut dk, &mut ws).is_err());
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn loss_and_grad_into(
        &self,
        q: &[f32],
        k: &[f32],
        dim: usize,
        dq: &mut [f32],
        dk: &mut [f32],
        ws: &mut Workspace,
    ) -> Result<f32> {
        self.backward_into(q, k, dim, Positives::Diagonal, [dq, dk], ws)
    }

    fn forward(
        &self,
        q: &[f32],
        k: &[f32],
        dim: usize,
        pos: Positives<'_>,
        ws: &mut Workspace,
    ) -> Result<f32> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let ws = ws.f32s(self.0.scratch_len(qm.rows(), km.rows(), dim, Pass::Forward))?;
        self.0.loss(qm, km, pos, ws)
    }

    fn backward_into(
        &self,
        q: &[f32],
        k: &[f32],
        dim: usize,
        pos: Positives<'_>,
        [dq, dk]: [&mut [f32]; 2],
        ws: &mut Workspace,
    ) -> Result<f32> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let ws = ws.f32s(self.0.scratch_len(qm.rows(), km.rows(), dim, Pass::Backward))?;
        self.0.loss_and_grad(qm, km, pos, dq, dk, ws)
    }

    fn backward(&self, q: &[f32], k: &[f32], dim: usize, pos: Positives<'_>) -> Result<InfoNceGrad> {
        let (mut dq, mut dk) = (zeroed(q.len())?, zeroed(k.len())?);
        let loss = self.backward_into(q, k, dim, pos, [&mut dq, &mut dk], &mut Workspace::new())?;
        Ok(InfoNceGrad { loss, dq, dk })
    }
}

#[cfg(feature = "rayon")]
impl InfoNce {
    /// [`InfoNce::loss`] on all cores (feature `rayon`): the blocks of
    /// query rows divided among the pool's threads, all reading one packed
    /// `Kᵀ`. The same bits as [`InfoNce::loss`] for any number of threads
    /// (see [`simkern_core::executor`]).
    ///
    /// ```
    /// let l = simkern::InfoNce::new(0.5)?;
    /// let (q, k) = ([1.0f32, 0.0, 0.0, 1.0], [1.0f32, 0.0, 0.0, 1.0]);
    /// assert_eq!(l.par_loss(&q, &k, 2)?, l.loss(&q, &k, 2)?);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn par_loss(&self, q: &[f32], k: &[f32], dim: usize) -> Result<f32> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let exec = crate::Rayon;
        let mut ws = Workspace::new();
        let ws = self.scratch_with(&exec, qm, km, Pass::Forward, &mut ws)?;
        self.0.loss_with(&exec, qm, km, Positives::Diagonal, ws)
    }

    /// [`InfoNce::loss_and_grad`] on all cores (feature `rayon`): within
    /// each block of query rows, the rows (logits, softmax, `dQ`) and then
    /// the rows of `dK += Gᵀ·Q_block` are divided among the threads — each
    /// row of `dK` is written by one thread, so there are no per-thread
    /// copies to add up, and the result is the same bits as
    /// [`InfoNce::loss_and_grad`] for any number of threads. Extra memory
    /// over one thread: one packing workspace per thread (about 1 MB).
    ///
    /// ```
    /// let l = simkern::InfoNce::new(0.5)?.normalize(true).symmetric(true);
    /// let (q, k) = ([1.0f32, 0.2, 0.1, 1.0], [1.0f32, 0.0, 0.0, 1.0]);
    /// assert_eq!(l.par_loss_and_grad(&q, &k, 2)?, l.loss_and_grad(&q, &k, 2)?);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn par_loss_and_grad(&self, q: &[f32], k: &[f32], dim: usize) -> Result<InfoNceGrad> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let exec = crate::Rayon;
        let mut ws = Workspace::new();
        let ws = self.scratch_with(&exec, qm, km, Pass::Backward, &mut ws)?;
        let (mut dq, mut dk) = (zeroed(q.len())?, zeroed(k.len())?);
        let loss = self.0.loss_and_grad_with(&exec, qm, km, Positives::Diagonal, &mut dq, &mut dk, ws)?;
        Ok(InfoNceGrad { loss, dq, dk })
    }

    /// The scratch of a call on `exec`, from `ws`.
    fn scratch_with<'w, E: simkern_core::executor::Executor>(
        &self,
        exec: &E,
        q: MatRef<'_, f32>,
        k: MatRef<'_, f32>,
        pass: Pass,
        ws: &'w mut Workspace,
    ) -> Result<&'w mut [f32]> {
        ws.f32s(self.0.scratch_len_with(q.rows(), k.rows(), q.dim(), pass, exec.workers()))
    }
}

//! The InfoNCE loss with owned results (see [`simkern_core::infonce`] for
//! the math, the streaming algorithm and the accuracy contract).

use simkern_core::infonce::{self as core_nce, Pass, Positives};
use simkern_core::{Kernels, MatRef, Result};

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
        self.forward(q, k, dim, Positives::Diagonal)
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
        self.forward(q, k, dim, Positives::Indices(positives))
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

    fn forward(&self, q: &[f32], k: &[f32], dim: usize, pos: Positives<'_>) -> Result<f32> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let mut ws = vec![0.0f32; self.0.scratch_len(qm.rows(), km.rows(), dim, Pass::Forward)];
        self.0.loss(qm, km, pos, &mut ws)
    }

    fn backward(&self, q: &[f32], k: &[f32], dim: usize, pos: Positives<'_>) -> Result<InfoNceGrad> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let mut ws = vec![0.0f32; self.0.scratch_len(qm.rows(), km.rows(), dim, Pass::Backward)];
        let (mut dq, mut dk) = (vec![0.0f32; q.len()], vec![0.0f32; k.len()]);
        let loss = self.0.loss_and_grad(qm, km, pos, &mut dq, &mut dk, &mut ws)?;
        Ok(InfoNceGrad { loss, dq, dk })
    }
}

/// Query rows per parallel task: fixed, so that the partial results and
/// the order they are combined in do not depend on the thread count.
#[cfg(feature = "rayon")]
const PAR_ROWS: usize = 512;

#[cfg(feature = "rayon")]
impl InfoNce {
    /// [`InfoNce::loss`] on all cores (feature `rayon`).
    ///
    /// The batch is cut into fixed blocks of 512 query rows, each block's
    /// loss is computed against all keys on some thread, and the block
    /// results are summed in block order: the result is the same bits
    /// whatever the number of threads. It can differ from the one-thread
    /// [`InfoNce::loss`] in the last digits (block means are rounded to
    /// `f32` before they are combined).
    ///
    /// ```
    /// let l = simkern::InfoNce::new(0.5)?;
    /// let (q, k) = ([1.0f32, 0.0, 0.0, 1.0], [1.0f32, 0.0, 0.0, 1.0]);
    /// assert!((l.par_loss(&q, &k, 2)? - l.loss(&q, &k, 2)?).abs() < 1e-6);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn par_loss(&self, q: &[f32], k: &[f32], dim: usize) -> Result<f32> {
        let one_way = InfoNce(self.0.symmetric(false));
        let forward = one_way.par_direction(q, k, dim, None)?;
        if !self.0.is_symmetric() {
            return Ok(forward);
        }
        let backward = one_way.par_direction(k, q, dim, None)?;
        Ok(((f64::from(forward) + f64::from(backward)) / 2.0) as f32)
    }

    /// [`InfoNce::loss_and_grad`] on all cores (feature `rayon`), with the
    /// same block decomposition and determinism as [`InfoNce::par_loss`].
    /// Each block's `∂L/∂k` is kept until all are done and then summed in
    /// block order, so the extra memory is `⌈N/512⌉ · M · d` floats.
    ///
    /// ```
    /// let l = simkern::InfoNce::new(0.5)?.normalize(true);
    /// let (q, k) = ([1.0f32, 0.2, 0.1, 1.0], [1.0f32, 0.0, 0.0, 1.0]);
    /// let (par, one) = (l.par_loss_and_grad(&q, &k, 2)?, l.loss_and_grad(&q, &k, 2)?);
    /// assert!(par.dq.iter().zip(&one.dq).all(|(a, b)| (a - b).abs() < 1e-6));
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn par_loss_and_grad(&self, q: &[f32], k: &[f32], dim: usize) -> Result<InfoNceGrad> {
        let one_way = InfoNce(self.0.symmetric(false));
        let (mut dq, mut dk) = (vec![0.0f32; q.len()], vec![0.0f32; k.len()]);
        let scale = if self.0.is_symmetric() { 0.5 } else { 1.0 };
        let mut loss = f64::from(one_way.par_direction(q, k, dim, Some((&mut dq, &mut dk, scale)))?);
        if self.0.is_symmetric() {
            loss += f64::from(one_way.par_direction(k, q, dim, Some((&mut dk, &mut dq, scale)))?);
            loss /= 2.0;
        }
        Ok(InfoNceGrad { loss: loss as f32, dq, dk })
    }

    /// One direction, in-batch: the mean over blocks of rows of `q` of each
    /// block's loss against all of `k`; with `grad`, adds `scale` times
    /// the gradients into `(dq, dk)`.
    fn par_direction(
        &self,
        q: &[f32],
        k: &[f32],
        dim: usize,
        grad: Option<(&mut [f32], &mut [f32], f32)>,
    ) -> Result<f32> {
        use rayon::prelude::*;
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let n = qm.rows();
        if n != km.rows() {
            return Err(simkern_core::Error::RowMismatch {
                left: "q",
                left_rows: n,
                right: "k",
                right_rows: km.rows(),
            });
        }
        let blocks: Vec<(usize, usize)> =
            (0..n).step_by(PAR_ROWS).map(|a| (a, (a + PAR_ROWS).min(n))).collect();
        let with_grad = grad.is_some();
        let parts: Vec<Result<(f32, Option<InfoNceGrad>)>> = blocks
            .par_iter()
            .map(|&(a, b)| {
                let pos: Vec<usize> = (a..b).collect();
                let qb = &q[a * dim..b * dim];
                if with_grad {
                    let g = self.loss_and_grad_with_positives(qb, k, dim, &pos)?;
                    Ok((g.loss, Some(g)))
                } else {
                    Ok((self.loss_with_positives(qb, k, dim, &pos)?, None))
                }
            })
            .collect();
        // Combine in block order (deterministic whatever ran where).
        let mut total = 0.0f64;
        let mut grad = grad;
        for (&(a, b), part) in blocks.iter().zip(parts) {
            let (block_loss, block_grad) = part?;
            let w = (b - a) as f64 / n as f64;
            total += f64::from(block_loss) * w;
            if let (Some((dq, dk, scale)), Some(g)) = (grad.as_mut(), block_grad) {
                let w = w as f32 * *scale;
                for (d, s) in dq[a * dim..b * dim].iter_mut().zip(&g.dq) {
                    *d += w * s;
                }
                for (d, s) in dk.iter_mut().zip(&g.dk) {
                    *d += w * s;
                }
            }
        }
        Ok(total as f32)
    }
}

//! The `k` best keys for every query over caller buffers: blocks of
//! queries against blocks of keys on the GEMM engine, each block's scores
//! selected while they are in L2, so the `n_q × n_keys` matrix is never
//! stored.

use crate::error::{Error, Result, same_dim};
use crate::matrix::MatRef;
use crate::simd::Kernels;

use super::SCAN_CHUNK;
use super::select::{Metric, Selection};

/// Queries per block: the rows that share each key block.
pub const QUERY_BLOCK: usize = 256;

/// The selections of a block of queries, one region of a caller's buffer
/// each ([`Selection::buffer_len`] words).
///
/// ```
/// use simkern_core::search::{Metric, Selections, Selection};
/// let mut buf = vec![0u64; 2 * Selection::buffer_len(1)];
/// let mut sel = Selections::new(1, Metric::Dot, 2, &mut buf)?;
/// sel.get(0)?.offer(1.0, 5);
/// sel.get(1)?.offer(2.0, 6);
/// let (mut i, mut s) = ([0u32; 2], [0.0f32; 2]);
/// sel.finish(&mut i, &mut s)?;
/// assert_eq!((i, s), ([5, 6], [1.0, 2.0]));
/// # Ok::<(), simkern_core::Error>(())
/// ```
pub struct Selections<'a> {
    k: usize,
    metric: Metric,
    rows: usize,
    buf: &'a mut [u64],
}

impl<'a> Selections<'a> {
    /// Words of buffer for `rows` selections of the best `k`.
    ///
    /// ```
    /// use simkern_core::search::{Selection, Selections};
    /// assert_eq!(Selections::buffer_len(3, 10), 3 * Selection::buffer_len(10));
    /// ```
    pub const fn buffer_len(rows: usize, k: usize) -> usize {
        rows.saturating_mul(Selection::buffer_len(k))
    }

    /// `rows` empty selections of the best `k` by `metric` in `buf`.
    ///
    /// Errors: `k == 0`, `buf` shorter than [`Selections::buffer_len`].
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selections};
    /// assert!(Selections::new(4, Metric::L2, 2, &mut [0u64; 10]).is_err());
    /// ```
    pub fn new(k: usize, metric: Metric, rows: usize, buf: &'a mut [u64]) -> Result<Self> {
        let needed = Self::buffer_len(rows, k);
        let got = buf.len();
        let Some(buf) = buf.get_mut(..needed) else {
            return Err(Error::ScratchTooSmall { needed, got });
        };
        let mut all = Selections { k, metric, rows, buf };
        for i in 0..rows {
            all.get(i)?.clear();
        }
        Ok(all)
    }

    /// The selection of row `i` (an error past the last row).
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selections, Selection};
    /// let mut buf = vec![0u64; Selection::buffer_len(1)];
    /// assert!(Selections::new(1, Metric::L2, 1, &mut buf)?.get(1).is_err());
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn get(&mut self, i: usize) -> Result<Selection<'_>> {
        let len = Selection::buffer_len(self.k);
        match self.buf.get_mut(i * len..(i + 1) * len) {
            Some(region) if i < self.rows => Selection::resume(self.k, self.metric, region),
            _ => Err(Error::OutputSize { needed: i + 1, got: self.rows }),
        }
    }

    /// Every row's best `k`, best first, into rows of `k` of `indices`
    /// and `scores` (each `rows × k` long); the selections are left empty.
    ///
    /// Errors: outputs of another length, a row that was offered fewer
    /// than `k` scores (`InvalidParameter`).
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selections, Selection};
    /// let mut buf = vec![0u64; Selection::buffer_len(2)];
    /// let mut sel = Selections::new(2, Metric::Dot, 1, &mut buf)?;
    /// sel.get(0)?.offer(1.0, 0);
    /// assert!(sel.finish(&mut [0; 2], &mut [0.0; 2]).is_err()); // one score for k = 2
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn finish(&mut self, indices: &mut [u32], scores: &mut [f32]) -> Result<()> {
        let (k, rows) = (self.k, self.rows);
        for len in [indices.len(), scores.len()] {
            if len != rows * k {
                return Err(Error::OutputSize { needed: rows * k, got: len });
            }
        }
        for (i, (idx, sc)) in indices.chunks_exact_mut(k).zip(scores.chunks_exact_mut(k)).enumerate() {
            let mut sel = self.get(i)?;
            let written = sel.finish(idx, sc);
            sel.clear();
            if written < k {
                return Err(Error::InvalidParameter {
                    name: "k",
                    expected: "at most the scores offered",
                    value: crate::error::Value::Count(k),
                });
            }
        }
        Ok(())
    }
}

impl Kernels {
    /// Keys per block for rows of `dim` at this handle's blocking: the
    /// key block (`kb · min(dim, kc)` floats) and the block's scores
    /// (`QUERY_BLOCK · kb`) within the engine's `A` block (`mc · kc`
    /// floats, half of L2 — so derived from the caches the CPU reports),
    /// so that the selection reads the scores from L2 right after the
    /// engine wrote them; a multiple of [`SCAN_CHUNK`], at least 256
    /// (shorter blocks repack the queries too often) and at most 4096. On
    /// a 512 KiB L2 (Zen 2) that is 256 keys; on 2 MiB (Granite Rapids)
    /// 960 at `dim = 128`, 256 at 768.
    ///
    /// ```
    /// let kb = simkern_core::Kernels::best().search_key_block(384);
    /// assert!((256..=4096).contains(&kb) && kb % 64 == 0);
    /// ```
    pub fn search_key_block(self, dim: usize) -> usize {
        let b = self.blocking();
        let floats = b.mc() * b.kc();
        let kb = floats / (dim.min(b.kc()) + QUERY_BLOCK) / SCAN_CHUNK * SCAN_CHUNK;
        kb.clamp(256, 4096)
    }

    /// Prepares rows (of `dim`) for `metric`: scaled to unit length for
    /// [`Metric::Cosine`] (a zero row stays zero), `norms[i] = ‖rowᵢ‖²`
    /// for [`Metric::L2`] (`norms` a value per row), untouched for
    /// [`Metric::Dot`].
    ///
    /// Errors: `rows` not a multiple of `dim`, `norms` too short for L2.
    ///
    /// ```
    /// use simkern_core::{Kernels, search::Metric};
    /// let (mut rows, mut norms) = ([3.0f32, 4.0], [0.0f32]);
    /// Kernels::best().prepare_rows(&mut rows, 2, Metric::L2, &mut norms)?;
    /// assert_eq!(norms, [25.0]);
    /// Kernels::best().prepare_rows(&mut rows, 2, Metric::Cosine, &mut [])?;
    /// assert_eq!(rows, [0.6, 0.8]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn prepare_rows(self, rows: &mut [f32], dim: usize, metric: Metric, norms: &mut [f32]) -> Result<()> {
        MatRef::new(&*rows, dim)?;
        match metric {
            Metric::Dot => {}
            Metric::Cosine => rows.chunks_exact_mut(dim).for_each(|row| {
                self.normalize(row);
            }),
            Metric::L2 => self.squared_norms(rows, dim, norms)?,
        }
        Ok(())
    }

    /// `norms[i] = ‖rowᵢ‖²` for every row (of `dim`) of `rows`.
    fn squared_norms(self, rows: &[f32], dim: usize, norms: &mut [f32]) -> Result<()> {
        let n = MatRef::new(rows, dim)?.rows();
        let got = norms.len();
        let Some(norms) = norms.get_mut(..n) else {
            return Err(Error::OutputSize { needed: n, got });
        };
        for (v, row) in norms.iter_mut().zip(rows.chunks_exact(dim)) {
            *v = self.norm_squared(row);
        }
        Ok(())
    }

    /// Offers a block of scores (`block`: a row of `n_keys` dot products
    /// per selection of `best`, keys `first..first + n_keys`) row by row
    /// to `best` ([`Kernels::offer_scores`]); for [`Metric::L2`] the dots
    /// are turned into squared distances in place first, from the
    /// queries' squared norms `q_norms` and the keys' `k_norms`
    /// ([`Kernels::squared_distances`]). `bounds` is scratch of
    /// `n_keys.div_ceil(SCAN_CHUNK)`.
    ///
    /// Errors: a block that is not `rows × n_keys`, norms of other lengths
    /// for L2, short `bounds`.
    ///
    /// ```
    /// use simkern_core::{Kernels, search::{Metric, Selections, Selection}};
    /// let mut buf = vec![0u64; 2 * Selection::buffer_len(1)];
    /// let mut best = Selections::new(1, Metric::L2, 2, &mut buf)?;
    /// // Two queries of squared norm 1 and 4 against keys of 1 and 9.
    /// let mut dots = [1.0f32, 0.0, 2.0, 6.0];
    /// Kernels::best().offer_block(&mut best, &mut dots, 2, 10, &[1.0, 4.0], &[1.0, 9.0], &mut [0.0])?;
    /// let (mut i, mut s) = ([0u32; 2], [0.0f32; 2]);
    /// best.finish(&mut i, &mut s)?;
    /// // Distances [0, 10] and [1, 1]: the tie goes to the lower index.
    /// assert_eq!((i, s), ([10, 10], [0.0, 1.0]));
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn offer_block(
        self,
        best: &mut Selections<'_>,
        block: &mut [f32],
        n_keys: usize,
        first: u32,
        q_norms: &[f32],
        k_norms: &[f32],
        bounds: &mut [f32],
    ) -> Result<()> {
        let needed = best.rows.checked_mul(n_keys).ok_or(Error::SizeOverflow)?;
        if block.len() != needed {
            return Err(Error::OutputSize { needed, got: block.len() });
        }
        let l2 = best.metric == Metric::L2;
        if l2 && q_norms.len() < best.rows {
            return Err(Error::OutputSize { needed: best.rows, got: q_norms.len() });
        }
        for (i, row) in block.chunks_exact_mut(n_keys.max(1)).enumerate() {
            if l2 {
                self.squared_distances(q_norms[i], k_norms, row)?;
            }
            self.offer_scores(&mut best.get(i)?, row, first, bounds)?;
        }
        Ok(())
    }

    /// Elements of `f32` scratch [`Kernels::top_k_into`] needs for `n_q`
    /// queries against `n_keys` keys of `dim` by `metric`: a block of
    /// scores, the engine's scratch, the prepared query block, the key
    /// block's unit rows (cosine) or norms (L2), the chunk bounds —
    /// `O(QUERY_BLOCK · (key block + dim))`, independent of `n_keys` past
    /// one key block.
    ///
    /// ```
    /// use simkern_core::{Kernels, search::Metric};
    /// let k = Kernels::best();
    /// let small = k.top_k_scratch_len(100, 100_000, 768, Metric::Dot);
    /// assert_eq!(small, k.top_k_scratch_len(100, 1_000_000, 768, Metric::Dot));
    /// ```
    pub fn top_k_scratch_len(self, n_q: usize, n_keys: usize, dim: usize, metric: Metric) -> usize {
        self.top_k_scratch_parts(n_q, n_keys, dim, metric).iter().fold(0usize, |a, &p| a.saturating_add(p))
    }

    /// Words of candidate buffer [`Kernels::top_k_into`] needs for `n_q`
    /// queries against `n_keys` keys and `k` (one selection of the best
    /// `min(k, n_keys)` per query of a block). A `const fn`.
    ///
    /// ```
    /// use simkern_core::{Kernels, search::Selection};
    /// assert_eq!(Kernels::top_k_candidates_len(3, 500, 10), 3 * Selection::buffer_len(10));
    /// assert_eq!(Kernels::top_k_candidates_len(1000, 5, 10), 256 * Selection::buffer_len(5));
    /// ```
    pub const fn top_k_candidates_len(n_q: usize, n_keys: usize, k: usize) -> usize {
        let rows = if n_q < QUERY_BLOCK { n_q } else { QUERY_BLOCK };
        Selections::buffer_len(rows, if k < n_keys { k } else { n_keys })
    }

    /// The lengths of [`Kernels::top_k_scratch_len`]'s parts: block,
    /// engine, queries, query norms, key rows, key norms, bounds.
    fn top_k_scratch_parts(self, n_q: usize, n_keys: usize, dim: usize, metric: Metric) -> [usize; 7] {
        let qb = n_q.min(QUERY_BLOCK);
        let kb = n_keys.min(self.search_key_block(dim));
        let (cosine, l2) = (metric == Metric::Cosine, metric == Metric::L2);
        [
            qb * kb,
            self.similarity_matrix_scratch_len(qb, kb, dim),
            qb.saturating_mul(dim),
            if l2 { qb } else { 0 },
            if cosine { kb.saturating_mul(dim) } else { 0 },
            if l2 { kb } else { 0 },
            kb.div_ceil(SCAN_CHUNK),
        ]
    }

    /// The `min(k, n_keys)` best keys for every row of `queries` by
    /// `metric`, best first, into `indices` and `scores` (rows of
    /// `min(k, n_keys)`): the std crate's `top_k` over caller buffers, the
    /// same result bit for bit (scores `similarity_matrix`'s; cosine rows
    /// scaled to unit length, a zero row scoring 0; L2 `‖q‖² + ‖k‖² −
    /// 2q·k` clamped at 0; equal scores → lower index; NaN last).
    ///
    /// Errors: row lengths that differ, outputs of another length, scratch
    /// shorter than [`Kernels::top_k_scratch_len`] or candidates than
    /// [`Kernels::top_k_candidates_len`], more than `u32::MAX` keys.
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef, search::Metric};
    /// let kern = Kernels::best();
    /// let keys = MatRef::new(&[1.0f32, 0.0, 0.0, 1.0, 0.7, 0.7], 2)?;
    /// let q = MatRef::new(&[1.0f32, 0.1], 2)?;
    /// let mut scratch = vec![0.0f32; kern.top_k_scratch_len(1, 3, 2, Metric::Cosine)];
    /// let mut cands = vec![0u64; Kernels::top_k_candidates_len(1, 3, 2)];
    /// let (mut idx, mut sc) = ([0u32; 2], [0.0f32; 2]);
    /// kern.top_k_into(q, keys, 2, Metric::Cosine, &mut idx, &mut sc, &mut scratch, &mut cands)?;
    /// assert_eq!(idx, [0, 2]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn top_k_into(
        self,
        queries: MatRef<'_, f32>,
        keys: MatRef<'_, f32>,
        k: usize,
        metric: Metric,
        indices: &mut [u32],
        scores: &mut [f32],
        scratch: &mut [f32],
        candidates: &mut [u64],
    ) -> Result<()> {
        let (n_q, n_keys, dim) = (queries.rows(), keys.rows(), keys.dim());
        same_dim("queries", queries.dim(), "keys", dim)?;
        if u32::try_from(n_keys).is_err() {
            return Err(Error::SizeOverflow);
        }
        let k = k.min(n_keys);
        let needed = n_q.checked_mul(k).ok_or(Error::SizeOverflow)?;
        for len in [indices.len(), scores.len()] {
            if len != needed {
                return Err(Error::OutputSize { needed, got: len });
            }
        }
        if k == 0 || n_q == 0 {
            return Ok(());
        }
        let parts = self.top_k_scratch_parts(n_q, n_keys, dim, metric);
        let (needed, got) = (self.top_k_scratch_len(n_q, n_keys, dim, metric), scratch.len());
        if got < needed {
            return Err(Error::ScratchTooSmall { needed, got });
        }
        let (needed, got) = (Self::top_k_candidates_len(n_q, n_keys, k), candidates.len());
        if got < needed {
            return Err(Error::ScratchTooSmall { needed, got });
        }
        let [block, engine, q_own, q_norms, k_own, k_norms, bounds] = split(scratch, parts);
        let key_block = self.search_key_block(dim);
        let out = indices.chunks_mut(QUERY_BLOCK * k).zip(scores.chunks_mut(QUERY_BLOCK * k));
        for (q_rows, (indices, scores)) in queries.as_slice().chunks(QUERY_BLOCK * dim).zip(out) {
            let nq = q_rows.len() / dim;
            let q_own = &mut q_own[..q_rows.len()];
            q_own.copy_from_slice(q_rows);
            self.prepare_rows(q_own, dim, metric, q_norms)?;
            let qm = MatRef::new(&*q_own, dim)?;
            let mut best = Selections::new(k, metric, nq, candidates)?;
            for (b, k_rows) in keys.as_slice().chunks(key_block * dim).enumerate() {
                let nk = k_rows.len() / dim;
                let k_rows = match metric {
                    Metric::Dot => k_rows,
                    Metric::Cosine => {
                        let unit = &mut k_own[..k_rows.len()];
                        unit.copy_from_slice(k_rows);
                        self.prepare_rows(unit, dim, metric, &mut [])?;
                        unit
                    }
                    Metric::L2 => {
                        self.squared_norms(k_rows, dim, k_norms)?;
                        k_rows
                    }
                };
                let block = &mut block[..nq * nk];
                self.similarity_matrix_into(qm, MatRef::new(k_rows, dim)?, block, engine)?;
                let first = (b * key_block) as u32;
                let k_norms = if metric == Metric::L2 { &k_norms[..nk] } else { &[] };
                self.offer_block(&mut best, block, nk, first, q_norms, k_norms, bounds)?;
            }
            best.finish(indices, scores)?;
        }
        Ok(())
    }
}

/// `buf` cut into consecutive parts of the given lengths (`buf` at least
/// their sum long).
fn split<const N: usize>(mut buf: &mut [f32], lens: [usize; N]) -> [&mut [f32]; N] {
    lens.map(|len| {
        let (part, rest) = core::mem::take(&mut buf).split_at_mut(len);
        buf = rest;
        part
    })
}

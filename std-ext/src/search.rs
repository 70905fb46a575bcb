//! Similarity search: the `k` best keys for every query, fused on the GEMM
//! engine — blocks of queries against blocks of keys, each block's scores
//! selected while they are in cache, so the `n_q × n_keys` matrix is never
//! stored (memory `O(block + n_q·k)`).
//!
//! | metric | score | best first |
//! |---|---|---|
//! | [`Metric::Dot`] | `q·k` | largest |
//! | [`Metric::Cosine`] | `q̂·k̂` (rows scaled to unit length; a zero row scores 0) | largest |
//! | [`Metric::L2`] | `‖q‖² + ‖k‖² − 2q·k`, clamped at 0 | smallest |
//!
//! Scores are the engine's `f32` dot products (`similarity_matrix`'s
//! bound: `γ_d·Σ|qᵢkᵢ|` per dot; for `L2` that error doubled plus the
//! norms' roundings, absolute, so distances far below `‖q‖² + ‖k‖²` carry
//! it too). Equal scores rank the lower key index first; NaN scores rank
//! last. [`KeyIndex`] prepares the keys once (unit rows for cosine, squared
//! norms for L2; `f32` keys packed in the engine's layout, block by
//! block, so that no search repacks them) for many searches.
//!
//! Queries and keys are of any [`MatrixElement`] — `f32`, `half::f16`,
//! `half::bf16`, `i8`: the other types are kept in their own type (half
//! or a quarter of the memory of `f32` keys) and widened exactly to `f32`
//! block by block as they are searched, so a search over them is the `f32`
//! search of their values, bit for bit. `i8` dot products are then exact
//! for rows of at most 2¹⁰ (every partial sum an integer below 2²⁴).
//! The exception: `bf16` rows on the AMX tiles ([`Level::Amx`](crate::Level::Amx))
//! are multiplied there as they are (`similarity_matrix`'s `bf16` scores
//! and bound, products exact, sums in `f32`), cosine as `(q·k/‖q‖)/‖k‖`
//! with the norms of the widened rows (a zero row scoring 0), L2 from the
//! same dots; the keys packed once in the tiles' layout
//! ([`Kernels::pack_bf16_keys`]) — 3.7× the `f32` search of the widened
//! keys on Granite Rapids (100 × 100 000 × 768).

pub use simkern_core::search::Metric;
#[cfg(feature = "rayon")]
use simkern_core::search::Selection;
use simkern_core::search::{PackedLayout, QUERY_BLOCK, SCAN_CHUNK, Selections};
use simkern_core::{Error, Kernels, MatRef, Result};

use crate::MatrixElement;
use crate::alloc::{reserve_to, zeroed};

/// The result of a search: for each query, in order, `min(k, n_keys)`
/// entries best first; row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct TopK {
    /// The number of entries per query: `min(k, n_keys)`.
    pub k: usize,
    /// Key indices, `n_q × k`.
    pub indices: Vec<u32>,
    /// Their scores (dot product, cosine or squared distance), `n_q × k`.
    pub scores: Vec<f32>,
}

/// The `k` best keys for every query (`queries` and `keys` row-major with
/// rows of `dim`), by `metric`. `k == 0` gives no entries.
///
/// Errors: `dim == 0`, a length that is not a multiple of `dim`, more than
/// `u32::MAX` keys, an allocation that cannot be made.
///
/// ```
/// use simkern::{Metric, top_k};
/// let keys = [1.0f32, 0.0, 0.0, 1.0, 0.7, 0.7];
/// let hits = top_k(&[1.0, 0.1], &keys, 2, 2, Metric::Cosine)?;
/// assert_eq!(hits.indices, vec![0, 2]);
/// let near = top_k(&[0.0, 0.9], &keys, 2, 1, Metric::L2)?;
/// assert_eq!(near.indices, vec![1]);
/// assert!((near.scores[0] - 0.01).abs() < 1e-6); // ‖q‖² + ‖k‖² − 2q·k in f32
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn top_k<T: MatrixElement>(
    queries: &[T],
    keys: &[T],
    dim: usize,
    k: usize,
    metric: Metric,
) -> Result<TopK> {
    KeyIndex::new(keys, dim, metric)?.search(queries, k)
}

/// [`top_k`] on rayon's pool (feature `rayon`; see
/// [`KeyIndex::par_search`]), the same result bit for bit.
///
/// ```
/// use simkern::{Metric, par_top_k, top_k};
/// let keys: Vec<f32> = (0..900).map(|i| (i as f32).cos()).collect();
/// let q = [0.3f32, -0.2, 0.9];
/// assert_eq!(par_top_k(&q, &keys, 3, 5, Metric::Cosine)?, top_k(&q, &keys, 3, 5, Metric::Cosine)?);
/// # Ok::<(), simkern::Error>(())
/// ```
#[cfg(feature = "rayon")]
pub fn par_top_k<T: MatrixElement + Sync>(
    queries: &[T],
    keys: &[T],
    dim: usize,
    k: usize,
    metric: Metric,
) -> Result<TopK> {
    KeyIndex::new(keys, dim, metric)?.par_search(queries, k)
}

/// Keys of type `T` prepared once for many searches: rows scaled to unit
/// length for [`Metric::Cosine`], squared norms kept for [`Metric::L2`].
///
/// ```
/// use simkern::{KeyIndex, Metric};
/// let index = KeyIndex::new(&[0.0f32, 1.0, 1.0, 0.0, 1.0, 1.0], 2, Metric::Dot)?;
/// assert_eq!(index.len(), 3);
/// let hits = index.search(&[2.0, 1.0], 2)?;
/// assert_eq!((hits.indices, hits.scores), (vec![2, 1], vec![3.0, 2.0]));
/// # Ok::<(), simkern::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct KeyIndex<T> {
    /// The keys in their own type, row-major; empty for `f32` keys, which
    /// are kept in `packed` instead.
    keys: Vec<T>,
    /// `f32` keys packed once in the engine's layout, a buffer per block
    /// of `key_block` keys (empty for the other types).
    packed: Vec<(PackedLayout, Vec<f32>)>,
    /// `‖kⱼ‖²` for L2, `1/‖kⱼ‖` for cosine on the matrix tiles (empty
    /// otherwise).
    norms: Vec<f32>,
    /// Keys packed once per block for the matrix tiles (`bf16` on
    /// [`Level::Amx`](crate::Level::Amx)), whose dots run there rather
    /// than widened onto the `f32` engine (empty otherwise).
    tiles: Vec<Vec<f32>>,
    rows: usize,
    dim: usize,
    /// Keys per block ([`Kernels::search_key_block`]), fixed when the index is made.
    key_block: usize,
    metric: Metric,
}

impl<T: MatrixElement> KeyIndex<T> {
    /// Prepares `keys` (row-major, rows of `dim`) for `metric`: `f32`
    /// rows (scaled to unit length for cosine) packed once in the engine's
    /// layout, `bf16` rows on the AMX tiles packed once in theirs (with
    /// their inverse norms for cosine), the other types copied in their own
    /// type (widened and scaled block by block as they are searched), and
    /// for L2 the squared norms of the widened rows.
    ///
    /// ```
    /// let index = simkern::KeyIndex::new(&[3.0f32, 4.0], 2, simkern::Metric::Cosine)?;
    /// assert_eq!(index.search(&[6.0, 8.0], 1)?.scores, vec![1.0]);
    /// let bf16 = |v: f32| half::bf16::from_f32(v);
    /// let index = simkern::KeyIndex::new(&[bf16(3.0), bf16(4.0)], 2, simkern::Metric::L2)?;
    /// assert_eq!(index.search(&[bf16(0.0), bf16(0.0)], 1)?.scores, vec![25.0]);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn new(keys: &[T], dim: usize, metric: Metric) -> Result<Self> {
        let rows = MatRef::named("keys", keys, dim)?.rows();
        if u32::try_from(rows).is_err() {
            return Err(Error::SizeOverflow);
        }
        let kernels = Kernels::best();
        let on_tiles = T::on_tiles(kernels);
        // The tiles pack the queries for every key block: blocks TILE_KEYS
        // times longer pack them that much less often.
        let key_block = kernels.search_key_block(dim) * if on_tiles { TILE_KEYS } else { 1 };
        let mut own = Vec::new();
        reserve_to(&mut own, keys.len())?;
        own.extend_from_slice(keys);
        let mut norms = Vec::new();
        match metric {
            Metric::Dot => {}
            Metric::Cosine if on_tiles => {
                norms = zeroed(rows)?;
                let mut wide = zeroed::<f32>(dim)?;
                for (n, row) in norms.iter_mut().zip(own.chunks_exact(dim)) {
                    *n = inverse_norm(as_f32_rows(row, &mut wide));
                }
            }
            Metric::Cosine => {
                if let Some(own) = T::as_f32_mut(&mut own) {
                    kernels.prepare_rows(own, dim, Metric::Cosine, &mut [])?;
                }
            }
            Metric::L2 => {
                norms = zeroed(rows)?;
                let mut wide = zeroed::<f32>(if T::as_f32(keys).is_some() { 0 } else { dim })?;
                for (n, row) in norms.iter_mut().zip(own.chunks_exact(dim)) {
                    *n = simkern_core::similarity::norm_squared(as_f32_rows(row, &mut wide));
                }
            }
        }
        let mut packed = Vec::new();
        if let Some(unit) = T::as_f32(&own) {
            // f32 keys: packed block by block once, the row-major copy
            // dropped.
            reserve_to(&mut packed, rows.div_ceil(key_block))?;
            for block in unit.chunks(key_block * dim) {
                let block = MatRef::new(block, dim)?;
                let mut buf = zeroed::<f32>(kernels.packed_keys_len(block.rows(), dim))?;
                let layout = kernels.pack_keys(block, &mut buf)?.layout();
                packed.push((layout, buf));
            }
            own = Vec::new();
        }
        let mut tiles = Vec::new();
        if on_tiles {
            // Packed once for the tiles, the row-major copy dropped.
            reserve_to(&mut tiles, rows.div_ceil(key_block))?;
            for block in own.chunks(key_block * dim) {
                tiles.push(T::tile_pack(kernels, MatRef::new(block, dim)?)?);
            }
            own = Vec::new();
        }
        Ok(KeyIndex { keys: own, packed, norms, tiles, rows, dim, key_block, metric })
    }

    /// The number of keys.
    ///
    /// ```
    /// assert!(simkern::KeyIndex::new(&[0.0f32; 6], 3, simkern::Metric::L2)?.len() == 2);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no keys.
    ///
    /// ```
    /// assert!(simkern::KeyIndex::<f32>::new(&[], 3, simkern::Metric::Dot)?.is_empty());
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The `k` best keys for every row of `queries` (rows of the index's
    /// `dim`); see [`top_k`].
    ///
    /// ```
    /// let index = simkern::KeyIndex::new(&[1.0f32, 2.0, 3.0], 1, simkern::Metric::L2)?;
    /// let hits = index.search(&[2.2, 0.0], 2)?;
    /// assert_eq!(hits.indices, vec![1, 2, 0, 1]);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn search(&self, queries: &[T], k: usize) -> Result<TopK> {
        let (n_q, k) = self.shape(queries, k)?;
        let mut hits = TopK::zeroed(n_q, k)?;
        if k > 0 {
            self.search_into(queries, 0..self.blocks(), k, &mut hits.indices, &mut hits.scores)?;
        }
        Ok(hits)
    }

    /// [`KeyIndex::search`] on rayon's pool (feature `rayon`), with the
    /// same result bit for bit: the query blocks shared out when there are
    /// enough of them, else the keys cut into a range per thread (each at
    /// least `k` long), each range's best `k` found apart and merged — the
    /// order (score, then lower index) is total, so the merged best `k` are
    /// the serial ones.
    ///
    /// ```
    /// let keys: Vec<f32> = (0..600).map(|i| (i as f32 * 0.37).sin()).collect();
    /// let index = simkern::KeyIndex::new(&keys, 3, simkern::Metric::L2)?;
    /// let q = [0.1f32, 0.2, 0.3, -0.5, 0.0, 0.5];
    /// assert_eq!(index.par_search(&q, 4)?, index.search(&q, 4)?);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    #[cfg(feature = "rayon")]
    pub fn par_search(&self, queries: &[T], k: usize) -> Result<TopK>
    where
        T: Sync,
    {
        use rayon::prelude::*;
        let (n_q, k) = self.shape(queries, k)?;
        let mut hits = TopK::zeroed(n_q, k)?;
        if k == 0 {
            return Ok(hits);
        }
        let (workers, n_blocks) = (rayon::current_num_threads(), self.blocks());
        if n_q >= workers * QUERY_BLOCK {
            let rows = QUERY_BLOCK;
            return hits
                .indices
                .par_chunks_mut(rows * k)
                .zip(hits.scores.par_chunks_mut(rows * k))
                .zip(queries.par_chunks(rows * self.dim))
                .try_for_each(|((idx, sc), q)| self.search_into(q, 0..n_blocks, k, idx, sc))
                .map(|()| hits);
        }
        // Ranges of whole key blocks, each holding at least k keys (the
        // last block may be short: it is in the last range).
        let keys_in = |blocks: core::ops::Range<usize>| {
            (blocks.end * self.key_block).min(self.rows) - blocks.start * self.key_block
        };
        let ranges_of =
            |parts: usize| (0..parts).map(move |p| p * n_blocks / parts..(p + 1) * n_blocks / parts);
        let mut parts = workers.min(n_blocks).max(1);
        while parts > 1 && ranges_of(parts).any(|r| keys_in(r) < k) {
            parts -= 1;
        }
        let ranges: Vec<_> = ranges_of(parts).collect();
        let partial = ranges
            .into_par_iter()
            .map(|range| {
                let mut part = TopK::zeroed(n_q, k)?;
                self.search_into(queries, range, k, &mut part.indices, &mut part.scores)?;
                Ok(part)
            })
            .collect::<Result<Vec<TopK>>>()?;
        // Each query's best k of the parts' best k.
        let mut buf = zeroed::<u64>(Selection::buffer_len(k))?;
        for (i, (idx, sc)) in
            hits.indices.chunks_exact_mut(k).zip(hits.scores.chunks_exact_mut(k)).enumerate()
        {
            let mut merged = Selection::new(k, self.metric, &mut buf)?;
            for part in &partial {
                let at = i * k..(i + 1) * k;
                part.indices[at.clone()].iter().zip(&part.scores[at]).for_each(|(&j, &v)| merged.offer(v, j));
            }
            merged.finish(idx, sc);
        }
        Ok(hits)
    }

    /// The rows of `queries` and `k` cut to the number of keys.
    fn shape(&self, queries: &[T], k: usize) -> Result<(usize, usize)> {
        let n_q = MatRef::named("queries", queries, self.dim)?.rows();
        Ok((n_q, k.min(self.len())))
    }

    /// The key blocks of [`KeyIndex::key_block`] keys.
    fn blocks(&self) -> usize {
        self.rows.div_ceil(self.key_block)
    }

    /// The best `k` (at most the keys in `blocks`) of the key blocks
    /// `blocks` for every row of `queries`, best first, into `indices` and
    /// `scores` (`k` per query): blocks of queries against blocks of keys
    /// on the engine (packed once for `f32` keys), each block's scores
    /// selected while in L2.
    fn search_into(
        &self,
        queries: &[T],
        blocks: core::ops::Range<usize>,
        k: usize,
        indices: &mut [u32],
        scores: &mut [f32],
    ) -> Result<()> {
        let (dim, key_block) = (self.dim, self.key_block);
        let n_q = queries.len() / dim;
        let kernels = Kernels::best();
        let qb_max = QUERY_BLOCK.min(n_q);
        let kb_max = key_block.min(self.rows);
        let mut block = zeroed::<f32>(qb_max * kb_max)?;
        let mut scratch = zeroed::<f32>(if !self.tiles.is_empty() {
            kernels.bf16_scores_scratch_len(dim)
        } else if self.packed.is_empty() {
            simkern_core::similarity::similarity_matrix_scratch_len(qb_max, kb_max, dim)
        } else {
            kernels.scores_scratch_len(qb_max, dim)
        })?;
        let mut q_own = zeroed::<f32>(qb_max * dim)?;
        let mut q_norms = zeroed::<f32>(qb_max)?;
        // Key blocks widened to f32 (not needed for f32 keys).
        let mut k_wide = zeroed::<f32>(if T::as_f32(&self.keys).is_some() { 0 } else { kb_max * dim })?;
        let mut candidates = zeroed::<u64>(Selections::buffer_len(qb_max, k))?;
        let mut bounds = zeroed::<f32>(kb_max.div_ceil(SCAN_CHUNK))?;
        let out = indices.chunks_mut(QUERY_BLOCK * k).zip(scores.chunks_mut(QUERY_BLOCK * k));
        for (q_rows, (indices, scores)) in queries.chunks(QUERY_BLOCK * dim).zip(out) {
            let nq = q_rows.len() / dim;
            let q_own = &mut q_own[..q_rows.len()];
            T::widen_into(q_rows, q_own);
            if !self.tiles.is_empty() && self.metric == Metric::Cosine {
                for (n, row) in q_norms.iter_mut().zip(q_own.chunks_exact(dim)) {
                    *n = inverse_norm(row);
                }
            } else {
                kernels.prepare_rows(q_own, dim, self.metric, &mut q_norms)?;
            }
            let qm = MatRef::new(&*q_own, dim)?;
            let mut best = Selections::new(k, self.metric, nq, &mut candidates)?;
            for b in blocks.clone() {
                let first = b * key_block;
                let nk = key_block.min(self.rows - first);
                let block = &mut block[..nq * nk];
                if let Some(packed) = self.tiles.get(b) {
                    // The rows as they are, dot products on the tiles; for
                    // cosine each scaled by the rows' inverse norms.
                    T::tile_scores(kernels, MatRef::new(q_rows, dim)?, (packed, nk), block, &mut scratch)?;
                    if self.metric == Metric::Cosine {
                        let inv_k = &self.norms[first..][..nk];
                        for (row, &inv_q) in block.chunks_exact_mut(nk).zip(&q_norms) {
                            row.iter_mut().zip(inv_k).for_each(|(s, &inv_k)| *s = *s * inv_q * inv_k);
                        }
                    }
                } else if let Some((layout, buf)) = self.packed.get(b) {
                    kernels.scores_into(qm, &kernels.packed_keys(*layout, buf)?, block, &mut scratch)?;
                } else {
                    let k_rows = &self.keys[first * dim..(first + nk) * dim];
                    let wide = &mut k_wide[..k_rows.len()];
                    T::widen_into(k_rows, wide);
                    if self.metric == Metric::Cosine {
                        kernels.prepare_rows(wide, dim, Metric::Cosine, &mut [])?;
                    }
                    kernels.similarity_matrix_into(qm, MatRef::new(wide, dim)?, block, &mut scratch)?;
                }
                let k_norms = if self.metric == Metric::L2 { &self.norms[first..][..nk] } else { &[] };
                kernels.offer_block(&mut best, block, nk, first as u32, &q_norms, k_norms, &mut bounds)?;
            }
            best.finish(indices, scores)?;
        }
        Ok(())
    }
}

impl TopK {
    /// `n_q × k` zero entries, in fallible allocations.
    fn zeroed(n_q: usize, k: usize) -> Result<TopK> {
        let total = n_q.checked_mul(k).ok_or(Error::SizeOverflow)?;
        Ok(TopK { k, indices: zeroed(total)?, scores: zeroed(total)? })
    }
}

/// Key blocks on the matrix tiles are this many times
/// [`Kernels::search_key_block`].
const TILE_KEYS: usize = 4;

/// `1/‖row‖`, 0 for a zero row (which then scores 0, as a zero row does
/// when rows are scaled to unit length), NaN for a NaN row.
fn inverse_norm(row: &[f32]) -> f32 {
    let n = simkern_core::similarity::norm(row);
    if n == 0.0 { 0.0 } else { 1.0 / n }
}

/// `row` as `f32`: itself, or widened into `wide` (a row long).
fn as_f32_rows<'a, T: MatrixElement>(row: &'a [T], wide: &'a mut [f32]) -> &'a [f32] {
    match T::as_f32(row) {
        Some(row) => row,
        None => {
            T::widen_into(row, wide);
            wide
        }
    }
}

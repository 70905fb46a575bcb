//! The similarity matrix of `bf16` rows, `S = Q·Kᵀ` accumulated in `f32`:
//! on the AMX tiles at [`Level::Amx`](crate::Level::Amx), elsewhere on
//! the `f32` engine, block by block of rows widened exactly to `f32`.
//!
//! # The tile layout
//! A tile is 16 rows of 64 bytes; `tdpbf16ps` multiplies a 16 × 32 `bf16`
//! tile of `A` by a 32 × 16 one of `B` stored as 16 rows of 16 *pairs*
//! (row `t` holds `(b[2t][j], b[2t+1][j])` for each column `j`). Rows are
//! cut in steps of 32 `k` (zero-padded), and a pair of `bf16` fills one
//! 32-bit slot of the `f32` scratch (its bits; the slots are never read as
//! numbers). Per step, a 32-row group of `Q` is two 16-row tiles of `Q`'s
//! own rows, and a 32-key group of `K` two tiles of pairs:
//!
//! ```text
//! Q group, step c:  slot c·512 + r·16 + t            = (q[r][32c+2t], q[r][32c+2t+1])
//! K group, step c:  slot c·512 + 256·(j/16) + 16t + j%16 = (k[j][32c+2t], k[j][32c+2t+1])
//! ```
//!
//! The micro-kernel keeps a 32 × 32 block of `S` in four tiles while the
//! steps stream through; the key groups of one block of keys (packed once,
//! sized from the cache blocking) are swept by each query group in turn.

use half::bf16;

use crate::blocking::Blocking;
use crate::error::{Error, Result, same_dim};
use crate::gemm::{self, Accum, Gemm, View, ViewMut};
use crate::level::Level;
use crate::matrix::MatRef;
use crate::simd::{Kernels, TILE_SLOTS, Tiles};

/// `k` per tile step: 32 `bf16`, 64 bytes a row.
const STEP: usize = 32;
/// Rows of `Q` (and keys of `K`) per tile group: two tiles of 16.
const GROUP: usize = 32;
/// Slots of one group's step: two tiles.
const GROUP_STEP: usize = 2 * TILE_SLOTS;
/// Rows per widened block on the `f32` engine (the levels without tiles).
const WIDEN_ROWS: usize = 256;
/// The most keys one packed block holds.
const MOST_KEYS: usize = 4096;

/// Keys per packed block of `K` on the tiles: the block (`keys · dim · 2`
/// bytes) within the packed-`A` share of L2 that `blocks` gives the `f32`
/// engine (`mc · kc` floats), a multiple of [`GROUP`] between one group
/// and [`MOST_KEYS`].
const fn tile_key_block(blocks: Blocking, steps: usize) -> usize {
    let per_key = if steps == 0 { 1 } else { steps * STEP / 2 };
    let keys = blocks.mc() * blocks.kc() / per_key / GROUP * GROUP;
    if keys < GROUP {
        GROUP
    } else if keys > MOST_KEYS {
        MOST_KEYS
    } else {
        keys
    }
}

/// [`Kernels::similarity_matrix_bf16_scratch_len`] at `level`.
const fn scratch_len(level: Level, n: usize, m: usize, dim: usize) -> usize {
    if matches!(level, Level::Amx) {
        let steps = dim.div_ceil(STEP);
        let keys = min(m.div_ceil(GROUP) * GROUP, tile_key_block(Blocking::MOST, steps));
        let group = steps.saturating_mul(GROUP_STEP);
        return (keys / GROUP + 1).saturating_mul(group).saturating_add(GROUP * GROUP);
    }
    let (rows_q, rows_k) = (min(n, WIDEN_ROWS), min(m, WIDEN_ROWS));
    (rows_q + rows_k).saturating_mul(dim).saturating_add(gemm::scratch_len(level, rows_q, rows_k, dim))
}

/// `min(a, b)` in a `const fn`.
const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

impl Kernels {
    /// Elements of scratch [`Kernels::similarity_matrix_bf16_into`] needs
    /// at this handle's level for `n` queries, `m` keys and rows of `dim`
    /// (for any blocking): on the tiles, one packed block of keys, one
    /// packed group of queries and a 32 × 32 block of `S`; elsewhere, two
    /// widened blocks of at most 256 rows and the `f32` engine's panels.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// let k = Kernels::portable();
    /// assert!(k.similarity_matrix_bf16_scratch_len(3, 4, 5) >= (3 + 4) * 5);
    /// ```
    pub const fn similarity_matrix_bf16_scratch_len(self, n: usize, m: usize, dim: usize) -> usize {
        scratch_len(self.level(), n, m, dim)
    }

    /// `S = Q·Kᵀ` of `bf16` rows into `out` (`n · m`, row-major):
    /// `out[i·m + j] = Σ_k q_ik k_jk` in `f32`. Every product of two `bf16`
    /// is exact in `f32`; the sum has the `f32` engine's bound,
    /// `|ŝ − s| ≤ γ_d · Σ_k |q_ik k_jk|` — and on the tiles ([`Level::Amx`])
    /// `tdpbf16ps`'s flush to zero of subnormal inputs and results adds at
    /// most `2⁻¹²⁶` per product. `scratch` holds
    /// [`Kernels::similarity_matrix_bf16_scratch_len`] elements.
    ///
    /// Errors: as [`Kernels::similarity_matrix_into`] (rows of different
    /// lengths, `out` not `n · m` long, `scratch` too small).
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef, half::bf16};
    /// let q: Vec<bf16> = [1.0f32, 2.0, 3.0, 4.0].map(bf16::from_f32).to_vec();
    /// let q = MatRef::new(&q, 2).unwrap();
    /// for &k in Kernels::available() {
    ///     let mut out = [0.0f32; 4];
    ///     let mut scratch = vec![0.0f32; k.similarity_matrix_bf16_scratch_len(2, 2, 2)];
    ///     k.similarity_matrix_bf16_into(q, q, &mut out, &mut scratch).unwrap();
    ///     assert_eq!(out, [5.0, 11.0, 11.0, 25.0]);
    /// }
    /// ```
    pub fn similarity_matrix_bf16_into(
        self,
        q: MatRef<'_, bf16>,
        k: MatRef<'_, bf16>,
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        let needed = self.similarity_matrix_bf16_scratch_len(q.rows(), k.rows(), q.dim());
        if !super::check_similarity_matrix(q.into(), k.into(), out, scratch, needed)? {
            return Ok(());
        }
        match self.tiles() {
            Some(tiles) => on_tiles(tiles, self.blocking(), q, k, out, scratch),
            None => widened(self, q, k, out, scratch),
        }
        Ok(())
    }
}

/// Elements of scratch [`similarity_matrix_bf16_into`] needs at whichever
/// level this build runs ([`Level::TARGET`](crate::Level::TARGET)).
///
/// ```
/// use simkern_core::similarity::similarity_matrix_bf16_scratch_len;
/// assert!(similarity_matrix_bf16_scratch_len(2, 2, 2) > 0);
/// ```
pub const fn similarity_matrix_bf16_scratch_len(n: usize, m: usize, dim: usize) -> usize {
    let (mut len, mut i) = (0, 0);
    while i < Level::TARGET.len() {
        let need = scratch_len(Level::TARGET[i], n, m, dim);
        len = if need > len { need } else { len };
        i += 1;
    }
    len
}

/// [`Kernels::similarity_matrix_bf16_into`] at the best level.
///
/// ```
/// use simkern_core::{MatRef, half::bf16, similarity::*};
/// let q = [bf16::from_f32(0.5), bf16::from_f32(-2.0)];
/// let q = MatRef::new(&q, 2).unwrap();
/// let mut out = [0.0f32];
/// let mut scratch = vec![0.0f32; similarity_matrix_bf16_scratch_len(1, 1, 2)];
/// similarity_matrix_bf16_into(q, q, &mut out, &mut scratch).unwrap();
/// assert_eq!(out, [4.25]);
/// ```
pub fn similarity_matrix_bf16_into(
    q: MatRef<'_, bf16>,
    k: MatRef<'_, bf16>,
    out: &mut [f32],
    scratch: &mut [f32],
) -> Result<()> {
    Kernels::best().similarity_matrix_bf16_into(q, k, out, scratch)
}

/// The bits of `(lo, hi)` in one slot (`lo` in the low half: the first in
/// memory, as the tiles read pairs).
#[inline(always)]
fn pair(lo: Option<&bf16>, hi: Option<&bf16>) -> f32 {
    let bits = |x: Option<&bf16>| x.map_or(0, |x| u32::from(x.to_bits()));
    f32::from_bits(bits(lo) | bits(hi) << 16)
}

/// Packs rows `first..first + 32` of `m` (zero past its last row and past
/// `dim`) into `panel` (`steps · 512` slots): `slot(row, t)` places pair
/// `t` of a row, counted over all steps.
#[inline(always)]
fn pack_group(m: MatRef<'_, bf16>, first: usize, panel: &mut [f32], slot: impl Fn(usize, usize) -> usize) {
    panel.iter_mut().for_each(|s| *s = 0.0);
    for r in 0..GROUP.min(m.rows().saturating_sub(first)) {
        let row = m.row(first + r);
        // Whole pairs in a loop of their own (no length test per pair: it
        // was a third of the packing), an odd last value apart.
        let pairs = row.chunks_exact(2);
        let (odd, whole) = (pairs.remainder().first(), pairs.len());
        for (t, two) in pairs.enumerate() {
            if let (Some(s), [lo, hi]) = (panel.get_mut(slot(r, t)), two) {
                *s = pair(Some(lo), Some(hi));
            }
        }
        if let (Some(lo), Some(s)) = (odd, panel.get_mut(slot(r, whole))) {
            *s = pair(Some(lo), None);
        }
    }
}

/// The slot of pair `t` (over all steps) of query row `r` of a group.
#[inline(always)]
fn query_slot(r: usize, t: usize) -> usize {
    let (step, t) = (t / (STEP / 2), t % (STEP / 2));
    step * GROUP_STEP + r * (STEP / 2) + t
}

/// The slot of pair `t` of key `j` of a group.
#[inline(always)]
fn key_slot(j: usize, t: usize) -> usize {
    let (step, t) = (t / (STEP / 2), t % (STEP / 2));
    step * GROUP_STEP + (j / 16) * TILE_SLOTS + t * 16 + j % 16
}

/// The product on the tiles (the caller checked the shapes and scratch).
fn on_tiles(
    tiles: Tiles,
    blocks: Blocking,
    q: MatRef<'_, bf16>,
    k: MatRef<'_, bf16>,
    out: &mut [f32],
    scratch: &mut [f32],
) {
    let (m, steps) = (k.rows(), q.dim().div_ceil(STEP));
    let group = steps * GROUP_STEP;
    let block = tile_key_block(blocks, steps).min(m.div_ceil(GROUP) * GROUP);
    let (kbuf, rest) = scratch.split_at_mut((block / GROUP) * group);
    for j0 in (0..m).step_by(block) {
        let keys = block.min(m - j0);
        pack_keys(k.rows_range(j0, j0 + keys), kbuf);
        tile_products(tiles, q, kbuf, keys, j0, m, out, rest);
    }
}

/// Packs every key of `k` into `buf` (a group of [`GROUP`] keys after the
/// other, each `steps · GROUP_STEP` slots).
fn pack_keys(k: MatRef<'_, bf16>, buf: &mut [f32]) {
    let group = k.dim().div_ceil(STEP) * GROUP_STEP;
    for (g, panel) in buf.chunks_exact_mut(group.max(1)).take(k.rows().div_ceil(GROUP)).enumerate() {
        pack_group(k, g * GROUP, panel, key_slot);
    }
}

/// `out[i·ld + j0 + j] = q_i · k_j` for the `keys` keys packed in `kbuf`:
/// each group of queries packed in turn into the start of `scratch`, then
/// swept across the key groups; whole 32 × 32 blocks straight into `out`,
/// the edges through a 32 × 32 block after the query group in `scratch`.
#[allow(clippy::too_many_arguments)]
fn tile_products(
    tiles: Tiles,
    q: MatRef<'_, bf16>,
    kbuf: &[f32],
    keys: usize,
    j0: usize,
    ld: usize,
    out: &mut [f32],
    scratch: &mut [f32],
) {
    let (n, steps) = (q.rows(), q.dim().div_ceil(STEP));
    let group = steps * GROUP_STEP;
    let (qbuf, rest) = scratch.split_at_mut(group.min(scratch.len()));
    let temp = rest.get_mut(..GROUP * GROUP).unwrap_or_default();
    for i0 in (0..n).step_by(GROUP) {
        pack_group(q, i0, qbuf, query_slot);
        let rows = GROUP.min(n - i0);
        let whole = if rows == GROUP { keys / GROUP } else { 0 };
        if whole > 0 {
            let at = out.get_mut(i0 * ld + j0..).unwrap_or_default();
            tiles.bf16_block(qbuf, kbuf, steps, whole, at, ld);
        }
        for g in whole..keys.div_ceil(GROUP) {
            tiles.bf16_block(qbuf, kbuf.get(g * group..).unwrap_or_default(), steps, 1, temp, GROUP);
            let (j, cols) = (j0 + g * GROUP, GROUP.min(keys - g * GROUP));
            for (r, src) in temp.chunks_exact(GROUP).take(rows).enumerate() {
                if let Some(dst) = out.get_mut((i0 + r) * ld + j..).and_then(|d| d.get_mut(..cols)) {
                    dst.copy_from_slice(&src[..cols]);
                }
            }
        }
    }
}

/// `bf16` keys packed once in the tiles' layout by
/// [`Kernels::pack_bf16_keys`] (or reopened by
/// [`Kernels::packed_bf16_keys`]), for [`Kernels::bf16_scores_into`]:
/// searched again and again without packing them for each batch of
/// queries.
///
/// ```
/// use half::bf16;
/// use simkern_core::{Kernels, MatRef};
/// let k = Kernels::best();
/// let keys: Vec<bf16> = [1.0f32, 2.0, 3.0, 4.0].map(bf16::from_f32).to_vec();
/// let mut buf = vec![0.0f32; k.packed_bf16_keys_len(2, 2)];
/// let packed = k.pack_bf16_keys(MatRef::new(&keys, 2)?, &mut buf)?;
/// assert_eq!((packed.rows(), packed.dim()), (2, 2));
/// # Ok::<(), simkern_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct PackedBf16Keys<'a> {
    buf: &'a [f32],
    rows: usize,
    dim: usize,
}

impl PackedBf16Keys<'_> {
    /// The number of keys.
    ///
    /// ```
    /// # use simkern_core::{Kernels, MatRef};
    /// # let k = Kernels::best();
    /// let keys = [half::bf16::ONE; 6];
    /// let mut buf = vec![0.0f32; k.packed_bf16_keys_len(3, 2)];
    /// assert_eq!(k.pack_bf16_keys(MatRef::new(&keys, 2)?, &mut buf)?.rows(), 3);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The keys' row length.
    ///
    /// ```
    /// # use simkern_core::{Kernels, MatRef};
    /// # let k = Kernels::best();
    /// let keys = [half::bf16::ONE; 6];
    /// let mut buf = vec![0.0f32; k.packed_bf16_keys_len(2, 3)];
    /// assert_eq!(k.pack_bf16_keys(MatRef::new(&keys, 3)?, &mut buf)?.dim(), 3);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.dim
    }
}

impl Kernels {
    /// Slots of the buffer [`Kernels::pack_bf16_keys`] needs for `rows`
    /// keys of `dim` (groups of 32 keys, rows padded to steps of 32; the
    /// same at every level). A `const fn`.
    ///
    /// ```
    /// // One group of 32 keys, one step of 32: 512 slots of two bf16.
    /// assert_eq!(simkern_core::Kernels::best().packed_bf16_keys_len(5, 20), 512);
    /// ```
    pub const fn packed_bf16_keys_len(self, rows: usize, dim: usize) -> usize {
        rows.div_ceil(GROUP).saturating_mul(dim.div_ceil(STEP)).saturating_mul(GROUP_STEP)
    }

    /// Packs `keys` into `buf` in the tiles' layout.
    ///
    /// Errors: `buf` shorter than [`Kernels::packed_bf16_keys_len`]
    /// (`ScratchTooSmall`).
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef};
    /// let keys = [half::bf16::ONE; 4];
    /// assert!(Kernels::best().pack_bf16_keys(MatRef::new(&keys, 2)?, &mut [0.0; 8]).is_err());
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn pack_bf16_keys<'a>(
        self,
        keys: MatRef<'_, bf16>,
        buf: &'a mut [f32],
    ) -> Result<PackedBf16Keys<'a>> {
        let (rows, dim) = (keys.rows(), keys.dim());
        let needed = self.packed_bf16_keys_len(rows, dim);
        let got = buf.len();
        let Some(buf) = buf.get_mut(..needed) else {
            return Err(Error::ScratchTooSmall { needed, got });
        };
        pack_keys(keys, buf);
        Ok(PackedBf16Keys { buf, rows, dim })
    }

    /// Keys that [`Kernels::pack_bf16_keys`] packed into `buf` (`rows`
    /// keys of `dim`), read back without packing again. A `buf` holding
    /// anything else gives other scores (never a read out of bounds).
    ///
    /// Errors: `buf` shorter than [`Kernels::packed_bf16_keys_len`].
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef};
    /// let k = Kernels::best();
    /// let mut buf = vec![0.0f32; k.packed_bf16_keys_len(2, 2)];
    /// k.pack_bf16_keys(MatRef::new(&[half::bf16::ONE; 4], 2)?, &mut buf)?;
    /// assert_eq!(k.packed_bf16_keys(2, 2, &buf)?.rows(), 2);
    /// assert!(k.packed_bf16_keys(40, 2, &buf).is_err());
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn packed_bf16_keys<'a>(self, rows: usize, dim: usize, buf: &'a [f32]) -> Result<PackedBf16Keys<'a>> {
        if dim == 0 {
            return Err(Error::ZeroDimension);
        }
        let needed = self.packed_bf16_keys_len(rows, dim);
        let got = buf.len();
        let Some(buf) = buf.get(..needed) else {
            return Err(Error::ScratchTooSmall { needed, got });
        };
        Ok(PackedBf16Keys { buf, rows, dim })
    }

    /// Elements of scratch [`Kernels::bf16_scores_into`] needs for rows of
    /// `dim`: one packed group of queries and a 32 × 32 block. A `const fn`.
    ///
    /// ```
    /// assert!(simkern_core::Kernels::best().bf16_scores_scratch_len(64) >= 1024);
    /// ```
    pub const fn bf16_scores_scratch_len(self, dim: usize) -> usize {
        dim.div_ceil(STEP).saturating_mul(GROUP_STEP).saturating_add(GROUP * GROUP)
    }

    /// `out = Q·Kᵀ` (row-major `n_q × rows`) for `bf16` keys packed by
    /// [`Kernels::pack_bf16_keys`], on the tiles: bit for bit what
    /// [`Kernels::similarity_matrix_bf16_into`] gives at [`Level::Amx`]
    /// for the same keys.
    ///
    /// Errors: a level without the tiles (`LevelUnavailable`), `q`'s row
    /// length not the keys', `out` not `n_q × rows` long, `scratch`
    /// shorter than [`Kernels::bf16_scores_scratch_len`].
    ///
    /// ```
    /// use half::bf16;
    /// use simkern_core::{Kernels, Level, MatRef};
    /// let k = Kernels::best();
    /// let keys: Vec<bf16> = [1.0f32, 0.0, 0.0, 2.0].map(bf16::from_f32).to_vec();
    /// let mut buf = vec![0.0f32; k.packed_bf16_keys_len(2, 2)];
    /// let packed = k.pack_bf16_keys(MatRef::new(&keys, 2)?, &mut buf)?;
    /// let q: Vec<bf16> = [3.0f32, 4.0].map(bf16::from_f32).to_vec();
    /// let (mut out, mut scratch) = ([0.0f32; 2], vec![0.0f32; k.bf16_scores_scratch_len(2)]);
    /// match k.bf16_scores_into(MatRef::new(&q, 2)?, &packed, &mut out, &mut scratch) {
    ///     Ok(()) => assert_eq!(out, [3.0, 8.0]),
    ///     Err(e) => assert_ne!(k.level(), Level::Amx, "{e}"),
    /// }
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn bf16_scores_into(
        self,
        q: MatRef<'_, bf16>,
        keys: &PackedBf16Keys<'_>,
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        let Some(tiles) = self.tiles() else {
            return Err(Error::LevelUnavailable { level: Level::Amx });
        };
        same_dim("q", q.dim(), "keys", keys.dim)?;
        let needed = q.rows().checked_mul(keys.rows).ok_or(Error::SizeOverflow)?;
        if out.len() != needed {
            return Err(Error::OutputSize { needed, got: out.len() });
        }
        let (needed, got) = (self.bf16_scores_scratch_len(q.dim()), scratch.len());
        if got < needed {
            return Err(Error::ScratchTooSmall { needed, got });
        }
        tile_products(tiles, q, keys.buf, keys.rows, 0, keys.rows, out, scratch);
        Ok(())
    }
}

/// The product on the `f32` engine: blocks of at most 256 rows of each
/// side widened into `scratch` (exactly), then multiplied.
fn widened(kernels: Kernels, q: MatRef<'_, bf16>, k: MatRef<'_, bf16>, out: &mut [f32], scratch: &mut [f32]) {
    let (n, m, dim) = (q.rows(), k.rows(), q.dim());
    let (rows_q, rows_k) = (n.min(WIDEN_ROWS), m.min(WIDEN_ROWS));
    let (qw, rest) = scratch.split_at_mut(rows_q * dim);
    let (kw, engine) = rest.split_at_mut(rows_k * dim);
    let widen = |src: &[bf16], dst: &mut [f32]| dst.iter_mut().zip(src).for_each(|(d, s)| *d = s.to_f32());
    for i0 in (0..n).step_by(WIDEN_ROWS) {
        let rows = rows_q.min(n - i0);
        widen(q.rows_range(i0, i0 + rows).as_slice(), qw);
        for j0 in (0..m).step_by(WIDEN_ROWS) {
            let keys = rows_k.min(m - j0);
            widen(k.rows_range(j0, j0 + keys).as_slice(), kw);
            kernels.run(Gemm {
                a: View::row_major(qw, rows, dim),
                b: View::row_major(kw, keys, dim).t(),
                c: ViewMut { data: out.get_mut(i0 * m + j0..).unwrap_or_default(), ld: m },
                accum: Accum::Overwrite,
                blocks: kernels.blocking(),
                scratch: &mut *engine,
            });
        }
    }
}

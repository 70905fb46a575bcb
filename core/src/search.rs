//! Similarity search over caller buffers: [`Kernels::top_k_into`] (the
//! `k` best keys per query, no allocator: scratch from
//! [`Kernels::top_k_scratch_len`] and [`Kernels::top_k_candidates_len`])
//! and the pieces it — and the std crate's `KeyIndex` — is built from: the
//! selection of the best `k` in a caller's buffer ([`Selection`],
//! [`Selections`]), and the vector passes that let it skip most of a block
//! of scores without looking at each one.
//!
//! A selection keeps a bar (its `k`-th best score so far); a score that
//! does not beat it is rejected. Scanning a block score by score costs a
//! few branches each — as much as the GEMM that produced the block when
//! rows are short (`d = 128`: 256 flops per score). [`Kernels::chunk_max`]
//! and [`Kernels::chunk_min`] reduce every [`SCAN_CHUNK`] scores to one
//! bound in vector registers, so a selection visits only the chunks whose
//! bound beats the bar; [`Kernels::squared_distances`] turns a block of
//! dot products into squared distances in place first, for the L2 metric.
//!
//! Keys searched again and again are packed once in the engine's layout
//! ([`Kernels::pack_keys`]) and scored against each batch of queries by
//! [`Kernels::scores_into`]: the same scores, bit for bit, as
//! [`Kernels::similarity_matrix_into`], without repacking the keys for
//! every batch (for a few queries against many keys, that packing pass
//! over the keys costs as much as a fifth of the search).
//!
//! ```
//! use simkern_core::{Kernels, search::SCAN_CHUNK};
//! let scores: Vec<f32> = (0..200).map(|i| (i % 97) as f32).collect();
//! let mut bounds = [0.0f32; 4];
//! Kernels::best().chunk_max(&scores, &mut bounds).unwrap();
//! // Chunks 0..64, 64..128 (holds 96), 128..192 (31..=94), 192..200 (95, 96, 0..=5).
//! assert_eq!(bounds, [63.0, 96.0, 94.0, 96.0]);
//! assert_eq!(200usize.div_ceil(SCAN_CHUNK), 4);
//! ```

mod select;
mod top_k;

pub use select::{Metric, Selection};
pub use top_k::{QUERY_BLOCK, Selections};

use crate::blocking::Blocking;
use crate::error::{Error, Result, Value, same_dim, same_len};
use crate::gemm::{self, Accum, GemmPackedB, PackB, PackedB, View, ViewMut};
use crate::level::Level;
use crate::matrix::MatRef;
use crate::simd::{Kernel, Kernels, LaneZip, Simd, zip_map_in_place};

/// Scores per bound of [`Kernels::chunk_max`] and [`Kernels::chunk_min`]:
/// four to sixteen vectors, long enough that a skipped chunk saves its
/// branches, short enough that the chunks a selection must visit (about
/// `k·ln(n/k)` of `n/SCAN_CHUNK` for random order) stay few.
pub const SCAN_CHUNK: usize = 64;

impl Kernels {
    /// `bounds[c] = max(x[64c .. 64c + 64])` for every chunk `c` of
    /// [`SCAN_CHUNK`] elements (the last may be shorter).
    ///
    /// NaN values are left out (an all-NaN chunk gives `−∞`): `bound <
    /// bar` proves every non-NaN value of the chunk is below `bar`, so a
    /// selection that ranks NaN last may skip the chunk whenever its bar
    /// is not NaN.
    ///
    /// Errors: `bounds` shorter than `x.len().div_ceil(SCAN_CHUNK)`.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut b = [0.0f32; 1];
    /// Kernels::new(Level::Portable)?.chunk_max(&[1.0, -3.0, 2.5], &mut b)?;
    /// assert_eq!(b, [2.5]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn chunk_max(self, x: &[f32], bounds: &mut [f32]) -> Result<()> {
        check_bounds(x, bounds)?;
        self.run(ChunkBounds { x, bounds, max: true });
        Ok(())
    }

    /// `bounds[c] = min(x[64c .. 64c + 64])`, NaN values left out as in
    /// [`Kernels::chunk_max`] (an all-NaN chunk gives `+∞`; `bound > bar`
    /// proves every non-NaN value is above `bar`).
    ///
    /// Errors: `bounds` shorter than `x.len().div_ceil(SCAN_CHUNK)`.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// let mut b = [0.0f32; 2];
    /// Kernels::best().chunk_min(&[4.0; 65], &mut b)?;
    /// assert_eq!(b, [4.0, 4.0]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn chunk_min(self, x: &[f32], bounds: &mut [f32]) -> Result<()> {
        check_bounds(x, bounds)?;
        self.run(ChunkBounds { x, bounds, max: false });
        Ok(())
    }

    /// Squared distances from dot products, in place:
    /// `dots[j] ← max((‖q‖² + ‖kⱼ‖²) − 2·dots[j], 0)`, a NaN kept NaN —
    /// the same two roundings, in the same order, as the scalar expression
    /// `(q_norm + k_norms[j] - 2.0 * dots[j]).max(0.0)`, so the result is
    /// bit for bit the scalar one at every level.
    ///
    /// Errors: `k_norms` and `dots` of different lengths.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// // q = (1, 0); keys (1, 0) and (0, 2): q·k = 1 and 0.
    /// let mut d = [1.0f32, 0.0];
    /// Kernels::best().squared_distances(1.0, &[1.0, 4.0], &mut d)?;
    /// assert_eq!(d, [0.0, 5.0]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn squared_distances(self, q_norm: f32, k_norms: &[f32], dots: &mut [f32]) -> Result<()> {
        same_len("k_norms", k_norms.len(), "dots", dots.len())?;
        self.run(SquaredDistances { q_norm, k_norms, dots });
        Ok(())
    }
}

/// Where [`Kernels::pack_keys`] put a key block: its shape and the
/// handle's level and blocking, which the layout depends on. `Copy`, so a
/// caller that owns the buffer keeps it next to the buffer and reopens the
/// keys with [`Kernels::packed_keys`].
///
/// ```
/// use simkern_core::{Kernels, MatRef};
/// let k = Kernels::best();
/// let mut buf = vec![0.0f32; k.packed_keys_len(3, 2)];
/// let layout = k.pack_keys(MatRef::new(&[1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0], 2)?, &mut buf)?.layout();
/// assert_eq!((layout.rows(), layout.dim()), (3, 2));
/// # Ok::<(), simkern_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PackedLayout {
    rows: usize,
    dim: usize,
    level: Level,
    blocking: Blocking,
}

impl PackedLayout {
    /// The number of keys.
    ///
    /// ```
    /// # use simkern_core::{Kernels, MatRef};
    /// # let k = Kernels::best();
    /// # let mut buf = vec![0.0f32; k.packed_keys_len(1, 2)];
    /// let layout = k.pack_keys(MatRef::new(&[1.0f32, 2.0], 2)?, &mut buf)?.layout();
    /// assert_eq!(layout.rows(), 1);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub const fn rows(&self) -> usize {
        self.rows
    }

    /// The keys' row length.
    ///
    /// ```
    /// # use simkern_core::{Kernels, MatRef};
    /// # let k = Kernels::best();
    /// # let mut buf = vec![0.0f32; k.packed_keys_len(1, 2)];
    /// let layout = k.pack_keys(MatRef::new(&[1.0f32, 2.0], 2)?, &mut buf)?.layout();
    /// assert_eq!(layout.dim(), 2);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub const fn dim(&self) -> usize {
        self.dim
    }
}

/// Keys in the engine's layout, borrowed from the buffer
/// [`Kernels::pack_keys`] wrote (or reopened by [`Kernels::packed_keys`]).
///
/// ```
/// use simkern_core::{Kernels, MatRef};
/// let k = Kernels::best();
/// let keys = MatRef::new(&[1.0f32, 0.0, 0.0, 2.0], 2)?;
/// let mut buf = vec![0.0f32; k.packed_keys_len(2, 2)];
/// let packed = k.pack_keys(keys, &mut buf)?;
/// let (q, mut out) = (MatRef::new(&[3.0f32, 4.0], 2)?, [0.0f32; 2]);
/// let mut scratch = vec![0.0f32; k.scores_scratch_len(1, 2)];
/// k.scores_into(q, &packed, &mut out, &mut scratch)?;
/// assert_eq!(out, [3.0, 8.0]);
/// # Ok::<(), simkern_core::Error>(())
/// ```
pub struct PackedKeys<'a> {
    packed: PackedB<'a>,
    layout: PackedLayout,
}

impl PackedKeys<'_> {
    /// Where and how the keys are packed (to reopen them later).
    ///
    /// ```
    /// # use simkern_core::{Kernels, MatRef};
    /// # let k = Kernels::best();
    /// # let mut buf = vec![0.0f32; k.packed_keys_len(1, 1)];
    /// let packed = k.pack_keys(MatRef::new(&[5.0f32], 1)?, &mut buf)?;
    /// assert_eq!(packed.layout().rows(), 1);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn layout(&self) -> PackedLayout {
        self.layout
    }
}

impl Kernels {
    /// Elements of the buffer [`Kernels::pack_keys`] needs for `rows` keys
    /// of `dim` at this handle's level (the rows padded to its register
    /// tile). A `const fn`.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// assert!(Kernels::best().packed_keys_len(100, 8) >= 800);
    /// ```
    pub const fn packed_keys_len(self, rows: usize, dim: usize) -> usize {
        gemm::packed_b_len(self.level(), dim, rows)
    }

    /// Packs `keys` into `buf` in the engine's layout for this handle.
    ///
    /// Errors: `buf` shorter than [`Kernels::packed_keys_len`] (`ScratchTooSmall`).
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef};
    /// let k = Kernels::best();
    /// let mut short = [0.0f32; 1];
    /// assert!(k.pack_keys(MatRef::new(&[1.0f32, 2.0], 1)?, &mut short).is_err());
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn pack_keys<'a>(self, keys: MatRef<'_, f32>, buf: &'a mut [f32]) -> Result<PackedKeys<'a>> {
        let (rows, dim) = (keys.rows(), keys.dim());
        let needed = self.packed_keys_len(rows, dim);
        let got = buf.len();
        let Some(buf) = buf.get_mut(..needed) else {
            return Err(Error::ScratchTooSmall { needed, got });
        };
        let blocking = self.blocking();
        let packed = self.run(PackB { b: View::of(keys).t(), blocks: blocking, buf });
        Ok(PackedKeys { packed, layout: PackedLayout { rows, dim, level: self.level(), blocking } })
    }

    /// Keys that [`Kernels::pack_keys`] packed into `buf` with `layout`,
    /// read back without packing again. A `buf` holding anything else
    /// gives other scores (never a read out of bounds).
    ///
    /// Errors: `buf` shorter than the layout's keys (`ScratchTooSmall`), a
    /// layout of another level or blocking than this handle's
    /// (`InvalidParameter`).
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef};
    /// let k = Kernels::best();
    /// let mut buf = vec![0.0f32; k.packed_keys_len(1, 2)];
    /// let layout = k.pack_keys(MatRef::new(&[1.0f32, 1.0], 2)?, &mut buf)?.layout();
    /// let again = k.packed_keys(layout, &buf)?;
    /// let mut out = [0.0f32];
    /// let mut scratch = vec![0.0f32; k.scores_scratch_len(1, 2)];
    /// k.scores_into(MatRef::new(&[2.0f32, 3.0], 2)?, &again, &mut out, &mut scratch)?;
    /// assert_eq!(out, [5.0]);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn packed_keys<'a>(self, layout: PackedLayout, buf: &'a [f32]) -> Result<PackedKeys<'a>> {
        check_layout(self, layout)?;
        let needed = self.packed_keys_len(layout.rows, layout.dim);
        let got = buf.len();
        let Some(buf) = buf.get(..needed) else {
            return Err(Error::ScratchTooSmall { needed, got });
        };
        Ok(PackedKeys { packed: PackedB::from_packed(buf, layout.dim, layout.rows, layout.blocking), layout })
    }

    /// Elements of scratch [`Kernels::scores_into`] needs for `n_q`
    /// queries of `dim` (one packed block of queries). A `const fn`.
    ///
    /// ```
    /// assert!(simkern_core::Kernels::best().scores_scratch_len(4, 8) >= 32);
    /// ```
    pub const fn scores_scratch_len(self, n_q: usize, dim: usize) -> usize {
        gemm::a_pack_len(self.level(), n_q, dim)
    }

    /// `out = Q·Kᵀ` (row-major `n_q × rows`) for packed keys: bit for bit
    /// what [`Kernels::similarity_matrix_into`] gives for the same keys.
    ///
    /// Errors: `q`'s row length is not the keys', `out` is not `n_q × rows`
    /// long, `scratch` is shorter than [`Kernels::scores_scratch_len`], the
    /// keys were packed for another level or blocking.
    ///
    /// ```
    /// use simkern_core::{Kernels, MatRef};
    /// let k = Kernels::best();
    /// let mut buf = vec![0.0f32; k.packed_keys_len(1, 2)];
    /// let packed = k.pack_keys(MatRef::new(&[1.0f32, 1.0], 2)?, &mut buf)?;
    /// let mut scratch = vec![0.0f32; k.scores_scratch_len(1, 3)];
    /// let q = MatRef::new(&[1.0f32, 2.0, 3.0], 3)?;
    /// assert!(k.scores_into(q, &packed, &mut [0.0], &mut scratch).is_err()); // dim 3 vs 2
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn scores_into(
        self,
        q: MatRef<'_, f32>,
        keys: &PackedKeys<'_>,
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        let layout = keys.layout;
        check_layout(self, layout)?;
        same_dim("q", q.dim(), "keys", layout.dim)?;
        let needed = q.rows().checked_mul(layout.rows).ok_or(Error::SizeOverflow)?;
        if out.len() != needed {
            return Err(Error::OutputSize { needed, got: out.len() });
        }
        let scratch_needed = self.scores_scratch_len(q.rows(), q.dim());
        let got = scratch.len();
        let Some(abuf) = scratch.get_mut(..scratch_needed) else {
            return Err(Error::ScratchTooSmall { needed: scratch_needed, got });
        };
        if needed == 0 {
            return Ok(());
        }
        let c = ViewMut { data: out, ld: layout.rows };
        self.run(GemmPackedB {
            a: View::of(q),
            b: &keys.packed,
            c,
            accum: Accum::Overwrite,
            mc: layout.blocking.mc(),
            abuf,
        });
        Ok(())
    }
}

/// Keys packed with `layout` can be read by `kernels`: the same level
/// and blocking (the layout depends on both).
fn check_layout(kernels: Kernels, layout: PackedLayout) -> Result<()> {
    if layout.level == kernels.level() && layout.blocking == kernels.blocking() {
        return Ok(());
    }
    Err(Error::InvalidParameter {
        name: "packed keys' level",
        expected: "the level and blocking of the handle that reads them",
        value: Value::Count(layout.level as usize),
    })
}

/// `bounds` has a place for every chunk of `x`.
fn check_bounds(x: &[f32], bounds: &[f32]) -> Result<()> {
    let needed = x.len().div_ceil(SCAN_CHUNK);
    if bounds.len() < needed {
        return Err(Error::OutputSize { needed, got: bounds.len() });
    }
    Ok(())
}

/// The chunk maxima (or minima) of `x`.
struct ChunkBounds<'a> {
    x: &'a [f32],
    bounds: &'a mut [f32],
    max: bool,
}

impl Kernel for ChunkBounds<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        if self.max {
            chunk_bounds(
                s,
                self.x,
                self.bounds,
                f32::NEG_INFINITY,
                |a, b| s.max_f32(a, b),
                |v| s.reduce_max_f32(v),
            );
        } else {
            let neg = |v: S::F32| s.sub_f32(s.splat_f32(0.0), v);
            // min(x) = −max(−x): one reduction in the lane trait.
            chunk_bounds(
                s,
                self.x,
                self.bounds,
                f32::INFINITY,
                |a, b| s.min_f32(a, b),
                |v| -s.reduce_max_f32(neg(v)),
            );
        }
    }
}

/// One bound per chunk: the chunk's vectors combined lane-wise by `pick`
/// (NaN lanes and the tail replaced by `fill`, which never wins: the
/// lane ops' NaN rules differ by ISA, and a NaN that reached an
/// accumulator could hide the values before it), then across lanes by
/// `reduce`.
#[inline(always)]
fn chunk_bounds<S: Simd>(
    s: S,
    x: &[f32],
    bounds: &mut [f32],
    fill: f32,
    pick: impl Fn(S::F32, S::F32) -> S::F32,
    reduce: impl Fn(S::F32) -> f32,
) {
    let w = S::F32_LANES;
    let f = s.splat_f32(fill);
    // `fill` where a lane is NaN: ±∞ ordered against itself — for the
    // maximum, `−∞ < v` is false exactly for NaN (and −∞, which stays);
    // for the minimum, `v < +∞` likewise.
    let keep_numbers =
        |v: S::F32| if fill < 0.0 { s.lt_select_f32(f, v, v, f) } else { s.lt_select_f32(v, f, v, f) };
    for (chunk, bound) in x.chunks(SCAN_CHUNK).zip(bounds.iter_mut()) {
        let mut acc = f;
        for v in chunk.chunks(w) {
            let v = if v.len() == w { s.load_f32(v) } else { s.load_partial_fill_f32(v, fill) };
            acc = pick(acc, keep_numbers(v));
        }
        *bound = reduce(acc);
    }
}

/// `dots[j] ← max((q_norm + k_norms[j]) − 2·dots[j], 0)`, NaN kept.
struct SquaredDistances<'a> {
    q_norm: f32,
    k_norms: &'a [f32],
    dots: &'a mut [f32],
}

/// The lane function of [`SquaredDistances`].
struct DistanceLanes(f32);

impl<S: Simd> LaneZip<S, f32> for DistanceLanes {
    #[inline(always)]
    fn apply(&mut self, s: S, dot: S::F32, k_norm: S::F32) -> S::F32 {
        let d = s.sub_f32(s.add_f32(s.splat_f32(self.0), k_norm), s.add_f32(dot, dot));
        // d < 0 → 0; NaN compares false and stays.
        let zero = s.splat_f32(0.0);
        s.lt_select_f32(d, zero, zero, d)
    }
}

impl Kernel for SquaredDistances<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        zip_map_in_place(s, &mut DistanceLanes(self.q_norm), self.dots, self.k_norms);
    }
}

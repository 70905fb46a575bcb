//! The blocked GEMM engine, `C (+)= A·B`, written once over [`Simd`]: packing,
//! cache blocking and the register-tile micro-kernel. The similarity
//! matrix `S = Q·Kᵀ` and every GEMM-shaped pass of InfoNCE (logits, `G·K`,
//! `Gᵀ·Q`) run on it; operands are strided views, so transposes cost
//! nothing but the packing they need anyway.
//!
//! Loop nest (the BLIS order), for `A` of `m × k` and `B` of `k × n`:
//!
//! ```text
//! for jc in cols of C, step NC          B block: KC × NC packed, stays in L3/L2
//!   for pc in 0..k, step KC             (k-blocks accumulate into C)
//!     pack B[pc.., jc..] in NR-wide panels, k-major
//!     for ic in rows of C, step MC      A block: MC × KC packed, stays in L2
//!       pack A[ic.., pc..] in MR-tall panels, k-major
//!       for each NR panel of B          one B micro-panel (KC × NR), L1/L2
//!         for each MR panel of A        micro-kernel: MR × NR tile in registers
//! ```
//!
//! When one `B` is multiplied by many row blocks of `A` (the InfoNCE passes),
//! it is packed once, whole ([`pack_b`]), and [`gemm_packed_b`] runs the
//! inner loops against it.
//!
//! The block sizes `KC`, `MC`, `NC` come from the caches the CPU reports
//! ([`Blocking`]).
//!
//! The micro-kernel keeps an `MR × NV` grid of vectors (`NR = NV · lanes`
//! columns) in registers; per step of `k` it loads `NV` vectors of the B
//! panel, broadcasts `MR` values of the A panel and issues `MR · NV` FMAs.
//! Partial tiles at the edges are computed on zero-padded panels and stored
//! with masked stores. Accumulation is in `f32`, as in BLAS.

pub(crate) use crate::blocking::Blocking;
use crate::blocking::tile;
use crate::level::Level;
use crate::matrix::{MatRef, StridedMatRef};
use crate::simd::{COMPACT, Kernel, Simd};

/// `MR` at level `S`.
#[inline(always)]
const fn mr<S: Simd>() -> usize {
    tile(S::LEVEL).0
}

/// `NR` at level `S`.
#[inline(always)]
const fn nr<S: Simd>() -> usize {
    tile(S::LEVEL).1 * S::F32_LANES
}

/// Whether a product overwrites its output or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Accum {
    /// `C = A·B`.
    Overwrite,
    /// `C += A·B`.
    Add,
}

/// The output of a product: a row-major block at the start of `data`, row
/// stride `ld` (the caller has checked that it holds the block).
pub(crate) struct ViewMut<'a> {
    pub(crate) data: &'a mut [f32],
    pub(crate) ld: usize,
}

impl ViewMut<'_> {
    /// The block from row `i`, column `j` on (same stride).
    #[inline(always)]
    fn at(&mut self, i: usize, j: usize) -> ViewMut<'_> {
        // In bounds by the callers' checks; `get_mut` keeps the engine free
        // of panic paths (an empty view would write nothing).
        ViewMut { data: self.data.get_mut(i * self.ld + j..).unwrap_or_default(), ld: self.ld }
    }
}

/// A read-only strided matrix: element `(i, j)` at `data[i·rs + j·cs]`.
/// Constructed from a checked [`MatRef`], so every index is in bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// A row-major matrix as it is.
    pub(crate) fn of(m: MatRef<'a, f32>) -> Self {
        View { data: m.as_slice(), rows: m.rows(), cols: m.dim(), rs: m.dim(), cs: 1 }
    }
    /// A strided matrix as it is (its bounds checked at construction).
    pub(crate) fn strided(m: StridedMatRef<'a, f32>) -> Self {
        let (rs, cs) = (m.row_stride(), m.col_stride());
        View { data: m.as_slice(), rows: m.rows(), cols: m.dim(), rs, cs }
    }
    /// A row-major `rows × cols` matrix in `data` (which has at least
    /// `rows · cols` elements; checked by the caller).
    pub(crate) fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        View { data, rows, cols, rs: cols, cs: 1 }
    }
    /// Rows `a..b`.
    pub(crate) fn rows_range(self, a: usize, b: usize) -> Self {
        View { data: self.data.get(a * self.rs..).unwrap_or_default(), rows: b - a, ..self }
    }
    /// The transpose (no data moves).
    pub(crate) fn t(self) -> Self {
        View { data: self.data, rows: self.cols, cols: self.rows, rs: self.cs, cs: self.rs }
    }
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
    /// The elements (of a row-major view: all of them, in order).
    pub(crate) fn as_slice(&self) -> &'a [f32] {
        self.data
    }
    pub(crate) fn cols(&self) -> usize {
        self.cols
    }
}

/// The blocks the engine runs with: `blocks`, visibly within bounds
/// ([`Blocking::visibly_bounded`]), or where [`COMPACT`] the constant
/// fallback (the only blocking there, see `Kernels::blocking`; passed
/// through a non-inlined `vectorize` a field would not fold).
#[inline(always)]
fn engine(blocks: Blocking) -> [usize; 3] {
    if COMPACT { Blocking::FALLBACK } else { blocks }.visibly_bounded()
}

/// `min(a, b)` in a `const fn`.
const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

/// Elements of `A`-block packing space at `level` for `m` rows and inner
/// dimension `k`: `MR`-tall panels of that level's tile, for any blocking.
pub(crate) const fn a_pack_len(level: Level, m: usize, k: usize) -> usize {
    let (mr, most) = (tile(level).0, Blocking::MOST);
    min(k, most.kc()) * (min(m, most.mc()).div_ceil(mr) * mr)
}

/// Elements of one packed `B` block at `level` (`NR`-wide panels), for
/// any blocking.
const fn b_block_len(level: Level, n: usize, k: usize) -> usize {
    let (nr, most) = (tile(level).1 * level.f32_lanes(), Blocking::MOST);
    min(k, most.kc()) * (min(n, most.nc()).div_ceil(nr) * nr)
}

/// Elements of scratch [`gemm`] needs at `level` for an `m × k` by `k × n`
/// product with any blocking (at most `KC · (NC + MC)` of [`Blocking::MOST`]).
pub(crate) const fn scratch_len(level: Level, m: usize, n: usize, k: usize) -> usize {
    b_block_len(level, n, k) + a_pack_len(level, m, k)
}

/// The most scratch [`gemm`] needs at any level a build for this target
/// can run ([`Level::TARGET`]): a size fixed at compile time that fits
/// whichever level the CPU turns out to have.
pub(crate) const fn scratch_len_any_level(m: usize, n: usize, k: usize) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < Level::TARGET.len() {
        let need = scratch_len(Level::TARGET[i], m, n, k);
        len = if need > len { need } else { len };
        i += 1;
    }
    len
}

/// Elements of a whole packed `B` of `k × n` at `level` ([`pack_b`]),
/// saturating.
pub(crate) const fn packed_b_len(level: Level, k: usize, n: usize) -> usize {
    let nr = tile(level).1 * level.f32_lanes();
    k.saturating_mul(n.div_ceil(nr).saturating_mul(nr))
}

/// The micro-kernel for an `MR × NV`-vector tile: `tile = Σ_k qp[k] ⊗ kp[k]`
/// over the packed panels, the top-left `rows × cols` of it stored into
/// `out` (or added to it).
#[inline(always)]
fn microkernel<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    qp: &[f32],
    kp: &[f32],
    out: ViewMut<'_>,
    [rows, cols]: [usize; 2],
    accum: Accum,
) {
    let l = S::F32_LANES;
    // The output tile's lines, fetched while the k loop runs: a store to a
    // line not in cache waits for it (at d = 128 the loop is too short to
    // hide that, and the next tile's rows are 12 strides away).
    for r in 0..rows.min(MR) {
        let row = out.data.get(r * out.ld..).unwrap_or_default();
        s.prefetch(row);
        s.prefetch(row.get(cols.min(NV * l).saturating_sub(1)..).unwrap_or_default());
    }
    let mut acc = [[s.splat_f32(0.0); NV]; MR];
    if COMPACT {
        // `kp` stepped by hand: at opt-level "s" the `zip` of two
        // `chunks_exact` stayed out of line with a division (a panic path).
        // (On SIMD targets the zip measured 8 % fewer instructions.)
        let mut kps = kp.chunks_exact(NV * l);
        for q in qp.chunks_exact(MR) {
            let Some(k) = kps.next() else { break };
            rank_one_update(s, &mut acc, q, k);
        }
    } else {
        for (q, k) in qp.chunks_exact(MR).zip(kp.chunks_exact(NV * l)) {
            rank_one_update(s, &mut acc, q, k);
        }
    }
    let add = accum == Accum::Add;
    for (r, acc_r) in acc.iter().enumerate().take(rows) {
        let Some(row) = out.data.get_mut(r * out.ld..) else { break };
        for (v, &x) in acc_r.iter().enumerate() {
            let c0 = v * l;
            let Some(dst) = row.get_mut(c0..cols.min(c0 + l)) else { break };
            if dst.is_empty() {
                break;
            }
            if dst.len() == l {
                let x = if add { s.add_f32(x, s.load_f32(dst)) } else { x };
                s.store_f32(x, dst);
            } else {
                let x = if add { s.add_f32(x, s.load_partial_f32(dst)) } else { x };
                s.store_partial_f32(x, dst);
            }
        }
    }
}

/// `acc += q ⊗ k` for one `k` of the packed panels: `MR` broadcasts of `q`
/// times `NV` vectors of `k`, `MR · NV` fused multiply-adds.
#[inline(always)]
fn rank_one_update<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    acc: &mut [[S::F32; NV]; MR],
    q: &[f32],
    k: &[f32],
) {
    let mut kv = [s.splat_f32(0.0); NV];
    for (kv, k) in kv.iter_mut().zip(k.chunks_exact(S::F32_LANES)) {
        *kv = s.load_f32(k);
    }
    for (acc_r, &qr) in acc.iter_mut().zip(q) {
        let qr = s.splat_f32(qr);
        for (a, &k) in acc_r.iter_mut().zip(&kv) {
            *a = s.mul_add_f32(qr, k, *a);
        }
    }
}

/// Packs rows `r0..r0+rows` of `src`, columns `p0..p0+kc`, into panels of
/// `width` rows each: `panel[k·width + i] = src[r0 + i][p0 + k]`, zero past
/// the last row. The A operand is packed with `MR`, Bᵀ with `NR`.
#[inline(always)]
fn pack(src: View<'_>, r0: usize, rows: usize, p0: usize, kc: usize, width: usize, buf: &mut [f32]) {
    // Every index is in bounds by the callers' checks; `get`, zipped
    // iterators and the `max(1)` chunk sizes let the optimiser see it, so
    // the packing keeps no panic path.
    let (kc, width) = (kc.max(1), width.max(1));
    for (p, panel) in buf.chunks_exact_mut(kc * width).take(rows.div_ceil(width)).enumerate() {
        let first = r0 + p * width;
        let live = width.min(rows - p * width);
        if src.cs == 1 {
            // Rows are contiguous: 4 × 4 blocks (four rows, four steps of
            // k) transposed through registers, the rest row by row. (Row
            // by row alone, with stride `width`, compiled to scatter
            // instructions: 16 % of a 256 × 256 × 128 product on Zen 4,
            // 0.86× OpenBLAS there, now 0.92×. Where flash counts, row by
            // row: 2.2 KB less.)
            let row_at = |i: usize| {
                let start = (first + i) * src.rs + p0;
                src.data.get(start..).and_then(|r| r.get(..kc)).unwrap_or_default()
            };
            let mut i = 0;
            while !COMPACT && i + 4 <= live {
                let rows = [row_at(i), row_at(i + 1), row_at(i + 2), row_at(i + 3)];
                let mut outs = panel.chunks_exact_mut(4 * width);
                let mut k = 0;
                for out in &mut outs {
                    let mut t = [[0.0f32; 4]; 4];
                    for (r, row) in rows.iter().enumerate() {
                        if let Some(run) = row.get(k..k + 4) {
                            t[r].copy_from_slice(run);
                        }
                    }
                    for (kk, o) in out.chunks_exact_mut(width).enumerate() {
                        if let Some(o) = o.get_mut(i..i + 4) {
                            o.copy_from_slice(&[t[0][kk], t[1][kk], t[2][kk], t[3][kk]]);
                        }
                    }
                    k += 4;
                }
                for (kk, o) in outs.into_remainder().chunks_exact_mut(width).enumerate() {
                    for (r, row) in rows.iter().enumerate() {
                        if let (Some(o), Some(&x)) = (o.get_mut(i + r), row.get(k + kk)) {
                            *o = x;
                        }
                    }
                }
                i += 4;
            }
            for i in i..live {
                for (&x, out) in row_at(i).iter().zip(panel.chunks_exact_mut(width)) {
                    if let Some(o) = out.get_mut(i) {
                        *o = x;
                    }
                }
            }
        } else if src.rs == 1 {
            // A transposed row-major matrix: each k is a contiguous run of
            // `live` elements, copied whole.
            for (k, out) in panel.chunks_exact_mut(width).enumerate() {
                let base = (p0 + k) * src.cs + first;
                if let (Some(out), Some(run)) = (out.get_mut(..live), src.data.get(base..base + live)) {
                    out.copy_from_slice(run);
                }
            }
        } else {
            // Any other strides (zero too: a repeated row or column).
            for (k, out) in panel.chunks_exact_mut(width).enumerate() {
                let base = (p0 + k) * src.cs + first * src.rs;
                for (i, o) in out.iter_mut().take(live).enumerate() {
                    *o = src.data.get(base + i * src.rs).copied().unwrap_or_default();
                }
            }
        }
        if live < width {
            for out in panel.chunks_exact_mut(width) {
                out.iter_mut().skip(live).for_each(|o| *o = 0.0);
            }
        }
    }
}

/// The two inner loops over packed panels: `c (+)= apack · bpack` for an
/// `m × n` block of `C`, with the tile of level `S`.
#[inline(always)]
fn macro_tile<S: Simd>(
    s: S,
    apack: &[f32],
    bpack: &[f32],
    kc: usize,
    [m, n]: [usize; 2],
    c: ViewMut<'_>,
    accum: Accum,
) {
    // `S::LEVEL` is a constant: one arm survives per level.
    match S::LEVEL {
        Level::Avx512 | Level::Avx512Bf16 | Level::Amx => {
            macro_tile_of::<S, 12, 2>(s, apack, bpack, kc, [m, n], c, accum)
        }
        Level::Avx2 => macro_tile_of::<S, 6, 2>(s, apack, bpack, kc, [m, n], c, accum),
        Level::Neon => macro_tile_of::<S, 8, 3>(s, apack, bpack, kc, [m, n], c, accum),
        Level::Portable => macro_tile_of::<S, 4, 1>(s, apack, bpack, kc, [m, n], c, accum),
    }
}

/// [`macro_tile`] for one tile shape (the one [`tile`] names for `S`).
#[inline(always)]
fn macro_tile_of<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    apack: &[f32],
    bpack: &[f32],
    kc: usize,
    [m, n]: [usize; 2],
    mut c: ViewMut<'_>,
    accum: Accum,
) {
    debug_assert_eq!((MR, NV), tile(S::LEVEL));
    let nr = NV * S::F32_LANES;
    let kc = kc.max(1); // (≥ 1 already; visibly so: no zero-size chunks)
    for (jp, bp) in bpack.chunks_exact(kc * nr).take(n.div_ceil(nr)).enumerate() {
        let j = jp * nr;
        for (ip, ap) in apack.chunks_exact(kc * MR).take(m.div_ceil(MR)).enumerate() {
            let i = ip * MR;
            let rows_cols = [(m - i).min(MR), (n - j).min(nr)];
            microkernel::<S, MR, NV>(s, ap, bp, c.at(i, j), rows_cols, accum);
        }
    }
}

/// `c = a · b` or `c += a · b`, `c` an `m × n` block. The caller has
/// checked `a.cols() == b.rows()`, that `c` holds the block and that
/// `scratch` has [`scratch_len`] elements; `blocks` is within
/// [`Blocking::MOST`] (every `Blocking` is).
#[inline(always)]
pub(crate) fn gemm<S: Simd>(
    s: S,
    a: View<'_>,
    b: View<'_>,
    mut c: ViewMut<'_>,
    accum: Accum,
    blocks: Blocking,
    scratch: &mut [f32],
) {
    let [kc_max, mc_max, nc_max] = engine(blocks);
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    // (Checked split, for the panic-free engine; the caller checked the length.)
    let Some((bbuf, abuf)) = scratch.split_at_mut_checked(b_block_len(S::LEVEL, n, k)) else { return };
    let bt = b.t();
    for jc in (0..n).step_by(nc_max) {
        let nc = nc_max.min(n - jc);
        for pc in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - pc);
            pack(bt, jc, nc, pc, kc, nr::<S>(), bbuf);
            let accum = if pc > 0 { Accum::Add } else { accum };
            for ic in (0..m).step_by(mc_max) {
                let mc = mc_max.min(m - ic);
                pack(a, ic, mc, pc, kc, mr::<S>(), abuf);
                macro_tile(s, abuf, bbuf, kc, [mc, nc], c.at(ic, jc), accum);
            }
        }
    }
}

/// A `k × n` operand packed whole into `NR` panels, one k-block after the
/// other, to be multiplied by many row blocks of `A` ([`gemm_packed_b`]).
pub(crate) struct PackedB<'a> {
    buf: &'a [f32],
    k: usize,
    n: usize,
    /// The blocking it was packed with (its k-blocks are `kc` deep).
    blocks: Blocking,
}

impl<'a> PackedB<'a> {
    /// A `k × n` operand that [`pack_b`] packed into `buf` with `blocks`
    /// (at the level that reads it), read back without packing again.
    /// Other contents of `buf` give other products, never a read out of
    /// bounds (the engine's slicing is checked).
    pub(crate) const fn from_packed(buf: &'a [f32], k: usize, n: usize, blocks: Blocking) -> Self {
        PackedB { buf, k, n, blocks }
    }
}

/// Packs all of `b` into `buf` (at least [`packed_b_len`] elements) in
/// k-blocks of `blocks.kc`.
#[inline(always)]
pub(crate) fn pack_b<'a, S: Simd>(_s: S, b: View<'_>, blocks: Blocking, buf: &'a mut [f32]) -> PackedB<'a> {
    let (k, n, [kc_max, ..]) = (b.rows(), b.cols(), engine(blocks));
    let nr = nr::<S>();
    let stride = n.div_ceil(nr) * nr;
    let bt = b.t();
    for pc in (0..k).step_by(kc_max) {
        let kc = kc_max.min(k - pc);
        let block = buf.get_mut(pc * stride..).and_then(|b| b.get_mut(..kc * stride)).unwrap_or_default();
        pack(bt, 0, n, pc, kc, nr, block);
    }
    PackedB { buf, k, n, blocks }
}

/// `c (+)= a · B` for a `B` packed by [`pack_b`] at the same level, in
/// row blocks of `mc` (at most [`Blocking::MOST`]'s); `abuf` has
/// [`a_pack_len`] elements.
#[inline(always)]
pub(crate) fn gemm_packed_b<S: Simd>(
    s: S,
    a: View<'_>,
    b: &PackedB<'_>,
    mut c: ViewMut<'_>,
    accum: Accum,
    mc_max: usize,
    abuf: &mut [f32],
) {
    let (m, k, n) = (a.rows(), b.k, b.n);
    let [kc_max, mc_max, _] = engine(b.blocks.with_mc(mc_max));
    let stride = n.div_ceil(nr::<S>()) * nr::<S>();
    for pc in (0..k).step_by(kc_max) {
        let kc = kc_max.min(k - pc);
        let bblock = b.buf.get(pc * stride..).and_then(|b| b.get(..kc * stride)).unwrap_or_default();
        let accum = if pc > 0 { Accum::Add } else { accum };
        for ic in (0..m).step_by(mc_max) {
            let mc = mc_max.min(m - ic);
            pack(a, ic, mc, pc, kc, mr::<S>(), abuf);
            macro_tile(s, abuf, bblock, kc, [mc, n], c.at(ic, 0), accum);
        }
    }
}

/// [`gemm_packed_b`] as a [`Kernel`], for callers that run it through
/// `Simd::vectorize` in a function of its own.
pub(crate) struct GemmPackedB<'a, 'b> {
    pub(crate) a: View<'a>,
    pub(crate) b: &'a PackedB<'b>,
    pub(crate) c: ViewMut<'a>,
    pub(crate) accum: Accum,
    pub(crate) mc: usize,
    pub(crate) abuf: &'a mut [f32],
}

impl Kernel for GemmPackedB<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        gemm_packed_b(s, self.a, self.b, self.c, self.accum, self.mc, self.abuf);
    }
}

/// [`pack_b`] as a [`Kernel`].
pub(crate) struct PackB<'a, 'b> {
    pub(crate) b: View<'b>,
    pub(crate) blocks: Blocking,
    pub(crate) buf: &'a mut [f32],
}

impl<'a> Kernel for PackB<'a, '_> {
    type Output = PackedB<'a>;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> PackedB<'a> {
        pack_b(s, self.b, self.blocks, self.buf)
    }
}

/// [`gemm`] as a [`Kernel`] (see [`GemmPackedB`]).
pub(crate) struct Gemm<'a> {
    pub(crate) a: View<'a>,
    pub(crate) b: View<'a>,
    pub(crate) c: ViewMut<'a>,
    pub(crate) accum: Accum,
    pub(crate) blocks: Blocking,
    pub(crate) scratch: &'a mut [f32],
}

impl Kernel for Gemm<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        gemm(s, self.a, self.b, self.c, self.accum, self.blocks, self.scratch);
    }
}

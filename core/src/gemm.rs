//! The blocked `S = Q·Kᵀ` engine: packing, cache blocking and the
//! register-tile micro-kernel, written once over [`Simd`].
//!
//! Loop nest (the BLIS order), for `Q` of `n × d` and `K` of `m × d`:
//!
//! ```text
//! for jc in cols of S, step NC          K block: KC × NC packed, stays in L3/L2
//!   for pc in 0..d, step KC             (k-blocks accumulate into S)
//!     pack K[jc.., pc..] in NR-wide panels, k-major
//!     for ic in rows of S, step MC      Q block: MC × KC packed, stays in L2
//!       pack Q[ic.., pc..] in MR-tall panels, k-major
//!       for each NR panel of K          one K micro-panel (KC × NR), L1/L2
//!         for each MR panel of Q        micro-kernel: MR × NR tile in registers
//! ```
//!
//! `KC` is large (768) on purpose: every extra k-block re-reads and
//! re-writes the whole output, and at `n = m = 4096` that traffic (64 MB a
//! pass) cost more than streaming the micro-panels from L2 does. Measured
//! on Zen 5 at 4096 × 4096 × 768: KC = 256 → 0.95× faer, KC = 768 → 1.05×.
//!
//! The micro-kernel keeps an `MR × NV` grid of vectors (`NR = NV · lanes`
//! columns) in registers; per step of `k` it loads `NV` vectors of the K
//! panel, broadcasts `MR` values of the Q panel and issues `MR · NV` FMAs.
//! Partial tiles at the edges are computed on zero-padded panels and stored
//! with masked stores. Accumulation is in `f32`, as in BLAS.

use crate::MatRef;
use crate::simd::{Simd, Tile};

/// Depth of a k-block (elements of a row of Q / K per pass); rows of up to
/// this length are done in one pass, so each output is written once.
pub(crate) const KC: usize = 768;
/// Rows of Q per packed block; a multiple of every level's `MR`.
pub(crate) const MC: usize = 144;
/// Columns of S (rows of K) per packed block; a multiple of every level's `NR`.
pub(crate) const NC: usize = 1536;
/// Least common multiple of the `MR` of all levels (4, 6, 8, 12).
const MR_LCM: usize = 24;
/// Least common multiple of the `NR` of all levels (8, 12, 16, 32).
const NR_LCM: usize = 96;

/// Elements of scratch the engine needs for `n × m` logits of depth `d`,
/// whatever the level.
pub(crate) fn scratch_len(n: usize, m: usize, d: usize) -> usize {
    let kc = d.min(KC);
    let nc = m.min(NC).div_ceil(NR_LCM) * NR_LCM;
    let mc = n.min(MC).div_ceil(MR_LCM) * MR_LCM;
    kc * (nc + mc)
}

/// The register-tile micro-kernel of one ISA's tile shape.
pub trait Microkernel {
    /// Rows of the tile (broadcast from the Q panel).
    const MR: usize;
    /// Vectors across the tile (loaded from the K panel).
    const NV: usize;
    /// Computes `tile = Σ_k qp[k] ⊗ kp[k]` over the packed panels and stores
    /// the top-left `rows × cols` of it into `out` (row stride `ldo`),
    /// adding to what is there when `accumulate`.
    #[allow(clippy::too_many_arguments)]
    fn tile<S: Simd>(
        s: S,
        qp: &[f32],
        kp: &[f32],
        out: &mut [f32],
        ldo: usize,
        rows: usize,
        cols: usize,
        accumulate: bool,
    );
}

impl<const MR: usize, const NV: usize> Microkernel for Tile<MR, NV> {
    const MR: usize = MR;
    const NV: usize = NV;

    #[inline(always)]
    fn tile<S: Simd>(
        s: S,
        qp: &[f32],
        kp: &[f32],
        out: &mut [f32],
        ldo: usize,
        rows: usize,
        cols: usize,
        accumulate: bool,
    ) {
        let l = S::F32_LANES;
        let mut acc = [[s.splat_f32(0.0); NV]; MR];
        for (q, k) in qp.chunks_exact(MR).zip(kp.chunks_exact(NV * l)) {
            let kv: [S::F32; NV] = core::array::from_fn(|v| s.load_f32(&k[v * l..]));
            for r in 0..MR {
                let qr = s.splat_f32(q[r]);
                for v in 0..NV {
                    acc[r][v] = s.mul_add_f32(qr, kv[v], acc[r][v]);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate().take(rows) {
            let row = &mut out[r * ldo..];
            for (v, &x) in acc_r.iter().enumerate() {
                let c0 = v * l;
                if c0 >= cols {
                    break;
                }
                let dst = &mut row[c0..cols.min(c0 + l)];
                if dst.len() == l {
                    let x = if accumulate { s.add_f32(x, s.load_f32(dst)) } else { x };
                    s.store_f32(x, dst);
                } else {
                    let x = if accumulate { s.add_f32(x, s.load_partial_f32(dst)) } else { x };
                    s.store_partial_f32(x, dst);
                }
            }
        }
    }
}

/// Packs rows `r0..r0+rows` of `src`, columns `p0..p0+kc`, into panels of
/// `width` rows each: `panel[k·width + i] = src[r0 + i][p0 + k]`, zero past
/// the last row. Used for both operands (Q with `MR`, K with `NR`).
#[inline(always)]
fn pack(src: MatRef<'_, f32>, r0: usize, rows: usize, p0: usize, kc: usize, width: usize, buf: &mut [f32]) {
    for (p, panel) in buf.chunks_exact_mut(kc * width).take(rows.div_ceil(width)).enumerate() {
        for i in 0..width {
            let r = p * width + i;
            if r < rows {
                let row = &src.row(r0 + r)[p0..p0 + kc];
                for (k, &x) in row.iter().enumerate() {
                    panel[k * width + i] = x;
                }
            } else {
                for k in 0..kc {
                    panel[k * width + i] = 0.0;
                }
            }
        }
    }
}

/// `out = q · kᵀ` (`n × m`, row-major). The caller has checked that
/// `q.dim() == k.dim()`, `out.len() == n·m` and
/// `scratch.len() >= scratch_len(n, m, d)`.
#[inline(always)]
pub(crate) fn qkt<S: Simd>(
    s: S,
    q: MatRef<'_, f32>,
    k: MatRef<'_, f32>,
    out: &mut [f32],
    scratch: &mut [f32],
) {
    let (n, m, d) = (q.rows(), k.rows(), q.dim());
    let mr = <S::Tile as Microkernel>::MR;
    let nr = <S::Tile as Microkernel>::NV * S::F32_LANES;
    let kc_max = d.min(KC);
    let (kbuf, qbuf) = scratch.split_at_mut(kc_max * m.min(NC).div_ceil(NR_LCM) * NR_LCM);

    for jc in (0..m).step_by(NC) {
        let nc = NC.min(m - jc);
        for pc in (0..d).step_by(KC) {
            let kc = KC.min(d - pc);
            pack(k, jc, nc, pc, kc, nr, kbuf);
            for ic in (0..n).step_by(MC) {
                let mc = MC.min(n - ic);
                pack(q, ic, mc, pc, kc, mr, qbuf);
                for (jp, kpanel) in kbuf.chunks_exact(kc * nr).take(nc.div_ceil(nr)).enumerate() {
                    let j = jc + jp * nr;
                    for (ip, qpanel) in qbuf.chunks_exact(kc * mr).take(mc.div_ceil(mr)).enumerate() {
                        let i = ic + ip * mr;
                        <S::Tile as Microkernel>::tile(
                            s,
                            qpanel,
                            kpanel,
                            &mut out[i * m + j..],
                            m,
                            (n - i).min(mr),
                            (m - j).min(nr),
                            pc > 0,
                        );
                    }
                }
            }
        }
    }
}

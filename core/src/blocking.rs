//! Cache blocking of the GEMM engine (`gemm`): the register tile of each
//! level and the block sizes `KC`, `MC`, `NC` derived from the caches.

use crate::cpu::Caches;
use crate::level::Level;

/// The register tile of the micro-kernel at each level: `(MR, NV)`, `MR`
/// rows of the A panel times `NV` vectors of the B panel, `NR = NV · lanes`
/// columns. A fact about the register file: the tile, one B vector per
/// column block and a broadcast must fit (AVX-512 and NEON have 32 vector
/// registers, AVX2 16; the portable build may be SSE2 with 16 of 4 lanes).
pub(crate) const fn tile(level: Level) -> (usize, usize) {
    match level {
        Level::Avx512 | Level::Avx512Bf16 | Level::Amx => (12, 2),
        Level::Avx2 => (6, 2),
        Level::Neon => (8, 3),
        Level::Portable => (4, 1),
    }
}

/// The cache blocking of the GEMM engine at one level: the depth `kc` of a
/// k-block, the rows `mc` of `A` and the columns `nc` of `B` per packed
/// block.
///
/// The engine's block sizes are not constants: [`Blocking::for_caches`]
/// derives them from the cache sizes the CPU reports (CPUID, read once by the ISA
/// layer), rounded to the level's register tile, so a part with a 2 MiB L2
/// packs twice the `A` rows of one with 1 MiB. The model:
///
/// - `KC`: an `A` and a `B` micro-panel (`KC · (MR + NR)` floats) within a
///   quarter of L2, and at most 768. `KC` is large on purpose: every extra
///   k-block re-reads and re-writes the whole output, and at `n = m = 4096`
///   that traffic (64 MB a pass) cost more than streaming the `B`
///   micro-panel from L2 instead of L1 does (measured on Zen 5 at 4096 ×
///   4096 × 768: KC = 256, the L1-sized choice, → 0.95× faer, KC = 768 →
///   1.05×). So L1 does not bound it; a small L2 does.
/// - `MC`: the packed `A` block (`MC · KC` floats) fills half of L2.
/// - `NC`: the packed `B` block (`KC · NC` floats) within a quarter of L3
///   (the rest is other cores' share and the output's stream), or four L2s
///   where no L3 is reported.
///
/// Where nothing is reported (Miri, non-x86, and always on targets without
/// SIMD registers, where constant blocks keep the code small) the blocks are
/// [`Blocking::FALLBACK`], the sizes measured on Zen 5 before this
/// derivation existed. Scratch sizes are `const fn`s and cannot know the
/// caches: they cover [`Blocking::MOST`], the largest blocks any caches
/// can give.
///
/// [`Kernels::blocking`](crate::Kernels::blocking) is the one a handle uses;
/// [`Kernels::with_caches`](crate::Kernels::with_caches) derives it from
/// caches you name instead of the detected ones.
///
/// ```
/// use simkern_core::{Blocking, Caches, Level};
/// let zen4 = Caches { l1d: Some(32 << 10), l2: Some(1 << 20), l3: Some(32 << 20) };
/// let b = Blocking::for_caches(Level::Avx512, zen4);
/// assert_eq!((b.kc(), b.mc(), b.nc()), (768, 168, 2720));
/// assert_eq!(Blocking::for_caches(Level::Avx512, Caches::default()), Blocking::FALLBACK);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Blocking {
    // `u16`: every block is within `MOST` (asserted below), and a handle
    // that carries its blocking stays a few bytes (what a microcontroller
    // copies with every `Kernels`).
    kc: u16,
    mc: u16,
    nc: u16,
}

/// Bytes of one element of the engine (`f32`).
const F32_BYTES: usize = 4;

impl Blocking {
    /// The blocks where the CPU reports no caches: measured on Zen 5
    /// (1 MiB of L2 per core), a multiple of every level's tile.
    pub const FALLBACK: Blocking = Blocking::of(768, 144, 1536);

    /// The largest blocks [`Blocking::for_caches`] gives for any caches
    /// (`mc` reaches it from a 2 MiB L2, `nc` from a 36 MiB L3): what the
    /// `const` scratch sizes cover.
    pub const MOST: Blocking = Blocking::of(768, 336, 3072);

    /// The blocks for `caches` at `level` (the model above): each
    /// within [`Blocking::MOST`], `mc` a multiple of the level's tile
    /// height and `nc` of its width, none below one tile; a level the
    /// caches do not report keeps its [`Blocking::FALLBACK`] block.
    ///
    /// ```
    /// use simkern_core::{Blocking, Caches, Level};
    /// let tiny = Caches { l1d: Some(1 << 10), l2: Some(8 << 10), l3: None };
    /// let b = Blocking::for_caches(Level::Avx2, tiny);
    /// assert!(b.kc() * b.mc() * 4 <= 4 << 10, "A block in half of L2");
    /// assert_eq!(b.mc() % 6, 0); // AVX2's tile is 6 rows tall
    /// ```
    pub const fn for_caches(level: Level, caches: Caches) -> Blocking {
        let (mr, nv) = tile(level);
        let nr = nv * level.f32_lanes();
        let most = Blocking::MOST;
        let Some(l2) = caches.l2 else { return Blocking::FALLBACK };
        let kc = clamp(div(l2 / 4, (mr + nr) * F32_BYTES), 1, most.kc());
        let mc = clamp(div(div(l2 / 2, kc * F32_BYTES), mr) * mr, mr, most.mc());
        let b_bytes = match caches.l3 {
            Some(l3) => l3 / 4,
            None => l2.saturating_mul(4),
        };
        let nc = clamp(div(div(b_bytes, kc * F32_BYTES), nr) * nr, nr, most.nc());
        Blocking::of(kc, mc, nc)
    }

    /// The blocks `kc`, `mc`, `nc` (each within `MOST`: the callers clamp).
    const fn of(kc: usize, mc: usize, nc: usize) -> Blocking {
        Blocking { kc: kc as u16, mc: mc as u16, nc: nc as u16 }
    }

    /// These blocks with `mc` rows of `A` instead.
    #[inline(always)]
    pub(crate) const fn with_mc(self, mc: usize) -> Blocking {
        Blocking::of(self.kc(), clamp(mc, 1, Blocking::MOST.mc()), self.nc())
    }

    /// The same blocks, each clamped to `1..=MOST`'s: a no-op on every
    /// `Blocking` (they are made within those bounds), but one the optimiser
    /// can see, so that no block size can be zero (a zero step) or make a
    /// panel size overflow (a zero chunk): the engine keeps no panic path.
    #[inline(always)]
    pub(crate) const fn visibly_bounded(self) -> [usize; 3] {
        let most = Blocking::MOST;
        [clamp(self.kc(), 1, most.kc()), clamp(self.mc(), 1, most.mc()), clamp(self.nc(), 1, most.nc())]
    }

    /// The depth of a k-block: inner dimensions up to it are done in one
    /// pass, so each output is written once.
    ///
    /// ```
    /// assert_eq!(simkern_core::Blocking::FALLBACK.kc(), 768);
    /// ```
    pub const fn kc(self) -> usize {
        self.kc as usize
    }

    /// Rows of `A` per packed block.
    ///
    /// ```
    /// assert_eq!(simkern_core::Blocking::FALLBACK.mc(), 144);
    /// ```
    pub const fn mc(self) -> usize {
        self.mc as usize
    }

    /// Columns of `B` per packed block.
    ///
    /// ```
    /// assert_eq!(simkern_core::Blocking::FALLBACK.nc(), 1536);
    /// ```
    pub const fn nc(self) -> usize {
        self.nc as usize
    }
}

/// `a / b`, 0 for `b = 0` (never here: every divisor is a positive tile
/// or block size, but visibly so to the optimiser — no panic path).
const fn div(a: usize, b: usize) -> usize {
    match a.checked_div(b) {
        Some(q) => q,
        None => 0,
    }
}

/// `x` within `lo..=hi` (`lo ≤ hi`) in a `const fn`.
const fn clamp(x: usize, lo: usize, hi: usize) -> usize {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

// The fixed blocks hold whole tiles at every level.
const _: () = {
    let mut i = 0;
    while i < Level::ALL.len() {
        let level = Level::ALL[i];
        let (mr, nv) = tile(level);
        let nr = nv * level.f32_lanes();
        let (fallback, most) = (Blocking::FALLBACK, Blocking::MOST);
        assert!(fallback.mc().is_multiple_of(mr) && most.mc().is_multiple_of(mr), "MC: whole tiles");
        assert!(fallback.nc().is_multiple_of(nr) && most.nc().is_multiple_of(nr), "NC: whole tiles");
        assert!(fallback.kc() <= most.kc() && fallback.mc() <= most.mc() && fallback.nc() <= most.nc());
        assert!(most.nc() <= u16::MAX as usize, "blocks fit their u16 fields");
        i += 1;
    }
};

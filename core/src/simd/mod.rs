//! The ISA layer: run-time detection, the lane trait every algorithm is
//! written against, one zero-sized token per instruction set, the loop
//! drivers, and [`Kernels`], the handle through which every kernel runs.
//!
//! This module (with its children) is the only place in the crate that
//! uses `unsafe` or `core::arch` (the crate root denies `unsafe_code`
//! everywhere else).
//!
//! # How an algorithm runs
//! An algorithm is a generic `#[inline(always)] fn algo<S: Simd>(s: S, …)`,
//! usually built from the drivers in `driver` (a [`LaneMap`] applied
//! lane-block by lane-block, a [`PairReduce`] over two streams with
//! several accumulators). It is wrapped in a value implementing [`Kernel`]
//! and handed to [`Kernels::run`], which picks the token for the handle's
//! level and calls the token's `vectorize`: a `#[target_feature]` function
//! generic over the kernel, so the algorithm is compiled once per ISA with
//! that ISA's instructions, without any ISA file knowing what it computes.
//!
//! # Detection
//! On x86_64 [`Level::best`] asks CPUID **and** XCR0 (through the
//! `cpufeatures` crate, which works without `std`): AVX-512 is used only when
//! the OS saves the ZMM state, AVX2 only when it saves the YMM state. The
//! answer is cached in an atomic after the first call. When the build's
//! target features already guarantee a level (e.g. `-C target-cpu=native`),
//! detection folds to a constant. On aarch64 NEON is baseline.

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
mod aarch64;
mod driver;
mod lanes;
mod portable;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use aarch64::Neon;
pub(crate) use driver::{
    F32_BLOCK_STEPS, F32Source, PairReduceF32, PairReduceI8, ShortPairs, reduce_pairs_f32,
    reduce_pairs_f32_compact, reduce_pairs_i8, zip_map_in_place,
};
pub(crate) use driver::{Lane, LaneMap, LaneZip, PairReduce, map, map_in_place, reduce_pairs, zip_map};
pub(crate) use lanes::{Kernel, Simd};
use portable::Portable;

/// Whether kernels are built for small code: on a target without SIMD
/// registers (a Cortex-M, RISC-V, wasm without simd128) each lane is a
/// scalar instruction or a soft-float call, so extra accumulator chains
/// and separate short/long loops multiply the code without making it
/// faster. There the drivers keep one loop shape and the fewest chains
/// (`reduce_pairs` runs as `reduce_short_pairs`, the fast tier with one
/// chain); elsewhere this is `false` and changes nothing.
pub(crate) const COMPACT: bool = portable::NO_SIMD;

/// Runs `kernel` inlined into the caller, or, where [`COMPACT`], out of
/// line through [`Simd::vectorize`]: one copy shared by every caller
/// instead of one per call site (there are no target features to lose on
/// such a target).
#[inline(always)]
pub(crate) fn shared_where_compact<S: Simd, K: Kernel>(s: S, kernel: K) -> K::Output {
    if COMPACT { s.vectorize(kernel) } else { kernel.run(s) }
}
#[cfg(target_arch = "x86_64")]
use x86_64::{Amx, Avx2, Avx512, Avx512Bf16};

use crate::blocking::Blocking;
use crate::cpu::Caches;
use crate::error::{Error, Result};
use crate::level::Level;

/// The handle every kernel is a method of: an instruction-set level that
/// this CPU has been checked to support, and the cache blocking of its
/// GEMM engine. `Copy`, a few words; obtain it once and keep it.
///
/// [`Kernels::best`] is the fastest level here (what every free function
/// uses); [`Kernels::new`] checks a level you name; [`Kernels::available`]
/// lists one handle per level this CPU has, so that tests and benchmarks
/// can run every path on its own. The level is checked once, when the
/// handle is made: no method can fail for it. The GEMM-shaped kernels
/// (`similarity_matrix_into`, `infonce`, `uniformity`) block for the
/// caches this CPU reports ([`Kernels::blocking`]), or for those named
/// with [`Kernels::with_caches`].
///
/// Every vector kernel of the crate is a method (`dot`, `cosine`,
/// `similarity_matrix_into`, `logsumexp`, `softmax_into`, `rank_into`,
/// `pearson`, `uniformity`, `pmf_into`, `infonce`, …), defined next to its
/// algorithm in the capability's module. Scalar kernels with no vector path
/// (binomial `pmf` / `cdf` / `sf`, `logsumexp_weighted`, `init::fill`) are
/// free functions only: they are the same at every level.
///
/// ```
/// use simkern_core::{Kernels, Level};
/// let k = Kernels::best();
/// assert_eq!(k.dot(&[1.0f32, 2.0], &[3.0, 4.0]).unwrap(), 11.0);
/// for &k in Kernels::available() {
///     assert_eq!(k.dot(&[1.0f64, 2.0], &[3.0, 4.0]).unwrap(), 11.0);
/// }
/// assert_eq!(Kernels::new(Level::Portable).unwrap().level(), Level::Portable);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kernels {
    level: Level,
    /// The blocking named by [`Kernels::with_caches`]; `None`: the one for
    /// the detected caches. No slot at all where [`COMPACT`] (the blocking
    /// is constant there), so that a handle stays one byte on a
    /// microcontroller.
    blocking: [Option<Blocking>; BLOCKING_SLOTS],
}

/// Slots for a named blocking in a [`Kernels`]: none where [`COMPACT`].
const BLOCKING_SLOTS: usize = if COMPACT { 0 } else { 1 };

impl Kernels {
    /// The handle for [`Level::best`] (detected once, then cached).
    ///
    /// ```
    /// assert_eq!(simkern_core::Kernels::best().level(), simkern_core::Level::best());
    /// ```
    #[inline]
    pub fn best() -> Kernels {
        Kernels::at(best_level())
    }

    /// The handle for `level`, or [`Error::LevelUnavailable`] if this CPU
    /// (or OS) lacks it.
    ///
    /// ```
    /// use simkern_core::{Error, Kernels, Level};
    /// assert!(Kernels::new(Level::Portable).is_ok());
    /// if !Level::Neon.is_available() {
    ///     assert_eq!(Kernels::new(Level::Neon), Err(Error::LevelUnavailable { level: Level::Neon }));
    /// }
    /// ```
    #[inline]
    pub fn new(level: Level) -> Result<Kernels> {
        if level.is_available() { Ok(Kernels::at(level)) } else { Err(Error::LevelUnavailable { level }) }
    }

    /// One handle per level this CPU supports, slowest first (the handles
    /// of [`Level::available`]).
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// assert_eq!(Kernels::available().last(), Some(&Kernels::best()));
    /// ```
    pub fn available() -> &'static [Kernels] {
        use Level::*;
        const P: Kernels = Kernels::at(Portable);
        match best_level() {
            Avx2 => &[P, const { Kernels::at(Avx2) }],
            Avx512 => &[P, const { Kernels::at(Avx2) }, const { Kernels::at(Avx512) }],
            Avx512Bf16 => &[
                P,
                const { Kernels::at(Avx2) },
                const { Kernels::at(Avx512) },
                const { Kernels::at(Avx512Bf16) },
            ],
            Amx => &[
                P,
                const { Kernels::at(Avx2) },
                const { Kernels::at(Avx512) },
                const { Kernels::at(Avx512Bf16) },
                const { Kernels::at(Amx) },
            ],
            Neon => &[P, const { Kernels::at(Neon) }],
            _ => &[P],
        }
    }

    /// The portable level's handle: every CPU has it, so this is a `const
    /// fn` — what sizes scratch at compile time on a target whose only
    /// level it is (e.g. `Kernels::portable().similarity_matrix_scratch_len(…)`).
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// const PORTABLE: Kernels = Kernels::portable();
    /// assert_eq!(PORTABLE.level(), Level::Portable);
    /// ```
    #[inline]
    pub const fn portable() -> Kernels {
        Kernels::at(Level::Portable)
    }

    /// The handle for a level already checked, blocking for the detected
    /// caches.
    const fn at(level: Level) -> Kernels {
        Kernels { level, blocking: [None; BLOCKING_SLOTS] }
    }

    /// The level this handle runs at.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// assert_eq!(Kernels::new(Level::Portable).unwrap().level(), Level::Portable);
    /// ```
    #[inline]
    pub const fn level(self) -> Level {
        self.level
    }

    /// The cache blocking this handle's GEMM engine uses: derived from the
    /// caches this CPU reports (read once, then cached; [`Blocking::FALLBACK`]
    /// where it reports none), or from those given to
    /// [`Kernels::with_caches`]. On targets without SIMD registers (a
    /// Cortex-M, RISC-V, wasm without simd128) it is always
    /// [`Blocking::FALLBACK`]: there is nothing to detect, and constant
    /// blocks keep the engine's code small.
    ///
    /// ```
    /// use simkern_core::{Blocking, Kernels};
    /// let b = Kernels::best().blocking();
    /// assert!(b.kc() <= Blocking::MOST.kc() && b.mc() <= Blocking::MOST.mc());
    /// ```
    #[inline]
    pub fn blocking(self) -> Blocking {
        if COMPACT {
            // No caches to detect, and constant blocks fold the engine's
            // loops (flash: see `Blocking`).
            return Blocking::FALLBACK;
        }
        match self.blocking.first() {
            Some(&Some(blocking)) => blocking,
            _ => Blocking::for_caches(self.level, detected_caches()),
        }
    }

    /// This handle with its GEMM engine blocked for `caches` instead of
    /// the detected ones: to tune for a part the CPUID of a virtual
    /// machine misreports, or to test the engine across block boundaries
    /// with tiny caches. Results do not depend on the blocking beyond the
    /// order of `f32` additions across k-blocks. (No effect on targets
    /// without SIMD registers: see [`Kernels::blocking`].)
    ///
    /// ```
    /// use simkern_core::{Blocking, Caches, Kernels};
    /// let tiny = Caches { l1d: Some(1 << 10), l2: Some(4 << 10), l3: Some(16 << 10) };
    /// let k = Kernels::best().with_caches(tiny);
    /// assert_eq!(k.blocking(), Blocking::for_caches(k.level(), tiny));
    /// assert_eq!(k.level(), Kernels::best().level());
    /// ```
    #[inline]
    pub const fn with_caches(self, caches: Caches) -> Kernels {
        Kernels {
            level: self.level,
            blocking: [Some(Blocking::for_caches(self.level, caches)); BLOCKING_SLOTS],
        }
    }

    /// Runs `kernel` with this level's instructions. [`Level::Avx512Bf16`]
    /// and [`Level::Amx`] run the [`Level::Avx512`] code: only the storage
    /// types' dot products ([`Kernels::run_storage`]) and the `bf16`
    /// matrix ([`Kernels::tiles`]) differ between them, so the other
    /// kernels are not compiled three times.
    #[inline(always)]
    pub(crate) fn run<K: Kernel>(self, kernel: K) -> K::Output {
        match self.level {
            #[cfg(target_arch = "x86_64")]
            Level::Avx512 | Level::Avx512Bf16 | Level::Amx => {
                // SAFETY: a `Kernels` holds a level only after `best_level`
                // or `is_available` said this CPU has it, and `best_level`
                // says one of these only after `Avx512::try_new` succeeded
                // (the detection of the other two requires it).
                unsafe { Avx512::new_unchecked() }.vectorize(kernel)
            }
            // SAFETY: likewise for `Avx2` (AVX-512 implies it; `best_level`
            // checks it otherwise).
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => unsafe { Avx2::new_unchecked() }.vectorize(kernel),
            #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
            Level::Neon => Neon::new().vectorize(kernel),
            _ => Portable::new().vectorize(kernel),
        }
    }

    /// Runs a kernel of the storage types (the fast tier over `f32`, `f16`,
    /// `bf16`; the `i8` sums) with this level's instructions, including the
    /// dot-product instructions of [`Level::Avx512Bf16`].
    #[inline(always)]
    pub(crate) fn run_storage<K: Kernel>(self, kernel: K) -> K::Output {
        match self.level {
            // SAFETY: a `Kernels` holds `Avx512Bf16` or `Amx` only after
            // `best_level` found `Avx512Bf16::try_new` to succeed (`Amx`'s
            // detection requires it).
            #[cfg(target_arch = "x86_64")]
            Level::Avx512Bf16 | Level::Amx => unsafe { Avx512Bf16::new_unchecked() }.vectorize(kernel),
            _ => self.run(kernel),
        }
    }

    /// The AMX tiles, where this handle's level is [`Level::Amx`].
    #[inline(always)]
    pub(crate) fn tiles(self) -> Option<Tiles> {
        match self.level {
            // SAFETY: a `Kernels` holds `Amx` only after `best_level` found
            // `Amx::try_new` to succeed.
            #[cfg(target_arch = "x86_64")]
            Level::Amx => Some(Tiles(unsafe { Amx::new_unchecked() })),
            _ => None,
        }
    }
}

/// The tile engine of [`Level::Amx`] (see `x86_64/amx.rs`); never made on
/// other architectures.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tiles(
    #[cfg(target_arch = "x86_64")] Amx,
    #[cfg(not(target_arch = "x86_64"))] core::convert::Infallible,
);

/// `f32` slots of one packed tile (16 rows of 64 bytes).
pub(crate) const TILE_SLOTS: usize = 256;

impl Tiles {
    /// One 32-row block of `bf16` products on the tiles: see
    /// `Amx::bf16_block` (the layout, the rounding, and the lengths below
    /// which it does nothing).
    #[inline]
    pub(crate) fn bf16_block(
        self,
        a: &[f32],
        b: &[f32],
        chunks: usize,
        groups: usize,
        out: &mut [f32],
        ld: usize,
    ) {
        #[cfg(target_arch = "x86_64")]
        self.0.bf16_block(a, b, chunks, groups, out, ld);
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (a, b, chunks, groups, out, ld);
            match self.0 {}
        }
    }
}

impl crate::cpu::Cpu {
    /// The CPU this code runs on, from CPUID (x86_64; detected once per
    /// call, a few hundred cycles): `None` on other architectures and
    /// under Miri.
    ///
    /// ```
    /// let cpu = simkern_core::Cpu::detect();
    /// assert_eq!(cpu.is_some(), cfg!(all(target_arch = "x86_64", not(miri))));
    /// ```
    pub fn detect() -> Option<crate::cpu::Cpu> {
        #[cfg(all(target_arch = "x86_64", not(miri)))]
        return Some(x86_64::cpuid::detect());
        #[cfg(not(all(target_arch = "x86_64", not(miri))))]
        None
    }
}

impl Level {
    /// Every level a build for this target can run at on some CPU, slowest
    /// first: what a buffer sized at compile time must fit (the free
    /// `*_scratch_len` functions take the largest need over these). Only
    /// [`Level::Portable`] on targets without x86_64 or NEON SIMD.
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::TARGET[0], Level::Portable);
    /// assert!(Level::available().iter().all(|l| Level::TARGET.contains(l)));
    /// ```
    pub const TARGET: &'static [Level] = {
        #[cfg(target_arch = "x86_64")]
        let levels = &[Level::Portable, Level::Avx2, Level::Avx512, Level::Avx512Bf16, Level::Amx];
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        let levels = &[Level::Portable, Level::Neon];
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "aarch64", target_feature = "neon"))))]
        let levels = &[Level::Portable];
        levels
    };

    /// The fastest level this CPU supports (detected once, then cached).
    ///
    /// ```
    /// use simkern_core::Level;
    /// println!("running at {:?}", Level::best());
    /// ```
    #[inline]
    pub fn best() -> Level {
        best_level()
    }

    /// Every level this CPU supports, slowest first; always starts with
    /// [`Level::Portable`] and ends with [`Level::best`].
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::available()[0], Level::Portable);
    /// ```
    pub fn available() -> &'static [Level] {
        match best_level() {
            Level::Avx2 => &[Level::Portable, Level::Avx2],
            Level::Avx512 => &[Level::Portable, Level::Avx2, Level::Avx512],
            Level::Avx512Bf16 => &[Level::Portable, Level::Avx2, Level::Avx512, Level::Avx512Bf16],
            Level::Amx => &[Level::Portable, Level::Avx2, Level::Avx512, Level::Avx512Bf16, Level::Amx],
            Level::Neon => &[Level::Portable, Level::Neon],
            _ => &[Level::Portable],
        }
    }

    /// Whether kernels can run at this level here.
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::Neon.is_available(), cfg!(target_arch = "aarch64"));
    /// ```
    #[inline]
    pub fn is_available(self) -> bool {
        Level::available().contains(&self)
    }
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
fn best_level() -> Level {
    use core::sync::atomic::{AtomicU8, Ordering::Relaxed};
    /// The detected level as `Level as u8`; `u8::MAX` until detected.
    static BEST: AtomicU8 = AtomicU8::new(u8::MAX);
    const PORTABLE: u8 = Level::Portable as u8;
    const AVX2: u8 = Level::Avx2 as u8;
    const AVX512: u8 = Level::Avx512 as u8;
    const AVX512_BF16: u8 = Level::Avx512Bf16 as u8;
    const AMX: u8 = Level::Amx as u8;
    match BEST.load(Relaxed) {
        PORTABLE => Level::Portable,
        AVX2 => Level::Avx2,
        AVX512 => Level::Avx512,
        AVX512_BF16 => Level::Avx512Bf16,
        AMX => Level::Amx,
        _ => {
            let level = if Amx::try_new().is_some() {
                Level::Amx
            } else if Avx512Bf16::try_new().is_some() {
                Level::Avx512Bf16
            } else if Avx512::try_new().is_some() {
                Level::Avx512
            } else if Avx2::try_new().is_some() {
                Level::Avx2
            } else {
                Level::Portable
            };
            // Racing threads store the same value.
            BEST.store(level as u8, Relaxed);
            level
        }
    }
}

/// The caches CPUID reports, read once and then cached (a CPUID under a
/// hypervisor is a VM exit, microseconds: not something to ask per call).
#[cfg(all(target_arch = "x86_64", not(miri)))]
fn detected_caches() -> Caches {
    use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    /// Each size in bytes, 0 where not reported; valid once `READ` is set.
    static SIZES: [AtomicUsize; 3] = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];
    static READ: AtomicBool = AtomicBool::new(false);
    let of = |size: usize| if size == 0 { None } else { Some(size) };
    if READ.load(Ordering::Acquire) {
        let [l1d, l2, l3] = &SIZES;
        let load = |a: &AtomicUsize| of(a.load(Ordering::Relaxed));
        return Caches { l1d: load(l1d), l2: load(l2), l3: load(l3) };
    }
    let caches = x86_64::cpuid::detect().caches;
    // Racing threads store the same values.
    for (slot, size) in SIZES.iter().zip([caches.l1d, caches.l2, caches.l3]) {
        slot.store(size.unwrap_or(0), Ordering::Relaxed);
    }
    READ.store(true, Ordering::Release);
    caches
}

/// No CPUID to ask (other architectures, Miri): the fallback blocking.
#[cfg(not(all(target_arch = "x86_64", not(miri))))]
fn detected_caches() -> Caches {
    Caches::default()
}

#[cfg(all(target_arch = "aarch64", target_feature = "neon", not(miri)))]
fn best_level() -> Level {
    Level::Neon
}

/// Miri cannot run `cpuid` (nor most vector intrinsics): it checks the
/// portable path.
#[cfg(any(miri, not(any(target_arch = "x86_64", all(target_arch = "aarch64", target_feature = "neon")))))]
fn best_level() -> Level {
    Level::Portable
}

/// The first `min(src.len(), N)` elements of `src`, `fill` after them: how
/// levels without masked loads read a partial vector.
#[inline(always)]
fn padded<const N: usize, T: Copy>(src: &[T], fill: T) -> [T; N] {
    // `N` fixed steps, unrolled: no `memcpy` call for a variable length
    // (at opt-level "s" it was one, and 730 bytes of flash on a Cortex-M).
    core::array::from_fn(|i| if i < src.len() { src[i] } else { fill })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn available_is_ordered_and_contains_best() {
        let levels = Level::available();
        assert_eq!(levels[0], Level::Portable);
        assert_eq!(*levels.last().unwrap(), Level::best());
        assert!(levels.windows(2).all(|w| w[0] < w[1]));
        assert!(Kernels::available().iter().map(|k| k.level()).eq(levels.iter().copied()));
    }

    /// CPUID's family, model, stepping and data caches agree with what the
    /// Linux kernel reports (`/proc/cpuinfo`, the sysfs cache directories).
    #[cfg(all(target_arch = "x86_64", target_os = "linux", not(miri)))]
    #[test]
    fn cpu_facts_agree_with_linux() {
        extern crate std;
        use std::string::String;
        let cpu = crate::Cpu::detect().expect("x86_64 reports CPUID");
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let first = |key: &str| {
            info.lines()
                .find(|l| l.split(':').next().map(str::trim) == Some(key))
                .and_then(|l| l.split(':').nth(1))
                .and_then(|v| v.trim().parse::<u32>().ok())
        };
        if let (Some(f), Some(m)) = (first("cpu family"), first("model")) {
            assert_eq!((cpu.family, cpu.model), (f, m));
        }
        if let Some(s) = first("stepping") {
            assert_eq!(cpu.stepping, s);
        }
        for index in 0..8 {
            let dir = std::format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
            let read =
                |f: &str| std::fs::read_to_string(std::format!("{dir}/{f}")).map(|s| String::from(s.trim()));
            let (Ok(level), Ok(kind), Ok(size)) = (read("level"), read("type"), read("size")) else {
                continue;
            };
            let Some(kib) = size.strip_suffix('K').and_then(|k| k.parse::<usize>().ok()) else { continue };
            let ours = match (level.as_str(), kind.as_str()) {
                ("1", "Data") => cpu.caches.l1d,
                ("2", _) => cpu.caches.l2,
                ("3", _) => cpu.caches.l3,
                _ => continue,
            };
            assert_eq!(ours, Some(kib * 1024), "L{level} {kind}");
        }
        assert!(!cpu.vendor().is_empty());
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_agrees_with_std() {
        extern crate std;
        let avx2 = std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("f16c");
        let avx512 = avx2
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq");
        let bf16 = avx512
            && std::is_x86_feature_detected!("avx512bf16")
            && std::is_x86_feature_detected!("avx512vnni");
        assert_eq!(Avx2::try_new().is_some(), avx2);
        assert_eq!(Avx512::try_new().is_some(), avx512);
        assert_eq!(Avx512Bf16::try_new().is_some(), bf16);
        // AMX: std cannot name it on stable; Linux lists the flags only
        // where it supports the tile state (and then grants it).
        #[cfg(all(target_os = "linux", not(miri)))]
        {
            let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
            let flags = info.lines().find(|l| l.starts_with("flags")).unwrap_or_default();
            let has = |f: &str| flags.split_whitespace().any(|x| x == f);
            let amx = bf16 && has("amx_tile") && has("amx_bf16");
            assert_eq!(Amx::try_new().is_some(), amx);
        }
    }
}

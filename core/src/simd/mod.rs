//! The ISA layer: run-time detection, the lane trait every algorithm is
//! written against, and one zero-sized token per instruction set.
//!
//! This module (with its children) is the only place in the crate that
//! uses `unsafe` or `core::arch`.
//!
//! # How an algorithm runs
//! An algorithm is a generic `#[inline(always)] fn algo<S: Simd>(s: S, …)`.
//! It is wrapped in a value implementing the crate-private `Kernel` trait
//! and handed to `dispatch`, which picks the token for the requested [`Level`] and calls
//! the token's `vectorize`. That is a `#[target_feature]` function generic
//! over the kernel, so the algorithm is compiled once per ISA with that
//! ISA's instructions, without any ISA file knowing what it computes.
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
mod lanes;
mod portable;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
pub use aarch64::Neon;
pub(crate) use lanes::{Kernel, Simd, Tile};
pub use portable::Portable;
#[cfg(target_arch = "x86_64")]
pub use x86_64::{Avx2, Avx512};

use crate::error::{Error, Result};

/// An instruction-set level a kernel can run at.
///
/// ```
/// use simkern_core::Level;
/// let best = Level::best();
/// assert!(Level::available().contains(&best));
/// assert!(Level::Portable.is_available());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Level {
    /// `wide`-based portable SIMD (SSE2 on a default x86_64 build, scalar
    /// on targets without SIMD such as `thumbv7em-none-eabihf`).
    Portable,
    /// x86_64 AVX2 with FMA (256-bit).
    Avx2,
    /// x86_64 AVX-512 F/VL/BW/DQ (512-bit, masked tails).
    Avx512,
    /// aarch64 Advanced SIMD (128-bit).
    Neon,
}

impl Level {
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
    /// Tests and benchmarks iterate over it to exercise each path on its own.
    ///
    /// ```
    /// use simkern_core::Level;
    /// for &level in Level::available() {
    ///     let d = simkern_core::similarity::dot_at(level, &[1.0f32, 2.0], &[3.0, 4.0]).unwrap();
    ///     assert_eq!(d, 11.0);
    /// }
    /// ```
    pub fn available() -> &'static [Level] {
        match Level::best() {
            Level::Portable => &[Level::Portable],
            Level::Avx2 => &[Level::Portable, Level::Avx2],
            Level::Avx512 => &[Level::Portable, Level::Avx2, Level::Avx512],
            Level::Neon => &[Level::Portable, Level::Neon],
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
        match (self, Level::best()) {
            (Level::Portable, _) => true,
            (Level::Avx2, best) => best == Level::Avx2 || best == Level::Avx512,
            (level, best) => level == best,
        }
    }

    /// Lower-case name, as accepted by [`Level::from_name`].
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::Avx512.name(), "avx512");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Level::Portable => "portable",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Neon => "neon",
        }
    }

    /// Parses a name produced by [`Level::name`].
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::from_name("avx2"), Some(Level::Avx2));
    /// assert_eq!(Level::from_name("sse9"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Level> {
        [Level::Portable, Level::Avx2, Level::Avx512, Level::Neon].into_iter().find(|l| l.name() == name)
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
    match BEST.load(Relaxed) {
        PORTABLE => Level::Portable,
        AVX2 => Level::Avx2,
        AVX512 => Level::Avx512,
        _ => {
            let level = if Avx512::try_new().is_some() {
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

/// The bits of `f64`s as `u64`s, in place: lets the rank sort use the
/// caller's `f64` output as its second item buffer.
pub(crate) fn f64_bits_mut(x: &mut [f64]) -> &mut [u64] {
    // SAFETY: `f64` and `u64` have the same size and alignment and every bit
    // pattern is valid for both; the slice covers exactly the memory of `x`
    // and takes over its exclusive borrow.
    unsafe { core::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<u64>(), x.len()) }
}

/// Runs `kernel` at `level`, or fails if this CPU lacks it.
#[inline]
pub(crate) fn dispatch<K: Kernel>(level: Level, kernel: K) -> Result<K::Output> {
    if level.is_available() {
        Ok(run_available(level, kernel))
    } else {
        Err(Error::LevelUnavailable { level })
    }
}

/// Runs `kernel` at `level`, or at [`Level::best`] when `level` is `None`.
#[inline]
pub(crate) fn run<K: Kernel>(level: Option<Level>, kernel: K) -> Result<K::Output> {
    match level {
        None => Ok(dispatch_best(kernel)),
        Some(level) => dispatch(level, kernel),
    }
}

/// Runs `kernel` at [`Level::best`]; cannot fail.
#[inline]
pub(crate) fn dispatch_best<K: Kernel>(kernel: K) -> K::Output {
    run_available(best_level(), kernel)
}

/// Runs `kernel` at `level`, which must be in [`Level::available`].
#[inline(always)]
fn run_available<K: Kernel>(level: Level, kernel: K) -> K::Output {
    match level {
        // SAFETY: `level` is available (callers check it against
        // `best_level`, which says `Avx512` only after `Avx512::try_new`
        // succeeded on this CPU).
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => unsafe { Avx512::new_unchecked() }.vectorize(kernel),
        // SAFETY: likewise for `Avx2` (AVX-512 implies it; `best_level`
        // checks it otherwise).
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => unsafe { Avx2::new_unchecked() }.vectorize(kernel),
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Level::Neon => Neon::new().vectorize(kernel),
        _ => Portable::new().vectorize(kernel),
    }
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
    }

    #[test]
    fn names_round_trip() {
        for l in [Level::Portable, Level::Avx2, Level::Avx512, Level::Neon] {
            assert_eq!(Level::from_name(l.name()), Some(l));
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_agrees_with_std() {
        extern crate std;
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let avx512 = avx2
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq");
        assert_eq!(Avx2::try_new().is_some(), avx2);
        assert_eq!(Avx512::try_new().is_some(), avx512);
    }
}

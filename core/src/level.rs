//! The names of the instruction-set levels a kernel can run at.
//!
//! This file only names them; which ones this CPU has is the ISA layer's
//! business (`Level::best`, `Level::available`, `Level::is_available`,
//! defined in `simd/`), and the handle that runs kernels at a level is
//! [`Kernels`](crate::Kernels).

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
    /// x86_64 AVX2 with FMA and F16C (256-bit).
    Avx2,
    /// x86_64 AVX-512 F/VL/BW/DQ (512-bit, masked tails).
    Avx512,
    /// x86_64 AVX-512 with BF16 and VNNI (Zen 4 and later, Cooper Lake,
    /// Sapphire Rapids and later): the [`Avx512`](Level::Avx512) kernels,
    /// but for the storage types' dot products, which use the dot-product
    /// instructions (`vdpbf16ps` for `bf16`, `vpdpbusd` for `i8`).
    Avx512Bf16,
    /// x86_64 AVX-512 with BF16 and VNNI, and the AMX tiles with their
    /// `bf16` products (Sapphire Rapids and later, where the OS grants a
    /// process the tile state — on Linux detection asks for it): the
    /// [`Avx512Bf16`](Level::Avx512Bf16) kernels, but for the `bf16`
    /// similarity matrix, which runs on the tiles (`tdpbf16ps`).
    Amx,
    /// aarch64 Advanced SIMD (128-bit).
    Neon,
}

impl Level {
    /// Every level, slowest first on each architecture.
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::ALL[0], Level::Portable);
    /// ```
    pub const ALL: [Level; 6] =
        [Level::Portable, Level::Avx2, Level::Avx512, Level::Avx512Bf16, Level::Amx, Level::Neon];

    /// Lower-case name, as accepted by [`Level::from_name`].
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::Avx512.name(), "avx512");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Level::Portable => "portable",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Avx512Bf16 => "avx512bf16",
            Level::Amx => "amx",
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
        Level::ALL.into_iter().find(|l| l.name() == name)
    }

    /// `f32` lanes of one vector at this level (the portable level's
    /// follow the target: 8 where `wide` maps onto SIMD registers, 4 on
    /// targets without SIMD).
    ///
    /// ```
    /// use simkern_core::Level;
    /// assert_eq!(Level::Avx512.f32_lanes(), 16);
    /// ```
    pub const fn f32_lanes(self) -> usize {
        match self {
            Level::Portable => PORTABLE_F32_LANES,
            Level::Avx2 => 8,
            Level::Avx512 | Level::Avx512Bf16 | Level::Amx => 16,
            Level::Neon => 4,
        }
    }
}

/// `f32` lanes of the portable level: 8 where `wide` maps onto SIMD
/// registers (x86 SSE2, aarch64 NEON, wasm simd128), 4 on targets without
/// SIMD (the ISA layer picks its vector types by the same test and checks
/// that they agree).
const PORTABLE_F32_LANES: usize = if cfg!(any(
    target_feature = "sse2",
    all(target_arch = "aarch64", target_feature = "neon"),
    target_feature = "simd128"
)) {
    8
} else {
    4
};

#[cfg(test)]
mod tests {
    use super::Level;

    #[test]
    fn names_round_trip() {
        for l in Level::ALL {
            assert_eq!(Level::from_name(l.name()), Some(l));
        }
    }
}

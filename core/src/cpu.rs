//! What this CPU is: vendor, brand string, family and model, and the sizes
//! of its data caches, as CPUID reports them — for a benchmark report that
//! names its machine, and for blocking parameters derived from the caches
//! instead of constants measured on one part.
//!
//! This file only names the facts; reading them is the ISA layer's
//! business ([`Cpu::detect`], defined in `simd/`).

/// Sizes of the data caches one core sees, in bytes (`None` where the CPU
/// does not report a level).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Caches {
    /// The level-1 data cache of one core.
    pub l1d: Option<usize>,
    /// The level-2 cache (per core on current x86 parts).
    pub l2: Option<usize>,
    /// The level-3 cache (one instance, usually shared by several cores).
    pub l3: Option<usize>,
}

/// The identity and caches of the CPU this code runs on.
///
/// ```
/// if let Some(cpu) = simkern_core::Cpu::detect() {
///     println!("{} ({}), family {} model {}", cpu.brand(), cpu.vendor(), cpu.family, cpu.model);
///     println!("L1d {:?} B, L2 {:?} B, L3 {:?} B", cpu.caches.l1d, cpu.caches.l2, cpu.caches.l3);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cpu {
    /// The vendor string (`GenuineIntel`, `AuthenticAMD`, …), ASCII.
    pub(crate) vendor: [u8; 12],
    /// The brand string (`AMD EPYC 9R14 …`), ASCII, NUL-padded.
    pub(crate) brand: [u8; 48],
    /// The display family (base plus extended family, as `lscpu` prints it).
    pub family: u32,
    /// The display model (extended model in the high nibble where the
    /// family uses it).
    pub model: u32,
    /// The stepping.
    pub stepping: u32,
    /// The data caches.
    pub caches: Caches,
}

impl Cpu {
    /// The vendor string, e.g. `AuthenticAMD` (empty if not ASCII).
    ///
    /// ```
    /// if let Some(cpu) = simkern_core::Cpu::detect() {
    ///     assert!(!cpu.vendor().is_empty());
    /// }
    /// ```
    pub fn vendor(&self) -> &str {
        ascii(&self.vendor)
    }

    /// The brand string without its padding, e.g. `AMD EPYC` under some
    /// hypervisors (empty if the CPU reports none).
    ///
    /// ```
    /// if let Some(cpu) = simkern_core::Cpu::detect() {
    ///     assert_eq!(cpu.brand(), cpu.brand().trim());
    /// }
    /// ```
    pub fn brand(&self) -> &str {
        ascii(&self.brand)
    }
}

/// `bytes` up to the first NUL, trimmed, or `""` if that is not ASCII.
fn ascii(bytes: &[u8]) -> &str {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = bytes.get(..end).unwrap_or_default();
    if text.is_ascii() { core::str::from_utf8(text).unwrap_or_default().trim() } else { "" }
}

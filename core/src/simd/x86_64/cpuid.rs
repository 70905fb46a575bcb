//! [`Cpu::detect`] on x86_64: the vendor (leaf 0), family, model and
//! stepping (leaf 1), the brand string (leaves 0x8000_0002..4) and the
//! data caches — Intel's deterministic cache parameters (leaf 4), AMD's
//! (leaf 0x8000_001D, with the topology extensions), else AMD's legacy
//! L1/L2/L3 leaves (0x8000_0005/6).

use core::arch::x86_64::{__cpuid_count, CpuidResult};

use crate::cpu::{Caches, Cpu};

fn cpuid(leaf: u32, sub: u32) -> CpuidResult {
    __cpuid_count(leaf, sub)
}

/// Whether the CPU has F16C (CPUID leaf 1, ECX bit 29): the `f16` ↔ `f32`
/// conversions of the AVX2 level. Uses the YMM state, which the caller has
/// checked the OS saves. `false` under Miri (no CPUID there).
pub(crate) fn has_f16c() -> bool {
    !cfg!(miri) && cpuid(1, 0).ecx & (1 << 29) != 0
}

/// Whether the CPU has AVX512-BF16 (CPUID leaf 7 subleaf 1, EAX bit 5)
/// and AVX512-VNNI (leaf 7 subleaf 0, ECX bit 11). Uses the ZMM state,
/// which the caller has checked the OS saves. `false` under Miri.
pub(crate) fn has_avx512_bf16_vnni() -> bool {
    if cfg!(miri) || cpuid(0, 0).eax < 7 {
        return false;
    }
    let leaf7 = cpuid(7, 0);
    let vnni = leaf7.ecx & (1 << 11) != 0;
    vnni && leaf7.eax >= 1 && cpuid(7, 1).eax & (1 << 5) != 0
}

/// `bits hi..=lo` of `x`.
fn field(x: u32, hi: u32, lo: u32) -> u32 {
    (x >> lo) & ((1u32 << (hi - lo + 1)) - 1)
}

pub(crate) fn detect() -> Cpu {
    let id = cpuid(0, 0);
    let max_leaf = id.eax;
    let mut vendor = [0u8; 12];
    for (chunk, reg) in vendor.chunks_exact_mut(4).zip([id.ebx, id.edx, id.ecx]) {
        chunk.copy_from_slice(&reg.to_le_bytes());
    }
    let sig = cpuid(1, 0).eax;
    let (base_family, base_model) = (field(sig, 11, 8), field(sig, 7, 4));
    let family = if base_family == 0xF { base_family + field(sig, 27, 20) } else { base_family };
    let model = if base_family == 0x6 || base_family == 0xF {
        base_model | (field(sig, 19, 16) << 4)
    } else {
        base_model
    };

    let max_ext = cpuid(0x8000_0000, 0).eax;
    let mut brand = [0u8; 48];
    if max_ext >= 0x8000_0004 {
        for (i, chunk) in brand.chunks_exact_mut(16).enumerate() {
            let r = cpuid(0x8000_0002 + i as u32, 0);
            for (bytes, reg) in chunk.chunks_exact_mut(4).zip([r.eax, r.ebx, r.ecx, r.edx]) {
                bytes.copy_from_slice(&reg.to_le_bytes());
            }
        }
    }

    let amd = &vendor == b"AuthenticAMD" || &vendor == b"HygonGenuine";
    let topology_ext = max_ext >= 0x8000_0001 && cpuid(0x8000_0001, 0).ecx & (1 << 22) != 0;
    let caches = if !amd && max_leaf >= 4 {
        deterministic_caches(4)
    } else if amd && topology_ext && max_ext >= 0x8000_001D {
        deterministic_caches(0x8000_001D)
    } else if amd && max_ext >= 0x8000_0006 {
        legacy_amd_caches(max_ext)
    } else {
        Caches::default()
    };
    Cpu { vendor, brand, family, model, stepping: field(sig, 3, 0), caches }
}

/// The data and unified caches of a deterministic-cache-parameters leaf
/// (Intel's 4, AMD's 0x8000_001D; the same layout): one subleaf per cache
/// until type 0. Size = ways · partitions · line size · sets.
fn deterministic_caches(leaf: u32) -> Caches {
    let mut caches = Caches::default();
    for sub in 0..16 {
        let r = cpuid(leaf, sub);
        let kind = field(r.eax, 4, 0);
        if kind == 0 {
            break;
        }
        if kind == 2 {
            continue; // instruction cache
        }
        let size = (field(r.ebx, 31, 22) as usize + 1)
            * (field(r.ebx, 21, 12) as usize + 1)
            * (field(r.ebx, 11, 0) as usize + 1)
            * (r.ecx as usize + 1);
        match field(r.eax, 7, 5) {
            1 => caches.l1d = Some(size),
            2 => caches.l2 = Some(size),
            3 => caches.l3 = Some(size),
            _ => {}
        }
    }
    caches
}

/// AMD's legacy leaves: L1d in KiB (0x8000_0005 ECX[31:24]), L2 in KiB
/// (0x8000_0006 ECX[31:16]), L3 in 512 KiB units (EDX[31:18]).
fn legacy_amd_caches(max_ext: u32) -> Caches {
    let kib = |k: u32| (k != 0).then_some(k as usize * 1024);
    let l1d = if max_ext >= 0x8000_0005 { kib(field(cpuid(0x8000_0005, 0).ecx, 31, 24)) } else { None };
    let r = cpuid(0x8000_0006, 0);
    Caches { l1d, l2: kib(field(r.ecx, 31, 16)), l3: kib(field(r.edx, 31, 18) * 512) }
}

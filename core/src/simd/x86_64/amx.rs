//! AMX (Advanced Matrix Extensions): eight tile registers of up to
//! 16 rows × 64 bytes and `tdpbf16ps`, a 16 × 16 `f32` tile plus the
//! product of a 16 × 32 `bf16` tile and a 32 × 16 one — 8192 multiply-adds
//! per instruction (≈ 3 TFLOP/s on one Granite Rapids core, where
//! `vdpbf16ps` gives ≈ 110 GFLOP/s and f32 FMAs ≈ 230).
//!
//! Usable when the CPU has AMX-TILE and AMX-BF16 (CPUID leaf 7 EDX bits 24
//! and 22), the OS has enabled the tile state in XCR0 (bits 17 and 18) and,
//! on Linux, this process has been granted it: the tile data is 8 KiB of
//! register state the kernel saves only for processes that ask
//! (`arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`, asked once by
//! detection). Elsewhere the level is not offered.
//!
//! The instructions are written in `asm!`: Rust's AMX intrinsics and
//! target features are unstable. Each call configures the tiles, computes
//! and releases them (`tilerelease`) within one `asm!` block, so no tile
//! state outlives it.

use core::arch::asm;
use core::arch::x86_64::__cpuid_count;

/// Token proving AMX-TILE and AMX-BF16 are usable by this process (and
/// the AVX-512 BF16 level below it, which detection checks first).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Amx(());

use crate::simd::TILE_SLOTS;

/// The tile configuration every call uses (palette 1, all eight tiles
/// 16 rows × 64 bytes): C00, C01, C10, C11 in tiles 0–3, two row tiles of
/// A in 4–5, two column tiles of B in 6–7.
#[repr(C, align(64))]
struct TileConfig([u8; 64]);

static CONFIG: TileConfig = {
    let mut c = [0u8; 64];
    c[0] = 1; // palette 1
    let mut t = 0;
    while t < 8 {
        c[16 + 2 * t] = 64; // bytes per row (u16, little-endian)
        c[48 + t] = 16; // rows
        t += 1;
    }
    TileConfig(c)
};

impl Amx {
    /// Returns the token if this CPU, OS and process can use the tiles.
    pub(crate) fn try_new() -> Option<Amx> {
        if cfg!(miri) || super::Avx512Bf16::try_new().is_none() || !cpu_and_os_have_tiles() {
            return None;
        }
        if !process_may_use_tiles() {
            return None;
        }
        Some(Amx(()))
    }

    /// The token without detection.
    ///
    /// # Safety
    /// [`Amx::try_new`] must have succeeded in this process before.
    #[inline(always)]
    pub(crate) unsafe fn new_unchecked() -> Amx {
        Amx(())
    }

    /// `out[r·ld + 32g + c] = Σ_k a_r,k · b_g,c,k` for the 32 rows of one
    /// packed A panel and `groups` packed B panels of 32 columns each, over
    /// `chunks` steps of 32 `k` (both operands in the tile layout of
    /// `crate::tiles`: per step, two tiles of 16 rows × 16 `bf16` pairs,
    /// a pair's bits in one `f32` slot). Products are exact; the sums are
    /// `tdpbf16ps`'s: one `f32` rounding per pair of products, subnormal
    /// inputs and results flushed to zero.
    ///
    /// Does nothing unless `a` holds `chunks · 512` slots, `b` holds
    /// `groups · chunks · 512`, `ld ≥ 32 · groups` and `out` holds
    /// `31 · ld + 32 · groups` (the 32 rows of the block).
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
        let step = 2 * TILE_SLOTS;
        let (Some(a_len), Some(b_len), Some(width)) = (
            chunks.checked_mul(step),
            groups.checked_mul(chunks).and_then(|x| x.checked_mul(step)),
            groups.checked_mul(32),
        ) else {
            return;
        };
        let out_len = ld.checked_mul(31).and_then(|x| x.checked_add(width));
        if chunks == 0
            || groups == 0
            || a.len() < a_len
            || b.len() < b_len
            || ld < width
            || out_len.is_none_or(|l| out.len() < l)
        {
            return;
        }
        let ld_bytes = ld * 4;
        // SAFETY: the token proves AMX-TILE/AMX-BF16 usable by this process
        // (CPUID, XCR0, and the Linux permission, checked by `try_new`).
        // Reads: per step, 2 KiB of `a` (two tiles of 16 rows × 64 bytes,
        // stride 64) and 2 KiB of `b`; `chunks` steps of `a` per group, and
        // `groups · chunks` steps of `b` — within the lengths checked above.
        // Writes: per group `g`, rows 0..32 at byte offsets r · ld_bytes +
        // 128 g + [0, 128) of `out`: the last byte is at 31 · ld_bytes +
        // 128 · groups − 1, within `out` by the check above. The counters
        // start at ≥ 1, so the `dec`/`jnz` loops end. `tilerelease`
        // returns the tile state to its initial state, as it was on entry.
        unsafe {
            asm!(
                "ldtilecfg [{cfg}]",
                "2:",
                "tilezero tmm0",
                "tilezero tmm1",
                "tilezero tmm2",
                "tilezero tmm3",
                "mov {ap}, {a}",
                "mov {c}, {chunks}",
                "3:",
                "tileloadd tmm4, [{ap} + {s64}*1]",
                "tileloadd tmm6, [{bp} + {s64}*1]",
                "tdpbf16ps tmm0, tmm4, tmm6",
                "tileloadd tmm7, [{bp} + {s64}*1 + 1024]",
                "tdpbf16ps tmm1, tmm4, tmm7",
                "tileloadd tmm5, [{ap} + {s64}*1 + 1024]",
                "tdpbf16ps tmm2, tmm5, tmm6",
                "tdpbf16ps tmm3, tmm5, tmm7",
                "add {ap}, 2048",
                "add {bp}, 2048",
                "dec {c}",
                "jnz 3b",
                "tilestored [{o} + {ld}*1], tmm0",
                "tilestored [{o} + {ld}*1 + 64], tmm1",
                "mov {t}, {ld}",
                "shl {t}, 4",
                "add {t}, {o}",
                "tilestored [{t} + {ld}*1], tmm2",
                "tilestored [{t} + {ld}*1 + 64], tmm3",
                "add {o}, 128",
                "dec {g}",
                "jnz 2b",
                "tilerelease",
                cfg = in(reg) CONFIG.0.as_ptr(),
                a = in(reg) a.as_ptr(),
                chunks = in(reg) chunks,
                s64 = in(reg) 64usize,
                ld = in(reg) ld_bytes,
                bp = inout(reg) b.as_ptr() => _,
                o = inout(reg) out.as_mut_ptr() => _,
                g = inout(reg) groups => _,
                ap = out(reg) _,
                c = out(reg) _,
                t = out(reg) _,
                options(nostack),
            );
        }
    }
}

/// CPUID's AMX-TILE and AMX-BF16 bits, and XCR0's tile-state bits (the
/// caller has checked that XSAVE is enabled: the ZMM state it needs is
/// read from XCR0 too).
fn cpu_and_os_have_tiles() -> bool {
    if __cpuid_count(0, 0).eax < 7 {
        return false;
    }
    let edx = __cpuid_count(7, 0).edx;
    let (tile, bf16) = (edx & (1 << 24) != 0, edx & (1 << 22) != 0);
    let xcr0: u64;
    // SAFETY: `xgetbv` with ECX = 0 reads XCR0; it is available when the
    // OS has set CR4.OSXSAVE, which the AVX-512 detection that ran first
    // (through XCR0) established. No memory access.
    unsafe {
        let (lo, hi): (u32, u32);
        asm!("xgetbv", in("ecx") 0u32, out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags));
        xcr0 = u64::from(lo) | u64::from(hi) << 32;
    }
    tile && bf16 && xcr0 & (0b11 << 17) == 0b11 << 17
}

/// Linux: asks for the tile data state (granted once per process, then
/// the answer is `0` again). Other systems: not offered.
fn process_may_use_tiles() -> bool {
    #[cfg(target_os = "linux")]
    {
        const ARCH_REQ_XCOMP_PERM: usize = 0x1023;
        const XFEATURE_XTILEDATA: usize = 18;
        const SYS_ARCH_PRCTL: usize = 158;
        let ret: isize;
        // SAFETY: the `arch_prctl` system call with these arguments only
        // changes which register state the kernel saves for this process;
        // it reads and writes no memory of ours. `syscall` clobbers RCX
        // and R11, declared.
        unsafe {
            asm!(
                "syscall",
                inlateout("rax") SYS_ARCH_PRCTL => ret,
                in("rdi") ARCH_REQ_XCOMP_PERM,
                in("rsi") XFEATURE_XTILEDATA,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        ret == 0
    }
    #[cfg(not(target_os = "linux"))]
    false
}

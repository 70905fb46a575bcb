//! x86_64 levels: AVX2 (with FMA, F16C), AVX-512 (F, VL, BW, DQ) and
//! AVX-512 with BF16 and VNNI, and the CPU's
//! identity and caches (`cpuid`).
//!
//! Support is read from CPUID and XCR0 by `cpufeatures` (the OS must save
//! the YMM / ZMM register state, not just the CPU implement the
//! instructions), cached after the first query; the extensions
//! `cpufeatures` does not name (F16C, AVX512-BF16, AVX512-VNNI) from CPUID directly (`cpuid`), on top
//! of the register state it checked.

mod amx;
mod avx2;
mod avx512;
pub(crate) mod cpuid;

pub(crate) use amx::Amx;
pub(crate) use avx2::Avx2;
pub(crate) use avx512::{Avx512, Avx512Bf16};

/// `prefetcht0` of the line holding `data[0]` (both x86 levels'
/// `Simd::prefetch`).
#[inline(always)]
fn prefetch(data: &[f32]) {
    use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    if let Some(first) = data.first() {
        // SAFETY: a prefetch is a hint: it never faults and reads nothing
        // into the program, and the address is that of a live element; SSE
        // (which has it) is baseline on x86_64.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(core::ptr::from_ref(first).cast()) }
    }
}

cpufeatures::new!(cpuid_avx2, "avx2", "fma");
cpufeatures::new!(cpuid_avx512, "avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512dq");

/// Defines an ISA token: the type, `try_new` backed by detection, and the
/// `#[target_feature]` entry point that compiles a [`Kernel`] with that
/// ISA's instructions.
///
/// [`Kernel`]: crate::simd::Kernel
macro_rules! x86_token {
    ($(#[$doc:meta])* $name:ident, $detect:expr, $features:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub(crate) struct $name(());

        impl $name {
            /// Returns the token if this CPU and OS support the level.
            #[inline]
            pub(crate) fn try_new() -> Option<Self> {
                if $detect { Some($name(())) } else { None }
            }

            /// The token without detection.
            ///
            /// # Safety
            /// The CPU and OS must support every feature in `$features`
            /// (detection has said so before).
            #[inline(always)]
            pub(crate) unsafe fn new_unchecked() -> Self {
                $name(())
            }

            #[inline(always)]
            pub(crate) fn vectorize<K: crate::simd::Kernel>(self, kernel: K) -> K::Output {
                // Never inlined: a kernel may call `vectorize` again for a
                // sub-step (a GEMM inside InfoNCE) so that the sub-step gets
                // a function, and a register allocation, of its own.
                #[inline(never)]
                #[target_feature(enable = $features)]
                fn entry<K: crate::simd::Kernel>(token: $name, kernel: K) -> K::Output {
                    kernel.run(token)
                }
                // SAFETY: a token exists only when every feature in
                // `$features` is usable: `try_new` builds it after detection
                // confirmed them, `new_unchecked` only for a level that
                // detection reported before (its contract).
                unsafe { entry(self, kernel) }
            }
        }
    };
}
pub(crate) use x86_token;

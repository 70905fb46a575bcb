//! The multiply-add ceiling of a level: independent FMA chains that touch
//! no memory, so that a report can state what fraction of the CPU's
//! measured peak a kernel reaches (the GEMM engine, above all) instead of
//! a peak computed from a clock the OS may misreport.

use crate::simd::{Kernel, Kernels, Simd};

/// Independent chains: an FMA's latency times the pipes that issue it on
/// current cores (4 cycles × 2) plus margin, and few enough to stay in the
/// 16 registers of AVX2 with the two operands.
const CHAINS: usize = 12;

impl Kernels {
    /// Runs `steps` rounds of 12 independent chains `a ← a·x + y` on
    /// vectors of this level and returns the floating-point operations
    /// done: `2 · 12 · lanes · steps` (an FMA counts two). Time it to get
    /// the level's multiply-add peak in FLOP/s on this core; nothing is
    /// loaded or stored inside the loop. (The portable level on a build
    /// without FMA does a multiply and an add: its figure is that pair's.)
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// let k = Kernels::best();
    /// let t = std::time::Instant::now();
    /// let flops = k.fma_peak_probe(64); // (a real measurement: ~1 << 20)
    /// let gflops = flops as f64 / t.elapsed().as_secs_f64() / 1e9;
    /// assert_eq!(flops, 2 * 12 * k.level().f32_lanes() as u64 * 64);
    /// assert!(gflops > 0.0);
    /// ```
    pub fn fma_peak_probe(self, steps: usize) -> u64 {
        let checksum = self.run(FmaChains { steps: core::hint::black_box(steps) });
        core::hint::black_box(checksum);
        self.fma_peak_flops_per_step() * steps as u64
    }

    /// The steps of [`Kernels::fma_peak_probe`] that do about `flops`
    /// floating-point operations (at least one).
    ///
    /// ```
    /// let k = simkern_core::Kernels::best();
    /// let steps = k.fma_peak_steps(1e5);
    /// assert!((k.fma_peak_probe(steps) as f64 - 1e5).abs() < 1e3);
    /// ```
    pub fn fma_peak_steps(self, flops: f64) -> usize {
        ((flops / self.fma_peak_flops_per_step() as f64) as usize).max(1)
    }

    /// FLOPs of one step: 12 chains of one vector's FMAs.
    const fn fma_peak_flops_per_step(self) -> u64 {
        (2 * CHAINS * self.level().f32_lanes()) as u64
    }
}

struct FmaChains {
    steps: usize,
}

impl Kernel for FmaChains {
    type Output = f32;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> f32 {
        // x < 1: each chain converges to y / (1 − x) instead of overflowing.
        let x = s.splat_f32(core::hint::black_box(0.999_999));
        let y = s.splat_f32(core::hint::black_box(1e-6));
        let mut acc = [s.splat_f32(0.0); CHAINS];
        for _ in 0..self.steps {
            for a in &mut acc {
                *a = s.mul_add_f32(*a, x, y);
            }
        }
        let mut lanes = [0.0f32; 64];
        let lanes = lanes.get_mut(..S::F32_LANES).unwrap_or_default();
        let mut total = 0.0;
        for a in acc {
            s.store_f32(a, lanes);
            total += lanes.iter().sum::<f32>();
        }
        total
    }
}

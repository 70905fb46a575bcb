//! The machine a report ran on: the CPU's identity and caches (CPUID,
//! through `simkern::Cpu`), the clock the OS reports, the SIMD level, the
//! measured multiply-add peak and the GEMM blocking derived from the caches.

use std::fmt::Write as _;

use simkern::{Cpu, Kernels, Level};

/// What the report says about its machine.
pub struct Machine {
    cpu: Option<Cpu>,
    /// `cpu MHz` of the first processor in `/proc/cpuinfo` (Linux): the
    /// OS's figure — under a hypervisor often the TSC's, not the boost clock.
    os_mhz: Option<f64>,
    cores: usize,
    /// The best level's multiply-add peak on one core, GFLOP/s (median of
    /// short runs of `Kernels::fma_peak_probe`).
    fma_peak: f64,
    /// The GEMM engine's blocks at the best level, from the caches.
    blocking: simkern::Blocking,
}

impl Machine {
    /// Reads the machine's facts.
    pub fn detect() -> Self {
        let os_mhz = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("cpu MHz"))
                .and_then(|l| l.split(':').nth(1))
                .and_then(|v| v.trim().parse().ok())
        });
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let best = Kernels::best();
        let mut peaks: Vec<f64> = (0..9)
            .map(|_| {
                let t = std::time::Instant::now();
                let flops = best.fma_peak_probe(1 << 20);
                flops as f64 / t.elapsed().as_secs_f64() / 1e9
            })
            .collect();
        peaks.sort_by(f64::total_cmp);
        Machine {
            cpu: Cpu::detect(),
            os_mhz,
            cores,
            fma_peak: peaks[peaks.len() / 2],
            blocking: best.blocking(),
        }
    }

    /// One line for the report's header.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        match &self.cpu {
            Some(c) => {
                let brand = if c.brand().is_empty() { "(no brand string)" } else { c.brand() };
                let _ = write!(
                    s,
                    "{brand} ({}, family {} model {} stepping {}), L1d {}, L2 {}, L3 {}",
                    c.vendor(),
                    c.family,
                    c.model,
                    c.stepping,
                    size(c.caches.l1d),
                    size(c.caches.l2),
                    size(c.caches.l3)
                );
            }
            None => s.push_str(std::env::consts::ARCH),
        }
        if let Some(mhz) = self.os_mhz {
            let _ = write!(s, ", {mhz:.0} MHz as the OS reports it");
        }
        let _ = write!(s, ", {} logical cores, best level {}", self.cores, Level::best().name());
        let b = self.blocking;
        let _ = write!(
            s,
            ", measured FMA peak {:.1} GFLOP/s on one core, GEMM blocks KC {} MC {} NC {}",
            self.fma_peak,
            b.kc(),
            b.mc(),
            b.nc()
        );
        s
    }

    /// The facts as a JSON object.
    pub fn json(&self) -> String {
        let text = |v: &str| serde_json::Value::from(v).to_string();
        let num = |v: Option<usize>| v.map_or("null".into(), |v| v.to_string());
        let mut fields = vec![
            format!("\"arch\":{}", text(std::env::consts::ARCH)),
            format!("\"best_level\":{}", text(Level::best().name())),
            format!("\"logical_cores\":{}", self.cores),
            format!("\"os_mhz\":{}", self.os_mhz.map_or("null".into(), |v| format!("{v:.1}"))),
            format!("\"fma_peak_gflops\":{:.2}", self.fma_peak),
            format!(
                "\"gemm_blocking\":{{\"kc\":{},\"mc\":{},\"nc\":{}}}",
                self.blocking.kc(),
                self.blocking.mc(),
                self.blocking.nc()
            ),
        ];
        if let Some(c) = &self.cpu {
            fields.extend([
                format!("\"vendor\":{}", text(c.vendor())),
                format!("\"brand\":{}", text(c.brand())),
                format!("\"family\":{}", c.family),
                format!("\"model\":{}", c.model),
                format!("\"stepping\":{}", c.stepping),
                format!("\"l1d_bytes\":{}", num(c.caches.l1d)),
                format!("\"l2_bytes\":{}", num(c.caches.l2)),
                format!("\"l3_bytes\":{}", num(c.caches.l3)),
            ]);
        }
        format!("{{{}}}", fields.join(","))
    }
}

/// `32 KiB`, `2 MiB`, or `?`.
fn size(bytes: Option<usize>) -> String {
    match bytes {
        Some(b) if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        Some(b) => format!("{} KiB", b >> 10),
        None => "?".into(),
    }
}

//! The levels a suite forces one by one, and a record of them for CI.
//!
//! Every suite iterates over [`levels`]: one [`Kernels`] handle per level
//! this CPU has, each kernel called as a method of it. When
//! `SIMKERN_LEVELS_LOG` names a file, each test binary appends the levels
//! it ran to it, so that `.ci/test` can check them against the CPU's own
//! flags: a detection bug that made the suites portable-only would fail CI
//! instead of passing quietly.

use simkern::Kernels;

/// One handle per level this CPU supports, slowest first; recorded once
/// per test binary (see the module docs).
///
/// ```
/// assert_eq!(simkern_tests::levels::levels()[0].level(), simkern::Level::Portable);
/// ```
pub fn levels() -> &'static [Kernels] {
    static SAID: std::sync::Once = std::sync::Once::new();
    let levels = Kernels::available();
    SAID.call_once(|| {
        let names: Vec<&str> = levels.iter().map(|k| k.level().name()).collect();
        eprintln!("levels under test: {}", names.join(" "));
        if let Some(path) = std::env::var_os("SIMKERN_LEVELS_LOG") {
            use std::io::Write as _;
            let line = format!("{}\n", names.join(" "));
            let written = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(line.as_bytes()));
            if let Err(e) = written {
                panic!("cannot record the levels in {}: {e}", path.to_string_lossy());
            }
        }
    });
    levels
}

/// [`levels`], each handle also blocked for two tiny cache hierarchies
/// (2 KiB of L2 and no L3; 24 KiB / 48 KiB): k-blocks of a few elements,
/// row and column blocks of a few tiles, so that the GEMM-shaped kernels'
/// block boundaries fall inside the small shapes a suite can afford. The
/// handle as detected comes first.
///
/// ```
/// let all = simkern_tests::levels::levels_and_blockings();
/// assert_eq!(all.len(), 3 * simkern_tests::levels::levels().len());
/// // (On targets without SIMD the blocking is constant: see `Kernels::blocking`.)
/// assert!(all.iter().all(|k| k.blocking().kc() <= simkern::Blocking::MOST.kc()));
/// ```
pub fn levels_and_blockings() -> Vec<Kernels> {
    let tiny = [
        simkern::Caches { l1d: Some(1 << 10), l2: Some(2 << 10), l3: None },
        simkern::Caches { l1d: Some(4 << 10), l2: Some(24 << 10), l3: Some(48 << 10) },
    ];
    levels().iter().flat_map(|&k| [k, k.with_caches(tiny[0]), k.with_caches(tiny[1])]).collect()
}

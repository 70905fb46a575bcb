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

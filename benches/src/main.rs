//! The simkern benchmark report: every kernel family against its baselines
//! in one process, contenders interleaved so that machine drift hits both,
//! medians and ratios in a Markdown table (also written under
//! `target/simkern-report/`).
//!
//! ```text
//! cargo run --release -p simkern-benches -- [--quick] [--filter FAMILY] [--level LEVEL | --levels]
//!     [--compare OLD.json] [--json] [--update-benchmarks]
//! ```
//!
//! The report names its machine (CPU brand, family/model, caches from
//! CPUID, the OS's clock, the SIMD level) in its header and its JSON;
//! `--levels` measures every row at every level this CPU has, side by side;
//! `--compare OLD.json` adds each row's change against an earlier run's
//! `report.json` (of this machine or another).
//!
//! The families live in `families/` (one file each); `report.rs` measures
//! and writes.

mod chart;
mod compare;
mod families;
mod machine;
mod memory;
mod report;

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use simkern::{Kernels, Level};

use families::{Family, Setup};
use report::Report;

/// Command-line options.
struct Options {
    quick: bool,
    filter: Option<String>,
    level: Kernels,
    /// Every level this CPU has, one after the other (`--levels`).
    all_levels: bool,
    /// An earlier `report.json` to compare against.
    compare: Option<String>,
    json: bool,
    /// Rewrite the report section of `BENCHMARKS.md` with this run's output.
    update_benchmarks: bool,
}

fn family_names() -> String {
    families::ALL.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        quick: false,
        filter: None,
        level: Kernels::best(),
        all_levels: false,
        compare: None,
        json: false,
        update_benchmarks: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--json" => o.json = true,
            "--update-benchmarks" => o.update_benchmarks = true,
            "--levels" => o.all_levels = true,
            "--compare" => o.compare = Some(args.next().ok_or("--compare needs a report.json")?),
            "--filter" => o.filter = Some(args.next().ok_or("--filter needs a family name")?),
            "--level" => {
                let name = args.next().ok_or("--level needs a level name")?;
                let level = Level::from_name(&name).ok_or(format!("unknown level {name:?}"))?;
                o.level = Kernels::new(level).map_err(|e| format!("level {name}: {e}"))?;
            }
            "-h" | "--help" => {
                let levels: Vec<&str> = Level::ALL.iter().map(|l| l.name()).collect();
                return Err(format!(
                    "usage: simkern-benches [--quick] [--filter FAMILY] [--level LEVEL | --levels] [--compare OLD.json] [--json] [--update-benchmarks]\n\
                     families: {}; levels: {}",
                    family_names(),
                    levels.join(", ")
                ));
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if o.all_levels && o.level != Kernels::best() {
        return Err("--levels measures every level: drop --level".into());
    }
    if o.update_benchmarks && (o.quick || o.filter.is_some()) {
        return Err("--update-benchmarks records the full report: drop --quick and --filter".into());
    }
    Ok(o)
}

/// A progress bar on stderr (drawn only when stderr is a terminal).
fn progress_bar(total: usize) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    let style = ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
        .expect("the template is valid")
        .progress_chars("#>-");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Runs the chosen families and writes the report; `Err` names what failed.
fn run(o: &Options) -> Result<(), String> {
    let chosen: Vec<&Family> =
        families::ALL.iter().filter(|f| o.filter.as_deref().is_none_or(|x| f.name.contains(x))).collect();
    if chosen.is_empty() {
        return Err(format!("no family matches the filter; families: {}", family_names()));
    }
    let levels: Vec<Kernels> = if o.all_levels { Kernels::available().to_vec() } else { vec![o.level] };
    let plans: Vec<_> = levels
        .iter()
        .map(|&level| {
            let setup = Setup { quick: o.quick, level };
            (level, chosen.iter().flat_map(|f| (f.plan)(setup)).collect::<Vec<_>>())
        })
        .collect();
    let setup = Setup { quick: o.quick, level: o.level };
    let bar = progress_bar(plans.iter().map(|(_, steps)| steps.len()).sum());
    let mut report = Report::new(Duration::from_millis(if o.quick { 150 } else { 700 }), o.level);
    let started = Instant::now();
    for (level, steps) in plans {
        report.set_level(level);
        for step in steps {
            bar.set_message(step.label);
            (step.run)(&mut report);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let machine = machine::Machine::detect();

    let mut table = report.markdown();
    for accuracy in chosen.iter().filter_map(|f| f.accuracy) {
        let (title, body) = accuracy(setup);
        table += &format!("\n{title}\n\n{body}");
    }
    if let Some(old) = &o.compare {
        table += &compare::section(&report, old)?;
    }
    let measured: Vec<&str> = levels.iter().map(|k| k.level().name()).collect();
    let header = format!(
        "simkern report — {}; measured level{}: {}, {:.0} s, medians of interleaved batches\n\n",
        machine.describe(),
        if measured.len() > 1 { "s" } else { "" },
        measured.join(", "),
        started.elapsed().as_secs_f64()
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/simkern-report");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    report::write(&dir.join("report.md"), &format!("{header}{table}"))?;
    let json = report.json(&machine.json());
    report::write(&dir.join("report.json"), &json)?;
    let bars: Vec<chart::Bar> = report
        .rows()
        .iter()
        .map(|r| chart::Bar { label: r.label(), speedup: r.speedup(), yardstick: r.is_yardstick() })
        .collect();
    let title = format!("simkern speed-ups ({}, medians of interleaved batches)", measured.join(", "));
    chart::speedups_svg(&dir.join("speedups.svg"), &title, &bars)
        .map_err(|e| format!("cannot write the chart: {e}"))?;
    if o.update_benchmarks {
        let path = report::update_benchmarks_md(&format!("{header}{table}"))?;
        eprintln!("report section of {} rewritten", path.display());
    }
    if o.json {
        print!("{json}");
    } else {
        print!("{header}{table}");
        println!("\n(written to {}, with report.json and speedups.svg)", dir.join("report.md").display());
    }
    Ok(())
}

/// With the `openblas` feature: OpenBLAS reads its thread count when it is
/// loaded, before `main`, so the report re-runs itself once with
/// `OPENBLAS_NUM_THREADS=1` (and without core-type or cache overrides) if
/// that is not already set. `None`: go on in this process.
#[cfg(feature = "openblas")]
fn one_openblas_thread() -> Option<i32> {
    if std::env::var("OPENBLAS_NUM_THREADS").as_deref() == Ok("1") {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    let status = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("OPENBLAS_NUM_THREADS", "1")
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .status()
        .ok()?;
    Some(status.code().unwrap_or(1))
}

fn main() {
    #[cfg(feature = "openblas")]
    if let Some(code) = one_openblas_thread() {
        std::process::exit(code);
    }
    let code = match parse_args() {
        Err(msg) => {
            eprintln!("{msg}");
            2
        }
        Ok(o) => match run(&o) {
            Ok(()) => 0,
            Err(msg) => {
                eprintln!("{msg}");
                1
            }
        },
    };
    std::process::exit(code);
}

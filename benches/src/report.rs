//! The measuring and the writing of the report: interleaved comparisons,
//! rows, the Markdown table, the JSON, the files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use simkern::Kernels;

/// What a case's rate is counted in.
#[derive(Clone, Copy)]
pub enum Unit {
    /// Floating-point operations (a multiply-add is two).
    Gflops,
    /// Elements processed.
    Gelems,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Gflops => "GFLOP/s",
            Unit::Gelems => "Gelem/s",
        }
    }
}

/// A workload measured against one or more baselines.
pub struct Case {
    /// The kernel family's name in the table (`dot_f32`, …).
    pub family: &'static str,
    /// The shape or data of this case.
    pub label: String,
    /// Work per call, in `unit`s (not billions).
    pub work: f64,
    /// How `work` is counted.
    pub unit: Unit,
}

/// One measured comparison.
pub struct Row {
    pub(crate) family: &'static str,
    pub(crate) case: String,
    pub(crate) level: Kernels,
    pub(crate) ours: f64,
    pub(crate) baseline: &'static str,
    theirs: f64,
    work: f64,
    unit: Unit,
}

impl Row {
    /// How many times faster simkern was.
    pub fn speedup(&self) -> f64 {
        self.theirs / self.ours
    }
    /// `family case vs baseline`, for the chart.
    pub fn label(&self) -> String {
        format!("{} {} vs {}", self.family, self.case, self.baseline)
    }
    /// Whether the baseline is a yardstick rather than a competitor.
    pub fn is_yardstick(&self) -> bool {
        self.baseline.contains("for scale")
    }
}

/// The rows of a run and how long each comparison may take.
pub struct Report {
    budget: Duration,
    level: Kernels,
    rows: Vec<Row>,
}

impl Report {
    /// An empty report measuring `level`, about `budget` per comparison.
    pub fn new(budget: Duration, level: Kernels) -> Self {
        Report { budget, level, rows: Vec::new() }
    }

    /// Measures `ours` against `theirs` on `case` (interleaved batches,
    /// medians) and records the row.
    pub fn versus(&mut self, case: &Case, baseline: &'static str, ours: impl FnMut(), theirs: impl FnMut()) {
        let (s, t) = compare(self.budget, ours, theirs);
        self.rows.push(Row {
            family: case.family,
            case: case.label.clone(),
            level: self.level,
            ours: s,
            baseline,
            theirs: t,
            work: case.work,
            unit: case.unit,
        });
    }

    /// Measures the next rows at `level` (`--levels`).
    pub fn set_level(&mut self, level: Kernels) {
        self.level = level;
    }

    /// The rows so far.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The Markdown table of the rows.
    pub fn markdown(&self) -> String {
        let mut t = String::from(
            "| kernel | case | level | simkern | baseline | baseline time | speed-up | simkern rate | baseline rate |\n\
             |---|---|---|---:|---|---:|---:|---:|---:|\n",
        );
        for r in &self.rows {
            let unit = r.unit.name();
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} | {} | {:.2}× | {:.1} {unit} | {:.1} {unit} |",
                r.family,
                r.case,
                r.level.level().name(),
                fmt_time(r.ours),
                r.baseline,
                fmt_time(r.theirs),
                r.speedup(),
                r.work / r.ours / 1e9,
                r.work / r.theirs / 1e9,
            );
        }
        t
    }

    /// The report as JSON: `{"machine": {…}, "rows": [{…}, …]}`.
    pub fn json(&self, machine: &str) -> String {
        let items: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{{\"kernel\":\"{}\",\"case\":\"{}\",\"level\":\"{}\",\"simkern_s\":{:e},\"baseline\":\"{}\",\"baseline_s\":{:e},\"speedup\":{:.4}}}",
                    r.family,
                    r.case,
                    r.level.level().name(),
                    r.ours,
                    r.baseline,
                    r.theirs,
                    r.speedup()
                )
            })
            .collect();
        format!("{{\n\"machine\": {machine},\n\"rows\": [\n  {}\n]\n}}\n", items.join(",\n  "))
    }
}

/// Median seconds per call of `a` and `b`, measured in alternating batches
/// for about `budget` in total.
pub fn compare(budget: Duration, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    // Calibrate: calls per batch so that one batch takes ~2 ms.
    let t = Instant::now();
    a();
    let once = t.elapsed().as_secs_f64().max(1e-9);
    let reps = ((2e-3 / once) as usize).clamp(1, 1_000_000);
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while start.elapsed() < budget || ta.len() < 5 {
        for (f, out) in [(&mut a as &mut dyn FnMut(), &mut ta), (&mut b as &mut dyn FnMut(), &mut tb)] {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            out.push(t.elapsed().as_secs_f64() / reps as f64);
        }
    }
    (median(&mut ta), median(&mut tb))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn fmt_time(s: f64) -> String {
    match s {
        s if s < 1e-6 => format!("{:.1} ns", s * 1e9),
        s if s < 1e-3 => format!("{:.2} µs", s * 1e6),
        s if s < 1.0 => format!("{:.2} ms", s * 1e3),
        s => format!("{s:.3} s"),
    }
}

/// Writes `contents` to `path`, naming the file in the error.
pub fn write(path: &Path, contents: &str) -> Result<(), String> {
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Replaces the text between the report markers of `BENCHMARKS.md` with
/// `report`, so that the committed figures are this binary's output.
pub fn update_benchmarks_md(report: &str) -> Result<PathBuf, String> {
    const BEGIN: &str = "<!-- report:begin -->\n";
    const END: &str = "<!-- report:end -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!("the report markers are missing from {}", path.display()));
    };
    write(&path, &format!("{}{BEGIN}{report}\n{}", &text[..b], &text[e..]))?;
    Ok(path)
}

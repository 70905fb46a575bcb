//! `--compare OLD.json`: each row of this run against the same row (kernel,
//! case, level, baseline) of an earlier report — of this machine or
//! another, whose machine line is printed with it.

use std::fmt::Write as _;

use serde_json::Value;

use crate::report::Report;

/// A row of an earlier report.
struct OldRow {
    key: (String, String, String, String),
    simkern_s: f64,
    speedup: f64,
}

/// Reads `path`: a report's JSON, `{"machine": …, "rows": […]}` (or a bare
/// array of rows, as reports wrote before they named their machine).
fn read(path: &str) -> Result<(Option<Value>, Vec<OldRow>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
    let (machine, rows) = match json {
        Value::Array(rows) => (None, rows),
        Value::Object(mut o) => {
            let rows = match o.remove("rows") {
                Some(Value::Array(rows)) => rows,
                _ => return Err(format!("{path} has no \"rows\" array")),
            };
            (o.remove("machine"), rows)
        }
        _ => return Err(format!("{path} is not a simkern report")),
    };
    let text = |r: &Value, k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let rows = rows
        .iter()
        .filter_map(|r| {
            Some(OldRow {
                key: (text(r, "kernel"), text(r, "case"), text(r, "level"), text(r, "baseline")),
                simkern_s: r.get("simkern_s")?.as_f64()?,
                speedup: r.get("speedup")?.as_f64()?,
            })
        })
        .collect();
    Ok((machine, rows))
}

/// The Markdown section comparing `report` with the report at `path`.
pub fn section(report: &Report, path: &str) -> Result<String, String> {
    let (machine, old) = read(path)?;
    let mut s = format!("\n### Against {path}\n\n");
    match machine {
        Some(m) => {
            let field =
                |k: &str| m.get(k).map(|v| v.to_string().trim_matches('"').to_string()).unwrap_or_default();
            let _ = writeln!(
                s,
                "That run's machine: {} ({}, family {} model {}), best level {}.\n",
                field("brand"),
                field("vendor"),
                field("family"),
                field("model"),
                field("best_level")
            );
        }
        None => s.push_str("That run did not record its machine.\n\n"),
    }
    s.push_str(
        "| kernel | case | level | baseline | simkern then | now | time change | speed-up then | now |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|\n",
    );
    let mut matched = 0;
    for r in report.rows() {
        let key = (
            r.family.to_string(),
            r.case.clone(),
            r.level.level().name().to_string(),
            r.baseline.to_string(),
        );
        let Some(o) = old.iter().find(|o| o.key == key) else { continue };
        matched += 1;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.3e} s | {:.3e} s | {:+.1} % | {:.2}× | {:.2}× |",
            key.0,
            key.1,
            key.2,
            key.3,
            o.simkern_s,
            r.ours,
            (r.ours / o.simkern_s - 1.0) * 100.0,
            o.speedup,
            r.speedup()
        );
    }
    let _ = writeln!(s, "\n{matched} of this run's {} rows are in {path}.", report.rows().len());
    Ok(s)
}

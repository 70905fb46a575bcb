//! The host side of the firmware test: the same cases at the portable
//! level, compared with the firmware's log.

use std::process::ExitCode;

use simkern_core::Kernels;

use crate::cases::{self, Sink, Tol};

/// Collects the host's results in order.
#[derive(Default)]
struct Expected(Vec<(&'static str, f64, Tol)>);

impl Sink for Expected {
    fn put(&mut self, name: &'static str, value: f64, tol: Tol) {
        self.0.push((name, value, tol));
    }
}

/// Parses a log line `name 0x<bits>`.
fn parse(line: &str) -> Option<(&str, f64)> {
    let (name, bits) = line.trim_end().rsplit_once(' ')?;
    let bits = u64::from_str_radix(bits.strip_prefix("0x")?, 16).ok()?;
    Some((name, f64::from_bits(bits)))
}

pub fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: simkern-firmware FIRMWARE_LOG");
        return ExitCode::from(2);
    };
    let log = match std::fs::read_to_string(&path) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut expected = Expected::default();
    cases::run(Kernels::portable(), &mut expected);

    let mut lines = log.lines().filter(|l| !l.trim().is_empty());
    let (mut failures, mut identical) = (0usize, 0usize);
    for (i, &(name, want, tol)) in expected.0.iter().enumerate() {
        let Some(line) = lines.next() else {
            eprintln!("the log ends after {i} of {} results", expected.0.len());
            return ExitCode::FAILURE;
        };
        match parse(line) {
            Some((got_name, got)) if got_name == name => {
                identical += usize::from(got.to_bits() == want.to_bits());
                if !tol.accepts(got, want) {
                    failures += 1;
                    eprintln!("#{i} {name}: firmware {got:e}, host {want:e} ({tol:?})");
                }
            }
            _ => {
                eprintln!("#{i}: expected a line for {name:?}, the firmware printed {line:?}");
                return ExitCode::FAILURE;
            }
        }
    }
    if lines.next().map(str::trim) != Some("end") {
        eprintln!("the log does not end where the host's cases do (no \"end\" line)");
        return ExitCode::FAILURE;
    }
    if failures > 0 {
        eprintln!("{failures} of {} results outside their tolerance", expected.0.len());
        return ExitCode::FAILURE;
    }
    println!(
        "firmware: {} results within tolerance of the host's portable level, {identical} of them bit for bit",
        expected.0.len()
    );
    ExitCode::SUCCESS
}

//! `dot` (f32) against NumKong and a plain iterator, at cache-line offsets
//! 0 and 16 bytes; the fast tier `dot_fast` against NumKong, the
//! accurate tier and (feature `openblas`) OpenBLAS `sdot`; and the accuracy
//! table of f32 dot products.

use std::fmt::Write as _;
use std::hint::black_box;

use simkern_benches::{line_offset_f32, naive_dot, numkong_dot, openblas_sdot};

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let sizes: &[usize] =
        if setup.quick { &[16, 768, 65_536] } else { &[16, 768, 4096, 65_536, 1 << 20, 1 << 24] };
    let mut steps = Vec::new();
    for offset in [0usize, 16] {
        for &n in sizes {
            steps.push(Step::new(format!("dot n={n} +{offset}B"), move |r| {
                let (a, ra) = line_offset_f32(n, offset, 1);
                let (b, rb) = line_offset_f32(n, offset, 2);
                let (a, b) = (&a[ra], &b[rb]);
                let level = setup.level;
                let forced = setup.forced();
                let ours = move || {
                    let d = if forced {
                        level.dot(black_box(a), black_box(b))
                    } else {
                        simkern::dot(black_box(a), black_box(b))
                    };
                    black_box(d.unwrap_or(f32::NAN));
                };
                let case = Case {
                    family: "dot_f32",
                    label: format!("n={n}, +{offset}B"),
                    work: 2.0 * n as f64,
                    unit: Unit::Gflops,
                };
                r.versus(&case, "numkong", ours, || {
                    black_box(numkong_dot(black_box(a), black_box(b)));
                });
                r.versus(&case, "naive iter", ours, || {
                    black_box(naive_dot(black_box(a), black_box(b)));
                });
                if offset == 0 {
                    let fast = move || {
                        black_box(level.dot_fast(black_box(a), black_box(b)).unwrap_or(f32::NAN));
                    };
                    let case = Case {
                        family: "dot_fast_f32",
                        label: format!("n={n} (f32 accumulation, the fast tier)"),
                        work: 2.0 * n as f64,
                        unit: Unit::Gflops,
                    };
                    r.versus(&case, "numkong", fast, || {
                        black_box(numkong_dot(black_box(a), black_box(b)));
                    });
                    r.versus(&case, "simkern dot (the accurate tier)", fast, || {
                        black_box(level.dot(black_box(a), black_box(b)).unwrap_or(f32::NAN));
                    });
                    if openblas_sdot(a, b).is_some() {
                        r.versus(&case, "OpenBLAS sdot", fast, || {
                            black_box(openblas_sdot(black_box(a), black_box(b)));
                        });
                    }
                }
            }));
        }
    }
    steps
}

/// Mean relative error of f32 dot products against the Dot2 reference, for
/// simkern (f32 result and f64 accumulator) and NumKong (f64 result, and
/// that result rounded to f32 for a like-for-like comparison), the fast
/// tier, a naive loop and (feature `openblas`, else "—") OpenBLAS `sdot`.
pub fn accuracy(setup: Setup) -> (String, String) {
    use simkern_tests::reference::{dot_exact, widen};
    let mut t = String::from(
        "| n | simkern `dot` (f32) | numkong rounded to f32 | simkern `dot_f64` | numkong (f64) | simkern `dot_fast` | OpenBLAS `sdot` | naive f32 loop |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &n in &[768usize, 4096, 65_536] {
        let mut err = [0.0f64; 7];
        let trials = 32;
        for seed in 0..trials {
            let (a, ra) = line_offset_f32(n, 16, 2 * seed);
            let (b, rb) = line_offset_f32(n, 16, 2 * seed + 1);
            let (a, b) = (&a[ra], &b[rb]);
            let exact = dot_exact(&widen(a), &widen(b));
            let nk = numkong_dot(a, b);
            let got = [
                f64::from(setup.level.dot(a, b).unwrap_or(f32::NAN)),
                f64::from(nk as f32),
                setup.level.dot_f64(a, b).unwrap_or(f64::NAN),
                nk,
                f64::from(setup.level.dot_fast(a, b).unwrap_or(f32::NAN)),
                openblas_sdot(a, b).map_or(f64::NAN, f64::from),
                f64::from(naive_dot(a, b)),
            ];
            for (e, g) in err.iter_mut().zip(got) {
                *e += ((g - exact) / exact).abs() / trials as f64;
            }
        }
        let cells: Vec<String> =
            err.iter().map(|e| if e.is_nan() { "—".into() } else { format!("{e:.2e}") }).collect();
        let _ = writeln!(t, "| {n} | {} |", cells.join(" | "));
    }
    ("Mean relative error of f32 dot products (normal inputs, 32 trials, vs a Dot2 reference):".into(), t)
}

//! `dot` over the storage types `half::bf16`, `half::f16` and `i8` against
//! NumKong's kernels for the same types (its run-time dispatch picks the
//! best it has for this CPU), on the same values.

use std::hint::black_box;

use half::{bf16, f16};
use numkong::Dot as _;

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let sizes: &[usize] = if setup.quick { &[768] } else { &[768, 4096, 65_536] };
    let mut steps = Vec::new();
    for &n in sizes {
        steps.push(Step::new(format!("storage dot n={n}"), move |r| {
            let (a, ra) = simkern_benches::line_offset_f32(n, 0, 61);
            let (b, rb) = simkern_benches::line_offset_f32(n, 0, 62);
            let (a, b) = (&a[ra], &b[rb]);
            let (level, forced) = (setup.level, setup.forced());
            let case = |family: &'static str| Case {
                family,
                label: format!("n={n}"),
                work: 2.0 * n as f64,
                unit: Unit::Gflops,
            };

            let (ab, bb): (Vec<bf16>, Vec<bf16>) = (
                a.iter().map(|&v| bf16::from_f32(v)).collect(),
                b.iter().map(|&v| bf16::from_f32(v)).collect(),
            );
            let nk = |x: &[bf16]| x.iter().map(|v| numkong::bf16(v.to_bits())).collect::<Vec<_>>();
            let (nka, nkb) = (nk(&ab), nk(&bb));
            r.versus(
                &case("dot_bf16"),
                "numkong",
                || {
                    let d = if forced {
                        level.dot_fast(black_box(&ab), &bb)
                    } else {
                        simkern::dot(black_box(&ab), &bb)
                    };
                    black_box(d.unwrap_or(f32::NAN));
                },
                || {
                    black_box(numkong::bf16::dot(black_box(&nka), &nkb));
                },
            );

            let (ah, bh): (Vec<f16>, Vec<f16>) = (
                a.iter().map(|&v| f16::from_f32(v)).collect(),
                b.iter().map(|&v| f16::from_f32(v)).collect(),
            );
            let nk = |x: &[f16]| x.iter().map(|v| numkong::f16(v.to_bits())).collect::<Vec<_>>();
            let (nka, nkb) = (nk(&ah), nk(&bh));
            r.versus(
                &case("dot_f16"),
                "numkong",
                || {
                    let d = if forced {
                        level.dot_fast(black_box(&ah), &bh)
                    } else {
                        simkern::dot(black_box(&ah), &bh)
                    };
                    black_box(d.unwrap_or(f32::NAN));
                },
                || {
                    black_box(numkong::f16::dot(black_box(&nka), &nkb));
                },
            );

            let quantize =
                |x: &[f32]| x.iter().map(|&v| (v * 40.0).clamp(-128.0, 127.0) as i8).collect::<Vec<i8>>();
            let (ai, bi) = (quantize(a), quantize(b));
            r.versus(
                &case("dot_i8"),
                "numkong",
                || {
                    black_box(simkern::dot(black_box(&ai), &bi).unwrap_or(0));
                },
                || {
                    black_box(i8::dot(black_box(&ai), &bi));
                },
            );
        }));
    }
    steps
}

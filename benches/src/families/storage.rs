//! `dot` over the storage types `half::bf16`, `half::f16` and `i8` against
//! NumKong's kernels for the same types (its run-time dispatch picks the
//! best it has for this CPU), on the same values.

use std::hint::black_box;

use half::{bf16, f16};
use numkong::Dot as _;

use super::{Setup, Step};
use crate::report::{Case, Report, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let sizes: &[usize] = if setup.quick { &[768] } else { &[768, 4096, 65_536] };
    let mut steps = Vec::new();
    for &n in sizes {
        steps.push(Step::new(format!("storage dot n={n}"), move |r| {
            let (a, ra) = simkern_benches::line_offset_f32(n, 0, 61);
            let (b, rb) = simkern_benches::line_offset_f32(n, 0, 62);
            let (a, b) = (&a[ra], &b[rb]);
            let case = |family: &'static str| Case {
                family,
                label: format!("n={n}"),
                work: 2.0 * n as f64,
                unit: Unit::Gflops,
            };

            versus_numkong_half(r, &case("dot_bf16"), setup, a, b, bf16::from_f32, |v| {
                numkong::bf16(v.to_bits())
            });
            versus_numkong_half(r, &case("dot_f16"), setup, a, b, f16::from_f32, |v| {
                numkong::f16(v.to_bits())
            });

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

/// simkern's dot over a half type `E` against NumKong's over its type `N`
/// of the same bits, both on `a` and `b` rounded once to `E`: the forced
/// level's `dot_fast` when a level is forced, else `simkern::dot`.
fn versus_numkong_half<E, N>(
    r: &mut Report,
    case: &Case,
    setup: Setup,
    a: &[f32],
    b: &[f32],
    round: fn(f32) -> E,
    numkong_value: fn(E) -> N,
) where
    E: simkern::FastElement + simkern::Element<Sum = f32>,
    N: numkong::Dot,
{
    let (a, b): (Vec<E>, Vec<E>) =
        (a.iter().map(|&v| round(v)).collect(), b.iter().map(|&v| round(v)).collect());
    let nk = |x: &[E]| x.iter().map(|&v| numkong_value(v)).collect::<Vec<N>>();
    let (nka, nkb) = (nk(&a), nk(&b));
    r.versus(
        case,
        "numkong",
        || {
            let d = if setup.forced() {
                setup.level.dot_fast(black_box(&a), &b)
            } else {
                simkern::dot(black_box(&a), &b)
            };
            black_box(d.unwrap_or(f32::NAN));
        },
        || {
            black_box(N::dot(black_box(&nka), &nkb));
        },
    );
}

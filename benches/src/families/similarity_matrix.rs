//! `S = Q·Kᵀ` against faer, matrixmultiply and (feature `openblas`) the
//! system's OpenBLAS, one thread each; at d = 768 also against this core's
//! multiply-add peak doing the same FLOPs (a yardstick: the ratio is the
//! fraction of the peak reached).

#[cfg(feature = "openblas")]
use simkern_benches::OpenBlas;
use simkern_benches::{Faer, Gemm, matrix, matrixmultiply_qkt, qkt};
use simkern_core::similarity::similarity_matrix_scratch_len;

use super::{Setup, Step};
use crate::report::{Case, Unit};

pub fn plan(setup: Setup) -> Vec<Step> {
    let shapes: &[(usize, usize)] = if setup.quick {
        &[(1024, 768)]
    } else {
        &[(256, 128), (1024, 128), (1024, 768), (4096, 128), (4096, 768)]
    };
    let mut steps: Vec<Step> = shapes
        .iter()
        .map(|&(n, d)| {
            Step::new(format!("similarity_matrix {n}x{n}x{d}"), move |r| {
                let (q, k) = (matrix(n, d, 1), matrix(n, d, 2));
                let mut out = vec![0.0f32; n * n];
                let mut scratch = vec![0.0f32; similarity_matrix_scratch_len(n, n, d)];
                let mut theirs = vec![0.0f32; n * n];
                let qm = simkern::MatRef::new(&q, d).expect("valid shape");
                let km = simkern::MatRef::new(&k, d).expect("valid shape");
                let mut ours = || {
                    setup.level.similarity_matrix_into(qm, km, &mut out, &mut scratch).expect("valid shapes")
                };
                let case = Case {
                    family: "similarity_matrix",
                    label: format!("{n}×{n}×{d}"),
                    work: 2.0 * (n * n * d) as f64,
                    unit: Unit::Gflops,
                };
                #[cfg(feature = "openblas")]
                r.versus(&case, OpenBlas::QKT, &mut ours, || qkt::<OpenBlas>(&q, &k, d, &mut theirs));
                r.versus(&case, Faer::QKT, &mut ours, || qkt::<Faer>(&q, &k, d, &mut theirs));
                r.versus(&case, "matrixmultiply", &mut ours, || matrixmultiply_qkt(&q, &k, d, &mut theirs));
                if d == 768 {
                    // The ratio is the fraction of this core's measured
                    // multiply-add peak that the engine reaches.
                    let steps = setup.level.fma_peak_steps(case.work);
                    r.versus(&case, "FMA peak, same FLOPs (for scale)", &mut ours, || {
                        setup.level.fma_peak_probe(steps);
                    });
                }
            })
        })
        .collect();
    let bf16_shapes: &[(usize, usize)] =
        if setup.quick { &[(1024, 768)] } else { &[(1024, 768), (4096, 768)] };
    steps.extend(bf16_shapes.iter().map(|&(n, d)| versus_f32_of_bf16(setup, n, d)));
    steps
}

/// The `bf16` similarity matrix (the AMX tiles where the level has them)
/// against the `f32` path on the same values widened, at the same level,
/// and against this core's `f32` multiply-add peak.
fn versus_f32_of_bf16(setup: Setup, n: usize, d: usize) -> Step {
    Step::new(format!("similarity_matrix_bf16 {n}x{n}x{d}"), move |r| {
        let round = |x: Vec<f32>| x.into_iter().map(half::bf16::from_f32).collect::<Vec<_>>();
        let (q, k) = (round(matrix(n, d, 1)), round(matrix(n, d, 2)));
        let widen = |x: &[half::bf16]| x.iter().map(|v| v.to_f32()).collect::<Vec<f32>>();
        let (qf, kf) = (widen(&q), widen(&k));
        let level = setup.level;
        let mut out = vec![0.0f32; n * n];
        let mut scratch = vec![0.0f32; level.similarity_matrix_bf16_scratch_len(n, n, d)];
        let mut theirs = vec![0.0f32; n * n];
        let mut f32_scratch = vec![0.0f32; level.similarity_matrix_scratch_len(n, n, d)];
        let (qm, km) =
            (simkern::MatRef::new(&q, d).expect("valid"), simkern::MatRef::new(&k, d).expect("valid"));
        let (qfm, kfm) =
            (simkern::MatRef::new(&qf, d).expect("valid"), simkern::MatRef::new(&kf, d).expect("valid"));
        let mut ours =
            || level.similarity_matrix_bf16_into(qm, km, &mut out, &mut scratch).expect("valid shapes");
        let case = Case {
            family: "similarity_matrix_bf16",
            label: format!("{n}×{n}×{d}"),
            work: 2.0 * (n * n * d) as f64,
            unit: Unit::Gflops,
        };
        r.versus(&case, "simkern f32 on the same values widened", &mut ours, || {
            level.similarity_matrix_into(qfm, kfm, &mut theirs, &mut f32_scratch).expect("valid shapes")
        });
        let steps = level.fma_peak_steps(case.work);
        r.versus(&case, "f32 FMA peak, same FLOPs (for scale)", &mut ours, || {
            level.fma_peak_probe(steps);
        });
    })
}

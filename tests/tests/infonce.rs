//! The fused InfoNCE loss and gradients against the f64 reference
//! (materialised logits, explicit softmax), every variant, every level;
//! the reference's gradients against central finite differences; bad input.

use proptest::prelude::*;
use simkern::Level;
use simkern_core::MatRef;
use simkern_core::infonce::{InfoNce, Positives};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::levels;
use simkern_tests::reference::{self as naive, InfoNceRef, dot_abs, gamma, widen};

const U32: f64 = f32::EPSILON as f64 / 2.0;

#[derive(Clone, Copy, Debug)]
struct Case {
    n: usize,
    m: usize,
    d: usize,
    tau: f32,
    normalize: bool,
    symmetric: bool,
    explicit: bool,
    scale: f32,
}

fn inputs(c: &Case, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let q: Vec<f32> = vec_f32(&mut r, Dist::Normal, c.n * c.d).into_iter().map(|v| v * c.scale).collect();
    let k: Vec<f32> = vec_f32(&mut r, Dist::Normal, c.m * c.d).into_iter().map(|v| v * c.scale).collect();
    let pos = if c.explicit {
        (0..c.n).map(|_| (r.next_u64() % c.m as u64) as usize).collect()
    } else {
        (0..c.n).collect()
    };
    (q, k, pos)
}

fn config(c: &Case) -> InfoNce {
    InfoNce::new(c.tau).unwrap().normalize(c.normalize).symmetric(c.symmetric)
}

/// Runs the kernel at `level`: (loss, dq, dk).
fn run(c: &Case, level: Level, q: &[f32], k: &[f32], pos: &[usize]) -> (f32, Vec<f32>, Vec<f32>) {
    let cfg = config(c).at(level);
    let (qm, km) = (MatRef::new(q, c.d).unwrap(), MatRef::new(k, c.d).unwrap());
    let p = if c.explicit { Positives::Indices(pos) } else { Positives::Diagonal };
    let mut ws = vec![f32::NAN; cfg.workspace_len(c.n, c.m, c.d, false)];
    let loss = cfg.loss(qm, km, p, &mut ws).unwrap();
    let mut ws = vec![f32::NAN; cfg.workspace_len(c.n, c.m, c.d, true)];
    let (mut dq, mut dk) = (vec![f32::NAN; q.len()], vec![f32::NAN; k.len()]);
    let loss2 = cfg.loss_and_grad(qm, km, p, &mut dq, &mut dk, &mut ws).unwrap();
    assert!(loss == loss2 || (loss.is_nan() && loss2.is_nan()), "forward {loss} vs forward+backward {loss2}");
    (loss, dq, dk)
}

/// Error bound of the loss: every logit carries `γ_{d+2}·Σ|q k|/τ` of f32
/// accumulation error (its log-sum-exp and positive term at most twice
/// that), plus the f32 rounding of the result and of the scaled logits.
fn loss_bound(c: &Case, q: &[f32], k: &[f32], r: &InfoNceRef) -> (f64, f64) {
    let (qw, kw) = (widen(q), widen(k));
    let unit = |x: &[f64]| -> Vec<f64> {
        if !c.normalize {
            return x.to_vec();
        }
        x.chunks_exact(c.d)
            .flat_map(|row| {
                let n = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
                row.iter().map(move |v| v / n).collect::<Vec<_>>()
            })
            .collect()
    };
    let (qu, ku) = (unit(&qw), unit(&kw));
    let mut worst: f64 = 0.0;
    for qi in qu.chunks_exact(c.d) {
        for kj in ku.chunks_exact(c.d) {
            worst = worst.max(dot_abs(qi, kj));
        }
    }
    let logit_err = (gamma(c.d + 2, U32) + 4.0 * U32) * worst / f64::from(c.tau);
    (2.0 * logit_err + 1e-5 * r.loss.abs() + 8.0 * U32 * (1.0 + (c.m as f64).ln()), logit_err)
}

fn check(c: Case, seed: u64) {
    let (q, k, pos) = inputs(&c, seed);
    let r = naive::infonce(&widen(&q), &widen(&k), c.d, &pos, f64::from(c.tau), c.normalize, c.symmetric);
    let (bound, logit_err) = loss_bound(&c, &q, &k, &r);
    let max_abs = |v: &[f64]| v.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    // The scale errors are relative to. With normalisation the chain rule
    // (g − ⟨g, u⟩u)/‖x‖ can cancel almost all of the gradient with respect
    // to the unit rows u (a nearly radial g): errors then scale with |g|/‖x‖,
    // not with the small result.
    let gmax = if c.normalize {
        let unit = |x: &[f32]| -> (Vec<f64>, f64) {
            let mut min_norm = f64::INFINITY;
            let rows = widen(x)
                .chunks_exact(c.d)
                .flat_map(|row| {
                    let n = row.iter().map(|v| v * v).sum::<f64>().sqrt();
                    min_norm = min_norm.min(n);
                    row.iter().map(|v| v / n.max(1e-12)).collect::<Vec<_>>()
                })
                .collect();
            (rows, min_norm)
        };
        let ((qu, nq), (ku, nk)) = (unit(&q), unit(&k));
        let on_units = naive::infonce(&qu, &ku, c.d, &pos, f64::from(c.tau), false, c.symmetric);
        let g_units = max_abs(&on_units.dq).max(max_abs(&on_units.dk));
        (max_abs(&r.dq).max(max_abs(&r.dk))).max(g_units / nq.min(nk).max(1e-12))
    } else {
        max_abs(&r.dq).max(max_abs(&r.dk))
    };
    for &level in levels() {
        let (loss, dq, dk) = run(&c, level, &q, &k, &pos);
        assert!(
            (f64::from(loss) - r.loss).abs() <= bound,
            "{level:?} {c:?}: loss {loss} vs {} (bound {bound:e})",
            r.loss
        );
        // Gradients: each softmax weight moves by up to twice the logit
        // error (relative), plus f32 accumulation over M or N terms in the
        // two gradient GEMMs (γ₆₀₀ ≈ 4e-5) and 2-ulp exps.
        let gtol = (8.0 * logit_err + 1e-4) * gmax + 1e-9;
        for (what, got, want) in [("dq", &dq, &r.dq), ("dk", &dk, &r.dk)] {
            for (i, (&g, &w)) in got.iter().zip(want.iter()).enumerate() {
                assert!(
                    (f64::from(g) - w).abs() <= gtol,
                    "{level:?} {c:?}: {what}[{i}] {g} vs {w} (tol {gtol:e})"
                );
            }
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..24,
        0usize..12,
        1usize..70,
        prop::sample::select(vec![0.01f32, 0.05, 1.0, 100.0]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(n, extra, d, tau, normalize, symmetric, explicit)| {
            let explicit = explicit && !symmetric;
            let m = if explicit { n + extra } else { n };
            // Unnormalised inputs are scaled to unit expected norm.
            let scale = if normalize { 3.0 } else { 1.0 / (d as f32).sqrt() };
            Case { n, m, d, tau, normalize, symmetric, explicit, scale }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]
    #[test]
    fn matches_reference_every_variant_and_level(c in case(), seed: u64) {
        check(c, seed);
    }
}

#[test]
fn block_boundaries_and_shapes() {
    // Past the forward block (144 rows), the backward block (576), the GEMM
    // blocks (MC 144, KC 768), N = 1 and d = 1.
    for (i, &(n, m, d)) in
        [(1, 1, 1), (1, 5, 3), (150, 150, 7), (600, 601, 5), (9, 9, 800), (200, 230, 33)].iter().enumerate()
    {
        for &(normalize, symmetric) in &[(false, false), (true, false), (true, true)] {
            if symmetric && n != m {
                continue;
            }
            let explicit = n != m;
            let scale = if normalize { 1.0 } else { 1.0 / (d as f32).sqrt() };
            check(Case { n, m, d, tau: 0.05, normalize, symmetric, explicit, scale }, i as u64);
        }
    }
}

#[test]
fn logits_beyond_exp_overflow() {
    // Unnormalised, large inputs at τ = 0.01: logits near 1e6, where a
    // naive exp overflows. The loss stays finite and matches the reference.
    let c = Case {
        n: 8,
        m: 8,
        d: 16,
        tau: 0.01,
        normalize: false,
        symmetric: false,
        explicit: false,
        scale: 30.0,
    };
    check(c, 7);
    let (q, k, pos) = inputs(&c, 7);
    let (loss, dq, _) = run(&c, Level::best(), &q, &k, &pos);
    assert!(loss.is_finite() && dq.iter().all(|g| g.is_finite()));
}

/// Central differences of the f64 reference loss agree with its gradient
/// formulas (so the reference the kernels are checked against is right).
#[test]
fn reference_gradients_match_finite_differences() {
    for &(normalize, symmetric, explicit) in &[
        (false, false, false),
        (true, false, false),
        (true, true, false),
        (false, false, true),
        (true, false, true),
    ] {
        let c = Case {
            n: 5,
            m: if explicit { 7 } else { 5 },
            d: 4,
            tau: 0.3,
            normalize,
            symmetric,
            explicit,
            scale: 1.0,
        };
        let (q, k, pos) = inputs(&c, 11);
        let (q, k) = (widen(&q), widen(&k));
        let loss = |q: &[f64], k: &[f64]| naive::infonce(q, k, c.d, &pos, 0.3, normalize, symmetric).loss;
        let r = naive::infonce(&q, &k, c.d, &pos, 0.3, normalize, symmetric);
        let h = 1e-6;
        for which in 0..2 {
            let (x, g) = if which == 0 { (&q, &r.dq) } else { (&k, &r.dk) };
            for i in 0..x.len() {
                let (mut plus, mut minus) = (x.clone(), x.clone());
                plus[i] += h;
                minus[i] -= h;
                let fd = if which == 0 {
                    (loss(&plus, &k) - loss(&minus, &k)) / (2.0 * h)
                } else {
                    (loss(&q, &plus) - loss(&q, &minus)) / (2.0 * h)
                };
                assert!(
                    (fd - g[i]).abs() <= 1e-7 * (1.0 + g[i].abs()),
                    "{c:?} {which} {i}: fd {fd} vs {}",
                    g[i]
                );
            }
        }
    }
}

/// Central differences of the kernel's own f32 loss agree with its
/// gradient, to the precision f32 differences allow.
#[test]
fn kernel_gradients_match_finite_differences() {
    let c =
        Case { n: 6, m: 6, d: 5, tau: 0.5, normalize: true, symmetric: true, explicit: false, scale: 1.0 };
    let (q, k, pos) = inputs(&c, 5);
    let (_, dq, _) = run(&c, Level::best(), &q, &k, &pos);
    let cfg = config(&c);
    let mut ws = vec![0.0; cfg.workspace_len(6, 6, 5, false)];
    let mut loss_at = |q: &[f32]| {
        cfg.loss(MatRef::new(q, 5).unwrap(), MatRef::new(&k, 5).unwrap(), Positives::Diagonal, &mut ws)
            .unwrap() as f64
    };
    let h = 1e-2f32;
    for i in 0..q.len() {
        let (mut plus, mut minus) = (q.clone(), q.clone());
        plus[i] += h;
        minus[i] -= h;
        let fd = (loss_at(&plus) - loss_at(&minus)) / f64::from(2.0 * h);
        assert!(
            (fd - f64::from(dq[i])).abs() <= 2e-3 + 2e-2 * f64::from(dq[i]).abs(),
            "dq[{i}]: fd {fd} vs {}",
            dq[i]
        );
    }
}

#[test]
fn nan_embedding_gives_nan_not_a_panic() {
    let c =
        Case { n: 4, m: 4, d: 3, tau: 0.1, normalize: true, symmetric: false, explicit: false, scale: 1.0 };
    let (mut q, k, pos) = inputs(&c, 3);
    q[4] = f32::NAN;
    for &level in levels() {
        let (loss, _, _) = run(&c, level, &q, &k, &pos);
        assert!(loss.is_nan());
    }
}

#[test]
fn bad_input_is_an_error() {
    for tau in [0.0f32, -1.0, f32::NAN, f32::INFINITY] {
        assert!(InfoNce::new(tau).is_err(), "τ = {tau}");
    }
    let l = InfoNce::new(0.1).unwrap();
    let q = [0.0f32; 6];
    let (q2, q3) = (MatRef::new(&q, 2).unwrap(), MatRef::new(&q, 3).unwrap());
    let mut ws = vec![0.0f32; 1 << 16];
    let err = |r: simkern::Result<f32>| r.unwrap_err().to_string();
    assert_eq!(err(l.loss(q2, q3, Positives::Diagonal, &mut ws)), "row length mismatch: 2 vs 3");
    let k4 = MatRef::new(&q[..4], 2).unwrap();
    assert_eq!(
        err(l.loss(q2, k4, Positives::Diagonal, &mut ws)),
        "row count mismatch: q has 3 rows, k has 2"
    );
    assert_eq!(
        err(l.loss(q2, k4, Positives::Indices(&[0, 1, 2]), &mut ws)),
        "index 2 at position 2 is out of range for 2 rows"
    );
    assert!(l.loss(q2, k4, Positives::Indices(&[0, 1]), &mut ws).is_err(), "3 queries, 2 positives");
    assert_eq!(
        err(l.symmetric(true).loss(q2, q2, Positives::Indices(&[0, 1, 2]), &mut ws)),
        "the symmetric loss is undefined with explicit positives (keys may outnumber queries)"
    );
    let empty = MatRef::new(&q[..0], 2).unwrap();
    assert_eq!(err(l.loss(empty, empty, Positives::Diagonal, &mut ws)), "q is empty");
    let needed = l.workspace_len(3, 3, 2, false);
    assert!(matches!(
        l.loss(q2, q2, Positives::Diagonal, &mut ws[..needed - 1]),
        Err(simkern::Error::ScratchTooSmall { .. })
    ));
    let (mut dq, mut dk) = ([0.0f32; 6], [0.0f32; 5]);
    assert!(l.loss_and_grad(q2, q2, Positives::Diagonal, &mut dq, &mut dk, &mut ws).is_err());
}

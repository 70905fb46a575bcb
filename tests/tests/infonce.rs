//! The fused InfoNCE loss and gradients against the f64 reference
//! (materialised logits, explicit softmax), every variant, every level;
//! the reference's gradients against central finite differences; bad input.

use proptest::prelude::*;
use simkern::Kernels;
use simkern_core::MatRef;
use simkern_core::infonce::{InfoNce, Pass, Positives};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::levels::{levels, levels_and_blockings};
use simkern_tests::precision::INFONCE_LOSS_REL;
use simkern_tests::reference::{self as naive, dot_abs, gamma, widen};

const U32: f64 = f32::EPSILON as f64 / 2.0;
/// The smallest positive subnormal `f32`: the absolute floor of every bound.
const TINY: f64 = 1.401_298_464_324_817e-45;

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
fn run(c: &Case, level: Kernels, q: &[f32], k: &[f32], pos: &[usize]) -> (f32, Vec<f32>, Vec<f32>) {
    let cfg = config(c).on(level);
    let (qm, km) = (MatRef::new(q, c.d).unwrap(), MatRef::new(k, c.d).unwrap());
    let p = if c.explicit { Positives::Indices(pos) } else { Positives::Diagonal };
    let mut ws = vec![f32::NAN; cfg.scratch_len(c.n, c.m, c.d, Pass::Forward)];
    let loss = cfg.loss(qm, km, p, &mut ws).unwrap();
    let mut ws = vec![f32::NAN; cfg.scratch_len(c.n, c.m, c.d, Pass::Backward)];
    let (mut dq, mut dk) = (vec![f32::NAN; q.len()], vec![f32::NAN; k.len()]);
    let loss2 = cfg.loss_and_grad(qm, km, p, &mut dq, &mut dk, &mut ws).unwrap();
    assert!(loss == loss2 || (loss.is_nan() && loss2.is_nan()), "forward {loss} vs forward+backward {loss2}");
    (loss, dq, dk)
}

/// The largest error of one scaled logit `sᵢⱼ/τ`: `γ_{d+2}·Σ|q̂ k̂|/τ` of
/// f32 accumulation (as BLAS), plus the roundings of the normalised rows,
/// of the division by τ and of `v − max` before the exponential (`8u` of
/// the same scale).
fn logit_error(c: &Case, q: &[f32], k: &[f32]) -> f64 {
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
    (gamma(c.d + 2, U32) + 8.0 * U32) * worst / f64::from(c.tau)
}

/// Checks the kernel at every level against the f64 reference, at the
/// documented bounds (module docs of `simkern_core::infonce`):
/// - loss: each row's `ℓ = log(1 + Σ_{j≠pos} e^{tⱼ})` moves by at most
///   `2ε·r/(1 + r) ≤ 2ε·ℓ` when every `tⱼ` moves by `2ε` (`ε` the logit
///   error), so `|L̂ − L| ≤ (2ε + 16u)·L`, relative even for a near-zero loss;
/// - gradients entry-wise: each `Pᵢⱼ − Yᵢⱼ` within `4ε + 16u` relative,
///   summed over `M` (or `N`) terms in f32, so
///   `|ĝ − g| ≤ (4ε + γ_{max(N,M)+2} + 16u)·scale` with `scale` the same
///   sums of absolute values (`reference::InfoNceRef::dq_scale`).
fn check(c: Case, seed: u64) {
    let (q, k, pos) = inputs(&c, seed);
    check_inputs(c, &q, &k, &pos);
}

fn check_inputs(c: Case, q: &[f32], k: &[f32], pos: &[usize]) {
    let r = naive::infonce(&widen(q), &widen(k), c.d, pos, f64::from(c.tau), c.normalize, c.symmetric);
    let eps = logit_error(&c, q, k);
    let loss_bound = (2.0 * eps + 16.0 * U32) * r.loss.abs() + TINY;
    let gtol = 4.0 * eps + gamma(c.n.max(c.m) + 2, U32) + 16.0 * U32;
    for level in levels_and_blockings() {
        let (loss, dq, dk) = run(&c, level, q, k, pos);
        assert!(
            (f64::from(loss) - r.loss).abs() <= loss_bound,
            "{level:?} {c:?}: loss {loss} vs {} (bound {loss_bound:e}, ε {eps:e})",
            r.loss
        );
        for (what, got, want, scale, x, other) in
            [("dq", &dq, &r.dq, &r.dq_scale, q, k), ("dk", &dk, &r.dk, &r.dk_scale, k, q)]
        {
            // The log-sum-exp state sums f32 exponentials, each exact only to
            // half a subnormal step near underflow; the positive's gradient
            // g·(P − 1) = −g·rest/(1 + rest) scales that by g = 1/(nτ), and
            // the GEMM by the other side's largest entry (≤ 1 normalised).
            let other_max =
                if c.normalize { 1.0 } else { other.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs()))) };
            let lse_floor =
                (c.n.max(c.m) + 1) as f64 * TINY / f64::from(c.tau) / c.n.min(c.m) as f64 * other_max;
            for (i, ((&g, &w), &a)) in got.iter().zip(want.iter()).zip(scale.iter()).enumerate() {
                // Below f32's normal range each of the (two, when symmetric)
                // GEMMs' accumulation steps rounds by up to half a subnormal
                // step, which the normalisation's chain rule then scales by
                // 1/max(‖x‖, 1e-12).
                let row = &x[i / c.d * c.d..][..c.d];
                let norm = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt();
                let amplify = if c.normalize { (1.0 / norm.max(1e-12)).max(1.0) } else { 1.0 };
                let tol = gtol * a + ((2 * c.n.max(c.m) + 8) as f64 * TINY + lse_floor) * amplify;
                assert!(
                    (f64::from(g) - w).abs() <= tol,
                    "{level:?} {c:?}: {what}[{i}] {g} vs {w} (tol {tol:e}, scale {a:e})"
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

    /// Every value distribution of the shared generator: huge, tiny,
    /// subnormal and ±0 rows with normalisation (rows below `F.normalize`'s
    /// ε stay short, as in PyTorch); without it the distributions whose
    /// logits stay finite in f32, scaled to unit expected norm.
    #[test]
    fn matches_reference_over_value_distributions(c in case(), di in 0usize..5, seed: u64) {
        let dist = if c.normalize { Dist::ALL[di] } else { [Dist::Normal, Dist::LogNormal, Dist::ZerosAndSubnormals][di % 3] };
        let mut r = Rng::new(seed);
        let scale = if c.normalize { 1.0 } else { c.scale };
        let q: Vec<f32> = vec_f32(&mut r, dist, c.n * c.d).iter().map(|v| v * scale).collect();
        let k: Vec<f32> = vec_f32(&mut r, dist, c.m * c.d).iter().map(|v| v * scale).collect();
        let pos: Vec<usize> = if c.explicit { (0..c.n).map(|i| (i * 7 + 3) % c.m).collect() } else { (0..c.n).collect() };
        check_inputs(c, &q, &k, &pos);
    }
}

#[test]
fn block_boundaries_and_shapes() {
    // Past the forward block (MC rows: 144 to 336 with the detected caches),
    // the backward block (576 to 768), the GEMM blocks (KC 768), N = 1 and
    // d = 1; `check` also runs each at tiny blockings (blocks of a few rows
    // and k-blocks of a few elements).
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

/// The symmetric loss with positives that dominate by far more than f64's
/// precision: each column's rest `e^{−40} ≈ 4e-18` is below 2⁻⁵³, so a
/// column state that adds it to the count at the maximum before taking
/// that count's 1 off keeps nothing of it (the loss and the positives'
/// `P − 1` would come out 0, the off-diagonal gradient a few bits short).
#[test]
fn symmetric_loss_keeps_column_rests_below_f64_precision() {
    for (n, d) in [(2, 2), (3, 5), (40, 40)] {
        let c =
            Case { n, m: n, d, tau: 0.025, normalize: true, symmetric: true, explicit: false, scale: 1.0 };
        // Row i is e_i (d ≥ n) with a small tilt, so the logits differ.
        let rows = |tilt: f32| -> Vec<f32> {
            (0..n * d).map(|x| if x / d == x % d { 1.0 } else { tilt * ((x % 7) as f32) }).collect()
        };
        check_inputs(c, &rows(1e-3), &rows(2e-3), &(0..n).collect::<Vec<_>>());
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
    let (loss, dq, _) = run(&c, Kernels::best(), &q, &k, &pos);
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
    let (_, dq, _) = run(&c, Kernels::best(), &q, &k, &pos);
    let cfg = config(&c);
    let mut ws = vec![f32::NAN; cfg.scratch_len(6, 6, 5, Pass::Forward)];
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
    use simkern::Error;
    for tau in [0.0f32, -1.0, f32::INFINITY] {
        assert_eq!(
            InfoNce::new(tau).unwrap_err(),
            Error::InvalidParameter {
                name: "temperature",
                expected: "positive and finite",
                value: simkern::Value::F32(tau)
            },
            "τ = {tau}"
        );
    }
    assert!(
        matches!(InfoNce::new(f32::NAN), Err(Error::InvalidParameter { name: "temperature", value, .. }) if value.is_nan())
    );
    let l = InfoNce::new(0.1).unwrap();
    let q = [0.0f32; 6];
    let (q2, q3) = (MatRef::new(&q, 2).unwrap(), MatRef::new(&q, 3).unwrap());
    let mut ws = vec![f32::NAN; 1 << 16];
    let err = |r: simkern::Result<f32>| r.unwrap_err().to_string();
    assert_eq!(
        err(l.loss(q2, q3, Positives::Diagonal, &mut ws)),
        "row length mismatch: q has rows of 2, k has rows of 3"
    );
    let k4 = MatRef::new(&q[..4], 2).unwrap();
    assert_eq!(
        err(l.loss(q2, k4, Positives::Diagonal, &mut ws)),
        "row count mismatch: q has 3 rows, k has 2"
    );
    assert_eq!(
        err(l.loss(q2, k4, Positives::Indices(&[0, 1, 2]), &mut ws)),
        "index 2 at position 2 is out of range for 2 rows"
    );
    assert_eq!(
        l.loss(q2, k4, Positives::Indices(&[0, 1]), &mut ws),
        Err(Error::PerRowLength { name: "positives", len: 2, matrix: "q", rows: 3 }),
        "3 queries, 2 positives"
    );
    assert_eq!(
        err(l.loss(q2, k4, Positives::Indices(&[0, 1]), &mut ws)),
        "positives has 2 entries, but q has 3 rows (one entry per row)"
    );
    assert_eq!(
        InfoNce::new(-0.05).unwrap_err().to_string(),
        "temperature must be positive and finite, got -0.05",
        "an f32 parameter prints at f32 precision"
    );
    assert_eq!(
        l.loss(q2, q3, Positives::Diagonal, &mut ws),
        Err(Error::DimMismatch { left: "q", left_dim: 2, right: "k", right_dim: 3 })
    );
    assert_eq!(
        l.loss(q2, k4, Positives::Diagonal, &mut ws),
        Err(Error::RowMismatch { left: "q", left_rows: 3, right: "k", right_rows: 2 })
    );
    assert_eq!(
        l.loss(q2, k4, Positives::Indices(&[0, 1, 2]), &mut ws),
        Err(Error::IndexOutOfRange { at: 2, index: 2, len: 2 })
    );
    assert_eq!(
        err(l.symmetric(true).loss(q2, q2, Positives::Indices(&[0, 1, 2]), &mut ws)),
        "the symmetric loss is undefined with explicit positives (keys may outnumber queries)"
    );
    let empty = MatRef::new(&q[..0], 2).unwrap();
    assert_eq!(err(l.loss(empty, empty, Positives::Diagonal, &mut ws)), "q is empty");
    assert_eq!(l.loss(q2, empty, Positives::Diagonal, &mut ws), Err(Error::Empty { name: "k" }));
    let needed = l.scratch_len(3, 3, 2, Pass::Forward);
    assert_eq!(
        l.loss(q2, q2, Positives::Diagonal, &mut ws[..needed - 1]),
        Err(Error::ScratchTooSmall { needed, got: needed - 1 })
    );
    let (mut dq, mut dk) = ([f32::NAN; 6], [f32::NAN; 5]);
    assert_eq!(
        l.loss_and_grad(q2, q2, Positives::Diagonal, &mut dq, &mut dk, &mut ws),
        Err(Error::LengthMismatch { left: "k", left_len: 6, right: "dk", right_len: 5 })
    );
    assert!(dq.iter().chain(&dk).all(|v| v.is_nan()), "nothing written on error");
    let missing = if cfg!(target_arch = "x86_64") { simkern::Level::Neon } else { simkern::Level::Avx512 };
    // A level this CPU lacks has no handle, so no loss can run there.
    assert_eq!(Kernels::new(missing), Err(Error::LevelUnavailable { level: missing }));
}

/// The figure users quote: on training-like batches (unit rows, positives
/// `q + noise`, losses from 1e-3 up) the loss is within 1e-5 relative of
/// the f64 value at τ ≥ 0.01, at every level. (The bound proven for every
/// input is the ε one in `check`; near-zero losses of very confident
/// batches at τ = 0.01 reach ~1e-4 relative, see the module docs.)
#[test]
fn loss_within_1e_5_relative_on_training_batches() {
    let mut checked = 0;
    for &(n, d) in &[(8usize, 16usize), (64, 128), (150, 768), (300, 64)] {
        for &tau in &[0.01f32, 0.05, 0.2, 1.0] {
            for &noise in &[10.0f32, 1.0, 0.3] {
                let mut r = Rng::new(n as u64 ^ d as u64);
                let q = vec_f32(&mut r, Dist::Normal, n * d);
                let e = vec_f32(&mut r, Dist::Normal, n * d);
                let k: Vec<f32> = q.iter().zip(&e).map(|(a, b)| a + noise * b).collect();
                let pos: Vec<usize> = (0..n).collect();
                let want = naive::infonce(&widen(&q), &widen(&k), d, &pos, f64::from(tau), true, false).loss;
                if want < 1e-3 {
                    continue;
                }
                let c =
                    Case { n, m: n, d, tau, normalize: true, symmetric: false, explicit: false, scale: 1.0 };
                for &level in levels() {
                    let (loss, _, _) = run(&c, level, &q, &k, &pos);
                    let rel = (f64::from(loss) - want).abs() / want;
                    assert!(
                        rel <= INFONCE_LOSS_REL,
                        "{level:?} n={n} d={d} τ={tau} noise={noise}: {loss} vs {want} ({rel:e})"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "{checked} batches");
}

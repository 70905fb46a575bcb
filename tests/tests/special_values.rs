//! NaN and ±∞ at random positions of **long** inputs (past every block of
//! every level's main loop, with a tail), for every kernel family at every
//! level: the IEEE result where one is documented, NaN otherwise — never a
//! finite number that ignores the special value.
//!
//! The expected class (NaN, +∞, −∞, finite) comes from plain `f64`
//! arithmetic on the same values ([`naive::dot_plain`] and friends), which
//! follows IEEE rules exactly for these magnitudes.

use simkern::Kernels;
use simkern::{Error, NanPolicy, Ties};
use simkern_core::infonce::{InfoNce, Pass, Positives};
use simkern_core::lse::OnlineLse;
use simkern_core::{MatRef, binomial, correlation as corr, diagnostics as diag, rank};
use simkern_tests::data::{Dist, Rng, Special, long_len, sprinkle, vec_f32, vec_f64};
use simkern_tests::levels::levels;
use simkern_tests::precision::{CORRELATION_ABS, same_ieee_class};
use simkern_tests::reference::{self as naive, dot_plain, widen};

/// One long case: two `f32` vectors with `count` entries of `special` in
/// `a` and `b` each (so products ∞·0, ∞ − ∞ and mixed signs all occur).
fn long_pair(seed: u64, special: Special, count: usize) -> (Vec<f32>, Vec<f32>) {
    let mut r = Rng::new(seed);
    let n = long_len(&mut r);
    let mut a = vec_f32(&mut r, Dist::Normal, n);
    let mut b = vec_f32(&mut r, Dist::Normal, n);
    sprinkle(&mut r, &mut a, count, special);
    sprinkle(&mut r, &mut b, count / 2, special);
    (a, b)
}

#[test]
fn similarity_kernels_propagate_specials_through_the_long_loop() {
    for seed in 0..60u64 {
        for special in Special::ALL {
            let (a, b) = long_pair(seed, special, 1 + seed as usize % 4);
            let (x, y) = (widen(&a), widen(&b));
            let d: Vec<f64> = x.iter().zip(&y).map(|(p, q)| p - q).collect();
            let want_dot = dot_plain(&x, &y);
            let want_l2 = dot_plain(&d, &d);
            let (xx, yy) = (dot_plain(&x, &x), dot_plain(&y, &y));
            let want_cos = want_dot / (xx.sqrt() * yy.sqrt());
            for &level in levels() {
                let ctx = format!("{level:?} seed {seed} {special:?} n={}", a.len());
                let got = level.dot(&a, &b).unwrap();
                assert!(same_ieee_class(f64::from(got), want_dot), "{ctx}: dot {got} vs {want_dot}");
                let got = level.dot_f64(&a, &b).unwrap();
                assert!(same_ieee_class(got, want_dot), "{ctx}: dot_f64 {got} vs {want_dot}");
                let got = level.l2_squared(&a, &b).unwrap();
                assert!(same_ieee_class(f64::from(got), want_l2), "{ctx}: l2 {got} vs {want_l2}");
                let got = level.cosine(&a, &b).unwrap();
                assert!(same_ieee_class(f64::from(got), want_cos), "{ctx}: cosine {got} vs {want_cos}");
                let got = level.norm_squared(&a);
                assert!(same_ieee_class(f64::from(got), xx), "{ctx}: norm² {got} vs {xx}");
                let got = level.norm(&a);
                assert!(same_ieee_class(f64::from(got), xx.sqrt()), "{ctx}: norm {got}");

                let mut u = a.clone();
                let n = level.normalize(&mut u);
                assert!(same_ieee_class(f64::from(n), xx.sqrt()), "{ctx}: normalize returned {n}");
                for (i, (&ui, &ai)) in u.iter().zip(&a).enumerate() {
                    // x / ∞ is ±0 for finite x and NaN for ±∞; x / NaN is NaN.
                    let want = (f64::from(ai) / xx.sqrt()) as f32;
                    assert!(
                        ui.to_bits() == want.to_bits() || (ui.is_nan() && want.is_nan()),
                        "{ctx}: normalized[{i}] {ui} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn f64_similarity_kernels_propagate_specials() {
    for seed in 0..30u64 {
        for special in Special::ALL {
            let mut r = Rng::new(seed);
            let n = long_len(&mut r);
            let mut a = vec_f64(&mut r, Dist::Normal, n);
            let mut b = vec_f64(&mut r, Dist::Normal, n);
            sprinkle(&mut r, &mut a, 2, special);
            sprinkle(&mut r, &mut b, 1, special);
            let want = dot_plain(&a, &b);
            let d: Vec<f64> = a.iter().zip(&b).map(|(p, q)| p - q).collect();
            for &level in levels() {
                assert!(same_ieee_class(level.dot(&a, &b).unwrap(), want), "{level:?} {special:?} dot");
                let l2 = level.l2_squared(&a, &b).unwrap();
                assert!(same_ieee_class(l2, dot_plain(&d, &d)), "{level:?} {special:?} l2 {l2}");
                let c = level.cosine(&a, &b).unwrap();
                assert!(
                    same_ieee_class(c, want / (dot_plain(&a, &a) * dot_plain(&b, &b)).sqrt()),
                    "{level:?} cos {c}"
                );
            }
        }
    }
}

#[test]
fn similarity_matrix_specials_past_every_block() {
    // d = 800 crosses KC = 768; 150 queries cross MC = 144; the key count
    // leaves a partial register tile at every level.
    for (seed, &(n, m, d)) in [(150usize, 37usize, 800usize), (9, 70, 130), (200, 5, 33)].iter().enumerate() {
        for special in Special::ALL {
            let mut r = Rng::new(seed as u64);
            let mut q = vec_f32(&mut r, Dist::Normal, n * d);
            let mut k = vec_f32(&mut r, Dist::Normal, m * d);
            sprinkle(&mut r, &mut q, 3, special);
            sprinkle(&mut r, &mut k, 2, special);
            let (qw, kw) = (widen(&q), widen(&k));
            let want: Vec<f64> = qw
                .chunks_exact(d)
                .flat_map(|qi| kw.chunks_exact(d).map(move |kj| dot_plain(qi, kj)))
                .collect();
            assert!(want.iter().any(|w| !w.is_finite()), "the case has special entries");
            for &level in levels() {
                let got = simkern::similarity_matrix_on(level, &q, &k, d).unwrap();
                for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                    assert!(
                        same_ieee_class(f64::from(g), w),
                        "{level:?} {n}x{m}x{d} {special:?} entry {i}: {g} vs {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn lse_family_propagates_specials_through_the_long_loop() {
    let u = f64::from(f32::EPSILON) / 2.0;
    for seed in 0..80u64 {
        for special in Special::ALL {
            let mut r = Rng::new(seed);
            let n = long_len(&mut r);
            let mut x: Vec<f32> = vec_f32(&mut r, Dist::Normal, n).iter().map(|v| v * 20.0).collect();
            let at = sprinkle(&mut r, &mut x, 1 + seed as usize % 3, special);
            let xw = widen(&x);
            let (want, rest) = naive::logsumexp(&xw);
            let want_p = naive::softmax(&xw);
            for &level in levels() {
                let ctx = format!("{level:?} seed {seed} {special:?} n={n}");
                let got = f64::from(level.logsumexp(&x));
                match special {
                    Special::NegInf => {
                        let bound = u * (want.abs() + 4.0 * rest / (1.0 + rest) + (n as f64).ln() + 1.0);
                        assert!((got - want).abs() <= bound, "{ctx}: lse {got} vs {want}");
                    }
                    _ => {
                        assert!(same_ieee_class(got, want) && !got.is_finite(), "{ctx}: lse {got} vs {want}")
                    }
                }
                let got64 = level.logsumexp(&xw);
                assert!(same_ieee_class(got64, want), "{ctx}: f64 lse {got64}");
                let mut online = OnlineLse::new();
                for part in x.chunks(n / 3 + 1) {
                    online.merge(level.lse_state(part));
                }
                assert!(same_ieee_class(online.value(), want), "{ctx}: online {}", online.value());

                let mut p = vec![f32::NAN; n];
                level.softmax_into(&x, &mut p).unwrap();
                let mut y = vec![f32::NAN; n];
                level.log_softmax_into(&x, &mut y).unwrap();
                let mut e = vec![f32::NAN; n];
                level.exp_into(&x, &mut e).unwrap();
                for i in 0..n {
                    if special == Special::NegInf {
                        if at.contains(&i) {
                            assert_eq!(p[i], 0.0, "{ctx}: softmax at −∞");
                            assert_eq!(y[i], f32::NEG_INFINITY, "{ctx}: log_softmax at −∞");
                        } else {
                            let pb = u * ((xw[i] - want).abs() + 8.0 + 20.0) * want_p[i] + 1.5e-45;
                            assert!(
                                (f64::from(p[i]) - want_p[i]).abs() <= pb,
                                "{ctx}: p[{i}] {} vs {}",
                                p[i],
                                want_p[i]
                            );
                            assert!(y[i].is_finite(), "{ctx}: log p[{i}] {}", y[i]);
                        }
                    } else {
                        assert!(
                            p[i].is_nan() && y[i].is_nan(),
                            "{ctx}: softmax[{i}] {} / log {}",
                            p[i],
                            y[i]
                        );
                    }
                    // Specials exactly (e^NaN = NaN, e^∞ = ∞, e^−∞ = 0), the
                    // rest within exp's 2 ulp.
                    let want_e = xw[i].exp();
                    let ok = if x[i].is_finite() {
                        (f64::from(e[i]) - want_e).abs() <= 2.0 * f64::from(f32::EPSILON) * want_e + 1.5e-45
                    } else {
                        e[i].to_bits() == (want_e as f32).to_bits() || (e[i].is_nan() && want_e.is_nan())
                    };
                    assert!(ok, "{ctx}: exp({}) = {}", x[i], e[i]);
                }
                let mut p64 = vec![f64::NAN; n];
                level.softmax_into(&xw, &mut p64).unwrap();
                for i in 0..n {
                    assert!(
                        same_ieee_class(p64[i], want_p[i]),
                        "{ctx}: f64 softmax[{i}] {} vs {}",
                        p64[i],
                        want_p[i]
                    );
                }
            }
        }
    }
    // All −∞, long: −∞ and an all-NaN softmax.
    let x = vec![f32::NEG_INFINITY; 1000];
    for &level in levels() {
        assert_eq!(level.logsumexp(&x), f32::NEG_INFINITY);
        let mut p = vec![0.0f32; 1000];
        level.softmax_into(&x, &mut p).unwrap();
        assert!(p.iter().all(|v| v.is_nan()), "{level:?}");
    }
}

#[test]
fn softmax_vjp_propagates_nan() {
    for seed in 0..20u64 {
        let mut r = Rng::new(seed);
        let n = long_len(&mut r);
        let p = vec![1.0 / n as f32; n];
        let mut g = vec_f32(&mut r, Dist::Normal, n);
        sprinkle(&mut r, &mut g, 1, Special::Nan);
        for &level in levels() {
            let mut out = vec![0.0f32; n];
            level.softmax_vjp_into(&p, &g, &mut out).unwrap();
            // ⟨g, p⟩ is NaN, so every entry is.
            assert!(out.iter().all(|v| v.is_nan()), "{level:?} seed {seed}");
        }
    }
}

#[test]
fn infonce_nan_and_infinity_give_a_non_finite_loss_in_long_batches() {
    // 150 rows cross the forward row block (144); d = 40 spans the lanes.
    let (n, d) = (150usize, 40usize);
    for (seed, special) in [Special::Nan, Special::PosInf, Special::NegInf].into_iter().enumerate() {
        let mut r = Rng::new(seed as u64);
        let mut q = vec_f32(&mut r, Dist::Normal, n * d);
        let mut k = vec_f32(&mut r, Dist::Normal, n * d);
        let victim = if seed % 2 == 0 { &mut q } else { &mut k };
        sprinkle(&mut r, victim, 1, special);
        for (normalize, symmetric) in [(false, false), (true, false), (true, true), (false, true)] {
            for &level in levels() {
                let cfg = InfoNce::new(0.05).unwrap().normalize(normalize).symmetric(symmetric).on(level);
                let (qm, km) = (MatRef::new(&q, d).unwrap(), MatRef::new(&k, d).unwrap());
                let ctx = format!("{level:?} {special:?} normalize={normalize} symmetric={symmetric}");
                let mut ws = vec![f32::NAN; cfg.scratch_len(n, n, d, Pass::Forward)];
                let loss = cfg.loss(qm, km, Positives::Diagonal, &mut ws).unwrap();
                let mut ws = vec![f32::NAN; cfg.scratch_len(n, n, d, Pass::Backward)];
                let (mut dq, mut dk) = (vec![f32::NAN; q.len()], vec![f32::NAN; k.len()]);
                let loss2 =
                    cfg.loss_and_grad(qm, km, Positives::Diagonal, &mut dq, &mut dk, &mut ws).unwrap();
                if special == Special::Nan {
                    assert!(loss.is_nan() && loss2.is_nan(), "{ctx}: loss {loss} / {loss2}");
                } else {
                    // ±∞ logits: LSE − positive is ∞ − ∞ or ∞; never finite.
                    assert!(!loss.is_finite() && !loss2.is_finite(), "{ctx}: loss {loss} / {loss2}");
                }
                assert!(dq.iter().chain(&dk).any(|g| g.is_nan()), "{ctx}: an all-finite gradient");
            }
        }
    }
}

#[test]
fn diagnostics_give_nan_for_special_rows() {
    // 300 rows: more than two uniformity blocks of 144; d = 70 reaches
    // the 64-wide loops.
    let (n, d) = (300usize, 70usize);
    for (seed, special) in Special::ALL.into_iter().enumerate() {
        let mut r = Rng::new(seed as u64 + 100);
        let mut x = vec_f32(&mut r, Dist::Normal, n * d);
        let y = vec_f32(&mut r, Dist::Normal, n * d);
        sprinkle(&mut r, &mut x, 1, special);
        let (xw, yw) = (widen(&x), widen(&y));
        // Alignment: ‖x − y‖^α per row, plainly.
        let want_align: f64 = xw
            .chunks_exact(d)
            .zip(yw.chunks_exact(d))
            .map(|(a, b)| a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>())
            .sum::<f64>()
            / n as f64;
        for &level in levels() {
            let (xm, ym) = (MatRef::new(&x, d).unwrap(), MatRef::new(&y, d).unwrap());
            let a = level.alignment(xm, ym, 2.0).unwrap();
            assert!(
                same_ieee_class(f64::from(a), want_align),
                "{level:?} {special:?} alignment {a} vs {want_align}"
            );
            let mut ws = vec![f32::NAN; diag::uniformity_scratch_len(n, d)];
            let u = level.uniformity(xm, 2.0, &mut ws).unwrap();
            assert!(u.is_nan(), "{level:?} {special:?} uniformity {u}");
            let mut ws = vec![f64::NAN; diag::anisotropy_scratch_len(d)];
            let an = level.anisotropy(xm, &mut ws).unwrap();
            assert!(
                an.mean_cosine.is_nan() && an.gram_sum.is_nan() && an.top_eigenvalue.is_nan(),
                "{level:?} {special:?} anisotropy {an:?}"
            );
        }
    }
}

#[test]
fn ranks_and_correlations_with_specials_in_long_inputs() {
    // 5 000 values take the radix path; 20 000 integer-valued ones the
    // few-distinct-values table path.
    for (seed, &(n, distinct)) in [(5000usize, 0u64), (20_000, 300)].iter().enumerate() {
        let mut r = Rng::new(seed as u64 + 7);
        let draw = |r: &mut Rng| -> f64 {
            if distinct == 0 { r.normal() } else { (r.next_u64() % distinct) as f64 }
        };
        let mut x: Vec<f64> = (0..n).map(|_| draw(&mut r)).collect();
        let y: Vec<f64> = (0..n).map(|_| draw(&mut r)).collect();
        sprinkle(&mut r, &mut x, 5, Special::PosInf);
        sprinkle(&mut r, &mut x, 5, Special::NegInf);
        let infinite = x.clone();
        let nan_at = sprinkle(&mut r, &mut x, 4, Special::Nan);
        let xs: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let kept: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
        for &level in levels() {
            for (ties, name) in simkern_tests::reference::TIE_METHODS {
                let want = naive::rankdata_sorted(&kept, name);
                for (values, label) in [(&x as &dyn AsF64, "f64"), (&xs as &dyn AsF64, "f32")] {
                    let mut out = vec![f64::NAN; n];
                    values.rank(level, ties, NanPolicy::Omit, &mut out).unwrap();
                    let got: Vec<f64> =
                        out.iter().zip(&x).filter(|(_, v)| !v.is_nan()).map(|(o, _)| *o).collect();
                    assert_eq!(got, want, "{level:?} {name} {label} n={n}: ±∞ rank as extremes, NaN omitted");
                    assert!(nan_at.iter().all(|&i| out[i].is_nan()), "{level:?} {name}: NaN positions");
                    out.fill(0.0);
                    values.rank(level, ties, NanPolicy::Propagate, &mut out).unwrap();
                    assert!(out.iter().all(|v| v.is_nan()), "{level:?} {name} {label}: Propagate");
                    assert_eq!(
                        values.rank(level, ties, NanPolicy::Raise, &mut out),
                        Err(Error::NanInput { name: "x" }),
                        "{level:?} {name} {label}: Raise"
                    );
                }
            }
            // Correlations: NaN → NaN; ±∞ are ordinary values for the rank
            // statistics and undefined moments (NaN) for Pearson.
            let (rl, sl) = corr::spearman_scratch_len::<f64>(n);
            let (mut ranks, mut scratch) =
                (vec![f64::NAN; rl], vec![0u64; sl.max(corr::kendall_scratch_len(n))]);
            assert!(level.pearson(&x, &y).unwrap().is_nan(), "{level:?} pearson NaN");
            assert!(level.pearson(&infinite, &y).unwrap().is_nan(), "{level:?} pearson ±∞");
            assert!(level.spearman(&x, &y, &mut ranks, &mut scratch).unwrap().is_nan());
            assert!(level.kendall_tau_b(&x, &y, &mut scratch).unwrap().is_nan());
            let rho = level.spearman(&infinite, &y, &mut ranks, &mut scratch).unwrap();
            let (rx, ry) =
                (naive::rankdata_sorted(&infinite, "average"), naive::rankdata_sorted(&y, "average"));
            let want = naive::pearson(&rx, &ry);
            assert!((rho - want).abs() <= CORRELATION_ABS, "{level:?} spearman with ±∞: {rho} vs {want}");
        }
    }
}

/// Ranks of `f32` or `f64` data at a level, behind one object type.
trait AsF64 {
    fn rank(&self, level: Kernels, ties: Ties, nan: NanPolicy, out: &mut [f64]) -> simkern::Result<()>;
}

impl<T: simkern::Float> AsF64 for Vec<T> {
    fn rank(&self, level: Kernels, ties: Ties, nan: NanPolicy, out: &mut [f64]) -> simkern::Result<()> {
        let mut scratch = vec![0u64; rank::rank_scratch_len::<T>(self.len())];
        level.rank_into(self, ties, nan, out, &mut scratch)
    }
}

#[test]
fn binomial_pmf_into_long_inputs_and_bad_p_at_every_level() {
    let n = 1000u64;
    let ks: Vec<u64> = (0..1300).collect();
    for &level in levels() {
        for p in [0.3, 1e-3, 0.0, 1.0] {
            let mut out = vec![f64::NAN; ks.len()];
            level.pmf_into(&ks, n, p, &mut out).unwrap();
            for (&k, &o) in ks.iter().zip(&out) {
                let want = binomial::pmf(k, n, p);
                assert!(
                    o.to_bits().abs_diff(want.to_bits()) <= 4,
                    "{level:?} p={p} k={k}: {o:e} vs {want:e}"
                );
            }
        }
        for p in [f64::NAN, -0.1, 1.5, f64::INFINITY] {
            let mut out = vec![0.0; ks.len()];
            level.pmf_into(&ks, n, p, &mut out).unwrap();
            assert!(out.iter().all(|v| v.is_nan()), "{level:?} p={p}");
        }
    }
}

#[test]
fn mean_variance_propagates_specials() {
    for special in Special::ALL {
        let mut r = Rng::new(5);
        let mut x = vec_f32(&mut r, Dist::Normal, 3001);
        sprinkle(&mut r, &mut x, 1, special);
        for &level in levels() {
            let mv = level.mean_variance(&x).unwrap();
            let want_mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / 3001.0;
            assert!(same_ieee_class(mv.mean, want_mean), "{level:?} {special:?} mean {}", mv.mean);
            // (±∞ − ±∞)² is NaN: the variance of a sample with an infinity is undefined.
            assert!(mv.variance.is_nan(), "{level:?} {special:?} variance {}", mv.variance);
        }
    }
}

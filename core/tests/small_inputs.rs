//! Every kernel family on short inputs at every offset, at every available
//! level, against plain scalar sums. These are the tests `cargo miri test`
//! runs over the portable path (Miri checks each masked head and tail for
//! out-of-bounds and uninitialised reads); natively they repeat at every
//! ISA level. Sizes shrink under Miri, which is ~10⁴ times slower.

use simkern_core::infonce::{InfoNce, Pass, Positives};
use simkern_core::rank::{NanPolicy, Ties, rank_scratch_len};
use simkern_core::{Kernels, MatRef, binomial, correlation, similarity as sim};

const MAX_LEN: usize = if cfg!(miri) { 19 } else { 70 };
const OFFSETS: usize = if cfg!(miri) { 3 } else { 17 };

/// A deterministic value in [−1, 1).
fn value(i: usize, salt: usize) -> f32 {
    let h = (i.wrapping_mul(0x9E37_79B9) ^ salt.wrapping_mul(0x85EB_CA6B)).wrapping_mul(0xC2B2_AE35);
    ((h >> 8) & 0xFFFF) as f32 / 32768.0 - 1.0
}

/// Buffers with a slice of every length below `MAX_LEN` at every offset
/// below `OFFSETS` (so that heads and tails fall everywhere).
fn cases(salt: usize) -> impl Iterator<Item = (Vec<f32>, usize, usize)> {
    (0..OFFSETS).flat_map(move |off| {
        (0..MAX_LEN).map(move |len| ((0..off + len + 3).map(|i| value(i, salt)).collect(), off, len))
    })
}

/// Within 1e-5 of `scale` (f32 kernels, short inputs).
fn close(got: f64, want: f64, scale: f64) -> bool {
    (got - want).abs() <= 1e-5 * scale.max(1e-30)
}

#[test]
fn reductions_and_elementwise() {
    for &level in Kernels::available() {
        for ((a, off, len), (b, _, _)) in cases(1).zip(cases(2)) {
            let (x, y) = (&a[off..off + len], &b[off..off + len]);
            let wide = |v: &[f32]| v.iter().map(|&p| f64::from(p)).collect::<Vec<f64>>();
            let (xw, yw) = (wide(x), wide(y));
            let dot: f64 = xw.iter().zip(&yw).map(|(p, q)| p * q).sum();
            let abs: f64 = xw.iter().zip(&yw).map(|(p, q)| (p * q).abs()).sum();
            assert!(close(level.dot_f64(x, y).unwrap(), dot, abs), "{level:?} dot, len {len}");
            let l2: f64 = xw.iter().zip(&yw).map(|(p, q)| (p - q) * (p - q)).sum();
            assert!(close(f64::from(level.l2_squared(x, y).unwrap()), l2, l2), "{level:?} l2");
            let nx = xw.iter().map(|p| p * p).sum::<f64>().sqrt();
            // The documented bound: the f64 sum (relative ~len·2⁻⁵³, nothing
            // at these lengths) rounded once to f32, half an ulp.
            let norm = f64::from(level.norm(x));
            assert!(
                (norm - nx).abs() <= f64::from(f32::EPSILON) / 2.0 * nx * (1.0 + 1e-12),
                "{level:?} norm"
            );
            let mut unit = x.to_vec();
            level.normalize(&mut unit);
            let n1: f64 = unit.iter().map(|&p| f64::from(p) * f64::from(p)).sum();
            assert!(nx == 0.0 || close(n1, 1.0, 1.0), "{level:?} normalize");
            if len == 0 {
                continue;
            }
            let mean = xw.iter().sum::<f64>() / len as f64;
            assert!(close(level.mean_variance(x).unwrap().mean, mean, 1.0), "{level:?} mean");
            let lse_want = xw.iter().map(|p| p.exp()).sum::<f64>().ln();
            assert!(close(f64::from(level.logsumexp(x)), lse_want, 1.0), "{level:?} lse");
            let mut out = vec![f32::NAN; len];
            level.softmax_into(x, &mut out).unwrap();
            let total: f64 = out.iter().map(|&p| f64::from(p)).sum();
            assert!(close(total, 1.0, 1.0), "{level:?} softmax, len {len}: Σ = {total}");
            level.exp_into(x, &mut out).unwrap();
            assert!(out.iter().zip(&xw).all(|(&e, v)| close(f64::from(e), v.exp(), 1.0)), "{level:?} exp");
            if len >= 2 {
                let (mx, my) = (mean, yw.iter().sum::<f64>() / len as f64);
                let sxy: f64 = xw.iter().zip(&yw).map(|(p, q)| (p - mx) * (q - my)).sum();
                let sxx: f64 = xw.iter().map(|p| (p - mx) * (p - mx)).sum();
                let syy: f64 = yw.iter().map(|q| (q - my) * (q - my)).sum();
                let r = level.pearson(x, y).unwrap();
                assert!((r - sxy / (sxx * syy).sqrt()).abs() <= 1e-12, "{level:?} pearson, len {len}");
            }
        }
    }
}

#[test]
fn similarity_matrix_and_infonce() {
    let dims = if cfg!(miri) { [1, 3, 9] } else { [1, 7, 33] };
    for &level in Kernels::available() {
        for d in dims {
            for (rows_q, rows_k) in [(1, 1), (2, 5), (5, 3)] {
                let qd: Vec<f32> = (0..rows_q * d).map(|i| value(i, 3)).collect();
                let kd: Vec<f32> = (0..rows_k * d).map(|i| value(i, 4)).collect();
                let (q, k) = (MatRef::new(&qd, d).unwrap(), MatRef::new(&kd, d).unwrap());
                let mut s = vec![f32::NAN; rows_q * rows_k];
                let mut scratch = vec![f32::NAN; sim::similarity_matrix_scratch_len(rows_q, rows_k, d)];
                level.similarity_matrix_into(q, k, &mut s, &mut scratch).unwrap();
                let want = |i: usize, j: usize| -> f64 {
                    (0..d).map(|t| f64::from(qd[i * d + t]) * f64::from(kd[j * d + t])).sum()
                };
                for i in 0..rows_q {
                    for j in 0..rows_k {
                        assert!(
                            close(f64::from(s[i * rows_k + j]), want(i, j), d as f64),
                            "{level:?} S[{i}][{j}]"
                        );
                    }
                }
                if rows_k < rows_q {
                    continue;
                }
                // Mean over rows of LSE_j(S_ij/τ) − S_ii/τ, τ = ½.
                let expected: f64 = (0..rows_q)
                    .map(|i| {
                        (0..rows_k).map(|j| (2.0 * want(i, j)).exp()).sum::<f64>().ln() - 2.0 * want(i, i)
                    })
                    .sum::<f64>()
                    / rows_q as f64;
                let loss = InfoNce::new(0.5).unwrap().on(level);
                let mut ws = vec![f32::NAN; loss.scratch_len(rows_q, rows_k, d, Pass::Backward)];
                let (mut dq, mut dk) = (vec![f32::NAN; qd.len()], vec![f32::NAN; kd.len()]);
                // Query i's positive is key i.
                let pos: Vec<usize> = (0..rows_q).collect();
                let l =
                    loss.loss_and_grad(q, k, Positives::Indices(&pos), &mut dq, &mut dk, &mut ws).unwrap();
                assert!(close(f64::from(l), expected, 1.0), "{level:?} InfoNCE {rows_q}×{rows_k}×{d}");
                assert!(dq.iter().chain(&dk).all(|g| g.is_finite()));
            }
        }
    }
}

#[test]
fn ranks_correlations_binomial() {
    let lens: &[usize] = if cfg!(miri) { &[0, 1, 2, 5, 79, 80, 81] } else { &[0, 1, 2, 5, 79, 80, 81, 300] };
    for &len in lens {
        // Ties: five distinct values.
        let x: Vec<f32> = (0..len).map(|i| (value(i, 5) * 2.5).round()).collect();
        let y: Vec<f32> = (0..len).map(|i| value(i, 6)).collect();
        // Average ranks by counting: below + (equal + 1)/2.
        let average_ranks = |v: &[f32]| -> Vec<f64> {
            v.iter()
                .map(|&a| {
                    let below = v.iter().filter(|&&w| w < a).count() as f64;
                    let equal = v.iter().filter(|&&w| w == a).count() as f64;
                    below + (equal + 1.0) / 2.0
                })
                .collect()
        };
        let (want_rx, want_ry) = (average_ranks(&x), average_ranks(&y));
        for &level in Kernels::available() {
            let mut r = vec![f64::NAN; len];
            let mut scratch = vec![0u64; rank_scratch_len::<f32>(len)];
            level.rank_into(&x, Ties::Average, NanPolicy::Propagate, &mut r, &mut scratch).unwrap();
            assert_eq!(r, want_rx, "{level:?} rank, len {len}");
            if len < 2 {
                continue;
            }
            // Spearman: Pearson's r of those ranks, two-pass in f64.
            let mean = (len as f64 + 1.0) / 2.0;
            let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
            for (a, b) in want_rx.iter().zip(&want_ry) {
                sxy += (a - mean) * (b - mean);
                sxx += (a - mean) * (a - mean);
                syy += (b - mean) * (b - mean);
            }
            let want = sxy / (sxx * syy).sqrt();
            let (nr, ns) = correlation::spearman_scratch_len::<f32>(len);
            let (mut ranks, mut s) = (vec![f64::NAN; nr], vec![0u64; ns]);
            let rho = level.spearman(&x, &y, &mut ranks, &mut s).unwrap();
            assert!(
                (rho.is_nan() && want.is_nan()) || (rho - want).abs() <= 1e-12,
                "{level:?} spearman, len {len}: {rho} vs {want}"
            );
            let mut s = vec![0u64; correlation::kendall_scratch_len(len)];
            // Concordant minus discordant pairs over the tie-corrected count.
            let (mut nc, mut t1, mut t2) = (0i64, 0i64, 0i64);
            for i in 0..len {
                for j in 0..i {
                    let (a, b) = ((x[i] - x[j]).signum() as i64, (y[i] - y[j]).signum() as i64);
                    let (a, b) = (if x[i] == x[j] { 0 } else { a }, if y[i] == y[j] { 0 } else { b });
                    nc += a * b;
                    t1 += a * a;
                    t2 += b * b;
                }
            }
            let want = nc as f64 / ((t1 as f64) * (t2 as f64)).sqrt();
            let tau = level.kendall_tau_b(&x, &y, &mut s).unwrap();
            assert!(
                (tau.is_nan() && want.is_nan()) || (tau - want).abs() <= 1e-12,
                "{level:?} kendall, len {len}"
            );
        }
    }
    for &level in Kernels::available() {
        let ks: Vec<u64> = (0..=if cfg!(miri) { 12 } else { 40 }).collect();
        let mut out = vec![f64::NAN; ks.len()];
        level.pmf_into(&ks, 40, 0.3, &mut out).unwrap();
        for (&k, &p) in ks.iter().zip(&out) {
            let want = binomial::pmf(k, 40, 0.3);
            assert!((p - want).abs() <= 1e-14 * want, "{level:?} pmf_into({k})");
        }
    }
}

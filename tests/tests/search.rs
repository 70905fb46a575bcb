//! `top_k` and `KeyIndex` against a brute-force search over the full
//! similarity matrix (same f32 scores, a full sort with the documented tie
//! rule): shapes across the query and key blocks, k from 0 past n_keys,
//! every metric; ties and NaN; the scores' error against f64; bad input;
//! the storage types (f16, bf16, i8) against the f32 search of their
//! exactly widened values, i8 dot scores exact.

use half::{bf16, f16};
use simkern::{KeyIndex, MatrixElement, Metric, top_k};
use simkern_core::{Kernels, MatRef};
use simkern_tests::data::{Dist, Rng, vec_f32};
use simkern_tests::reference::{self as naive, widen};

/// The brute force: every score from `similarity_matrix` (unit rows for
/// cosine, `‖q‖² + ‖k‖² − 2q·k` for L2), sorted best first, equal scores by
/// index, NaN last.
fn brute_force(
    kernels: Kernels,
    q: &[f32],
    keys: &[f32],
    dim: usize,
    k: usize,
    metric: Metric,
) -> (Vec<u32>, Vec<f32>) {
    let unit = |x: &[f32]| {
        let mut x = x.to_vec();
        x.chunks_exact_mut(dim).for_each(|r| {
            kernels.normalize(r);
        });
        x
    };
    let (qq, kk) = if metric == Metric::Cosine { (unit(q), unit(keys)) } else { (q.to_vec(), keys.to_vec()) };
    let (n_q, n_k) = (q.len() / dim, keys.len() / dim);
    let mut s = vec![0.0f32; n_q * n_k];
    let mut scratch = vec![0.0f32; kernels.similarity_matrix_scratch_len(n_q, n_k, dim)];
    let (qm, km) = (MatRef::new(&qq, dim).unwrap(), MatRef::new(&kk, dim).unwrap());
    kernels.similarity_matrix_into(qm, km, &mut s, &mut scratch).unwrap();
    let l2 = |i: usize, j: usize, v: f32| {
        let d = kernels.norm_squared(&qq[i * dim..][..dim]) + kernels.norm_squared(&kk[j * dim..][..dim])
            - 2.0 * v;
        if d.is_nan() { d } else { d.max(0.0) }
    };
    let scores = |i: usize, j: usize, v: f32| if metric == Metric::L2 { l2(i, j, v) } else { v };
    best_of_rows(&s, n_q, n_k, k, metric, scores)
}

/// Each row's best `k` of the scores `score(i, j, s[i·n_k + j])`, sorted
/// best first, equal scores by index, NaN last.
fn best_of_rows(
    s: &[f32],
    n_q: usize,
    n_k: usize,
    k: usize,
    metric: Metric,
    score: impl Fn(usize, usize, f32) -> f32,
) -> (Vec<u32>, Vec<f32>) {
    let k = k.min(n_k);
    let (mut idx, mut sc) = (Vec::new(), Vec::new());
    for i in 0..n_q {
        let mut row: Vec<(f32, u32)> = (0..n_k).map(|j| (score(i, j, s[i * n_k + j]), j as u32)).collect();
        row.sort_by(|a, b| {
            let better = |x: f32, y: f32| if metric == Metric::L2 { x < y } else { x > y };
            match (a.0.is_nan(), b.0.is_nan()) {
                (true, true) => a.1.cmp(&b.1),
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ if better(a.0, b.0) => std::cmp::Ordering::Less,
                _ if better(b.0, a.0) => std::cmp::Ordering::Greater,
                _ => a.1.cmp(&b.1),
            }
        });
        for &(v, j) in &row[..k] {
            idx.push(j);
            sc.push(v);
        }
    }
    (idx, sc)
}

fn check(q: &[f32], keys: &[f32], dim: usize, k: usize) {
    for metric in [Metric::Dot, Metric::Cosine, Metric::L2] {
        let got = top_k(q, keys, dim, k, metric).unwrap();
        let (idx, sc) = brute_force(Kernels::best(), q, keys, dim, k, metric);
        let ctx = format!("{metric:?} n_q={} n_keys={} dim={dim} k={k}", q.len() / dim, keys.len() / dim);
        assert_eq!(got.k, k.min(keys.len() / dim), "{ctx}");
        assert_eq!(got.indices, idx, "{ctx}: indices");
        let same =
            got.scores.iter().zip(&sc).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        assert!(same, "{ctx}: scores");
        // The index gives the same answer, search after search.
        let index = KeyIndex::new(keys, dim, metric).unwrap();
        let again = index.search(q, k).unwrap();
        let bits = |t: &simkern::TopK| t.scores.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!((&again.indices, bits(&again)), (&got.indices, bits(&got)), "{ctx}: KeyIndex");
    }
}

#[test]
fn matches_brute_force_across_blocks() {
    let mut r = Rng::new(17);
    for (n_q, n_k, dim) in
        [(1, 1, 1), (3, 5, 7), (129, 1025, 16), (300, 3000, 5), (2, 2049, 64), (257, 700, 33)]
    {
        let q = vec_f32(&mut r, Dist::Normal, n_q * dim);
        let keys = vec_f32(&mut r, Dist::Normal, n_k * dim);
        for k in [0, 1, 5, 64, n_k - 1, n_k, n_k + 3] {
            check(&q, &keys, dim, k);
        }
    }
}

/// The core form over caller buffers at every level against the brute
/// force at that level, bit for bit (shapes across query and key blocks, k
/// from 1 past n_keys, every metric, ties and NaN), and at the best level
/// the std `top_k` bit for bit; scratch, candidates and outputs of the
/// wrong size are errors.
#[test]
fn core_top_k_over_caller_buffers_at_every_level() {
    use simkern_tests::levels::levels;
    let mut r = Rng::new(41);
    let bits =
        |x: &[f32]| x.iter().map(|v| if v.is_nan() { u32::MAX } else { v.to_bits() }).collect::<Vec<_>>();
    for (n_q, n_k, dim) in [(1, 1, 1), (3, 5, 7), (259, 1300, 9), (2, 2049, 40)] {
        let q = vec_f32(&mut r, Dist::Normal, n_q * dim);
        let mut keys = vec_f32(&mut r, Dist::Normal, n_k * dim);
        if n_k > 4 {
            // A repeated key (ties) and a NaN key.
            keys.copy_within(0..dim, 2 * dim);
            keys[3 * dim] = f32::NAN;
        }
        let (qm, km) = (MatRef::new(&q, dim).unwrap(), MatRef::new(&keys, dim).unwrap());
        for &level in levels() {
            for metric in [Metric::Dot, Metric::Cosine, Metric::L2] {
                for k in [1, 10, n_k, n_k + 2] {
                    let kk = k.min(n_k);
                    let mut scratch = vec![0.0f32; level.top_k_scratch_len(n_q, n_k, dim, metric)];
                    let mut cands = vec![0u64; Kernels::top_k_candidates_len(n_q, n_k, k)];
                    let (mut idx, mut sc) = (vec![0u32; n_q * kk], vec![0.0f32; n_q * kk]);
                    level.top_k_into(qm, km, k, metric, &mut idx, &mut sc, &mut scratch, &mut cands).unwrap();
                    let (want_idx, want_sc) = brute_force(level, &q, &keys, dim, k, metric);
                    let ctx = format!("{level:?} {metric:?} n_q={n_q} n_keys={n_k} dim={dim} k={k}");
                    assert_eq!(idx, want_idx, "{ctx}");
                    assert_eq!(bits(&sc), bits(&want_sc), "{ctx}");
                    if level == Kernels::best() {
                        let std = top_k(&q, &keys, dim, k, metric).unwrap();
                        assert_eq!((std.indices, bits(&std.scores)), (idx.clone(), bits(&sc)), "{ctx}: std");
                    }
                    let short = scratch.len() - 1;
                    let e = level.top_k_into(
                        qm,
                        km,
                        k,
                        metric,
                        &mut idx,
                        &mut sc,
                        &mut scratch[..short],
                        &mut cands,
                    );
                    assert!(matches!(e, Err(simkern::Error::ScratchTooSmall { .. })), "{ctx}: {e:?}");
                    let short = cands.len() - 1;
                    let e = level.top_k_into(
                        qm,
                        km,
                        k,
                        metric,
                        &mut idx,
                        &mut sc,
                        &mut scratch,
                        &mut cands[..short],
                    );
                    assert!(matches!(e, Err(simkern::Error::ScratchTooSmall { .. })), "{ctx}: {e:?}");
                    let e = level.top_k_into(
                        qm,
                        km,
                        k,
                        metric,
                        &mut idx[1..],
                        &mut sc[1..],
                        &mut scratch,
                        &mut cands,
                    );
                    assert!(matches!(e, Err(simkern::Error::OutputSize { .. })), "{ctx}: {e:?}");
                }
            }
        }
    }
    let level = Kernels::best();
    let (q, keys) = ([1.0f32; 3], [1.0f32; 4]);
    let (qm, km) = (MatRef::new(&q, 3).unwrap(), MatRef::new(&keys, 2).unwrap());
    let e = level.top_k_into(qm, km, 1, Metric::Dot, &mut [0], &mut [0.0], &mut [0.0; 64], &mut [0; 66]);
    assert!(matches!(e, Err(simkern::Error::DimMismatch { .. })), "{e:?}");
    // k = 0 and no queries: nothing to write, no scratch needed beyond the lengths' checks.
    let km = MatRef::new(&keys, 2).unwrap();
    let none = MatRef::new(&[][..], 2).unwrap();
    assert!(level.top_k_into(none, km, 3, Metric::L2, &mut [], &mut [], &mut [], &mut []).is_ok());
    let q2 = MatRef::new(&keys[..2], 2).unwrap();
    let mut scratch = vec![0.0f32; level.top_k_scratch_len(1, 2, 2, Metric::L2)];
    assert!(level.top_k_into(q2, km, 0, Metric::L2, &mut [], &mut [], &mut scratch, &mut []).is_ok());
}

#[test]
fn ties_go_to_the_lower_index_and_nan_ranks_last() {
    let dim = 3;
    // Keys 0, 2, 4 are the same row; key 3 has a NaN.
    let mut keys = vec![1.0f32, 2.0, 3.0, 0.5, 0.5, 0.5, 1.0, 2.0, 3.0, 9.0, f32::NAN, 9.0, 1.0, 2.0, 3.0];
    let q = [1.0f32, 1.0, 1.0];
    for metric in [Metric::Dot, Metric::Cosine, Metric::L2] {
        let hits = top_k(&q, &keys, dim, 5, metric).unwrap();
        assert_eq!(
            &hits.indices[..3],
            if metric == Metric::Dot { &[0, 2, 4][..] } else { &[1, 0, 2][..] },
            "{metric:?}"
        );
        assert_eq!(hits.indices[4], 3, "{metric:?}: NaN last");
        assert!(hits.scores[4].is_nan());
        check(&q, &keys, dim, 5);
    }
    keys.truncate(9);
    check(&q, &keys, dim, 2);
}

/// Scores within the engine's bound of the exact (f64) values.
#[test]
fn scores_are_within_their_bound() {
    let mut r = Rng::new(3);
    let dim = 96;
    let q = vec_f32(&mut r, Dist::LogNormal, 4 * dim);
    let keys = vec_f32(&mut r, Dist::Normal, 500 * dim);
    let u = f64::from(f32::EPSILON) / 2.0;
    let gamma = (dim + 2) as f64 * u / (1.0 - (dim + 2) as f64 * u);
    let hits = top_k(&q, &keys, dim, 10, Metric::Dot).unwrap();
    for (i, (row_idx, row_sc)) in hits.indices.chunks(10).zip(hits.scores.chunks(10)).enumerate() {
        let qi = widen(&q[i * dim..][..dim]);
        for (&j, &s) in row_idx.iter().zip(row_sc) {
            let kj = widen(&keys[j as usize * dim..][..dim]);
            let exact = naive::dot_exact(&qi, &kj);
            let abs: f64 = qi.iter().zip(&kj).map(|(a, b)| (a * b).abs()).sum();
            assert!((f64::from(s) - exact).abs() <= gamma * abs + u * exact.abs(), "{s} vs {exact}");
        }
    }
}

#[test]
fn bad_input_is_an_error() {
    let keys = [0.0f32; 6];
    assert!(top_k(&[0.0; 3], &keys, 0, 1, Metric::Dot).is_err());
    assert!(top_k(&[0.0; 3], &keys, 4, 1, Metric::Dot).is_err()); // 6 keys values, dim 4
    assert!(top_k(&[0.0; 5], &keys, 3, 1, Metric::Cosine).is_err()); // queries not whole rows
    assert!(KeyIndex::new(&keys, 0, Metric::L2).is_err());
    let none = top_k(&[0.0; 3], &keys, 3, 0, Metric::L2).unwrap();
    assert_eq!((none.k, none.indices.len(), none.scores.len()), (0, 0, 0));
    let empty = top_k(&[0.0; 3], &[], 3, 4, Metric::Dot).unwrap();
    assert_eq!(empty.k, 0);
    // 10⁶ queries × the best 10⁶ of 10⁶ keys: 4 TB of results, an error
    // (not an abort), serial and parallel; on a 32-bit target the count
    // itself does not fit.
    let (q, keys) = (vec![1.0f32; 1_000_000], vec![1.0f32; 1_000_000]);
    let too_big = |r: simkern::Result<simkern::TopK>| match r {
        Err(simkern::Error::OutOfMemory { bytes }) => usize::BITS == 64 && bytes as u64 >= 4_000_000_000_000,
        Err(simkern::Error::SizeOverflow) => usize::BITS == 32,
        _ => false,
    };
    assert!(too_big(top_k(&q, &keys, 1, 1_000_000, Metric::Dot)));
    assert!(too_big(simkern::par_top_k(&q, &keys, 1, 1_000_000, Metric::L2)));
}

/// A search over `T` is the f32 search over the exactly widened values —
/// same indices, same score bits — for every metric, across the query and
/// key blocks, by `top_k` and by a reused `KeyIndex`.
/// The search of `bf16` rows on the matrix tiles, brute force: every dot
/// from the tiles' `similarity_matrix`, cosine as `(s/‖q‖)/‖k‖` (a zero
/// row scoring 0), L2 as `‖q‖² + ‖k‖² − 2s` clamped at 0 (norms of the
/// widened rows), then each row's best.
fn tile_brute_force(q: &[bf16], keys: &[bf16], dim: usize, k: usize, metric: Metric) -> simkern::TopK {
    let (qw, kw): (Vec<f32>, Vec<f32>) = (widen_bf16(q), widen_bf16(keys));
    let (n_q, n_k) = (q.len() / dim, keys.len() / dim);
    let s = simkern::similarity_matrix(q, keys, dim).unwrap();
    let row = |x: &[f32], i: usize| x[i * dim..][..dim].to_vec();
    let inv = |r: Vec<f32>| {
        let n = simkern::norm(&r);
        if n == 0.0 { 0.0 } else { 1.0 / n }
    };
    let sq = |r: Vec<f32>| simkern_core::similarity::norm_squared(&r);
    let (idx, sc) = best_of_rows(&s, n_q, n_k, k, metric, |i, j, v| match metric {
        Metric::Dot => v,
        Metric::Cosine => v * inv(row(&qw, i)) * inv(row(&kw, j)),
        Metric::L2 => {
            let d = sq(row(&qw, i)) + sq(row(&kw, j)) - 2.0 * v;
            if d.is_nan() { d } else { d.max(0.0) }
        }
    });
    simkern::TopK { k: k.min(n_k), indices: idx, scores: sc }
}

fn widen_bf16(x: &[bf16]) -> Vec<f32> {
    x.iter().map(|v| v.to_f32()).collect()
}

/// A search over a storage type is the `f32` search of its widened
/// values, bit for bit — except `bf16` on the matrix tiles
/// ([`simkern::Level::Amx`]), whose dots are the tiles' own: there it is
/// the brute force over those ([`tile_brute_force`]), bit for bit.
fn check_storage<T: MatrixElement>(q: &[T], keys: &[T], dim: usize, widen: impl Fn(T) -> f32) {
    let (qw, kw): (Vec<f32>, Vec<f32>) =
        (q.iter().map(|&v| widen(v)).collect(), keys.iter().map(|&v| widen(v)).collect());
    let bits = |t: &simkern::TopK| t.scores.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let as_bf16 = |x: &[T]| -> Option<Vec<bf16>> {
        (std::any::type_name::<T>() == std::any::type_name::<bf16>())
            .then(|| x.iter().map(|&v| bf16::from_f32(widen(v))).collect())
    };
    let tiles = Kernels::best().level() == simkern::Level::Amx;
    for metric in [Metric::Dot, Metric::Cosine, Metric::L2] {
        let index = KeyIndex::new(keys, dim, metric).unwrap();
        for k in [1, 7, keys.len() / dim + 1] {
            let want = match (as_bf16(q), as_bf16(keys)) {
                (Some(qb), Some(kb)) if tiles => tile_brute_force(&qb, &kb, dim, k, metric),
                _ => top_k(&qw, &kw, dim, k, metric).unwrap(),
            };
            let got = top_k(q, keys, dim, k, metric).unwrap();
            let ctx = format!("{} {metric:?} dim={dim} k={k}", std::any::type_name::<T>());
            assert_eq!((&got.indices, bits(&got)), (&want.indices, bits(&want)), "{ctx}");
            let again = index.search(q, k).unwrap();
            assert_eq!((&again.indices, bits(&again)), (&want.indices, bits(&want)), "{ctx}: KeyIndex");
        }
    }
}

#[test]
fn storage_types_search_their_widened_values() {
    let mut r = Rng::new(23);
    for (n_q, n_k, dim) in [(3, 5, 7), (260, 1100, 24), (2, 2049, 64)] {
        let (q, mut keys) =
            (vec_f32(&mut r, Dist::Normal, n_q * dim), vec_f32(&mut r, Dist::Normal, n_k * dim));
        if n_k > 10 {
            // A zero key (cosine 0) and a NaN key (last).
            keys[5 * dim..6 * dim].fill(0.0);
            keys[9 * dim] = f32::NAN;
        }
        let half = |x: &[f32]| x.iter().map(|&v| f16::from_f32(v)).collect::<Vec<_>>();
        check_storage(&half(&q), &half(&keys), dim, f16::to_f32);
        let brain = |x: &[f32]| x.iter().map(|&v| bf16::from_f32(v)).collect::<Vec<_>>();
        check_storage(&brain(&q), &brain(&keys), dim, bf16::to_f32);
        let quantize =
            |x: &[f32]| x.iter().map(|&v| (v * 50.0).clamp(-128.0, 127.0) as i8).collect::<Vec<_>>();
        let (qi, ki) = (quantize(&q), quantize(&keys));
        check_storage(&qi, &ki, dim, f32::from);
        // i8 dot scores are the exact integer sums (rows ≤ 2¹⁰).
        let hits = top_k(&qi, &ki, dim, 5, Metric::Dot).unwrap();
        for (i, (row, sc)) in hits.indices.chunks(hits.k).zip(hits.scores.chunks(hits.k)).enumerate() {
            for (&j, &s) in row.iter().zip(sc) {
                let (a, b) = (&qi[i * dim..][..dim], &ki[j as usize * dim..][..dim]);
                let exact: i32 = a.iter().zip(b).map(|(&x, &y)| i32::from(x) * i32::from(y)).sum();
                assert_eq!(s, exact as f32);
            }
        }
    }
    // Bad input in the storage types too.
    let zeros = [bf16::ZERO; 6];
    assert!(top_k(&zeros[..3], &zeros, 4, 1, Metric::Dot).is_err());
    assert!(KeyIndex::new(&[0i8; 6], 0, Metric::L2).is_err());
    assert!(KeyIndex::new(&[0i8; 6], 3, Metric::Cosine).unwrap().search(&[1i8; 4], 1).is_err());
}

/// The selection's vector passes at every level: chunk bounds equal the
/// scalar maximum / minimum of each chunk (every length, every tail), a
/// chunk with NaNs those of its other values (±∞ if it has none); the
/// squared distances bit for bit the scalar expression, NaN kept.
#[test]
fn scan_passes_at_every_level() {
    use simkern_core::search::SCAN_CHUNK;
    use simkern_tests::levels::levels;
    let mut r = Rng::new(29);
    for &level in levels() {
        for n in [0, 1, 7, 63, 64, 65, 130, 1000] {
            let x = vec_f32(&mut r, Dist::Normal, n);
            let chunks = n.div_ceil(SCAN_CHUNK);
            let (mut hi, mut lo) = (vec![0.0f32; chunks], vec![0.0f32; chunks]);
            level.chunk_max(&x, &mut hi).unwrap();
            level.chunk_min(&x, &mut lo).unwrap();
            for (c, chunk) in x.chunks(SCAN_CHUNK).enumerate() {
                let max = chunk.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let min = chunk.iter().copied().fold(f32::INFINITY, f32::min);
                assert_eq!((hi[c], lo[c]), (max, min), "{level:?} n={n} chunk {c}");
            }
            if n > 0 {
                assert!(level.chunk_max(&x, &mut hi[..chunks - 1]).is_err());
            }
            // NaNs in a chunk (one, then every third value): left out.
            for stride in [usize::MAX, 3] {
                let mut y = x.clone();
                y.iter_mut()
                    .enumerate()
                    .filter(|(i, _)| *i == n / 2 || i % stride == 1)
                    .for_each(|(_, v)| *v = f32::NAN);
                level.chunk_max(&y, &mut hi).unwrap();
                level.chunk_min(&y, &mut lo).unwrap();
                for (c, chunk) in y.chunks(SCAN_CHUNK).enumerate() {
                    let numbers = || chunk.iter().copied().filter(|v| !v.is_nan());
                    let max = numbers().fold(f32::NEG_INFINITY, f32::max);
                    let min = numbers().fold(f32::INFINITY, f32::min);
                    assert_eq!((hi[c], lo[c]), (max, min), "{level:?} n={n} chunk {c} with NaN");
                }
            }
            let all_nan = vec![f32::NAN; n];
            level.chunk_max(&all_nan, &mut hi).unwrap();
            level.chunk_min(&all_nan, &mut lo).unwrap();
            assert!(hi.iter().all(|&b| b == f32::NEG_INFINITY) && lo.iter().all(|&b| b == f32::INFINITY));
            // Squared distances from dots, bit for bit.
            let norms: Vec<f32> = vec_f32(&mut r, Dist::LogNormal, n);
            let mut dots = vec_f32(&mut r, Dist::Normal, n);
            if n > 3 {
                dots[3] = f32::NAN;
                dots[1] = 1e30; // far below zero before the clamp
            }
            let want: Vec<f32> = dots
                .iter()
                .zip(&norms)
                .map(|(&v, &kn)| {
                    let d = 0.75 + kn - 2.0 * v;
                    if d.is_nan() { d } else { d.max(0.0) }
                })
                .collect();
            level.squared_distances(0.75, &norms, &mut dots).unwrap();
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&dots), bits(&want), "{level:?} n={n}");
            assert!(
                level.squared_distances(0.0, &norms, &mut dots[..n.saturating_sub(1)]).is_err() || n == 0
            );
        }
    }
}

/// `par_search` and `par_top_k` give the serial result bit for bit at 1, 2
/// and 3 threads: few queries (the keys cut into ranges per thread, k up
/// to a range's length), many queries (the query blocks shared out), every
/// metric, a storage type, NaN scores and ties across the cut. (Not on
/// WASI, which has no threads to run a pool on.)
#[cfg(not(target_os = "wasi"))]
#[test]
fn parallel_search_is_the_serial_one() {
    let mut r = Rng::new(31);
    let dim = 12;
    let mut keys = vec_f32(&mut r, Dist::Normal, 1500 * dim);
    keys[700 * dim] = f32::NAN;
    let tie = keys[10 * dim..11 * dim].to_vec();
    keys[1400 * dim..1401 * dim].copy_from_slice(&tie); // key 1400 ties key 10
    let bits =
        |t: &simkern::TopK| (t.indices.clone(), t.scores.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    for threads in 1..=3 {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            for n_q in [1, 5, 3 * 256 + 9] {
                let q = vec_f32(&mut Rng::new(n_q as u64), Dist::Normal, n_q * dim);
                for metric in [Metric::Dot, Metric::Cosine, Metric::L2] {
                    let index = KeyIndex::new(&keys, dim, metric).unwrap();
                    for k in [1, 10, 499, 500, 1500, 2000] {
                        let (serial, par) = (index.search(&q, k).unwrap(), index.par_search(&q, k).unwrap());
                        assert_eq!(bits(&par), bits(&serial), "{threads} threads n_q={n_q} {metric:?} k={k}");
                    }
                    let free = simkern::par_top_k(&q, &keys, dim, 7, metric).unwrap();
                    assert_eq!(bits(&free), bits(&index.search(&q, 7).unwrap()));
                }
                let hq: Vec<f16> = q.iter().map(|&v| f16::from_f32(v)).collect();
                let hk: Vec<f16> = keys.iter().map(|&v| f16::from_f32(v)).collect();
                let (serial, par) = (
                    top_k(&hq, &hk, dim, 9, Metric::L2).unwrap(),
                    simkern::par_top_k(&hq, &hk, dim, 9, Metric::L2).unwrap(),
                );
                assert_eq!(bits(&par), bits(&serial), "f16, {threads} threads");
            }
        });
    }
    assert!(simkern::par_top_k(&[0.0f32; 5], &keys, dim, 1, Metric::Dot).is_err());
}

/// Keys packed once score bit for bit as `similarity_matrix_into` at every
/// level, across the engine's blocks (rows past its tile, dim past its
/// k-block), reopened from their layout; bad input is an error: a short
/// buffer, another level's layout, a dim or output size that cannot be
/// right, short scratch.
#[test]
fn packed_keys_score_as_the_matrix_at_every_level() {
    use simkern::MatRef;
    use simkern_tests::levels::levels;
    let mut r = Rng::new(37);
    for &level in levels() {
        for (n_q, rows, dim) in [(1, 1, 1), (7, 33, 5), (30, 70, 800)] {
            let (q, keys) =
                (vec_f32(&mut r, Dist::Normal, n_q * dim), vec_f32(&mut r, Dist::Normal, rows * dim));
            let (qm, km) = (MatRef::new(&q, dim).unwrap(), MatRef::new(&keys, dim).unwrap());
            let mut want = vec![0.0f32; n_q * rows];
            let mut scratch = vec![0.0f32; level.similarity_matrix_scratch_len(n_q, rows, dim)];
            level.similarity_matrix_into(qm, km, &mut want, &mut scratch).unwrap();
            let mut buf = vec![f32::NAN; level.packed_keys_len(rows, dim)];
            let layout = level.pack_keys(km, &mut buf).unwrap().layout();
            assert_eq!((layout.rows(), layout.dim()), (rows, dim));
            let packed = level.packed_keys(layout, &buf).unwrap();
            let mut got = vec![f32::NAN; n_q * rows];
            let mut a = vec![0.0f32; level.scores_scratch_len(n_q, dim)];
            level.scores_into(qm, &packed, &mut got, &mut a).unwrap();
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{level:?} {n_q}x{rows}x{dim}");
            // Bad input.
            let mut short = vec![0.0f32; buf.len() - 1];
            assert!(level.pack_keys(km, &mut short).is_err());
            assert!(level.packed_keys(layout, &buf[..buf.len() - 1]).is_err());
            assert!(level.scores_into(qm, &packed, &mut got[1..], &mut a).is_err());
            if let Some(short) = a.len().checked_sub(1) {
                assert!(level.scores_into(qm, &packed, &mut got, &mut a[..short]).is_err());
            }
            let wrong_dim = MatRef::new(&q[..n_q * dim - n_q], dim - 1);
            if let Ok(wrong) = wrong_dim {
                assert!(level.scores_into(wrong, &packed, &mut got, &mut a).is_err());
            }
            for &other in levels().iter().filter(|o| o.level() != level.level()) {
                assert!(other.packed_keys(layout, &buf).is_err(), "{other:?} reads {level:?}'s keys");
                assert!(other.scores_into(qm, &packed, &mut got, &mut a).is_err());
            }
        }
    }
}

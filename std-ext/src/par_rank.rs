//! Ranks on all cores (feature `rayon`): a sample sort of the items
//! (the 32-bit order-preserving key above, the index below), then the
//! ranks written run by run in parallel.
//!
//! The first pass puts every item into one of 256 buckets between
//! splitters drawn from a sorted sample of the items — balanced whatever
//! the values' distribution (the top byte of a float's key is its sign and
//! exponent: a radix digit there puts nearly everything in a bucket or
//! two). Every part of the input counts its items per bucket, the counts
//! give each part its own start in every bucket (buckets in order, parts
//! in order within a bucket), and every part scatters its items there —
//! stable. Each bucket, a few hundred KiB at 10⁷ values, is then sorted by
//! its keys in cache (an LSD radix sort, stable), the buckets spread over
//! the threads. So the sorted items, and hence the ranks (ordinal ones
//! included), are those of the serial sort. The parts write to interleaved
//! places of one array: the arrays are of `AtomicU64`, whose relaxed loads
//! and stores are the plain moves of the serial code, so sharing them
//! needs no raw pointers.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use rayon::prelude::*;
use simkern_core::{Result, Sample};

use crate::Ties;
use crate::alloc::reserve_to;

/// Inputs shorter than this are ranked on one thread (the passes' fixed
/// cost per thread, a few 256-bucket histograms, outweighs the split).
const PAR_MIN: usize = 1 << 17;
/// Values sampled to tell tie-heavy inputs, which the serial path ranks
/// through its table of distinct values (faster than any sort), from the
/// others.
const SAMPLES: usize = 4096;
/// At most this many distinct values among the samples: the serial table
/// path (it holds 2048).
const FEW_DISTINCT: usize = 2048;
const BUCKETS: usize = 256;

/// [`crate::rank`] on the current rayon pool: the same ranks, bit for bit,
/// whatever the number of threads. Inputs of fewer than 2¹⁷ values, with
/// NaN, with 64-bit keys (`f64`, 64-bit integers), or with few distinct
/// values (among 4096 sampled; the serial table path is faster there) are
/// ranked by [`crate::rank`].
///
/// ```
/// use simkern::{Ties, par_rank, rank};
/// let x: Vec<f32> = (0..300_000u64).map(|i| (i * 7919 % 300_007) as f32 * 0.5).collect();
/// assert_eq!(par_rank(&x, Ties::Average)?, rank(&x, Ties::Average)?);
/// # Ok::<(), simkern::Error>(())
/// ```
pub fn par_rank<T: Sample>(x: &[T], ties: Ties) -> Result<Vec<f64>> {
    let n = x.len();
    let parts = rayon::current_num_threads().min(n / PAR_MIN).max(1);
    if parts < 2
        || T::RANK_WORDS != 1
        || u32::try_from(n).is_err()
        || few_distinct(x)
        || x.par_iter().any(|v| v.is_nan())
    {
        return crate::rank(x, ties);
    }
    let mut src = Vec::new();
    reserve_to(&mut src, n)?;
    src.par_extend(x.par_iter().enumerate().map(|(i, v)| AtomicU64::new(v.key() << 32 | i as u64)));
    let mut dst = atomics(n)?;
    let chunk = n.div_ceil(parts);
    // A sample sort's first pass: 256 buckets between splitters drawn from
    // the items (balanced whatever the distribution of the values), each
    // then sorted by its keys on its own, in cache, the buckets spread
    // over the threads. The items are distinct (the index is their low
    // half), so the buckets hold consecutive runs of the sorted order.
    let splitters = splitters(&src);
    let mut buckets = Vec::new();
    reserve_to(&mut buckets, n)?;
    buckets.par_extend(src.par_iter().map(|it| bucket_of(&splitters, it.load(Relaxed))));
    // (The sample's own items fall into different buckets: the pass always
    // moves something.)
    let Some(bounds) = scatter_pass(&src, &dst, chunk, |pos, _| usize::from(buckets[pos])) else {
        return crate::rank(x, ties);
    };
    std::mem::swap(&mut src, &mut dst);
    let mut rest = src.as_mut_slice();
    let mut parts = Vec::with_capacity(BUCKETS);
    for w in bounds.windows(2) {
        let (bucket, tail) = rest.split_at_mut(w[1] - w[0]);
        parts.push(bucket);
        rest = tail;
    }
    parts.into_par_iter().try_for_each(sort_bucket)?;
    // `dst` becomes the ranks (f64 bits at each value's index).
    write_ranks(&src, &dst, ties, chunk);
    Ok(dst.into_iter().map(|r| f64::from_bits(r.into_inner())).collect())
}

/// `n` zeros as atomics, or `Error::OutOfMemory`.
fn atomics(n: usize) -> Result<Vec<AtomicU64>> {
    let mut v = Vec::new();
    reserve_to(&mut v, n)?;
    v.par_extend((0..n).into_par_iter().map(|_| AtomicU64::new(0)));
    Ok(v)
}

/// Whether `x` has few distinct values among [`SAMPLES`] spread over it.
fn few_distinct<T: Sample>(x: &[T]) -> bool {
    let step = (x.len() / SAMPLES).max(1);
    let mut seen = HashSet::with_capacity(FEW_DISTINCT + 1);
    for v in x.iter().step_by(step).take(SAMPLES) {
        seen.insert(v.key());
        if seen.len() > FEW_DISTINCT {
            return false;
        }
    }
    true
}

/// 255 splitters, drawn evenly from the sorted items of a sample spread
/// over `items`, and `u64::MAX` after them.
fn splitters(items: &[AtomicU64]) -> [u64; BUCKETS] {
    let step = (items.len() / SAMPLES).max(1);
    let mut sample: Vec<u64> = items.iter().step_by(step).take(SAMPLES).map(|it| it.load(Relaxed)).collect();
    sample.sort_unstable();
    let per = (sample.len() / BUCKETS).max(1);
    let mut s = [u64::MAX; BUCKETS];
    for (j, slot) in s.iter_mut().take(BUCKETS - 1).enumerate() {
        if let Some(&v) = sample.get(per * (j + 1)) {
            *slot = v;
        }
    }
    s
}

/// The number of splitters at most `item` (0..=255): a branch-free binary
/// search.
#[inline(always)]
fn bucket_of(s: &[u64; BUCKETS], item: u64) -> u8 {
    let mut b = 0;
    for half in [128, 64, 32, 16, 8, 4, 2, 1] {
        // Arithmetic, not a branch: on random data a branch here is
        // mispredicted half the time (an `if` compiled to one under
        // `codegen-units = 1` and cost 5× the whole pass).
        b += half * usize::from(s[b + half - 1] <= item);
    }
    b as u8
}

/// Sorts one bucket of the first pass by its items' keys: an LSD radix
/// sort over the key's four digits on a copy (stable; the digits all its
/// items share are skipped), a stable comparison sort below 64 items.
fn sort_bucket(bucket: &mut [AtomicU64]) -> Result<()> {
    let m = bucket.len();
    let mut a = Vec::new();
    reserve_to(&mut a, m)?;
    a.extend(bucket.iter_mut().map(|x| *x.get_mut()));
    if m < 64 {
        a.sort_by_key(|&it| it >> 32);
    } else {
        let mut b = Vec::new();
        reserve_to(&mut b, m)?;
        b.resize(m, 0);
        let mut hist = [[0usize; BUCKETS]; 4];
        for &it in &a {
            for (p, h) in hist.iter_mut().enumerate() {
                h[digit(it, 32 + 8 * p as u32)] += 1;
            }
        }
        for (p, h) in hist.iter_mut().enumerate() {
            if h.contains(&m) {
                continue;
            }
            let mut at = 0;
            for c in h.iter_mut() {
                (*c, at) = (at, at + *c);
            }
            let shift = 32 + 8 * p as u32;
            for &it in &a {
                let d = digit(it, shift);
                if let Some(slot) = b.get_mut(h[d]) {
                    *slot = it;
                }
                h[d] += 1;
            }
            std::mem::swap(&mut a, &mut b);
        }
    }
    for (x, &it) in bucket.iter_mut().zip(&a) {
        *x.get_mut() = it;
    }
    Ok(())
}

/// The 8-bit digit of an item at `shift`.
#[inline(always)]
fn digit(item: u64, shift: u32) -> usize {
    (item >> shift) as usize & (BUCKETS - 1)
}

/// One stable pass from `src` into `dst` by the bucket `bucket(position,
/// item)` (below 256) of each item, in parts of `chunk` items: the
/// buckets' bounds in `dst` (257 of them), or `None` (and nothing moved)
/// when every item is in one bucket.
fn scatter_pass(
    src: &[AtomicU64],
    dst: &[AtomicU64],
    chunk: usize,
    bucket: impl Fn(usize, u64) -> usize + Sync,
) -> Option<Vec<usize>> {
    let counts: Vec<[usize; BUCKETS]> = src
        .par_chunks(chunk)
        .enumerate()
        .map(|(p, part)| {
            let mut h = [0usize; BUCKETS];
            for (i, it) in part.iter().enumerate() {
                h[bucket(p * chunk + i, it.load(Relaxed)) & (BUCKETS - 1)] += 1;
            }
            h
        })
        .collect();
    let n = src.len();
    let mut totals = [0usize; BUCKETS];
    for h in &counts {
        for (t, c) in totals.iter_mut().zip(h) {
            *t += c;
        }
    }
    if totals.contains(&n) {
        return None;
    }
    // Part p's start in bucket b: the items of the buckets below b, then
    // those of the parts before p in b.
    let mut starts = vec![[0usize; BUCKETS]; counts.len()];
    let mut bounds = vec![0];
    let mut below = 0;
    for b in 0..BUCKETS {
        let mut at = below;
        for (s, h) in starts.iter_mut().zip(&counts) {
            s[b] = at;
            at += h[b];
        }
        below += totals[b];
        bounds.push(below);
    }
    src.par_chunks(chunk).zip(starts).enumerate().for_each(|(p, (part, mut next))| {
        for (i, it) in part.iter().enumerate() {
            let it = it.load(Relaxed);
            let d = bucket(p * chunk + i, it) & (BUCKETS - 1);
            // In bounds by the counts; `get` keeps a miscount from panicking.
            if let Some(slot) = dst.get(next[d]) {
                slot.store(it, Relaxed);
            }
            next[d] += 1;
        }
    });
    Some(bounds)
}

/// Writes the rank of every sorted item at its index in `out` (f64 bits),
/// in parts of about `chunk` items that start at runs of equal keys.
fn write_ranks(sorted: &[AtomicU64], out: &[AtomicU64], ties: Ties, chunk: usize) {
    let key = |i: usize| sorted[i].load(Relaxed) >> 32;
    let n = sorted.len();
    // Part boundaries moved forward to the start of a run.
    let mut bounds = vec![0];
    let mut at = chunk;
    while at < n {
        while at < n && key(at) == key(at - 1) {
            at += 1;
        }
        if at < n {
            bounds.push(at);
        }
        at += chunk;
    }
    bounds.push(n);
    let ranges: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    // Dense ranks need the number of runs before each part.
    let runs: Vec<usize> =
        ranges.par_iter().map(|&(a, b)| (a..b).filter(|&i| i == a || key(i) != key(i - 1)).count()).collect();
    let firsts: Vec<usize> = runs
        .iter()
        .scan(0, |acc, &r| {
            let first = *acc;
            *acc += r;
            Some(first)
        })
        .collect();
    ranges.into_par_iter().zip(firsts).for_each(|((a, b), mut run_no)| {
        let mut start = a;
        while start < b {
            let k = key(start);
            let mut end = start + 1;
            while end < b && key(end) == k {
                end += 1;
            }
            let shared = ties.shared_rank(start, end, run_no);
            for (pos, it) in sorted[start..end].iter().enumerate() {
                let index = (it.load(Relaxed) & 0xffff_ffff) as usize;
                let r = shared.unwrap_or((start + pos + 1) as f64);
                if let Some(o) = out.get(index) {
                    o.store(r.to_bits(), Relaxed);
                }
            }
            run_no += 1;
            start = end;
        }
    });
}

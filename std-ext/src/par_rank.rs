//! Ranks on all cores (feature `rayon`): the serial path's LSD radix sort
//! over 8-bit digits of the 32-bit order-preserving keys, each pass split
//! among the threads, then the ranks written run by run in parallel.
//!
//! A pass: every part counts its digits, the counts give each part its
//! own start in every bucket (buckets in order, parts in order within a
//! bucket), and every part scatters its items there — stable, so the
//! sorted items, and hence the ranks (ordinal ones included), are those of
//! the serial sort. The parts write to interleaved places of one array:
//! the arrays are of `AtomicU64`, whose relaxed loads and stores are the
//! plain moves of the serial code, so no `unsafe` is needed to share them.

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
    let mut src = atomics(n)?;
    src.par_iter_mut()
        .zip(x.par_iter())
        .enumerate()
        .for_each(|(i, (it, v))| *it.get_mut() = v.key() << 32 | i as u64);
    let mut dst = atomics(n)?;
    let chunk = n.div_ceil(parts);
    for shift in [32, 40, 48, 56] {
        if scatter_pass(&src, &dst, shift, chunk) {
            std::mem::swap(&mut src, &mut dst);
        }
    }
    // `dst` becomes the ranks (f64 bits at each value's index).
    write_ranks(&src, &dst, ties, chunk);
    Ok(dst.into_iter().map(|r| f64::from_bits(r.into_inner())).collect())
}

/// `n` zeros as atomics, or [`Error::OutOfMemory`].
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

/// The 8-bit digit of an item at `shift`.
#[inline(always)]
fn digit(item: u64, shift: u32) -> usize {
    (item >> shift) as usize & (BUCKETS - 1)
}

/// One stable pass by the digit at `shift` from `src` into `dst`, in
/// parts of `chunk` items; `false` (and nothing moved) when every item
/// has the same digit.
fn scatter_pass(src: &[AtomicU64], dst: &[AtomicU64], shift: u32, chunk: usize) -> bool {
    let counts: Vec<[usize; BUCKETS]> = src
        .par_chunks(chunk)
        .map(|part| {
            let mut h = [0usize; BUCKETS];
            for it in part {
                h[digit(it.load(Relaxed), shift)] += 1;
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
        return false;
    }
    // Part p's start in bucket b: the items of the buckets below b, then
    // those of the parts before p in b.
    let mut starts = vec![[0usize; BUCKETS]; counts.len()];
    let mut below = 0;
    for b in 0..BUCKETS {
        let mut at = below;
        for (s, h) in starts.iter_mut().zip(&counts) {
            s[b] = at;
            at += h[b];
        }
        below += totals[b];
    }
    src.par_chunks(chunk).zip(starts).for_each(|(part, mut next)| {
        for it in part {
            let it = it.load(Relaxed);
            let d = digit(it, shift);
            // In bounds by the counts; `get` keeps a miscount from panicking.
            if let Some(slot) = dst.get(next[d]) {
                slot.store(it, Relaxed);
            }
            next[d] += 1;
        }
    });
    true
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
            let shared = match ties {
                Ties::Average => (start + 1 + end) as f64 / 2.0,
                Ties::Min => (start + 1) as f64,
                Ties::Max => end as f64,
                Ties::Dense => (run_no + 1) as f64,
                Ties::Ordinal => 0.0,
            };
            for (pos, it) in sorted[start..end].iter().enumerate() {
                let index = (it.load(Relaxed) & 0xffff_ffff) as usize;
                let r = if ties == Ties::Ordinal { (start + pos + 1) as f64 } else { shared };
                if let Some(o) = out.get(index) {
                    o.store(r.to_bits(), Relaxed);
                }
            }
            run_no += 1;
            start = end;
        }
    });
}

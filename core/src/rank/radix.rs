//! The stable LSD radix sort over 8-bit digits behind the ranks: item
//! layouts, the one-read histograms, the passes, and the run-by-run rank
//! assignment.

use super::{Output, prefix, split_scratch};
use crate::error::Result;
use crate::sample::Sample;

/// Radix digits are 8 bits: 256 buckets. (11-bit digits, three passes for
/// a 32-bit key, measured slower here: 2048 scatter streams thrash L1.)
pub(super) const BUCKETS: usize = 256;

/// Sorts shorter than this use insertion sort. Measured (rank of random
/// `f32`, `Ties::Average`): insertion 556 ns vs radix 699 ns at 64 values,
/// 1187 ns vs 859 ns at 96; the radix sort's fixed cost is zeroing and
/// summing four 256-bucket histograms.
const INSERTION_MAX: usize = 80;

/// `u64` words of histogram a radix sort of `n` items with `key_bits`-bit
/// keys needs.
pub(super) const fn hist_words(n: usize, key_bits: u32) -> usize {
    if n < INSERTION_MAX { 0 } else { key_bits.div_ceil(8) as usize * BUCKETS }
}

/// How a radix-sortable item holds its key and index.
pub(crate) trait Layout {
    /// The item.
    type Item: Copy;
    /// Bits of the key.
    const KEY_BITS: u32;
    /// The 8-bit digit of the key at `shift`.
    fn digit(it: &Self::Item, shift: u32) -> u8;
    /// The key, for comparisons and run detection.
    fn key(it: &Self::Item) -> u64;
    /// The index.
    fn index(it: &Self::Item) -> usize;
    /// `*slot = *it` (the scatter's store).
    #[inline(always)]
    fn put(slot: &mut Self::Item, it: &Self::Item) {
        *slot = *it;
    }
}

/// `f32` items: key in the high 32 bits of a `u64`, index in the low 32.
pub(crate) struct PackedKey;
/// `f64` items: `[key, index]`.
pub(crate) struct KeyIndexPair;
/// A `u64` sorted by its whole value (Kendall's `(x rank, y rank)` pairs).
pub(crate) struct WholeWord;

impl Layout for PackedKey {
    type Item = u64;
    const KEY_BITS: u32 = 32;
    #[inline(always)]
    fn digit(it: &u64, shift: u32) -> u8 {
        (it >> (32 + shift)) as u8
    }
    #[inline(always)]
    fn key(it: &u64) -> u64 {
        it >> 32
    }
    #[inline(always)]
    fn index(it: &u64) -> usize {
        (it & 0xffff_ffff) as usize
    }
}

impl Layout for KeyIndexPair {
    type Item = [u64; 2];
    const KEY_BITS: u32 = 64;
    #[inline(always)]
    fn digit(it: &[u64; 2], shift: u32) -> u8 {
        (it[0] >> shift) as u8
    }
    #[inline(always)]
    fn key(it: &[u64; 2]) -> u64 {
        it[0]
    }
    #[inline(always)]
    fn index(it: &[u64; 2]) -> usize {
        it[1] as usize
    }
    /// Word by word: at opt-level "s" the 16-byte copy became a call to
    /// `memmove` (1.5 KB of flash on a Cortex-M for one routine).
    #[inline(always)]
    fn put(slot: &mut [u64; 2], it: &[u64; 2]) {
        let [key, index] = slot;
        (*key, *index) = (it[0], it[1]);
    }
}

impl Layout for WholeWord {
    type Item = u64;
    const KEY_BITS: u32 = 64;
    #[inline(always)]
    fn digit(it: &u64, shift: u32) -> u8 {
        (it >> shift) as u8
    }
    #[inline(always)]
    fn key(it: &u64) -> u64 {
        *it
    }
    #[inline(always)]
    fn index(_: &u64) -> usize {
        0
    }
}

/// The digit histograms of every radix pass, counted in one read.
struct DigitCounts<'a> {
    hist: &'a mut [[u64; BUCKETS]],
}

impl<'a> DigitCounts<'a> {
    /// The histograms of every pass of layout `L`, zeroed, in `hist`.
    #[inline(always)]
    fn new<L: Layout>(hist: &'a mut [u64]) -> Self {
        let (hist, _) = hist.as_chunks_mut::<BUCKETS>();
        // The callers' scratch holds a histogram per pass ([`hist_words`]);
        // `min` only lets the optimiser see it (no panic path).
        let passes = (L::KEY_BITS.div_ceil(8) as usize).min(hist.len());
        let hist = &mut hist[..passes];
        for h in hist.iter_mut() {
            h.fill(0);
        }
        DigitCounts { hist }
    }

    /// Counts the digits of every item.
    #[inline(always)]
    fn count<L: Layout>(&mut self, items: impl Iterator<Item = L::Item>) {
        // A constant-length slice, so that the inner loop unrolls (`new`
        // made it that long; `get_mut` has no panic path).
        let Some(hist) = self.hist.get_mut(..L::KEY_BITS.div_ceil(8) as usize) else { return };
        for it in items {
            for (p, h) in hist.iter_mut().enumerate() {
                h[L::digit(&it, 8 * p as u32) as usize] += 1;
            }
        }
    }

    /// The passes that move something, as `(shift, histogram)`: a digit
    /// shared by all `n` items leaves the order as it is.
    #[inline(always)]
    fn varying(self, n: usize) -> impl Iterator<Item = (u32, &'a mut [u64; BUCKETS])> {
        let n = n as u64;
        self.hist.iter_mut().enumerate().filter(move |(_, h)| !h.contains(&n)).map(|(p, h)| (8 * p as u32, h))
    }
}

/// Stable insertion sort by key, for short inputs.
#[inline(always)]
fn insertion_sort<L: Layout>(items: &mut [L::Item]) {
    // Indices through `get`: `j ≤ i < len` always, but the optimiser does
    // not see it and would keep a panic path per index.
    for i in 1..items.len() {
        let it = items[i];
        let mut j = i;
        while let Some(&prev) = j.checked_sub(1).and_then(|p| items.get(p)) {
            if L::key(&prev) <= L::key(&it) {
                break;
            }
            if let Some(slot) = items.get_mut(j) {
                *slot = prev;
            }
            j -= 1;
        }
        if let Some(slot) = items.get_mut(j) {
            *slot = it;
        }
    }
}

/// The counting passes, ping-ponging between `items` (holding the data)
/// and `buf`; returns `true` if the result is in `buf`.
// Not inlined: the scatter loop is integer-only (no floating point to
// keep VEX-encoded) and keeps its registers to itself; inlined into the
// whole rank kernel it spilled its bucket offset (measured 15 % slower).
#[inline(never)]
fn radix_passes<'a, L: Layout>(
    items: &mut [L::Item],
    buf: &mut [L::Item],
    passes: impl Iterator<Item = (u32, &'a mut [u64; BUCKETS])>,
) -> bool {
    let (mut src, mut dst) = (items, buf);
    let mut in_buf = false;
    for (shift, h) in passes {
        let mut offset = 0u64;
        for c in h.iter_mut() {
            let count = *c;
            *c = offset;
            offset += count;
        }
        // The prefix sums put every item below `dst.len()`; `min(last)` (a
        // conditional move, no branch) lets the optimiser see it, so the
        // scatter keeps no bounds check and no panic path.
        let Some(last) = dst.len().checked_sub(1) else { return in_buf };
        for it in src.iter() {
            let d = L::digit(it, shift) as usize;
            L::put(&mut dst[(h[d] as usize).min(last)], it);
            h[d] += 1;
        }
        core::mem::swap(&mut src, &mut dst);
        in_buf = !in_buf;
    }
    in_buf
}

/// Stable sort of `items` by key: LSD radix over 8-bit digits with the
/// histograms of every pass built in one read (in `hist`, [`hist_words`]
/// long), or insertion sort when short. `buf` has the same length as
/// `items`; returns `true` if the result is in `buf`.
#[inline(always)]
pub(crate) fn radix_sort<L: Layout>(items: &mut [L::Item], buf: &mut [L::Item], hist: &mut [u64]) -> bool {
    if items.len() < INSERTION_MAX {
        insertion_sort::<L>(items);
        return false;
    }
    let mut counts = DigitCounts::new::<L>(hist);
    counts.count::<L>(items.iter().copied());
    radix_passes::<L>(items, buf, counts.varying(items.len()))
}

/// Stable radix sort of the items `source` yields (exactly `items.len()`
/// of them, the same each time it is cloned), with the result in `items`.
/// The digits are counted from `source` first; the items are then built
/// in whichever of `items` and `buf` makes the passes end in `items`, so
/// `buf` can be memory the caller needs back afterwards.
#[inline(always)]
fn radix_sort_in<L: Layout>(
    source: impl Iterator<Item = L::Item> + Clone,
    items: &mut [L::Item],
    buf: &mut [L::Item],
    hist: &mut [u64],
) {
    let n = items.len();
    if n < INSERTION_MAX {
        for (d, it) in items.iter_mut().zip(source) {
            *d = it;
        }
        insertion_sort::<L>(items);
        return;
    }
    let mut counts = DigitCounts::new::<L>(hist);
    counts.count::<L>(source.clone());
    let passes = counts.hist.iter().filter(|h| !h.contains(&(n as u64))).count();
    let (first, second) = if passes % 2 == 0 { (items, buf) } else { (buf, items) };
    for (d, it) in first.iter_mut().zip(source) {
        *d = it;
    }
    radix_passes::<L>(first, second, counts.varying(n));
}

/// Writes the ranks of sorted items at their indices, run by run.
#[inline(always)]
pub(crate) fn assign<L: Layout>(sorted: &[L::Item], output: Output<'_>) {
    let (mut start, mut run_no) = (0, 0usize);
    let mut output = output;
    let mut rest = sorted;
    while let Some(first) = rest.first() {
        let key = L::key(first);
        let len = rest.iter().position(|it| L::key(it) != key).unwrap_or(rest.len());
        let (run, tail) = rest.split_at_checked(len).unwrap_or((rest, &[]));
        rest = tail;
        let end = start + run.len();
        match &mut output {
            Output::Ranks(ties, out) => {
                let shared = ties.shared_rank(start, end, run_no);
                // Every index is a value's own (below `out.len()`): `get_mut`
                // is the index's compare without its panic path.
                if let Some(shared) = shared {
                    for it in run {
                        if let Some(o) = out.get_mut(L::index(it)) {
                            *o = shared;
                        }
                    }
                } else {
                    for (pos, it) in run.iter().enumerate() {
                        if let Some(o) = out.get_mut(L::index(it)) {
                            *o = (start + pos + 1) as f64;
                        }
                    }
                }
            }
            Output::Dense(out) => {
                for it in run {
                    if let Some(o) = out.get_mut(L::index(it)) {
                        *o = run_no as u64;
                    }
                }
            }
        }
        run_no += 1;
        start = end;
    }
}

/// The radix path of [`rank_sorted`](super::rank_sorted) for values whose
/// key fits 32 bits (`f32`, integers up to 32 bits): builds the items
/// (key above, index below, one word) of the non-NaN values, sorts them
/// and writes `output`.
#[inline(always)]
pub(super) fn radix_rank_packed<T: Sample>(
    x: &[T],
    scratch: &mut [u64],
    nans: usize,
    mut output: Output<'_>,
) -> Result<()> {
    let m = x.len().saturating_sub(nans);
    let (items, hist) = split_scratch(scratch, x.len())?;
    let items = prefix(items, m)?;
    {
        // The output is the sort's second buffer until the ranks go in.
        let buf = match &mut output {
            Output::Ranks(_, out) => wide::bytemuck::cast_slice_mut::<f64, u64>(out),
            Output::Dense(out) => out,
        };
        let buf = prefix(buf, m)?;
        let item = |(i, &v): (usize, &T)| (v.key() << 32) | i as u64;
        if nans == 0 {
            // Branch-free, so that building the items vectorises.
            radix_sort_in::<PackedKey>(x.iter().enumerate().map(item), items, buf, hist);
        } else {
            let kept = x.iter().enumerate().filter(|(_, v)| !v.is_nan());
            radix_sort_in::<PackedKey>(kept.map(item), items, buf, hist);
        }
    }
    assign::<PackedKey>(items, output);
    Ok(())
}

/// As [`radix_rank_packed`] for 64-bit keys (`f64`, 64-bit integers):
/// items of two words (`scratch`: `4 · len` words).
#[inline(always)]
pub(super) fn radix_rank_pairs<T: Sample>(
    x: &[T],
    scratch: &mut [u64],
    nans: usize,
    output: Output<'_>,
) -> Result<()> {
    let m = x.len().saturating_sub(nans);
    let (pairs, hist) = split_scratch(scratch, x.len().saturating_mul(4))?;
    let (pairs, _) = pairs.as_chunks_mut::<2>();
    let (items, buf) = split_scratch(pairs, x.len())?;
    let kept = x.iter().enumerate().filter(|(_, v)| !v.is_nan());
    for (it, (i, &v)) in items.iter_mut().zip(kept) {
        *it = [v.key(), i as u64];
    }
    let (items, buf) = (prefix(items, m)?, prefix(buf, m)?);
    let sorted = if radix_sort::<KeyIndexPair>(items, buf, hist) { &*buf } else { &*items };
    assign::<KeyIndexPair>(sorted, output);
    Ok(())
}

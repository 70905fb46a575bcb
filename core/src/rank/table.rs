//! The few-distinct-values path: ranks through a hash table of the
//! distinct keys (tie-heavy data: integer scores, Likert scales).

use super::radix::{BUCKETS, KeyIndexPair, radix_sort};
use super::{Output, Ties, prefix, split_scratch};
use crate::sample::Sample;

/// Slots of the hash table of the few-distinct-values path (a power of
/// two; 128 KiB of `[key, value]`, in L2).
const TABLE_SLOTS: usize = 8192;

/// Distinct values the table path handles: a quarter of the slots keeps
/// probe chains short. (At half full, 2000 distinct values in 16 Ki
/// inputs ranked slower than the radix sort: 102 vs 92 µs; at a quarter,
/// 61 µs.)
const TABLE_DISTINCT_MAX: usize = TABLE_SLOTS / 4;

/// Inputs shorter than this go straight to the radix sort. A failed
/// attempt (continuous data) costs zeroing the table and a few thousand
/// inserts: measured 5 % at 16 Ki values, 4 % at 32 Ki, nothing
/// measurable from 100 K.
pub(super) const TABLE_MIN_LEN: usize = 16 * 1024;

/// Scratch words of the table path: the `[key, value]` slots, the distinct
/// keys as `[key, slot]` items and their radix buffer and histograms.
pub(super) const TABLE_WORDS: usize = 2 * TABLE_SLOTS + 4 * TABLE_DISTINCT_MAX + 8 * BUCKETS;

/// Open-addressing table from a key to a `u64` (a count, then a rank).
/// Key 0 marks an empty slot: no non-NaN value has key 0 (it would be the
/// all-ones bit pattern, a NaN).
struct DistinctTable<'a> {
    /// A fixed-size array: every `i & MASK` is visibly in bounds.
    slots: &'a mut [[u64; 2]; TABLE_SLOTS],
}

impl DistinctTable<'_> {
    /// The slot holding `key`, or the empty slot where it belongs.
    #[inline(always)]
    fn find(&self, key: u64) -> usize {
        const MASK: usize = TABLE_SLOTS - 1;
        // Fibonacci hashing: the top bits of the product mix every key bit.
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - TABLE_SLOTS.trailing_zeros())) as usize;
        loop {
            let k = self.slots[i & MASK][0];
            if k == key || k == 0 {
                return i & MASK;
            }
            i += 1;
        }
    }
}

/// Ranks `x` through a hash table of its distinct keys, when there are at
/// most [`TABLE_DISTINCT_MAX`] of them: count each key, sort the distinct
/// keys, turn the counts into each key's rank, and look every value up
/// again. `O(n)` with a table in L1/L2, where a sort of tie-heavy data
/// (integer scores, Likert scales) would move every item several times.
///
/// Returns `false`, with `output` untouched, when there are more distinct
/// keys (found within the first few thousand values for continuous data)
/// or `x` is too short to profit. A NaN has no key; its output is left
/// alone.
#[inline(always)]
pub(super) fn rank_by_table<T: Sample>(x: &[T], scratch: &mut [u64], output: &mut Output<'_>) -> bool {
    if x.len() < TABLE_MIN_LEN || scratch.len() < TABLE_WORDS {
        return false;
    }
    let Ok((slots, rest)) = split_scratch(scratch, 2 * TABLE_SLOTS) else { return false };
    let Some(slots) = slots.as_chunks_mut::<2>().0.first_chunk_mut::<TABLE_SLOTS>() else { return false };
    slots.fill([0; 2]);
    let table = DistinctTable { slots };
    let mut distinct = 0;
    for k in x.iter().filter_map(|&v| v.rank_key()) {
        let i = table.find(k);
        if table.slots[i][0] == 0 {
            if distinct == TABLE_DISTINCT_MAX {
                return false;
            }
            table.slots[i][0] = k;
            distinct += 1;
        }
        table.slots[i][1] += 1;
    }

    // The distinct keys in order; each slot's count becomes its rank.
    let Ok((pairs, hist)) = split_scratch(rest, 4 * TABLE_DISTINCT_MAX) else { return false };
    let (pairs, _) = pairs.as_chunks_mut::<2>();
    let Ok((items, buf)) = split_scratch(pairs, TABLE_DISTINCT_MAX) else { return false };
    let occupied = table.slots.iter().enumerate().filter(|(_, s)| s[0] != 0);
    let mut m = 0;
    for (item, (i, s)) in items.iter_mut().zip(occupied) {
        *item = [s[0], i as u64];
        m += 1;
    }
    let (Ok(items), Ok(buf)) = (prefix(items, m), prefix(buf, m)) else { return false };
    let sorted = if radix_sort::<KeyIndexPair>(items, buf, hist) { &*buf } else { &*items };
    let mut start = 0u64;
    for (run_no, &[_, slot]) in sorted.iter().enumerate() {
        let value = &mut table.slots[slot as usize & (TABLE_SLOTS - 1)][1];
        let end = start + *value;
        *value = match output {
            Output::Ranks(Ties::Average, _) => ((start + 1 + end) as f64 / 2.0).to_bits(),
            Output::Ranks(Ties::Min | Ties::Ordinal, _) => start + 1,
            Output::Ranks(Ties::Max, _) => end,
            Output::Ranks(Ties::Dense, _) => run_no as u64 + 1,
            Output::Dense(_) => run_no as u64,
        };
        start = end;
    }

    // Every value looks its rank up; ordinal ranks count up within a key,
    // in order of appearance.
    match output {
        Output::Ranks(Ties::Average, out) => {
            for (o, &v) in out.iter_mut().zip(x) {
                if let Some(k) = v.rank_key() {
                    *o = f64::from_bits(table.slots[table.find(k)][1]);
                }
            }
        }
        Output::Ranks(Ties::Ordinal, out) => {
            for (o, &v) in out.iter_mut().zip(x) {
                if let Some(k) = v.rank_key() {
                    let i = table.find(k);
                    *o = table.slots[i][1] as f64;
                    table.slots[i][1] += 1;
                }
            }
        }
        Output::Ranks(_, out) => {
            for (o, &v) in out.iter_mut().zip(x) {
                if let Some(k) = v.rank_key() {
                    *o = table.slots[table.find(k)][1] as f64;
                }
            }
        }
        Output::Dense(out) => {
            for (o, &v) in out.iter_mut().zip(x) {
                if let Some(k) = v.rank_key() {
                    *o = table.slots[table.find(k)][1];
                }
            }
        }
    }
    true
}

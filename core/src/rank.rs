//! Ranking with ties, like `scipy.stats.rankdata`: an argsort by a stable
//! LSD radix sort on order-preserving integer keys, then one pass over the
//! runs of equal values.
//!
//! # Keys
//! An `f32` maps to a `u32` whose unsigned order is the numeric order
//! (flip every bit of a negative number, only the sign bit of a positive
//! one), after adding `+0.0` so that `−0.0` and `0.0` share a key and tie.
//! `f64` likewise to `u64`. NaNs never get a key: [`NanPolicy`] decides.
//!
//! # Sort
//! Items are `(key, index)` packed into one `u64` (`f32`: key in the high
//! 32 bits) or a `[u64; 2]` (`f64`), sorted by 8-bit digits of the key,
//! least significant first. One read builds the histograms of every pass;
//! a pass whose digit is the same for all items is skipped, which
//! helps small-range data. Below 80 items an insertion sort does the job.
//! The sort is stable, so `Ties::Ordinal` ranks equal values in order of
//! appearance, as SciPy does. For `f32` the output slice is the sort's
//! second buffer (its `f64`s are as wide as the items): the digits are
//! counted from the input, and the items built in whichever buffer makes
//! the last pass end in scratch, so the scratch is one word per value.
//!
//! The whole body runs inside the dispatched entry point of the best
//! level (see [`rank_into`]'s kernel) although it is scalar code: there its
//! floating-point instructions are VEX-encoded, immune to the slow-down of
//! legacy SSE code after other libraries leave dirty upper vector state.
//!
//! # Few distinct values
//! Tie-heavy data (integer scores, Likert scales) is the normal case, and
//! the one where vectorised quicksorts regress. From 16 Ki values, a hash
//! table of the distinct keys is tried first: count each key, sort the
//! (at most 2048) distinct keys, turn the counts into ranks, look each
//! value up again — two reads of the input instead of five moves of every
//! item. Past 2048 distinct keys it gives up and the radix sort runs.
//!
//! Ranks are exact (`f64` holds every integer and half-integer below 2⁵²).
//! The `f32` path packs indices in 32 bits: inputs longer than
//! `u32::MAX` give [`Error::SizeOverflow`].

use crate::error::{Error, Result, same_len};
use crate::float::Float;
use crate::simd::{self, Kernel, Level, Simd};

/// How equal values are ranked (the `method` of `scipy.stats.rankdata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ties {
    /// The mean of the ranks the run spans (e.g. 1.5 for two values tied
    /// for first). Spearman's ρ uses these.
    Average,
    /// The lowest rank of the run.
    Min,
    /// The highest rank of the run.
    Max,
    /// Ranks without gaps: the run gets one more than the previous run.
    Dense,
    /// Distinct ranks in order of appearance.
    Ordinal,
}

/// What NaN inputs do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NanPolicy {
    /// Any NaN makes every result NaN.
    Propagate,
    /// Any NaN is an error.
    Raise,
    /// NaNs are left out: the other values are ranked as if the NaNs were
    /// absent (a NaN's own rank is NaN); correlations drop the pair.
    Omit,
}

/// Elements of `u64` scratch [`rank_into`] needs for `n` values of `T`.
///
/// One word per value for `f32` (the sort's second buffer is the output
/// itself), four for `f64`, plus the radix histograms for 80 values or more
/// (4 × 256 words for `f32`, 8 × 256 for `f64`), and at least the hash
/// table of the few-distinct-values path from 16 Ki values.
///
/// ```
/// use simkern_core::rank::rank_scratch_len;
/// assert_eq!(rank_scratch_len::<f32>(10), 10);
/// assert_eq!(rank_scratch_len::<f64>(10), 40);
/// assert_eq!(rank_scratch_len::<f32>(1000), 1000 + 4 * 256);
/// ```
pub fn rank_scratch_len<T: Float>(n: usize) -> usize {
    let items = if T::RANK_WORDS == 1 { n } else { n.saturating_mul(4) };
    let len = items.saturating_add(hist_words(n, 32 * T::RANK_WORDS as u32));
    if n >= TABLE_MIN_LEN { len.max(TABLE_WORDS) } else { len }
}

/// Ranks of `x` (from 1) into `out`, with `ties` and `nan` as described on
/// [`Ties`] and [`NanPolicy`].
///
/// Errors: `out` not the length of `x`, scratch shorter than
/// [`rank_scratch_len`], a NaN under [`NanPolicy::Raise`], more than
/// `u32::MAX` `f32` values.
///
/// ```
/// use simkern_core::rank::{NanPolicy, Ties, rank_into, rank_scratch_len};
/// let x = [10.0f32, 20.0, 10.0, 30.0];
/// let mut r = [0.0; 4];
/// let mut scratch = vec![0u64; rank_scratch_len::<f32>(4)];
/// rank_into(&x, Ties::Average, NanPolicy::Propagate, &mut r, &mut scratch).unwrap();
/// assert_eq!(r, [1.5, 3.0, 1.5, 4.0]);
/// rank_into(&x, Ties::Dense, NanPolicy::Propagate, &mut r, &mut scratch).unwrap();
/// assert_eq!(r, [1.0, 2.0, 1.0, 3.0]);
/// ```
pub fn rank_into<T: Float>(
    x: &[T],
    ties: Ties,
    nan: NanPolicy,
    out: &mut [f64],
    scratch: &mut [u64],
) -> Result<()> {
    rank_into_opt(None, x, ties, nan, out, scratch)
}

/// [`rank_into`] at an explicit [`Level`].
///
/// ```
/// use simkern_core::{Level, rank::{NanPolicy, Ties, rank_into_at, rank_scratch_len}};
/// let mut r = [0.0; 3];
/// let mut scratch = vec![0u64; rank_scratch_len::<f64>(3)];
/// rank_into_at(Level::Portable, &[3.0f64, 1.0, 2.0], Ties::Min, NanPolicy::Raise, &mut r, &mut scratch).unwrap();
/// assert_eq!(r, [3.0, 1.0, 2.0]);
/// ```
pub fn rank_into_at<T: Float>(
    level: Level,
    x: &[T],
    ties: Ties,
    nan: NanPolicy,
    out: &mut [f64],
    scratch: &mut [u64],
) -> Result<()> {
    rank_into_opt(Some(level), x, ties, nan, out, scratch)
}

pub(crate) fn rank_into_opt<T: Float>(
    level: Option<Level>,
    x: &[T],
    ties: Ties,
    nan: NanPolicy,
    out: &mut [f64],
    scratch: &mut [u64],
) -> Result<()> {
    same_len("x", x.len(), "out", out.len())?;
    let needed = rank_scratch_len::<T>(x.len());
    if scratch.len() < needed {
        return Err(Error::ScratchTooSmall { needed, got: scratch.len() });
    }
    simd::run(level, RankInto { x, ties, nan, out, scratch: &mut scratch[..needed] })?
}

/// [`rank_into`] after its checks, as a kernel: plain scalar code, but
/// compiled inside each level's entry point, where floating-point
/// instructions are VEX-encoded. The legacy SSE encodings of a default
/// x86-64 build ran up to 3× slower after other code (faer's GEMM, in the
/// report) had left the upper halves of the vector registers dirty without
/// `vzeroupper`: the table path of a 1 M-value rank went from 2.5 to 7.9 ms.
struct RankInto<'a, T> {
    x: &'a [T],
    ties: Ties,
    nan: NanPolicy,
    out: &'a mut [f64],
    scratch: &'a mut [u64],
}

impl<T: Float> Kernel for RankInto<'_, T> {
    type Output = Result<()>;
    #[inline(always)]
    fn run<S: Simd>(self, _: S) -> Result<()> {
        let RankInto { x, ties, nan, out, scratch } = self;
        let nans = x.iter().filter(|v| v.to_f64().is_nan()).count();
        if nans > 0 {
            match nan {
                NanPolicy::Propagate => {
                    out.fill(f64::NAN);
                    return Ok(());
                }
                NanPolicy::Raise => return Err(Error::NanInput { name: "x" }),
                NanPolicy::Omit => {}
            }
        }
        rank_sorted(x, scratch, nans, Output::Ranks(ties, &mut *out))?;
        if nans > 0 {
            for (o, v) in out.iter_mut().zip(x) {
                if v.to_f64().is_nan() {
                    *o = f64::NAN;
                }
            }
        }
        Ok(())
    }
}

/// Dense ranks from 0 of NaN-free `x` (Kendall's τ), as a kernel for the
/// reason given on [`RankInto`].
pub(crate) fn dense_ranks<T: Float>(
    level: Option<Level>,
    x: &[T],
    scratch: &mut [u64],
    out: &mut [u64],
) -> Result<()> {
    struct Dense<'a, T> {
        x: &'a [T],
        scratch: &'a mut [u64],
        out: &'a mut [u64],
    }
    impl<T: Float> Kernel for Dense<'_, T> {
        type Output = Result<()>;
        #[inline(always)]
        fn run<S: Simd>(self, _: S) -> Result<()> {
            rank_sorted(self.x, self.scratch, 0, Output::Dense(self.out))
        }
    }
    simd::run(level, Dense { x, scratch, out })?
}

/// The order-preserving key of a non-NaN `f32`.
#[inline]
pub(crate) fn key_f32(v: f32) -> u32 {
    let b = (v + 0.0).to_bits();
    if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
}

/// The order-preserving key of a non-NaN `f64`.
#[inline]
pub(crate) fn key_f64(v: f64) -> u64 {
    let b = (v + 0.0).to_bits();
    if b >> 63 == 1 { !b } else { b | 0x8000_0000_0000_0000 }
}

/// What a sort of the non-NaN values produces.
pub(crate) enum Output<'a> {
    /// Ranks from 1 under a tie method, at the values' indices.
    Ranks(Ties, &'a mut [f64]),
    /// Dense ranks from 0 (the run number), at the values' indices.
    Dense(&'a mut [u64]),
}

/// Radix digits are 8 bits: 256 buckets. (11-bit digits, three passes for
/// a 32-bit key, measured slower here: 2048 scatter streams thrash L1.)
const BUCKETS: usize = 256;

/// Sorts shorter than this use insertion sort. Measured (rank of random
/// `f32`, `Ties::Average`): insertion 556 ns vs radix 699 ns at 64 values,
/// 1187 ns vs 859 ns at 96; the radix sort's fixed cost is zeroing and
/// summing four 256-bucket histograms.
const INSERTION_MAX: usize = 80;

/// `u64` words of histogram a radix sort of `n` items with `key_bits`-bit
/// keys needs.
pub(crate) fn hist_words(n: usize, key_bits: u32) -> usize {
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
        let (hist, _) = hist[..L::KEY_BITS.div_ceil(8) as usize * BUCKETS].as_chunks_mut::<BUCKETS>();
        for h in hist.iter_mut() {
            h.fill(0);
        }
        DigitCounts { hist }
    }

    /// Counts the digits of every item.
    #[inline(always)]
    fn count<L: Layout>(&mut self, items: impl Iterator<Item = L::Item>) {
        // A constant-length slice, so that the inner loop unrolls.
        let hist = &mut self.hist[..L::KEY_BITS.div_ceil(8) as usize];
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
    for i in 1..items.len() {
        let it = items[i];
        let mut j = i;
        while j > 0 && L::key(&items[j - 1]) > L::key(&it) {
            items[j] = items[j - 1];
            j -= 1;
        }
        items[j] = it;
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
        for it in src.iter() {
            let d = L::digit(it, shift) as usize;
            dst[h[d] as usize] = *it;
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
    let mut start = 0;
    let mut run_no = 0usize;
    let mut output = output;
    while start < sorted.len() {
        let key = L::key(&sorted[start]);
        let mut end = start + 1;
        while end < sorted.len() && L::key(&sorted[end]) == key {
            end += 1;
        }
        let run = &sorted[start..end];
        match &mut output {
            Output::Ranks(ties, out) => {
                let shared = match ties {
                    Ties::Average => (start + 1 + end) as f64 / 2.0,
                    Ties::Min => (start + 1) as f64,
                    Ties::Max => end as f64,
                    Ties::Dense => (run_no + 1) as f64,
                    Ties::Ordinal => 0.0,
                };
                if *ties == Ties::Ordinal {
                    for (pos, it) in run.iter().enumerate() {
                        out[L::index(it)] = (start + pos + 1) as f64;
                    }
                } else {
                    for it in run {
                        out[L::index(it)] = shared;
                    }
                }
            }
            Output::Dense(out) => {
                for it in run {
                    out[L::index(it)] = run_no as u64;
                }
            }
        }
        run_no += 1;
        start = end;
    }
}

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
const TABLE_MIN_LEN: usize = 16 * 1024;

/// Scratch words of the table path: the `[key, value]` slots, the distinct
/// keys as `[key, slot]` items and their radix buffer and histograms.
const TABLE_WORDS: usize = 2 * TABLE_SLOTS + 4 * TABLE_DISTINCT_MAX + 8 * BUCKETS;

/// Open-addressing table from a key to a `u64` (a count, then a rank).
/// Key 0 marks an empty slot: no non-NaN value has key 0 (it would be the
/// all-ones bit pattern, a NaN).
struct DistinctTable<'a> {
    slots: &'a mut [[u64; 2]],
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
fn rank_by_table<T: Float>(x: &[T], scratch: &mut [u64], output: &mut Output<'_>) -> bool {
    if x.len() < TABLE_MIN_LEN || scratch.len() < TABLE_WORDS {
        return false;
    }
    let (slots, rest) = scratch[..TABLE_WORDS].split_at_mut(2 * TABLE_SLOTS);
    let (slots, _) = slots.as_chunks_mut::<2>();
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
    let (pairs, hist) = rest.split_at_mut(4 * TABLE_DISTINCT_MAX);
    let (pairs, _) = pairs.as_chunks_mut::<2>();
    let (items, buf) = pairs.split_at_mut(TABLE_DISTINCT_MAX);
    let mut m = 0;
    for (i, s) in table.slots.iter().enumerate() {
        if s[0] != 0 {
            items[m] = [s[0], i as u64];
            m += 1;
        }
    }
    let (items, buf) = (&mut items[..m], &mut buf[..m]);
    let sorted = if radix_sort::<KeyIndexPair>(items, buf, hist) { &*buf } else { &*items };
    let mut start = 0u64;
    for (run_no, &[_, slot]) in sorted.iter().enumerate() {
        let value = &mut table.slots[slot as usize][1];
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

/// Sorts the non-NaN values of `x` (`nans` of them are NaN) and writes
/// `output`: through the table of distinct values when there are few,
/// else by the radix sort (`scratch`: [`rank_scratch_len`] words).
#[inline(always)]
pub(crate) fn rank_sorted<T: Float>(
    x: &[T],
    scratch: &mut [u64],
    nans: usize,
    mut output: Output<'_>,
) -> Result<()> {
    if x.len() > u32::MAX as usize {
        return Err(Error::SizeOverflow);
    }
    if !rank_by_table(x, scratch, &mut output) {
        T::radix_rank(x, scratch, nans, output);
    }
    Ok(())
}

/// The radix path of [`rank_sorted`] for `f32`: builds the items of the
/// non-NaN values, sorts them and writes `output`.
#[inline(always)]
pub(crate) fn radix_rank_f32(x: &[f32], scratch: &mut [u64], nans: usize, mut output: Output<'_>) {
    let m = x.len() - nans;
    let (items, hist) = scratch.split_at_mut(x.len());
    let items = &mut items[..m];
    {
        // The output is the sort's second buffer until the ranks go in.
        let buf = match &mut output {
            Output::Ranks(_, out) => simd::f64_bits_mut(out),
            Output::Dense(out) => out,
        };
        let buf = &mut buf[..m];
        let item = |(i, &v): (usize, &f32)| (u64::from(key_f32(v)) << 32) | i as u64;
        if nans == 0 {
            // Branch-free, so that building the items vectorises.
            radix_sort_in::<PackedKey>(x.iter().enumerate().map(item), items, buf, hist);
        } else {
            let kept = x.iter().enumerate().filter(|(_, v)| !v.is_nan());
            radix_sort_in::<PackedKey>(kept.map(item), items, buf, hist);
        }
    }
    assign::<PackedKey>(items, output);
}

/// As [`radix_rank_f32`] for `f64` (`scratch`: `4 · len` words).
#[inline(always)]
pub(crate) fn radix_rank_f64(x: &[f64], scratch: &mut [u64], nans: usize, output: Output<'_>) {
    let m = x.len() - nans;
    let (pairs, hist) = scratch.split_at_mut(4 * x.len());
    let (pairs, _) = pairs.as_chunks_mut::<2>();
    let (items, buf) = pairs.split_at_mut(x.len());
    let kept = x.iter().enumerate().filter(|(_, v)| !v.is_nan());
    for (it, (i, &v)) in items.iter_mut().zip(kept) {
        *it = [key_f64(v), i as u64];
    }
    let (items, buf) = (&mut items[..m], &mut buf[..m]);
    let sorted = if radix_sort::<KeyIndexPair>(items, buf, hist) { &*buf } else { &*items };
    assign::<KeyIndexPair>(sorted, output);
}

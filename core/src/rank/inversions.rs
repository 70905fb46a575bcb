//! Inversions of a sequence of small integers (Kendall's discordant
//! pairs): pairs `i < j` with `v[i] > v[j]`, equal values not counted.
//!
//! An MSD radix partition that counts as it goes. Two values differ first
//! at some digit; a pair is an inversion exactly when, at that digit, the
//! earlier value has the larger one. So one level reads its group in
//! order, and each value adds the number of earlier values of the group
//! whose digit is larger (a Fenwick tree over the 256 digits, in L1),
//! then the group is scattered stably by the digit, and each bucket (the
//! values agreeing on this digit too) is counted the same way at the next
//! digit. Small buckets are counted pair by pair; the last digit needs no
//! scatter. For 1 M distinct ranks: two levels over the data and small
//! buckets in L1 — where the merge sort it replaces (Knight's) made 20
//! passes, each a chain of dependent loads.

/// Groups this short are counted pair by pair (`len²/2` compares, which
/// vectorise) rather than by another level.
const DIRECT_MAX: usize = 48;

/// Bits of one digit: 256 buckets, whose counts and tree stay in L1.
const DIGIT_BITS: u32 = 8;
const BUCKETS: usize = 1 << DIGIT_BITS;

/// The Fenwick tree's slots: 1-based over the buckets, plus one slot that
/// absorbs the steps of an update that run past the end (so that every
/// update takes the same number of steps, without a data-dependent exit).
const TREE: usize = BUCKETS + 2;

/// The deepest recursion: 32-bit values in 8-bit digits.
const LEVELS: usize = (32 / DIGIT_BITS) as usize;

/// `u32`s of work [`count_inversions`] needs: a tree, and the bucket
/// bounds of every level.
pub(crate) const INVERSIONS_WORK: usize = TREE + LEVELS * (BUCKETS + 1);

/// Pairs `i < j` with `v[i] > v[j]`. `v` is reordered, `buf` (as long as
/// `v`) overwritten; `work` holds [`INVERSIONS_WORK`] values. (Short
/// inputs need neither; a short `buf` or `work` counts pair by pair:
/// right, but quadratic.)
pub(crate) fn count_inversions(v: &mut [u32], buf: &mut [u32], work: &mut [u32]) -> u64 {
    let bits = 32 - v.iter().copied().max().unwrap_or(0).leading_zeros();
    let work = work.get_mut(..INVERSIONS_WORK);
    match (buf.get_mut(..v.len()), work.and_then(|w| w.split_first_chunk_mut::<TREE>())) {
        (Some(buf), Some((tree, bounds))) => count_group(v, buf, bits, tree, bounds),
        _ => count_pairwise(v),
    }
}

/// The inversions of `src`, whose values all agree above bit `bits`;
/// `dst` is as long as `src`, `bounds` holds a level's bucket bounds per
/// digit left.
fn count_group(
    src: &mut [u32],
    dst: &mut [u32],
    bits: u32,
    tree: &mut [u32; TREE],
    bounds: &mut [u32],
) -> u64 {
    if bits == 0 {
        return 0; // all equal
    }
    let Some((starts, deeper)) = bounds.split_first_chunk_mut::<{ BUCKETS + 1 }>() else {
        return count_pairwise(src);
    };
    if src.len() <= DIRECT_MAX {
        return count_pairwise(src);
    }
    let shift = bits.saturating_sub(DIGIT_BITS);
    let digit = |x: u32| ((x >> shift) as usize) & (BUCKETS - 1);

    // Across digits: each value against the earlier ones with a larger
    // digit, and the digit counts (bucket `d`'s count in `starts[d + 1]`).
    tree.fill(0);
    starts.fill(0);
    let mut inversions = 0u64;
    for (earlier, &x) in src.iter().enumerate() {
        let d = digit(x);
        inversions += earlier as u64 - u64::from(count_at_most(tree, d, earlier as u32));
        insert(tree, d);
        starts[(d + 1).min(BUCKETS)] += 1;
    }
    if shift == 0 {
        return inversions; // every bucket holds equal values
    }

    // Scatter by digit (stably), then each bucket one digit down.
    for d in 0..BUCKETS {
        starts[d + 1] += starts[d];
    }
    let mut next = *starts;
    let Some(last) = dst.len().checked_sub(1) else { return inversions };
    for &x in src.iter() {
        let slot = &mut next[digit(x)];
        dst[(*slot as usize).min(last)] = x;
        *slot += 1;
    }
    for (&lo, &hi) in starts.iter().zip(&starts[1..]) {
        let (lo, hi) = (lo as usize, hi as usize);
        if hi.saturating_sub(lo) > 1
            && let (Some(s), Some(d)) = (dst.get_mut(lo..hi), src.get_mut(lo..hi))
        {
            inversions += count_group(s, d, shift, tree, deeper);
        }
    }
    inversions
}

/// How many inserted digits are at most `d`, of `inserted`: a prefix sum
/// of the tree in [`DIGIT_BITS`] steps whatever `d` is (slot 0 is never
/// written and stays 0), except for the largest digit, which is all of
/// them — so the tree's root, which every insert would have to update, is
/// never kept (a chain of dependent read-modify-writes on one address).
#[inline(always)]
fn count_at_most(tree: &[u32; TREE], d: usize, inserted: u32) -> u32 {
    let (mut i, mut sum) = (d + 1, 0);
    for _ in 0..DIGIT_BITS {
        sum += tree[i.min(TREE - 1)];
        i &= i.wrapping_sub(1);
    }
    if d + 1 == BUCKETS { inserted } else { sum }
}

/// Inserts digit `d`: the [`DIGIT_BITS`] nodes below the root that cover
/// it (the steps that reach the root or past it land in the spare slot,
/// which is never read).
#[inline(always)]
fn insert(tree: &mut [u32; TREE], d: usize) {
    let mut i = d + 1;
    for _ in 0..DIGIT_BITS {
        tree[if i < BUCKETS { i } else { TREE - 1 }] += 1;
        i += i & i.wrapping_neg();
    }
}

/// The inversions of a short `v`, pair by pair.
fn count_pairwise(v: &[u32]) -> u64 {
    let mut inversions = 0u64;
    for (i, &a) in v.iter().enumerate() {
        let later = v.get(i + 1..).unwrap_or(&[]);
        inversions += later.iter().map(|&b| u32::from(b < a)).sum::<u32>() as u64;
    }
    inversions
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::{INVERSIONS_WORK, count_inversions};

    /// `n` values below `2^bits` (xorshift), some of them runs of one value.
    fn values(seed: u64, n: usize, bits: u32) -> Vec<u32> {
        let mut s = seed | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mask = if bits == 32 { u32::MAX } else { (1 << bits) - 1 };
        let mut v: Vec<u32> = (0..n).map(|_| next() as u32 & mask).collect();
        for i in (0..n).step_by(97) {
            let end = (i + (next() % 9) as usize).min(n);
            let x = v[i];
            v[i..end].fill(x);
        }
        v
    }

    /// The definition, pair by pair.
    fn naive(v: &[u32]) -> u64 {
        let mut count = 0;
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                count += u64::from(v[i] > v[j]);
            }
        }
        count
    }

    fn check(v: &[u32]) {
        let want = naive(v);
        let (mut a, mut buf, mut work) =
            (v.to_vec(), std::vec![0u32; v.len()], std::vec![0u32; INVERSIONS_WORK]);
        assert_eq!(count_inversions(&mut a, &mut buf, &mut work), want, "n {}", v.len());
    }

    #[test]
    fn every_digit_count_and_shape() {
        for bits in [0, 1, 3, 8, 9, 15, 16, 17, 24, 25, 32] {
            // Under Miri the quadratic reference is slow: fewer lengths.
            let lengths: &[usize] =
                if cfg!(miri) { &[0, 2, 49, 300] } else { &[0, 1, 2, 48, 49, 50, 255, 256, 257, 3000] };
            for &n in lengths {
                check(&values(u64::from(bits) * 1000 + n as u64, n, bits));
            }
        }
        let n = if cfg!(miri) { 300 } else { 2000u32 };
        check(&(0..n).collect::<Vec<_>>());
        check(&(0..n).rev().collect::<Vec<_>>());
        check(&(0..n).map(|i| u32::MAX - i % 300).collect::<Vec<_>>());
        check(&(0..n).map(|i| (i % 2) << 31).collect::<Vec<_>>());
    }

    #[test]
    fn short_work_counts_pair_by_pair() {
        let v = values(5, 200, 20);
        let (mut a, mut buf) = (v.clone(), std::vec![0u32; 200]);
        assert_eq!(count_inversions(&mut a, &mut buf, &mut [0u32; 10]), naive(&v));
    }
}

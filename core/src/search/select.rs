//! The best `k` of a stream of scores, in a caller's buffer: the metric
//! that orders them, the ranking key that makes the order total, and the
//! selection that keeps the best `k` with a bar the rest must beat.

use crate::error::{Error, Result, Value};
use crate::simd::Kernels;

use super::SCAN_CHUNK;

/// How a query and a key are compared.
///
/// ```
/// use simkern_core::search::Metric;
/// assert!(Metric::Cosine.larger_is_better() && !Metric::L2.larger_is_better());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// The dot product, largest first.
    Dot,
    /// The cosine similarity, largest first.
    Cosine,
    /// The squared Euclidean distance, smallest first.
    L2,
}

impl Metric {
    /// Whether a larger score is a better one (all but [`Metric::L2`]).
    ///
    /// ```
    /// assert!(simkern_core::search::Metric::Dot.larger_is_better());
    /// ```
    pub const fn larger_is_better(self) -> bool {
        !matches!(self, Metric::L2)
    }
}

/// A key of the ranking order, larger is better: the score's order bits
/// above, the complement of the index below (so equal scores put the lower
/// index first); NaN below everything. Unique per index, so the order is
/// total and every selection of the best `k` is the same set.
type RankKey = u64;

/// `f32` bits mapped so that unsigned order is numeric order.
fn order_bits(v: f32) -> u32 {
    let b = v.to_bits();
    if b >> 31 == 1 { !b } else { b | 1 << 31 }
}

/// Rank bits of a score (larger better), NaN lowest.
fn rank_bits(v: f32, larger: bool) -> u32 {
    match (v.is_nan(), larger) {
        (true, _) => 0,
        (false, true) => order_bits(v),
        (false, false) => !order_bits(v),
    }
}

/// The score back from its rank bits.
fn score_of(bits: u32, larger: bool) -> f32 {
    if bits == 0 {
        return f32::NAN;
    }
    let b = if larger { bits } else { !bits };
    f32::from_bits(if b >> 31 == 1 { b & !(1 << 31) } else { !b })
}

fn rank_key(bits: u32, index: u32) -> RankKey {
    (u64::from(bits) << 32) | u64::from(!index)
}

/// The best `k` of the `(score, index)` pairs offered so far, kept in a
/// caller's buffer: candidates collect until the buffer fills, then are
/// cut back to the best `k` (`select_nth_unstable`), the `k`-th best
/// becoming the bar later candidates must beat — `O(1)` per rejected
/// score, `O(n)` amortised overall, no allocation.
///
/// The order: by score (largest first, or smallest for [`Metric::L2`]),
/// equal scores by the lower index, NaN last. The whole state lives in the
/// buffer (its first two words), so a selection can be left and resumed
/// ([`Selection::resume`]) — one buffer region per query of a block.
///
/// ```
/// use simkern_core::search::{Metric, Selection};
/// let mut buf = [0u64; Selection::buffer_len(2)];
/// let mut best = Selection::new(2, Metric::Dot, &mut buf)?;
/// for (i, s) in [0.5f32, f32::NAN, 2.0, 0.5, -1.0].into_iter().enumerate() {
///     best.offer(s, i as u32);
/// }
/// let (mut idx, mut sc) = ([0u32; 2], [0.0f32; 2]);
/// assert_eq!(best.finish(&mut idx, &mut sc), 2);
/// assert_eq!((idx, sc), ([2, 0], [2.0, 0.5])); // 0.5 twice: the lower index
/// # Ok::<(), simkern_core::Error>(())
/// ```
pub struct Selection<'a> {
    k: usize,
    larger: bool,
    /// `[bar, candidates held, candidates…]`.
    buf: &'a mut [u64],
}

/// Words of a selection's state before its candidates.
const HEAD: usize = 2;

impl<'a> Selection<'a> {
    /// Words of buffer a selection of the best `k` needs: its state and
    /// room for `2·max(k, 32)` candidates (so a cut happens at most every
    /// `max(k, 32)` accepted candidates). A `const fn`.
    ///
    /// ```
    /// assert_eq!(simkern_core::search::Selection::buffer_len(10), 66);
    /// ```
    pub const fn buffer_len(k: usize) -> usize {
        let k = if k > 32 { k } else { 32 };
        k.saturating_mul(2).saturating_add(HEAD)
    }

    /// An empty selection of the best `k` by `metric` in `buf` (the
    /// first [`Selection::buffer_len`] words are used).
    ///
    /// Errors: `k == 0` (`InvalidParameter`), `buf` too short
    /// (`ScratchTooSmall`).
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selection};
    /// assert!(Selection::new(0, Metric::L2, &mut [0u64; 66]).is_err());
    /// assert!(Selection::new(1, Metric::L2, &mut [0u64; 8]).is_err());
    /// ```
    pub fn new(k: usize, metric: Metric, buf: &'a mut [u64]) -> Result<Self> {
        let mut sel = Self::resume(k, metric, buf)?;
        sel.clear();
        Ok(sel)
    }

    /// The selection a previous [`Selection::new`] (or `resume`) left in
    /// `buf`, continued; the same `k` and `metric` must be given. A `buf`
    /// holding anything else gives some other selection of what is then
    /// offered (never a panic or a read out of bounds).
    ///
    /// Errors: as [`Selection::new`].
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selection};
    /// let mut buf = [0u64; Selection::buffer_len(1)];
    /// Selection::new(1, Metric::L2, &mut buf)?.offer(3.0, 7);
    /// let mut again = Selection::resume(1, Metric::L2, &mut buf)?;
    /// again.offer(4.0, 8);
    /// let (mut i, mut s) = ([0u32], [0.0f32]);
    /// again.finish(&mut i, &mut s);
    /// assert_eq!((i, s), ([7], [3.0]));
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn resume(k: usize, metric: Metric, buf: &'a mut [u64]) -> Result<Self> {
        if k == 0 {
            return Err(Error::InvalidParameter {
                name: "k",
                expected: "at least 1",
                value: Value::Count(0),
            });
        }
        let needed = Self::buffer_len(k);
        let got = buf.len();
        let Some(buf) = buf.get_mut(..needed) else {
            return Err(Error::ScratchTooSmall { needed, got });
        };
        Ok(Selection { k, larger: metric.larger_is_better(), buf })
    }

    /// Forgets every candidate.
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selection};
    /// let mut buf = [0u64; Selection::buffer_len(1)];
    /// let mut best = Selection::new(1, Metric::Dot, &mut buf)?;
    /// best.offer(1.0, 0);
    /// best.clear();
    /// assert_eq!(best.finish(&mut [0], &mut [0.0]), 0);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn clear(&mut self) {
        self.buf[0] = 0;
        self.buf[1] = 0;
    }

    /// Candidates held (at most the buffer's room).
    fn held(&self) -> usize {
        (self.buf[1] as usize).min(self.buf.len() - HEAD)
    }

    /// Offers the score of key `index`.
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selection};
    /// let mut buf = [0u64; Selection::buffer_len(1)];
    /// let mut nearest = Selection::new(1, Metric::L2, &mut buf)?;
    /// nearest.offer(2.0, 0);
    /// nearest.offer(0.5, 1);
    /// let (mut i, mut s) = ([0u32], [0.0f32]);
    /// nearest.finish(&mut i, &mut s);
    /// assert_eq!((i, s), ([1], [0.5]));
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    #[inline]
    pub fn offer(&mut self, score: f32, index: u32) {
        let key = rank_key(rank_bits(score, self.larger), index);
        if key < self.buf[0] {
            return;
        }
        let room = self.buf.len() - HEAD;
        let mut held = self.held();
        if held == room {
            // Only a resumed buffer of other contents is full here: a
            // selection cuts as soon as it fills.
            self.cut();
            held = self.held();
        }
        if let Some(slot) = self.buf.get_mut(HEAD + held) {
            *slot = key;
        }
        self.buf[1] = held as u64 + 1;
        if held + 1 >= room {
            self.cut();
        }
    }

    /// The bar's score, for rejecting by comparison: `None` while the bar
    /// is unset or its score is NaN (then every score must be offered). A
    /// score strictly worse than it — and so a chunk whose bound is —
    /// would be rejected; a NaN bound or score compares false: never
    /// skipped by the bound, always rejected against a number.
    #[inline]
    fn bar_score(&self) -> Option<f32> {
        let bits = (self.buf[0] >> 32) as u32;
        (bits != 0).then(|| score_of(bits, self.larger))
    }

    /// Keeps the best `k` and raises the bar to the `k`-th.
    fn cut(&mut self) {
        let (k, held) = (self.k, self.held());
        if held < k {
            return;
        }
        let cands = &mut self.buf[HEAD..HEAD + held];
        cands.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
        let bar = cands[..k].iter().copied().min().unwrap_or(0);
        self.buf[0] = bar;
        self.buf[1] = k as u64;
    }

    /// Writes the best `min(k, offered, out length)` hits, best first,
    /// into `indices` and `scores`, and returns how many.
    ///
    /// ```
    /// use simkern_core::search::{Metric, Selection};
    /// let mut buf = [0u64; Selection::buffer_len(3)];
    /// let mut best = Selection::new(3, Metric::Cosine, &mut buf)?;
    /// best.offer(0.1, 4);
    /// let (mut i, mut s) = ([9u32; 3], [9.0f32; 3]);
    /// assert_eq!(best.finish(&mut i, &mut s), 1);
    /// assert_eq!((i, s), ([4, 9, 9], [0.1, 9.0, 9.0]));
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn finish(&mut self, indices: &mut [u32], scores: &mut [f32]) -> usize {
        self.cut();
        let held = self.held().min(self.k);
        let cands = &mut self.buf[HEAD..HEAD + held];
        cands.sort_unstable_by(|a, b| b.cmp(a));
        let mut written = 0;
        for ((key, i), s) in cands.iter().zip(indices.iter_mut()).zip(scores.iter_mut()) {
            *i = !(*key as u32);
            *s = score_of((key >> 32) as u32, self.larger);
            written += 1;
        }
        written
    }
}

impl Kernels {
    /// Offers `scores[j]` as the score of key `first + j` to `best`,
    /// skipping every chunk of [`SCAN_CHUNK`] scores whose bound
    /// ([`Kernels::chunk_max`] or [`Kernels::chunk_min`], written into
    /// `bounds`) cannot beat the bar, and inside a chunk every score that
    /// one comparison shows to be worse: the same selection, bit for bit,
    /// as offering every score.
    ///
    /// Errors: `bounds` shorter than `scores.len().div_ceil(SCAN_CHUNK)`
    /// (`OutputSize`), an index past `u32::MAX` (`SizeOverflow`).
    ///
    /// ```
    /// use simkern_core::{Kernels, search::{Metric, Selection}};
    /// let scores: Vec<f32> = (0..300).map(|j| ((j * 37) % 101) as f32).collect();
    /// let mut buf = [0u64; Selection::buffer_len(2)];
    /// let mut best = Selection::new(2, Metric::Dot, &mut buf)?;
    /// Kernels::best().offer_scores(&mut best, &scores, 1000, &mut [0.0; 5])?;
    /// let (mut i, mut s) = ([0u32; 2], [0.0f32; 2]);
    /// best.finish(&mut i, &mut s);
    /// assert_eq!((i, s), ([1030, 1131], [100.0, 100.0]));
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn offer_scores(
        self,
        best: &mut Selection<'_>,
        scores: &[f32],
        first: u32,
        bounds: &mut [f32],
    ) -> Result<()> {
        if u64::from(first) + scores.len() as u64 > u64::from(u32::MAX) + 1 {
            return Err(Error::SizeOverflow);
        }
        let larger = best.larger;
        if larger {
            self.chunk_max(scores, bounds)?;
        } else {
            self.chunk_min(scores, bounds)?;
        }
        for (c, (chunk, &bound)) in scores.chunks(SCAN_CHUNK).zip(&*bounds).enumerate() {
            let mut bar = best.bar_score();
            if bar.is_some_and(|b| if larger { bound < b } else { bound > b }) {
                continue;
            }
            let at = first + (c * SCAN_CHUNK) as u32;
            for (j, &v) in chunk.iter().enumerate() {
                // A score strictly worse than the bar's (or NaN) is
                // rejected by the comparison alone; a tie or ±0 goes on to
                // the exact key.
                if !bar.is_none_or(|b| if larger { v >= b } else { v <= b }) {
                    continue;
                }
                best.offer(v, at + j as u32);
                bar = best.bar_score();
            }
        }
        Ok(())
    }
}

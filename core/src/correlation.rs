//! Correlation coefficients in `f64`: Pearson's r, Spearman's ρ and
//! Kendall's τ-b (as `scipy.stats.pearsonr`, `spearmanr`, `kendalltau`).
//!
//! | kernel | formula |
//! |---|---|
//! | [`pearson`] | `Σ(xᵢ−x̄)(yᵢ−ȳ) / √(Σ(xᵢ−x̄)² Σ(yᵢ−ȳ)²)`, corrected two-pass, one pass over the data |
//! | [`spearman`] | Pearson's r of the average ranks (exact with ties) |
//! | [`kendall_tau_b`] | `(n₀ − n₁ − n₂ + n₃ − 2·S) / √((n₀ − n₁)(n₀ − n₂))` |
//! | [`kendall_tau_c`] | `2(n₀ − n₁ − n₂ + n₃ − 2·S) / (n²(m − 1)/m)`, `m` distinct values |
//!
//! For Kendall, `n₀ = n(n−1)/2`, `n₁`/`n₂` the pairs tied in `x`/`y`, `n₃`
//! the pairs tied in both and `S` the discordant pairs, counted in
//! `O(n log n)` (Knight's scheme): dense ranks by radix sort, the pairs
//! sorted by `(x, y)`, then the inversions of the `y` sequence (equal
//! values not counted) by an MSD radix partition that counts across
//! digits with a Fenwick tree.
//!
//! A constant input has no correlation: `Ok(NaN)` (SciPy's value). NaN in
//! either input gives `Ok(NaN)` here; the `simkern` crate's `*_with`
//! functions drop NaN pairs or raise instead. Fewer than 2 pairs or inputs
//! of different lengths are errors.
//!
//! # Accuracy
//! Sums run in `f64` with several independent accumulators after exact
//! widening; deviations from (near-)means avoid the cancellation of
//! `Σxy − n·x̄ȳ`.
//! Ranks and Kendall's counts are exact integers. Results agree with a
//! careful reference to ~1e-12 (tested), not "to about the sixth decimal".

use crate::error::{Error, Result, Value, same_len};
use crate::float::Float;
use crate::moments::{Centered, Scale, Shifted, Sums, ratio};
use crate::rank::{self, NanPolicy, Ties, WholeWord, count_inversions, prefix, split_scratch};
use crate::sample::Sample;
use crate::simd::{Kernel, Kernels, Simd, reduce_pairs};

fn check_pairs(x: usize, y: usize) -> Result<()> {
    same_len("x", x, "y", y)?;
    if x < 2 {
        return Err(Error::InvalidParameter {
            name: "number of pairs",
            expected: "at least 2",
            value: Value::Count(x),
        });
    }
    Ok(())
}

/// Pearson's correlation coefficient, in `[−1, 1]`, in `f64`: the sums of
/// deviations about the means of the first 4096 pairs, corrected to the
/// means (one pass over the data; a second only where those means are far
/// from the whole's).
///
/// Accurate over the whole `f64` range (within 1e-12 of the exact value,
/// tested from 1e-300 to 1e307 with offsets): where the squared deviations
/// would overflow or lose digits to underflow, each input is rescaled by a
/// power of two first (exact; `r` does not change). NaN or ±∞ in either
/// input gives NaN (the moments are undefined), as SciPy; so does a
/// constant input, also one whose mean does not round back to its value.
///
/// ```
/// use simkern_core::correlation::pearson;
/// assert_eq!(pearson(&[1.0f32, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap(), 1.0);
/// assert!(pearson(&[1.0f64, 1.0], &[1.0, 2.0]).unwrap().is_nan()); // constant x
/// assert!(pearson(&[1.0f32], &[1.0]).is_err());
/// ```
pub fn pearson<A: Float, B: Float>(x: &[A], y: &[B]) -> Result<f64> {
    Kernels::best().pearson(x, y)
}

struct Pearson<'a, A, B> {
    x: &'a [A],
    y: &'a [B],
}

impl<A: Float, B: Float> Kernel for Pearson<'_, A, B> {
    type Output = f64;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> f64 {
        pearson_in(s, self.x, self.y)
    }
}

/// Pearson inside a kernel: the plain sums when their magnitudes are
/// safe, [`pearson_rescaled`] when they are not.
///
/// The sums are taken about the means of the first [`PEARSON_HEAD`] pairs
/// and corrected (`Sₓₓ = Σdₓ² − (Σdₓ)²/n`, [`Shifted`]): one pass over the
/// input instead of two, which is what an input beyond the caches costs.
/// The correction is exact up to rounding, and the rounding is amplified
/// by `1 + n(x̄ − c)²/Sₓₓ`; where the head's means are farther from the
/// means than the data's spread (amplification above 2), a second pass
/// about the means themselves is taken, so the accuracy is that of the
/// two-pass form whatever the order of the data.
#[inline(always)]
fn pearson_in<S: Simd, A: Float, B: Float>(s: S, x: &[A], y: &[B]) -> f64 {
    let n = x.len() as f64;
    let head = PEARSON_HEAD.min(x.len());
    // (`get`: no panic path; `x` and `y` are of one length.)
    let (hx, hy) = (x.get(..head).unwrap_or(x), y.get(..head).unwrap_or(y));
    let [sx, sy] = reduce_pairs::<S, A, B, _, 2, 4>(s, &Sums::<false> { c: [1.0; 2] }, hx, hy);
    let c = [sx / head as f64, sy / head as f64];
    let [dxy, dxx, dyy, dx, dy] = reduce_pairs::<S, A, B, _, 5, 2>(s, &Shifted { c }, x, y);
    let (mx, my) = (c[0] + dx / n, c[1] + dy / n);
    let (cx, cy) = (dx * dx / n, dy * dy / n);
    let [sxy, sxx, syy] = if cx <= dxx / 2.0 && cy <= dyy / 2.0 {
        [dxy - dx * dy / n, dxx - cx, dyy - cy]
    } else {
        reduce_pairs::<S, A, B, _, 3, 2>(s, &Centered::<false> { m: [mx, my], c: [1.0; 2] }, x, y)
    };
    // Safe: finite, far from f64's underflow (squared deviations below
    // ~1e-140 lose digits to subnormals) and above what the means' own
    // rounding can produce (|δ| ≤ γₙ·|m| for n additions, whatever the
    // number of chains: a constant input whose mean does not round back
    // exactly, e.g. 1001 times 0.667, has deviations of that size only).
    // The other path is right for every input; this one is just faster.
    let safe = |ss: f64, m: f64| {
        let noise = (n + 8.0) * f64::EPSILON * m;
        ss.is_finite() && ss > SUM_SQUARES_MIN && ss > n * noise * noise
    };
    if sxy.is_finite() && safe(sxx, mx) && safe(syy, my) {
        return ratio(sxy, sxx, syy);
    }
    // Constant inputs (no correlation: NaN, as SciPy) land here too, with
    // squared deviations of 0 or of rounding size: the exact test is there.
    pearson_rescaled(s, x, y)
}

/// Pairs whose means centre [`pearson_in`]'s one pass: 64 KiB of `f64`
/// pairs, read again by the pass from L2; enough for the means of
/// shuffled data to sit well inside its spread.
const PEARSON_HEAD: usize = 4096;

/// Sums of squared deviations below this are recomputed from rescaled data.
const SUM_SQUARES_MIN: f64 = 1e-280;

/// Pearson for inputs whose plain sums overflow or underflow (magnitudes
/// beyond ~1e150 or deviations below ~1e-140), and for inputs that may be
/// constant: NaN for NaN or ±∞ anywhere and for a constant input;
/// otherwise each input scaled by a power of two that brings its largest
/// magnitude to `[½, 1)` (exact, and `r` is scale-invariant), then the
/// same two passes. Rare, so scalar scans are fine here.
#[cold]
#[inline(never)]
fn pearson_rescaled<S: Simd, A: Float, B: Float>(s: S, x: &[A], y: &[B]) -> f64 {
    if !finite_and_varying(x) || !finite_and_varying(y) {
        return f64::NAN;
    }
    let (Scale::By(cx), Scale::By(cy)) = (Scale::of(x), Scale::of(y)) else {
        return f64::NAN; // unreachable: finite and not constant
    };
    let sc = [cx, cy];
    let n = x.len() as f64;
    let [sx, sy] = reduce_pairs::<S, A, B, _, 2, 4>(s, &Sums::<true> { c: sc }, x, y);
    let [sxy, sxx, syy] =
        reduce_pairs::<S, A, B, _, 3, 2>(s, &Centered::<true> { m: [sx / n, sy / n], c: sc }, x, y);
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    ratio(sxy, sxx, syy)
}

/// Whether every value is finite and not all are equal (cold path).
fn finite_and_varying<T: Sample>(v: &[T]) -> bool {
    v.iter().all(|e| e.to_f64().is_finite()) && v.iter().any(|e| e.to_f64() != v[0].to_f64())
}

/// Elements of `f64` rank space and `u64` sort scratch [`spearman`] needs
/// for `n` pairs of `T`: `(2n, rank_scratch_len::<T>(n))`.
///
/// ```
/// assert_eq!(simkern_core::correlation::spearman_scratch_len::<f32>(10), (20, 10));
/// ```
pub const fn spearman_scratch_len<T: Sample>(n: usize) -> (usize, usize) {
    (n.saturating_mul(2), rank::rank_scratch_len::<T>(n))
}

/// Spearman's ρ: Pearson's r of the average ranks (exact with ties; the
/// `1 − 6Σd²/(n(n²−1))` shortcut is not used, as it is wrong with ties).
/// `x` and `y` may be of different [`Sample`] types; `scratch` must then
/// hold the larger type's [`spearman_scratch_len`].
///
/// ```
/// use simkern_core::correlation::{spearman, spearman_scratch_len};
/// let (r, s) = spearman_scratch_len::<f32>(4);
/// let (mut ranks, mut scratch) = (vec![0.0; r], vec![0u64; s]);
/// let rho = spearman(&[1.0f32, 2.0, 3.0, 4.0], &[1.0f32, 4.0, 9.0, 16.0], &mut ranks, &mut scratch).unwrap();
/// assert_eq!(rho, 1.0); // monotone
/// ```
pub fn spearman<A: Sample, B: Sample>(
    x: &[A],
    y: &[B],
    ranks: &mut [f64],
    scratch: &mut [u64],
) -> Result<f64> {
    Kernels::best().spearman(x, y, ranks, scratch)
}

/// Elements of `u64` scratch [`kendall_tau_b`] needs for `n` pairs.
///
/// ```
/// assert_eq!(simkern_core::correlation::kendall_scratch_len(10), 60);
/// ```
pub const fn kendall_scratch_len(n: usize) -> usize {
    rank::rank_scratch_len::<f64>(n).saturating_add(n.saturating_mul(2))
}

/// Kendall's τ-b in `O(n log n)`, with tie corrections for `x`, `y` and
/// joint ties.
///
/// ```
/// use simkern_core::correlation::{kendall_tau_b, kendall_scratch_len};
/// let mut scratch = vec![0u64; kendall_scratch_len(4)];
/// let t = kendall_tau_b(&[1.0f32, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0], &mut scratch).unwrap();
/// assert!((t - 4.0 / 6.0).abs() < 1e-15); // 5 concordant, 1 discordant
/// ```
pub fn kendall_tau_b<A: Sample, B: Sample>(x: &[A], y: &[B], scratch: &mut [u64]) -> Result<f64> {
    Kernels::best().kendall_tau_b(x, y, scratch)
}

/// Kendall's τ-c (Stuart's): `2(n_c − n_d) / (n²(m − 1)/m)`, `m` the
/// smaller number of distinct values of `x` and `y` (SciPy's
/// `kendalltau(variant="c")`): for contingency tables that are not square.
///
/// ```
/// use simkern_core::correlation::{kendall_tau_c, kendall_scratch_len};
/// let mut scratch = vec![0u64; kendall_scratch_len(4)];
/// let t = kendall_tau_c(&[1.0f32, 2.0, 3.0, 4.0], &[1.0, 3.0, 2.0, 4.0], &mut scratch).unwrap();
/// assert!((t - 2.0 / 3.0).abs() < 1e-15); // 2·(5 − 1) / (16·3/4)
/// ```
pub fn kendall_tau_c<A: Sample, B: Sample>(x: &[A], y: &[B], scratch: &mut [u64]) -> Result<f64> {
    Kernels::best().kendall_tau_c(x, y, scratch)
}

impl Kernels {
    /// [`pearson`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.pearson(&[1.0f64, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap(), -1.0);
    /// ```
    pub fn pearson<A: Float, B: Float>(self, x: &[A], y: &[B]) -> Result<f64> {
        check_pairs(x.len(), y.len())?;
        Ok(self.run(Pearson { x, y }))
    }

    /// [`spearman`] at this handle's level (both ranks and the Pearson sums).
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, correlation::spearman_scratch_len};
    /// let (r, s) = spearman_scratch_len::<f64>(3);
    /// let (mut ranks, mut scratch) = (vec![0.0; r], vec![0u64; s]);
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// let rho = k.spearman(&[1.0f64, 2.0, 3.0], &[3.0, 2.0, 1.0], &mut ranks, &mut scratch);
    /// assert_eq!(rho.unwrap(), -1.0);
    /// ```
    pub fn spearman<A: Sample, B: Sample>(
        self,
        x: &[A],
        y: &[B],
        ranks: &mut [f64],
        scratch: &mut [u64],
    ) -> Result<f64> {
        check_pairs(x.len(), y.len())?;
        let n = x.len();
        let need_r = n * 2;
        if ranks.len() < need_r {
            return Err(Error::ScratchTooSmall { needed: need_r, got: ranks.len() });
        }
        let (rx, rest) = ranks.split_at_mut(n);
        let ry = &mut rest[..n];
        // `rank_into` checks `scratch` itself.
        self.rank_into(x, Ties::Average, NanPolicy::Propagate, rx, scratch)?;
        self.rank_into(y, Ties::Average, NanPolicy::Propagate, ry, scratch)?;
        self.pearson::<f64, f64>(rx, ry)
    }

    /// [`kendall_tau_b`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, correlation::kendall_scratch_len};
    /// let mut scratch = vec![0u64; kendall_scratch_len(3)];
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.kendall_tau_b(&[1.0f32, 2.0, 3.0], &[1.0, 2.0, 3.0], &mut scratch).unwrap(), 1.0);
    /// ```
    pub fn kendall_tau_b<A: Sample, B: Sample>(self, x: &[A], y: &[B], scratch: &mut [u64]) -> Result<f64> {
        Ok(self.kendall_counts(x, y, scratch)?.map_or(f64::NAN, |c| c.tau_b()))
    }

    /// [`kendall_tau_c`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level, correlation::kendall_scratch_len};
    /// let mut scratch = vec![0u64; kendall_scratch_len(4)];
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// let t = k.kendall_tau_c(&[1.0f64, 2.0, 3.0, 4.0], &[1.0, 1.0, 2.0, 2.0], &mut scratch).unwrap();
    /// assert_eq!(t, 1.0); // 4 concordant, 2 tied in y: 2·4 / (16·(2 − 1)/2)
    /// ```
    pub fn kendall_tau_c<A: Sample, B: Sample>(self, x: &[A], y: &[B], scratch: &mut [u64]) -> Result<f64> {
        Ok(self.kendall_counts(x, y, scratch)?.map_or(f64::NAN, |c| c.tau_c()))
    }

    /// The pair counts behind Kendall's τ and its test; `None` for NaN in
    /// either input.
    pub(crate) fn kendall_counts<A: Sample, B: Sample>(
        self,
        x: &[A],
        y: &[B],
        scratch: &mut [u64],
    ) -> Result<Option<KendallCounts>> {
        check_pairs(x.len(), y.len())?;
        let n = x.len();
        let needed = kendall_scratch_len(n);
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall { needed, got: scratch.len() });
        }
        if x.iter().any(|v| v.is_nan()) || y.iter().any(|v| v.is_nan()) {
            return Ok(None);
        }
        if n > u32::MAX as usize {
            return Err(Error::SizeOverflow);
        }
        // Checked splits (no panic path; the length was checked above).
        let (ranks, work) = split_scratch(prefix(scratch, needed)?, 2 * n)?;
        let (rx, ry) = split_scratch(ranks, n)?;
        self.dense_ranks(x, prefix(work, rank::rank_scratch_len::<A>(n))?, rx)?;
        self.dense_ranks(y, prefix(work, rank::rank_scratch_len::<B>(n))?, ry)?;
        counts_of_dense_ranks(rx, ry, work).map(Some)
    }
}

/// Sizes of the groups of tied values of one input, as Kendall's τ-b
/// and the tie-corrected variance of its test need them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TieGroups {
    /// `Σ t(t − 1)/2`: the pairs tied.
    pub(crate) pairs: u64,
    /// `Σ t(t − 1)(t − 2)`.
    pub(crate) cubic: f64,
    /// `Σ t(t − 1)(2t + 5)`.
    pub(crate) variance: f64,
    /// The number of distinct values.
    pub(crate) distinct: u64,
}

impl TieGroups {
    /// Adds a group of `t` equal values.
    fn add(&mut self, t: u64) {
        let tf = t as f64;
        self.pairs += t * t.saturating_sub(1) / 2;
        self.cubic += tf * (tf - 1.0) * (tf - 2.0);
        self.variance += tf * (tf - 1.0) * (2.0 * tf + 5.0);
        self.distinct += 1;
    }
}

/// Kendall's pair counts for `n` NaN-free pairs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KendallCounts {
    pub(crate) n: u64,
    /// Discordant pairs.
    pub(crate) discordant: u64,
    /// Pairs tied in both inputs.
    pub(crate) joint: u64,
    pub(crate) x: TieGroups,
    pub(crate) y: TieGroups,
}

impl KendallCounts {
    /// All pairs, `n(n − 1)/2`.
    pub(crate) fn total(&self) -> u64 {
        self.n * (self.n - 1) / 2
    }

    /// Concordant minus discordant pairs, `n₀ − n₁ − n₂ + n₃ − 2S`
    /// (exact in `i128`, then one rounding).
    pub(crate) fn score(&self) -> f64 {
        let (n0, n1, n2, n3) = (self.total(), self.x.pairs, self.y.pairs, self.joint);
        (i128::from(n0) - i128::from(n1) - i128::from(n2) + i128::from(n3) - 2 * i128::from(self.discordant))
            as f64
    }

    /// τ-b = score / √((n₀ − n₁)(n₀ − n₂)); NaN for a constant input.
    pub(crate) fn tau_b(&self) -> f64 {
        let n0 = self.total();
        // One root of the product (< 2¹²⁸, fine in f64): τ(x, x) is exactly 1.
        let den = libm::sqrt((n0 - self.x.pairs) as f64 * (n0 - self.y.pairs) as f64);
        if den == 0.0 { f64::NAN } else { (self.score() / den).clamp(-1.0, 1.0) }
    }

    /// τ-c (Stuart) = 2·score / (n²(m − 1)/m), `m` the smaller number of
    /// distinct values; NaN for a constant input.
    fn tau_c(&self) -> f64 {
        if self.x.pairs == self.total() || self.y.pairs == self.total() {
            return f64::NAN;
        }
        let m = self.x.distinct.min(self.y.distinct) as f64;
        let n = self.n as f64;
        (2.0 * self.score() / (n * n * (m - 1.0) / m)).clamp(-1.0, 1.0)
    }
}

/// Kendall's counts from the dense ranks `rx`, `ry` (from 0) of NaN-free
/// inputs; `work` has `4n` words plus the histograms. Overwrites `rx`.
fn counts_of_dense_ranks(rx: &mut [u64], ry: &[u64], work: &mut [u64]) -> Result<KendallCounts> {
    let n = rx.len();
    // Pairs sorted by (x, y): ties in x and joint ties are runs. Each pair
    // is one word, the y rank in the low `y_bits` (so a sort of 1 M
    // distinct pairs has 40 bits of key: five radix passes, not six).
    let (items, rest) = split_scratch(work, n)?;
    let (buf, rest) = split_scratch(rest, n)?;
    let (rest, hist) = split_scratch(rest, 2 * n)?;
    let y_bits = 64 - ry.iter().copied().max().unwrap_or(0).leading_zeros();
    for ((it, &a), &b) in items.iter_mut().zip(rx.iter()).zip(ry.iter()) {
        *it = a.wrapping_shl(y_bits) | b; // `y_bits ≤ 32`: ranks are below n ≤ u32::MAX
    }
    let sorted: &[u64] = if rank::radix_sort::<WholeWord>(items, buf, hist) { buf } else { items };
    let mut x = TieGroups::default();
    for_each_run(sorted.iter().map(|p| p >> y_bits), |t| x.add(t));
    let mut joint = 0u64;
    for_each_run(sorted.iter().copied(), |t| joint += t * (t - 1) / 2);
    // Discordant pairs: inversions of the y ranks in that order (as
    // `u32`s: ranks are below n ≤ u32::MAX).
    let (ys, buf) = split_scratch(wide::bytemuck::cast_slice_mut::<u64, u32>(rest), n)?;
    let y_mask = 1u64.checked_shl(y_bits).map_or(u64::MAX, |b| b - 1);
    for (o, p) in ys.iter_mut().zip(sorted) {
        *o = (p & y_mask) as u32;
    }
    let discordant = count_inversions(ys, buf, wide::bytemuck::cast_slice_mut(hist));
    // Ties in y from the counts of each dense rank (every rank is below n).
    let counts = rx;
    counts.fill(0);
    for &r in ry.iter() {
        if let Some(c) = counts.get_mut(r as usize) {
            *c += 1;
        }
    }
    let mut y = TieGroups::default();
    for &t in counts.iter().filter(|&&t| t > 0) {
        y.add(t);
    }
    Ok(KendallCounts { n: n as u64, discordant, joint, x, y })
}

/// Calls `group(t)` with the length of each run of equal values.
fn for_each_run(mut it: impl Iterator<Item = u64>, mut group: impl FnMut(u64)) {
    let Some(mut prev) = it.next() else { return };
    let mut run = 1u64;
    for v in it {
        if v == prev {
            run += 1;
        } else {
            group(run);
            run = 1;
            prev = v;
        }
    }
    group(run);
}

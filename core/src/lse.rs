//! Log-sum-exp, softmax and log-softmax, the softmax vector-Jacobian
//! product, a streaming [`OnlineLse`], and the vector `exp` they rest on.
//!
//! | kernel | formula |
//! |---|---|
//! | [`exp_into`] | `yᵢ = e^{xᵢ}` |
//! | [`logsumexp`] | `LSE(x) = m + log1p(Σ_{i ≠ i*} e^{xᵢ − m})`, `m = xᵢ* = max x` |
//! | [`softmax_into`] | `pᵢ = e^{xᵢ − m} / Σⱼ e^{xⱼ − m}` (`∂LSE/∂x = softmax(x)`) |
//! | [`log_softmax_into`] | `(xᵢ − m) − log1p(Σ_{j ≠ j*} e^{xⱼ − m})` |
//! | [`softmax_vjp_into`] | `g ↦ p ⊙ (g − ⟨g, p⟩)` |
//! | [`logsumexp_rows_into`] | one `LSE` per row of a matrix |
//! | [`logsumexp_weighted`] | `log abs(Σ bᵢ e^{xᵢ})` and its sign, weights of any sign |
//!
//! # Numerics
//! - The maximum is subtracted first: logits of ±1e30 do not overflow.
//! - The terms other than (one instance of) the maximum are summed apart
//!   and added with `log1p`, so a result near 0 keeps its relative accuracy:
//!   `LSE([0, −40, −745, −746]) = 4.248e-18`, not `0`.
//! - Sums of `f32` exponentials accumulate in `f64` (two terms at a time
//!   are added in `f32` first: one rounding of a sum ≤ 2, then one
//!   widening for the two).
//! - IEEE edge cases: `−∞` entries contribute 0; all `−∞` (or empty) gives
//!   `−∞`; any `+∞` gives `+∞`; any NaN gives NaN. `softmax` gives all NaN
//!   for `+∞` or NaN entries or all `−∞` (as SciPy and PyTorch do).
//!
//! # Accuracy (f32)
//! `exp` is within 2 ulp everywhere (tested over all 2³² inputs at every
//! level; the largest error seen is 1.06 ulp with FMA, 1.36 ulp on the
//! portable path of an x86 build without FMA). With `u = 2⁻²⁴`,
//! `r = Σ_{i≠i*} e^{xᵢ−m}` and `n` elements, `logsumexp` is within
//! `u·(|LSE| + 5r/(1 + r) + ln n + 1)` of the exact value (`4r`: the 2 ulp
//! of each term; `r`: the pairs' `f32` sums), and a softmax entry
//! within `u·(|xᵢ − m| + 8)·pᵢ` (the `|xᵢ − m|` term is the rounding of
//! `xᵢ − m`, which `exp` amplifies: the conditioning of softmax itself).
//!
//! # Accuracy (f64)
//! The same algorithm in `f64` lanes (the vector `exp` within 2 ulp, sums
//! in `f64`): `logsumexp` within `u·(|LSE| + 4r/(1 + r) + ln n + 1)` with
//! `u = 2⁻⁵³`, and the same edge-case semantics.

use crate::error::{Error, Result, same_len};
use crate::float::{Float, InOut, Slice};
use crate::math::{exp_f32, exp_f32_nonpositive, exp_f64};
use crate::matrix::MatRef;
use crate::simd::{
    COMPACT, Kernel, Kernels, LaneMap, LaneZip, PairReduce, Simd, map, map_in_place, reduce_pairs,
    shared_where_compact, zip_map,
};
use crate::similarity::DivideBy;

/// A log-sum-exp in streaming form: `LSE = max + log1p(rest)` where `rest`
/// is the sum of `e^{xᵢ − max}` over every element but one instance of the
/// maximum. Elements and other accumulators can be merged in any order,
/// so rows of logits can be reduced tile by tile without storing them.
///
/// ```
/// use simkern_core::lse::OnlineLse;
/// let mut acc = OnlineLse::new();
/// acc.push_slice(&[1.0f32, 2.0]);
/// acc.push(3.0);
/// let direct = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
/// assert!((acc.value() - direct).abs() < 1e-7);
/// assert_eq!(OnlineLse::new().value(), f64::NEG_INFINITY);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OnlineLse {
    pub(crate) max: f64,
    pub(crate) rest: f64,
}

impl Default for OnlineLse {
    fn default() -> Self {
        Self::new()
    }
}

impl OnlineLse {
    /// The log-sum-exp of nothing: `−∞`.
    ///
    /// ```
    /// assert_eq!(simkern_core::lse::OnlineLse::new().value(), f64::NEG_INFINITY);
    /// ```
    pub const fn new() -> Self {
        OnlineLse { max: f64::NEG_INFINITY, rest: 0.0 }
    }

    /// The accumulated `log Σ e^{xᵢ}`.
    ///
    /// ```
    /// let mut a = simkern_core::lse::OnlineLse::new();
    /// a.push(0.0);
    /// a.push(0.0);
    /// assert_eq!(a.value(), std::f64::consts::LN_2);
    /// ```
    pub fn value(&self) -> f64 {
        self.max + libm::log1p(self.rest)
    }

    /// The running maximum.
    ///
    /// ```
    /// let mut a = simkern_core::lse::OnlineLse::new();
    /// a.push(-3.0);
    /// assert_eq!(a.max(), -3.0);
    /// ```
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Adds one element.
    ///
    /// ```
    /// let mut a = simkern_core::lse::OnlineLse::new();
    /// a.push(f64::NAN);
    /// assert!(a.value().is_nan());
    /// ```
    pub fn push(&mut self, x: f64) {
        self.merge(OnlineLse { max: x, rest: 0.0 });
    }

    /// Adds every element of `x` (at [`Kernels::best`]; at another level:
    /// `acc.merge(kernels.lse_state(x))`).
    ///
    /// ```
    /// let mut a = simkern_core::lse::OnlineLse::new();
    /// a.push_slice(&[0.0f32; 4]);
    /// assert!((a.value() - 4f64.ln()).abs() < 1e-15);
    /// ```
    pub fn push_slice<T: Float>(&mut self, x: &[T]) {
        self.merge(Kernels::best().lse_state(x));
    }

    /// Adds every element of `scale · x` (the logits of a row of `Q·Kᵀ`
    /// divided by a temperature, say). `scale` must be positive.
    ///
    /// ```
    /// let mut a = simkern_core::lse::OnlineLse::new();
    /// a.push_scaled_slice(&[1.0f32, 1.0], 2.0);
    /// assert!((a.value() - (2.0 + 2f64.ln())).abs() < 1e-15);
    /// ```
    pub fn push_scaled_slice(&mut self, x: &[f32], scale: f32) {
        self.merge(Kernels::best().lse_state_scaled(x, scale));
    }

    /// Folds another accumulator into this one.
    ///
    /// ```
    /// use simkern_core::lse::OnlineLse;
    /// let (mut a, mut b) = (OnlineLse::new(), OnlineLse::new());
    /// a.push(1.0);
    /// b.push(1.0);
    /// a.merge(b);
    /// assert!((a.value() - (1.0 + 2f64.ln())).abs() < 1e-15);
    /// ```
    pub fn merge(&mut self, other: OnlineLse) {
        let (hi, lo) = if other.max > self.max { (other, *self) } else { (*self, other) };
        *self = if hi.max.is_nan() || lo.max.is_nan() {
            OnlineLse { max: f64::NAN, rest: f64::NAN }
        } else if lo.max == f64::NEG_INFINITY {
            hi
        } else if hi.max == f64::INFINITY {
            OnlineLse { max: f64::INFINITY, rest: 0.0 }
        } else {
            // e^{lo.max − hi.max} · (1 + lo.rest): the other side's maximum
            // becomes an ordinary term.
            OnlineLse { max: hi.max, rest: hi.rest + libm::exp(lo.max - hi.max) * (1.0 + lo.rest) }
        };
    }
}

/// What a first pass over a row learned.
enum Extremes {
    /// Only finite values and `−∞`; the maximum (`−∞` when all are).
    Max(f32),
    /// A NaN was present.
    Nan,
    /// `+∞` was present (and no NaN).
    PosInf,
}

/// The maximum of `scale · x` and whether it holds NaN or `+∞` (inlined,
/// or one shared copy where [`COMPACT`]).
#[inline(always)]
fn extremes<S: Simd>(s: S, x: &[f32], scale: f32) -> Extremes {
    shared_where_compact(s, ExtremesOf { x, scale })
}

/// [`extremes`] as a kernel.
struct ExtremesOf<'a> {
    x: &'a [f32],
    scale: f32,
}

impl Kernel for ExtremesOf<'_> {
    type Output = Extremes;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> Extremes {
        extremes_inline(s, self.x, self.scale)
    }
}

/// The body of [`extremes`].
#[inline(always)]
fn extremes_inline<S: Simd>(s: S, x: &[f32], scale: f32) -> Extremes {
    let l = S::F32_LANES;
    let sc = s.splat_f32(scale);
    let zero = s.splat_f32(0.0);
    let mut mx = [s.splat_f32(f32::NEG_INFINITY); 4];
    // `v · 0` is 0 for finite `v` and NaN for NaN or ±∞: one FMA per
    // vector flags every non-finite input.
    let mut flag = [zero; 4];
    // Where COMPACT, one loop shape: every vector a partial load, its
    // missing lanes filled with its first element (which changes neither
    // the maximum nor the flag); the unrolled blocks below then see nothing.
    let (body, compact_all) = if COMPACT { (&x[..0], x) } else { (x, &x[..0]) };
    for c in compact_all.chunks(l) {
        let first = c.first().copied().unwrap_or(f32::NEG_INFINITY);
        let v = s.mul_f32(s.load_partial_fill_f32(c, first), sc);
        mx[0] = s.max_f32(mx[0], v);
        flag[0] = s.mul_add_f32(v, zero, flag[0]);
    }
    let mut blocks = body.chunks_exact(4 * l);
    for b in &mut blocks {
        for u in 0..4 {
            let v = s.mul_f32(s.load_f32(&b[u * l..]), sc);
            mx[u] = s.max_f32(mx[u], v);
            flag[u] = s.mul_add_f32(v, zero, flag[u]);
        }
    }
    let mut rest = blocks.remainder().chunks_exact(l);
    for c in &mut rest {
        let v = s.mul_f32(s.load_f32(c), sc);
        mx[0] = s.max_f32(mx[0], v);
        flag[0] = s.mul_add_f32(v, zero, flag[0]);
    }
    let tail = rest.remainder();
    let v = s.mul_f32(s.load_partial_fill_f32(tail, f32::NEG_INFINITY), sc);
    mx[1] = s.max_f32(mx[1], v);
    let m = s.reduce_max_f32(s.max_f32(s.max_f32(mx[0], mx[1]), s.max_f32(mx[2], mx[3])));
    let f = s.reduce_sum_f32(s.add_f32(s.add_f32(flag[0], flag[1]), s.add_f32(flag[2], flag[3])));
    if f.is_nan() || tail.iter().any(|t| !(t * scale).is_finite()) {
        // Rare: some input is not finite. Find out which kind, exactly.
        let mut pos_inf = false;
        for &t in x {
            let v = t * scale;
            if v.is_nan() {
                return Extremes::Nan;
            }
            pos_inf |= v == f32::INFINITY;
        }
        if pos_inf {
            return Extremes::PosInf;
        }
    }
    Extremes::Max(m)
}

/// Running sums of [`rest_below_max`]: `e^{v − m}` of the lanes below the
/// maximum, in `f64`, and the count of lanes at it.
pub(crate) struct RestSums<S: Simd> {
    pub(crate) sum: [S::F64; 2],
    pub(crate) at_max: S::F32,
}

impl<S: Simd> RestSums<S> {
    #[inline(always)]
    pub(crate) fn new(s: S) -> Self {
        RestSums { sum: [s.splat_f64(0.0); 2], at_max: s.splat_f32(0.0) }
    }

    /// Adds one vector `v` of scaled logits (a plain method, not a closure:
    /// a closure would be compiled without the ISA's target features).
    #[inline(always)]
    pub(crate) fn add(&mut self, s: S, v: S::F32, m: S::F32) {
        let t = self.terms(s, v, m);
        self.accumulate(s, t);
    }

    /// Adds two vectors, their terms summed in `f32` first (one rounding
    /// of two terms ≤ 1, then one widening instead of two).
    #[inline(always)]
    pub(crate) fn add_pair(&mut self, s: S, v0: S::F32, v1: S::F32, m: S::F32) {
        let t = s.add_f32(self.terms(s, v0, m), self.terms(s, v1, m));
        self.accumulate(s, t);
    }

    /// `e^{v − m}` in the lanes below the maximum, 0 in those at it (which
    /// are counted).
    #[inline(always)]
    fn terms(&mut self, s: S, v: S::F32, m: S::F32) -> S::F32 {
        let (zero, one) = (s.splat_f32(0.0), s.splat_f32(1.0));
        self.at_max = s.add_f32(self.at_max, s.lt_select_f32(v, m, zero, one));
        s.lt_select_f32(v, m, exp_f32_nonpositive(s, s.sub_f32(v, m)), zero)
    }

    #[inline(always)]
    fn accumulate(&mut self, s: S, t: S::F32) {
        self.sum[0] = s.add_f64(self.sum[0], s.widen_low_f64(t));
        self.sum[1] = s.add_f64(self.sum[1], s.widen_high_f64(t));
    }
}

/// `Σ_{i ≠ i*} e^{vᵢ − m}` for `v = scale · x` and its maximum `m`, in
/// `f64` (inlined, or one shared copy where [`COMPACT`]).
#[inline(always)]
fn rest_below_max<S: Simd>(s: S, x: &[f32], scale: f32, m: f32) -> f64 {
    shared_where_compact(s, RestBelowMax { x, scale, m })
}

/// [`rest_below_max`] as a kernel.
struct RestBelowMax<'a> {
    x: &'a [f32],
    scale: f32,
    m: f32,
}

impl Kernel for RestBelowMax<'_> {
    type Output = f64;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> f64 {
        rest_below_max_inline(s, self.x, self.scale, self.m)
    }
}

/// The body of [`rest_below_max`].
#[inline(always)]
fn rest_below_max_inline<S: Simd>(s: S, x: &[f32], scale: f32, m: f32) -> f64 {
    let sc = s.splat_f32(scale);
    let mv = s.splat_f32(m);
    let mut acc = [RestSums::new(s), RestSums::new(s)];
    let l = S::F32_LANES;
    if COMPACT {
        // One copy of the exp (see `COMPACT`): every vector a partial one.
        for c in x.chunks(l) {
            acc[0].add(s, s.mul_f32(s.load_partial_fill_f32(c, f32::NEG_INFINITY), sc), mv);
        }
    } else {
        // Four vectors a step: two pairs, into two accumulators.
        let mut quads = x.chunks_exact(4 * l);
        for q in &mut quads {
            let (v0, v1) = (s.mul_f32(s.load_f32(q), sc), s.mul_f32(s.load_f32(&q[l..]), sc));
            let (v2, v3) = (s.mul_f32(s.load_f32(&q[2 * l..]), sc), s.mul_f32(s.load_f32(&q[3 * l..]), sc));
            acc[0].add_pair(s, v0, v1, mv);
            acc[1].add_pair(s, v2, v3, mv);
        }
        let mut rest = quads.remainder().chunks_exact(l);
        for c in &mut rest {
            acc[0].add(s, s.mul_f32(s.load_f32(c), sc), mv);
        }
        let tail = rest.remainder();
        if !tail.is_empty() {
            acc[1].add(s, s.mul_f32(s.load_partial_fill_f32(tail, f32::NEG_INFINITY), sc), mv);
        }
    }
    let [a, b] = acc;
    let sum = s.add_f64(s.add_f64(a.sum[0], a.sum[1]), s.add_f64(b.sum[0], b.sum[1]));
    // Every element equal to the maximum contributes e⁰ = 1 exactly; one
    // of them is the maximum itself.
    let at_max = s.reduce_sum_f32(s.add_f32(a.at_max, b.at_max));
    s.reduce_sum_f64(sum) + (f64::from(at_max) - 1.0)
}

/// The streaming state of `scale · x`.
struct LseState<'a> {
    x: &'a [f32],
    scale: f32,
}

/// Elements per block of a long row's log-sum-exp (16 KiB of `f32`):
/// each block's two passes — its maximum, then its terms — read it once
/// from memory and once from L1, and the blocks' states are merged.
const LSE_BLOCK: usize = 4096;

impl Kernel for LseState<'_> {
    type Output = OnlineLse;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> OnlineLse {
        // A row longer than a block: block by block, so that the data come
        // from memory once (two whole passes read a 1 Mi row from L3
        // twice); merging multiplies each block's sum by `e^{m_b − m}` in
        // `f64`, far below the terms' own `f32` error. Where COMPACT, one
        // pass pair over the row (no caches to keep).
        if COMPACT || self.x.len() <= LSE_BLOCK {
            return block_state(s, self.x, self.scale);
        }
        let mut state = OnlineLse::new();
        for block in self.x.chunks(LSE_BLOCK) {
            state.merge(block_state(s, block, self.scale));
        }
        state
    }
}

/// The streaming state of `scale · x` by two passes: the maximum (and
/// whether a NaN or `+∞` is present), then the terms below it.
#[inline(always)]
fn block_state<S: Simd>(s: S, x: &[f32], scale: f32) -> OnlineLse {
    match extremes(s, x, scale) {
        Extremes::Nan => OnlineLse { max: f64::NAN, rest: f64::NAN },
        Extremes::PosInf => OnlineLse { max: f64::INFINITY, rest: 0.0 },
        Extremes::Max(m) if m == f32::NEG_INFINITY => OnlineLse::new(),
        Extremes::Max(m) => OnlineLse { max: f64::from(m), rest: rest_below_max(s, x, scale, m) },
    }
}

/// The streaming state of `scale · x` (`scale > 0`), inside a kernel
/// (inlined, or one shared copy where [`COMPACT`]).
#[inline(always)]
pub(crate) fn lse_state_of<S: Simd>(s: S, x: &[f32], scale: f32) -> OnlineLse {
    shared_where_compact(s, LseState { x, scale })
}

/// The lowest argument [`exp_f64`] takes (its callers clamp): `e^{−746}`
/// rounds to 0.
const EXP_F64_MIN: f64 = -746.0;

/// The maximum of an `f64` slice and whether it holds a NaN or `±∞`
/// (`v · 0` is NaN exactly for those: one FMA per vector flags them).
#[inline(always)]
fn max_flagged_f64<S: Simd>(s: S, x: &[f64]) -> (f64, bool) {
    let (w, zero) = (S::F64_LANES, s.splat_f64(0.0));
    let mut mx = [s.splat_f64(f64::NEG_INFINITY); 4];
    let mut flag = [zero; 4];
    // Where COMPACT, one loop shape (flash): every vector a partial load.
    let (body, compact_all) = if COMPACT { (&x[..0], x) } else { (x, &x[..0]) };
    let mut blocks = body.chunks_exact(4 * w);
    for b in &mut blocks {
        for (u, v) in b.chunks_exact(w).enumerate() {
            let v = s.load_f64(v);
            mx[u % 4] = s.max_f64(mx[u % 4], v);
            flag[u % 4] = s.mul_add_f64(v, zero, flag[u % 4]);
        }
    }
    for c in blocks.remainder().chunks(w).chain(compact_all.chunks(w)) {
        // The missing lanes repeat the first element: neither the maximum
        // nor the flag changes.
        let v = s.load_partial_fill_f64(c, c.first().copied().unwrap_or(f64::NEG_INFINITY));
        mx[0] = s.max_f64(mx[0], v);
        flag[0] = s.mul_add_f64(v, zero, flag[0]);
    }
    let m = s.reduce_max_f64(s.max_f64(s.max_f64(mx[0], mx[1]), s.max_f64(mx[2], mx[3])));
    let f = s.reduce_sum_f64(s.add_f64(s.add_f64(flag[0], flag[1]), s.add_f64(flag[2], flag[3])));
    (m, f.is_nan())
}

/// `Σ e^{v − m}` over the lanes below the maximum `m`, and the count of
/// lanes at it, for the pair-reduction driver (one stream; the tail's
/// missing lanes hold `−∞`, which adds nothing to either sum).
struct RestBelowMaxF64 {
    m: f64,
}

impl PairReduce<2> for RestBelowMaxF64 {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [sum, at_max]: [S::F64; 2], v: S::F64, _: S::F64) -> [S::F64; 2] {
        let (m, zero, one) = (s.splat_f64(self.m), s.splat_f64(0.0), s.splat_f64(1.0));
        let t = exp_f64(s, s.max_f64(s.sub_f64(v, m), s.splat_f64(EXP_F64_MIN)));
        [s.add_f64(sum, s.lt_select_f64(v, m, t, zero)), s.add_f64(at_max, s.lt_select_f64(v, m, zero, one))]
    }
    #[inline(always)]
    fn tail_fill(&self) -> Option<[f64; 2]> {
        Some([f64::NEG_INFINITY; 2])
    }
}

/// The streaming state of an `f64` slice (the semantics of the `f32`
/// one): the maximum, then the exponentials below it, both vectorised.
struct LseStateF64<'a> {
    x: &'a [f64],
}

impl Kernel for LseStateF64<'_> {
    type Output = OnlineLse;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> OnlineLse {
        let x = self.x;
        let (m, nonfinite) = max_flagged_f64(s, x);
        if nonfinite {
            // Rare: some entry is NaN or ±∞. Find out which, exactly.
            if x.iter().any(|v| v.is_nan()) {
                return OnlineLse { max: f64::NAN, rest: f64::NAN };
            }
            if x.contains(&f64::INFINITY) {
                return OnlineLse { max: f64::INFINITY, rest: 0.0 };
            }
        }
        if m == f64::NEG_INFINITY {
            return OnlineLse::new();
        }
        let [rest, at_max] = reduce_pairs::<S, f64, f64, _, 2, 4>(s, &RestBelowMaxF64 { m }, x, x);
        // Every element equal to the maximum contributes e⁰ = 1 exactly;
        // one of them is the maximum itself.
        OnlineLse { max: m, rest: rest + (at_max - 1.0) }
    }
}

/// Which of the two normalised exponentials.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Normalised {
    /// `e^{xᵢ − LSE}`.
    Softmax,
    /// `xᵢ − LSE`.
    LogSoftmax,
}

/// `(x − m) − l` (log-softmax) or `e^{(x − m) − l}` (softmax) lane by lane,
/// `f64`.
struct NormalisedF64<V> {
    m: V,
    l: V,
    kind: Normalised,
}

impl<S: Simd> LaneMap<S, f64> for NormalisedF64<S::F64> {
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F64) -> S::F64 {
        let y = s.sub_f64(s.sub_f64(x, self.m), self.l);
        match self.kind {
            Normalised::LogSoftmax => y,
            Normalised::Softmax => exp_f64(s, s.max_f64(y, s.splat_f64(EXP_F64_MIN))),
        }
    }
}

/// Softmax or log-softmax of `x` into `out` (`f64`, SIMD).
struct SoftmaxF64<'a> {
    x: &'a [f64],
    out: &'a mut [f64],
    kind: Normalised,
}

impl Kernel for SoftmaxF64<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let state = LseStateF64 { x: self.x }.run(s);
        if !state.max.is_finite() {
            self.out.fill(f64::NAN);
            return;
        }
        let (m, l) = (s.splat_f64(state.max), s.splat_f64(libm::log1p(state.rest)));
        map(s, &mut NormalisedF64 { m, l, kind: self.kind }, self.x, self.out);
    }
}

/// `x − m − lse` lane by lane.
struct MinusLse<V> {
    m: V,
    lse: V,
}

impl<S: Simd> LaneMap<S, f32> for MinusLse<S::F32> {
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F32) -> S::F32 {
        s.sub_f32(s.sub_f32(x, self.m), self.lse)
    }
}

/// `e^{x − m}` lane by lane, summed in `f64` on the way (the lanes past a
/// tail hold `−∞`, whose exponential is 0).
struct ExpShifted<S: Simd> {
    m: S::F32,
    sum: [S::F64; 2],
}

impl<S: Simd> LaneMap<S, f32> for ExpShifted<S> {
    #[inline(always)]
    fn tail_fill(&self) -> Option<f32> {
        Some(f32::NEG_INFINITY)
    }
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F32) -> S::F32 {
        let t = exp_f32_nonpositive(s, s.sub_f32(x, self.m));
        self.sum[0] = s.add_f64(self.sum[0], s.widen_low_f64(t));
        self.sum[1] = s.add_f64(self.sum[1], s.widen_high_f64(t));
        t
    }
}

/// Softmax or log-softmax of `x` into `out` (`f32`, SIMD).
struct Softmax<'a> {
    x: &'a [f32],
    out: &'a mut [f32],
    kind: Normalised,
}

impl Kernel for Softmax<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let (x, out) = (self.x, self.out);
        let m = match extremes(s, x, 1.0) {
            Extremes::Max(m) if m > f32::NEG_INFINITY => m,
            _ => {
                out.fill(f32::NAN);
                return;
            }
        };
        if self.kind == Normalised::LogSoftmax {
            let lse = libm::log1p(rest_below_max(s, x, 1.0, m)) as f32;
            map(s, &mut MinusLse { m: s.splat_f32(m), lse: s.splat_f32(lse) }, x, out);
            return;
        }
        // e^{x − m} into `out`, summed in f64, then one division each.
        let mut e = ExpShifted::<S> { m: s.splat_f32(m), sum: [s.splat_f64(0.0); 2] };
        map(s, &mut e, x, out);
        let total = s.reduce_sum_f64(s.add_f64(e.sum[0], e.sum[1])) as f32;
        map_in_place(s, &mut DivideBy(s.splat_f32(total)), out);
    }
}

/// `eˣ` lane by lane.
struct ExpLanes;

impl<S: Simd> LaneMap<S, f32> for ExpLanes {
    #[inline(always)]
    fn apply(&mut self, s: S, x: S::F32) -> S::F32 {
        exp_f32(s, x)
    }
}

struct Exp<'a> {
    x: &'a [f32],
    out: &'a mut [f32],
}

impl Kernel for Exp<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        map(s, &mut ExpLanes, self.x, self.out);
    }
}

impl Kernels {
    /// The streaming log-sum-exp state of `x` ([`OnlineLse`]), at this
    /// handle's level (`f64` input: a scalar loop, the same at every level).
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// let st = Kernels::best().lse_state(&[0.0f64, 0.0]);
    /// assert_eq!(st.value(), std::f64::consts::LN_2);
    /// ```
    pub fn lse_state<T: Float>(self, x: &[T]) -> OnlineLse {
        match T::slice(x) {
            Slice::F32(x) => self.run(LseState { x, scale: 1.0 }),
            Slice::F64(x) => self.run(LseStateF64 { x }),
        }
    }

    /// The streaming state of `scale · x` (`scale > 0`), at this handle's level.
    ///
    /// ```
    /// use simkern_core::Kernels;
    /// assert_eq!(Kernels::best().lse_state_scaled(&[1.0f32], 3.0).value(), 3.0);
    /// ```
    pub fn lse_state_scaled(self, x: &[f32], scale: f32) -> OnlineLse {
        self.run(LseState { x, scale })
    }

    /// [`exp_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut out = [0.0f32];
    /// Kernels::new(Level::Portable).unwrap().exp_into(&[f32::INFINITY], &mut out).unwrap();
    /// assert_eq!(out[0], f32::INFINITY);
    /// ```
    pub fn exp_into(self, x: &[f32], out: &mut [f32]) -> Result<()> {
        same_len("x", x.len(), "out", out.len())?;
        self.run(Exp { x, out });
        Ok(())
    }

    /// [`logsumexp`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.logsumexp(&[0.0f32, 0.0]), std::f32::consts::LN_2);
    /// ```
    pub fn logsumexp<T: Float>(self, x: &[T]) -> T {
        T::from_f64(self.lse_state(x).value())
    }

    /// [`softmax_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut p = [0.0f32; 2];
    /// Kernels::new(Level::Portable).unwrap().softmax_into(&[f32::NEG_INFINITY, 3.0], &mut p).unwrap();
    /// assert_eq!(p, [0.0, 1.0]);
    /// ```
    pub fn softmax_into<T: Float>(self, x: &[T], out: &mut [T]) -> Result<()> {
        self.normalised(x, out, Normalised::Softmax)
    }

    /// [`log_softmax_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut y = [0.0f32; 1];
    /// Kernels::new(Level::Portable).unwrap().log_softmax_into(&[5.0], &mut y).unwrap();
    /// assert_eq!(y, [0.0]);
    /// ```
    pub fn log_softmax_into<T: Float>(self, x: &[T], out: &mut [T]) -> Result<()> {
        self.normalised(x, out, Normalised::LogSoftmax)
    }

    fn normalised<T: Float>(self, x: &[T], out: &mut [T], kind: Normalised) -> Result<()> {
        same_len("x", x.len(), "out", out.len())?;
        match T::in_out(x, out) {
            InOut::F32(x, out) => self.run(Softmax { x, out, kind }),
            InOut::F64(x, out) => self.run(SoftmaxF64 { x, out, kind }),
        }
        Ok(())
    }

    /// [`logsumexp_rows_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut out = [0.0f64; 1];
    /// Kernels::new(Level::Portable).unwrap().logsumexp_rows_into(&[0.0, 0.0], 2, &mut out).unwrap();
    /// assert_eq!(out, [std::f64::consts::LN_2]);
    /// ```
    pub fn logsumexp_rows_into<T: Float>(self, x: &[T], dim: usize, out: &mut [T]) -> Result<()> {
        let rows = MatRef::named("x", x, dim)?.rows();
        if out.len() != rows {
            return Err(Error::OutputSize { needed: rows, got: out.len() });
        }
        for (o, row) in out.iter_mut().zip(x.chunks_exact(dim)) {
            *o = self.logsumexp(row);
        }
        Ok(())
    }

    /// [`softmax_rows_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut p = [0.0f32; 4];
    /// Kernels::new(Level::Portable).unwrap().softmax_rows_into(&[0.0, 0.0, 1.0, f32::NEG_INFINITY], 2, &mut p).unwrap();
    /// assert_eq!(p, [0.5, 0.5, 1.0, 0.0]);
    /// ```
    pub fn softmax_rows_into<T: Float>(self, x: &[T], dim: usize, out: &mut [T]) -> Result<()> {
        self.normalised_rows(x, dim, out, Normalised::Softmax)
    }

    /// [`log_softmax_rows_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut y = [0.0f64; 2];
    /// Kernels::new(Level::Portable).unwrap().log_softmax_rows_into(&[3.0, -1.0], 1, &mut y).unwrap();
    /// assert_eq!(y, [0.0, 0.0]);
    /// ```
    pub fn log_softmax_rows_into<T: Float>(self, x: &[T], dim: usize, out: &mut [T]) -> Result<()> {
        self.normalised_rows(x, dim, out, Normalised::LogSoftmax)
    }

    fn normalised_rows<T: Float>(self, x: &[T], dim: usize, out: &mut [T], kind: Normalised) -> Result<()> {
        MatRef::named("x", x, dim)?;
        same_len("x", x.len(), "out", out.len())?;
        for (row, o) in x.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
            self.normalised(row, o, kind)?;
        }
        Ok(())
    }

    /// [`softmax_vjp_into`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let mut out = [0.0f32; 2];
    /// Kernels::new(Level::Portable).unwrap().softmax_vjp_into(&[0.5, 0.5], &[0.0, 1.0], &mut out).unwrap();
    /// assert_eq!(out, [-0.25, 0.25]);
    /// ```
    pub fn softmax_vjp_into(self, p: &[f32], g: &[f32], out: &mut [f32]) -> Result<()> {
        same_len("p", p.len(), "g", g.len())?;
        same_len("p", p.len(), "out", out.len())?;
        let dot = self.dot_f64(g, p)? as f32;
        self.run(SoftmaxVjp { p, g, out, dot });
        Ok(())
    }
}

/// `eˣ` of every element into `out` (within 2 ulp; see the module docs).
///
/// ```
/// let mut out = [0.0f32; 3];
/// simkern_core::lse::exp_into(&[0.0, 1.0, -200.0], &mut out).unwrap();
/// assert_eq!(out[0], 1.0);
/// assert!((out[1] - std::f32::consts::E).abs() <= f32::EPSILON * 3.0);
/// assert_eq!(out[2], 0.0);
/// ```
pub fn exp_into(x: &[f32], out: &mut [f32]) -> Result<()> {
    Kernels::best().exp_into(x, out)
}

/// `log Σ e^{xᵢ}`, computed stably (see the module docs); `−∞` for an
/// empty slice.
///
/// ```
/// use simkern_core::lse::logsumexp;
/// assert_eq!(logsumexp::<f32>(&[]), f32::NEG_INFINITY);
/// assert_eq!(logsumexp(&[1e30f32, 1e30]), 1e30);
/// let tiny = logsumexp(&[0.0f64, -40.0, -745.0, -746.0]);
/// assert!((tiny - 4.248354255291589e-18).abs() < 1e-30);
/// ```
pub fn logsumexp<T: Float>(x: &[T]) -> T {
    Kernels::best().logsumexp(x)
}

/// `softmax(x)` into `out` (same length).
///
/// ```
/// let mut p = [0.0f32; 2];
/// simkern_core::lse::softmax_into(&[0.0, 0.0], &mut p).unwrap();
/// assert_eq!(p, [0.5, 0.5]);
/// ```
pub fn softmax_into<T: Float>(x: &[T], out: &mut [T]) -> Result<()> {
    Kernels::best().softmax_into(x, out)
}

/// `log_softmax(x) = x − LSE(x)` into `out`, without forming `softmax`.
///
/// ```
/// let mut y = [0.0f64; 2];
/// simkern_core::lse::log_softmax_into(&[0.0, 0.0], &mut y).unwrap();
/// assert_eq!(y, [-std::f64::consts::LN_2; 2]);
/// ```
pub fn log_softmax_into<T: Float>(x: &[T], out: &mut [T]) -> Result<()> {
    Kernels::best().log_softmax_into(x, out)
}

/// `LSE` of each row of the row-major matrix `x` (rows of `dim`) into `out`
/// (one entry per row), with the semantics and bound of [`logsumexp`].
///
/// Errors: `dim == 0`, `x.len()` not a multiple of `dim`, `out` not one
/// entry per row.
///
/// ```
/// let mut out = [0.0f32; 2];
/// simkern_core::lse::logsumexp_rows_into(&[0.0, 0.0, 1.0, f32::NEG_INFINITY], 2, &mut out).unwrap();
/// assert_eq!(out, [std::f32::consts::LN_2, 1.0]);
/// ```
pub fn logsumexp_rows_into<T: Float>(x: &[T], dim: usize, out: &mut [T]) -> Result<()> {
    Kernels::best().logsumexp_rows_into(x, dim, out)
}

/// The softmax of each row of the row-major matrix `x` (rows of `dim`)
/// into `out` (same shape), each row with the semantics and bound of
/// [`softmax_into`] — PyTorch's `softmax(x, dim=-1)`.
///
/// Errors: `dim == 0`, `x.len()` not a multiple of `dim`, `out` of another
/// length.
///
/// ```
/// let mut p = [0.0f64; 4];
/// simkern_core::lse::softmax_rows_into(&[0.0, 0.0, 5.0, 5.0], 2, &mut p).unwrap();
/// assert_eq!(p, [0.5; 4]);
/// ```
pub fn softmax_rows_into<T: Float>(x: &[T], dim: usize, out: &mut [T]) -> Result<()> {
    Kernels::best().softmax_rows_into(x, dim, out)
}

/// The log-softmax of each row of `x` into `out`, as [`softmax_rows_into`]
/// with the bound of [`log_softmax_into`].
///
/// ```
/// let mut y = [0.0f32; 2];
/// simkern_core::lse::log_softmax_rows_into(&[0.0, 0.0], 2, &mut y).unwrap();
/// assert_eq!(y, [-std::f32::consts::LN_2; 2]);
/// ```
pub fn log_softmax_rows_into<T: Float>(x: &[T], dim: usize, out: &mut [T]) -> Result<()> {
    Kernels::best().log_softmax_rows_into(x, dim, out)
}

/// The weighted log-sum-exp with its sign, as SciPy's
/// `logsumexp(x, b=b, return_sign=True)`: `(log|S|, sign S)` for
/// `S = Σᵢ bᵢ e^{xᵢ}`, the sign in `{−1, 0, 1}`; weights may be negative.
///
/// Computed in `f64` (scalar) as `m + ln|Σ bᵢ e^{xᵢ − m}|`, `m` the largest
/// `xᵢ` with `bᵢ ≠ 0`, the terms summed with Neumaier's compensation: the
/// result is within `4u·(Σ|tᵢ|/|Σtᵢ| + |log|S||)` (`u = 2⁻⁵³`, `tᵢ` the
/// terms), so cancelling weights lose only what their condition number says.
///
/// Semantics (SciPy's): entries with `bᵢ = 0` are left out (even a NaN
/// `xᵢ`); NaN in a kept entry gives `(NaN, NaN)`; `S = 0` (all left out,
/// all `−∞`, or exact cancellation) gives `(−∞, 0)` — also for empty input,
/// where SciPy reports sign −1; `+∞` entries decide the result alone
/// (`(+∞, ±1)`, NaN if their weights cancel). Errors: lengths differ.
///
/// ```
/// use simkern_core::lse::logsumexp_weighted;
/// let (v, sign) = logsumexp_weighted(&[0.0f64, 0.0], &[2.0, -0.5]).unwrap();
/// assert!((v - 1.5f64.ln()).abs() < 1e-15 && sign == 1.0);
/// assert_eq!(logsumexp_weighted(&[1.0f64, 1.0], &[1.0, -1.0]).unwrap(), (f64::NEG_INFINITY, 0.0));
/// assert_eq!(logsumexp_weighted(&[0.0f32], &[-1.0]).unwrap(), (0.0, -1.0));
/// ```
pub fn logsumexp_weighted<T: Float>(x: &[T], b: &[T]) -> Result<(T, T)> {
    same_len("x", x.len(), "b", b.len())?;
    let (value, sign) = weighted_lse(x, b);
    Ok((T::from_f64(value), T::from_f64(sign)))
}

/// [`logsumexp_weighted`] after its checks, in `f64`.
fn weighted_lse<T: Float>(x: &[T], b: &[T]) -> (f64, f64) {
    let kept = || x.iter().zip(b).map(|(v, w)| (v.to_f64(), w.to_f64())).filter(|&(_, w)| w != 0.0);
    if kept().any(|(v, w)| v.is_nan() || w.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    let m = kept().fold(f64::NEG_INFINITY, |m, (v, _)| m.max(v));
    let total = if m == f64::INFINITY {
        // Only the +∞ entries count (a finite entry's e^{x − ∞} is 0; times
        // an infinite weight, NaN).
        kept().map(|(v, w)| if v == f64::INFINITY { w } else { w * 0.0 }).sum::<f64>()
    } else if m == f64::NEG_INFINITY {
        0.0
    } else {
        // Neumaier: the running sum and the exact rounding errors of each add.
        let (mut sum, mut comp) = (0.0f64, 0.0f64);
        for (v, w) in kept() {
            let t = w * libm::exp(v - m);
            let next = sum + t;
            comp += if libm::fabs(sum) >= libm::fabs(t) { (sum - next) + t } else { (t - next) + sum };
            sum = next;
        }
        sum + comp
    };
    if total.is_nan() || (m == f64::INFINITY && total == 0.0) {
        (f64::NAN, f64::NAN)
    } else if total == 0.0 {
        (f64::NEG_INFINITY, 0.0)
    } else {
        let sign = if total > 0.0 { 1.0 } else { -1.0 };
        (m + libm::log(libm::fabs(total)), sign)
    }
}

/// The softmax vector-Jacobian product `out = p ⊙ (g − ⟨g, p⟩)`: the
/// gradient with respect to the logits `x` when `p = softmax(x)` and `g` is
/// the gradient with respect to `p`.
///
/// ```
/// let mut out = [0.0f32; 2];
/// simkern_core::lse::softmax_vjp_into(&[0.5, 0.5], &[1.0, 0.0], &mut out).unwrap();
/// assert_eq!(out, [0.25, -0.25]);
/// ```
pub fn softmax_vjp_into(p: &[f32], g: &[f32], out: &mut [f32]) -> Result<()> {
    Kernels::best().softmax_vjp_into(p, g, out)
}

/// `p · (g − d)` lane by lane.
struct VjpLanes<V>(V);

impl<S: Simd> LaneZip<S, f32> for VjpLanes<S::F32> {
    #[inline(always)]
    fn apply(&mut self, s: S, p: S::F32, g: S::F32) -> S::F32 {
        s.mul_f32(p, s.sub_f32(g, self.0))
    }
}

struct SoftmaxVjp<'a> {
    p: &'a [f32],
    g: &'a [f32],
    out: &'a mut [f32],
    dot: f32,
}

impl Kernel for SoftmaxVjp<'_> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        zip_map(s, &mut VjpLanes(s.splat_f32(self.dot)), self.p, self.g, self.out);
    }
}

//! The loop drivers: every elementwise and every reducing kernel walks its
//! slices through one of these, so the walk (full vectors, then one
//! partial vector that never reads or writes past a slice) is written once.
//!
//! - [`map`] / [`map_in_place`]: `out = f(x)` lane-block by lane-block, for
//!   a [`LaneMap`] over `f32` or `f64` lanes ([`Lane`]);
//! - [`zip_map`] / [`zip_map_in_place`]: the same with a second input
//!   ([`LaneZip`]), which may be loaded widened ([`LoadAs`]);
//! - [`reduce_pairs`] / [`reduce_short_pairs`]: a [`PairReduce`] over two
//!   streams widened to `f64` lanes, with `U` independent accumulators.
//!
//! The functions are traits, not closures: a closure is compiled without the
//! target features of the `#[target_feature]` entry point it is called from,
//! so its vector code would fall back to the baseline ISA.

use half::{bf16, f16};

use super::{Kernel, Simd};

/// An element type with vectors at every level — `f32` in `S::F32`, `f64`
/// in `S::F64` — and its exact widening into `f64` lanes. Implemented for
/// `f32` and `f64` only.
pub trait Lane: Copy + 'static {
    /// The vector of this element at level `S`.
    type V<S: Simd>: Copy;
    /// Elements per vector at level `S`.
    fn lanes<S: Simd>() -> usize;
    /// All lanes set to `x`.
    fn splat<S: Simd>(s: S, x: Self) -> Self::V<S>;
    /// Loads the first [`Lane::lanes`] elements of `src`.
    fn load<S: Simd>(s: S, src: &[Self]) -> Self::V<S>;
    /// Loads `min(len, lanes)` elements, zero elsewhere.
    fn load_partial<S: Simd>(s: S, src: &[Self]) -> Self::V<S>;
    /// Loads `min(len, lanes)` elements, `fill` elsewhere.
    fn load_partial_fill<S: Simd>(s: S, src: &[Self], fill: Self) -> Self::V<S>;
    /// Stores every lane to the start of `dst`.
    fn store<S: Simd>(s: S, v: Self::V<S>, dst: &mut [Self]);
    /// Stores the first `min(len, lanes)` lanes.
    fn store_partial<S: Simd>(s: S, v: Self::V<S>, dst: &mut [Self]);
    /// `a / b`, correctly rounded.
    fn div<S: Simd>(s: S, a: Self::V<S>, b: Self::V<S>) -> Self::V<S>;
    /// Loads `S::F64_LANES` elements widened to `f64` (exactly).
    fn load_wide<S: Simd>(s: S, src: &[Self]) -> S::F64;
    /// Loads `min(len, S::F64_LANES)` elements widened, zero elsewhere.
    fn load_wide_partial<S: Simd>(s: S, src: &[Self]) -> S::F64;
    /// Loads `min(len, S::F64_LANES)` elements widened, `fill` elsewhere.
    fn load_wide_partial_fill<S: Simd>(s: S, src: &[Self], fill: f64) -> S::F64;
}

/// Implements [`Lane`] for an element type by naming the lane-trait
/// operations of its width: one table per type instead of two copies of
/// the same delegations.
macro_rules! lane {
    ($t:ty, $v:ident, $lanes:ident, $splat:ident, $load:ident, $load_partial:ident, $load_partial_fill:ident,
     $store:ident, $store_partial:ident, $div:ident, $wide:ident, $wide_partial:ident, $wide_partial_fill:ident) => {
        impl Lane for $t {
            type V<S: Simd> = S::$v;
            #[inline(always)]
            fn lanes<S: Simd>() -> usize {
                S::$lanes
            }
            #[inline(always)]
            fn splat<S: Simd>(s: S, x: $t) -> S::$v {
                s.$splat(x)
            }
            #[inline(always)]
            fn load<S: Simd>(s: S, src: &[$t]) -> S::$v {
                s.$load(src)
            }
            #[inline(always)]
            fn load_partial<S: Simd>(s: S, src: &[$t]) -> S::$v {
                s.$load_partial(src)
            }
            #[inline(always)]
            fn load_partial_fill<S: Simd>(s: S, src: &[$t], fill: $t) -> S::$v {
                s.$load_partial_fill(src, fill)
            }
            #[inline(always)]
            fn store<S: Simd>(s: S, v: S::$v, dst: &mut [$t]) {
                s.$store(v, dst)
            }
            #[inline(always)]
            fn store_partial<S: Simd>(s: S, v: S::$v, dst: &mut [$t]) {
                s.$store_partial(v, dst)
            }
            #[inline(always)]
            fn div<S: Simd>(s: S, a: S::$v, b: S::$v) -> S::$v {
                s.$div(a, b)
            }
            #[inline(always)]
            fn load_wide<S: Simd>(s: S, src: &[$t]) -> S::F64 {
                s.$wide(src)
            }
            #[inline(always)]
            fn load_wide_partial<S: Simd>(s: S, src: &[$t]) -> S::F64 {
                s.$wide_partial(src)
            }
            #[inline(always)]
            fn load_wide_partial_fill<S: Simd>(s: S, src: &[$t], fill: f64) -> S::F64 {
                s.$wide_partial_fill(src, fill)
            }
        }
    };
}

#[rustfmt::skip]
lane!(f32, F32, F32_LANES, splat_f32, load_f32, load_partial_f32, load_partial_fill_f32,
      store_f32, store_partial_f32, div_f32, load_widen_f64, load_widen_partial_f64, load_widen_partial_fill_f64);
#[rustfmt::skip]
lane!(f64, F64, F64_LANES, splat_f64, load_f64, load_partial_f64, load_partial_fill_f64,
      store_f64, store_partial_f64, div_f64, load_f64, load_partial_f64, load_partial_fill_f64);

/// Elements of `Self` read as vectors of `E` (one `E` vector's worth):
/// natively when the types agree, widened for `f32` read as `f64`.
pub(crate) trait LoadAs<E: Lane>: Copy {
    /// Loads [`Lane::lanes`]`::<S>` of `E` elements.
    fn load_as<S: Simd>(s: S, src: &[Self]) -> E::V<S>;
    /// Loads up to that many, zero elsewhere.
    fn load_partial_as<S: Simd>(s: S, src: &[Self]) -> E::V<S>;
}

impl<E: Lane> LoadAs<E> for E {
    #[inline(always)]
    fn load_as<S: Simd>(s: S, src: &[E]) -> E::V<S> {
        E::load(s, src)
    }
    #[inline(always)]
    fn load_partial_as<S: Simd>(s: S, src: &[E]) -> E::V<S> {
        E::load_partial(s, src)
    }
}

/// `f32` read as `f64` lanes, exactly.
impl LoadAs<f64> for f32 {
    #[inline(always)]
    fn load_as<S: Simd>(s: S, src: &[f32]) -> S::F64 {
        s.load_widen_f64(src)
    }
    #[inline(always)]
    fn load_partial_as<S: Simd>(s: S, src: &[f32]) -> S::F64 {
        s.load_widen_partial_f64(src)
    }
}

/// A function of one vector of `E`, applied by [`map`] and [`map_in_place`].
pub(crate) trait LaneMap<S: Simd, E: Lane> {
    /// What the lanes past the end of a partial tail hold (`None`: zero).
    /// They are never stored, but a map with a running state (a sum) sees
    /// them: it picks a value that contributes nothing.
    #[inline(always)]
    fn tail_fill(&self) -> Option<E> {
        None
    }
    /// The function, on one vector (it may update `self`).
    fn apply(&mut self, s: S, x: E::V<S>) -> E::V<S>;
}

/// A function of two vectors, applied by [`zip_map`] and [`zip_map_in_place`].
pub(crate) trait LaneZip<S: Simd, E: Lane> {
    /// The function, on one vector of each input.
    fn apply(&mut self, s: S, a: E::V<S>, b: E::V<S>) -> E::V<S>;
}

#[inline(always)]
fn load_tail<S: Simd, E: Lane, F: LaneMap<S, E>>(s: S, f: &F, x: &[E]) -> E::V<S> {
    match f.tail_fill() {
        None => E::load_partial(s, x),
        Some(fill) => E::load_partial_fill(s, x, fill),
    }
}

/// `out[i] = f(x[i])` (equal lengths, checked by the caller).
#[inline(always)]
pub(crate) fn map<S: Simd, E: Lane, F: LaneMap<S, E>>(s: S, f: &mut F, x: &[E], out: &mut [E]) {
    if super::COMPACT {
        // One call site of `f` (inlined once): every vector through the
        // partial load and store. (Iterators stepped by hand: `zip` of two
        // `chunks` was left out of line at opt-level "s", with a division
        // by a chunk size it no longer saw was constant — a panic path.)
        let mut outs = out.chunks_mut(E::lanes::<S>());
        for c in x.chunks(E::lanes::<S>()) {
            let Some(o) = outs.next() else { break };
            E::store_partial(s, f.apply(s, load_tail(s, f, c)), o);
        }
        return;
    }
    let mut xs = x.chunks_exact(E::lanes::<S>());
    let mut os = out.chunks_exact_mut(E::lanes::<S>());
    for (c, o) in (&mut xs).zip(&mut os) {
        E::store(s, f.apply(s, E::load(s, c)), o);
    }
    let (c, o) = (xs.remainder(), os.into_remainder());
    if !c.is_empty() {
        E::store_partial(s, f.apply(s, load_tail(s, f, c)), o);
    }
}

/// `x[i] = f(x[i])`.
#[inline(always)]
pub(crate) fn map_in_place<S: Simd, E: Lane, F: LaneMap<S, E>>(s: S, f: &mut F, x: &mut [E]) {
    if super::COMPACT {
        for c in x.chunks_mut(E::lanes::<S>()) {
            E::store_partial(s, f.apply(s, load_tail(s, f, c)), c);
        }
        return;
    }
    let mut xs = x.chunks_exact_mut(E::lanes::<S>());
    for c in &mut xs {
        E::store(s, f.apply(s, E::load(s, c)), c);
    }
    let c = xs.into_remainder();
    if !c.is_empty() {
        E::store_partial(s, f.apply(s, load_tail(s, f, c)), c);
    }
}

/// `out[i] = f(a[i], b[i])` (equal lengths, checked by the caller).
#[inline(always)]
pub(crate) fn zip_map<S: Simd, E: Lane, F: LaneZip<S, E>>(s: S, f: &mut F, a: &[E], b: &[E], out: &mut [E]) {
    let w = E::lanes::<S>();
    if super::COMPACT {
        let (mut ys, mut outs) = (b.chunks(w), out.chunks_mut(w));
        for x in a.chunks(w) {
            let (Some(y), Some(o)) = (ys.next(), outs.next()) else { break };
            E::store_partial(s, f.apply(s, E::load_partial(s, x), E::load_partial(s, y)), o);
        }
        return;
    }
    let mut xs = a.chunks_exact(w);
    let mut ys = b.chunks_exact(w);
    let mut os = out.chunks_exact_mut(w);
    for ((x, y), o) in (&mut xs).zip(&mut ys).zip(&mut os) {
        E::store(s, f.apply(s, E::load(s, x), E::load(s, y)), o);
    }
    let (x, y, o) = (xs.remainder(), ys.remainder(), os.into_remainder());
    if !x.is_empty() {
        E::store_partial(s, f.apply(s, E::load_partial(s, x), E::load_partial(s, y)), o);
    }
}

/// `acc[i] = f(acc[i], b[i])` (equal lengths, checked by the caller), `b`
/// read as vectors of `E` ([`LoadAs`]).
#[inline(always)]
pub(crate) fn zip_map_in_place<S: Simd, E: Lane, B: LoadAs<E>, F: LaneZip<S, E>>(
    s: S,
    f: &mut F,
    acc: &mut [E],
    b: &[B],
) {
    let w = E::lanes::<S>();
    if super::COMPACT {
        let mut ys = b.chunks(w);
        for x in acc.chunks_mut(w) {
            let Some(y) = ys.next() else { break };
            E::store_partial(s, f.apply(s, E::load_partial(s, x), B::load_partial_as(s, y)), x);
        }
        return;
    }
    let mut accs = acc.chunks_exact_mut(w);
    let mut bs = b.chunks_exact(w);
    for (x, y) in (&mut accs).zip(&mut bs) {
        E::store(s, f.apply(s, E::load(s, x), B::load_as(s, y)), x);
    }
    let (x, y) = (accs.into_remainder(), bs.remainder());
    if !x.is_empty() {
        E::store_partial(s, f.apply(s, E::load_partial(s, x), B::load_partial_as(s, y)), x);
    }
}

/// A reduction over pairs of `f64` lanes (two streams of [`Lane`]
/// elements, widened), written once for every ISA: `K` sums of terms —
/// dot products, squared distances, the sums of cosine and of Pearson's r.
/// The driver starts each sum at 0, adds accumulators lane-wise and sums
/// the lanes at the end; an implementor says only how one vector of each
/// stream adds its terms. Any state is plain scalars (broadcast where used;
/// the broadcasts are loop-invariant).
pub(crate) trait PairReduce<const K: usize> {
    /// Adds the terms of one vector of each stream to the `K` sums.
    fn step<S: Simd>(&self, s: S, acc: [S::F64; K], a: S::F64, b: S::F64) -> [S::F64; K];
    /// What the lanes past a partial vector hold, per stream (`None`:
    /// zeros), chosen so that they contribute nothing to the sums.
    #[inline(always)]
    fn tail_fill(&self) -> Option<[f64; 2]> {
        None
    }
}

/// `a` and `b` cut to their common length: the callers have checked that
/// the lengths are equal, and the cut lets the optimiser see it (no bounds
/// checks, no panic path, in the loops that follow).
#[inline(always)]
fn same_length<'a, A, B>(a: &'a [A], b: &'a [B]) -> (&'a [A], &'a [B]) {
    let n = a.len().min(b.len());
    (&a[..n], &b[..n])
}

/// `x + y`, sum by sum.
#[inline(always)]
fn merge<S: Simd, const K: usize>(s: S, x: [S::F64; K], y: [S::F64; K]) -> [S::F64; K] {
    let mut sum = x;
    for (v, &y) in sum.iter_mut().zip(&y) {
        *v = s.add_f64(*v, y);
    }
    sum
}

#[inline(always)]
fn load_wide_tail<S: Simd, A: Lane, B: Lane, R: PairReduce<K>, const K: usize>(
    s: S,
    r: &R,
    a: &[A],
    b: &[B],
) -> (S::F64, S::F64) {
    match r.tail_fill() {
        None => (A::load_wide_partial(s, a), B::load_wide_partial(s, b)),
        Some([fa, fb]) => (A::load_wide_partial_fill(s, a, fa), B::load_wide_partial_fill(s, b, fb)),
    }
}

/// Streams `r` over `a` and `b` (`b` at least as long as `a`; the caller
/// checks equal lengths) with `U` independent accumulators (a power of
/// two), merged pairwise at the end.
///
/// A head is peeled so that the block loads of `a` are vector-aligned
/// (unaligned 512-bit loads that split cache lines halve L1 throughput),
/// when the main loop runs long enough to amortise it.
#[inline(always)]
pub(crate) fn reduce_pairs<S: Simd, A: Lane, B: Lane, R: PairReduce<K>, const K: usize, const U: usize>(
    s: S,
    r: &R,
    a: &[A],
    b: &[B],
) -> [f64; K] {
    if super::COMPACT {
        return super::shared_where_compact(s, ShortPairs::<A, B, R, K> { r, a, b });
    }
    let w = S::F64_LANES;
    // (The SIMD targets' long loop: `b` cut to `a`'s length measured one
    // instruction less per vector than cutting both; targets where a panic
    // path matters took the short loop above.)
    let b = &b[..a.len()];
    let mut acc = [[s.splat_f64(0.0); K]; U];
    let head = if a.len() >= 4 * U * w { a.as_ptr().align_offset(4 * S::F32_LANES).min(a.len()) } else { 0 };
    let (a_head, a) = a.split_at(head);
    let (b_head, b) = b.split_at(head);
    for (x, y) in a_head.chunks(w).zip(b_head.chunks(w)) {
        let (x, y) = load_wide_tail(s, r, x, y);
        acc[0] = r.step(s, acc[0], x, y);
    }

    let mut blocks_a = a.chunks_exact(U * w);
    let mut blocks_b = b.chunks_exact(U * w);
    for (x, y) in (&mut blocks_a).zip(&mut blocks_b) {
        for u in 0..U {
            let (xu, yu) = (&x[u * w..], &y[u * w..]);
            acc[u] = r.step(s, acc[u], A::load_wide(s, xu), B::load_wide(s, yu));
        }
    }

    let (rest_a, rest_b) = (blocks_a.remainder(), blocks_b.remainder());
    let mut lanes_a = rest_a.chunks_exact(w);
    let mut lanes_b = rest_b.chunks_exact(w);
    for (u, (x, y)) in (&mut lanes_a).zip(&mut lanes_b).enumerate() {
        acc[u] = r.step(s, acc[u], A::load_wide(s, x), B::load_wide(s, y));
    }
    let (tail_a, tail_b) = (lanes_a.remainder(), lanes_b.remainder());
    if !tail_a.is_empty() {
        let (x, y) = load_wide_tail(s, r, tail_a, tail_b);
        acc[U - 1] = r.step(s, acc[U - 1], x, y);
    }

    let mut width = U;
    while width > 1 {
        width /= 2;
        for u in 0..width {
            acc[u] = merge(s, acc[u], acc[u + width]);
        }
    }
    acc[0].map(|v| s.reduce_sum_f64(v))
}

/// [`reduce_short_pairs`] as a [`Kernel`]: what the short-input entry
/// points run, and how [`reduce_pairs`] shares one copy per reduction
/// where [`COMPACT`](super::COMPACT).
pub(crate) struct ShortPairs<'a, A, B, R, const K: usize> {
    pub(crate) r: &'a R,
    pub(crate) a: &'a [A],
    pub(crate) b: &'a [B],
}

impl<A: Lane, B: Lane, R: PairReduce<K>, const K: usize> Kernel for ShortPairs<'_, A, B, R, K> {
    type Output = [f64; K];
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> [f64; K] {
        reduce_short_pairs::<S, A, B, R, K>(s, self.r, self.a, self.b)
    }
}

/// [`reduce_pairs`] for short inputs (a few vectors): two chains, full
/// loads while they fit, one partial load for the tail; no peel, no merge
/// tree, a small stack frame.
#[inline(always)]
pub(crate) fn reduce_short_pairs<S: Simd, A: Lane, B: Lane, R: PairReduce<K>, const K: usize>(
    s: S,
    r: &R,
    a: &[A],
    b: &[B],
) -> [f64; K] {
    let w = S::F64_LANES;
    let (a, b) = same_length(a, b);
    let (mut even, mut odd) = ([s.splat_f64(0.0); K], [s.splat_f64(0.0); K]);
    let mut pairs_a = a.chunks_exact(2 * w);
    let mut pairs_b = b.chunks_exact(2 * w);
    for (x, y) in (&mut pairs_a).zip(&mut pairs_b) {
        even = r.step(s, even, A::load_wide(s, x), B::load_wide(s, y));
        odd = r.step(s, odd, A::load_wide(s, &x[w..]), B::load_wide(s, &y[w..]));
    }
    let (mut x, mut y) = (pairs_a.remainder(), pairs_b.remainder());
    if x.len() >= w {
        even = r.step(s, even, A::load_wide(s, x), B::load_wide(s, y));
        (x, y) = (&x[w..], &y[w..]);
    }
    if !x.is_empty() {
        let (x, y) = load_wide_tail(s, r, x, y);
        odd = r.step(s, odd, x, y);
    }
    merge(s, even, odd).map(|v| s.reduce_sum_f64(v))
}

/// A reduction over pairs of `f32` vectors into `K` sums kept in `f32`
/// lanes — the fast accuracy tier ([`reduce_pairs_f32`]).
pub trait PairReduceF32<const K: usize> {
    /// Adds the terms of one vector of each stream to the `K` sums.
    fn step<S: Simd>(&self, s: S, acc: [S::F32; K], a: S::F32, b: S::F32) -> [S::F32; K];
    /// Adds the terms of `2 · F32_LANES` `bf16` pairs (full slices) to the
    /// sums, at most two `f32` roundings per lane and sum: by default the
    /// pairs widened into two vectors and two [`step`](Self::step)s; a
    /// reduction with a native form (the dot product's `vdpbf16ps`)
    /// overrides it.
    #[inline(always)]
    fn step_bf16<S: Simd>(&self, s: S, acc: [S::F32; K], a: &[bf16], b: &[bf16]) -> [S::F32; K] {
        step_two(s, self, acc, s.load_bf16_f32(a), s.load_bf16_f32(b))
    }
}

/// An element the fast tier reads into `f32` lanes exactly — `f32`
/// itself, `half::f16`, `half::bf16` — in units of [`F32Source::VECTORS`]
/// vectors, and how a unit of each stream feeds a [`PairReduceF32`].
pub trait F32Source: Copy + 'static {
    /// `f32` vectors one unit fills: a unit is `VECTORS · F32_LANES`
    /// elements, and a step over it takes `VECTORS` roundings per lane.
    const VECTORS: usize;
    /// Adds one full unit of each stream (slices at least a unit long).
    fn step<S: Simd, R: PairReduceF32<K>, const K: usize>(
        s: S,
        r: &R,
        acc: [S::F32; K],
        a: &[Self],
        b: &[Self],
    ) -> [S::F32; K];
    /// Adds at most one unit of each stream, zeros past the slices' end.
    fn step_partial<S: Simd, R: PairReduceF32<K>, const K: usize>(
        s: S,
        r: &R,
        acc: [S::F32; K],
        a: &[Self],
        b: &[Self],
    ) -> [S::F32; K];
}

/// An [`F32Source`] impl from the expressions of its two steps, written
/// over the names `s`, `r`, `acc`, `a`, `b` of the trait's arguments.
macro_rules! f32_source {
    ($t:ty, $vectors:expr, |$s:ident, $r:ident, $acc:ident, $a:ident, $b:ident|
     step: $step:expr, step_partial: $partial:expr $(,)?) => {
        impl F32Source for $t {
            const VECTORS: usize = $vectors;
            #[inline(always)]
            fn step<S: Simd, R: PairReduceF32<K>, const K: usize>(
                $s: S,
                $r: &R,
                $acc: [S::F32; K],
                $a: &[$t],
                $b: &[$t],
            ) -> [S::F32; K] {
                $step
            }
            #[inline(always)]
            fn step_partial<S: Simd, R: PairReduceF32<K>, const K: usize>(
                $s: S,
                $r: &R,
                $acc: [S::F32; K],
                $a: &[$t],
                $b: &[$t],
            ) -> [S::F32; K] {
                $partial
            }
        }
    };
}

/// A step over two vectors of each stream (a unit of a half type).
#[inline(always)]
fn step_two<S: Simd, R: PairReduceF32<K> + ?Sized, const K: usize>(
    s: S,
    r: &R,
    acc: [S::F32; K],
    [a0, a1]: [S::F32; 2],
    [b0, b1]: [S::F32; 2],
) -> [S::F32; K] {
    r.step(s, r.step(s, acc, a0, b0), a1, b1)
}

f32_source!(f32, 1, |s, r, acc, a, b|
    step: r.step(s, acc, s.load_f32(a), s.load_f32(b)),
    step_partial: r.step(s, acc, s.load_partial_f32(a), s.load_partial_f32(b)),
);
f32_source!(f16, 2, |s, r, acc, a, b|
    step: step_two(s, r, acc, s.load_f16_f32(a), s.load_f16_f32(b)),
    step_partial: step_two(s, r, acc, s.load_partial_f16_f32(a), s.load_partial_f16_f32(b)),
);
// bf16 through the reducer's own step: `vdpbf16ps` where the level has it.
f32_source!(bf16, 2, |s, r, acc, a, b|
    step: r.step_bf16(s, acc, a, b),
    step_partial: step_two(s, r, acc, s.load_partial_bf16_f32(a), s.load_partial_bf16_f32(b)),
);

/// `f32` roundings each of the `U` chains takes per block before the
/// block's sums are widened into the `f64` totals (`F32_BLOCK_STEPS /
/// VECTORS` units of an [`F32Source`]): every sum carries at most this
/// many `f32` roundings, plus `log₂ U` for the merge and one for the
/// block's lane pairs.
pub(crate) const F32_BLOCK_STEPS: usize = 32;

/// `x + y` for `f32` sums, sum by sum.
#[inline(always)]
fn merge_f32<S: Simd, const K: usize>(s: S, x: [S::F32; K], y: [S::F32; K]) -> [S::F32; K] {
    let mut sum = x;
    for (v, &y) in sum.iter_mut().zip(&y) {
        *v = s.add_f32(*v, y);
    }
    sum
}

/// Streams `r` over `a` and `b` (equal lengths, checked by the caller)
/// with `U` independent `f32` accumulators (a power of two), in blocks of
/// [`F32_BLOCK_STEPS`]` · U` vectors' worth of units: a block's chains are
/// merged pairwise in `f32`, widened exactly and added to `f64` totals. The
/// longest chain of `f32` roundings any term goes through is thus
/// `F32_BLOCK_STEPS + log₂ U + 1` whatever the length and element type,
/// and the loop is as fast as plain `f32` accumulation (one widening per
/// block, not per element).
#[inline(always)]
pub(crate) fn reduce_pairs_f32<S: Simd, E: F32Source, R: PairReduceF32<K>, const K: usize, const U: usize>(
    s: S,
    r: &R,
    a: &[E],
    b: &[E],
) -> [f64; K] {
    let w = E::VECTORS * S::F32_LANES;
    let b = &b[..a.len()]; // (as in `reduce_pairs`; SIMD targets only)
    let mut total = [s.splat_f64(0.0); K];
    let block = F32_BLOCK_STEPS * U * S::F32_LANES;
    let mut blocks_a = a.chunks_exact(block);
    let mut blocks_b = b.chunks_exact(block);
    for (x, y) in (&mut blocks_a).zip(&mut blocks_b) {
        let mut acc = [[s.splat_f32(0.0); K]; U];
        for (xs, ys) in x.chunks_exact(U * w).zip(y.chunks_exact(U * w)) {
            for u in 0..U {
                acc[u] = E::step(s, r, acc[u], &xs[u * w..], &ys[u * w..]);
            }
        }
        flush_f32(s, acc, &mut total);
    }
    // The last partial block: groups of U units, the units left one per
    // chain, then one partial unit (no chain takes more than a block's
    // steps).
    let (x, y) = (blocks_a.remainder(), blocks_b.remainder());
    let mut acc = [[s.splat_f32(0.0); K]; U];
    let mut groups_a = x.chunks_exact(U * w);
    let mut groups_b = y.chunks_exact(U * w);
    for (xs, ys) in (&mut groups_a).zip(&mut groups_b) {
        for u in 0..U {
            acc[u] = E::step(s, r, acc[u], &xs[u * w..], &ys[u * w..]);
        }
    }
    let mut units_a = groups_a.remainder().chunks_exact(w);
    let mut units_b = groups_b.remainder().chunks_exact(w);
    for (u, (xs, ys)) in (&mut units_a).zip(&mut units_b).enumerate() {
        acc[u] = E::step(s, r, acc[u], xs, ys);
    }
    let (tx, ty) = (units_a.remainder(), units_b.remainder());
    if !tx.is_empty() {
        acc[U - 1] = E::step_partial(s, r, acc[U - 1], tx, ty);
    }
    flush_f32(s, acc, &mut total);
    total.map(|v| s.reduce_sum_f64(v))
}

/// [`reduce_pairs_f32`] for targets where [`COMPACT`](super::COMPACT): an
/// `f32` FPU and no `f64` one (a Cortex-M4F), where every `f64` operation
/// is a soft-float call. One chain; each block's `f32` sums are added into
/// compensated `f32` totals (hi + lo by Knuth's two-sum, exact at each
/// step), and the lanes of a total are folded the same way, so no `f64`
/// arithmetic runs and the totals lose nothing the `f64` ones keep: a term
/// goes through at most `F32_BLOCK_STEPS + 1` roundings, and the result
/// `hi + lo` is rounded once to `f32`.
#[inline(always)]
pub(crate) fn reduce_pairs_f32_compact<S: Simd, E: F32Source, R: PairReduceF32<K>, const K: usize>(
    s: S,
    r: &R,
    a: &[E],
    b: &[E],
) -> [f32; K] {
    let w = E::VECTORS * S::F32_LANES;
    let (a, b) = same_length(a, b);
    let (mut hi, mut lo) = ([s.splat_f32(0.0); K], [s.splat_f32(0.0); K]);
    let block = F32_BLOCK_STEPS * S::F32_LANES;
    for (x, y) in a.chunks(block).zip(b.chunks(block)) {
        let mut acc = [s.splat_f32(0.0); K];
        let (mut xs, mut ys) = (x.chunks_exact(w), y.chunks_exact(w));
        for (xv, yv) in (&mut xs).zip(&mut ys) {
            acc = E::step(s, r, acc, xv, yv);
        }
        if !xs.remainder().is_empty() {
            acc = E::step_partial(s, r, acc, xs.remainder(), ys.remainder());
        }
        for ((hi, lo), &acc) in hi.iter_mut().zip(&mut lo).zip(&acc) {
            let (sum, err) = two_sum_f32(s, *hi, acc);
            (*hi, *lo) = (sum, s.add_f32(*lo, err));
        }
    }
    let mut out = [0.0f32; K];
    for ((o, &hi), &lo) in out.iter_mut().zip(&hi).zip(&lo) {
        let mut lanes = [0.0f32; 16];
        s.store_partial_f32(hi, &mut lanes);
        let (mut h, mut l) = (0.0f32, s.reduce_sum_f32(lo));
        for &x in &lanes[..S::F32_LANES] {
            let t = h + x;
            let v = t - h;
            l += (h - (t - v)) + (x - v);
            h = t;
        }
        // An infinite or NaN sum makes the compensation NaN (∞ − ∞): the
        // IEEE result is the plain sum then.
        *o = if h.is_finite() { h + l } else { h };
    }
    out
}

/// A reduction over pairs of `i8` streams into `K` exact integer sums
/// ([`reduce_pairs_i8`]).
pub(crate) trait PairReduceI8<const K: usize> {
    /// Adds the terms of `4 · F32_LANES` pairs (full slices) to the sums;
    /// each lane of a sum gains less than `2¹⁸`.
    fn step<S: Simd>(&self, s: S, acc: [S::I32; K], a: &[i8], b: &[i8]) -> [S::I32; K];
}

/// Steps a chain of `i32` lanes takes before the chains are merged and
/// added into the `i64` totals: each step adds less than `2¹⁸` to a lane,
/// so a chain stays below `2²⁸` and the merge of at most four below `2³⁰`
/// — exact, with room to spare.
const I8_BLOCK_STEPS: usize = 1 << 10;

/// Streams `r` over `a` and `b` (equal lengths, checked by the caller)
/// with `U ≤ 4` independent chains of `i32` lanes, merged lane-wise and
/// summed into `i64` totals once per block of [`I8_BLOCK_STEPS`]; the tail
/// goes through a zero-padded copy (zeros add nothing to a product or a
/// squared difference). Exact.
#[inline(always)]
pub(crate) fn reduce_pairs_i8<S: Simd, R: PairReduceI8<K>, const K: usize, const U: usize>(
    s: S,
    r: &R,
    a: &[i8],
    b: &[i8],
) -> [i64; K] {
    let w = 4 * S::F32_LANES;
    let (a, b) = same_length(a, b);
    let mut total = [0i64; K];
    let block = I8_BLOCK_STEPS * U * w;
    for (x, y) in a.chunks(block).zip(b.chunks(block)) {
        let mut acc = [[s.zero_i32(); K]; U];
        let mut groups_a = x.chunks_exact(U * w);
        let mut groups_b = y.chunks_exact(U * w);
        for (xs, ys) in (&mut groups_a).zip(&mut groups_b) {
            for u in 0..U {
                acc[u] = r.step(s, acc[u], &xs[u * w..], &ys[u * w..]);
            }
        }
        let mut units_a = groups_a.remainder().chunks_exact(w);
        let mut units_b = groups_b.remainder().chunks_exact(w);
        for (u, (xs, ys)) in (&mut units_a).zip(&mut units_b).enumerate() {
            acc[u] = r.step(s, acc[u], xs, ys);
        }
        let (tx, ty) = (units_a.remainder(), units_b.remainder());
        if !tx.is_empty() {
            let (mut pa, mut pb) = ([0i8; 64], [0i8; 64]);
            pa[..tx.len()].copy_from_slice(tx);
            pb[..ty.len()].copy_from_slice(ty);
            acc[U - 1] = r.step(s, acc[U - 1], &pa, &pb);
        }
        const { assert!(U <= 4, "four chains of 2²⁸ fit an i32 lane") };
        let mut merged = acc[0];
        for chain in &acc[1..] {
            for (m, &v) in merged.iter_mut().zip(chain) {
                *m = s.add_i32(*m, v);
            }
        }
        for (t, &v) in total.iter_mut().zip(&merged) {
            *t += s.reduce_sum_i32(v);
        }
    }
    total
}

/// `a + b = sum + err` exactly, lane by lane (Knuth's two-sum).
#[inline(always)]
fn two_sum_f32<S: Simd>(s: S, a: S::F32, b: S::F32) -> (S::F32, S::F32) {
    let sum = s.add_f32(a, b);
    let v = s.sub_f32(sum, a);
    let err = s.add_f32(s.sub_f32(a, s.sub_f32(sum, v)), s.sub_f32(b, v));
    (sum, err)
}

/// Merges a block's `U` chains pairwise in `f32`, widens the sums exactly
/// and adds them to the `f64` totals (a function, not a closure: closures
/// do not inherit the caller's target features).
#[inline(always)]
fn flush_f32<S: Simd, const K: usize, const U: usize>(
    s: S,
    mut acc: [[S::F32; K]; U],
    total: &mut [S::F64; K],
) {
    let mut width = U;
    while width > 1 {
        width /= 2;
        for u in 0..width {
            acc[u] = merge_f32(s, acc[u], acc[u + width]);
        }
    }
    for k in 0..K {
        let v = acc[0][k];
        total[k] = s.add_f64(total[k], s.add_f64(s.widen_low_f64(v), s.widen_high_f64(v)));
    }
}

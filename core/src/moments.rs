//! Moments in `f64`: the mean and variance of a sample, and the sums
//! Pearson's r is made of — all reductions on the pair driver, `f32`
//! widened exactly, several independent accumulators.
//!
//! | kernel | formula |
//! |---|---|
//! | [`mean_variance`] | `x̄ = (1/n) Σ xᵢ`, `σ² = (1/n) Σ (xᵢ − x̄)²` (two passes) |

use crate::error::{Error, Result};
use crate::float::Float;
use crate::simd::{Kernel, Kernels, PairReduce, Simd, reduce_pairs};

/// The mean and the (population, `1/n`) variance of a sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeanVariance {
    /// `(1/n) Σ xᵢ`.
    pub mean: f64,
    /// `(1/n) Σ (xᵢ − mean)²`.
    pub variance: f64,
}

/// Mean and variance of `x`, two passes in `f64` lanes (no cancellation
/// of `E[x²] − E[x]²`). Errors for an empty slice; NaN propagates.
///
/// ```
/// let mv = simkern_core::moments::mean_variance(&[1.0f32, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!((mv.mean, mv.variance), (2.5, 1.25));
/// ```
pub fn mean_variance<T: Float>(x: &[T]) -> Result<MeanVariance> {
    Kernels::best().mean_variance(x)
}

impl Kernels {
    /// [`mean_variance`] at this handle's level.
    ///
    /// ```
    /// use simkern_core::{Kernels, Level};
    /// let k = Kernels::new(Level::Portable).unwrap();
    /// assert_eq!(k.mean_variance(&[2.0f64, 2.0]).unwrap().variance, 0.0);
    /// ```
    pub fn mean_variance<T: Float>(self, x: &[T]) -> Result<MeanVariance> {
        if x.is_empty() {
            return Err(Error::Empty { name: "x" });
        }
        Ok(self.run(MeanVar { x }))
    }
}

struct MeanVar<'a, T> {
    x: &'a [T],
}

impl<T: Float> Kernel for MeanVar<'_, T> {
    type Output = MeanVariance;
    #[inline(always)]
    fn run<S: Simd>(self, s: S) -> MeanVariance {
        let (x, n) = (self.x, self.x.len() as f64);
        // The second stream is `x` again and unused: its loads fold away.
        let [sum] = reduce_pairs::<S, T, T, _, 1, 4>(s, &Sum, x, x);
        let mean = sum / n;
        let [ss] = reduce_pairs::<S, T, T, _, 1, 4>(s, &SquaredDeviations { m: mean }, x, x);
        MeanVariance { mean, variance: ss / n }
    }
}

/// `Σ aᵢ` (the second stream is ignored).
struct Sum;

impl PairReduce<1> for Sum {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::F64; 1], a: S::F64, _: S::F64) -> [S::F64; 1] {
        [s.add_f64(acc, a)]
    }
}

/// `Σ (aᵢ − m)²` (the second stream is ignored; padded lanes hold `m`).
struct SquaredDeviations {
    m: f64,
}

impl PairReduce<1> for SquaredDeviations {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [acc]: [S::F64; 1], a: S::F64, _: S::F64) -> [S::F64; 1] {
        let d = s.sub_f64(a, s.splat_f64(self.m));
        [s.mul_add_f64(d, d, acc)]
    }
    #[inline(always)]
    fn tail_fill(&self) -> Option<[f64; 2]> {
        Some([self.m; 2])
    }
}

/// `(Σ cₓxᵢ, Σ c_y yᵢ)`; the scale factors `c` (powers of two) are applied,
/// exactly, only when `SCALED`.
pub(crate) struct Sums<const SCALED: bool> {
    pub(crate) c: [f64; 2],
}

impl<const SCALED: bool> PairReduce<2> for Sums<SCALED> {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, [ax, ay]: [S::F64; 2], x: S::F64, y: S::F64) -> [S::F64; 2] {
        if SCALED {
            [s.mul_add_f64(x, s.splat_f64(self.c[0]), ax), s.mul_add_f64(y, s.splat_f64(self.c[1]), ay)]
        } else {
            [s.add_f64(ax, x), s.add_f64(ay, y)]
        }
    }
}

/// `[Σ(cₓx−mx)(c_y y−my), Σ(cₓx−mx)², Σ(c_y y−my)²]`: the deviations from
/// the means `m` of the (scaled, when `SCALED`) values, one rounding each
/// (`cx − m` as one fused operation).
///
/// Run with two accumulators (six sums in flight): with four, the twelve
/// sums, two means and the loads overflow AVX2's 16 registers and spill
/// every block — Pearson of 100 k `f32` took 38 µs at AVX2 with four and
/// 29 µs with two (32.3 vs 32.6 µs at AVX-512), AMD EPYC family 25 model 17.
pub(crate) struct Centered<const SCALED: bool> {
    pub(crate) m: [f64; 2],
    pub(crate) c: [f64; 2],
}

impl<const SCALED: bool> Centered<SCALED> {
    #[inline(always)]
    fn dev<S: Simd>(&self, s: S, v: S::F64, k: usize) -> S::F64 {
        if SCALED {
            s.mul_add_f64(v, s.splat_f64(self.c[k]), s.splat_f64(-self.m[k]))
        } else {
            s.sub_f64(v, s.splat_f64(self.m[k]))
        }
    }
}

impl<const SCALED: bool> PairReduce<3> for Centered<SCALED> {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, a: [S::F64; 3], x: S::F64, y: S::F64) -> [S::F64; 3] {
        let (dx, dy) = (self.dev(s, x, 0), self.dev(s, y, 1));
        [s.mul_add_f64(dx, dy, a[0]), s.mul_add_f64(dx, dx, a[1]), s.mul_add_f64(dy, dy, a[2])]
    }
    /// Padded lanes would contribute `(0 − m)²`: they hold a value whose
    /// deviation is exactly 0 instead (`m`, or `m / c` when scaled).
    #[inline(always)]
    fn tail_fill(&self) -> Option<[f64; 2]> {
        Some(if SCALED { [self.m[0] / self.c[0], self.m[1] / self.c[1]] } else { self.m })
    }
}

/// [`Centered`]'s three sums about a shift `c` that need not be the
/// means, and the deviations' own sums: `[Σdₓd_y, Σdₓ², Σd_y², Σdₓ, Σd_y]`
/// with `d = v − c` (one rounding each), from which the moments about the
/// means follow exactly in exact arithmetic: `Sₓₓ = Σdₓ² − (Σdₓ)²/n`
/// (the corrected two-pass form: one pass over the data when `c` is
/// close to the means). Padded lanes hold `c`.
pub(crate) struct Shifted {
    pub(crate) c: [f64; 2],
}

impl PairReduce<5> for Shifted {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, a: [S::F64; 5], x: S::F64, y: S::F64) -> [S::F64; 5] {
        let (dx, dy) = (s.sub_f64(x, s.splat_f64(self.c[0])), s.sub_f64(y, s.splat_f64(self.c[1])));
        [
            s.mul_add_f64(dx, dy, a[0]),
            s.mul_add_f64(dx, dx, a[1]),
            s.mul_add_f64(dy, dy, a[2]),
            s.add_f64(a[3], dx),
            s.add_f64(a[4], dy),
        ]
    }
    #[inline(always)]
    fn tail_fill(&self) -> Option<[f64; 2]> {
        Some(self.c)
    }
}

/// `sxy / √(sxx·syy)` clamped to `[−1, 1]`: one rounding in the product and
/// one in the root (so `r(x, x)` and `cos(x, x)` are exactly 1); two roots
/// only where the product leaves the normal `f64` range. `clamp` keeps NaN.
#[inline(always)]
pub(crate) fn ratio(sxy: f64, sxx: f64, syy: f64) -> f64 {
    let prod = sxx * syy;
    let den = if prod.is_finite() && prod >= f64::MIN_POSITIVE {
        libm::sqrt(prod)
    } else {
        libm::sqrt(sxx) * libm::sqrt(syy)
    };
    (sxy / den).clamp(-1.0, 1.0)
}

/// How to rescale a vector for range-safe sums of squares (cosine, norms,
/// Pearson).
pub(crate) enum Scale {
    /// Every element is zero.
    Zero,
    /// An element is NaN or infinite.
    NonFinite,
    /// The power of two that brings `max |xᵢ|` into `[½, 1)` (within f64's
    /// exponent range).
    By(f64),
}

impl Scale {
    /// A scalar scan: for cold paths only.
    pub(crate) fn of<T: Float>(x: &[T]) -> Scale {
        let mut largest = 0.0f64;
        for e in x {
            let v = libm::fabs(e.to_f64());
            if !v.is_finite() {
                return Scale::NonFinite;
            }
            largest = largest.max(v);
        }
        if largest == 0.0 {
            return Scale::Zero;
        }
        let (_, e) = libm::frexp(largest);
        Scale::By(libm::ldexp(1.0, (-e).clamp(-1000, 1000)))
    }
}

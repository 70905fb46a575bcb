//! Deterministic test data: a small PRNG and the value distributions the
//! suites draw from (normal, lognormal, huge and tiny magnitudes, signed
//! zeros, subnormals).

/// SplitMix64: a tiny, fast, well-mixed generator for reproducible data.
///
/// ```
/// let mut r = simkern_tests::data::Rng::new(7);
/// let x = r.uniform();
/// assert!((0.0..1.0).contains(&x));
/// ```
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    ///
    /// ```
    /// let a = simkern_tests::data::Rng::new(1).next_u64();
    /// assert_eq!(a, simkern_tests::data::Rng::new(1).next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// let mut r = simkern_tests::data::Rng::new(1);
    /// assert_ne!(r.next_u64(), r.next_u64());
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    ///
    /// ```
    /// let u = simkern_tests::data::Rng::new(3).uniform();
    /// assert!(u >= 0.0 && u < 1.0);
    /// ```
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller).
    ///
    /// ```
    /// let z = simkern_tests::data::Rng::new(5).normal();
    /// assert!(z.is_finite());
    /// ```
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// The shapes of values a suite draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dist {
    /// Standard normal.
    Normal,
    /// `±exp(N(0, 4))`: magnitudes over ~7 decades.
    LogNormal,
    /// Normal scaled by 1e15 (products near 1e30, sums near `f32::MAX`'s square root range).
    Huge,
    /// Normal scaled by 1e-20 (products deep in `f32`'s subnormal range when rounded).
    Tiny,
    /// A mix of ±0, `f32` subnormals and ordinary values.
    ZerosAndSubnormals,
}

impl Dist {
    /// Every distribution, for suites that sweep them.
    pub const ALL: [Dist; 5] =
        [Dist::Normal, Dist::LogNormal, Dist::Huge, Dist::Tiny, Dist::ZerosAndSubnormals];

    /// One value from the distribution.
    ///
    /// ```
    /// use simkern_tests::data::{Dist, Rng};
    /// let x = Dist::Huge.sample(&mut Rng::new(1));
    /// assert!(x.is_finite());
    /// ```
    pub fn sample(self, r: &mut Rng) -> f64 {
        match self {
            Dist::Normal => r.normal(),
            Dist::LogNormal => {
                let sign = if r.next_u64() & 1 == 0 { 1.0 } else { -1.0 };
                sign * (2.0 * r.normal()).exp()
            }
            Dist::Huge => 1e15 * r.normal(),
            Dist::Tiny => 1e-20 * r.normal(),
            Dist::ZerosAndSubnormals => match r.next_u64() % 4 {
                0 => 0.0,
                1 => -0.0,
                2 => f32::from_bits((r.next_u64() % 0x007F_FFFF) as u32 + 1) as f64,
                _ => r.normal(),
            },
        }
    }
}

/// `n` `f32` values from `dist`.
///
/// ```
/// use simkern_tests::data::{Dist, Rng, vec_f32};
/// assert_eq!(vec_f32(&mut Rng::new(1), Dist::Normal, 10).len(), 10);
/// ```
pub fn vec_f32(r: &mut Rng, dist: Dist, n: usize) -> Vec<f32> {
    (0..n).map(|_| dist.sample(r) as f32).collect()
}

/// `n` `f64` values from `dist`.
///
/// ```
/// use simkern_tests::data::{Dist, Rng, vec_f64};
/// assert_eq!(vec_f64(&mut Rng::new(1), Dist::Normal, 10).len(), 10);
/// ```
pub fn vec_f64(r: &mut Rng, dist: Dist, n: usize) -> Vec<f64> {
    (0..n).map(|_| dist.sample(r)).collect()
}

/// A non-finite value to sprinkle into otherwise ordinary input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// A quiet NaN.
    Nan,
    /// `+∞`.
    PosInf,
    /// `−∞`.
    NegInf,
}

impl Special {
    /// Every kind, for suites that sweep them.
    pub const ALL: [Special; 3] = [Special::Nan, Special::PosInf, Special::NegInf];

    /// The value as an `f64` (exactly representable as `f32` too).
    ///
    /// ```
    /// use simkern_tests::data::Special;
    /// assert!(Special::Nan.value().is_nan());
    /// assert_eq!(Special::NegInf.value(), f64::NEG_INFINITY);
    /// ```
    pub fn value(self) -> f64 {
        match self {
            Special::Nan => f64::NAN,
            Special::PosInf => f64::INFINITY,
            Special::NegInf => f64::NEG_INFINITY,
        }
    }
}

/// Lengths that reach the main loop of every kernel at every level and
/// leave a tail: past AVX-512's 64-element blocks (8 accumulators × 8
/// `f64` lanes; 4 × 16 `f32` lanes in log-sum-exp), several times over.
///
/// ```
/// let n = simkern_tests::data::long_len(&mut simkern_tests::data::Rng::new(1));
/// assert!((129..=4099).contains(&n));
/// ```
pub fn long_len(r: &mut Rng) -> usize {
    129 + (r.next_u64() % 3971) as usize
}

/// Overwrites `count` entries of `v`, at random positions (repeats allowed),
/// with `special`; returns the positions.
///
/// ```
/// use simkern_tests::data::{Rng, Special, sprinkle};
/// let mut v = vec![1.0f32; 500];
/// let at = sprinkle(&mut Rng::new(2), &mut v, 3, Special::Nan);
/// assert!(at.iter().all(|&i| v[i].is_nan()));
/// ```
pub fn sprinkle<T: From<f32> + Copy>(r: &mut Rng, v: &mut [T], count: usize, special: Special) -> Vec<usize> {
    if v.is_empty() {
        return Vec::new();
    }
    let at: Vec<usize> = (0..count).map(|_| (r.next_u64() % v.len() as u64) as usize).collect();
    for &i in &at {
        v[i] = T::from(special.value() as f32);
    }
    at
}

/// `n` `f32` values from a distribution drawn per element from every
/// [`Dist`] (so one input mixes huge, tiny, subnormal and ordinary values).
///
/// ```
/// use simkern_tests::data::{Rng, vec_f32_mixed};
/// assert!(vec_f32_mixed(&mut Rng::new(1), 100).iter().all(|v| v.is_finite()));
/// ```
pub fn vec_f32_mixed(r: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| Dist::ALL[(r.next_u64() % 5) as usize].sample(r) as f32).collect()
}

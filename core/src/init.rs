//! Variance-preserving initialisation (check that activations keep their
//! variance through layers with [`mean_variance`](crate::moments::mean_variance)).
//!
//! | scheme | uniform bound `a` (`U(−a, a)`) | normal `σ` |
//! |---|---|---|
//! | Xavier / Glorot | `√(6/(n_in + n_out))` | `√(2/(n_in + n_out))` |
//! | He / Kaiming (ReLU) | `√(6/n_in)` | `√(2/n_in)` |
//!
//! (`Var(U(−a, a)) = a²/3`, so both columns give the same variance:
//! `2/(n_in + n_out)` for Xavier, `2/n_in` for He.) The random source is
//! the caller's: any `FnMut() -> u64` of uniform bits — no RNG dependency.

use crate::error::{Error, Result, Value};

/// An initialisation scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Init {
    /// Glorot & Bengio 2010, uniform: `U(−a, a)`, `a = √(6/(n_in + n_out))`.
    XavierUniform,
    /// Glorot & Bengio 2010, normal: `N(0, 2/(n_in + n_out))`.
    XavierNormal,
    /// He et al. 2015 (ReLU gain), uniform: `U(−a, a)`, `a = √(6/n_in)`.
    HeUniform,
    /// He et al. 2015 (ReLU gain), normal: `N(0, 2/n_in)`.
    HeNormal,
}

impl Init {
    /// The variance the scheme gives each weight.
    ///
    /// ```
    /// use simkern_core::init::Init;
    /// assert_eq!(Init::XavierUniform.variance(100, 300), 2.0 / 400.0);
    /// assert_eq!(Init::HeNormal.variance(50, 7), 2.0 / 50.0);
    /// ```
    pub fn variance(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::XavierUniform | Init::XavierNormal => 2.0 / (fan_in + fan_out) as f64,
            Init::HeUniform | Init::HeNormal => 2.0 / fan_in as f64,
        }
    }
}

/// A uniform `f64` in `[0, 1)` from 53 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Fills `w` (a `fan_out × fan_in` weight matrix, or any shape with those
/// fans) with the scheme's distribution, drawing bits from `random`.
///
/// Errors: a zero fan (the variance would be infinite).
///
/// ```
/// use simkern_core::init::{Init, fill};
/// let mut state = 1u64;
/// let mut rng = || { state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); state };
/// let mut w = [0.0f32; 256];
/// fill(&mut w, 16, 16, Init::XavierUniform, &mut rng).unwrap();
/// let a = (6.0f32 / 32.0).sqrt();
/// assert!(w.iter().all(|&x| -a <= x && x < a));
/// ```
pub fn fill(
    w: &mut [f32],
    fan_in: usize,
    fan_out: usize,
    init: Init,
    random: &mut impl FnMut() -> u64,
) -> Result<()> {
    let needed_fans = match init {
        Init::XavierUniform | Init::XavierNormal => fan_in + fan_out,
        Init::HeUniform | Init::HeNormal => fan_in,
    };
    if needed_fans == 0 {
        return Err(Error::InvalidParameter { name: "fan", expected: "positive", value: Value::Count(0) });
    }
    let var = init.variance(fan_in, fan_out);
    match init {
        Init::XavierUniform | Init::HeUniform => {
            let a = libm::sqrt(3.0 * var);
            for x in w.iter_mut() {
                *x = (a * (2.0 * unit(random()) - 1.0)) as f32;
            }
        }
        Init::XavierNormal | Init::HeNormal => {
            let sigma = libm::sqrt(var);
            // Box–Muller: two uniforms give two independent normals.
            for pair in w.chunks_mut(2) {
                let u1 = 1.0 - unit(random()); // (0, 1]: ln is finite
                let u2 = unit(random());
                let r = sigma * libm::sqrt(-2.0 * libm::log(u1));
                let t = core::f64::consts::TAU * u2;
                pair[0] = (r * libm::cos(t)) as f32;
                if let Some(second) = pair.get_mut(1) {
                    *second = (r * libm::sin(t)) as f32;
                }
            }
        }
    }
    Ok(())
}

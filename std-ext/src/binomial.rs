//! The binomial distribution (re-exported from [`simkern_core::binomial`]):
//! `pmf`, `logpmf`, `cdf`, `sf`, `logcdf`, `logsf` and `ppf` return plain
//! `f64` (NaN for `p ∉ [0, 1]`).
//!
//! ```
//! assert!((simkern::binomial::pmf(2, 4, 0.5) - 0.375).abs() < 1e-16);
//! assert!(simkern::binomial::logpmf(0, 10, 1.5).is_nan());
//! ```

pub use simkern_core::binomial::{cdf, logcdf, logpmf, logsf, pmf, pmf_into, ppf, sf};

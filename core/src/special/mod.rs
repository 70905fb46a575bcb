//! Special functions behind the distributions and the tests' p-values:
//! Stirling's error and the deviance ([`deviance`]), the regularised
//! incomplete beta ([`beta`]) and the normal tail ([`normal`]). Scalar
//! `f64` code, each function accurate over its whole domain; the public
//! faces are [`crate::binomial`] and the correlation tests.

pub(crate) mod beta;
pub(crate) mod deviance;
pub(crate) mod normal;

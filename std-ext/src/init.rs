//! Variance-preserving initialisation and the mean/variance check (the
//! core's [`simkern_core::init`] and [`simkern_core::moments`]).

pub use simkern_core::init::{Init, fill};
pub use simkern_core::moments::{MeanVariance, mean_variance};

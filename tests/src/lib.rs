//! Naive references and test-data generators for simkern's test suites,
//! fuzz targets and benchmarks.
//!
//! The references are scalar `f64` code written to be obviously right, not
//! fast; where a kernel promises more accuracy than plain `f64` summation
//! gives, the reference uses error-free transformations so that it is the
//! more accurate of the two.
#![deny(missing_docs)]

pub mod data;
pub mod levels;
pub mod precision;
pub mod reference;

//! # simkern
//!
//! Explicit-SIMD kernels for contrastive learning and rank statistics, with
//! an ergonomic `std` API over the `no_std` core ([`simkern_core`]): owned
//! results, scratch space allocated for you, and an [`Error`] that
//! implements [`std::error::Error`].
//!
//! The fastest instruction set the CPU supports (AVX-512, AVX2+FMA, NEON,
//! or the portable path) is picked at run time. [`Kernels`] is the handle
//! for one level: every core kernel is a method of it, and
//! [`Kernels::available`] lists one per level this CPU has.
//!
//! Features (both off by default): `rayon`, multi-core forms of the large
//! kernels (`par_*`, the same bits as the serial ones); `ndarray`, the
//! module `nd`: the kernels over `ndarray` views, results as arrays.
//!
//! ```
//! let q = [1.0f32, 0.0, 0.0, 1.0]; // two rows of dim 2
//! let k = [1.0f32, 1.0, 0.0, 2.0];
//! let s = simkern::similarity_matrix(&q, &k, 2).unwrap();
//! assert_eq!(s, vec![1.0, 0.0, 1.0, 2.0]);
//! assert_eq!(simkern::dot(&[1.0f64, 2.0], &[3.0, 4.0]).unwrap(), 11.0);
//! ```
#![deny(missing_docs)]

// Namespaces: `binomial` (its names would clash: `pmf`, `cdf`, …) and
// `init`; everything else is flat at the root, listed here by name.
mod alloc;
pub mod binomial;
mod diagnostics;
mod infonce;
pub mod init;
mod lse;
#[cfg(feature = "ndarray")]
pub mod nd;
#[cfg(feature = "rayon")]
mod par_rank;
#[cfg(feature = "rayon")]
mod parallel;
mod search;
mod similarity;
mod stats;
mod storage;
mod workspace;

#[cfg(feature = "rayon")]
pub use diagnostics::par_uniformity;
pub use diagnostics::{Anisotropy, alignment, anisotropy, gram_sum, mean_cosine, uniformity};
pub use half;
pub use infonce::{InfoNce, InfoNceGrad};
pub use lse::{
    OnlineLse, log_softmax, log_softmax_into, log_softmax_rows, logsumexp, logsumexp_rows,
    logsumexp_weighted, softmax, softmax_into, softmax_rows,
};
#[cfg(feature = "rayon")]
pub use par_rank::par_rank;
#[cfg(feature = "rayon")]
pub use parallel::{Executor, Rayon, Serial};
#[cfg(feature = "rayon")]
pub use search::par_top_k;
pub use search::{KeyIndex, Metric, TopK, top_k};
#[cfg(feature = "rayon")]
pub use similarity::par_similarity_matrix;
pub use similarity::{
    cosine, cosine_fast, dot, dot_fast, l2_squared, l2_squared_fast, norm, normalize, similarity_matrix,
    similarity_matrix_into, similarity_matrix_on, similarity_matrix_strided,
};
pub use simkern_core::{
    Blocking, Caches, Cpu, Error, FastElement, Float, Kernels, Level, MatRef, Result, StridedMatRef, Value,
};
#[cfg(feature = "rayon")]
pub use stats::par_spearman;
pub use stats::{
    Alternative, CorrelationTest, NanPolicy, Ties, kendall_tau_b, kendall_tau_b_test, kendall_tau_b_with,
    kendall_tau_c, pearson, pearson_matrix, pearson_test, pearson_with, rank, rank_with, spearman,
    spearman_matrix, spearman_test, spearman_with,
};
pub use storage::{Element, MatrixElement};
pub use workspace::Workspace;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

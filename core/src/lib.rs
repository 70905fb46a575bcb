//! # simkern-core
//!
//! Explicit-SIMD numeric kernels for contrastive learning and rank
//! statistics, for `#![no_std]` programs without an allocator: outputs and
//! scratch space are caller slices.
//!
//! Every kernel is written once against a small lane trait and compiled per
//! instruction set (AVX-512, AVX2+FMA, NEON, and a portable `wide` path);
//! the fastest level the CPU supports is chosen at run time
//! ([`Level::best`]). Every kernel is a method of [`Kernels`], a `Copy`
//! handle for a level this CPU has; the free functions call it at the
//! best level, and [`Kernels::available`] runs each path on its own.
//!
//! Modules, one per capability:
//! - [`similarity`]: `dot`, `norm`, `l2_squared`, `cosine`, `normalize`,
//!   and the similarity matrix `S = Q·Kᵀ` (a register- and cache-blocked
//!   micro-kernel, the engine the InfoNCE kernels build on);
//! - [`search`]: the vector passes of a top-`k` selection over blocks of
//!   scores (chunk bounds, squared distances from dot products);
//! - [`lse`]: vector `exp`, `logsumexp`, `softmax`, `log_softmax`, the
//!   softmax VJP and the streaming [`lse::OnlineLse`];
//! - [`infonce`]: the fused, streaming InfoNCE loss and its gradient;
//! - [`diagnostics`]: alignment, uniformity, anisotropy of an embedding space;
//! - [`rank`]: ranks with ties (radix argsort on order-preserving keys);
//! - [`correlation`]: Pearson, Spearman, Kendall τ-b and τ-c in `f64`;
//! - [`significance`]: their tests (p-values as SciPy);
//! - [`correlation_matrix`]: Pearson and Spearman matrices over the columns of a data matrix;
//! - [`binomial`]: pmf, logpmf (Loader), cdf, sf, their logs, ppf (the incomplete beta);
//! - [`moments`]: mean and variance;
//! - [`init`]: Xavier / He initialisation.
//!
//! ```
//! use simkern_core::similarity::{cosine, dot};
//! let a = [1.0f32, 2.0, 3.0];
//! let b = [3.0f32, 2.0, 1.0];
//! assert_eq!(dot(&a, &b).unwrap(), 10.0);
//! assert!((cosine(&a, &b).unwrap() - 10.0 / 14.0).abs() < 1e-7);
//! // The same kernels at every level this CPU has, one by one:
//! for &k in simkern_core::Kernels::available() {
//!     assert_eq!(k.dot(&a, &b).unwrap(), 10.0);
//! }
//! ```
#![no_std]
#![deny(missing_docs)]
// Unsafe code lives in `simd/` alone (allowed on that module below).
#![deny(unsafe_code)]

pub mod binomial;
mod blocking;
pub mod correlation;
pub mod correlation_matrix;
mod cpu;
pub mod diagnostics;
mod error;
pub mod executor;
pub mod float;
mod gemm;
pub mod infonce;
pub mod init;
mod level;
pub mod lse;
mod math;
mod matrix;
pub mod moments;
mod peak;
pub mod rank;
mod sample;
pub mod search;
pub mod significance;
#[allow(unsafe_code)]
mod simd;
pub mod similarity;
mod special;

pub use blocking::Blocking;
pub use cpu::{Caches, Cpu};
pub use error::{Error, Result, Value};
pub use float::{FastElement, Float};
/// The `half` crate, whose `f16` and `bf16` the fast tier reads.
pub use half;
pub use level::Level;
pub use matrix::{MatRef, StridedMatRef};
pub use sample::Sample;
pub use simd::Kernels;

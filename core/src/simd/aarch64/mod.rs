//! aarch64 NEON (Advanced SIMD): 4 `f32` / 2 `f64` lanes. NEON is part of
//! the aarch64 baseline, so the token is always available.

mod neon;

pub(crate) use neon::Neon;

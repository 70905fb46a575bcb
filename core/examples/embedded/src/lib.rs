//! simkern-core on a microcontroller: no `std`, no allocator, caller
//! buffers only — dot, cosine, the similarity matrix, logsumexp and ranks. Built as a static library for `thumbv7em-none-eabihf`:
//!
//! ```text
//! cargo build --release --target thumbv7em-none-eabihf \
//!     --manifest-path core/examples/embedded/Cargo.toml
//! ```
#![no_std]

use simkern_core::MatRef;
use simkern_core::lse::logsumexp;
use simkern_core::rank::{NanPolicy, Ties, rank_into, rank_scratch_len};
use simkern_core::similarity::{cosine, dot, similarity_matrix_into, similarity_matrix_scratch_len};

/// Scratch for a 4 × 4 similarity matrix of rows of 8 (on the stack: no
/// heap), sized by the library at compile time for this target's levels.
const SCRATCH: usize = similarity_matrix_scratch_len(4, 4, 8);
/// Sort scratch for ranking 8 `f32` values.
const RANK_SCRATCH: usize = rank_scratch_len::<f32>(8);

/// Cosine similarity of two C arrays; NaN on bad input.
///
/// # Safety
/// `a` and `b` must point to `n` readable `f32` each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn simkern_cosine(a: *const f32, b: *const f32, n: usize) -> f32 {
    // SAFETY: the caller guarantees `n` readable elements behind each pointer.
    let (a, b) = unsafe { (core::slice::from_raw_parts(a, n), core::slice::from_raw_parts(b, n)) };
    cosine(a, b).unwrap_or(f32::NAN)
}

/// Sum of the 4 × 4 similarity matrix of two fixed sets of embeddings,
/// computed into stack buffers, plus a dot product: a smoke test that the
/// whole engine links without an allocator.
#[unsafe(no_mangle)]
pub extern "C" fn simkern_demo() -> f32 {
    let mut q = [0.0f32; 32];
    for (i, x) in q.iter_mut().enumerate() {
        *x = (i % 7) as f32 - 3.0;
    }
    let mut out = [0.0f32; 16];
    let mut scratch = [0.0f32; SCRATCH];
    let (Ok(qm), Ok(d)) = (MatRef::new(&q, 8), dot(&q, &q)) else { return f32::NAN };
    match similarity_matrix_into(qm, qm, &mut out, &mut scratch) {
        Ok(()) => out.iter().sum::<f32>() + d,
        Err(_) => f32::NAN,
    }
}

/// `logsumexp` of a C array (−∞ for `n = 0`).
///
/// # Safety
/// `x` must point to `n` readable `f32`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn simkern_logsumexp(x: *const f32, n: usize) -> f32 {
    // SAFETY: the caller guarantees `n` readable elements.
    let x = unsafe { core::slice::from_raw_parts(x, n) };
    logsumexp(x)
}

/// Average ranks (from 1) of 8 values into `out`, with caller-owned stack
/// scratch: no allocator anywhere. Returns 0, or -1 on bad input (NaN).
///
/// # Safety
/// `x` must point to 8 readable `f32` and `out` to 8 writable `f64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn simkern_rank8(x: *const f32, out: *mut f64) -> i32 {
    // SAFETY: the caller guarantees 8 elements behind each pointer.
    let (x, out) = unsafe { (core::slice::from_raw_parts(x, 8), core::slice::from_raw_parts_mut(out, 8)) };
    let mut scratch = [0u64; RANK_SCRATCH];
    match rank_into(x, Ties::Average, NanPolicy::Raise, out, &mut scratch) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

//! The call whose instructions `.ci/firmware` counts: a 19-element `f32`
//! dot product in the fast tier, between two markers that the count finds
//! by their addresses in qemu's execution trace.

use core::hint::black_box;

/// Where the count starts (its address is looked up in the symbol table).
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn simkern_count_begin() {
    black_box(1u8);
}

/// Where the count stops.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn simkern_count_end() {
    black_box(2u8);
}

/// `dot_fast` of two fixed vectors of 19, as an application calls it
/// (through the free function: level dispatch included).
pub fn dot_fast_19() {
    let a: [f32; 19] = core::array::from_fn(|i| 0.25 + i as f32 * 0.125);
    let b: [f32; 19] = core::array::from_fn(|i| 1.0 - i as f32 * 0.0625);
    let (a, b) = (black_box(a), black_box(b));
    simkern_count_begin();
    let d = simkern_core::similarity::dot_fast(&a, &b);
    simkern_count_end();
    black_box(d.ok());
}

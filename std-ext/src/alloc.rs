//! Allocation that reports failure as [`Error::OutOfMemory`] instead of
//! aborting.

use simkern_core::{Error, Result};

/// `len` default values (zeros), or [`Error::OutOfMemory`] with the bytes
/// that could not be had.
pub(crate) fn zeroed<T: Default + Clone>(len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    reserve_to(&mut v, len)?;
    v.resize(len, T::default());
    Ok(v)
}

/// Room for `len` elements in `v` (which holds `v.len()`), or
/// [`Error::OutOfMemory`] with the bytes that could not be had.
pub(crate) fn reserve_to<T>(v: &mut Vec<T>, len: usize) -> Result<()> {
    v.try_reserve_exact(len.saturating_sub(v.len()))
        .map_err(|_| Error::OutOfMemory { bytes: len.saturating_mul(size_of::<T>()) })
}

/// [`zeroed`] for a large result of a parallel kernel: the zeros written
/// by all of rayon's threads, so that the first touch of the pages (the
/// kernel's page faults) is shared out too.
#[cfg(feature = "rayon")]
pub(crate) fn zeroed_on_all_cores(len: usize) -> Result<Vec<f32>> {
    use rayon::prelude::*;
    let mut v = Vec::new();
    reserve_to(&mut v, len)?;
    v.par_extend(rayon::iter::repeat_n(0.0f32, len));
    Ok(v)
}

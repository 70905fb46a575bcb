//! Allocation that reports failure as [`Error::OutOfMemory`] instead of
//! aborting.

use simkern_core::{Error, Result};

/// `len` default values (zeros), or [`Error::OutOfMemory`] with the bytes
/// that could not be had.
pub(crate) fn zeroed<T: Default + Clone>(len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::OutOfMemory { bytes: len.saturating_mul(size_of::<T>()) })?;
    v.resize(len, T::default());
    Ok(v)
}

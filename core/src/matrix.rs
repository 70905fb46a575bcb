//! Row-major matrix views whose shape is checked once, at construction.

use crate::error::{Error, Result};

/// A borrowed row-major matrix: `rows × dim` elements in one slice.
///
/// ```
/// use simkern_core::MatRef;
/// let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let m = MatRef::new(&data, 3).unwrap();
/// assert_eq!((m.rows(), m.dim()), (2, 3));
/// assert_eq!(m.row(1), &[4.0, 5.0, 6.0]);
/// assert!(MatRef::new(&data, 4).is_err());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    dim: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// Views `data` as rows of `dim` elements.
    ///
    /// Fails with [`Error::ZeroDimension`] when `dim == 0` and with
    /// [`Error::NotMultipleOfDim`] when `data.len() % dim != 0`.
    ///
    /// ```
    /// use simkern_core::{Error, MatRef};
    /// assert!(matches!(MatRef::new(&[0.0f32; 5], 0), Err(Error::ZeroDimension)));
    /// ```
    pub fn new(data: &'a [T], dim: usize) -> Result<Self> {
        Self::named("matrix", data, dim)
    }

    /// Like [`MatRef::new`], naming the matrix in the error message.
    ///
    /// ```
    /// use simkern_core::MatRef;
    /// let err = MatRef::named("q", &[0.0f32; 5], 2).unwrap_err();
    /// assert_eq!(err.to_string(), "q has 5 elements, which is not a multiple of dim = 2");
    /// ```
    pub fn named(name: &'static str, data: &'a [T], dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::ZeroDimension);
        }
        if !data.len().is_multiple_of(dim) {
            return Err(Error::NotMultipleOfDim { name, len: data.len(), dim });
        }
        Ok(MatRef { data, rows: data.len() / dim, dim })
    }

    /// Number of rows.
    ///
    /// ```
    /// # use simkern_core::MatRef;
    /// assert_eq!(MatRef::new(&[0.0f32; 6], 2).unwrap().rows(), 3);
    /// ```
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row length.
    ///
    /// ```
    /// # use simkern_core::MatRef;
    /// assert_eq!(MatRef::new(&[0.0f32; 6], 2).unwrap().dim(), 2);
    /// ```
    #[inline]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The underlying slice, `rows · dim` elements.
    ///
    /// ```
    /// # use simkern_core::MatRef;
    /// assert_eq!(MatRef::new(&[1.0f32, 2.0], 1).unwrap().as_slice(), &[1.0, 2.0]);
    /// ```
    #[inline]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Row `i`. Panics if `i >= rows()`.
    ///
    /// ```
    /// # use simkern_core::MatRef;
    /// assert_eq!(MatRef::new(&[1.0f32, 2.0], 1).unwrap().row(1), &[2.0]);
    /// ```
    #[inline]
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows in order, each `dim()` long.
    ///
    /// ```
    /// # use simkern_core::MatRef;
    /// let m = MatRef::new(&[1.0f32, 2.0, 3.0, 4.0], 2).unwrap();
    /// assert!(m.iter_rows().eq([&[1.0, 2.0][..], &[3.0, 4.0]]));
    /// ```
    #[inline]
    pub fn iter_rows(&self) -> core::slice::ChunksExact<'a, T> {
        // `dim` is at least 1 (checked by `new`); `max` only shows it.
        self.data.chunks_exact(self.dim.max(1))
    }

    /// Rows `start..end` as a matrix. Panics if the range is out of bounds.
    ///
    /// ```
    /// # use simkern_core::MatRef;
    /// let m = MatRef::new(&[1.0f32, 2.0, 3.0], 1).unwrap();
    /// assert_eq!(m.rows_range(1, 3).as_slice(), &[2.0, 3.0]);
    /// ```
    #[inline]
    pub fn rows_range(&self, start: usize, end: usize) -> MatRef<'a, T> {
        MatRef { data: &self.data[start * self.dim..end * self.dim], rows: end - start, dim: self.dim }
    }
}

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

/// A borrowed matrix of any non-negative strides: element `(i, j)` of the
/// `rows × dim` matrix at `data[i·row_stride + j·col_stride]` — rows
/// padded past `dim`, a column-major (Fortran-order) matrix, a block of a
/// larger one, every other row — checked once, at construction, to lie
/// inside `data`. The GEMM packs its operands from such a view as it
/// packs row-major ones (the same panels, so the same products bit for
/// bit), without a copy.
///
/// ```
/// use simkern_core::{MatRef, StridedMatRef};
/// // Two rows of 2 stored with a stride of 3 (one padding element each).
/// let data = [1.0f32, 2.0, 9.0, 3.0, 4.0];
/// let m = StridedMatRef::new(&data, 2, 2, 3, 1)?;
/// assert_eq!((m.get(1, 0), m.get(1, 1), m.get(2, 0)), (Some(&3.0), Some(&4.0), None));
/// // The same numbers column-major: (i, j) at 2j + i.
/// let f = StridedMatRef::new(&[1.0f32, 3.0, 2.0, 4.0], 2, 2, 1, 2)?;
/// assert_eq!(f.get(0, 1), Some(&2.0));
/// assert!(StridedMatRef::new(&data, 3, 2, 3, 1).is_err()); // would reach 8 elements
/// let r: StridedMatRef<f32> = MatRef::new(&data[..4], 2)?.into();
/// assert_eq!(r.row_stride(), 2);
/// # Ok::<(), simkern_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StridedMatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    dim: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T> StridedMatRef<'a, T> {
    /// Views `data` as `rows × dim` with the given strides.
    ///
    /// Errors: `dim == 0` (`ZeroDimension`), a view that reaches past
    /// `data` (`ViewOutOfBounds`), a reach that overflows (`SizeOverflow`).
    ///
    /// ```
    /// use simkern_core::StridedMatRef;
    /// assert!(StridedMatRef::new(&[0.0f32; 4], 2, 0, 2, 1).is_err());
    /// assert_eq!(StridedMatRef::new(&[0.0f32; 0], 0, 5, 5, 1)?.rows(), 0);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn new(data: &'a [T], rows: usize, dim: usize, row_stride: usize, col_stride: usize) -> Result<Self> {
        Self::named("matrix", data, rows, dim, row_stride, col_stride)
    }

    /// Like [`StridedMatRef::new`], naming the matrix in the error message.
    ///
    /// ```
    /// use simkern_core::StridedMatRef;
    /// let err = StridedMatRef::named("k", &[0.0f32; 5], 2, 3, 3, 1).unwrap_err();
    /// assert_eq!(err.to_string(), "k: the view reaches 6 elements, its slice has 5");
    /// ```
    pub fn named(
        name: &'static str,
        data: &'a [T],
        rows: usize,
        dim: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Result<Self> {
        if dim == 0 {
            return Err(Error::ZeroDimension);
        }
        if rows > 0 {
            let last = (rows - 1)
                .checked_mul(row_stride)
                .and_then(|r| (dim - 1).checked_mul(col_stride).and_then(|c| r.checked_add(c)))
                .ok_or(Error::SizeOverflow)?;
            if last >= data.len() {
                return Err(Error::ViewOutOfBounds { name, reaches: last + 1, len: data.len() });
            }
        }
        Ok(StridedMatRef { data, rows, dim, row_stride, col_stride })
    }

    /// Number of rows.
    ///
    /// ```
    /// # use simkern_core::StridedMatRef;
    /// assert_eq!(StridedMatRef::new(&[0.0f32; 6], 3, 2, 2, 1)?.rows(), 3);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row length.
    ///
    /// ```
    /// # use simkern_core::StridedMatRef;
    /// assert_eq!(StridedMatRef::new(&[0.0f32; 6], 3, 2, 1, 3)?.dim(), 2);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Elements from one row to the next.
    ///
    /// ```
    /// # use simkern_core::StridedMatRef;
    /// assert_eq!(StridedMatRef::new(&[0.0f32; 6], 2, 2, 4, 1)?.row_stride(), 4);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn row_stride(&self) -> usize {
        self.row_stride
    }

    /// Elements from one column to the next.
    ///
    /// ```
    /// # use simkern_core::StridedMatRef;
    /// assert_eq!(StridedMatRef::new(&[0.0f32; 6], 2, 3, 1, 2)?.col_stride(), 2);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn col_stride(&self) -> usize {
        self.col_stride
    }

    /// The slice the view reads from.
    ///
    /// ```
    /// # use simkern_core::StridedMatRef;
    /// let data = [1.0f32, 2.0, 3.0];
    /// assert_eq!(StridedMatRef::new(&data, 2, 1, 2, 1)?.as_slice().len(), 3);
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Element `(i, j)`, or `None` outside the matrix.
    ///
    /// ```
    /// # use simkern_core::StridedMatRef;
    /// let m = StridedMatRef::new(&[1.0f32, 2.0, 3.0, 4.0], 2, 2, 1, 2)?;
    /// assert_eq!(m.get(1, 0), Some(&2.0));
    /// # Ok::<(), simkern_core::Error>(())
    /// ```
    pub fn get(&self, i: usize, j: usize) -> Option<&'a T> {
        if i < self.rows && j < self.dim {
            self.data.get(i * self.row_stride + j * self.col_stride)
        } else {
            None
        }
    }
}

impl<'a, T> From<MatRef<'a, T>> for StridedMatRef<'a, T> {
    fn from(m: MatRef<'a, T>) -> Self {
        StridedMatRef { data: m.as_slice(), rows: m.rows(), dim: m.dim(), row_stride: m.dim(), col_stride: 1 }
    }
}

//! The error type shared by every kernel: `Copy`, allocation-free, and
//! naming the numbers that made an input invalid.

use core::fmt;

use crate::level::Level;

/// Why a kernel refused its input.
///
/// Every variant carries the sizes involved so that the message says what
/// was wrong, e.g. `length mismatch: a has 768 elements, b has 767`.
///
/// ```
/// use simkern_core::{Error, similarity};
/// let err = similarity::dot(&[1.0f32, 2.0], &[1.0]).unwrap_err();
/// assert_eq!(err.to_string(), "length mismatch: a has 2 elements, b has 1");
/// assert!(matches!(err, Error::LengthMismatch { .. }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two inputs that must have the same length do not.
    LengthMismatch {
        /// Name of the first input.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// Name of the second input.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },
    /// A row length (`dim`) of zero was given.
    ZeroDimension,
    /// A flat row-major buffer whose length is not a multiple of its row length.
    NotMultipleOfDim {
        /// Name of the matrix.
        name: &'static str,
        /// Its length in elements.
        len: usize,
        /// The row length it was given.
        dim: usize,
    },
    /// Two matrices whose row lengths differ.
    DimMismatch {
        /// Name of the first matrix.
        left: &'static str,
        /// Its row length.
        left_dim: usize,
        /// Name of the second matrix.
        right: &'static str,
        /// Its row length.
        right_dim: usize,
    },
    /// An output buffer of the wrong size.
    OutputSize {
        /// Elements the kernel writes.
        needed: usize,
        /// Elements the buffer has.
        got: usize,
    },
    /// A caller-provided scratch buffer is shorter than the kernel needs.
    ScratchTooSmall {
        /// Elements needed (see the kernel's `*_scratch_len`).
        needed: usize,
        /// Elements given.
        got: usize,
    },
    /// A shape whose element count does not fit in `usize`.
    SizeOverflow,
    /// A parameter outside its domain (e.g. a temperature that is not
    /// positive and finite).
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
        /// The value given, in the type it was given in.
        value: Value,
    },
    /// An input that must not be empty is.
    Empty {
        /// Name of the input.
        name: &'static str,
    },
    /// Two matrices whose row counts must agree do not.
    RowMismatch {
        /// Name of the first matrix.
        left: &'static str,
        /// Its rows.
        left_rows: usize,
        /// Name of the second matrix.
        right: &'static str,
        /// Its rows.
        right_rows: usize,
    },
    /// A list with one entry per query row (the positives of InfoNCE) of
    /// the wrong length.
    PerRowLength {
        /// Name of the list.
        name: &'static str,
        /// Its length.
        len: usize,
        /// Name of the matrix whose rows it follows.
        matrix: &'static str,
        /// That matrix's rows.
        rows: usize,
    },
    /// An index (e.g. of a positive key) past the end.
    IndexOutOfRange {
        /// Position of the index in its list.
        at: usize,
        /// The index.
        index: usize,
        /// The number of valid targets.
        len: usize,
    },
    /// A NaN where the policy says to raise an error.
    NanInput {
        /// Name of the input.
        name: &'static str,
    },
    /// The symmetric (CLIP) InfoNCE with explicit positives: undefined when
    /// there are more keys than queries.
    SymmetricWithPositives,
    /// A level was forced that this CPU (or this build's target) lacks.
    LevelUnavailable {
        /// The level that was asked for.
        level: Level,
    },
    /// An output or scratch allocation (by the `std` API) could not be made.
    OutOfMemory {
        /// The size of the allocation that failed.
        bytes: usize,
    },
    /// A strided view whose last element lies past the end of its slice.
    ViewOutOfBounds {
        /// Name of the matrix.
        name: &'static str,
        /// Elements the view reaches (its last element's position + 1).
        reaches: usize,
        /// Elements the slice has.
        len: usize,
    },
}

impl Error {
    /// A one-byte number for the variant, stable across releases (a new
    /// variant gets the next number): what firmware logs or returns over
    /// FFI when a message costs too much flash. `Display` (the message
    /// with its numbers) pulls in integer formatting, and — with the
    /// default `float-display` feature — float formatting for
    /// [`Error::InvalidParameter`] (~3 KB of flash without it, ~17 KB
    /// with it, on a Cortex-M4); `code` pulls in nothing.
    ///
    /// | code | variant |
    /// |---:|---|
    /// | 1 | [`Error::LengthMismatch`] |
    /// | 2 | [`Error::ZeroDimension`] |
    /// | 3 | [`Error::NotMultipleOfDim`] |
    /// | 4 | [`Error::DimMismatch`] |
    /// | 5 | [`Error::OutputSize`] |
    /// | 6 | [`Error::ScratchTooSmall`] |
    /// | 7 | [`Error::SizeOverflow`] |
    /// | 8 | [`Error::InvalidParameter`] |
    /// | 9 | [`Error::Empty`] |
    /// | 10 | [`Error::RowMismatch`] |
    /// | 11 | [`Error::PerRowLength`] |
    /// | 12 | [`Error::IndexOutOfRange`] |
    /// | 13 | [`Error::NanInput`] |
    /// | 14 | [`Error::SymmetricWithPositives`] |
    /// | 15 | [`Error::LevelUnavailable`] |
    /// | 16 | [`Error::OutOfMemory`] |
    /// | 17 | [`Error::ViewOutOfBounds`] |
    ///
    /// ```
    /// use simkern_core::{Error, similarity};
    /// let err = similarity::dot(&[1.0f32, 2.0], &[1.0]).unwrap_err();
    /// assert_eq!(err.code(), 1);
    /// assert_eq!(Error::ZeroDimension.code(), 2);
    /// ```
    pub const fn code(&self) -> u8 {
        match self {
            Error::LengthMismatch { .. } => 1,
            Error::ZeroDimension => 2,
            Error::NotMultipleOfDim { .. } => 3,
            Error::DimMismatch { .. } => 4,
            Error::OutputSize { .. } => 5,
            Error::ScratchTooSmall { .. } => 6,
            Error::SizeOverflow => 7,
            Error::InvalidParameter { .. } => 8,
            Error::Empty { .. } => 9,
            Error::RowMismatch { .. } => 10,
            Error::PerRowLength { .. } => 11,
            Error::IndexOutOfRange { .. } => 12,
            Error::NanInput { .. } => 13,
            Error::SymmetricWithPositives => 14,
            Error::LevelUnavailable { .. } => 15,
            Error::OutOfMemory { .. } => 16,
            Error::ViewOutOfBounds { .. } => 17,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch { left, left_len, right, right_len } => {
                write!(f, "length mismatch: {left} has {left_len} elements, {right} has {right_len}")
            }
            Error::ZeroDimension => f.write_str("dimension is zero: rows must have at least one element"),
            Error::NotMultipleOfDim { name, len, dim } => {
                write!(f, "{name} has {len} elements, which is not a multiple of dim = {dim}")
            }
            Error::DimMismatch { left, left_dim, right, right_dim } => {
                write!(
                    f,
                    "row length mismatch: {left} has rows of {left_dim}, {right} has rows of {right_dim}"
                )
            }
            Error::OutputSize { needed, got } => {
                write!(f, "output buffer has {got} elements, the kernel writes {needed}")
            }
            Error::ScratchTooSmall { needed, got } => {
                write!(f, "scratch too small: {got} elements given, {needed} needed")
            }
            Error::SizeOverflow => f.write_str("shape is too large: element count overflows usize"),
            Error::InvalidParameter { name, expected, value } => {
                write!(f, "{name} must be {expected}, got {value}")
            }
            Error::Empty { name } => write!(f, "{name} is empty"),
            Error::RowMismatch { left, left_rows, right, right_rows } => {
                write!(f, "row count mismatch: {left} has {left_rows} rows, {right} has {right_rows}")
            }
            Error::PerRowLength { name, len, matrix, rows } => {
                write!(f, "{name} has {len} entries, but {matrix} has {rows} rows (one entry per row)")
            }
            Error::IndexOutOfRange { at, index, len } => {
                write!(f, "index {index} at position {at} is out of range for {len} rows")
            }
            Error::NanInput { name } => write!(f, "{name} contains NaN (NanPolicy::Raise)"),
            Error::SymmetricWithPositives => f.write_str(
                "the symmetric loss is undefined with explicit positives (keys may outnumber queries)",
            ),
            Error::LevelUnavailable { level } => {
                write!(f, "SIMD level {level:?} is not available on this CPU or target")
            }
            Error::OutOfMemory { bytes } => write!(f, "could not allocate {bytes} bytes"),
            Error::ViewOutOfBounds { name, reaches, len } => {
                write!(f, "{name}: the view reaches {reaches} elements, its slice has {len}")
            }
        }
    }
}

impl core::error::Error for Error {}

/// A parameter's value as it was given, so that an error prints it at its
/// own precision (an `f32` temperature of `-0.05` as `-0.05`, not as the
/// `f64` `-0.05000000074505806` it widens to).
///
/// ```
/// use simkern_core::{Error, infonce::InfoNce};
/// let err = InfoNce::new(-0.05).unwrap_err();
/// assert_eq!(err.to_string(), "temperature must be positive and finite, got -0.05");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An `f32` parameter.
    F32(f32),
    /// An `f64` parameter.
    F64(f64),
    /// A count (rows, pairs, a fan-in).
    Count(usize),
}

impl Value {
    /// Whether the value is NaN.
    ///
    /// ```
    /// assert!(simkern_core::Value::F32(f32::NAN).is_nan());
    /// assert!(!simkern_core::Value::Count(3).is_nan());
    /// ```
    pub fn is_nan(self) -> bool {
        match self {
            Value::F32(v) => v.is_nan(),
            Value::F64(v) => v.is_nan(),
            Value::Count(_) => false,
        }
    }
}

/// Decimal with the `float-display` feature (the default); an exact hex
/// float without it, which needs no float formatting code.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            #[cfg(feature = "float-display")]
            Value::F32(v) => write!(f, "{v}"),
            #[cfg(feature = "float-display")]
            Value::F64(v) => write!(f, "{v}"),
            #[cfg(not(feature = "float-display"))]
            Value::F32(v) => write_hex_float(f, u64::from(v.to_bits()), 23, 8),
            #[cfg(not(feature = "float-display"))]
            Value::F64(v) => write_hex_float(f, v.to_bits(), 52, 11),
            Value::Count(n) => write!(f, "{n}"),
        }
    }
}

/// Writes the IEEE value with `mant` fraction bits and `exp` exponent bits
/// held in `bits` as a C99 hex float (`-0x1.99999ap-5`, `0x0p+0`, `inf`,
/// `nan`; every fraction digit shown): exact, and readable back by C's
/// `strtod` or Python's `float.fromhex`.
#[cfg_attr(feature = "float-display", allow(dead_code))]
fn write_hex_float(f: &mut fmt::Formatter<'_>, bits: u64, mant: u32, exp: u32) -> fmt::Result {
    if bits >> (mant + exp) & 1 == 1 {
        f.write_str("-")?;
    }
    let fraction = bits & ((1 << mant) - 1);
    let biased = ((bits >> mant) & ((1 << exp) - 1)) as u32;
    let max = (1 << exp) - 1;
    if biased == max {
        return f.write_str(if fraction == 0 { "inf" } else { "nan" });
    }
    if biased == 0 && fraction == 0 {
        return f.write_str("0x0p+0");
    }
    // Normal: 1.fraction · 2^(e − bias); subnormal: 0.fraction · 2^(1 − bias).
    // (Pieces as strings and the exponent as a `u32`: on a 32-bit target a
    // `u64` or `i32` in decimal would pull in 64-bit division and more
    // formatting code.)
    let bias = max >> 1;
    let (lead, e) = if biased == 0 { ("0x0.", 1) } else { ("0x1.", biased) };
    // The fraction in whole hex digits, left-aligned (trailing zeros kept:
    // still exact and valid C99, and fewer instructions).
    let digits = mant.div_ceil(4);
    let frac = fraction << (4 * digits - mant);
    let (esign, magnitude) = if e < bias { ("-", bias - e) } else { ("+", e - bias) };
    write!(f, "{lead}{frac:0width$x}p{esign}{magnitude}", width = digits as usize)
}

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Checks that two slices have equal length, naming them in the error.
#[inline]
pub(crate) fn same_len(
    left: &'static str,
    left_len: usize,
    right: &'static str,
    right_len: usize,
) -> Result<()> {
    if left_len == right_len {
        Ok(())
    } else {
        Err(Error::LengthMismatch { left, left_len, right, right_len })
    }
}

/// Checks that two matrices have rows of the same length, naming them in
/// the error.
#[inline]
pub(crate) fn same_dim(
    left: &'static str,
    left_dim: usize,
    right: &'static str,
    right_dim: usize,
) -> Result<()> {
    if left_dim == right_dim { Ok(()) } else { Err(Error::DimMismatch { left, left_dim, right, right_dim }) }
}

/// Checks that two matrices have the same number of rows, naming them.
#[inline]
pub(crate) fn same_rows(
    left: &'static str,
    left_rows: usize,
    right: &'static str,
    right_rows: usize,
) -> Result<()> {
    if left_rows == right_rows {
        Ok(())
    } else {
        Err(Error::RowMismatch { left, left_rows, right, right_rows })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::{format, string::String};

    use super::*;

    struct Hex(u64, u32, u32);

    impl fmt::Display for Hex {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write_hex_float(f, self.0, self.1, self.2)
        }
    }

    fn hex32(v: f32) -> String {
        format!("{}", Hex(u64::from(v.to_bits()), 23, 8))
    }

    fn hex64(v: f64) -> String {
        format!("{}", Hex(v.to_bits(), 52, 11))
    }

    #[test]
    fn hex_floats_are_exact_c99() {
        // C's printf("%a") of each, padded to whole fraction digits (which
        // strtod and float.fromhex read back to the same value).
        assert_eq!(hex32(-0.05), "-0x1.99999ap-5");
        assert_eq!(hex32(1.0), "0x1.000000p+0");
        assert_eq!(hex32(0.0), "0x0p+0");
        assert_eq!(hex32(-0.0), "-0x0p+0");
        assert_eq!(hex32(f32::MIN_POSITIVE / 2.0), "0x0.800000p-126");
        assert_eq!(hex32(f32::from_bits(1)), "0x0.000002p-126");
        assert_eq!(hex32(f32::MAX), "0x1.fffffep+127");
        assert_eq!(hex32(f32::NEG_INFINITY), "-inf");
        assert_eq!(hex32(f32::NAN), "nan");
        assert_eq!(hex64(0.1), "0x1.999999999999ap-4");
        assert_eq!(hex64(3.0), "0x1.8000000000000p+1");
        assert_eq!(hex64(f64::from_bits(1)), "0x0.0000000000001p-1022");
    }

    #[test]
    fn codes_are_distinct_and_dense() {
        let level = Level::Portable;
        let all = [
            Error::LengthMismatch { left: "a", left_len: 1, right: "b", right_len: 2 },
            Error::ZeroDimension,
            Error::NotMultipleOfDim { name: "x", len: 3, dim: 2 },
            Error::DimMismatch { left: "q", left_dim: 1, right: "k", right_dim: 2 },
            Error::OutputSize { needed: 1, got: 2 },
            Error::ScratchTooSmall { needed: 2, got: 1 },
            Error::SizeOverflow,
            Error::InvalidParameter { name: "t", expected: "positive", value: Value::Count(0) },
            Error::Empty { name: "x" },
            Error::RowMismatch { left: "x", left_rows: 1, right: "y", right_rows: 2 },
            Error::PerRowLength { name: "pos", len: 1, matrix: "q", rows: 2 },
            Error::IndexOutOfRange { at: 0, index: 5, len: 2 },
            Error::NanInput { name: "x" },
            Error::SymmetricWithPositives,
            Error::LevelUnavailable { level },
            Error::OutOfMemory { bytes: 8 },
        ];
        for (i, e) in all.iter().enumerate() {
            assert_eq!(usize::from(e.code()), i + 1, "{e}");
        }
    }
}

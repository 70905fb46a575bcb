//! Storage types for the vector kernels: `dot`, `cosine` and `l2_squared`
//! over `f32`, `f64`, `half::f16`, `half::bf16` and `i8`, and the
//! similarity matrix over `f32`, `f16`, `bf16` and `i8`.
//!
//! | element | `dot`, `l2_squared` | `cosine` | `similarity_matrix` |
//! |---|---|---|---|
//! | `f32`, `f64` | the element type | the element type | `f32` |
//! | `f16`, `bf16` | `f32` | `f32` | `f32` |
//! | `i8` | `i64`, exact | `f32` | `i32`, exact |
//!
//! Half-precision inputs are widened exactly to `f32` in the registers and
//! accumulated in `f32` — the fast tier of
//! [`simkern_core::similarity`]: blocked chains,
//! `|ŝ − s| ≤ γ₃₅ · Σ|aᵢbᵢ| + ½ ulp(s)` whatever the length (products of
//! two half values are exact in `f32`). The `f16` matrix widens both
//! sides to `f32` and runs the `f32` engine; the `bf16` matrix runs on the
//! AMX tiles where the CPU has them ([`simkern_core::Level::Amx`]), else
//! on the `f32` engine over blocks widened as it goes (either way
//! `|ŝ − s| ≤ γ_d · Σ|q_ik k_jk|`, and on the tiles at most `2⁻¹²⁶` more
//! per product from their flush of subnormals to zero). `i8` products are summed exactly: in
//! integers, or (matrix rows of at most 2¹⁰) in the `f32` engine, where
//! every partial sum is an integer below 2²⁴.

use half::{bf16, f16};
use simkern_core::{Error, Kernels, Level, MatRef, Result, StridedMatRef};

use crate::alloc::zeroed;

/// An element type of the vector kernels. Sealed.
///
/// ```
/// use half::bf16;
/// let a = [bf16::from_f32(1.5), bf16::from_f32(-2.0)];
/// assert_eq!(simkern::dot(&a, &a).unwrap(), 6.25f32);
/// assert_eq!(simkern::dot(&[3i8, -4], &[3, -4]).unwrap(), 25i64);
/// ```
pub trait Element: Copy + sealed::Sealed {
    /// What [`crate::dot`] and [`crate::l2_squared`] return.
    type Sum;
    /// What [`crate::cosine`] returns.
    type Cosine;
    /// `Σ aᵢbᵢ`.
    fn dot(a: &[Self], b: &[Self]) -> Result<Self::Sum>;
    /// `Σ (aᵢ − bᵢ)²`.
    fn l2_squared(a: &[Self], b: &[Self]) -> Result<Self::Sum>;
    /// `a·b / (‖a‖ ‖b‖)`, 0 for a zero vector.
    fn cosine(a: &[Self], b: &[Self]) -> Result<Self::Cosine>;
}

/// An element type of [`crate::similarity_matrix`], [`crate::top_k`] and
/// [`crate::KeyIndex`]. Sealed.
///
/// ```
/// use half::f16;
/// let q = [f16::from_f32(0.5), f16::from_f32(2.0)];
/// assert_eq!(simkern::similarity_matrix(&q, &q, 2).unwrap(), vec![4.25f32]);
/// let hits = simkern::top_k(&[1i8, 0], &[0i8, 3, 2, 1], 2, 1, simkern::Metric::Dot).unwrap();
/// assert_eq!((hits.indices, hits.scores), (vec![1], vec![2.0]));
/// ```
pub trait MatrixElement: Copy + sealed::Sealed {
    /// The matrix's entries.
    type Out;
    /// `S = Q·Kᵀ`, row-major `n × m`.
    fn similarity_matrix(q: &[Self], k: &[Self], dim: usize) -> Result<Vec<Self::Out>>;
    /// `dst[i] = src[i]` widened exactly to `f32` (for the search, which
    /// runs the `f32` engine on blocks of widened rows).
    #[doc(hidden)]
    fn widen_into(src: &[Self], dst: &mut [f32]);
    /// `src` itself where the type is `f32` (nothing to widen).
    #[doc(hidden)]
    fn as_f32(_src: &[Self]) -> Option<&[f32]> {
        None
    }
    /// `src` itself where the type is `f32`.
    #[doc(hidden)]
    fn as_f32_mut(_src: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
    /// Whether the type's dots run on the matrix tiles at `kernels`'
    /// level (`bf16` on [`Level::Amx`]); elsewhere the search widens the
    /// rows onto the `f32` engine.
    #[doc(hidden)]
    fn on_tiles(_kernels: Kernels) -> bool {
        false
    }
    /// Keys packed once for the matrix tiles (where
    /// [`MatrixElement::on_tiles`]).
    #[doc(hidden)]
    fn tile_pack(_kernels: Kernels, _keys: MatRef<'_, Self>) -> Result<Vec<f32>> {
        Err(Error::LevelUnavailable { level: Level::Amx })
    }
    /// `out = Q·Kᵀ` on the tiles for `rows` keys packed by
    /// [`MatrixElement::tile_pack`] (scratch: `bf16_scores_scratch_len`).
    #[doc(hidden)]
    fn tile_scores(
        _kernels: Kernels,
        _q: MatRef<'_, Self>,
        _packed: (&[f32], usize),
        _out: &mut [f32],
        _scratch: &mut [f32],
    ) -> Result<()> {
        Err(Error::LevelUnavailable { level: Level::Amx })
    }
    /// [`MatrixElement::similarity_matrix`] of strided operands: read in
    /// place for `f32` (the engine packs any strides), gathered into
    /// row-major copies for the other types (whose paths widen as they
    /// pack).
    #[doc(hidden)]
    fn similarity_matrix_strided(
        q: StridedMatRef<'_, Self>,
        k: StridedMatRef<'_, Self>,
    ) -> Result<Vec<Self::Out>> {
        let (q, k) = (gathered(q)?, gathered(k)?);
        Self::similarity_matrix(&q.0, &k.0, q.1)
    }
}

/// A strided matrix's elements row-major — borrowed where they already
/// are, else gathered into a fallible allocation — with its row length.
fn gathered<T: Copy>(m: StridedMatRef<'_, T>) -> Result<(std::borrow::Cow<'_, [T]>, usize)> {
    let len = m.rows().checked_mul(m.dim()).ok_or(Error::SizeOverflow)?;
    let row_major = m.col_stride() == 1 && (m.row_stride() == m.dim() || m.rows() <= 1);
    if let Some(rows) = m.as_slice().get(..len).filter(|_| row_major) {
        return Ok((rows.into(), m.dim()));
    }
    let mut rows = Vec::new();
    crate::alloc::reserve_to(&mut rows, len)?;
    for i in 0..m.rows() {
        rows.extend((0..m.dim()).filter_map(|j| m.get(i, j).copied()));
    }
    Ok((rows.into(), m.dim()))
}

/// [`MatrixElement::widen_into`] by a conversion per value.
fn widen_each<T: Copy>(src: &[T], dst: &mut [f32], widen: impl Fn(T) -> f32) {
    for (o, &v) in dst.iter_mut().zip(src) {
        *o = widen(v);
    }
}

macro_rules! float_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            type Sum = $t;
            type Cosine = $t;
            fn dot(a: &[$t], b: &[$t]) -> Result<$t> {
                simkern_core::similarity::dot(a, b)
            }
            fn l2_squared(a: &[$t], b: &[$t]) -> Result<$t> {
                simkern_core::similarity::l2_squared(a, b)
            }
            fn cosine(a: &[$t], b: &[$t]) -> Result<$t> {
                simkern_core::similarity::cosine(a, b)
            }
        }
    )*};
}
float_element!(f32, f64);

macro_rules! half_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            type Sum = f32;
            type Cosine = f32;
            fn dot(a: &[$t], b: &[$t]) -> Result<f32> {
                simkern_core::similarity::dot_fast(a, b)
            }
            fn l2_squared(a: &[$t], b: &[$t]) -> Result<f32> {
                simkern_core::similarity::l2_squared_fast(a, b)
            }
            fn cosine(a: &[$t], b: &[$t]) -> Result<f32> {
                simkern_core::similarity::cosine_fast(a, b)
            }
        }
    )*};
}
half_element!(f16, bf16);

impl MatrixElement for f16 {
    type Out = f32;
    /// Both sides widened to `f32`, then the `f32` engine.
    fn similarity_matrix(q: &[f16], k: &[f16], dim: usize) -> Result<Vec<f32>> {
        crate::similarity_matrix(&widened(q, f16::to_f32)?, &widened(k, f16::to_f32)?, dim)
    }
    fn widen_into(src: &[f16], dst: &mut [f32]) {
        widen_each(src, dst, f16::to_f32);
    }
}

impl MatrixElement for bf16 {
    type Out = f32;
    /// [`simkern_core::Kernels::similarity_matrix_bf16_into`]: on the AMX
    /// tiles where the CPU has them, else widened block by block onto the
    /// `f32` engine.
    fn similarity_matrix(q: &[bf16], k: &[bf16], dim: usize) -> Result<Vec<f32>> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        let kernels = simkern_core::Kernels::best();
        let mut out = zeroed::<f32>(qm.rows().checked_mul(km.rows()).ok_or(Error::SizeOverflow)?)?;
        let mut scratch =
            zeroed::<f32>(kernels.similarity_matrix_bf16_scratch_len(qm.rows(), km.rows(), dim))?;
        kernels.similarity_matrix_bf16_into(qm, km, &mut out, &mut scratch)?;
        Ok(out)
    }
    fn widen_into(src: &[bf16], dst: &mut [f32]) {
        widen_each(src, dst, bf16::to_f32);
    }
    fn on_tiles(kernels: Kernels) -> bool {
        kernels.level() == Level::Amx
    }
    fn tile_pack(kernels: Kernels, keys: MatRef<'_, bf16>) -> Result<Vec<f32>> {
        let mut buf = zeroed::<f32>(kernels.packed_bf16_keys_len(keys.rows(), keys.dim()))?;
        kernels.pack_bf16_keys(keys, &mut buf)?;
        Ok(buf)
    }
    fn tile_scores(
        kernels: Kernels,
        q: MatRef<'_, bf16>,
        (packed, rows): (&[f32], usize),
        out: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<()> {
        let keys = kernels.packed_bf16_keys(rows, q.dim(), packed)?;
        kernels.bf16_scores_into(q, &keys, out, scratch)
    }
}

impl Element for i8 {
    type Sum = i64;
    type Cosine = f32;
    fn dot(a: &[i8], b: &[i8]) -> Result<i64> {
        simkern_core::similarity::dot_i8(a, b)
    }
    fn l2_squared(a: &[i8], b: &[i8]) -> Result<i64> {
        simkern_core::similarity::l2_squared_i8(a, b)
    }
    fn cosine(a: &[i8], b: &[i8]) -> Result<f32> {
        simkern_core::similarity::cosine_i8(a, b)
    }
}

impl MatrixElement for f32 {
    type Out = f32;
    fn similarity_matrix(q: &[f32], k: &[f32], dim: usize) -> Result<Vec<f32>> {
        crate::similarity_matrix_on(simkern_core::Kernels::best(), q, k, dim)
    }
    fn widen_into(src: &[f32], dst: &mut [f32]) {
        dst.copy_from_slice(src);
    }
    fn as_f32(src: &[f32]) -> Option<&[f32]> {
        Some(src)
    }
    fn as_f32_mut(src: &mut [f32]) -> Option<&mut [f32]> {
        Some(src)
    }
    fn similarity_matrix_strided(q: StridedMatRef<'_, f32>, k: StridedMatRef<'_, f32>) -> Result<Vec<f32>> {
        crate::similarity_matrix_strided(q, k)
    }
}

/// Rows up to this long go through the `f32` engine exactly: every
/// product of two `i8` is at most 2¹⁴ in magnitude, so every partial sum
/// of at most 2¹⁰ of them is an integer of magnitude at most 2²⁴ — exact in
/// `f32`, whatever the order of the additions.
const I8_EXACT_IN_F32: usize = 1 << 10;

impl MatrixElement for i8 {
    type Out = i32;
    /// Rows of at most 2¹⁰ through the `f32` GEMM engine (exact: every
    /// partial sum is an integer below 2²⁴); longer rows pair by pair
    /// through the exact `i8` dot product.
    fn similarity_matrix(q: &[i8], k: &[i8], dim: usize) -> Result<Vec<i32>> {
        let (qm, km) = (MatRef::named("q", q, dim)?, MatRef::named("k", k, dim)?);
        if dim >= 1 << 17 {
            return Err(Error::InvalidParameter {
                name: "dim",
                expected: "below 2^17 for i8 (i32 entries)",
                value: simkern_core::Value::Count(dim),
            });
        }
        if dim <= I8_EXACT_IN_F32 {
            let s = crate::similarity_matrix(&widened(q, f32::from)?, &widened(k, f32::from)?, dim)?;
            // Integers of magnitude ≤ 2²⁴: the conversion is exact (and
            // the collect reuses the allocation).
            return Ok(s.into_iter().map(|v| v as i32).collect());
        }
        let (n, m) = (qm.rows(), km.rows());
        let mut out = zeroed::<i32>(n.checked_mul(m).ok_or(Error::SizeOverflow)?)?;
        let kernels = simkern_core::Kernels::best();
        for (row, qi) in out.chunks_exact_mut(m.max(1)).zip(q.chunks_exact(dim)) {
            for (o, kj) in row.iter_mut().zip(k.chunks_exact(dim)) {
                // |Σ| < 2¹⁴ · 2¹⁷ = 2³¹: in range.
                *o = kernels.dot_i8(qi, kj)? as i32;
            }
        }
        Ok(out)
    }
    fn widen_into(src: &[i8], dst: &mut [f32]) {
        widen_each(src, dst, f32::from);
    }
}

/// `x` widened to `f32` value by value, in a fallible allocation.
fn widened<T: Copy>(x: &[T], widen: impl Fn(T) -> f32) -> Result<Vec<f32>> {
    let mut w = zeroed::<f32>(x.len())?;
    widen_each(x, &mut w, widen);
    Ok(w)
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
    impl Sealed for i8 {}
}

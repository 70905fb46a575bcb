//! The cases the firmware runs and the host checks: every kernel family of
//! `simkern-core` on fixed inputs, each result handed to a [`Sink`] with
//! the tolerance its contract allows against the host's portable level.
//!
//! Only `core` and `simkern_core`: the same code is compiled into the
//! firmware and into the host checker. Inputs go through
//! [`core::hint::black_box`], so that the optimiser compiles the kernels
//! for unknown data (the panic-free link check relies on it) instead of
//! folding them into constants.

use core::hint::black_box;

use simkern_core::binomial;
use simkern_core::correlation::{kendall_scratch_len, spearman_scratch_len};
use simkern_core::diagnostics::{anisotropy_scratch_len, uniformity_scratch_len};
use simkern_core::infonce::{InfoNce, Pass, Positives};
use simkern_core::rank::{NanPolicy, Ties, rank_scratch_len};
use simkern_core::significance::Alternative;
use simkern_core::similarity::similarity_matrix_scratch_len;
use simkern_core::{Error, Kernels, MatRef};

/// How far the firmware's value may be from the host's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tol {
    /// Bit for bit (ranks, counts, quantiles, error codes).
    Exact,
    /// `|got − want| ≤ r · max(|want|, 1)`: `f32` kernels, whose order of
    /// summation may differ between the firmware's and the host's vectors.
    Abs(f64),
    /// `|got − want| ≤ r · |want|`: `f64` statistics and probabilities,
    /// tails included.
    Rel(f64),
}

impl Tol {
    /// Whether `got` is within the tolerance of `want` (NaN matches NaN).
    #[cfg_attr(target_os = "none", allow(dead_code))]
    pub fn accepts(self, got: f64, want: f64) -> bool {
        if got.is_nan() || want.is_nan() {
            return got.is_nan() && want.is_nan();
        }
        match self {
            Tol::Exact => got.to_bits() == want.to_bits(),
            Tol::Abs(r) => (got - want).abs() <= r * want.abs().max(1.0),
            Tol::Rel(r) => got == want || (got - want).abs() <= r * want.abs(),
        }
    }
}

/// Where the results go: the firmware prints them, the host compares.
pub trait Sink {
    /// One result, in the order the cases produce them.
    fn put(&mut self, name: &'static str, value: f64, tol: Tol);
}

/// `f32` kernels: a few rounding errors of `f32` at these sizes.
const F32: Tol = Tol::Abs(2e-6);
/// `f64` statistics.
const F64: Tol = Tol::Rel(1e-13);
/// Probabilities through the incomplete beta and the log-gamma terms.
const PROB: Tol = Tol::Rel(1e-12);

/// An error as a number no result can take: `-(1000 + code)`.
fn coded(e: Error) -> f64 {
    -(1000.0 + f64::from(e.code()))
}

fn put_result<T: Into<f64>>(sink: &mut impl Sink, name: &'static str, r: Result<T, Error>, tol: Tol) {
    match r {
        Ok(v) => sink.put(name, v.into(), tol),
        Err(e) => sink.put(name, coded(e), Tol::Exact),
    }
}

/// A call that returns nothing: 0, or its error's code.
fn put_status(sink: &mut impl Sink, name: &'static str, r: Result<(), Error>) {
    put_result(sink, name, r.map(|()| 0.0f64), Tol::Exact);
}

fn put_all<T: Copy + Into<f64>>(sink: &mut impl Sink, name: &'static str, values: &[T], tol: Tol) {
    for &v in values {
        sink.put(name, v.into(), tol);
    }
}

/// Deterministic inputs in `[lo, hi)`: a 32-bit LCG, the same on every target.
fn fill(seed: u32, lo: f32, hi: f32, out: &mut [f32]) {
    let mut s = seed;
    for x in out.iter_mut() {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *x = lo + (hi - lo) * ((s >> 8) as f32 / (1u32 << 24) as f32);
    }
    black_box(out);
}

/// Runs every family compiled in (the crate's features), in a fixed order.
pub fn run(k: Kernels, sink: &mut impl Sink) {
    sink.put("start", 0.0, Tol::Exact);
    #[cfg(feature = "dot")]
    dot(k, sink);
    #[cfg(feature = "fast")]
    fast(k, sink);
    #[cfg(feature = "vectors")]
    vectors(k, sink);
    #[cfg(feature = "matrix")]
    matrix(k, sink);
    #[cfg(feature = "lse")]
    lse(k, sink);
    #[cfg(feature = "infonce")]
    infonce(k, sink);
    #[cfg(feature = "diagnostics")]
    diagnostics(k, sink);
    #[cfg(feature = "rank")]
    rank(k, sink);
    #[cfg(feature = "correlation")]
    correlation(k, sink);
    #[cfg(feature = "binomial")]
    binomial(sink);
    let _ = (k, &sink);
}

/// Two fixed `f32` vectors of 19 (the length the flash and instruction
/// budgets are stated for: two full portable vectors and a tail).
#[allow(dead_code)]
fn pair19() -> ([f32; 19], [f32; 19]) {
    let (mut a, mut b) = ([0.0f32; 19], [0.0f32; 19]);
    fill(1, 0.1, 1.0, &mut a);
    fill(2, 0.1, 1.0, &mut b);
    (a, b)
}

/// dot, l2_squared, cosine of `f32` (the accurate tier: `f64` sums).
#[allow(dead_code)]
fn dot(k: Kernels, sink: &mut impl Sink) {
    let (a, b) = pair19();
    let (a, b) = (black_box(&a[..]), black_box(&b[..]));
    put_result(sink, "dot", k.dot(a, b), F32);
    put_result(sink, "l2_squared", k.l2_squared(a, b), F32);
    put_result(sink, "cosine", k.cosine(a, b), F32);
    put_result(sink, "dot mismatch", k.dot(a, b.get(1..).unwrap_or_default()), Tol::Exact);
}

/// The fast tier: `f32` sums.
#[allow(dead_code)]
fn fast(k: Kernels, sink: &mut impl Sink) {
    let (a, b) = pair19();
    let (a, b) = (black_box(&a[..]), black_box(&b[..]));
    put_result(sink, "dot_fast", k.dot_fast(a, b), F32);
    put_result(sink, "l2_squared_fast", k.l2_squared_fast(a, b), F32);
    put_result(sink, "cosine_fast", k.cosine_fast(a, b), F32);
}

/// The rest of the vector kernels: `dot_f64`, norm, normalize, and `f64`.
#[allow(dead_code)]
fn vectors(k: Kernels, sink: &mut impl Sink) {
    let (a, b) = pair19();
    let (a, b) = (black_box(&a[..]), black_box(&b[..]));
    put_result(sink, "dot_f64", k.dot_f64(a, b), F64);
    sink.put("norm", k.norm(a).into(), F32);
    let mut wide = [0.0f64; 100];
    for (i, w) in wide.iter_mut().enumerate() {
        *w = ((i * 37) % 101) as f64 / 50.0 - 1.0;
    }
    let w = black_box(&wide[..]);
    put_result(sink, "dot f64", k.dot(w, w), F64);
    put_result(sink, "cosine f64", k.cosine(w, black_box(&wide[..])), F64);
    let mut unit = black_box(pair19().0);
    sink.put("normalize", k.normalize(&mut unit).into(), F32);
    put_all(sink, "normalized", &unit, F32);
}

/// The similarity matrix at shapes below and across the portable tile.
#[allow(dead_code)]
fn matrix(k: Kernels, sink: &mut impl Sink) {
    const N: usize = 6;
    const M: usize = 9;
    const D: usize = 13;
    let (mut q, mut keys) = ([0.0f32; N * D], [0.0f32; M * D]);
    fill(3, -1.0, 1.0, &mut q);
    fill(4, -1.0, 1.0, &mut keys);
    let mut out = [0.0f32; N * M];
    let mut scratch = [0.0f32; similarity_matrix_scratch_len(N, M, D)];
    let (Ok(qm), Ok(km)) = (MatRef::new(black_box(&q[..]), D), MatRef::new(black_box(&keys[..]), D)) else {
        return sink.put("matrix shapes", f64::NAN, Tol::Exact);
    };
    put_status(sink, "similarity_matrix", k.similarity_matrix_into(qm, km, &mut out, &mut scratch));
    put_all(sink, "S", &out, F32);
    let short = k.similarity_matrix_into(qm, km, &mut out, &mut scratch[..1]);
    put_status(sink, "scratch too small", short);
}

/// exp, logsumexp, softmax, log_softmax, row-wise forms, the VJP.
#[allow(dead_code)]
fn lse(k: Kernels, sink: &mut impl Sink) {
    const N: usize = 37;
    let mut x = [0.0f32; N];
    fill(5, -20.0, 20.0, &mut x);
    let x = black_box(&x[..]);
    sink.put("logsumexp", k.logsumexp(x).into(), F32);
    let mut out = [0.0f32; N];
    put_status(sink, "softmax", k.softmax_into(x, &mut out));
    put_all(sink, "p", &out, F32);
    let p = out;
    put_status(sink, "log_softmax", k.log_softmax_into(x, &mut out));
    put_all(sink, "log p", &out, F32);
    put_status(sink, "exp", k.exp_into(x.get(..20).unwrap_or_default(), &mut out[..20]));
    put_all(sink, "exp x", &out[..20], Tol::Rel(4e-7));
    let mut g = [0.0f32; N];
    fill(6, -1.0, 1.0, &mut g);
    put_status(sink, "softmax_vjp", k.softmax_vjp_into(&p, black_box(&g[..]), &mut out));
    put_all(sink, "vjp", &out, F32);
    let mut rows = [0.0f32; 3];
    put_status(sink, "logsumexp_rows", k.logsumexp_rows_into(x.get(..36).unwrap_or_default(), 12, &mut rows));
    put_all(sink, "row lse", &rows, F32);
    let wide: [f64; 5] = [-745.0, 0.0, 1.0, 700.0, 709.0];
    sink.put("logsumexp f64", k.logsumexp(black_box(&wide[..])), F64);
}

/// InfoNCE: the loss, its gradient, the symmetric and normalised forms.
#[allow(dead_code)]
fn infonce(k: Kernels, sink: &mut impl Sink) {
    const N: usize = 4;
    const D: usize = 6;
    let (mut q, mut keys) = ([0.0f32; N * D], [0.0f32; N * D]);
    fill(7, -1.0, 1.0, &mut q);
    fill(8, -1.0, 1.0, &mut keys);
    let (Ok(qm), Ok(km)) = (MatRef::new(black_box(&q[..]), D), MatRef::new(black_box(&keys[..]), D)) else {
        return sink.put("infonce shapes", f64::NAN, Tol::Exact);
    };
    /// The largest scratch of the three forms below, at the portable level
    /// (the firmware's only one, and the level the host checks at).
    const WS: usize = {
        let Ok(plain) = Kernels::portable().infonce(0.1) else { panic!("0.1 is a valid temperature") };
        let sym = plain.symmetric(true).scratch_len(N, N, D, Pass::Backward);
        let norm = plain.normalize(true).scratch_len(N, N, D, Pass::Backward);
        if sym > norm { sym } else { norm }
    };
    let Ok(plain) = k.infonce(0.1) else { return sink.put("temperature", f64::NAN, Tol::Exact) };
    let mut ws = [0.0f32; WS];
    let (mut dq, mut dk) = ([0.0f32; N * D], [0.0f32; N * D]);
    let forms: [InfoNce; 3] = [plain, plain.symmetric(true), plain.normalize(true)];
    for loss in forms {
        put_result(sink, "loss", loss.loss(qm, km, Positives::Diagonal, &mut ws), F32);
        let both = loss.loss_and_grad(qm, km, Positives::Diagonal, &mut dq, &mut dk, &mut ws);
        put_result(sink, "loss_and_grad", both, F32);
        put_all(sink, "dq", &dq, F32);
        put_all(sink, "dk", &dk, F32);
    }
    let pos = black_box([3usize, 0, 2, 1]);
    put_result(sink, "loss with indices", plain.loss(qm, km, Positives::Indices(&pos), &mut ws), F32);
    put_result(sink, "bad temperature", k.infonce(-1.0).map(|l| l.temperature()), Tol::Exact);
}

/// Alignment, uniformity, anisotropy, mean and variance.
#[allow(dead_code)]
fn diagnostics(k: Kernels, sink: &mut impl Sink) {
    const N: usize = 6;
    const D: usize = 8;
    let (mut x, mut y) = ([0.0f32; N * D], [0.0f32; N * D]);
    fill(9, -1.0, 1.0, &mut x);
    fill(10, -1.0, 1.0, &mut y);
    let (Ok(xm), Ok(ym)) = (MatRef::new(black_box(&x[..]), D), MatRef::new(black_box(&y[..]), D)) else {
        return sink.put("diagnostics shapes", f64::NAN, Tol::Exact);
    };
    put_result(sink, "alignment", k.alignment(xm, ym, 2.0), F32);
    let mut ws = [0.0f32; uniformity_scratch_len(N, D)];
    put_result(sink, "uniformity", k.uniformity(xm, 2.0, &mut ws), F32);
    let mut ws64 = [0.0f64; anisotropy_scratch_len(D)];
    match k.anisotropy(xm, &mut ws64) {
        Ok(a) => {
            sink.put("mean_cosine", a.mean_cosine, Tol::Abs(1e-6));
            sink.put("gram_sum", a.gram_sum, Tol::Rel(1e-6));
            sink.put("top_eigenvalue", a.top_eigenvalue, Tol::Rel(1e-6));
        }
        Err(e) => sink.put("anisotropy", coded(e), Tol::Exact),
    }
    match k.mean_variance(black_box(&x[..])) {
        Ok(mv) => {
            sink.put("mean", mv.mean, F64);
            sink.put("variance", mv.variance, F64);
        }
        Err(e) => sink.put("mean_variance", coded(e), Tol::Exact),
    }
}

/// Ranks with every tie rule, f32 and f64, short and radix-long inputs.
#[allow(dead_code)]
fn rank(k: Kernels, sink: &mut impl Sink) {
    const N: usize = 100;
    let mut x = [0.0f32; N];
    fill(11, 0.0, 10.0, &mut x);
    for v in x.iter_mut() {
        *v = ((*v * 2.0) as u32) as f32; // ties (values ≥ 0: truncation is floor)
    }
    let mut out = [0.0f64; N];
    let mut scratch = [0u64; rank_scratch_len::<f64>(N)];
    for ties in [Ties::Average, Ties::Min, Ties::Max, Ties::Dense, Ties::Ordinal] {
        let r = k.rank_into(black_box(&x[..]), ties, NanPolicy::Propagate, &mut out, &mut scratch);
        put_status(sink, "rank", r);
        put_all(sink, "r", &out, Tol::Exact);
    }
    let mut wide = [0.0f64; 30];
    for (i, w) in wide.iter_mut().enumerate() {
        *w = ((i * 7) % 11) as f64 - 0.5 * (i % 3) as f64;
    }
    wide[4] = f64::NAN;
    let r = k.rank_into(black_box(&wide[..]), Ties::Average, NanPolicy::Omit, &mut out[..30], &mut scratch);
    put_status(sink, "rank f64 omit", r);
    put_all(sink, "r", &out[..30], Tol::Exact);
    let raise =
        k.rank_into(black_box(&wide[..]), Ties::Average, NanPolicy::Raise, &mut out[..30], &mut scratch);
    put_status(sink, "rank raise", raise);
}

/// Pearson, Spearman, Kendall τ-b and τ-c, and their tests.
#[allow(dead_code)]
fn correlation(k: Kernels, sink: &mut impl Sink) {
    const N: usize = 40;
    let (mut x, mut y) = ([0.0f32; N], [0.0f32; N]);
    fill(12, 0.0, 1.0, &mut x);
    fill(13, 0.0, 1.0, &mut y);
    for (yi, &xi) in y.iter_mut().zip(&x) {
        *yi = (*yi + xi * 2.0) * 4.0;
        *yi = (*yi as u32) as f32; // ties in y only
    }
    let (x, y) = (black_box(&x[..]), black_box(&y[..]));
    put_result(sink, "pearson", k.pearson(x, y), F64);
    let (r, s) = spearman_scratch_len::<f32>(N);
    let mut ranks = [0.0f64; 2 * N];
    let mut scratch = [0u64; kendall_scratch_len(N)];
    debug_assert!(r <= ranks.len() && s <= scratch.len());
    put_result(sink, "spearman", k.spearman(x, y, &mut ranks, &mut scratch), F64);
    put_result(sink, "kendall_tau_b", k.kendall_tau_b(x, y, &mut scratch), F64);
    put_result(sink, "kendall_tau_c", k.kendall_tau_c(x, y, &mut scratch), F64);
    for alt in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
        for t in [
            k.pearson_test(x, y, alt),
            k.spearman_test(x, y, alt, &mut ranks, &mut scratch),
            k.kendall_tau_b_test(x, y, alt, &mut scratch),
        ] {
            match t {
                Ok(t) => {
                    sink.put("statistic", t.statistic, F64);
                    sink.put("p_value", t.p_value, PROB);
                }
                Err(e) => sink.put("test", coded(e), Tol::Exact),
            }
        }
    }
    // Exact Kendall distribution: no ties, n ≤ 33.
    let exact = k.kendall_tau_b_test(
        x.get(..20).unwrap_or_default(),
        x.get(5..25).unwrap_or_default(),
        Alternative::TwoSided,
        &mut scratch,
    );
    put_result(sink, "kendall exact p", exact.map(|t| t.p_value), PROB);
}

/// The binomial distribution across its domain.
#[allow(dead_code)]
fn binomial(sink: &mut impl Sink) {
    let cases: [(u64, u64, f64); 8] = [
        (0, 10, 0.3),
        (3, 10, 0.3),
        (10, 10, 0.3),
        (17, 40, 0.5),
        (5, 1000, 0.001),
        (450, 1000, 0.5),
        (499_999, 1_000_000, 0.5),
        (3, 1 << 40, 1e-12),
    ];
    for (kk, n, p) in black_box(cases) {
        sink.put("pmf", binomial::pmf(kk, n, p), PROB);
        sink.put("logpmf", binomial::logpmf(kk, n, p), PROB);
        sink.put("cdf", binomial::cdf(kk, n, p), PROB);
        sink.put("sf", binomial::sf(kk, n, p), PROB);
        sink.put("logcdf", binomial::logcdf(kk, n, p), PROB);
        sink.put("logsf", binomial::logsf(kk, n, p), PROB);
    }
    for (q, n, p) in black_box([(0.5, 10u64, 0.3), (0.999, 1000, 0.01), (1e-9, 1_000_000, 0.5)]) {
        sink.put("ppf", binomial::ppf(q, n, p), Tol::Exact);
    }
    sink.put("pmf bad p", binomial::pmf(1, 10, black_box(1.5)), Tol::Exact);
}

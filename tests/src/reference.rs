//! Obvious scalar `f64` implementations of every kernel.

/// `a + b = s + e` exactly (Knuth's TwoSum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a · b = p + e` exactly (FMA-based TwoProduct).
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// Σ xᵢ yᵢ in twice the working precision (Ogita–Rump–Oishi Dot2): the
/// result is as accurate as if computed with a 106-bit significand, then
/// rounded. Used as the "exact" value in accuracy checks.
///
/// ```
/// use simkern_tests::reference::dot_exact;
/// assert_eq!(dot_exact(&[1e16, 1.0, -1e16], &[1.0, 1.0, 1.0]), 1.0);
/// ```
pub fn dot_exact(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len());
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for (&a, &b) in x.iter().zip(y) {
        let (p, ep) = two_prod(a, b);
        let (t, es) = two_sum(s, p);
        s = t;
        c += ep + es;
    }
    s + c
}

/// Σ xᵢ yᵢ summed plainly in `f64`: the reference for the IEEE class of a
/// result (NaN, ±∞) when inputs hold NaN or ±∞, where [`dot_exact`]'s error
/// terms would turn every ∞ into NaN. For `f32` inputs no product or partial
/// sum of up to 2⁴⁰ of them overflows `f64`, so the class is exact.
///
/// ```
/// use simkern_tests::reference::dot_plain;
/// assert_eq!(dot_plain(&[f64::INFINITY, 1.0], &[1.0, 1.0]), f64::INFINITY);
/// assert!(dot_plain(&[f64::INFINITY, 1.0], &[0.0, 1.0]).is_nan());
/// ```
pub fn dot_plain(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Widens a slice to `f64`.
///
/// ```
/// assert_eq!(simkern_tests::reference::widen(&[1.5f32]), vec![1.5f64]);
/// ```
pub fn widen<T: Copy + Into<f64>>(x: &[T]) -> Vec<f64> {
    x.iter().map(|&v| v.into()).collect()
}

/// Σ |xᵢ yᵢ|, the condition scale of a dot product's error bound.
///
/// ```
/// assert_eq!(simkern_tests::reference::dot_abs(&[1.0, -2.0], &[3.0, 4.0]), 11.0);
/// ```
pub fn dot_abs(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| (a * b).abs()).sum()
}

/// `γ_k = k·u / (1 − k·u)`, Higham's bound for `k` rounding errors of unit
/// roundoff `u`.
///
/// ```
/// let g = simkern_tests::reference::gamma(2, f64::EPSILON / 2.0);
/// assert!(g > f64::EPSILON && g < 1.1 * f64::EPSILON);
/// ```
pub fn gamma(k: usize, u: f64) -> f64 {
    let ku = k as f64 * u;
    ku / (1.0 - ku)
}

/// Σ (xᵢ − yᵢ)², compensated.
///
/// ```
/// assert_eq!(simkern_tests::reference::l2_squared(&[0.0, 0.0], &[3.0, 4.0]), 25.0);
/// ```
pub fn l2_squared(x: &[f64], y: &[f64]) -> f64 {
    let d: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    dot_exact(&d, &d)
}

/// Cosine similarity `x·y / (‖x‖‖y‖)`, 0 when either is a zero vector.
///
/// ```
/// assert_eq!(simkern_tests::reference::cosine(&[1.0, 0.0], &[2.0, 0.0]), 1.0);
/// ```
pub fn cosine(x: &[f64], y: &[f64]) -> f64 {
    let (xx, yy) = (dot_exact(x, x), dot_exact(y, y));
    if xx == 0.0 || yy == 0.0 {
        return 0.0;
    }
    (dot_exact(x, y) / (xx.sqrt() * yy.sqrt())).clamp(-1.0, 1.0)
}

/// `S = Q·Kᵀ` in `f64` (row-major `n × m`), each entry by [`dot_exact`].
///
/// ```
/// let s = simkern_tests::reference::similarity_matrix(&[1.0, 2.0], &[3.0, 4.0], 1);
/// assert_eq!(s, vec![3.0, 4.0, 6.0, 8.0]);
/// ```
pub fn similarity_matrix(q: &[f64], k: &[f64], dim: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for qi in q.chunks_exact(dim) {
        for kj in k.chunks_exact(dim) {
            out.push(dot_exact(qi, kj));
        }
    }
    out
}

/// `log Σ e^{xᵢ}` in `f64`: the maximum plus `log1p` of the other terms
/// (as SciPy does), with IEEE edge cases (`−∞` for empty or all `−∞`,
/// `+∞` if any `+∞`, NaN if any NaN). Also returns `r = Σ_{i≠i*} e^{xᵢ−m}`.
///
/// ```
/// let (l, r) = simkern_tests::reference::logsumexp(&[0.0, 0.0]);
/// assert_eq!((l, r), (2f64.ln(), 1.0));
/// ```
pub fn logsumexp(x: &[f64]) -> (f64, f64) {
    if x.iter().any(|v| v.is_nan()) {
        return (f64::NAN, f64::NAN);
    }
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::INFINITY {
        return (m, 0.0);
    }
    if m == f64::NEG_INFINITY {
        return (m, 0.0);
    }
    let i = x.iter().position(|&v| v == m).expect("the maximum is an element");
    let r: f64 = x.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, &v)| (v - m).exp()).sum();
    (m + r.ln_1p(), r)
}

/// `softmax(x)` in `f64` (all NaN for NaN, `+∞` or all-`−∞` input).
///
/// ```
/// let p = simkern_tests::reference::softmax(&[1.0, 1.0]);
/// assert!(p.iter().all(|v| (v - 0.5).abs() < 1e-15));
/// ```
pub fn softmax(x: &[f64]) -> Vec<f64> {
    let (l, _) = logsumexp(x);
    if !l.is_finite() {
        return vec![f64::NAN; x.len()];
    }
    // e^{xᵢ − m} / Σⱼ e^{xⱼ − m}: not e^{xᵢ − LSE}, whose LSE = m + log1p(…)
    // rounds to m once |m| ≫ 1/ε (1e30 logits gave every maximum p = 1).
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let terms: Vec<f64> = x.iter().map(|&v| (v - m).exp()).collect();
    let total: f64 = terms.iter().sum();
    terms.into_iter().map(|t| t / total).collect()
}

/// `log_softmax(x)` in `f64`: `(xᵢ − m) − log1p(Σ_{j≠j*} e^{xⱼ − m})`
/// (all NaN for NaN, `+∞` or all-`−∞` input). Not `xᵢ − LSE(x)`: that
/// LSE rounds to `m` once `|m| ≫ 1/ε`.
///
/// ```
/// let y = simkern_tests::reference::log_softmax(&[1e30, 1e30]);
/// assert_eq!(y, vec![-std::f64::consts::LN_2; 2]);
/// ```
pub fn log_softmax(x: &[f64]) -> Vec<f64> {
    let (l, rest) = logsumexp(x);
    if !l.is_finite() {
        return vec![f64::NAN; x.len()];
    }
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    x.iter().map(|&v| (v - m) - rest.ln_1p()).collect()
}

/// What the naive InfoNCE reference computes: the loss and its gradients,
/// and for each gradient entry the scale its rounding errors are relative
/// to (the same sums with every term made positive).
#[derive(Clone, Debug)]
pub struct InfoNceRef {
    /// The loss.
    pub loss: f64,
    /// `∂L/∂q`, row-major like `q`.
    pub dq: Vec<f64>,
    /// `∂L/∂k`, row-major like `k`.
    pub dk: Vec<f64>,
    /// `Σⱼ |Gᵢⱼ k̂ⱼc|` per entry of `dq` (chained through the normalisation
    /// as `(A + |u|·⟨A, |u|⟩)/‖x‖` when it is on): what a relative error
    /// of each term of `dq = G·K̂` adds up to at most.
    pub dq_scale: Vec<f64>,
    /// The same for `dk = Gᵀ·Q̂`.
    pub dk_scale: Vec<f64>,
}

/// `x / max(‖x‖, 1e-12)` row by row (PyTorch's `F.normalize`), and the norms.
fn normalize_rows(x: &[f64], dim: usize) -> (Vec<f64>, Vec<f64>) {
    let mut out = Vec::with_capacity(x.len());
    let mut norms = Vec::new();
    for row in x.chunks_exact(dim) {
        let n = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        norms.push(n);
        out.extend(row.iter().map(|v| v / n.max(1e-12)));
    }
    (out, norms)
}

/// One direction: `(1/N) Σᵢ ℓᵢ`, `ℓᵢ = log(1 + Σ_{j≠pos(i)} e^{tᵢⱼ})` with
/// `tᵢⱼ = (sᵢⱼ − s_{i,pos(i)})/τ` — the value of
/// `LSEⱼ(sᵢⱼ/τ) − s_{i,pos(i)}/τ`, written so that a near-zero loss keeps
/// its relative accuracy (the difference form cancels to 0 once the
/// positive dominates) — with the logits materialised, and `∂L/∂q̂`,
/// `∂L/∂k̂` scaled by `scale`. The positive's `P − 1` is `expm1(−ℓᵢ)`,
/// likewise without cancellation.
fn infonce_direction(q: &[f64], k: &[f64], dim: usize, pos: &[usize], tau: f64, scale: f64) -> InfoNceRef {
    let n = q.len() / dim;
    let m = k.len() / dim;
    let s = similarity_matrix(q, k, dim);
    let mut loss = 0.0;
    let mut g = vec![0.0; n * m];
    for i in 0..n {
        let srow = &s[i * m..(i + 1) * m];
        let t: Vec<f64> = srow.iter().map(|v| (v - srow[pos[i]]) / tau).collect();
        // t[pos] = 0, so logsumexp(t) = log(1 + Σ_{j≠pos} e^{tⱼ}) (log1p of the rest).
        let (l, _) = logsumexp(&t);
        loss += l;
        for j in 0..m {
            let p_minus_y = if j == pos[i] { (-l).exp_m1() } else { (t[j] - l).exp() };
            g[i * m + j] = p_minus_y / (n as f64 * tau) * scale;
        }
    }
    let mut dq = vec![0.0; n * dim];
    let mut dk = vec![0.0; m * dim];
    let mut dq_scale = vec![0.0; n * dim];
    let mut dk_scale = vec![0.0; m * dim];
    for i in 0..n {
        for j in 0..m {
            let gij = g[i * m + j];
            for c in 0..dim {
                dq[i * dim + c] += gij * k[j * dim + c];
                dk[j * dim + c] += gij * q[i * dim + c];
                dq_scale[i * dim + c] += (gij * k[j * dim + c]).abs();
                dk_scale[j * dim + c] += (gij * q[i * dim + c]).abs();
            }
        }
    }
    InfoNceRef { loss: loss / n as f64 * scale, dq, dk, dq_scale, dk_scale }
}

/// Chains `∂L/∂u` through `u = x / max(‖x‖, ε)`.
fn chain_normalize(du: &[f64], u: &[f64], norms: &[f64], dim: usize) -> Vec<f64> {
    let mut dx = Vec::with_capacity(du.len());
    for ((g, u), &n) in du.chunks_exact(dim).zip(u.chunks_exact(dim)).zip(norms) {
        if n > 1e-12 {
            let d: f64 = g.iter().zip(u).map(|(a, b)| a * b).sum();
            dx.extend(g.iter().zip(u).map(|(gi, ui)| (gi - d * ui) / n));
        } else {
            dx.extend(g.iter().map(|gi| gi / 1e-12));
        }
    }
    dx
}

/// The error scale of [`chain_normalize`]'s result from the scale `a` of
/// its input: `(aᵢ + |uᵢ|·Σⱼ aⱼ|uⱼ|) / max(‖x‖, ε)`.
fn chain_normalize_scale(a: &[f64], u: &[f64], norms: &[f64], dim: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len());
    for ((a, u), &n) in a.chunks_exact(dim).zip(u.chunks_exact(dim)).zip(norms) {
        let d: f64 = a.iter().zip(u).map(|(x, y)| x * y.abs()).sum();
        out.extend(a.iter().zip(u).map(|(ai, ui)| (ai + ui.abs() * d) / n.max(1e-12)));
    }
    out
}

/// The InfoNCE loss and gradients in `f64`, materialising the logits:
/// `cross_entropy(q̂ k̂ᵀ / τ, pos)` (rows normalised first when `normalize`),
/// the mean of both directions when `symmetric` (in-batch only), gradients
/// by the explicit formulas `∂L/∂S = (P − Y)/(Nτ)`, `dQ = G K`, `dK = Gᵀ Q`.
///
/// ```
/// use simkern_tests::reference::infonce;
/// let r = infonce(&[1.0, 0.0, 0.0, 1.0], &[1.0, 0.0, 0.0, 1.0], 2, &[0, 1], 1.0, false, false);
/// assert!((r.loss - (1.0 + (-1f64).exp()).ln()).abs() < 1e-15);
/// ```
pub fn infonce(
    q: &[f64],
    k: &[f64],
    dim: usize,
    pos: &[usize],
    tau: f64,
    normalize: bool,
    symmetric: bool,
) -> InfoNceRef {
    let (qn, qnorm) = if normalize { normalize_rows(q, dim) } else { (q.to_vec(), vec![]) };
    let (kn, knorm) = if normalize { normalize_rows(k, dim) } else { (k.to_vec(), vec![]) };
    let mut r = infonce_direction(&qn, &kn, dim, pos, tau, if symmetric { 0.5 } else { 1.0 });
    if symmetric {
        let back = infonce_direction(&kn, &qn, dim, pos, tau, 0.5);
        r.loss += back.loss;
        let add = |a: &mut [f64], b: &[f64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut r.dq, &back.dk);
        add(&mut r.dk, &back.dq);
        add(&mut r.dq_scale, &back.dk_scale);
        add(&mut r.dk_scale, &back.dq_scale);
    }
    if normalize {
        r.dq = chain_normalize(&r.dq, &qn, &qnorm, dim);
        r.dk = chain_normalize(&r.dk, &kn, &knorm, dim);
        r.dq_scale = chain_normalize_scale(&r.dq_scale, &qn, &qnorm, dim);
        r.dk_scale = chain_normalize_scale(&r.dk_scale, &kn, &knorm, dim);
    }
    r
}

/// Alignment `(1/N) Σᵢ ‖xᵢ − yᵢ‖^α`.
///
/// ```
/// assert_eq!(simkern_tests::reference::alignment(&[0.0, 0.0], &[3.0, 4.0], 2, 1.0), 5.0);
/// ```
pub fn alignment(x: &[f64], y: &[f64], dim: usize, alpha: f64) -> f64 {
    let n = x.len() / dim;
    let total: f64 =
        x.chunks_exact(dim).zip(y.chunks_exact(dim)).map(|(a, b)| l2_squared(a, b).powf(alpha / 2.0)).sum();
    total / n as f64
}

/// Uniformity `log mean_{i<j} e^{−t‖xᵢ − xⱼ‖²}`, every pair explicitly.
///
/// ```
/// let u = simkern_tests::reference::uniformity(&[1.0, 0.0, 0.0, 1.0], 2, 2.0);
/// assert!((u + 4.0).abs() < 1e-15);
/// ```
pub fn uniformity(x: &[f64], dim: usize, t: f64) -> f64 {
    let rows: Vec<&[f64]> = x.chunks_exact(dim).collect();
    let mut exps = Vec::new();
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            exps.push(-t * l2_squared(rows[i], rows[j]));
        }
    }
    let n = exps.len() as f64;
    logsumexp(&exps).0 - n.ln()
}

/// `(mean cosine over i ≠ j, Σᵢⱼ hᵢ·hⱼ, λ_max(WWᵀ))`, from the explicit Gram
/// matrix; the eigenvalue by Jacobi rotations on `WᵀW` (small `d` only).
///
/// ```
/// let (c, s, l) = simkern_tests::reference::anisotropy(&[1.0, 0.0, 1.0, 0.0], 2);
/// assert_eq!((c, s), (1.0, 4.0));
/// assert!((l - 2.0).abs() < 1e-12);
/// ```
pub fn anisotropy(w: &[f64], dim: usize) -> (f64, f64, f64) {
    let rows: Vec<&[f64]> = w.chunks_exact(dim).collect();
    let m = rows.len();
    let (mut cos_sum, mut gram_sum) = (0.0, 0.0);
    for i in 0..m {
        for j in 0..m {
            gram_sum += dot_exact(rows[i], rows[j]);
            if i != j {
                cos_sum += cosine(rows[i], rows[j]);
            }
        }
    }
    // WᵀW (d × d), then cyclic Jacobi sweeps until off-diagonal mass vanishes.
    let mut a = vec![0.0; dim * dim];
    for r in &rows {
        for p in 0..dim {
            for q in 0..dim {
                a[p * dim + q] += r[p] * r[q];
            }
        }
    }
    for _ in 0..100 {
        let off: f64 = (0..dim)
            .flat_map(|p| (0..dim).map(move |q| (p, q)))
            .filter(|(p, q)| p != q)
            .map(|(p, q)| a[p * dim + q].powi(2))
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..dim {
            for q in p + 1..dim {
                let apq = a[p * dim + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * dim + q] - a[p * dim + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..dim {
                    let (akp, akq) = (a[k * dim + p], a[k * dim + q]);
                    a[k * dim + p] = c * akp - s * akq;
                    a[k * dim + q] = s * akp + c * akq;
                }
                for k in 0..dim {
                    let (apk, aqk) = (a[p * dim + k], a[q * dim + k]);
                    a[p * dim + k] = c * apk - s * aqk;
                    a[q * dim + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let top = (0..dim).map(|p| a[p * dim + p]).fold(f64::NEG_INFINITY, f64::max);
    (cos_sum / (m * (m - 1)) as f64, gram_sum, top)
}

/// `scipy.stats.rankdata` for non-NaN input: `method` is one of
/// `"average"`, `"min"`, `"max"`, `"dense"`, `"ordinal"`. O(n²), obvious:
/// each rank counts the values below (and equal to, before) each value.
///
/// ```
/// assert_eq!(simkern_tests::reference::rankdata(&[2.0, 1.0, 2.0], "average"), vec![2.5, 1.0, 2.5]);
/// ```
pub fn rankdata(x: &[f64], method: &str) -> Vec<f64> {
    let mut distinct: Vec<f64> = x.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup_by(|a, b| a == b);
    x.iter()
        .enumerate()
        .map(|(i, &v)| {
            let below = x.iter().filter(|&&w| w < v).count() as f64;
            let equal = x.iter().filter(|&&w| w == v).count() as f64;
            match method {
                "average" => below + (equal + 1.0) / 2.0,
                "min" => below + 1.0,
                "max" => below + equal,
                "dense" => distinct.iter().filter(|&&w| w < v).count() as f64 + 1.0,
                "ordinal" => below + x[..i].iter().filter(|&&w| w == v).count() as f64 + 1.0,
                _ => panic!("unknown method {method}"),
            }
        })
        .collect()
}

/// Every tie method with its SciPy `rankdata` name, for suites that sweep them.
///
/// ```
/// assert_eq!(simkern_tests::reference::TIE_METHODS[0].1, "average");
/// ```
pub const TIE_METHODS: [(simkern::Ties, &str); 5] = [
    (simkern::Ties::Average, "average"),
    (simkern::Ties::Min, "min"),
    (simkern::Ties::Max, "max"),
    (simkern::Ties::Dense, "dense"),
    (simkern::Ties::Ordinal, "ordinal"),
];

/// Pearson's r, two-pass, with compensated (Dot2) sums.
///
/// ```
/// assert_eq!(simkern_tests::reference::pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
/// ```
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let ones = vec![1.0; x.len()];
    let (mx, my) = (dot_exact(x, &ones) / n, dot_exact(y, &ones) / n);
    let dx: Vec<f64> = x.iter().map(|v| v - mx).collect();
    let dy: Vec<f64> = y.iter().map(|v| v - my).collect();
    let (sxy, sxx, syy) = (dot_exact(&dx, &dy), dot_exact(&dx, &dx), dot_exact(&dy, &dy));
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    // The root of the product (one rounding less), but two roots where the
    // product leaves f64's range (deviations near 1e-140 or 1e140).
    let prod = sxx * syy;
    let den =
        if prod.is_finite() && prod >= f64::MIN_POSITIVE { prod.sqrt() } else { sxx.sqrt() * syy.sqrt() };
    (sxy / den).clamp(-1.0, 1.0)
}

/// Spearman's ρ: Pearson's r of the average ranks.
///
/// ```
/// assert_eq!(simkern_tests::reference::spearman(&[1.0, 2.0, 3.0], &[1.0, 8.0, 27.0]), 1.0);
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&rankdata(x, "average"), &rankdata(y, "average"))
}

/// Kendall's τ-b over all pairs, O(n²).
///
/// ```
/// let t = simkern_tests::reference::kendall_tau_b(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]);
/// assert!((t - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> f64 {
    let (mut conc, mut disc, mut tx, mut ty) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            // The sign of the comparison (not of the difference: ∞ − ∞ is NaN).
            let sign = |u: f64, v: f64| f64::from(u > v) - f64::from(u < v);
            let (a, b) = (sign(x[i], x[j]), sign(y[i], y[j]));
            match (a == 0.0, b == 0.0) {
                (true, true) => {}
                (true, false) => tx += 1,
                (false, true) => ty += 1,
                (false, false) => {
                    if a == b {
                        conc += 1
                    } else {
                        disc += 1
                    }
                }
            }
        }
    }
    let den = (((conc + disc + tx) as f64) * ((conc + disc + ty) as f64)).sqrt();
    if den == 0.0 { f64::NAN } else { (conc - disc) as f64 / den }
}

/// [`rankdata`] for large inputs: a stable `sort_by(total_cmp)` of the
/// indices, then the runs of equal values (`-0.0 == 0.0`), O(n log n).
///
/// ```
/// let x = [2.0, 1.0, 2.0, -0.0, 0.0];
/// for m in ["average", "min", "max", "dense", "ordinal"] {
///     assert_eq!(simkern_tests::reference::rankdata_sorted(&x, m), simkern_tests::reference::rankdata(&x, m));
/// }
/// ```
pub fn rankdata_sorted(x: &[f64], method: &str) -> Vec<f64> {
    // (value, index) pairs: ties keep index order, as a stable sort would.
    let mut pairs: Vec<(f64, usize)> = x.iter().map(|&v| v + 0.0).zip(0..).collect();
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let order: Vec<usize> = pairs.into_iter().map(|(_, i)| i).collect();
    let mut out = vec![0.0; x.len()];
    let (mut start, mut run) = (0, 0.0);
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && x[order[end]] == x[order[start]] {
            end += 1;
        }
        run += 1.0;
        for (k, &i) in order[start..end].iter().enumerate() {
            out[i] = match method {
                "average" => (start + 1 + end) as f64 / 2.0,
                "min" => (start + 1) as f64,
                "max" => end as f64,
                "dense" => run,
                "ordinal" => (start + k + 1) as f64,
                _ => panic!("unknown method {method}"),
            };
        }
        start = end;
    }
    out
}

/// [`rankdata`] by counting, for values that are small integers or ±∞
/// (no NaN): a histogram over the value range, ranks from its running sums.
/// O(n + range) — the fast reference for long tie-heavy inputs.
///
/// ```
/// use simkern_tests::reference::{rankdata, rankdata_counting};
/// let x = [3.0, f64::NEG_INFINITY, 3.0, -2.0, f64::INFINITY, 3.0];
/// for m in ["average", "min", "max", "dense", "ordinal"] {
///     assert_eq!(rankdata_counting(&x, m), rankdata(&x, m));
/// }
/// ```
pub fn rankdata_counting(x: &[f64], method: &str) -> Vec<f64> {
    let finite = || x.iter().copied().filter(|v| v.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    let span = if lo <= hi { (hi - lo) as usize + 1 } else { 0 };
    // Bucket 0: −∞; 1..=span: the integers lo..=hi; span + 1: +∞.
    assert!(
        x.iter().all(|v| !v.is_nan() && (v.is_infinite() || v.fract() == 0.0)),
        "small integers or ±∞ only"
    );
    let bucket = |v: f64| -> usize {
        if v == f64::NEG_INFINITY {
            0
        } else if v == f64::INFINITY {
            span + 1
        } else {
            (v - lo) as usize + 1
        }
    };
    let mut count = vec![0usize; span + 2];
    for &v in x {
        count[bucket(v)] += 1;
    }
    // below[b]: values in buckets before b; dense[b]: non-empty buckets up to b.
    let (mut below, mut dense) = (vec![0usize; span + 2], vec![0usize; span + 2]);
    let (mut acc, mut nonempty) = (0, 0);
    for b in 0..span + 2 {
        below[b] = acc;
        acc += count[b];
        nonempty += usize::from(count[b] > 0);
        dense[b] = nonempty;
    }
    let mut seen = vec![0usize; span + 2];
    // The method resolved once (a string match per element dominated the
    // fuzz targets' time).
    let method = TIE_METHODS
        .iter()
        .position(|&(_, m)| m == method)
        .unwrap_or_else(|| panic!("unknown method {method}"));
    x.iter()
        .map(|&v| {
            let b = bucket(v);
            let (lt, eq) = (below[b] as f64, count[b] as f64);
            seen[b] += 1;
            match method {
                0 => lt + (eq + 1.0) / 2.0,
                1 => lt + 1.0,
                2 => lt + eq,
                3 => dense[b] as f64,
                _ => lt + seen[b] as f64,
            }
        })
        .collect()
}

/// Binomial `P(X = k)` for `n ≤ 2000`, computed independently of simkern's
/// saddle-point method: the product `Π_{i=1..k} (n−k+i)/i · p` interleaved
/// with the `n − k` factors of `q = 1 − p`, largest-first so that nothing
/// overflows, in plain `f64`. Relative error about `3n` ulp where the
/// result is a normal number (the factors are each rounded once or twice);
/// it may underflow to 0 earlier than the true value.
///
/// ```
/// let p = simkern_tests::reference::binomial_pmf(2, 4, 0.5);
/// assert!((p - 6.0 / 16.0).abs() < 1e-15);
/// ```
pub fn binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    assert!(n <= 2000, "the reference is for small n");
    if k > n {
        return 0.0;
    }
    let q = 1.0 - p;
    let (mut up, mut down) = ((1..=k).map(|i| (n - k + i) as f64 / i as f64 * p), (0..n - k).map(|_| q));
    // Multiply a factor > 1 while the product is below 1, a factor ≤ 1 otherwise.
    let mut prod = 1.0f64;
    let (mut u, mut d) = (up.next(), down.next());
    loop {
        let take_up = match (u, d) {
            (None, None) => return prod,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(a), Some(_)) => a <= 1.0 || prod < 1.0,
        };
        if take_up {
            prod *= u.expect("some");
            u = up.next();
        } else {
            prod *= d.expect("some");
            d = down.next();
        }
    }
}

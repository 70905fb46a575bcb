"""The coefficients Q of core/src/math.rs: q(r) ≈ (eʳ − 1)/r on
|r| ≤ ln2/2, so that the vector exp evaluates eʳ ≈ 1 + r·q(r) in six FMAs.

Fitted for the least maximum relative error of 1 + r·q(r) against eʳ
(weighted least squares on Chebyshev nodes, reweighted by Lawson's rule
towards the minimax solution), then rounded to f32 and checked by
emulating the f32 Horner evaluation (each step rounded once, as an FMA).
The exhaustive test of the vector exp over all 2³² inputs
(tests/tests/exp_exhaustive.rs) is what the contract rests on.

Run: python3 tests/data/exp_f32_fit.py   (needs numpy and mpmath)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
HALF_LN2 = float(mp.log(2) / 2) * 1.0005  # a little past the reduced range
NODES = 4000
DEGREE = 5

xs = np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES) * HALF_LN2
target = np.array([float(mp.expm1(mp.mpf(x)) / x) for x in xs])  # (e^r − 1)/r
exp = np.array([float(mp.exp(mp.mpf(x))) for x in xs])
# An error δ in q is an error r·δ in 1 + r·q: relative to e^r, weight |r|/e^r.
weight = np.abs(xs) / exp
vander = np.vander(xs, DEGREE + 1, increasing=True)
lawson = np.ones(NODES)
for _ in range(200):
    w = weight * lawson
    coeffs, *_ = np.linalg.lstsq(vander * w[:, None], target * w, rcond=None)
    err = np.abs((vander @ coeffs - target) * weight)
    lawson = 0.5 * lawson * (1 + err / err.max())
    lawson /= lawson.max()

q32 = coeffs.astype(np.float32)
print("const Q: [f32; 6] = [" + ", ".join(repr(float(c)) for c in q32) + "];")
print(f"max relative error of 1 + r·q(r), exact coefficients: {err.max():.3e}")

r = np.linspace(-HALF_LN2, HALF_LN2, 200_001).astype(np.float32)
q = np.full_like(r, q32[DEGREE])
for c in q32[DEGREE - 1 :: -1]:
    q = (q.astype(np.float64) * r + c).astype(np.float32)  # one rounding per FMA
y = (q.astype(np.float64) * r + 1.0).astype(np.float32)
want = np.exp(r.astype(np.float64))
ulp = np.spacing(want.astype(np.float32)).astype(np.float64)
print(f"max error of the f32 evaluation on the reduced range: {np.max(np.abs(y - want) / ulp):.3f} ulp")

"""Cross-check cases for simkern's weighted and row-wise log-sum-exp.

Run from the repository root:  python3 tests/data/lse_scipy.py
Writes tests/data/lse_scipy.json, read by tests/tests/lse_scipy.rs:
- "weighted": x, b (float64, exactly as stored), SciPy 1.17's
  logsumexp(x, b=b, return_sign=True), and the 50-digit mpmath value of
  log|Σ b e^x| (the accuracy reference; SciPy's plain sum loses digits
  when the weights cancel);
- "edge": SciPy's results for NaN / ±∞ / zero-weight / cancelling inputs;
- "rows": a matrix, its dim and SciPy's logsumexp(axis=1).
"""
import json
import math
import pathlib

import mpmath as mp
import numpy as np
import scipy
from scipy.special import logsumexp

mp.mp.dps = 50
rng = np.random.default_rng(2026)


def enc(v):
    """JSON has no NaN/inf: encode floats as strings (repr round-trips)."""
    return repr(float(v))


def exact(x, b):
    s = mp.fsum(mp.mpf(bi) * mp.exp(mp.mpf(xi)) for xi, bi in zip(x, b))
    return None if s == 0 else mp.nstr(mp.log(abs(s)), 25)


weighted = []
for n, spread, kind in [(5, 1, "positive"), (50, 10, "signed"), (300, 3, "signed"), (1000, 50, "signed"),
                        (64, 700, "signed"), (20, 1, "cancel"), (200, 5, "cancel"), (7, 1e-3, "cancel")]:
    x = rng.standard_normal(n) * spread
    if kind == "positive":
        b = rng.uniform(0.1, 2.0, n)
    elif kind == "signed":
        b = rng.standard_normal(n)
    else:
        # Pairs of equal terms with opposite weights, plus one small extra:
        # the sum cancels to a tiny fraction of its terms.
        half = n // 2
        x = np.concatenate([x[:half], x[:half], [x.min() - 3.0]])
        w = rng.uniform(0.5, 1.5, half)
        b = np.concatenate([w, -w * (1 - 1e-9), [0.5]])
    v, s = logsumexp(x, b=b, return_sign=True)
    weighted.append({"kind": kind, "x": [enc(t) for t in x], "b": [enc(t) for t in b],
                     "scipy": [enc(v), enc(s)], "mpmath": exact(x, b)})

inf, nan = math.inf, math.nan
edge = []
for x, b in [([1, 2, 3], [1, -1, 1]), ([0, 0], [1, -1]), ([inf, 1], [1, 1]), ([inf, 1], [-1, 1]),
             ([inf, inf], [1, -1]), ([nan, 1], [1, 1]), ([1, 2], [0, 0]), ([inf, 1], [0, 1]),
             ([1, 2], [nan, 1]), ([-inf, -inf], [1, 1]), ([1000, 1000], [1, -0.5]), ([nan, 1], [0, 1]),
             ([-inf, 1], [inf, 1]), ([0, -800], [1, -1]), ([-5], [-2])]:
    v, s = logsumexp(np.array(x, float), b=np.array(b, float), return_sign=True)
    edge.append({"x": [enc(t) for t in x], "b": [enc(t) for t in b], "scipy": [enc(v), enc(s)]})

rows = []
for r, d, spread in [(3, 1, 1.0), (17, 5, 10.0), (9, 130, 3.0), (4, 1000, 100.0)]:
    m = rng.standard_normal((r, d)) * spread
    m[0, 0] = -inf
    rows.append({"dim": d, "x": [enc(t) for t in m.ravel()], "scipy": [enc(t) for t in logsumexp(m, axis=1)]})

out = pathlib.Path(__file__).with_name("lse_scipy.json")
out.write_text(json.dumps({"scipy": scipy.__version__, "mpmath": mp.__version__,
                           "weighted": weighted, "edge": edge, "rows": rows}) + "\n")
print(f"wrote {len(weighted)} weighted, {len(edge)} edge and {len(rows)} row cases to {out}")

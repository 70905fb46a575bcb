"""Cross-check cases for simkern's ranks and correlations, computed with SciPy.

Run from the repository root:  python3 tests/data/stats_scipy.py
Writes tests/data/stats_scipy.json, read by tests/tests/stats_scipy.rs.
Inputs are float32 values (stored exactly as float64), NaN-free.
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(7)
cases = []
for n, kind in [(10, "normal"), (57, "ties3"), (200, "ties10"), (1000, "normal"), (333, "likert")]:
    if kind == "normal":
        x = rng.standard_normal(n)
        y = x + rng.standard_normal(n)
    elif kind == "likert":
        x = rng.integers(1, 6, n).astype(float)
        y = np.clip(x + rng.integers(-1, 2, n), 1, 5).astype(float)
    else:
        m = 3 if kind == "ties3" else 10
        x = rng.integers(0, m, n).astype(float)
        y = x * 0.5 + rng.integers(0, m, n)
    x = x.astype(np.float32).astype(np.float64)
    y = y.astype(np.float32).astype(np.float64)
    cases.append({
        "kind": kind,
        "x": x.tolist(),
        "y": y.tolist(),
        "rank": {m: stats.rankdata(x, method=m).tolist() for m in ["average", "min", "max", "dense", "ordinal"]},
        "pearson": float(stats.pearsonr(x, y).statistic),
        "spearman": float(stats.spearmanr(x, y).statistic),
        "kendall_tau_b": float(stats.kendalltau(x, y, variant="b").statistic),
    })
out = pathlib.Path(__file__).with_name("stats_scipy.json")
out.write_text(json.dumps({"scipy": scipy.__version__, "cases": cases}) + "\n")
print(f"wrote {len(cases)} cases to {out} (scipy {scipy.__version__})")

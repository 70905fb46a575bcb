"""Correlation tests (statistic and p-value, every alternative) from SciPy.

Run from the repository root:  python3 tests/data/tests_scipy.py
Writes tests/data/tests_scipy.json, read by tests/tests/significance.rs:
cases of x, y (float64; float32-exact where `f32` is true) with, for each
alternative, SciPy 1.17's pearsonr, spearmanr and kendalltau (variant "b",
method "auto") statistic and p-value, and kendalltau's variant "c"
statistic. n from 3 to 400: Kendall's exact regime (no ties, n <= 33) and
its asymptotic one (ties, or n > 33); p-values from 1 down to 1e-250.
"matrices": data matrices with np.corrcoef(x, rowvar=False) and the 2-D
spearmanr(x) statistic.
"""
import json
import pathlib

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(13)
ALTERNATIVES = ["two-sided", "less", "greater"]


def data(n, kind, strength):
    if kind == "normal":
        x = rng.standard_normal(n)
        y = strength * x + rng.standard_normal(n)
    elif kind == "ties":
        x = rng.integers(0, 4, n).astype(float)
        y = strength * x + rng.integers(0, 4, n)
    elif kind == "likert":
        x = rng.integers(1, 6, n).astype(float)
        y = np.clip(np.round(strength * (x - 3)) + 3 + rng.integers(-1, 2, n), 1, 5).astype(float)
    elif kind == "monotone":
        x = rng.standard_normal(n)
        y = np.exp(x) * np.sign(strength)
    return x.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)


def nan_to_none(v):
    v = float(v)
    return None if np.isnan(v) else v


cases = []
for n in [3, 4, 5, 7, 10, 20, 33, 34, 50, 100, 400]:
    for kind in ["normal", "ties", "likert", "monotone"]:
        for strength in [0.0, 0.4, -1.5, 6.0]:
            if kind == "monotone" and strength in (0.4, 6.0):
                continue
            x, y = data(n, kind, strength)
            case = {"kind": kind, "x": x.tolist(), "y": y.tolist()}
            for alt in ALTERNATIVES:
                p = stats.pearsonr(x, y, alternative=alt)
                s = stats.spearmanr(x, y, alternative=alt)
                k = stats.kendalltau(x, y, alternative=alt)
                case[alt] = {
                    "pearson": [nan_to_none(p.statistic), nan_to_none(p.pvalue)],
                    "spearman": [nan_to_none(s.statistic), nan_to_none(s.pvalue)],
                    "kendall_tau_b": [nan_to_none(k.statistic), nan_to_none(k.pvalue)],
                }
            case["kendall_tau_c"] = nan_to_none(stats.kendalltau(x, y, variant="c").statistic)
            cases.append(case)
# A constant input: every statistic and p-value NaN.
x = np.arange(6.0)
y = np.full(6, 2.0)
case = {"kind": "constant", "x": x.tolist(), "y": y.tolist()}
for alt in ALTERNATIVES:
    case[alt] = {
        "pearson": [None, None],
        "spearman": [None, None],
        "kendall_tau_b": [None, None],
    }
case["kendall_tau_c"] = None
cases.append(case)

# Correlation matrices over the columns of an n_obs x n_cols matrix:
# np.corrcoef(x, rowvar=False) and spearmanr(x).statistic.
matrices = []
for n_obs, n_cols in [(5, 3), (200, 6), (1000, 4)]:
    base = rng.standard_normal(n_obs)
    cols = [base + rng.standard_normal(n_obs) * w for w in np.linspace(0.2, 3, n_cols)]
    cols[-1] = np.round(cols[-1])  # ties
    x = np.stack(cols, axis=1).astype(np.float32).astype(np.float64)
    matrices.append({
        "n_cols": n_cols,
        "x": x.ravel().tolist(),
        "pearson": np.corrcoef(x, rowvar=False).ravel().tolist(),
        "spearman": np.asarray(stats.spearmanr(x).statistic).ravel().tolist(),
    })

out = pathlib.Path(__file__).with_name("tests_scipy.json")
out.write_text(json.dumps({"scipy": scipy.__version__, "cases": cases, "matrices": matrices}) + "\n")
print(f"wrote {len(cases)} cases to {out} (scipy {scipy.__version__})")

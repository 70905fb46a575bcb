"""High-precision binomial test vectors for simkern (50-digit mpmath).

Run from the repository root:  python3 tests/data/binomial_mpmath.py
Writes tests/data/binomial_mpmath.json, read by tests/tests/binomial.rs:
rows of [k, n, p, logpmf, pmf, cdf, sf] as strings (cdf and sf null for
n > 20000, where the exact summations below would be too slow).
"""
import json
import pathlib

import mpmath as mp

mp.mp.dps = 50


def logpmf(k, n, p):
    p = mp.mpf(p)
    if p == 0:
        return mp.mpf(0) if k == 0 else -mp.inf
    if p == 1:
        return mp.mpf(0) if k == n else -mp.inf
    return (mp.loggamma(n + 1) - mp.loggamma(k + 1) - mp.loggamma(n - k + 1)
            + k * mp.log(p) + (n - k) * mp.log1p(-p))


def cdf(k, n, p):
    """P(X <= k) by exact summation (mpmath's incomplete beta does not
    converge for these arguments): the terms by the ratio recurrence."""
    if k >= n:
        return mp.mpf(1)
    p = mp.mpf(p)
    if p == 0:
        return mp.mpf(1)
    q = 1 - p
    term = mp.exp(logpmf(0, n, p))
    total = term
    for j in range(1, k + 1):
        term *= (n - j + 1) * p / (j * q)
        total += term
    return total


def sf(k, n, p):
    """P(X > k) by exact summation of the upper tail (not 1 - cdf, which
    would lose the relative accuracy of tiny tails)."""
    if k >= n:
        return mp.mpf(0)
    p = mp.mpf(p)
    if p == 0:
        return mp.mpf(0)
    if p == 1:
        return mp.mpf(1)
    q = 1 - p
    term = mp.exp(logpmf(k + 1, n, p))
    total = term
    for j in range(k + 1, n):
        term *= (n - j) * p / ((j + 1) * q)
        total += term
    return total


cases = []
ns = [1, 2, 5, 10, 30, 100, 1000, 12345, 10**6, 10**9, 10**12, 10**15, 10**18]
ps = [0.5, 0.3, 0.9, 0.999999, 1e-3, 1e-8, 1e-15, 1e-100, 1e-300]
for n in ns:
    for p in ps:
        mean = n * p
        sd = (n * p * (1 - p)) ** 0.5
        ks = {0, 1, 2, n, n - 1, int(mean), int(mean) + 1, max(0, int(mean - 3 * sd)), min(n, int(mean + 3 * sd)),
              max(0, int(mean - 10 * sd)), min(n, int(mean + 10 * sd)), min(n, 7), n // 2}
        for k in sorted(x for x in ks if 0 <= x <= n):
            lp = logpmf(k, n, p)
            row = [k, n, repr(p), mp.nstr(lp, 25), mp.nstr(mp.exp(lp), 25)]
            c = cdf(k, n, p) if n <= 20000 else None
            row.append(mp.nstr(c, 25) if c is not None else None)
            t = sf(k, n, p) if n <= 20000 else None
            row.append(mp.nstr(t, 25) if t is not None else None)
            cases.append(row)

out = pathlib.Path(__file__).with_name("binomial_mpmath.json")
out.write_text(json.dumps({"mpmath": mp.__version__, "dps": mp.mp.dps, "rows": cases}) + "\n")
print(f"wrote {len(cases)} rows to {out}")

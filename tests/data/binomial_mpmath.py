"""High-precision binomial test vectors for simkern (50-digit mpmath).

Run from the repository root:  python3 tests/data/binomial_mpmath.py
Writes tests/data/binomial_mpmath.json, read by tests/tests/binomial.rs:
rows of [k, n, p, logpmf, pmf, cdf, sf] as strings (cdf and sf null
where the summation would need more than TERMS_MAX terms: n up to 10⁹ at
p = 0.5, further for smaller variances).
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


# Terms of a tail sum beyond this many standard deviations from where it
# starts contribute less than 1e-60 of it (the terms fall off like a
# Gaussian on the mode side and geometrically beyond).
TERMS_MAX = 2_000_000


def tail_terms(k, n, p):
    """An upper estimate of the terms the shorter tail sum at k needs."""
    sd = (n * p * (1 - p)) ** 0.5
    return int(60 * sd + 200)


def lower_sum(k, n, p):
    """Σ_{j ≤ k} pmf(j), from j = k downwards by the ratio recurrence,
    until the terms no longer change the 50-digit sum."""
    p = mp.mpf(p)
    q = 1 - p
    term = mp.exp(logpmf(k, n, p))
    total = term
    j = k
    eps = mp.mpf(10) ** (-(mp.mp.dps + 5))
    while j > 0:
        term *= j * q / ((n - j + 1) * p)
        total += term
        j -= 1
        if term < eps * total and j < n * p:
            break
    return total


def upper_sum(k, n, p):
    """Σ_{j > k} pmf(j), from j = k + 1 upwards likewise (not 1 − cdf,
    which would lose the relative accuracy of tiny tails)."""
    p = mp.mpf(p)
    q = 1 - p
    term = mp.exp(logpmf(k + 1, n, p))
    total = term
    j = k + 1
    eps = mp.mpf(10) ** (-(mp.mp.dps + 5))
    while j < n:
        term *= (n - j) * p / ((j + 1) * q)
        total += term
        j += 1
        if term < eps * total and j > n * p:
            break
    return total


def cdf_sf(k, n, p):
    """(P(X ≤ k), P(X > k)): the side nearer k summed first; where it is
    at most 1/2 the other is its 50-digit complement (accurate, being at
    least 1/2), otherwise the other side is summed directly too, so a tiny
    tail keeps its relative accuracy. None where a sum would be too long."""
    if k >= n:
        return mp.mpf(1), mp.mpf(0)
    if p == 0:
        return mp.mpf(1), mp.mpf(0)
    if p == 1:
        return mp.mpf(0), mp.mpf(1)
    if tail_terms(k, n, p) > TERMS_MAX:
        return None
    if k < n * p:
        c = lower_sum(k, n, p)
        return (c, 1 - c) if c <= 0.5 else (c, upper_sum(k, n, p))
    s = upper_sum(k, n, p)
    return (1 - s, s) if s <= 0.5 else (lower_sum(k, n, p), s)


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
            tails = cdf_sf(k, n, p)
            row.append(mp.nstr(tails[0], 25) if tails is not None else None)
            row.append(mp.nstr(tails[1], 25) if tails is not None else None)
            cases.append(row)

out = pathlib.Path(__file__).with_name("binomial_mpmath.json")
out.write_text(json.dumps({"mpmath": mp.__version__, "dps": mp.mp.dps, "rows": cases}) + "\n")
print(f"wrote {len(cases)} rows to {out}")

"""Binomial tails at every scale for simkern, from 60-digit mpmath.

Run from the repository root:  python3 tests/data/binomial_tails_mpmath.py
Writes tests/data/binomial_tails_mpmath.json, read by tests/tests/binomial.rs:
"tails": rows of [k, n, p, ln P(X <= k), ln P(X > k)]; "ends": rows of
[k, n, p, P(X = k)] at k = 0 and k = n, where the pmf is (1 - p)^n or p^n
(k, n as decimal strings so that integers up to 2^64 - 1 survive JSON;
values as 25-digit strings).

P(X > k) = I_p(k + 1, n - k) and P(X <= k) = 1 - I_p(k + 1, n - k) are
computed as integrals of the Beta(k + 1, n - k) density on each side of p
(tanh-sinh quadrature, mpmath.quad), split at the density's mode and
windowed to where it is above e^-120 of its peak, so each side keeps its
own relative accuracy however small it is and n reaches 2^64 - 1 (mpmath's
hypergeometric betainc does not converge at such n; where the pmf can be
summed term by term, the two agree to 40 digits, which the script checks).
"""
import json
import pathlib
import random

import mpmath as mp

mp.mp.dps = 60
WINDOW = 120  # e-folds of the density kept on each side (e^-120 ≈ 8e-53)


def log_density(a, b):
    lnB = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)

    def f(t):
        return (a - 1) * mp.log(t) + (b - 1) * mp.log1p(-t) - lnB
    return f


def side_integral(f, lo, hi, mode, scale):
    """log of the integral of exp(f) over [lo, hi], where the mass sits
    near `mode` (if inside) or near the end closest to it."""
    if hi <= lo:
        return -mp.inf
    # The peak of the integrand on [lo, hi].
    peak = min(max(mode, lo), hi)
    ref = f(peak) if 0 < peak < 1 else max(f(lo) if lo > 0 else -mp.inf, f(hi) if hi < 1 else -mp.inf)
    pts = [lo]
    for c in (peak - 8 * scale, peak - scale, peak, peak + scale, peak + 8 * scale):
        if lo < c < hi and c not in pts:
            pts.append(c)
    pts.append(hi)
    pts.sort()
    val = mp.quad(lambda t: mp.exp(f(t) - ref), pts, maxdegree=10)
    return ref + mp.log(val)


def local_scale(a, b, t):
    """The width over which the density changes by e at t (its curvature
    scale near the mode, 1/slope in a tail)."""
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    slope = abs((a - 1) / t - (b - 1) / (1 - t)) if 0 < t < 1 else mp.inf
    return min(sd, 1 / slope) if slope != 0 else sd


def tails(k, n, p):
    a, b = mp.mpf(k + 1), mp.mpf(n - k)
    p = mp.mpf(p)
    f = log_density(a, b)
    mode = (a - 1) / (a + b - 2) if a + b > 2 else mp.mpf(0.5)
    if a == 1:
        mode = mp.mpf(0)
    if b == 1:
        mode = mp.mpf(1)
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    # Lower side [0, p] (P(X > k)), upper side [p, 1] (P(X <= k)).
    s_p = local_scale(a, b, p)
    if p <= mode:
        lo = max(mp.mpf(0), p - WINDOW * s_p)
        hi_side = (p, min(mp.mpf(1), mode + WINDOW * sd))
    else:
        lo = max(mp.mpf(0), mode - WINDOW * sd)
        hi_side = (p, min(mp.mpf(1), p + WINDOW * s_p))
    ln_lower_beta = side_integral(f, lo, p, mode, min(sd, s_p))
    ln_upper_beta = side_integral(f, hi_side[0], hi_side[1], mode, min(sd, s_p))
    # Check the total (the windows drop < e^-120 of the mass; the total is 1 to
    # the working precision only if nothing else was lost: check it).
    total = mp.exp(ln_lower_beta) + mp.exp(ln_upper_beta)
    assert abs(total - 1) < mp.mpf(10) ** -30, (k, n, p, total)
    return ln_upper_beta, ln_lower_beta  # (ln cdf, ln sf)


def cases():
    rnd = random.Random(2026)
    out = []
    for n in [10**6, 10**8, 10**10, 10**12, 10**15, 10**16 + 1, 10**18, 10**19, 2**64 - 1]:
        for p in [0.5, 0.3, 1e-3, 1e-9, 1 - 2.0**-40, 0.999]:
            mean = n * p
            sd = (n * p * (1 - p)) ** 0.5
            if sd < 40:
                continue
            for z in [-40, -12, -3, -0.5, 0, 0.7, 4, 15, 38]:
                k = int(mean + z * sd)
                if 0 <= k < n:
                    out.append((k, n, p))
            # The extreme ends, within the tails' reach of f64 logs.
            out.append((0, n, p)) if n * p < 1e5 else None
    # Tiny p with huge n: Poisson-like, tails near k = 0.
    for n in [10**12, 10**18, 2**64 - 1]:
        for p in [1e-300, 1e-20, 3e-16]:
            mean = n * p
            for k in sorted({0, 1, int(mean), int(mean) + 3}):
                if k < n:
                    out.append((k, n, p))
    # Random ones across the scales.
    for _ in range(40):
        n = int(10 ** rnd.uniform(6, 19.2))
        p = rnd.choice([rnd.random(), 10 ** rnd.uniform(-14, 0)])
        sd = (n * p * (1 - p)) ** 0.5
        k = int(n * p + rnd.uniform(-30, 30) * sd)
        if 0 <= k < n and sd > 40:
            out.append((k, n, p))
    return out


def check_against_sums():
    """Where the pmf can be summed term by term, the quadrature agrees."""
    for k, n, p in [(3000, 10000, 0.3), (2600, 10000, 0.3), (50, 20000, 0.004), (0, 5000, 0.01)]:
        ln_cdf, ln_sf = tails(k, n, p)
        pm = mp.mpf(p)
        terms = [mp.binomial(n, j) * pm**j * (1 - pm) ** (n - j) for j in range(n + 1)]
        lower, upper = mp.fsum(terms[: k + 1]), mp.fsum(terms[k + 1 :])
        assert abs(mp.exp(ln_cdf) / lower - 1) < mp.mpf(10) ** -40, (k, n, p)
        assert abs(mp.exp(ln_sf) / upper - 1) < mp.mpf(10) ** -40, (k, n, p)


def main():
    check_against_sums()
    rows = []
    for k, n, p in cases():
        ln_cdf, ln_sf = tails(k, n, p)
        rows.append([str(k), str(n), repr(p), mp.nstr(ln_cdf, 25), mp.nstr(ln_sf, 25)])
    ends = []
    for n in [1, 7, 1000, 10**6, 10**9, 10**12, 10**15, 2**53 + 1, 10**18, 2**64 - 1]:
        for p in [1e-300, 1e-18, 3e-16, 1e-12, 1e-9, 1e-6, 1e-3, 0.1, 0.5, 0.9, 1 - 1e-9, 1 - 2.0**-52]:
            pm = mp.mpf(p)
            for k, v in [(0, (1 - pm) ** n), (n, pm**n)]:
                if mp.mpf(10) ** -300 < v:
                    ends.append([str(k), str(n), repr(p), mp.nstr(v, 25)])
    path = pathlib.Path(__file__).with_name("binomial_tails_mpmath.json")
    path.write_text(json.dumps({"tails": rows, "ends": ends}, indent=0) + "\n")
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()

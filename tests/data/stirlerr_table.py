"""The exact-value table of stirlerr(n) = ln n! − ln(√(2πn) (n/e)ⁿ) for
n = 1..15 used by core/src/binomial.rs (printed as Rust f64 literals).

Run: python3 tests/data/stirlerr_table.py
"""
import mpmath as mp

mp.mp.dps = 40
for n in range(1, 16):
    v = mp.loggamma(n + 1) - (n + mp.mpf(1) / 2) * mp.log(n) + n - mp.log(mp.sqrt(2 * mp.pi))
    print(f"    {float(v)!r}, // n = {n}")

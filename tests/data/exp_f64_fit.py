"""The coefficients Q_F64 of core/src/math.rs: q(r) ≈ (eʳ − 1)/r on
|r| ≤ ln2/2 (a little past it), degree 10, so that the vector f64 exp
evaluates eʳ ≈ 1 + r·q(r) in eleven FMAs instead of the degree-13 Taylor
polynomial's thirteen.

A Chebyshev fit (mpmath's chebyfit: near-minimax) at 50 digits, then
rounded to f64 and checked: the relative error of 1 + r·q(r) with the
rounded coefficients, in exact arithmetic, over 2001 points of the range.
(Degree 9 gives 5 ulp there: not enough for the 2-ulp contract.) The
contract itself is tested against libm in core/src/math.rs.

Run: python3 tests/data/exp_f64_fit.py   (needs mpmath)
"""
import mpmath as mp

mp.mp.dps = 50
HALF = mp.log(2) / 2 * mp.mpf("1.0005")
COEFFS = 11  # degree 10


def q_exact(r):
    return mp.expm1(r) / r if r != 0 else mp.mpf(1)


fit, err = mp.chebyfit(q_exact, [-HALF, HALF], COEFFS, error=True)
q = [float(c) for c in fit[::-1]]  # lowest first, rounded to f64


def rel_error(r):
    acc = mp.mpf(0)
    for c in reversed(q):
        acc = acc * r + mp.mpf(c)
    return abs(1 + r * acc - mp.exp(r)) / mp.exp(r)


worst = max(rel_error(-HALF + 2 * HALF * i / 2000) for i in range(2001))
print("const Q_F64: [f64; 11] = [" + ", ".join(repr(c) for c in q) + "];")
print(f"fit error of q: {float(err):.3e}; relative error of 1 + r·q(r): {float(worst):.3e}"
      f" ({float(worst) / 2**-53:.3f} ulp of 2⁻⁵³)")

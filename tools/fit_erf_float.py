"""Fits of the float32 erf / erfc / gelu bodies (cpp/src/cpu/vmath.h, "erf, erfc, gelu on float lanes").

Prints the ErfF32 and GeluF32 structs. With u = |x| and z = s u (s = 1 for erf/erfc, 1/sqrt 2 for gelu):

- G(u) = log(erfc(z)) + z^2 on [0, 0.1875) and on each half-binade [2^e, 1.5 2^e), [1.5 2^e, 2^(e+1)) beyond, up to
  kUMax, as c0 + c1 v + v^2 Q(v) with v = u - centre. The centre is searched near the region's middle for a point
  where G is within 2^-32 of a float (so that c0 needs no low part) and lies in [hi / 2, 2 lo] (v exact by
  Sterbenz). c0 and c1 are rounded to float first; Q (the lowest degree <= 5 whose error is below 4e-9, zero
  padded) is mpmath's Chebyshev fit of the remainder, its coefficients rounded to float. The printed error is the
  maximum over 400 points of the float-coefficient polynomial against G, at 40 digits.
- erf near 0 (erf/erfc only): erf(u) = u A(u^2) for u < 0.5, A's leading coefficient 2/sqrt(pi) as a float plus
  kA0Lo, the rest fitted to the remainder.

- gelu' (GeluDerivF32): gelu'(-u) = e^(-u^2/2) B(u), B(u) = Phi(-u) e^(u^2/2) - u / sqrt(2 pi), fitted on GeluF32's
  regions with the same centres (c0 in two parts, the lowest degree <= 8 below 5e-9 relative), except on the
  window [0.5, 1.25) around B's root u0, where B = (u - u0) S(u - u0) (S the lowest degree below 1e-8); the
  region [1, 1.5) is fitted on [1.25, 1.5) only.

Usage: python tools/fit_erf_float.py > /tmp/structs.h   (needs mpmath and numpy; about 15 s)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
Q_DEGREE = 5  # kG holds c0, c1 and Q's 6 coefficients
TOL = 4e-9


def f32(v):
    return float(np.float32(float(v)))


def G(s, u):
    return mp.log(mp.erfc(s * u)) + (s * u) ** 2


def regions(umax):
    out = [(0.0, 0.1875)]  # [0, 0.125) merged with [0.125, 0.1875): the index is clamped at 0
    for e in range(-3, 4):
        for a, b in ((2.0 ** e, 1.5 * 2.0 ** e), (1.5 * 2.0 ** e, 2.0 ** (e + 1))):
            if a >= 0.1875 and a < umax:
                out.append((a, min(b, umax)))
    return out


def centre_of(s, lo, hi):
    mid = np.float32((lo + hi) / 2)
    for k in range(100000):
        c = mid + np.float32(k // 2 * (1 if k % 2 else -1)) * np.spacing(mid) * 64
        g0 = G(s, mp.mpf(float(c)))
        if abs(g0 - f32(g0)) < 2.0 ** -32:
            assert lo == 0 or (c / 2 <= lo and hi <= 2 * c), (lo, hi, c)
            return mp.mpf(float(c)), f32(g0)
    raise RuntimeError(f"no centre for [{lo}, {hi}]")


def fit_region(s, lo, hi, nq):
    c, c0 = centre_of(s, lo, hi)
    c1 = f32(mp.diff(lambda u: G(s, u), c))
    g2 = mp.diff(lambda u: G(s, u), c, 2) / 2

    def rest(v):  # (G - c0 - c1 v) / v^2, its limit at v = 0
        return g2 if abs(v) < mp.mpf(10) ** -15 else (G(s, c + v) - c0 - c1 * v) / v ** 2

    poly = mp.chebyfit(rest, [lo - c, hi - c], nq)
    Q = [f32(p) for p in poly[::-1]]  # lowest degree first
    err = 0
    for v in mp.linspace(lo - c, hi - c, 400):
        p = mp.mpf(0)
        for k in reversed(Q):
            p = p * v + k
        err = max(err, abs(c0 + c1 * v + v * v * p - G(s, c + v)))
    return float(c), [c0, c1] + Q, float(err)


def near0(umax, n):
    a0x = 2 / mp.sqrt(mp.pi)
    a0, a0lo = f32(a0x), f32(a0x - f32(a0x))

    def rest(t):  # (erf(u) / u - a0 - a0lo) / t, t = u^2
        if t < mp.mpf(10) ** -15:
            return -2 / (3 * mp.sqrt(mp.pi))
        u = mp.sqrt(t)
        return (mp.erf(u) / u - a0 - mp.mpf(a0lo)) / t

    A = [a0] + [f32(p) for p in mp.chebyfit(rest, [0, umax ** 2], n)[::-1]]
    err = 0
    for u in mp.linspace(mp.mpf(umax) / 400, umax, 400):
        t, p = u * u, mp.mpf(0)
        for k in reversed(A):
            p = p * t + k
        err = max(err, abs(u * (p + a0lo) / mp.erf(u) - 1))
    return A, a0lo, float(err)


def floats(xs, n=16):
    return ", ".join(f"{v!r}f" for v in list(xs) + [0.0] * (n - len(xs)))


def table(name, s, umax, umax_text, with_near0, note=""):
    print(f"struct {name} {{")
    print(f"  static constexpr float kUMax = {umax_text};{note}")
    if with_near0:
        A, a0lo, err = near0(0.5, 5)
        print(f"  // erf(u) = u (A(u^2) + kA0Lo) for u < 0.5: relative error {err:.3g}")
        print(f"  static constexpr float kA[{len(A)}] = {{{floats(A, len(A))}}};")
        print(f"  static constexpr float kA0Lo = {a0lo!r}f;")
    centres, rows = [], []
    for lo, hi in regions(umax):
        for nq in range(3, Q_DEGREE + 2):
            c, coef, err = fit_region(s, lo, hi, nq)
            if err < TOL:
                break
        centres.append(c)
        rows.append(coef + [0.0] * (Q_DEGREE + 3 - len(coef)))
        print(f"  //   [{lo:g}, {hi:g}] centre {c:g}: abs error {err:.3g}")
    print(f"  static constexpr float kCentre[16] = {{{floats(centres)}}};")
    print(f"  static constexpr float kG[{Q_DEGREE + 3}][16] = {{")
    for k in range(Q_DEGREE + 3):
        print(f"      {{{floats([r[k] for r in rows])}}},")
    print("  };\n};\n")


def gelu_derivative_table(gelu_max):
    sq2pi = mp.sqrt(2 * mp.pi)

    def B(u):
        return mp.erfc(u / mp.sqrt(2)) / 2 * mp.exp(u * u / 2) - u / sq2pi

    def err_of(co, lo0, f, a, b):
        err = 0
        for v in mp.linspace(a, b, 300):
            p = mp.mpf(0)
            for k in reversed(co):
                p = p * v + k
            err = max(err, abs((p + lo0) / f(v) - 1))
        return float(err)

    print("struct GeluDerivF32 {")
    rows, lows = [], []
    for lo, hi in regions(gelu_max):
        if lo in (0.5, 0.75):
            rows.append([0.0] * 9)
            lows.append(0.0)
            print(f"  //   [{lo:g}, {hi:g}]: the window" + (" (to 1.25)" if lo == 0.75 else ""))
            continue
        c, _ = centre_of(1 / mp.sqrt(2), lo, hi)
        a = 1.25 if lo == 1.0 else lo
        for n in range(3, 10):
            poly = mp.chebyfit(lambda v: B(c + v), [a - c, hi - c], n)
            co = [f32(p) for p in poly[::-1]]
            lo0 = f32(poly[-1] - co[0])
            err = err_of(co, lo0, lambda v: B(c + v), a - c, hi - c)
            if err < 5e-9:
                break
        rows.append(co + [0.0] * (9 - len(co)))
        lows.append(lo0)
        where = f"[{lo:g}, {hi:g})" + (" on [1.25, 1.5)" if lo == 1.0 else "")
        print(f"  //   {where}: degree {n - 1}, relative error {err:.3g}")
    print(f"  static constexpr float kB0Lo[16] = {{{floats(lows)}}};")
    print("  static constexpr float kB[9][16] = {")
    for k in range(9):
        print(f"      {{{floats([r[k] for r in rows])}}},")
    print("  };")
    u0 = mp.findroot(B, 0.75)
    u0hi, u0lo = f32(u0), f32(u0 - f32(u0))

    def S(t):
        return mp.diff(B, u0) if abs(t) < mp.mpf(10) ** -20 else B(u0 + t) / t

    for n in range(4, 12):
        co = [f32(p) for p in mp.chebyfit(S, [0.5 - u0, 1.25 - u0], n)[::-1]]
        err = err_of(co, 0, S, 0.5 - u0, 1.25 - u0)
        if err < 1e-8:
            break
    print(f"  // window: S degree {n - 1}, relative error {err:.3g}")
    print(f"  static constexpr float kU0Hi = {u0hi!r}f, kU0Lo = {u0lo!r}f;")
    print(f"  static constexpr float kS[{len(co)}] = {{{floats(co, len(co))}}};")
    print("};\n")


if __name__ == "__main__":
    table("ErfF32", mp.mpf(1), 10.5, "10.5f", True)
    gelu_max = f32(np.float32(10.5) * np.float32(1.41421356237309504880))  # 10.5 sqrt(2) as gelu's kernel rounds it
    table("GeluF32", 1 / mp.sqrt(2), gelu_max, "14.849242f", False, "  // 10.5 sqrt(2)")
    gelu_derivative_table(gelu_max)

// Vectorised float functions, one body per function for float and double at every level (Note [CPU
// dispatch]). The tail of an array runs the same body on a zero-padded vector, so every element of a result
// comes from the same arithmetic whatever its position. Accuracy is measured against a float64 reference for
// float32 and an 80-bit reference for float64 (tests/python/test_cpu_kernels.py): within 2 ulp, with ±0,
// denormals, ±inf, NaN and the overflow/underflow thresholds exact.
//
// Methods (the standard ones; constants are the Taylor coefficients 1/k! and 2/(2k+1), and ln 2 split so that
// k * ln2_hi is exact for every exponent k that occurs):
// - exp: x = n ln2 + r with n = round(x / ln2) and |r| <= ln2/2 (Cody-Waite reduction in two parts), e^r by its
//   Taylor polynomial 1 + r Q(r) (degree 7 in float, 13 in double: truncation below 0.05 ulp), then scaled by 2^n as
//   two factors 2^(n - n/2) * 2^(n/2), so that results near overflow and in the denormal range round once.
// - expm1: the same reduction; expm1(r) = r + r^2 q(r); then 2^n (1 + expm1(r)) - 1 evaluated as
//   2 * fma(2^(n-1), expm1(r), 2^(n-1) - 1/2), exact scaling and one rounding, so small |x| keep full
//   relative accuracy.
// - log: x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f):
//   log(1 + f) = 2 atanh(s) = f - s (f - R(s^2)) with R the atanh series beyond its first term; then
//   e ln2_hi + (e ln2_lo + log(1 + f)) with one rounding. log2 uses e + log(1 + f) log2(e), so powers of two
//   are exact.
// - log1p: u = 1 + x; log(u) + (x - (u - 1)) / u (the second term restores what rounding u lost).
// - tanh: its odd Taylor polynomial below |x| = 0.55 (9 terms in float, 19 in double: the series' terms
//   shrink by (2x/pi)^2 each), and sign(x) (1 - 2 / (expm1(2|x|) + 2)) above, one rounding at the end where
//   the result is near 1; |x| is clamped where tanh rounds to 1.
// - sigmoid: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e) below, which keeps the tiny results of
//   large negative x (down to the denormals) instead of 1 / inf. e is carried as (s + s t) 2^-K (exp_shifted:
//   float uses a degree-5 near-minimax fit for e^r, 0.03 ulp), 1 + e is one fused step, the quotient one division;
//   the negative side is refined as e (1 - sigmoid(x)), which scales the quotient's error by e. Float32, all 2^32
//   inputs at AVX2 and AVX-512: max 1.74 ulp. silu(x) = x / (1 + e) and x e / (1 + e), the numerator rounded once,
//   the quotient corrected for the rounding of 1 + e and of the division (div_corrected): max 1.98 ulp.
// - rsqrt: 1 / sqrt(x) (two correctly rounded steps, 1.5 ulp).
// - erf, erfc, gelu: float32 at the FMA levels on float lanes, erfc = e^(-z^2 + G) with G fitted per half-binade
//   (section "erf, erfc, gelu on float lanes"; every float32 |x| < 16 at AVX2 and AVX-512 against libm's double
//   erf/erfc: erf 1.00, erfc 1.07, gelu 1.33, gelu's derivative 2.19 ulp); float64, and float32 at the baseline
//   level, the double body (section "erf, erfc, gelu").
// - softplus: float32 on float lanes at the FMA levels (every float32 x <= 21 at AVX2 and AVX-512: 1.64 ulp), the
//   double body elsewhere; mish: the double body (float32 on widened lanes, 0.5 ulp); sin, cos: double bodies, for
//   float32 with float-sized polynomials (every float32 |x| <= 2e6: 0.53 ulp). See their sections.
#pragma once

#include <type_traits>

#include "vec.h"

namespace fastgrad::cpu::FG_ISA {

template <class T>
struct MathConst;

template <>
struct MathConst<float> {
  static constexpr float kLog2e = 1.44269504088896340736f;
  static constexpr float kLn2Hi = 0.693145751953125f;        // 9 trailing zero bits
  static constexpr float kLn2Lo = 1.42860682030941723212e-6f;  // ln 2 - kLn2Hi
  static constexpr float kRoundMagic = 12582912.0f;          // 1.5 * 2^23: x + magic rounds x to an integer
  // Beyond: inf and 0 (e^88.73 > FLT_MAX; x e^x rounds to 0 below -108.7, so silu reaches that far).
  static constexpr float kExpHi = 89.0f, kExpLo = -115.0f;
  static constexpr float kExpm1Lo = -18.0f;                  // below: -1
  static constexpr float kTanhClamp = 10.0f;                 // tanh(10) rounds to 1
  static constexpr float kMinNormal = 1.17549435e-38f;
  static constexpr float kDenormScale = 33554432.0f;  // 2^25
  static constexpr int kDenormShift = 25;
  static constexpr float kSqrt2 = 1.41421356237309504880f;
  // e^r - 1 - r = r^2 (1/2 + r/6 + ...): the coefficients 1/k!, k = 2..8
  static constexpr float kExpm1Q[] = {1.f / 2, 1.f / 6, 1.f / 24, 1.f / 120, 1.f / 720, 1.f / 5040, 1.f / 40320};
  // e^r = 1 + r Q(r): 1/k!, k = 1..7
  static constexpr float kExpQ[] = {1.f, 1.f / 2, 1.f / 6, 1.f / 24, 1.f / 120, 1.f / 720, 1.f / 5040};
  // (e^r - 1) / r on |r| <= ln2/2, degree 5: a near-minimax fit (mpmath, 50 digits), relative error 1.1e-8
  // (e^r = 1 + r Q(r) then errs by 4e-9, 0.03 ulp).
  static constexpr float kExpFastQ[] = {1.0000000107755726f, 0.50000000803942376f, 0.16666505233744269f,
                                        0.041666242081024364f, 0.0083691507109167194f, 0.0013948489142874573f};
  // e^a kept as eb 2^-kExpShift with eb normal for every a >= kExpLo (see exp_shifted).
  static constexpr int kExpShift = 64;
  // 2 atanh(s) - 2s = s R(z), z = s^2: R(z) = z (2/3 + 2z/5 + 2z^2/7 + 2z^3/9)
  static constexpr float kAtanhR[] = {2.f / 3, 2.f / 5, 2.f / 7, 2.f / 9};
  // tanh(x) / x = T(x^2) for |x| < kTanhSmall: the Taylor coefficients 2^2n (2^2n - 1) B_2n / (2n)!
  static constexpr float kTanhSmall = 0.55f;
  static constexpr float kTanhT[] = {1.f,           -1.f / 3,      2.f / 15,       -17.f / 315,  62.f / 2835,
                                     -1382.f / 155925, 21844.f / 6081075, -929569.f / 638512875,
                                     6404582.f / 10854718875};
};

template <>
struct MathConst<double> {
  static constexpr double kLog2e = 1.44269504088896340736;
  static constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 21 trailing zero bits
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;
  static constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52
  static constexpr double kExpHi = 710.0, kExpLo = -760.0;
  static constexpr double kExpm1Lo = -40.0;
  static constexpr double kTanhClamp = 20.0;
  static constexpr double kMinNormal = 2.2250738585072014e-308;
  static constexpr double kDenormScale = 18014398509481984.0;  // 2^54
  static constexpr int kDenormShift = 54;
  static constexpr double kSqrt2 = 1.41421356237309504880;
  static constexpr double kExpm1Q[] = {1. / 2,         1. / 6,          1. / 24,          1. / 120,
                                       1. / 720,       1. / 5040,       1. / 40320,       1. / 362880,
                                       1. / 3628800,   1. / 39916800,   1. / 479001600,   1. / 6227020800,
                                       1. / 87178291200};
  static constexpr double kExpQ[] = {1.,           1. / 2,        1. / 6,          1. / 24,
                                     1. / 120,     1. / 720,      1. / 5040,       1. / 40320,
                                     1. / 362880,  1. / 3628800,  1. / 39916800,   1. / 479001600,
                                     1. / 6227020800};
  static constexpr int kExpShift = 128;
  static constexpr double kAtanhR[] = {2. / 3,  2. / 5,  2. / 7,  2. / 9,  2. / 11, 2. / 13,
                                       2. / 15, 2. / 17, 2. / 19, 2. / 21, 2. / 23};
  static constexpr double kTanhSmall = 0.55;
  static constexpr double kTanhT[] = {1.0,
                                      -0.3333333333333333,
                                      0.13333333333333333,
                                      -0.05396825396825397,
                                      0.021869488536155203,
                                      -0.008863235529902197,
                                      0.003592128036572481,
                                      -0.0014558343870513183,
                                      0.000590027440945586,
                                      -0.00023912911424355248,
                                      9.691537956929451e-05,
                                      -3.927832388331683e-05,
                                      1.5918905069328964e-05,
                                      -6.451689215655431e-06,
                                      2.6147711512907546e-06,
                                      -1.0597268320104654e-06,
                                      4.294911078273806e-07,
                                      -1.7406618963571648e-07,
                                      7.054636946400968e-08};
};

// x clamped to [lo, hi], NaN lanes replaced by 0 (the callers restore NaN at the end).
template <class T>
FG_VINLINE VecT<T> clamp_finite(VecT<T> x, T lo, T hi) {
  VecT<T> c = select(x > hi, splat<T>(hi), x);
  c = select(c < lo, splat<T>(lo), c);
  return select(x == x, c, VecT<T>{});
}

// x = n ln2 + r: returns r and sets n (as a float and as an integer).
template <class T>
FG_VINLINE VecT<T> reduce_ln2(VecT<T> x, VecT<T>& n, IntT<T>& ni) {
  using C = MathConst<T>;
  const VecT<T> magic = splat<T>(C::kRoundMagic);
  VecT<T> t = fmadd(x, splat<T>(C::kLog2e), magic);
  n = t - magic;
  ni = wrapping_sub_add<T>(bits_of<T>(t), bits_of<T>(magic));
  VecT<T> r = fmadd(n, splat<T>(-C::kLn2Hi), x);
  return fmadd(n, splat<T>(-C::kLn2Lo), r);
}

// 2^k for integer lanes k within the normal exponent range.
template <class T>
FG_VINLINE VecT<T> pow2(IntT<T> k) {
  return from_bits<T>((k + Vec<T>::kBias) << Vec<T>::kMantissa);
}

// e^x = (1 + r q) * s1 * small with |r| <= ln2/2, q = Q(r): s1 = 2^(n - n/2) and small = 2^(n/2) powers of two,
// (1 + r q) s1 a normal number for every x, so that a product with e^x (silu's x e^x) can be formed before the
// one rounding into the denormals.
template <class T>
struct ExpParts {
  VecT<T> r, q, s1, small;
};

// e^(x + lo) for a small correction lo (|lo| below an ulp of x), folded into the reduced argument.
template <class T>
FG_VINLINE ExpParts<T> exp_parts(VecT<T> x, VecT<T> lo = VecT<T>{}) {
  using C = MathConst<T>;
  VecT<T> n;
  IntT<T> ni;
  ExpParts<T> e;
  e.r = reduce_ln2<T>(clamp_finite<T>(x, C::kExpLo, C::kExpHi), n, ni) + lo;
  e.q = horner<T>(e.r, C::kExpQ);
  IntT<T> half = ni >> 1;
  e.small = pow2<T>(half);
  e.s1 = pow2<T>(ni - half);
  return e;
}

template <class T>
FG_VINLINE VecT<T> v_exp(VecT<T> x) {
  ExpParts<T> e = exp_parts<T>(x);
  VecT<T> y = fmadd(e.r, e.q, splat<T>(T(1))) * e.s1 * e.small;
  return select(x == x, y, x);
}

template <class T>
FG_VINLINE VecT<T> v_expm1(VecT<T> x) {
  using C = MathConst<T>;
  VecT<T> n;
  IntT<T> ni;
  VecT<T> r = reduce_ln2<T>(clamp_finite<T>(x, C::kExpm1Lo, C::kExpHi), n, ni);
  VecT<T> em = fmadd(r * r, horner<T>(r, C::kExpm1Q), r);
  VecT<T> h = pow2<T>(ni - 1);
  VecT<T> y = fmadd(h, em, h - T(0.5)) * T(2);
  y = select(x == T(0), x, y);  // keeps -0
  return select(x == x, y, x);
}

// log(x) = e ln2 + lg: the exponent e (as a float) and lg = log(m), m in [sqrt(1/2), sqrt(2)).
// Meaningful for positive finite x only (the callers patch the other lanes).
template <class T>
FG_VINLINE VecT<T> log_parts(VecT<T> x, VecT<T>& ef) {
  using C = MathConst<T>;
  using I = IntT<T>;
  constexpr int kM = Vec<T>::kMantissa;
  const auto tiny = x < C::kMinNormal;
  VecT<T> xs = select(tiny, x * C::kDenormScale, x);
  I bits = bits_of<T>(xs);
  I e = ((bits >> kM) & ((I{} + 1) * (2 * Vec<T>::kBias + 1))) - Vec<T>::kBias;
  e = select(tiny, e - C::kDenormShift, e);
  const I mant_mask = (I{} + 1) * ((static_cast<std::conditional_t<sizeof(T) == 4, int32_t, int64_t>>(1) << kM) - 1);
  VecT<T> m = from_bits<T>((bits & mant_mask) | bits_of<T>(splat<T>(T(1))));
  const auto big = m > C::kSqrt2;
  m = select(big, m * T(0.5), m);
  e = e - big;  // the mask is -1 where set
  ef = __builtin_convertvector(e, VecT<T>);
  VecT<T> f = m - T(1);
  VecT<T> s = f / (f + T(2));
  VecT<T> z = s * s;
  VecT<T> R = z * horner<T>(z, C::kAtanhR);
  return fmadd(-s, f - R, f);
}

// The lanes where log's argument is not a positive finite number: NaN below 0, -inf at ±0, inf at inf, NaN.
template <class T>
FG_VINLINE VecT<T> log_special(VecT<T> x, VecT<T> y) {
  const T inf = __builtin_huge_val();
  y = select(x < T(0), splat<T>(static_cast<T>(__builtin_nan(""))), y);
  y = select(x == T(0), splat<T>(-inf), y);
  y = select(x == inf, x, y);
  return select(x == x, y, x);
}

template <class T>
FG_VINLINE VecT<T> v_log(VecT<T> x) {
  using C = MathConst<T>;
  VecT<T> ef;
  VecT<T> lg = log_parts<T>(x, ef);
  VecT<T> y = fmadd(ef, splat<T>(C::kLn2Hi), fmadd(ef, splat<T>(C::kLn2Lo), lg));
  return log_special<T>(x, y);
}

template <class T>
FG_VINLINE VecT<T> v_log2(VecT<T> x) {
  VecT<T> ef;
  VecT<T> lg = log_parts<T>(x, ef);
  return log_special<T>(x, fmadd(lg, splat<T>(MathConst<T>::kLog2e), ef));
}

template <class T>
FG_VINLINE VecT<T> v_log1p(VecT<T> x) {
  const T inf = __builtin_huge_val();
  VecT<T> u = x + T(1);
  VecT<T> d = u - T(1);
  VecT<T> corr = select(d == x, VecT<T>{}, (x - d) / u);
  VecT<T> y = v_log<T>(u) + corr;
  y = select(u == T(0), splat<T>(-inf), y);
  y = select(x == inf, x, y);
  return select(x == T(0), x, y);  // keeps -0 (NaN and x < -1 come from log)
}

// 1 / sqrt(x): two correctly rounded steps (within 1 ulp); -0 gives -inf, as PyTorch's 1 / sqrt(-0).
template <class T>
FG_VINLINE VecT<T> v_rsqrt(VecT<T> x) {
  return T(1) / vsqrt(x);
}

template <class T>
FG_VINLINE VecT<T> copysign_of(VecT<T> magnitude, VecT<T> sign_from) {
  const IntT<T> sign = bits_of<T>(splat<T>(T(-0.0)));
  return from_bits<T>((bits_of<T>(magnitude) & ~sign) | (bits_of<T>(sign_from) & sign));
}

// -|x| (one or with the sign bit).
template <class T>
FG_VINLINE VecT<T> neg_abs(VecT<T> x) {
  return from_bits<T>(bits_of<T>(x) | bits_of<T>(splat<T>(T(-0.0))));
}

template <class T>
FG_VINLINE VecT<T> v_tanh(VecT<T> x) {
  using C = MathConst<T>;
  VecT<T> a = copysign_of<T>(x, VecT<T>{});  // |x|
  a = select(a > C::kTanhClamp, splat<T>(C::kTanhClamp), a);
  VecT<T> t = v_expm1<T>(a * T(2));
  VecT<T> big = T(1) - T(2) / (t + T(2));  // one rounding at the end where the result is near 1
  VecT<T> small = a * horner<T>(a * a, C::kTanhT);
  VecT<T> y = select(a < C::kTanhSmall, small, big);
  return copysign_of<T>(select(x == x, y, x), x);
}

// num - q d, exactly when q is num / d rounded: one fused multiply-add, or without FMA, Dekker's exact product
// (q and d split into halves of their significands, so that each partial product is exact).
template <class T>
FG_VINLINE VecT<T> residual(VecT<T> num, VecT<T> q, VecT<T> d) {
#if FG_VEC_BYTES == 64 || defined(__FMA__)
  return fmadd(-q, d, num);
#else
  const T split = sizeof(T) == 4 ? T(4097) : T(134217729);  // 2^12 + 1, 2^27 + 1
  VecT<T> cq = q * split, cd = d * split;
  VecT<T> qh = cq - (cq - q), ql = q - qh;
  VecT<T> dh = cd - (cd - d), dl = d - dh;
  VecT<T> p = q * d;
  VecT<T> err = ((qh * dh - p) + qh * dl + ql * dh) + ql * dl;
  return (num - p) - err;
#endif
}

// num / (1 + e) for 0 <= e <= 1, to within about half an ulp: 1 + e is split into its rounded value d and
// the part rounding lost, and the quotient (num times the one reciprocal) gets one Newton correction.
template <class T>
FG_VINLINE VecT<T> div_one_plus(VecT<T> num, VecT<T> e) {
  VecT<T> d = e + T(1);
  VecT<T> d_lo = (T(1) - d) + e;
  VecT<T> inv = T(1) / d;
  VecT<T> q = num * inv;  // within about an ulp; the correction below brings it to half an ulp
  VecT<T> c = (residual<T>(num, q, d) - q * d_lo) * inv;
  return q + select(c == c, c, VecT<T>{});  // no correction for an infinite num (or one near overflow)
}

// e^a for a <= 0 (and lanes below kExpLo, which are clamped there) as (s + s t) 2^-kExpShift, with s = 2^(n +
// kExpShift) and t = e^r - 1 (|r| <= ln2/2): s (1 + t) is a normal number for every such a, so that a product or
// quotient with it rounds once and the exact scaling by 2^-kExpShift afterwards rounds only where the result is a
// denormal; a factor c joins as fma(c s, t, c s), one rounding. `a` comes back clamped; a NaN stays NaN and makes
// t NaN. float: the degree-5 fit kExpFastQ; double: kExpQ.
template <class T>
struct ExpShifted {
  VecT<T> s, t;
  FG_VINLINE VecT<T> value() const { return fmadd(s, t, s); }
  VecT<T> times(VecT<T> c) const;
};

template <class T>
FG_VINLINE ExpShifted<T> exp_shifted(VecT<T>& a) {
  using C = MathConst<T>;
  a = vmax(splat<T>(C::kExpLo), a);
  const VecT<T> magic = splat<T>(C::kRoundMagic);
  VecT<T> t = fmadd(a, splat<T>(C::kLog2e), magic);
  VecT<T> n = t - magic;
  VecT<T> r = fmadd(n, splat<T>(-C::kLn2Hi), a);
  r = fmadd(n, splat<T>(-C::kLn2Lo), r);
  VecT<T> q;
  if constexpr (sizeof(T) == 4) q = horner<T>(r, C::kExpFastQ);
  else q = horner<T>(r, C::kExpQ);
  const IntT<T> scale = shift_left_bits<T>(
      wrapping_sub_add<T>(bits_of<T>(t), bits_of<T>(magic), Vec<T>::kBias + C::kExpShift), Vec<T>::kMantissa);
  return {from_bits<T>(scale), r * q};
}

template <class T>
constexpr T exp_shift_down() {  // 2^-kExpShift
  T v = 1;
  for (int i = 0; i < MathConst<T>::kExpShift; ++i) v *= T(0.5);
  return v;
}

// sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) below, e = exp(-|x|) = eb 2^-K (exp_shifted): 1 + e is
// one fused step (1 + eb 2^-K rounded once), the quotient one division, and for x < 0 the exact scaling by
// 2^-K the only other rounding (into the denormals). silu(x) = x / (1 + e) for x >= 0 and (x eb) / (1 + e) 2^-K
// below.
template <class T>
FG_VINLINE VecT<T> v_sigmoid(VecT<T> x) {
  const VecT<T> one = splat<T>(T(1)), down = splat<T>(exp_shift_down<T>());
  VecT<T> a = neg_abs<T>(x);
  ExpShifted<T> e = exp_shifted<T>(a);
  VecT<T> eb = e.value();
  VecT<T> d = fmadd(eb, down, one);
  const auto pos = x >= T(0);
  VecT<T> y0 = select(pos, one, eb) / d;
  VecT<T> yneg = fmadd(-eb, y0 * down, eb);  // e (1 - sigmoid(x)), the error of y0 scaled by e
  return select(pos, y0, yneg * down);  // NaN from eb
}

// c e^a 2^K with one rounding (without FMA: the product c s t split exactly by Dekker's residual, then added).
template <class T>
FG_VINLINE VecT<T> ExpShifted<T>::times(VecT<T> c) const {
  VecT<T> cs = c * s;
#if FG_VEC_BYTES == 64 || defined(__FMA__)
  return fmadd(cs, t, cs);
#else
  VecT<T> p = cs * t;
  return (cs + p) - residual<T>(p, cs, t);
#endif
}

// num / (d + dlo) for d in [1, 2] and |dlo| <= ulp(d) / 2, to within about half an ulp: a first quotient q, then
// q + (num - q d - q dlo) / d with the residual formed exactly (fused steps) and the last division replaced by a
// product with an approximate 1 / d. AVX-512 float: q from the 14-bit reciprocal estimate (vrcp14ps), whose
// error the correction squares away (2^-28); elsewhere q = num / d rounded and 1 / d by 1.5 - d/2 (within 12%,
// on a correction below 2 ulp).
template <class T>
FG_VINLINE VecT<T> div_corrected(VecT<T> num, VecT<T> d, VecT<T> dlo) {
  VecT<T> q, inv;
#if FG_VEC_BYTES == 64
  if constexpr (sizeof(T) == 4) {
    inv = _mm512_rcp14_ps(d);
    q = num * inv;
  } else
#endif
  {
    q = num / d;
    inv = fmadd(d, splat<T>(T(-0.5)), splat<T>(T(1.5)));
  }
  VecT<T> c = fmadd(-q, dlo, residual<T>(num, q, d));  // may turn -0 into +0: see fix_zero_inf
#if !(FG_VEC_BYTES == 64 || defined(__FMA__))
  c = select(c == c, c, VecT<T>{});  // Dekker's split overflows for num near the overflow threshold
#endif
  return fmadd(c, inv, q);
}

// The lanes where x is ±0 or ±inf take x (y elsewhere; a NaN x gives NaN, either way), except -inf, which
// takes NaN: what x sigmoid(x) and friends give there (-inf * 0). One vfixupimm at AVX-512.
template <class T>
FG_VINLINE VecT<T> fix_zero_inf(VecT<T> y, VecT<T> x) {
#if FG_VEC_BYTES == 64
  // Tokens by the class of x: QNaN, SNaN, ±0, +1 -> x; -inf -> default NaN; +inf -> x; other -> y.
  if constexpr (sizeof(T) == 4)
    return _mm512_fixupimm_ps(y, x, _mm512_set1_epi32(0x00130111), 0);
  else
    return _mm512_fixupimm_pd(y, x, _mm512_set1_epi64(0x00130111), 0);
#else
  y = select(x + x == x, x, y);
  return select(x == -T(__builtin_huge_val()), splat<T>(T(__builtin_nan(""))), y);
#endif
}

template <class T>
FG_VINLINE VecT<T> v_silu(VecT<T> x) {
  const VecT<T> one = splat<T>(T(1)), down = splat<T>(exp_shift_down<T>());
  VecT<T> a = neg_abs<T>(x);
  ExpShifted<T> e = exp_shifted<T>(a);  // a clamped: x e^x rounds to -0 below kExpLo
  VecT<T> eb = e.value();
  VecT<T> d = fmadd(eb, down, one);
  VecT<T> dlo = fmadd(eb, down, one - d);  // 1 + e - d, exactly
  const auto pos = x >= T(0);
  VecT<T> num = select(pos, x, e.times(a));  // x, or x e^x 2^K (one rounding)
  VecT<T> y = div_corrected<T>(num, d, dlo) * select(pos, one, down);  // NaN from e
  return fix_zero_inf<T>(y, x);  // -inf: NaN (-inf * 0), as PyTorch
}

// ---- softplus, mish ----
// mish is evaluated in double for float32 too (the kernel widens), where its error is far below a float ulp;
// softplus has a float body as well (v_softplus_f32).

// softplus(x) = log(1 + e^x) for beta 1 and threshold 20 (PyTorch's defaults): x itself above 20, otherwise
// max(x, 0) + log1p(e^-|x|), with e^-|x| rounded once (into the denormals for x < -708) and log1p as above.
template <class T>
FG_VINLINE VecT<T> v_softplus(VecT<T> x) {
  VecT<T> a = neg_abs<T>(x);
  ExpShifted<T> e = exp_shifted<T>(a);
  VecT<T> u = e.value() * splat<T>(exp_shift_down<T>());
  VecT<T> y = vmax(x, VecT<T>{}) + v_log1p<T>(u);
  y = select(x > T(20), x, y);
  return select(x == x, y, x);
}

// softplus on float lanes (the FMA levels): u = e^-|x| as u + ulo (exp_shifted, its rounding error recovered by
// one fused step), w + wlo = 1 + u + ulo exactly to first order (Fast2Sum: 1 >= u), and log(w + wlo) =
// log(w) + wlo / w with log(w) = e ln2 + log(1 + f) (w in [1, 2]: e is 0 or 1, f = w / 2^e - 1 exact) through
// log_parts' atanh series. Near 0 (u below 2^-24, w = 1) the result is u + ulo, rounded once into the denormals
// for x < -87.3. Every float32 x <= 21 at AVX2 and AVX-512 against log1p(exp(x)) in double: 1.64 ulp (at x = -14.2;
// the reduction's rounding of r, carried into e^r, is most of it).
FG_VINLINE VecT<float> v_softplus_f32(VecT<float> x) {
  using T = float;
  const VecT<T> down = splat<T>(exp_shift_down<T>()), one = splat<T>(T(1));
  VecT<T> a = neg_abs<T>(x);
  ExpShifted<T> e = exp_shifted<T>(a);
  VecT<T> eb = e.value();
  VecT<T> eb_lo = fmadd(e.s, e.t, e.s - eb);
  VecT<T> u = eb * down, ulo = eb_lo * down;
  VecT<T> w = u + one;
  VecT<T> wlo = ((one - w) + u) + ulo;
  const auto big = w > MathConst<T>::kSqrt2;
  VecT<T> m = select(big, w * T(0.5), w);
  VecT<T> f = m - one;
  VecT<T> sr = f / (f + T(2));
  VecT<T> z = sr * sr;
  VecT<T> lg = fmadd(-sr, f - z * horner<T>(z, MathConst<T>::kAtanhR), f);
  VecT<T> tail = lg + wlo / w;
  VecT<T> l = select(big, fmadd(one, splat<T>(MathConst<T>::kLn2Hi), fmadd(one, splat<T>(MathConst<T>::kLn2Lo), tail)),
                     tail);
  VecT<T> y = vmax(x, VecT<T>{}) + l;
  y = select(x > T(20), x, y);
  return select(x == x, y, x);
}

// mish(x) = x tanh(softplus(x)), with u = e^-|x|: tanh(log(1 + e^x)) = n / (n + 2), n = u (u + 2), for x <= 0 and
// (1 + 2u) / (1 + 2u + 2u^2) for x > 0, one division either way. For x <= 0 the quotient is carried scaled by
// 2^kExpShift (exp_shifted), so that x n rounds once into the denormals; -inf gives NaN (-inf * 0), as PyTorch.
template <class T>
FG_VINLINE VecT<T> v_mish(VecT<T> x) {
  const VecT<T> down = splat<T>(exp_shift_down<T>()), two = splat<T>(T(2));
  VecT<T> a = neg_abs<T>(x);
  ExpShifted<T> e = exp_shifted<T>(a);  // a clamped: x e^x rounds to -0 below kExpLo
  VecT<T> ub = e.value();
  VecT<T> ub_lo = fmadd(e.s, e.t, e.s - ub);  // what rounding ub lost (to first order)
  VecT<T> u = ub * down;
  // x <= 0: y = a N / (N 2^-K + 2), N = n 2^K = ub (u + 2) + N_lo, with every rounding of the quotient
  // corrected once: the product a nb, the denominator D, the division.
  VecT<T> ub2 = ub + ub;
  VecT<T> nb = fmadd(ub, u, ub2);
  VecT<T> n_lo = fmadd(ub, u, ub2 - nb) + ub_lo * (u + u + T(2));
  VecT<T> D = fmadd(nb, down, two);
  VecT<T> D_lo = fmadd(nb, down, two - D) + n_lo * down;
  VecT<T> p = a * nb;
  VecT<T> p_lo = fmadd(a, nb, -p) + a * n_lo;
  VecT<T> q = p / D;
  VecT<T> yneg = (q + (fmadd(-q, D, p) + fmadd(-q, D_lo, p_lo)) / D) * down;
  // x > 0: y = x (1 + 2u) / (1 + 2u + 2u^2).
  // x > 0: y = x (1 + 2u) / (1 + 2u + 2u^2) = x - x w, w = 2u^2 / (1 + 2u + 2u^2) <= 0.4.
  VecT<T> u2 = u + u;
  VecT<T> w = (u2 * u) / fmadd(u2, u, u2 + T(1));
  VecT<T> ypos = fmadd(-x, w, x);
  return fix_zero_inf<T>(select(x > T(0), ypos, yneg), x);
}

// d mish / dx = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), sp = softplus(x), as PyTorch's mish_backward.
template <class T>
FG_VINLINE VecT<T> v_mish_derivative(VecT<T> x) {
  const VecT<T> one = splat<T>(T(1));
  VecT<T> u = v_exp<T>(neg_abs<T>(x));
  const auto pos = x > T(0);
  VecT<T> u2 = u + u;
  VecT<T> n = fmadd(u, u, u2);
  VecT<T> tsp = select(pos, (u2 + one) / fmadd(u2, u, u2 + one), n / (n + T(2)));
  VecT<T> sig = select(pos, one, u) / (u + one);
  return fmadd(x * sig, fmadd(-tsp, tsp, one), tsp);
}

// ---- sin, cos ----
// x = n pi/2 + r with n = round(x 2/pi) and |r| <= pi/4: r = x - n P1 - n P2 - n P3 - n P4, pi/2 split into
// 33-bit parts P1..P3 and a 53-bit P4 (fdlibm's pio2_1, pio2_2, pio2_3, pio2_3t), so that every n P is exact for
// |n| < 2^20 with or without fused steps, and x - n P1 is exact (the two are within a factor of two or x is
// small). The vector path is used for |x| <= kTrigLimit = 2^19; larger |x|, ±inf (and NaN) take std::sin/cos per
// element (the kernels patch those lanes). sin(r) = r + r^3 S(r^2), cos(r) = 1 - r^2/2 + r^4 C(r^2), S and C
// degree 5 near-minimax fits on [0, (pi/4)^2] (mpmath, 50 digits; absolute errors 2.0e-17 and 1.3e-18), and the
// quadrant n mod 4 picks sin or cos and the sign. Double bodies only: float32 runs them on widened lanes.
struct TrigConst {
  static constexpr double kTwoOverPi = 0.636619772367581343076;
  static constexpr double kP1 = 1.57079632673412561417e+00;
  static constexpr double kP2 = 6.07710050630396597660e-11;
  static constexpr double kP3 = 2.02226624871116645580e-21;
  static constexpr double kP4 = 8.47842766036889956997e-32;
  static constexpr double kLimit = 524288.0;  // 2^19
  static constexpr double kS[] = {-0.166666666666666646258, 0.008333333333330950351, -0.000198412698367609935534,
                                  0.00000275573161036505419538, -2.50511320484477444305e-8,
                                  1.59181424870858042903e-10};
  static constexpr double kC[] = {0.04166666666666666539, -0.00138888888888873982738, 0.0000248015872987670329069,
                                  -2.75573172723402879616e-7, 2.08761463815091570516e-9,
                                  -1.13826397598242603947e-11};
};

// sin(x) (cosine = false) or cos(x) for |x| <= kLimit (other lanes unspecified). The reduced argument is carried
// as r + rlo: x - n P1 exact, the subtraction of n P2 (exact) with its rounding error recovered (TwoSum), n P3 and
// n P4 added to that error, and sin(r + rlo) = sin(r) + rlo (1 - r^2/2), cos(r + rlo) = cos(r) - r rlo.
FG_VINLINE VecT<double> v_sincos_reduced(VecT<double> x, bool cosine) {
  using C = TrigConst;
  using T = double;
  const VecT<T> magic = splat<T>(MathConst<T>::kRoundMagic);
  VecT<T> t = fmadd(x, splat<T>(C::kTwoOverPi), magic);
  VecT<T> n = t - magic;
  VecT<T> r1 = fmadd(n, splat<T>(-C::kP1), x);
  VecT<T> p2 = n * C::kP2;
  VecT<T> r2 = r1 - p2;
  VecT<T> bb = r2 - r1;
  VecT<T> lo = (r1 - (r2 - bb)) - (p2 + bb);
  lo = fmadd(n, splat<T>(-C::kP4), fmadd(n, splat<T>(-C::kP3), lo));
  VecT<T> r = r2 + lo;
  VecT<T> rlo = lo - (r - r2);
  VecT<T> z = r * r;
  VecT<T> s = r + fmadd(r * z, horner<T>(z, C::kS), rlo * fmadd(z, splat<T>(T(-0.5)), splat<T>(T(1))));
  VecT<T> c = T(1) + fmadd(z, fmadd(z, horner<T>(z, C::kC), splat<T>(T(-0.5))), -(r * rlo));
  IntT<T> q = wrapping_sub_add<T>(bits_of<T>(t), bits_of<T>(magic), cosine ? 1 : 0);  // the quadrant: low two bits
  VecT<T> y = select((q & 1) != 0, c, s);
  y = from_bits<T>(bits_of<T>(y) ^ shift_left_bits<T>(q & 2, 62));
  return select(x == T(0), cosine ? splat<T>(T(1)) : x, y);  // sin keeps -0
}

// sin(x) or cos(x) of a float32 x (exact on a double lane), |x| <= kLimit: the same reduction without the parts
// a float result cannot see (n P4 below 2^-60 |n|; r's rounding, 2^-53 |x - n P1| <= 2^-53 2^19 6e-11, against
// |r| >= 1e-9 for every float32 x), and the Taylor polynomials to r^9 and r^10: truncation 2.3e-10 and 1.1e-10
// relative on |r| <= pi/4, both far below a float ulp. One rounding to float at the end.
FG_VINLINE VecT<double> v_sincos_for_float(VecT<double> x, bool cosine) {
  using C = TrigConst;
  using T = double;
  static constexpr double kS[] = {-1. / 6, 1. / 120, -1. / 5040, 1. / 362880};
  static constexpr double kC[] = {1. / 24, -1. / 720, 1. / 40320, -1. / 3628800};
  const VecT<T> magic = splat<T>(MathConst<T>::kRoundMagic);
  VecT<T> t = fmadd(x, splat<T>(C::kTwoOverPi), magic);
  VecT<T> n = t - magic;
  VecT<T> r = fmadd(n, splat<T>(-C::kP1), x);
  r = r - n * C::kP2;
  r = fmadd(n, splat<T>(-C::kP3), r);
  VecT<T> z = r * r;
  VecT<T> s = fmadd(r * z, horner<T>(z, kS), r);
  VecT<T> c = fmadd(z, fmadd(z, horner<T>(z, kC), splat<T>(T(-0.5))), splat<T>(T(1)));
  IntT<T> q = wrapping_sub_add<T>(bits_of<T>(t), bits_of<T>(magic), cosine ? 1 : 0);  // the quadrant: low two bits
  VecT<T> y = select((q & 1) != 0, c, s);
  y = from_bits<T>(bits_of<T>(y) ^ shift_left_bits<T>(q & 2, 62));
  return select(x == T(0), cosine ? splat<T>(T(1)) : x, y);  // sin keeps -0
}

// ---- erf, erfc, gelu ----
// erf(z) = z A(z^2) for z = |x| < 0.5; beyond, erfc(z) = e^(-z^2) R(z) with R(z) = erfc(z) e^(z^2) fitted on
// [0.5, 1.25), [1.25, 2.5), [2.5, 4) as polynomials in z - centre, and for z >= 4 as S(1/z) / z (R ~ 1/(z sqrt pi)
// there). The coefficients are Chebyshev fits made with mpmath at 50 digits (relative errors below), one
// polynomial per lane chosen by lane-wise selects. The float32 kernels of the baseline level (no FMA) evaluate the
// float fits' degrees in double arithmetic (C = ErfConstForFloat): their error is then the fits' (below 2e-9), far
// under a float ulp; the FMA levels run the float bodies of the next section. e^(-z^2) is formed from z^2 split
// exactly into hi + lo, so that its error does not grow with z^2, and kept as big * small (exp_parts) down to the
// denormals.
template <class T>
struct ErfConst;

template <>
struct ErfConst<float> {
  static constexpr float kZMax = 10.5f;  // erfc(10.5) underflows
  static constexpr float kC0Lo = 0;
// float: max relative error of each fit (mpmath chebyfit, 50 digits):
//   kA degree 4 on [0, 0.25] (centre 0): 1.39e-9
//   kR1 degree 8 on [0.5, 1.25] (centre 0.875): 8.49e-10
//   kR2 degree 9 on [1.25, 2.5] (centre 1.875): 5.26e-10
//   kR3 degree 8 on [2.5, 4] (centre 3.25): 1.36e-9
//   kS degree 8 on [0.0952381, 0.25] (centre 0): 6.18e-13
  static constexpr float kA[5] = {1.128379166f, -0.3761260901f, 0.1128283143f, -0.02675773274f, 0.004719082567f};
  static constexpr float kR1[10] = {0.4643115832f, -0.3158338880f, 0.1879569207f, -0.1009151981f, 0.04982870436f, -0.02290525171f, 0.009915402130f, -0.004262871683f, 0.001659869066f, 0.f};
  static constexpr float kR2[10] = {0.2694299853f, -0.1180167228f, 0.04814861336f, -0.01849202288f, 0.006738379810f, -0.002343377806f, 0.0007790373824f, -0.0002501841634f, 8.475362801e-5f, -2.531701758e-5f};
  static constexpr float kR3[10] = {0.1663353484f, -0.04719939972f, 0.01293729030f, -0.003435532937f, 0.0008860183669f, -0.0002219903041f, 5.433263309e-5f, -1.392235773e-5f, 3.244284292e-6f, 0.f};
  static constexpr float kS[10] = {0.5641895496f, 2.560211660e-6f, -0.2821793647f, 0.001614094124f, 0.4034439490f, 0.1599969470f, -1.923445338f, 2.970259000f, -1.655969073f, 0.f};
};

template <>
struct ErfConst<double> {
  static constexpr double kZMax = 27.5;
  // 2/sqrt(pi) - kA[0]: the fit's leading coefficient is 2/sqrt(pi) (the fit's error at t = 0 is 1e-22).
  static constexpr double kC0Lo = static_cast<double>(1.12837916709551257389615890312154517L - 1.12837916709551257390L);
// double: max relative error of each fit (mpmath chebyfit, 50 digits):
//   kA degree 10 on [0, 0.25] (centre 0): 1.19e-22
//   kR1 degree 16 on [0.5, 1.25] (centre 0.875): 1.53e-19
//   kR2 degree 18 on [1.25, 2.5] (centre 1.875): 7.98e-20
//   kR3 degree 16 on [2.5, 4] (centre 3.25): 2.17e-18
//   kS degree 16 on [0.0363636, 0.25] (centre 0): 4.39e-19
  static constexpr double kA[11] = {1.12837916709551257390, -0.376126389031837524510, 0.112837916709551237898, -0.0268661706451300345886, 0.00522397762540319254469, -0.000854832701615916348941, 0.000120553321311759813755, -0.0000149255865600964152271, 0.00000164590343272189114652, -1.62731387616869772233e-7, 1.32143782383384385587e-8};
  static constexpr double kR1[19] = {0.464311583202669001879, -0.315833896490841817793, 0.187956923773182408047, -0.100914392126205769382, 0.0498284153313768733454, -0.0229258114844045134834, 0.00992277676078586871722, -0.00406953766678007582181, 0.00159048282774057660564, -0.000595081052143881424574, 0.000213957334822680074595, -0.0000741592569445672294176, 0.0000248452512360583982109, -0.00000805407497288390892775, 0.00000253828241160442315288, -8.20381438064005769911e-7, 2.44289434791173005696e-7, 0., 0.};
  static constexpr double kR2[19] = {0.269429985164670451746, -0.118016722727998380434, 0.0481486300496734896664, -0.0184920275899069680601, 0.00673803915929885698214, -0.00234328166649271310010, 0.000781462011545152335421, -0.000250868684158141908972, 0.0000777708071288520660525, -0.0000233440944360314055666, 0.00000680012657300375290059, -0.00000192614979284869603110, 5.31429338141141977060e-7, -1.43057644817616928285e-7, 3.76113346316493284859e-8, -9.61569475496434921746e-9, 2.42179818455247496723e-9, -6.68542669294682438685e-10, 1.61180168293626278160e-10};
  static constexpr double kR3[19] = {0.166335348426821876763, -0.0471994023211703671932, 0.0129372908830181567104, -0.00343547130090823406990, 0.000886004577534401082178, -0.000222382569552060567640, 0.0000544204088090242642740, -0.0000130046404484378012300, 0.00000303883202335392327909, -6.95206986244750250767e-7, 1.55880941266332293430e-7, -3.42934951541452849646e-8, 7.40721855617958748700e-9, -1.56524132738189786360e-9, 3.26817182682403853045e-10, -7.42679319093460989505e-11, 1.49801892689002998429e-11, 0., 0.};
  static constexpr double kS[19] = {0.564189583547813672651, -1.12187742911979595744e-11, -0.282094790765926361234, -5.52916783954538168466e-8, 0.423144262626736165428, -0.0000565626455102169128666, -1.05669505185056387363, -0.0183101054962721533346, 3.92750959646935032000, -2.16504852808499271150, -0.381938592831311008028, -94.6287063231169235535, 506.411931424858323078, -1299.40869224246945325, 1947.22582623145529844, -1661.98030088791566870, 633.327299394293421997, 0., 0.};
};

// The float fits' degrees with double coefficients: what the float32 kernels evaluate in double arithmetic
// (float-rounded coefficients would cost an ulp there).
struct ErfConstForFloat {
  static constexpr double kZMax = 10.5;
  static constexpr double kC0Lo = 0;
  // kA: degree 4 on [0, 0.25] (centre 0), relative error 1.39e-9
  static constexpr double kA[5] = {1.12837916560179145517, -0.376126090074698029277, 0.112828314284658618742, -0.0267577327350155156224, 0.00471908256721881387983};
  // kR1: degree 8 on [0.5, 1.25] (centre 0.875), relative error 8.49e-10
  static constexpr double kR1[10] = {0.464311583202669001879, -0.315833887979296305480, 0.187956920721159905227, -0.100915198091456237344, 0.0498287043554765148216, -0.0229052517063129510771, 0.00991540213023724929848, -0.00426287168307025929217, 0.00165986906622843652262, 0.};
  // kR2: degree 9 on [1.25, 2.5] (centre 1.875), relative error 5.26e-10
  static constexpr double kR2[10] = {0.269429985295112414748, -0.118016722764805082107, 0.0481486133632223601744, -0.0184920228813645316024, 0.00673837981041299523300, -0.00234337780566639044344, 0.000779037382446760079723, -0.000250184163368997368118, 0.0000847536280087089196685, -0.0000253170175800497201257};
  // kR3: degree 8 on [2.5, 4] (centre 3.25), relative error 1.36e-9
  static constexpr double kR3[10] = {0.166335348426821876763, -0.0471993997154822706271, 0.0129372903001167065474, -0.00343553293741612459350, 0.000886018366875149606141, -0.000221990304082444031012, 0.0000543326330908639879892, -0.0000139223577325511764459, 0.00000324428429182062024569, 0.};
  // kS: degree 8 on [0.0952381, 0.25] (centre 0), relative error 6.18e-13
  static constexpr double kS[10] = {0.564189549584853735575, 0.00000256021166008317510989, -0.282179364725380880016, 0.00161409412393738627347, 0.403443949035053878281, 0.159996947015680728163, -1.92344533841537050420, 2.97025899966156740174, -1.65596907263706053362, 0.};

};

// x^2 = hi + lo exactly.
template <class T>
FG_VINLINE VecT<T> square_parts(VecT<T> x, VecT<T>& lo) {
  VecT<T> hi = x * x;
  lo = -residual<T>(hi, x, x);
  return hi;
}

// R(z) (see above) for z >= 0.5.
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> erfc_ratio(VecT<T> z) {
  constexpr size_t K = sizeof(C::kR1) / sizeof(C::kR1[0]);
  const auto r1 = z < T(1.25), r2 = z < T(2.5), r3 = z < T(4);
  const VecT<T> u = T(1) / z;
  VecT<T> v = select(r1, z - T(0.875), select(r2, z - T(1.875), select(r3, z - T(3.25), u)));
  auto coef = [&](size_t k) {
    return select(r1, splat<T>(C::kR1[k]), select(r2, splat<T>(C::kR2[k]), select(r3, splat<T>(C::kR3[k]), splat<T>(C::kS[k]))));
  };
  VecT<T> p = coef(K - 1);
  for (size_t k = K - 1; k-- > 0;) p = fmadd(p, v, coef(k));
  return select(r3, p, p / z);  // S(u) / z rounds once
}

// erfc(z) = big * small for z >= 0.5 with z^2 = hh + hl (small a power of two, as in exp_parts).
// R e^(-hh - hl) = (R + R r q) s1 small: one rounding for the product of R and e^r.
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> erfc_parts(VecT<T> z, VecT<T> hh, VecT<T> hl, VecT<T>& small) {
  ExpParts<T> e = exp_parts<T>(-hh, -hl);
  small = e.small;
  VecT<T> R = erfc_ratio<T, C>(z);
  return fmadd(R * e.r, e.q, R) * e.s1;
}

// erf(z) = z A(z^2) for |z| < 0.5, as z c0 + z t A'(t) with c0 = kA[0] + kC0Lo (2/sqrt(pi) in two parts, for
// the double fit), so that the leading term rounds once.
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> erf_near0(VecT<T> z, VecT<T> t) {
  constexpr size_t K = sizeof(C::kA) / sizeof(C::kA[0]);
  VecT<T> p = splat<T>(C::kA[K - 1]);
  for (size_t k = K - 1; k-- > 1;) p = fmadd(p, t, splat<T>(C::kA[k]));
  return fmadd(z, splat<T>(C::kA[0]), fmadd(z, splat<T>(C::kC0Lo), z * t * p));
}

// For z = min(|x|, kZMax): erf(z) as `near0` (meaningful for z < 0.5) and erfc(z) = big * small (z >= 0.5).
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> erf_both(VecT<T> x, VecT<T>& near0, VecT<T>& big, VecT<T>& small) {
  VecT<T> z = copysign_of<T>(x, VecT<T>{});
  z = select(z > C::kZMax, splat<T>(C::kZMax), z);
  VecT<T> hl;
  VecT<T> hh = square_parts<T>(z, hl);
  near0 = erf_near0<T, C>(z, hh);
  big = erfc_parts<T, C>(z, hh, hl, small);
  return z;
}

template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> v_erf(VecT<T> x) {
  VecT<T> near0, big, small;
  VecT<T> z = erf_both<T, C>(x, near0, big, small);
  VecT<T> y = select(z < T(0.5), near0, T(1) - big * small);
  return copysign_of<T>(select(x == x, y, x), x);
}

template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> v_erfc(VecT<T> x) {
  VecT<T> near0, big, small;
  VecT<T> z = erf_both<T, C>(x, near0, big, small);
  const auto pos = x >= T(0);
  VecT<T> far = select(pos, big * small, T(2) - big * small);
  VecT<T> y = select(z < T(0.5), select(pos, T(1) - near0, T(1) + near0), far);
  return select(x == x, y, x);
}

// gelu(x) = x Phi(x) = x/2 (1 + erf(x / sqrt 2)), as x - x/2 erfc(z) for x >= 0 and x/2 erfc(z) below
// (z = |x| / sqrt 2, z^2 = x^2 / 2 formed exactly from x), so that negative x keep their relative accuracy.
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> gelu_cdf_parts(VecT<T> x, VecT<T>& near0, VecT<T>& big, VecT<T>& small, VecT<T>& hh,
                                  VecT<T>& hl) {
  const T lim = C::kZMax * T(1.4142135623730950488);
  VecT<T> xc = select(x > lim, splat<T>(lim), select(x < -lim, splat<T>(-lim), x));
  xc = select(x == x, xc, VecT<T>{});
  VecT<T> z = copysign_of<T>(xc, VecT<T>{}) * T(0.70710678118654752440);
  hh = square_parts<T>(xc, hl) * T(0.5);
  hl = hl * T(0.5);
  near0 = erf_near0<T, C>(z, hh);  // erf(z) for z < 0.5
  big = erfc_parts<T, C>(z, hh, hl, small);
  return z;
}

// PyTorch's gelu gives NaN at -inf (-inf * 0) in both dtypes; at +inf it gives inf (float64, and float32 in its
// scalar loop) or NaN (float32 in its vector loop): fastgrad gives inf, the limit, in both dtypes.
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> v_gelu(VecT<T> x) {
  VecT<T> near0, big, small, hh, hl;
  VecT<T> z = gelu_cdf_parts<T, C>(x, near0, big, small, hh, hl);
  VecT<T> half = x * T(0.5);
  const auto pos = x >= T(0), in = z < T(0.5);
  VecT<T> y_pos = select(in, half * (T(1) + near0), x - half * (big * small));
  VecT<T> y_neg = select(in, half * (T(1) - near0), (half * big) * small);
  VecT<T> y = select(pos, y_pos, y_neg);
  const T lim = C::kZMax * T(1.4142135623730950488);
  y = select(x > lim, x, y);
  y = select(x < -lim, splat<T>(T(-0.0)), y);
  const T inf = __builtin_huge_val();
  y = select(x == -inf, splat<T>(T(__builtin_nan(""))), y);
  return select(x == x, y, x);
}

// d gelu / dx = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi).
template <class T, class C = ErfConst<T>>
FG_VINLINE VecT<T> v_gelu_derivative(VecT<T> x) {
  VecT<T> near0, big, small, hh, hl;
  VecT<T> z = gelu_cdf_parts<T, C>(x, near0, big, small, hh, hl);
  const auto pos = x >= T(0), in = z < T(0.5);
  VecT<T> erfc_z = big * small;
  VecT<T> cdf = select(pos, select(in, T(0.5) * (T(1) + near0), T(1) - T(0.5) * erfc_z),
                       select(in, T(0.5) * (T(1) - near0), T(0.5) * erfc_z));
  VecT<T> pdf = v_exp<T>(-hh) * (T(1) - hl) * T(0.39894228040143267794);
  VecT<T> y = fmadd(x, pdf, cdf);
  const T lim = C::kZMax * T(1.4142135623730950488);
  y = select(x > lim, splat<T>(T(1)), select(x < -lim, VecT<T>{}, y));
  // ±inf: NaN, as PyTorch's cdf + x pdf gives (inf * 0).
  y = select(copysign_of<T>(x, VecT<T>{}) == T(__builtin_huge_val()), splat<T>(T(__builtin_nan(""))), y);
  return select(x == x, y, x);
}

// ---- erf, erfc, gelu on float lanes (float32 at the FMA levels) ----
// u = |x| (erf, erfc: z = u; gelu: z = u / sqrt 2). erfc(z) = e^a with a = -z^2 + G(u), G(u) = log(erfc(z)) + z^2
// fitted on [0, 0.1875) and per half-binade of u beyond ([0.1875, 0.25), [0.25, 0.375), ..., up to kUMax, where
// erfc underflows) as c0 + c1 v + v^2 Q(v), v = u - centre. Each centre is near the region's middle (v exact by
// Sterbenz from 0.1875 on) where G is within 2^-32 of a float, so that c0 is one float; c1 is rounded before Q is
// fitted (mpmath chebyfit at 40 digits, Q of degree <= 5, coefficients rounded to float: tools/fit_erf_float.py;
// the absolute errors of the fits, which are relative errors of erfc, are listed below). The region's
// coefficients come from 16-entry tables (one permute per coefficient). z^2 = hh + hl exactly, c0 - hh is summed
// exactly (TwoSum) and the rest of a kept beside it, so that e^a's error does not grow with z^2: a = n ln2 + r,
// e^r = 1 + r q(r) (kExpFastQ), erfc = (1 + r q) 2^n and gelu's x/2 erfc = (x/2 + x/2 r q) 2^n, each rounded once
// (scale_pow2: also into the denormals). No division. erf(z) = u A(u^2) for u < 0.5 (A's leading coefficient in
// two parts, A fitted with it fixed), 1 - erfc(z) beyond; erfc(x) = erfc(z) for x >= 0, 2 - erfc(z) below;
// gelu(x) = x - x/2 erfc(z) for x >= 0, x/2 erfc(z) below (near 0, erfc(z) > 0.45 there, so x - x/2 erfc(z) keeps
// the error of erfc). Every float32 |x| < 16 at AVX2 and AVX-512, against libm's double erf/erfc: erf 1.00, erfc
// 1.07, gelu 1.33 ulp.
struct ErfF32 {
  static constexpr float kUMax = 10.5f;
  // erf(u) = u (A(u^2) + kA0Lo) for u < 0.5: relative error 2.32e-09
  static constexpr float kA[6] = {1.128379225730896f, -0.37612637877464294f, 0.11283787339925766f, -0.026864802464842796f, 0.0052085453644394875f, -0.0007831404218450189f};
  static constexpr float kA0Lo = -5.8635382771399236e-08f;
  //   [0, 0.1875] centre 0.0937419: abs error 2.06e-09
  //   [0.1875, 0.25] centre 0.218746: abs error 9.33e-10
  //   [0.25, 0.375] centre 0.31249: abs error 1.25e-09
  //   [0.375, 0.5] centre 0.43742: abs error 7.17e-10
  //   [0.5, 0.75] centre 0.624958: abs error 2.72e-10
  //   [0.75, 1] centre 0.875038: abs error 1.55e-09
  //   [1, 1.5] centre 1.24995: abs error 5.76e-09
  //   [1.5, 2] centre 1.75005: abs error 7.97e-10
  //   [2, 3] centre 2.49937: abs error 4.11e-09
  //   [3, 4] centre 3.50044: abs error 5.24e-09
  //   [4, 6] centre 5.01474: abs error 1.02e-08
  //   [6, 8] centre 6.99762: abs error 9.28e-10
  //   [8, 10.5] centre 9.27142: abs error 4.1e-09
  static constexpr float kCentre[16] = {0.09374189376831055f, 0.21874618530273438f, 0.31249046325683594f, 0.4374198913574219f, 0.6249580383300781f, 0.8750381469726562f, 1.2499542236328125f, 1.7500457763671875f, 2.4993743896484375f, 3.5004425048828125f, 5.014739990234375f, 6.99761962890625f, 9.27142333984375f, 0.0f, 0.0f, 0.0f};
  static constexpr float kG[8][16] = {
      {-0.10266636312007904f, -0.23047292232513428f, -0.3200780153274536f, -0.4319556951522827f, -0.5854916572570801f, -0.7672253847122192f, -1.0001276731491089f, -1.2553845643997192f, -1.5565946102142334f, -1.8625551462173462f, -2.203726053237915f, -2.527897596359253f, -2.8050363063812256f, 0.0f, 0.0f, 0.0f},
      {-1.0628975629806519f, -0.9833574295043945f, -0.9290626049041748f, -0.8631652593612671f, -0.7765104174613953f, -0.6802064776420593f, -0.5677357912063599f, -0.4596026539802551f, -0.3527509570121765f, -0.266070157289505f, -0.19217278063297272f, -0.140126034617424f, -0.10663855075836182f, 0.0f, 0.0f, 0.0f},
      {0.33548617362976074f, 0.3013969361782074f, 0.27809786796569824f, 0.24990683794021606f, 0.21322935819625854f, 0.1734529584646225f, 0.12919427454471588f, 0.09005696326494217f, 0.0561266653239727f, 0.033240024000406265f, 0.0178382471203804f, 0.009633654728531837f, 0.005622990895062685f, 0.0f, 0.0f, 0.0f},
      {-0.09562594443559647f, -0.08643924444913864f, -0.07947029173374176f, -0.07105590403079987f, -0.05961481109261513f, -0.04690031707286835f, -0.03268219903111458f, -0.02053849585354328f, -0.010864073410630226f, -0.005224850960075855f, -0.0021362663246691227f, -0.0008669719682075083f, -0.00039099136483855546f, 0.0f, 0.0f, 0.0f},
      {0.01902661845088005f, 0.01982584036886692f, 0.017638904973864555f, 0.016380006447434425f, 0.014147039502859116f, 0.011324712075293064f, 0.00779440114274621f, 0.004626704379916191f, 0.0021665801759809256f, 0.0008731922134757042f, 0.0002786361728794873f, 8.618835272500291e-05f, 3.025322985195089e-05f, 0.0f, 0.0f, 0.0f},
      {0.0014042792608961463f, 0.19800616800785065f, -0.010778097435832024f, 0.0023842535447329283f, -0.0022719153203070164f, -0.0017597574042156339f, -0.0018730985466390848f, -0.0009426462347619236f, -0.0004150265012867749f, -0.00013934863090980798f, -3.7202549719950184e-05f, -8.957153113442473e-06f, -2.5287367861892562e-06f, 0.0f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.00022365921176970005f, 0.00015327482833527029f, 7.817455480108038e-05f, 2.4972530809463933e-05f, 5.229875114309834e-06f, 9.748385991770192e-07f, 2.1522014037600457e-07f, 0.0f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0028285738080739975f, -0.0002520548296160996f, -2.9330265533644706e-05f, -2.493293686711695e-05f, -9.441638439966482e-07f, -1.1811522426796728e-07f, 6.522288931165576e-09f, 0.0f, 0.0f, 0.0f},
  };
};

struct GeluF32 {
  static constexpr float kUMax = 14.849242f;  // 10.5 sqrt(2)
  //   [0, 0.1875] centre 0.0937471: abs error 2.23e-09
  //   [0.1875, 0.25] centre 0.218768: abs error 7.72e-10
  //   [0.25, 0.375] centre 0.312489: abs error 7.52e-10
  //   [0.375, 0.5] centre 0.437555: abs error 1.83e-09
  //   [0.5, 0.75] centre 0.625099: abs error 3.14e-09
  //   [0.75, 1] centre 0.875237: abs error 2.3e-09
  //   [1, 1.5] centre 1.25039: abs error 2.41e-09
  //   [1.5, 2] centre 1.74991: abs error 9.21e-10
  //   [2, 3] centre 2.49402: abs error 7.19e-09
  //   [3, 4] centre 3.49579: abs error 6.2e-09
  //   [4, 6] centre 5.00488: abs error 2.36e-09
  //   [6, 8] centre 7.01971: abs error 3.12e-09
  //   [8, 12] centre 9.99933: abs error 7.68e-09
  //   [12, 14.8492] centre 13.4508: abs error 4.74e-09
  static constexpr float kCentre[16] = {0.09374713897705078f, 0.21876811981201172f, 0.3124885559082031f, 0.43755531311035156f, 0.6250991821289062f, 0.8752365112304688f, 1.2503890991210938f, 1.749908447265625f, 2.4940185546875f, 3.49578857421875f, 5.0048828125f, 7.01971435546875f, 9.99932861328125f, 13.4508056640625f, 0.0f, 0.0f};
  static constexpr float kG[8][16] = {
      {-0.07323217391967773f, -0.1662255972623825f, -0.23265114426612854f, -0.3172025680541992f, -0.4359140694141388f, -0.5807685256004333f, -0.7734147906303406f, -0.9929638504981995f, -1.2615690231323242f, -1.5468589067459106f, -1.8727614879608154f, -2.193868398666382f, -2.538072109222412f, -2.8302831649780273f, 0.0f, 0.0f},
      {-0.7647609710693359f, -0.7234054803848267f, -0.6943948268890381f, -0.6581642031669617f, -0.6087302565574646f, -0.5509116053581238f, -0.4787496328353882f, -0.4037596881389618f, -0.3232777714729309f, -0.2516312301158905f, -0.1863444447517395f, -0.13718649744987488f, -0.09809957444667816f, -0.07354497909545898f, 0.0f, 0.0f},
      {0.17172329127788544f, 0.1592123806476593f, 0.15041226148605347f, 0.1394186019897461f, 0.12446523457765579f, 0.10715914517641068f, 0.08608771115541458f, 0.06521780043840408f, 0.04461536556482315f, 0.028516041114926338f, 0.01632182113826275f, 0.009084910154342651f, 0.004723289515823126f, 0.002675933763384819f, 0.0f, 0.0f},
      {-0.03452150523662567f, -0.03199733793735504f, -0.030416691675782204f, -0.02813074178993702f, -0.02502228505909443f, -0.021189764142036438f, -0.01643342711031437f, -0.011696654371917248f, -0.007172653917223215f, -0.003927052952349186f, -0.0018001733114942908f, -0.0007757596322335303f, -0.000297795602818951f, -0.00012850081839133054f, 0.0f, 0.0f},
      {0.004768573213368654f, 0.005561701022088528f, 0.004694964271038771f, 0.0043290541507303715f, 0.0040649669244885445f, 0.0035603162832558155f, 0.0028081629425287247f, 0.001975405728444457f, 0.001140338135883212f, 0.0005563826416619122f, 0.00021135213319212198f, 7.211777847260237e-05f, 2.074329495371785e-05f, 6.870250217616558e-06f, 0.0f, 0.0f},
      {-0.002457480411976576f, -0.18050891160964966f, -0.004824313800781965f, -0.014522812329232693f, 0.00039159998414106667f, -0.0009714645566418767f, -0.0003896398702636361f, -0.00028759450651705265f, -0.00017863413086161017f, -6.727251457050443e-05f, -2.5013561753439717e-05f, -6.788545761082787e-06f, -1.5103520354387001e-06f, -3.487144795144559e-07f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 2.0407023839652538e-05f, 1.0204202226304915e-05f, 2.9769639695587102e-06f, 6.724675358782406e-07f, 1.1712944569808315e-07f, 2.117795538936207e-08f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 2.649046655278653e-05f, -2.641346145537682e-05f, -3.5774482398664986e-07f, -1.54787983319693e-07f, -9.550370272393138e-09f, -1.4139327042528294e-08f, 0.0f, 0.0f},
  };
};

// tab[idx] lane by lane (idx in [0, 16)).
FG_VINLINE VecT<float> lookup16(IntT<float> idx, const float (&tab)[16]) {
#if FG_VEC_BYTES == 64
  return reinterpret_cast<VecT<float>>(_mm512_permutexvar_ps(reinterpret_cast<__m512i>(idx), _mm512_loadu_ps(tab)));
#elif FG_VEC_BYTES == 32 && defined(__AVX2__)
  const __m256i i = reinterpret_cast<__m256i>(idx);
  VecT<float> lo = reinterpret_cast<VecT<float>>(_mm256_permutevar8x32_ps(_mm256_loadu_ps(tab), i));
  VecT<float> hi = reinterpret_cast<VecT<float>>(_mm256_permutevar8x32_ps(_mm256_loadu_ps(tab + 8), i));
  return select(idx > 7, hi, lo);
#else
  VecT<float> r;
  for (int k = 0; k < Vec<float>::N; ++k) r[k] = tab[idx[k]];
  return r;
#endif
}

// erfc(z) = (1 + r q) 2^n for u in [0, kUMax], with z^2 = hh + hl.
struct ErfcF32Parts {
  VecT<float> r, q, n;
};

// y 2^n rounded once (also into the denormals): AVX-512's scalef, else as two power-of-two factors.
FG_VINLINE VecT<float> scale_pow2(VecT<float> y, VecT<float> n) {
#if FG_VEC_BYTES == 64
  return reinterpret_cast<VecT<float>>(_mm512_scalef_ps(y, n));
#else
  IntT<float> ni = __builtin_convertvector(n, IntT<float>);
  IntT<float> half = ni >> 1;
  return y * pow2<float>(ni - half) * pow2<float>(half);
#endif
}

template <class C>
FG_VINLINE ErfcF32Parts erfc_f32_parts(VecT<float> u, VecT<float> hh, VecT<float> hl) {
  using M = MathConst<float>;
  // The half-binade's index from 0.125 (exponent and first mantissa bit): [0.125, 0.1875) is 0, [0.1875, 0.25) 1;
  // below 0.125 (and u = 0), 0 too.
  IntT<float> idx = (bits_of<float>(u) >> 22) - 2 * 124;
  idx = select(idx < 0, IntT<float>{}, idx);
  const VecT<float> v = u - lookup16(idx, C::kCentre);
  constexpr size_t K = sizeof(C::kG) / sizeof(C::kG[0]);
  VecT<float> p = lookup16(idx, C::kG[K - 1]);
  for (size_t k = K - 1; k-- > 1;) p = fmadd(p, v, lookup16(idx, C::kG[k]));  // c1 + v Q(v)
  const VecT<float> tail = fmadd(p, v, -hl);
  const VecT<float> c0 = lookup16(idx, C::kG[0]);
  const VecT<float> ah = c0 - hh, bb = ah - c0;  // c0 - hh = ah + al exactly
  const VecT<float> al = (c0 - (ah - bb)) - (hh + bb);
  const VecT<float> magic = splat<float>(M::kRoundMagic);
  ErfcF32Parts e;
  e.n = fmadd(ah + tail, splat<float>(M::kLog2e), magic) - magic;
  e.r = fmadd(e.n, splat<float>(-M::kLn2Hi), ah) + fmadd(e.n, splat<float>(-M::kLn2Lo), tail + al);  // the first exact
  e.q = horner<float>(e.r, M::kExpFastQ);
  return e;
}

// u = |x| clamped to kUMax (NaN lanes: kUMax); hh + hl = z^2 exactly.
template <class C>
FG_VINLINE VecT<float> erf_f32_arg(VecT<float> x, bool gelu, VecT<float>& hh, VecT<float>& hl) {
  VecT<float> u = copysign_of<float>(x, VecT<float>{});
  u = select(u < C::kUMax, u, splat<float>(C::kUMax));
  const VecT<float> hu = gelu ? u * 0.5f : u;  // exact
  hh = u * hu;
  hl = -residual<float>(hh, u, hu);
  return u;
}

FG_VINLINE VecT<float> v_erf_f32(VecT<float> x) {
  VecT<float> hh, hl;
  VecT<float> u = erf_f32_arg<ErfF32>(x, false, hh, hl);
  ErfcF32Parts e = erfc_f32_parts<ErfF32>(u, hh, hl);
  VecT<float> erfc = scale_pow2(fmadd(e.r, e.q, splat<float>(1.f)), e.n);
  constexpr size_t K = sizeof(ErfF32::kA) / sizeof(ErfF32::kA[0]);
  const VecT<float> t = x * x;
  VecT<float> p = splat<float>(ErfF32::kA[K - 1]);
  for (size_t k = K - 1; k-- > 1;) p = fmadd(p, t, splat<float>(ErfF32::kA[k]));
  VecT<float> near0 = fmadd(x, splat<float>(ErfF32::kA[0]), fmadd(x, splat<float>(ErfF32::kA0Lo), x * t * p));
  VecT<float> y = select(u < 0.5f, near0, 1.f - erfc);
  return copysign_of<float>(select(x == x, y, x), x);  // erf(-0) = -0
}

FG_VINLINE VecT<float> v_erfc_f32(VecT<float> x) {
  VecT<float> hh, hl;
  VecT<float> u = erf_f32_arg<ErfF32>(x, false, hh, hl);
  ErfcF32Parts e = erfc_f32_parts<ErfF32>(u, hh, hl);
  VecT<float> erfc = scale_pow2(fmadd(e.r, e.q, splat<float>(1.f)), e.n);
  VecT<float> y = select(x >= 0.f, erfc, 2.f - erfc);
  return select(x == x, y, x);
}

FG_VINLINE VecT<float> v_gelu_f32(VecT<float> x) {
  VecT<float> hh, hl;
  VecT<float> u = erf_f32_arg<GeluF32>(x, true, hh, hl);
  ErfcF32Parts e = erfc_f32_parts<GeluF32>(u, hh, hl);
  const VecT<float> hx = x * 0.5f;
  const VecT<float> w = scale_pow2(fmadd(hx * e.r, e.q, hx), e.n);  // x/2 erfc(z)
  VecT<float> y = select(x >= 0.f, x - w, w);
  y = select(u < 1e-30f, hx, y);  // x/2 (1 + erf) = x/2 rounded, ±0 kept
  // |x| >= kUMax and NaN: x for x > 0, else x * 0 (-0 for finite x, NaN for -inf and NaN).
  return select(u == GeluF32::kUMax, select(x > 0.f, x, x * 0.f), y);
}

// d gelu / dx = Phi(x) + x phi(x) on float lanes. With u = |x|, gelu'(-u) = e^(-u^2/2) B(u) (= P) and
// gelu'(u) = 1 - P, B(u) = Phi(-u) e^(u^2/2) - u / sqrt(2 pi): no cancellation of Phi and x phi (they cancel
// near the root x0 = -u0 = -0.7518). B is fitted per region of GeluF32 (same centres, c0 in two parts, degree <= 8;
// relative errors below) except on [0.5, 1.25), the window around u0, where B(u) = t S(t) with t = u - u0 (u0 in two
// parts). e^(-u^2/2) = (1 + w) 2^n with the reduced argument in two parts, P = (B + B w) 2^n with B in two parts
// (two roundings). Chebyshev fits (mpmath, 40 digits) with float coefficients (tools/fit_erf_float.py). Every
// float32 |x| < 16 at AVX2 and AVX-512: 2.19 ulp (at x = -0.8289, in the window), absolute error below 0.8 eps.
struct GeluDerivF32 {
  //   [0, 0.1875): degree 5, relative error 3.48e-09
  //   [0.1875, 0.25): degree 4, relative error 1.03e-09
  //   [0.25, 0.375): degree 4, relative error 3.87e-09
  //   [0.375, 0.5): degree 8, relative error 9.19e-09
  //   [0.5, 0.75]: the window
  //   [0.75, 1]: the window (to 1.25)
  //   [1, 1.5) on [1.25, 1.5): degree 5, relative error 3.98e-10
  //   [1.5, 2): degree 8, relative error 8.57e-09
  //   [2, 3): degree 6, relative error 4.47e-09
  //   [3, 4): degree 6, relative error 6.44e-10
  //   [4, 6): degree 7, relative error 8.3e-10
  //   [6, 8): degree 6, relative error 4.35e-09
  //   [8, 12): degree 6, relative error 4.63e-09
  //   [12, 14.8492): degree 5, relative error 1.8e-09
  static constexpr float kB0Lo[16] = {-8.003442353299306e-09f, 1.048064746100863e-08f, -1.775263824832507e-09f, -7.3768537944829404e-09f, 0.0f, 0.0f, -1.3525902176070304e-08f, -6.977254329854077e-09f, -2.591208314584037e-08f, -4.2797434929298106e-08f, 1.3051479896830642e-08f, 2.198742343750837e-08f, 9.43463334124317e-08f, -4.508211404186113e-08f, 0.0f, 0.0f};
  static constexpr float kB[9][16] = {
      {0.4272928237915039f, 0.33615171909332275f, 0.27155008912086487f, 0.1895323097705841f, 0.0f, 0.0f, -0.26811572909355164f, -0.5128739476203918f, -0.8533647656440735f, -1.288159966468811f, -1.9198100566864014f, -2.744718551635742f, -3.949645757675171f, -5.336596965789795f, 0.0f, 0.0f},
      {-0.7543209791183472f, -0.7052521109580994f, -0.6740718483924866f, -0.6385743618011475f, 0.0f, 0.0f, -0.5093981027603149f, -0.4737341105937958f, -0.44471994042396545f, -0.4257304072380066f, -0.4132627248764038f, -0.4065893888473511f, -0.40281814336776733f, -0.4011117219924927f, 0.0f, 0.0f},
      {0.21568803489208221f, 0.1782083809375763f, 0.15512004494667053f, 0.12961967289447784f, 0.0f, 0.0f, 0.04630150645971298f, 0.027179816737771034f, 0.013717182911932468f, 0.006406120490282774f, 0.00258860201574862f, 0.0010309554636478424f, 0.000376725074602291f, 0.00015870026254560798f, 0.0f, 0.0f},
      {-0.11171937733888626f, -0.08912747353315353f, -0.07561590522527695f, -0.06097209453582764f, 0.0f, 0.0f, -0.017506562173366547f, -0.009076551534235477f, -0.0038547569420188665f, -0.001464405911974609f, -0.00045495800441130996f, -0.00013666696031577885f, -3.624627788667567e-05f, -1.1548479051270988e-05f, 0.0f, 0.0f},
      {0.051412202417850494f, 0.039687421172857285f, 0.03290041908621788f, 0.02573525160551071f, 0.0f, 0.0f, 0.005992569960653782f, 0.002824170747771859f, 0.001025345060043037f, 0.00032157983514480293f, 7.782904867781326e-05f, 1.7829748685471714e-05f, 3.4612335184647236e-06f, 8.49640798605833e-07f, 0.0f, 0.0f},
      {-0.021420704200863838f, 0.0f, 0.0f, -0.009942296892404556f, 0.0f, 0.0f, -0.0015824014553800225f, -0.0008268773090094328f, -0.0002661610778886825f, -6.929488154128194e-05f, -1.3002329069422558e-05f, -2.3578850232297555e-06f, -3.490065978439816e-07f, -6.189669932155084e-08f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, 0.0035641563590615988f, 0.0f, 0.0f, 0.0f, 0.0002295224112458527f, 6.378535908879712e-05f, 1.408805837854743e-05f, 2.2355866349244025e-06f, 3.0369253067874524e-07f, 3.2719832177008357e-08f, 0.0f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, -0.001198548125103116f, 0.0f, 0.0f, 0.0f, -6.128061795607209e-05f, 0.0f, 0.0f, -3.587503272228787e-07f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
      {0.0f, 0.0f, 0.0f, 0.00038036805926822126f, 0.0f, 0.0f, 0.0f, 1.552429785078857e-05f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
  };
  // window: S degree 7, relative error 7.49e-09
  static constexpr float kU0Hi = 0.7517915368080139f, kU0Lo = -1.211444988769017e-08f;
  static constexpr float kS[8] = {-0.5724061727523804f, 0.08475637435913086f, -0.03658156841993332f, 0.0143135329708457f, -0.005164963658899069f, 0.0017425954574719071f, -0.0005468124873004854f, 0.00012789647735189646f};
};

FG_VINLINE VecT<float> v_gelu_derivative_f32(VecT<float> x) {
  using M = MathConst<float>;
  using C = GeluDerivF32;
  VecT<float> hh, hl;
  const VecT<float> u = erf_f32_arg<GeluF32>(x, true, hh, hl);
  IntT<float> idx = (bits_of<float>(u) >> 22) - 2 * 124;  // as in erfc_f32_parts
  idx = select(idx < 0, IntT<float>{}, idx);
  const VecT<float> v = u - lookup16(idx, GeluF32::kCentre);
  constexpr size_t K = sizeof(C::kB) / sizeof(C::kB[0]);
  VecT<float> p = lookup16(idx, C::kB[K - 1]);
  for (size_t k = K - 1; k-- > 1;) p = fmadd(p, v, lookup16(idx, C::kB[k]));
  // B = bh + bl unrounded: c0 + (c0lo + v p(v)), or in the window (t - kU0Lo) S with t = u - kU0Hi: t kS[0]
  // (exact, as hi + lo) - kU0Lo kS[0] + t^2 s1(t).
  VecT<float> bl = fmadd(p, v, lookup16(idx, C::kB0Lo));
  VecT<float> bh = lookup16(idx, C::kB[0]);
  const VecT<float> t = u - C::kU0Hi;  // exact; t - kU0Lo is u - u0
  constexpr size_t KS = sizeof(C::kS) / sizeof(C::kS[0]);
  VecT<float> s1 = splat<float>(C::kS[KS - 1]);
  for (size_t k = KS - 1; k-- > 1;) s1 = fmadd(s1, t, splat<float>(C::kS[k]));  // S(t) = kS[0] + t s1
  const VecT<float> ts = t * C::kS[0];
  const auto window = (u >= 0.5f) & (u < 1.25f);
  bh = select(window, ts, bh);
  bl = select(window, fmadd(t * t, s1, fmadd(t, splat<float>(C::kS[0]), -ts) - C::kU0Lo * C::kS[0]), bl);
  // e^(-hh - hl) = (1 + w) 2^n, w = r q (hh <= 110.3: no clamp); P = (bh + bh w + (bl + bl w)) 2^n: B is not
  // rounded on its own (e^(-u^2/2) < 1 takes P below B's binade, where B's rounding would count double).
  const VecT<float> magic = splat<float>(M::kRoundMagic);
  const VecT<float> n = fmadd(-hh, splat<float>(M::kLog2e), magic) - magic;
  const VecT<float> rh = fmadd(n, splat<float>(-M::kLn2Hi), -hh), rl = fmadd(n, splat<float>(-M::kLn2Lo), -hl);
  const VecT<float> r = rh + rl, rerr = (rh - r) + rl;  // rh exact; Fast2Sum (where |rh| < |rl|, r is tiny)
  const VecT<float> w = fmadd(r, horner<float>(r, M::kExpFastQ), rerr);  // e^(r + rerr) - 1
  const VecT<float> P = scale_pow2(fmadd(bh, w, bh) + fmadd(bl, w, bl), n);
  VecT<float> y = select(x < 0.f, P, 1.f - P);
  y = select(u == GeluF32::kUMax, select(x > 0.f, splat<float>(1.f), VecT<float>{}), y);  // and NaN lanes, below
  y = select(copysign_of<float>(x, VecT<float>{}) == __builtin_huge_valf(), splat<float>(__builtin_nanf("")), y);
  return select(x == x, y, x);
}

// The tanh approximation: x/2 (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
template <class T>
FG_VINLINE VecT<T> gelu_tanh_u(VecT<T> x) {
  return (x + T(0.044715) * x * x * x) * T(0.79788456080286535588);
}

template <class T>
FG_VINLINE VecT<T> v_gelu_tanh(VecT<T> x) {
  VecT<T> u = gelu_tanh_u<T>(x);
  VecT<T> y = x * v_sigmoid<T>(u * T(2));
  y = select(x == x, y, x);
  return select(x == T(0), x, y);
}

// d/dx: (1 + t)/2 + x/2 (1 - t^2) u'(x), t = tanh(u), u' = sqrt(2/pi) (1 + 3 0.044715 x^2).
template <class T>
FG_VINLINE VecT<T> v_gelu_tanh_derivative(VecT<T> x) {
  VecT<T> t = v_tanh<T>(gelu_tanh_u<T>(x));
  VecT<T> du = (T(1) + T(3 * 0.044715) * x * x) * T(0.79788456080286535588);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du;
}

}  // namespace fastgrad::cpu::FG_ISA

// Scalar special functions in double (torch.special): gamma family, Hurwitz zeta, inverse error function,
// modified Bessel functions of order 0 and 1, the scaled complementary error function and the normal
// distribution's log-CDF and quantile. Float32 inputs are computed through these and rounded once, so their
// results are within an ulp of the exact value; the double results are within a few ulp (tested against
// mpmath in tests/python/test_special.py). Edge values follow PyTorch's definitions (noted per function).
#pragma once

#include <cmath>
#include <limits>

namespace fastgrad::special {

inline constexpr double kPi = 3.14159265358979323846264338327950288;
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// log|Gamma(x)|; +inf at the poles 0, -1, -2, ... (lgamma_r: no write to the global signgam).
inline double lgamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

// psi(x) = Gamma'(x) / Gamma(x). PyTorch: +-0 gives -+inf, negative integers NaN, -inf NaN.
inline double digamma(double x) {
  if (std::isnan(x)) return x;
  if (x == 0) return std::copysign(kInf, -x);
  if (x < 0) {
    if (x == std::floor(x)) return kNaN;  // also -inf
    // reflection: psi(x) = psi(1 - x) - pi / tan(pi x); tan of pi * (x - round(x)) keeps the argument small
    double r = x - std::nearbyint(x);
    return digamma(1 - x) - kPi / std::tan(kPi * r);
  }
  if (x == kInf) return x;
  double acc = 0;
  while (x < 10) {  // psi(x) = psi(x + 1) - 1 / x
    acc -= 1 / x;
    x += 1;
  }
  // asymptotic series: ln x - 1/(2x) - sum B_2k / (2k x^2k)
  const double z = 1 / (x * x);
  const double series =
      z * (1.0 / 12 -
           z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z / 12))))));
  return acc + std::log(x) - 0.5 / x - series;
}

// Hurwitz zeta(s, q) = sum_k (q + k)^-s. PyTorch: s == 1 gives inf, s < 1 NaN; q a non-positive integer gives
// inf; q < 0 with s not an integer NaN (and here NaN for q < -4e6, where the direct sum would take too long).
// Euler-Maclaurin: a direct sum up to q + n >= 16 + s, then the integral, half the next term and the
// Bernoulli corrections.
inline double zeta(double s, double q) {
  if (std::isnan(s) || std::isnan(q)) return kNaN;
  if (s == 1) return kInf;
  if (s < 1) return kNaN;
  if (q == kInf) return 0;
  if (q == -kInf) return kNaN;
  if (q <= 0) {
    if (q == std::floor(q)) return kInf;
    if (s != std::floor(s)) return kNaN;
  }
  if (s == kInf) return q == 1 ? 1.0 : (q < 1 ? kInf : 0.0);
  static constexpr double kB2k[] = {1.0 / 6,     -1.0 / 30,      1.0 / 42,          -1.0 / 30,
                                    5.0 / 66,    -691.0 / 2730,  7.0 / 6,           -3617.0 / 510,
                                    43867.0 / 798, -174611.0 / 330, 854513.0 / 138, -236364091.0 / 2730};
  double sum = 0;
  double a = q;
  const double start = 16 + s;
  if (start - a > (1 << 22)) return kNaN;  // q far below 0: the direct sum would not end in reasonable time
  while (a < start) {
    sum += std::pow(a, -s);
    a += 1;
  }
  const double a_s = std::pow(a, -s);
  sum += a * a_s / (s - 1) + 0.5 * a_s;
  // sum_j B_2j / (2j)! * s (s + 1) ... (s + 2j - 2) * a^(-s - 2j + 1)
  double factor = s * a_s / a;  // s * a^(-s-1), times B_2 / 2!
  double fact = 2;              // (2j)!
  for (int j = 0; j < 12; ++j) {
    const double term = kB2k[j] / fact * factor;
    sum += term;
    if (std::fabs(term) <= std::fabs(sum) * 1e-18) break;
    factor *= (s + 2 * j + 1) * (s + 2 * j + 2) / (a * a);
    fact *= (2 * j + 3) * (2 * j + 4);
  }
  return sum;
}

// psi^(n)(x): digamma for n = 0, else (-1)^(n+1) n! zeta(n + 1, x). n < 0 is refused by the op.
inline double polygamma(long n, double x) {
  if (n == 0) return digamma(x);
  const double nf = static_cast<double>(n);
  const double sign = (n % 2) ? 1.0 : -1.0;
  return sign * std::exp(lgamma(nf + 1)) * zeta(nf + 1, x);
}

// erf^-1(y) on [-1, 1]: +-inf at +-1, NaN outside. A closed-form first guess (relative error < 2e-3), then
// Halley steps on erf (or on erfc where |y| > 0.5, whose residual keeps its precision near +-1).
inline double erfinv(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return kNaN;
  if (y == 1) return kInf;
  if (y == -1) return -kInf;
  if (y == 0) return y;
  const double ay = std::fabs(y);
  const double l = std::log1p(-ay) + std::log1p(ay);  // ln(1 - y^2) without cancellation
  constexpr double ka = 0.147;
  const double b = 2 / (kPi * ka) + 0.5 * l;
  double x = std::sqrt(std::sqrt(b * b - l / ka) - b);
  const double c = 2 / std::sqrt(kPi);
  const double one_minus = 1 - ay;  // exact for ay >= 0.5
  for (int i = 0; i < 3; ++i) {
    const double f = ay > 0.5 ? one_minus - std::erfc(x) : std::erf(x) - ay;
    const double d = c * std::exp(-x * x);
    if (d == 0) break;
    const double u = f / d;
    x -= u / (1 + x * u);
  }
  return std::copysign(x, y);
}

namespace detail {
// I_nu(x) for nu in {0, 1} and x >= 0, times exp(-x) when `scaled`. Power series to 30, the asymptotic
// expansion e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k beyond (its terms shrink until k ~ 2x = 60).
inline double bessel_i(int nu, double x, bool scaled) {
  if (x <= 30) {
    const double q = 0.25 * x * x;
    double term = nu == 0 ? 1.0 : 0.5 * x;
    double sum = term;
    for (int k = 1; k < 500; ++k) {
      term *= q / (static_cast<double>(k) * (k + nu));
      sum += term;
      if (term <= sum * 1e-17) break;
    }
    return scaled ? sum * std::exp(-x) : sum;
  }
  const double mu = 4.0 * nu * nu;
  double term = 1, sum = 1;
  for (int k = 1; k < 60; ++k) {
    const double odd = 2.0 * k - 1;
    term *= -(mu - odd * odd) / (k * 8.0 * x);
    sum += term;
    if (std::fabs(term) <= std::fabs(sum) * 1e-17) break;
  }
  const double scaled_value = sum / std::sqrt(2 * kPi * x);
  if (scaled) return scaled_value;
  const double h = std::exp(0.5 * x);  // e^x as h * h: each factor exact to an ulp, finite up to x ~ 1419
  return h * (h * scaled_value);
}
}  // namespace detail

inline double i0(double x) { return std::isnan(x) ? x : detail::bessel_i(0, std::fabs(x), false); }
inline double i0e(double x) { return std::isnan(x) ? x : detail::bessel_i(0, std::fabs(x), true); }
inline double i1(double x) { return std::isnan(x) ? x : std::copysign(detail::bessel_i(1, std::fabs(x), false), x); }
inline double i1e(double x) { return std::isnan(x) ? x : std::copysign(detail::bessel_i(1, std::fabs(x), true), x); }

// exp(x^2) erfc(x). x^2 is split into an exact sum hi + lo so that exp(x^2) keeps its precision; beyond 26
// (where erfc underflows) the asymptotic series 1 / (x sqrt(pi)) sum_k (-1)^k (2k - 1)!! / (2 x^2)^k.
inline double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 0) {
    if (x < -26.7) return kInf;
    const double hi = x * x, lo = std::fma(x, x, -hi);
    return 2 * std::exp(hi) * (1 + lo) - erfcx(-x);
  }
  if (x < 26) {
    const double hi = x * x, lo = std::fma(x, x, -hi);
    return std::exp(hi) * (1 + lo) * std::erfc(x);
  }
  if (x == kInf) return 0;
  const double z = 1 / (2 * x * x);
  double term = 1, sum = 1;
  for (int k = 1; k < 12; ++k) {
    term *= -(2.0 * k - 1) * z;
    sum += term;
  }
  return sum / (x * std::sqrt(kPi));
}

// The standard normal CDF, its log and its inverse.
inline double ndtr(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// log_ndtr's right tail is -Phi(-x), tiny: t = x / sqrt(2) is carried as th + tl (the product's rounding error
// and 1/sqrt(2)'s own), and erfc(th + tl) = erfc(th) (1 - 2 th tl), or the rounding of t alone would cost
// ~2 t^2 ulp (500 ulp at x = 30).
inline double log_ndtr(double x) {
  constexpr double kHi = 0.70710678118654757, kLo = -4.8336466567264567e-17;  // 1/sqrt(2) = kHi + kLo
  if (x == kInf) return -0.0;
  const double th = x * kHi;
  if (x < -1) return std::log(0.5 * erfcx(-th)) - th * th;
  const double tl = std::fma(x, kHi, -th) + x * kLo;
  return std::log1p(-0.5 * std::erfc(th) * (1 - 2 * th * tl));
}

// Phi^-1(p): -inf at 0, inf at 1, NaN outside [0, 1]. A first guess (erfinv in the middle, the
// Abramowitz-Stegun 26.2.23 tail formula beyond), then Halley steps on the lower-tail CDF, whose residual
// keeps its precision for tiny p.
inline double ndtri(double p) {
  if (std::isnan(p) || p < 0 || p > 1) return kNaN;
  if (p == 0) return -kInf;
  if (p == 1) return kInf;
  const bool upper = p > 0.5;
  const double q = upper ? 1 - p : p;  // exact: p > 0.5
  double x;
  if (q > 0.02) {
    x = std::sqrt(2.0) * erfinv(2 * q - 1);
  } else {
    const double t = std::sqrt(-2 * std::log(q));
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  }
  for (int i = 0; i < 3; ++i) {
    const double f = ndtr(x) - q;
    const double d = std::exp(-0.5 * x * x) / std::sqrt(2 * kPi);
    if (d == 0) break;
    const double u = f / d;
    x -= u / (1 + 0.5 * x * u);
  }
  return upper ? -x : x;
}

// -x ln x; 0 at 0, -inf below 0 (PyTorch's entr).
inline double entr(double x) {
  if (std::isnan(x)) return x;
  if (x > 0) return -x * std::log(x);
  return x == 0 ? 0.0 : -kInf;
}

// sin(pi x) / (pi x), 1 at 0 (the product pi * x is rounded first, as PyTorch computes it).
inline double sinc(double x) {
  if (x == 0) return 1;
  const double p = kPi * x;
  return std::sin(p) / p;
}

}  // namespace fastgrad::special

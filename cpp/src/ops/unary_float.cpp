// Elementwise float functions (exp, log, trigonometric and hyperbolic functions, sigmoid, logit, erf):
// forward and derivative side by side. They compute in the input's float dtype, or in the default dtype for
// integer and bool inputs. Derivatives are written with the public ops, so they differentiate again.
#include <cmath>
#include <string_view>

#include "../cpu/special_math.h"
#include "elementwise.h"

namespace fastgrad {

namespace {

constexpr double kLn2 = 0.693147180559945309417232121458176568;
constexpr double kLn10 = 2.30258509299404568401799145468436421;
constexpr double kTwoOverSqrtPi = 1.12837916709551257389615890312154517;
constexpr double kSqrtPiOver2 = 0.886226925452758013649083741671393;
constexpr double kSqrtTwoPi = 2.50662827463100050241576528481104525;

// No vector kernel: the scalar body runs.
constexpr int kScalar = -1;

// out = f(x) with f a generic lambda such as [](auto x) { return std::exp(x); }, or the CPU layer's kernel
// `vec` (a cpu::UnaryOp) when the function has one.
template <class F>
Tensor apply_float(const Tensor& t, F f, int vec) {
  if (vec != kScalar) return kernel_map(t, float_type(t.dtype()), static_cast<cpu::UnaryOp>(vec));
  return float_map(t, float_type(t.dtype()), [f](auto tag) {
    using T = decltype(tag);
    return [f](T x) -> T { return f(x); };
  });
}

// The in-place form of a float function: refused for integer tensors, which cannot hold the result.
template <class F>
Tensor& float_inplace(Tensor& self, const char* op, bool saves_self, F f) {
  return inplace_binary(self, nullptr, float_type(self.dtype()), op, saves_self, f);
}

}  // namespace

// PyTorch has no derivative for asinh_, acosh_ and atanh_: their Nodes (AsinhBackward1, ...) raise.
struct InplaceNoDerivative : Node {
  const char* node_name;
  const char* op;
  InplaceNoDerivative(const char* n, const char* o) : node_name(n), op(o) {}
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&&) override {
    throw NotImplementedError(std::string("the derivative for 'inplace version of ") + op + "' is not implemented.");
  }
};

constexpr const char* inplace_without_derivative(std::string_view op) {
  return op == "asinh"   ? "AsinhBackward1"
         : op == "acosh" ? "AcoshBackward1"
         : op == "atanh" ? "AtanhBackward1"
                         : nullptr;
}

template <class F>
Tensor inplace_result(const Tensor& s, const char* op, F out_of_place) {
  const char* node = inplace_without_derivative(op);
  if (!node) return out_of_place(s);
  Tensor out;
  {
    NoGradGuard guard;
    out = out_of_place(s);
  }
  if (compute_requires_grad({&s})) set_history(out, make_node<InplaceNoDerivative>({&s}, node, op));
  return out;
}

// d sinc(x) / dx = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0 (PyTorch's SincBackward0). Near 0 the
// quotient is 0/0 in floating point (x^2 underflows for denormal x) and loses its digits to cancellation; there
// its series -pi^2 x / 3 (next term pi^4 x^3 / 30: below an ulp for |x| < 1e-5).
Tensor sinc_backward(const Tensor& g, const Tensor& x) {
  Tensor px = mul(x, special::kPi);
  Tensor d = div(sub(mul(px, cos(px)), sin(px)), mul(mul(x, x), special::kPi));
  Tensor near0 = compare(abs(x), Scalar(1e-5), CompareOp::Lt);
  return mul(g, where(near0, mul(x, -special::kPi * special::kPi / 3), d));
}

// Which tensor a Node saves: the input x or the output y.
enum class Saves : uint8_t { x, y };

// One row per op: the op, its Node, what the Node saves, the forward value for an element x of float type T,
// and the gradient from the incoming gradient g and the saved tensor s. Expands to the Node, the op and its
// in-place form.
#define FG_FLOAT_UNARY(op, NodeName, saves, vec, forward, ...)                                 \
  struct NodeName : NamedNode<NodeName> {                                                      \
    static constexpr const char* kName = #NodeName;                                            \
    tensor_list apply(tensor_list&& grads) override {                                          \
      const Tensor& g = grads[0];                                                              \
      Tensor s = saved(0);                                                                     \
      return {__VA_ARGS__};                                                                    \
    }                                                                                          \
  };                                                                                           \
  Tensor op(const Tensor& t) {                                                                 \
    Tensor out = apply_float(                                                                  \
        t,                                                                                     \
        [](auto x) {                                                                           \
          using T = decltype(x);                                                               \
          return static_cast<T>(forward);                                                      \
        },                                                                                     \
        vec);                                                                                  \
    return record_unary<NodeName>(out, t, Saves::saves == Saves::x, Saves::saves == Saves::y); \
  }                                                                                            \
  Tensor& op##_(Tensor& t) {                                                                   \
    return float_inplace(t, #op "_", Saves::saves == Saves::x, [](const Tensor& s) {           \
      return inplace_result(s, #op, [](const Tensor& x) { return op(x); });                    \
    });                                                                                        \
  }

// V(Name): the function has a vector kernel in the CPU layer (cpu::UnaryOp::Name); kScalar: std:: per element.
#define V(name) static_cast<int>(cpu::UnaryOp::name)
//             op          Node                 saves kernel forward(x)             gradient(g, s)
FG_FLOAT_UNARY(exp, ExpBackward0, y, V(Exp), std::exp(x), mul(g, s))
FG_FLOAT_UNARY(exp2, Exp2Backward0, y, kScalar, std::exp2(x), mul(g, mul(s, kLn2)))
FG_FLOAT_UNARY(expm1, Expm1Backward0, y, V(Expm1), std::expm1(x), mul(g, add(s, 1)))
FG_FLOAT_UNARY(log, LogBackward0, x, V(Log), std::log(x), div(g, s))
FG_FLOAT_UNARY(log1p, Log1PBackward0, x, V(Log1p), std::log1p(x), div(g, add(s, 1)))
FG_FLOAT_UNARY(log2, Log2Backward0, x, V(Log2), std::log2(x), div(g, mul(s, kLn2)))
FG_FLOAT_UNARY(log10, Log10Backward0, x, kScalar, std::log10(x), div(g, mul(s, kLn10)))
FG_FLOAT_UNARY(sqrt, SqrtBackward0, y, kScalar, std::sqrt(x), div(g, mul(s, 2)))
FG_FLOAT_UNARY(rsqrt, RsqrtBackward0, y, V(Rsqrt), T(1) / std::sqrt(x), fused_backward(cpu::BackwardOp::Rsqrt, g, s, [&] { return mul(mul(g, pow(s, 3)), -0.5); }))
FG_FLOAT_UNARY(reciprocal, ReciprocalBackward0, y, kScalar, T(1) / x, mul(g, neg(mul(s, s))))
FG_FLOAT_UNARY(sin, SinBackward0, x, V(Sin), std::sin(x), fused_backward(cpu::BackwardOp::Sin, g, s, [&] { return mul(g, cos(s)); }))
FG_FLOAT_UNARY(cos, CosBackward0, x, V(Cos), std::cos(x), fused_backward(cpu::BackwardOp::Cos, g, s, [&] { return mul(g, neg(sin(s))); }))
FG_FLOAT_UNARY(tan, TanBackward0, y, kScalar, std::tan(x), mul(g, add(mul(s, s), 1)))
FG_FLOAT_UNARY(asin, AsinBackward0, x, kScalar, std::asin(x), mul(g, rsqrt(rsub(mul(s, s), 1))))
FG_FLOAT_UNARY(acos, AcosBackward0, x, kScalar, std::acos(x), mul(g, neg(rsqrt(rsub(mul(s, s), 1)))))
FG_FLOAT_UNARY(atan, AtanBackward0, x, kScalar, std::atan(x), div(g, add(mul(s, s), 1)))
FG_FLOAT_UNARY(sinh, SinhBackward0, x, kScalar, std::sinh(x), mul(g, cosh(s)))
FG_FLOAT_UNARY(cosh, CoshBackward0, x, kScalar, std::cosh(x), mul(g, sinh(s)))
FG_FLOAT_UNARY(tanh, TanhBackward0, y, V(Tanh), std::tanh(x), fused_backward(cpu::BackwardOp::Tanh, g, s, [&] { return mul(g, rsub(mul(s, s), 1)); }))
FG_FLOAT_UNARY(asinh, AsinhBackward0, x, kScalar, std::asinh(x), mul(g, rsqrt(add(mul(s, s), 1))))
FG_FLOAT_UNARY(acosh, AcoshBackward0, x, kScalar, std::acosh(x), mul(g, rsqrt(sub(mul(s, s), 1))))
FG_FLOAT_UNARY(atanh, AtanhBackward0, x, kScalar, std::atanh(x), div(g, rsub(mul(s, s), 1)))
FG_FLOAT_UNARY(sigmoid, SigmoidBackward0, y, V(Sigmoid), T(1) / (T(1) + std::exp(-x)), fused_backward(cpu::BackwardOp::Sigmoid, g, s, [&] { return mul(g, mul(s, rsub(s, 1))); }))
FG_FLOAT_UNARY(erf, ErfBackward0, x, V(Erf), std::erf(x), mul(g, mul(exp(neg(mul(s, s))), kTwoOverSqrtPi)))
FG_FLOAT_UNARY(erfc, ErfcBackward0, x, V(Erfc), std::erfc(x), mul(g, mul(exp(neg(mul(s, s))), -kTwoOverSqrtPi)))
// torch.special and the gamma family: scalar double code (cpu/special_math.h), derivatives from PyTorch's formulas.
FG_FLOAT_UNARY(lgamma, LgammaBackward0, x, kScalar, special::lgamma(x), mul(g, digamma(s)))
FG_FLOAT_UNARY(digamma, DigammaBackward0, x, kScalar, special::digamma(x), mul(g, polygamma(1, s)))
FG_FLOAT_UNARY(erfinv, ErfinvBackward0, x, kScalar, special::erfinv(x), mul(g, mul(exp(square(erfinv(s))), kSqrtPiOver2)))
FG_FLOAT_UNARY(i0, I0Backward0, x, kScalar, special::i0(x), mul(g, special_i1(s)))
FG_FLOAT_UNARY(special_i0e, SpecialI0EBackward0, x, kScalar, special::i0e(x), mul(g, sub(special_i1e(s), mul(sign(s), special_i0e(s)))))
FG_FLOAT_UNARY(special_i1, SpecialI1Backward0, x, kScalar, special::i1(x), mul(g, where(compare(s, 0, CompareOp::Eq), Scalar(0.5), sub(i0(s), div(special_i1(s), s)))))
FG_FLOAT_UNARY(special_i1e, SpecialI1EBackward0, x, kScalar, special::i1e(x), mul(g, where(compare(s, 0, CompareOp::Eq), Scalar(0.5), sub(special_i0e(s), mul(special_i1e(s), add(sign(s), reciprocal(s)))))))
FG_FLOAT_UNARY(special_ndtri, SpecialNdtriBackward0, y, kScalar, special::ndtri(x), mul(g, mul(exp(mul(square(s), 0.5)), kSqrtTwoPi)))
FG_FLOAT_UNARY(special_log_ndtr, SpecialLogNdtrBackward0, x, kScalar, special::log_ndtr(x), mul(g, div(exp(sub(mul(square(s), -0.5), special_log_ndtr(s))), kSqrtTwoPi)))
FG_FLOAT_UNARY(special_erfcx, SpecialErfcxBackward0, x, kScalar, special::erfcx(x), mul(g, sub(mul(mul(s, special_erfcx(s)), 2), kTwoOverSqrtPi)))
FG_FLOAT_UNARY(special_entr, SpecialEntrBackward0, x, kScalar, special::entr(x), mul(g, neg(add(log(s), 1))))
FG_FLOAT_UNARY(sinc, SincBackward0, x, kScalar, special::sinc(x), sinc_backward(g, s))

#undef V
#undef FG_FLOAT_UNARY

// ---- logit ----

// 1 / (x (1 - x)) inside the domain; outside it NaN without eps (the function is undefined there) and 0 with
// eps (the input was clamped, so the output does not move).
struct LogitBackward0 : NamedNode<LogitBackward0> {
  static constexpr const char* kName = "LogitBackward0";
  std::optional<double> eps;
  explicit LogitBackward0(std::optional<double> e) : eps(e) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0);
    double lo = eps ? *eps : 0.0, hi = eps ? 1.0 - *eps : 1.0;
    Tensor outside = logical(compare(x, lo, CompareOp::Lt), compare(x, hi, CompareOp::Gt), LogicalOp::Or);
    // At the boundary itself (x == 0 or 1, -0.0 included) the slope is g * inf, as in PyTorch: g / (x (1 - x))
    // would take the sign of -0.0.
    Tensor boundary = logical(compare(x, 0.0, CompareOp::Eq), compare(x, 1.0, CompareOp::Eq), LogicalOp::Or);
    Tensor inside = where(boundary, mul(g[0], Scalar(INFINITY)), div(g[0], mul(x, rsub(x, 1))));
    return {where(outside, Scalar(eps ? 0.0 : NAN), inside)};
  }
};

Tensor logit(const Tensor& t, std::optional<double> eps) {
  // eps becomes an element of the computing dtype: checked as PyTorch does (1e300 into float32 is an error).
  if (eps) check_scalar_fits(Scalar(*eps), float_type(t.dtype()));  // Note [Checked scalar conversion]
  if (eps && *eps < 0) eps.reset();  // a negative eps clamps nothing: the function and slope without eps
  Tensor out = float_map(t, float_type(t.dtype()), [eps](auto tag) {
    using T = decltype(tag);
    const bool clamp = eps.has_value();
    const T lo = static_cast<T>(eps.value_or(0.0)), hi = static_cast<T>(1.0 - eps.value_or(0.0));
    return [=](T x) -> T {
      if (clamp) x = x < lo ? lo : (x > hi ? hi : x);
      return std::log(x / (T(1) - x));
    };
  });
  return record_unary<LogitBackward0>(out, t, true, false, eps);
}

Tensor& logit_(Tensor& t, std::optional<double> eps) {
  return float_inplace(t, "logit_", true, [eps](const Tensor& s) { return logit(s, eps); });
}

// ---- polygamma, mvlgamma ----

// psi^(n)(x); its derivative is psi^(n+1)(x).
struct PolygammaBackward0 : NamedNode<PolygammaBackward0> {
  static constexpr const char* kName = "PolygammaBackward0";
  int64_t n;
  explicit PolygammaBackward0(int64_t n_) : n(n_) {}
  tensor_list apply(tensor_list&& grads) override { return {mul(grads[0], polygamma(n + 1, saved(0)))}; }
};

Tensor polygamma(int64_t n, const Tensor& t) {
  FG_CHECK(n >= 0, Error, "polygamma(n, x) does not support negative n.");
  Tensor out = float_map(t, float_type(t.dtype()), [n](auto tag) {
    using T = decltype(tag);
    return [n](T x) -> T { return static_cast<T>(special::polygamma(static_cast<long>(n), x)); };
  });
  return record_unary<PolygammaBackward0>(out, t, true, false, n);
}

Tensor& polygamma_(Tensor& t, int64_t n) {
  FG_CHECK(n >= 0, Error, "polygamma(n, x) does not support negative n.");
  return float_inplace(t, "polygamma_", true, [n](const Tensor& s) { return polygamma(n, s); });
}

// log Gamma_p(x) = p (p - 1) / 4 log(pi) + sum_{i < p} lgamma(x - i / 2), the multivariate gamma function's log
// for x > (p - 1) / 2; derivative sum_{i < p} digamma(x - i / 2).
struct MvlgammaBackward0 : NamedNode<MvlgammaBackward0> {
  static constexpr const char* kName = "MvlgammaBackward0";
  int64_t p;
  explicit MvlgammaBackward0(int64_t p_) : p(p_) {}
  tensor_list apply(tensor_list&& grads) override {
    Tensor x = saved(0);
    Tensor sum = digamma(x);
    for (int64_t i = 1; i < p; ++i) sum = add(sum, digamma(sub(x, 0.5 * static_cast<double>(i))));
    return {mul(grads[0], sum)};
  }
};

namespace {
// PyTorch 2.13 checks p only: below (p - 1) / 2 the sum of lgammas is returned as it comes (the function's
// real continuation there, inf at its poles).
void check_mvlgamma(int64_t p) { FG_CHECK(p >= 1, Error, "p has to be greater than or equal to 1"); }
}  // namespace

Tensor mvlgamma(const Tensor& t, int64_t p) {
  check_mvlgamma(p);
  const double pd = static_cast<double>(p);
  const double base = pd * (pd - 1) / 4 * std::log(special::kPi);
  Tensor out = float_map(t, float_type(t.dtype()), [p, base](auto tag) {
    using T = decltype(tag);
    return [p, base](T x) -> T {
      double sum = base;
      for (int64_t i = 0; i < p; ++i) sum += special::lgamma(static_cast<double>(x) - 0.5 * static_cast<double>(i));
      return static_cast<T>(sum);
    };
  });
  return record_unary<MvlgammaBackward0>(out, t, true, false, p);
}

Tensor& mvlgamma_(Tensor& t, int64_t p) {
  check_mvlgamma(p);
  return float_inplace(t, "mvlgamma_", true, [p](const Tensor& s) { return mvlgamma(s, p); });
}

}  // namespace fastgrad

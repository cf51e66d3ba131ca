// Activation functions and softmax: forward and derivative side by side. Each is one fused op with
// PyTorch's Node name; derivatives are written with public ops so that they are differentiable again.
#include <cmath>
#include <initializer_list>
#include <string>

#include "elementwise.h"

namespace fastgrad {

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;      // 1 / sqrt(2)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1 / sqrt(2 pi)
constexpr double kGeluTanhCoeff = 0.044715;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

// A 0/1 mask of `cond` in dtype `dtype` (a constant: masks carry no gradient).
Tensor mask_of(const Tensor& cond, ScalarType dtype) { return cast(cond, dtype); }

// An activation's number parameters become elements of the input's dtype: checked like every other number
// (Note [Checked scalar conversion]; leaky_relu(x32, 1e300) raises as in PyTorch).
void check_params(const Tensor& t, std::initializer_list<double> params) {
  for (double p : params) check_scalar_fits(Scalar(p), t.dtype());
}

}  // namespace

// ---- leaky_relu ----

struct LeakyReluBackward0 : NamedNode<LeakyReluBackward0> {
  static constexpr const char* kName = "LeakyReluBackward0";
  double slope;
  explicit LeakyReluBackward0(double s) : slope(s) {}
  tensor_list apply(tensor_list&& g) override {
    // d/dx = 1 where x > 0, else negative_slope: selected, not blended (pos * (1 - slope) + slope loses the 1
    // to rounding for a huge slope and gives 0 * inf = nan for an infinite one).
    Tensor above = compare(saved(0), Scalar(0.0), CompareOp::Gt);
    return {where(above, g[0], mul(g[0], Scalar(slope)))};
  }
};

// The in-place form saves its result instead of its input: result > 0 exactly where input > 0 (slope >= 0).
struct LeakyReluBackward1 : NamedNode<LeakyReluBackward1> {
  static constexpr const char* kName = "LeakyReluBackward1";
  double slope;
  explicit LeakyReluBackward1(double s) : slope(s) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor above = compare(saved(0), Scalar(0.0), CompareOp::Gt);
    return {where(above, g[0], mul(g[0], Scalar(slope)))};
  }
};

namespace {
Tensor leaky_relu_impl(const Tensor& t, double slope, bool save_result) {
  check_floating(t, "leaky_relu_cpu");
  check_params(t, {slope});
  Tensor out = float_map(t, t.dtype(), [slope](auto tag) {
    using T = decltype(tag);
    const T s = static_cast<T>(slope);
    return [s](T x) -> T { return x > T(0) ? x : x * s; };
  });
  if (save_result) return record_unary<LeakyReluBackward1>(out, t, false, true, slope);
  return record_unary<LeakyReluBackward0>(out, t, true, false, slope);
}
}  // namespace

Tensor leaky_relu(const Tensor& t, double negative_slope) { return leaky_relu_impl(t, negative_slope, false); }

Tensor& leaky_relu_(Tensor& t, double negative_slope) {
  FG_CHECK(!(negative_slope < 0 && compute_requires_grad({&t})), Error,
           "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
           "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
           "version instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting "
           "in-place leakRelu backward calculation with negative slope");
  return inplace_binary(t, nullptr, t.dtype(), "leaky_relu_", false,
                        [&](const Tensor& s) { return leaky_relu_impl(s, negative_slope, true); });
}

// ---- elu / selu ----
// elu(x) = scale * x for x > 0, scale * alpha * (exp(input_scale * x) - 1) otherwise; selu is elu with
// fixed alpha and scale.

struct EluBackward0 : NamedNode<EluBackward0> {
  static constexpr const char* kName = "EluBackward0";
  double alpha, scale, input_scale;
  EluBackward0(double a, double s, double i) : alpha(a), scale(s), input_scale(i) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0);
    // The negative branch is x <= 0, as in PyTorch: a NaN input takes the linear side's slope.
    Tensor above = logical_not(compare(x, Scalar(0.0), CompareOp::Le));
    // exp only where it is used: exp(input_scale x) for large positive x would overflow to inf. The sides are
    // selected, not blended, so a NaN alpha leaves the linear side's slope alone.
    Tensor neg_slope =
        mul(exp(mul(where(above, Scalar(0.0), x), Scalar(input_scale))), Scalar(scale * alpha * input_scale));
    Tensor slope = where(above, Scalar(scale), neg_slope);
    return {mul(g[0], slope)};
  }
};

// In place: saves the result y; for x <= 0, exp(input_scale x) = y / (scale alpha) + 1, so the slope is
// input_scale (y + scale alpha).
struct EluBackward1 : NamedNode<EluBackward1> {
  static constexpr const char* kName = "EluBackward1";
  double alpha, scale, input_scale;
  EluBackward1(double a, double s, double i) : alpha(a), scale(s), input_scale(i) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved(0);
    Tensor below = compare(y, Scalar(0.0), CompareOp::Le);
    Tensor neg_slope = mul(add(where(below, y, Scalar(0.0)), Scalar(scale * alpha)), Scalar(input_scale));
    Tensor slope = where(below, neg_slope, Scalar(scale));
    return {mul(g[0], slope)};
  }
};

// celu's nodes: elu's derivative, as PyTorch's celu formula writes it: alpha converted to float (checked, so an
// alpha beyond float32's range fails in backward, also for float64 inputs) and input_scale = 1 / float(alpha).
template <class EluNode>
struct CeluNode : EluNode {
  const char* node_name;
  bool alpha_fits;
  CeluNode(const char* n, double a, double s, double) : EluNode(a, s, 0.0), node_name(n) {
    alpha_fits = scalar_fits(Scalar(a), ScalarType::Float32);
    if (alpha_fits) this->input_scale = 1.0 / static_cast<double>(static_cast<float>(a));
  }
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&& g) override {
    if (!alpha_fits) check_scalar_fits(Scalar(this->alpha), ScalarType::Float32);  // throws
    return EluNode::apply(std::move(g));
  }
};
struct CeluBackward0 : CeluNode<EluBackward0> {
  CeluBackward0(double a, double s, double i) : CeluNode("CeluBackward0", a, s, i) {}
};
struct CeluBackward1 : CeluNode<EluBackward1> {
  CeluBackward1(double a, double s, double i) : CeluNode("CeluBackward1", a, s, i) {}
};

namespace {
template <class Node0 = EluBackward0, class Node1 = EluBackward1>
Tensor elu_impl(const Tensor& t, double alpha, double scale, double input_scale, bool save_result) {
  check_floating(t, "elu_cpu");
  check_params(t, {alpha, scale, input_scale});
  Tensor out = float_map(t, t.dtype(), [=](auto tag) {
    using T = decltype(tag);
    return [=](T x) -> T {
      return x > T(0) ? static_cast<T>(scale * x)
                      : static_cast<T>(scale * alpha * std::expm1(static_cast<double>(x) * input_scale));
    };
  });
  if (save_result) return record_unary<Node1>(out, t, false, true, alpha, scale, input_scale);
  return record_unary<Node0>(out, t, true, false, alpha, scale, input_scale);
}

Tensor& elu_inplace(Tensor& t, double alpha, double scale, double input_scale) {
  FG_CHECK(!(alpha < 0 && compute_requires_grad({&t})), Error,
           "In-place elu backward calculation is triggered with a negative slope which is not supported. "
           "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
           "version instead.");
  return inplace_binary(t, nullptr, t.dtype(), "elu_", false,
                        [&](const Tensor& s) { return elu_impl(s, alpha, scale, input_scale, true); });
}
}  // namespace

Tensor elu(const Tensor& t, double alpha) { return elu_impl(t, alpha, 1.0, 1.0, false); }

// celu(x) = x for x > 0, alpha * (exp(x / alpha) - 1) otherwise: elu with input_scale 1 / alpha (so a negative
// alpha keeps the positive side as it is). In place, PyTorch refuses a negative alpha only in backward.
namespace {
void check_celu_alpha(double alpha) { FG_CHECK(alpha != 0.0, Error, "ZeroDivisionError: alpha cannot be 0 for CELU"); }
}  // namespace

Tensor celu(const Tensor& t, double alpha) {
  check_celu_alpha(alpha);
  return elu_impl<CeluBackward0, CeluBackward1>(t, alpha, 1.0, 1.0 / alpha, false);
}

Tensor& celu_(Tensor& t, double alpha) {
  check_celu_alpha(alpha);
  return inplace_binary(t, nullptr, t.dtype(), "celu_", false, [&](const Tensor& s) {
    return elu_impl<CeluBackward0, CeluBackward1>(s, alpha, 1.0, 1.0 / alpha, true);
  });
}
Tensor& elu_(Tensor& t, double alpha) { return elu_inplace(t, alpha, 1.0, 1.0); }
Tensor selu(const Tensor& t) { return elu_impl(t, kSeluAlpha, kSeluScale, 1.0, false); }
Tensor& selu_(Tensor& t) { return elu_inplace(t, kSeluAlpha, kSeluScale, 1.0); }

// ---- gelu ----
// 'none': x Phi(x) with Phi the standard normal CDF; 'tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// The derivative is its own differentiable op, gelu_backward(grad, x), as in PyTorch.

namespace {
bool gelu_is_tanh(const std::string& approximate) {
  FG_CHECK(approximate == "none" || approximate == "tanh", Error, "approximate argument must be either none or tanh.");
  return approximate == "tanh";
}

// The inner argument u(x) of the tanh approximation, and its derivative.
template <class T>
T gelu_u(T x) {
  return static_cast<T>(kSqrt2OverPi) * (x + static_cast<T>(kGeluTanhCoeff) * x * x * x);
}
template <class T>
T gelu_du(T x) {
  return static_cast<T>(kSqrt2OverPi) * (T(1) + static_cast<T>(3 * kGeluTanhCoeff) * x * x);
}

// d gelu / dx as a raw kernel (no autograd).
Tensor gelu_derivative(const Tensor& x, bool tanh_approx) {
  return float_map(x, x.dtype(), [tanh_approx](auto tag) {
    using T = decltype(tag);
    return [tanh_approx](T v) -> T {
      if (tanh_approx) {
        const T t = std::tanh(gelu_u(v));
        return T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * gelu_du(v);
      }
      const T cdf = T(0.5) * (T(1) + std::erf(v * static_cast<T>(kSqrt1_2)));
      const T pdf = static_cast<T>(kInvSqrt2Pi) * std::exp(T(-0.5) * v * v);
      return cdf + v * pdf;
    };
  });
}

// The second derivative, with public ops (so that it is differentiable once more):
//   'none': phi(x) (2 - x^2);  'tanh': (1 - t^2) (u' - x t u'^2 + 3 sqrt(2/pi) 0.044715 x^2), t = tanh(u).
Tensor gelu_second_derivative(const Tensor& x, bool tanh_approx) {
  Tensor x2 = mul(x, x);
  if (!tanh_approx) return mul(mul(exp(mul(x2, Scalar(-0.5))), Scalar(kInvSqrt2Pi)), rsub(x2, 2));
  Tensor u = mul(add(x, mul(mul(x2, x), Scalar(kGeluTanhCoeff))), Scalar(kSqrt2OverPi));
  Tensor du = mul(add(mul(x2, Scalar(3 * kGeluTanhCoeff)), Scalar(1.0)), Scalar(kSqrt2OverPi));
  Tensor t = tanh(u);
  Tensor inner = add(sub(du, mul(mul(x, t), mul(du, du))), mul(x2, Scalar(3 * kSqrt2OverPi * kGeluTanhCoeff)));
  return mul(rsub(mul(t, t), 1), inner);
}
}  // namespace

struct GeluBackwardBackward0 : NamedNode<GeluBackwardBackward0> {
  static constexpr const char* kName = "GeluBackwardBackward0";
  bool tanh_approx;
  explicit GeluBackwardBackward0(bool t) : tanh_approx(t) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor grad = saved(0), x = saved(1);
    const char* approx = tanh_approx ? "tanh" : "none";
    return {needs_input_grad(0) ? gelu_backward(g[0], x, approx) : Tensor(),
            needs_input_grad(1) ? mul(mul(g[0], grad), gelu_second_derivative(x, tanh_approx)) : Tensor()};
  }
};

Tensor gelu_backward(const Tensor& grad, const Tensor& x, const std::string& approximate) {
  const bool tanh_approx = gelu_is_tanh(approximate);
  Tensor out;
  {
    NoGradGuard guard;
    out = fused_backward(tanh_approx ? cpu::BackwardOp::GeluTanh : cpu::BackwardOp::Gelu, grad, x,
                         [&] { return mul(grad, gelu_derivative(x, tanh_approx)); });
  }
  if (compute_requires_grad({&grad, &x})) {
    auto node = make_node<GeluBackwardBackward0>({&grad, &x}, tanh_approx);
    node->save(grad);
    node->save(x);
    set_history(out, node);
  }
  return out;
}

struct GeluBackward0 : NamedNode<GeluBackward0> {
  static constexpr const char* kName = "GeluBackward0";
  bool tanh_approx;
  explicit GeluBackward0(bool t) : tanh_approx(t) {}
  tensor_list apply(tensor_list&& g) override { return {gelu_backward(g[0], saved(0), tanh_approx ? "tanh" : "none")}; }
};

Tensor gelu(const Tensor& t, const std::string& approximate) {
  const bool tanh_approx = gelu_is_tanh(approximate);
  check_floating(t, "GeluKernelImpl");
  Tensor out = kernel_map(t, t.dtype(), tanh_approx ? cpu::UnaryOp::GeluTanh : cpu::UnaryOp::Gelu);
  return record_unary<GeluBackward0>(out, t, true, false, tanh_approx);
}

// ---- silu ----

struct SiluBackward0 : NamedNode<SiluBackward0> {
  static constexpr const char* kName = "SiluBackward0";
  tensor_list apply(tensor_list&& g) override {
    // d/dx x s(x) = s (1 + x (1 - s)), s = sigmoid(x).
    Tensor x = saved(0);
    return {fused_backward(cpu::BackwardOp::Silu, g[0], x, [&] {
      Tensor s = sigmoid(x);
      return mul(g[0], mul(s, add(mul(x, rsub(s, 1)), Scalar(1.0))));
    })};
  }
};

Tensor silu(const Tensor& t) {
  check_floating(t, "silu_cpu");
  Tensor out = kernel_map(t, t.dtype(), cpu::UnaryOp::Silu);
  return record_unary<SiluBackward0>(out, t, true, false);
}

Tensor& silu_(Tensor& t) {
  check_floating(t, "silu_cpu");
  return inplace_binary(t, nullptr, t.dtype(), "silu_", true, [](const Tensor& s) { return silu(s); });
}

// ---- softplus ----
// softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (for stability). The CPU
// layer's kernel covers PyTorch's defaults, beta 1 and threshold 20; other parameters run the scalar body.

namespace {
bool softplus_has_kernel(double beta, double threshold) { return beta == 1.0 && threshold == 20.0; }
}  // namespace

struct SoftplusBackward0 : NamedNode<SoftplusBackward0> {
  static constexpr const char* kName = "SoftplusBackward0";
  double beta, threshold;
  SoftplusBackward0(double b, double th) : beta(b), threshold(th) {}
  tensor_list apply(tensor_list&& g) override {
    // sigmoid(beta x) below the threshold, 1 above it: one pass for PyTorch's defaults (beta 1, threshold 20).
    auto composite = [&] {
      Tensor bx = mul(saved(0), Scalar(beta));
      Tensor linear = mask_of(compare(bx, Scalar(threshold), CompareOp::Gt), g[0].dtype());
      Tensor slope = add(linear, mul(rsub(linear, 1), sigmoid(bx)));
      return mul(g[0], slope);
    };
    if (!softplus_has_kernel(beta, threshold)) return {composite()};
    return {fused_backward(cpu::BackwardOp::Softplus, g[0], saved(0), composite)};
  }
};

Tensor softplus(const Tensor& t, double beta, double threshold) {
  check_floating(t, "softplus_cpu");
  check_params(t, {beta, threshold});
  if (softplus_has_kernel(beta, threshold))
    return record_unary<SoftplusBackward0>(kernel_map(t, t.dtype(), cpu::UnaryOp::Softplus), t, true, false, beta,
                                           threshold);
  Tensor out = float_map(t, t.dtype(), [beta, threshold](auto tag) {
    using T = decltype(tag);
    const T b = static_cast<T>(beta), th = static_cast<T>(threshold);
    return [b, th](T x) -> T { return x * b > th ? x : std::log1p(std::exp(x * b)) / b; };
  });
  return record_unary<SoftplusBackward0>(out, t, true, false, beta, threshold);
}

// ---- mish ----
// mish(x) = x tanh(softplus(x)); d/dx = tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2).

struct MishBackward0 : NamedNode<MishBackward0> {
  static constexpr const char* kName = "MishBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0);
    return {fused_backward(cpu::BackwardOp::Mish, g[0], x, [&] {
      Tensor t = tanh(softplus(x, 1.0, 20.0));
      Tensor slope = add(t, mul(mul(x, sigmoid(x)), rsub(mul(t, t), 1)));
      return mul(g[0], slope);
    })};
  }
};

Tensor mish(const Tensor& t) {
  check_floating(t, "mish_cpu");
  return record_unary<MishBackward0>(kernel_map(t, t.dtype(), cpu::UnaryOp::Mish), t, true, false);
}

Tensor& mish_(Tensor& t) {
  check_floating(t, "mish_cpu");
  return inplace_binary(t, nullptr, t.dtype(), "mish_", true, [](const Tensor& s) { return mish(s); });
}

// ---- hardtanh (and relu6 = hardtanh(0, 6)) ----

struct HardtanhBackward0 : NamedNode<HardtanhBackward0> {
  static constexpr const char* kName = "HardtanhBackward0";
  Scalar min_val, max_val;
  HardtanhBackward0(Scalar lo, Scalar hi) : min_val(lo), max_val(hi) {}
  tensor_list apply(tensor_list&& g) override {
    // Zero where x <= min_val or x >= max_val, else g (NaN inputs included), as in PyTorch.
    Tensor x = saved(0);
    Tensor outside = logical(compare(x, min_val, CompareOp::Le), compare(x, max_val, CompareOp::Ge), LogicalOp::Or);
    return {where(outside, Scalar(0), g[0])};
  }
};

Tensor hardtanh(const Tensor& t, Scalar min_val, Scalar max_val) {
  FG_CHECK(t.dtype() != ScalarType::Bool, Error, "Bool inputs not supported for hardtanh");
  Tensor out = map_unary(t, t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T lo = checked_convert<T>(min_val), hi = checked_convert<T>(max_val);
    // A NaN input passes through; a NaN bound makes every result NaN (as clamp's does).
    const bool nan_bound = lo != lo || hi != hi;
    // min(max(x, lo), hi): with lo > hi (hardtanh_ does not check) every result is hi, as in PyTorch.
    return [lo, hi, nan_bound](T x) -> T {
      if (nan_bound) return lo + hi;
      const T y = x < lo ? lo : x;
      return y > hi ? hi : y;
    };
  });
  return record_unary<HardtanhBackward0>(out, t, true, false, min_val, max_val);
}

Tensor& hardtanh_(Tensor& t, Scalar min_val, Scalar max_val) {
  return inplace_binary(t, nullptr, t.dtype(), "hardtanh_", true,
                        [&](const Tensor& s) { return hardtanh(s, min_val, max_val); });
}

Tensor relu6(const Tensor& t) { return hardtanh(t, Scalar(int64_t{0}), Scalar(int64_t{6})); }

// ---- hardsigmoid and hardswish ----
// hardsigmoid(x) = min(max(x + 3, 0), 6) / 6 and hardswish(x) = (x * min(max(x + 3, 0), 6)) / 6, computed
// in the input's dtype in that order, as PyTorch's kernels do: hardswish(3e38) overflows to inf in float32
// (x * 6), hardswish(-inf) is -inf * 0 = NaN, and NaN passes through both.

struct HardsigmoidBackward0 : NamedNode<HardsigmoidBackward0> {
  static constexpr const char* kName = "HardsigmoidBackward0";
  tensor_list apply(tensor_list&& g) override {
    // grad / 6 on the open interval (-3, 3), 0 elsewhere (NaN inputs included). PyTorch multiplies by 1/6
    // rounded to float32, in float64 too; so does this. The result is linear in grad and constant in x, so
    // differentiating it again gives hardsigmoid's backward of the new grad and zeros for x (PyTorch
    // raises "derivative for aten::hardsigmoid_backward is not implemented" there; docs/differences.md).
    Tensor x = saved(0);
    Tensor inside = logical(compare(x, Scalar(-3.0), CompareOp::Gt), compare(x, Scalar(3.0), CompareOp::Lt),
                            LogicalOp::And);
    return {where(inside, mul(g[0], Scalar(static_cast<double>(1.0f / 6.0f))), Scalar(0))};
  }
};

struct HardswishBackward0 : NamedNode<HardswishBackward0> {
  static constexpr const char* kName = "HardswishBackward0";
  tensor_list apply(tensor_list&& g) override {
    // 0 for x <= -3, grad * (x / 3 + 0.5) for -3 < x < 3, grad for x >= 3 and for NaN inputs (PyTorch's
    // scalar kernel; its vectorised loop gives NaN there: allow-list class torch-vector-path). Selected, not
    // multiplied by a 0/1 mask, so an infinite grad gives 0 below -3 rather than NaN. Its derivative in x is
    // grad * grad_output / 3 on the open interval, as PyTorch's double backward.
    Tensor x = saved(0);
    Tensor middle = where(compare(x, Scalar(3.0), CompareOp::Lt), mul(g[0], add(div(x, Scalar(3.0)), Scalar(0.5))),
                          g[0]);
    return {where(compare(x, Scalar(-3.0), CompareOp::Le), Scalar(0), middle)};
  }
};

Tensor hardsigmoid(const Tensor& t) {
  check_floating(t, "hardsigmoid_cpu");
  Tensor out = float_map(t, t.dtype(), [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T {
      T y = x + T(3);
      y = y < T(0) ? T(0) : y;  // NaN passes through both bounds
      return (y > T(6) ? T(6) : y) / T(6);
    };
  });
  return record_unary<HardsigmoidBackward0>(out, t, true, false);
}

Tensor& hardsigmoid_(Tensor& t) {
  check_floating(t, "hardsigmoid_cpu");
  return inplace_binary(t, nullptr, t.dtype(), "hardsigmoid_", true, [](const Tensor& s) { return hardsigmoid(s); });
}

Tensor hardswish(const Tensor& t) {
  check_floating(t, "hardswish_cpu");
  Tensor out = float_map(t, t.dtype(), [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T {
      T y = x + T(3);
      y = y < T(0) ? T(0) : y;
      return (x * (y > T(6) ? T(6) : y)) / T(6);
    };
  });
  return record_unary<HardswishBackward0>(out, t, true, false);
}

Tensor& hardswish_(Tensor& t) {
  check_floating(t, "hardswish_cpu");
  return inplace_binary(t, nullptr, t.dtype(), "hardswish_", true, [](const Tensor& s) { return hardswish(s); });
}

// ---- softmax / log_softmax ----
// Along `dim`, numerically stable: exp(x - max) / sum(exp(x - max)), and x - max - log(sum(exp(x - max))).
// Computed on a contiguous copy seen as (outer, n, inner) by the CPU layer's kernel (cpu/isa_kernels.h), in the
// input's dtype, threaded over panels (or over column blocks when there is one panel).

namespace {

struct SoftmaxLayout {
  int64_t outer = 1, n = 1, inner = 1;
};

SoftmaxLayout softmax_layout(const Tensor& t, int64_t d) {
  SoftmaxLayout l;
  l.n = t.dim() == 0 ? 1 : t.size(d);
  for (int64_t k = 0; k < t.dim(); ++k) {
    if (k < d) l.outer *= t.size(k);
    if (k > d) l.inner *= t.size(k);
  }
  return l;
}

// Runs f(outer_begin, outer_end, col_begin, col_end) over pieces of about kElementwiseGrain elements.
template <class F>
void softmax_parallel(const SoftmaxLayout& l, F f) {
  const int64_t panel = l.n * l.inner;
  if (l.outer > 1 || l.inner == 1) {
    parallel_for(0, l.outer, std::max<int64_t>(1, cpu::kElementwiseGrain / std::max<int64_t>(1, panel)),
                 [&](int64_t b, int64_t e) { f(b, e, 0, l.inner); });
  } else {  // one panel: split its columns, in whole vectors of 16
    const int64_t blocks = (l.inner + 15) / 16;
    parallel_for(0, blocks, std::max<int64_t>(1, cpu::kElementwiseGrain / (16 * l.n)), [&](int64_t b, int64_t e) {
      f(0, 1, b * 16, std::min(l.inner, e * 16));
    });
  }
}

Tensor softmax_kernel(const Tensor& t, int64_t dim, bool log) {
  if (is_reduced_float(t.dtype()))  // in float32, rounded (Note [Storage dtypes])
    return cast(softmax_kernel(cast(t, ScalarType::Float32), dim, log), t.dtype());
  const int64_t d = wrap_dim(dim, t.dim(), log ? "log_softmax" : "softmax");
  const char* kernel =
      log ? (d == t.dim() - 1 || t.dim() == 0 ? "log_softmax_lastdim_kernel_impl" : "log_softmax_kernel_impl")
          : (d == t.dim() - 1 || t.dim() == 0 ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl");
  Tensor out = empty(t.sizes(), t.dtype());
  if (out.numel() == 0) return out;  // PyTorch returns an empty input as is, in any dtype
  check_floating(t, kernel);
  Tensor x = dense(t);
  const SoftmaxLayout l = softmax_layout(t, d);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* yp = out.data<T>();
    auto k = cpu::softmax_kernel<T>();
    softmax_parallel(l, [&](int64_t ob, int64_t oe, int64_t cb, int64_t ce) {
      const int64_t off = ob * l.n * l.inner + cb;
      k(xp + off, yp + off, oe - ob, l.n, l.inner, ce - cb, log);
    });
  };
  if (t.dtype() == ScalarType::Float32) run(float{});
  else run(double{});
  return out;
}

// The backward of either in one pass per panel, when nothing records it and the tensors share a float dtype.
bool softmax_backward_fused(const Tensor& g, const Tensor& y, int64_t dim, bool log, Tensor& result) {
  if (GradMode::is_enabled() || g.dtype() != y.dtype() || g.sizes() != y.sizes() || y.numel() == 0) return false;
  if (is_reduced_float(y.dtype())) {  // in float32, rounded (Note [Storage dtypes])
    if (!softmax_backward_fused(cast(g, ScalarType::Float32), cast(y, ScalarType::Float32), dim, log, result))
      return false;
    result = cast(result, y.dtype());
    return true;
  }
  const int64_t d = wrap_dim(dim, y.dim(), "softmax");
  Tensor gd = dense(g), yd = dense(y);
  result = empty(y.sizes(), y.dtype());
  const SoftmaxLayout l = softmax_layout(y, d);
  auto run = [&](auto tag) {
    using T = decltype(tag);
    auto k = cpu::softmax_backward_kernel<T>();
    softmax_parallel(l, [&](int64_t ob, int64_t oe, int64_t cb, int64_t ce) {
      const int64_t off = ob * l.n * l.inner + cb;
      k(gd.data<T>() + off, yd.data<T>() + off, result.data<T>() + off, oe - ob, l.n, l.inner, ce - cb, log);
    });
  };
  if (y.dtype() == ScalarType::Float32) run(float{});
  else run(double{});
  return true;
}
}  // namespace

struct SoftmaxBackward0 : NamedNode<SoftmaxBackward0> {
  static constexpr const char* kName = "SoftmaxBackward0";
  int64_t dim;
  explicit SoftmaxBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    // y (g - sum(g y)) along dim.
    Tensor y = saved(0);
    Tensor fused;
    if (softmax_backward_fused(g[0], y, dim, false, fused)) return {fused};
    Tensor gy = mul(g[0], y);
    return {sub(gy, mul(y, sum(gy, {dim}, /*keepdim=*/true)))};
  }
};

struct LogSoftmaxBackward0 : NamedNode<LogSoftmaxBackward0> {
  static constexpr const char* kName = "LogSoftmaxBackward0";
  int64_t dim;
  explicit LogSoftmaxBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    // g - exp(y) sum(g) along dim.
    Tensor y = saved(0);
    Tensor fused;
    if (softmax_backward_fused(g[0], y, dim, true, fused)) return {fused};
    return {sub(g[0], mul(exp(y), sum(g[0], {dim}, /*keepdim=*/true)))};
  }
};

namespace {
template <class N>
Tensor softmax_op(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype, bool log) {
  Tensor x = dtype && *dtype != t.dtype() ? to_dtype(t, *dtype) : t;  // ToCopyBackward0 first, as in torch
  Tensor out = softmax_kernel(x, dim, log);
  return record_unary<N>(out, x, false, true, dim);
}
}  // namespace

Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_op<SoftmaxBackward0>(t, dim, dtype, false);
}

Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  return softmax_op<LogSoftmaxBackward0>(t, dim, dtype, true);
}

}  // namespace fastgrad

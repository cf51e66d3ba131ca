// Pointwise ops of two or three tensors with derivatives (maximum, minimum, fmax, fmin, atan2, hypot, xlogy,
// lerp, addcmul, addcdiv, where): forward and derivative side by side. Gradients are returned at the broadcast
// shape; the engine sums them back to each input's shape.
#include <cmath>

#include "../cpu/special_math.h"
#include "../cpu/wrapping.h"
#include "elementwise.h"

namespace fastgrad {

namespace {

Tensor half(const Tensor& g) { return mul(g, 0.5); }

ScalarType promote3(const Tensor& a, const Tensor& b, const Tensor& c) {
  ResultType r;
  r.add_tensor(a.dtype(), a.dim());
  r.add_tensor(b.dtype(), b.dim());
  r.add_tensor(c.dtype(), c.dim());
  return r.result();
}

// Saves both inputs of a two-input Node.
template <class N>
Tensor record_binary(Tensor out, const Tensor& a, const Tensor& b) {
  if (!compute_requires_grad({&a, &b})) return out;
  auto node = make_node<N>({&a, &b});
  node->save(a);
  node->save(b);
  set_history(out, node);
  return out;
}

}  // namespace

// ---- maximum, minimum: NaN propagates ----

// maximum/minimum: the gradient goes to the larger (smaller) input; on ties each input gets half, as in PyTorch.
template <bool kMax>
struct ExtremumBackward : Node {
  std::string name() const override { return kMax ? "MaximumBackward0" : "MinimumBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor a = saved(0), b = saved(1);
    Tensor split = where(compare(a, b, CompareOp::Eq), half(g[0]), g[0]);
    const CompareOp a_loses = kMax ? CompareOp::Lt : CompareOp::Gt, b_loses = kMax ? CompareOp::Gt : CompareOp::Lt;
    return {needs_input_grad(0) ? where(compare(a, b, a_loses), Scalar(0), split) : Tensor(),
            needs_input_grad(1) ? where(compare(a, b, b_loses), Scalar(0), split) : Tensor()};
  }
};
using MaximumBackward0 = ExtremumBackward<true>;
using MinimumBackward0 = ExtremumBackward<false>;

namespace {
template <bool kMax, bool kIgnoreNan>
Tensor extremum(const Tensor& a, const Tensor& b, const char* op) {
  ScalarType rt = promote(a, b);
  return binary_map(a, b, rt, rt, op, [](auto tag) {
    using T = decltype(tag);
    return [](T x, T y) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        if (x != x) return kIgnoreNan ? y : x;
        if (y != y) return kIgnoreNan ? x : y;
      }
      return kMax ? (x > y ? x : y) : (x < y ? x : y);
    };
  });
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  return record_binary<MaximumBackward0>(extremum<true, false>(a, b, "maximum"), a, b);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return record_binary<MinimumBackward0>(extremum<false, false>(a, b, "minimum"), a, b);
}

// ---- fmax, fmin: NaN loses to a number; ties go to the first input ----

template <bool kMax>
struct FextremumBackward : Node {
  std::string name() const override { return kMax ? "FmaxBackward0" : "FminBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor a = saved(0), b = saved(1);
    Tensor first = logical(compare(a, b, kMax ? CompareOp::Ge : CompareOp::Le), isnan(b), LogicalOp::Or);
    return {needs_input_grad(0) ? where(first, g[0], Scalar(0)) : Tensor(),
            needs_input_grad(1) ? where(first, Scalar(0), g[0]) : Tensor()};
  }
};
using FmaxBackward0 = FextremumBackward<true>;
using FminBackward0 = FextremumBackward<false>;

Tensor fmax(const Tensor& a, const Tensor& b) {
  return record_binary<FmaxBackward0>(extremum<true, true>(a, b, "fmax"), a, b);
}
Tensor fmin(const Tensor& a, const Tensor& b) {
  return record_binary<FminBackward0>(extremum<false, true>(a, b, "fmin"), a, b);
}

// ---- atan2, hypot ----

// d atan2(a, b) = (b da - a db) / (a^2 + b^2), taken as 0 at the origin (as PyTorch does), in PyTorch's
// association (grad * b) * recip, so that a huge operand overflows alike (inf * 0 = NaN in both).
struct Atan2Backward0 : NamedNode<Atan2Backward0> {
  static constexpr const char* kName = "Atan2Backward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor a = saved(0), b = saved(1);
    Tensor r2 = add(mul(a, a), mul(b, b));
    Tensor recip = where(compare(r2, Scalar(0), CompareOp::Eq), Scalar(0), reciprocal(r2));
    return {needs_input_grad(0) ? mul(mul(g[0], b), recip) : Tensor(),
            needs_input_grad(1) ? mul(mul(g[0], neg(a)), recip) : Tensor()};
  }
};

Tensor atan2(const Tensor& a, const Tensor& b) {
  ScalarType rt = float_type(promote(a, b));
  Tensor out = binary_map(a, b, rt, rt, "atan2", [](auto tag) {
    using T = decltype(tag);
    return [](T y, T x) -> T {
      if constexpr (std::is_floating_point_v<T>) return std::atan2(y, x);
      else return y;  // unreachable: computed in a float type
    };
  });
  return record_binary<Atan2Backward0>(out, a, b);
}

// d hypot(a, b) = (a da + b db) / hypot(a, b), as PyTorch writes it: grad * a / result (the product first, so
// 3e38 * grad overflows alike).
struct HypotBackward0 : NamedNode<HypotBackward0> {
  static constexpr const char* kName = "HypotBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor a = saved(0), b = saved(1), r = saved(2);
    return {needs_input_grad(0) ? div(mul(g[0], a), r) : Tensor(),
            needs_input_grad(1) ? div(mul(g[0], b), r) : Tensor()};
  }
};

Tensor hypot(const Tensor& a, const Tensor& b) {
  ScalarType rt = promote(a, b);
  broadcast_shapes(a.sizes(), b.sizes(), "hypot");  // PyTorch checks the shapes before the dtype
  check_kernel(is_floating(rt), "hypot_cpu", rt);
  Tensor out = binary_map(a, b, rt, rt, "hypot", [](auto tag) {
    using T = decltype(tag);
    return [](T x, T y) -> T {
      if constexpr (std::is_floating_point_v<T>) return std::hypot(x, y);
      else return x;  // unreachable: refused above
    };
  });
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<HypotBackward0>({&a, &b});
    node->save(a);
    node->save(b);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

// ---- xlogy ----

// xlogy(x, y) = x * log(y) with PyTorch's definition at the edges: NaN where y is NaN, else 0 where x == 0 (so
// xlogy(0, 0) = xlogy(0, -1) = xlogy(0, inf) = 0). PyTorch's derivatives, in its form (so that NaN and inf come
// out alike): d/dx = xlogy(g, y), zeroed where x == 0 and y <= 0; d/dy = g * x / y (NaN at x = y = 0, which is
// what kl_div's gradient for a zero target shows). The number forms save the number as a 0-d tensor and record
// PyTorch's XlogyBackward1 (number x) and XlogyBackward2 (number y).
namespace {

Tensor xlogy_forward(const Tensor& x, const Tensor& y, ScalarType rt) {
  return binary_map(x, y, rt, rt, "xlogy", [](auto tag) {
    using T = decltype(tag);
    return [](T a, T b) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        if (b != b) return b;
        if (a == 0) return T(0);
        return a * std::log(b);
      } else {
        return a;  // unreachable: computed in a float type
      }
    };
  });
}

Tensor xlogy_grad_x(const Tensor& g, const Tensor& x, const Tensor& y) {
  Tensor masked = logical(compare(x, Scalar(0), CompareOp::Eq), compare(y, Scalar(0), CompareOp::Le), LogicalOp::And);
  return where(masked, Scalar(0), xlogy(g, y));
}

Tensor xlogy_grad_y(const Tensor& g, const Tensor& x, const Tensor& y) { return div(mul(g, x), y); }

}  // namespace

struct XlogyBackward0 : NamedNode<XlogyBackward0> {
  static constexpr const char* kName = "XlogyBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), y = saved(1);
    return {needs_input_grad(0) ? xlogy_grad_x(g[0], x, y) : Tensor(),
            needs_input_grad(1) ? xlogy_grad_y(g[0], x, y) : Tensor()};
  }
};
struct XlogyBackward1 : NamedNode<XlogyBackward1> {  // x a number: the one input is y
  static constexpr const char* kName = "XlogyBackward1";
  tensor_list apply(tensor_list&& g) override { return {xlogy_grad_y(g[0], saved(0), saved(1))}; }
};
struct XlogyBackward2 : NamedNode<XlogyBackward2> {  // y a number: the one input is x
  static constexpr const char* kName = "XlogyBackward2";
  tensor_list apply(tensor_list&& g) override { return {xlogy_grad_x(g[0], saved(0), saved(1))}; }
};

Tensor xlogy(const Tensor& x, const Tensor& y) {
  return record_binary<XlogyBackward0>(xlogy_forward(x, y, float_type(promote(x, y))), x, y);
}

Tensor xlogy(Scalar x, const Tensor& y) {
  ScalarType rt = float_type(promote(x, y));
  Tensor xs = wrap_scalar(x, rt);
  Tensor out = xlogy_forward(xs, y, rt);
  if (compute_requires_grad({&y})) {
    auto node = make_node<XlogyBackward1>({&y});
    node->save(xs);
    node->save(y);
    set_history(out, node);
  }
  return out;
}

Tensor xlogy(const Tensor& x, Scalar y) {
  ScalarType rt = float_type(promote(x, y));
  Tensor ys = wrap_scalar(y, rt);
  Tensor out = xlogy_forward(x, ys, rt);
  if (compute_requires_grad({&x})) {
    auto node = make_node<XlogyBackward2>({&x});
    node->save(x);
    node->save(ys);
    set_history(out, node);
  }
  return out;
}

// ---- special_xlog1py, special_zeta ----

// xlog1py(x, y) = x * log1p(y): NaN where y is NaN, else 0 where x == 0 (as xlogy). Derivatives as PyTorch's:
// d/dx = xlog1py(g, y), zeroed where x == 0 and y <= -1; d/dy = g * x / (y + 1).
namespace {

Tensor xlog1py_forward(const Tensor& x, const Tensor& y, ScalarType rt) {
  return binary_map(x, y, rt, rt, "special_xlog1py", [](auto tag) {
    using T = decltype(tag);
    return [](T a, T b) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        if (b != b) return b;
        if (a == 0) return T(0);
        return a * std::log1p(b);
      } else {
        return a;  // unreachable: computed in a float type
      }
    };
  });
}

Tensor xlog1py_grad_x(const Tensor& g, const Tensor& x, const Tensor& y) {
  Tensor masked = logical(compare(x, Scalar(0), CompareOp::Eq), compare(y, Scalar(-1), CompareOp::Le), LogicalOp::And);
  return where(masked, Scalar(0), special_xlog1py(g, y));
}

Tensor xlog1py_grad_y(const Tensor& g, const Tensor& x, const Tensor& y) { return div(mul(g, x), add(y, 1)); }

// zeta(x, q): the derivative in q is -x zeta(x + 1, q); PyTorch has none in x (its Node raises there).
Tensor zeta_forward(const Tensor& x, const Tensor& q, ScalarType rt) {
  return binary_map(x, q, rt, rt, "special_zeta", [](auto tag) {
    using T = decltype(tag);
    return [](T a, T b) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(special::zeta(a, b));
      } else {
        return a;  // unreachable: computed in a float type
      }
    };
  });
}

Tensor zeta_grad_q(const Tensor& g, const Tensor& x, const Tensor& q) {
  return mul(g, neg(mul(x, special_zeta(add(x, 1), q))));
}

[[noreturn]] void zeta_no_grad_x() {
  throw NotImplementedError("the derivative for 'self' is not implemented.");
}

}  // namespace

#define FG_SPECIAL_BINARY(op, Node, forward, grad_x, grad_y)                                             \
  struct Node##0 : NamedNode<Node##0> {                                                                  \
    static constexpr const char* kName = #Node "0";                                                      \
    tensor_list apply(tensor_list&& g) override {                                                        \
      Tensor x = saved(0), y = saved(1);                                                                 \
      return {needs_input_grad(0) ? grad_x(g[0], x, y) : Tensor(), needs_input_grad(1) ? grad_y(g[0], x, y) : Tensor()}; \
    }                                                                                                    \
  };                                                                                                     \
  struct Node##1 : NamedNode<Node##1> { /* x a number: the one input is y */                             \
    static constexpr const char* kName = #Node "1";                                                      \
    tensor_list apply(tensor_list&& g) override { return {grad_y(g[0], saved(0), saved(1))}; }           \
  };                                                                                                     \
  struct Node##2 : NamedNode<Node##2> { /* y a number: the one input is x */                             \
    static constexpr const char* kName = #Node "2";                                                      \
    tensor_list apply(tensor_list&& g) override { return {grad_x(g[0], saved(0), saved(1))}; }           \
  };                                                                                                     \
  Tensor op(const Tensor& x, const Tensor& y) {                                                          \
    return record_binary<Node##0>(forward(x, y, float_type(promote(x, y))), x, y);                       \
  }                                                                                                      \
  Tensor op(Scalar x, const Tensor& y) {                                                                 \
    ScalarType rt = float_type(promote(x, y));                                                           \
    Tensor xs = wrap_scalar(x, rt);                                                                      \
    Tensor out = forward(xs, y, rt);                                                                     \
    if (compute_requires_grad({&y})) {                                                                   \
      auto node = make_node<Node##1>({&y});                                                              \
      node->save(xs);                                                                                    \
      node->save(y);                                                                                     \
      set_history(out, node);                                                                            \
    }                                                                                                    \
    return out;                                                                                          \
  }                                                                                                      \
  Tensor op(const Tensor& x, Scalar y) {                                                                 \
    ScalarType rt = float_type(promote(x, y));                                                           \
    Tensor ys = wrap_scalar(y, rt);                                                                      \
    Tensor out = forward(x, ys, rt);                                                                     \
    if (compute_requires_grad({&x})) {                                                                   \
      auto node = make_node<Node##2>({&x});                                                              \
      node->save(x);                                                                                     \
      node->save(ys);                                                                                    \
      set_history(out, node);                                                                            \
    }                                                                                                    \
    return out;                                                                                          \
  }

namespace {
Tensor zeta_grad_x(const Tensor&, const Tensor&, const Tensor&) { zeta_no_grad_x(); }
}  // namespace

FG_SPECIAL_BINARY(special_xlog1py, SpecialXlog1PyBackward, xlog1py_forward, xlog1py_grad_x, xlog1py_grad_y)
FG_SPECIAL_BINARY(special_zeta, SpecialZetaBackward, zeta_forward, zeta_grad_x, zeta_grad_q)
#undef FG_SPECIAL_BINARY

// ---- lerp ----

namespace {

void check_lerp(const Tensor& input, const Tensor& other, const char* what) {
  FG_CHECK(other.dtype() == input.dtype(), Error, "expected dtype ", c_type_name(input.dtype()), " for `", what,
           "` but got dtype ", c_type_name(other.dtype()));
}

// PyTorch's formula: from the nearer end, so that weight 0 gives input and weight 1 gives end exactly.
template <class T>
T lerp_value(T a, T b, T w) {
  return std::abs(w) < T(0.5) ? a + w * (b - a) : b - (b - a) * (T(1) - w);
}

}  // namespace

struct LerpBackward0 : NamedNode<LerpBackward0> {  // scalar weight
  static constexpr const char* kName = "LerpBackward0";
  Scalar weight;
  explicit LerpBackward0(Scalar w) : weight(w) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? mul(g[0], Scalar(1.0 - weight.f)) : Tensor(),
            needs_input_grad(1) ? mul(g[0], weight) : Tensor()};
  }
};

Tensor lerp(const Tensor& input, const Tensor& end, Scalar weight) {
  check_lerp(input, end, "end");
  check_kernel(is_floating(input.dtype()), "lerp_kernel_scalar", input.dtype());
  Tensor out = binary_map(input, end, input.dtype(), input.dtype(), "lerp", [&](auto tag) {
    using T = decltype(tag);
    const T w = checked_convert<T>(weight);
    return [w](T a, T b) -> T {
      if constexpr (std::is_floating_point_v<T>) return lerp_value(a, b, w);
      else return a;  // unreachable: refused above
    };
  });
  if (compute_requires_grad({&input, &end})) set_history(out, make_node<LerpBackward0>({&input, &end}, weight));
  return out;
}

struct LerpBackward1 : NamedNode<LerpBackward1> {  // tensor weight
  static constexpr const char* kName = "LerpBackward1";
  tensor_list apply(tensor_list&& g) override {
    Tensor w = saved(0);
    tensor_list out(3);
    if (needs_input_grad(0)) out[0] = mul(g[0], rsub(w, 1));
    if (needs_input_grad(1)) out[1] = mul(g[0], w);
    if (needs_input_grad(2)) out[2] = mul(g[0], sub(saved(2), saved(1)));
    return out;
  }
};

Tensor lerp(const Tensor& input, const Tensor& end, const Tensor& weight) {
  check_lerp(input, end, "end");
  if (weight.dim() > 0) check_lerp(input, weight, "weight");
  // A 0-d weight takes part in type promotion instead (so bool input and end with a float weight work).
  ScalarType ct = promote3(input, end, weight);
  check_kernel(is_floating(ct), "lerp_kernel_tensor", ct);
  Tensor out = ternary_map(input, end, weight, ct, ct, "lerp", [](auto tag) {
    using T = decltype(tag);
    return [](T a, T b, T w) -> T {
      if constexpr (std::is_floating_point_v<T>) return lerp_value(a, b, w);
      else return a;  // unreachable: refused above
    };
  });
  if (compute_requires_grad({&input, &end, &weight})) {
    auto node = make_node<LerpBackward1>({&input, &end, &weight});
    node->save(weight);
    if (node->needs_input_grad(2)) {
      node->save(input);
      node->save(end);
    }
    set_history(out, node);
  }
  return out;
}

// ---- addcmul, addcdiv: input + value * tensor1 (* or /) tensor2 ----

namespace {

template <class T>
T scalar_value(const Scalar& s) {
  return checked_convert<T>(s);  // addcmul/addcdiv's value: checked like PyTorch
}
}  // namespace

struct AddcmulBackward0 : NamedNode<AddcmulBackward0> {
  static constexpr const char* kName = "AddcmulBackward0";
  Scalar value;
  explicit AddcmulBackward0(Scalar v) : value(v) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? g[0] : Tensor(),
            // PyTorch's association, g * (other * value): where the product overflows, both give inf
            needs_input_grad(1) ? mul(g[0], mul(saved(1), value)) : Tensor(),
            needs_input_grad(2) ? mul(g[0], mul(saved(0), value)) : Tensor()};
  }
};

Tensor addcmul(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  ScalarType rt = promote3(input, tensor1, tensor2);
  check_kernel(rt != ScalarType::Bool, "addcmul_cpu_out", rt);
  Tensor out = ternary_map(input, tensor1, tensor2, rt, rt, "addcmul", [&](auto tag) {
    using T = decltype(tag);
    const T v = scalar_value<T>(value);
    return [v](T a, T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) return a || (v && x && y);
      else if constexpr (std::is_integral_v<T>)  // wraps (Note [Integer wraparound])
        return cpu::wrapping_add(a, cpu::wrapping_mul(cpu::wrapping_mul(v, x), y));
      else return static_cast<T>(a + v * x * y);
    };
  });
  if (compute_requires_grad({&input, &tensor1, &tensor2})) {
    auto node = make_node<AddcmulBackward0>({&input, &tensor1, &tensor2}, value);
    node->save(tensor1);
    node->save(tensor2);
    set_history(out, node);
  }
  return out;
}

struct AddcdivBackward0 : NamedNode<AddcdivBackward0> {
  static constexpr const char* kName = "AddcdivBackward0";
  Scalar value;
  explicit AddcdivBackward0(Scalar v) : value(v) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor t1 = saved(0), t2 = saved(1);
    tensor_list out(3);
    if (needs_input_grad(0)) out[0] = g[0];
    if (needs_input_grad(1)) {
      // PyTorch's formula divides the number `value` by tensor2 into a tensor of tensor2's dtype, which fails
      // for an integer or bool tensor2; its backward raises there, and so does this one.
      FG_CHECK(is_floating(t2.dtype()), Error, "result type ", scalar_type_name(default_dtype()),
               " can't be cast to the desired output type ", scalar_type_name(t2.dtype()));
      out[1] = mul(g[0], div(value, t2));  // PyTorch's association: g * (value / t2)
    }
    // PyTorch's association, -g * (value * t1 / (t2 * t2)): value * t1 keeps t1's dtype (a float32 t1 times
    // 3e38 overflows there in both)
    if (needs_input_grad(2)) out[2] = mul(neg(g[0]), div(mul(t1, value), mul(t2, t2)));
    return out;
  }
};

Tensor addcdiv(const Tensor& input, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  FG_CHECK(!(is_integral(tensor1.dtype(), true) && is_integral(tensor2.dtype(), true)), Error,
           "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
           "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
           "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
           "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
           "(input + value * tensor1 / tensor2), for all dtypes.");
  ScalarType rt = promote3(input, tensor1, tensor2);
  Tensor out = ternary_map(input, tensor1, tensor2, rt, rt, "addcdiv", [&](auto tag) {
    using T = decltype(tag);
    const T v = scalar_value<T>(value);
    return [v](T a, T x, T y) -> T {
      if constexpr (std::is_floating_point_v<T>) return a + v * x / y;  // (v * x) / y, as PyTorch's kernel
      else return a;  // unreachable: a float tensor among tensor1, tensor2 makes the result float
    };
  });
  if (compute_requires_grad({&input, &tensor1, &tensor2})) {
    auto node = make_node<AddcdivBackward0>({&input, &tensor1, &tensor2}, value);
    node->save(tensor1);
    node->save(tensor2);
    set_history(out, node);
  }
  return out;
}

// ---- where ----

// The gradient goes to whichever input was picked.
struct WhereBackward0 : NamedNode<WhereBackward0> {
  static constexpr const char* kName = "WhereBackward0";
  tensor_list apply(tensor_list&& g) override {
    Tensor condition = saved(0);
    return {needs_input_grad(0) ? where(condition, g[0], Scalar(0)) : Tensor(),
            needs_input_grad(1) ? where(condition, Scalar(0), g[0]) : Tensor()};
  }
};

namespace {

// a and b are tensors or, for Python numbers, 0-d tensors made by the caller (which then do not require
// grad); `rt` is the promoted dtype.
Tensor where_impl(const Tensor& condition, const Tensor& a, const Tensor& b, ScalarType rt) {
  FG_CHECK(condition.dtype() == ScalarType::Bool, Error,
           "where expected condition to be a boolean tensor, but got a tensor with dtype ",
           scalar_type_name(condition.dtype()));
  Dims shape = broadcast_shapes(broadcast_shapes(condition.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out = empty(shape, rt);
  Tensor x = cast(a, rt), y = cast(b, rt);
  dispatch_all(rt, [&](auto tag) {
    using T = decltype(tag);
    cpu::ternary_loop<T, bool, T, T>(out, condition, x, y, [](bool c, T p, T q) { return c ? p : q; });
  });
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<WhereBackward0>({&a, &b});
    node->save(condition);
    set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  return where_impl(condition, a, b, promote(a, b));
}

Tensor where(const Tensor& condition, const Tensor& a, Scalar b) {
  ScalarType rt = result_type(a.dtype(), a.dim(), b);
  return where_impl(condition, a, scalar_tensor(b, rt), rt);
}

Tensor where(const Tensor& condition, Scalar a, const Tensor& b) {
  ScalarType rt = result_type(b.dtype(), b.dim(), a);
  return where_impl(condition, scalar_tensor(a, rt), b, rt);
}

Tensor where(const Tensor& condition, Scalar a, Scalar b) {
  ResultType r;
  r.add_scalar(a);
  r.add_scalar(b);
  ScalarType rt = r.result();
  return where_impl(condition, scalar_tensor(a, rt), scalar_tensor(b, rt), rt);
}

// ---- in place (Note [In-place ops]) ----

Tensor& atan2_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, float_type(promote(self, other)), "atan2_", true,
                        [&](const Tensor& s) { return atan2(s, other); });
}
Tensor& hypot_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, promote(self, other), "hypot_", true,
                        [&](const Tensor& s) { return hypot(s, other); });
}
Tensor& xlogy_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, float_type(promote(self, other)), "xlogy_", true,
                        [&](const Tensor& s) { return xlogy(s, other); });
}
Tensor& xlogy_(Tensor& self, Scalar other) {
  return inplace_binary(self, nullptr, float_type(promote(self, other)), "xlogy_", true,
                        [&](const Tensor& s) { return xlogy(s, other); });
}
Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight) {
  return inplace_binary(self, &end, self.dtype(), "lerp_", false,
                        [&](const Tensor& s) { return lerp(s, end, weight); });
}
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight) {
  return inplace_nary(self, {&end, &weight}, promote3(self, end, weight), "lerp_", weight.requires_grad(),
                      [&](const Tensor& s) { return lerp(s, end, weight); });
}
Tensor& addcmul_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  return inplace_nary(self, {&tensor1, &tensor2}, promote3(self, tensor1, tensor2), "addcmul_", false,
                      [&](const Tensor& s) { return addcmul(s, tensor1, tensor2, value); });
}
Tensor& addcdiv_(Tensor& self, const Tensor& tensor1, const Tensor& tensor2, Scalar value) {
  return inplace_nary(self, {&tensor1, &tensor2}, promote3(self, tensor1, tensor2), "addcdiv_", false,
                      [&](const Tensor& s) { return addcdiv(s, tensor1, tensor2, value); });
}

}  // namespace fastgrad

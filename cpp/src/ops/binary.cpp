// Elementwise binary arithmetic (add, sub, mul, true division, pow): forward and derivative side by side.
// Division with rounding, floor_divide, remainder and fmod are in division.cpp. Gradients are returned at
// the broadcast shape; the engine sums them back to each input's shape (validate_gradient in
// autograd/engine.cpp).
#include <cmath>
#include <limits>
#include <type_traits>

#include "../cpu/wrapping.h"
#include "elementwise.h"

namespace fastgrad {

namespace {

using cpu::wrapping_add;
using cpu::wrapping_mul;
using cpu::wrapping_sub;

// Runs make(T{})(x) over a cast to `compute`, where the functor has the scalar baked in.
template <class MakeF>
Tensor scalar_forward(const Tensor& a, ScalarType compute, ScalarType out_dtype, MakeF make) {
  return map_unary(cast(a, compute), out_dtype, make);
}

template <class T>
T scalar_as(const Scalar& s) {
  if constexpr (std::is_same_v<T, bool>) return s.f != 0;
  else return s.to<T>();
}

bool is_one(const Scalar& s) { return s.f == 1.0; }

// PyTorch's checks on add/sub's alpha: it must be representable in the result's dtype (sub multiplies by
// -alpha, so that is what must fit; see Note [Checked scalar conversion]).
void check_alpha(ScalarType result, const Scalar& alpha, bool negated = false) {
  if (alpha.is_integral() && alpha.i == 1) return;  // the default: fits every dtype, negated or not
  FG_CHECK(!(alpha.is_bool() && result != ScalarType::Bool), Error,
           "Boolean alpha only supported for Boolean results.");
  FG_CHECK(!(alpha.is_floating() && !is_floating(result)), Error,
           "For integral input tensors, argument alpha must not be a floating point number.");
  if (!negated || alpha.is_bool()) {
    check_scalar_fits(alpha, result);
  } else if (alpha.is_floating()) {
    check_scalar_fits(Scalar(-alpha.f), result);
  } else {
    // -INT64_MIN is not an int64: its value as a double (2**63) is what gets checked.
    check_scalar_fits(alpha.i == std::numeric_limits<int64_t>::min() ? Scalar(-alpha.f) : Scalar(-alpha.i), result);
  }
}

}  // namespace

// ---- add / sub ----

struct AddBackward0 : NamedNode<AddBackward0> {
  static constexpr const char* kName = "AddBackward0";
  Scalar alpha;
  explicit AddBackward0(Scalar a) : alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? g[0] : Tensor(),
            needs_input_grad(1) ? (is_one(alpha) ? g[0] : mul(g[0], alpha)) : Tensor()};
  }
};

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  ScalarType rt = promote(a, b);
  check_alpha(rt, alpha);
  Tensor out = binary_map(a, b, rt, rt, "add", [&](auto tag) {
    using T = decltype(tag);
    T al = scalar_as<T>(alpha);
    return [al, one = is_one(alpha)](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) return x || (al && y);
      else return one ? wrapping_add(x, y) : wrapping_add(x, wrapping_mul(al, y));
    };
  });
  if (compute_requires_grad({&a, &b})) set_history(out, make_node<AddBackward0>({&a, &b}, alpha));
  return out;
}

namespace {
// alpha * b for the Scalar overloads of add and sub, as PyTorch computes it: both converted to the result type
// first, then multiplied in it (so 1e300 * 0 is nan in float32), integers wrapping on overflow.
template <class T>
T scaled_scalar(Scalar b, Scalar alpha) {
  if constexpr (std::is_same_v<T, bool>) {
    return scalar_as<T>(b) && scalar_as<T>(alpha);
  } else if constexpr (std::is_floating_point_v<T>) {
    return scalar_as<T>(b) * scalar_as<T>(alpha);
  } else {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(scalar_as<T>(b)) * static_cast<U>(scalar_as<T>(alpha)));
  }
}
}  // namespace

Tensor add(const Tensor& a, Scalar b, Scalar alpha) {
  ScalarType rt = promote(a, b);
  b = stored_scalar(b, rt);
  check_alpha(rt, alpha);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    const T v = scaled_scalar<T>(b, alpha);
    return [v](T x) -> T {
      if constexpr (std::is_same_v<T, bool>) return x || v;
      else return wrapping_add(x, v);
    };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<AddBackward0>({&a, nullptr}, Scalar(1)));
  return out;
}

struct SubBackward0 : NamedNode<SubBackward0> {
  static constexpr const char* kName = "SubBackward0";
  Scalar alpha;
  explicit SubBackward0(Scalar a) : alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? g[0] : Tensor(),
            needs_input_grad(1) ? (is_one(alpha) ? neg(g[0]) : mul(g[0], Scalar(-alpha.f))) : Tensor()};
  }
};

namespace {
void check_sub(const Tensor& a, ScalarType b) {
  FG_CHECK(!(a.dtype() == ScalarType::Bool && b == ScalarType::Bool), Error,
           "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
           "operator instead.");
  FG_CHECK(a.dtype() != ScalarType::Bool && b != ScalarType::Bool, Error,
           "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
           "use the `~` or `logical_not()` operator instead.");
}
ScalarType scalar_kind(const Scalar& s) {
  return s.is_bool() ? ScalarType::Bool : s.is_floating() ? ScalarType::Float64 : ScalarType::Int64;
}
}  // namespace

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  check_sub(a, b.dtype());
  ScalarType rt = promote(a, b);
  check_alpha(rt, alpha, /*negated=*/true);
  Tensor out = binary_map(a, b, rt, rt, "sub", [&](auto tag) {
    using T = decltype(tag);
    T al = scalar_as<T>(alpha);
    return [al, one = is_one(alpha)](T x, T y) -> T {
      return one ? wrapping_sub(x, y) : wrapping_sub(x, wrapping_mul(al, y));
    };
  });
  if (compute_requires_grad({&a, &b})) set_history(out, make_node<SubBackward0>({&a, &b}, alpha));
  return out;
}

Tensor sub(const Tensor& a, Scalar b, Scalar alpha) {
  check_sub(a, scalar_kind(b));
  ScalarType rt = promote(a, b);
  b = stored_scalar(b, rt);
  check_alpha(rt, alpha, /*negated=*/true);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    const T v = scaled_scalar<T>(b, alpha);
    return [v](T x) -> T { return wrapping_sub(x, v); };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<SubBackward0>({&a, nullptr}, Scalar(1)));
  return out;
}

struct RsubBackward1 : NamedNode<RsubBackward1> {
  static constexpr const char* kName = "RsubBackward1";
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};

Tensor rsub(const Tensor& a, Scalar b) {
  check_sub(a, scalar_kind(b));
  ScalarType rt = promote(a, b);
  b = stored_scalar(b, rt);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b);
    return [v](T x) -> T { return wrapping_sub(v, x); };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<RsubBackward1>({&a}));
  return out;
}

// ---- mul ----

struct MulBackward0 : NamedNode<MulBackward0> {
  static constexpr const char* kName = "MulBackward0";
  size_t self_slot = SIZE_MAX, other_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? mul(g[0], saved(other_slot)) : Tensor(),
            needs_input_grad(1) ? mul(g[0], saved(self_slot)) : Tensor()};
  }
};

Tensor mul(const Tensor& a, const Tensor& b) {
  ScalarType rt = promote(a, b);
  Tensor out = binary_map(a, b, rt, rt, "mul", [](auto tag) {
    using T = decltype(tag);
    return [](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) return x && y;
      else return wrapping_mul(x, y);
    };
  });
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<MulBackward0>({&a, &b});
    if (node->needs_input_grad(0)) node->other_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

struct MulScalarBackward : NamedNode<MulScalarBackward> {
  static constexpr const char* kName = "MulBackward0";
  Scalar other;
  explicit MulScalarBackward(Scalar s) : other(s) {}
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], other), Tensor()}; }
};

Tensor mul(const Tensor& a, Scalar b) {
  ScalarType rt = promote(a, b);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b);
    return [v](T x) -> T {
      if constexpr (std::is_same_v<T, bool>) return x && v;
      else return wrapping_mul(x, v);
    };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<MulScalarBackward>({&a, nullptr}, b));
  return out;
}

// ---- div ----

struct DivBackward0 : NamedNode<DivBackward0> {
  static constexpr const char* kName = "DivBackward0";
  size_t self_slot = SIZE_MAX, other_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    Tensor other = saved(other_slot);
    Tensor ga = needs_input_grad(0) ? div(g[0], other) : Tensor();
    // PyTorch's form, -grad * ((self / other) / other): no other * other to overflow (3e38 / 1.6 keeps a finite
    // gradient in float32), and the same inf and NaN where it does overflow.
    Tensor gb = needs_input_grad(1) ? mul(neg(g[0]), div(div(saved(self_slot), other), other)) : Tensor();
    return {ga, gb};
  }
};

namespace {
ScalarType true_div_type(ScalarType t) { return is_floating(t) ? t : default_dtype(); }
}  // namespace

Tensor div(const Tensor& a, const Tensor& b) {
  ScalarType rt = true_div_type(promote(a, b));
  Tensor out = binary_map(a, b, rt, rt, "div", [](auto tag) {
    using T = decltype(tag);
    return [](T x, T y) -> T { return x / y; };
  });
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<DivBackward0>({&a, &b});
    node->other_slot = node->save(b);
    if (node->needs_input_grad(1)) node->self_slot = node->save(a);
    set_history(out, node);
  }
  return out;
}

// Note [Scalar overload names]: PyTorch's Python layer wraps a number into a 0-d tensor, so `t / 2` records
// DivBackward0; its C++ composites call the Scalar overload (`loss / n` in cross_entropy), which records
// DivBackward1. div(a, Scalar) is the Python form; div_by_number is the Scalar overload. The wrapped number
// is an input that does not require grad, so the Python forms (add, sub, mul, div with a number) record an
// empty (None, 0) edge for it, as PyTorch's next_functions show; the Scalar overloads record none.
template <int Variant>
struct DivScalarBackward : NamedNode<DivScalarBackward<Variant>> {
  static constexpr const char* kName = Variant == 0 ? "DivBackward0" : "DivBackward1";
  Scalar other;
  explicit DivScalarBackward(Scalar s) : other(s) {}
  tensor_list apply(tensor_list&& g) override {
    if constexpr (Variant == 0) return {div(g[0], other), Tensor()};
    else return {div(g[0], other)};
  }
};

Tensor div(const Tensor& a, Scalar b) {
  ScalarType rt = true_div_type(promote(a, b));
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      return [](T x) -> T { return x; };  // unreachable: true division never computes in bool
    } else {
      T v = scalar_as<T>(b);
      return [v](T x) -> T { return x / v; };
    }
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<DivScalarBackward<0>>({&a, nullptr}, b));
  return out;
}

Tensor div_by_number(const Tensor& a, Scalar b) {
  Tensor out = div(a.detach(), b);
  if (compute_requires_grad({&a})) set_history(out, make_node<DivScalarBackward<1>>({&a}, b));
  return out;
}

Tensor rdiv(const Tensor& a, Scalar b) {
  // PyTorch computes `b / a` as a.reciprocal() * b, and records exactly those two Nodes.
  Tensor r = a;
  if (!is_floating(r.dtype())) r = to_dtype(r, true_div_type(promote(a, b)));
  return mul(reciprocal(r), b);
}

// ---- a number as the first operand ----

namespace {
// The number as a 0-d tensor of the dtype the pair promotes to: with `b` it gives the dtype and values PyTorch
// gives its wrapped number (a 0-d operand only matters through its category, which is already the result's).
Tensor number_operand(Scalar a, const Tensor& b) { return wrap_scalar(a, result_type(b.dtype(), b.dim(), a)); }
}  // namespace

Tensor add(Scalar a, const Tensor& b, Scalar alpha) { return add(number_operand(a, b), b, alpha); }
Tensor sub(Scalar a, const Tensor& b, Scalar alpha) {
  check_sub(b, scalar_kind(a));  // a bool number is refused like a bool tensor (the wrapping loses its kind)
  return sub(number_operand(a, b), b, alpha);
}
Tensor mul(Scalar a, const Tensor& b) { return mul(number_operand(a, b), b); }
Tensor div(Scalar a, const Tensor& b, RoundingMode mode) { return div(number_operand(a, b), b, mode); }
Tensor wrapped_number(Scalar s) { return wrap_scalar(s, s.wrapped_dtype()); }

// ---- pow ----

namespace {
// Integer powers by squaring. A negative exponent gives 0 unless the base is 1 or -1 (the tensor ** scalar
// form refuses negative exponents before getting here, as PyTorch does).
template <class T>
T int_pow(T base, T exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp % 2) ? -1 : 1;
    return 0;
  }
  using U = std::make_unsigned_t<T>;  // wraps on overflow like PyTorch, without signed-overflow UB
  U result = 1, b = static_cast<U>(base);
  while (exp) {
    if (exp & 1) result *= b;
    b *= b;
    exp >>= 1;
  }
  return static_cast<T>(result);
}

template <class T>
T pow_value(T x, T e) {
  if constexpr (std::is_same_v<T, bool>) return x || !e;  // unreachable: pow refuses bool results
  else if constexpr (std::is_integral_v<T>) return int_pow(x, e);
  else return std::pow(x, e);
}

void check_pow_type(ScalarType rt) { check_kernel(rt != ScalarType::Bool, "pow", rt); }

Tensor zero_where_exponent_zero(const Tensor& exponent, const Tensor& value) {
  return where(compare(exponent, Scalar(0.0), CompareOp::Eq), Scalar(0.0), value);
}
}  // namespace

struct PowBackward0 : NamedNode<PowBackward0> {  // tensor ** scalar
  static constexpr const char* kName = "PowBackward0";
  Scalar exponent;
  explicit PowBackward0(Scalar e) : exponent(e) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor self = saved(0);
    // PyTorch shortcuts a numeric 0 exponent only: x ** False runs the formula (0 * x^-1: NaN at x = 0).
    if (exponent.f == 0.0 && !exponent.is_bool()) return {zeros_like(g[0])};
    // (exponent - 1 in double where the int would wrap: x ** -2**63 has the gradient of x ** -(2**63 + 1))
    Scalar em1 = exponent.is_floating() || exponent.i == std::numeric_limits<int64_t>::min() ? Scalar(exponent.f - 1)
                                                                                              : Scalar(exponent.i - 1);
    return {mul(g[0], mul(pow(self, em1), exponent))};
  }
};

Tensor pow(const Tensor& a, Scalar exponent) {
  ScalarType rt = promote(a, exponent);
  const Scalar given = exponent;  // the derivative uses the number itself, as PyTorch's
  exponent = stored_scalar(exponent, rt);
  // Exponents 0 and 1 never reach the kernel in PyTorch (so they work even for bool tensors).
  if (rt != ScalarType::Bool || (exponent.f != 0.0 && exponent.f != 1.0)) check_pow_type(rt);
  FG_CHECK(!(is_integral(rt, false) && exponent.is_integral() && exponent.i < 0), Error,
           "Integers to negative integer powers are not allowed.");
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    // An integer result takes the exponent as an element, checked; a floating one uses its double value.
    T e = std::is_floating_point_v<T> ? scalar_as<T>(exponent) : checked_convert<T>(exponent);
    double ef = exponent.f;
    return [e, ef](T x) -> T {
      if (ef == 0.0) return T(1);
      if (ef == 1.0) return x;
      if constexpr (std::is_floating_point_v<T>) {
        // The exponents PyTorch computes without pow (exact, and the same results at -0 and -inf).
        if (ef == 2.0) return x * x;
        if (ef == 3.0) return x * x * x;
        if (ef == 0.5) return std::sqrt(x);
        if (ef == -0.5) return T(1) / std::sqrt(x);
        if (ef == -1.0) return T(1) / x;
        if (ef == -2.0) return T(1) / (x * x);
        // Any other exponent is used as the double it is (PyTorch's std::pow(base, double)): float32's
        // rounding of -2**31 - 1 would make the power of a negative base even.
        return static_cast<T>(std::pow(static_cast<double>(x), ef));
      }
      return pow_value(x, e);
    };
  });
  if (compute_requires_grad({&a})) {
    auto node = make_node<PowBackward0>({&a}, given);
    node->save(a);
    set_history(out, node);
  }
  return out;
}

struct PowBackward1 : NamedNode<PowBackward1> {  // tensor ** tensor
  static constexpr const char* kName = "PowBackward1";
  tensor_list apply(tensor_list&& g) override {
    Tensor self = saved(0), exponent = saved(1);
    Tensor ga, gb;
    // d/dx x^e = e x^(e-1), taken as 0 where e == 0 (so 0^0 does not give 0 * inf).
    if (needs_input_grad(0))
      ga = zero_where_exponent_zero(exponent, mul(g[0], mul(exponent, pow(self, sub(exponent, 1)))));
    if (needs_input_grad(1)) {
      // d/de x^e = x^e log x, taken as 0 where x == 0 and e >= 0 (the limit PyTorch uses).
      Tensor at_zero = logical(compare(self, Scalar(0.0), CompareOp::Eq), compare(exponent, Scalar(0.0), CompareOp::Ge),
                               LogicalOp::And);
      gb = where(at_zero, Scalar(0.0), mul(g[0], mul(saved(2), log(self))));
    }
    return {ga, gb};
  }
};

Tensor pow(const Tensor& a, const Tensor& exponent) {
  ScalarType rt = promote(a, exponent);
  check_pow_type(rt);
  Tensor out = binary_map(a, exponent, rt, rt, "pow", [](auto tag) {
    using T = decltype(tag);
    return [](T x, T e) -> T { return pow_value(x, e); };
  });
  if (compute_requires_grad({&a, &exponent})) {
    auto node = make_node<PowBackward1>({&a, &exponent});
    node->save(a);
    node->save(exponent);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

struct PowBackward2 : NamedNode<PowBackward2> {  // scalar ** tensor
  static constexpr const char* kName = "PowBackward2";
  Scalar base;
  explicit PowBackward2(Scalar b) : base(b) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor result = saved(0);
    if (base.f == 0.0) {
      // d/de 0^e is 0 for e >= 0 (PyTorch's convention), else g * 0^e * log(0): -inf for e < 0, NaN for a NaN e.
      Tensor nonnegative = compare(saved(1), Scalar(0.0), CompareOp::Ge);
      return {where(nonnegative, Scalar(0.0), mul(g[0], mul(result, Scalar(-INFINITY))))};
    }
    return {mul(g[0], mul(result, Scalar(std::log(base.f))))};
  }
};

Tensor pow(Scalar base, const Tensor& exponent) {
  ScalarType rt = promote(base, exponent);
  check_pow_type(rt);
  Tensor out = scalar_forward(exponent, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T b = scalar_as<T>(base);
    return [b](T e) -> T { return pow_value(b, e); };
  });
  if (compute_requires_grad({&exponent})) {
    auto node = make_node<PowBackward2>({&exponent}, base);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
    if (base.f == 0.0) node->save(exponent);
  }
  return out;
}

// ---- in place ----

Tensor& add_(Tensor& self, const Tensor& other, Scalar alpha) {
  return inplace_binary(self, &other, promote(self, other), "add_", false,
                        [&](const Tensor& s) { return add(s, other, alpha); });
}
Tensor& add_(Tensor& self, Scalar other, Scalar alpha) {
  return inplace_binary(self, nullptr, promote(self, other), "add_", false,
                        [&](const Tensor& s) { return add(s, other, alpha); });
}
Tensor& sub_(Tensor& self, const Tensor& other, Scalar alpha) {
  return inplace_binary(self, &other, promote(self, other), "sub_", false,
                        [&](const Tensor& s) { return sub(s, other, alpha); });
}
Tensor& sub_(Tensor& self, Scalar other, Scalar alpha) {
  return inplace_binary(self, nullptr, promote(self, other), "sub_", false,
                        [&](const Tensor& s) { return sub(s, other, alpha); });
}
Tensor& mul_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, promote(self, other), "mul_", other.requires_grad(),
                        [&](const Tensor& s) { return mul(s, other); });
}
Tensor& mul_(Tensor& self, Scalar other) {
  return inplace_binary(self, nullptr, promote(self, other), "mul_", false,
                        [&](const Tensor& s) { return mul(s, other); });
}
Tensor& div_(Tensor& self, const Tensor& other, RoundingMode mode) {
  ScalarType rt = mode == RoundingMode::True ? true_div_type(promote(self, other)) : promote(self, other);
  return inplace_binary(self, &other, rt, "div_", mode == RoundingMode::True && other.requires_grad(),
                        [&](const Tensor& s) { return div(s, other, mode); });
}
Tensor& div_(Tensor& self, Scalar other, RoundingMode mode) {
  ScalarType rt = mode == RoundingMode::True ? true_div_type(promote(self, other)) : promote(self, other);
  return inplace_binary(self, nullptr, rt, "div_", false, [&](const Tensor& s) { return div(s, other, mode); });
}
Tensor& pow_(Tensor& self, const Tensor& exponent) {
  return inplace_binary(self, &exponent, promote(self, exponent), "pow_", true,
                        [&](const Tensor& s) { return pow(s, exponent); });
}
Tensor& pow_(Tensor& self, Scalar exponent) {
  return inplace_binary(self, nullptr, promote(self, exponent), "pow_", true,
                        [&](const Tensor& s) { return pow(s, exponent); });
}

}  // namespace fastgrad
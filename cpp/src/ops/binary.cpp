// Elementwise binary ops: forward and derivative side by side. Gradients are returned at the broadcast
// shape; the engine sums them back to each input's shape (see validate_gradient in engine.cpp).
#include <cmath>

#include "common.h"

namespace fastgrad {

namespace {

ScalarType promote(const Tensor& a, const Tensor& b) { return result_type(a.dtype(), a.dim(), b.dtype(), b.dim()); }
ScalarType promote(const Tensor& a, Scalar b) { return result_type(a.dtype(), a.dim(), b); }

// Runs make(T{})(x, y) over a and b cast to `compute`.
template <class MakeF>
Tensor binary_forward(const Tensor& a, const Tensor& b, ScalarType compute, ScalarType out_dtype, const char* op,
                      MakeF make) {
  Dims shape = broadcast_shapes(a.sizes(), b.sizes(), op);
  (void)shape;
  return map_binary(cast(a, compute), cast(b, compute), out_dtype, op, make);
}

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

}  // namespace

// ---- add / sub ----

struct AddBackward0 : NamedNode<AddBackward0> {
  static constexpr const char* kName = "AddBackward0";
  Scalar alpha;
  explicit AddBackward0(Scalar a) : alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    if (next_edges().size() == 1) return {g[0]};  // tensor + scalar
    return {needs_input_grad(0) ? g[0] : Tensor(),
            needs_input_grad(1) ? (is_one(alpha) ? g[0] : mul(g[0], alpha)) : Tensor()};
  }
};

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  ScalarType rt = promote(a, b);
  Tensor out = binary_forward(a, b, rt, rt, "add", [&](auto tag) {
    using T = decltype(tag);
    T al = scalar_as<T>(alpha);
    return [al, one = is_one(alpha)](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) return x || (al && y);
      else return one ? T(x + y) : T(x + al * y);
    };
  });
  if (compute_requires_grad({&a, &b})) set_history(out, make_node<AddBackward0>({&a, &b}, alpha));
  return out;
}

Tensor add(const Tensor& a, Scalar b, Scalar alpha) {
  ScalarType rt = promote(a, b);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(Scalar(b.f * alpha.f));
    if (!b.is_floating() && !alpha.is_floating()) v = scalar_as<T>(Scalar(b.i * alpha.i));
    return [v](T x) -> T {
      if constexpr (std::is_same_v<T, bool>) return x || v;
      else return T(x + v);
    };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<AddBackward0>({&a}, Scalar(1)));
  return out;
}

struct SubBackward0 : NamedNode<SubBackward0> {
  static constexpr const char* kName = "SubBackward0";
  Scalar alpha;
  explicit SubBackward0(Scalar a) : alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    if (next_edges().size() == 1) return {g[0]};  // tensor - scalar
    return {needs_input_grad(0) ? g[0] : Tensor(),
            needs_input_grad(1) ? (is_one(alpha) ? neg(g[0]) : mul(g[0], Scalar(-alpha.f))) : Tensor()};
  }
};

namespace {
void check_sub(const Tensor& a, ScalarType b) {
  FG_CHECK(!(a.dtype() == ScalarType::Bool && b == ScalarType::Bool), Error,
           "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
           "operator instead.");
}
}  // namespace

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  check_sub(a, b.dtype());
  ScalarType rt = promote(a, b);
  Tensor out = binary_forward(a, b, rt, rt, "sub", [&](auto tag) {
    using T = decltype(tag);
    T al = scalar_as<T>(alpha);
    return [al, one = is_one(alpha)](T x, T y) -> T { return one ? T(x - y) : T(x - al * y); };
  });
  if (compute_requires_grad({&a, &b})) set_history(out, make_node<SubBackward0>({&a, &b}, alpha));
  return out;
}

Tensor sub(const Tensor& a, Scalar b, Scalar alpha) {
  check_sub(a, b.is_bool() ? ScalarType::Bool : ScalarType::Int64);
  ScalarType rt = promote(a, b);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b.is_floating() || alpha.is_floating() ? Scalar(b.f * alpha.f) : Scalar(b.i * alpha.i));
    return [v](T x) -> T { return T(x - v); };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<SubBackward0>({&a}, Scalar(1)));
  return out;
}

struct RsubBackward1 : NamedNode<RsubBackward1> {
  static constexpr const char* kName = "RsubBackward1";
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};

Tensor rsub(const Tensor& a, Scalar b) {
  check_sub(a, b.is_bool() ? ScalarType::Bool : ScalarType::Int64);
  ScalarType rt = promote(a, b);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b);
    return [v](T x) -> T { return T(v - x); };
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
  Tensor out = binary_forward(a, b, rt, rt, "mul", [](auto tag) {
    using T = decltype(tag);
    return [](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) return x && y;
      else return T(x * y);
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
  tensor_list apply(tensor_list&& g) override { return {mul(g[0], other)}; }
};

Tensor mul(const Tensor& a, Scalar b) {
  ScalarType rt = promote(a, b);
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b);
    return [v](T x) -> T {
      if constexpr (std::is_same_v<T, bool>) return x && v;
      else return T(x * v);
    };
  });
  if (compute_requires_grad({&a})) set_history(out, make_node<MulScalarBackward>({&a}, b));
  return out;
}

// ---- div ----

struct DivBackward0 : NamedNode<DivBackward0> {
  static constexpr const char* kName = "DivBackward0";
  size_t self_slot = SIZE_MAX, other_slot = SIZE_MAX;
  tensor_list apply(tensor_list&& g) override {
    Tensor other = saved(other_slot);
    Tensor ga = needs_input_grad(0) ? div(g[0], other) : Tensor();
    Tensor gb = needs_input_grad(1) ? neg(div(mul(g[0], saved(self_slot)), mul(other, other))) : Tensor();
    return {ga, gb};
  }
};

namespace {
ScalarType true_div_type(ScalarType t) { return is_floating(t) ? t : default_dtype(); }
}  // namespace

Tensor div(const Tensor& a, const Tensor& b) {
  ScalarType rt = true_div_type(promote(a, b));
  Tensor out = binary_forward(a, b, rt, rt, "div", [](auto tag) {
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

struct DivScalarBackward : NamedNode<DivScalarBackward> {
  static constexpr const char* kName = "DivBackward0";
  Scalar other;
  explicit DivScalarBackward(Scalar s) : other(s) {}
  tensor_list apply(tensor_list&& g) override { return {div(g[0], other)}; }
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
  if (compute_requires_grad({&a})) set_history(out, make_node<DivScalarBackward>({&a}, b));
  return out;
}

Tensor rdiv(const Tensor& a, Scalar b) {
  // PyTorch computes `b / a` as a.reciprocal() * b, and records exactly those two Nodes.
  Tensor r = a;
  if (!is_floating(r.dtype())) r = to_dtype(r, true_div_type(promote(a, b)));
  return mul(reciprocal(r), b);
}

// ---- pow ----

namespace {
template <class T>
T int_pow(T base, T exp) {
  if (exp < 0) {
    FG_CHECK(base == 1 || base == -1, Error, "Integers to negative integer powers are not allowed.");
    return base == 1 ? 1 : ((exp % 2) ? -1 : 1);
  }
  T result = 1;
  while (exp) {
    if (exp & 1) result *= base;
    base *= base;
    exp >>= 1;
  }
  return result;
}

template <class T>
T pow_value(T x, T e) {
  if constexpr (std::is_same_v<T, bool>) return x || !e;
  else if constexpr (std::is_integral_v<T>) return int_pow(x, e);
  else return std::pow(x, e);
}

// exponent * x^(exponent-1), written with public ops so that it is differentiable again.
Tensor pow_derivative(const Tensor& x, const Tensor& exponent) { return mul(exponent, pow(x, sub(exponent, 1))); }
}  // namespace

struct PowBackward0 : NamedNode<PowBackward0> {  // tensor ** scalar
  static constexpr const char* kName = "PowBackward0";
  Scalar exponent;
  explicit PowBackward0(Scalar e) : exponent(e) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor self = saved(0);
    if (exponent.f == 0.0) return {zeros_like(self)};
    Scalar em1 = exponent.is_floating() ? Scalar(exponent.f - 1) : Scalar(exponent.i - 1);
    return {mul(g[0], mul(pow(self, em1), exponent))};
  }
};

Tensor pow(const Tensor& a, Scalar exponent) {
  ScalarType rt = promote(a, exponent);
  FG_CHECK(!(is_integral(rt, false) && exponent.is_integral() && exponent.i < 0), Error,
           "Integers to negative integer powers are not allowed.");
  Tensor out = scalar_forward(a, rt, rt, [&](auto tag) {
    using T = decltype(tag);
    T e = scalar_as<T>(exponent);
    double ef = exponent.f;
    return [e, ef](T x) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        if (ef == 2.0) return x * x;  // exact and fast for the most common exponent
        if (ef == 0.5) return std::sqrt(x);
      }
      return pow_value(x, e);
    };
  });
  if (compute_requires_grad({&a})) {
    auto node = make_node<PowBackward0>({&a}, exponent);
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
    if (needs_input_grad(0)) ga = mul(g[0], pow_derivative(self, exponent));
    if (needs_input_grad(1)) {
      // d/de x^e = x^e log x, taken as 0 where x == 0 and e >= 0 (the limit PyTorch uses).
      Tensor result = saved(2);
      Tensor mask = mul(compare(self, Scalar(0.0), CompareOp::Eq), compare(exponent, Scalar(0.0), CompareOp::Ge));
      Tensor safe_log = log(add(self, to_dtype(mask, self.dtype())));
      gb = mul(g[0], mul(result, safe_log));
    }
    return {ga, gb};
  }
};

Tensor pow(const Tensor& a, const Tensor& exponent) {
  ScalarType rt = promote(a, exponent);
  Tensor out = binary_forward(a, exponent, rt, rt, "pow", [](auto tag) {
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
      // d/de 0^e is 0 for e >= 0 (PyTorch's convention) and -inf for e < 0: a piecewise constant.
      Tensor exponent = saved(1);
      Tensor slope = map_unary(cast(exponent, result.dtype()), result.dtype(), [](auto tag) {
        using T = decltype(tag);
        return [](T e) -> T {
          if constexpr (std::is_floating_point_v<T>) return e < 0 ? -INFINITY : 0;
          else return T(0);
        };
      });
      return {mul(g[0], slope)};
    }
    return {mul(g[0], mul(result, Scalar(std::log(base.f))))};
  }
};

Tensor pow(Scalar base, const Tensor& exponent) {
  ResultType r;
  r.add_scalar(base);
  r.add_tensor(exponent.dtype(), exponent.dim());
  ScalarType rt = r.result();
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

// ---- comparisons (no gradient) ----

namespace {
template <class T>
bool compare_values(T x, T y, CompareOp op) {
  switch (op) {
    case CompareOp::Eq: return x == y;
    case CompareOp::Ne: return x != y;
    case CompareOp::Lt: return x < y;
    case CompareOp::Le: return x <= y;
    case CompareOp::Gt: return x > y;
    case CompareOp::Ge: return x >= y;
  }
  return false;
}
const char* compare_name(CompareOp op) {
  static const char* names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  return names[static_cast<int>(op)];
}
}  // namespace

Tensor compare(const Tensor& a, const Tensor& b, CompareOp op) {
  return binary_forward(a, b, promote(a, b), ScalarType::Bool, compare_name(op), [op](auto tag) {
    using T = decltype(tag);
    return [op](T x, T y) -> bool { return compare_values(x, y, op); };
  });
}

Tensor compare(const Tensor& a, Scalar b, CompareOp op) {
  // Compare in double when the scalar is a float and the tensor is not, as 1 < 1.5 must hold for ints.
  ScalarType ct = promote(a, b);
  if (b.is_floating() && !is_floating(a.dtype())) ct = ScalarType::Float64;
  return scalar_forward(a, ct, ScalarType::Bool, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b);
    return [v, op](T x) -> bool { return compare_values(x, v, op); };
  });
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
Tensor& div_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, true_div_type(promote(self, other)), "div_", other.requires_grad(),
                        [&](const Tensor& s) { return div(s, other); });
}
Tensor& div_(Tensor& self, Scalar other) {
  return inplace_binary(self, nullptr, true_div_type(promote(self, other)), "div_", false,
                        [&](const Tensor& s) { return div(s, other); });
}

}  // namespace fastgrad

// Division with rounding (div's rounding_mode, floor_divide), remainder and fmod: forward and derivative
// side by side. Integer division by zero raises, as in PyTorch, instead of trapping.
#include <cmath>
#include <type_traits>

#include "elementwise.h"

namespace fastgrad {

// ---- division with rounding, floor_divide, remainder, fmod ----

RoundingMode rounding_mode_from_string(const std::string& s) {
  if (s == "trunc") return RoundingMode::Trunc;
  if (s == "floor") return RoundingMode::Floor;
  throw Error("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" + s + "'");
}

namespace {

// Integer division by zero raises (PyTorch's message is the Python exception's name); the lowest value
// divided by -1 wraps instead of trapping.
template <class T>
void check_divisor(T b) {
  if constexpr (std::is_integral_v<T>) FG_CHECK(b != 0, Error, "ZeroDivisionError");
}

template <class T>
T trunc_div(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::trunc(a / b);
  } else {
    check_divisor(b);
    if (b == -1) return static_cast<T>(0 - static_cast<std::make_unsigned_t<T>>(a));
    return a / b;
  }
}

template <class T>
T floor_div(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    // Python's float floor division: exact where floor(a / b) would suffer from a / b rounding up.
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T q = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) q -= 1;
    if (q == 0) return std::copysign(T(0), a / b);
    T fq = std::floor(q);
    return q - fq > T(0.5) ? fq + 1 : fq;
  } else {
    T q = trunc_div(a, b);
    if (b != -1 && a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <class T>
T remainder_value(T a, T b) {  // the sign of b, as Python's %
  if constexpr (std::is_floating_point_v<T>) {
    T mod = std::fmod(a, b);
    if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
    return mod;
  } else {
    check_divisor(b);
    if (b == -1) return 0;
    T mod = a % b;
    if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
    return mod;
  }
}

template <class T>
T fmod_value(T a, T b) {  // the sign of a, as C's fmod
  if constexpr (std::is_floating_point_v<T>) {
    return std::fmod(a, b);
  } else {
    check_divisor(b);
    return b == -1 ? T(0) : T(a % b);
  }
}

enum class IntDivOp : uint8_t { Trunc, Floor, Remainder, Fmod };

// The kernels above over a and b promoted together (b may be a wrapped number); bool is refused with the
// kernel name PyTorch reports.
Tensor int_div_forward(const Tensor& a, const Tensor& b, ScalarType rt, IntDivOp op, const char* name) {
  static const char* kernels[] = {"div_trunc_cpu", "div_floor_cpu", "remainder_cpu", "fmod_cpu"};
  check_kernel(rt != ScalarType::Bool, kernels[static_cast<int>(op)], rt);
  return binary_map(a, b, rt, rt, name, [op](auto tag) {
    using T = decltype(tag);
    return [op](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) {
        return x;  // unreachable: refused above
      } else {
        switch (op) {
          case IntDivOp::Trunc: return trunc_div(x, y);
          case IntDivOp::Floor: return floor_div(x, y);
          case IntDivOp::Remainder: return remainder_value(x, y);
          case IntDivOp::Fmod: break;
        }
        return fmod_value(x, y);
      }
    };
  });
}

}  // namespace

// div(a, b, rounding_mode='trunc'|'floor') is piecewise constant: DivBackward2 gives zeros.
Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode) {
  if (mode == RoundingMode::True) return div(a, b);
  Tensor out =
      int_div_forward(a, b, promote(a, b), mode == RoundingMode::Trunc ? IntDivOp::Trunc : IntDivOp::Floor, "div");
  return record_zero_grad(out, "DivBackward2", {&a, &b});
}

Tensor div(const Tensor& a, Scalar b, RoundingMode mode) {
  if (mode == RoundingMode::True) return div(a, b);
  ScalarType rt = promote(a, b);
  Tensor out = int_div_forward(a, wrap_scalar(b, rt), rt,
                               mode == RoundingMode::Trunc ? IntDivOp::Trunc : IntDivOp::Floor, "div");
  return record_zero_grad(out, "DivBackward2", {&a});
}

// floor_divide has no derivative in PyTorch: its Node raises when backward reaches it.
namespace {
Tensor floor_divide_impl(const Tensor& a, const Tensor& b, ScalarType rt, const char* aten,
                         std::initializer_list<const Tensor*> inputs) {
  return record_not_implemented(int_div_forward(a, b, rt, IntDivOp::Floor, "floor_divide"), aten, inputs);
}
}  // namespace

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  return floor_divide_impl(a, b, promote(a, b), "floor_divide", {&a, &b});
}

Tensor floor_divide(const Tensor& a, Scalar b) {
  ScalarType rt = promote(a, b);
  return floor_divide_impl(a, wrap_scalar(b, rt), rt, "floor_divide", {&a});
}

Tensor floor_divide(Scalar a, const Tensor& b) {
  ScalarType rt = promote(a, b);
  return floor_divide_impl(wrap_scalar(a, rt), b, rt, "floor_divide", {&b});
}

// remainder(a, b) = a - floor(a / b) * b: d/da = 1, d/db = -floor(a / b).
struct RemainderBackward1 : NamedNode<RemainderBackward1> {
  static constexpr const char* kName = "RemainderBackward1";
  tensor_list apply(tensor_list&& g) override {
    Tensor gb;
    if (needs_input_grad(1)) gb = mul(neg(g[0]), div(saved(0), saved(1), RoundingMode::Floor));
    return {needs_input_grad(0) ? g[0] : Tensor(), gb};
  }
};

Tensor remainder(const Tensor& a, const Tensor& b) {
  Tensor out = int_div_forward(a, b, promote(a, b), IntDivOp::Remainder, "remainder");
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<RemainderBackward1>({&a, &b});
    node->save(a);
    node->save(b);
    set_history(out, node);
  }
  return out;
}

struct RemainderBackward0 : NamedNode<RemainderBackward0> {
  static constexpr const char* kName = "RemainderBackward0";
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

Tensor remainder(const Tensor& a, Scalar b) {
  ScalarType rt = promote(a, b);
  Tensor out = int_div_forward(a, wrap_scalar(b, rt), rt, IntDivOp::Remainder, "remainder");
  return record_unary<RemainderBackward0>(out, a, false, false);
}

Tensor remainder(Scalar a, const Tensor& b) {
  ScalarType rt = promote(a, b);
  return record_not_implemented(int_div_forward(wrap_scalar(a, rt), b, rt, IntDivOp::Remainder, "remainder"),
                                "remainder", {&b});
}

// fmod(a, b) = a - trunc(a / b) * b: d/da = 1, d/db = -trunc(a / b).
struct FmodBackward1 : NamedNode<FmodBackward1> {
  static constexpr const char* kName = "FmodBackward1";
  tensor_list apply(tensor_list&& g) override {
    Tensor gb;
    if (needs_input_grad(1)) gb = mul(neg(g[0]), div(saved(0), saved(1), RoundingMode::Trunc));
    return {needs_input_grad(0) ? g[0] : Tensor(), gb};
  }
};

Tensor fmod(const Tensor& a, const Tensor& b) {
  Tensor out = int_div_forward(a, b, promote(a, b), IntDivOp::Fmod, "fmod");
  if (compute_requires_grad({&a, &b})) {
    auto node = make_node<FmodBackward1>({&a, &b});
    node->save(a);
    node->save(b);
    set_history(out, node);
  }
  return out;
}

struct FmodBackward0 : NamedNode<FmodBackward0> {
  static constexpr const char* kName = "FmodBackward0";
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

Tensor fmod(const Tensor& a, Scalar b) {
  ScalarType rt = promote(a, b);
  Tensor out = int_div_forward(a, wrap_scalar(b, rt), rt, IntDivOp::Fmod, "fmod");
  return record_unary<FmodBackward0>(out, a, false, false);
}

// ---- in place ----

Tensor& floor_divide_(Tensor& self, const Tensor& other) {
  ScalarType rt = promote(self, other);
  return inplace_binary(self, &other, rt, "floor_divide_", false, [&](const Tensor& s) {
    return floor_divide_impl(s, other, rt, "floor_divide_", {&s, &other});
  });
}
Tensor& floor_divide_(Tensor& self, Scalar other) {
  ScalarType rt = promote(self, other);
  return inplace_binary(self, nullptr, rt, "floor_divide_", false, [&](const Tensor& s) {
    return floor_divide_impl(s, wrap_scalar(other, rt), rt, "floor_divide_", {&s});
  });
}
Tensor& remainder_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, promote(self, other), "remainder_", other.requires_grad(),
                        [&](const Tensor& s) { return remainder(s, other); });
}
Tensor& remainder_(Tensor& self, Scalar other) {
  return inplace_binary(self, nullptr, promote(self, other), "remainder_", false,
                        [&](const Tensor& s) { return remainder(s, other); });
}
Tensor& fmod_(Tensor& self, const Tensor& other) {
  return inplace_binary(self, &other, promote(self, other), "fmod_", other.requires_grad(),
                        [&](const Tensor& s) { return fmod(s, other); });
}
Tensor& fmod_(Tensor& self, Scalar other) {
  return inplace_binary(self, nullptr, promote(self, other), "fmod_", false,
                        [&](const Tensor& s) { return fmod(s, other); });
}

}  // namespace fastgrad

// Comparisons, closeness, logical and bitwise ops and the isnan family. None has a derivative: the results
// are bool (or integer) tensors that never require grad, except the in-place forms, which keep self's
// floating dtype and record a zero-gradient Node as PyTorch does (Note [Piecewise-constant derivatives]).
#include <cmath>

#include "elementwise.h"

namespace fastgrad {

namespace {

template <class T>
T scalar_as(const Scalar& s) {
  if constexpr (std::is_same_v<T, bool>) return s.f != 0;
  else return s.to<T>();
}

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

const char* compare_inplace_name(CompareOp op) {
  static const char* names[] = {"eq_", "ne_", "lt_", "le_", "gt_", "ge_"};
  return names[static_cast<int>(op)];
}

// "LtBackward0" (scalar other) / "LtBackward1" (tensor other): the Nodes of the in-place comparisons.
const char* compare_node_name(CompareOp op, bool tensor_other) {
  static const char* names[2][6] = {
      {"EqBackward0", "NeBackward0", "LtBackward0", "LeBackward0", "GtBackward0", "GeBackward0"},
      {"EqBackward1", "NeBackward1", "LtBackward1", "LeBackward1", "GtBackward1", "GeBackward1"}};
  return names[tensor_other ? 1 : 0][static_cast<int>(op)];
}

}  // namespace

// ---- comparisons ----

Tensor compare(const Tensor& a, const Tensor& b, CompareOp op) {
  return binary_map(a, b, promote(a, b), ScalarType::Bool, compare_name(op), [op](auto tag) {
    using T = decltype(tag);
    return [op](T x, T y) -> bool { return compare_values(x, y, op); };
  });
}

Tensor compare(const Tensor& a, Scalar b, CompareOp op) {
  // In the promoted dtype, as PyTorch: int64 tensor < 1.5 compares in float32.
  ScalarType ct = result_type(a.dtype(), a.dim(), b);
  return map_unary(cast(a, ct), ScalarType::Bool, [&](auto tag) {
    using T = decltype(tag);
    T v = scalar_as<T>(b);
    return [v, op](T x) -> bool { return compare_values(x, v, op); };
  });
}

Tensor& compare_(Tensor& self, const Tensor& other, CompareOp op) {
  return inplace_binary(self, &other, ScalarType::Bool, compare_inplace_name(op), false, [&](const Tensor& s) {
    Tensor r = cast(compare(s, other, op), s.dtype());
    return record_zero_grad(r, compare_node_name(op, true), {&s, &other});
  });
}

Tensor& compare_(Tensor& self, Scalar other, CompareOp op) {
  return inplace_binary(self, nullptr, ScalarType::Bool, compare_inplace_name(op), false, [&](const Tensor& s) {
    Tensor r = cast(compare(s, other, op), s.dtype());
    return record_zero_grad(r, compare_node_name(op, false), {&s});
  });
}

// ---- isclose, allclose, equal ----

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  FG_CHECK(a.dtype() == b.dtype(), Error, scalar_type_name(a.dtype()), " did not match ", scalar_type_name(b.dtype()));
  FG_CHECK(rtol >= 0, Error, "rtol must be greater than or equal to zero, but got ", rtol);
  FG_CHECK(atol >= 0, Error, "atol must be greater than or equal to zero, but got ", atol);
  // Integers compare in double (exact for the magnitudes that matter); floats in their own dtype.
  ScalarType ct = is_floating(a.dtype()) ? a.dtype() : ScalarType::Float64;
  return binary_map(a, b, ct, ScalarType::Bool, "isclose", [&](auto tag) {
    using T = decltype(tag);
    return [rtol, atol, equal_nan](T x, T y) -> bool {
      if (x == y) return true;  // also equal infinities
      if constexpr (std::is_floating_point_v<T>) {
        if (x != x || y != y) return equal_nan && x != x && y != y;
        if (!std::isfinite(x) || !std::isfinite(y)) return false;
        return std::abs(x - y) <= static_cast<T>(atol + rtol * std::abs(static_cast<double>(y)));
      } else {
        return false;
      }
    };
  });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  Tensor close = isclose(a, b, rtol, atol, equal_nan);
  const bool* p = close.data<bool>();  // fresh and contiguous
  for (int64_t i = 0; i < close.numel(); ++i)
    if (!p[i]) return false;
  return true;
}

bool equal(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes()) return false;
  Tensor same = compare(a, b, CompareOp::Eq);
  const bool* p = same.data<bool>();
  for (int64_t i = 0; i < same.numel(); ++i)
    if (!p[i]) return false;
  return true;
}

// ---- logical ops: any dtype in, bool out (nonzero is true) ----

namespace {
template <class T>
bool truth(T x) {
  return x != T(0);
}

bool logical_value(bool x, bool y, LogicalOp op) {
  switch (op) {
    case LogicalOp::And: return x && y;
    case LogicalOp::Or: return x || y;
    case LogicalOp::Xor: break;
  }
  return x != y;
}

const char* logical_name(LogicalOp op) {
  static const char* names[] = {"logical_and", "logical_or", "logical_xor"};
  return names[static_cast<int>(op)];
}

const char* logical_inplace_name(LogicalOp op) {
  static const char* names[] = {"logical_and_", "logical_or_", "logical_xor_"};
  return names[static_cast<int>(op)];
}
}  // namespace

Tensor logical(const Tensor& a, const Tensor& b, LogicalOp op) {
  return binary_map(a, b, promote(a, b), ScalarType::Bool, logical_name(op), [op](auto tag) {
    using T = decltype(tag);
    return [op](T x, T y) -> bool { return logical_value(truth(x), truth(y), op); };
  });
}

Tensor logical_not(const Tensor& t) {
  return map_unary(t, ScalarType::Bool, [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> bool { return !truth(x); };
  });
}

// In place the result keeps self's dtype (1 or 0). Unlike the in-place comparisons, these are not
// differentiable in PyTorch: self's history stays as it was and no autograd check applies, so a leaf that
// requires grad (or a view of one) may be written and stays such a leaf (inplace_untracked).
Tensor& logical_(Tensor& self, const Tensor& other, LogicalOp op) {
  return inplace_untracked(self, &other, ScalarType::Bool, logical_inplace_name(op),
                           [&](const Tensor& s) { return cast(logical(s, other, op), s.dtype()); });
}

Tensor& logical_not_(Tensor& self) {
  return inplace_untracked(self, nullptr, ScalarType::Bool, "logical_not_",
                           [](const Tensor& s) { return cast(logical_not(s), s.dtype()); });
}

// ---- bitwise ops: bool and integer tensors only ----

namespace {
const char* bitwise_kernel(LogicalOp op) {
  static const char* names[] = {"bitwise_and_cpu", "bitwise_or_cpu", "bitwise_xor_cpu"};
  return names[static_cast<int>(op)];
}

const char* bitwise_inplace_name(LogicalOp op) {
  static const char* names[] = {"bitwise_and_", "bitwise_or_", "bitwise_xor_"};
  return names[static_cast<int>(op)];
}

Tensor bitwise_impl(const Tensor& a, const Tensor& b, ScalarType rt, LogicalOp op) {
  broadcast_shapes(a.sizes(), b.sizes(), bitwise_kernel(op));  // PyTorch checks the shapes before the dtype
  check_kernel(!is_floating(rt), bitwise_kernel(op), rt);
  return binary_map(a, b, rt, rt, bitwise_kernel(op), [op](auto tag) {
    using T = decltype(tag);
    return [op](T x, T y) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        return x;  // unreachable: refused above
      } else {
        switch (op) {
          case LogicalOp::And: return static_cast<T>(x & y);
          case LogicalOp::Or: return static_cast<T>(x | y);
          case LogicalOp::Xor: break;
        }
        return static_cast<T>(x ^ y);
      }
    };
  });
}
}  // namespace

Tensor bitwise(const Tensor& a, const Tensor& b, LogicalOp op) { return bitwise_impl(a, b, promote(a, b), op); }

Tensor bitwise(const Tensor& a, Scalar b, LogicalOp op) {
  ScalarType rt = result_type(a.dtype(), a.dim(), b);
  check_kernel(!is_floating(rt), bitwise_kernel(op), rt);
  return bitwise_impl(a, wrap_scalar(b, rt), rt, op);
}

Tensor bitwise_not(const Tensor& t) {
  check_kernel(!is_floating(t.dtype()), "bitwise_not_cpu", t.dtype());
  return map_unary(t, t.dtype(), [](auto tag) {
    using T = decltype(tag);
    return [](T x) -> T {
      if constexpr (std::is_same_v<T, bool>) return !x;
      else if constexpr (std::is_integral_v<T>) return static_cast<T>(~x);
      else return x;  // unreachable: refused above
    };
  });
}

Tensor& bitwise_(Tensor& self, const Tensor& other, LogicalOp op) {
  return inplace_binary(self, &other, promote(self, other), bitwise_inplace_name(op), false,
                        [&](const Tensor& s) { return bitwise(s, other, op); });
}

Tensor& bitwise_(Tensor& self, Scalar other, LogicalOp op) {
  return inplace_binary(self, nullptr, result_type(self.dtype(), self.dim(), other), bitwise_inplace_name(op), false,
                        [&](const Tensor& s) { return bitwise(s, other, op); });
}

Tensor& bitwise_not_(Tensor& self) {
  return inplace_binary(self, nullptr, self.dtype(), "bitwise_not_", false,
                        [](const Tensor& s) { return bitwise_not(s); });
}

// ---- isnan, isinf, isfinite, isposinf, isneginf ----

namespace {
// pred(x) for floats; `for_integers` for integer and bool tensors (which hold only finite numbers).
template <class Pred>
Tensor classify(const Tensor& t, bool for_integers, Pred pred) {
  if (!is_floating(t.dtype())) return full(t.sizes(), Scalar(for_integers), ScalarType::Bool);
  return map_unary(t, ScalarType::Bool, [&](auto tag) {
    using T = decltype(tag);
    return [pred](T x) -> bool {
      if constexpr (std::is_floating_point_v<T>) {
        return pred(x);
      }
      return false;  // integers never get here (answered above)
    };
  });
}
}  // namespace

Tensor isnan(const Tensor& t) {
  return classify(t, false, [](auto x) { return x != x; });
}
Tensor isinf(const Tensor& t) {
  return classify(t, false, [](auto x) { return std::isinf(x); });
}
Tensor isfinite(const Tensor& t) {
  return classify(t, true, [](auto x) { return std::isfinite(x); });
}
Tensor isposinf(const Tensor& t) {
  return classify(t, false, [](auto x) { return std::isinf(x) && x > 0; });
}
Tensor isneginf(const Tensor& t) {
  return classify(t, false, [](auto x) { return std::isinf(x) && x < 0; });
}

}  // namespace fastgrad

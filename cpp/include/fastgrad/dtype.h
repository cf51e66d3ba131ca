// Element types and PyTorch's type-promotion rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "fastgrad/error.h"

namespace fastgrad {

// Ordered by promotion category: bool < integers < floating point.
enum class ScalarType : uint8_t { Bool = 0, Int32 = 1, Int64 = 2, Float32 = 3, Float64 = 4 };
constexpr int kNumScalarTypes = 5;

inline size_t element_size(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return 1;
    case ScalarType::Int32: return 4;
    case ScalarType::Int64: return 8;
    case ScalarType::Float32: return 4;
    case ScalarType::Float64: return 8;
  }
  return 0;
}

// "float32", "int64", ... (the name after `torch.` in PyTorch).
const char* dtype_name(ScalarType t);
// "Float", "Long", ... (PyTorch's ScalarType names used in error messages).
const char* scalar_type_name(ScalarType t);

inline bool is_floating(ScalarType t) { return t == ScalarType::Float32 || t == ScalarType::Float64; }
inline bool is_integral(ScalarType t, bool include_bool) {
  return t == ScalarType::Int32 || t == ScalarType::Int64 || (include_bool && t == ScalarType::Bool);
}

// The default floating dtype (torch.get_default_dtype()); float32 unless changed.
ScalarType default_dtype();
void set_default_dtype(ScalarType t);

// promote_types(a, b): the smallest type both convert to without losing category.
ScalarType promote_types(ScalarType a, ScalarType b);

// A Python-style number: bool, int or float. Used for `tensor op scalar` without wrapping the scalar in a
// tensor, and by fill/full/clamp.
struct Scalar {
  enum class Kind : uint8_t { Bool, Int, Float };
  Kind kind = Kind::Float;
  double f = 0;
  int64_t i = 0;

  Scalar() = default;
  // i holds the truncated value when it fits int64 (0 for NaN and out-of-range values, whose cast would be
  // undefined); code that needs a checked integer uses checked_convert.
  Scalar(double v)  // NOLINT
      : kind(Kind::Float),
        f(v),
        i(v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? static_cast<int64_t>(v) : 0) {}
  Scalar(float v) : Scalar(static_cast<double>(v)) {}                      // NOLINT
  Scalar(int64_t v) : kind(Kind::Int), f(static_cast<double>(v)), i(v) {}  // NOLINT
  Scalar(int v) : Scalar(static_cast<int64_t>(v)) {}                       // NOLINT
  Scalar(bool v) : kind(Kind::Bool), f(v ? 1.0 : 0.0), i(v ? 1 : 0) {}     // NOLINT

  bool is_floating() const { return kind == Kind::Float; }
  bool is_integral() const { return kind == Kind::Int; }
  bool is_bool() const { return kind == Kind::Bool; }
  template <class T>
  T to() const {
    return kind == Kind::Float ? static_cast<T>(f) : static_cast<T>(i);
  }
  // The dtype a wrapped Python number takes in promotion: bool, int64, or the default float dtype.
  ScalarType wrapped_dtype() const {
    return kind == Kind::Float ? default_dtype() : kind == Kind::Int ? ScalarType::Int64 : ScalarType::Bool;
  }
};

// Note [Checked scalar conversion]
// Every path that writes a Python number into an element of a given dtype (full and the other factories,
// fill_, masked_fill, index_fill, scatter's value, t[...] = v, clamp's bounds, where's scalars, tensor(data,
// dtype=...)) converts it with checked_convert, the one place that decides whether the number fits:
//   - integer dtypes refuse NaN, +-inf and values outside their range, compared as given (before truncation:
//     2**31 - 0.5 does not fit int32); in-range fractions truncate toward zero;
//   - float32 refuses finite values beyond its range (1e300) and keeps NaN and +-inf;
//   - float64 and bool take every value (bool: nonzero is true, NaN is true).
// The error is PyTorch's RuntimeError "value cannot be converted to type <name> without overflow", where name is
// the element's C type (element_type_name: int, int64_t, float, double) or, on the tensor(data) path, the
// dtype's own name. Arithmetic with a Python number (t + 2**31) wraps like PyTorch and does not check.
bool scalar_fits(const Scalar& s, ScalarType t);
// The C type name PyTorch's conversion errors use: "bool", "int", "int64_t", "float", "double".
const char* element_type_name(ScalarType t);
// Throws the conversion error unless s fits t; `name` defaults to element_type_name(t).
void check_scalar_fits(const Scalar& s, ScalarType t, const char* name = nullptr);

// s as an element of type T, checked (see Note [Checked scalar conversion]).
template <class T>
T checked_convert(const Scalar& s, const char* name = nullptr);

// Accumulates PyTorch's result_type over operands: dimensioned tensors outrank 0-d tensors, which outrank
// Python numbers; a lower-ranked operand only matters when its category (bool < int < float) is higher.
class ResultType {
 public:
  void add_tensor(ScalarType t, int64_t dim);
  void add_scalar(const Scalar& s);
  ScalarType result() const;

 private:
  int dim_ = -1, zero_dim_ = -1, wrapped_ = -1;  // -1: no operand of that rank yet
};

ScalarType result_type(ScalarType a, int64_t a_dim, ScalarType b, int64_t b_dim);
ScalarType result_type(ScalarType a, int64_t a_dim, const Scalar& b);

template <class T>
T checked_convert(const Scalar& s, const char* name) {
  constexpr ScalarType t = std::is_same_v<T, bool>      ? ScalarType::Bool
                           : std::is_same_v<T, int32_t> ? ScalarType::Int32
                           : std::is_same_v<T, int64_t> ? ScalarType::Int64
                           : std::is_same_v<T, float>   ? ScalarType::Float32
                                                        : ScalarType::Float64;
  check_scalar_fits(s, t, name);
  if constexpr (std::is_same_v<T, bool>) {
    return s.is_floating() ? s.f != 0 : s.i != 0;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    // 2**63 itself passes the range check (int64's maximum rounds up to it as a double) and becomes int64's
    // minimum, as the hardware conversion gives; converted explicitly, since the cast would be undefined.
    if (s.is_floating() && s.f >= 9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return s.to<T>();
  } else {
    return s.to<T>();
  }
}

}  // namespace fastgrad

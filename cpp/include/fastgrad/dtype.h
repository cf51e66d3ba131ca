// Element types and PyTorch's type-promotion rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

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
  Scalar(double v) : kind(Kind::Float), f(v), i(static_cast<int64_t>(v)) {}  // NOLINT
  Scalar(float v) : Scalar(static_cast<double>(v)) {}                         // NOLINT
  Scalar(int64_t v) : kind(Kind::Int), f(static_cast<double>(v)), i(v) {}     // NOLINT
  Scalar(int v) : Scalar(static_cast<int64_t>(v)) {}                          // NOLINT
  Scalar(bool v) : kind(Kind::Bool), f(v ? 1.0 : 0.0), i(v ? 1 : 0) {}        // NOLINT

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

}  // namespace fastgrad

#include "fastgrad/dtype.h"

#include <atomic>
#include <cmath>
#include <limits>

namespace fastgrad {

const char* dtype_name(ScalarType t) {
  static const char* names[] = {"bool", "int32", "int64", "float32", "float64", "uint8", "int8", "int16", "float16", "bfloat16"};
  return names[static_cast<int>(t)];
}

const char* scalar_type_name(ScalarType t) {
  static const char* names[] = {"Bool", "Int", "Long", "Float", "Double", "Byte", "Char", "Short", "Half", "BFloat16"};
  return names[static_cast<int>(t)];
}

const char* element_type_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "int64_t", "float", "double", "uint8_t", "int8_t", "int16_t", "c10::Half", "c10::BFloat16"};
  return names[static_cast<int>(t)];
}

bool scalar_fits(const Scalar& s, ScalarType t) {
  switch (t) {
    case ScalarType::Bool:
    case ScalarType::Float64: return true;
    case ScalarType::Float32:
      // NaN and infinities stay what they are; only finite values beyond float's range overflow.
      return !s.is_floating() || !std::isfinite(s.f) ||
             std::fabs(s.f) <= static_cast<double>(std::numeric_limits<float>::max());
    case ScalarType::Float16:
    case ScalarType::BFloat16: {
      // Finite values beyond the type's largest finite value overflow (as PyTorch checks, without rounding).
      const double max = t == ScalarType::Float16 ? 65504.0 : 3.3895313892515355e38;
      return !s.is_floating() ? std::fabs(static_cast<double>(s.i)) <= max || t == ScalarType::BFloat16
                              : !std::isfinite(s.f) || std::fabs(s.f) <= max;
    }
    case ScalarType::Int32:
    case ScalarType::Int64:
    case ScalarType::UInt8:
    case ScalarType::Int8:
    case ScalarType::Int16: {
      int64_t lo_i = std::numeric_limits<int64_t>::min(), hi_i = std::numeric_limits<int64_t>::max();
      if (t == ScalarType::Int32) lo_i = std::numeric_limits<int32_t>::min(), hi_i = std::numeric_limits<int32_t>::max();
      if (t == ScalarType::Int16) lo_i = std::numeric_limits<int16_t>::min(), hi_i = std::numeric_limits<int16_t>::max();
      if (t == ScalarType::Int8) lo_i = std::numeric_limits<int8_t>::min(), hi_i = std::numeric_limits<int8_t>::max();
      if (t == ScalarType::UInt8) lo_i = 0, hi_i = 255;
      // An integer into uint8 may be negative down to -255 (it wraps, as PyTorch allows `a - b` to be `a + 255 b`).
      if (!s.is_floating()) return s.i >= (t == ScalarType::UInt8 ? -255 : lo_i) && s.i <= hi_i;
      // Compared in double, as given (NaN fails both comparisons' complement).
      return s.f >= static_cast<double>(lo_i) && s.f <= static_cast<double>(hi_i);
    }
  }
  return false;
}

void check_scalar_fits(const Scalar& s, ScalarType t, const char* name) {
  FG_CHECK(scalar_fits(s, t), Error, "value cannot be converted to type ", name ? name : element_type_name(t),
           " without overflow");
}

namespace {
std::atomic<ScalarType> g_default_dtype{ScalarType::Float32};
}

ScalarType default_dtype() { return g_default_dtype.load(std::memory_order_relaxed); }

void set_default_dtype(ScalarType t) {
  FG_CHECK(is_floating(t), TypeError, "only floating-point types are supported as the default type");
  g_default_dtype.store(t, std::memory_order_relaxed);
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  // PyTorch's table, as rules: bool yields to anything; integers meet at the wider one, where uint8 with a
  // signed type needs at least int16; an integer yields to a float; float16 with bfloat16 meets at float32,
  // other floats at the wider one.
  if (a == b) return a;
  if (a == ScalarType::Bool) return b;
  if (b == ScalarType::Bool) return a;
  const bool fa = is_floating(a), fb = is_floating(b);
  if (fa != fb) return fa ? a : b;
  const size_t sa = element_size(a), sb = element_size(b);
  if (fa) {
    if (is_reduced_float(a) && is_reduced_float(b)) return ScalarType::Float32;
    return sa >= sb ? a : b;
  }
  if (a == ScalarType::UInt8 || b == ScalarType::UInt8) {
    const ScalarType other = a == ScalarType::UInt8 ? b : a;
    return element_size(other) >= 2 ? other : ScalarType::Int16;
  }
  return sa >= sb ? a : b;
}

namespace {
int category(ScalarType t) { return is_floating(t) ? 2 : t == ScalarType::Bool ? 0 : 1; }
int promote(int acc, ScalarType t) {  // acc < 0: nothing yet
  return acc < 0 ? static_cast<int>(t) : static_cast<int>(promote_types(static_cast<ScalarType>(acc), t));
}
// A lower-ranked operand type only wins when it is of a higher category.
int combine(int higher, int lower) {
  if (higher < 0) return lower;
  if (lower < 0) return higher;
  auto h = static_cast<ScalarType>(higher), l = static_cast<ScalarType>(lower);
  return category(l) > category(h) ? static_cast<int>(promote_types(h, l)) : higher;
}
}  // namespace

void ResultType::add_tensor(ScalarType t, int64_t dim) {
  if (dim == 0) zero_dim_ = promote(zero_dim_, t);
  else dim_ = promote(dim_, t);
}

void ResultType::add_scalar(const Scalar& s) { wrapped_ = promote(wrapped_, s.wrapped_dtype()); }

ScalarType ResultType::result() const {
  int r = combine(dim_, combine(zero_dim_, wrapped_));
  return r < 0 ? default_dtype() : static_cast<ScalarType>(r);
}

ScalarType result_type(ScalarType a, int64_t a_dim, ScalarType b, int64_t b_dim) {
  ResultType r;
  r.add_tensor(a, a_dim);
  r.add_tensor(b, b_dim);
  return r.result();
}

ScalarType result_type(ScalarType a, int64_t a_dim, const Scalar& b) {
  ResultType r;
  r.add_tensor(a, a_dim);
  r.add_scalar(b);
  return r.result();
}

}  // namespace fastgrad

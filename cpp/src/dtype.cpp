#include "fastgrad/dtype.h"

#include <atomic>
#include <cmath>
#include <limits>

namespace fastgrad {

const char* dtype_name(ScalarType t) {
  static const char* names[] = {"bool", "int32", "int64", "float32", "float64"};
  return names[static_cast<int>(t)];
}

const char* scalar_type_name(ScalarType t) {
  static const char* names[] = {"Bool", "Int", "Long", "Float", "Double"};
  return names[static_cast<int>(t)];
}

const char* element_type_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "int64_t", "float", "double"};
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
    case ScalarType::Int32:
    case ScalarType::Int64: {
      const bool wide = t == ScalarType::Int64;
      if (!s.is_floating())
        return wide || (s.i >= std::numeric_limits<int32_t>::min() && s.i <= std::numeric_limits<int32_t>::max());
      // Compared in double, as given (NaN fails both comparisons' complement).
      const double lo = wide ? static_cast<double>(std::numeric_limits<int64_t>::min())
                             : static_cast<double>(std::numeric_limits<int32_t>::min());
      const double hi = wide ? static_cast<double>(std::numeric_limits<int64_t>::max())
                             : static_cast<double>(std::numeric_limits<int32_t>::max());
      return s.f >= lo && s.f <= hi;
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
  // Our five types are totally ordered by promotion: the larger enum value always wins.
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

namespace {
int category(ScalarType t) { return is_floating(t) ? 2 : t == ScalarType::Bool ? 0 : 1; }
int promote(int acc, ScalarType t) {
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

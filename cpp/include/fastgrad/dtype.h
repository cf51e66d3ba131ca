// Element types and PyTorch's type-promotion rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "fastgrad/error.h"

namespace fastgrad {

/// The first five are the compute types: every kernel exists for them. The others are storage types (Note
/// [Storage dtypes]): uint8, int8 and int16 run the integer kernels directly; float16 and bfloat16 are loaded
/// as float32 by the shared kernel helpers and rounded back.
enum class ScalarType : uint8_t {
  Bool = 0, Int32 = 1, Int64 = 2, Float32 = 3, Float64 = 4,
  UInt8 = 5, Int8 = 6, Int16 = 7, Float16 = 8, BFloat16 = 9
};
/// The number of dtypes.
constexpr int kNumScalarTypes = 10;

/// Bytes per element of dtype t.
inline size_t element_size(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return 1;
    case ScalarType::Int32: return 4;
    case ScalarType::Int64: return 8;
    case ScalarType::Float32: return 4;
    case ScalarType::Float64: return 8;
    case ScalarType::UInt8: return 1;
    case ScalarType::Int8: return 1;
    case ScalarType::Int16: return 2;
    case ScalarType::Float16: return 2;
    case ScalarType::BFloat16: return 2;
  }
  return 0;
}

// Note [Storage dtypes]
// float16 and bfloat16 are storage formats: Half and BFloat16 below hold the bits and convert to and from
// float (round to nearest even, NaN and infinities kept, overflow to infinity, subnormals exact; a double is
// rounded to float first, as PyTorch converts). No kernel computes in them: the shared kernel helpers
// (map_unary / map_binary / ternary_map / float_map / kernel_map in ops/element.h and ops/elementwise.h,
// the reductions, matmul) load such operands as float32 (compute_type), run the float32 kernel and round the
// result back to the storage dtype when the op's result dtype is the storage dtype, as PyTorch's CPU kernels
// compute half-precision arithmetic in float. `dispatch` refuses them with PyTorch's "not implemented for
// 'Half'" error, so an op without that rule fails cleanly instead of reading the bits as another type;
// `dispatch_all` (copies, fills, gathers: code that only moves or converts elements) includes them.
// uint8, int8 and int16 are real C++ integer types and go through every integer kernel as they are.
/// True for float16 and bfloat16 (Note [Storage dtypes]).
inline bool is_reduced_float(ScalarType t) { return t == ScalarType::Float16 || t == ScalarType::BFloat16; }
/// The dtype a kernel computes in for operands stored as t (float32 for the half-precision types).
inline ScalarType compute_type(ScalarType t) { return is_reduced_float(t) ? ScalarType::Float32 : t; }

namespace detail {
inline uint32_t float_bits(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
// IEEE binary16, round to nearest even.
inline uint16_t float_to_half(float f) {
  const uint32_t u = float_bits(f);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u | ((a >> 13) & 0x3FFu));  // NaN, quiet
  if (a >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds to infinity (or is one)
  if (a < 0x38800000u) {                                                // below half's smallest normal
    // Subnormal: the value in units of 2^-24, rounded to nearest even.
    const int exp = static_cast<int>(a >> 23);
    if (exp < 102) return static_cast<uint16_t>(sign);  // below half of 2^-24 (ties too: 2^-25 rounds to 0)
    const uint32_t mant = (a & 0x7FFFFFu) | 0x800000u;
    const int shift = 126 - exp;  // value = mant * 2^(exp-150); units of 2^-24: mant >> (126 - exp)
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  // Normal: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits.
  uint32_t h = ((a - 0x38000000u) >> 13);
  const uint32_t rem = a & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;  // may carry into the exponent: still right
  return static_cast<uint16_t>(sign | h);
}
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0x1F) return bits_float(sign | 0x7F800000u | (m << 13));
  if (e == 0) {
    if (m == 0) return bits_float(sign);
    const float v = static_cast<float>(m) * 5.9604644775390625e-8f;  // m * 2^-24, exact
    return sign ? -v : v;
  }
  return bits_float(sign | ((e + 112) << 23) | (m << 13));
}
// bfloat16: the top half of a float, rounded to nearest even; every NaN becomes 0x7FC0 as in PyTorch.
inline uint16_t float_to_bfloat16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
inline float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }
}  // namespace detail

/// The element types of float16 and bfloat16 tensors (Note [Storage dtypes]): bits, and conversions through
/// float. Arithmetic on them converts to float.
struct Half {
  /// The raw bits.
  uint16_t x = 0;
  /// Zero.
  Half() = default;
  /// f rounded to nearest even.
  Half(float f) : x(detail::float_to_half(f)) {}                                  // NOLINT
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Half(T v) : Half(static_cast<float>(v)) {}                                      // NOLINT
  /// The value as float (exact).
  operator float() const { return detail::half_to_float(x); }                    // NOLINT
  /// *this = *this + v, rounded.
  Half& operator+=(float v) { return *this = Half(static_cast<float>(*this) + v); }
  /// *this = *this - v, rounded.
  Half& operator-=(float v) { return *this = Half(static_cast<float>(*this) - v); }
  /// *this = *this * v, rounded.
  Half& operator*=(float v) { return *this = Half(static_cast<float>(*this) * v); }
  /// *this = *this / v, rounded.
  Half& operator/=(float v) { return *this = Half(static_cast<float>(*this) / v); }
  /// A Half with the given bits.
  static Half from_bits(uint16_t b) {
    Half h;
    h.x = b;
    return h;
  }
};
/// bfloat16: the top 16 bits of a float32 (Note [Storage dtypes]).
struct BFloat16 {
  /// The raw bits.
  uint16_t x = 0;
  /// Zero.
  BFloat16() = default;
  /// f rounded to nearest even.
  BFloat16(float f) : x(detail::float_to_bfloat16(f)) {}                          // NOLINT
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  BFloat16(T v) : BFloat16(static_cast<float>(v)) {}                              // NOLINT
  /// The value as float (exact).
  operator float() const { return detail::bfloat16_to_float(x); }                // NOLINT
  /// *this = *this + v, rounded.
  BFloat16& operator+=(float v) { return *this = BFloat16(static_cast<float>(*this) + v); }
  /// *this = *this - v, rounded.
  BFloat16& operator-=(float v) { return *this = BFloat16(static_cast<float>(*this) - v); }
  /// *this = *this * v, rounded.
  BFloat16& operator*=(float v) { return *this = BFloat16(static_cast<float>(*this) * v); }
  /// *this = *this / v, rounded.
  BFloat16& operator/=(float v) { return *this = BFloat16(static_cast<float>(*this) / v); }
  /// A BFloat16 with the given bits.
  static BFloat16 from_bits(uint16_t b) {
    BFloat16 h;
    h.x = b;
    return h;
  }
};

/// True for the C++ element types of the dtypes: bool, uint8_t, int8_t, int16_t, int32_t, int64_t, Half,
/// BFloat16, float and double.
template <class T>
inline constexpr bool is_element_type_v =
    std::is_same_v<T, bool> || std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t> ||
    std::is_same_v<T, int16_t> || std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
    std::is_same_v<T, Half> || std::is_same_v<T, BFloat16> || std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The dtype whose elements have C++ type T (one of is_element_type_v's types; others do not compile).
template <class T>
constexpr ScalarType scalar_type_of() {
  static_assert(is_element_type_v<T>, "not the element type of a fastgrad dtype");
  if constexpr (std::is_same_v<T, bool>) return ScalarType::Bool;
  else if constexpr (std::is_same_v<T, uint8_t>) return ScalarType::UInt8;
  else if constexpr (std::is_same_v<T, int8_t>) return ScalarType::Int8;
  else if constexpr (std::is_same_v<T, int16_t>) return ScalarType::Int16;
  else if constexpr (std::is_same_v<T, int32_t>) return ScalarType::Int32;
  else if constexpr (std::is_same_v<T, int64_t>) return ScalarType::Int64;
  else if constexpr (std::is_same_v<T, Half>) return ScalarType::Float16;
  else if constexpr (std::is_same_v<T, BFloat16>) return ScalarType::BFloat16;
  else if constexpr (std::is_same_v<T, float>) return ScalarType::Float32;
  else return ScalarType::Float64;
}

/// "float32", "int64", ... (the name after `torch.` in PyTorch).
const char* dtype_name(ScalarType t);
/// "Float", "Long", ... (PyTorch's ScalarType names used in error messages).
const char* scalar_type_name(ScalarType t);

/// True for the floating dtypes (float16, bfloat16, float32, float64).
inline bool is_floating(ScalarType t) {
  return t == ScalarType::Float32 || t == ScalarType::Float64 || is_reduced_float(t);
}
/// True for the integer dtypes (and bool when include_bool).
inline bool is_integral(ScalarType t, bool include_bool) {
  return t == ScalarType::Int32 || t == ScalarType::Int64 || t == ScalarType::UInt8 || t == ScalarType::Int8 ||
         t == ScalarType::Int16 || (include_bool && t == ScalarType::Bool);
}

/// The default floating dtype (torch.get_default_dtype()); float32 unless changed.
ScalarType default_dtype();
/// Sets the default floating dtype (float32 or float64).
void set_default_dtype(ScalarType t);

/// promote_types(a, b): the smallest type both convert to without losing category.
ScalarType promote_types(ScalarType a, ScalarType b);

/// A Python-style number: bool, int or float. Used for `tensor op scalar` without wrapping the scalar in a
/// tensor, and by fill/full/clamp.
struct Scalar {
  /// Which Python type the number has.
  enum class Kind : uint8_t { Bool, Int, Float };
  /// bool, int or float.
  Kind kind = Kind::Float;
  /// The value as a double (exact for floats and bools; integers above 2^53 round).
  double f = 0;
  /// The value as an int64 (truncated floats; 0 when out of range).
  int64_t i = 0;

  /// The float 0.
  Scalar() = default;
  /// i holds the truncated value when it fits int64 (0 for NaN and out-of-range values, whose cast would be
  /// undefined); code that needs a checked integer uses checked_convert.
  Scalar(double v)  // NOLINT
      : kind(Kind::Float),
        f(v),
        i(v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? static_cast<int64_t>(v) : 0) {}
  /// A float.
  Scalar(float v) : Scalar(static_cast<double>(v)) {}                      // NOLINT
  /// An int.
  Scalar(int64_t v) : kind(Kind::Int), f(static_cast<double>(v)), i(v) {}  // NOLINT
  /// An int.
  Scalar(int v) : Scalar(static_cast<int64_t>(v)) {}                       // NOLINT
  /// A bool.
  Scalar(bool v) : kind(Kind::Bool), f(v ? 1.0 : 0.0), i(v ? 1 : 0) {}     // NOLINT

  /// True for a float.
  bool is_floating() const { return kind == Kind::Float; }
  /// True for an int.
  bool is_integral() const { return kind == Kind::Int; }
  /// True for a bool.
  bool is_bool() const { return kind == Kind::Bool; }
  template <class T>
  T to() const {
    return kind == Kind::Float ? static_cast<T>(f) : static_cast<T>(i);
  }
  /// The dtype a wrapped Python number takes in promotion: bool, int64, or the default float dtype.
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
/// True when s converts to an element of t without overflow (Note [Checked scalar conversion]).
bool scalar_fits(const Scalar& s, ScalarType t);
/// The C type name PyTorch's conversion errors use: "bool", "int", "int64_t", "float", "double".
const char* element_type_name(ScalarType t);
/// Throws the conversion error unless s fits t; `name` defaults to element_type_name(t).
void check_scalar_fits(const Scalar& s, ScalarType t, const char* name = nullptr);

// s as an element of type T, checked (see Note [Checked scalar conversion]).
template <class T>
T checked_convert(const Scalar& s, const char* name = nullptr);

/// Accumulates PyTorch's result_type over operands: dimensioned tensors outrank 0-d tensors, which outrank
/// Python numbers; a lower-ranked operand only matters when its category (bool < int < float) is higher.
class ResultType {
 public:
  /// Adds a tensor operand of dtype t with `dim` dims.
  void add_tensor(ScalarType t, int64_t dim);
  /// Adds a Python-number operand.
  void add_scalar(const Scalar& s);
  /// The promoted dtype of the operands added so far.
  ScalarType result() const;

 private:
  int dim_ = -1, zero_dim_ = -1, wrapped_ = -1;  // -1: no operand of that rank yet
};

/// PyTorch's result_type of two tensor operands.
ScalarType result_type(ScalarType a, int64_t a_dim, ScalarType b, int64_t b_dim);
/// PyTorch's result_type of a tensor and a Python number.
ScalarType result_type(ScalarType a, int64_t a_dim, const Scalar& b);

template <class T>
T checked_convert(const Scalar& s, const char* name) {
  constexpr ScalarType t = std::is_same_v<T, bool>       ? ScalarType::Bool
                           : std::is_same_v<T, int32_t>  ? ScalarType::Int32
                           : std::is_same_v<T, int64_t>  ? ScalarType::Int64
                           : std::is_same_v<T, uint8_t>  ? ScalarType::UInt8
                           : std::is_same_v<T, int8_t>   ? ScalarType::Int8
                           : std::is_same_v<T, int16_t>  ? ScalarType::Int16
                           : std::is_same_v<T, Half>     ? ScalarType::Float16
                           : std::is_same_v<T, BFloat16> ? ScalarType::BFloat16
                           : std::is_same_v<T, float>    ? ScalarType::Float32
                                                         : ScalarType::Float64;
  check_scalar_fits(s, t, name);
  if constexpr (std::is_same_v<T, bool>) {
    return s.is_floating() ? s.f != 0 : s.i != 0;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    // 2**63 itself passes the range check (int64's maximum rounds up to it as a double) and becomes int64's
    // minimum, as the hardware conversion gives; converted explicitly, since the cast would be undefined.
    if (s.is_floating() && s.f >= 9223372036854775808.0) return std::numeric_limits<int64_t>::min();
    return s.to<T>();
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return s.is_floating() ? T(static_cast<float>(s.f)) : T(static_cast<float>(s.i));
  } else {
    return s.to<T>();
  }
}

}  // namespace fastgrad

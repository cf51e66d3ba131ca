// Integer arithmetic that wraps, as PyTorch's does (See Note [Integer wraparound]).
#pragma once

#include <type_traits>

namespace fastgrad::cpu {

// Note [Integer wraparound]
// PyTorch's integer tensors wrap modulo 2^bits on overflow (int64 max + 1 is int64 min), as the machine's
// add does. In C++ a signed overflow is undefined behaviour (UBSan reports it; the optimiser may assume it
// never happens), so integer kernels add, subtract, multiply and negate through these: the operation runs
// in the unsigned type, where it is defined to wrap, and the result converts back (modular in GCC and
// Clang, and in the standard since C++20). For floating types and bool they are the plain operators.
template <class T>
using wrap_unsigned_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T>
constexpr bool wraps_v = std::is_integral_v<T>&& std::is_signed_v<T>;

template <class T>
constexpr T wrapping_add(T a, T b) {
  if constexpr (wraps_v<T>)
    return static_cast<T>(static_cast<wrap_unsigned_t<T>>(a) + static_cast<wrap_unsigned_t<T>>(b));
  else return static_cast<T>(a + b);
}

template <class T>
constexpr T wrapping_sub(T a, T b) {
  if constexpr (wraps_v<T>)
    return static_cast<T>(static_cast<wrap_unsigned_t<T>>(a) - static_cast<wrap_unsigned_t<T>>(b));
  else return static_cast<T>(a - b);
}

template <class T>
constexpr T wrapping_mul(T a, T b) {
  if constexpr (wraps_v<T>)
    return static_cast<T>(static_cast<wrap_unsigned_t<T>>(a) * static_cast<wrap_unsigned_t<T>>(b));
  else return static_cast<T>(a * b);
}

// -x; the lowest value is its own negation.
template <class T>
constexpr T wrapping_neg(T x) {
  if constexpr (wraps_v<T>) return static_cast<T>(wrap_unsigned_t<T>(0) - static_cast<wrap_unsigned_t<T>>(x));
  else if constexpr (std::is_same_v<T, bool>) return x;
  else return -x;
}

}  // namespace fastgrad::cpu

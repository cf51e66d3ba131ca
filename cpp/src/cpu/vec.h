// The vector types of one instruction-set level (Note [CPU dispatch] in dispatch.h). Included only by the ISA
// translation units (cpu/isa_*.cpp), which define FG_ISA (the namespace this level's code lives in) and
// FG_VEC_BYTES (the register width: 16 for the baseline's SSE2, 32 for AVX2, 64 for AVX-512).
//
// The types are GCC/Clang vector extensions: `a + b`, `a * 2.0f`, `a < b` (a lane mask of -1/0) and
// `mask ? a : b` work lane-wise and compile to the level's instructions, so the math in vmath.h is written
// once. Fused multiply-add is spelled out (fmadd), because the build does not contract a*b+c on its own.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define FG_VINLINE inline __attribute__((always_inline))

namespace fastgrad::cpu::FG_ISA {

template <class T>
struct Vec;

template <>
struct Vec<float> {
  typedef float V __attribute__((vector_size(FG_VEC_BYTES)));
  typedef int32_t I __attribute__((vector_size(FG_VEC_BYTES)));  // lane masks and bit patterns
  typedef uint32_t U __attribute__((vector_size(FG_VEC_BYTES)));  // wrapping bit arithmetic
  static constexpr int N = FG_VEC_BYTES / 4;
  static constexpr int kMantissa = 23, kBias = 127;
};

template <>
struct Vec<double> {
  typedef double V __attribute__((vector_size(FG_VEC_BYTES)));
  typedef int64_t I __attribute__((vector_size(FG_VEC_BYTES)));
  typedef uint64_t U __attribute__((vector_size(FG_VEC_BYTES)));
  static constexpr int N = FG_VEC_BYTES / 8;
  static constexpr int kMantissa = 52, kBias = 1023;
};

template <class T>
using VecT = typename Vec<T>::V;
// The integer type of one lane of Vec<T>::I.
template <class T>
using LaneInt = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
template <class T>
using IntT = typename Vec<T>::I;

// Every lane c (c - (+0) keeps the sign of -0, which c + (+0) would lose).
template <class T>
FG_VINLINE VecT<T> splat(T c) {
  return c - VecT<T>{};
}

template <class T>
FG_VINLINE VecT<T> load(const T* p) {
  VecT<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The first n < N lanes from p, the others zero.
template <class T>
FG_VINLINE VecT<T> load_partial(const T* p, int64_t n) {
  VecT<T> v{};
  std::memcpy(&v, p, static_cast<size_t>(n) * sizeof(T));
  return v;
}

template <class T>
FG_VINLINE void store(T* p, VecT<T> v) {
  std::memcpy(p, &v, sizeof v);
}

template <class T>
FG_VINLINE void store_partial(T* p, VecT<T> v, int64_t n) {
  std::memcpy(p, &v, static_cast<size_t>(n) * sizeof(T));
}

// Lane-wise m ? a : b for a mask from a comparison.
template <class M, class V>
FG_VINLINE V select(M m, V a, V b) {
  return m ? a : b;
}

// a - b + c on integer lanes, wrapping: the bit-pattern arithmetic of the range reductions, where a lane that a
// later select discards (beyond the vector range, inf, NaN) may hold any pattern and signed overflow would be
// undefined even there.
template <class T>
FG_VINLINE IntT<T> wrapping_sub_add(IntT<T> a, IntT<T> b, LaneInt<T> c = 0) {
  using U = typename Vec<T>::U;
  return reinterpret_cast<IntT<T>>(reinterpret_cast<U>(a) - reinterpret_cast<U>(b) + static_cast<std::make_unsigned_t<LaneInt<T>>>(c));
}
// v << k on integer lanes, in unsigned arithmetic (a bit shifted into the sign bit is defined there).
template <class T>
FG_VINLINE IntT<T> shift_left_bits(IntT<T> v, int k) {
  using U = typename Vec<T>::U;
  return reinterpret_cast<IntT<T>>(reinterpret_cast<U>(v) << k);
}

template <class T>
FG_VINLINE IntT<T> bits_of(VecT<T> v) {
  return reinterpret_cast<IntT<T>>(v);
}

template <class T>
FG_VINLINE VecT<T> from_bits(IntT<T> i) {
  return reinterpret_cast<VecT<T>>(i);
}

// a * b + c with one rounding where the level has FMA.
FG_VINLINE Vec<float>::V fmadd(Vec<float>::V a, Vec<float>::V b, Vec<float>::V c) {
#if FG_VEC_BYTES == 64
  return _mm512_fmadd_ps(a, b, c);
#elif FG_VEC_BYTES == 32 && defined(__FMA__)
  return _mm256_fmadd_ps(a, b, c);
#else
  return a * b + c;
#endif
}

FG_VINLINE Vec<double>::V fmadd(Vec<double>::V a, Vec<double>::V b, Vec<double>::V c) {
#if FG_VEC_BYTES == 64
  return _mm512_fmadd_pd(a, b, c);
#elif FG_VEC_BYTES == 32 && defined(__FMA__)
  return _mm256_fmadd_pd(a, b, c);
#else
  return a * b + c;
#endif
}

// max(a, b) in one instruction where the level has it: b when either lane is NaN (so vmax(lo, x) keeps a NaN x,
// and vmax(x, lo) replaces it by lo).
FG_VINLINE Vec<float>::V vmax(Vec<float>::V a, Vec<float>::V b) {
#if FG_VEC_BYTES == 64
  return _mm512_max_ps(a, b);
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_max_ps(a, b);
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_max_ps(a, b);
#else
  return a > b ? a : b;
#endif
}

FG_VINLINE Vec<double>::V vmax(Vec<double>::V a, Vec<double>::V b) {
#if FG_VEC_BYTES == 64
  return _mm512_max_pd(a, b);
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_max_pd(a, b);
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_max_pd(a, b);
#else
  return a > b ? a : b;
#endif
}

// min(a, b) in one instruction where the level has it: b when either lane is NaN.
FG_VINLINE Vec<float>::V vmin(Vec<float>::V a, Vec<float>::V b) {
#if FG_VEC_BYTES == 64
  return _mm512_min_ps(a, b);
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_min_ps(a, b);
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_min_ps(a, b);
#else
  return a < b ? a : b;
#endif
}

FG_VINLINE Vec<double>::V vmin(Vec<double>::V a, Vec<double>::V b) {
#if FG_VEC_BYTES == 64
  return _mm512_min_pd(a, b);
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_min_pd(a, b);
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_min_pd(a, b);
#else
  return a < b ? a : b;
#endif
}

FG_VINLINE Vec<float>::V vsqrt(Vec<float>::V a) {
#if FG_VEC_BYTES == 64
  return _mm512_sqrt_ps(a);
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_sqrt_ps(a);
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_sqrt_ps(a);
#else
  Vec<float>::V r;
  for (int k = 0; k < Vec<float>::N; ++k) r[k] = __builtin_sqrtf(a[k]);
  return r;
#endif
}

FG_VINLINE Vec<double>::V vsqrt(Vec<double>::V a) {
#if FG_VEC_BYTES == 64
  return _mm512_sqrt_pd(a);
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_sqrt_pd(a);
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_sqrt_pd(a);
#else
  Vec<double>::V r;
  for (int k = 0; k < Vec<double>::N; ++k) r[k] = __builtin_sqrt(a[k]);
  return r;
#endif
}

// Whether any lane of a comparison mask (of double lanes) is set.
FG_VINLINE bool any_lane(Vec<double>::I m) {
#if FG_VEC_BYTES == 64
  return _mm512_test_epi64_mask(reinterpret_cast<__m512i>(m), reinterpret_cast<__m512i>(m)) != 0;
#elif FG_VEC_BYTES == 32 && defined(__AVX__)
  return _mm256_movemask_pd(reinterpret_cast<__m256d>(m)) != 0;
#elif FG_VEC_BYTES == 16 && defined(__SSE2__)
  return _mm_movemask_pd(reinterpret_cast<__m128d>(m)) != 0;
#else
  for (int k = 0; k < Vec<double>::N; ++k)
    if (m[k]) return true;
  return false;
#endif
}

// Polynomial c[0] + c[1] x + ... by Horner's rule with fused steps (coefficients highest last).
template <class T, size_t K>
FG_VINLINE VecT<T> horner(VecT<T> x, const T (&c)[K]) {
  VecT<T> p = splat<T>(c[K - 1]);
  for (size_t i = K - 1; i-- > 0;) p = fmadd(p, x, splat<T>(c[i]));
  return p;
}

}  // namespace fastgrad::cpu::FG_ISA

#include "sum.h"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace fastgrad::kernels {

namespace {

double sum_floats_sse(const float* x, int64_t n) {
  int64_t i = 0;
  double v = 0;
#if defined(__SSE2__)
  constexpr int64_t kSegment = 512;  // 8 registers x 4 lanes x 16 values
  __m128d total[4] = {_mm_setzero_pd(), _mm_setzero_pd(), _mm_setzero_pd(), _mm_setzero_pd()};
  for (; i + kSegment <= n; i += kSegment) {
    __m128 lane[8];
    for (auto& l : lane) l = _mm_setzero_ps();
    for (int64_t j = i; j < i + kSegment; j += 32)
      for (int k = 0; k < 8; ++k) lane[k] = _mm_add_ps(lane[k], _mm_loadu_ps(x + j + 4 * k));
    for (int k = 0; k < 8; ++k) {
      total[k % 4] = _mm_add_pd(total[k % 4], _mm_cvtps_pd(lane[k]));
      total[k % 4] = _mm_add_pd(total[k % 4], _mm_cvtps_pd(_mm_movehl_ps(lane[k], lane[k])));
    }
  }
  double parts[8];
  for (int k = 0; k < 4; ++k) _mm_storeu_pd(parts + 2 * k, total[k]);
  for (double p : parts) v += p;
#else
  constexpr int kLanes = 16;
  constexpr int64_t kSegment = 256;
  double total[kLanes] = {};
  for (; i + kSegment <= n; i += kSegment) {
    float lane[kLanes] = {};
    for (int64_t j = i; j < i + kSegment; j += kLanes)
      for (int k = 0; k < kLanes; ++k) lane[k] += x[j + k];
    for (int k = 0; k < kLanes; ++k) total[k] += static_cast<double>(lane[k]);
  }
  for (double t : total) v += t;
#endif
  for (; i < n; ++i) v += static_cast<double>(x[i]);
  return v;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FG_HAVE_AVX2_SUM 1
// The same with AVX2 (eight 8-float registers, each lane still adding at most 16 values before the
// flush), chosen at run time: the wheel targets baseline x86-64.
__attribute__((target("avx2"))) double sum_floats_avx2(const float* x, int64_t n) {
  constexpr int64_t kSegment = 1024;  // 8 registers x 8 lanes x 16 values
  int64_t i = 0;
  __m256d total[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  for (; i + kSegment <= n; i += kSegment) {
    __m256 lane[8];
    for (auto& l : lane) l = _mm256_setzero_ps();
    for (int64_t j = i; j < i + kSegment; j += 64)
      for (int k = 0; k < 8; ++k) lane[k] = _mm256_add_ps(lane[k], _mm256_loadu_ps(x + j + 8 * k));
    for (int k = 0; k < 8; ++k) {
      total[k % 4] = _mm256_add_pd(total[k % 4], _mm256_cvtps_pd(_mm256_castps256_ps128(lane[k])));
      total[k % 4] = _mm256_add_pd(total[k % 4], _mm256_cvtps_pd(_mm256_extractf128_ps(lane[k], 1)));
    }
  }
  double parts[16];
  for (int k = 0; k < 4; ++k) _mm256_storeu_pd(parts + 4 * k, total[k]);
  double v = 0;
  for (double p : parts) v += p;
  for (; i < n; ++i) v += static_cast<double>(x[i]);
  return v;
}
#endif

}  // namespace

double sum_floats(const float* x, int64_t n) {
#ifdef FG_HAVE_AVX2_SUM
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return sum_floats_avx2(x, n);
#endif
  return sum_floats_sse(x, n);
}

}  // namespace fastgrad::kernels

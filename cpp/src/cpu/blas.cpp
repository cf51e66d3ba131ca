#include "blas.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "fastgrad/error.h"
#include "wrapping.h"

#if defined(FASTGRAD_BLAS_SCIPY_OPENBLAS)
#define FG_CBLAS(name) scipy_cblas_##name
#elif defined(FASTGRAD_BLAS_CBLAS)
#define FG_CBLAS(name) cblas_##name
#endif

#ifdef FG_CBLAS
// The few CBLAS declarations we need (LP64: 32-bit integers), so no BLAS header is required to build.
extern "C" {
void FG_CBLAS(sgemm)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                     const float* b, int ldb, float beta, float* c, int ldc);
void FG_CBLAS(dgemm)(int order, int trans_a, int trans_b, int m, int n, int k, double alpha, const double* a, int lda,
                     const double* b, int ldb, double beta, double* c, int ldc);
}
#endif

// The thread-count knob: scipy-openblas32 always has it; a system CBLAS may (OpenBLAS) or may not
// (reference BLAS, BLIS), so that one is looked up weakly.
#if defined(FASTGRAD_BLAS_SCIPY_OPENBLAS)
extern "C" void scipy_openblas_set_num_threads(int n);
#elif defined(FASTGRAD_BLAS_CBLAS) && defined(__GNUC__)
extern "C" void openblas_set_num_threads(int n) __attribute__((weak));
#endif

namespace fastgrad::cpu {

namespace {

// Fallback and integer path: C = alpha * op(A) op(B) + beta * C, i-k-j order so the inner loop streams.
// Note [float32 products]: float sums in double. A loop that accumulates k float products in float
// loses ~k ulps, far more than a BLAS kernel's blocked sums, and PyTorch's float32 tolerance.
template <class T>
void gemm_loops(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
                int64_t ldb, T beta, T* c, int64_t ldc) {
  using Acc = std::conditional_t<std::is_same_v<T, float>, double, T>;
  // Integer products and sums wrap (Note [Integer wraparound]); for floating types these are + and *.
  auto mul_add = [](Acc acc, Acc x, Acc y) { return wrapping_add(acc, wrapping_mul(x, y)); };
  std::vector<Acc> row(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    T* ci = c + i * ldc;
    std::fill(row.begin(), row.end(), Acc(0));
    for (int64_t p = 0; p < k; ++p) {
      const Acc av = static_cast<Acc>(ta ? a[p * lda + i] : a[i * lda + p]);
      if (!tb) {
        const T* bp = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) row[j] = mul_add(row[j], av, static_cast<Acc>(bp[j]));
      } else {
        for (int64_t j = 0; j < n; ++j) row[j] = mul_add(row[j], av, static_cast<Acc>(b[j * ldb + p]));
      }
    }
    for (int64_t j = 0; j < n; ++j) {
      const Acc scaled = wrapping_mul(static_cast<Acc>(alpha), row[j]);
      ci[j] = beta == T(0) ? T(scaled) : T(mul_add(scaled, static_cast<Acc>(beta), static_cast<Acc>(ci[j])));
    }
  }
}

#ifdef FG_CBLAS
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
bool fits_int(int64_t v) { return v <= INT_MAX; }
#endif

}  // namespace

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b, int64_t ldb,
          T beta, T* c, int64_t ldc) {
#ifdef FG_CBLAS
  // A BLAS call costs ~0.1 us before any arithmetic: tiny products (batches of 2x2 matrices) are faster here.
  constexpr int64_t kSmallProduct = 512;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    // A single dot product (m = n = 1) is memory-bound either way: the loop's double sum is exact to the
    // last bit, where sgemm's float sum over a long k is not (Note [float32 products]).
    if (m * n * k > kSmallProduct && !(m == 1 && n == 1) && fits_int(m) && fits_int(n) && fits_int(k) &&
        fits_int(lda) && fits_int(ldb) && fits_int(ldc)) {
      auto args = [&](auto fn) {
        fn(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, int(m), int(n), int(k), alpha, a,
           int(std::max<int64_t>(lda, 1)), b, int(std::max<int64_t>(ldb, 1)), beta, c, int(std::max<int64_t>(ldc, 1)));
      };
      if constexpr (std::is_same_v<T, float>) args(FG_CBLAS(sgemm));
      else args(FG_CBLAS(dgemm));
      return;
    }
  }
#endif
  gemm_loops(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t);
template void gemm<int32_t>(bool, bool, int64_t, int64_t, int64_t, int32_t, const int32_t*, int64_t, const int32_t*,
                            int64_t, int32_t, int32_t*, int64_t);
template void gemm<int64_t>(bool, bool, int64_t, int64_t, int64_t, int64_t, const int64_t*, int64_t, const int64_t*,
                            int64_t, int64_t, int64_t*, int64_t);

void set_blas_num_threads(int n) {
#if defined(FASTGRAD_BLAS_SCIPY_OPENBLAS)
  scipy_openblas_set_num_threads(n);
#elif defined(FASTGRAD_BLAS_CBLAS) && defined(__GNUC__)
  if (openblas_set_num_threads) openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

const char* blas_name() {
#if defined(FASTGRAD_BLAS_SCIPY_OPENBLAS)
  return "scipy-openblas";
#elif defined(FASTGRAD_BLAS_CBLAS)
  return "cblas";
#else
  return "none";
#endif
}

}  // namespace fastgrad::cpu

namespace fastgrad {
void set_blas_num_threads(int n) { cpu::set_blas_num_threads(n); }

const char* blas_name() { return cpu::blas_name(); }
}  // namespace fastgrad

#include "blas.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include "fastgrad/error.h"
#include "fastgrad/parallel.h"
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

constexpr int64_t kParallelGemmWork = int64_t(1) << 20;  // see Note [BLAS threads]

#ifdef FG_CBLAS
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
inline bool fits_int(int64_t v) { return v <= INT_MAX; }

// Note [BLAS threads]
// The BLAS library runs single-threaded, always; fastgrad's pool is the only source of threads. A product of
// at least kParallelGemmWork multiply-adds (m*n*k; FASTGRAD_GEMM_PARALLEL_WORK overrides it), with more than
// one thread set and outside a parallel region, splits the larger of C's two dimensions into blocks that the
// pool's threads take one at a time, each a single-threaded BLAS call; smaller products run whole on the
// calling thread. A batch of smaller products splits over its matrices instead (batched_gemm in linalg.cpp).
// Why: OpenBLAS's own workers spin-wait for work and for each other. Next to the pool's workers, and on a
// machine whose cores are busy, they hold the cores the other threads need: with a busy loop per core, a
// 784-256-10 MLP step at batch 64 took 1.8 ms at 1 thread, 48 ms with 2 pool + 2 OpenBLAS threads and 2.1 ms
// with 2 pool threads and a single-threaded BLAS (bench/loaded.py). Blocks are claimed dynamically, so a
// descheduled worker delays one block at most and a worker that wakes late finds the work done.
// A block boundary only selects which rows or columns of C one BLAS call computes, but OpenBLAS picks its
// kernel by size (small products take another path), so a split product may differ from the whole one in the
// last bits, as with OpenBLAS's own threads and in PyTorch: matrix products are the exception to "results do
// not depend on the thread count".
constexpr int64_t kGemmBlock = 16;  // block boundaries: multiples of 16 rows or columns
// Up to 4 blocks per thread, each at least 64 rows or columns (every block packs the other operand again): a
// thread descheduled in the middle of a block delays the product by that block only, the others take the rest.
constexpr int64_t kBlocksPerThread = 4, kMinBlockUnits = 4;

// Sets the BLAS library to one thread before its first use (its default is one thread per core).
void blas_single_threaded_once() {
  static const bool done = (set_blas_num_threads(1), true);
  (void)done;
}

template <class T>
void blas_call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc) {
  auto args = [&](auto fn) {
    fn(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, int(m), int(n), int(k), alpha, a,
       int(std::max<int64_t>(lda, 1)), b, int(std::max<int64_t>(ldb, 1)), beta, c, int(std::max<int64_t>(ldc, 1)));
  };
  if constexpr (std::is_same_v<T, float>) args(FG_CBLAS(sgemm));
  else args(FG_CBLAS(dgemm));
}
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
      blas_single_threaded_once();
      if (m * n * k >= gemm_parallel_work() && get_num_threads() > 1 && !in_parallel_region()) {
        // (Note [BLAS threads]) C's row blocks (op(A)'s rows) or column blocks (op(B)'s columns), handed out
        // one at a time to whichever thread asks next.
        const bool by_rows = m >= n;
        const int64_t extent = by_rows ? m : n, threads = get_num_threads();
        const int64_t units = (extent + kGemmBlock - 1) / kGemmBlock;
        const int64_t per_block = std::max<int64_t>(kMinBlockUnits, units / (kBlocksPerThread * threads));
        const int64_t blocks = (units + per_block - 1) / per_block;
        std::atomic<int64_t> next{0};
        parallel_for(0, std::min<int64_t>(threads, blocks), 1, [&](int64_t, int64_t) {
          for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
            const int64_t lo = i * per_block * kGemmBlock, hi = std::min(lo + per_block * kGemmBlock, extent);
            if (by_rows)
              blas_call(ta, tb, hi - lo, n, k, alpha, a + (ta ? lo : lo * lda), lda, b, ldb, beta, c + lo * ldc, ldc);
            else
              blas_call(ta, tb, m, hi - lo, k, alpha, a, lda, b + (tb ? lo * ldb : lo), ldb, beta, c + lo, ldc);
          }
        });
        return;
      }
      blas_call(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
#define FG_GEMM_SMALL(T) \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, int64_t);
FG_GEMM_SMALL(uint8_t)
FG_GEMM_SMALL(int8_t)
FG_GEMM_SMALL(int16_t)
#undef FG_GEMM_SMALL

int64_t gemm_parallel_work() {
  static const int64_t w = [] {  // FASTGRAD_GEMM_PARALLEL_WORK overrides it (for measuring the threshold)
    const char* e = std::getenv("FASTGRAD_GEMM_PARALLEL_WORK");
    const long long v = e ? std::atoll(e) : 0;
    return v > 0 ? int64_t(v) : kParallelGemmWork;
  }();
  return w;
}

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

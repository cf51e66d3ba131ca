// See cpu/reductions.h.
#include "reductions.h"

#include <algorithm>
#include <atomic>

#include "dispatch.h"
#include "fastgrad/parallel.h"

namespace fastgrad::cpu {

namespace {

// Elements below which a kernel stays on the calling thread (as in loops.h), and the columns of one unit of
// work when the lines are strided (a multiple of every vector width).
constexpr int64_t kGrain = 32768;
constexpr int64_t kColumns = 256;

// Calls f(block) on blocks of lines covering the (outer, n, inner) layout, possibly on several threads.
template <class F>
void for_line_blocks(int64_t outer, int64_t n, int64_t inner, F f) {
  if (outer == 0 || n == 0 || inner == 0) return;
  if (inner == 1) {
    parallel_for(0, outer, std::max<int64_t>(1, kGrain / n), [&](int64_t o0, int64_t o1) {
      f(LineBlock{outer, n, inner, o0, o1, 0, 1});
    });
    return;
  }
  const int64_t per_row = (inner + kColumns - 1) / kColumns;
  const int64_t width = std::min(inner, kColumns);
  parallel_for(0, outer * per_row, std::max<int64_t>(1, kGrain / (n * width)), [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1;) {
      // whole rows of blocks at once where the range allows (one kernel call per row)
      const int64_t o = u / per_row, first = u % per_row;
      const int64_t last = std::min(per_row, first + (u1 - u));
      f(LineBlock{outer, n, inner, o, o + 1, first * kColumns, std::min(inner, last * kColumns)});
      u += last - first;
    }
  });
}

}  // namespace

template <class T>
void scan_lines(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool prod, bool reverse) {
  const auto k = scan_kernel<T>();
  for_line_blocks(outer, n, inner, [&](const LineBlock& b) { k(x, y, b, prod, reverse); });
}

template <class T>
bool cumprod_backward_lines(const T* g, const T* out, const T* x, T* r, int64_t outer, int64_t n, int64_t inner) {
  const auto k = cumprod_backward_kernel<T>();
  std::atomic<bool> ok{true};
  for_line_blocks(outer, n, inner, [&](const LineBlock& b) {
    if (!k(g, out, x, r, b)) ok.store(false, std::memory_order_relaxed);
  });
  return ok.load();
}

template <class T>
void extreme_lines(const T* x, T* values, int64_t* indices, int64_t outer, int64_t n, int64_t inner, bool is_max) {
  const auto k = extreme_kernel<T>();
  for_line_blocks(outer, n, inner, [&](const LineBlock& b) { k(x, values, indices, b, is_max); });
}

#define FG_REDUCTIONS_INSTANTIATE(T)                                                                      \
  template void scan_lines<T>(const T*, T*, int64_t, int64_t, int64_t, bool, bool);                       \
  template bool cumprod_backward_lines<T>(const T*, const T*, const T*, T*, int64_t, int64_t, int64_t); \
  template void extreme_lines<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t, bool);

FG_REDUCTIONS_INSTANTIATE(float)
FG_REDUCTIONS_INSTANTIATE(double)

}  // namespace fastgrad::cpu

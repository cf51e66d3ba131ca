// See cpu/index_kernels.h.
#include "index_kernels.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "fastgrad/parallel.h"

namespace fastgrad::cpu {

namespace {

// Elements below which a kernel stays on the calling thread (as in loops.h), and the columns of one unit of
// accumulation work.
constexpr int64_t kGrain = 32768;
constexpr int64_t kColumns = 128;
// Rows of at most this many bytes are prefetched whole by gather.
constexpr int64_t kPrefetchBytes = 16384;

// f(o, c0, c1) over the outer rows and blocks of kColumns columns, possibly on several threads; `per_unit` is
// the work (elements) of one full column block of one outer row.
template <class F>
void for_column_blocks(int64_t outer, int64_t inner, int64_t per_column, F f) {
  const int64_t blocks = (inner + kColumns - 1) / kColumns;
  const int64_t work = per_column * std::min(inner, kColumns);
  parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, work)), [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t o = u / blocks, c0 = (u % blocks) * kColumns;
      f(o, c0, std::min(inner, c0 + kColumns));
    }
  });
}

}  // namespace

void index_select_rows(const char* src, char* out, const int64_t* idx, int64_t outer, int64_t size, int64_t k,
                       int64_t inner, int64_t elem) {
  const int64_t row = inner * elem;
  parallel_for(0, outer * k, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, inner)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / k, i = r % k;
      std::memcpy(out + r * row, src + (o * size + idx[i]) * row, static_cast<size_t>(row));
    }
  });
}

template <class T>
void index_add_rows(T* dst, const T* g, const int64_t* idx, int64_t outer, int64_t size, int64_t k, int64_t inner,
                    int64_t skip) {
  for_column_blocks(outer, inner, k, [&](int64_t o, int64_t c0, int64_t c1) {
    for (int64_t i = 0; i < k; ++i) {
      if (idx[i] == skip) continue;
      T* d = dst + (o * size + idx[i]) * inner;
      const T* s = g + (o * k + i) * inner;
      for (int64_t c = c0; c < c1; ++c) d[c] += s[c];
    }
  });
}

namespace {
// An index value outside [0, size) stops its chunk and makes the kernel return false (the caller then reports
// the first such value).
inline bool in_range(int64_t v, int64_t size) { return static_cast<uint64_t>(v) < static_cast<uint64_t>(size); }

template <class T>
bool gather_lines_t(const T* src, T* out, const int64_t* idx, int64_t outer, int64_t size, int64_t k, int64_t inner) {
  std::atomic<bool> ok{true};
  parallel_for(0, outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, k * inner)), [&](int64_t o0, int64_t o1) {
    // Branch-free: an index out of range reads position 0 and is reported after its row.
    for (int64_t o = o0; o < o1; ++o) {
      const T* s = src + o * size * inner;
      bool bad = false;
      // The reads of a row are scattered over it, which defeats the hardware prefetcher: ask for the row after
      // next, whole, when rows are small enough to be read whole.
      if (o + 2 < o1 && size * inner * static_cast<int64_t>(sizeof(T)) <= kPrefetchBytes) {
        const char* next = reinterpret_cast<const char*>(s + 2 * size * inner);
        for (int64_t b = 0; b < size * inner * static_cast<int64_t>(sizeof(T)); b += 64) __builtin_prefetch(next + b);
      }
      if (inner == 1) {  // along the last dim
        const int64_t* ir = idx + o * k;
        T* y = out + o * k;
        for (int64_t j = 0; j < k; ++j) {
          const bool on = in_range(ir[j], size);
          bad |= !on;
          y[j] = s[on ? ir[j] : 0];
        }
      } else {
        for (int64_t j = 0; j < k; ++j) {
          const int64_t* ir = idx + (o * k + j) * inner;
          T* y = out + (o * k + j) * inner;
          for (int64_t c = 0; c < inner; ++c) {
            const bool on = in_range(ir[c], size);
            bad |= !on;
            y[c] = s[(on ? ir[c] : 0) * inner + c];
          }
        }
      }
      if (bad) {
        ok.store(false, std::memory_order_relaxed);
        return;
      }
    }
  });
  return ok.load();
}
}  // namespace

bool gather_lines(const char* src, char* out, const int64_t* idx, int64_t outer, int64_t size, int64_t k,
                  int64_t inner, int64_t elem) {
  switch (elem) {
    case 1:
      return gather_lines_t(reinterpret_cast<const uint8_t*>(src), reinterpret_cast<uint8_t*>(out), idx, outer, size, k, inner);
      break;
    case 2:
      return gather_lines_t(reinterpret_cast<const uint16_t*>(src), reinterpret_cast<uint16_t*>(out), idx, outer, size, k,
                            inner);
    case 4:
      return gather_lines_t(reinterpret_cast<const uint32_t*>(src), reinterpret_cast<uint32_t*>(out), idx, outer, size, k,
                     inner);
    default:  // 8
      return gather_lines_t(reinterpret_cast<const uint64_t*>(src), reinterpret_cast<uint64_t*>(out), idx, outer, size, k,
                     inner);
  }
}

template <class T>
bool gather_add_lines(T* dst, const T* g, const int64_t* idx, int64_t outer, int64_t size, int64_t k, int64_t inner) {
  std::atomic<bool> ok{true};
  for_column_blocks(outer, inner, k, [&](int64_t o, int64_t c0, int64_t c1) {
    T* d = dst + o * size * inner;
    // The block's part of dst zeroed right before its sums land there (in cache, not a separate pass)
    if (c1 - c0 == inner)
      std::memset(d, 0, static_cast<size_t>(size * inner) * sizeof(T));
    else
      for (int64_t i = 0; i < size; ++i) std::memset(d + i * inner + c0, 0, static_cast<size_t>(c1 - c0) * sizeof(T));
    bool bad = false;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t* ir = idx + (o * k + j) * inner;
      const T* s = g + (o * k + j) * inner;
      for (int64_t c = c0; c < c1; ++c) {
        const bool on = in_range(ir[c], size);
        bad |= !on;
        d[(on ? ir[c] : 0) * inner + c] += on ? s[c] : T(0);
      }
    }
    if (bad) ok.store(false, std::memory_order_relaxed);
  });
  return ok.load();
}

#define FG_INDEX_INSTANTIATE(T)                                                                                 \
  template void index_add_rows<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t, int64_t); \
  template bool gather_add_lines<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t);

FG_INDEX_INSTANTIATE(float)
FG_INDEX_INSTANTIATE(double)

void one_hot_rows(int64_t* out, const int64_t* idx, int64_t n, int64_t classes) {
  for (int64_t i = 0; i < n; ++i) out[i * classes + idx[i]] = 1;
}

}  // namespace fastgrad::cpu

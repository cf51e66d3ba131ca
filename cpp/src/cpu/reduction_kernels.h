// Scans (cumsum, cumprod and cumprod's gradient) and extremes (max / min with their first position) along one
// dim, for one instruction-set level (Note [CPU dispatch] in dispatch.h). Included by the ISA translation units
// after isa_kernels.h. The layout is (outer, n, inner), scanned or reduced along n (LineBlock in dispatch.h):
// - inner == 1 (the last dim): lines are contiguous rows; scans run several rows side by side, one row per
//   vector lane (independent chains; each line still accumulates in order): float rows at AVX2 and up eight at a
//   time through 8x8 transposes in registers, other rows through a transposed tile in memory. Extremes run one
//   row in vector lanes.
// - inner > 1: vectorised across the contiguous columns, sweeping the rows of a block of at most kColBlock
//   columns in memory order with the running values in a small buffer.
// Every output element is computed the same way whatever block it falls in, so results do not depend on how
// cpu/reductions.cpp splits the work between threads.
#pragma once

#include <limits>

#include "norm_kernels.h"

namespace fastgrad::cpu::FG_ISA {

constexpr int kRows = 8;
constexpr int64_t kColBlock = 512;

// ---- scans: accumulated in double in order along the line (PyTorch's CPU cumsum/cumprod), rounded per element
// to T ----

// Contiguous rows scanned kRows at a time through a transposed tile of kTile positions in double: the rows'
// values are copied in (row by row, in memory order), scanned with the rows in vector lanes (kRows independent
// chains, each in order along its row), and copied out. (Walking kRows rows side by side in memory instead
// puts loads and stores 4 KiB apart, which the CPU serialises.)
template <class T, bool reverse>
struct RowTiles {
  static constexpr int64_t kTile = 64;
  int64_t n;
  int rows;
  double init;
  double tile[kTile][kRows];
  RowTiles(int64_t n_, int64_t rows_, double init_) : n(n_), rows(static_cast<int>(rows_)), init(init_) {
    if (rows < kRows)  // lanes of absent rows: scanned, never written out
      for (auto& t : tile)
        for (double& v : t) v = init;
  }
  // in(k, j): row k's value at j; op(acc, v); out(k, j, acc) with the running value at j.
  template <class In, class Op, class Out>
  FG_VINLINE void run(In in, Op op, Out out) {
    double acc[kRows];
    for (int k = 0; k < kRows; ++k) acc[k] = init;
    for (int64_t done = 0; done < n; done += kTile) {
      const int64_t len = std::min<int64_t>(kTile, n - done), lo = reverse ? n - done - len : done;
      for (int k = 0; k < rows; ++k)
        for (int64_t u = 0; u < len; ++u) tile[u][k] = in(k, lo + u);
      for (int64_t s = 0; s < len; ++s) {
        const int64_t u = reverse ? len - 1 - s : s;
        for (int k = 0; k < kRows; ++k) tile[u][k] = acc[k] = op(acc[k], tile[u][k]);
      }
      for (int k = 0; k < rows; ++k)
        for (int64_t u = 0; u < len; ++u) out(k, lo + u, tile[u][k]);
    }
  }
};

#if defined(__AVX2__)
// Float rows at AVX2 and above: eight rows at a time, 8x8 blocks transposed in registers so that each row sits in
// one lane of a vector of eight doubles, scanned with one vector op per position (eight chains, each in order
// along its row: PyTorch's rounding), transposed back and stored. About a quarter of the tile copies' time.

// r[j][k] = r[k][j] for 8 vectors of 8 floats.
FG_VINLINE void transpose8(__m256 (&r)[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// y = the scan of the eight rows of n at a (row stride n), of a * m elementwise when `product_input` (cumprod's
// gradient: the float products of g and out).
template <bool prod, bool reverse, bool product_input>
FG_VINLINE void scan8_rows(const float* a, const float* m, float* y, int64_t n) {
  typedef float F8 __attribute__((vector_size(32)));
  typedef double D8 __attribute__((vector_size(64)));
  D8 acc = (prod ? 1.0 : 0.0) - D8{};
  const int64_t tail = n % 8;
  auto block = [&](int64_t j0) {
    __m256 r[8];
    for (int k = 0; k < 8; ++k) {
      r[k] = _mm256_loadu_ps(a + k * n + j0);
      if constexpr (product_input) r[k] = _mm256_mul_ps(r[k], _mm256_loadu_ps(m + k * n + j0));
    }
    transpose8(r);
    for (int s = 0; s < 8; ++s) {
      const int j = reverse ? 7 - s : s;
      const D8 v = __builtin_convertvector(reinterpret_cast<F8>(r[j]), D8);
      acc = prod ? acc * v : acc + v;
      r[j] = reinterpret_cast<__m256>(__builtin_convertvector(acc, F8));
    }
    transpose8(r);
    for (int k = 0; k < 8; ++k) _mm256_storeu_ps(y + k * n + j0, r[k]);
  };
  auto one = [&](int64_t j) {
    for (int k = 0; k < 8; ++k) {
      const float v = product_input ? a[k * n + j] * m[k * n + j] : a[k * n + j];
      acc[k] = prod ? acc[k] * static_cast<double>(v) : acc[k] + static_cast<double>(v);
      y[k * n + j] = static_cast<float>(acc[k]);
    }
  };
  if (!reverse) {
    for (int64_t j0 = 0; j0 + 8 <= n; j0 += 8) block(j0);
    for (int64_t j = n - tail; j < n; ++j) one(j);
  } else {
    for (int64_t j0 = n - 8; j0 >= tail; j0 -= 8) block(j0);
    for (int64_t j = tail - 1; j >= 0; --j) one(j);
  }
}
#endif

template <class T, bool prod, bool reverse>
void scan_impl(const T* x, T* y, const LineBlock& b) {
  constexpr int W = Vec<T>::N;
  const int64_t n = b.n, inner = b.inner;
  const double init = prod ? 1.0 : 0.0;
  if (inner == 1) {
    int64_t o = b.o0;
#if defined(__AVX2__)
    if constexpr (std::is_same_v<T, float>)
      for (; o + 8 <= b.o1; o += 8) scan8_rows<prod, reverse, false>(x + o * n, nullptr, y + o * n, n);
#endif
    for (; o < b.o1; o += kRows) {
      RowTiles<T, reverse> tiles(n, std::min<int64_t>(kRows, b.o1 - o), init);
      tiles.run(
          [&](int k, int64_t j) { return static_cast<double>(x[(o + k) * n + j]); },
          [&](double acc, double v) { return prod ? acc * v : acc + v; },
          [&](int k, int64_t j, double acc) { y[(o + k) * n + j] = static_cast<T>(acc); });
    }
    return;
  }
  WideT<T> acc[kColBlock / W + 1];
  for (int64_t o = b.o0; o < b.o1; ++o) {
    for (int64_t c0 = b.c0; c0 < b.c1; c0 += kColBlock) {
      const int64_t width = std::min<int64_t>(kColBlock, b.c1 - c0);
      const int64_t vecs = (width + W - 1) / W;
      for (int64_t v = 0; v < vecs; ++v) acc[v] = init - WideT<T>{};
      for (int64_t s = 0; s < n; ++s) {
        const int64_t j = reverse ? n - 1 - s : s;
        const int64_t base = (o * n + j) * inner + c0;
        for (int64_t v = 0; v < vecs; ++v) {
          const int64_t m = std::min<int64_t>(W, width - v * W);
          const WideT<T> xv = to_wide<T>(load_n(x + base + v * W, m));
          acc[v] = prod ? acc[v] * xv : acc[v] + xv;
          store_n(y + base + v * W, __builtin_convertvector(acc[v], VecT<T>), m);
        }
      }
    }
  }
}

template <class T>
void k_scan(const T* x, T* y, const LineBlock& b, bool prod, bool reverse) {
  if (prod) reverse ? scan_impl<T, true, true>(x, y, b) : scan_impl<T, true, false>(x, y, b);
  else reverse ? scan_impl<T, false, true>(x, y, b) : scan_impl<T, false, false>(x, y, b);
}

// cumprod's gradient where x holds no zero: r_j = T(sum_{i >= j} T(g_i * out_i), in double from the end) / x_j,
// the rounding of reverse_cumsum(g * out) / x. False when a zero of x is met.
template <class T>
bool k_cumprod_backward(const T* g, const T* out, const T* x, T* r, const LineBlock& b) {
  constexpr int W = Vec<T>::N;
  const int64_t n = b.n, inner = b.inner;
  bool ok = true;
  if (inner == 1) {
    int64_t o = b.o0;
#if defined(__AVX2__)
    if constexpr (std::is_same_v<T, float>) {
      int zero = 0;
      for (; o + 8 <= b.o1; o += 8) {
        scan8_rows<false, true, true>(g + o * n, out + o * n, r + o * n, n);
        for (int64_t i = o * n; i < (o + 8) * n; ++i) {
          zero |= x[i] == 0.0f;
          r[i] = r[i] / x[i];
        }
      }
      ok = zero == 0;
    }
#endif
    for (; o < b.o1; o += kRows) {
      RowTiles<T, true> tiles(n, std::min<int64_t>(kRows, b.o1 - o), 0.0);
      tiles.run(
          [&](int k, int64_t j) { return static_cast<double>(g[(o + k) * n + j] * out[(o + k) * n + j]); },
          [](double acc, double v) { return acc + v; },
          [&](int k, int64_t j, double acc) {
            const int64_t at = (o + k) * n + j;
            ok &= x[at] != T(0);
            r[at] = static_cast<T>(acc) / x[at];
          });
    }
    return ok;
  }
  WideT<T> acc[kColBlock / W + 1];
  IntT<T> zero{};
  for (int64_t o = b.o0; o < b.o1; ++o) {
    for (int64_t c0 = b.c0; c0 < b.c1; c0 += kColBlock) {
      const int64_t width = std::min<int64_t>(kColBlock, b.c1 - c0);
      const int64_t vecs = (width + W - 1) / W;
      for (int64_t v = 0; v < vecs; ++v) acc[v] = WideT<T>{};
      for (int64_t j = n - 1; j >= 0; --j) {
        const int64_t base = (o * n + j) * inner + c0;
        for (int64_t v = 0; v < vecs; ++v) {
          const int64_t m = std::min<int64_t>(W, width - v * W), at = base + v * W;
          acc[v] += to_wide<T>(load_n(g + at, m) * load_n(out + at, m));
          VecT<T> xv = load_n(x + at, m);
          if (m < W) xv = select(lane_ids<T>() < static_cast<LaneInt<T>>(m), xv, splat<T>(1));
          zero |= xv == T(0);
          store_n(r + at, __builtin_convertvector(acc[v], VecT<T>) / xv, m);
        }
      }
    }
  }
  for (int k = 0; k < W; ++k) ok &= zero[k] == 0;
  return ok;
}

// ---- extremes (Note [Extremes and NaN] in ops/minmax.cpp): a value replaces the best so far when it is
// strictly better or NaN where the best is not, so each lane keeps its first extreme or first NaN ----

template <class T>
FG_VINLINE IntT<T> improves(VecT<T> v, VecT<T> best, bool is_max) {
  return (is_max ? v > best : v < best) | ((v != v) & (best == best));
}

// The extreme of a contiguous row without its position, careful version: four vector accumulators, NaN kept on
// the side (a lane keeps the last NaN it saw: a blend, cheaper than or-ing comparison masks).
template <class T, bool IsMax>
FG_VINLINE T row_extreme_careful(const T* x, int64_t n) {
  constexpr int W = Vec<T>::N;
  const T identity = IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  auto better = [](VecT<T> v, VecT<T> best) { return select(IsMax ? v > best : v < best, v, best); };
  VecT<T> best[4];
  for (auto& v : best) v = splat<T>(identity);
  VecT<T> nan{};
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W)
    for (int q = 0; q < 4; ++q) {
      const VecT<T> v = load(x + i + q * W);
      nan = select(v != v, v, nan);
      best[q] = better(v, best[q]);
    }
  for (; i + W <= n; i += W) {
    const VecT<T> v = load(x + i);
    nan = select(v != v, v, nan);
    best[0] = better(v, best[0]);
  }
  if (i < n) {
    const VecT<T> v = select(lane_ids<T>() < static_cast<LaneInt<T>>(n - i), load_tail(x + i, n - i),
                             splat<T>(identity));
    nan = select(v != v, v, nan);
    best[0] = better(v, best[0]);
  }
  // Across lanes by halving (the order of the comparisons does not matter without NaN).
  alignas(64) T lanes[W];
  store(lanes, nan);
  for (int k = 0; k < W; ++k)
    if (lanes[k] != lanes[k]) return std::numeric_limits<T>::quiet_NaN();
  store(lanes, better(better(best[0], best[1]), better(best[2], best[3])));
  for (int w = W / 2; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) lanes[k] = (IsMax ? lanes[k + w] > lanes[k] : lanes[k + w] < lanes[k]) ? lanes[k + w] : lanes[k];
  return lanes[0];
}

// The extreme of a contiguous row without its position: one max (min) instruction per vector, which ignores
// NaN, and a running v * 0 + s, which turns NaN where the row holds a NaN or an infinity; then (rarely) the
// careful pass decides. Four accumulators of each.
template <class T, bool IsMax>
FG_VINLINE T row_extreme(const T* x, int64_t n) {
  constexpr int W = Vec<T>::N;
  const T identity = IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  auto better = [](VecT<T> v, VecT<T> best) { return IsMax ? vmax(v, best) : vmin(v, best); };
  const VecT<T> zero{};
  VecT<T> best[4], probe[4];
  for (int q = 0; q < 4; ++q) best[q] = splat<T>(identity), probe[q] = zero;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W)
    for (int q = 0; q < 4; ++q) {
      VecT<T> v = load(x + i + q * W);
      // One load per vector: without this empty asm GCC folds the load into the fmadd and loads again for the
      // max, and two loads per vector halve the throughput from L2 (amax over a 1 MB row:
      // 18.1 us, torch 15.3 us).
#if defined(__x86_64__)
      asm("" : "+v"(v));
#endif
      probe[q] = fmadd(v, zero, probe[q]);
      best[q] = better(v, best[q]);
    }
  for (; i + W <= n; i += W) {
    const VecT<T> v = load(x + i);
    probe[0] = fmadd(v, zero, probe[0]);
    best[0] = better(v, best[0]);
  }
  if (i < n) {
    const VecT<T> v = load_tail(x + i, n - i);  // zero-padded: the zeros are not compared
    probe[0] = fmadd(v, zero, probe[0]);
    best[0] = select(lane_ids<T>() < static_cast<LaneInt<T>>(n - i), better(v, best[0]), best[0]);
  }
  alignas(64) T lanes[W];
  store(lanes, (probe[0] + probe[1]) + (probe[2] + probe[3]));
  for (int k = 0; k < W; ++k)
    if (lanes[k] != lanes[k]) return row_extreme_careful<T, IsMax>(x, n);
  store(lanes, better(better(best[0], best[1]), better(best[2], best[3])));
  for (int w = W / 2; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) lanes[k] = (IsMax ? lanes[k + w] > lanes[k] : lanes[k + w] < lanes[k]) ? lanes[k + w] : lanes[k];
  return lanes[0];
}

// Strided lines: the columns of a block in vector lanes, the rows swept in memory order. With positions, a lane
// takes a value that improves on it (see `improves`); values only, the extreme ignoring NaN and, on the side,
// the last NaN seen, which wins at the end.
template <class T, bool IsMax, bool WithIndex>
void columns_extreme(const T* x, T* values, int64_t* indices, const LineBlock& b) {
  constexpr int W = Vec<T>::N;
  using L = LaneInt<T>;
  const int64_t n = b.n, inner = b.inner;
  VecT<T> best[kColBlock / W + 1], nan[kColBlock / W + 1];
  IntT<T> at[kColBlock / W + 1];
  for (int64_t o = b.o0; o < b.o1; ++o) {
    for (int64_t c0 = b.c0; c0 < b.c1; c0 += kColBlock) {
      const int64_t width = std::min<int64_t>(kColBlock, b.c1 - c0);
      const int64_t full = width / W, vecs = (width + W - 1) / W, rest = width - full * W;
      const T* xo = x + o * n * inner + c0;
      for (int64_t v = 0; v < vecs; ++v) {
        best[v] = load_n(xo + v * W, std::min<int64_t>(W, width - v * W));
        nan[v] = best[v];
        at[v] = IntT<T>{};
      }
      auto step = [&](int64_t v, VecT<T> xv, IntT<T> jv) {
        if constexpr (WithIndex) {
          const IntT<T> take = improves<T>(xv, best[v], IsMax);
          best[v] = select(take, xv, best[v]);
          at[v] = select(take, jv, at[v]);
        } else {
          best[v] = select(IsMax ? xv > best[v] : xv < best[v], xv, best[v]);
          nan[v] = select(xv != xv, xv, nan[v]);
        }
      };
      for (int64_t j = 1; j < n; ++j) {
        const IntT<T> jv = IntT<T>{} + static_cast<L>(j);
        const T* xj = xo + j * inner;
        for (int64_t v = 0; v < full; ++v) step(v, load(xj + v * W), jv);
        if (rest) step(full, load_tail(xj + full * W, rest), jv);
      }
      for (int64_t v = 0; v < vecs; ++v) {
        const int64_t m = std::min<int64_t>(W, width - v * W), out = o * inner + c0 + v * W;
        if constexpr (!WithIndex) best[v] = select(nan[v] != nan[v], nan[v], best[v]);
        for (int64_t k = 0; k < m; ++k) {
          if (values) values[out + k] = best[v][k];
          if constexpr (WithIndex) indices[out + k] = at[v][k];
        }
      }
    }
  }
}

template <class T>
void k_extreme(const T* x, T* values, int64_t* indices, const LineBlock& b, bool is_max) {
  constexpr int W = Vec<T>::N;
  using L = LaneInt<T>;
  const int64_t n = b.n, inner = b.inner;
  const T identity = is_max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  if (inner == 1 && !indices) {
    for (int64_t o = b.o0; o < b.o1; ++o)
      values[o] = is_max ? row_extreme<T, true>(x + o * n, n) : row_extreme<T, false>(x + o * n, n);
    return;
  }
  if (inner == 1) {
    const IntT<T> ids = lane_ids<T>();
    for (int64_t o = b.o0; o < b.o1; ++o) {
      const T* xr = x + o * n;
      VecT<T> best = splat<T>(identity);
      IntT<T> at = IntT<T>{} + static_cast<L>(0);
      int64_t i = 0;
      for (; i + W <= n; i += W) {
        const VecT<T> v = load(xr + i);
        const IntT<T> take = improves<T>(v, best, is_max);
        best = select(take, v, best);
        at = select(take, ids + static_cast<L>(i), at);
      }
      if (i < n) {
        const VecT<T> v = load_tail(xr + i, n - i);
        const IntT<T> take = improves<T>(v, best, is_max) & (ids < static_cast<L>(n - i));
        best = select(take, v, best);
        at = select(take, ids + static_cast<L>(i), at);
      }
      // Across lanes: the first NaN if any, else the extreme at its smallest position. A lane that never
      // improved holds the identity at position 0, right when the whole line is that infinity.
      T bv = best[0];
      int64_t bi = at[0];
      for (int k = 1; k < W; ++k) {
        const T v = best[k];
        const int64_t p = at[k];
        const bool nan_v = v != v, nan_b = bv != bv;
        bool take;
        if (nan_b) take = nan_v && p < bi;
        else if (nan_v) take = true;
        else take = (is_max ? v > bv : v < bv) || (v == bv && p < bi);
        if (take) {
          bv = v;
          bi = p;
        }
      }
      if (values) values[o] = bv;
      if (indices) indices[o] = bi;
    }
    return;
  }
  if (is_max)
    indices ? columns_extreme<T, true, true>(x, values, indices, b) : columns_extreme<T, true, false>(x, values, indices, b);
  else
    indices ? columns_extreme<T, false, true>(x, values, indices, b) : columns_extreme<T, false, false>(x, values, indices, b);
}

inline void fill_reductions(KernelTable& t) {
  t.scan_f32 = k_scan<float>;
  t.scan_f64 = k_scan<double>;
  t.cumprod_backward_f32 = k_cumprod_backward<float>;
  t.cumprod_backward_f64 = k_cumprod_backward<double>;
  t.extreme_f32 = k_extreme<float>;
  t.extreme_f64 = k_extreme<double>;
}

}  // namespace fastgrad::cpu::FG_ISA

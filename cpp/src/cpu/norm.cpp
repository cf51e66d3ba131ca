// See Note [Normalisation numerics] in norm.h. layer_norm's backward and rms_norm: plain contiguous loops that the
// compiler vectorises; batch_norm, group_norm and layer_norm's forward: the per-level vector kernels of the
// dispatch table (norm_kernels.h, Note [CPU dispatch]), threaded here over channels, (sample, group) rows or rows.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dispatch.h"
#include "fastgrad/parallel.h"

namespace fastgrad::cpu {

namespace {

// Elements below which a kernel stays on the calling thread (as kElementwiseGrain in loops.h).
constexpr int64_t kGrain = 32768;
// Rows summed into one block of partial parameter gradients (a T lane adds at most this many terms).
constexpr int64_t kRowBlock = 16;

int64_t grain_for(int64_t work_per_item) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, work_per_item)); }

constexpr int kLanes = 16;  // accumulators in T
constexpr int kDepth = 16;  // terms each T accumulator adds before it is flushed into double

double fold(double* acc) {
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) acc[k] += acc[k + w];
  return acc[0];
}

// sum of term(i) for i in [0, n), in double (T lanes of at most kDepth terms, flushed into double lanes).
template <class T, class Term>
inline double sum_of(int64_t n, Term term) {
  double acc[kLanes] = {};
  int64_t i = 0;
  while (n - i >= kLanes) {
    const int64_t depth = std::min<int64_t>(kDepth, (n - i) / kLanes);
    T lane[kLanes] = {};
    for (int64_t j = 0; j < depth; ++j) {
      const int64_t base = i + j * kLanes;
      for (int k = 0; k < kLanes; ++k) lane[k] += term(base + k);
    }
    for (int k = 0; k < kLanes; ++k) acc[k] += static_cast<double>(lane[k]);
    i += depth * kLanes;
  }
  double tail = 0;
  for (; i < n; ++i) tail += static_cast<double>(term(i));
  return fold(acc) + tail;
}

// Two sums at once (one read of the operands).
template <class T, class Term1, class Term2>
inline void sums_of(int64_t n, Term1 t1, Term2 t2, double& s1, double& s2) {
  double a1[kLanes] = {}, a2[kLanes] = {};
  int64_t i = 0;
  while (n - i >= kLanes) {
    const int64_t depth = std::min<int64_t>(kDepth, (n - i) / kLanes);
    T l1[kLanes] = {}, l2[kLanes] = {};
    for (int64_t j = 0; j < depth; ++j) {
      const int64_t base = i + j * kLanes;
      for (int k = 0; k < kLanes; ++k) {
        l1[k] += t1(base + k);
        l2[k] += t2(base + k);
      }
    }
    for (int k = 0; k < kLanes; ++k) {
      a1[k] += static_cast<double>(l1[k]);
      a2[k] += static_cast<double>(l2[k]);
    }
    i += depth * kLanes;
  }
  double r1 = 0, r2 = 0;
  for (; i < n; ++i) {
    r1 += static_cast<double>(t1(i));
    r2 += static_cast<double>(t2(i));
  }
  s1 = fold(a1) + r1;
  s2 = fold(a2) + r2;
}

// Column sums of the [blocks, n] partials in block order, into out (double sums rounded to T).
template <class T>
void reduce_blocks(const std::vector<T>& part, int64_t blocks, int64_t n, T* out) {
  parallel_for(0, n, grain_for(blocks), [&](int64_t j0, int64_t j1) {
    std::vector<double> acc(static_cast<size_t>(j1 - j0), 0.0);
    for (int64_t b = 0; b < blocks; ++b) {
      const T* p = part.data() + b * n;
      for (int64_t j = j0; j < j1; ++j) acc[j - j0] += static_cast<double>(p[j]);
    }
    for (int64_t j = j0; j < j1; ++j) out[j] = static_cast<T>(acc[j - j0]);
  });
}

}  // namespace

// ---- layer_norm ----

template <class T>
void layer_norm_forward(const T* x, const T* gamma, const T* beta, int64_t M, int64_t N, double eps, T* y, T* mean,
                        T* rstd) {
  if (N == 0) {
    // No elements per row: PyTorch's statistics of an empty row (mean 0/0, rstd of var 0/0).
    for (int64_t r = 0; r < M; ++r) mean[r] = rstd[r] = static_cast<T>(NAN);
    return;
  }
  NormArgs<T> a;
  a.x = x, a.gamma = gamma, a.beta = beta;
  a.N = M, a.S = N, a.eps = eps;
  a.y = y, a.mean_out = mean, a.rstd_out = rstd;
  const auto k = norm_kernel<T>(NormOp::LayerForward);
  parallel_for(0, M, grain_for(N), [&](int64_t r0, int64_t r1) { k(a, r0, r1); });
}

template <class T>
void layer_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma, int64_t M, int64_t N,
                         T* dx, T* dgamma, T* dbeta) {
  if (N == 0) return;
  const int64_t blocks = (M + kRowBlock - 1) / kRowBlock;
  std::vector<T> pg(dgamma ? static_cast<size_t>(blocks * N) : 0), pb(dbeta ? static_cast<size_t>(blocks * N) : 0);
  const T scale = T(1) / static_cast<T>(N);
  parallel_for(0, blocks, grain_for(kRowBlock * N), [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      T* g = dgamma ? pg.data() + blk * N : nullptr;
      T* bb = dbeta ? pb.data() + blk * N : nullptr;
      for (int64_t r = blk * kRowBlock; r < std::min(M, (blk + 1) * kRowBlock); ++r) {
        const T* dyr = dy + r * N;
        const T* xr = x + r * N;
        const T a = rstd[r], m = mean[r];
        if (dx) {
          // dx = a * dy * gamma + b * (x - mean) + c with per-row coefficients from the sums
          // ds = sum(dy * gamma * (x - mean)) and db = sum(dy * gamma): b = -ds * a^3 / N, c = -db * a / N.
          // (PyTorch's b * x + c' form cancels for a row far from 0; the centred one does not.)
          double ds_d, db_d;
          if (gamma)
            sums_of<T>(N, [&](int64_t i) { return dyr[i] * gamma[i] * (xr[i] - m); },
                       [&](int64_t i) { return dyr[i] * gamma[i]; }, ds_d, db_d);
          else
            sums_of<T>(N, [&](int64_t i) { return dyr[i] * (xr[i] - m); }, [&](int64_t i) { return dyr[i]; }, ds_d,
                       db_d);
          const T ds = static_cast<T>(ds_d), db = static_cast<T>(db_d);
          const T b = -ds * a * a * a * scale;
          const T c = -(db * a * scale);
          T* dxr = dx + r * N;
          if (gamma)
            for (int64_t i = 0; i < N; ++i) dxr[i] = a * dyr[i] * gamma[i] + b * (xr[i] - m) + c;
          else
            for (int64_t i = 0; i < N; ++i) dxr[i] = a * dyr[i] + b * (xr[i] - m) + c;
        }
        if (g) {
          if (r == blk * kRowBlock)
            for (int64_t i = 0; i < N; ++i) g[i] = dyr[i] * ((xr[i] - m) * a);
          else
            for (int64_t i = 0; i < N; ++i) g[i] += dyr[i] * ((xr[i] - m) * a);
        }
        if (bb) {
          if (r == blk * kRowBlock)
            for (int64_t i = 0; i < N; ++i) bb[i] = dyr[i];
          else
            for (int64_t i = 0; i < N; ++i) bb[i] += dyr[i];
        }
      }
    }
  });
  if (dgamma) reduce_blocks(pg, blocks, N, dgamma);
  if (dbeta) reduce_blocks(pb, blocks, N, dbeta);
}

// ---- rms_norm ----

template <class T>
void rms_norm_forward(const T* x, const T* gamma, int64_t M, int64_t N, double eps, T* y, T* rstd) {
  parallel_for(0, M, grain_for(N), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * N;
      const double ss = sum_of<T>(N, [xr](int64_t i) { return xr[i] * xr[i]; });
      // PyTorch's composite: rsqrt(mean(x * x) + eps) in T.
      const T a = rstd_in_t<T>(N ? ss / static_cast<double>(N) : NAN, eps);
      rstd[r] = a;
      T* yr = y + r * N;
      if (gamma)
        for (int64_t i = 0; i < N; ++i) yr[i] = (xr[i] * a) * gamma[i];
      else
        for (int64_t i = 0; i < N; ++i) yr[i] = xr[i] * a;
    }
  });
}

template <class T>
void rms_norm_backward(const T* dy, const T* x, const T* rstd, const T* gamma, int64_t M, int64_t N, T* dx,
                       T* dgamma) {
  if (N == 0) return;
  const int64_t blocks = (M + kRowBlock - 1) / kRowBlock;
  std::vector<T> pg(dgamma ? static_cast<size_t>(blocks * N) : 0);
  parallel_for(0, blocks, grain_for(kRowBlock * N), [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; ++blk) {
      T* g = dgamma ? pg.data() + blk * N : nullptr;
      for (int64_t r = blk * kRowBlock; r < std::min(M, (blk + 1) * kRowBlock); ++r) {
        const T* dyr = dy + r * N;
        const T* xr = x + r * N;
        const T a = rstd[r];
        if (dx) {
          // dx = a * dy * gamma - x * a^3 * mean(dy * gamma * x)
          const double dot = gamma ? sum_of<T>(N, [&](int64_t i) { return dyr[i] * gamma[i] * xr[i]; })
                                   : sum_of<T>(N, [&](int64_t i) { return dyr[i] * xr[i]; });
          const double ad = a;
          const T c = static_cast<T>(-ad * ad * ad * dot / static_cast<double>(N));
          T* dxr = dx + r * N;
          if (gamma)
            for (int64_t i = 0; i < N; ++i) dxr[i] = dyr[i] * gamma[i] * a + xr[i] * c;
          else
            for (int64_t i = 0; i < N; ++i) dxr[i] = dyr[i] * a + xr[i] * c;
        }
        if (g) {
          if (r == blk * kRowBlock)
            for (int64_t i = 0; i < N; ++i) g[i] = dyr[i] * (xr[i] * a);
          else
            for (int64_t i = 0; i < N; ++i) g[i] += dyr[i] * (xr[i] * a);
        }
      }
    }
  });
  if (dgamma) reduce_blocks(pg, blocks, N, dgamma);
}

// ---- batch_norm and group_norm: the vector kernels of the dispatch table (norm_kernels.h), threaded here ----

template <class T>
void batch_norm_stats(const T* x, int64_t N, int64_t C, int64_t S, double eps, T* mean, T* rstd, double* var,
                      const T* gamma, const T* bias, T* y) {
  NormArgs<T> a;
  a.x = x, a.gamma = gamma, a.beta = bias, a.y = y;
  a.N = N, a.C = C, a.S = S, a.eps = eps;
  a.mean_out = mean, a.rstd_out = rstd, a.var_out = var;
  const auto k = norm_kernel<T>(NormOp::BatchStats);
  parallel_for(0, C, grain_for(N * S), [&](int64_t c0, int64_t c1) { k(a, c0, c1); });
}

template <class T>
void batch_norm_apply(const T* x, const T* mean, const T* rstd, const T* gamma, const T* bias, int64_t N, int64_t C,
                      int64_t S, T* y) {
  NormArgs<T> a;
  a.x = x, a.mean = mean, a.rstd = rstd, a.gamma = gamma, a.beta = bias;
  a.N = N, a.C = C, a.S = S;
  a.y = y;
  const auto k = norm_kernel<T>(NormOp::BatchApply);
  parallel_for(0, C, grain_for(N * S), [&](int64_t c0, int64_t c1) { k(a, c0, c1); });
}

template <class T>
void batch_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma, int64_t N, int64_t C,
                         int64_t S, bool train, T* dx, T* dgamma, T* dbeta) {
  NormArgs<T> a;
  a.dy = dy, a.x = x, a.mean = mean, a.rstd = rstd, a.gamma = gamma;
  a.N = N, a.C = C, a.S = S, a.train = train;
  a.dx = dx, a.dgamma = dgamma, a.dbeta = dbeta;
  const auto k = norm_kernel<T>(NormOp::BatchBackward);
  parallel_for(0, C, grain_for(N * S), [&](int64_t c0, int64_t c1) { k(a, c0, c1); });
}

template <class T>
void group_norm_forward(const T* x, const T* gamma, const T* beta, int64_t N, int64_t C, int64_t S, int64_t G,
                        double eps, T* y, T* mean, T* rstd) {
  NormArgs<T> a;
  a.x = x, a.gamma = gamma, a.beta = beta;
  a.N = N, a.C = C, a.S = S, a.G = G, a.eps = eps;
  a.y = y, a.mean_out = mean, a.rstd_out = rstd;
  const auto k = norm_kernel<T>(NormOp::GroupForward);
  parallel_for(0, N * G, grain_for(C / G * S), [&](int64_t r0, int64_t r1) { k(a, r0, r1); });
}

template <class T>
void group_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma, int64_t N, int64_t C,
                         int64_t S, int64_t G, T* dx, T* dgamma, T* dbeta) {
  const int64_t cg = C / G;
  // Per (n, c): ds = sum(dy * x), db = sum(dy) over the spatial positions, rounded to T (and dx).
  std::vector<T> ds(static_cast<size_t>(N * C)), db(static_cast<size_t>(N * C));
  NormArgs<T> a;
  a.dy = dy, a.x = x, a.mean = mean, a.rstd = rstd, a.gamma = gamma;
  a.N = N, a.C = C, a.S = S, a.G = G;
  a.dx = dx, a.ds = ds.data(), a.db = db.data();
  const auto k = norm_kernel<T>(NormOp::GroupBackward);
  parallel_for(0, N * G, grain_for(cg * S), [&](int64_t r0, int64_t r1) { k(a, r0, r1); });
  if (!dgamma && !dbeta) return;
  // Per channel, over the batch in order: dgamma = sum((ds - db * mean) * rstd), dbeta = sum(db).
  parallel_for(0, C, grain_for(N), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double sg = 0, sb = 0;
      for (int64_t n = 0; n < N; ++n) {
        const int64_t r = n * G + c / cg, nc = n * C + c;
        sg += static_cast<double>((ds[nc] - db[nc] * mean[r]) * rstd[r]);
        sb += static_cast<double>(db[nc]);
      }
      if (dgamma) dgamma[c] = static_cast<T>(sg);
      if (dbeta) dbeta[c] = static_cast<T>(sb);
    }
  });
}

#define FG_NORM_INSTANTIATE(T)                                                                                       \
  template void layer_norm_forward<T>(const T*, const T*, const T*, int64_t, int64_t, double, T*, T*, T*);         \
  template void layer_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, T*, T*, \
                                       T*);                                                                          \
  template void rms_norm_forward<T>(const T*, const T*, int64_t, int64_t, double, T*, T*);                         \
  template void rms_norm_backward<T>(const T*, const T*, const T*, const T*, int64_t, int64_t, T*, T*);            \
  template void batch_norm_stats<T>(const T*, int64_t, int64_t, int64_t, double, T*, T*, double*, const T*,       \
                                    const T*, T*);                                                                   \
  template void batch_norm_apply<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, int64_t,   \
                                    T*);                                                                             \
  template void batch_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, int64_t, \
                                       bool, T*, T*, T*);                                                            \
  template void group_norm_forward<T>(const T*, const T*, const T*, int64_t, int64_t, int64_t, int64_t, double, T*, \
                                      T*, T*);                                                                       \
  template void group_norm_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, int64_t, \
                                       int64_t, T*, T*, T*);

FG_NORM_INSTANTIATE(float)
FG_NORM_INSTANTIATE(double)

}  // namespace fastgrad::cpu

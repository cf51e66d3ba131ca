// The batch_norm and group_norm kernels of one instruction-set level (Note [CPU dispatch] in dispatch.h), with
// the numerics of Note [Normalisation numerics] (norm.h). Included by the ISA translation units after
// isa_kernels.h. Each kernel works on a range of independent units (batch_norm: channels; group_norm:
// (sample, group) rows), vectorised over the contiguous spatial runs; cpu/norm.cpp threads over the ranges,
// so a unit's result never depends on the thread count.
#pragma once

#include <cmath>

#include "isa_kernels.h"
#include "norm.h"

namespace fastgrad::cpu::FG_ISA {

// Vec<T>::N doubles: the lanes a T vector is flushed into.
template <class T>
struct Wide;
template <>
struct Wide<float> {
  typedef double V __attribute__((vector_size(FG_VEC_BYTES * 2)));
};
template <>
struct Wide<double> {
  typedef double V __attribute__((vector_size(FG_VEC_BYTES)));
};
template <class T>
using WideT = typename Wide<T>::V;

template <class T>
FG_VINLINE WideT<T> to_wide(VecT<T> v) {
  return __builtin_convertvector(v, WideT<T>);
}

// A sum in double of T vectors: two T accumulators (two add chains in flight), each lane adding at most kDepth
// terms before the accumulators are flushed into double lanes; the lanes are added in a fixed order at the end.
template <class T>
struct LaneSum {
  static constexpr int kDepth = 16;
  VecT<T> a{}, b{};
  WideT<T> total{};
  int depth = 0;
  FG_VINLINE void step() {
    if (++depth == kDepth) {
      total += to_wide<T>(a) + to_wide<T>(b);
      a = VecT<T>{};
      b = VecT<T>{};
      depth = 0;
    }
  }
  FG_VINLINE void add(VecT<T> v) {
    a += v;
    step();
  }
  FG_VINLINE void add2(VecT<T> v, VecT<T> w) {
    a += v;
    b += w;
    step();
  }
  FG_VINLINE double value() {
    WideT<T> t = total + (to_wide<T>(a) + to_wide<T>(b));
    double s = 0;
    for (int k = 0; k < Vec<T>::N; ++k) s += t[k];
    return s;
  }
};

// The terms f(i, m) (a vector of the terms i .. i + m, m <= W; lanes past m are ignored) of a run of n, summed.
template <class T, class F>
FG_VINLINE void run_sum(LaneSum<T>& s, int64_t n, F f) {
  constexpr int W = Vec<T>::N;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) s.add2(f(i, W), f(i + W, W));
  for (; i + W <= n; i += W) s.add(f(i, W));
  if (i < n) s.add(select(lane_ids<T>() < static_cast<LaneInt<T>>(n - i), f(i, n - i), VecT<T>{}));
}

// Two sums of one run: f(i, m, t1, t2) sets both terms.
template <class T, class F>
FG_VINLINE void run_sums(LaneSum<T>& s1, LaneSum<T>& s2, int64_t n, F f) {
  constexpr int W = Vec<T>::N;
  int64_t i = 0;
  VecT<T> t1, t2;
  for (; i + W <= n; i += W) {
    f(i, W, t1, t2);
    s1.add(t1);
    s2.add(t2);
  }
  if (i < n) {
    f(i, n - i, t1, t2);
    const auto on = lane_ids<T>() < static_cast<LaneInt<T>>(n - i);
    s1.add(select(on, t1, VecT<T>{}));
    s2.add(select(on, t2, VecT<T>{}));
  }
}

// The first m < N lanes from p (the others zero), and their store, as masked instructions where the level has
// them: a memcpy of a run-time length is a library call, and reading the vector it assembled on the stack
// stalls on store forwarding (it cost a quarter of group_norm's forward at 196-element runs).
template <class T>
FG_VINLINE VecT<T> load_tail(const T* p, int64_t m) {
#if FG_VEC_BYTES == 64
  if constexpr (sizeof(T) == 4) return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << m) - 1), p);
  else return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << m) - 1), p);
#elif FG_VEC_BYTES == 32 && defined(__AVX2__)
  const IntT<T> on = lane_ids<T>() < static_cast<LaneInt<T>>(m);
  if constexpr (sizeof(T) == 4) return _mm256_maskload_ps(p, reinterpret_cast<__m256i>(on));
  else return _mm256_maskload_pd(p, reinterpret_cast<__m256i>(on));
#else
  return load_partial(p, m);
#endif
}
template <class T>
FG_VINLINE void store_tail(T* p, VecT<T> v, int64_t m) {
#if FG_VEC_BYTES == 64
  if constexpr (sizeof(T) == 4) _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << m) - 1), v);
  else _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << m) - 1), v);
#elif FG_VEC_BYTES == 32 && defined(__AVX2__)
  const IntT<T> on = lane_ids<T>() < static_cast<LaneInt<T>>(m);
  if constexpr (sizeof(T) == 4) _mm256_maskstore_ps(p, reinterpret_cast<__m256i>(on), v);
  else _mm256_maskstore_pd(p, reinterpret_cast<__m256i>(on), v);
#else
  store_partial(p, v, m);
#endif
}

template <class T>
FG_VINLINE VecT<T> load_n(const T* p, int64_t m) {
  return m == Vec<T>::N ? load(p) : load_tail(p, m);
}
template <class T>
FG_VINLINE void store_n(T* p, VecT<T> v, int64_t m) {
  m == Vec<T>::N ? store(p, v) : store_tail(p, v, m);
}

// y[i] = f(i, m) over a run of n (full vectors, then the tail).
template <class T, class F>
FG_VINLINE void run_map(T* y, int64_t n, F f) {
  constexpr int W = Vec<T>::N;
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, f(i, W));
  if (i < n) store_tail(y + i, f(i, n - i), n - i);
}

// Mean (rounded to T) and biased variance (double) of the `runs` runs of `len` elements at x + r * stride: the
// mean, then the squares of the differences from it, corrected by the mean of those differences.
template <class T>
FG_VINLINE void moments(const T* x, int64_t runs, int64_t len, int64_t stride, T& mean, double& var) {
  const double n = static_cast<double>(runs * len);
  LaneSum<T> s1;
  for (int64_t r = 0; r < runs; ++r) {
    const T* p = x + r * stride;
    run_sum<T>(s1, len, [p](int64_t i, int64_t m) { return load_n(p + i, m); });
  }
  const double s = s1.value();
  const T mt = static_cast<T>(s / n);
  const VecT<T> mv = splat<T>(mt);
  LaneSum<T> s2;
  for (int64_t r = 0; r < runs; ++r) {
    const T* p = x + r * stride;
    run_sum<T>(s2, len, [p, mv](int64_t i, int64_t m) {
      const VecT<T> d = load_n(p + i, m) - mv;
      return d * d;
    });
  }
  double sq = s2.value();
  if (std::isinf(sq) && std::isfinite(s)) {
    // Finite inputs whose squared differences overflow T (a float32 group holding 1e30): the second pass
    // again in double, so that the variance is the group's, not inf (rare: scalar code is enough).
    sq = 0;
    for (int64_t r = 0; r < runs; ++r)
      for (int64_t i = 0; i < len; ++i) {
        const double d = static_cast<double>(x[r * stride + i]) - static_cast<double>(mt);
        sq += d * d;
      }
  }
  const double d1 = (s - static_cast<double>(mt) * n) / n;  // exactly 0 for a constant group
  double v = sq / n - d1 * d1;
  mean = mt;
  var = v < 0 ? 0 : v;
}

// a * b + c rounded once, as PyTorch's vectorised kernels compute it with FMA instructions. At the baseline
// level (no FMA) float runs through double (the product is exact there; the double rounding of the sum before
// the rounding to float almost never changes the result) and double is a * b + c.
FG_VINLINE VecT<float> fma_once(VecT<float> a, VecT<float> b, VecT<float> c) {
#if FG_VEC_BYTES == 64 || defined(__FMA__)
  return fmadd(a, b, c);
#else
  return __builtin_convertvector(to_wide<float>(a) * to_wide<float>(b) + to_wide<float>(c), VecT<float>);
#endif
}
FG_VINLINE VecT<double> fma_once(VecT<double> a, VecT<double> b, VecT<double> c) { return fmadd(a, b, c); }
template <class T>
FG_VINLINE T fma_once_scalar(T a, T b, T c) {
  return fma_once(splat<T>(a), splat<T>(b), splat<T>(c))[0];
}

// ---- batch_norm: units are channels ----

// y = x * alpha + beta over channel c, alpha = rstd * gamma, beta = bias - mean * alpha (two roundings, as
// PyTorch).
template <class T>
FG_VINLINE void batch_norm_apply_channel(const NormArgs<T>& a, int64_t c, T mean, T rstd) {
  const T alpha = a.gamma ? rstd * a.gamma[c] : rstd;
  const T beta = (a.beta ? a.beta[c] : T(0)) - mean * alpha;
  const VecT<T> av = splat<T>(alpha), bv = splat<T>(beta);
  for (int64_t n = 0; n < a.N; ++n) {
    const T* xr = a.x + (n * a.C + c) * a.S;
    run_map<T>(a.y + (n * a.C + c) * a.S, a.S, [xr, av, bv](int64_t i, int64_t m) { return load_n(xr + i, m) * av + bv; });
  }
}

// The batch statistics of each channel, and (when a.y is set) the output while the channel is in cache.
template <class T>
void k_batch_norm_stats(const NormArgs<T>& a, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) {
    T m;
    double v;
    moments(a.x + c * a.S, a.N, a.S, a.C * a.S, m, v);
    const T r = static_cast<T>(1.0 / std::sqrt(v + a.eps));  // PyTorch's batch statistics: invstd in double
    a.mean_out[c] = m;
    a.rstd_out[c] = r;
    if (a.var_out) a.var_out[c] = v;
    if (a.y) batch_norm_apply_channel(a, c, m, r);
  }
}

template <class T>
void k_batch_norm_apply(const NormArgs<T>& a, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) batch_norm_apply_channel(a, c, a.mean[c], a.rstd[c]);
}

template <class T>
void k_batch_norm_backward(const NormArgs<T>& a, int64_t c0, int64_t c1) {
  const double count = static_cast<double>(a.N * a.S);
  for (int64_t c = c0; c < c1; ++c) {
    const T m = a.mean[c], r = a.rstd[c];
    const VecT<T> mv = splat<T>(m);
    // sum(dy) and sum(dy * (x - mean)) over the channel
    LaneSum<T> s1, s2;
    for (int64_t n = 0; n < a.N; ++n) {
      const T* dyr = a.dy + (n * a.C + c) * a.S;
      const T* xr = a.x + (n * a.C + c) * a.S;
      run_sums<T>(s1, s2, a.S, [dyr, xr, mv](int64_t i, int64_t k, VecT<T>& t1, VecT<T>& t2) {
        t1 = load_n(dyr + i, k);
        t2 = t1 * (load_n(xr + i, k) - mv);
      });
    }
    const double sdy = s1.value(), dot = s2.value();
    if (a.dgamma) a.dgamma[c] = static_cast<T>(dot * static_cast<double>(r));
    if (a.dbeta) a.dbeta[c] = static_cast<T>(sdy);
    if (!a.dx) continue;
    const VecT<T> wa = splat<T>(a.gamma ? r * a.gamma[c] : r);
    if (a.train) {
      // dx = (dy - mean(dy) - (x - mean) * k) * rstd * gamma, k = sum(dy * (x - mean)) * rstd^2 / count
      const VecT<T> k = splat<T>(static_cast<T>(dot * static_cast<double>(r) * static_cast<double>(r) / count));
      const VecT<T> gm = splat<T>(static_cast<T>(sdy / count));
      for (int64_t n = 0; n < a.N; ++n) {
        const T* dyr = a.dy + (n * a.C + c) * a.S;
        const T* xr = a.x + (n * a.C + c) * a.S;
        run_map<T>(a.dx + (n * a.C + c) * a.S, a.S, [=](int64_t i, int64_t q) {
          return (load_n(dyr + i, q) - gm - (load_n(xr + i, q) - mv) * k) * wa;
        });
      }
    } else {
      for (int64_t n = 0; n < a.N; ++n) {
        const T* dyr = a.dy + (n * a.C + c) * a.S;
        run_map<T>(a.dx + (n * a.C + c) * a.S, a.S, [=](int64_t i, int64_t q) { return load_n(dyr + i, q) * wa; });
      }
    }
  }
}

// ---- group_norm: units are the (n, g) rows of D = C / G * S contiguous elements ----

template <class T>
void k_group_norm_forward(const NormArgs<T>& a, int64_t r0, int64_t r1) {
  const int64_t cg = a.C / a.G, D = cg * a.S;
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = a.x + r * D;
    T* yr = a.y + r * D;
    T m;
    double var;
    moments(xr, 1, D, D, m, var);
    // PyTorch's group statistics: rstd in double from the variance in T
    // (a variance beyond T's range keeps its double value, as in rstd_in_t)
    const double vt = std::isinf(static_cast<T>(var)) ? var : static_cast<double>(static_cast<T>(var));
    const T rs = static_cast<T>(1.0 / std::sqrt(vt + a.eps));
    a.mean_out[r] = m;
    a.rstd_out[r] = rs;
    if (!a.gamma && !a.beta) {  // PyTorch's plain path: (x - mean) * rstd, no FMA (a constant group gives zeros)
      const VecT<T> mv = splat<T>(m), av = splat<T>(rs);
      run_map<T>(yr, D, [xr, mv, av](int64_t i, int64_t q) { return (load_n(xr + i, q) - mv) * av; });
      continue;
    }
    const int64_t g = r % a.G;
    for (int64_t j = 0; j < cg; ++j) {
      const int64_t c = g * cg + j;
      // PyTorch's vectorised form: shift = fma(-scale, mean, beta), y = fma(x, scale, shift).
      const T scale = a.gamma ? rs * a.gamma[c] : rs;
      const T shift = fma_once_scalar<T>(-scale, m, a.beta ? a.beta[c] : T(0));
      const VecT<T> sv = splat<T>(scale), hv = splat<T>(shift);
      const T* xs = xr + j * a.S;
      run_map<T>(yr + j * a.S, a.S, [xs, sv, hv](int64_t i, int64_t q) { return fma_once(load_n(xs + i, q), sv, hv); });
    }
  }
}

// dx for the rows [r0, r1), and per (n, c) the sums ds = sum(dy * x), db = sum(dy) rounded to T (norm.cpp forms
// the parameter gradients from them).
template <class T>
void k_group_norm_backward(const NormArgs<T>& a, int64_t r0, int64_t r1) {
  const int64_t cg = a.C / a.G, D = cg * a.S;
  const T scale = T(1) / static_cast<T>(D);
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t g = r % a.G;
    const T rs = a.rstd[r], m = a.mean[r];
    double dsg_d = 0, dbg_d = 0;  // sums over the group's channels of ds * gamma and db * gamma
    for (int64_t j = 0; j < cg; ++j) {
      const T* dys = a.dy + r * D + j * a.S;
      const T* xs = a.x + r * D + j * a.S;
      LaneSum<T> s1, s2;
      run_sums<T>(s1, s2, a.S, [dys, xs](int64_t i, int64_t k, VecT<T>& t1, VecT<T>& t2) {
        t2 = load_n(dys + i, k);
        t1 = t2 * load_n(xs + i, k);
      });
      const int64_t nc = (r / a.G) * a.C + g * cg + j;
      a.ds[nc] = static_cast<T>(s1.value());
      a.db[nc] = static_cast<T>(s2.value());
      const T w = a.gamma ? a.gamma[g * cg + j] : T(1);
      dsg_d += static_cast<double>(a.ds[nc] * w);
      dbg_d += static_cast<double>(a.db[nc] * w);
    }
    if (!a.dx) continue;
    const T dsg = static_cast<T>(dsg_d), dbg = static_cast<T>(dbg_d);
    const T b = (dbg * m - dsg) * rs * rs * rs * scale;
    const T c3 = -b * m - dbg * rs * scale;
    const VecT<T> bv = splat<T>(b), cv = splat<T>(c3);
    for (int64_t j = 0; j < cg; ++j) {
      const VecT<T> c1 = splat<T>(a.gamma ? rs * a.gamma[g * cg + j] : rs);
      const T* dys = a.dy + r * D + j * a.S;
      const T* xs = a.x + r * D + j * a.S;
      run_map<T>(a.dx + r * D + j * a.S, a.S, [=](int64_t i, int64_t q) {
        return c1 * load_n(dys + i, q) + bv * load_n(xs + i, q) + cv;
      });
    }
  }
}

// ---- layer_norm's forward: units are the N rows of S contiguous elements ----

// Per row: the moments, rstd in T (rstd_in_t), then y = (x - mean) * rstd (* gamma) (+ beta) elementwise, in that
// order (x - mean is exact near the mean, so a near-constant row keeps its accuracy; x * rstd - mean * rstd would
// cancel). At the FMA levels GCC contracts the last multiply and add into one fused multiply-add.
template <class T>
void k_layer_norm_forward(const NormArgs<T>& a, int64_t r0, int64_t r1) {
  const int64_t n = a.S;
  const T* g = a.gamma;
  const T* b = a.beta;
  for (int64_t r = r0; r < r1; ++r) {
    const T* xr = a.x + r * n;
    T m;
    double var;
    moments(xr, 1, n, n, m, var);
    const T rs = rstd_in_t<T>(var, a.eps);
    a.mean_out[r] = m;
    a.rstd_out[r] = rs;
    if (!a.y) continue;
    T* yr = a.y + r * n;
    const VecT<T> mv = splat<T>(m), av = splat<T>(rs);
    if (g && b)
      run_map<T>(yr, n, [=](int64_t i, int64_t q) { return (load_n(xr + i, q) - mv) * av * load_n(g + i, q) + load_n(b + i, q); });
    else if (g)
      run_map<T>(yr, n, [=](int64_t i, int64_t q) { return (load_n(xr + i, q) - mv) * av * load_n(g + i, q); });
    else if (b)
      run_map<T>(yr, n, [=](int64_t i, int64_t q) { return (load_n(xr + i, q) - mv) * av + load_n(b + i, q); });
    else
      run_map<T>(yr, n, [=](int64_t i, int64_t q) { return (load_n(xr + i, q) - mv) * av; });
  }
}

inline void fill_norm(KernelTable& t) {
  auto set = [&](NormOp op, NormKernel<float> f, NormKernel<double> d) {
    t.norm_f32[static_cast<int>(op)] = f;
    t.norm_f64[static_cast<int>(op)] = d;
  };
  set(NormOp::BatchStats, k_batch_norm_stats<float>, k_batch_norm_stats<double>);
  set(NormOp::BatchApply, k_batch_norm_apply<float>, k_batch_norm_apply<double>);
  set(NormOp::BatchBackward, k_batch_norm_backward<float>, k_batch_norm_backward<double>);
  set(NormOp::GroupForward, k_group_norm_forward<float>, k_group_norm_forward<double>);
  set(NormOp::GroupBackward, k_group_norm_backward<float>, k_group_norm_backward<double>);
  set(NormOp::LayerForward, k_layer_norm_forward<float>, k_layer_norm_forward<double>);
}

}  // namespace fastgrad::cpu::FG_ISA

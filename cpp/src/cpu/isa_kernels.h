// The kernels of one instruction-set level (Note [CPU dispatch] in dispatch.h): compiled once per level by
// cpu/isa_default.cpp, isa_avx2.cpp and isa_avx512.cpp, each defining FG_ISA and FG_VEC_BYTES first.
#pragma once

#include <cmath>

#include "dispatch.h"
#include "vmath.h"

namespace fastgrad::cpu::FG_ISA {

// y[i] = f(x[i]) over a contiguous run: full vectors, then the tail as one zero-padded vector.
template <class T, class F>
FG_VINLINE void map1(const T* x, T* y, int64_t n, F f) {
  constexpr int W = Vec<T>::N;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {  // two independent chains in flight
    VecT<T> a = f(load(x + i)), b = f(load(x + i + W));
    store(y + i, a);
    store(y + i + W, b);
  }
  for (; i + W <= n; i += W) store(y + i, f(load(x + i)));
  if (i < n) store_partial(y + i, f(load_partial(x + i, n - i)), n - i);
}

template <class T, class F>
FG_VINLINE void map2(const T* a, const T* b, T* y, int64_t n, F f) {
  constexpr int W = Vec<T>::N;
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, f(load(a + i), load(b + i)));
  if (i < n) store_partial(y + i, f(load_partial(a + i, n - i), load_partial(b + i, n - i)), n - i);
}

// Without FMA (the baseline level) float32 functions run in double and round once at the end: the float
// bodies' error bounds assume fused steps.
#if FG_VEC_BYTES == 64 || defined(__FMA__)
constexpr bool kWidenFloat = false;
#else
constexpr bool kWidenFloat = true;
#endif

// Vec<double>::N floats, converted to and from one double vector.
typedef float HalfFloats __attribute__((vector_size(FG_VEC_BYTES / 2)));

FG_VINLINE VecT<double> widen(const float* p, int64_t m) {
  HalfFloats h{};
  std::memcpy(&h, p, static_cast<size_t>(m) * sizeof(float));
  return __builtin_convertvector(h, VecT<double>);
}

FG_VINLINE void narrow(float* p, VecT<double> v, int64_t m) {
  HalfFloats h = __builtin_convertvector(v, HalfFloats);
  std::memcpy(p, &h, static_cast<size_t>(m) * sizeof(float));
}

// y[i] = f(x[i]) for float x and y, f a double-vector body.
template <class F>
FG_VINLINE void map1_widened(const float* x, float* y, int64_t n, F f) {
  constexpr int W = Vec<double>::N;
  int64_t i = 0;
  for (; i + W <= n; i += W) narrow(y + i, f(widen(x + i, W)), W);
  if (i < n) narrow(y + i, f(widen(x + i, n - i)), n - i);
}

#define FG_UNARY_KERNEL(name, vfun) FG_UNARY_KERNEL_WIDEN(name, vfun, kWidenFloat)
#define FG_UNARY_KERNEL_WIDEN(name, vfun, widen)                                    \
  template <class T>                                                                \
  void name(const T* x, T* y, int64_t n) {                                          \
    if constexpr (std::is_same_v<T, float> && (widen))                              \
      map1_widened(x, y, n, [](VecT<double> v) { return vfun<double>(v); });        \
    else                                                                            \
      map1(x, y, n, [](VecT<T> v) { return vfun<T>(v); });                          \
  }
FG_UNARY_KERNEL(k_exp, v_exp)
FG_UNARY_KERNEL(k_expm1, v_expm1)
FG_UNARY_KERNEL(k_log, v_log)
FG_UNARY_KERNEL(k_log1p, v_log1p)
FG_UNARY_KERNEL(k_log2, v_log2)
FG_UNARY_KERNEL(k_tanh, v_tanh)
FG_UNARY_KERNEL(k_sigmoid, v_sigmoid)
FG_UNARY_KERNEL(k_silu, v_silu)
// erf, erfc and gelu: float32 on float lanes where the level has FMA (vmath.h), else through the double body with
// the float fits' degrees (the float body's error bound assumes fused steps).
#define FG_ERF_KERNEL(name, vfun, ffun)                                                            \
  template <class T>                                                                               \
  void name(const T* x, T* y, int64_t n) {                                                         \
    if constexpr (std::is_same_v<T, float> && kWidenFloat)                                         \
      map1_widened(x, y, n, [](VecT<double> v) { return vfun<double, ErfConstForFloat>(v); });     \
    else if constexpr (std::is_same_v<T, float>)                                                   \
      map1(x, y, n, [](VecT<float> v) { return ffun(v); });                                        \
    else                                                                                           \
      map1(x, y, n, [](VecT<T> v) { return vfun<T>(v); });                                         \
  }
FG_ERF_KERNEL(k_erf, v_erf, v_erf_f32)
FG_ERF_KERNEL(k_erfc, v_erfc, v_erfc_f32)
FG_ERF_KERNEL(k_gelu, v_gelu, v_gelu_f32)
#undef FG_ERF_KERNEL
FG_UNARY_KERNEL(k_gelu_tanh, v_gelu_tanh)
FG_UNARY_KERNEL(k_rsqrt, v_rsqrt)
#undef FG_UNARY_KERNEL

// mish: float32 through the double body at every level.
#define FG_DOUBLE_BODY_KERNEL(name, vfun)                                               \
  template <class T>                                                                  \
  void name(const T* x, T* y, int64_t n) {                                            \
    if constexpr (std::is_same_v<T, float>)                                           \
      map1_widened(x, y, n, [](VecT<double> v) { return vfun<double>(v); });          \
    else                                                                              \
      map1(x, y, n, [](VecT<T> v) { return vfun<T>(v); });                            \
  }
FG_DOUBLE_BODY_KERNEL(k_mish, v_mish)
#undef FG_DOUBLE_BODY_KERNEL

// softplus: float32 on float lanes where the level has FMA (vmath.h), else through the double body.
template <class T>
void k_softplus(const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float> && kWidenFloat)
    map1_widened(x, y, n, [](VecT<double> v) { return v_softplus<double>(v); });
  else if constexpr (std::is_same_v<T, float>)
    map1(x, y, n, [](VecT<float> v) { return v_softplus_f32(v); });
  else
    map1(x, y, n, [](VecT<T> v) { return v_softplus<T>(v); });
}

// sin / cos of double lanes: the vector body, with the lanes beyond its range (|x| > kLimit, ±inf, NaN)
// computed by std::sin / std::cos.
template <bool kForFloat = false>
FG_VINLINE VecT<double> sincos_lanes(VecT<double> v, bool cosine) {
  VecT<double> y = kForFloat ? v_sincos_for_float(v, cosine) : v_sincos_reduced(v, cosine);
  const auto out = !(copysign_of<double>(v, VecT<double>{}) <= TrigConst::kLimit);
  if (__builtin_expect(any_lane(out), 0))
    for (int k = 0; k < Vec<double>::N; ++k)
      if (out[k]) y[k] = cosine ? std::cos(v[k]) : std::sin(v[k]);
  return y;
}

// y = f(x) for f a double-vector body: float lanes widened, double lanes as they are.
template <class T, class F>
FG_VINLINE void map1_double(const T* x, T* y, int64_t n, F f) {
  if constexpr (std::is_same_v<T, float>)
    map1_widened(x, y, n, f);
  else
    map1(x, y, n, f);
}

template <class T>
void k_sin(const T* x, T* y, int64_t n) {
  map1_double(x, y, n, [](VecT<double> v) { return sincos_lanes<std::is_same_v<T, float>>(v, false); });
}
template <class T>
void k_cos(const T* x, T* y, int64_t n) {
  map1_double(x, y, n, [](VecT<double> v) { return sincos_lanes<std::is_same_v<T, float>>(v, true); });
}

// The backward formulas in one pass each, written as PyTorch's derivatives.yaml states them.
template <class T>
void k_tanh_backward(const T* g, const T* y, T* out, int64_t n) {
  map2(g, y, out, n, [](VecT<T> gv, VecT<T> yv) { return gv * (T(1) - yv * yv); });
}
template <class T>
void k_sigmoid_backward(const T* g, const T* y, T* out, int64_t n) {
  map2(g, y, out, n, [](VecT<T> gv, VecT<T> yv) { return gv * ((T(1) - yv) * yv); });
}
template <class T>
void k_silu_backward(const T* g, const T* x, T* out, int64_t n) {
  map2(g, x, out, n, [](VecT<T> gv, VecT<T> xv) {
    VecT<T> s = v_sigmoid<T>(xv);
    return gv * s * (T(1) + xv * (T(1) - s));
  });
}

// y[i] = f(a[i], b[i]) for float operands, f a double-vector body.
template <class F>
FG_VINLINE void map2_widened(const float* a, const float* b, float* y, int64_t n, F f) {
  constexpr int W = Vec<double>::N;
  int64_t i = 0;
  for (; i + W <= n; i += W) narrow(y + i, f(widen(a + i, W), widen(b + i, W)), W);
  if (i < n) narrow(y + i, f(widen(a + i, n - i), widen(b + i, n - i)), n - i);
}

template <class T>
void k_gelu_backward(const T* g, const T* x, T* out, int64_t n) {
  if constexpr (std::is_same_v<T, float> && kWidenFloat)
    map2_widened(g, x, out, n, [](VecT<double> gv, VecT<double> xv) {
      return gv * v_gelu_derivative<double, ErfConstForFloat>(xv);
    });
  else if constexpr (std::is_same_v<T, float>)
    map2(g, x, out, n, [](VecT<float> gv, VecT<float> xv) { return gv * v_gelu_derivative_f32(xv); });
  else
    map2(g, x, out, n, [](VecT<T> gv, VecT<T> xv) { return gv * v_gelu_derivative<T>(xv); });
}
template <class T>
void k_softplus_backward(const T* g, const T* x, T* out, int64_t n) {
  map2(g, x, out, n, [](VecT<T> gv, VecT<T> xv) { return select(xv > T(20), gv, gv * v_sigmoid<T>(xv)); });
}
template <class T>
void k_rsqrt_backward(const T* g, const T* y, T* out, int64_t n) {
  map2(g, y, out, n, [](VecT<T> gv, VecT<T> yv) { return (gv * (yv * yv * yv)) * T(-0.5); });
}
// y = f(a, b) for f a double-vector body: float lanes widened, double lanes as they are.
template <class T, class F>
FG_VINLINE void map2_double(const T* a, const T* b, T* y, int64_t n, F f) {
  if constexpr (std::is_same_v<T, float>)
    map2_widened(a, b, y, n, f);
  else
    map2(a, b, y, n, f);
}
template <class T>
void k_mish_backward(const T* g, const T* x, T* out, int64_t n) {
  map2_double(g, x, out, n, [](VecT<double> gv, VecT<double> xv) { return gv * v_mish_derivative<double>(xv); });
}
template <class T>
void k_sin_backward(const T* g, const T* x, T* out, int64_t n) {
  map2_double(g, x, out, n, [](VecT<double> gv, VecT<double> xv) { return gv * sincos_lanes<std::is_same_v<T, float>>(xv, true); });
}
template <class T>
void k_cos_backward(const T* g, const T* x, T* out, int64_t n) {
  map2_double(g, x, out, n, [](VecT<double> gv, VecT<double> xv) { return gv * -sincos_lanes<std::is_same_v<T, float>>(xv, false); });
}
template <class T>
void k_gelu_tanh_backward(const T* g, const T* x, T* out, int64_t n) {
  map2(g, x, out, n, [](VecT<T> gv, VecT<T> xv) { return gv * v_gelu_tanh_derivative<T>(xv); });
}

// ---- softmax ----
// Last dim (stride 1): per row, the max, then exp(x - max) once per element (stored for softmax, only summed for
// log_softmax), the sum in vector lanes flushed into double every 64 vectors, then y * (1 / sum) or
// (x - max) - log(sum). Other dims: the same along j, vectorised across the contiguous columns c. Tails run the
// same vector body on zero-padded lanes, masked out of the sums.

template <class T>
FG_VINLINE IntT<T> lane_ids() {
  IntT<T> ids{};
  for (int k = 0; k < Vec<T>::N; ++k) ids[k] = k;
  return ids;
}

template <class T>
FG_VINLINE double lanes_sum(VecT<T> v) {
  double s = 0;
  for (int k = 0; k < Vec<T>::N; ++k) s += static_cast<double>(v[k]);
  return s;
}

template <class T>
void softmax_row(const T* x, T* y, int64_t n, bool log) {
  constexpr int W = Vec<T>::N;
  const T inf = __builtin_huge_val();
  const int64_t full = n - n % W;
  const int64_t rest = n - full;
  const auto tail_on = lane_ids<T>() < static_cast<LaneInt<T>>(rest);
  VecT<T> vm = splat<T>(-inf);
  for (int64_t i = 0; i < full; i += W) {
    VecT<T> v = load(x + i);
    vm = select(v > vm, v, vm);
  }
  if (rest) {
    VecT<T> v = select(tail_on, load_partial(x + full, rest), splat<T>(-inf));
    vm = select(v > vm, v, vm);
  }
  T m = vm[0];
  for (int k = 1; k < W; ++k) m = vm[k] > m ? vm[k] : m;
  const VecT<T> mv = splat<T>(m);
  double total = 0;
  VecT<T> acc{};
  int64_t since_flush = 0;
  for (int64_t i = 0; i < full; i += W) {
    VecT<T> e = v_exp<T>(load(x + i) - mv);
    if (!log) store(y + i, e);
    acc += e;
    if (++since_flush == 64) {
      total += lanes_sum<T>(acc);
      acc = VecT<T>{};
      since_flush = 0;
    }
  }
  if (rest) {
    VecT<T> e = v_exp<T>(load_partial(x + full, rest) - mv);
    if (!log) store_partial(y + full, e, rest);
    acc += select(tail_on, e, VecT<T>{});
  }
  total += lanes_sum<T>(acc);
  if (log) {
    const VecT<T> ls = splat<T>(static_cast<T>(std::log(total)));
    for (int64_t i = 0; i < full; i += W) store(y + i, (load(x + i) - mv) - ls);
    if (rest) store_partial(y + full, (load_partial(x + full, rest) - mv) - ls, rest);
  } else {
    const VecT<T> inv = splat<T>(static_cast<T>(1.0 / total));
    for (int64_t i = 0; i < full; i += W) store(y + i, load(y + i) * inv);
    if (rest) store_partial(y + full, load_partial(y + full, rest) * inv, rest);
  }
}

// Columns [c, c + W) (or the `rest` of them) of one panel, normalised along j.
template <class T>
FG_VINLINE void softmax_columns(const T* x, T* y, int64_t n, int64_t stride, int64_t width, bool log) {
  constexpr int W = Vec<T>::N;
  auto ld = [&](const T* p) { return width == W ? load(p) : load_partial(p, width); };
  auto st = [&](T* p, VecT<T> v) { width == W ? store(p, v) : store_partial(p, v, width); };
  const T inf = __builtin_huge_val();
  VecT<T> m = splat<T>(-inf);
  for (int64_t j = 0; j < n; ++j) {
    VecT<T> v = ld(x + j * stride);
    m = select(v > m, v, m);
  }
  VecT<T> total{};
  for (int64_t j = 0; j < n; ++j) {
    VecT<T> e = v_exp<T>(ld(x + j * stride) - m);
    if (!log) st(y + j * stride, e);
    total += e;
  }
  if (log) {
    VecT<T> ls = v_log<T>(total);
    for (int64_t j = 0; j < n; ++j) st(y + j * stride, (ld(x + j * stride) - m) - ls);
  } else {
    VecT<T> inv = T(1) / total;
    for (int64_t j = 0; j < n; ++j) st(y + j * stride, ld(y + j * stride) * inv);
  }
}

template <class T>
void k_softmax(const T* x, T* y, int64_t outer, int64_t n, int64_t stride, int64_t cols, bool log) {
  constexpr int W = Vec<T>::N;
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * n * stride;
    T* yo = y + o * n * stride;
    if (stride == 1) {
      softmax_row<T>(xo, yo, n, log);
      continue;
    }
    for (int64_t c = 0; c < cols; c += W)
      softmax_columns<T>(xo + c, yo + c, n, stride, cols - c < W ? cols - c : W, log);
  }
}

// sum(g) (only_g) or sum(g * y) over a row of n, in double: two vector accumulators (two add chains in flight)
// of at most 32 terms per lane each, flushed into double; the tail's lanes are zero-padded. Its products are
// rounded to T, as the scalar sum of g[j] * y[j] was.
template <class T, bool only_g>
FG_VINLINE double row_dot(const T* g, const T* y, int64_t n) {
  constexpr int W = Vec<T>::N;
  double total = 0;
  VecT<T> a{}, b{};
  int since_flush = 0;
  auto term = [&](int64_t i) { return only_g ? load(g + i) : load(g + i) * load(y + i); };
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a += term(i);
    b += term(i + W);
    if (++since_flush == 32) {
      total += lanes_sum<T>(a) + lanes_sum<T>(b);
      a = b = VecT<T>{};
      since_flush = 0;
    }
  }
  for (; i + W <= n; i += W) a += term(i);
  if (i < n) {
    const VecT<T> gv = load_partial(g + i, n - i);
    a += only_g ? gv : gv * load_partial(y + i, n - i);  // load_partial zero-fills the lanes past n
  }
  return total + (lanes_sum<T>(a) + lanes_sum<T>(b));
}

template <class T>
void k_softmax_backward(const T* g, const T* y, T* out, int64_t outer, int64_t n, int64_t stride, int64_t cols,
                        bool log) {
  constexpr int W = Vec<T>::N;
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = o * n * stride;
    if (stride == 1) {
      const T* gr = g + base;
      const T* yr = y + base;
      T* outr = out + base;
      const VecT<T> sv = splat<T>(static_cast<T>(log ? row_dot<T, true>(gr, yr, n) : row_dot<T, false>(gr, yr, n)));
      auto body = [&](VecT<T> gv, VecT<T> yv) { return log ? gv - v_exp<T>(yv) * sv : yv * (gv - sv); };
      int64_t i = 0;
      for (; i + W <= n; i += W) store(outr + i, body(load(gr + i), load(yr + i)));
      if (i < n) store_partial(outr + i, body(load_partial(gr + i, n - i), load_partial(yr + i, n - i)), n - i);
      continue;
    }
    for (int64_t c = 0; c < cols; c += W) {
      const int64_t width = cols - c < W ? cols - c : W;
      auto ld = [&](const T* p) { return width == W ? load(p) : load_partial(p, width); };
      VecT<T> s{};
      for (int64_t j = 0; j < n; ++j) {
        const int64_t at = base + j * stride + c;
        s += log ? ld(g + at) : ld(g + at) * ld(y + at);
      }
      for (int64_t j = 0; j < n; ++j) {
        const int64_t at = base + j * stride + c;
        VecT<T> gv = ld(g + at), yv = ld(y + at);
        VecT<T> r = log ? gv - v_exp<T>(yv) * s : yv * (gv - s);
        width == W ? store(out + at, r) : store_partial(out + at, r, width);
      }
    }
  }
}

// The float32 sum (see sum.h): N-lane float accumulators, each adding at most 16 values before it is flushed
// into double accumulators.
inline double k_sum_f32(const float* x, int64_t n) {
  constexpr int W = Vec<float>::N;
  typedef double VD2 __attribute__((vector_size(FG_VEC_BYTES * 2)));  // N doubles
  constexpr int64_t kSegment = 8 * W * 16;
  VD2 total[4] = {};
  int64_t i = 0;
  for (; i + kSegment <= n; i += kSegment) {
    VecT<float> lane[8] = {};
    for (int64_t j = i; j < i + kSegment; j += 8 * W)
      for (int k = 0; k < 8; ++k) lane[k] += load(x + j + W * k);
    for (int k = 0; k < 8; ++k) total[k % 4] += __builtin_convertvector(lane[k], VD2);
  }
  VD2 all = (total[0] + total[1]) + (total[2] + total[3]);
  double v = 0;
  for (int k = 0; k < W; ++k) v += all[k];
  for (; i < n; ++i) v += static_cast<double>(x[i]);
  return v;
}

inline void fill(KernelTable& t) {
  auto set_unary = [&](UnaryOp op, UnaryKernel<float> f, UnaryKernel<double> d) {
    t.unary_f32[static_cast<int>(op)] = f;
    t.unary_f64[static_cast<int>(op)] = d;
  };
  set_unary(UnaryOp::Exp, k_exp<float>, k_exp<double>);
  set_unary(UnaryOp::Expm1, k_expm1<float>, k_expm1<double>);
  set_unary(UnaryOp::Log, k_log<float>, k_log<double>);
  set_unary(UnaryOp::Log1p, k_log1p<float>, k_log1p<double>);
  set_unary(UnaryOp::Log2, k_log2<float>, k_log2<double>);
  set_unary(UnaryOp::Tanh, k_tanh<float>, k_tanh<double>);
  set_unary(UnaryOp::Sigmoid, k_sigmoid<float>, k_sigmoid<double>);
  set_unary(UnaryOp::Silu, k_silu<float>, k_silu<double>);
  set_unary(UnaryOp::Erf, k_erf<float>, k_erf<double>);
  set_unary(UnaryOp::Erfc, k_erfc<float>, k_erfc<double>);
  set_unary(UnaryOp::Gelu, k_gelu<float>, k_gelu<double>);
  set_unary(UnaryOp::GeluTanh, k_gelu_tanh<float>, k_gelu_tanh<double>);
  set_unary(UnaryOp::Softplus, k_softplus<float>, k_softplus<double>);
  set_unary(UnaryOp::Mish, k_mish<float>, k_mish<double>);
  set_unary(UnaryOp::Sin, k_sin<float>, k_sin<double>);
  set_unary(UnaryOp::Cos, k_cos<float>, k_cos<double>);
  set_unary(UnaryOp::Rsqrt, k_rsqrt<float>, k_rsqrt<double>);
  auto set_backward = [&](BackwardOp op, BackwardKernel<float> f, BackwardKernel<double> d) {
    t.backward_f32[static_cast<int>(op)] = f;
    t.backward_f64[static_cast<int>(op)] = d;
  };
  set_backward(BackwardOp::Tanh, k_tanh_backward<float>, k_tanh_backward<double>);
  set_backward(BackwardOp::Sigmoid, k_sigmoid_backward<float>, k_sigmoid_backward<double>);
  set_backward(BackwardOp::Silu, k_silu_backward<float>, k_silu_backward<double>);
  set_backward(BackwardOp::Gelu, k_gelu_backward<float>, k_gelu_backward<double>);
  set_backward(BackwardOp::GeluTanh, k_gelu_tanh_backward<float>, k_gelu_tanh_backward<double>);
  set_backward(BackwardOp::Softplus, k_softplus_backward<float>, k_softplus_backward<double>);
  set_backward(BackwardOp::Mish, k_mish_backward<float>, k_mish_backward<double>);
  set_backward(BackwardOp::Sin, k_sin_backward<float>, k_sin_backward<double>);
  set_backward(BackwardOp::Cos, k_cos_backward<float>, k_cos_backward<double>);
  set_backward(BackwardOp::Rsqrt, k_rsqrt_backward<float>, k_rsqrt_backward<double>);
  t.softmax_f32 = k_softmax<float>;
  t.softmax_f64 = k_softmax<double>;
  t.softmax_backward_f32 = k_softmax_backward<float>;
  t.softmax_backward_f64 = k_softmax_backward<double>;
  t.sum_f32 = k_sum_f32;
}

}  // namespace fastgrad::cpu::FG_ISA

// The kernels of one instruction-set level (Note [CPU dispatch] in dispatch.h): compiled once per level by
// cpu/isa_default.cpp, isa_avx2.cpp and isa_avx512.cpp, each defining FG_ISA and FG_VEC_BYTES first.
#pragma once

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

// y[i] = f(x[i]) for float x and y, f a double-vector body.
template <class F>
FG_VINLINE void map1_widened(const float* x, float* y, int64_t n, F f) {
  constexpr int W = Vec<double>::N;
  double in[W], out[W];
  for (int64_t i = 0; i < n; i += W) {
    const int64_t m = n - i < W ? n - i : W;
    for (int k = 0; k < W; ++k) in[k] = k < m ? static_cast<double>(x[i + k]) : 0.0;
    store(out, f(load(in)));
    for (int k = 0; k < m; ++k) y[i + k] = static_cast<float>(out[k]);
  }
}

// erf, erfc and gelu run in double for float32 at every level: their float bodies' error reaches 3-4 ulp
// (the product of a fitted ratio and a scaled exponential), the double body's is far below a float ulp.
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
FG_UNARY_KERNEL_WIDEN(k_erf, v_erf, true)
FG_UNARY_KERNEL_WIDEN(k_erfc, v_erfc, true)
template <class T>
void k_gelu(const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>)
    map1_widened(x, y, n, [](VecT<double> v) { return v_gelu<double>(v, /*nan_at_inf=*/true); });
  else
    map1(x, y, n, [](VecT<T> v) { return v_gelu<T>(v); });
}
FG_UNARY_KERNEL(k_gelu_tanh, v_gelu_tanh)
#undef FG_UNARY_KERNEL

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
  double in0[W], in1[W], out[W];
  for (int64_t i = 0; i < n; i += W) {
    const int64_t m = n - i < W ? n - i : W;
    for (int k = 0; k < W; ++k) {
      in0[k] = k < m ? static_cast<double>(a[i + k]) : 0.0;
      in1[k] = k < m ? static_cast<double>(b[i + k]) : 0.0;
    }
    store(out, f(load(in0), load(in1)));
    for (int k = 0; k < m; ++k) y[i + k] = static_cast<float>(out[k]);
  }
}

template <class T>
void k_gelu_backward(const T* g, const T* x, T* out, int64_t n) {
  if constexpr (std::is_same_v<T, float>)
    map2_widened(g, x, out, n, [](VecT<double> gv, VecT<double> xv) { return gv * v_gelu_derivative<double>(xv); });
  else
    map2(g, x, out, n, [](VecT<T> gv, VecT<T> xv) { return gv * v_gelu_derivative<T>(xv); });
}
template <class T>
void k_gelu_tanh_backward(const T* g, const T* x, T* out, int64_t n) {
  map2(g, x, out, n, [](VecT<T> gv, VecT<T> xv) { return gv * v_gelu_tanh_derivative<T>(xv); });
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
  auto set_backward = [&](BackwardOp op, BackwardKernel<float> f, BackwardKernel<double> d) {
    t.backward_f32[static_cast<int>(op)] = f;
    t.backward_f64[static_cast<int>(op)] = d;
  };
  set_backward(BackwardOp::Tanh, k_tanh_backward<float>, k_tanh_backward<double>);
  set_backward(BackwardOp::Sigmoid, k_sigmoid_backward<float>, k_sigmoid_backward<double>);
  set_backward(BackwardOp::Silu, k_silu_backward<float>, k_silu_backward<double>);
  set_backward(BackwardOp::Gelu, k_gelu_backward<float>, k_gelu_backward<double>);
  set_backward(BackwardOp::GeluTanh, k_gelu_tanh_backward<float>, k_gelu_tanh_backward<double>);
  t.sum_f32 = k_sum_f32;
}

}  // namespace fastgrad::cpu::FG_ISA

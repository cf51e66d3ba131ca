// Note [CPU dispatch]
// Every kernel with vector variants is reached through one table of function pointers, filled once per
// capability level (cpu/isa_default.cpp, isa_avx2.cpp, isa_avx512.cpp: the same source, cpu/isa_kernels.h,
// compiled three times with different instruction-set flags, each inside its own namespace so that no inline
// function compiled for AVX-512 can be picked by the linker for a baseline caller). The level is chosen once
// (cpu/capability.cpp); `table()` is a load of one pointer. The batch_norm / group_norm kernels (norm_kernels.h)
// and the scans and extremes over a dim (reduction_kernels.h) are compiled the same way, included by the ISA
// units after isa_kernels.h. Ops in cpp/src/ops name a kernel here and keep
// the strided, dtype-general fallbacks; the kernels work on contiguous runs of one dtype.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

enum class Capability : int { Default = 0, AVX2 = 1, AVX512 = 2 };

// The float functions with vector bodies (cpu/vmath.h), in the table's order.
enum class UnaryOp : int {
  Exp, Expm1, Log, Log1p, Log2, Tanh, Sigmoid, Silu, Erf, Erfc, Gelu, GeluTanh,
  Softplus,  // beta 1, threshold 20 (PyTorch's defaults)
  Mish, Sin, Cos, Rsqrt, kCount
};
constexpr int kUnaryOps = static_cast<int>(UnaryOp::kCount);

template <class T>
using UnaryKernel = void (*)(const T* x, T* y, int64_t n);
// y = f(g, s) for the fused backward formulas: g the incoming gradient, s a saved tensor.
template <class T>
using BackwardKernel = void (*)(const T* g, const T* s, T* y, int64_t n);
enum class BackwardOp : int {
  Tanh,     // g * (1 - y*y), s = y
  Sigmoid,  // g * y * (1 - y), s = y
  Silu,     // g * sigmoid(x) * (1 + x * (1 - sigmoid(x))), s = x
  Gelu,     // g * (Phi(x) + x phi(x)), s = x
  GeluTanh, // g * d/dx of the tanh approximation, s = x
  Softplus, // g * (x > 20 ? 1 : sigmoid(x)), s = x (beta 1, threshold 20)
  Mish,     // g * (tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2)), sp = softplus(x), s = x
  Sin,      // g * cos(x), s = x
  Cos,      // g * -sin(x), s = x
  Rsqrt,    // -0.5 * g * y^3, s = y
  kCount
};
constexpr int kBackwardOps = static_cast<int>(BackwardOp::kCount);

// softmax / log_softmax over `outer` panels of n rows: element (o, j, c) at o * n * stride + j * stride + c,
// normalised along j, for the columns c in [0, cols). stride == 1 (with cols == 1) is the last-dim case.
template <class T>
using SoftmaxKernel = void (*)(const T* x, T* y, int64_t outer, int64_t n, int64_t stride, int64_t cols, bool log);
// Their backward: softmax g_in = y (g - sum(g y)), log_softmax g_in = g - exp(y) sum(g), same layout.
template <class T>
using SoftmaxBackwardKernel = void (*)(const T* g, const T* y, T* out, int64_t outer, int64_t n, int64_t stride,
                                       int64_t cols, bool log);

// The normalisation kernels of batch_norm, group_norm and layer_norm's forward (cpu/norm_kernels.h), each over a
// range of its independent units (channels for batch_norm, (sample, group) rows for group_norm, rows of S for
// layer_norm); cpu/norm.cpp threads
// over those ranges. One argument struct for all of them: each reads the fields it needs (see norm.h).
template <class T>
struct NormArgs {
  const T* x = nullptr;
  const T* dy = nullptr;
  const T* mean = nullptr;
  const T* rstd = nullptr;
  const T* gamma = nullptr;
  const T* beta = nullptr;
  int64_t N = 0, C = 0, S = 0, G = 1;  // x of shape (N, C, S), G groups
  double eps = 0;
  bool train = true;  // batch_norm backward: mean/rstd are batch statistics
  T* y = nullptr;
  T* dx = nullptr;
  T* dgamma = nullptr;
  T* dbeta = nullptr;
  T* mean_out = nullptr;
  T* rstd_out = nullptr;
  double* var_out = nullptr;
  T* ds = nullptr;  // group_norm backward: per (n, c) sums of dy * x and of dy
  T* db = nullptr;
};
enum class NormOp : int { BatchStats, BatchApply, BatchBackward, GroupForward, GroupBackward, LayerForward, kCount };
constexpr int kNormOps = static_cast<int>(NormOp::kCount);
template <class T>
using NormKernel = void (*)(const NormArgs<T>& a, int64_t begin, int64_t end);

// Scans and extremes over a dim, on a contiguous (outer, n, inner) layout: element (o, j, c) at
// o * n * inner + j * inner + c, scanned or reduced along j, for the rows [o0, o1) and columns [c0, c1)
// (cpu/reduction_kernels.h; cpu/reductions.cpp threads over those blocks).
struct LineBlock {
  int64_t outer, n, inner;
  int64_t o0, o1, c0, c1;
};
// y = the cumulative sum (prod) along j, accumulated in double in order (from the end when `reverse`).
template <class T>
using ScanKernel = void (*)(const T* x, T* y, const LineBlock& b, bool prod, bool reverse);
// r = (sum_{i>=j} g_i * out_i) / x_j: cumprod's gradient where x has no zero. Returns false (r then
// unspecified) when a zero of x is met.
template <class T>
using CumprodBackwardKernel = bool (*)(const T* g, const T* out, const T* x, T* r, const LineBlock& b);
// The max (min) along j and its first position (Note [Extremes and NaN] in ops/minmax.cpp) into values[o *
// inner + c] and indices[o * inner + c]; either may be null.
template <class T>
using ExtremeKernel = void (*)(const T* x, T* values, int64_t* indices, const LineBlock& b, bool is_max);

struct KernelTable {
  Capability level;
  UnaryKernel<float> unary_f32[kUnaryOps];
  UnaryKernel<double> unary_f64[kUnaryOps];
  BackwardKernel<float> backward_f32[kBackwardOps];
  BackwardKernel<double> backward_f64[kBackwardOps];
  SoftmaxKernel<float> softmax_f32;
  SoftmaxKernel<double> softmax_f64;
  SoftmaxBackwardKernel<float> softmax_backward_f32;
  SoftmaxBackwardKernel<double> softmax_backward_f64;
  // The sum of n floats in double (float lanes flushed into double lanes every 16 adds; see sum.h).
  double (*sum_f32)(const float* x, int64_t n);
  // batch_norm / group_norm (norm_kernels.h); scans and extremes over a dim (reduction_kernels.h).
  NormKernel<float> norm_f32[kNormOps];
  NormKernel<double> norm_f64[kNormOps];
  ScanKernel<float> scan_f32;
  ScanKernel<double> scan_f64;
  CumprodBackwardKernel<float> cumprod_backward_f32;
  CumprodBackwardKernel<double> cumprod_backward_f64;
  ExtremeKernel<float> extreme_f32;
  ExtremeKernel<double> extreme_f64;
};

// The table of the level in use.
const KernelTable& table();
Capability capability();

template <class T>
UnaryKernel<T> unary_kernel(UnaryOp op);
template <>
inline UnaryKernel<float> unary_kernel<float>(UnaryOp op) {
  return table().unary_f32[static_cast<int>(op)];
}
template <>
inline UnaryKernel<double> unary_kernel<double>(UnaryOp op) {
  return table().unary_f64[static_cast<int>(op)];
}
template <class T>
BackwardKernel<T> backward_kernel(BackwardOp op);
template <>
inline BackwardKernel<float> backward_kernel<float>(BackwardOp op) {
  return table().backward_f32[static_cast<int>(op)];
}
template <>
inline BackwardKernel<double> backward_kernel<double>(BackwardOp op) {
  return table().backward_f64[static_cast<int>(op)];
}

template <class T>
SoftmaxKernel<T> softmax_kernel();
template <>
inline SoftmaxKernel<float> softmax_kernel<float>() {
  return table().softmax_f32;
}
template <>
inline SoftmaxKernel<double> softmax_kernel<double>() {
  return table().softmax_f64;
}
template <class T>
SoftmaxBackwardKernel<T> softmax_backward_kernel();
template <>
inline SoftmaxBackwardKernel<float> softmax_backward_kernel<float>() {
  return table().softmax_backward_f32;
}
template <>
inline SoftmaxBackwardKernel<double> softmax_backward_kernel<double>() {
  return table().softmax_backward_f64;
}

template <class T>
NormKernel<T> norm_kernel(NormOp op) {
  if constexpr (sizeof(T) == sizeof(float)) return table().norm_f32[static_cast<int>(op)];
  else return table().norm_f64[static_cast<int>(op)];
}
template <class T>
ScanKernel<T> scan_kernel() {
  if constexpr (sizeof(T) == sizeof(float)) return table().scan_f32;
  else return table().scan_f64;
}
template <class T>
CumprodBackwardKernel<T> cumprod_backward_kernel() {
  if constexpr (sizeof(T) == sizeof(float)) return table().cumprod_backward_f32;
  else return table().cumprod_backward_f64;
}
template <class T>
ExtremeKernel<T> extreme_kernel() {
  if constexpr (sizeof(T) == sizeof(float)) return table().extreme_f32;
  else return table().extreme_f64;
}

// Filled by the three ISA translation units; the AVX2 and AVX-512 ones return false when the build could
// not compile them (another architecture or compiler).
void fill_default(KernelTable& t);
bool fill_avx2(KernelTable& t);
bool fill_avx512(KernelTable& t);

}  // namespace fastgrad::cpu

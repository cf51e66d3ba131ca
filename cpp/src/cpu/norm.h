// The kernels of the fused normalisation ops (layer_norm, rms_norm, batch_norm, group_norm; the ops and their
// Nodes are in ops/nn_norm.cpp). Contiguous data only (the ops pass dense() copies), T float or double.
//
// Note [Normalisation numerics]
// - Statistics are sums in double (T lanes of at most 16 terms flushed into double, as sum_floats does), in
//   two passes: the mean, then the squares of the differences from the mean rounded to T (corrected by the
//   mean of those differences), so a constant group has exactly its value as mean and exactly 0 as variance,
//   whatever its magnitude. Where the squares overflow T although the inputs are finite (a float32 row holding
//   1e30), that pass is taken again in double, and rstd comes from the double variance when T cannot hold it:
//   the row is normalised (the float64 answer) where PyTorch's float32 statistics give NaN or 0.
// - rstd = 1 / sqrt(var + eps) is computed in T from var rounded to T, as PyTorch's kernels compute it in
//   their accumulation type (float for float32): a constant group then gets PyTorch's rstd to the bit
//   (316.22778f for eps = 1e-5), and with it the same gradients.
// - The outputs and the gradients are then formed in T with PyTorch's formulas and association (an output
//   x * scale + shift with per-group or per-channel scale and shift; a gradient a * dy * w + b * x + c with
//   per-group coefficients in double rounded to T), so that the rounding of degenerate groups (constant or
//   near-constant, where those terms cancel) matches PyTorch's instead of differing by many ulps.
// - Sums over rows (the gradients of weight and bias) are taken on fixed blocks of rows, then over the blocks
//   in order, so results do not depend on the thread count (Note [Intra-op threads]).
#pragma once

#include <cmath>
#include <cstdint>

namespace fastgrad::cpu {

// rstd computed in T (layer_norm's and rms_norm's forward); a variance beyond T's range (finite in double)
// takes its rstd from the double one, which T holds (1 / sqrt(2.5e59) = 2e-30), instead of 1 / sqrt(inf) = 0.
template <class T>
inline T rstd_in_t(double var, double eps) {
  const T v = static_cast<T>(var);
  if (std::isinf(v) && std::isfinite(var)) return static_cast<T>(1.0 / std::sqrt(var + eps));
  return T(1) / std::sqrt(v + static_cast<T>(eps));
}

// layer_norm over M rows of N: y (may be null when only statistics are wanted), mean and rstd per row.
// gamma/beta may be null.
template <class T>
void layer_norm_forward(const T* x, const T* gamma, const T* beta, int64_t M, int64_t N, double eps, T* y, T* mean,
                        T* rstd);
// Gradients of layer_norm from the saved mean and rstd; each output may be null (not wanted).
template <class T>
void layer_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma, int64_t M, int64_t N,
                         T* dx, T* dgamma, T* dbeta);

// rms_norm over M rows of N: y = x * rstd (* gamma), rstd = 1 / sqrt(mean(x^2) + eps) per row.
template <class T>
void rms_norm_forward(const T* x, const T* gamma, int64_t M, int64_t N, double eps, T* y, T* rstd);
template <class T>
void rms_norm_backward(const T* dy, const T* x, const T* rstd, const T* gamma, int64_t M, int64_t N, T* dx,
                       T* dgamma);

// batch_norm over x of shape (N, C, S) (S the product of the spatial dims). Batch statistics: mean and the
// biased variance per channel (var may be null), with rstd = 1 / sqrt(var + eps); when y is given, also the
// output (as batch_norm_apply), each channel while it is in cache.
template <class T>
void batch_norm_stats(const T* x, int64_t N, int64_t C, int64_t S, double eps, T* mean, T* rstd, double* var,
                      const T* gamma = nullptr, const T* bias = nullptr, T* y = nullptr);
// y = x * alpha + beta per channel, alpha = rstd * gamma, beta = bias - mean * alpha (gamma/bias may be null).
template <class T>
void batch_norm_apply(const T* x, const T* mean, const T* rstd, const T* gamma, const T* bias, int64_t N, int64_t C,
                      int64_t S, T* y);
// Gradients; `train` says whether mean/rstd are batch statistics (else constants: the running ones).
template <class T>
void batch_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma, int64_t N, int64_t C,
                         int64_t S, bool train, T* dx, T* dgamma, T* dbeta);

// group_norm over x of shape (N, C, S) in G groups of C / G channels: mean and rstd per (n, g).
template <class T>
void group_norm_forward(const T* x, const T* gamma, const T* beta, int64_t N, int64_t C, int64_t S, int64_t G,
                        double eps, T* y, T* mean, T* rstd);
template <class T>
void group_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma, int64_t N, int64_t C,
                         int64_t S, int64_t G, T* dx, T* dgamma, T* dbeta);

}  // namespace fastgrad::cpu

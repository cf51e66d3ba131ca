// The window loops of pooling (max, average, adaptive, unpooling) and of their gradients, for ops/pooling.cpp.
//
// Every kernel sees its tensors as `planes` contiguous planes (a plane: one channel of one sample) of
// depth x height x width elements; 1-d and 2-d pooling have leading sizes 1. Planes are independent, so the
// kernels split them among the intra-op threads (Note [Intra-op threads]) and each plane is computed by one
// thread in one fixed order: results never depend on the thread count.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

// The windows of one pooling op. Output position o along a dim reads input positions
// o * stride - padding + k * dilation for k < kernel that lie inside the input (padding is never read).
struct PoolGeometry {
  int64_t planes = 0;
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t padding[3] = {0, 0, 0};
  int64_t dilation[3] = {1, 1, 1};
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
};

// Max pooling: out = the window's largest element, indices = its flat position in the input plane. A NaN
// wins over any number (the last NaN of the window, in row-major order); among equal maxima the first wins.
template <class T>
void max_pool(const T* in, T* out, int64_t* indices, const PoolGeometry& g);

// Adaptive max pooling: the window of output i along a dim is [floor(i * in / out), ceil((i + 1) * in / out));
// the choice within a window is max_pool's. Uses g.in and g.out only.
template <class T>
void adaptive_max_pool(const T* in, T* out, int64_t* indices, const PoolGeometry& g);

// The gradient of both max poolings (and the forward of nothing else): grad_in (planes of in_plane, written
// whole) = 0, then grad_in[p][indices[p][j]] += grad_out[p][j] in order of j. Indices outside the plane are
// skipped.
template <class T>
void max_pool_backward(const T* grad_out, const int64_t* indices, T* grad_in, int64_t planes, int64_t out_plane,
                       int64_t in_plane);

// Average pooling: the sum of the window's elements inside the input over its divisor: divisor_override when
// non-zero, else the window's size clipped to the padded input (count_include_pad) or to the input. Integer
// averages are truncated toward zero.
template <class T>
void avg_pool(const T* in, T* out, const PoolGeometry& g, bool count_include_pad, int64_t divisor_override);
// Its gradient (grad_in written whole): each output's gradient over its divisor, added to its window.
template <class T>
void avg_pool_backward(const T* grad_out, T* grad_in, const PoolGeometry& g, bool count_include_pad,
                       int64_t divisor_override);

// Adaptive average pooling (windows as adaptive_max_pool's) and its gradient (grad_in written whole).
template <class T>
void adaptive_avg_pool(const T* in, T* out, const PoolGeometry& g);
template <class T>
void adaptive_avg_pool_backward(const T* grad_out, T* grad_in, const PoolGeometry& g);

// max_unpool: out (planes of out_plane, written whole) = 0, then out[p][indices[p][j]] = in[p][j] in order of
// j. Returns false when an index lies outside [0, out_plane), with the first such index (in plane order) in
// *bad; the output is then incomplete.
template <class T>
bool max_unpool(const T* in, const int64_t* indices, T* out, int64_t planes, int64_t in_plane, int64_t out_plane,
                int64_t* bad);

// out[p][j] = src[p][indices[p][j]]: max_unpool's gradient. Indices outside the plane give 0.
template <class T>
void gather_planes(const T* src, const int64_t* indices, T* out, int64_t planes, int64_t src_plane,
                   int64_t index_plane);

}  // namespace fastgrad::cpu

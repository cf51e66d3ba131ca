// The convolution kernels: im2col / col2im over one to three spatial dims, and the per-sample matrix products
// of convolution and transposed convolution (the ops and their Node are in ops/conv.cpp). Contiguous data only
// (the ops pass dense() copies).
//
// Note [Convolution as matrix products]
// A convolution pairs an *image* (C_img channels over the large spatial grid) with a *window side* (C_win
// channels, one value per window position: L positions), through a weight that holds, per group g of G,
// a (C_win / G) x (C_img / G * K) matrix W_g (K = prod(kernel)). im2col lays every window of the image out as
// a column: row c * K + k, column l holds image channel c at kernel offset k of window l (0 where the window
// reaches into the padding). Then
//   windows_g = W_g im2col(image)_g                               conv forward, transposed conv's grad_input
//   image     = col2im(W_g^T windows_g)                           conv's grad_input, transposed conv forward
//   dW_g      = sum over samples of windows_g im2col(image)_g^T   the weight gradient of both
// where col2im adds every column back into the window's image positions. For a convolution the image is the
// input and the window side the output (weight (C_out, C_in / G, *kernel)); for a transposed convolution the
// image is the output and the window side the input (weight (C_in, C_out / G, *kernel)): the same three
// products with the roles swapped. Padding is never materialised: im2col writes zeros for the taps outside the
// image (so a non-finite weight times padding is NaN, as in PyTorch's float64 kernels) and col2im drops them.
// A 1x1 kernel with stride 1 and no padding makes im2col the identity: the image itself is the column matrix.
//
// Threads: the products run per sample, a chunk of samples per thread (each with its own column buffer); the
// weight gradient sums per fixed block of samples, then over the blocks in order, so its value does not
// depend on the thread count (Note [Intra-op threads]). A product big enough on its own splits inside gemm
// (Note [BLAS threads]) when the batch does not.
#pragma once

#include <cstdint>
#include <climits>

namespace fastgrad::cpu {

// One sample's spatial geometry, with 1 to 3 spatial dims stored right-aligned in 3 slots (a 1-d convolution
// has image {1, 1, W}); the unused leading slots are size 1, kernel 1, stride 1, padding 0, dilation 1.
struct ConvGeometry {
  int64_t image[3] = {1, 1, 1};    // image sizes
  int64_t windows[3] = {1, 1, 1};  // window positions per dim
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t padding[3] = {0, 0, 0};  // before the first element (the padding after it only sets `windows`)
  int64_t dilation[3] = {1, 1, 1};

  // (Saturating at INT64_MAX: an empty batch may have window grids no buffer could hold. The kernels only run
  // on sizes whose tensors exist.)
  int64_t image_numel() const { return product(image); }
  int64_t window_numel() const { return product(windows); }
  int64_t kernel_numel() const { return product(kernel); }
  // im2col is the identity: each window is one image element, in order.
  bool is_pointwise() const {
    for (int i = 0; i < 3; ++i)
      if (kernel[i] != 1 || stride[i] != 1 || padding[i] != 0 || image[i] != windows[i]) return false;
    return true;
  }

 private:
  static int64_t product(const int64_t (&v)[3]) {
    int64_t r = v[0];
    if (__builtin_mul_overflow(r, v[1], &r) || __builtin_mul_overflow(r, v[2], &r)) return INT64_MAX;
    return r;
  }
};

// A batch of convolutions: `batch` samples, `groups` groups, the channels of both sides.
struct ConvShape {
  int64_t batch = 0, groups = 1, image_channels = 0, window_channels = 0;
  ConvGeometry geometry;
};

// columns (batch, channels * K, L) from image (batch, channels, *image); T float, double, int32, int64 or bool.
template <class T>
void im2col(const T* image, int64_t batch, int64_t channels, const ConvGeometry& g, T* columns);
// image (batch, channels, *image) = the sum of the columns (batch, channels * K, L) over the windows (bool: or).
template <class T>
void col2im(const T* columns, int64_t batch, int64_t channels, const ConvGeometry& g, T* image);

// windows (batch, C_win, L) = W_g im2col(image)_g (+ bias per window channel; bias may be null). `columns`, when
// not null and conv_uses_columns(s), receives every sample's im2col (batch, C_img * K, L), for the weight
// gradient. T float, double, int32 or int64.
template <class T>
void conv_windows_from_image(const ConvShape& s, const T* image, const T* weight, const T* bias, T* windows,
                             T* columns = nullptr);
// Whether the products above go through im2col (not for 1x1 kernels with stride 1 and no padding, nor for depthwise
// convolutions, which run directly).
bool conv_uses_columns(const ConvShape& s);
// image (batch, C_img, *image) = col2im(W_g^T windows_g) (+ bias per image channel; bias may be null).
template <class T>
void conv_image_from_windows(const ConvShape& s, const T* windows, const T* weight, const T* bias, T* image);
// grad_weight (C_win, C_img / G, K) = sum over samples of windows_g im2col(image)_g^T; `columns`, when not null,
// is im2col(image) as conv_windows_from_image kept it. T float or double.
template <class T>
void conv_weight_grad(const ConvShape& s, const T* windows, const T* image, T* grad_weight,
                      const T* columns = nullptr);
// out[c] = the sum of x (batch, channels, size) over batch and size (a bias gradient). T float or double.
template <class T>
void channel_sums(const T* x, int64_t batch, int64_t channels, int64_t size, T* out);

}  // namespace fastgrad::cpu

// See Note [Convolution as matrix products] in conv.h.
#include "conv.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "blas.h"
#include "fastgrad/allocator.h"
#include "fastgrad/error.h"
#include "fastgrad/parallel.h"
#include "wrapping.h"

namespace fastgrad::cpu {

namespace {

// Multiply-adds (or element copies) below which a chunk of samples stays on one thread.
constexpr int64_t kGrainWork = int64_t(1) << 16;
// The weight gradient's fixed blocks of samples: at most this many, holding at most this many bytes of partial
// gradients between them.
constexpr int64_t kMaxWeightBlocks = 16;
constexpr int64_t kWeightBlockBytes = int64_t(32) << 20;

// a * b, saturating at INT64_MAX (sizes of an empty batch's samples may not fit; nothing runs on them).
int64_t sat_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, work_per_item));
}

// a * b, refusing a product past int64 (the sizes of a scratch buffer).
int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  FG_CHECK(!__builtin_mul_overflow(a, b, &r), Error, "convolution: the column buffer's size overflows (", a, " x ", b,
           " elements)");
  return r;
}

// Uninitialised scratch memory from the caching allocator (the column matrix of a chunk of samples).
template <class T>
class Scratch {
 public:
  explicit Scratch(int64_t n) {
    if (n <= 0) return;
    const int64_t bytes = checked_mul(n, static_cast<int64_t>(sizeof(T)));
    data_ = static_cast<T*>(allocate_block(static_cast<size_t>(bytes), block_bytes_));
  }
  ~Scratch() {
    if (data_) release_block(data_, block_bytes_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return data_; }

 private:
  T* data_ = nullptr;
  size_t block_bytes_ = 0;
};

template <class T>
inline void accumulate(T& dst, T v) {
  if constexpr (std::is_same_v<T, bool>) dst = dst || v;
  else dst = wrapping_add(dst, v);
}

// The window positions o in [0, out) whose tap o * stride + offset lies in [0, size): [lo, hi).
inline void inside_range(int64_t size, int64_t out, int64_t stride, int64_t offset, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;
  hi = std::min(hi, out);
  lo = std::min(lo, hi);
}

// Note [Short runs]: the rows im2col moves are short (a 10-wide output row is 10 elements), and GCC turns a plain
// copy or fill loop into a call of memmove or memset, which costs more than such a row: the layout loops are
// compiled without that pattern (plain loops measured 15-25% faster than the calls on 10-30-element rows).
#if defined(__GNUC__) && !defined(__clang__)
#define FG_PLAIN_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define FG_PLAIN_LOOPS
#endif

// One sample's columns <-> image, for `channels` channels: Gather (im2col) writes every column element, 0 in
// the padding; otherwise (col2im) each column element is added to its image element (the image must be zeroed).
template <class T, bool Gather>
FG_PLAIN_LOOPS void layout_sample(T* image, T* columns, int64_t channels, const ConvGeometry& g) {
  const int64_t D = g.image[0], H = g.image[1], W = g.image[2];
  const int64_t OD = g.windows[0], OH = g.windows[1], OW = g.windows[2];
  const int64_t sd = g.stride[0], sh = g.stride[1], sw = g.stride[2];
  T* col = columns;
  for (int64_t c = 0; c < channels; ++c) {
    T* plane = image + c * D * H * W;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const int64_t off_d = kd * g.dilation[0] - g.padding[0], off_h = kh * g.dilation[1] - g.padding[1];
          const int64_t off_w = kw * g.dilation[2] - g.padding[2];
          int64_t lo, hi;
          inside_range(W, OW, sw, off_w, lo, hi);
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * sd + off_d;
            for (int64_t oh = 0; oh < OH; ++oh, col += OW) {
              const int64_t ih = oh * sh + off_h;
              const bool inside = id >= 0 && id < D && ih >= 0 && ih < H;
              if constexpr (Gather) {
                if (!inside) {
                  for (int64_t i = 0; i < OW; ++i) col[i] = T(0);
                  continue;
                }
                const T* in = plane + (id * H + ih) * W;  // (taps at in[i * sw + off_w], inside for i in [lo, hi))
                for (int64_t i = 0; i < lo; ++i) col[i] = T(0);
                if (sw == 1)
                  for (int64_t i = lo; i < hi; ++i) col[i] = in[i + off_w];
                else
                  for (int64_t i = lo; i < hi; ++i) col[i] = in[i * sw + off_w];
                for (int64_t i = hi; i < OW; ++i) col[i] = T(0);
              } else {
                if (!inside) continue;
                T* out = plane + (id * H + ih) * W;
                if (sw == 1)
                  for (int64_t i = lo; i < hi; ++i) accumulate(out[i + off_w], col[i]);
                else
                  for (int64_t i = lo; i < hi; ++i) accumulate(out[i * sw + off_w], col[i]);
              }
            }
          }
        }
  }
}

// A depthwise convolution (each group one image channel and one window channel) without the column matrix:
// windows[c] = bias[c] + sum over kernel offsets k of w[c, k] times the image shifted by k. Taps in the padding
// add w * 0, as the products with im2col's zeros do (NaN for a non-finite weight).
template <class T>
FG_PLAIN_LOOPS void depthwise_sample(const T* image, const T* weight, const T* bias, int64_t channels,
                                     const ConvGeometry& g, T* windows) {
  const int64_t D = g.image[0], H = g.image[1], W = g.image[2];
  const int64_t OD = g.windows[0], OH = g.windows[1], OW = g.windows[2], L = OD * OH * OW;
  const int64_t sd = g.stride[0], sh = g.stride[1], sw = g.stride[2];
  for (int64_t c = 0; c < channels; ++c) {
    const T* plane = image + c * D * H * W;
    const T* w = weight + c * g.kernel_numel();
    T* out = windows + c * L;
    const T start = bias ? bias[c] : T(0);
    for (int64_t i = 0; i < L; ++i) out[i] = start;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          const T wv = *w++;
          const int64_t off_d = kd * g.dilation[0] - g.padding[0], off_h = kh * g.dilation[1] - g.padding[1];
          const int64_t off_w = kw * g.dilation[2] - g.padding[2];
          int64_t lo, hi;
          inside_range(W, OW, sw, off_w, lo, hi);
          bool finite = true;
          if constexpr (std::is_floating_point_v<T>) finite = std::isfinite(wv);
          const T pad_term = wrapping_mul(wv, T(0));
          T* row = out;
          for (int64_t od = 0; od < OD; ++od) {
            const int64_t id = od * sd + off_d;
            for (int64_t oh = 0; oh < OH; ++oh, row += OW) {
              const int64_t ih = oh * sh + off_h;
              if (id < 0 || id >= D || ih < 0 || ih >= H) {
                if (!finite)
                  for (int64_t i = 0; i < OW; ++i) row[i] += pad_term;
                continue;
              }
              const T* in = plane + (id * H + ih) * W;
              if (!finite) {
                for (int64_t i = 0; i < lo; ++i) row[i] += pad_term;
                for (int64_t i = hi; i < OW; ++i) row[i] += pad_term;
              }
              if (sw == 1)
                for (int64_t i = lo; i < hi; ++i) row[i] = wrapping_add(row[i], wrapping_mul(wv, in[i + off_w]));
              else
                for (int64_t i = lo; i < hi; ++i) row[i] = wrapping_add(row[i], wrapping_mul(wv, in[i * sw + off_w]));
            }
          }
        }
  }
}

template <class T>
void im2col_sample(const T* image, int64_t channels, const ConvGeometry& g, T* columns) {
  layout_sample<T, true>(const_cast<T*>(image), columns, channels, g);  // (Gather only reads the image)
}

// image = the columns added back into place (image is overwritten).
template <class T>
void col2im_sample(const T* columns, int64_t channels, const ConvGeometry& g, T* image) {
  std::fill(image, image + channels * g.image_numel(), T(0));
  layout_sample<T, false>(image, const_cast<T*>(columns), channels, g);  // (and col2im only reads the columns)
}

// Per-sample sizes of a ConvShape.
struct Sizes {
  int64_t img, win, K, L, cg, og, cgk;  // image and window elements per sample, kernel, windows, per-group sizes
  bool pointwise;
};

Sizes sizes_of(const ConvShape& s) {
  Sizes z;
  z.K = s.geometry.kernel_numel();
  z.L = s.geometry.window_numel();
  z.img = sat_mul(s.image_channels, s.geometry.image_numel());
  z.win = sat_mul(s.window_channels, z.L);
  z.cg = s.image_channels / s.groups;
  z.og = s.window_channels / s.groups;
  z.cgk = z.cg * z.K;
  z.pointwise = s.geometry.is_pointwise();
  return z;
}

}  // namespace

template <class T>
void im2col(const T* image, int64_t batch, int64_t channels, const ConvGeometry& g, T* columns) {
  const int64_t img = channels * g.image_numel(), cols = channels * g.kernel_numel() * g.window_numel();
  parallel_for(0, batch * channels, grain_for(g.kernel_numel() * g.window_numel()), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / channels, c = i % channels;
      im2col_sample(image + n * img + c * g.image_numel(), 1, g,
                    columns + n * cols + c * g.kernel_numel() * g.window_numel());
    }
  });
}

template <class T>
void col2im(const T* columns, int64_t batch, int64_t channels, const ConvGeometry& g, T* image) {
  const int64_t img = channels * g.image_numel(), cols = channels * g.kernel_numel() * g.window_numel();
  parallel_for(0, batch * channels, grain_for(g.kernel_numel() * g.window_numel()), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / channels, c = i % channels;
      col2im_sample(columns + n * cols + c * g.kernel_numel() * g.window_numel(), 1, g,
                    image + n * img + c * g.image_numel());
    }
  });
}

bool conv_uses_columns(const ConvShape& s) {
  const Sizes z = sizes_of(s);
  return !z.pointwise && !(z.cg == 1 && z.og == 1);
}

template <class T>
void conv_windows_from_image(const ConvShape& s, const T* image, const T* weight, const T* bias, T* windows,
                             T* columns) {
  const Sizes z = sizes_of(s);
  const int64_t work = std::max<int64_t>(1, sat_mul(sat_mul(s.window_channels, z.cgk), z.L));
  if (z.cg == 1 && z.og == 1 && !z.pointwise) {  // depthwise: direct (a product per channel would be a dot)
    parallel_for(0, s.batch, grain_for(work), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n)
        depthwise_sample(image + n * z.img, weight, bias, s.image_channels, s.geometry, windows + n * z.win);
    });
    return;
  }
  const int64_t per_sample_columns = s.image_channels * z.K * z.L;
  parallel_for(0, s.batch, grain_for(work), [&](int64_t n0, int64_t n1) {
    Scratch<T> buffer(z.pointwise || columns ? 0 : checked_mul(s.image_channels * z.K, z.L));
    for (int64_t n = n0; n < n1; ++n) {
      const T* cols = image + n * z.img;
      if (!z.pointwise) {
        T* target = columns ? columns + n * per_sample_columns : buffer.get();
        im2col_sample(cols, s.image_channels, s.geometry, target);
        cols = target;
      }
      T* out = windows + n * z.win;
      if (bias)
        for (int64_t o = 0; o < s.window_channels; ++o) std::fill(out + o * z.L, out + (o + 1) * z.L, bias[o]);
      else if (z.cgk == 0)
        std::fill(out, out + z.win, T(0));
      if (z.cgk == 0) continue;
      for (int64_t g = 0; g < s.groups; ++g)
        gemm<T>(false, false, z.og, z.L, z.cgk, T(1), weight + g * z.og * z.cgk, z.cgk, cols + g * z.cgk * z.L, z.L,
                bias ? T(1) : T(0), out + g * z.og * z.L, z.L);
    }
  });
}

template <class T>
void conv_image_from_windows(const ConvShape& s, const T* windows, const T* weight, const T* bias, T* image) {
  const Sizes z = sizes_of(s);
  const int64_t work = std::max<int64_t>(1, sat_mul(sat_mul(s.window_channels, z.cgk), z.L));
  const int64_t plane = s.geometry.image_numel();
  // W_g^T once, contiguous: a product with a transposed small operand takes BLAS's packing path, the
  // untransposed one its small-matrix kernels (measured 1.5x on LeNet's second convolution).
  Scratch<T> transposed(s.groups * z.og * z.cgk);
  for (int64_t g = 0; g < s.groups; ++g) {
    const T* w = weight + g * z.og * z.cgk;
    T* t = transposed.get() + g * z.og * z.cgk;
    for (int64_t o = 0; o < z.og; ++o)
      for (int64_t i = 0; i < z.cgk; ++i) t[i * z.og + o] = w[o * z.cgk + i];
  }
  parallel_for(0, s.batch, grain_for(work), [&](int64_t n0, int64_t n1) {
    Scratch<T> buffer(z.pointwise ? 0 : checked_mul(s.image_channels * z.K, z.L));
    for (int64_t n = n0; n < n1; ++n) {
      T* img = image + n * z.img;
      T* cols = z.pointwise ? img : buffer.get();
      if (z.og == 0) {
        std::fill(cols, cols + s.image_channels * z.K * z.L, T(0));
      } else {
        for (int64_t g = 0; g < s.groups; ++g)
          gemm<T>(false, false, z.cgk, z.L, z.og, T(1), transposed.get() + g * z.og * z.cgk, z.og,
                  windows + n * z.win + g * z.og * z.L, z.L, T(0), cols + g * z.cgk * z.L, z.L);
      }
      if (!z.pointwise) col2im_sample(cols, s.image_channels, s.geometry, img);
      if (bias)
        for (int64_t c = 0; c < s.image_channels; ++c) {
          T* p = img + c * plane;
          for (int64_t i = 0; i < plane; ++i) p[i] = wrapping_add(p[i], bias[c]);
        }
    }
  });
}

template <class T>
void conv_weight_grad(const ConvShape& s, const T* windows, const T* image, T* grad_weight, const T* columns) {
  const Sizes z = sizes_of(s);
  const int64_t numel = s.window_channels * z.cgk;
  if (numel == 0) return;
  if (s.batch == 0 || z.L == 0) {
    std::fill(grad_weight, grad_weight + numel, T(0));
    return;
  }
  // Fixed blocks of samples (not one per thread): the sum's order depends on the shapes only.
  const int64_t per_sample = std::max<int64_t>(1, sat_mul(numel, z.L));
  int64_t blocks = std::min<int64_t>(s.batch, kMaxWeightBlocks);
  blocks = std::min<int64_t>(blocks, std::max<int64_t>(1, kWeightBlockBytes / (numel * int64_t(sizeof(T)))));
  blocks = std::min<int64_t>(blocks, std::max<int64_t>(1, sat_mul(s.batch, per_sample) / kGrainWork));
  // Each block sums dW_g^T = im2col(image)_g windows_g^T (cgk x og) over its samples, transposed into place at
  // the end: OpenBLAS takes this form through its small-matrix kernels, where dW_g = windows_g im2col_g^T went
  // through its packing path (measured 1.0-1.4x slower on the small CNN's and LeNet's shapes).
  Scratch<T> sums(checked_mul(blocks, numel));
  parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    Scratch<T> buffer(z.pointwise || columns ? 0 : checked_mul(s.image_channels * z.K, z.L));
    for (int64_t b = b0; b < b1; ++b) {
      T* out = sums.get() + b * numel;
      const int64_t n0 = b * s.batch / blocks, n1 = (b + 1) * s.batch / blocks;
      for (int64_t n = n0; n < n1; ++n) {
        const T* cols = image + n * z.img;
        if (columns) {
          cols = columns + n * s.image_channels * z.K * z.L;
        } else if (!z.pointwise) {
          im2col_sample(cols, s.image_channels, s.geometry, buffer.get());
          cols = buffer.get();
        }
        for (int64_t g = 0; g < s.groups; ++g)
          gemm<T>(false, true, z.cgk, z.og, z.L, T(1), cols + g * z.cgk * z.L, z.L,
                  windows + n * z.win + g * z.og * z.L, z.L, n == n0 ? T(0) : T(1), out + g * z.og * z.cgk, z.og);
      }
    }
  });
  // The blocks in order, then each group's (cgk x og) sum transposed into place.
  T* total = sums.get();
  for (int64_t b = 1; b < blocks; ++b) {
    const T* p = sums.get() + b * numel;
    for (int64_t i = 0; i < numel; ++i) total[i] += p[i];
  }
  for (int64_t g = 0; g < s.groups; ++g) {
    const T* t = total + g * z.og * z.cgk;
    T* w = grad_weight + g * z.og * z.cgk;
    for (int64_t i = 0; i < z.cgk; ++i)
      for (int64_t o = 0; o < z.og; ++o) w[o * z.cgk + i] = t[i * z.og + o];
  }
}

template <class T>
double sum_run(const T* p, int64_t n) {
  constexpr int kLanes = 16, kBlock = 16 * kLanes;
  double total = 0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    T lane[kLanes] = {};
    for (int64_t j = 0; j < kBlock; j += kLanes)
      for (int k = 0; k < kLanes; ++k) lane[k] += p[i + j + k];
    for (int k = 0; k < kLanes; ++k) total += lane[k];
  }
  for (; i < n; ++i) total += p[i];
  return total;
}

template <class T>
void channel_sums(const T* x, int64_t batch, int64_t channels, int64_t size, T* out) {
  parallel_for(0, channels, grain_for(batch * size), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double total = 0;  // in double for float32 too: a bias gradient sums batch * size terms
      for (int64_t n = 0; n < batch; ++n) total += sum_run(x + (n * channels + c) * size, size);
      out[c] = static_cast<T>(total);
    }
  });
}

#define FG_CONV_LAYOUT(T)                                                                    \
  template void im2col<T>(const T*, int64_t, int64_t, const ConvGeometry&, T*);             \
  template void col2im<T>(const T*, int64_t, int64_t, const ConvGeometry&, T*);
#define FG_CONV_PRODUCTS(T)                                                                                    \
  template void conv_windows_from_image<T>(const ConvShape&, const T*, const T*, const T*, T*, T*);            \
  template void conv_image_from_windows<T>(const ConvShape&, const T*, const T*, const T*, T*);
FG_CONV_LAYOUT(float)
FG_CONV_LAYOUT(double)
FG_CONV_LAYOUT(int32_t)
FG_CONV_LAYOUT(int64_t)
FG_CONV_LAYOUT(bool)
FG_CONV_PRODUCTS(float)
FG_CONV_PRODUCTS(double)
FG_CONV_PRODUCTS(int32_t)
FG_CONV_PRODUCTS(int64_t)
template void conv_weight_grad<float>(const ConvShape&, const float*, const float*, float*, const float*);
template void conv_weight_grad<double>(const ConvShape&, const double*, const double*, double*, const double*);
template void channel_sums<float>(const float*, int64_t, int64_t, int64_t, float*);
template void channel_sums<double>(const double*, int64_t, int64_t, int64_t, double*);
#undef FG_CONV_LAYOUT
#undef FG_CONV_PRODUCTS

}  // namespace fastgrad::cpu

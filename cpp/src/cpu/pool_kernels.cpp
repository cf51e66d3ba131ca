// See cpu/pool_kernels.h.
#include "pool_kernels.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "fastgrad/parallel.h"

namespace fastgrad::cpu {

namespace {

// Elements of work below which a kernel stays on the calling thread (as in loops.h).
constexpr int64_t kGrain = 32768;

// f(p) for every plane p, on several threads when there is enough work (`per_plane` elements each).
template <class F>
void for_planes(int64_t planes, int64_t per_plane, F f) {
  parallel_for(0, planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, per_plane)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

// The input positions one window reads along one dim: begin, begin + step, ... below end.
struct Span {
  int64_t begin, end, step;
};

// Max pooling's window of output o: the taps inside the input (the first one found by stepping over the
// padding a dilation at a time, as the window's positions are).
Span max_span(int64_t o, int64_t size, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  int64_t begin = o * stride - pad;
  const int64_t end = std::min(begin + (kernel - 1) * dilation + 1, size);
  if (begin < 0) begin += ((-begin + dilation - 1) / dilation) * dilation;
  return {begin, end, dilation};
}

// Adaptive pooling's window of output o: [floor(o * in / out), ceil((o + 1) * in / out)).
Span adaptive_span(int64_t o, int64_t in, int64_t out) {
  return {(o * in) / out, ((o + 1) * in + out - 1) / out, 1};
}

// The spans of every output position along each of the three dims (the same for every plane).
struct Spans {
  std::vector<Span> dim[3];
  int64_t taps() const {  // the most taps one window can have, for the grain size
    int64_t n = 1;
    for (const auto& d : dim) {
      int64_t most = 0;
      for (const Span& s : d) most = std::max(most, (s.end - s.begin + s.step - 1) / s.step);
      n *= std::max<int64_t>(most, 1);
    }
    return n;
  }
};

Spans max_spans(const PoolGeometry& g) {
  Spans s;
  for (int d = 0; d < 3; ++d)
    for (int64_t o = 0; o < g.out[d]; ++o)
      s.dim[d].push_back(max_span(o, g.in[d], g.kernel[d], g.stride[d], g.padding[d], g.dilation[d]));
  return s;
}

Spans adaptive_spans(const PoolGeometry& g) {
  Spans s;
  for (int d = 0; d < 3; ++d)
    for (int64_t o = 0; o < g.out[d]; ++o) s.dim[d].push_back(adaptive_span(o, g.in[d], g.out[d]));
  return s;
}

template <class T>
constexpr T lowest() {
  if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}

// The max-pooling choice over windows given by spans: the largest element, the first of equal maxima, or the
// last NaN when the window holds one (as if NaN were larger than everything and later NaNs larger still); a
// window without taps gives lowest() at its first position. The loop is branch-free (a max and two conditional
// moves per element): which element wins is data-dependent, and branches on it mispredict.
template <class T>
void max_over_spans(const T* in, T* out, int64_t* indices, int64_t planes, const int64_t* size, const int64_t* out_size,
                    const Spans& s) {
  const int64_t in_plane = size[0] * size[1] * size[2], out_plane = out_size[0] * out_size[1] * out_size[2];
  const int64_t H = size[1], W = size[2];
  for_planes(planes, out_plane * s.taps(), [&](int64_t p) {
    const T* x = in + p * in_plane;
    T* y = out + p * out_plane;
    int64_t* ix = indices + p * out_plane;
    for (const Span& d : s.dim[0])
      for (const Span& h : s.dim[1])
        for (const Span& w : s.dim[2]) {
          int64_t best = (d.begin * H + h.begin) * W + w.begin, last_nan = -1;
          T top = lowest<T>();
          for (int64_t id = d.begin; id < d.end; id += d.step)
            for (int64_t ih = h.begin; ih < h.end; ih += h.step) {
              const int64_t row = (id * H + ih) * W;
              for (int64_t iw = w.begin; iw < w.end; iw += w.step) {
                const T v = x[row + iw];
                best = v > top ? row + iw : best;
                top = v > top ? v : top;
                if constexpr (std::is_floating_point_v<T>) last_nan = v != v ? row + iw : last_nan;
              }
            }
          if (last_nan >= 0) {
            top = x[last_nan];
            best = last_nan;
          }
          *y++ = top;
          *ix++ = best;
        }
  });
}

// Average pooling's window along one dim: the taps inside the input, and the window's size clipped to the
// padded input (what count_include_pad divides by).
struct AvgSpan {
  int64_t begin, end, padded;
};

AvgSpan avg_span(int64_t o, int64_t size, int64_t kernel, int64_t stride, int64_t pad) {
  const int64_t begin = o * stride - pad;
  const int64_t end = std::min(begin + kernel, size + pad);
  return {std::max<int64_t>(begin, 0), std::min(end, size), end - begin};
}

// f(plane, index of the output in its plane, window along d, h, w, divisor) for every output of every plane.
// The windows and divisors are the same in every plane: computed once.
template <class F>
void for_avg_windows(const PoolGeometry& g, bool count_include_pad, int64_t divisor_override, F f) {
  std::vector<AvgSpan> spans[3];
  for (int d = 0; d < 3; ++d)
    for (int64_t o = 0; o < g.out[d]; ++o)
      spans[d].push_back(avg_span(o, g.in[d], g.kernel[d], g.stride[d], g.padding[d]));
  std::vector<int64_t> divisors;
  divisors.reserve(static_cast<size_t>(g.out_plane()));
  for (const AvgSpan& d : spans[0])
    for (const AvgSpan& h : spans[1])
      for (const AvgSpan& w : spans[2])
        divisors.push_back(divisor_override != 0 ? divisor_override
                           : count_include_pad   ? d.padded * h.padded * w.padded
                                                 : (d.end - d.begin) * (h.end - h.begin) * (w.end - w.begin));
  const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
  for_planes(g.planes, g.out_plane() * taps, [&](int64_t p) {
    const int64_t* divisor = divisors.data();
    int64_t j = 0;
    for (const AvgSpan& d : spans[0])
      for (const AvgSpan& h : spans[1])
        for (const AvgSpan& w : spans[2]) {
          f(p, j, d, h, w, divisor[j]);
          ++j;
        }
  });
}

}  // namespace

template <class T>
void max_pool(const T* in, T* out, int64_t* indices, const PoolGeometry& g) {
  max_over_spans(in, out, indices, g.planes, g.in, g.out, max_spans(g));
}

template <class T>
void adaptive_max_pool(const T* in, T* out, int64_t* indices, const PoolGeometry& g) {
  max_over_spans(in, out, indices, g.planes, g.in, g.out, adaptive_spans(g));
}

template <class T>
void max_pool_backward(const T* grad_out, const int64_t* indices, T* grad_in, int64_t planes, int64_t out_plane,
                       int64_t in_plane) {
  for_planes(planes, out_plane + in_plane, [&](int64_t p) {
    T* gi = grad_in + p * in_plane;
    const T* go = grad_out + p * out_plane;
    const int64_t* ix = indices + p * out_plane;
    std::fill(gi, gi + in_plane, T(0));
    for (int64_t j = 0; j < out_plane; ++j)
      if (static_cast<uint64_t>(ix[j]) < static_cast<uint64_t>(in_plane)) gi[ix[j]] += go[j];
  });
}

template <class T>
void avg_pool(const T* in, T* out, const PoolGeometry& g, bool count_include_pad, int64_t divisor_override) {
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  for_avg_windows(g, count_include_pad, divisor_override,
                  [&](int64_t p, int64_t j, const AvgSpan& d, const AvgSpan& h, const AvgSpan& w, int64_t divisor) {
                    const T* x = in + p * in_plane;
                    if (d.begin >= d.end || h.begin >= h.end || w.begin >= w.end) {
                      out[p * out_plane + j] = T(0);
                      return;
                    }
                    T sum = 0;
                    for (int64_t id = d.begin; id < d.end; ++id)
                      for (int64_t ih = h.begin; ih < h.end; ++ih) {
                        const T* row = x + (id * H + ih) * W;
                        for (int64_t iw = w.begin; iw < w.end; ++iw) sum += row[iw];
                      }
                    out[p * out_plane + j] = sum / static_cast<T>(divisor);
                  });
}

template <class T>
void avg_pool_backward(const T* grad_out, T* grad_in, const PoolGeometry& g, bool count_include_pad,
                       int64_t divisor_override) {
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  // Zeroed plane by plane by the thread that then fills it (the first output of a plane comes first).
  for_avg_windows(g, count_include_pad, divisor_override,
                  [&](int64_t p, int64_t j, const AvgSpan& d, const AvgSpan& h, const AvgSpan& w, int64_t divisor) {
                    T* gi = grad_in + p * in_plane;
                    if (j == 0) std::fill(gi, gi + in_plane, T(0));
                    const T delta = grad_out[p * out_plane + j] / static_cast<T>(divisor);
                    for (int64_t id = d.begin; id < d.end; ++id)
                      for (int64_t ih = h.begin; ih < h.end; ++ih) {
                        T* row = gi + (id * H + ih) * W;
                        for (int64_t iw = w.begin; iw < w.end; ++iw) row[iw] += delta;
                      }
                  });
}

// Adaptive averages divide by the window's extent along each dim in turn, as PyTorch's kernels do (the
// last bit of a float32 average depends on it).
template <class T>
void adaptive_avg_pool(const T* in, T* out, const PoolGeometry& g) {
  const Spans s = adaptive_spans(g);
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  for_planes(g.planes, out_plane * s.taps(), [&](int64_t p) {
    const T* x = in + p * in_plane;
    T* y = out + p * out_plane;
    for (const Span& d : s.dim[0])
      for (const Span& h : s.dim[1])
        for (const Span& w : s.dim[2]) {
          T sum = 0;
          for (int64_t id = d.begin; id < d.end; ++id)
            for (int64_t ih = h.begin; ih < h.end; ++ih) {
              const T* row = x + (id * H + ih) * W;
              for (int64_t iw = w.begin; iw < w.end; ++iw) sum += row[iw];
            }
          *y++ = sum / static_cast<T>(d.end - d.begin) / static_cast<T>(h.end - h.begin) /
                 static_cast<T>(w.end - w.begin);
        }
  });
}

template <class T>
void adaptive_avg_pool_backward(const T* grad_out, T* grad_in, const PoolGeometry& g) {
  const Spans s = adaptive_spans(g);
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  for_planes(g.planes, out_plane * s.taps() + in_plane, [&](int64_t p) {
    T* gi = grad_in + p * in_plane;
    const T* go = grad_out + p * out_plane;
    std::fill(gi, gi + in_plane, T(0));
    for (const Span& d : s.dim[0])
      for (const Span& h : s.dim[1])
        for (const Span& w : s.dim[2]) {
          const T delta = *go++ / static_cast<T>(d.end - d.begin) / static_cast<T>(h.end - h.begin) /
                          static_cast<T>(w.end - w.begin);
          for (int64_t id = d.begin; id < d.end; ++id)
            for (int64_t ih = h.begin; ih < h.end; ++ih) {
              T* row = gi + (id * H + ih) * W;
              for (int64_t iw = w.begin; iw < w.end; ++iw) row[iw] += delta;
            }
        }
  });
}

template <class T>
bool max_unpool(const T* in, const int64_t* indices, T* out, int64_t planes, int64_t in_plane, int64_t out_plane,
                int64_t* bad) {
  // The first bad index in plane order: each plane records its own, the smallest plane's is reported.
  std::atomic<int64_t> first_bad_plane{planes};
  std::vector<int64_t> bad_of_plane(static_cast<size_t>(planes), 0);
  for_planes(planes, in_plane + out_plane, [&](int64_t p) {
    T* y = out + p * out_plane;
    const T* x = in + p * in_plane;
    const int64_t* ix = indices + p * in_plane;
    std::fill(y, y + out_plane, T(0));
    for (int64_t j = 0; j < in_plane; ++j) {
      if (static_cast<uint64_t>(ix[j]) >= static_cast<uint64_t>(out_plane)) {
        bad_of_plane[static_cast<size_t>(p)] = ix[j];
        int64_t seen = first_bad_plane.load();
        while (p < seen && !first_bad_plane.compare_exchange_weak(seen, p)) {
        }
        return;
      }
      y[ix[j]] = x[j];
    }
  });
  if (first_bad_plane.load() == planes) return true;
  *bad = bad_of_plane[static_cast<size_t>(first_bad_plane.load())];
  return false;
}

template <class T>
void gather_planes(const T* src, const int64_t* indices, T* out, int64_t planes, int64_t src_plane,
                   int64_t index_plane) {
  for_planes(planes, index_plane, [&](int64_t p) {
    const T* x = src + p * src_plane;
    const int64_t* ix = indices + p * index_plane;
    T* y = out + p * index_plane;
    for (int64_t j = 0; j < index_plane; ++j)
      y[j] = static_cast<uint64_t>(ix[j]) < static_cast<uint64_t>(src_plane) ? x[ix[j]] : T(0);
  });
}

#define FG_POOL_MAX(T)                                                                                          \
  template void max_pool<T>(const T*, T*, int64_t*, const PoolGeometry&);                                       \
  template void adaptive_max_pool<T>(const T*, T*, int64_t*, const PoolGeometry&);
#define FG_POOL_FLOAT(T)                                                                                         \
  template void max_pool_backward<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);                  \
  template void avg_pool_backward<T>(const T*, T*, const PoolGeometry&, bool, int64_t);                         \
  template void adaptive_avg_pool<T>(const T*, T*, const PoolGeometry&);                                        \
  template void adaptive_avg_pool_backward<T>(const T*, T*, const PoolGeometry&);                               \
  template bool max_unpool<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t, int64_t*);               \
  template void gather_planes<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);
FG_POOL_MAX(float)
FG_POOL_MAX(double)
FG_POOL_MAX(int32_t)
FG_POOL_MAX(int64_t)
FG_POOL_MAX(uint8_t)
FG_POOL_MAX(int8_t)
FG_POOL_MAX(int16_t)
FG_POOL_FLOAT(float)
FG_POOL_FLOAT(double)
template void avg_pool<float>(const float*, float*, const PoolGeometry&, bool, int64_t);
template void avg_pool<double>(const double*, double*, const PoolGeometry&, bool, int64_t);
template void avg_pool<int64_t>(const int64_t*, int64_t*, const PoolGeometry&, bool, int64_t);
#undef FG_POOL_MAX
#undef FG_POOL_FLOAT

}  // namespace fastgrad::cpu

// See cpu/upsample_kernels.h.
#include "upsample_kernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fastgrad/parallel.h"

namespace fastgrad::cpu {

namespace {

// Elements of work below which a kernel stays on the calling thread (as in loops.h).
constexpr int64_t kGrain = 32768;

template <class F>
void for_planes(int64_t planes, int64_t per_plane, F f) {
  parallel_for(0, planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, per_plane)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

// The taps of one dim: output o reads index[o * n + k] with weight[o * n + k] for k < n.
template <class T>
struct Taps {
  int64_t n = 1;
  std::vector<int64_t> index;
  std::vector<T> weight;
};

// The source-index step of a dim (Note [Upsampling coordinates]), in T as PyTorch computes it.
template <class T>
T area_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
}

template <class T>
T source_position(T scale, int64_t o, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<T>(o);
  const T x = scale * (static_cast<T>(o) + T(0.5)) - T(0.5);
  return (!cubic && x < 0) ? T(0) : x;
}

// i = min(floor(x), n - 1) and t = clamp(x - i, 0, 1).
template <class T>
void index_and_fraction(T x, int64_t n, int64_t* i, T* t) {
  *i = std::min(static_cast<int64_t>(std::floor(x)), n - 1);
  *t = std::min(std::max(x - static_cast<T>(*i), T(0)), T(1));
}

// Keys' cubic convolution kernel with A = -0.75: for |x| <= 1 and for 1 < |x| < 2.
template <class T>
T cubic_near(T x) {
  constexpr T A = T(-0.75);
  return ((A + 2) * x - (A + 3)) * x * x + 1;
}

template <class T>
T cubic_far(T x) {
  constexpr T A = T(-0.75);
  return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

// nearest's (and nearest-exact's) source index from the step s (float32 or float64, Note [Upsampling
// coordinates]): the product is formed in double and floored as a float32, as PyTorch's kernels do.
template <class S>
int64_t nearest_index(int64_t o, int64_t in, int64_t out, double scale, bool exact) {
  const S s = scale > 0 ? static_cast<S>(1.0 / scale) : static_cast<S>(in) / static_cast<S>(out);
  const float x = static_cast<float>((static_cast<double>(o) + (exact ? 0.5 : 0.0)) * static_cast<double>(s));
  return std::min(static_cast<int64_t>(std::floor(x)), in - 1);
}

template <class T>
Taps<T> taps_of(const UpsampleGeometry& g, int d, bool backward) {
  Taps<T> taps;
  const int64_t in = g.in[d], out = g.out[d];
  if (d < 3 - g.nd) {  // a leading dim of a 1-d or 2-d op: the identity
    taps.index.assign(static_cast<size_t>(out), 0);
    taps.weight.assign(static_cast<size_t>(out), T(1));
    return taps;
  }
  switch (g.kind) {
    case UpsampleKind::Nearest:
    case UpsampleKind::NearestExact: {
      const bool exact = g.kind == UpsampleKind::NearestExact;
      // (nearest's backward and its 2-d forward copy a dim of the same size and halve the index of a doubled
      // one whatever the given scale; the backward computes in float32)
      const bool shortcuts = !exact && (backward || g.nd == 2);
      for (int64_t o = 0; o < out; ++o) {
        int64_t i;
        if (shortcuts && out == in) i = o;
        else if (shortcuts && out == 2 * in) i = o >> 1;
        else if (backward) i = nearest_index<float>(o, in, out, g.scale[d], exact);
        else i = nearest_index<T>(o, in, out, g.scale[d], exact);
        taps.index.push_back(i);
        taps.weight.push_back(T(1));
      }
      break;
    }
    case UpsampleKind::Linear: {
      taps.n = 2;
      const T scale = area_scale<T>(in, out, g.align_corners, g.scale[d]);
      for (int64_t o = 0; o < out; ++o) {
        int64_t i = o;
        T t = 0;  // a dim of the same size is copied (weights 1 and 0), whatever the given scale
        if (in != out) index_and_fraction(source_position(scale, o, g.align_corners, false), in, &i, &t);
        taps.index.push_back(i);
        taps.index.push_back(i + (i < in - 1 ? 1 : 0));
        taps.weight.push_back(T(1) - t);
        taps.weight.push_back(t);
      }
      break;
    }
    case UpsampleKind::Cubic: {
      taps.n = 4;
      const T scale = area_scale<T>(in, out, g.align_corners, g.scale[d]);
      for (int64_t o = 0; o < out; ++o) {
        int64_t i;
        T t;
        index_and_fraction(source_position(scale, o, g.align_corners, true), in, &i, &t);
        for (int64_t k = 0; k < 4; ++k) taps.index.push_back(std::min(std::max<int64_t>(i - 1 + k, 0), in - 1));
        taps.weight.push_back(cubic_far(t + T(1)));
        taps.weight.push_back(cubic_near(t));
        taps.weight.push_back(cubic_near(T(1) - t));
        taps.weight.push_back(cubic_far(T(2) - t));
      }
      break;
    }
  }
  return taps;
}

template <class T>
struct AllTaps {
  Taps<T> dim[3];
  AllTaps(const UpsampleGeometry& g, bool backward) {
    for (int d = 0; d < 3; ++d) dim[d] = taps_of<T>(g, d, backward);
  }
  bool nearest() const { return dim[0].n == 1 && dim[1].n == 1 && dim[2].n == 1; }
  int64_t per_output() const { return dim[0].n * dim[1].n * dim[2].n; }
};

// The weighted sums of every output: the innermost dim's taps summed first, then each outer dim's (PyTorch's
// order). ND, NH, NW: the tap counts when known at compile time, 0 for taps.dim[d].n.
template <class T, int ND, int NH, int NW>
void interpolate(const T* in, T* out, const UpsampleGeometry& g, const AllTaps<T>& taps) {
  const Taps<T>&td = taps.dim[0], &th = taps.dim[1], &tw = taps.dim[2];
  const int64_t nd = ND ? ND : td.n, nh = NH ? NH : th.n, nw = NW ? NW : tw.n;
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  for_planes(g.planes, out_plane * taps.per_output(), [&](int64_t p) {
    const T* x = in + p * in_plane;
    T* y = out + p * out_plane;
    for (int64_t od = 0; od < OD; ++od)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t* id = &td.index[od * nd];
        const int64_t* ih = &th.index[oh * nh];
        const T* wd = &td.weight[od * nd];
        const T* wh = &th.weight[oh * nh];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t* iw = &tw.index[ow * nw];
          const T* ww = &tw.weight[ow * nw];
          T acc_d = 0;
          for (int64_t a = 0; a < nd; ++a) {
            T acc_h = 0;
            for (int64_t b = 0; b < nh; ++b) {
              const T* row = x + (id[a] * H + ih[b]) * W;
              T acc_w = row[iw[0]] * ww[0];
              for (int64_t c = 1; c < nw; ++c) acc_w += row[iw[c]] * ww[c];
              const T v = acc_w * wh[b];
              acc_h = b == 0 ? v : acc_h + v;
            }
            const T v = acc_h * wd[a];
            acc_d = a == 0 ? v : acc_d + v;
          }
          *y++ = acc_d;
        }
      }
  });
}

// The transposed sums (grad_in written whole): each output's gradient times its taps' weights, added at their
// positions in output order. ND, NH, NW as interpolate's.
template <class T, int ND, int NH, int NW>
void scatter(const T* grad_out, T* grad_in, const UpsampleGeometry& g, const AllTaps<T>& taps) {
  const Taps<T>&td = taps.dim[0], &th = taps.dim[1], &tw = taps.dim[2];
  const int64_t nd = ND ? ND : td.n, nh = NH ? NH : th.n, nw = NW ? NW : tw.n;
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  for_planes(g.planes, out_plane * taps.per_output() + in_plane, [&](int64_t p) {
    T* gi = grad_in + p * in_plane;
    const T* go = grad_out + p * out_plane;
    std::fill(gi, gi + in_plane, T(0));
    for (int64_t od = 0; od < OD; ++od)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t* id = &td.index[od * nd];
        const int64_t* ih = &th.index[oh * nh];
        const T* wd = &td.weight[od * nd];
        const T* wh = &th.weight[oh * nh];
        for (int64_t ow = 0; ow < OW; ++ow) {
          const T gv = *go++;
          const int64_t* iw = &tw.index[ow * nw];
          const T* ww = &tw.weight[ow * nw];
          for (int64_t a = 0; a < nd; ++a) {
            const T ga = gv * wd[a];
            for (int64_t b = 0; b < nh; ++b) {
              const T gb = ga * wh[b];
              T* row = gi + (id[a] * H + ih[b]) * W;
              for (int64_t c = 0; c < nw; ++c) row[iw[c]] += gb * ww[c];
            }
          }
        }
      }
  });
}

}  // namespace

template <class T>
void upsample(const T* in, T* out, const UpsampleGeometry& g) {
  const AllTaps<T> taps(g, false);
  const Taps<T>&td = taps.dim[0], &th = taps.dim[1], &tw = taps.dim[2];
  const int64_t H = g.in[1], W = g.in[2], in_plane = g.in_plane(), out_plane = g.out_plane();
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  if (taps.nearest()) {  // one tap of weight 1 per dim: a copy
    for_planes(g.planes, out_plane, [&](int64_t p) {
      const T* x = in + p * in_plane;
      T* y = out + p * out_plane;
      for (int64_t od = 0; od < OD; ++od)
        for (int64_t oh = 0; oh < OH; ++oh) {
          const T* row = x + (td.index[od] * H + th.index[oh]) * W;
          for (int64_t ow = 0; ow < OW; ++ow) *y++ = row[tw.index[ow]];
        }
    });
    return;
  }
  switch (td.n * 100 + th.n * 10 + tw.n) {  // the tap counts as constants, so the tap loops unroll
    case 112: return interpolate<T, 1, 1, 2>(in, out, g, taps);
    case 122: return interpolate<T, 1, 2, 2>(in, out, g, taps);
    case 222: return interpolate<T, 2, 2, 2>(in, out, g, taps);
    case 144: return interpolate<T, 1, 4, 4>(in, out, g, taps);
    default: return interpolate<T, 0, 0, 0>(in, out, g, taps);
  }
}

template <class T>
void upsample_backward(const T* grad_out, T* grad_in, const UpsampleGeometry& g) {
  if (g.kind == UpsampleKind::Cubic && g.in[1] == g.out[1] && g.in[2] == g.out[2]) {
    // bicubic's backward copies the gradient when no dim changes size, whatever the given scales
    std::copy(grad_out, grad_out + g.planes * g.in_plane(), grad_in);
    return;
  }
  const AllTaps<T> taps(g, true);
  switch (taps.dim[0].n * 100 + taps.dim[1].n * 10 + taps.dim[2].n) {
    case 111: return scatter<T, 1, 1, 1>(grad_out, grad_in, g, taps);
    case 112: return scatter<T, 1, 1, 2>(grad_out, grad_in, g, taps);
    case 122: return scatter<T, 1, 2, 2>(grad_out, grad_in, g, taps);
    case 222: return scatter<T, 2, 2, 2>(grad_out, grad_in, g, taps);
    case 144: return scatter<T, 1, 4, 4>(grad_out, grad_in, g, taps);
    default: return scatter<T, 0, 0, 0>(grad_out, grad_in, g, taps);
  }
}

template void upsample<float>(const float*, float*, const UpsampleGeometry&);
template void upsample<double>(const double*, double*, const UpsampleGeometry&);
template void upsample_backward<float>(const float*, float*, const UpsampleGeometry&);
template void upsample_backward<double>(const double*, double*, const UpsampleGeometry&);

}  // namespace fastgrad::cpu

// Counting: bincount, histc and histogram. None has a derivative: histc's result does not require grad, and
// bincount's and histogram's outputs require grad through PyTorch's "NotImplemented" Node, which raises.
//
// Note [Histogram bins]: histogram's bins are its edges: an element x falls into bin i when
// edges[i] <= x < edges[i + 1], the last bin also taking x == edges[bins]; elements outside [edges[0],
// edges[bins]] (and NaN) are not counted, and an element's bin is found against the edges (a binary search), so
// the counts agree with the edges returned, at the boundaries too. The edges of `bins` equal bins over [lo, hi]
// are PyTorch's linspace(lo, hi, bins + 1) in the input's dtype, bit for bit: lo + i * step for the first half
// and hi - (bins - i) * step for the rest, each rounded once (a fused multiply-add, as PyTorch's vectorised
// linspace computes them). histc returns no edges and, as PyTorch's, places x in bin
// floor((x - lo) * bins / (hi - lo)) computed in the input's dtype (bins - 1 for x == hi), which may differ from
// the edges' bin by one at a boundary. When the range collapses to one number in the input's dtype (1e30 - 1 is
// 1e30 in float32), the elements equal to it go to bin bins / 2 (histc) or bin 1 (histogram), where PyTorch
// puts them.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "elementwise.h"
#include "reduce_common.h"
#include "reduced_float.h"

namespace fastgrad {

namespace {

// The bin of x among the increasing `edges` (n_edges >= 2), or -1 when x is outside them (Note [Histogram bins]).
template <class T>
int64_t bin_of(T x, const T* edges, int64_t n_edges) {
  if (!(x >= edges[0] && x <= edges[n_edges - 1])) return -1;
  if (edges[0] == edges[n_edges - 1]) return std::min<int64_t>(1, n_edges - 2);  // a collapsed range
  const int64_t upper = std::upper_bound(edges, edges + n_edges, x) - edges;  // first edge > x
  return std::max<int64_t>(0, std::min(upper - 1, n_edges - 2));
}

// Counts (or sums the weights of) the elements of x into bins along `edges`: hist has n_edges - 1 entries.
Tensor histogram_counts(const Tensor& x, const Tensor& edges, const Tensor& weight) {
  const int64_t n_edges = edges.numel();
  Tensor hist = zeros({n_edges - 1}, x.dtype());
  Tensor xs = dense(x), es = dense(edges), ws = weight.defined() ? dense(weight, x.dtype()) : Tensor();
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = xs.data<T>();
    const T* ep = es.data<T>();
    const T* wp = ws.defined() ? ws.data<T>() : nullptr;
    T* h = hist.data<T>();
    const int64_t n = xs.numel();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t b = bin_of(xp[i], ep, n_edges);
      if (b >= 0) h[b] += wp ? wp[i] : T(1);
    }
  });
  return hist;
}

// The edges of `bins` equal bins over [lo, hi] in dtype, as PyTorch's linspace (Note [Histogram bins]).
Tensor equal_bin_edges(double lo, double hi, int64_t bins, ScalarType dtype) {
  Tensor edges = linspace(lo, hi, bins + 1, dtype);  // its checks and conversions; the values are redone below
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* e = edges.data<T>();
    const T first = static_cast<T>(lo), last = static_cast<T>(hi);
    const T step = (last - first) / static_cast<T>(bins);
    const int64_t half = (bins + 1) / 2;
    for (int64_t i = 0; i <= bins; ++i)
      e[i] = i < half ? std::fma(step, static_cast<T>(i), first) : std::fma(-step, static_cast<T>(bins - i), last);
  });
  return edges;
}

std::string number_str(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The smallest and the largest element of x (NaN when there is one); false when x is empty.
bool data_range(const Tensor& x, double& lo, double& hi) {
  if (x.numel() == 0) return false;
  NoGradGuard guard;
  Tensor mn = amin(x), mx = amax(x);
  lo = mn.item().f;
  hi = mx.item().f;
  return true;
}

// The density form: hist / (sum(hist) * bin widths).
Tensor to_density(const Tensor& hist, const Tensor& edges) {
  NoGradGuard guard;
  const int64_t n = edges.numel();
  Tensor widths = sub(slice(edges, 0, 1, n), slice(edges, 0, 0, n - 1));
  return div(hist, mul(sum(hist), widths));
}

void check_histogram_input(const Tensor& x, const Tensor& weight) {
  check_kernel(is_floating(x.dtype()), "histogramdd", x.dtype());
  if (!weight.defined()) return;
  FG_CHECK(weight.dtype() == x.dtype(), Error,
           "torch.histogramdd: if weight tensor is provided, it should have the same dtype as the input tensor, "
           "but got input with dtype ", element_type_name(x.dtype()), " and weight with dtype ",
           element_type_name(weight.dtype()));
  FG_CHECK(weight.sizes() == x.sizes(), Error,
           "torch.histogram: if weight tensor is provided it should have the same shape as the input tensor, but "
           "got input with shape ", shape_str(x.sizes()), " and weight with shape ", shape_str(weight.sizes()));
}

void check_bin_count(int64_t bins, const char* op) {
  FG_CHECK(bins > 0, Error, "torch.histogram(): bins must be > 0, but got ", bins, " for dimension 0 (", op, ")");
  FG_CHECK(bins < std::numeric_limits<int64_t>::max(), Error, "numel: integer multiplication overflow (", op,
           "() with ", bins, " bins has one edge more)");
}

// The outputs of histogram require grad, through one Node that raises, when any input does.
void record_histogram(Tensor& hist, Tensor& edges, std::initializer_list<const Tensor*> inputs) {
  if (!compute_requires_grad(inputs)) return;
  auto node = make_node<NotImplementedBackward>(inputs, "histogram");
  set_history(hist, node);
  set_history(edges, node);
}

}  // namespace

// ---- bincount ----

Tensor bincount(const Tensor& self, const Tensor& weights, int64_t minlength) {
  check_kernel(!is_floating(self.dtype()) && self.dtype() != ScalarType::Bool, "bincount_cpu", self.dtype());
  FG_CHECK(minlength >= 0, Error, "minlength should be >= 0 (bincount() got minlength = ", minlength, ")");
  FG_CHECK(self.dim() == 1, Error, "bincount only supports 1-d non-negative integral inputs. (got an input of shape ",
           shape_str(self.sizes()), ")");
  Tensor idx = dense(self, ScalarType::Int64);
  const int64_t n = idx.numel();
  const int64_t* ip = idx.data<int64_t>();
  int64_t length = minlength;
  for (int64_t i = 0; i < n; ++i) {
    FG_CHECK(ip[i] >= 0, Error, "bincount only supports 1-d non-negative integral inputs. (got ", ip[i],
             " at position ", i, ")");
    FG_CHECK(ip[i] < std::numeric_limits<int64_t>::max(), Error,
             "maximum value of input overflowed, it should be < ", std::numeric_limits<int64_t>::max(), " but got ",
             ip[i]);
    length = std::max(length, ip[i] + 1);
  }
  if (!weights.defined()) {
    Tensor out = zeros({length}, ScalarType::Int64);
    int64_t* o = out.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) ++o[ip[i]];
    return out;
  }
  FG_CHECK(weights.dim() == 1 && weights.numel() == n, Error,
           "weights should be 1-d and have the same length as input (bincount() got input of shape ",
           shape_str(self.sizes()), " and weights of shape ", shape_str(weights.sizes()), ")");
  const ScalarType out_type = weights.dtype() == ScalarType::Float32 ? ScalarType::Float32 : ScalarType::Float64;
  Tensor w = dense(weights, out_type);
  Tensor out = zeros({length}, out_type);
  dispatch_float(out_type, [&](auto tag) {
    using T = decltype(tag);
    const T* wp = w.data<T>();
    T* o = out.data<T>();
    for (int64_t i = 0; i < n; ++i) o[ip[i]] += wp[i];
  });
  return record_not_implemented(out, "bincount", {&weights});
}

// ---- histc ----

Tensor histc(const Tensor& self, int64_t bins, double min, double max) {
  check_bin_count(bins, "histc");  // before the dtype, as PyTorch checks
  if (is_reduced_float(self.dtype()))  // Note [Half-precision ops]
    return in_float32({self}, self.dtype(), [=](const tensor_list& a) { return histc(a[0], bins, min, max); });
  check_kernel(self.dtype() != ScalarType::Bool, "linspace_cpu", self.dtype());
  check_kernel(is_floating(self.dtype()), "histogram_cpu", self.dtype());
  check_bin_count(bins, "histc");
  FG_CHECK(!(min > max), Error, "torch.histc: max must be larger than min (histc() got min = ", number_str(min),
           ", max = ", number_str(max), ")");
  double lo = min, hi = max;
  if (lo == hi && !data_range(self, lo, hi)) lo = hi = 0;  // min == max: the data's range
  if (lo == hi) {
    lo -= 1;
    hi += 1;
  }
  FG_CHECK(std::isfinite(lo) && std::isfinite(hi), Error, "torch.histc: range of [", number_str(lo), ", ",
           number_str(hi), "] is not finite");
  equal_bin_edges(lo, hi, bins, self.dtype());  // (not returned: the range's checks and conversions)
  Tensor hist = zeros({bins}, self.dtype());
  Tensor xs = dense(self);
  dispatch_float(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T first = static_cast<T>(lo), last = static_cast<T>(hi), scale = static_cast<T>(bins);
    const T* xp = xs.data<T>();
    T* h = hist.data<T>();
    for (int64_t i = 0; i < xs.numel(); ++i) {
      const T x = xp[i];
      if (!(x >= first && x <= last)) continue;
      int64_t b = bins / 2;  // a collapsed range (Note [Histogram bins])
      if (first != last) {
        // (NaN when x - first and last - first overflow to inf: bin 0 then, and no undefined conversion)
        const T pos = (x - first) * scale / (last - first);
        b = !(pos >= T(0)) ? 0 : pos >= static_cast<T>(bins) ? bins - 1 : static_cast<int64_t>(pos);
      }
      h[std::max<int64_t>(0, std::min(b, bins - 1))] += T(1);
    }
  });
  return hist;
}

// ---- histogram ----

std::tuple<Tensor, Tensor> histogram(const Tensor& self, int64_t bins, std::optional<std::pair<double, double>> range,
                                     const Tensor& weight, bool density) {
  check_bin_count(bins, "histogram");  // before the dtype, as PyTorch checks
  // PyTorch computes a half-precision histogram only within a given range ("histogramdd" refuses to find it)
  check_kernel(range.has_value() || !is_reduced_float(self.dtype()) || self.numel() == 0, "histogramdd", self.dtype());
  if (is_reduced_float(self.dtype()) && (!weight.defined() || weight.dtype() == self.dtype())) {
    tensor_list r = run_in_float32({self, weight}, self.dtype(), [=](const tensor_list& a) {  // Note [Half-precision ops]
      auto [h, e] = histogram(a[0], bins, range, a[1], density);
      return tensor_list{h, e};
    });
    return {r[0], r[1]};
  }
  check_histogram_input(self, weight);
  check_bin_count(bins, "histogram");
  double lo = 0, hi = 1;  // an empty input without a range: [0, 1]
  if (range) {
    lo = range->first;
    hi = range->second;
    FG_CHECK(lo <= hi || std::isnan(lo) || std::isnan(hi), Error,
             "torch.histogramdd: min should not exceed max, but got min ", number_str(lo), " max ", number_str(hi),
             " for dimension 0");
  } else {
    data_range(self, lo, hi);
  }
  FG_CHECK(std::isfinite(lo) && std::isfinite(hi), Error, "torch.histogramdd: dimension 0's range [", number_str(lo),
           ", ", number_str(hi), "] is not finite");
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  Tensor edges = equal_bin_edges(lo, hi, bins, self.dtype());
  Tensor hist = histogram_counts(self, edges, weight);
  if (density) hist = to_density(hist, edges);
  record_histogram(hist, edges, {&self, &weight});
  return {hist, edges};
}

std::tuple<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight, bool density) {
  if (is_reduced_float(self.dtype()) && bins.dtype() == self.dtype() &&
      (!weight.defined() || weight.dtype() == self.dtype())) {
    tensor_list r = run_in_float32({self, bins, weight}, self.dtype(), [=](const tensor_list& a) {  // Note [Half-precision ops]
      auto [h, e] = histogram(a[0], a[1], a[2], density);
      return tensor_list{h, e};
    });
    return {r[0], r[1]};
  }
  check_histogram_input(self, weight);
  FG_CHECK(bins.dtype() == self.dtype(), Error,
           "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with dtype ",
           element_type_name(self.dtype()), " and bins for dimension 0 with dtype ", element_type_name(bins.dtype()));
  FG_CHECK(bins.dim() == 1, Error, "torch.histogramdd: bins tensor should have one dimension, but got ", bins.dim(),
           " dimensions in the bins tensor for dimension 0");
  check_bin_count(bins.numel() - 1, "histogram");
  Tensor edges = cast(bins, bins.dtype(), /*force_copy=*/true);
  Tensor hist = histogram_counts(self, edges, weight);
  if (density) hist = to_density(hist, edges);
  record_histogram(hist, edges, {&self, &bins, &weight});
  return {hist, edges};
}

}  // namespace fastgrad

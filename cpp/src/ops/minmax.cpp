// Reductions that select values: max and min (of the whole tensor, or along a dim with the indices),
// amax, amin, argmax, argmin. Forward and derivative side by side.
//
// Note [Extremes and NaN]: NaN propagates (a line holding NaN has NaN as its max and min, at the first
// NaN), and ties keep the first position, as PyTorch does on the CPU.
#include <limits>

#include "../cpu/reductions.h"
#include "reduce_common.h"

namespace fastgrad {

namespace {

template <bool IsMax, class T>
bool better(T candidate, T best) {
  if (is_nan_value(best)) return false;
  if (is_nan_value(candidate)) return true;
  return IsMax ? candidate > best : candidate < best;
}

template <class T>
T extreme_identity(bool is_max) {
  if constexpr (std::is_same_v<T, bool>) return !is_max;
  else if constexpr (std::is_floating_point_v<T>)
    return is_max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else return is_max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

// The extreme of n contiguous values (see Note [Extremes and NaN]), branch-free in eight lanes so that it
// vectorises; NaN is tracked on the side.
template <bool IsMax, class T>
T extreme_run(const T* x, int64_t n) {
  constexpr int kLanes = 8;
  T lane[kLanes];
  unsigned char nan[kLanes] = {};
  for (auto& l : lane) l = extreme_identity<T>(IsMax);
  auto step = [](T& l, unsigned char& bad, T v) {
    if constexpr (std::is_floating_point_v<T>) bad |= static_cast<unsigned char>(v != v);
    if constexpr (IsMax) l = v > l ? v : l;
    else l = v < l ? v : l;
  };
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) step(lane[k], nan[k], x[i + k]);
  for (; i < n; ++i) step(lane[0], nan[0], x[i]);
  T v = lane[0];
  for (int k = 0; k < kLanes; ++k) {
    if (nan[k]) return std::numeric_limits<T>::quiet_NaN();
    if (IsMax ? lane[k] > v : lane[k] < v) v = lane[k];
  }
  return v;
}

// Float extremes of a contiguous tensor over the dims [d0, d1] (one block), through the vector kernels
// (cpu/reductions.h): values and/or indices (keepdim-shaped, contiguous; either may be undefined). False (nothing
// done) for other dtypes and layouts.
bool float_extreme(const Tensor& t, int64_t d0, int64_t d1, bool is_max, const Tensor& values, const Tensor& indices) {
  if (!is_floating(t.dtype()) || !t.is_contiguous()) return false;
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < t.dim(); ++d) (d < d0 ? outer : d > d1 ? inner : n) *= t.sizes()[d];
  if (t.dtype() == ScalarType::Float32 && n >= (int64_t(1) << 31)) return false;  // positions in 32-bit lanes
  dispatch_float(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cpu::extreme_lines<T>(t.data<T>(), values.defined() ? values.template data<T>() : nullptr,
                          indices.defined() ? indices.template data<int64_t>() : nullptr, outer, n, inner, is_max);
  });
  return true;
}

// The extreme value of every line along `dim` and its position, keepdim-shaped (size 1 at dim).
template <bool IsMax>
void extreme_along(const Tensor& t, int64_t dim, Tensor& values, Tensor& indices) {
  if (is_reduced_float(t.dtype())) {  // exact in float32 (Note [Storage dtypes])
    extreme_along<IsMax>(cast(t, ScalarType::Float32), dim, values, indices);
    values = cast(values, t.dtype());
    return;
  }
  Dims keep = t.sizes();
  if (t.dim() > 0) keep[dim] = 1;
  values = empty(keep, t.dtype());
  indices = empty(keep, ScalarType::Int64);
  if (float_extreme(t, dim, dim, IsMax, values, indices)) return;
  const int64_t n = line_size(t, dim), stride = line_stride(t, dim);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_line<3>({&t, &values, &indices}, dim, [&](const std::array<char*, 3>& p) {
      const T* x = reinterpret_cast<const T*>(p[0]);
      if (stride == 1) {  // contiguous line: the value in one vectorised pass, then its first position
        T best = extreme_run<IsMax>(x, n);
        int64_t at = 0;
        if (is_nan_value(best)) {
          while (!is_nan_value(x[at])) ++at;
        } else {
          while (x[at] != best) ++at;
        }
        *reinterpret_cast<T*>(p[1]) = best;
        *reinterpret_cast<int64_t*>(p[2]) = at;
        return;
      }
      T best = x[0];
      int64_t at = 0;
      for (int64_t i = 1; i < n; ++i) {
        T v = x[i * stride];
        if (better<IsMax>(v, best)) {
          best = v;
          at = i;
        }
      }
      *reinterpret_cast<T*>(p[1]) = best;
      *reinterpret_cast<int64_t*>(p[2]) = at;
    });
  });
}

// The extreme over the masked dims (no positions): one strided pass, starting from the identity.
template <bool IsMax>
Tensor extreme_over(const Tensor& t, const std::vector<bool>& mask, bool keepdim) {
  if (is_reduced_float(t.dtype()))  // exact in float32 (Note [Storage dtypes])
    return cast(extreme_over<IsMax>(cast(t, ScalarType::Float32), mask, keepdim), t.dtype());
  Tensor acc = empty(reduced_shape(t, mask, true), t.dtype());
  // The reduced dims of size > 1 as one block [d0, d1] with no kept dim of size > 1 inside: the vector kernels.
  int64_t d0 = t.dim(), d1 = -1;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d] && t.sizes()[d] != 1) d0 = std::min(d0, d), d1 = d;
  bool block = true;
  for (int64_t d = d0; d <= d1; ++d) block &= mask[d] || t.sizes()[d] == 1;
  if (d1 < 0) d0 = d1 = t.dim();  // nothing reduced but size-1 dims: lines of one element
  if (block && t.numel() > 0 && float_extreme(t, d0, d1, IsMax, acc, Tensor())) return drop_reduced(acc, t, mask, keepdim);
  int64_t rows = 0, length = 0;
  const bool runs = contiguous_runs(t, mask, rows, length);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = acc.data<T>();
    if (runs) {
      for (int64_t r = 0; r < rows; ++r) p[r] = extreme_run<IsMax>(t.data<T>() + r * length, length);
      return;
    }
    std::fill(p, p + acc.numel(), extreme_identity<T>(IsMax));
    cpu::reduce_loop<T, T>(acc, t, [](T v, T x) { return better<IsMax>(x, v) ? x : v; });
  });
  return drop_reduced(acc, t, mask, keepdim);
}

void check_nonempty_dims(const Tensor& t, const std::vector<bool>& mask, const char* op) {
  for (int64_t d = 0; d < t.dim(); ++d)
    FG_CHECK(!mask[d] || t.sizes()[d] != 0, IndexError, op, "(): Expected reduction dim ", d,
             " to have non-zero size.");
}

// ---- moving gradients to and from the selected positions ----
// place_along: zeros of `shape` with src (keepdim-shaped) written at the positions idx along dim; its
// derivative is take_along, and the other way round, so gradients of any order flow through max(dim).

Tensor take_along(const Tensor& t, int64_t dim, const Tensor& idx);
Tensor place_along(const Tensor& src, int64_t dim, const Tensor& idx, const Dims& shape);

struct GatherBackward0 : NamedNode<GatherBackward0> {
  static constexpr const char* kName = "GatherBackward0";
  int64_t dim;
  Dims self_sizes;
  GatherBackward0(int64_t d, Dims s) : dim(d), self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {place_along(g[0], dim, saved(0), self_sizes)}; }
};

struct ScatterBackward0 : NamedNode<ScatterBackward0> {
  static constexpr const char* kName = "ScatterBackward0";
  int64_t dim;
  explicit ScatterBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override { return {take_along(g[0], dim, saved(0))}; }
};

Tensor take_along(const Tensor& t, int64_t dim, const Tensor& idx) {
  Tensor out = empty(idx.sizes(), t.dtype());
  const int64_t stride = line_stride(t, dim);
  dispatch_all(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_line<3>({&out, &t, &idx}, dim, [&](const std::array<char*, 3>& p) {
      int64_t i = *reinterpret_cast<const int64_t*>(p[2]);
      *reinterpret_cast<T*>(p[0]) = reinterpret_cast<const T*>(p[1])[i * stride];
    });
  });
  if (compute_requires_grad({&t})) {
    auto node = make_node<GatherBackward0>({&t}, dim, t.sizes());
    node->save(idx);
    set_history(out, node);
  }
  return out;
}

Tensor place_along(const Tensor& src, int64_t dim, const Tensor& idx, const Dims& shape) {
  Tensor out = zeros(shape, src.dtype());
  const int64_t stride = line_stride(out, dim);
  dispatch_all(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_line<3>({&out, &src, &idx}, dim, [&](const std::array<char*, 3>& p) {
      int64_t i = *reinterpret_cast<const int64_t*>(p[2]);
      reinterpret_cast<T*>(p[0])[i * stride] = *reinterpret_cast<const T*>(p[1]);
    });
  });
  if (compute_requires_grad({&src})) {
    auto node = make_node<ScatterBackward0>({&src}, dim);
    node->save(idx);
    set_history(out, node);
  }
  return out;
}

// The gradient of a whole-tensor max/min: shared evenly by the elements equal to the result (by the NaNs
// when the result is NaN).
Tensor evenly_distribute(const Tensor& g, const Tensor& x, const Tensor& result) {
  Tensor hit;
  {
    NoGradGuard guard;
    bool nan = result.item().f != result.item().f;
    hit = mask_as(nan ? compare(x, x, CompareOp::Ne) : compare(x, result, CompareOp::Eq), x.dtype());
  }
  return mul(hit, div(g, sum(hit)));
}

// The gradient of amax/amin: g shared by the elements equal to the result of their slice (0 / 0 = nan
// where a slice's result is NaN, as in PyTorch).
Tensor scale_by_count(const Tensor& g, const Tensor& x, const Tensor& result, const std::vector<bool>& mask,
                      bool keepdim) {
  Tensor hit;
  {
    NoGradGuard guard;
    hit = mask_as(compare(x, unsqueeze_reduced(result, mask, keepdim), CompareOp::Eq), x.dtype());
  }
  return mul(hit, div(unsqueeze_reduced(g, mask, keepdim), sum(hit, mask_dims(mask), true)));
}

}  // namespace

// ---- max / min of the whole tensor ----

template <bool IsMax>
struct ExtremeBackward1 : NamedNode<ExtremeBackward1<IsMax>> {
  static constexpr const char* kName = IsMax ? "MaxBackward1" : "MinBackward1";
  tensor_list apply(tensor_list&& g) override { return {evenly_distribute(g[0], this->saved(0), this->saved(1))}; }
};

namespace {
template <bool IsMax>
Tensor whole_extreme(const Tensor& t, const char* op) {
  FG_CHECK(t.numel() > 0, Error, op, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the ",
           "reduction dim with the 'dim' argument.");
  Tensor out = extreme_over<IsMax>(t, all_dims_mask(t), false);
  if (compute_requires_grad({&t})) {
    auto node = make_node<ExtremeBackward1<IsMax>>({&t});
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}
}  // namespace

Tensor max(const Tensor& t) { return whole_extreme<true>(t, "max"); }
Tensor min(const Tensor& t) { return whole_extreme<false>(t, "min"); }

// ---- max / min along a dim: (values, indices) ----

template <bool IsMax>
struct ExtremeBackward0 : NamedNode<ExtremeBackward0<IsMax>> {
  static constexpr const char* kName = IsMax ? "MaxBackward0" : "MinBackward0";
  int64_t dim;
  bool keepdim;
  Dims self_sizes;
  ExtremeBackward0(int64_t d, bool k, Dims s) : dim(d), keepdim(k), self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor idx = this->saved(0);
    bool squeeze_back = !keepdim && !self_sizes.empty();
    Tensor gk = squeeze_back ? unsqueeze(g[0], dim) : g[0];
    Tensor ik = squeeze_back ? unsqueeze(idx, dim) : idx;
    return {place_along(gk, dim, ik, self_sizes)};
  }
};

namespace {
template <bool IsMax>
std::tuple<Tensor, Tensor> dim_extreme(const Tensor& t, int64_t dim, bool keepdim, const char* op) {
  int64_t d = wrap_dim(dim, t.dim(), op);
  if (t.dim() > 0)
    FG_CHECK(t.sizes()[d] != 0, IndexError, op, "(): Expected reduction dim ", d, " to have non-zero size.");
  Tensor values, indices;
  extreme_along<IsMax>(t, d, values, indices);
  if (!keepdim && t.dim() > 0) {
    Dims shape = t.sizes();
    shape.erase(static_cast<size_t>(d));
    values->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
    indices->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
  }
  if (compute_requires_grad({&t})) {
    auto node = make_node<ExtremeBackward0<IsMax>>({&t}, d, keepdim, t.sizes());
    node->save(indices);
    set_history(values, node);
  }
  return {values, indices};
}
}  // namespace

std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) {
  return dim_extreme<true>(t, dim, keepdim, "max");
}
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) {
  return dim_extreme<false>(t, dim, keepdim, "min");
}

// ---- amax / amin ----

template <bool IsMax>
struct AextremeBackward0 : NamedNode<AextremeBackward0<IsMax>> {
  static constexpr const char* kName = IsMax ? "AmaxBackward0" : "AminBackward0";
  std::vector<bool> mask;
  bool keepdim;
  AextremeBackward0(std::vector<bool> m, bool k) : mask(std::move(m)), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override {
    return {scale_by_count(g[0], this->saved(0), this->saved(1), mask, keepdim)};
  }
};

namespace {
template <bool IsMax>
Tensor aextreme(const Tensor& t, const Dims& dims, bool keepdim, const char* op) {
  auto mask = reduced_mask(t, dims, op);
  check_nonempty_dims(t, mask, op);
  Tensor out = extreme_over<IsMax>(t, mask, keepdim);
  if (compute_requires_grad({&t})) {
    auto node = make_node<AextremeBackward0<IsMax>>({&t}, mask, keepdim);
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}
}  // namespace

Tensor amax(const Tensor& t, const Dims& dims, bool keepdim) { return aextreme<true>(t, dims, keepdim, "amax"); }
Tensor amin(const Tensor& t, const Dims& dims, bool keepdim) { return aextreme<false>(t, dims, keepdim, "amin"); }

// ---- argmax / argmin (no gradient) ----

namespace {
template <bool IsMax>
Tensor arg_extreme(const Tensor& t, std::optional<int64_t> dim, bool keepdim, const char* op) {
  FG_CHECK(t.dtype() != ScalarType::Bool, Error, op, "(): does not support bool input");
  Tensor values, indices;
  if (!dim) {
    FG_CHECK(t.numel() > 0, IndexError, op, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor flat;
    {
      NoGradGuard guard;
      flat = reshape(t, {-1});
    }
    extreme_along<IsMax>(flat, 0, values, indices);
    // keepdim without a dim keeps every dimension, with size 1.
    Dims shape = keepdim ? Dims(static_cast<size_t>(t.dim()), 1) : Dims{};
    indices->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
    return indices;
  }
  int64_t d = wrap_dim(*dim, t.dim(), op);
  if (t.dim() > 0)
    FG_CHECK(t.sizes()[d] != 0, IndexError, op, "(): Expected reduction dim ", d, " to have non-zero size.");
  extreme_along<IsMax>(t, d, values, indices);
  if (!keepdim && t.dim() > 0) {
    Dims shape = t.sizes();
    shape.erase(static_cast<size_t>(d));
    indices->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
  }
  return indices;
}
}  // namespace

Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<true>(t, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme<false>(t, dim, keepdim, "argmin");
}

}  // namespace fastgrad

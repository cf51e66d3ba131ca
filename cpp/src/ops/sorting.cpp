// Ops that order the elements along a dim: sort, argsort, msort, topk, kthvalue; and the ones that find the
// distinct elements: unique, unique_consecutive. Forward and derivative side by side.
//
// Note [Sort order]: along a line, elements are ordered by value with NaN above every number (NaN is the
// largest, as in PyTorch, and NaNs are equal to one another for ordering), -0.0 equal to 0.0, and equal
// elements kept in their order along the line, in both directions (descending lists equal elements in
// index order too): every sort is stable. PyTorch's CPU sort is too with stable=True, and in practice for
// lines of up to 16 elements; its default sort of longer lines, its topk and its kthvalue may order equal
// elements differently (docs/differences.md). topk returns the first k elements of that order; kthvalue the
// k-th (1-based) element of the ascending order.
#include <algorithm>
#include <numeric>
#include <utility>

#include "elementwise.h"
#include "fastgrad/parallel.h"
#include "reduce_common.h"
#include "reduced_float.h"

namespace fastgrad {

namespace {

// True when a comes strictly before b in the order of Note [Sort order] (values only).
template <class T>
bool value_before(T a, T b, bool descending) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool a_nan = a != a, b_nan = b != b;
    if (descending) return !b_nan && (a_nan || a > b);
    return !a_nan && (b_nan || a < b);
  } else {
    return descending ? b < a : a < b;
  }
}

// How much of a line's order is needed.
enum class Pick {
  All,    // every position, in order (sort)
  First,  // the first `count` positions, in order (topk)
  Kth,    // only position `count` - 1 (kthvalue)
};

// The element offsets (in elements, from each tensor's storage offset) of the first element of line `line` of
// `tensors` along dim, lines numbered in row-major order over the other dims (for_each_line's order).
template <size_t N>
std::array<int64_t, N> line_start(const std::array<const Tensor*, N>& tensors, int64_t dim, int64_t line) {
  std::array<int64_t, N> at{};
  const Tensor& t0 = *tensors[0];
  for (int64_t d = t0.dim() - 1; d >= 0; --d) {
    if (d == dim) continue;
    const int64_t size = t0.sizes()[d], i = line % size;
    line /= size;
    for (size_t k = 0; k < N; ++k) at[k] += i * tensors[k]->strides()[d];
  }
  return at;
}

// Orders every line of t along dim (Note [Sort order]) and writes the picked positions' values and indices
// along dim of `values` and `indices` (fresh tensors of t's shape but `count` (or 1 for Kth) at dim). The lines
// are shared out among the intra-op threads (each line is ordered on its own: the same result at any count).
void order_lines(const Tensor& t, int64_t dim, bool descending, Pick pick, int64_t count, const Tensor& values,
                 const Tensor& indices) {
  const int64_t n = line_size(t, dim), in_stride = line_stride(t, dim);
  const int64_t v_stride = line_stride(values, dim), i_stride = line_stride(indices, dim);
  const int64_t lines = n == 0 ? 0 : t.numel() / n;
  if (lines == 0) return;
  const std::array<const Tensor*, 3> all{&t, &values, &indices};
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Entry = std::pair<T, int64_t>;
    // A total order: the value order, then the position (so that any sorting algorithm gives the stable order).
    auto before = [descending](const Entry& a, const Entry& b) {
      if (value_before(a.first, b.first, descending)) return true;
      if (value_before(b.first, a.first, descending)) return false;
      return a.second < b.second;
    };
    const T* x0 = t.data<T>();
    T* v0 = values.template data<T>();
    int64_t* i0 = indices.template data<int64_t>();
    const int64_t grain = std::max<int64_t>(1, int64_t(1 << 15) / std::max<int64_t>(n, 1));
    parallel_for(0, lines, grain, [&](int64_t begin, int64_t end) {
      std::vector<Entry> line(static_cast<size_t>(n));
      for (int64_t l = begin; l < end; ++l) {
        const auto at = line_start(all, dim, l);
        const T* x = x0 + at[0];
        T* v = v0 + at[1];
        int64_t* ix = i0 + at[2];
        for (int64_t i = 0; i < n; ++i) line[static_cast<size_t>(i)] = {x[i * in_stride], i};
        if (pick == Pick::Kth) {
          std::nth_element(line.begin(), line.begin() + (count - 1), line.end(), before);
          *v = line[static_cast<size_t>(count - 1)].first;
          *ix = line[static_cast<size_t>(count - 1)].second;
          continue;
        }
        if (pick == Pick::All || count == n) std::sort(line.begin(), line.end(), before);
        else std::partial_sort(line.begin(), line.begin() + count, line.end(), before);
        for (int64_t i = 0; i < count; ++i) {
          v[i * v_stride] = line[static_cast<size_t>(i)].first;
          ix[i * i_stride] = line[static_cast<size_t>(i)].second;
        }
      }
    });
  });
}

// The gradient of an op whose values are elements of its input picked along dim (sort, topk, kthvalue):
// zeros of the input's shape with g at the picked positions. g and indices have the input's rank. Written
// with scatter, so that create_graph differentiates it again (its derivative gathers at the same positions).
Tensor place_picked(const Tensor& g, int64_t dim, const Tensor& indices, const Dims& self_sizes) {
  if (self_sizes.empty()) return g;  // a 0-d input is its own only element
  return scatter(zeros(self_sizes, g.dtype()), dim, indices, g);
}

}  // namespace

// ---- sort / argsort / msort ----

// PyTorch names the Node after the overload: SortBackward1 for sort(..., stable=...), SortBackward0 without.
template <int Overload>
struct SortBackward : NamedNode<SortBackward<Overload>> {
  static constexpr const char* kName = Overload == 0 ? "SortBackward0" : "SortBackward1";
  int64_t dim;
  Dims self_sizes;
  SortBackward(int64_t d, Dims s) : dim(d), self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {place_picked(g[0], dim, this->saved(0), self_sizes)}; }
};

std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim, bool descending, std::optional<bool> stable) {
  if (is_reduced_float(t.dtype())) {  // the values are exact in float32: Note [Half-precision ops]
    tensor_list r = run_in_float32({t}, t.dtype(), [=](const tensor_list& a) {
      auto [v, i] = sort(a[0], dim, descending, stable);
      return tensor_list{v, i};
    });
    return {r[0], r[1]};
  }
  // every sort is stable (Note [Sort order]); `stable` only names the overload
  const int64_t d = wrap_dim(dim, t.dim(), "sort");
  Tensor values = empty(t.sizes(), t.dtype());
  Tensor indices = empty(t.sizes(), ScalarType::Int64);
  order_lines(t, d, descending, Pick::All, line_size(t, d), values, indices);
  if (compute_requires_grad({&t})) {
    std::shared_ptr<Node> node;
    if (stable) node = make_node<SortBackward<1>>({&t}, d, t.sizes());
    else node = make_node<SortBackward<0>>({&t}, d, t.sizes());
    node->save(indices);
    set_history(values, node);
  }
  return {values, indices};
}

Tensor argsort(const Tensor& t, int64_t dim, bool descending, bool stable) {
  NoGradGuard guard;
  return std::get<1>(sort(t, dim, descending, stable));
}

Tensor msort(const Tensor& t) { return std::get<0>(sort(t, 0, false, std::nullopt)); }

// ---- topk ----

struct TopkBackward0 : NamedNode<TopkBackward0> {
  static constexpr const char* kName = "TopkBackward0";
  int64_t dim;
  Dims self_sizes;
  TopkBackward0(int64_t d, Dims s) : dim(d), self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {place_picked(g[0], dim, saved(0), self_sizes)}; }
};

std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
  if (is_reduced_float(t.dtype())) {  // the values are exact in float32: Note [Half-precision ops]
    tensor_list r = run_in_float32({t}, t.dtype(), [=](const tensor_list& a) {
      auto [v, i] = topk(a[0], k, dim, largest, sorted);
      return tensor_list{v, i};
    });
    return {r[0], r[1]};
  }
  (void)sorted;  // the k elements always come in order: one valid answer when order is not asked for
  const int64_t d = wrap_dim(dim, t.dim(), "topk");
  const int64_t n = line_size(t, d);
  FG_CHECK(k >= 0 && k <= n, Error, "selected index k out of range: topk() got k = ", k, " for dim ", d,
           " of size ", n, " (input of shape ", shape_str(t.sizes()), ")");
  FG_CHECK(t.dtype() != ScalarType::Bool, Error, "topk does not support bool dtypes on CPU");
  Dims shape = t.sizes();
  if (t.dim() > 0) shape[d] = k;
  Tensor values = empty(shape, t.dtype());
  Tensor indices = empty(shape, ScalarType::Int64);
  // A 0-d input is one line of one element, and PyTorch returns it for k = 0 too.
  order_lines(t, d, largest, Pick::First, t.dim() == 0 ? 1 : k, values, indices);
  if (compute_requires_grad({&t})) {
    auto node = make_node<TopkBackward0>({&t}, d, t.sizes());
    node->save(indices);
    set_history(values, node);
  }
  return {values, indices};
}

// ---- kthvalue ----

struct KthvalueBackward0 : NamedNode<KthvalueBackward0> {
  static constexpr const char* kName = "KthvalueBackward0";
  int64_t dim;
  bool keepdim;
  Dims self_sizes;
  KthvalueBackward0(int64_t d, bool k, Dims s) : dim(d), keepdim(k), self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor idx = saved(0), gk = g[0];
    if (!keepdim && !self_sizes.empty()) {
      gk = unsqueeze(gk, dim);
      idx = unsqueeze(idx, dim);
    }
    return {place_picked(gk, dim, idx, self_sizes)};
  }
};

std::tuple<Tensor, Tensor> kthvalue(const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
  if (is_reduced_float(t.dtype())) {  // exact in float32: Note [Half-precision ops]
    tensor_list r = run_in_float32({t}, t.dtype(), [=](const tensor_list& a) {
      auto [v, i] = kthvalue(a[0], k, dim, keepdim);
      return tensor_list{v, i};
    });
    return {r[0], r[1]};
  }
  const int64_t d = wrap_dim(dim, t.dim(), "kthvalue");
  const int64_t n = line_size(t, d);
  FG_CHECK(n > 0, IndexError, "kthvalue(): Expected reduction dim ", d, " to have non-zero size.");
  FG_CHECK(k >= 1 && k <= n, Error, "kthvalue(): selected number k out of range for dimension ", d, " (k = ", k,
           ", input of shape ", shape_str(t.sizes()), ")");
  // (PyTorch runs no kernel for a 0-d input, so a 0-d bool passes)
  check_kernel(t.dtype() != ScalarType::Bool || t.dim() == 0, "kthvalue_cpu", t.dtype());
  Dims keep = t.sizes();
  if (t.dim() > 0) keep[d] = 1;
  Tensor values = empty(keep, t.dtype());
  Tensor indices = empty(keep, ScalarType::Int64);
  if (t.numel() > 0) order_lines(t, d, false, Pick::Kth, k, values, indices);
  if (!keepdim && t.dim() > 0) {
    Dims shape = t.sizes();
    shape.erase(static_cast<size_t>(d));
    values->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
    indices->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
  }
  if (compute_requires_grad({&t})) {
    auto node = make_node<KthvalueBackward0>({&t}, d, keepdim, t.sizes());
    node->save(indices);
    set_history(values, node);
  }
  return {values, indices};
}

// ---- unique / unique_consecutive ----

namespace {

// PyTorch has no derivative for the unique family: the values require grad through a Node that raises.
struct NoDerivativeBackward : Node {
  const char* node_name;
  const char* op;
  NoDerivativeBackward(const char* n, const char* o) : node_name(n), op(o) {}
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&&) override {
    throw NotImplementedError(std::string("the derivative for '") + op + "' is not implemented.");
  }
};

void record_no_derivative(Tensor& out, const Tensor& input, const char* node_name, const char* op) {
  if (compute_requires_grad({&input})) set_history(out, make_node<NoDerivativeBackward>({&input}, node_name, op));
}

// The groups of equal neighbours in a sequence of `n` items: `same(a, b)` compares item a with item b.
// first[g] is the first item of group g, group_of[i] the group of item i.
template <class Same>
void group_runs(int64_t n, Same same, std::vector<int64_t>& first, std::vector<int64_t>& group_of) {
  first.clear();
  group_of.assign(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    if (i == 0 || !same(i - 1, i)) first.push_back(i);
    group_of[static_cast<size_t>(i)] = static_cast<int64_t>(first.size()) - 1;
  }
}

Tensor int64_vector(const std::vector<int64_t>& v, const Dims& shape) {
  Tensor out = empty(shape, ScalarType::Int64);
  std::copy(v.begin(), v.end(), out.data<int64_t>());
  return out;
}

// The counts of the groups that start at first[g] in a sequence of n items.
Tensor group_counts(const std::vector<int64_t>& first, int64_t n) {
  std::vector<int64_t> counts(first.size());
  for (size_t g = 0; g < first.size(); ++g) counts[g] = (g + 1 < first.size() ? first[g + 1] : n) - first[g];
  return int64_vector(counts, {static_cast<int64_t>(counts.size())});
}

// The distinct elements of the flattened tensor: in ascending order (Note [Sort order]; elements equal by ==
// form one group, so each NaN is its own) when `sort`, else runs of equal neighbours in place (consecutive).
std::tuple<Tensor, Tensor, Tensor> unique_elements(const Tensor& t, bool sort_first, bool return_inverse,
                                                   bool return_counts) {
  const int64_t n = t.numel();
  Tensor flat = dense(t);
  std::vector<int64_t> order(static_cast<size_t>(n)), first, group_of;
  std::iota(order.begin(), order.end(), int64_t(0));
  Tensor values;
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = flat.data<T>();
    if (sort_first)
      std::stable_sort(order.begin(), order.end(), [x](int64_t a, int64_t b) { return value_before(x[a], x[b], false); });
    group_runs(n, [&](int64_t a, int64_t b) { return x[order[a]] == x[order[b]]; }, first, group_of);
    values = empty({static_cast<int64_t>(first.size())}, t.dtype());
    T* v = values.data<T>();
    for (size_t g = 0; g < first.size(); ++g) v[g] = x[order[static_cast<size_t>(first[g])]];
  });
  Tensor inverse, counts;
  if (return_inverse) {
    std::vector<int64_t> inv(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) inv[static_cast<size_t>(order[i])] = group_of[static_cast<size_t>(i)];
    inverse = int64_vector(inv, t.sizes());
  } else {
    inverse = empty({0}, ScalarType::Int64);
  }
  counts = return_counts ? group_counts(first, n) : empty({0}, ScalarType::Int64);
  return {values, inverse, counts};
}

// The distinct slices of t along dim (compared element by element, in row-major order within a slice):
// ascending in lexicographic order when `sort_first`, else runs of equal neighbouring slices.
std::tuple<Tensor, Tensor, Tensor> unique_slices(const Tensor& t, int64_t dim, bool sort_first, bool return_inverse,
                                                 bool return_counts, const char* op) {
  FG_CHECK(t.dim() > 0, IndexError, "Dimension specified as ", dim, " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, t.dim(), op);
  const int64_t n = t.sizes()[d];
  for (int64_t i = 0; i < t.dim(); ++i)
    FG_CHECK(i == d || t.sizes()[i] != 0, Error,
             "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied (", op,
             "() of a tensor of shape ", shape_str(t.sizes()), " along dim ", d, ")");
  Tensor rows;
  {
    NoGradGuard guard;
    rows = dense(movedim(t, {d}, {0}));  // slice i is row i
  }
  const int64_t width = n == 0 ? 0 : rows.numel() / n;
  std::vector<int64_t> order(static_cast<size_t>(n)), first, group_of;
  std::iota(order.begin(), order.end(), int64_t(0));
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = rows.data<T>();
    auto row_before = [&](int64_t a, int64_t b) {
      const T* ra = x + a * width;
      const T* rb = x + b * width;
      for (int64_t j = 0; j < width; ++j) {
        if (value_before(ra[j], rb[j], false)) return true;
        if (value_before(rb[j], ra[j], false)) return false;
      }
      return false;
    };
    auto row_same = [&](int64_t a, int64_t b) {
      const T* ra = x + order[a] * width;
      const T* rb = x + order[b] * width;
      for (int64_t j = 0; j < width; ++j)
        if (!(ra[j] == rb[j])) return false;
      return true;
    };
    if (sort_first) std::stable_sort(order.begin(), order.end(), row_before);
    group_runs(n, row_same, first, group_of);
  });
  std::vector<int64_t> picked(first.size());
  for (size_t g = 0; g < first.size(); ++g) picked[g] = order[static_cast<size_t>(first[g])];
  Tensor values;
  {
    NoGradGuard guard;
    values = index_select(t, d, int64_vector(picked, {static_cast<int64_t>(picked.size())}));
  }
  Tensor inverse, counts;
  if (return_inverse) {
    std::vector<int64_t> inv(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) inv[static_cast<size_t>(order[i])] = group_of[static_cast<size_t>(i)];
    inverse = int64_vector(inv, {n});
  } else {
    inverse = empty({0}, ScalarType::Int64);
  }
  counts = return_counts ? group_counts(first, n) : empty({0}, ScalarType::Int64);
  return {values, inverse, counts};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& t, bool sorted, bool return_inverse, bool return_counts,
                                          std::optional<int64_t> dim) {
  if (is_reduced_float(t.dtype())) {  // exact in float32: Note [Half-precision ops]
    tensor_list r = run_in_float32({t}, t.dtype(), [=](const tensor_list& a) {
      auto [v, i, c] = unique(a[0], sorted, return_inverse, return_counts, dim);
      return tensor_list{v, i, c};
    });
    return {r[0], r[1], r[2]};
  }
  (void)sorted;  // the distinct elements always come sorted: one valid answer when order is not asked for
  if (dim) {
    auto r = unique_slices(t, *dim, true, return_inverse, return_counts, "unique");
    record_no_derivative(std::get<0>(r), t, "UniqueDimBackward0", "unique_dim");
    return r;
  }
  auto r = unique_elements(t, true, return_inverse, return_counts);
  record_no_derivative(std::get<0>(r), t, "Unique2Backward0", "_unique2");
  return r;
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& t, bool return_inverse, bool return_counts,
                                                      std::optional<int64_t> dim) {
  if (is_reduced_float(t.dtype())) {  // exact in float32: Note [Half-precision ops]
    tensor_list r = run_in_float32({t}, t.dtype(), [=](const tensor_list& a) {
      auto [v, i, c] = unique_consecutive(a[0], return_inverse, return_counts, dim);
      return tensor_list{v, i, c};
    });
    return {r[0], r[1], r[2]};
  }
  auto r = dim ? unique_slices(t, *dim, false, return_inverse, return_counts, "unique_consecutive")
               : unique_elements(t, false, return_inverse, return_counts);
  record_no_derivative(std::get<0>(r), t, "UniqueConsecutiveBackward0", "unique_consecutive");
  return r;
}

}  // namespace fastgrad

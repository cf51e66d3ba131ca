// Joining and splitting: cat, stack, hstack/vstack/dstack, and unbind, split, chunk, tensor_split.
// Forward and derivative side by side. The split family returns views of the input that share one Node
// with several outputs; gradients of outputs that were not used arrive undefined and count as zeros.
#include "common.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

bool any_requires_grad(const tensor_list& ts) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : ts)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

// make_node for a list of inputs.
template <class N, class... Args>
std::shared_ptr<N> make_node_for(const tensor_list& inputs, Args&&... args) {
  auto node = std::make_shared<N>(std::forward<Args>(args)...);
  for (const Tensor& t : inputs) node->add_next_edge(gradient_edge(t));
  return node;
}

// A raw view (no autograd) of `length` entries of t along dim, from `start`.
Tensor narrow_view(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  Dims sizes = t.sizes();
  sizes[dim] = length;
  int64_t offset = t.storage_offset() + start * t.strides()[dim];
  return make_view(t, sizes, t.strides(), offset);
}

ScalarType common_dtype(const tensor_list& ts) {
  ScalarType r = ts[0].dtype();
  for (const Tensor& t : ts) r = promote_types(r, t.dtype());
  return r;
}

}  // namespace

// ---- cat ----

struct CatBackward0 : NamedNode<CatBackward0> {
  static constexpr const char* kName = "CatBackward0";
  int64_t dim;
  std::vector<int64_t> sizes;  // each input's size along dim; -1 for skipped legacy empty inputs
  CatBackward0(int64_t d, std::vector<int64_t> s) : dim(d), sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(sizes.size());
    int64_t offset = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] < 0) {
        if (needs_input_grad(i)) out[i] = zeros({0}, g[0].dtype());
        continue;
      }
      if (needs_input_grad(i)) out[i] = narrow(g[0], dim, offset, sizes[i]);
      offset += sizes[i];
    }
    return out;
  }
};

Tensor cat(const tensor_list& tensors, int64_t dim) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: promote list
    const tensor_list cast = autocast_promote(tensors);
    AutocastOff off;
    return cat(cast, dim);
  }
  FG_CHECK(!tensors.empty(), ValueError, "torch.cat(): expected a non-empty list of Tensors");
  // PyTorch's legacy rule: 1-D tensors with no elements are skipped, whatever the other shapes.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.sizes()[0] == 0; };
  const Tensor* ref = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    FG_CHECK(tensors[i].dim() > 0, Error, "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    if (!ref && !skipped(tensors[i])) ref = &tensors[i];
  }
  ScalarType dtype = common_dtype(tensors);
  // Every input legacy-empty: PyTorch checks no dim and returns an empty 1-D tensor (cat([zeros(0)], -2)).
  const int64_t d = ref ? wrap_dim(dim, ref->dim(), "cat") : 0;
  if (!ref) ref = &tensors[0];
  Dims shape = ref->sizes();
  shape[d] = 0;
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t) && &t != ref) {
      sizes.push_back(-1);
      continue;
    }
    FG_CHECK(t.dim() == ref->dim(), Error, "Tensors must have same number of dimensions: got ", ref->dim(), " and ",
             t.dim());
    for (int64_t k = 0; k < t.dim(); ++k)
      FG_CHECK(k == d || t.sizes()[k] == ref->sizes()[k], Error, "Sizes of tensors must match except in dimension ", d,
               ". Expected size ", ref->sizes()[k], " but got size ", t.sizes()[k], " for tensor number ", i,
               " in the list.");
    sizes.push_back(t.sizes()[d]);
    shape[d] += t.sizes()[d];
  }
  Tensor out = empty(shape, dtype);
  int64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (sizes[i] < 0) continue;
    copy_into(narrow_view(out, d, offset, sizes[i]), tensors[i]);
    offset += sizes[i];
  }
  if (any_requires_grad(tensors)) set_history(out, make_node_for<CatBackward0>(tensors, d, sizes));
  return out;
}

// ---- stack ----

struct StackBackward0 : NamedNode<StackBackward0> {
  static constexpr const char* kName = "StackBackward0";
  int64_t dim;
  explicit StackBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(next_edges().size());
    for (size_t i = 0; i < out.size(); ++i)
      if (needs_input_grad(i)) out[i] = select(g[0], dim, static_cast<int64_t>(i));
    return out;
  }
};

Tensor stack(const tensor_list& tensors, int64_t dim) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: promote list
    const tensor_list cast = autocast_promote(tensors);
    AutocastOff off;
    return stack(cast, dim);
  }
  FG_CHECK(!tensors.empty(), Error, "stack expects a non-empty TensorList");
  for (size_t i = 1; i < tensors.size(); ++i)
    FG_CHECK(tensors[i].sizes() == tensors[0].sizes(), Error, "stack expects each tensor to be equal size, but got ",
             shape_str(tensors[0].sizes()), " at entry 0 and ", shape_str(tensors[i].sizes()), " at entry ", i);
  int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  Dims shape = tensors[0].sizes();
  shape.insert(static_cast<size_t>(d), static_cast<int64_t>(tensors.size()));
  Tensor out = empty(shape, common_dtype(tensors));
  for (size_t i = 0; i < tensors.size(); ++i) {
    Dims sizes = out.sizes(), strides = out.strides();
    int64_t offset = static_cast<int64_t>(i) * strides[d];
    sizes.erase(static_cast<size_t>(d));
    strides.erase(static_cast<size_t>(d));
    copy_into(make_view(out, sizes, strides, out.numel() ? offset : 0), tensors[i]);
  }
  if (any_requires_grad(tensors)) set_history(out, make_node_for<StackBackward0>(tensors, d));
  return out;
}

// ---- atleast_1d/2d/3d, and hstack / vstack / dstack / column_stack: cat after raising the rank ----

namespace {
// [] -> [1], [1, 1], [1, 1, 1]; [k] -> [1, k] or [1, k, 1]; [m, k] -> [m, k, 1]. Higher ranks: t itself.
Tensor at_least(const Tensor& t, int64_t n) {
  if (t.dim() >= n) return t;
  if (t.dim() == 0) return reshape(t, Dims(static_cast<size_t>(n), 1));
  if (n == 2) return unsqueeze(t, 0);
  return t.dim() == 2 ? unsqueeze(t, -1) : unsqueeze(unsqueeze(t, 0), -1);
}

tensor_list all_at_least(const tensor_list& ts, int64_t n) {
  tensor_list out;
  out.reserve(ts.size());
  for (const Tensor& t : ts) out.push_back(at_least(t, n));
  return out;
}
}  // namespace

Tensor hstack(const tensor_list& tensors) {
  FG_CHECK(!tensors.empty(), Error, "hstack expects a non-empty TensorList");
  tensor_list ts = all_at_least(tensors, 1);
  return cat(ts, ts[0].dim() == 1 ? 0 : 1);
}

Tensor vstack(const tensor_list& tensors) {
  FG_CHECK(!tensors.empty(), Error, "vstack expects a non-empty TensorList");
  return cat(all_at_least(tensors, 2), 0);
}

Tensor dstack(const tensor_list& tensors) {
  FG_CHECK(!tensors.empty(), Error, "dstack expects a non-empty TensorList");
  return cat(all_at_least(tensors, 3), 2);
}

Tensor atleast_1d(const Tensor& t) { return at_least(t, 1); }
Tensor atleast_2d(const Tensor& t) { return at_least(t, 2); }
Tensor atleast_3d(const Tensor& t) { return at_least(t, 3); }

// 0-d and 1-d inputs become columns (n, 1); the rest join along dimension 1 as they are.
Tensor column_stack(const tensor_list& tensors) {
  FG_CHECK(!tensors.empty(), Error, "column_stack expects a non-empty TensorList");
  tensor_list ts;
  ts.reserve(tensors.size());
  for (const Tensor& t : tensors) ts.push_back(t.dim() <= 1 ? reshape(t, {t.numel(), 1}) : t);
  return cat(ts, 1);
}

// ---- unbind ----

struct UnbindBackward0 : NamedNode<UnbindBackward0> {
  static constexpr const char* kName = "UnbindBackward0";
  int64_t dim;
  explicit UnbindBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    tensor_list parts;
    for (uint32_t i = 0; i < num_inputs(); ++i) parts.push_back(grad_or_zeros(g, i));
    return {stack(parts, dim)};
  }
};

tensor_list unbind(const Tensor& t, int64_t dim) {
  int64_t d = wrap_existing_dim(dim, t.dim(), "unbind");
  Dims sizes = t.sizes(), strides = t.strides();
  sizes.erase(static_cast<size_t>(d));
  strides.erase(static_cast<size_t>(d));
  tensor_list out;
  for (int64_t i = 0; i < t.sizes()[d]; ++i)
    out.push_back(make_view(t, sizes, strides, t.storage_offset() + i * t.strides()[d]));
  mark_multi_output_views(out);
  if (compute_requires_grad({&t}) && !out.empty()) {
    auto node = make_node<UnbindBackward0>({&t}, d);
    for (Tensor& o : out) set_history(o, node);
  }
  return out;
}

// ---- split / split_with_sizes / chunk ----

namespace {
// One Node for all the pieces: the gradient is the pieces' gradients joined again (zeros for unused ones).
template <int Variant>
struct SplitBackward : NamedNode<SplitBackward<Variant>> {
  static constexpr const char* kName = Variant == 0 ? "SplitBackward0" : "SplitWithSizesBackward0";
  int64_t dim;
  explicit SplitBackward(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override {
    tensor_list parts;
    for (uint32_t i = 0; i < this->num_inputs(); ++i) parts.push_back(this->grad_or_zeros(g, i));
    return {cat(parts, dim)};
  }
};

template <int Variant>
tensor_list split_pieces(const Tensor& t, int64_t d, const std::vector<int64_t>& lengths) {
  tensor_list out;
  int64_t start = 0;
  for (int64_t n : lengths) {
    out.push_back(narrow_view(t, d, start, n));
    start += n;
  }
  mark_multi_output_views(out);
  if (compute_requires_grad({&t})) {
    auto node = make_node<SplitBackward<Variant>>({&t}, d);
    for (Tensor& o : out) set_history(o, node);
  }
  return out;
}
}  // namespace

tensor_list split(const Tensor& t, int64_t split_size, int64_t dim) {
  FG_CHECK(t.dim() > 0, Error, "split expects at least a 1-dimensional tensor");
  int64_t d = wrap_dim(dim, t.dim(), "split");
  const int64_t size = t.sizes()[d];
  FG_CHECK(split_size >= 0, Error, "split expects split_size be non-negative, but got split_size=", split_size);
  FG_CHECK(split_size != 0 || size == 0, Error, "split_size can only be 0 if dimension size is 0, but got dimension ",
           "size of ", size);
  std::vector<int64_t> lengths;
  if (size == 0) lengths.push_back(0);
  for (int64_t start = 0; start < size; start += split_size) lengths.push_back(std::min(split_size, size - start));
  return split_pieces<0>(t, d, lengths);
}

tensor_list split_with_sizes(const Tensor& t, const Dims& split_sizes, int64_t dim) {
  FG_CHECK(t.dim() > 0, Error, "split expects at least a 1-dimensional tensor");
  int64_t d = wrap_dim(dim, t.dim(), "split_with_sizes");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    FG_CHECK(s >= 0, Error, "split_with_sizes expects split_sizes have only non-negative entries, but got ",
             "split_sizes=", shape_str(split_sizes));
    total += s;
  }
  FG_CHECK(total == t.sizes()[d], Error, "split_with_sizes expects split_sizes to sum exactly to ", t.sizes()[d],
           " (input tensor's size at dimension ", d, "), but got split_sizes=", shape_str(split_sizes));
  return split_pieces<1>(t, d, std::vector<int64_t>(split_sizes.begin(), split_sizes.end()));
}

tensor_list chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  FG_CHECK(t.dim() > 0, Error, "chunk expects at least a 1-dimensional tensor");
  FG_CHECK(chunks > 0, Error, "chunk expects `chunks` to be greater than 0, got: ", chunks);
  int64_t d = wrap_dim(dim, t.dim(), "chunk");
  const int64_t size = t.sizes()[d];
  if (size == 0) return split_with_sizes(t, Dims(static_cast<size_t>(chunks), 0), d);  // `chunks` empty pieces
  return split(t, (size + chunks - 1) / chunks, d);
}

// ---- tensor_split: slices, each its own view op ----

tensor_list tensor_split(const Tensor& t, int64_t sections, int64_t dim) {
  FG_CHECK(t.dim() > 0, Error, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  FG_CHECK(sections > 0, Error, "number of sections must be larger than 0, got ", sections);
  int64_t d = wrap_dim(dim, t.dim(), "tensor_split");
  const int64_t size = t.sizes()[d], base = size / sections, extra = size % sections;
  tensor_list out;
  int64_t start = 0;
  for (int64_t i = 0; i < sections; ++i) {
    int64_t n = base + (i < extra ? 1 : 0);
    out.push_back(slice(t, d, start, start + n, 1));
    start += n;
  }
  return out;
}

tensor_list tensor_split_indices(const Tensor& t, const Dims& indices, int64_t dim) {
  FG_CHECK(t.dim() > 0, Error, "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  int64_t d = wrap_dim(dim, t.dim(), "tensor_split");
  tensor_list out;
  std::optional<int64_t> start = 0;
  for (int64_t index : indices) {
    out.push_back(slice(t, d, start, index, 1));
    start = index;
  }
  out.push_back(slice(t, d, start, std::nullopt, 1));
  return out;
}

}  // namespace fastgrad

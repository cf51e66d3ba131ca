// Views that reshape a whole tensor (view, reshape, flatten, expand, transpose, permute, squeeze, unsqueeze
// and their in-place forms): forward and derivative side by side. Views share their input's storage. Views of
// parts (select, slice, narrow, diagonal) are in slicing.cpp.
#include "common.h"

namespace fastgrad {

namespace {

// Strides that let `new_sizes` view memory laid out as (sizes, strides), if any: dimensions may be split
// or merged only inside chunks that are contiguous in memory.
bool view_strides(const Dims& sizes, const Dims& strides, const Dims& new_sizes, Dims& out) {
  int64_t numel = numel_of(sizes);
  out = Dims(new_sizes.size(), 0);
  if (numel <= 1) {  // no element, or one: any shape views it
    out = contiguous_strides(new_sizes);
    return true;
  }
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    // A chunk ends where the next outer dimension is not contiguous with this one.
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

// Replaces one -1 by the size that keeps the element count.
Dims infer_size(const Dims& shape, int64_t numel) {
  Dims out = shape;
  int64_t known = 1;
  int64_t infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      FG_CHECK(infer < 0, Error, "only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else {
      FG_CHECK(shape[i] >= 0, Error, "invalid shape dimension ", shape[i]);
      FG_CHECK(!__builtin_mul_overflow(known, shape[i], &known), Error, "numel: integer multiplication overflow");
    }
  }
  FG_CHECK(!(infer >= 0 && known == 0), Error, "cannot reshape tensor of 0 elements into shape ", shape_str(shape),
           " because the unspecified dimension size -1 can be any value and is ambiguous");
  if (infer >= 0 && numel % known == 0) out[infer] = numel / known;
  FG_CHECK((infer >= 0 && numel % known == 0) || (infer < 0 && known == numel), Error, "shape '", shape_str(shape),
           "' is invalid for input of size ", numel);
  return out;
}

}  // namespace

// ---- view / reshape ----

struct ViewBackward0 : NamedNode<ViewBackward0> {
  static constexpr const char* kName = "ViewBackward0";
  Dims self_sizes;
  explicit ViewBackward0(Dims s) : self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], self_sizes)}; }
};

Tensor view(const Tensor& t, const Dims& shape) {
  Dims sizes = infer_size(shape, t.numel());
  Dims strides;
  FG_CHECK(view_strides(t.sizes(), t.strides(), sizes, strides), Error,
           "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
           "two contiguous subspaces). Use .reshape(...) instead.");
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<ViewBackward0>({&t}, t.sizes()));
  return out;
}

// Tensor.view(dtype), PyTorch's view.dtype: the same bytes read as another dtype. Between element sizes the last
// dim (stride 1) is split or merged, and the other strides and the offset are rescaled, with PyTorch's checks in
// its order. Not differentiable and not an autograd view (requires_grad False, no grad_fn, no _base), as in
// PyTorch; it shares the storage, so writes through it reach the input.
Tensor view_dtype(const Tensor& t, ScalarType dtype) {
  const int64_t from = element_size(t.dtype()), to = element_size(dtype);
  Dims sizes = t.sizes(), strides = t.strides();
  int64_t offset = t.storage_offset();
  if (from != to) {
    const std::string what = std::string(" to view ") + scalar_type_name(t.dtype()) + " as " +
                             scalar_type_name(dtype) + " (different element sizes)";
    FG_CHECK(t.dim() > 0, Error, "self.dim() cannot be 0", what);
    FG_CHECK(strides.back() == 1, Error, "self.stride(-1) must be 1", what, ", but got ", strides.back());
    const size_t last = sizes.size() - 1;
    if (to > from) {
      const int64_t r = to / from;
      FG_CHECK(sizes[last] % r == 0, Error, "self.size(-1) must be divisible by ", r, what, ", but got ",
               sizes[last]);
      FG_CHECK(offset % r == 0, Error, "self.storage_offset() must be divisible by ", r, what, ", but got ", offset);
      for (size_t d = 0; d < last; ++d)
        FG_CHECK(strides[d] % r == 0, Error, "self.stride(", d, ") must be divisible by ", r, what, ", but got ",
                 strides[d]);
      sizes[last] /= r;
      for (size_t d = 0; d < last; ++d) strides[d] /= r;
      offset /= r;
    } else {
      const int64_t r = from / to;
      sizes[last] *= r;
      for (size_t d = 0; d < last; ++d) strides[d] *= r;
      offset *= r;
    }
  }
  return make_alias(t, dtype, std::move(sizes), std::move(strides), offset);
}

namespace {
// Internal linkage: matmul records an UnsafeViewBackward0 of its own (linalg.cpp), and two classes of one
// name in namespace fastgrad would break the one-definition rule.

// The copy path of reshape: a contiguous clone seen with the new sizes. Not a view of the input (it owns
// its copy), so in-place changes to it never reach the input.
struct UnsafeViewBackward0 : NamedNode<UnsafeViewBackward0> {
  static constexpr const char* kName = "UnsafeViewBackward0";
  Dims self_sizes;
  explicit UnsafeViewBackward0(Dims s) : self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], self_sizes)}; }
};

// reshape of a non-contiguous tensor whose layout still allows a view (PyTorch's _reshape_alias).
struct ReshapeAliasBackward0 : NamedNode<ReshapeAliasBackward0> {
  static constexpr const char* kName = "ReshapeAliasBackward0";
  Dims self_sizes;
  explicit ReshapeAliasBackward0(Dims s) : self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], self_sizes)}; }
};

}  // namespace

Tensor reshape(const Tensor& t, const Dims& shape) {
  Dims sizes = infer_size(shape, t.numel());
  if (t.is_contiguous()) return view(t, sizes);
  Dims strides;
  if (view_strides(t.sizes(), t.strides(), sizes, strides)) {
    Tensor out = make_view(t, sizes, strides, t.storage_offset());
    if (compute_requires_grad({&t})) set_history(out, make_node<ReshapeAliasBackward0>({&t}, t.sizes()));
    return out;
  }
  Tensor copy = clone(t);  // contiguous
  Tensor out(std::make_shared<TensorImpl>(copy.storage(), sizes, contiguous_strides(sizes), copy.storage_offset(),
                                          copy.dtype()));
  if (compute_requires_grad({&copy})) set_history(out, make_node<UnsafeViewBackward0>({&copy}, copy.sizes()));
  return out;
}

// ---- flatten / unflatten ----

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  int64_t s = wrap_dim(start_dim, t.dim(), "flatten"), e = wrap_dim(end_dim, t.dim(), "flatten");
  FG_CHECK(s <= e, Error, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (t.dim() == 0) return reshape(t, {1});
  if (s == e) return t;
  Dims shape;
  int64_t merged = 1;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < s || d > e) shape.push_back(t.sizes()[d]);
    else merged *= t.sizes()[d];
    if (d == e) shape.push_back(merged);
  }
  return reshape(t, shape);
}

Tensor unflatten(const Tensor& t, int64_t dim, const Dims& sizes) {
  FG_CHECK(t.dim() > 0, Error, "unflatten: Dimension specified as ", dim, " but tensor has no dimensions");
  int64_t d = wrap_dim(dim, t.dim(), "unflatten");
  FG_CHECK(!sizes.empty(), Error, "unflatten: sizes must be non-empty");
  const int64_t size = t.sizes()[d];
  int64_t known = 1, inferred = 0;
  for (int64_t s : sizes) {
    if (s == -1) ++inferred;
    else FG_CHECK(!__builtin_mul_overflow(known, s, &known), Error, "numel: integer multiplication overflow");
  }
  FG_CHECK(inferred <= 1, Error, "unflatten: only one dimension can be inferred (sizes ", shape_str(sizes), ")");
  Dims dims = sizes;
  if (inferred == 1 && known != 0 && size % known == 0)
    for (auto& s : dims)
      if (s == -1) s = size / known;
  FG_CHECK(numel_of(dims) == size && (inferred == 0 || known != 0), Error, "unflatten: Provided sizes ",
           shape_str(sizes), " don't multiply up to the size of dim ", d, " (", size, ") in the input tensor");
  Dims shape;
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i != d) shape.push_back(t.sizes()[i]);
    else
      for (int64_t s : dims) shape.push_back(s);
  }
  return view(t, shape);
}

// ---- expand ----

struct ExpandBackward0 : NamedNode<ExpandBackward0> {
  static constexpr const char* kName = "ExpandBackward0";
  Dims self_sizes;
  explicit ExpandBackward0(Dims s) : self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {sum_to(g[0], self_sizes)}; }
};

Tensor expand(const Tensor& t, const Dims& shape) {
  FG_CHECK(shape.size() >= static_cast<size_t>(t.dim()), Error, "expand: the number of sizes provided (", shape.size(),
           ") must be greater or equal to the number of dimensions in the tensor (", t.dim(), ")");
  const size_t lead = shape.size() - static_cast<size_t>(t.dim());
  Dims sizes(shape.size()), strides(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {  // trailing dims first, so errors name the same dim as PyTorch
    if (i < lead) {
      FG_CHECK(shape[i] >= 0, Error, "expand: the expanded size of the tensor (", shape[i],
               ") isn't allowed in a leading, non-existing dimension ", i);
      sizes[i] = shape[i];
      strides[i] = 0;
      continue;
    }
    int64_t have = t.sizes()[i - lead];
    int64_t want = shape[i] == -1 ? have : shape[i];
    FG_CHECK(have == want || have == 1, Error, "expand: The expanded size of the tensor (", want,
             ") must match the existing size (", have, ") at non-singleton dimension ", i,
             ".  Target sizes: ", shape_str(shape), ".  Tensor sizes: ", shape_str(t.sizes()));
    sizes[i] = want;
    strides[i] = have == want ? t.strides()[i - lead] : 0;
  }
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<ExpandBackward0>({&t}, t.sizes()));
  return out;
}

Tensor broadcast_to(const Tensor& t, const Dims& shape) { return expand(t, shape); }

tensor_list broadcast_tensors(const tensor_list& tensors) {
  Dims shape;
  for (const Tensor& x : tensors) shape = broadcast_shapes(shape, x.sizes(), "broadcast_tensors");
  tensor_list out;
  out.reserve(tensors.size());
  for (const Tensor& x : tensors) out.push_back(x.sizes() == shape ? x : expand(x, shape));
  return out;
}

// ---- meshgrid ----
// Each output is its input viewed with its elements along its own dimension of the grid, then expanded to the
// grid's shape (ViewBackward0 under ExpandBackward0, as in PyTorch). "xy" swaps the first two dimensions.

tensor_list meshgrid(const tensor_list& tensors, const std::string& indexing) {
  FG_CHECK(!tensors.empty(), Error, "meshgrid expects a non-empty TensorList");
  for (const Tensor& x : tensors)
    FG_CHECK(x.dim() <= 1, Error, "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of ",
             "shape ", shape_str(x.sizes()));
  for (const Tensor& x : tensors)
    FG_CHECK(x.dtype() == tensors[0].dtype(), Error, "meshgrid expects all tensors to have the same dtype (got ",
             dtype_name(tensors[0].dtype()), " and ", dtype_name(x.dtype()), ")");
  FG_CHECK(indexing == "ij" || indexing == "xy", Error,
           "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: ", indexing);
  const size_t n = tensors.size();
  const bool swap = indexing == "xy" && n >= 2;
  auto position = [&](size_t i) { return swap && i < 2 ? 1 - i : i; };
  Dims grid(n, 1);
  int64_t total = 1;
  for (size_t i = 0; i < n; ++i) {
    grid[position(i)] = tensors[i].numel();
    FG_CHECK(!__builtin_mul_overflow(total, tensors[i].numel(), &total), Error,
             "numel: integer multiplication overflow (meshgrid of a grid of shape ", shape_str(grid), "...)");
  }
  tensor_list out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Dims shape(n, 1);
    shape[position(i)] = -1;
    out.push_back(expand(view(tensors[i], shape), grid));
  }
  return out;
}

// ---- transpose / t / permute ----

namespace {
Tensor transposed_view(const Tensor& t, int64_t d0, int64_t d1) {
  Dims sizes = t.sizes(), strides = t.strides();
  if (t.dim() > 0) {
    std::swap(sizes[d0], sizes[d1]);
    std::swap(strides[d0], strides[d1]);
  }
  return make_view(t, sizes, strides, t.storage_offset());
}
}  // namespace

struct TransposeBackward0 : NamedNode<TransposeBackward0> {
  static constexpr const char* kName = "TransposeBackward0";
  int64_t d0, d1;
  TransposeBackward0(int64_t a, int64_t b) : d0(a), d1(b) {}
  tensor_list apply(tensor_list&& g) override { return {transpose(g[0], d0, d1)}; }
};

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  int64_t d0 = wrap_dim(dim0, t.dim(), "transpose"), d1 = wrap_dim(dim1, t.dim(), "transpose");
  Tensor out = transposed_view(t, d0, d1);
  if (compute_requires_grad({&t})) set_history(out, make_node<TransposeBackward0>({&t}, d0, d1));
  return out;
}

struct TBackward0 : NamedNode<TBackward0> {
  static constexpr const char* kName = "TBackward0";
  tensor_list apply(tensor_list&& g) override { return {fastgrad::t(g[0])}; }
};

Tensor t(const Tensor& self) {
  FG_CHECK(self.dim() <= 2, Error, "t() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  Tensor out = self.dim() < 2 ? make_view(self, self.sizes(), self.strides(), self.storage_offset())
                              : transposed_view(self, 0, 1);
  if (compute_requires_grad({&self})) set_history(out, make_node<TBackward0>({&self}));
  return out;
}

struct PermuteBackward0 : NamedNode<PermuteBackward0> {
  static constexpr const char* kName = "PermuteBackward0";
  Dims inverse;
  explicit PermuteBackward0(Dims inv) : inverse(std::move(inv)) {}
  tensor_list apply(tensor_list&& g) override { return {permute(g[0], inverse)}; }
};

Tensor permute(const Tensor& t, const Dims& dims) {
  FG_CHECK(static_cast<int64_t>(dims.size()) == t.dim(), Error, "permute(): number of dimensions in the tensor input ",
           "does not match the length of the desired ordering of dimensions i.e. input.dim() = ", t.dim(),
           " is not equal to len(dims) = ", dims.size());
  Dims sizes(dims.size()), strides(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], t.dim(), "permute");
    FG_CHECK(!seen[d], Error, "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sizes[i] = t.sizes()[d];
    strides[i] = t.strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<PermuteBackward0>({&t}, inverse));
  return out;
}

namespace {
// A new view of all of t (what movedim of a 0-d tensor is in PyTorch). Internal linkage: indexing may
// record its own AliasBackward0.
struct AliasBackward0 : NamedNode<AliasBackward0> {
  static constexpr const char* kName = "AliasBackward0";
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

Tensor alias(const Tensor& t) {
  Tensor out = make_view(t, t.sizes(), t.strides(), t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<AliasBackward0>({&t}));
  return out;
}
}  // namespace

Tensor movedim(const Tensor& t, const Dims& source, const Dims& destination) {
  FG_CHECK(source.size() == destination.size(), Error, "movedim: Invalid source or destination dims: source (",
           shape_str(source), " dims) should contain the same number of dims as destination (", shape_str(destination),
           " dims)");
  const auto n = static_cast<size_t>(t.dim());
  Dims perm(n, -1);
  std::vector<bool> moved(n, false);
  for (size_t i = 0; i < source.size(); ++i) {
    int64_t s = wrap_dim(source[i], t.dim(), "movedim"), d = wrap_dim(destination[i], t.dim(), "movedim");
    if (t.dim() == 0) return alias(t);
    FG_CHECK(!moved[s], Error, "movedim: repeated dim in `source` (", shape_str(source), ")");
    FG_CHECK(perm[d] < 0, Error, "movedim: repeated dim in `destination` (", shape_str(destination), ")");
    moved[s] = true;
    perm[d] = s;
  }
  // The dims that do not move keep their order in the places left free.
  size_t next = 0;
  for (size_t d = 0; d < n; ++d) {
    if (perm[d] >= 0) continue;
    while (moved[next]) ++next;
    perm[d] = static_cast<int64_t>(next++);
  }
  return permute(t, perm);
}

Tensor numpy_T(const Tensor& t) {
  Dims reversed;
  for (int64_t d = t.dim() - 1; d >= 0; --d) reversed.push_back(d);
  return permute(t, reversed);
}

Tensor mT(const Tensor& t) {
  FG_CHECK(t.dim() >= 2, Error, "tensor.mT is only supported on matrices or batches of matrices. Got ", t.dim(),
           "-D tensor.");
  return transpose(t, -2, -1);
}

// ---- unsqueeze / squeeze ----

struct UnsqueezeBackward0 : NamedNode<UnsqueezeBackward0> {
  static constexpr const char* kName = "UnsqueezeBackward0";
  int64_t dim;
  explicit UnsqueezeBackward0(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override { return {squeeze(g[0], dim)}; }
};

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim() + 1, "unsqueeze");
  Dims sizes = t.sizes(), strides = t.strides();
  int64_t stride = d < t.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(static_cast<size_t>(d), 1);
  strides.insert(static_cast<size_t>(d), stride);
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<UnsqueezeBackward0>({&t}, d));
  return out;
}

namespace {
// Squeezes dimension d if it has size 1 (d < 0: every size-1 dimension).
void squeezed(const Tensor& t, int64_t d, Dims& sizes, Dims& strides) {
  for (int64_t i = 0; i < t.dim(); ++i) {
    bool drop = t.sizes()[i] == 1 && (d < 0 || i == d);
    if (drop) continue;
    sizes.push_back(t.sizes()[i]);
    strides.push_back(t.strides()[i]);
  }
}

// The squeeze Nodes differ only in PyTorch's name; their derivative is a reshape to the input.
template <int Variant>
struct SqueezeBackward : NamedNode<SqueezeBackward<Variant>> {
  static constexpr const char* kName = Variant == 0   ? "SqueezeBackward0"
                                       : Variant == 1 ? "SqueezeBackward1"
                                       : Variant == 2 ? "SqueezeBackward2"
                                       : Variant == 3 ? "SqueezeBackward3"
                                       : Variant == 4 ? "SqueezeBackward4"
                                                      : "SqueezeBackward5";
  Dims self_sizes;
  explicit SqueezeBackward(Dims s) : self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], self_sizes)}; }
};
}  // namespace

Tensor squeeze(const Tensor& t) {
  Dims sizes, strides;
  squeezed(t, -1, sizes, strides);
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<SqueezeBackward<0>>({&t}, t.sizes()));
  return out;
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim(), "squeeze");
  Dims sizes, strides;
  squeezed(t, t.dim() == 0 ? -2 : d, sizes, strides);
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<SqueezeBackward<1>>({&t}, t.sizes()));
  return out;
}

namespace {
// Squeezes the listed dimensions that have size 1 (a repeated dimension is refused).
void squeezed(const Tensor& t, const Dims& dims, const char* op, Dims& sizes, Dims& strides) {
  const std::vector<bool> drop = dim_list_mask(t.dim(), dims, op);
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (drop[i] && t.sizes()[i] == 1) continue;
    sizes.push_back(t.sizes()[i]);
    strides.push_back(t.strides()[i]);
  }
}
}  // namespace

Tensor squeeze(const Tensor& t, const Dims& dims) {
  Dims sizes, strides;
  squeezed(t, dims, "squeeze", sizes, strides);
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<SqueezeBackward<2>>({&t}, t.sizes()));
  return out;
}

// ---- in-place metadata ops: t_, transpose_, swapaxes_, unsqueeze_, squeeze_ ----

namespace {

// Note [In-place metadata ops]: these give self new sizes and strides over the same data. As in PyTorch
// they count as in-place ops: leaves that require grad are refused, the version is bumped, and self's
// history is rebased onto a Node (fed by self's previous history) that maps the gradient back.
template <class N, class... Args>
Tensor& restride_(Tensor& t, const Dims& sizes, const Dims& strides, const char* op, Args&&... args) {
  check_inplace(t, op, false, /*may_overlap=*/true);
  if (compute_requires_grad({&t})) {
    Tensor before = t.detach();
    auto& m = before->ensure_autograd();
    m.grad_fn = t.grad_fn();
    m.output_nr = t.output_nr();
    auto node = make_node<N>({&before}, std::forward<Args>(args)...);
    t->set_sizes_and_strides(sizes, strides, t.storage_offset());
    auto& tm = t->ensure_autograd();
    tm.output_nr = node->add_input_meta(t);
    tm.grad_fn = node;
  } else {
    t->set_sizes_and_strides(sizes, strides, t.storage_offset());
  }
  t.bump_version();
  // A view keeps the history just given to it (See Note [Differentiable views]): no data was written.
  if (t->view_base()) t->set_view_version(t.version());
  return t;
}

struct TBackward1 : NamedNode<TBackward1> {
  static constexpr const char* kName = "TBackward1";
  tensor_list apply(tensor_list&& g) override { return {fastgrad::t(g[0])}; }
};

struct TransposeBackward1 : NamedNode<TransposeBackward1> {
  static constexpr const char* kName = "TransposeBackward1";
  int64_t d0, d1;
  TransposeBackward1(int64_t a, int64_t b) : d0(a), d1(b) {}
  tensor_list apply(tensor_list&& g) override { return {transpose(g[0], d0, d1)}; }
};

struct UnsqueezeBackward1 : NamedNode<UnsqueezeBackward1> {
  static constexpr const char* kName = "UnsqueezeBackward1";
  int64_t dim;
  explicit UnsqueezeBackward1(int64_t d) : dim(d) {}
  tensor_list apply(tensor_list&& g) override { return {squeeze(g[0], dim)}; }
};

}  // namespace

Tensor& t_(Tensor& t) {
  FG_CHECK(t.dim() <= 2, Error, "t_() expects a tensor with <= 2 dimensions, but self is ", t.dim(), "D");
  Tensor v = t.dim() < 2 ? t : transposed_view(t, 0, 1);
  return restride_<TBackward1>(t, v.sizes(), v.strides(), "t_");
}

Tensor& transpose_(Tensor& t, int64_t dim0, int64_t dim1) {
  int64_t d0 = wrap_dim(dim0, t.dim(), "transpose_"), d1 = wrap_dim(dim1, t.dim(), "transpose_");
  Tensor v = transposed_view(t, d0, d1);
  return restride_<TransposeBackward1>(t, v.sizes(), v.strides(), "transpose_", d0, d1);
}

Tensor& unsqueeze_(Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim() + 1, "unsqueeze_");
  Dims sizes = t.sizes(), strides = t.strides();
  int64_t stride = d < t.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(static_cast<size_t>(d), 1);
  strides.insert(static_cast<size_t>(d), stride);
  return restride_<UnsqueezeBackward1>(t, sizes, strides, "unsqueeze_", d);
}

Tensor& squeeze_(Tensor& t) {
  Dims sizes, strides;
  squeezed(t, -1, sizes, strides);
  return restride_<SqueezeBackward<3>>(t, sizes, strides, "squeeze_", t.sizes());
}

Tensor& squeeze_(Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim(), "squeeze_");
  Dims sizes, strides;
  squeezed(t, t.dim() == 0 ? -2 : d, sizes, strides);
  return restride_<SqueezeBackward<4>>(t, sizes, strides, "squeeze_", t.sizes());
}

Tensor& squeeze_(Tensor& t, const Dims& dims) {
  Dims sizes, strides;
  squeezed(t, dims, "squeeze_", sizes, strides);
  return restride_<SqueezeBackward<5>>(t, sizes, strides, "squeeze_", t.sizes());
}

}  // namespace fastgrad

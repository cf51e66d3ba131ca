// Advanced indexing: the index plan, nonzero, index (IndexBackward0) and its inverse index_put
// (IndexPutBackward0). Subscripts t[...] and t[...] = v, built on these, are in subscript.cpp.
#include "index_plan.h"

namespace fastgrad {

// ---- the advanced-index plan (see Note [Advanced indexing] in index_plan.h) ----

tensor_list expand_masks(const Tensor& self, const tensor_list& indices) {
  tensor_list out;
  int64_t dim = 0;  // the dimension of self the next entry indexes
  for (const Tensor& idx : indices) {
    if (!idx.defined()) {
      out.push_back(idx);
      ++dim;
      continue;
    }
    FG_CHECK(idx.dtype() != ScalarType::Float32 && idx.dtype() != ScalarType::Float64, IndexError,
             "tensors used as indices must be long, int, byte or bool tensors");
    if (idx.dtype() != ScalarType::Bool) {
      out.push_back(idx);
      ++dim;
      continue;
    }
    // A k-dimensional mask indexes k dimensions: it becomes the k columns of its nonzero().
    FG_CHECK(idx.dim() > 0, IndexError, "a 0-d bool tensor can only index in a subscript (t[mask])");
    FG_CHECK(dim + idx.dim() <= self.dim(), IndexError, "too many indices for tensor of dimension ", self.dim());
    for (int64_t j = 0; j < idx.dim(); ++j)
      FG_CHECK(idx.sizes()[j] == self.sizes()[dim + j], IndexError, "The shape of the mask ", shape_str(idx.sizes()),
               " at index ", j, " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
               " at index ", dim + j);
    for (Tensor& c : nonzero_numpy(idx)) out.push_back(std::move(c));
    dim += idx.dim();
  }
  return out;
}

Dims broadcast_index_shapes(const tensor_list& indices) {
  Dims shape;
  bool first = true;
  for (const Tensor& idx : indices) {
    if (!idx.defined()) continue;
    if (first) {
      shape = idx.sizes();
      first = false;
      continue;
    }
    const size_t n = std::max(shape.size(), idx.sizes().size());
    Dims merged(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t a = i < n - shape.size() ? 1 : shape[i - (n - shape.size())];
      const int64_t b = i < n - idx.sizes().size() ? 1 : idx.sizes()[i - (n - idx.sizes().size())];
      if (!(a == b || a == 1 || b == 1)) {
        std::string shapes;
        for (const Tensor& t : indices)
          if (t.defined()) shapes += (shapes.empty() ? "" : ", ") + shape_str(t.sizes());
        throw IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes " + shapes);
      }
      merged[i] = a == 1 ? b : a;
    }
    shape = merged;
  }
  return shape;
}

IndexPlan::IndexPlan(const Tensor& self, const tensor_list& raw) {
  if (raw.size() == 1 && raw[0].defined() && raw[0].dtype() == ScalarType::Bool && raw[0].dim() > 0) {
    const Tensor& m = raw[0];
    FG_CHECK(m.dim() <= self.dim(), IndexError, "too many indices for tensor of dimension ", self.dim());
    for (int64_t j = 0; j < m.dim(); ++j)
      FG_CHECK(m.sizes()[j] == self.sizes()[j], IndexError, "The shape of the mask ", shape_str(m.sizes()),
               " at index ", j, " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
               " at index ", j);
    mask = cast(m, ScalarType::Bool, /*force_copy=*/true);
    const bool* p = mask.data<bool>();
    nb = 0;
    for (int64_t i = 0; i < mask.numel(); ++i) nb += p[i];
    self_sizes = self.sizes();
    b_shape = {nb};
    out_shape = b_shape;
    for (int64_t d = m.dim(); d < self.dim(); ++d) {
      post_dims.push_back(d);
      out_shape.push_back(self.sizes()[d]);
    }
    return;
  }
  tensor_list indices = expand_masks(self, raw);
  FG_CHECK(static_cast<int64_t>(indices.size()) <= self.dim(), IndexError, "too many indices for tensor of dimension ",
           self.dim(), " (got ", indices.size(), ")");
  self_sizes = self.sizes();
  b_shape = broadcast_index_shapes(indices);
  nb = numel_of(b_shape);
  // Which dimensions are indexed, and whether they are adjacent.
  int64_t first_dim = -1, last_dim = -1, count = 0;
  for (size_t d = 0; d < indices.size(); ++d)
    if (indices[d].defined()) {
      if (first_dim < 0) first_dim = static_cast<int64_t>(d);
      last_dim = static_cast<int64_t>(d);
      ++count;
    }
  const bool adjacent = count == 0 || last_dim - first_dim + 1 == count;
  for (int64_t d = 0; d < self.dim(); ++d) {
    const bool indexed = d < static_cast<int64_t>(indices.size()) && indices[d].defined();
    if (indexed) continue;
    if (adjacent && (count == 0 || d < first_dim)) pre_dims.push_back(d);
    else post_dims.push_back(d);
  }
  for (int64_t d : pre_dims) out_shape.push_back(self.sizes()[d]);
  for (int64_t s : b_shape) out_shape.push_back(s);
  for (int64_t d : post_dims) out_shape.push_back(self.sizes()[d]);
  // Normalised (non-negative, checked) copies of the index tensors at the broadcast shape.
  int64_t ordinal = 0;
  for (size_t d = 0; d < indices.size(); ++d) {
    if (!indices[d].defined()) continue;
    const int64_t size = self.sizes()[d];
    Tensor v = empty(b_shape, ScalarType::Int64);
    copy_into(v, indices[d]);
    int64_t* p = v.data<int64_t>();
    // No index fits a dimension of size 0, whatever the result's size (PyTorch's check and words).
    FG_CHECK(nb == 0 || size > 0, IndexError, "index is out of bounds for dimension with size 0");
    const bool empty_result = numel_of(out_shape) == 0;  // PyTorch checks indices only as it reads them
    for (int64_t i = 0; i < nb && !empty_result; ++i) {
      FG_CHECK(p[i] >= -size && p[i] < size, IndexError, "index ", p[i], " is out of bounds for dimension ", ordinal,
               " with size ", size);
      if (p[i] < 0) p[i] += size;
    }
    dims.push_back(static_cast<int64_t>(d));
    values.push_back(v);
    ++ordinal;
  }
}

tensor_list IndexPlan::normalized_indices() const {
  if (mask.defined()) return {mask};
  tensor_list out(self_sizes.size());
  for (size_t i = 0; i < dims.size(); ++i) out[dims[i]] = values[i];
  // Trailing undefined entries are not needed.
  while (!out.empty() && !out.back().defined()) out.pop_back();
  return out;
}

namespace {
// Offsets (in elements) of every position of the given dimensions, row-major.
std::vector<int64_t> offsets_of(const std::vector<int64_t>& dims, const Dims& sizes, const Dims& strides) {
  std::vector<int64_t> out{0};
  for (int64_t d : dims) {
    std::vector<int64_t> next;
    next.reserve(out.size() * static_cast<size_t>(sizes[d]));
    for (int64_t o : out)
      for (int64_t i = 0; i < sizes[d]; ++i) next.push_back(o + i * strides[d]);
    out = std::move(next);
  }
  return out;
}
}  // namespace

IndexPlan::Offsets IndexPlan::offsets(const Dims& strides) const {
  Offsets o;
  o.pre = offsets_of(pre_dims, self_sizes, strides);
  o.post = offsets_of(post_dims, self_sizes, strides);
  o.base.assign(static_cast<size_t>(nb), 0);
  if (mask.defined()) {
    // Walk the mask in row-major order, one row of its last dimension at a time. Writes are unconditional
    // and the cursor advances by the mask value: a random mask would defeat the branch predictor.
    const bool* p = mask.data<bool>();
    const int64_t k = mask.dim(), inner = mask.sizes()[k - 1], step = strides[k - 1];
    if (mask.numel() == 0) return o;
    o.base.resize(static_cast<size_t>(nb) + 1);
    int64_t* base = o.base.data();
    Dims coord(static_cast<size_t>(k), 0);
    int64_t row = 0, out = 0;  // offset of the current row's first element
    for (int64_t i = 0; i < mask.numel(); i += inner) {
      for (int64_t j = 0; j < inner; ++j) {
        base[out] = row + j * step;
        out += p[i + j];
      }
      for (int64_t d = k - 2; d >= 0; --d) {
        row += strides[d];
        if (++coord[d] < mask.sizes()[d]) break;
        row -= strides[d] * mask.sizes()[d];
        coord[d] = 0;
      }
    }
    o.base.resize(static_cast<size_t>(nb));
    return o;
  }
  for (size_t k = 0; k < dims.size(); ++k) {
    const int64_t* p = values[k].data<int64_t>();
    const int64_t s = strides[dims[k]];
    for (int64_t i = 0; i < nb; ++i) o.base[i] += p[i] * s;
  }
  return o;
}

Tensor IndexPlan::gather(const Tensor& self) const {
  Tensor out = empty(out_shape, self.dtype());
  if (out.numel() == 0) return out;
  Offsets o = offsets(self.strides());
  dispatch_all(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = self.data<T>();
    T* dst = out.data<T>();
    for (int64_t p : o.pre)
      for (int64_t b : o.base) {
        const T* s = src + p + b;
        for (int64_t q : o.post) *dst++ = s[q];
      }
  });
  return out;
}

void IndexPlan::put(const Tensor& dst, const Tensor& values_, bool accumulate) const {
  if (numel_of(out_shape) == 0) return;
  Tensor v = empty(out_shape, dst.dtype());  // contiguous, broadcast and converted; also breaks any aliasing
  copy_into(v, values_);
  Offsets o = offsets(dst.strides());
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = dst.data<T>();
    const T* src = v.data<T>();
    for (int64_t p : o.pre)
      for (int64_t b : o.base) {
        T* d = out + p + b;
        if (accumulate) {
          for (int64_t q : o.post) {
            // Read the value before combining: `d[q] || *src++` would skip the increment whenever d[q] is
            // true, shifting every later value (and reading past the end of the values).
            const T x = *src++;
            if constexpr (std::is_same_v<T, bool>) d[q] = d[q] || x;
            else d[q] = T(d[q] + x);
          }
        } else {
          for (int64_t q : o.post) d[q] = *src++;
        }
      }
  });
}

// ---- nonzero ----

Tensor nonzero(const Tensor& self) {
  Tensor c = self.is_contiguous() ? self : cast(self, self.dtype(), /*force_copy=*/true);
  const int64_t n = c.numel(), nd = c.dim();
  int64_t count = 0;
  dispatch_all(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data<T>();
    for (int64_t i = 0; i < n; ++i) count += p[i] != T(0);
  });
  // One spare row: every position is written and the cursor advances only past nonzeros (no branch on the
  // data, which a random mask would mispredict half the time).
  Tensor out = empty({count + 1, nd}, ScalarType::Int64);
  int64_t* o = out.data<int64_t>();
  dispatch_all(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data<T>();
    if (nd == 1) {
      for (int64_t i = 0; i < n; ++i) {
        *o = i;
        o += p[i] != T(0);
      }
      return;
    }
    Dims coord(static_cast<size_t>(nd), 0);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t d = 0; d < nd; ++d) o[d] = coord[d];
      o += (p[i] != T(0)) * nd;
      for (int64_t d = nd - 1; d >= 0; --d) {  // odometer
        if (++coord[d] < c.sizes()[d]) break;
        coord[d] = 0;
      }
    }
  });
  out->set_sizes_and_strides({count, nd}, {nd, 1}, 0);
  return out;
}

tensor_list nonzero_numpy(const Tensor& self) {
  // A 0-d tensor counts as one element of a 1-D one, as in PyTorch.
  Tensor nz = nonzero(self.dim() == 0 ? make_view(self, {1}, {1}, self.storage_offset()) : self);
  const int64_t n = nz.sizes()[0], nd = nz.sizes()[1];
  tensor_list cols;
  for (int64_t d = 0; d < nd; ++d) cols.push_back(cast(make_view(nz, {n}, {nd}, d), ScalarType::Int64, true));
  return cols;
}

// ---- index / index_put ----

struct IndexBackward0 : NamedNode<IndexBackward0> {
  static constexpr const char* kName = "IndexBackward0";
  Dims self_sizes;
  tensor_list indices;  // normalised int64 copies: no one else can modify them
  IndexBackward0(Dims s, tensor_list i) : self_sizes(std::move(s)), indices(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    return {index_put(zeros(self_sizes, g[0].dtype()), indices, g[0], /*accumulate=*/true)};
  }
  void release_saved() override {
    indices.clear();
    Node::release_saved();
  }
};

Tensor index(const Tensor& self, const tensor_list& indices) {
  IndexPlan plan(self, indices);
  Tensor out = plan.gather(self);
  if (compute_requires_grad({&self}))
    set_history(out, make_node<IndexBackward0>({&self}, self.sizes(), plan.normalized_indices()));
  return out;
}

struct IndexPutBackward0 : NamedNode<IndexPutBackward0> {
  static constexpr const char* kName = "IndexPutBackward0";
  tensor_list indices;
  bool accumulate;
  IndexPutBackward0(tensor_list i, bool a) : indices(std::move(i)), accumulate(a) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor gs, gv;
    if (needs_input_grad(0)) gs = accumulate ? g[0] : index_put(g[0], indices, zeros({}, g[0].dtype()), false);
    if (needs_input_grad(1)) gv = index(g[0], indices);
    return {gs, gv};
  }
  void release_saved() override {
    indices.clear();
    Node::release_saved();
  }
};

bool put_is_masked_fill(const tensor_list& indices, const Tensor& values, bool accumulate) {
  if (accumulate || values.numel() != 1) return false;
  int masks = 0;
  for (const auto& i : indices) {
    if (!i.defined()) continue;
    if (i.dtype() != ScalarType::Bool) return false;
    ++masks;
  }
  return masks == 1;
}

void check_put_values(const Tensor& self, const tensor_list& indices, const Tensor& values, const IndexPlan& plan,
                      bool accumulate) {
  // PyTorch reports a value that does not fit the indexing result before a value of another dtype.
  bool fits = values.dim() <= static_cast<int64_t>(plan.out_shape.size());
  for (int64_t i = 0; fits && i < values.dim(); ++i) {
    const int64_t v = values.sizes()[values.dim() - 1 - i];
    const int64_t o = plan.out_shape[plan.out_shape.size() - 1 - static_cast<size_t>(i)];
    fits = v == o || v == 1;
  }
  FG_CHECK(fits, Error, "shape mismatch: value tensor of shape ", shape_str(values.sizes()),
           " cannot be broadcast to indexing result of shape ", shape_str(plan.out_shape));
  FG_CHECK(values.dtype() == self.dtype() || put_is_masked_fill(indices, values, accumulate), Error,
           "Index put requires the source and destination dtypes match, got ", scalar_type_name(self.dtype()),
           " for the destination and ", scalar_type_name(values.dtype()), " for the source.");
}

Tensor index_put(const Tensor& self, const tensor_list& indices, const Tensor& values, bool accumulate) {
  IndexPlan plan(self, indices);
  check_put_values(self, indices, values, plan, accumulate);
  Tensor out = cast(self, self.dtype(), /*force_copy=*/true);
  plan.put(out, values, accumulate);
  if (compute_requires_grad({&self, &values}))
    set_history(out, make_node<IndexPutBackward0>({&self, &values}, plan.normalized_indices(), accumulate));
  return out;
}

// Unrecorded, an expanded self is written as PyTorch writes it (deprecated; the bindings warn): each indexed
// element through its memory, accumulate adding into the shared location once per element.
Tensor& index_put_(Tensor& self, const tensor_list& indices, const Tensor& values, bool accumulate) {
  const bool record = compute_requires_grad({&self, &values});
  check_inplace(self, "index_put_", false, /*may_overlap=*/!record);
  if (record) {
    Tensor r = index_put(inplace_snapshot(self, /*copy_data=*/false), indices, values, accumulate);
    return inplace_commit(self, r);
  }
  IndexPlan plan(self, indices);
  check_put_values(self, indices, values, plan, accumulate);
  plan.put(self, values, accumulate);
  self.bump_version();
  return self;
}

}  // namespace fastgrad

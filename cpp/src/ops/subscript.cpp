// Subscripts: t[...] and t[...] = v. Basic subscripts (integers, slices, None, Ellipsis) are views made by
// select, slice and unsqueeze, so their autograd comes from those ops; tensor subscripts (integer or boolean)
// run the advanced index op (index.cpp), whose result is a copy.
#include "index_plan.h"

namespace fastgrad {

// ---- subscripts: t[...] ----

struct AliasBackward0 : NamedNode<AliasBackward0> {
  static constexpr const char* kName = "AliasBackward0";
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

namespace {

using Kind = TensorIndex::Kind;

// A 0-d integer tensor in a subscript is an integer; a 0-d bool tensor is a Python bool.
TensorIndex canonical(const TensorIndex& i) {
  if (i.kind != Kind::Tensor || i.tensor.dim() != 0) return i;
  if (i.tensor.dtype() == ScalarType::Bool) return TensorIndex::from_bool(i.tensor.item().i != 0);
  FG_CHECK(is_integral(i.tensor.dtype(), false), IndexError,
           "tensors used as indices must be long, int, byte or bool tensors");
  return TensorIndex::from_integer(i.tensor.item().i);
}

// `t[i]` on a 0-d tensor (one plain integer, not a tensor) gets PyTorch's hint; longer subscripts get
// "too many indices".
void check_0d_integer(const Tensor& t, const std::vector<TensorIndex>& raw) {
  FG_CHECK(!(t.dim() == 0 && raw.size() == 1 && raw[0].kind == Kind::Integer), IndexError,
           "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a "
           "0-dim tensor to a number");
}

// The dimensions of t a subscript names (everything but None, Ellipsis and bools).
int64_t consumed_dims(const std::vector<TensorIndex>& indices) {
  int64_t n = 0;
  for (const auto& i : indices) {
    if (i.kind == Kind::Integer || i.kind == Kind::Slice) ++n;
    else if (i.kind == Kind::Tensor) n += i.tensor.dtype() == ScalarType::Bool ? i.tensor.dim() : 1;
  }
  return n;
}

int64_t checked_integer(int64_t i, int64_t size, int64_t real_dim) {
  FG_CHECK(i >= -size && i < size, IndexError, "index ", i, " is out of bounds for dimension ", real_dim, " with size ",
           size);
  return i < 0 ? i + size : i;
}

// A subscript entry past the last dimension (after several ellipses): PyTorch's message.
void check_subscript_dim(int64_t dim, int64_t ndim) {
  FG_CHECK(dim < ndim, IndexError, "Dimension out of range (expected to be in range of [", -std::max<int64_t>(ndim, 1),
           ", ", std::max<int64_t>(ndim, 1) - 1, "], but got ", dim, ")");
}

bool trivial_slice(const TensorIndex& i, int64_t size) {
  return i.step == 1 && (!i.start || *i.start == 0) && (!i.stop || *i.stop >= size);
}

// Entries of an advanced index list are positional: a k-dimensional mask takes one entry but covers k
// dimensions. `covered` counts the dimensions the list covers so far.
void add_advanced(tensor_list& adv, int64_t& covered, int64_t dim, const Tensor& idx) {
  while (covered < dim) {
    adv.emplace_back();
    ++covered;
  }
  adv.push_back(idx);
  covered += idx.dtype() == ScalarType::Bool ? std::max<int64_t>(idx.dim(), 1) : 1;
}

Tensor bool_mask(bool b) { return full({1}, Scalar(b), ScalarType::Bool); }

// Applies the basic part of a subscript as views, collecting the tensor subscripts (positional, for index()).
Tensor apply_basic(const Tensor& t, const std::vector<TensorIndex>& raw, tensor_list& adv) {
  check_0d_integer(t, raw);
  std::vector<TensorIndex> indices;
  indices.reserve(raw.size());
  for (const auto& i : raw) indices.push_back(canonical(i));
  const int64_t consumed = consumed_dims(indices);
  FG_CHECK(consumed <= t.dim(), IndexError, "too many indices for tensor of dimension ", t.dim());
  Tensor r = t;
  int64_t dim = 0, covered = 0, real_dim = -1;  // real_dim: the entry's position, for messages
  for (const auto& i : indices) {
    ++real_dim;
    switch (i.kind) {
      case Kind::Integer:
        check_subscript_dim(dim, r.dim());
        r = select(r, dim, checked_integer(i.integer, r.sizes()[dim], real_dim));
        break;
      case Kind::Slice:
        if (!(i.step == 1 && !i.start && !i.stop)) {  // `:` is skipped unchecked, as in PyTorch
          check_subscript_dim(dim, r.dim());
          if (!trivial_slice(i, r.sizes()[dim])) r = slice(r, dim, i.start, i.stop, i.step);
        }
        ++dim;
        break;
      case Kind::None:
        r = unsqueeze(r, dim);
        ++dim;
        break;
      case Kind::Ellipsis:  // every ellipsis stands for the unnamed dimensions, as in PyTorch
        dim += t.dim() - consumed;
        break;
      case Kind::Boolean:
        r = unsqueeze(r, dim);
        add_advanced(adv, covered, dim, bool_mask(i.boolean));
        ++dim;
        break;
      case Kind::Tensor: {
        add_advanced(adv, covered, dim, i.tensor);
        const int64_t k = i.tensor.dtype() == ScalarType::Bool ? i.tensor.dim() : 1;
        dim += k;
        break;
      }
    }
  }
  return r;
}

}  // namespace

Tensor index(const Tensor& t, const std::vector<TensorIndex>& indices) {
  tensor_list adv;
  Tensor r = apply_basic(t, indices, adv);
  if (!adv.empty()) return index(r, adv);
  if (!r.is_same(t)) return r;
  // `t[...]`, `t[()]`, `t[:, :]`: a new view of all of t.
  Tensor out = make_view(t, t.sizes(), t.strides(), t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<AliasBackward0>({&t}));
  return out;
}

// ---- subscripts: t[...] = v ----

// Note [setitem under autograd]
// As in PyTorch, t[subscript] = v applies the basic part of the subscript (integers, slices, None,
// Ellipsis) as views and writes into the result: a copy_ (fill_ for a 0-d value), which on a view of t
// rebases t's history onto CopySlices (See Note [Differentiable views] in tensor.h). Tensor subscripts are
// then an index_put_ into that view; when the basic part leaves t itself (only tensors and full slices), the
// whole subscript is rewritten as one int64 index tensor per dimension of t (an integer becomes a 0-d
// tensor, a slice an arange placed at its result dimension, a tensor subscript keeps its place in the
// advanced block), all broadcasting to the shape of t[subscript], and the write is one index_put_ on t
// (IndexPutBackward0).

namespace {

struct FullIndex {
  tensor_list indices;           // one per dimension of t
  bool selects_nothing = false;  // a False in the subscript
  bool has_tensor_index = false;
  bool single_mask = false;  // one bool tensor among basic subscripts: a one-element v of another dtype is
                             // allowed (PyTorch writes it with masked_fill_, see put_is_masked_fill)
};

FullIndex full_indices(const Tensor& t, const std::vector<TensorIndex>& raw) {
  check_0d_integer(t, raw);
  std::vector<TensorIndex> indices;
  for (const auto& i : raw) indices.push_back(canonical(i));
  const int64_t consumed = consumed_dims(indices);
  FG_CHECK(consumed <= t.dim(), IndexError, "too many indices for tensor of dimension ", t.dim());

  // The dimensions of t[subscript] in subscript order, before the advanced ones gather into their block.
  enum class DimKind { Source, NewAxis, Advanced };
  struct ResultDim {
    DimKind kind;
    int64_t src = -1, start = 0, length = 1, step = 1;  // Source: dimension of t and its slice
  };
  std::vector<ResultDim> rdims;
  tensor_list block_parts;                        // every advanced index, for the block's shape
  std::vector<std::pair<Tensor, int64_t>> parts;  // advanced index -> the dimension of t it indexes
  FullIndex f;
  f.indices.assign(static_cast<size_t>(t.dim()), Tensor());
  int64_t d = 0, real_dim = -1, tensor_entries = 0, masks = 0;
  for (const auto& i : indices) {
    ++real_dim;
    switch (i.kind) {
      case Kind::Integer:
        check_subscript_dim(d, t.dim());
        f.indices[d] = scalar_tensor(Scalar(checked_integer(i.integer, t.sizes()[d], real_dim)), ScalarType::Int64);
        ++d;
        break;
      case Kind::Slice: {
        if (d >= t.dim() && i.step == 1 && !i.start && !i.stop) {  // `:` past the end: skipped, as in PyTorch
          ++d;
          break;
        }
        check_subscript_dim(d, t.dim());
        FG_CHECK(i.step > 0, ValueError, "step must be greater than zero");
        const int64_t size = t.sizes()[d];
        auto clip = [size](int64_t v) { return std::min(std::max<int64_t>(v < 0 ? v + size : v, 0), size); };
        const int64_t start = i.start ? clip(*i.start) : 0;
        const int64_t stop = std::max(start, i.stop ? clip(*i.stop) : size);
        rdims.push_back({DimKind::Source, d, start, (stop - start + i.step - 1) / i.step, i.step});
        ++d;
        break;
      }
      case Kind::None: rdims.push_back({DimKind::NewAxis}); break;
      case Kind::Ellipsis:
        for (int64_t k = 0; k < t.dim() - consumed; ++k, ++d)
          if (d < t.dim()) rdims.push_back({DimKind::Source, d, 0, t.sizes()[d], 1});  // a 2nd ellipsis: past the end
        break;
      case Kind::Boolean:
        // Like a [1]-shaped mask over a new dimension: one entry of the block, or none at all for False.
        rdims.push_back({DimKind::Advanced});
        block_parts.push_back(empty({i.boolean ? 1 : 0}, ScalarType::Int64));
        f.selects_nothing |= !i.boolean;
        ++tensor_entries;
        break;
      case Kind::Tensor: {
        ++tensor_entries;
        const Tensor& idx = i.tensor;
        const int64_t k = idx.dtype() == ScalarType::Bool ? idx.dim() : 1;
        masks += idx.dtype() == ScalarType::Bool;
        if (k > 0) check_subscript_dim(d + k - 1, t.dim());
        Tensor rest = make_view(t, Dims(t.sizes().begin() + d, t.sizes().end()),
                                Dims(t.strides().begin() + d, t.strides().end()), t.storage_offset());
        tensor_list cols = expand_masks(rest, {idx});
        for (size_t j = 0; j < cols.size(); ++j) {
          rdims.push_back({DimKind::Advanced});
          block_parts.push_back(cols[j]);
          parts.emplace_back(cols[j], d + static_cast<int64_t>(j));
        }
        d += k;
        break;
      }
    }
  }
  for (; d < t.dim(); ++d) rdims.push_back({DimKind::Source, d, 0, t.sizes()[d], 1});
  f.has_tensor_index = tensor_entries > 0;
  f.single_mask = tensor_entries == 1 && masks == 1;

  // Lay out the result: the block replaces adjacent advanced dimensions, or goes first.
  const Dims block = broadcast_index_shapes(block_parts);
  int64_t first = -1, last = -1, count = 0;
  for (size_t r = 0; r < rdims.size(); ++r)
    if (rdims[r].kind == DimKind::Advanced) {
      if (first < 0) first = static_cast<int64_t>(r);
      last = static_cast<int64_t>(r);
      ++count;
    }
  const bool adjacent = count == 0 || last - first + 1 == count;
  std::vector<int64_t> pos(rdims.size(), -1);  // result position of each non-advanced dimension
  Dims shape;
  int64_t block_pos = 0;
  auto place = [&](size_t r) {
    pos[r] = static_cast<int64_t>(shape.size());
    shape.push_back(rdims[r].length);
  };
  if (!adjacent) {
    for (int64_t s : block) shape.push_back(s);
    for (size_t r = 0; r < rdims.size(); ++r)
      if (rdims[r].kind != DimKind::Advanced) place(r);
  } else {
    for (size_t r = 0; r < rdims.size(); ++r) {
      if (static_cast<int64_t>(r) == first) {
        block_pos = static_cast<int64_t>(shape.size());
        for (int64_t s : block) shape.push_back(s);
      }
      if (rdims[r].kind != DimKind::Advanced) place(r);
    }
  }
  const size_t nr = shape.size();

  // One index tensor per dimension of t, each spread over the result dimensions it varies along.
  for (size_t r = 0; r < rdims.size(); ++r) {
    const ResultDim& rd = rdims[r];
    if (rd.kind != DimKind::Source) continue;
    Tensor ar = arange(Scalar(rd.start), Scalar(rd.start + rd.length * rd.step), Scalar(rd.step), ScalarType::Int64);
    Dims sizes(nr, 1);
    sizes[pos[r]] = rd.length;
    f.indices[rd.src] = make_view(ar, sizes, Dims(nr, 1), 0);
  }
  for (auto& [idx, src] : parts) {
    Dims sizes(nr, 1);
    const int64_t offset = block_pos + static_cast<int64_t>(block.size()) - idx.dim();
    for (int64_t k = 0; k < idx.dim(); ++k) sizes[offset + k] = idx.sizes()[k];
    Tensor c = cast(idx, ScalarType::Int64, /*force_copy=*/true);
    f.indices[src] = make_view(c, sizes, contiguous_strides(sizes), 0);
  }
  if (f.selects_nothing && t.dim() > 0) {
    // A False selects nothing, but the write is still recorded (the value gets an empty gradient, as in
    // PyTorch): give the first index the empty block dimension.
    Dims sizes(nr, 1);
    for (size_t k = 0; k < block.size(); ++k) sizes[block_pos + static_cast<int64_t>(k)] = block[k];
    Tensor empty_block = zeros(sizes, ScalarType::Int64);
    f.indices[0] = add(f.indices[0], empty_block);
    f.selects_nothing = false;
  }
  return f;
}

// PyTorch drops a value's leading size-1 dimensions, so that a [1, 1, n] value fits a [n] slot.
Tensor strip_leading_ones(const Tensor& v) {
  int64_t k = 0;
  while (k < v.dim() && v.sizes()[k] == 1) ++k;
  return k == 0 ? v : view(v, Dims(v.sizes().begin() + k, v.sizes().end()));
}

}  // namespace

void index_put_(Tensor& t, const std::vector<TensorIndex>& indices, const Tensor& value) {
  Tensor v = strip_leading_ones(value);
  if (!compute_requires_grad({&t, &v})) {
    tensor_list adv;
    Tensor r;
    {
      NoGradGuard guard;
      r = apply_basic(t, indices, adv);
      if (adv.empty()) expand(v, r.sizes());  // v must broadcast to the slot: expand's check and message
    }
    if (adv.empty()) {
      check_inplace(r, "copy_");  // as copy_ would: no write through an expanded view or an inference tensor
      copy_into(r, v);
    } else if (adv.size() == 1 && adv[0].dtype() == ScalarType::Bool && adv[0].sizes() == r.sizes() && v.dim() == 0) {
      masked_fill_kernel(r, adv[0], v.item());  // t[mask] = scalar, the most common write
    } else {
      IndexPlan plan(r, adv);
      check_put_values(r, adv, v, plan, /*accumulate=*/false);
      plan.put(r, v, /*accumulate=*/false);
    }
    t.bump_version();
    t.storage()->note_inplace(adv.empty() ? "copy_" : "index_put_");
    return;
  }
  // See Note [setitem under autograd].
  tensor_list adv;
  Tensor r = apply_basic(t, indices, adv);
  if (adv.empty()) {
    // PyTorch's copy_to: the same shape is a copy_, a 0-d value a fill_, anything else broadcasts first.
    if (r.sizes() == v.sizes()) copy_(r, v);
    else if (v.dim() == 0) fill_(r, v);
    else copy_(r, expand(v, r.sizes()));
    return;
  }
  if (!r.is_same(t)) {
    if (v.dtype() != t.dtype() && !put_is_masked_fill(adv, v, /*accumulate=*/false))
      check_put_values(r, adv, v, IndexPlan(r, adv), /*accumulate=*/false);  // throws: shape, else dtype
    index_put_(r, adv, v.dtype() == t.dtype() ? v : to_dtype(v, t.dtype()), /*accumulate=*/false);
    return;
  }
  check_inplace(t, "index_put_");
  FullIndex f = full_indices(t, indices);
  if (f.has_tensor_index && v.dtype() != t.dtype() && !(f.single_mask && v.numel() == 1))
    check_put_values(t, f.indices, v, IndexPlan(t, f.indices), /*accumulate=*/false);  // throws: shape, else dtype
  if (f.selects_nothing) return;
  index_put_(t, f.indices, v.dtype() == t.dtype() ? v : to_dtype(v, t.dtype()), /*accumulate=*/false);
}

}  // namespace fastgrad

// Ops that copy elements into a new arrangement: repeat, tile, flip, roll, tril, triu, diag, repeat_interleave.
// Forward and derivative side by side. Most are one strided copy from a view of the input built with the right
// strides (zero strides to repeat, negative strides to flip), so the copy loop does all the work.
#include <limits>

#include "common.h"
#include "elementwise.h"
#include "index_plan.h"

namespace fastgrad {

// ---- repeat / tile ----

namespace {
// The input with leading size-1 dims added until it has n dims (a raw view).
Tensor pad_dims(const Tensor& t, size_t n) {
  Dims sizes(n - static_cast<size_t>(t.dim()), 1), strides(n - static_cast<size_t>(t.dim()), 0);
  for (int64_t d = 0; d < t.dim(); ++d) {
    sizes.push_back(t.sizes()[d]);
    strides.push_back(t.strides()[d]);
  }
  return make_view(t, sizes, strides, t.storage_offset());
}

// Sizes [r0, s0, r1, s1, ...]: the result of repeat seen with each dim split into (repeat, size).
Dims interleave(const Dims& repeats, const Dims& sizes) {
  Dims out;
  for (size_t i = 0; i < repeats.size(); ++i) {
    out.push_back(repeats[i]);
    out.push_back(sizes[i]);
  }
  return out;
}
}  // namespace

struct RepeatBackward0 : NamedNode<RepeatBackward0> {
  static constexpr const char* kName = "RepeatBackward0";
  Dims repeats, padded_sizes, self_sizes;
  RepeatBackward0(Dims r, Dims p, Dims s)
      : repeats(std::move(r)), padded_sizes(std::move(p)), self_sizes(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override {
    if (repeats.empty()) return {g[0]};  // a 0-d tensor repeated no times: a copy
    Dims reduce;
    for (size_t i = 0; i < repeats.size(); ++i) reduce.push_back(static_cast<int64_t>(2 * i));
    Tensor split = reshape(g[0], interleave(repeats, padded_sizes));
    return {reshape(sum(split, reduce), self_sizes)};
  }
};

Tensor repeat(const Tensor& t, const Dims& repeats) {
  FG_CHECK(static_cast<int64_t>(repeats.size()) >= t.dim(), Error,
           "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  Tensor src = pad_dims(t, repeats.size());
  Dims shape(repeats.size());
  for (size_t i = 0; i < repeats.size(); ++i) shape[i] = repeats[i] * src.sizes()[i];
  Tensor out = empty(shape, t.dtype());
  // out seen as [r0, s0, r1, s1, ...]; the input as the same shape with zero strides on the r dims.
  Dims split_sizes = interleave(repeats, src.sizes()), out_strides, src_strides;
  for (size_t i = 0; i < repeats.size(); ++i) {
    out_strides.push_back(src.sizes()[i] * out.strides()[i]);
    out_strides.push_back(out.strides()[i]);
    src_strides.push_back(0);
    src_strides.push_back(src.strides()[i]);
  }
  if (out.numel() > 0)
    copy_into(make_view(out, split_sizes, out_strides, 0),
              make_view(src, split_sizes, src_strides, src.storage_offset()));
  if (compute_requires_grad({&t})) set_history(out, make_node<RepeatBackward0>({&t}, repeats, src.sizes(), t.sizes()));
  return out;
}

Tensor tile(const Tensor& t, const Dims& dims) {
  if (static_cast<int64_t>(dims.size()) >= t.dim()) return repeat(t, dims);
  Dims padded(static_cast<size_t>(t.dim()) - dims.size(), 1);
  for (int64_t r : dims) padded.push_back(r);
  return repeat(t, padded);
}

// ---- flip ----

struct FlipBackward0 : NamedNode<FlipBackward0> {
  static constexpr const char* kName = "FlipBackward0";
  Dims dims;
  explicit FlipBackward0(Dims d) : dims(std::move(d)) {}
  tensor_list apply(tensor_list&& g) override { return {flip(g[0], dims)}; }
};

Tensor flip(const Tensor& t, const Dims& dims) {
  auto mask = dim_list_mask(t.dim(), dims, "flip");
  Tensor out = empty(t.sizes(), t.dtype());
  if (t.numel() > 0) {
    // The input read backwards along the flipped dims: start at their last element, negative strides.
    Dims strides = t.strides();
    int64_t offset = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) {
      if (!mask[d]) continue;
      offset += (t.sizes()[d] - 1) * strides[d];
      strides[d] = -strides[d];
    }
    copy_into(out, make_view(t, t.sizes(), strides, offset));
  }
  if (compute_requires_grad({&t})) set_history(out, make_node<FlipBackward0>({&t}, dims));
  return out;
}

// ---- roll ----

namespace {
// One copy per rolled dim: out[(i + shift) mod n] = in[i], as two block copies.
Tensor roll_one(const Tensor& t, int64_t d, int64_t shift) {
  const int64_t n = t.sizes()[d];
  Tensor out = empty(t.sizes(), t.dtype());
  if (t.numel() == 0) return out;
  shift = ((shift % n) + n) % n;
  auto part = [&](const Tensor& x, int64_t start, int64_t length) {
    Dims sizes = x.sizes();
    sizes[d] = length;
    return make_view(x, sizes, x.strides(), x.storage_offset() + start * x.strides()[d]);
  };
  copy_into(part(out, shift, n - shift), part(t, 0, n - shift));
  if (shift > 0) copy_into(part(out, 0, shift), part(t, n - shift, shift));
  return out;
}
}  // namespace

struct RollBackward0 : NamedNode<RollBackward0> {
  static constexpr const char* kName = "RollBackward0";
  Dims shifts, dims;
  RollBackward0(Dims s, Dims d) : shifts(std::move(s)), dims(std::move(d)) {}
  tensor_list apply(tensor_list&& g) override {
    Dims back = shifts;
    for (auto& s : back) s = -s;
    return {roll(g[0], back, dims)};
  }
};

Tensor roll(const Tensor& t, const Dims& shifts, const Dims& dims) {
  FG_CHECK(!shifts.empty(), Error, "`shifts` required");
  FG_CHECK(dims.empty() ? shifts.size() == 1 : shifts.size() == dims.size(), Error,
           "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:", dims.size());
  Tensor out;
  if (t.dim() == 0 || t.numel() == 0) {
    // PyTorch checks the dims of a 0-d tensor but not of an empty one (it returns the copy first).
    if (t.dim() == 0)
      for (int64_t d : dims) wrap_existing_dim(d, t.dim(), "roll");
    out = cast(t, t.dtype(), /*force_copy=*/true);
  } else if (dims.empty()) {
    // Without dims the tensor rolls as if flattened.
    Tensor flat = cast(t, t.dtype(), /*force_copy=*/true);
    flat->set_sizes_and_strides({t.numel()}, {1}, 0);
    out = roll_one(flat, 0, shifts[0]);
    out->set_sizes_and_strides(t.sizes(), contiguous_strides(t.sizes()), 0);
  } else {
    out = t;
    for (size_t i = 0; i < dims.size(); ++i) out = roll_one(out, wrap_dim(dims[i], t.dim(), "roll"), shifts[i]);
    if (out.is_same(t)) out = cast(t, t.dtype(), /*force_copy=*/true);
  }
  if (compute_requires_grad({&t})) set_history(out, make_node<RollBackward0>({&t}, shifts, dims));
  return out;
}

// ---- tril / triu ----

namespace {
// A copy of t with the elements outside the kept triangle of each matrix (the last two dims) set to zero:
// tril keeps col - row <= k, triu keeps col - row >= k.
template <bool Lower>
Tensor triangle(const Tensor& t, int64_t k, const char* op) {
  FG_CHECK(t.dim() >= 2, Error, op, ": input tensor must have at least 2 dimensions");
  Tensor out = cast(t, t.dtype(), /*force_copy=*/true);
  const int64_t rows = t.sizes()[t.dim() - 2], cols = t.sizes()[t.dim() - 1];
  const int64_t matrices = rows * cols == 0 ? 0 : out.numel() / (rows * cols);
  dispatch_all(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = out.data<T>();
    for (int64_t m = 0; m < matrices; ++m, p += rows * cols)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j)
          if (Lower ? j - i > k : j - i < k) p[i * cols + j] = T(0);
  });
  return out;
}
}  // namespace

struct TrilBackward0 : NamedNode<TrilBackward0> {
  static constexpr const char* kName = "TrilBackward0";
  int64_t diagonal;
  explicit TrilBackward0(int64_t k) : diagonal(k) {}
  tensor_list apply(tensor_list&& g) override { return {tril(g[0], diagonal)}; }
};

struct TriuBackward0 : NamedNode<TriuBackward0> {
  static constexpr const char* kName = "TriuBackward0";
  int64_t diagonal;
  explicit TriuBackward0(int64_t k) : diagonal(k) {}
  tensor_list apply(tensor_list&& g) override { return {triu(g[0], diagonal)}; }
};

Tensor tril(const Tensor& t, int64_t diagonal) {
  Tensor out = triangle<true>(t, diagonal, "tril");
  if (compute_requires_grad({&t})) set_history(out, make_node<TrilBackward0>({&t}, diagonal));
  return out;
}

Tensor triu(const Tensor& t, int64_t diagonal) {
  Tensor out = triangle<false>(t, diagonal, "triu");
  if (compute_requires_grad({&t})) set_history(out, make_node<TriuBackward0>({&t}, diagonal));
  return out;
}

namespace {
// tril_/triu_ on an expanded self (a dim of size > 1 with stride 0), unrecorded: PyTorch writes it, zeroing
// each element outside the triangle through its memory, so a shared location becomes 0 when any element
// sharing it is outside (its kept elements write back the value they read). The same here: a mask of the
// elements to zero, written by masked_fill_kernel through self's strides. Returns false when self does not
// overlap or the write is recorded (then the usual protocol applies, which refuses an expanded self).
template <bool Lower>
bool triangle_into_expanded(Tensor& self, int64_t k, const char* op) {
  bool overlaps = false;
  for (int64_t d = 0; d < self.dim(); ++d) overlaps = overlaps || (self.strides()[d] == 0 && self.sizes()[d] > 1);
  if (!overlaps || self.numel() == 0 || compute_requires_grad({&self})) return false;
  FG_CHECK(self.dim() >= 2, Error, op, ": input tensor must have at least 2 dimensions");
  const int64_t n = self.dim();
  const int64_t rows = self.sizes()[n - 2], cols = self.sizes()[n - 1];
  // PyTorch writes in place only when the batch dims after the first are laid out densely over the
  // matrices (stride of dim i = size * stride of dim i + 1, the matrices counting rows * cols); otherwise it
  // computes into a copy and copies back, which refuses the expanded self: so does the usual protocol.
  for (int64_t d = n - 3, inner = rows * cols; d >= 1; inner = self.strides()[d] * self.sizes()[d], --d)
    if (self.strides()[d] != inner) return false;
  check_inplace(self, op, false, /*may_overlap=*/true);
  Tensor mask = empty({rows, cols}, ScalarType::Bool);
  bool* m = mask.data<bool>();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) m[i * cols + j] = Lower ? j - i > k : j - i < k;
  masked_fill_kernel(self, mask, Scalar(int64_t{0}));
  self.bump_version();
  return true;
}
}  // namespace

Tensor& tril_(Tensor& self, int64_t diagonal) {
  if (triangle_into_expanded<true>(self, diagonal, "tril_")) return self;
  return inplace_binary(self, nullptr, self.dtype(), "tril_", false,
                        [&](const Tensor& s) { return tril(s, diagonal); });
}

Tensor& triu_(Tensor& self, int64_t diagonal) {
  if (triangle_into_expanded<false>(self, diagonal, "triu_")) return self;
  return inplace_binary(self, nullptr, self.dtype(), "triu_", false,
                        [&](const Tensor& s) { return triu(s, diagonal); });
}

// ---- diag: vector -> matrix with it on a diagonal; matrix -> copy of a diagonal ----

struct DiagEmbedBackward0 : NamedNode<DiagEmbedBackward0> {
  static constexpr const char* kName = "DiagEmbedBackward0";
  int64_t offset;
  explicit DiagEmbedBackward0(int64_t o) : offset(o) {}
  tensor_list apply(tensor_list&& g) override { return {diagonal(g[0], offset, 0, 1)}; }
};

struct DiagonalCopyBackward0 : NamedNode<DiagonalCopyBackward0> {
  static constexpr const char* kName = "DiagonalBackward0_copy";
  Dims self_sizes;
  int64_t offset;
  DiagonalCopyBackward0(Dims s, int64_t o) : self_sizes(std::move(s)), offset(o) {}
  tensor_list apply(tensor_list&& g) override { return {diagonal_backward(g[0], self_sizes, offset, 0, 1)}; }
};

Tensor diag(const Tensor& t, int64_t diagonal_offset) {
  FG_CHECK(t.dim() == 1 || t.dim() == 2, Error, "diag(): Supports 1D or 2D tensors. Got ", t.dim(), "D");
  Tensor out;
  {
    NoGradGuard guard;
    if (t.dim() == 1) {
      const int64_t n = t.sizes()[0] + (diagonal_offset < 0 ? -diagonal_offset : diagonal_offset);
      out = zeros({n, n}, t.dtype());
      copy_into(diagonal(out, diagonal_offset, 0, 1), t);
    } else {
      out = cast(diagonal(t, diagonal_offset, 0, 1), t.dtype(), /*force_copy=*/true);
    }
  }
  if (compute_requires_grad({&t})) {
    if (t.dim() == 1) set_history(out, make_node<DiagEmbedBackward0>({&t}, diagonal_offset));
    else set_history(out, make_node<DiagonalCopyBackward0>({&t}, t.sizes(), diagonal_offset));
  }
  return out;
}

// ---- repeat_interleave ----
// Composed of core ops as in PyTorch (so its gradient, and grad_fn, are theirs): an int count repeats each
// slice through unsqueeze / expand / clone / view; a tensor of counts picks the slices with index_select.

namespace {
// The dim to repeat along, and the input to repeat (flattened when no dim is given).
Tensor repeat_input(const Tensor& t, std::optional<int64_t> dim, int64_t& d) {
  if (!dim) {
    d = 0;
    return flatten(t);
  }
  d = wrap_dim(*dim, t.dim(), "repeat_interleave");
  return t;
}
}  // namespace

Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size) {
  check_kernel(repeats.dtype() == ScalarType::Int32 || repeats.dtype() == ScalarType::Int64, "repeat_interleave_cpu",
               repeats.dtype());
  FG_CHECK(repeats.dim() == 1, Error, "repeat_interleave only accept 1D vector as repeat (got repeats of shape ",
           shape_str(repeats.sizes()), ")");
  Tensor counts = dense(repeats, ScalarType::Int64);
  const int64_t* c = counts.data<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < counts.numel(); ++i) {
    FG_CHECK(c[i] >= 0, Error, "repeats can not be negative (repeat_interleave() got ", c[i], " at position ", i, ")");
    FG_CHECK(c[i] <= std::numeric_limits<int64_t>::max() - total, Error,
             "repeat_interleave: the repeats sum to more than the largest tensor size (overflow at position ", i, ")");
    total += c[i];
  }
  if (output_size) {
    FG_CHECK(*output_size >= 0, Error, "Trying to create tensor with negative dimension ", *output_size, ": [",
             *output_size, "]");
    FG_CHECK(*output_size == total, Error, "allocated size does not match required size (repeat_interleave() got ",
             "output_size = ", *output_size, ", repeats sum to ", total, ")");
  }
  Tensor out = empty({total}, repeats.dtype());
  dispatch(repeats.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      T* o = out.data<T>();
      for (int64_t i = 0, at = 0; i < counts.numel(); ++i)
        for (int64_t r = 0; r < c[i]; ++r) o[at++] = static_cast<T>(i);
    }
  });
  return out;
}

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  FG_CHECK(repeats >= 0, Error, "Repeats must be non-negative (repeat_interleave() got ", repeats, ")");
  int64_t d = 0;
  Tensor x = repeat_input(t, dim, d);
  const int64_t n = x.dim() == 0 ? 1 : x.sizes()[d];
  int64_t total = 0;
  FG_CHECK(!__builtin_mul_overflow(n, repeats, &total), Error, "numel: integer multiplication overflow ",
           "(repeat_interleave() of ", n, " slices ", repeats, " times each)");
  if (output_size)
    FG_CHECK(*output_size == total, Error, "repeat_interleave: Invalid output_size, expected ", total, " but got ",
             *output_size);
  // (a 0-d input with a dim: unsqueeze(x, 1) refuses it, as in PyTorch)
  Tensor u = unsqueeze(x, d + 1);
  Dims expanded = x.sizes();
  expanded.insert(static_cast<size_t>(d) + 1, repeats);
  Dims shape = x.sizes();
  shape[d] = total;
  return view(clone(expand(u, expanded)), shape);
}

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  int64_t d = 0;
  Tensor x = repeat_input(t, dim, d);
  const int64_t n = x.dim() == 0 ? 1 : x.sizes()[d];
  Tensor r = repeats;
  if (r.dim() == 0 || (r.dim() == 1 && r.numel() == 1)) r = expand(reshape(r, {1}), {n});
  FG_CHECK(r.dim() == 1, Error, "repeats must be 0-dim or 1-dim tensor (repeat_interleave() got repeats of shape ",
           shape_str(repeats.sizes()), ")");
  FG_CHECK(r.sizes()[0] == n, Error, "repeats must have the same size as input along dim, but got repeats.size(0) = ",
           r.sizes()[0], " and input.size(", d, ") = ", n);
  Tensor index = repeat_interleave(r, output_size);
  if (index.dtype() != ScalarType::Int64) index = cast(index, ScalarType::Int64);
  if (x.dim() == 0) x = reshape(x, {1});
  return index_select(x, d, index);
}

}  // namespace fastgrad

// Views of parts of a tensor: select, slice, narrow, diagonal and unfold, forward and derivative side by side (the
// derivatives embed the gradient into zeros of the input's shape; their own derivatives take the part again).
// The views that reshape a whole tensor (view, expand, transpose, squeeze, ...) are in shape.cpp.
#include "common.h"

namespace fastgrad {

// ---- select / slice ----

namespace {
// The gradient of a view that picks part of a tensor: zeros of the base's shape with `g` in the part.
// Recorded as its own op so that create_graph works through indexing.
template <class MakeView>
Tensor embed(const Tensor& g, const Dims& base_sizes, MakeView make_part) {
  Tensor out = zeros(base_sizes, g.dtype());
  copy_into(make_part(out), g);
  return out;
}
}  // namespace

struct SelectBackward0 : NamedNode<SelectBackward0> {
  static constexpr const char* kName = "SelectBackward0";
  Dims self_sizes;
  int64_t dim, index;
  SelectBackward0(Dims s, int64_t d, int64_t i) : self_sizes(std::move(s)), dim(d), index(i) {
    gradient_is_part_ = true;
  }
  tensor_list apply(tensor_list&& g) override;
  Tensor gradient_part(const Tensor& base) const override {
    if (base.sizes() != self_sizes) return Tensor();
    NoGradGuard guard;
    return select(base, dim, index);
  }
};

struct SelectBackwardBackward0 : NamedNode<SelectBackwardBackward0> {
  static constexpr const char* kName = "SelectBackwardBackward0";
  int64_t dim, index;
  SelectBackwardBackward0(int64_t d, int64_t i) : dim(d), index(i) {}
  tensor_list apply(tensor_list&& g) override { return {select(g[0], dim, index)}; }
};

tensor_list SelectBackward0::apply(tensor_list&& g) {
  int64_t d = dim, i = index;
  Tensor out = embed(g[0], self_sizes, [&](const Tensor& base) {
    NoGradGuard guard;
    return select(base, d, i);
  });
  if (compute_requires_grad({&g[0]})) set_history(out, make_node<SelectBackwardBackward0>({&g[0]}, d, i));
  return {out};
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  FG_CHECK(t.dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, t.dim(), "select");
  int64_t size = t.sizes()[d];
  FG_CHECK(index >= -size && index < size, IndexError, "select(): index ", index, " out of range for tensor of size ",
           shape_str(t.sizes()), " at dimension ", d);
  if (index < 0) index += size;
  Dims sizes = t.sizes(), strides = t.strides();
  int64_t offset = t.storage_offset() + index * strides[d];
  sizes.erase(static_cast<size_t>(d));
  strides.erase(static_cast<size_t>(d));
  Tensor out = make_view(t, sizes, strides, offset);
  if (compute_requires_grad({&t})) set_history(out, make_node<SelectBackward0>({&t}, t.sizes(), d, index));
  return out;
}

struct SliceBackward0 : NamedNode<SliceBackward0> {
  static constexpr const char* kName = "SliceBackward0";
  Dims self_sizes;
  int64_t dim, start, end, step;
  SliceBackward0(Dims s, int64_t d, int64_t b, int64_t e, int64_t st)
      : self_sizes(std::move(s)), dim(d), start(b), end(e), step(st) {
    gradient_is_part_ = true;
  }
  tensor_list apply(tensor_list&& g) override;
  Tensor gradient_part(const Tensor& base) const override {
    if (base.sizes() != self_sizes) return Tensor();
    NoGradGuard guard;
    return slice(base, dim, start, end, step);
  }
};

struct SliceBackwardBackward0 : NamedNode<SliceBackwardBackward0> {
  static constexpr const char* kName = "SliceBackwardBackward0";
  int64_t dim, start, end, step;
  SliceBackwardBackward0(int64_t d, int64_t b, int64_t e, int64_t s) : dim(d), start(b), end(e), step(s) {}
  tensor_list apply(tensor_list&& g) override { return {slice(g[0], dim, start, end, step)}; }
};

tensor_list SliceBackward0::apply(tensor_list&& g) {
  Tensor out = embed(g[0], self_sizes, [&](const Tensor& base) {
    NoGradGuard guard;
    return slice(base, dim, start, end, step);
  });
  if (compute_requires_grad({&g[0]}))
    set_history(out, make_node<SliceBackwardBackward0>({&g[0]}, dim, start, end, step));
  return {out};
}

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start_opt, std::optional<int64_t> end_opt,
             int64_t step) {
  FG_CHECK(t.dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor.");
  FG_CHECK(step > 0, ValueError, "step must be greater than zero");
  int64_t d = wrap_dim(dim, t.dim(), "slice");
  int64_t size = t.sizes()[d];
  auto clip = [size](int64_t v) {  // Python slice semantics: negative counts from the end, then clamp
    if (v < 0) v += size;
    return std::min(std::max<int64_t>(v, 0), size);
  };
  int64_t start = start_opt ? clip(*start_opt) : 0;
  int64_t end = end_opt ? clip(*end_opt) : size;
  if (end < start) end = start;
  Dims sizes = t.sizes(), strides = t.strides();
  sizes[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  Tensor out = make_view(t, sizes, strides, t.storage_offset() + start * t.strides()[d]);
  if (compute_requires_grad({&t})) set_history(out, make_node<SliceBackward0>({&t}, t.sizes(), d, start, end, step));
  return out;
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  FG_CHECK(t.dim() > 0, Error, "narrow() cannot be applied to a 0-dim tensor.");
  FG_CHECK(length >= 0, Error, "narrow(): length must be non-negative.");
  int64_t d = wrap_dim(dim, t.dim(), "narrow");
  const int64_t size = t.sizes()[d];
  FG_CHECK(start >= -size && start <= size, IndexError, "start out of range (expected to be in range of [", -size, ", ",
           size, "], but got ", start, ")");
  if (start < 0) start += size;
  FG_CHECK(start <= size - length, Error, "start (", start, ") + length (", length, ") exceeds dimension size (", size,
           ").");
  return slice(t, d, start, start + length, 1);
}

// ---- diagonal ----

namespace {
// The diagonal of (dim1, dim2) at `offset` as a view of t, without autograd.
Tensor diagonal_view(const Tensor& t, int64_t offset, int64_t d1, int64_t d2) {
  const int64_t s1 = t.sizes()[d1], s2 = t.sizes()[d2];
  int64_t length = offset >= 0 ? std::min(s1, s2 - offset) : std::min(s1 + offset, s2);
  length = std::max<int64_t>(length, 0);
  int64_t start = t.storage_offset();
  if (length > 0) start += offset >= 0 ? offset * t.strides()[d2] : -offset * t.strides()[d1];
  Dims sizes, strides;
  for (int64_t i = 0; i < t.dim(); ++i) {
    if (i == d1 || i == d2) continue;
    sizes.push_back(t.sizes()[i]);
    strides.push_back(t.strides()[i]);
  }
  sizes.push_back(length);
  strides.push_back(t.strides()[d1] + t.strides()[d2]);
  return make_view(t, sizes, strides, start);
}
}  // namespace

struct DiagonalBackward0 : NamedNode<DiagonalBackward0> {
  static constexpr const char* kName = "DiagonalBackward0";
  Dims self_sizes;
  int64_t offset, dim1, dim2;
  DiagonalBackward0(Dims s, int64_t o, int64_t a, int64_t b) : self_sizes(std::move(s)), offset(o), dim1(a), dim2(b) {}
  tensor_list apply(tensor_list&& g) override { return {diagonal_backward(g[0], self_sizes, offset, dim1, dim2)}; }
};

struct DiagonalBackwardBackward0 : NamedNode<DiagonalBackwardBackward0> {
  static constexpr const char* kName = "DiagonalBackwardBackward0";
  int64_t offset, dim1, dim2;
  DiagonalBackwardBackward0(int64_t o, int64_t a, int64_t b) : offset(o), dim1(a), dim2(b) {}
  tensor_list apply(tensor_list&& g) override { return {diagonal(g[0], offset, dim1, dim2)}; }
};

Tensor diagonal_backward(const Tensor& grad, const Dims& input_sizes, int64_t offset, int64_t dim1, int64_t dim2) {
  Tensor out = embed(grad, input_sizes, [&](const Tensor& base) { return diagonal_view(base, offset, dim1, dim2); });
  if (compute_requires_grad({&grad}))
    set_history(out, make_node<DiagonalBackwardBackward0>({&grad}, offset, dim1, dim2));
  return out;
}

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t d1 = wrap_dim(dim1, t.dim(), "diagonal"), d2 = wrap_dim(dim2, t.dim(), "diagonal");
  FG_CHECK(d1 != d2, Error, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  Tensor out = diagonal_view(t, offset, d1, d2);
  if (compute_requires_grad({&t})) set_history(out, make_node<DiagonalBackward0>({&t}, t.sizes(), offset, d1, d2));
  return out;
}

// ---- unfold ----

// The gradient of unfold: each window's gradient added back at the window's positions, through index_add (so
// that create_graph differentiates it: its derivative is index_select of the same positions).
struct UnfoldBackward0 : NamedNode<UnfoldBackward0> {
  static constexpr const char* kName = "UnfoldBackward0";
  Dims self_sizes;
  int64_t dim, size, step;
  UnfoldBackward0(Dims s, int64_t d, int64_t z, int64_t st) : self_sizes(std::move(s)), dim(d), size(z), step(st) {}
  tensor_list apply(tensor_list&& g) override {
    if (self_sizes.empty()) return {size == 1 ? reshape(g[0], {}) : zeros({}, g[0].dtype())};
    const int64_t windows = g[0].sizes()[dim];
    Tensor positions = empty({windows * size}, ScalarType::Int64);
    int64_t* p = positions.data<int64_t>();
    for (int64_t w = 0; w < windows; ++w)
      for (int64_t j = 0; j < size; ++j) p[w * size + j] = w * step + j;
    // [..., windows, ..., size] -> [..., windows, size, ...] -> [..., windows * size, ...]
    Tensor source = flatten(movedim(g[0], {g[0].dim() - 1}, {dim + 1}), dim, dim + 1);
    return {index_add(zeros(self_sizes, g[0].dtype()), dim, positions, source)};
  }
};

Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step) {
  const int64_t d = wrap_dim(dimension, t.dim(), "unfold");
  const int64_t n = t.dim() == 0 ? 1 : t.sizes()[d];
  FG_CHECK(size >= 0, Error, "size is ", size, " but must be >= 0 (unfold() of a tensor of shape ", shape_str(t.sizes()),
           ")");
  FG_CHECK(size <= n, Error, "maximum size for tensor at dimension ", d, " is ", n, " but size is ", size,
           " (unfold() of a tensor of shape ", shape_str(t.sizes()), ")");
  FG_CHECK(step > 0, Error, "step is ", step, " but must be > 0 (unfold() of a tensor of shape ", shape_str(t.sizes()),
           ")");
  Dims sizes = t.sizes(), strides = t.strides();
  if (t.dim() == 0) {
    sizes = {size};
    strides = {1};
  } else {
    const int64_t along = strides[d];
    sizes[d] = (n - size) / step + 1;
    // (with two windows or more, along * step fits: it is within the input's span; with one, it is never used)
    if (__builtin_mul_overflow(along, step, &strides[d])) strides[d] = along;
    sizes.push_back(size);
    strides.push_back(along);
  }
  Tensor out = make_view(t, sizes, strides, t.storage_offset());
  if (compute_requires_grad({&t})) set_history(out, make_node<UnfoldBackward0>({&t}, t.sizes(), d, size, step));
  return out;
}

}  // namespace fastgrad

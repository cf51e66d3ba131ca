// Index ops along one dimension or through a mask: index_select, gather, scatter, scatter_add, index_add,
// masked_fill, masked_select, take, take_along_dim. Forward and derivative side by side; each out-of-place op
// is a copy of self plus a write kernel, which the in-place forms run directly on self when no history is
// recorded.
#include <array>

#include "../cpu/index_kernels.h"
#include "index_plan.h"

namespace fastgrad {

namespace {

const char* c_type_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double", "unsigned char", "signed char", "short int", "c10::Half", "c10::BFloat16"};
  return names[static_cast<int>(t)];
}

bool is_index_dtype(ScalarType t) { return t == ScalarType::Int32 || t == ScalarType::Int64; }

// A 0-d tensor seen as a 1-element 1-D one (PyTorch's dimension ops treat them alike).
Tensor as_1d(const Tensor& t) { return t.dim() ? t : make_view(t, {1}, {1}, t.storage_offset()); }

// t viewed with `sizes` and the stride of `dim` set to 0: every position of a row along `dim` starts at the
// row's first element; the kernels add index * stride(dim) themselves.
Tensor row_starts(const Tensor& t, const Dims& sizes, int64_t dim) {
  Dims strides = t.strides();
  strides[dim] = 0;
  return make_view(t, sizes, strides, t.storage_offset());
}

// The in-place protocol (Note [In-place ops]) for ops whose other inputs (e.g. a src that requires grad) do not
// broadcast against self. `write` runs the kernel on self when no history is recorded.
// `overlap_unrecorded`: like PyTorch (which deprecates it with a warning, raised by the bindings), the op may
// write into an expanded self when nothing is recorded: each selected element is written through its memory,
// so a location is written when any element sharing it is selected (masked_fill_). When the write would be
// recorded the overlap error is raised at the write, as for fill_ (PyTorch raises it in backward).
template <class OutOfPlace, class Write>
Tensor& inplace_index_op(Tensor& self, std::initializer_list<const Tensor*> others, const char* op,
                         OutOfPlace out_of_place, Write write, bool overlap_unrecorded = false) {
  bool record = compute_requires_grad({&self});
  for (const Tensor* o : others) record = record || compute_requires_grad({o});
  check_inplace(self, op, false, overlap_unrecorded && !record);
  if (record) {
    Tensor r = out_of_place(inplace_snapshot(self, /*copy_data=*/false));
    FG_CHECK(r.sizes() == self.sizes(), Error, op, ": output with shape ", shape_str(self.sizes()),
             " doesn't match the broadcast shape ", shape_str(r.sizes()));
    return inplace_commit(self, r);
  }
  write(self);
  self.bump_version();
  return self;
}

// The index tensor's values as a contiguous int64 tensor (a 0-d index as 1-d).
Tensor dense_index(const Tensor& index) { return dense(as_1d(index), ScalarType::Int64); }

// True when `index` has self's dims (at least 1) and self's sizes but at `dim`: the layout of cpu/index_kernels.h,
// (outer, size, inner) for self and (outer, k, inner) for the index.
bool line_shapes(const Dims& self_sizes, const Tensor& index, int64_t dim, int64_t& outer, int64_t& size, int64_t& k,
                 int64_t& inner) {
  if (self_sizes.empty() || index.dim() != static_cast<int64_t>(self_sizes.size())) return false;
  outer = inner = 1;
  for (int64_t i = 0; i < index.dim(); ++i) {
    if (i != dim && index.sizes()[i] != self_sizes[i]) return false;
    if (i < dim) outer *= self_sizes[i];
    if (i > dim) inner *= self_sizes[i];
  }
  size = self_sizes[dim];
  k = index.sizes()[dim];
  return true;
}

// gather's and scatter's check of every index value (PyTorch's message).
void check_index_range(const Tensor& idx, int64_t dim, int64_t size) {
  const int64_t* p = idx.data<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i)
    FG_CHECK(p[i] >= 0 && p[i] < size, Error, "index ", p[i], " is out of bounds for dimension ", dim, " with size ",
             size);
}

// grad * s, skipping the multiplication when s is 1.
Tensor maybe_multiply(const Tensor& g, Scalar s) { return s.f == 1.0 && !s.is_bool() ? g : mul(g, s); }

}  // namespace

// ---- index_select ----

struct IndexSelectBackward0 : NamedNode<IndexSelectBackward0> {
  static constexpr const char* kName = "IndexSelectBackward0";
  Dims self_sizes;
  int64_t dim;
  Tensor index;
  IndexSelectBackward0(Dims s, int64_t d, Tensor i) : self_sizes(std::move(s)), dim(d), index(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    // Straight into a zeroed gradient (cpu/index_kernels.h), or with index_add under create_graph.
    if (self_sizes.empty() || compute_requires_grad({&g[0]}) || !is_floating(g[0].dtype()))
      return {index_add(zeros(self_sizes, g[0].dtype()), dim, index, g[0])};
    Tensor grad = zeros(self_sizes, g[0].dtype()), gd = dense(g[0]), idx = dense_index(index);
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < static_cast<int64_t>(self_sizes.size()); ++i) {
      if (i < dim) outer *= self_sizes[i];
      if (i > dim) inner *= self_sizes[i];
    }
    const int64_t size = self_sizes[dim];
    check_index_range(idx, dim, size);  // index is checked in forward; a later in-place write is caught here
    if (grad.dtype() == ScalarType::Float32)
      cpu::index_add_rows<float>(grad.data<float>(), gd.data<float>(), idx.data<int64_t>(), outer, size, idx.numel(),
                                 inner);
    else
      cpu::index_add_rows<double>(grad.data<double>(), gd.data<double>(), idx.data<int64_t>(), outer, size,
                                  idx.numel(), inner);
    return {grad};
  }
};

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim(dim, self.dim(), "index_select");
  FG_CHECK(index.dim() <= 1, IndexError, "index_select(): Index is supposed to be a vector");
  FG_CHECK(is_index_dtype(index.dtype()), Error, "index_select(): Expected dtype int32 or int64 for index");
  FG_CHECK(self.dim() > 0 || index.numel() == 1, Error, "index_select(): Index to scalar can have only 1 value, got ",
           index.numel(), " value(s)");
  Tensor s = as_1d(self);
  const int64_t size = s.sizes()[d];
  Tensor idx = cast(as_1d(index), ScalarType::Int64);
  for (int64_t i = 0; i < idx.numel(); ++i) {
    const int64_t v = idx.data<int64_t>()[i * idx.strides()[0]];
    if (v >= 0 && v < size) continue;
    // PyTorch's classes: its kernel for dim 1 reports a RuntimeError, every other dim an IndexError.
    FG_CHECK(!(d == 1 && self.dim() > 1), Error, "INDICES element is out of DATA bounds, id=", v, " axis_dim=", size);
    throw IndexError("index out of range in self");
  }
  Tensor out;
  if (s.is_contiguous()) {  // whole rows of the (outer, size, inner) view, copied
    Dims shape = s.sizes();
    shape[d] = idx.numel();
    out = empty(shape, self.dtype());
    Tensor id = dense(idx, ScalarType::Int64);
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < s.dim(); ++i) {
      if (i < d) outer *= s.sizes()[i];
      if (i > d) inner *= s.sizes()[i];
    }
    cpu::index_select_rows(static_cast<const char*>(s.data_ptr()), static_cast<char*>(out.data_ptr()),
                           id.data<int64_t>(), outer, size, id.numel(), inner,
                           static_cast<int64_t>(element_size(self.dtype())));
  } else {
    tensor_list indices(static_cast<size_t>(d));
    indices.push_back(idx);
    out = IndexPlan(s, indices).gather(s);
  }
  if (self.dim() == 0) out->set_sizes_and_strides({}, {}, 0);
  if (compute_requires_grad({&self}))
    set_history(out, make_node<IndexSelectBackward0>({&self}, self.sizes(), d, index));
  return out;
}

// ---- index_add ----

struct IndexAddBackward0 : NamedNode<IndexAddBackward0> {
  static constexpr const char* kName = "IndexAddBackward0";
  int64_t dim;
  Tensor index;
  Scalar alpha;
  IndexAddBackward0(int64_t d, Tensor i, Scalar a) : dim(d), index(std::move(i)), alpha(a) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? g[0] : Tensor(),
            needs_input_grad(1) ? maybe_multiply(index_select(g[0], dim, index), alpha) : Tensor()};
  }
};

namespace {
// Checks index_add's arguments; returns the wrapped dimension.
int64_t check_index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  const int64_t d = wrap_dim(dim, self.dim(), "index_add");
  FG_CHECK(index.dim() <= 1, IndexError, "index_add_(): Index is supposed to be a vector, but got dim: ", index.dim(),
           " with type: ", scalar_type_name(index.dtype()), " and size: ", shape_str(index.sizes()));
  FG_CHECK(is_index_dtype(index.dtype()), Error,
           "index_add_(): Expected dtype int32/int64 for index but got: ", scalar_type_name(index.dtype()));
  FG_CHECK(self.dtype() == source.dtype(), Error, "index_add_(): self (", scalar_type_name(self.dtype()),
           ") and source (", scalar_type_name(source.dtype()), ") must have the same scalar type");
  const int64_t source_len = source.dim() ? source.sizes()[d < source.dim() ? d : 0] : 1;
  FG_CHECK(index.numel() == source_len, Error, "index_add_(): Number of indices (", index.numel(),
           ") should be equal to source.size(dim): (", source_len, "), for dim: ", d);
  bool same = std::max<int64_t>(self.dim(), 1) == std::max<int64_t>(source.dim(), 1);
  Tensor s = as_1d(self), src = as_1d(source);
  for (int64_t i = 0; same && i < s.dim(); ++i) same = i == d || s.sizes()[i] == src.sizes()[i];
  FG_CHECK(same, Error,
           "source tensor shape must match self tensor shape, excluding the specified dimension. Got "
           "self.shape = ",
           shape_str(self.sizes()), " source.shape = ", shape_str(source.sizes()));
  return d;
}

void index_add_kernel(const Tensor& dst, int64_t d, const Tensor& index, const Tensor& source, Scalar alpha) {
  check_scalar_fits(alpha, dst.dtype());  // Note [Checked scalar conversion]
  // Nothing to write: PyTorch reads no index (so out-of-range and negative ones pass), except into an empty
  // 1-d self, where its kernel still checks every index (against size 0: all are out of range).
  if (source.numel() == 0 || (dst.numel() == 0 && dst.dim() > 1)) return;
  Tensor s = as_1d(dst);
  const int64_t size = s.sizes()[d];
  Tensor idx = cast(as_1d(index), ScalarType::Int64);
  // Indices are not wrapped: negative ones are out of range. PyTorch's error depends on its kernel: the scatter
  // kernel it uses for alpha 1 along the first or last of several dims names the index, the others do not.
  const bool scatter_path = alpha.f == 1.0 && !alpha.is_bool() && dst.dim() > 1 && (d == 0 || d == dst.dim() - 1);
  for (int64_t i = 0; i < idx.numel(); ++i) {
    const int64_t v = idx.data<int64_t>()[i * idx.strides()[0]];
    if (v >= 0 && v < size) continue;
    if (scatter_path)
      throw Error(detail::concat("index ", v, " is out of bounds for dimension ", d, " with size ", size));
    throw IndexError("index out of range in self");
  }
  Tensor values = as_1d(source);
  if (alpha.f != 1.0 || alpha.is_bool()) {
    // alpha as an element of self's dtype (True for any nonzero alpha into bool), then the product in it.
    Scalar a;
    dispatch_all(dst.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T v = checked_convert<T>(alpha);
      if constexpr (std::is_same_v<T, bool>) a = Scalar(v);
      else if constexpr (std::is_integral_v<T>) a = Scalar(static_cast<int64_t>(v));
      else a = Scalar(static_cast<double>(v));
    });
    NoGradGuard guard;
    values = mul(values, a);
  }
  tensor_list indices(static_cast<size_t>(d));
  indices.push_back(idx);
  IndexPlan(s, indices).put(s, values, /*accumulate=*/true);
}
}  // namespace

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  const int64_t d = check_index_add(self, dim, index, source);
  Tensor out = cast(self, self.dtype(), /*force_copy=*/true);
  index_add_kernel(out, d, index, source, alpha);
  if (compute_requires_grad({&self, &source}))
    set_history(out, make_node<IndexAddBackward0>({&self, &source}, d, index, alpha));
  return out;
}

Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  const int64_t d = check_index_add(self, dim, index, source);
  return inplace_index_op(
      self, {&source}, "index_add_", [&](const Tensor& s) { return index_add(s, d, index, source, alpha); },
      [&](const Tensor& s) { index_add_kernel(s, d, index, source, alpha); });
}

// ---- gather ----

struct GatherBackward0 : NamedNode<GatherBackward0> {
  static constexpr const char* kName = "GatherBackward0";
  Dims self_sizes;
  int64_t dim;
  Tensor index;
  GatherBackward0(Dims s, int64_t d, Tensor i) : self_sizes(std::move(s)), dim(d), index(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    // Straight into a zeroed gradient (cpu/index_kernels.h) when the index spans self but at dim, else (and under
    // create_graph) with scatter_add.
    int64_t outer, size, k, inner;
    if (compute_requires_grad({&g[0]}) || !is_floating(g[0].dtype()) ||
        !line_shapes(self_sizes, index, dim, outer, size, k, inner))
      return {scatter_add(zeros(self_sizes, g[0].dtype()), dim, index, g[0])};
    Tensor grad = empty(self_sizes, g[0].dtype()), gd = dense(g[0]), idx = dense_index(index);  // zeroed by the kernel
    bool ok;
    if (grad.dtype() == ScalarType::Float32)
      ok = cpu::gather_add_lines<float>(grad.data<float>(), gd.data<float>(), idx.data<int64_t>(), outer, size, k,
                                        inner);
    else
      ok = cpu::gather_add_lines<double>(grad.data<double>(), gd.data<double>(), idx.data<int64_t>(), outer, size, k,
                                         inner);
    if (!ok) check_index_range(idx, dim, size);  // the index changed in place since forward: raises
    return {grad};
  }
};

namespace {

// Runs f(index_value, position) over every position of `index` (as 1-D when 0-d), checking the values against
// the size of `dim`. `others` are views of the index's shape whose row pointers f receives.
template <size_t N, class F>
void for_each_index(const Tensor& index, int64_t dim, int64_t size, std::array<Tensor, N> others, F f) {
  Tensor idx = as_1d(index);
  cpu::Operands<N + 1> ops;
  ops.data[0] = static_cast<char*>(idx.data_ptr());
  ops.elem[0] = static_cast<int64_t>(element_size(idx.dtype()));
  ops.strides[0] = idx.strides();
  for (size_t k = 0; k < N; ++k) {
    ops.data[k + 1] = static_cast<char*>(others[k].data_ptr());
    ops.elem[k + 1] = static_cast<int64_t>(element_size(others[k].dtype()));
    ops.strides[k + 1] = others[k].strides();
  }
  const bool wide = idx.dtype() == ScalarType::Int64;
  cpu::for_each_row(
      idx.sizes(), ops, [&](const std::array<char*, N + 1>& p, const std::array<int64_t, N + 1>& s, int64_t n) {
        for (int64_t j = 0; j < n; ++j) {
          const char* ip = p[0] + j * s[0];
          const int64_t v = wide ? *reinterpret_cast<const int64_t*>(ip) : *reinterpret_cast<const int32_t*>(ip);
          FG_CHECK(v >= 0 && v < size, Error, "index ", v, " is out of bounds for dimension ", dim, " with size ",
                   size);
          std::array<char*, N> rows;
          for (size_t k = 0; k < N; ++k) rows[k] = p[k + 1] + j * s[k + 1];
          f(v, rows);
        }
      });
}

}  // namespace

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = wrap_dim(dim, self.dim(), "gather");
  FG_CHECK(is_index_dtype(index.dtype()), Error, "gather(): Expected dtype int32/int64 for index");
  FG_CHECK(std::max<int64_t>(index.dim(), 1) == std::max<int64_t>(self.dim(), 1), Error,
           "Index tensor must have the same number of dimensions as input tensor");
  Tensor s = as_1d(self), idx = as_1d(index);
  for (int64_t i = 0; i < s.dim(); ++i)
    FG_CHECK(i == d || idx.sizes()[i] <= s.sizes()[i], Error, "Size does not match at dimension ", i,
             " expected index ", shape_str(index.sizes()), " to be no larger than self ", shape_str(self.sizes()),
             " apart from dimension ", d);
  Tensor out = empty(idx.sizes(), self.dtype());
  int64_t outer, size, k, inner;
  if (s.is_contiguous() && line_shapes(s.sizes(), idx, d, outer, size, k, inner)) {
    Tensor id = dense_index(idx);
    if (!cpu::gather_lines(static_cast<const char*>(s.data_ptr()), static_cast<char*>(out.data_ptr()),
                           id.data<int64_t>(), outer, size, k, inner, static_cast<int64_t>(element_size(self.dtype()))))
      check_index_range(id, d, size);  // raises for the first index out of range
    if (index.dim() == 0) out->set_sizes_and_strides({}, {}, 0);
    if (compute_requires_grad({&self}))
      set_history(out, make_node<GatherBackward0>({&self}, self.sizes(), d, index));
    return out;
  }
  const int64_t step = s.strides()[d];
  dispatch_all(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_index<2>(idx, d, s.sizes()[d], {out, row_starts(s, idx.sizes(), d)}, [&](int64_t v, auto& rows) {
      *reinterpret_cast<T*>(rows[0]) = reinterpret_cast<const T*>(rows[1])[v * step];
    });
  });
  if (index.dim() == 0) out->set_sizes_and_strides({}, {}, 0);
  if (compute_requires_grad({&self})) set_history(out, make_node<GatherBackward0>({&self}, self.sizes(), d, index));
  return out;
}

// ---- scatter / scatter_add ----

namespace {

enum class Reduce { None, Add, Multiply };

Reduce parse_reduce(const std::string& r) {
  if (r.empty()) return Reduce::None;
  if (r == "add") return Reduce::Add;
  if (r == "multiply") return Reduce::Multiply;
  throw Error("reduce argument must be either add or multiply.");
}

// Checks scatter's arguments; returns the wrapped dimension.
int64_t check_scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src, const char* op) {
  const int64_t d = wrap_dim(dim, self.dim(), op);
  FG_CHECK(is_index_dtype(index.dtype()), Error, "scatter(): Expected dtype int32/int64 for index");
  FG_CHECK(!src || src->dtype() == self.dtype(), Error, "scatter(): Expected self.dtype to be equal to src.dtype");
  const int64_t nd = std::max<int64_t>(self.dim(), 1);
  FG_CHECK(std::max<int64_t>(index.dim(), 1) == nd, Error,
           "Index tensor must have the same number of dimensions as self tensor");
  FG_CHECK(!src || std::max<int64_t>(src->dim(), 1) == nd, Error,
           "Index tensor must have the same number of dimensions as src tensor");
  Tensor s = as_1d(self), idx = as_1d(index), sr = src ? as_1d(*src) : Tensor();
  for (int64_t i = 0; i < nd; ++i) {
    const bool ok = (i == d || idx.sizes()[i] <= s.sizes()[i]) && (!src || idx.sizes()[i] <= sr.sizes()[i]);
    FG_CHECK(ok, Error, "Expected index ", shape_str(index.sizes()), " to be no larger than self ",
             shape_str(self.sizes()), " apart from dimension ", d,
             src ? " and to be no larger size than src " + shape_str(src->sizes()) : std::string());
  }
  return d;
}

// dst[..., index[i], ...] (op)= src[i] (or value), along dim d.
void scatter_kernel(const Tensor& dst, int64_t d, const Tensor& index, const Tensor* src, Scalar value, Reduce reduce) {
  Tensor s = as_1d(dst), idx = as_1d(index);
  const int64_t step = s.strides()[d];
  Tensor rows = row_starts(s, idx.sizes(), d);
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto combine = [reduce](T& out, T v) {
      if constexpr (std::is_same_v<T, bool>) {
        out = reduce == Reduce::None ? v : reduce == Reduce::Add ? (out || v) : (out && v);
      } else {
        out = reduce == Reduce::None ? v : reduce == Reduce::Add ? T(out + v) : T(out * v);
      }
    };
    if (src) {
      Tensor sr = as_1d(*src);
      Tensor srcv = make_view(sr, idx.sizes(), sr.strides(), sr.storage_offset());
      for_each_index<2>(idx, d, s.sizes()[d], {rows, srcv}, [&](int64_t v, auto& p) {
        combine(reinterpret_cast<T*>(p[0])[v * step], *reinterpret_cast<const T*>(p[1]));
      });
    } else {
      const T tv = checked_convert<T>(value);
      for_each_index<1>(idx, d, s.sizes()[d], {rows},
                        [&](int64_t v, auto& p) { combine(reinterpret_cast<T*>(p[0])[v * step], tv); });
    }
  });
}

}  // namespace

struct ScatterBackward0 : NamedNode<ScatterBackward0> {
  static constexpr const char* kName = "ScatterBackward0";
  int64_t dim;
  Tensor index;
  ScatterBackward0(int64_t d, Tensor i) : dim(d), index(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? scatter(g[0], dim, index, Scalar(0)) : Tensor(),
            needs_input_grad(1) ? gather(g[0], dim, index) : Tensor()};
  }
};

struct ScatterBackward1 : NamedNode<ScatterBackward1> {
  static constexpr const char* kName = "ScatterBackward1";
  int64_t dim;
  Tensor index;
  ScatterBackward1(int64_t d, Tensor i) : dim(d), index(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override { return {scatter(g[0], dim, index, Scalar(0))}; }
};

// scatter with reduce= has no derivative in PyTorch either: its Node refuses to run.
struct ScatterReduceNotImplemented : NamedNode<ScatterReduceNotImplemented> {
  static constexpr const char* kName = "NotImplemented";
  tensor_list apply(tensor_list&&) override { throw Error("derivative for aten::scatter is not implemented"); }
};

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  const int64_t d = check_scatter(self, dim, index, &src, "scatter");
  const Reduce r = parse_reduce(reduce);
  Tensor out = cast(self, self.dtype(), /*force_copy=*/true);
  scatter_kernel(out, d, index, &src, Scalar(0), r);
  if (compute_requires_grad({&self, &src})) {
    if (r == Reduce::None) set_history(out, make_node<ScatterBackward0>({&self, &src}, d, index));
    else set_history(out, make_node<ScatterReduceNotImplemented>({&self, &src}));
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, Scalar value, const std::string& reduce) {
  const int64_t d = check_scatter(self, dim, index, nullptr, "scatter");
  const Reduce r = parse_reduce(reduce);
  Tensor out = cast(self, self.dtype(), /*force_copy=*/true);
  scatter_kernel(out, d, index, nullptr, value, r);
  if (compute_requires_grad({&self})) {
    if (r == Reduce::None) set_history(out, make_node<ScatterBackward1>({&self}, d, index));
    else set_history(out, make_node<ScatterReduceNotImplemented>({&self}));
  }
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  const int64_t d = check_scatter(self, dim, index, &src, "scatter_");
  const Reduce r = parse_reduce(reduce);
  return inplace_index_op(
      self, {&src}, "scatter_", [&](const Tensor& s) { return scatter(s, d, index, src, reduce); },
      [&](const Tensor& s) { scatter_kernel(s, d, index, &src, Scalar(0), r); });
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, Scalar value, const std::string& reduce) {
  const int64_t d = check_scatter(self, dim, index, nullptr, "scatter_");
  const Reduce r = parse_reduce(reduce);
  return inplace_index_op(
      self, {}, "scatter_", [&](const Tensor& s) { return scatter(s, d, index, value, reduce); },
      [&](const Tensor& s) { scatter_kernel(s, d, index, nullptr, value, r); });
}

struct ScatterAddBackward0 : NamedNode<ScatterAddBackward0> {
  static constexpr const char* kName = "ScatterAddBackward0";
  int64_t dim;
  Tensor index;
  ScatterAddBackward0(int64_t d, Tensor i) : dim(d), index(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? g[0] : Tensor(), needs_input_grad(1) ? gather(g[0], dim, index) : Tensor()};
  }
};

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = check_scatter(self, dim, index, &src, "scatter_add");
  Tensor out = cast(self, self.dtype(), /*force_copy=*/true);
  scatter_kernel(out, d, index, &src, Scalar(0), Reduce::Add);
  if (compute_requires_grad({&self, &src})) set_history(out, make_node<ScatterAddBackward0>({&self, &src}, d, index));
  return out;
}

Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = check_scatter(self, dim, index, &src, "scatter_add_");
  return inplace_index_op(
      self, {&src}, "scatter_add_", [&](const Tensor& s) { return scatter_add(s, d, index, src); },
      [&](const Tensor& s) { scatter_kernel(s, d, index, &src, Scalar(0), Reduce::Add); });
}

// ---- masked_fill / masked_select ----

void masked_fill_kernel(const Tensor& dst, const Tensor& mask, Scalar value) {
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = checked_convert<T>(value);
    cpu::Operands<2> ops{{static_cast<char*>(dst.data_ptr()), static_cast<char*>(mask.data_ptr())},
                             {sizeof(T), 1},
                             {dst.strides(), cpu::broadcast_strides(mask, dst.sizes())}};
    cpu::for_each_row(dst.sizes(), ops,
                          [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
                            T* o = reinterpret_cast<T*>(p[0]);
                            const bool* m = reinterpret_cast<const bool*>(p[1]);
                            const int64_t so = s[0] / static_cast<int64_t>(sizeof(T));
                            for (int64_t i = 0; i < n; ++i)
                              if (m[i * s[1]]) o[i * so] = v;
                          });
  });
}

namespace {

void check_mask(const Tensor& mask, const char* op) {
  FG_CHECK(mask.dtype() == ScalarType::Bool, Error, op, " only supports boolean masks, but got mask with dtype ",
           c_type_name(mask.dtype()));
}

Scalar fill_value(const Tensor& value) {
  FG_CHECK(value.dim() == 0, Error, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
           value.dim(), " dimension(s).");
  return value.item();
}

Tensor masked_fill_forward(const Tensor& self, const Tensor& mask, Scalar value) {
  check_mask(mask, "masked_fill_");
  Tensor out = empty(broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill"), self.dtype());
  copy_into(out, self);
  masked_fill_kernel(out, mask, value);
  return out;
}

}  // namespace

struct MaskedFillBackward0 : NamedNode<MaskedFillBackward0> {
  static constexpr const char* kName = "MaskedFillBackward0";
  Tensor mask;
  explicit MaskedFillBackward0(Tensor m) : mask(std::move(m)) {}
  tensor_list apply(tensor_list&& g) override { return {masked_fill(g[0], mask, Scalar(0))}; }
};

struct MaskedFillBackward1 : NamedNode<MaskedFillBackward1> {
  static constexpr const char* kName = "MaskedFillBackward1";
  Tensor mask;
  explicit MaskedFillBackward1(Tensor m) : mask(std::move(m)) {}
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? masked_fill(g[0], mask, Scalar(0)) : Tensor(),
            needs_input_grad(1) ? sum(masked_select(g[0], mask)) : Tensor()};
  }
};

Tensor masked_fill(const Tensor& self, const Tensor& mask, Scalar value) {
  Tensor out = masked_fill_forward(self, mask, value);
  if (compute_requires_grad({&self})) set_history(out, make_node<MaskedFillBackward0>({&self}, mask));
  return out;
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  check_mask(mask, "masked_fill_");
  Tensor out = masked_fill_forward(self, mask, fill_value(value));
  if (compute_requires_grad({&self, &value})) set_history(out, make_node<MaskedFillBackward1>({&self, &value}, mask));
  return out;
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, Scalar value) {
  check_mask(mask, "masked_fill_");
  check_inplace_result(self, broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill_"), self.dtype(),
                       "masked_fill_");
  return inplace_index_op(
      self, {}, "masked_fill_", [&](const Tensor& s) { return masked_fill(s, mask, value); },
      [&](const Tensor& s) { masked_fill_kernel(s, mask, value); }, /*overlap_unrecorded=*/true);
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  check_mask(mask, "masked_fill_");
  const Scalar v = fill_value(value);
  check_inplace_result(self, broadcast_shapes(self.sizes(), mask.sizes(), "masked_fill_"), self.dtype(),
                       "masked_fill_");
  return inplace_index_op(
      self, {&value}, "masked_fill_", [&](const Tensor& s) { return masked_fill(s, mask, value); },
      [&](const Tensor& s) { masked_fill_kernel(s, mask, v); }, /*overlap_unrecorded=*/true);
}

struct MaskedSelectBackward0 : NamedNode<MaskedSelectBackward0> {
  static constexpr const char* kName = "MaskedSelectBackward0";
  Dims shape;   // the broadcast shape of self and mask
  Tensor mask;  // at that shape, as 1-D when it is 0-d
  MaskedSelectBackward0(Dims s, Tensor m) : shape(std::move(s)), mask(std::move(m)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor out = index_put(zeros(mask.sizes(), g[0].dtype()), {mask}, g[0]);
    return {shape.empty() ? view(out, shape) : out};
  }
};

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  FG_CHECK(mask.dtype() == ScalarType::Bool, Error, "masked_select: expected BoolTensor for mask");
  const Dims shape = broadcast_shapes(self.sizes(), mask.sizes(), "masked_select");
  const Dims plan_shape = shape.empty() ? Dims{1} : shape;
  auto spread = [&](const Tensor& t) {
    return make_view(t, plan_shape, cpu::broadcast_strides(t, plan_shape), t.storage_offset());
  };
  Tensor s = spread(self), m = spread(mask);
  Tensor out = IndexPlan(s, {m}).gather(s);
  if (compute_requires_grad({&self})) set_history(out, make_node<MaskedSelectBackward0>({&self}, shape, m));
  return out;
}

// ---- take / take_along_dim ----

struct TakeBackward0 : NamedNode<TakeBackward0> {
  static constexpr const char* kName = "TakeBackward0";
  Dims self_sizes;
  Tensor index;  // normalised, flat positions
  TakeBackward0(Dims s, Tensor i) : self_sizes(std::move(s)), index(std::move(i)) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor flat = index_put(zeros({numel_of(self_sizes)}, g[0].dtype()), {index}, g[0], /*accumulate=*/true);
    return {view(flat, self_sizes)};
  }
};

Tensor take(const Tensor& self, const Tensor& index) {
  FG_CHECK(is_index_dtype(index.dtype()), Error, "take(): Expected a long tensor for index, but got ",
           scalar_type_name(index.dtype()));
  const int64_t n = self.numel();
  Tensor c = self.is_contiguous() ? self : cast(self, self.dtype(), /*force_copy=*/true);
  Tensor flat = make_view(c, {n}, {1}, c.storage_offset());
  Tensor idx = cast(index, ScalarType::Int64, /*force_copy=*/true);
  int64_t* p = idx.data<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    FG_CHECK(p[i] >= -n && p[i] < n, IndexError, "out of range: tried to access index ", p[i], " on a tensor of ", n,
             " elements.");
    if (p[i] < 0) p[i] += n;
  }
  Tensor out = IndexPlan(flat, {idx}).gather(flat);
  if (compute_requires_grad({&self})) set_history(out, make_node<TakeBackward0>({&self}, self.sizes(), idx));
  return out;
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim) {
  FG_CHECK(indices.dtype() == ScalarType::Int64, Error,
           "torch.take_along_dim(): dtype of indices should be Long but got ", scalar_type_name(indices.dtype()));
  // Without a dim PyTorch flattens both with view(-1), so a tensor that cannot be viewed flat is refused.
  if (!dim) return gather(view(self, {-1}), 0, view(indices, {-1}));
  const int64_t d = wrap_existing_dim(*dim, self.dim(), "take_along_dim");
  FG_CHECK(self.dim() == indices.dim(), Error,
           "torch.take_along_dim(): input and indices should have the same number of dimensions, but got ", self.dim(),
           " dimensions for input, and ", indices.dim(), " dimensions for indices");
  // Broadcast everything but `dim`: self keeps its length along dim, indices theirs.
  Dims self_like = self.sizes(), index_like = indices.sizes();
  self_like[d] = indices.sizes()[d];
  index_like[d] = self.sizes()[d];
  const Dims index_shape = broadcast_shapes(self_like, indices.sizes(), "take_along_dim");
  const Dims self_shape = broadcast_shapes(index_like, self.sizes(), "take_along_dim");
  // Along a dim PyTorch takes every index modulo the dim's length (floor modulo: -1 is the last, and so is
  // size - 1 + k * size); with no dim it gathers from the flattened input, where they must be in range.
  const int64_t size = self.sizes()[d];
  Tensor wrapped = indices;
  if (indices.numel() > 0) {
    FG_CHECK(size != 0, Error, "ZeroDivisionError");
    NoGradGuard guard;
    wrapped = remainder(indices, Scalar(size));
  }
  return gather(expand(self, self_shape), d, expand(wrapped, index_shape));
}

}  // namespace fastgrad

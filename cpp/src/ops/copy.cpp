// Copies and conversions: forward and derivative side by side.
#include "common.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

struct ToCopyBackward0 : NamedNode<ToCopyBackward0> {
  static constexpr const char* kName = "ToCopyBackward0";
  ScalarType self_dtype;
  explicit ToCopyBackward0(ScalarType t) : self_dtype(t) {}
  tensor_list apply(tensor_list&& g) override { return {to_dtype(g[0], self_dtype)}; }
};

Tensor to_dtype(const Tensor& t, ScalarType dtype, bool copy) {
  if (t.dtype() == dtype && !copy) return t;
  Tensor out = cast(t, dtype, /*force_copy=*/true);
  if (compute_requires_grad({&t}) && is_floating(dtype)) set_history(out, make_node<ToCopyBackward0>({&t}, t.dtype()));
  return out;
}

Tensor convert_data(const Tensor& t, ScalarType dtype) {
  if (!is_integral(dtype, /*include_bool=*/false) || t.dtype() == dtype) return cast(t, dtype, /*force_copy=*/true);
  Tensor src = t.is_contiguous() ? t : cast(t, t.dtype(), /*force_copy=*/true);
  Tensor out = empty(t.sizes(), dtype);
  const int64_t n = src.numel();
  dispatch(dtype, [&](auto out_tag) {
    using D = decltype(out_tag);
    D* o = out.data<D>();
    dispatch(src.dtype(), [&](auto in_tag) {
      using S = decltype(in_tag);
      const S* p = src.data<S>();
      for (int64_t i = 0; i < n; ++i) {
        Scalar s;
        if constexpr (std::is_floating_point_v<S>) s = Scalar(static_cast<double>(p[i]));
        else if constexpr (std::is_same_v<S, bool>) s = Scalar(p[i]);
        else s = Scalar(static_cast<int64_t>(p[i]));
        o[i] = checked_convert<D>(s, dtype_name(dtype));
      }
    });
  });
  return out;
}

struct CloneBackward0 : NamedNode<CloneBackward0> {
  static constexpr const char* kName = "CloneBackward0";
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

Tensor clone(const Tensor& t) {
  Tensor out = cast(t, t.dtype(), /*force_copy=*/true);
  if (compute_requires_grad({&t})) set_history(out, make_node<CloneBackward0>({&t}));
  return out;
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

struct CopyBackwards : NamedNode<CopyBackwards> {
  static constexpr const char* kName = "CopyBackwards";
  ScalarType src_dtype;
  explicit CopyBackwards(ScalarType t) : src_dtype(t) {}
  tensor_list apply(tensor_list&& g) override {
    // self's old value is overwritten: it gets no gradient; src gets g (summed back by the engine).
    return {needs_input_grad(0) ? zeros_like(g[0]) : Tensor(),
            needs_input_grad(1) ? to_dtype(g[0], src_dtype) : Tensor()};
  }
};

Tensor& copy_(Tensor& self, const Tensor& src) {
  // Only a floating self can carry a gradient: copying into an integer or bool tensor records nothing, as in
  // PyTorch, whatever src requires.
  const bool differentiable = is_floating(self.dtype());
  check_inplace(self, "copy_", differentiable && compute_requires_grad({&src}));
  FG_CHECK(broadcast_shapes(self.sizes(), src.sizes(), "copy_") == self.sizes(), Error, "copy_: output with shape ",
           shape_str(self.sizes()), " doesn't match the broadcast shape ",
           shape_str(broadcast_shapes(self.sizes(), src.sizes(), "copy_")));
  if (!differentiable || !compute_requires_grad({&self, &src})) {
    copy_into(self, src);
    self.bump_version();
    return self;
  }
  Tensor snapshot = inplace_snapshot(self, /*copy_data=*/false);
  auto node = make_node<CopyBackwards>({&snapshot, &src}, src.dtype());
  copy_into(self, src);
  self.bump_version();
  rebase_history(self, node);
  return self;
}

Tensor data_alias(const Tensor& t) {
  // `.data` shares memory but not the version counter (PyTorch's documented difference from detach()):
  // a Storage that aliases the same bytes and keeps the original alive.
  auto keep = new std::shared_ptr<Storage>(t.storage());
  auto storage = Storage::wrap(
      t.storage()->data(), t.storage()->nbytes(),
      [](void* ctx, void*) { delete static_cast<std::shared_ptr<Storage>*>(ctx); }, keep);
  return Tensor(
      std::make_shared<TensorImpl>(std::move(storage), t.sizes(), t.strides(), t.storage_offset(), t.dtype()));
}

}  // namespace fastgrad

namespace fastgrad {

namespace {
// fill_ and zero_ overwrite self: its history is replaced by a Node that passes no gradient back.
template <int Variant>
struct OverwriteBackward : NamedNode<OverwriteBackward<Variant>> {
  static constexpr const char* kName = Variant == 0 ? "FillBackward2" : "ZeroBackward0";
  tensor_list apply(tensor_list&& g) override { return {zeros_like(g[0])}; }
};

template <int Variant>
Tensor& overwrite(Tensor& self, Scalar value, const char* op) {
  bool record = compute_requires_grad({&self});
  check_inplace(self, op, false, /*may_overlap=*/!record);
  Tensor snapshot = record ? inplace_snapshot(self, /*copy_data=*/false) : Tensor();
  copy_into(self, scalar_tensor(value, self.dtype()));
  self.bump_version();
  if (record) {
    rebase_history(self, make_node<OverwriteBackward<Variant>>({&snapshot}));
  }
  return self;
}
}  // namespace

Tensor& fill_(Tensor& self, Scalar value) { return overwrite<0>(self, value, "fill_"); }

// fill_ with a 0-d tensor value: differentiable in the value, whose gradient is the sum of self's.
struct FillBackward3 : NamedNode<FillBackward3> {
  static constexpr const char* kName = "FillBackward3";
  tensor_list apply(tensor_list&& g) override {
    return {needs_input_grad(0) ? zeros_like(g[0]) : Tensor(), needs_input_grad(1) ? sum(g[0]) : Tensor()};
  }
};

Tensor& fill_(Tensor& self, const Tensor& value) {
  FG_CHECK(value.dim() == 0, Error, "fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
           " dimensions.");
  // Unlike fill_ with a number, PyTorch refuses an expanded self here, with or without grad.
  check_inplace(self, "fill_", compute_requires_grad({&value}));
  bool record = compute_requires_grad({&self, &value});
  Tensor snapshot = record ? inplace_snapshot(self, /*copy_data=*/false) : Tensor();
  copy_into(self, value);
  self.bump_version();
  if (record) {
    rebase_history(self, make_node<FillBackward3>({&snapshot, &value}));
  }
  return self;
}
Tensor& zero_(Tensor& self) { return overwrite<1>(self, Scalar(0), "zero_"); }

namespace {
bool autocast_eligible(const Tensor& t) {
  return t.defined() && (t.dtype() == ScalarType::Float32 || is_reduced_float(t.dtype()));
}
}  // namespace

Tensor autocast_lower(const Tensor& t) {
  if (!AutocastMode::is_enabled() || !autocast_eligible(t) || t.dtype() == AutocastMode::dtype()) return t;
  return to_dtype(t, AutocastMode::dtype());
}

Tensor autocast_float32(const Tensor& t) {
  if (!AutocastMode::is_enabled() || !autocast_eligible(t) || t.dtype() == ScalarType::Float32) return t;
  return to_dtype(t, ScalarType::Float32);
}

tensor_list autocast_promote(const tensor_list& tensors) {
  if (!AutocastMode::is_enabled()) return tensors;
  const ScalarType lower = AutocastMode::dtype();
  ScalarType widest = lower;
  for (const Tensor& t : tensors) {
    if (!autocast_eligible(t)) continue;
    if (t.dtype() == ScalarType::Float32 || widest == ScalarType::Float32)
      widest = ScalarType::Float32;
    else
      FG_CHECK(t.dtype() == lower, Error, "Unexpected floating ScalarType in at::autocast::prioritize");
  }
  tensor_list out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors)
    out.push_back(autocast_eligible(t) && t.dtype() != widest ? to_dtype(t, widest) : t);
  return out;
}

}  // namespace fastgrad

// Reductions: forward and derivative side by side.
#include <cmath>

#include "common.h"

namespace fastgrad {

namespace {

// Which dimensions are reduced: all of them when `dims` is empty.
std::vector<bool> reduced_mask(const Tensor& t, const Dims& dims, const char* op) {
  std::vector<bool> mask(static_cast<size_t>(t.dim()), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, t.dim(), op);
    if (t.dim() == 0) continue;
    FG_CHECK(!mask[w], Error, op, ": dim ", w, " appears multiple times in the list of dims");
    mask[w] = true;
  }
  return mask;
}

Dims reduced_shape(const Tensor& t, const std::vector<bool>& mask, bool keepdim) {
  Dims out;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (!mask[d]) out.push_back(t.sizes()[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// Sum (or sum of |x|^p when p > 0) over the masked dims, accumulated in double / int64.
Tensor sum_kernel(const Tensor& t, const std::vector<bool>& mask, bool keepdim, ScalarType out_dtype, double p = 0) {
  Dims keep = reduced_shape(t, mask, /*keepdim=*/true);
  ScalarType acc_type = is_floating(out_dtype) ? ScalarType::Float64 : ScalarType::Int64;
  Tensor acc = zeros(keep, acc_type);
  dispatch(acc_type, [&](auto acc_tag) {
    using Acc = decltype(acc_tag);
    if constexpr (!std::is_same_v<Acc, bool>) {
      dispatch(t.dtype(), [&](auto in_tag) {
        using A = decltype(in_tag);
        if (p == 0)
          kernels::reduce_loop<Acc, A>(acc, t, [](Acc v, A x) { return v + static_cast<Acc>(x); });
        else if (p == 2)
          kernels::reduce_loop<Acc, A>(acc, t, [](Acc v, A x) { return v + static_cast<Acc>(x) * static_cast<Acc>(x); });
        else
          kernels::reduce_loop<Acc, A>(acc, t, [p](Acc v, A x) {
            return v + static_cast<Acc>(std::pow(std::abs(static_cast<double>(x)), p));
          });
      });
    }
  });
  Tensor out = cast(acc, out_dtype);
  if (!keepdim) {  // `out` is a fresh contiguous tensor: dropping the size-1 dims is a metadata change
    Dims shape = reduced_shape(t, mask, false);
    out->set_sizes_and_strides(shape, contiguous_strides(shape), 0);
  }
  return out;
}

ScalarType sum_type(const Tensor& t, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_floating(t.dtype()) ? t.dtype() : ScalarType::Int64;
}

int64_t reduced_count(const Tensor& t, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (mask[d]) n *= t.sizes()[d];
  return n;
}

// The gradient of a reduction, brought back to the input's shape: unsqueeze the reduced dims, expand.
Tensor expand_reduced(const Tensor& g, const Dims& shape, const std::vector<bool>& mask, bool keepdim) {
  Tensor r = g;
  if (!keepdim)
    for (size_t d = 0; d < mask.size(); ++d)
      if (mask[d]) r = unsqueeze(r, static_cast<int64_t>(d));
  return expand(r, shape);
}

}  // namespace

// ---- sum ----

struct SumBackward0 : NamedNode<SumBackward0> {
  static constexpr const char* kName = "SumBackward0";
  Dims shape;
  explicit SumBackward0(Dims s) : shape(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override { return {expand(g[0], shape)}; }
};

Tensor sum(const Tensor& t, std::optional<ScalarType> dtype) {
  Tensor out = sum_kernel(t, std::vector<bool>(t.dim(), true), false, sum_type(t, dtype));
  if (compute_requires_grad({&t})) set_history(out, make_node<SumBackward0>({&t}, t.sizes()));
  return out;
}

struct SumBackward1 : NamedNode<SumBackward1> {
  static constexpr const char* kName = "SumBackward1";
  Dims shape;
  std::vector<bool> mask;
  bool keepdim;
  SumBackward1(Dims s, std::vector<bool> m, bool k) : shape(std::move(s)), mask(std::move(m)), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override { return {expand_reduced(g[0], shape, mask, keepdim)}; }
};

Tensor sum(const Tensor& t, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  auto mask = reduced_mask(t, dims, "sum");
  Tensor out = sum_kernel(t, mask, keepdim, sum_type(t, dtype));
  if (compute_requires_grad({&t})) set_history(out, make_node<SumBackward1>({&t}, t.sizes(), mask, keepdim));
  return out;
}

// ---- mean ----

namespace {
ScalarType mean_type(const Tensor& t, std::optional<ScalarType> dtype, const char* op) {
  ScalarType r = dtype ? *dtype : t.dtype();
  FG_CHECK(is_floating(r), Error, op, "(): could not infer output dtype. ",
           dtype ? "Optional dtype" : "Input dtype", " must be either a floating point or complex dtype. Got: ",
           scalar_type_name(r));
  return r;
}
}  // namespace

struct MeanBackward0 : NamedNode<MeanBackward0> {
  static constexpr const char* kName = "MeanBackward0";
  Dims shape;
  explicit MeanBackward0(Dims s) : shape(std::move(s)) {}
  tensor_list apply(tensor_list&& g) override {
    return {div(expand(g[0], shape), Scalar(static_cast<double>(numel_of(shape))))};
  }
};

Tensor mean(const Tensor& t, std::optional<ScalarType> dtype) {
  ScalarType rt = mean_type(t, dtype, "mean");
  std::vector<bool> all(t.dim(), true);
  Tensor out = sum_kernel(t, all, false, ScalarType::Float64);
  out = cast(div(out, Scalar(static_cast<double>(t.numel()))), rt);
  if (compute_requires_grad({&t})) set_history(out, make_node<MeanBackward0>({&t}, t.sizes()));
  return out;
}

struct MeanBackward1 : NamedNode<MeanBackward1> {
  static constexpr const char* kName = "MeanBackward1";
  Dims shape;
  std::vector<bool> mask;
  bool keepdim;
  int64_t count;
  MeanBackward1(Dims s, std::vector<bool> m, bool k, int64_t c)
      : shape(std::move(s)), mask(std::move(m)), keepdim(k), count(c) {}
  tensor_list apply(tensor_list&& g) override {
    return {div(expand_reduced(g[0], shape, mask, keepdim), Scalar(static_cast<double>(count)))};
  }
};

Tensor mean(const Tensor& t, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType rt = mean_type(t, dtype, "mean");
  auto mask = reduced_mask(t, dims, "mean");
  int64_t count = reduced_count(t, mask);
  Tensor out;
  {
    NoGradGuard guard;
    out = cast(div(sum_kernel(t, mask, keepdim, ScalarType::Float64), Scalar(static_cast<double>(count))), rt);
  }
  if (compute_requires_grad({&t})) set_history(out, make_node<MeanBackward1>({&t}, t.sizes(), mask, keepdim, count));
  return out;
}

// ---- norm ----

struct LinalgVectorNormBackward0 : NamedNode<LinalgVectorNormBackward0> {
  static constexpr const char* kName = "LinalgVectorNormBackward0";
  double p;
  Dims shape;
  std::vector<bool> mask;
  bool keepdim;
  LinalgVectorNormBackward0(double p_, Dims s, std::vector<bool> m, bool k)
      : p(p_), shape(std::move(s)), mask(std::move(m)), keepdim(k) {}
  tensor_list apply(tensor_list&& g) override {
    // d||x||_p/dx = x |x|^(p-2) / ||x||^(p-1); taken as 0 where the norm is 0.
    Tensor x = saved(0), norm = saved(1);
    Tensor gn = expand_reduced(g[0], shape, mask, keepdim);
    Tensor nn = expand_reduced(norm, shape, mask, keepdim);
    Tensor zero = cast(compare(nn, Scalar(0.0), CompareOp::Eq), x.dtype());
    Tensor denom = add(p == 2 ? nn : pow(nn, Scalar(p - 1)), zero);  // avoids 0/0
    Tensor num = p == 2 ? x : mul(x, pow(mul(x, x), Scalar((p - 2) / 2)));
    return {mul(gn, div(num, denom))};
  }
};

Tensor norm(const Tensor& t, double p, const Dims& dims, bool keepdim) {
  FG_CHECK(is_floating(t.dtype()), Error, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got ",
           scalar_type_name(t.dtype()));
  FG_CHECK(p > 0 && std::isfinite(p), NotImplementedError, "norm: only finite p > 0 is supported, got p=", p);
  auto mask = reduced_mask(t, dims, "norm");
  Tensor out = sum_kernel(t, mask, keepdim, ScalarType::Float64, p);
  out = map_unary(out, ScalarType::Float64, [p](auto tag) {
    using T = decltype(tag);
    return [p](T v) -> T {
      if constexpr (std::is_same_v<T, double>) return p == 2 ? std::sqrt(v) : std::pow(v, 1.0 / p);
      else return v;
    };
  });
  out = cast(out, t.dtype());
  if (compute_requires_grad({&t})) {
    auto node = make_node<LinalgVectorNormBackward0>({&t}, p, t.sizes(), mask, keepdim);
    node->save(t);
    set_history(out, node);
    node->save(out, /*is_output=*/true);
  }
  return out;
}

// ---- sum_to ----

Tensor sum_to(const Tensor& t, const Dims& shape) {
  if (t.sizes() == shape) return t;
  const int64_t lead = t.dim() - static_cast<int64_t>(shape.size());
  Dims dims;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && t.sizes()[d] != 1)) dims.push_back(d);
  Tensor r = dims.empty() ? t : sum(t, dims, /*keepdim=*/true);
  return r.sizes() == shape ? r : view(r, shape);
}

}  // namespace fastgrad

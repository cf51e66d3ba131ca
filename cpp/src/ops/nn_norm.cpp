// The normalisation layers (layer_norm, batch_norm): forward and derivative side by side.
// Each records one Node with PyTorch's name. The forward values come from public ops run without
// recording; the derivatives are written with public ops too, so that create_graph=True differentiates
// them again (the normalised input is recomputed from the saved input rather than saved, which keeps the
// second derivative exact).
#include "common.h"

namespace fastgrad {

// ---- normalisation ----

namespace {

// How a normalisation is laid out over its input: the dims its statistics reduce over, the dims a
// parameter's gradient sums over, and the shape a parameter is viewed as to broadcast against the input.
struct NormLayout {
  Dims stat_dims;
  Dims param_sum_dims;
  Dims param_view;
};

Tensor as_param_view(const Tensor& p, const NormLayout& l) {
  return p.sizes() == l.param_view ? p : reshape(p, l.param_view);
}

// The gradient of a parameter of shape `shape` that broadcast against the input along param_sum_dims.
Tensor param_grad(const Tensor& t, const NormLayout& l, const Dims& shape) {
  Tensor s = l.param_sum_dims.empty() ? t : sum(t, l.param_sum_dims);
  return s.sizes() == shape ? s : reshape(s, shape);
}

// (x - mean) * rsqrt(var + eps) over stat_dims, with the biased variance.
Tensor normalized(const Tensor& x, const NormLayout& l, double eps) {
  Tensor centered = sub(x, mean(x, l.stat_dims, /*keepdim=*/true));
  Tensor var = mean(mul(centered, centered), l.stat_dims, /*keepdim=*/true);
  return mul(centered, rsqrt(add(var, Scalar(eps))));
}

Tensor affine(Tensor out, const Tensor& weight, const Tensor& bias, const NormLayout& l) {
  if (weight.defined()) out = mul(out, as_param_view(weight, l));
  if (bias.defined()) out = add(out, as_param_view(bias, l));
  return out;
}

}  // namespace

// Shared by layer_norm and batch_norm in training (statistics from the batch) and batch_norm in evaluation
// (statistics from the running buffers, which are constants).
template <class Derived>
struct NormBackwardBase : NamedNode<Derived> {
  NormLayout layout;
  double eps;
  bool has_weight, use_running;
  Dims weight_shape;
  NormBackwardBase(NormLayout l, double e, bool hw, bool ur, Dims ws)
      : layout(std::move(l)), eps(e), has_weight(hw), use_running(ur), weight_shape(std::move(ws)) {}

  tensor_list apply(tensor_list&& g) override {
    // saved: x, [weight], [running_mean, running_var]
    size_t k = 0;
    Tensor x = this->saved(k++);
    Tensor weight = has_weight ? this->saved(k++) : Tensor();
    Tensor gy = g[0];
    Tensor xhat, rstd;
    if (use_running) {
      Tensor rm = as_param_view(this->saved(k), layout), rv = as_param_view(this->saved(k + 1), layout);
      rstd = rsqrt(add(rv, Scalar(eps)));
      xhat = mul(sub(x, rm), rstd);
    } else {
      Tensor centered = sub(x, mean(x, layout.stat_dims, true));
      rstd = rsqrt(add(mean(mul(centered, centered), layout.stat_dims, true), Scalar(eps)));
      xhat = mul(centered, rstd);
    }
    tensor_list grads(3);
    if (this->needs_input_grad(0)) {
      Tensor gxhat = has_weight ? mul(gy, as_param_view(weight, layout)) : gy;
      if (use_running) {
        grads[0] = mul(gxhat, rstd);
      } else {
        // dx = rstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)), means over the statistics' dims.
        Tensor centred_g = sub(gxhat, mean(gxhat, layout.stat_dims, true));
        grads[0] = mul(rstd, sub(centred_g, mul(xhat, mean(mul(gxhat, xhat), layout.stat_dims, true))));
      }
    }
    if (this->needs_input_grad(1)) grads[1] = param_grad(mul(gy, xhat), layout, weight_shape);
    if (this->needs_input_grad(2)) grads[2] = param_grad(gy, layout, weight_shape);
    return grads;
  }
};

struct NativeLayerNormBackward0 : NormBackwardBase<NativeLayerNormBackward0> {
  static constexpr const char* kName = "NativeLayerNormBackward0";
  using NormBackwardBase::NormBackwardBase;
};
struct NativeBatchNormBackward0 : NormBackwardBase<NativeBatchNormBackward0> {
  static constexpr const char* kName = "NativeBatchNormBackward0";
  using NormBackwardBase::NormBackwardBase;
};

namespace {

void check_norm_input(const Tensor& input, const char* kernel) {
  FG_CHECK(is_floating(input.dtype()), NotImplementedError, "\"", kernel, "\" not implemented for '",
           scalar_type_name(input.dtype()), "'");
}

template <class N>
Tensor normalize_op(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, NormLayout layout, double eps, bool use_running) {
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor xhat = use_running ? mul(sub(input, as_param_view(running_mean, layout)),
                                    rsqrt(add(as_param_view(running_var, layout), Scalar(eps))))
                              : normalized(input, layout, eps);
    out = affine(xhat, weight, bias, layout);
    if (out.dtype() != input.dtype()) out = cast(out, input.dtype());
  }
  if (compute_requires_grad({&input, &weight, &bias})) {
    const Dims wshape = weight.defined() ? weight.sizes() : bias.defined() ? bias.sizes() : Dims{};
    auto node = make_node<N>({&input, &weight, &bias}, std::move(layout), eps, weight.defined(), use_running, wshape);
    node->save(input);
    if (weight.defined()) node->save(weight);
    if (use_running) {
      node->save(running_mean);
      node->save(running_var);
    }
    set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool matches = k >= 1 && input.dim() >= k;
  for (int64_t i = 0; matches && i < k; ++i) matches = input.size(input.dim() - k + i) == normalized_shape[i];
  if (!matches) {
    std::string expected = "[*";
    for (int64_t s : normalized_shape) expected += ", " + std::to_string(s);
    FG_CHECK(false, Error, "Given normalized_shape=", shape_str(normalized_shape), ", expected input with shape ",
             expected, "], but got input of size", shape_str(input.sizes()));
  }
  FG_CHECK(!weight.defined() || weight.sizes() == normalized_shape, Error, "Expected weight to be of same shape as ",
           "normalized_shape, but got weight of shape ", shape_str(weight.sizes()),
           " and normalized_shape = ", shape_str(normalized_shape));
  FG_CHECK(!bias.defined() || bias.sizes() == normalized_shape, Error, "Expected bias to be of same shape as ",
           "normalized_shape, but got bias of shape ", shape_str(bias.sizes()),
           " and normalized_shape = ", shape_str(normalized_shape));
  check_norm_input(input, "LayerNormKernelImpl");
  NormLayout l;
  for (int64_t d = 0; d < input.dim() - k; ++d) l.param_sum_dims.push_back(d);
  for (int64_t d = input.dim() - k; d < input.dim(); ++d) l.stat_dims.push_back(d);
  l.param_view = normalized_shape;
  return normalize_op<NativeLayerNormBackward0>(input, weight, bias, Tensor(), Tensor(), std::move(l), eps, false);
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  if (input.numel() == 0) {
    // PyTorch's empty-batch path, taken before any other check: a clone scaled by the first weight and
    // shifted by the first bias, with the running statistics untouched.
    Tensor out = clone(input);
    if (weight.defined() && weight.numel() > 0) out = mul(out, select(weight, 0, 0));
    if (bias.defined() && bias.numel() > 0) out = add(out, select(bias, 0, 0));
    return out;
  }
  // The channels are dim 1; a 0-d or 1-d input has none, so any parameter given is of the wrong size.
  const int64_t c = input.dim() >= 2 ? input.size(1) : 0;
  auto check_len = [&](const Tensor& t, const char* what) {
    FG_CHECK(!t.defined() || t.numel() == c, Error, what, " should contain ", c, " elements not ", t.numel());
  };
  check_len(running_mean, "running_mean");
  check_len(running_var, "running_var");
  check_len(weight, "weight");
  check_len(bias, "bias");
  FG_CHECK(input.dim() >= 2, IndexError, "Dimension out of range (expected to be in range of [-",
           std::max<int64_t>(input.dim(), 1), ", ", std::max<int64_t>(input.dim(), 1) - 1, "], but got 1)");
  FG_CHECK(training || (running_mean.defined() && running_var.defined()), Error,
           "running_mean and running_var must be defined in evaluation mode");
  check_norm_input(input, "batch_norm");
  NormLayout l;
  l.param_view = Dims(static_cast<size_t>(input.dim()), 1);
  l.param_view[1] = c;
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != 1) l.stat_dims.push_back(d);
  l.param_sum_dims = l.stat_dims;
  if (training && (running_mean.defined() || running_var.defined())) {
    // running = (1 - momentum) * running + momentum * batch statistic (the unbiased variance).
    NoGradGuard no_grad;
    const int64_t n = input.numel() / std::max<int64_t>(c, 1);
    Tensor x = input.detach();
    if (running_mean.defined()) {
      Tensor m = reshape(mean(x, l.stat_dims), {c});
      Tensor rm = running_mean;
      mul_(rm, Scalar(1 - momentum));
      add_(rm, cast(m, rm.dtype()), Scalar(momentum));
    }
    if (running_var.defined()) {
      Tensor v = reshape(var(x, l.stat_dims, /*correction=*/n > 1 ? 1 : 0), {c});
      Tensor rv = running_var;
      mul_(rv, Scalar(1 - momentum));
      add_(rv, cast(v, rv.dtype()), Scalar(momentum));
    }
  }
  return normalize_op<NativeBatchNormBackward0>(input, weight, bias, running_mean, running_var, std::move(l), eps,
                                                /*use_running=*/!training);
}

}  // namespace fastgrad

// The normalisation layers (layer_norm, rms_norm, batch_norm, group_norm): forward and derivative side by
// side. Each is one fused op over a contiguous copy of its input (the kernels are in cpu/norm.cpp, their
// numerics in Note [Normalisation numerics] there) that saves the per-group mean and rstd, and records one
// Node with PyTorch's name.
//
// Note [Fused normalisation backward]
// A Node's apply runs the fused backward kernel when grad mode is off (a plain backward). Under
// create_graph=True it computes the same gradients with public ops instead (the normalised input recomputed
// from the saved input), so that the second derivative is exact and recorded like any other.
#include <cmath>

#include "../cpu/norm.h"
#include "common.h"
#include "reduced_float.h"

namespace fastgrad {

namespace {

// ---- the composite formulas (create_graph) ----

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

// dx of xhat = (x - mean) * rstd over the statistics' dims, given d(loss)/d(xhat):
// rstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)).
Tensor normalized_input_grad(const Tensor& gxhat, const Tensor& xhat, const Tensor& rstd, const Dims& dims) {
  Tensor centred_g = sub(gxhat, mean(gxhat, dims, true));
  return mul(rstd, sub(centred_g, mul(xhat, mean(mul(gxhat, xhat), dims, true))));
}

// Gradients of layer_norm / batch_norm with public ops; running_mean/var defined for batch_norm evaluation.
tensor_list composite_norm_backward(const Node& node, const Tensor& x, const Tensor& weight, const Tensor& rm,
                                    const Tensor& rv, const Tensor& gy, const NormLayout& layout, double eps,
                                    const Dims& weight_shape) {
  const bool use_running = rm.defined();
  Tensor xhat, rstd;
  if (use_running) {
    rstd = rsqrt(add(as_param_view(rv, layout), Scalar(eps)));
    xhat = mul(sub(x, as_param_view(rm, layout)), rstd);
  } else {
    Tensor centered = sub(x, mean(x, layout.stat_dims, true));
    rstd = rsqrt(add(mean(mul(centered, centered), layout.stat_dims, true), Scalar(eps)));
    xhat = mul(centered, rstd);
  }
  tensor_list grads(3);
  if (node.needs_input_grad(0)) {
    Tensor gxhat = weight.defined() ? mul(gy, as_param_view(weight, layout)) : gy;
    grads[0] = use_running ? mul(gxhat, rstd) : normalized_input_grad(gxhat, xhat, rstd, layout.stat_dims);
  }
  if (node.needs_input_grad(1)) grads[1] = param_grad(mul(gy, xhat), layout, weight_shape);
  if (node.needs_input_grad(2)) grads[2] = param_grad(gy, layout, weight_shape);
  return grads;
}

// ---- helpers of the fused ops ----

Tensor dense_or_none(const Tensor& t, ScalarType dtype) { return t.defined() ? dense(t, dtype) : Tensor(); }

template <class T>
const T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}
template <class T>
T* out_ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// PyTorch's CPU normalisation kernels take parameters (weight, bias, running statistics) of the input's dtype
// only (their mixed-dtype case, a float parameter for a half input, has no counterpart here).
void check_param_dtypes(const Tensor& input, std::initializer_list<const Tensor*> params) {
  for (const Tensor* p : params)
    if (p->defined() && p->dtype() != input.dtype()) {
      FG_CHECK(input.dtype() != ScalarType::Float32, Error,
               "mixed dtype (CPU): expect parameter to have scalar type of Float");
      FG_CHECK(false, Error, "mixed dtype (CPU): all inputs must share same datatype.");
    }
}

// An output gradient of shape `shape` and dtype `dtype` when `wanted`, else undefined.
Tensor grad_buffer(bool wanted, const Dims& shape, ScalarType dtype) { return wanted ? empty(shape, dtype) : Tensor(); }

// A parameter gradient computed in the input's dtype, returned in the parameter's.
Tensor as_dtype(const Tensor& g, ScalarType dtype) { return g.defined() && g.dtype() != dtype ? cast(g, dtype) : g; }

void check_norm_input(const Tensor& input, const char* kernel) {
  FG_CHECK(is_floating(input.dtype()), NotImplementedError, "\"", kernel, "\" not implemented for '",
           scalar_type_name(input.dtype()), "'");
}

void check_normalized_shape(const Tensor& input, const Dims& normalized_shape, const Tensor& weight,
                            const Tensor& bias) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  FG_CHECK(!weight.defined() || weight.sizes() == normalized_shape, Error, "Expected weight to be of same shape as ",
           "normalized_shape, but got weight of shape ", shape_str(weight.sizes()),
           " and normalized_shape = ", shape_str(normalized_shape));
  FG_CHECK(!bias.defined() || bias.sizes() == normalized_shape, Error, "Expected bias to be of same shape as ",
           "normalized_shape, but got bias of shape ", shape_str(bias.sizes()),
           " and normalized_shape = ", shape_str(normalized_shape));
  bool matches = k >= 1 && input.dim() >= k;
  for (int64_t i = 0; matches && i < k; ++i) matches = input.size(input.dim() - k + i) == normalized_shape[i];
  if (!matches) {
    std::string expected = "[*";
    for (int64_t s : normalized_shape) expected += ", " + std::to_string(s);
    FG_CHECK(false, Error, "Given normalized_shape=", shape_str(normalized_shape), ", expected input with shape ",
             expected, "], but got input of size", shape_str(input.sizes()));
  }
}

// Rows and row length of a normalisation over the trailing dims of normalized_shape.
std::pair<int64_t, int64_t> rows_of(const Tensor& input, const Dims& normalized_shape) {
  const int64_t n = numel_of(normalized_shape);
  int64_t m = 1;
  for (int64_t d = 0; d < input.dim() - static_cast<int64_t>(normalized_shape.size()); ++d) m *= input.size(d);
  return {m, n};
}

NormLayout trailing_layout(const Tensor& input, const Dims& normalized_shape) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  NormLayout l;
  for (int64_t d = 0; d < input.dim() - k; ++d) l.param_sum_dims.push_back(d);
  for (int64_t d = input.dim() - k; d < input.dim(); ++d) l.stat_dims.push_back(d);
  l.param_view = normalized_shape;
  return l;
}

NormLayout channel_layout(const Tensor& input) {
  NormLayout l;
  l.param_view = Dims(static_cast<size_t>(input.dim()), 1);
  l.param_view[1] = input.size(1);
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != 1) l.stat_dims.push_back(d);
  l.param_sum_dims = l.stat_dims;
  return l;
}

}  // namespace

// ---- layer_norm ----

// saved: input, [weight], mean, rstd (one per row)
struct NativeLayerNormBackward0 : NamedNode<NativeLayerNormBackward0> {
  static constexpr const char* kName = "NativeLayerNormBackward0";
  Dims normalized_shape;
  double eps;
  bool has_weight;
  NativeLayerNormBackward0(Dims ns, double e, bool hw) : normalized_shape(std::move(ns)), eps(e), has_weight(hw) {}

  tensor_list apply(tensor_list&& g) override {
    size_t k = 0;
    Tensor x = saved(k++);
    Tensor weight = has_weight ? saved(k++) : Tensor();
    Tensor gy = grad_or_zeros(g, 0);
    if (GradMode::is_enabled())  // See Note [Fused normalisation backward]
      return composite_norm_backward(*this, x, weight, Tensor(), Tensor(), gy, trailing_layout(x, normalized_shape),
                                     eps, normalized_shape);
    Tensor mean = saved(k), rstd = saved(k + 1);
    const ScalarType dt = x.dtype();
    Tensor xd = dense(x), dyd = dense(gy, dt), wd = dense_or_none(weight, dt);
    tensor_list grads(3);
    grads[0] = grad_buffer(needs_input_grad(0), x.sizes(), dt);
    grads[1] = grad_buffer(needs_input_grad(1), normalized_shape, dt);
    grads[2] = grad_buffer(needs_input_grad(2), normalized_shape, dt);
    auto [m, n] = rows_of(x, normalized_shape);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::layer_norm_backward<T>(dyd.data<T>(), xd.data<T>(), mean.data<T>(), rstd.data<T>(), ptr<T>(wd), m, n,
                                      out_ptr<T>(grads[0]), out_ptr<T>(grads[1]), out_ptr<T>(grads[2]));
    });
    if (weight.defined()) grads[1] = as_dtype(grads[1], weight.dtype());
    if (grads[2].defined() && weight.defined()) grads[2] = as_dtype(grads[2], weight.dtype());
    return grads;
  }
};

namespace {

// The layout every normalisation Node reads back: input, [weight], then its statistics; the Node becomes out's
// history.
template <class NodePtr>
void record_norm(const NodePtr& node, Tensor& out, const Tensor& input, const Tensor& weight,
                 std::initializer_list<const Tensor*> stats) {
  node->save(input);
  if (weight.defined()) node->save(weight);
  for (const Tensor* s : stats) node->save(*s);
  set_history(out, node);
}

// The shape a parameter's gradient takes: the weight's, else the bias's, else (c,).
Dims norm_param_shape(const Tensor& weight, const Tensor& bias, int64_t c) {
  return weight.defined() ? weight.sizes() : bias.defined() ? bias.sizes() : Dims{c};
}

}  // namespace

Tensor layer_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_normalized_shape(input, normalized_shape, weight, bias);
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input, weight, bias}, input.dtype(),
                      [normalized_shape, eps](const tensor_list& a) {
                        return layer_norm(a[0], normalized_shape, a[1], a[2], eps);
                      });
  check_norm_input(input, "LayerNormKernelImpl");
  check_param_dtypes(input, {&weight, &bias});
  const ScalarType dt = input.dtype();
  auto [m, n] = rows_of(input, normalized_shape);
  Tensor out = empty(input.sizes(), dt), mean = empty({m}, dt), rstd = empty({m}, dt);
  {
    Tensor x = dense(input), w = dense_or_none(weight, dt), b = dense_or_none(bias, dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::layer_norm_forward<T>(x.data<T>(), ptr<T>(w), ptr<T>(b), m, n, eps, out.data<T>(), mean.data<T>(),
                                     rstd.data<T>());
    });
  }
  if (compute_requires_grad({&input, &weight, &bias})) {
    auto node = make_node<NativeLayerNormBackward0>({&input, &weight, &bias}, normalized_shape, eps, weight.defined());
    record_norm(node, out, input, weight, {&mean, &rstd});
  }
  return out;
}

// ---- rms_norm ----

// PyTorch composes rms_norm on the CPU (x * rsqrt(mean(x^2) + eps) * weight), so its result's grad_fn is the
// last multiplication. saved: input, [weight], rstd (one per row)
struct RmsNormBackward : NamedNode<RmsNormBackward> {
  static constexpr const char* kName = "MulBackward0";
  Dims normalized_shape;
  double eps;
  bool has_weight;
  RmsNormBackward(Dims ns, double e, bool hw) : normalized_shape(std::move(ns)), eps(e), has_weight(hw) {}

  tensor_list apply(tensor_list&& g) override {
    size_t k = 0;
    Tensor x = saved(k++);
    Tensor weight = has_weight ? saved(k++) : Tensor();
    Tensor gy = grad_or_zeros(g, 0);
    tensor_list grads(2);
    if (GradMode::is_enabled()) {  // See Note [Fused normalisation backward]
      // y = x * r * w with r = rsqrt(mean(x^2) + eps): dx = r * gxhat - x * r^3 * mean(gxhat * x).
      NormLayout l = trailing_layout(x, normalized_shape);
      Tensor r = rsqrt(add(mean(mul(x, x), l.stat_dims, true), Scalar(eps)));
      Tensor gxhat = weight.defined() ? mul(gy, as_param_view(weight, l)) : gy;
      if (needs_input_grad(0))
        grads[0] = sub(mul(gxhat, r), mul(mul(x, pow(r, Scalar(int64_t{3}))), mean(mul(gxhat, x), l.stat_dims, true)));
      if (needs_input_grad(1)) grads[1] = param_grad(mul(gy, mul(x, r)), l, normalized_shape);
      return grads;
    }
    Tensor rstd = saved(k);
    const ScalarType dt = x.dtype();
    Tensor xd = dense(x), dyd = dense(gy, dt), wd = dense_or_none(weight, dt);
    grads[0] = grad_buffer(needs_input_grad(0), x.sizes(), dt);
    grads[1] = grad_buffer(needs_input_grad(1), normalized_shape, dt);
    auto [m, n] = rows_of(x, normalized_shape);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::rms_norm_backward<T>(dyd.data<T>(), xd.data<T>(), rstd.data<T>(), ptr<T>(wd), m, n,
                                    out_ptr<T>(grads[0]), out_ptr<T>(grads[1]));
    });
    if (weight.defined()) grads[1] = as_dtype(grads[1], weight.dtype());
    return grads;
  }
};

Tensor rms_norm(const Tensor& input, const Dims& normalized_shape, const Tensor& weight, double eps) {
  check_normalized_shape(input, normalized_shape, weight, Tensor());
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input, weight}, input.dtype(),
                      [normalized_shape, eps](const tensor_list& a) { return rms_norm(a[0], normalized_shape, a[1], eps); });
  check_norm_input(input, "rms_norm");
  const ScalarType dt = input.dtype();
  auto [m, n] = rows_of(input, normalized_shape);
  Tensor out = empty(input.sizes(), dt), rstd = empty({m}, dt);
  {
    Tensor x = dense(input), w = dense_or_none(weight, dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::rms_norm_forward<T>(x.data<T>(), ptr<T>(w), m, n, eps, out.data<T>(), rstd.data<T>());
    });
  }
  if (compute_requires_grad({&input, &weight})) {
    auto node = make_node<RmsNormBackward>({&input, &weight}, normalized_shape, eps, weight.defined());
    record_norm(node, out, input, weight, {&rstd});
  }
  return out;
}

// ---- batch_norm ----

namespace {

// (N, C, S) of a batch_norm or group_norm input (N, C, *).
struct ChannelShape {
  int64_t n, c, s;
};
ChannelShape channel_shape(const Tensor& t) {
  int64_t s = 1;
  for (int64_t d = 2; d < t.dim(); ++d) s *= t.size(d);
  return {t.size(0), t.size(1), s};
}

// 1 / sqrt(var + eps) per channel from the running variance: in T for the forward, in double (rounded to T)
// for the backward, as PyTorch computes them.
Tensor running_rstd(const Tensor& running_var, ScalarType dt, double eps, bool in_double) {
  Tensor v = dense(running_var, dt);
  Tensor r = empty({v.numel()}, dt);
  dispatch_float(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* pv = v.data<T>();
    T* pr = r.data<T>();
    for (int64_t i = 0; i < v.numel(); ++i)
      pr[i] = in_double ? static_cast<T>(1.0 / std::sqrt(static_cast<double>(pv[i]) + eps))
                        : T(1) / std::sqrt(pv[i] + static_cast<T>(eps));
  });
  return r;
}

}  // namespace

// Training (statistics from the batch) saves: input, [weight], mean, rstd (per channel); evaluation
// (statistics from the running buffers, constants) saves: input, [weight], running_mean, running_var.
struct NativeBatchNormBackward0 : NamedNode<NativeBatchNormBackward0> {
  static constexpr const char* kName = "NativeBatchNormBackward0";
  double eps;
  bool has_weight, use_running;
  Dims weight_shape;
  NativeBatchNormBackward0(double e, bool hw, bool ur, Dims ws)
      : eps(e), has_weight(hw), use_running(ur), weight_shape(std::move(ws)) {}

  tensor_list apply(tensor_list&& g) override {
    size_t k = 0;
    Tensor x = saved(k++);
    Tensor weight = has_weight ? saved(k++) : Tensor();
    Tensor s0 = saved(k), s1 = saved(k + 1);
    Tensor gy = grad_or_zeros(g, 0);
    if (GradMode::is_enabled())  // See Note [Fused normalisation backward]
      return composite_norm_backward(*this, x, weight, use_running ? s0 : Tensor(), use_running ? s1 : Tensor(), gy,
                                     channel_layout(x), eps, weight_shape);
    const ScalarType dt = x.dtype();
    Tensor mean = use_running ? dense(s0, dt) : s0;
    Tensor rstd = use_running ? running_rstd(s1, dt, eps, /*in_double=*/true) : s1;
    Tensor xd = dense(x), dyd = dense(gy, dt), wd = dense_or_none(weight, dt);
    const ChannelShape cs = channel_shape(x);
    tensor_list grads(3);
    grads[0] = grad_buffer(needs_input_grad(0), x.sizes(), dt);
    grads[1] = grad_buffer(needs_input_grad(1), {cs.c}, dt);
    grads[2] = grad_buffer(needs_input_grad(2), {cs.c}, dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::batch_norm_backward<T>(dyd.data<T>(), xd.data<T>(), mean.data<T>(), rstd.data<T>(), ptr<T>(wd), cs.n,
                                      cs.c, cs.s, !use_running, out_ptr<T>(grads[0]), out_ptr<T>(grads[1]),
                                      out_ptr<T>(grads[2]));
    });
    for (size_t i = 1; i < 3; ++i) {
      if (!grads[i].defined()) continue;
      if (grads[i].sizes() != weight_shape) grads[i] = reshape(grads[i], weight_shape);
      if (weight.defined()) grads[i] = as_dtype(grads[i], weight.dtype());
    }
    return grads;
  }
};

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  if (any_reduced_float({&input, &running_mean, &running_var, &weight, &bias}) && input.numel() > 0)
    return run_in_float32({input, running_mean, running_var, weight, bias},  // Note [Half-precision ops]
                          reduced_dtype_of({&input, &running_mean, &running_var, &weight, &bias}),
                          [training, momentum, eps](const tensor_list& a) {
                            return tensor_list{batch_norm(a[0], a[1], a[2], a[3], a[4], training, momentum, eps)};
                          },
                          {1, 2})[0];  // the running statistics are written
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
  check_param_dtypes(input, {&weight, &bias, &running_mean, &running_var});
  const ScalarType dt = input.dtype();
  const ChannelShape cs = channel_shape(input);
  Tensor x = dense(input), w = dense_or_none(weight, dt), b = dense_or_none(bias, dt);
  Tensor mean, rstd;  // per channel, in the input's dtype
  Tensor out = empty(input.sizes(), dt);
  if (training) {
    mean = empty({c}, dt);
    rstd = empty({c}, dt);
    Tensor var = empty({c}, ScalarType::Float64);  // biased batch variance
    dispatch_float(dt, [&](auto tag) {  // the statistics and the output, one channel at a time
      using T = decltype(tag);
      cpu::batch_norm_stats<T>(x.data<T>(), cs.n, cs.c, cs.s, eps, mean.data<T>(), rstd.data<T>(),
                                   var.data<double>(), ptr<T>(w), ptr<T>(b), out.data<T>());
    });
    if (running_mean.defined() || running_var.defined()) {
      // running = (1 - momentum) * running + momentum * batch statistic (the unbiased variance).
      NoGradGuard no_grad;
      const int64_t n = cs.n * cs.s;
      if (running_mean.defined()) {
        Tensor rm = running_mean;
        mul_(rm, Scalar(1 - momentum));
        add_(rm, cast(reshape(mean, running_mean.sizes()), rm.dtype()), Scalar(momentum));
      }
      if (running_var.defined()) {
        Tensor unbiased = n > 1 ? mul(var, Scalar(static_cast<double>(n) / static_cast<double>(n - 1))) : var;
        Tensor rv = running_var;
        mul_(rv, Scalar(1 - momentum));
        add_(rv, cast(reshape(unbiased, running_var.sizes()), rv.dtype()), Scalar(momentum));
      }
    }
  } else {
    mean = dense(reshape(running_mean, {c}), dt);
    rstd = running_rstd(running_var, dt, eps, /*in_double=*/false);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::batch_norm_apply<T>(x.data<T>(), mean.data<T>(), rstd.data<T>(), ptr<T>(w), ptr<T>(b), cs.n, cs.c, cs.s,
                                   out.data<T>());
    });
  }
  if (compute_requires_grad({&input, &weight, &bias})) {
    auto node = make_node<NativeBatchNormBackward0>({&input, &weight, &bias}, eps, weight.defined(), !training,
                                                    norm_param_shape(weight, bias, c));
    if (training) record_norm(node, out, input, weight, {&mean, &rstd});
    else record_norm(node, out, input, weight, {&running_mean, &running_var});
  }
  return out;
}

// ---- group_norm ----

// saved: input, [weight], mean, rstd (one per (sample, group))
struct NativeGroupNormBackward0 : NamedNode<NativeGroupNormBackward0> {
  static constexpr const char* kName = "NativeGroupNormBackward0";
  int64_t groups;
  double eps;
  bool has_weight;
  Dims weight_shape;
  NativeGroupNormBackward0(int64_t g, double e, bool hw, Dims ws)
      : groups(g), eps(e), has_weight(hw), weight_shape(std::move(ws)) {}

  tensor_list apply(tensor_list&& g) override {
    size_t k = 0;
    Tensor x = saved(k++);
    Tensor weight = has_weight ? saved(k++) : Tensor();
    Tensor gy = grad_or_zeros(g, 0);
    const ChannelShape cs = channel_shape(x);
    tensor_list grads(3);
    if (GradMode::is_enabled()) {  // See Note [Fused normalisation backward]
      // Statistics over (N, G, D); the parameters broadcast over (N, C, S).
      const Dims grouped{cs.n, groups, cs.c / groups * cs.s}, flat{cs.n, cs.c, cs.s};
      Tensor xg = reshape(x, grouped);
      Tensor centered = sub(xg, mean(xg, {2}, true));
      Tensor rstd = rsqrt(add(mean(mul(centered, centered), {2}, true), Scalar(eps)));
      Tensor xhat = reshape(mul(centered, rstd), flat);
      Tensor gyf = reshape(gy, flat);
      const Dims pview{1, cs.c, 1};
      if (needs_input_grad(0)) {
        Tensor gxhat = weight.defined() ? mul(gyf, reshape(weight, pview)) : gyf;
        Tensor gx = normalized_input_grad(reshape(gxhat, grouped), reshape(xhat, grouped), rstd, {2});
        grads[0] = reshape(gx, x.sizes());
      }
      if (needs_input_grad(1)) grads[1] = reshape(sum(mul(gyf, xhat), {0, 2}), weight_shape);
      if (needs_input_grad(2)) grads[2] = reshape(sum(gyf, {0, 2}), weight_shape);
      return grads;
    }
    Tensor mean = saved(k), rstd = saved(k + 1);
    const ScalarType dt = x.dtype();
    Tensor xd = dense(x), dyd = dense(gy, dt), wd = dense_or_none(weight, dt);
    grads[0] = grad_buffer(needs_input_grad(0), x.sizes(), dt);
    grads[1] = grad_buffer(needs_input_grad(1), {cs.c}, dt);
    grads[2] = grad_buffer(needs_input_grad(2), {cs.c}, dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::group_norm_backward<T>(dyd.data<T>(), xd.data<T>(), mean.data<T>(), rstd.data<T>(), ptr<T>(wd), cs.n,
                                      cs.c, cs.s, groups, out_ptr<T>(grads[0]), out_ptr<T>(grads[1]),
                                      out_ptr<T>(grads[2]));
    });
    for (size_t i = 1; i < 3; ++i) {
      if (!grads[i].defined()) continue;
      if (grads[i].sizes() != weight_shape) grads[i] = reshape(grads[i], weight_shape);
      if (weight.defined()) grads[i] = as_dtype(grads[i], weight.dtype());
    }
    return grads;
  }
};

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input, weight, bias}, input.dtype(),
                      [num_groups, eps](const tensor_list& a) { return group_norm(a[0], num_groups, a[1], a[2], eps); });
  FG_CHECK(input.dim() >= 2, Error, "Expected at least 2 dimensions for input tensor but received ", input.dim());
  const int64_t c = input.size(1);
  FG_CHECK(num_groups > 0, Error, "Expected num groups to be greater than 0, got ", num_groups);
  FG_CHECK(c % num_groups == 0, Error, "Expected number of channels in input to be divisible by num_groups, but got ",
           "input of shape ", shape_str(input.sizes()), " and num_groups=", num_groups);
  FG_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == c), Error,
           "Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape ",
           shape_str(weight.sizes()), " and input of shape ", shape_str(input.sizes()));
  FG_CHECK(!bias.defined() || (bias.dim() == 1 && bias.numel() == c), Error,
           "Expected bias to be a vector of size equal to the number of channels in input, but got bias of shape ",
           shape_str(bias.sizes()), " and input of shape ", shape_str(input.sizes()));
  check_norm_input(input, "GroupNormKernelImpl");
  check_param_dtypes(input, {&weight, &bias});
  const ScalarType dt = input.dtype();
  const ChannelShape cs = channel_shape(input);
  // An empty group's statistics are 0 / 0 (nan), as PyTorch's, so its weight's gradient is nan too.
  const bool none = input.numel() == 0;
  Tensor out = empty(input.sizes(), dt);
  Tensor mean = none ? full({cs.n * num_groups}, Scalar(NAN), dt) : empty({cs.n * num_groups}, dt);
  Tensor rstd = none ? full({cs.n * num_groups}, Scalar(NAN), dt) : empty({cs.n * num_groups}, dt);
  if (!none) {
    Tensor x = dense(input), w = dense_or_none(weight, dt), b = dense_or_none(bias, dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      cpu::group_norm_forward<T>(x.data<T>(), ptr<T>(w), ptr<T>(b), cs.n, cs.c, cs.s, num_groups, eps,
                                     out.data<T>(), mean.data<T>(), rstd.data<T>());
    });
  }
  if (compute_requires_grad({&input, &weight, &bias})) {
    auto node = make_node<NativeGroupNormBackward0>({&input, &weight, &bias}, num_groups, eps, weight.defined(),
                                                    norm_param_shape(weight, bias, c));
    record_norm(node, out, input, weight, {&mean, &rstd});
  }
  return out;
}

}  // namespace fastgrad

// Loss functions: forward and derivative side by side. The fused losses compute their value with raw
// kernels and record one Node with PyTorch's name; the composite ones (cross_entropy) are built from
// public ops, as in PyTorch.
#include <cmath>

#include "common.h"
#include "reduced_float.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {
// Records the loss Node N on `out` when one of `inputs` requires grad, saving `saved` in order (an undefined
// tensor, an absent weight, takes its slot empty).
template <class N, class... Args>
Tensor record_loss(Tensor out, std::initializer_list<const Tensor*> inputs, std::initializer_list<const Tensor*> saved,
                   Args&&... args) {
  if (!compute_requires_grad(inputs)) return out;
  auto node = make_node<N>(inputs, std::forward<Args>(args)...);
  for (const Tensor* t : saved) node->save(*t);
  set_history(out, node);
  return out;
}
}  // namespace

namespace {

Tensor reduce(const Tensor& t, Reduction r) {
  return r == Reduction::None ? t : r == Reduction::Sum ? sum(t) : mean(t);
}

// The gradient of reduce(): g broadcast to the unreduced shape, divided by the count for a mean.
Tensor reduce_backward(const Tensor& g, const Dims& shape, Reduction r) {
  if (r == Reduction::None) return g;
  Tensor e = expand(g, shape);
  return r == Reduction::Sum ? e : div(e, Scalar(static_cast<double>(numel_of(shape))));
}

// torch's refusal for arguments its derivative formulas do not cover (loss weights).
void check_not_requiring_grad(const Tensor& t, const char* op, const char* arg) {
  FG_CHECK(!(t.defined() && t.requires_grad() && GradMode::is_enabled()), Error, "The function '", op,
           "' is not differentiable with respect to argument '", arg, "'. This input cannot have requires_grad True.");
}

void check_floating(const Tensor& t, const char* op, const char* what) {
  FG_CHECK(is_floating(t.dtype()), Error, op, ": expected ", what, " to be a floating point tensor, got ", describe(t));
}

// loss[i] = f(input[i], target[i]) in their promoted floating type, broadcasting (no autograd).
template <class MakeF>
Tensor pointwise_loss(const Tensor& input, const Tensor& target, const char* op, MakeF make) {
  ScalarType rt = result_type(input.dtype(), input.dim(), target.dtype(), target.dim());
  if (!is_floating(rt)) rt = default_dtype();
  return map_binary(cast(input, rt), cast(target, rt), rt, op, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      return make(tag);
    } else {
      return [](T x, T) -> T { return x; };  // never runs: the operands were cast to a float type
    }
  });
}

}  // namespace

// ---- mse_loss ----

struct MseLossBackward0 : NamedNode<MseLossBackward0> {
  static constexpr const char* kName = "MseLossBackward0";
  Reduction reduction;
  explicit MseLossBackward0(Reduction r) : reduction(r) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor diff = sub(saved(0), saved(1));
    Tensor gi = mul(mul(reduce_backward(g[0], diff.sizes(), reduction), diff), 2);
    return {needs_input_grad(0) ? gi : Tensor(), needs_input_grad(1) ? neg(gi) : Tensor()};
  }
};

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), target_ac = autocast_float32(target);
    AutocastOff off;
    return mse_loss(input_ac, target_ac, reduction);
  }
  check_floating(input, "mse_loss", "input");
  Tensor out;
  {
    NoGradGuard guard;
    Tensor diff = sub(input, target);
    out = reduce(mul(diff, diff), reduction);
  }
  return record_loss<MseLossBackward0>(out, {&input, &target}, {&input, &target}, reduction);
}

// ---- smooth_l1_loss / huber_loss ----
// With d = input - target: smooth_l1 = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; its slope is
// clamp(d / beta, -1, 1). huber = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) = delta *
// smooth_l1 with beta = delta; its slope is clamp(d, -delta, delta).

struct SmoothL1LossBackward0 : NamedNode<SmoothL1LossBackward0> {
  static constexpr const char* kName = "SmoothL1LossBackward0";
  Reduction reduction;
  double beta;
  SmoothL1LossBackward0(Reduction r, double b) : reduction(r), beta(b) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor d = sub(saved(0), saved(1));
    // With beta = 0 (plain L1) the slope is sign(d), and 0 at d = 0.
    Tensor slope = beta == 0 ? sub(cast(compare(d, Scalar(0.0), CompareOp::Gt), d.dtype()),
                                   cast(compare(d, Scalar(0.0), CompareOp::Lt), d.dtype()))
                             : clamp(div(d, Scalar(beta)), Scalar(-1.0), Scalar(1.0));
    Tensor gi = mul(reduce_backward(g[0], d.sizes(), reduction), slope);
    return {needs_input_grad(0) ? gi : Tensor(), needs_input_grad(1) ? neg(gi) : Tensor()};
  }
};

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), target_ac = autocast_float32(target);
    AutocastOff off;
    return smooth_l1_loss(input_ac, target_ac, reduction, beta);
  }
  FG_CHECK(beta >= 0, Error, "smooth_l1_loss does not support negative values for beta.");
  Tensor out;
  {
    NoGradGuard guard;
    out = reduce(pointwise_loss(input, target, "smooth_l1_loss",
                                [beta](auto tag) {
                                  using T = decltype(tag);
                                  const T b = static_cast<T>(beta);
                                  return [b](T x, T y) -> T {
                                    const T a = std::abs(x - y);
                                    return a < b ? T(0.5) * a * a / b : a - T(0.5) * b;
                                  };
                                }),
                 reduction);
  }
  return record_loss<SmoothL1LossBackward0>(out, {&input, &target}, {&input, &target}, reduction, beta);
}

struct HuberLossBackward0 : NamedNode<HuberLossBackward0> {
  static constexpr const char* kName = "HuberLossBackward0";
  Reduction reduction;
  double delta;
  HuberLossBackward0(Reduction r, double d) : reduction(r), delta(d) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor d = sub(saved(0), saved(1));
    Tensor gi = mul(reduce_backward(g[0], d.sizes(), reduction), clamp(d, Scalar(-delta), Scalar(delta)));
    return {needs_input_grad(0) ? gi : Tensor(), needs_input_grad(1) ? neg(gi) : Tensor()};
  }
};

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), target_ac = autocast_float32(target);
    AutocastOff off;
    return huber_loss(input_ac, target_ac, reduction, delta);
  }
  FG_CHECK(delta > 0, Error, "huber_loss does not support non-positive values for delta.");
  Tensor out;
  {
    NoGradGuard guard;
    out = reduce(pointwise_loss(input, target, "huber_loss",
                                [delta](auto tag) {
                                  using T = decltype(tag);
                                  const T dl = static_cast<T>(delta);
                                  return [dl](T x, T y) -> T {
                                    const T a = std::abs(x - y);
                                    return a < dl ? T(0.5) * a * a : dl * (a - T(0.5) * dl);
                                  };
                                }),
                 reduction);
  }
  return record_loss<HuberLossBackward0>(out, {&input, &target}, {&input, &target}, reduction, delta);
}

// ---- binary_cross_entropy ----
// loss = -w (y log(x) + (1 - y) log(1 - x)), each log clamped to >= -100 so that x = 0 or 1 stays finite.
// d/dx = w (x - y) / max(x (1 - x), eps); d/dy = w (log(1 - x) - log(x)).

struct BinaryCrossEntropyBackward0 : NamedNode<BinaryCrossEntropyBackward0> {
  static constexpr const char* kName = "BinaryCrossEntropyBackward0";
  Reduction reduction;
  bool has_weight;
  BinaryCrossEntropyBackward0(Reduction r, bool w) : reduction(r), has_weight(w) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), y = saved(1);
    Tensor gr = reduce_backward(g[0], x.sizes(), reduction);
    if (has_weight) gr = mul(gr, saved(2));
    Tensor gx, gy;
    if (needs_input_grad(0)) {
      // torch's epsilon here is the float 1e-12 (9.99999996e-13 as a double); the same one keeps x = 0 or 1 exact.
      Tensor denom = clamp(mul(rsub(x, 1), x), Scalar(static_cast<double>(1e-12f)), std::nullopt);
      gx = mul(gr, div(sub(x, y), denom));
    }
    if (needs_input_grad(1)) gy = mul(gr, sub(log(rsub(x, 1)), log(x)));
    return {gx, gy, Tensor()};
  }
};

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), target_ac = autocast_float32(target), weight_ac = autocast_float32(weight);
    AutocastOff off;
    return binary_cross_entropy(input_ac, target_ac, weight_ac, reduction);
  }
  check_floating(input, "binary_cross_entropy", "input");
  check_not_requiring_grad(weight, "binary_cross_entropy", "weight");
  FG_CHECK(target.dtype() == input.dtype(), Error, "Found dtype ", scalar_type_name(target.dtype()), " but expected ",
           scalar_type_name(input.dtype()));
  FG_CHECK(target.sizes() == input.sizes(), ValueError, "Using a target size (", shape_str(target.sizes()),
           ") that is different to the input size (", shape_str(input.sizes()),
           ") is deprecated. Please ensure "
           "they have the same size.");
  Tensor out;
  {
    NoGradGuard guard;
    Tensor loss = pointwise_loss(input, target, "binary_cross_entropy", [](auto tag) {
      using T = decltype(tag);
      return [](T x, T y) -> T {
        FG_CHECK(x >= T(0) && x <= T(1), Error, "all elements of input should be between 0 and 1");
        const T log_x = std::max(std::log(x), T(-100));
        const T log_1mx = std::max(std::log1p(-x), T(-100));
        return -(y * log_x + (T(1) - y) * log_1mx);
      };
    });
    if (weight.defined()) loss = mul(loss, weight);
    out = reduce(loss, reduction);
  }
  return record_loss<BinaryCrossEntropyBackward0>(out, {&input, &target, &weight}, {&input, &target, &weight},
                                                  reduction, weight.defined());
}

// ---- binary_cross_entropy_with_logits ----
// loss = (1 - y) x + w_log * softplus(-x), with w_log = 1 + (pos_weight - 1) y, computed stably as
// softplus(-x) = -log_sigmoid(x) = max(-x, 0) + log1p(exp(-|x|)) (torch's form: exact at x = -inf, where
// (1 - y) x + inf is inf, not NaN); the whole is multiplied by `weight`.

namespace {
Tensor softplus_neg(const Tensor& x) {  // log(1 + exp(-x)), stable for large |x|
  return add(clamp(neg(x), Scalar(0.0), std::nullopt), log1p(exp(neg(abs(x)))));
}
}  // namespace

struct BinaryCrossEntropyWithLogitsBackward0 : NamedNode<BinaryCrossEntropyWithLogitsBackward0> {
  static constexpr const char* kName = "BinaryCrossEntropyWithLogitsBackward0";
  Reduction reduction;
  bool has_weight, has_pos_weight;
  BinaryCrossEntropyWithLogitsBackward0(Reduction r, bool w, bool pw)
      : reduction(r), has_weight(w), has_pos_weight(pw) {}
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved(0), y = saved(1);
    Tensor weight = has_weight ? saved(2) : Tensor(), pos_weight = has_pos_weight ? saved(3) : Tensor();
    Tensor gr = reduce_backward(g[0], x.sizes(), reduction);
    if (has_weight) gr = mul(gr, weight);
    Tensor gx, gy;
    if (needs_input_grad(0)) {
      // d/dx = sigmoid(x) * (1 + (pw - 1) y) - pw y, which is sigmoid(x) - y without pos_weight.
      Tensor s = sigmoid(x);
      gx = has_pos_weight ? sub(mul(s, add(mul(sub(pos_weight, 1), y), 1)), mul(pos_weight, y)) : sub(s, y);
      gx = mul(gr, gx);
    }
    if (needs_input_grad(1)) {
      // d/dy = -x + (pw - 1) softplus(-x), which is -x without pos_weight.
      gy = has_pos_weight ? sub(mul(sub(pos_weight, 1), softplus_neg(x)), x) : neg(x);
      gy = mul(gr, gy);
    }
    return {gx, gy};
  }
};

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), target_ac = autocast_float32(target), weight_ac = autocast_float32(weight), pos_weight_ac = autocast_float32(pos_weight);
    AutocastOff off;
    return binary_cross_entropy_with_logits(input_ac, target_ac, weight_ac, pos_weight_ac, reduction);
  }
  FG_CHECK(target.sizes() == input.sizes(), ValueError, "Target size (", shape_str(target.sizes()),
           ") must be the same as input size (", shape_str(input.sizes()), ")");
  check_floating(input, "binary_cross_entropy_with_logits", "input");
  check_not_requiring_grad(weight, "binary_cross_entropy_with_logits", "weight");
  check_not_requiring_grad(pos_weight, "binary_cross_entropy_with_logits", "pos_weight");
  Tensor out;
  {
    NoGradGuard guard;
    Tensor sp = softplus_neg(input);
    if (pos_weight.defined()) sp = mul(add(mul(sub(pos_weight, 1), target), 1), sp);
    Tensor loss = add(mul(rsub(target, 1), input), sp);
    if (weight.defined()) loss = mul(loss, weight);
    out = reduce(loss, reduction);
  }
  // weight and pos_weight are not differentiable (checked above)
  return record_loss<BinaryCrossEntropyWithLogitsBackward0>(out, {&input, &target},
                                                            {&input, &target, &weight, &pos_weight}, reduction,
                                                            weight.defined(), pos_weight.defined());
}

// ---- nll_loss ----
// input (C), (N, C) or (N, C, d1, ...); target (), (N) or (N, d1, ...) of class indices. Each element
// contributes -weight[t] * input[n, t, ...]; targets equal to ignore_index contribute nothing and no
// weight. 'mean' divides by the total weight of the counted elements.

namespace {

// The problem seen as (N, C, S): input element (n, c, s) at n*C*S + c*S + s, target element at n*S + s.
struct NllShape {
  int64_t n = 1, c = 1, s = 1;
};

NllShape nll_shape(const Tensor& input) {
  NllShape sh;
  if (input.dim() == 1) {
    sh.c = input.size(0);
    return sh;
  }
  sh.n = input.size(0);
  sh.c = input.size(1);
  for (int64_t d = 2; d < input.dim(); ++d) sh.s *= input.size(d);
  return sh;
}

// The weight of each target element (0 where ignored); checks the targets.
std::vector<double> nll_element_weights(const Tensor& target, const Tensor& weight, int64_t classes,
                                        int64_t ignore_index) {
  Tensor t = dense(target, ScalarType::Int64);
  Tensor w = weight.defined() ? dense(weight, ScalarType::Float64) : Tensor();
  const int64_t* tv = t.data<int64_t>();
  std::vector<double> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (tv[i] == ignore_index) continue;
    FG_CHECK(tv[i] >= 0 && tv[i] < classes, IndexError, "Target ", tv[i], " is out of bounds.");
    out[i] = w.defined() ? w.data<double>()[tv[i]] : 1.0;
  }
  return out;
}

}  // namespace

// Backward of nll_loss: the gradient is -weight[t] (/ total weight for 'mean') at each (n, t, s), times
// the incoming gradient; a constant coefficient tensor times g, so it is differentiable again.
template <class Derived>
struct NllLossBackwardBase : NamedNode<Derived> {
  Reduction reduction;
  int64_t ignore_index;
  double total_weight;
  Dims input_shape;
  ScalarType dtype;
  bool has_weight;
  NllLossBackwardBase(Reduction r, int64_t ii, double tw, Dims shape, ScalarType dt, bool hw)
      : reduction(r), ignore_index(ii), total_weight(tw), input_shape(std::move(shape)), dtype(dt), has_weight(hw) {}

  tensor_list apply(tensor_list&& g) override {
    Tensor target = this->saved(0);
    Tensor weight = has_weight ? this->saved(1) : Tensor();
    Tensor coeff = zeros(input_shape, dtype);
    const NllShape sh = nll_shape(coeff);
    const std::vector<double> w = nll_element_weights(target, weight, sh.c, ignore_index);
    Tensor t = dense(target, ScalarType::Int64);
    const int64_t* tv = t.data<int64_t>();
    const double scale = reduction == Reduction::Mean ? 1.0 / total_weight : 1.0;
    dispatch(dtype, [&](auto tag) {
      using T = decltype(tag);
      T* c = coeff.data<T>();
      for (int64_t n = 0; n < sh.n; ++n)
        for (int64_t s = 0; s < sh.s; ++s) {
          const int64_t i = n * sh.s + s;
          // a zero class weight still counts where the mean divides by a zero total weight: -0 / 0 is NaN, as
          // torch's (ignored targets have no gradient)
          if (w[i] != 0 || (std::isinf(scale) && tv[i] != ignore_index))
            c[n * sh.c * sh.s + tv[i] * sh.s + s] = static_cast<T>(-w[i] * scale);
        }
    });
    Tensor grad = g[0];
    if (reduction == Reduction::None && input_shape.size() >= 2) grad = unsqueeze(grad, 1);  // over the classes
    return {mul(grad, coeff), Tensor(), Tensor()};
  }
};

struct NllLossBackward0 : NllLossBackwardBase<NllLossBackward0> {
  static constexpr const char* kName = "NllLossBackward0";
  using NllLossBackwardBase::NllLossBackwardBase;
};
struct NllLoss2DBackward0 : NllLossBackwardBase<NllLoss2DBackward0> {
  static constexpr const char* kName = "NllLoss2DBackward0";
  using NllLossBackwardBase::NllLossBackwardBase;
};

namespace {

void check_nll_args(const Tensor& input, const Tensor& target, const Tensor& weight) {
  FG_CHECK(input.dim() > 0, ValueError, "Expected 1 or more dimensions (got ", input.dim(), ")");
  FG_CHECK(input.dim() == 1 || input.size(0) == (target.dim() > 0 ? target.size(0) : 1), ValueError,
           "Expected input batch_size (", input.size(0), ") to match target batch_size (",
           target.dim() > 0 ? target.size(0) : 1, ").");
  if (input.dim() <= 2) {
    FG_CHECK(target.dim() <= 1, Error, "0D or 1D target tensor expected, multi-target not supported");
    const bool no_batch = input.dim() == 1 && target.dim() == 0;
    FG_CHECK(no_batch || input.size(0) == target.size(0), Error, "size mismatch (got input: ", shape_str(input.sizes()),
             ", target: ", shape_str(target.sizes()), ")");
  } else {
    Dims expected{input.size(0)};
    for (int64_t d = 2; d < input.dim(); ++d) expected.push_back(input.size(d));
    FG_CHECK(target.sizes() == expected, Error, "Expected target size ", shape_str(expected), ", got ",
             shape_str(target.sizes()));
  }
  FG_CHECK(target.dtype() == ScalarType::Int64, Error, "expected target dtype to be Long or Byte, but got ",
           scalar_type_name(target.dtype()));
  const int64_t classes = input.size(input.dim() == 1 ? 0 : 1);
  FG_CHECK(!weight.defined() || weight.numel() == classes, Error, "weight tensor should be defined either for all ",
           classes, " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  FG_CHECK(!weight.defined() || weight.dtype() == input.dtype(), Error, "expected scalar type ",
           scalar_type_name(input.dtype()), " but found ", scalar_type_name(weight.dtype()));
  check_not_requiring_grad(weight, input.dim() <= 2 ? "nll_loss_forward" : "nll_loss2d_forward", "weight");
  FG_CHECK(is_floating(input.dtype()), NotImplementedError,
           input.dim() <= 2 ? "\"nll_loss_out_frame\"" : "\"nll_loss2d_forward_out_frame\"", " not implemented for '",
           scalar_type_name(input.dtype()), "'");
}

// The fused op on (C), (N, C) or (N, C, H, W) input.
Tensor nll_loss_fused(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                      int64_t ignore_index) {
  const NllShape sh = nll_shape(input);
  const std::vector<double> w = nll_element_weights(target, weight, sh.c, ignore_index);
  Tensor x = cast(input, ScalarType::Float64, /*force_copy=*/true);
  Tensor t = dense(target, ScalarType::Int64);
  const double* xv = x.data<double>();
  const int64_t* tv = t.data<int64_t>();
  Tensor losses = zeros(target.sizes(), ScalarType::Float64);
  double* lv = losses.data<double>();
  double total = 0, total_weight = 0;
  for (int64_t n = 0; n < sh.n; ++n)
    for (int64_t s = 0; s < sh.s; ++s) {
      const int64_t i = n * sh.s + s;
      if (w[i] == 0) continue;  // ignored (or zero weight): contributes 0
      lv[i] = -w[i] * xv[n * sh.c * sh.s + tv[i] * sh.s + s];
      total += lv[i];
      total_weight += w[i];
    }
  Tensor out;
  if (reduction == Reduction::None) out = cast(losses, input.dtype());
  else if (reduction == Reduction::Sum) out = scalar_tensor(Scalar(total), input.dtype());
  else out = scalar_tensor(Scalar(total / total_weight), input.dtype());  // 0 / 0 = nan when nothing counts
  if (compute_requires_grad({&input, &target, &weight})) {
    std::shared_ptr<Node> node;
    if (input.dim() <= 2)
      node = make_node<NllLossBackward0>({&input, &target, &weight}, reduction, ignore_index, total_weight,
                                         input.sizes(), input.dtype(), weight.defined());
    else
      node = make_node<NllLoss2DBackward0>({&input, &target, &weight}, reduction, ignore_index, total_weight,
                                           input.sizes(), input.dtype(), weight.defined());
    node->save(target);
    if (weight.defined()) node->save(weight);
    set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), weight_ac = autocast_float32(weight);
    AutocastOff off;
    return nll_loss(input_ac, target, weight_ac, reduction, ignore_index);
  }
  check_nll_args(input, target, weight);
  if (is_reduced_float(input.dtype()))  // Note [Half-precision ops]
    return in_float32({input, target, weight}, input.dtype(),
                      [reduction, ignore_index](const tensor_list& a) {
                        return nll_loss(a[0], a[1], a[2], reduction, ignore_index);
                      });
  if (input.dim() <= 2 || input.dim() == 4) return nll_loss_fused(input, target, weight, reduction, ignore_index);
  // Like PyTorch, other spatial ranks go through the 2-D kernel as (N, C, 1, d1 * d2 * ...).
  const int64_t n = input.size(0), c = input.size(1);
  int64_t rest = 1;  // (not -1 in the reshape: an empty batch would leave it ambiguous)
  for (int64_t d = 2; d < input.dim(); ++d) rest *= input.size(d);
  Tensor out =
      nll_loss_fused(reshape(input, {n, c, 1, rest}), reshape(target, {n, 1, rest}), weight, reduction, ignore_index);
  return reduction == Reduction::None ? view(out, target.sizes()) : out;
}

// ---- cross_entropy ----

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]
    const Tensor input_ac = autocast_float32(input), target_ac = autocast_float32(target), weight_ac = autocast_float32(weight);
    AutocastOff off;
    return cross_entropy(input_ac, target_ac, weight_ac, reduction, ignore_index, label_smoothing);
  }
  FG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, Error,
           "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  FG_CHECK(input.dim() > 0, ValueError, "Expected 1 or more dimensions (got ", input.dim(), ")");
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  FG_CHECK(!weight.defined() || weight.numel() == classes, Error, "weight tensor should be defined either for all ",
           classes, " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  // The weight seen along the class dimension: (C) or (1, C, 1, ...).
  auto weight_view = [&] {
    Dims shape(static_cast<size_t>(input.dim()), 1);
    shape[class_dim] = classes;
    return view(weight, shape);
  };

  if (input.sizes() == target.sizes()) {
    // Class probabilities: -sum(log_softmax(input) * target * weight) over classes.
    FG_CHECK(is_floating(target.dtype()), Error,
             "Expected floating point type for target with class probabilities, "
             "got ",
             scalar_type_name(target.dtype()));
    FG_CHECK(ignore_index < 0, Error, "ignore_index is not supported for floating point target");
    Tensor logp = log_softmax(input, class_dim);
    Tensor tgt =
        label_smoothing > 0 ? add(mul(target, Scalar(1 - label_smoothing)), Scalar(label_smoothing / classes)) : target;
    Tensor prod = mul(logp, tgt);
    if (weight.defined()) prod = mul(prod, weight_view());
    if (reduction == Reduction::None) return neg(sum(prod, {class_dim}));
    Tensor total = neg(sum(prod));
    if (reduction == Reduction::Sum) return total;
    // The mean over all but the class dimension (nan for an empty batch).
    return div_by_number(total, Scalar(static_cast<double>(input.numel()) / static_cast<double>(classes)));
  }

  Tensor logp = log_softmax(input, class_dim);
  Tensor nll = nll_loss(logp, target, weight, reduction, ignore_index);
  if (label_smoothing == 0) return nll;

  // Label smoothing with class indices: mix the nll with the loss against the uniform distribution,
  // -sum(log_softmax * weight) over classes, which ignored targets do not count.
  Tensor smooth = neg(sum(weight.defined() ? mul(logp, weight_view()) : logp, {class_dim}));
  Tensor keep = cast(compare(target, Scalar(ignore_index), CompareOp::Ne), logp.dtype());
  // masked, not multiplied by `keep`: an ignored target's gradient is 0 even when the mean divides by 0
  smooth = masked_fill(smooth, compare(target, Scalar(ignore_index), CompareOp::Eq), Scalar(0.0));
  Tensor ret;
  if (reduction == Reduction::None) {
    ret = smooth;
  } else if (reduction == Reduction::Sum) {
    ret = sum(smooth);
  } else {
    double denom = 0;
    const std::vector<double> w = nll_element_weights(target, weight, classes, ignore_index);
    for (double v : w) denom += v;
    if (!weight.defined()) {  // the number of counted targets (a zero weight can only come from `weight`)
      denom = 0;
      Tensor k = dense(keep, ScalarType::Float64);
      for (int64_t i = 0; i < k.numel(); ++i) denom += k.data<double>()[i];
    }
    ret = div(sum(smooth), Scalar(denom));
  }
  return add(mul(nll, Scalar(1 - label_smoothing)), mul(ret, Scalar(label_smoothing / classes)));
}

}  // namespace fastgrad

// Loss functions: forward and derivative side by side.
#include "common.h"

namespace fastgrad {

Reduction reduction_from_string(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  throw ValueError(s + " is not a valid value for reduction");
}

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

void check_floating(const Tensor& t, const char* op, const char* what) {
  FG_CHECK(is_floating(t.dtype()), Error, op, ": expected ", what, " to be a floating point tensor, got ",
           describe(t));
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
  check_floating(input, "mse_loss", "input");
  Tensor out;
  {
    NoGradGuard guard;
    Tensor diff = sub(input, target);
    out = reduce(mul(diff, diff), reduction);
  }
  if (compute_requires_grad({&input, &target})) {
    auto node = make_node<MseLossBackward0>({&input, &target}, reduction);
    node->save(input);
    node->save(target);
    set_history(out, node);
  }
  return out;
}

// ---- binary_cross_entropy_with_logits ----
// loss = (1 - y) x + w_log * softplus(-x), with w_log = 1 + (pos_weight - 1) y, computed stably as
// softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)); the whole is multiplied by `weight`.

namespace {
Tensor softplus_neg(const Tensor& x) {  // log(1 + exp(-x)), stable for large |x|
  Tensor m = clamp(neg(x), Scalar(0.0), std::nullopt);
  return add(m, log(add(exp(neg(m)), exp(sub(neg(x), m)))));
}
}  // namespace

struct BinaryCrossEntropyWithLogitsBackward0 : NamedNode<BinaryCrossEntropyWithLogitsBackward0> {
  static constexpr const char* kName = "BinaryCrossEntropyWithLogitsBackward0";
  Reduction reduction;
  bool has_weight, has_pos_weight;
  BinaryCrossEntropyWithLogitsBackward0(Reduction r, bool w, bool pw) : reduction(r), has_weight(w), has_pos_weight(pw) {}
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
    return {gx, gy, Tensor(), Tensor()};
  }
};

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  FG_CHECK(target.sizes() == input.sizes(), ValueError, "Target size (", shape_str(target.sizes()),
           ") must be the same as input size (", shape_str(input.sizes()), ")");
  check_floating(input, "binary_cross_entropy_with_logits", "input");
  Tensor out;
  {
    NoGradGuard guard;
    Tensor sp = softplus_neg(input);
    if (pos_weight.defined()) sp = mul(add(mul(sub(pos_weight, 1), target), 1), sp);
    Tensor loss = add(mul(rsub(target, 1), input), sp);
    if (weight.defined()) loss = mul(loss, weight);
    out = reduce(loss, reduction);
  }
  if (compute_requires_grad({&input, &target, &weight, &pos_weight})) {
    auto node = make_node<BinaryCrossEntropyWithLogitsBackward0>({&input, &target, &weight, &pos_weight}, reduction,
                                                                weight.defined(), pos_weight.defined());
    node->save(input);
    node->save(target);
    node->save(weight);
    node->save(pos_weight);
    set_history(out, node);
  }
  return out;
}

}  // namespace fastgrad

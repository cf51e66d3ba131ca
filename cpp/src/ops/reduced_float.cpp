// Half-precision inputs of ops without a float16/bfloat16 kernel: Note [Half-precision ops] in reduced_float.h.
#include "reduced_float.h"

#include "element.h"
#include "fastgrad/autograd.h"
#include "fastgrad/ops.h"
#include "record.h"

namespace fastgrad {

bool any_reduced_float(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t && t->defined() && is_reduced_float(t->dtype())) return true;
  return false;
}

ScalarType reduced_dtype_of(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t && t->defined() && is_reduced_float(t->dtype())) return t->dtype();
  return ScalarType::Float32;
}

namespace {

// The float32 results rounded to dtype; other results as they are.
tensor_list round_results(const tensor_list& outs, ScalarType dtype) {
  tensor_list r;
  r.reserve(outs.size());
  for (const Tensor& o : outs)
    r.push_back(o.defined() && o.dtype() == ScalarType::Float32 ? cast(o.detach(), dtype, /*force_copy=*/true) : o);
  return r;
}

void copy_back(const tensor_list& inputs, const tensor_list& copies, const std::vector<size_t>& write_back) {
  NoGradGuard no_grad;
  for (size_t i : write_back)
    if (i < inputs.size() && inputs[i].defined() && !copies[i].is_same(inputs[i])) {
      Tensor dst = inputs[i];
      copy_(dst, copies[i]);
    }
}

// The Node of a float32 region (Note [Half-precision ops]): named after the op's own Node. Its outputs (slots)
// are the region's floating results, in order.
struct Float32RegionBackward : Node {
  std::string inner_name;
  tensor_list inner_outputs, inner_inputs;  // the recorded float32 graph: its outputs and its (leaf) inputs
  tensor_list fixed_inputs;                 // inputs written in place: a float32 copy, used as they are
  std::vector<ScalarType> input_dtypes;
  std::vector<bool> input_defined;
  std::vector<size_t> slot_output;          // output slot -> index of the op's result
  ScalarType dtype = ScalarType::Float32;
  std::function<tensor_list(const tensor_list&)> fn;

  std::string name() const override { return inner_name; }

  void release_saved() override {
    Node::release_saved();
    inner_outputs.clear();
    inner_inputs.clear();
    fixed_inputs.clear();
    fn = nullptr;
  }

  tensor_list apply(tensor_list&& grads) override {
    const size_t n_in = input_dtypes.size();
    tensor_list result(n_in);
    std::vector<size_t> want;  // inputs that need a gradient
    for (size_t i = 0; i < n_in; ++i)
      if (needs_input_grad(i)) want.push_back(i);
    if (want.empty()) return result;
    FG_CHECK(fn, Error,
             "Trying to backward through the graph a second time (or directly access saved tensors after they have "
             "already been freed). Specify retain_graph=True if you need to backward through the graph a second "
             "time or if you need to access saved tensors after calling backward.");
    tensor_list sel_out, sel_grad, sel_in;
    if (GradMode::is_enabled()) {  // create_graph: run the op again through the differentiable conversions
      tensor_list originals(n_in), converted(n_in);
      size_t k = 0;
      for (size_t i = 0; i < n_in; ++i) {
        if (!input_defined[i]) continue;
        if (fixed_inputs[i].defined()) {
          converted[i] = clone(fixed_inputs[i]);
          continue;
        }
        originals[i] = saved(k++);
        converted[i] = is_reduced_float(originals[i].dtype()) ? to_dtype(originals[i], ScalarType::Float32)
                                                              : originals[i];
      }
      tensor_list outs = fn(converted);
      for (size_t s = 0; s < slot_output.size() && s < grads.size(); ++s) {
        const Tensor& o = outs[slot_output[s]];
        if (grads[s].defined() && o.defined() && o.requires_grad()) {
          sel_out.push_back(o.dtype() == ScalarType::Float32 ? to_dtype(o, dtype) : o);
          sel_grad.push_back(grads[s]);
        }
      }
      if (sel_out.empty()) return result;
      for (size_t i : want) sel_in.push_back(originals[i]);
      tensor_list g = grad(sel_out, sel_in, sel_grad, /*retain_graph=*/true, /*create_graph=*/true,
                           /*allow_unused=*/true);
      for (size_t j = 0; j < want.size(); ++j) result[want[j]] = g[j];
      return result;
    }
    for (size_t s = 0; s < slot_output.size() && s < grads.size(); ++s) {
      const Tensor& o = inner_outputs[slot_output[s]];
      if (grads[s].defined() && o.defined() && o.requires_grad()) {
        sel_out.push_back(o);
        sel_grad.push_back(grads[s].dtype() == o.dtype() ? grads[s] : cast(grads[s], o.dtype()));
      }
    }
    if (sel_out.empty()) return result;
    for (size_t i : want) sel_in.push_back(inner_inputs[i]);
    tensor_list g = grad(sel_out, sel_in, sel_grad, /*retain_graph=*/true, /*create_graph=*/false,
                         /*allow_unused=*/true);
    for (size_t j = 0; j < want.size(); ++j) {
      const size_t i = want[j];
      result[i] = g[j].defined() && g[j].dtype() != input_dtypes[i] ? cast(g[j], input_dtypes[i]) : g[j];
    }
    return result;
  }
};

}  // namespace

tensor_list run_in_float32(const tensor_list& inputs, ScalarType dtype,
                           std::function<tensor_list(const tensor_list&)> fn, std::vector<size_t> write_back) {
  bool needs_grad = false;
  if (GradMode::is_enabled())
    for (const Tensor& t : inputs) needs_grad = needs_grad || (t.defined() && t.requires_grad());
  tensor_list copies(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined()) continue;
    if (is_reduced_float(t.dtype())) copies[i] = cast(t.detach(), ScalarType::Float32, /*force_copy=*/true);
    else copies[i] = needs_grad ? t.detach() : t;
    if (needs_grad && t.requires_grad()) copies[i].set_requires_grad(true);
  }
  tensor_list outs = fn(copies);
  copy_back(inputs, copies, write_back);
  tensor_list results = round_results(outs, dtype);
  if (!needs_grad) return results;
  auto node = std::make_shared<Float32RegionBackward>();
  for (const Tensor& o : outs)
    if (o.defined() && o.requires_grad() && o.grad_fn()) {
      node->inner_name = o.grad_fn()->name();
      break;
    }
  if (node->inner_name.empty()) return results;  // nothing differentiable came out
  node->dtype = dtype;
  node->fn = std::move(fn);
  node->reserve_next_edges(inputs.size());
  node->fixed_inputs.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    node->add_next_edge(t.defined() && t.requires_grad() ? gradient_edge(t) : Edge{});
    node->input_dtypes.push_back(t.defined() ? t.dtype() : ScalarType::Float32);
    node->input_defined.push_back(t.defined());
    if (!t.defined()) continue;
    bool fixed = false;
    for (size_t w : write_back) fixed = fixed || w == i;
    if (fixed) node->fixed_inputs[i] = clone(copies[i].detach());
    else node->save(t);
  }
  node->inner_inputs = copies;
  node->inner_outputs = outs;
  for (size_t j = 0; j < results.size(); ++j)
    if (results[j].defined() && is_floating(results[j].dtype()) && outs[j].requires_grad()) {
      node->slot_output.push_back(j);
      set_history(results[j], node);
    }
  return results;
}

}  // namespace fastgrad

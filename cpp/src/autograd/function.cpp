#include "fastgrad/function.h"

namespace fastgrad {

tensor_list AutogradContext::saved_tensors() const {
  FG_CHECK(node_, Error, "saved_tensors is only available in backward");
  tensor_list out;
  for (size_t i = 0; i < node_->num_saved(); ++i) out.push_back(node_->saved(i));
  return out;
}

tensor_list CppFunctionNode::apply(tensor_list&& grads) {
  for (uint32_t i = 0; i < grads.size(); ++i)
    if (!grads[i].defined()) grads[i] = grad_or_zeros(grads, i);
  ctx.node_ = this;
  tensor_list result = backward_(ctx, grads);
  ctx.node_ = nullptr;
  FG_CHECK(result.size() == next_edges().size(), Error, "function ", name(), " returned an incorrect number of ",
           "gradients (expected ", next_edges().size(), ", got ", result.size(), ")");
  return result;
}

}  // namespace fastgrad

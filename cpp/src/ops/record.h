// Internal, for the op files: recording Nodes. (Recording helpers for elementwise ops, record_unary and the
// derivative table, are in elementwise.h.)
#pragma once

#include <string>

#include "fastgrad/autograd.h"
#include "fastgrad/node.h"

namespace fastgrad {

// A Node whose name is fixed at compile time: `struct MulBackward0 : NamedNode<MulBackward0> {...}` with
// `static constexpr const char* kName = "MulBackward0";`.
template <class Derived>
struct NamedNode : Node {
  std::string name() const override { return Derived::kName; }
};

// Outputs of a view op that returns several views (unbind, split, chunk) may not be written in place
// under autograd (See Note [Differentiable views]); views made in no-grad mode keep that mark instead.
inline void mark_multi_output_views(tensor_list& views) {
  if (!GradMode::is_enabled()) return;
  for (Tensor& v : views) v->set_view_creation(TensorImpl::ViewCreation::MultiOutput);
}

}  // namespace fastgrad

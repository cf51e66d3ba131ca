// The in-place protocol (inplace.h, Note [In-place ops]).
#include "inplace.h"

namespace fastgrad {

void check_autograd_dtype(const Tensor& t, std::optional<ScalarType> dtype) {
  FG_CHECK(!dtype || is_floating(*dtype) || !compute_requires_grad({&t}), Error,
           "Autograd not support dtype: ", scalar_type_name(*dtype));
}

void check_inplace_write(const Tensor& self, const char* op, bool may_overlap) {
  // Only a dimension of size > 1 with stride 0 makes two elements share memory; a tensor with no elements
  // never overlaps itself, whatever its strides (NumPy gives 0-size arrays all-zero strides).
  const bool empty = self.numel() == 0;
  for (int64_t d = 0; d < self.dim() && !empty && !may_overlap; ++d)
    FG_CHECK(self.strides()[d] != 0 || self.sizes()[d] <= 1, Error,
             "unsupported operation: more than one element of the written-to tensor refers to a single memory "
             "location. Please clone() the tensor before performing the operation. (",
             op, " on an expanded tensor ", "of shape ", describe(self), ")");
  FG_CHECK(!self->is_inference() || InferenceMode::is_enabled(), Error,
           "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a "
           "normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details.");
  self.storage()->note_inplace(op);  // named by version-counter errors (SavedTensor::unpack)
}

void check_inplace(const Tensor& self, const char* op, bool others_require_grad, bool may_overlap) {
  check_inplace_write(self, op, may_overlap);
  if (GradMode::is_enabled()) {
    // See Note [Differentiable views]: as in PyTorch, a view whose base requires grad counts as requiring
    // grad here, even when it was made without history.
    if (self->view_base() && (others_require_grad || self.requires_grad() || Tensor(self->view_base()).requires_grad()))
      check_view_inplace(self, op);
    FG_CHECK(!(self.is_leaf() && self.requires_grad()), Error,
             "a leaf Variable that requires grad is being used in an in-place operation. (", op,
             " on a tensor of shape ", describe(self), ")");
  }
}

void check_inplace_result(const Tensor& self, const Dims& result_shape, ScalarType result_dtype, const char* op) {
  FG_CHECK(result_shape == self.sizes(), Error, op, ": output with shape ", shape_str(self.sizes()),
           " doesn't match the broadcast shape ", shape_str(result_shape));
  FG_CHECK(can_cast(result_dtype, self.dtype()), Error, op, ": result type ", scalar_type_name(result_dtype),
           " can't be cast to the desired output type ", scalar_type_name(self.dtype()));
}

Tensor inplace_snapshot(const Tensor& self, bool copy_data) {
  if (self->view_base()) self.grad_fn();  // a stale view's history is regenerated first
  Tensor snap = copy_data ? cast(self, self.dtype(), /*force_copy=*/true) : self.detach();
  if (auto* m = self->autograd()) {
    auto& sm = snap->ensure_autograd();
    sm.grad_fn = m->grad_fn;
    sm.output_nr = m->output_nr;
  }
  return snap;
}

Tensor& inplace_commit(Tensor& self, const Tensor& result) {
  copy_into(self, result);
  self.bump_version();
  if (result.grad_fn() && self->view_base()) {
    rebase_view_history(self, result.grad_fn());
  } else if (result.grad_fn()) {
    auto& m = self->ensure_autograd();
    m.grad_fn = result.grad_fn();
    m.output_nr = result.output_nr();
  }
  return self;
}

}  // namespace fastgrad

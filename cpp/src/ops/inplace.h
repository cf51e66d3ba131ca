// Internal, for the op files: the in-place protocol (Note [In-place ops]).
#pragma once

#include "element.h"
#include "fastgrad/autograd.h"
#include "fastgrad/node.h"

namespace fastgrad {

// Note [In-place ops]
// An in-place op first checks that it may write into `self` (not a leaf that requires grad while grad
// mode is on; the result's shape and dtype fit self). Without autograd it writes straight into self.
// With autograd it computes the out-of-place result from a snapshot of self that carries self's history,
// copies the result into self, and makes self the output of the result's Node: self's history is rebased
// onto the new Node, exactly as if the op had been out of place. When self is a view, its base's history is
// rebased instead, onto a CopySlices Node around the result's Node (See Note [Differentiable views]).
// `others_require_grad`: another input of the op requires grad (a view may then not be written in place
// even when it does not require grad itself; see Note [Differentiable views]).
// `may_overlap`: the op writes the same number to every element (fill_, zero_) or writes no data (t_,
// unsqueeze_, ...), so self may be an expanded tensor whose elements share memory, as in PyTorch. fill_ and
// zero_ pass it only when nothing is recorded: PyTorch accepts the write but its backward then raises the
// overlap error, which fastgrad raises at the write instead (docs/differences.md).
void check_inplace(const Tensor& self, const char* op, bool others_require_grad = false, bool may_overlap = false);
// The part of check_inplace that does not depend on autograd: the memory-overlap and inference-tensor checks.
void check_inplace_write(const Tensor& self, const char* op, bool may_overlap = false);
// A reduction or scan with dtype= (sum, prod, cumsum, cumprod): PyTorch's autograd refuses a non-floating
// dtype for an input that requires grad, before the kernel runs ("Autograd not support dtype: Long").
void check_autograd_dtype(const Tensor& t, std::optional<ScalarType> dtype);
void check_inplace_result(const Tensor& self, const Dims& result_shape, ScalarType result_dtype, const char* op);
// Self's current value and history, as the input of the out-of-place op (data copied when `copy_data`,
// because the op saves it and self is about to change).
Tensor inplace_snapshot(const Tensor& self, bool copy_data);
// Copies `result` into self, bumps the version and rebases self's history onto result's Node (for a view,
// the base's history, through CopySlices: rebase_history in node.h).
Tensor& inplace_commit(Tensor& self, const Tensor& result);
// rebase_history for a Node that already describes self as its output `output_nr` (autograd/copy_slices.cpp).
void rebase_view_history(Tensor& view, const std::shared_ptr<Node>& fn);

// The whole in-place protocol (Note [In-place ops]) for `self = out_of_place(self)`, where `others` are the
// op's other tensor inputs (undefined ones are skipped) and `result` the dtype the out-of-place op would
// produce. Set `saves_self` when the out-of-place op's Node saves its `self` input (mul saves it for
// other's gradient).
template <class OutOfPlace>
Tensor& inplace_nary(Tensor& self, std::initializer_list<const Tensor*> others, ScalarType result, const char* op,
                     bool saves_self, OutOfPlace out_of_place) {
  bool others_grad = false;
  for (const Tensor* o : others) others_grad = others_grad || compute_requires_grad({o});
  check_inplace(self, op, others_grad);
  Dims shape = self.sizes();
  for (const Tensor* o : others)
    if (o && o->defined()) shape = broadcast_shapes(shape, o->sizes(), op);
  const bool needs_grad = others_grad || compute_requires_grad({&self});
  check_inplace_result(self, shape, result, op);
  if (needs_grad) return inplace_commit(self, out_of_place(inplace_snapshot(self, saves_self)));
  Tensor r;
  {
    NoGradGuard guard;
    r = out_of_place(self);
  }
  copy_into(self, r);
  self.bump_version();
  return self;
}

// An in-place op that is not differentiable and leaves self's history as it was (logical_and_/or_/xor_/not_,
// as in PyTorch): no leaf or view check, nothing recorded; self, even a leaf that requires grad, keeps its
// requires_grad and grad_fn, and only its version is bumped.
template <class OutOfPlace>
Tensor& inplace_untracked(Tensor& self, const Tensor* other, ScalarType result, const char* op,
                          OutOfPlace out_of_place) {
  check_inplace_write(self, op);
  Dims shape = self.sizes();
  if (other && other->defined()) shape = broadcast_shapes(shape, other->sizes(), op);
  check_inplace_result(self, shape, result, op);
  Tensor r;
  {
    NoGradGuard guard;
    r = out_of_place(self.detach());
  }
  copy_into(self, r);
  self.bump_version();
  return self;
}

// The common case: one other tensor input (or none, for `self op= number`).
template <class OutOfPlace>
Tensor& inplace_binary(Tensor& self, const Tensor* other, ScalarType result, const char* op, bool saves_self,
                       OutOfPlace out_of_place) {
  return inplace_nary(self, {other}, result, op, saves_self, out_of_place);
}

}  // namespace fastgrad

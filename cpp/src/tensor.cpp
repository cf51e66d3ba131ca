#include "fastgrad/tensor.h"

#include <cstdint>

#include "fastgrad/autograd.h"
#include "fastgrad/node.h"
#include "autograd/release.h"

namespace fastgrad {

namespace {
// The number of elements of a shape, refused as PyTorch refuses it when a product of its leading sizes leaves
// int64 (expand(2**40, 2**40, 0) included), so that no view's numel overflows. Negative sizes are not shapes:
// their callers report them.
int64_t checked_numel(const Dims& sizes) {
  uint64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) {
    if (s < 0) return numel_of(sizes);
    overflow = overflow || __builtin_mul_overflow(n, static_cast<uint64_t>(s), &n);
  }
  FG_CHECK(!overflow && n <= static_cast<uint64_t>(INT64_MAX), Error, "numel: integer multiplication overflow");
  return static_cast<int64_t>(n);
}
}  // namespace

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, Dims sizes, Dims strides, int64_t offset, ScalarType dtype)
    : sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      offset_(offset),
      dtype_(dtype),
      inference_(InferenceMode::is_enabled()),
      storage_(std::move(storage)) {
  refresh();
}

TensorImpl::~TensorImpl() {
  // See Note [No recursion in destruction]: the grad_fn may head a long chain of Nodes.
  if (autograd_ && autograd_->grad_fn) release_node(std::move(autograd_->grad_fn));
}

AutogradMeta& TensorImpl::ensure_autograd() {
  if (!autograd_) autograd_.reset(new AutogradMeta);  // default-initialised: no zero fill before the member initialisers
  return *autograd_;
}

void TensorImpl::set_sizes_and_strides(Dims sizes, Dims strides, int64_t offset) {
  checked_numel(sizes);  // before anything changes
  sizes_ = std::move(sizes);
  strides_ = std::move(strides);
  offset_ = offset;
  refresh();
}

void TensorImpl::refresh() {
  numel_ = checked_numel(sizes_);
  // Contiguous in PyTorch's sense: row-major, ignoring the strides of size-1 dimensions.
  contiguous_ = true;
  int64_t expected = 1;
  for (size_t i = sizes_.size(); i-- > 0;) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) {
      contiguous_ = numel_ == 0;
      break;
    }
    expected *= sizes_[i];
  }
}

// ---- creation ----

Tensor empty(const Dims& sizes, ScalarType dtype) {
  uint64_t numel = 1;
  bool overflow = false;
  for (int64_t s : sizes) {
    FG_CHECK(s >= 0, Error, "Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes));
    overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(s), &numel);
  }
  uint64_t nbytes = 0;
  overflow = overflow || __builtin_mul_overflow(numel, static_cast<uint64_t>(element_size(dtype)), &nbytes) ||
             nbytes > static_cast<uint64_t>(INT64_MAX);
  FG_CHECK(!overflow, Error, "Storage size calculation overflowed with sizes=", shape_str(sizes));
  return Tensor(std::make_shared<TensorImpl>(Storage::allocate(nbytes), sizes, contiguous_strides(sizes), 0, dtype));
}

namespace {
// A view is an inference tensor exactly when its base is (as in PyTorch), whatever the mode it is made in:
// TensorImpl's constructor reads the mode, so the mode is set to the base's flag around it.
struct InferenceFlagScope {
  bool prev = InferenceMode::is_enabled();
  explicit InferenceFlagScope(bool flag) { InferenceMode::set_enabled(flag); }
  ~InferenceFlagScope() { InferenceMode::set_enabled(prev); }
};
}  // namespace

Tensor make_view(const Tensor& base, Dims sizes, Dims strides, int64_t offset) {
  std::shared_ptr<TensorImpl> impl;
  {
    InferenceFlagScope scope(base->is_inference());
    impl = std::make_shared<TensorImpl>(base.storage(), std::move(sizes), std::move(strides), offset, base.dtype());
  }
  const auto& root = base->view_base();
  impl->set_view_base(root ? root : base.impl());
  // See Note [Differentiable views].
  impl->set_view_version(impl->storage()->version());
  if (!GradMode::is_enabled()) impl->set_view_creation(TensorImpl::ViewCreation::NoGradMode);
  return Tensor(std::move(impl));
}

Tensor make_alias(const Tensor& base, ScalarType dtype, Dims sizes, Dims strides, int64_t offset) {
  InferenceFlagScope scope(base->is_inference());
  return Tensor(std::make_shared<TensorImpl>(base.storage(), std::move(sizes), std::move(strides), offset, dtype));
}

Tensor from_blob(void* data, const Dims& sizes, const Dims& strides, ScalarType dtype, Storage::Deleter deleter,
                 void* context) {
  int64_t extent = 1;  // elements spanned, to size the storage
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) {
      extent = 0;
      break;
    }
    extent += (sizes[i] - 1) * strides[i];
  }
  auto storage = Storage::wrap(data, static_cast<size_t>(extent) * element_size(dtype), deleter, context);
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), sizes, strides, 0, dtype));
}

// ---- Tensor handle ----

namespace {
// See Note [Differentiable views]. requires_grad(), is_leaf() and output_nr() look at a stale view's
// regenerated history but, as in PyTorch, only grad_fn() (and so recording a new op) raises for views that
// may not be rebased (made in no-grad mode or as one of several outputs).
bool quiet_refresh_due(const TensorImpl& t) {
  return t.view_is_stale() && t.view_creation() == TensorImpl::ViewCreation::Default;
}
}  // namespace

void Tensor::throw_undefined_tensor(const char* what) {
  throw Error(detail::concat(what, "() called on an undefined Tensor (a default-constructed fastgrad::Tensor "
                                   "holds no data; create it with a factory such as zeros or tensor)"));
}

void throw_data_type_mismatch(ScalarType expected, ScalarType found) {
  throw TypeError(detail::concat("data<T>(): expected scalar type ", scalar_type_name(expected), " but found ",
                                 scalar_type_name(found), " (T must be the C++ type of the tensor's dtype ",
                                 dtype_name(found), ")"));
}

int64_t Tensor::size(int64_t d) const { return checked_impl(__func__)->sizes()[wrap_existing_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return checked_impl(__func__)->strides()[wrap_existing_dim(d, dim(), "stride")]; }

Scalar Tensor::item() const {
  FG_CHECK(numel() == 1, Error, "a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return dispatch_all(dtype(), [&](auto tag) -> Scalar {
    using T = decltype(tag);
    T v = *data<T>();
    if constexpr (std::is_same_v<T, bool>) return Scalar(v);
    else if constexpr (std::is_integral_v<T>) return Scalar(static_cast<int64_t>(v));
    else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return Scalar(static_cast<float>(v));
    else return Scalar(static_cast<double>(v));
  });
}

void throw_not_implemented_for(ScalarType dtype) {
  FG_CHECK(false, NotImplementedError, "\"cpu\" not implemented for '", scalar_type_name(dtype), "'");
  __builtin_unreachable();
}

bool Tensor::requires_grad() const {
  if (quiet_refresh_due(*checked_impl(__func__))) refresh_view_grad_fn(*this);
  auto* m = checked_impl(__func__)->autograd();
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::set_requires_grad(bool requires_grad) {
  FG_CHECK(is_leaf() || requires_grad, Error,
           "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in "
           "a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
  FG_CHECK(!requires_grad || is_floating(dtype()), Error,
           "Only Tensors of floating point and complex dtype can require gradients (got ", dtype_name(dtype()), ")");
  FG_CHECK(!requires_grad || !checked_impl(__func__)->is_inference() || InferenceMode::is_enabled(), Error,
           "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.");
  if (requires_grad || checked_impl(__func__)->autograd()) checked_impl(__func__)->ensure_autograd().requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const {
  if (quiet_refresh_due(*checked_impl(__func__))) refresh_view_grad_fn(*this);
  auto* m = checked_impl(__func__)->autograd();
  return !m || !m->grad_fn;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> none;
  if (checked_impl(__func__)->view_is_stale()) refresh_view_grad_fn(*this);
  auto* m = checked_impl(__func__)->autograd();
  return m ? m->grad_fn : none;
}

uint32_t Tensor::output_nr() const {
  if (quiet_refresh_due(*checked_impl(__func__))) refresh_view_grad_fn(*this);
  auto* m = checked_impl(__func__)->autograd();
  return m ? m->output_nr : 0;
}

Tensor Tensor::grad() const {
  auto* m = checked_impl(__func__)->autograd();
  if (!m) return Tensor();
  std::lock_guard<std::mutex> lock(m->mutex);
  return m->grad;
}

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined()) {
    FG_CHECK(!grad.is_same(*this), Error, "can't assign Variable as its own grad");
    FG_CHECK(grad.sizes() == sizes(), Error, "attempting to assign a gradient of size '", shape_str(grad.sizes()),
             "' to a tensor of size '", shape_str(sizes()),
             "'. Please ensure that the gradient and the tensor are the same size");
    FG_CHECK(grad.dtype() == dtype(), Error, "attempting to assign a gradient with dtype '", dtype_name(grad.dtype()),
             "' to a tensor with dtype '", dtype_name(dtype()),
             "'. Please ensure that the gradient and the tensor have the same dtype");
  } else if (!checked_impl(__func__)->autograd()) {
    return;
  }
  auto& m = checked_impl(__func__)->ensure_autograd();
  std::lock_guard<std::mutex> lock(m.mutex);
  m.grad = grad;
}

void Tensor::retain_grad() const {
  FG_CHECK(requires_grad(), Error, "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf()) return;  // leaves keep their .grad anyway
  auto& m = checked_impl(__func__)->ensure_autograd();
  if (m.retains_grad) return;
  m.retains_grad = true;
  m.grad_fn->add_retained_grad(m.output_nr, impl_);
}

bool Tensor::retains_grad() const {
  auto* m = checked_impl(__func__)->autograd();
  return m && m->retains_grad;
}

uint32_t Tensor::version() const { return checked_impl(__func__)->storage()->version(); }
void Tensor::bump_version() const { checked_impl(__func__)->storage()->bump_version(); }

Tensor Tensor::detach() const {
  InferenceFlagScope scope(checked_impl(__func__)->is_inference());  // a view: inference exactly when this tensor is
  return Tensor(std::make_shared<TensorImpl>(storage(), sizes(), strides(), storage_offset(), dtype()));
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  fastgrad::backward({*this}, {gradient}, retain_graph, create_graph);
}

}  // namespace fastgrad

// Tensor: a cheap, copyable handle to a TensorImpl (sizes, strides, offset, dtype, shared Storage and, only
// when autograd needs it, an AutogradMeta). Views share the Storage, and with it the version counter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "fastgrad/dtype.h"
#include "fastgrad/shape.h"

namespace fastgrad {

class Node;
class TensorImpl;
/// Throws PyTorch's NotImplementedError ""cpu" not implemented for '<dtype>'" (internal).
[[noreturn]] void throw_not_implemented_for(ScalarType dtype);

/// A shared buffer. Memory we allocate comes from the allocator (small buffers live inline, in the same
/// allocation as the Storage); foreign memory (NumPy arrays, other libraries) is wrapped with a deleter, so
/// it is never copied.
class Storage {
 public:
  /// Frees wrapped memory: called with the context and the data pointer.
  using Deleter = void (*)(void* context, void* data);

  /// A new buffer of nbytes from the caching allocator.
  static std::shared_ptr<Storage> allocate(size_t nbytes);
  /// Wraps foreign memory (NumPy's, DLPack's) without copying; deleter(context, data) runs when the last user goes.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Deleter deleter, void* context);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  /// The buffer.
  void* data() const { return data_; }
  /// Its size in bytes.
  size_t nbytes() const { return nbytes_; }

  // Note [Version counter]: every in-place write to the buffer bumps this counter; a SavedTensor remembers
  // the version it saw and refuses to unpack when it changed. It lives with the Storage so that all views
  // and detach()ed aliases see the same counter.
  /// The version counter (see the note above).
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  /// Bumps the version counter.
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }
  /// The name of the last in-place op that wrote here (a string literal), for version-counter errors.
  void note_inplace(const char* op) { last_inplace_op_.store(op, std::memory_order_relaxed); }
  /// The last in-place op that wrote here (for version-counter errors), or null.
  const char* last_inplace_op() const { return last_inplace_op_.load(std::memory_order_relaxed); }

  Storage() = default;  ///< use allocate()/wrap()

 private:
  static constexpr size_t kInlineBytes = 32;
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Deleter deleter_ = nullptr;
  void* context_ = nullptr;
  std::atomic<uint32_t> version_{0};
  std::atomic<const char*> last_inplace_op_{nullptr};
  alignas(16) unsigned char inline_[kInlineBytes];
};

class Tensor;
/// A list of tensors (ops with several inputs or outputs).
using tensor_list = std::vector<Tensor>;

struct TensorIndex;  // ops.h

/// A cheap, copyable handle to a TensorImpl, like libtorch's `at::Tensor`. A default-constructed Tensor is
/// *undefined* (holds no data); every accessor and every op refuses it with a fastgrad::Error instead of
/// crashing. The member functions are the common ops of ops.h as methods (`t.sum()`, `t.matmul(u)`,
/// `t.to(ScalarType::Float64)`); operators (`+ - * / += ... == < ...`, `t[i]`) are in ops.h and printing
/// (`std::cout << t`) in print.h.
class Tensor {
 public:
  /// An undefined tensor (holds no data); defined() is false.
  Tensor() = default;
  /// Wraps an existing TensorImpl (internal; use the factories of ops.h).
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  /// True when the tensor holds data (false for a default-constructed Tensor).
  bool defined() const { return impl_ != nullptr; }
  /// The implementation (null when undefined).
  TensorImpl* get() const { return impl_.get(); }
  /// The implementation, unchecked (internal).
  TensorImpl* operator->() const { return impl_.get(); }
  /// The shared implementation pointer (internal).
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  /// True when both handles refer to the same TensorImpl (Python's `a is b`).
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata ----
  /// The size of each dimension (PyTorch's `t.shape`).
  const Dims& sizes() const;
  /// The stride of each dimension, in elements.
  const Dims& strides() const;
  /// The size of dimension `dim` (negative counts from the end).
  int64_t size(int64_t dim) const;
  /// The stride of dimension `dim` (negative counts from the end).
  int64_t stride(int64_t dim) const;
  /// The number of dimensions.
  int64_t dim() const;
  /// The number of elements.
  int64_t numel() const;
  /// The element type.
  ScalarType dtype() const;
  /// The element type (libtorch's name for dtype()).
  ScalarType scalar_type() const { return dtype(); }
  /// Where element 0 sits in the storage, in elements.
  int64_t storage_offset() const;
  /// True when the elements are laid out in row-major order without gaps.
  bool is_contiguous() const;
  /// True for float16, bfloat16, float32 and float64 tensors.
  bool is_floating_point() const;
  /// The shared buffer.
  const std::shared_ptr<Storage>& storage() const;
  /// Address of element 0 (offset applied).
  void* data_ptr() const;
  /// The elements as T, where T must be the C++ type of the dtype (bool, uint8_t, int8_t, int16_t, int32_t,
  /// int64_t, Half, BFloat16, float, double); another T throws fastgrad::TypeError ("expected scalar type
  /// Float but found Double") unless the tensor has no elements, so a wrong type cannot read garbage. `void`
  /// and `char` give the raw bytes.
  /// The elements follow strides(): call contiguous() first to index them as a flat array.
  template <class T>
  T* data() const;
  /// The single element as a Python-style number; throws unless numel() == 1.
  Scalar item() const;
  /// The single element converted to T (a C++ arithmetic type), as libtorch's `item<T>()`: integers from a
  /// floating value truncate; a value T cannot hold throws ("value cannot be converted to type ... without
  /// overflow"); throws unless numel() == 1.
  template <class T>
  T item() const;

  // ---- autograd ----
  /// True when operations on this tensor are recorded for backward.
  bool requires_grad() const;
  /// Sets requires_grad on a leaf (only floating tensors may require grad); returns *this.
  Tensor& set_requires_grad(bool requires_grad);
  /// PyTorch's `requires_grad_()`: the same as set_requires_grad.
  Tensor& requires_grad_(bool requires_grad = true) { return set_requires_grad(requires_grad); }
  /// True for tensors not made by a recorded op (created by the user, or not requiring grad).
  bool is_leaf() const;
  /// The Node that made this tensor (null for leaves).
  const std::shared_ptr<Node>& grad_fn() const;
  /// Which output of grad_fn() this tensor is.
  uint32_t output_nr() const;
  /// The gradient accumulated by backward() (undefined until then).
  Tensor grad() const;
  /// Replaces the accumulated gradient (same shape and dtype, or undefined to clear it).
  void set_grad(const Tensor& grad);
  /// Keeps the gradient of a non-leaf tensor in grad() after backward().
  void retain_grad() const;
  /// True after retain_grad() on a non-leaf.
  bool retains_grad() const;
  /// The version counter of the storage (bumped by every in-place write).
  uint32_t version() const;
  /// Bumps the version counter (after writing through data<T>() behind autograd's back).
  void bump_version() const;
  /// A tensor sharing storage and version counter with this one, without history.
  Tensor detach() const;
  /// Runs backward from this tensor, accumulating into the leaves' grad(); `gradient` may be undefined for a
  /// one-element tensor (implicitly 1).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;

  // ---- the common ops as methods (each calls the free function of ops.h with the same name) ----
  /// sum of all elements (`dtype` casts first).
  Tensor sum(std::optional<ScalarType> dtype = std::nullopt) const;
  /// sum over `dims`.
  Tensor sum(const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt) const;
  /// mean of all elements.
  Tensor mean(std::optional<ScalarType> dtype = std::nullopt) const;
  /// mean over `dims`.
  Tensor mean(const Dims& dims, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt) const;
  /// product of all elements.
  Tensor prod(std::optional<ScalarType> dtype = std::nullopt) const;
  /// variance over `dims` (all when empty), dividing by N - correction.
  Tensor var(const Dims& dims = {}, double correction = 1, bool keepdim = false) const;
  /// standard deviation over `dims` (all when empty), dividing by N - correction.
  Tensor std(const Dims& dims = {}, double correction = 1, bool keepdim = false) const;
  /// p-norm of all elements (`dims` empty) or over dims.
  Tensor norm(double p = 2, const Dims& dims = {}, bool keepdim = false) const;
  /// The largest element.
  Tensor max() const;
  /// The smallest element.
  Tensor min() const;
  /// (values, indices) of the largest elements along dim.
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  /// (values, indices) of the smallest elements along dim.
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  /// The index of the largest element (of the flattened tensor, or along dim).
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  /// The index of the smallest element (of the flattened tensor, or along dim).
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  /// True when every element is nonzero (a bool tensor).
  Tensor all() const;
  /// True when any element is nonzero (a bool tensor).
  Tensor any() const;

  /// Matrix product with broadcasting (torch.matmul).
  Tensor matmul(const Tensor& other) const;
  /// 2-d matrix product.
  Tensor mm(const Tensor& other) const;
  /// Dot product of two 1-d tensors.
  Tensor dot(const Tensor& other) const;

  /// A view with another shape (one size may be -1); the elements must be viewable.
  Tensor view(const Dims& shape) const;
  /// A view with another shape when possible, else a copy.
  Tensor reshape(const Dims& shape) const;
  /// Dimensions start_dim..end_dim merged into one.
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  /// Dimensions dim0 and dim1 swapped (a view).
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  /// The dimensions reordered (a view).
  Tensor permute(const Dims& dims) const;
  /// The transpose of a matrix (0-d and 1-d tensors unchanged).
  Tensor t() const;
  /// A new dimension of size 1 at dim (a view).
  Tensor unsqueeze(int64_t dim) const;
  /// Every dimension of size 1 removed (a view).
  Tensor squeeze() const;
  /// Dimension dim removed if its size is 1 (a view).
  Tensor squeeze(int64_t dim) const;
  /// Broadcast to `shape` without copying (a view; -1 keeps a size).
  Tensor expand(const Dims& shape) const;
  /// This tensor if contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// A copy with its own storage (differentiable).
  Tensor clone() const;
  /// This tensor converted to dtype (itself when already of that dtype, unless `copy`).
  Tensor to(ScalarType dtype, bool copy = false) const;
  /// The element at `index` along dim (removing dim; a view).
  Tensor select(int64_t dim, int64_t index) const;
  /// Elements start, start+step, ... before end along dim (a view).
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1) const;
  /// `t[i]`: select(0, i).
  Tensor operator[](int64_t index) const;
  /// `t[i]` with a 0-d integer tensor or a bool mask / integer index tensor (advanced indexing).
  Tensor operator[](const Tensor& index) const;
  /// Python's `t[a, b:c, None, ..., mask]` (see TensorIndex and fastgrad::indexing in ops.h).
  Tensor index(const std::vector<TensorIndex>& indices) const;
  /// Python's `t[indices] = value`; returns *this.
  Tensor& index_put_(const std::vector<TensorIndex>& indices, const Tensor& value);
  /// Python's `t[indices] = value` with a number; returns *this.
  Tensor& index_put_(const std::vector<TensorIndex>& indices, Scalar value);

  /// Elementwise exp.
  Tensor exp() const;
  /// Elementwise natural logarithm.
  Tensor log() const;
  /// Elementwise square root.
  Tensor sqrt() const;
  /// Elementwise absolute value.
  Tensor abs() const;
  /// Elementwise negation.
  Tensor neg() const;
  /// Elementwise hyperbolic tangent.
  Tensor tanh() const;
  /// Elementwise logistic sigmoid 1 / (1 + exp(-x)).
  Tensor sigmoid() const;
  /// Elementwise max(x, 0).
  Tensor relu() const;
  /// Elementwise sine.
  Tensor sin() const;
  /// Elementwise cosine.
  Tensor cos() const;
  /// Elementwise x ** exponent.
  Tensor pow(Scalar exponent) const;
  /// Elementwise x ** exponent (broadcasting).
  Tensor pow(const Tensor& exponent) const;
  /// Elementwise x * x.
  Tensor square() const;
  /// Elementwise clamp to [min, max] (either may be absent).
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  /// softmax along dim.
  Tensor softmax(int64_t dim) const;
  /// log_softmax along dim.
  Tensor log_softmax(int64_t dim) const;

  /// In place: the elements set to 0; returns *this.
  Tensor& zero_();
  /// In place: every element set to value; returns *this.
  Tensor& fill_(Scalar value);
  /// In place: this += alpha * other; returns *this.
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  /// In place: this += alpha * other; returns *this.
  Tensor& add_(Scalar other, Scalar alpha = 1);
  /// In place: this -= alpha * other; returns *this.
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  /// In place: this -= alpha * other; returns *this.
  Tensor& sub_(Scalar other, Scalar alpha = 1);
  /// In place: this *= other; returns *this.
  Tensor& mul_(const Tensor& other);
  /// In place: this *= other; returns *this.
  Tensor& mul_(Scalar other);
  /// In place: this /= other; returns *this.
  Tensor& div_(const Tensor& other);
  /// In place: this /= other; returns *this.
  Tensor& div_(Scalar other);
  /// In place: the elements of src copied in (broadcasting, converting the dtype); returns *this.
  Tensor& copy_(const Tensor& src);

  /// This tensor as PyTorch prints it ("tensor([1., 2.], requires_grad=True)"); see print.h.
  std::string to_string() const;

 private:
  TensorImpl* checked_impl(const char* what) const {
    if (__builtin_expect(impl_ == nullptr, 0)) throw_undefined_tensor(what);
    return impl_.get();
  }
  [[noreturn]] static void throw_undefined_tensor(const char* what);
  std::shared_ptr<TensorImpl> impl_;
};

struct LeafHooks;  // node.h

/// What a tensor needs only when it takes part in autograd.
struct AutogradMeta {
  /// requires_grad set on a leaf.
  bool requires_grad = false;
  /// True when a non-leaf keeps its grad (retain_grad()).
  bool retains_grad = false;
  /// Which output of grad_fn this tensor is.
  uint32_t output_nr = 0;
  std::shared_ptr<Node> grad_fn;  ///< owns the Node that made this tensor; null for leaves
  /// A leaf's AccumulateGrad, made on first use and owned by the leaf for as long as it lives; it refers
  /// back to the leaf weakly, and the graph reaches it through the leaf (Note [No cycles], Note [Leaf
  /// accumulator] in autograd/node.cpp). `accumulator` is the lock-free read of `grad_accumulator`.
  std::shared_ptr<Node> grad_accumulator;
  /// The lock-free read of grad_accumulator.
  std::atomic<Node*> accumulator{nullptr};
  /// Accumulators replaced after `x.data = y` changed the leaf's shape or dtype: graphs recorded before
  /// still reach them through the leaf, so they live as long as the leaf (rare, see set_data).
  std::vector<std::shared_ptr<Node>> retired_accumulators;
  /// The accumulated gradient.
  Tensor grad;
  std::mutex mutex;  ///< guards `grad` while several backward passes accumulate into the same leaf
  std::unique_ptr<LeafHooks> hooks;  ///< allocated by the first hook on a leaf (see node.h)
  ~AutogradMeta();
};

/// A tensor's implementation: sizes, strides, offset, dtype, storage and (only when needed) autograd data.
class TensorImpl {
 public:
  /// A tensor over storage with these sizes, strides (in elements), offset and dtype.
  TensorImpl(std::shared_ptr<Storage> storage, Dims sizes, Dims strides, int64_t offset, ScalarType dtype);
  ~TensorImpl();
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;

  /// The size of each dim.
  const Dims& sizes() const { return sizes_; }
  /// The stride of each dim, in elements.
  const Dims& strides() const { return strides_; }
  /// Where element 0 is in the storage, in elements.
  int64_t offset() const { return offset_; }
  /// The number of elements.
  int64_t numel() const { return numel_; }
  /// The element type.
  ScalarType dtype() const { return dtype_; }
  /// The buffer.
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  /// True for a row-major layout without gaps.
  bool is_contiguous() const { return contiguous_; }
  /// The address of element 0.
  void* data_ptr() const {
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(element_size(dtype_));
  }

  /// Views remember the tensor whose storage they look into (the root of a chain of views).
  const std::shared_ptr<TensorImpl>& view_base() const { return view_base_; }
  /// Records the base whose storage this view looks into.
  void set_view_base(std::shared_ptr<TensorImpl> base) { view_base_ = std::move(base); }

  // Note [Differentiable views]
  // A view records how it was made (ViewCreation) and the version of the shared storage when its grad_fn
  // was last set (view_version). An in-place op on a view rebases the base's history onto a CopySlices
  // Node (autograd/copy_slices.cpp); any in-place write to the storage makes every other view's grad_fn
  // stale, and the next look at it regenerates it as AsStridedBackward0 of the base (refresh_view_grad_fn
  // in node.h), as PyTorch does. Views made in no-grad mode or as one of several outputs (unbind, split,
  // chunk) refuse in-place ops under autograd with PyTorch's messages.
  /// How a view was made, which decides whether in-place ops may rebase its history.
  enum class ViewCreation : uint8_t { Default, NoGradMode, MultiOutput };
  /// How this view was made.
  ViewCreation view_creation() const { return view_creation_; }
  /// Records how this view was made.
  void set_view_creation(ViewCreation c) { view_creation_ = c; }
  /// The storage version when the view's grad_fn was last set.
  uint32_t view_version() const { return view_version_.load(std::memory_order_relaxed); }
  /// Records the storage version the view's grad_fn was set at.
  void set_view_version(uint32_t v) { view_version_.store(v, std::memory_order_relaxed); }
  /// True when the view's grad_fn must be looked at again (the storage changed since it was set).
  bool view_is_stale() const { return view_base_ && view_version() != storage_->version(); }

  /// Made in inference mode (see InferenceMode in autograd.h).
  bool is_inference() const { return inference_; }

  /// The autograd data, or null.
  AutogradMeta* autograd() const { return autograd_.get(); }
  /// The autograd data, made on first use.
  AutogradMeta& ensure_autograd();

  /// `x.data = y`: x looks at y's memory (and takes its dtype and shape), keeping its autograd identity.
  void set_data(const TensorImpl& other) {
    storage_ = other.storage_;
    dtype_ = other.dtype_;
    set_sizes_and_strides(other.sizes_, other.strides_, other.offset_);
  }
  /// In-place metadata changes (squeeze_, unsqueeze_, t_, resizing views).
  void set_sizes_and_strides(Dims sizes, Dims strides, int64_t offset);

 private:
  void refresh();
  Dims sizes_, strides_;
  int64_t offset_ = 0;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool contiguous_ = true;
  bool inference_ = false;
  ViewCreation view_creation_ = ViewCreation::Default;
  std::atomic<uint32_t> view_version_{0};
  std::shared_ptr<Storage> storage_;
  std::shared_ptr<TensorImpl> view_base_;
  std::unique_ptr<AutogradMeta> autograd_;
};

/// The handle's accessors are inline: every op calls them many times (See docs/design.md, section 8).
/// Each checks for an undefined tensor (a predictable branch), so that no op can dereference one.
inline const Dims& Tensor::sizes() const { return checked_impl("sizes")->sizes(); }
inline const Dims& Tensor::strides() const { return checked_impl("strides")->strides(); }
inline int64_t Tensor::dim() const { return static_cast<int64_t>(checked_impl("dim")->sizes().size()); }
inline int64_t Tensor::numel() const { return checked_impl("numel")->numel(); }
inline ScalarType Tensor::dtype() const { return checked_impl("dtype")->dtype(); }
inline int64_t Tensor::storage_offset() const { return checked_impl("storage_offset")->offset(); }
inline bool Tensor::is_contiguous() const { return checked_impl("is_contiguous")->is_contiguous(); }
inline bool Tensor::is_floating_point() const { return is_floating(dtype()); }
inline const std::shared_ptr<Storage>& Tensor::storage() const { return checked_impl("storage")->storage(); }
inline void* Tensor::data_ptr() const { return checked_impl("data_ptr")->data_ptr(); }

/// Throws fastgrad::TypeError for data<T>() on a tensor of another dtype (internal).
[[noreturn]] void throw_data_type_mismatch(ScalarType expected, ScalarType found);

template <class T>
T* Tensor::data() const {
  using U = std::remove_cv_t<T>;
  if constexpr (!std::is_void_v<U> && !std::is_same_v<U, char> && !std::is_same_v<U, std::byte>) {
    constexpr ScalarType expected = scalar_type_of<U>();
    const ScalarType found = dtype();
    // A tensor without elements has nothing to misread: kernels reached with such a tensor of another dtype
    // (a random fill of an empty int64 tensor) keep working, as before this check.
    if (__builtin_expect(expected != found, 0) && numel() != 0) throw_data_type_mismatch(expected, found);
  }
  return static_cast<T*>(data_ptr());
}

template <class T>
T Tensor::item() const {
  static_assert(std::is_arithmetic_v<T>, "item<T>(): T must be a C++ arithmetic type");
  const Scalar s = item();
  if constexpr (is_element_type_v<T>) {
    return checked_convert<T>(s);
  } else if constexpr (std::is_integral_v<T>) {  // long long, unsigned, ...: through int64
    return static_cast<T>(checked_convert<int64_t>(s));
  } else {  // long double
    return static_cast<T>(s.to<double>());
  }
}
// requires_grad() and is_leaf() are out of line: a stale view regenerates its history first (tensor.cpp).

/// Creation of raw tensors (no autograd).
Tensor empty(const Dims& sizes, ScalarType dtype = default_dtype());
Tensor make_view(const Tensor& base, Dims sizes, Dims strides, int64_t offset);  ///< shares storage
/// Shares base's storage (and so its version counter) as another dtype, without being an autograd view of it:
/// no view base, no history (Tensor.view(dtype)). sizes/strides/offset count elements of `dtype`.
Tensor make_alias(const Tensor& base, ScalarType dtype, Dims sizes, Dims strides, int64_t offset);
/// A tensor over foreign memory (no copy); deleter(context, data) runs when the last user goes.
Tensor from_blob(void* data, const Dims& sizes, const Dims& strides, ScalarType dtype, Storage::Deleter deleter,
                 void* context);

/// Calls f(T{}) with T the C++ type of dtype, for the dtypes kernels compute in: float16 and bfloat16 are
/// refused with PyTorch's error (Note [Storage dtypes]; the shared helpers compute them in float32).
[[noreturn]] void throw_not_implemented_for(ScalarType dtype);
template <class F>
decltype(auto) dispatch(ScalarType dtype, F&& f) {
  switch (dtype) {
    case ScalarType::Bool: return f(bool{});
    case ScalarType::Int32: return f(int32_t{});
    case ScalarType::Int64: return f(int64_t{});
    case ScalarType::Float32: return f(float{});
    case ScalarType::UInt8: return f(uint8_t{});
    case ScalarType::Int8: return f(int8_t{});
    case ScalarType::Int16: return f(int16_t{});
    case ScalarType::Float16:
    case ScalarType::BFloat16: throw_not_implemented_for(dtype);
    case ScalarType::Float64: break;
  }
  return f(double{});
}

// dispatch over every dtype, float16 and bfloat16 as Half and BFloat16 (copies, conversions, fills, gathers).
template <class F>
decltype(auto) dispatch_all(ScalarType dtype, F&& f) {
  if (dtype == ScalarType::Float16) return f(Half{});
  if (dtype == ScalarType::BFloat16) return f(BFloat16{});
  return dispatch(dtype, std::forward<F>(f));
}

}  // namespace fastgrad

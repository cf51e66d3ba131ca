// Tensor: a cheap, copyable handle to a TensorImpl (sizes, strides, offset, dtype, shared Storage and, only
// when autograd needs it, an AutogradMeta). Views share the Storage, and with it the version counter.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "fastgrad/dtype.h"
#include "fastgrad/shape.h"

namespace fastgrad {

class Node;
class TensorImpl;
[[noreturn]] void throw_not_implemented_for(ScalarType dtype);

// A shared buffer. Memory we allocate comes from the allocator (small buffers live inline, in the same
// allocation as the Storage); foreign memory (NumPy arrays, other libraries) is wrapped with a deleter, so
// it is never copied.
class Storage {
 public:
  using Deleter = void (*)(void* context, void* data);

  static std::shared_ptr<Storage> allocate(size_t nbytes);
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, Deleter deleter, void* context);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }

  // Note [Version counter]: every in-place write to the buffer bumps this counter; a SavedTensor remembers
  // the version it saw and refuses to unpack when it changed. It lives with the Storage so that all views
  // and detach()ed aliases see the same counter.
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }
  // The name of the last in-place op that wrote here (a string literal), for version-counter errors.
  void note_inplace(const char* op) { last_inplace_op_.store(op, std::memory_order_relaxed); }
  const char* last_inplace_op() const { return last_inplace_op_.load(std::memory_order_relaxed); }

  Storage() = default;  // use allocate()/wrap()

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
using tensor_list = std::vector<Tensor>;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* get() const { return impl_.get(); }
  TensorImpl* operator->() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  // Metadata.
  const Dims& sizes() const;
  const Dims& strides() const;
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const;
  int64_t numel() const;
  ScalarType dtype() const;
  int64_t storage_offset() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const;
  void* data_ptr() const;  // address of element 0 (offset applied)
  // The elements as T; a T of another size than the dtype's elements is refused (a kernel reached with a
  // dtype it was not written for, Note [Storage dtypes]) unless there are none, so it cannot read past the
  // buffer.
  template <class T>
  T* data() const {
    if constexpr (sizeof(T) > 1 && !std::is_void_v<T>) {
      if (sizeof(T) != element_size(dtype()) && numel() != 0) throw_not_implemented_for(dtype());
    }
    return static_cast<T*>(data_ptr());
  }
  Scalar item() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool requires_grad);
  bool is_leaf() const;
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t output_nr() const;
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  void retain_grad() const;
  bool retains_grad() const;
  uint32_t version() const;
  void bump_version() const;
  Tensor detach() const;  // shares storage and version counter; no history
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct LeafHooks;  // node.h

// What a tensor needs only when it takes part in autograd.
struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  uint32_t output_nr = 0;
  std::shared_ptr<Node> grad_fn;         // owns the Node that made this tensor; null for leaves
  // A leaf's AccumulateGrad, made on first use and owned by the leaf for as long as it lives; it refers
  // back to the leaf weakly, and the graph reaches it through the leaf (Note [No cycles], Note [Leaf
  // accumulator] in autograd/node.cpp). `accumulator` is the lock-free read of `grad_accumulator`.
  std::shared_ptr<Node> grad_accumulator;
  std::atomic<Node*> accumulator{nullptr};
  // Accumulators replaced after `x.data = y` changed the leaf's shape or dtype: graphs recorded before
  // still reach them through the leaf, so they live as long as the leaf (rare, see set_data).
  std::vector<std::shared_ptr<Node>> retired_accumulators;
  Tensor grad;
  std::mutex mutex;                  // guards `grad` while several backward passes accumulate into the same leaf
  std::unique_ptr<LeafHooks> hooks;  // allocated by the first hook on a leaf (see node.h)
  ~AutogradMeta();
};

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, Dims sizes, Dims strides, int64_t offset, ScalarType dtype);
  ~TensorImpl();
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;

  const Dims& sizes() const { return sizes_; }
  const Dims& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t numel() const { return numel_; }
  ScalarType dtype() const { return dtype_; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool is_contiguous() const { return contiguous_; }
  void* data_ptr() const {
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(element_size(dtype_));
  }

  // Views remember the tensor whose storage they look into (the root of a chain of views).
  const std::shared_ptr<TensorImpl>& view_base() const { return view_base_; }
  void set_view_base(std::shared_ptr<TensorImpl> base) { view_base_ = std::move(base); }

  // Note [Differentiable views]
  // A view records how it was made (ViewCreation) and the version of the shared storage when its grad_fn
  // was last set (view_version). An in-place op on a view rebases the base's history onto a CopySlices
  // Node (autograd/copy_slices.cpp); any in-place write to the storage makes every other view's grad_fn
  // stale, and the next look at it regenerates it as AsStridedBackward0 of the base (refresh_view_grad_fn
  // in node.h), as PyTorch does. Views made in no-grad mode or as one of several outputs (unbind, split,
  // chunk) refuse in-place ops under autograd with PyTorch's messages.
  enum class ViewCreation : uint8_t { Default, NoGradMode, MultiOutput };
  ViewCreation view_creation() const { return view_creation_; }
  void set_view_creation(ViewCreation c) { view_creation_ = c; }
  uint32_t view_version() const { return view_version_.load(std::memory_order_relaxed); }
  void set_view_version(uint32_t v) { view_version_.store(v, std::memory_order_relaxed); }
  // True when the view's grad_fn must be looked at again (the storage changed since it was set).
  bool view_is_stale() const { return view_base_ && view_version() != storage_->version(); }

  // Made in inference mode (see InferenceMode in autograd.h).
  bool is_inference() const { return inference_; }

  AutogradMeta* autograd() const { return autograd_.get(); }
  AutogradMeta& ensure_autograd();

  // `x.data = y`: x looks at y's memory (and takes its dtype and shape), keeping its autograd identity.
  void set_data(const TensorImpl& other) {
    storage_ = other.storage_;
    dtype_ = other.dtype_;
    set_sizes_and_strides(other.sizes_, other.strides_, other.offset_);
  }
  // In-place metadata changes (squeeze_, unsqueeze_, t_, resizing views).
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

// The handle's accessors are inline: every op calls them many times (See docs/design.md, section 8).
inline const Dims& Tensor::sizes() const { return impl_->sizes(); }
inline const Dims& Tensor::strides() const { return impl_->strides(); }
inline int64_t Tensor::dim() const { return static_cast<int64_t>(impl_->sizes().size()); }
inline int64_t Tensor::numel() const { return impl_->numel(); }
inline ScalarType Tensor::dtype() const { return impl_->dtype(); }
inline int64_t Tensor::storage_offset() const { return impl_->offset(); }
inline bool Tensor::is_contiguous() const { return impl_->is_contiguous(); }
inline const std::shared_ptr<Storage>& Tensor::storage() const { return impl_->storage(); }
inline void* Tensor::data_ptr() const { return impl_->data_ptr(); }
// requires_grad() and is_leaf() are out of line: a stale view regenerates its history first (tensor.cpp).

// Creation of raw tensors (no autograd).
Tensor empty(const Dims& sizes, ScalarType dtype = default_dtype());
Tensor make_view(const Tensor& base, Dims sizes, Dims strides, int64_t offset);  // shares storage
// Shares base's storage (and so its version counter) as another dtype, without being an autograd view of it:
// no view base, no history (Tensor.view(dtype)). sizes/strides/offset count elements of `dtype`.
Tensor make_alias(const Tensor& base, ScalarType dtype, Dims sizes, Dims strides, int64_t offset);
Tensor from_blob(void* data, const Dims& sizes, const Dims& strides, ScalarType dtype, Storage::Deleter deleter,
                 void* context);

// Calls f(T{}) with T the C++ type of dtype, for the dtypes kernels compute in: float16 and bfloat16 are
// refused with PyTorch's error (Note [Storage dtypes]; the shared helpers compute them in float32).
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

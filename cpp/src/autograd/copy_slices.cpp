// In-place ops on views (See Note [Differentiable views] in tensor.h): CopySlices, the Node a base gets when
// one of its views is written in place, and AsStridedBackward0, the grad_fn a view gets when its history
// is regenerated from its base's.
#include <algorithm>
#include <mutex>

#include "../ops/common.h"
#include "release.h"

namespace fastgrad {

namespace {

// Where a tensor's elements sit in its storage: element idx is at offset + sum(idx[d] * strides[d]).
struct StridedGeometry {
  Dims sizes, strides;
  int64_t offset = 0;
  static StridedGeometry of(const TensorImpl& t) { return {t.sizes(), t.strides(), t.offset()}; }
  int64_t numel() const { return numel_of(sizes); }
  int64_t last() const {  // the furthest storage position (assumes numel() > 0; strides are >= 0)
    int64_t p = offset;
    for (size_t d = 0; d < sizes.size(); ++d) p += (sizes[d] - 1) * strides[d];
    return p;
  }
};

// True when the base is laid out contiguously and the view lies inside it, so that a contiguous tensor of
// the base's shape holds the view's elements at the view's strides, from view.offset - base.offset.
bool view_inside_contiguous_base(const StridedGeometry& base, const StridedGeometry& view) {
  if (!(base.strides == contiguous_strides(base.sizes))) {
    int64_t expected = 1;  // size-1 dimensions may have any stride
    for (size_t d = base.sizes.size(); d-- > 0;) {
      if (base.sizes[d] == 1) continue;
      if (base.strides[d] != expected) return false;
      expected *= base.sizes[d];
    }
  }
  if (view.numel() == 0) return true;
  return view.offset >= base.offset && view.last() < base.offset + base.numel();
}

// True when no two elements of the view share a storage position (a sufficient test: each dimension,
// by increasing stride, steps past everything the smaller ones reach).
bool non_overlapping(const StridedGeometry& g) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size)
  for (size_t d = 0; d < g.sizes.size(); ++d)
    if (g.sizes[d] > 1) dims.emplace_back(g.strides[d], g.sizes[d]);
  std::sort(dims.begin(), dims.end());
  int64_t reach = 0;
  for (auto [stride, size] : dims) {
    if (stride <= reach) return false;
    reach += (size - 1) * stride;
  }
  return true;
}

// A contiguous tensor with g's values that the caller may write: g itself when nothing else can see it.
Tensor writable_copy(Tensor&& g) {
  const bool exclusive =
      g.impl().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() && !g.requires_grad();
  return exclusive ? std::move(g) : cast(g, g.dtype(), /*force_copy=*/true);
}

// A scratch buffer that covers both the base's and the view's storage positions, so that gradients of
// either can be laid out as in the forward storage: position p lives at buf[p - lo].
struct Scratch {
  int64_t lo = 0, extent = 0;
  Scratch(const StridedGeometry& a, const StridedGeometry& b) {
    bool any = false;
    int64_t hi = 0;
    for (const StridedGeometry* g : {&a, &b}) {
      if (g->numel() == 0) continue;
      lo = any ? std::min(lo, g->offset) : g->offset;
      hi = any ? std::max(hi, g->last()) : g->last();
      any = true;
    }
    extent = any ? hi - lo + 1 : 0;
  }
  Tensor in(const Tensor& buf, const StridedGeometry& g) const {
    return make_view(buf, g.sizes, g.strides, g.numel() ? g.offset - lo : 0);
  }
};

// buf[position of element i of `where`] += src[i], for every element: views may overlap themselves
// (expand), and each of their elements adds its gradient to the one storage position they share.
void add_at_positions(const Tensor& buf, const Tensor& src_contiguous, const StridedGeometry& where, int64_t lo) {
  const int64_t n = where.numel();
  if (n == 0) return;
  const size_t nd = where.sizes.size();
  dispatch_all(buf.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = buf.data<T>();
    const T* src = src_contiguous.data<T>();
    std::vector<int64_t> idx(nd, 0);
    int64_t pos = where.offset - lo;
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>) out[pos] = out[pos] || src[i];
      else out[pos] += src[i];
      for (size_t d = nd; d-- > 0;) {  // odometer step over the view's index space
        if (++idx[d] < where.sizes[d]) {
          pos += where.strides[d];
          break;
        }
        pos -= (where.sizes[d] - 1) * where.strides[d];
        idx[d] = 0;
      }
    }
  });
}

// The two halves of as_strided's derivative, each the other's backward, so that create_graph works
// through CopySlices and regenerated views.
Tensor strided_gather(const Tensor& g, const StridedGeometry& base, const StridedGeometry& view);
Tensor strided_scatter(const Tensor& g, const StridedGeometry& base, const StridedGeometry& view);

struct AsStridedBackward0 : NamedNode<AsStridedBackward0> {
  static constexpr const char* kName = "AsStridedBackward0";
  StridedGeometry base, view;
  AsStridedBackward0(StridedGeometry b, StridedGeometry v) : base(std::move(b)), view(std::move(v)) {}
  tensor_list apply(tensor_list&& g) override {
    if (!GradMode::is_enabled() && view_inside_contiguous_base(base, view) && non_overlapping(view)) {
      // The common case, without scratch buffers: zeros of the base's shape with g where the view lies.
      Tensor out = zeros(base.sizes, g[0].dtype());
      copy_into(make_view(out, view.sizes, view.strides, view.offset - base.offset), g[0]);
      return {out};
    }
    return {strided_scatter(g[0], base, view)};
  }
};

struct AsStridedBackwardBackward0 : NamedNode<AsStridedBackwardBackward0> {
  static constexpr const char* kName = "AsStridedBackwardBackward0";
  StridedGeometry base, view;
  AsStridedBackwardBackward0(StridedGeometry b, StridedGeometry v) : base(std::move(b)), view(std::move(v)) {}
  tensor_list apply(tensor_list&& g) override { return {strided_gather(g[0], base, view)}; }
};

// The view's part of a base-shaped gradient `g` (as_strided of g laid out like the base).
Tensor strided_gather(const Tensor& g, const StridedGeometry& base, const StridedGeometry& view) {
  Scratch s(base, view);
  Tensor buf = zeros({s.extent}, g.dtype());
  copy_into(s.in(buf, base), g);
  Tensor out = cast(s.in(buf, view), g.dtype(), /*force_copy=*/true);
  if (compute_requires_grad({&g})) set_history(out, make_node<AsStridedBackward0>({&g}, base, view));
  return out;
}

// A base-shaped gradient that is zero outside the view and sums the view's gradient `g` where it lies.
Tensor strided_scatter(const Tensor& g, const StridedGeometry& base, const StridedGeometry& view) {
  Scratch s(base, view);
  Tensor buf = zeros({s.extent}, g.dtype());
  add_at_positions(buf, cast(g, g.dtype(), /*force_copy=*/true), view, s.lo);
  Tensor out = cast(s.in(buf, base), g.dtype(), /*force_copy=*/true);
  if (compute_requires_grad({&g})) set_history(out, make_node<AsStridedBackwardBackward0>({&g}, base, view));
  return out;
}

// True where the base's elements lie under the view.
Tensor covered_by_view(const StridedGeometry& base, const StridedGeometry& view) {
  Scratch s(base, view);
  Tensor buf = zeros({s.extent}, ScalarType::Bool);
  add_at_positions(buf, ones(view.sizes, ScalarType::Bool), view, s.lo);
  return cast(s.in(buf, base), ScalarType::Bool, /*force_copy=*/true);
}

// The base's Node after an in-place op `fn` on one of its views. Its input 0 is the base's previous
// history; its other inputs are fn's other inputs. Backward: the view's part of the base's gradient goes
// through fn, and fn's gradient for the view's old value replaces that part; the rest passes unchanged.
class CopySlices final : public Node {
 public:
  CopySlices(StridedGeometry base, StridedGeometry view, std::shared_ptr<Node> fn)
      : base_(std::move(base)), view_(std::move(view)), fn_(std::move(fn)) {}
  ~CopySlices() override { release_node(std::move(fn_)); }  // See Note [No recursion in destruction]
  std::string name() const override { return "CopySlices"; }

  tensor_list apply(tensor_list&& grads) override {
    Tensor g = grad_or_zeros(grads, 0);
    if (!GradMode::is_enabled() && view_inside_contiguous_base(base_, view_)) return apply_in_place(std::move(g));
    tensor_list res = (*fn_)({strided_gather(g, base_, view_)});
    tensor_list out(next_edges().size());
    if (needs_input_grad(0)) {
      Tensor part = !res.empty() && res[0].defined() ? res[0] : zeros(view_.sizes, g.dtype());
      out[0] = where(covered_by_view(base_, view_), strided_scatter(part, base_, view_), g);
    }
    for (size_t i = 1; i < out.size() && i < res.size(); ++i) out[i] = std::move(res[i]);
    return out;
  }

  // Without create_graph, PyTorch's way: the base's gradient in a contiguous buffer, the view's part of it
  // replaced by fn's gradient in place.
  tensor_list apply_in_place(Tensor&& g) {
    Tensor result = writable_copy(std::move(g));
    Tensor part = make_view(result, view_.sizes, view_.strides, result.storage_offset() + view_.offset - base_.offset);
    tensor_list res = (*fn_)({cast(part, result.dtype(), /*force_copy=*/true)});
    tensor_list out(next_edges().size());
    if (needs_input_grad(0)) {
      if (!res.empty() && res[0].defined()) copy_into(part, res[0]);
      else copy_into(part, zeros({}, result.dtype()));
      out[0] = std::move(result);
    }
    for (size_t i = 1; i < out.size() && i < res.size(); ++i) out[i] = std::move(res[i]);
    return out;
  }

  void release_saved() override {
    fn_->release_saved();
    Node::release_saved();
  }

 private:
  StridedGeometry base_, view_;
  std::shared_ptr<Node> fn_;
};

// The view's new value after an in-place op on it, as a saved output of that op's Node: the base's
// CopySlices output seen through the view, through a fresh AsStridedBackward0 at each unpack (so that
// create_graph runs the base's history, never the wrapped Node on its own). Held weakly: CopySlices owns
// the Node that saves this.
class ViewOfCopySlices final : public SavedOutputOrigin {
 public:
  ViewOfCopySlices(const std::shared_ptr<Node>& copy_slices, StridedGeometry base, StridedGeometry view)
      : copy_slices_(copy_slices), base_(std::move(base)), view_(std::move(view)) {}
  std::shared_ptr<Node> grad_fn(const Tensor& saved) const override {
    std::shared_ptr<Node> cs = copy_slices_.lock();
    if (!cs) return nullptr;
    auto node = std::make_shared<AsStridedBackward0>(base_, view_);
    node->add_next_edge(Edge{std::move(cs), 0});
    node->add_input_meta(saved);
    return node;
  }

 private:
  std::weak_ptr<Node> copy_slices_;
  StridedGeometry base_, view_;
};

std::string strip_backward_suffix(const std::string& name) {
  // PyTorch names a Node's forward op in its messages: "UnbindBackward0" -> "Unbind".
  size_t p = name.rfind("Backward");
  if (p == std::string::npos) return name;
  for (size_t i = p + 8; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return name;
  return name.substr(0, p);
}

bool impl_requires_grad(const TensorImpl& t) {
  const AutogradMeta* m = t.autograd();
  return m && (m->requires_grad || m->grad_fn);
}

// PyTorch's refusals for views that may not be written in place (`direct`: the view itself is being
// written; otherwise its base or a sibling was).
void refuse_view_rebase(const TensorImpl& v, bool direct, const char* op) {
  const char* what =
      direct ? "is being modified inplace" : "its base or another view of its base has been modified inplace";
  const AutogradMeta* m = v.autograd();
  std::string where = op ? std::string(" (") + op + " on a view of shape " + shape_str(v.sizes()) + ")" : "";
  if (v.view_creation() == TensorImpl::ViewCreation::MultiOutput) {
    const std::string multi =
        "This view is the output of a function that returns multiple views. Such functions do not allow the output "
        "views to be modified inplace. You should replace the inplace operation by an out-of-place one.";
    if (m && m->grad_fn)
      throw Error("Output " + std::to_string(m->output_nr) + " of " + strip_backward_suffix(m->grad_fn->name()) +
                  " is a view and " + what + ". " + multi + where);
    throw Error(std::string("A view was created in no_grad mode and ") + what + " with grad mode enabled. " + multi +
                where);
  }
  throw Error(std::string("A view was created in no_grad mode and ") + what +
              " with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You "
              "can clarify your code by moving both the view and the inplace either both inside the no_grad block "
              "(if you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
              "tracked)." +
              where);
}

}  // namespace

// torch.as_strided: a view of t's storage with the given sizes, strides and storage offset (t's own offset by
// default), checked as PyTorch checks it; its derivative is AsStridedBackward0 above (the view's gradient
// summed into t's shape where the view lies, overlapping elements included).
Tensor as_strided(const Tensor& t, const Dims& size, const Dims& stride, std::optional<int64_t> storage_offset) {
  FG_CHECK(size.size() == stride.size(), Error, "mismatch in length of strides and shape");
  for (int64_t s : stride)
    FG_CHECK(s >= 0, Error, "as_strided: Negative strides are not supported at the moment, got strides: ",
             shape_str(stride));
  const int64_t offset = storage_offset ? *storage_offset : t.storage_offset();
  FG_CHECK(offset >= 0, Error, "Tensor: invalid storage offset ", offset);
  // The storage the view reaches, in elements: 0 when it has none, else 1 + offset + sum((size - 1) * stride).
  uint64_t extent = 1;
  bool overflow = false, none = false;
  for (size_t d = 0; d < size.size(); ++d) {
    if (size[d] < 0) overflow = true;
    if (size[d] == 0) none = true;
  }
  for (size_t d = 0; d < size.size() && !overflow && !none; ++d) {
    uint64_t reach = 0;
    overflow = __builtin_mul_overflow(static_cast<uint64_t>(size[d] - 1), static_cast<uint64_t>(stride[d]), &reach) ||
               __builtin_add_overflow(extent, reach, &extent);
  }
  uint64_t nbytes = 0;
  if (!none && !overflow)
    overflow = __builtin_add_overflow(extent, static_cast<uint64_t>(offset), &extent) ||
               __builtin_mul_overflow(extent, static_cast<uint64_t>(element_size(t.dtype())), &nbytes) ||
               nbytes > static_cast<uint64_t>(INT64_MAX);
  FG_CHECK(!overflow, Error, "Storage size calculation overflowed with sizes=", shape_str(size),
           " and strides=", shape_str(stride));
  FG_CHECK(none || nbytes <= t.storage()->nbytes(), Error, "setStorage: sizes ", shape_str(size), ", strides ",
           shape_str(stride), ", storage offset ", offset, ", and itemsize ", element_size(t.dtype()),
           " requiring a storage size of ", nbytes, " are out of bounds for storage of size ", t.storage()->nbytes());
  Tensor out = make_view(t, size, stride, offset);
  if (compute_requires_grad({&t}))
    set_history(out, make_node<AsStridedBackward0>({&t}, StridedGeometry::of(*t.get()), StridedGeometry::of(*out.get())));
  return out;
}

std::string forward_op_name(const Node& node) { return strip_backward_suffix(node.name()); }

void refresh_view_grad_fn(const Tensor& view) {
  TensorImpl& v = *view.get();
  if (!v.view_base() || v.view_version() == v.storage()->version()) return;
  TensorImpl& base = *v.view_base();
  // Nothing to regenerate from when the base has no history: a view without one stays so (and is looked
  // at again once the base gets one); a view whose base lost its requires_grad keeps what it had.
  if (!impl_requires_grad(base)) return;
  if (v.view_creation() != TensorImpl::ViewCreation::Default) refuse_view_rebase(v, /*direct=*/false, nullptr);
  std::shared_ptr<Node> old;  // released after the lock (See Note [No recursion in destruction])
  {
    // Rare (only after an in-place write), so one lock for all views: two threads looking at the same
    // stale view must not both replace its grad_fn. The base is never a view: nothing below comes back here.
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    const uint32_t current = v.storage()->version();
    if (v.view_version() == current) return;
    auto node = std::make_shared<AsStridedBackward0>(StridedGeometry::of(base), StridedGeometry::of(v));
    node->add_next_edge(gradient_edge(Tensor(v.view_base())));
    AutogradMeta& vm = v.ensure_autograd();
    old = std::move(vm.grad_fn);
    vm.output_nr = node->add_input_meta(view);
    vm.grad_fn = std::move(node);
    v.set_view_version(current);
  }
  release_node(std::move(old));
}

void check_view_inplace(const Tensor& self, const char* op) {
  const TensorImpl& v = *self.get();
  if (v.view_creation() != TensorImpl::ViewCreation::Default) refuse_view_rebase(v, /*direct=*/true, op);
  const TensorImpl& base = *v.view_base();
  FG_CHECK(!(base.autograd() && !base.autograd()->grad_fn && base.autograd()->requires_grad), Error,
           "a view of a leaf Variable that requires grad is being used in an in-place operation. (", op,
           " on a view of shape ", describe(self), ")");
}

void rebase_history(Tensor& self, const std::shared_ptr<Node>& fn) {
  if (!self->view_base()) {
    set_history(self, fn);
    return;
  }
  fn->add_input_meta(self);
  rebase_view_history(self, fn);
}

void rebase_view_history(Tensor& self, const std::shared_ptr<Node>& fn) {
  // fn's output is the view's new value; the base takes a CopySlices around it. The view's own grad_fn
  // is regenerated from the base's on its next use (its version moved on with the write).
  Tensor base(self->view_base());
  auto copy_slices =
      std::make_shared<CopySlices>(StridedGeometry::of(*base.get()), StridedGeometry::of(*self.get()), fn);
  copy_slices->add_next_edge(gradient_edge(base));
  for (size_t i = 1; i < fn->next_edges().size(); ++i) copy_slices->add_next_edge(fn->next_edges()[i]);
  fn->set_saved_output_origin(std::make_shared<ViewOfCopySlices>(copy_slices, StridedGeometry::of(*base.get()),
                                                                 StridedGeometry::of(*self.get())));
  set_history(base, copy_slices);
}

}  // namespace fastgrad

#include "fastgrad/node.h"

#include <atomic>

#include "fastgrad/autograd.h"
#include "fastgrad/ops.h"
#include "release.h"

namespace fastgrad {

// Note [No recursion in destruction]
// A graph is a chain of shared_ptr<Node>: dropping the last reference to the head would destroy the next
// Node from inside the destructor of the previous one, one stack frame per Node, and a 10^6-node chain
// would overflow the stack. Instead every reference a Node or TensorImpl drops is handed to
// release_node(): the outermost call drains a thread-local list in a loop, and destructors that run
// while it drains only append to that list. The stack depth stays constant whatever the graph.
namespace {
using NodeList = std::vector<std::shared_ptr<Node>>;

// Plain (trivially initialized) thread-locals, so that each access is cheap (Note [Static TLS] in
// grad_mode.cpp): release_node() runs for every reference a Node or TensorImpl drops. The list is made on a
// thread's first release of a Node that owns other Nodes (new_pending_list, the rare path).
thread_local NodeList* pending_release __attribute__((tls_model("initial-exec"))) = nullptr;
thread_local bool draining __attribute__((tls_model("initial-exec"))) = false;
thread_local bool pending_owner_gone __attribute__((tls_model("initial-exec"))) = false;

// Frees the thread's list when the thread exits. A thread_local with a destructor is reached through a
// TLS wrapper that registers the destructor on first use; only new_pending_list() touches this one, so
// that cost is paid once per thread and the hot path never sees it. At thread exit nothing is draining
// (draining happens inside a release_node() call), so the list is empty and deleting it destroys no Node.
struct PendingListOwner {
  NodeList* list = nullptr;
  ~PendingListOwner() {
    delete list;
    pending_release = nullptr;
    pending_owner_gone = true;  // a release after this one (from a later thread_local destructor of the
                                // same thread) frees its own list when it finishes draining
  }
};
thread_local PendingListOwner pending_owner;

__attribute__((noinline)) void new_pending_list() {
  pending_release = new NodeList();
  if (!pending_owner_gone) pending_owner.list = pending_release;
}
}  // namespace

void release_node(std::shared_ptr<Node>&& node) {
  if (!node) return;
  if (node.use_count() > 1) {  // not the last owner: dropping it destroys nothing
    node.reset();
    return;
  }
  if (draining) {
    if (!pending_release) new_pending_list();
    pending_release->push_back(std::move(node));
    return;
  }
  draining = true;
  node.reset();  // destroys this Node; the Nodes it owned alone are appended to the list (destructors
                 // do not throw)
  while (pending_release && !pending_release->empty()) {
    auto& pending = *pending_release;
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    n.reset();  // may append more Nodes to `pending`
  }
  draining = false;
  if (pending_owner_gone && pending_release) {  // only while the thread exits, after its owner is gone
    delete pending_release;
    pending_release = nullptr;
  }
}

namespace {
// PyTorch numbers Nodes per thread; the engine runs later Nodes first.
// See Note [Static TLS] in grad_mode.cpp.
thread_local uint64_t next_sequence_nr __attribute__((tls_model("initial-exec"))) = 0;
}  // namespace

Node::Node() : sequence_nr_(next_sequence_nr++) {}

Node::~Node() {
  for (auto& e : next_edges_) release_node(std::move(e.function));
  saved_.clear();  // saved inputs own their grad_fn; their release goes through release_node too
}

tensor_list Node::operator()(tensor_list&& grads) {
  FG_CHECK(!released_, Error,
           "Trying to backward through the graph a second time (or directly access saved tensors after they "
           "have already been freed). Saved intermediate values of the graph are freed when you call "
           ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
           "a second time or if you need to access saved tensors after calling backward.");
  return apply(std::move(grads));
}

Tensor Node::gradient_part(const Tensor&) const { return Tensor(); }

void Node::release_saved() {
  saved_.clear();
  released_ = true;
}

uint64_t next_hook_id() {
  static std::atomic<uint64_t> id{1};
  return id.fetch_add(1, std::memory_order_relaxed);
}

AutogradMeta::~AutogradMeta() = default;

void Node::add_retained_grad(uint32_t output_nr, const std::shared_ptr<TensorImpl>& t) {
  ensure_hooks().retained.emplace_back(output_nr, t);
}

void Node::retain_grads(const tensor_list& grads) {
  if (!hooks_) return;
  for (auto& [nr, weak] : hooks_->retained) {
    auto impl = weak.lock();
    if (!impl || nr >= grads.size() || !grads[nr].defined()) continue;
    Tensor t(impl);
    Tensor old = t.grad();
    t.set_grad(old.defined() ? add(old, grads[nr]) : clone(grads[nr]).detach());
  }
}

Tensor Node::grad_or_zeros(const tensor_list& grads, uint32_t i) const {
  if (i < grads.size() && grads[i].defined()) return grads[i];
  return zeros(input_meta(i).shape, input_meta(i).dtype);
}

// ---- SavedTensor ----

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  FG_CHECK(!t->is_inference() || InferenceMode::is_enabled(), Error,
           "Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal "
           "tensor and use it in autograd.");
  version_ = t.version();
  if (is_output) {
    data_ = t.detach();  // See Note [No cycles]: no link back to the Node that saves it
    output_nr_ = t.output_nr();
  } else {
    data_ = t;
  }
}

namespace {
std::string type_string(const Tensor& t) {
  static const char* names[] = {"BoolTensor", "IntTensor", "LongTensor", "FloatTensor", "DoubleTensor", "ByteTensor", "CharTensor", "ShortTensor", "HalfTensor", "BFloat16Tensor"};
  return std::string("[fastgrad.") + names[static_cast<int>(t.dtype())] + " " + shape_str(t.sizes()) + "]";
}
}  // namespace

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner) const {
  FG_CHECK(data_.defined(), Error,
           "Trying to backward through the graph a second time (or directly access saved tensors after they "
           "have already been freed). Specify retain_graph=True if you need to backward through the graph a "
           "second time or if you need to access saved tensors after calling backward.");
  if (data_.version() != version_) {
    // PyTorch's wording, plus who saved the tensor and which in-place op changed it last.
    std::string origin;
    const AutogradMeta* m = data_->autograd();
    if (is_output_) origin = ", which is output " + std::to_string(output_nr_) + " of " + forward_op_name(*owner) + ",";
    else if (m && m->grad_fn)
      origin = ", which is output " + std::to_string(m->output_nr) + " of " + forward_op_name(*m->grad_fn) + ",";
    const char* op = data_.storage()->last_inplace_op();
    throw Error(
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: " +
        type_string(data_) + origin + " is at version " + std::to_string(data_.version()) + "; expected version " +
        std::to_string(version_) + " instead. It was saved for backward by " + owner->name() +
        (op ? std::string(" and then modified by ") + op : std::string()) +
        ". Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "fastgrad.autograd.set_detect_anomaly(True).");
  }
  if (is_output_ && GradMode::is_enabled()) {
    // Higher-order gradients need the saved output's history: re-link it to its Node for this use only.
    Tensor t = data_.detach();
    std::shared_ptr<Node> fn = origin_ ? origin_->grad_fn(t) : owner;
    if (!fn) return t;
    auto& m = t->ensure_autograd();
    m.output_nr = origin_ ? 0 : output_nr_;
    m.grad_fn = std::move(fn);
    return t;
  }
  return data_;
}

// ---- AccumulateGrad ----

namespace {
// grad += incoming for the common case of two contiguous tensors of one shape and dtype: the sum every
// training step does per parameter, without the general in-place protocol's checks, temporary and copy
// (nothing can observe the difference: .grad has no history here, and the version is bumped the same).
bool add_same_layout(Tensor& grad, const Tensor& incoming) {
  // float32 and float64 only: float16/bfloat16 gradients are added by add_ (Note [Storage dtypes])
  const bool wide = grad.dtype() == ScalarType::Float32 || grad.dtype() == ScalarType::Float64;
  if (grad.dtype() != incoming.dtype() || !wide || !grad.is_contiguous() || !incoming.is_contiguous() ||
      grad.sizes() != incoming.sizes() || grad.storage() == incoming.storage())
    return false;
  int64_t n = grad.numel();
  if (grad.dtype() == ScalarType::Float32) {
    float* d = grad.data<float>();
    const float* s = incoming.data<float>();
    for (int64_t i = 0; i < n; ++i) d[i] += s[i];
  } else {
    double* d = grad.data<double>();
    const double* s = incoming.data<double>();
    for (int64_t i = 0; i < n; ++i) d[i] += s[i];
  }
  grad.bump_version();
  return true;
}
}  // namespace

AccumulateGrad::AccumulateGrad(const Tensor& variable)
    : Node(UINT64_MAX), variable_(variable.impl()) {  // accumulate as soon as ready
  is_accumulator_ = true;
  add_input_meta(variable);
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  if (grads.empty() || !grads[0].defined()) return {};
  Tensor& incoming = grads[0];
  const Tensor leaf = variable();
  if (!leaf.defined()) return {};
  AutogradMeta& m = leaf->ensure_autograd();
  std::lock_guard<std::mutex> lock(m.mutex);
  if (GradMode::is_enabled()) {  // create_graph: keep the history of the gradient
    m.grad = m.grad.defined() ? add(m.grad, incoming) : incoming;
    return {};
  }
  if (!m.grad.defined()) {
    // Steal the buffer when nothing else can see it; otherwise copy, so that .grad never aliases a
    // tensor the user or another Node holds.
    bool exclusive = incoming.impl().use_count() == 1 && incoming.storage().use_count() == 1 &&
                     incoming.is_contiguous() && !incoming.requires_grad();
    m.grad = exclusive ? incoming : contiguous(clone(incoming));
  } else if (m.grad.requires_grad()) {
    m.grad = add(m.grad, incoming);
  } else if (!add_same_layout(m.grad, incoming)) {
    add_(m.grad, incoming);  // in place, as PyTorch does: views of .grad see the sum
  }
  return {};
}

void AccumulateGrad::run_post_accumulate_hooks() {
  const Tensor leaf = variable();
  AutogradMeta* m = leaf.defined() ? leaf->autograd() : nullptr;
  if (!m || !m->hooks) return;
  auto hooks = m->hooks->post_accumulate;  // a hook may remove itself
  for (auto& h : hooks) (*h.hook)(leaf);
}

// ---- wiring ----

// Note [Leaf accumulator]
// A leaf that requires grad owns its AccumulateGrad from its first use on, and the accumulator refers
// back to the leaf weakly. A graph that uses the leaf holds the accumulator through an aliasing
// shared_ptr: it points at the accumulator but shares (owns) the leaf's TensorImpl. So, as in PyTorch, a
// graph keeps the leaf alive, and so its accumulator, for as long as the graph lives (a leaf dropped by
// the user still receives its gradient and `AccumulateGrad.variable` still returns it), while recording an
// op on a leaf allocates nothing for the leaf: no reference-counted cycle forms (leaf -> accumulator only;
// graph -> leaf), and dropping a graph frees nothing of the leaf's while the user still holds it.
// Consequences: the accumulator, and hooks registered on it as a Node, live as long as the leaf (in
// PyTorch they may die with the last graph that used the leaf); such hooks are Python objects the leaf owns,
// visible to the garbage collector (Note [Tensors and the garbage collector] in python/src/tensor.cpp).
// The accumulator is replaced (the old one retired, kept until the leaf dies) only when `x.data = y`
// changes the leaf's shape or dtype, so that the next graph validates gradients against the new metadata.
// Python Node objects for an accumulator are made from the aliasing pointer (node_object in
// python/src/autograd.cpp), so they too keep the leaf alive.
std::shared_ptr<Node> grad_accumulator(const Tensor& t) {
  AutogradMeta& m = t->ensure_autograd();
  Node* acc = m.accumulator.load(std::memory_order_acquire);
  if (!acc) {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (!m.grad_accumulator) {
      m.grad_accumulator = std::make_shared<AccumulateGrad>(t);
      m.accumulator.store(m.grad_accumulator.get(), std::memory_order_release);
    }
    acc = m.grad_accumulator.get();
  }
  return std::shared_ptr<Node>(t.impl(), acc);
}

void refresh_grad_accumulator(const Tensor& leaf) {
  AutogradMeta* m = leaf->autograd();
  if (!m) return;
  std::lock_guard<std::mutex> lock(m->mutex);
  if (!m->grad_accumulator) return;
  const InputMeta& meta = m->grad_accumulator->input_meta(0);
  if (meta.shape == leaf.sizes() && meta.dtype == leaf.dtype()) return;
  m->retired_accumulators.push_back(std::move(m->grad_accumulator));
  m->grad_accumulator.reset();
  m->accumulator.store(nullptr, std::memory_order_release);
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  if (t->view_is_stale()) refresh_view_grad_fn(t);  // See Note [Differentiable views]
  auto* m = t->autograd();
  if (!m) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  if (m->requires_grad) return {grad_accumulator(t), 0};
  return {};
}

void set_history(Tensor& out, const std::shared_ptr<Node>& node) {
  if (AnomalyMode::is_enabled() && (!node->hooks() || node->hooks()->creation_trace.empty()))
    node->ensure_hooks().creation_trace = AnomalyMode::current_trace();
  AutogradMeta& m = out->ensure_autograd();
  m.output_nr = node->add_input_meta(out);
  m.grad_fn = node;
}

}  // namespace fastgrad

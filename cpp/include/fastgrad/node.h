// The backward graph: Nodes joined by Edges. A Node is the derivative of one forward op: apply() takes the
// gradients of the op's outputs and returns the gradients of its inputs, in next_edges order.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fastgrad/tensor.h"

namespace fastgrad {

class Node;

/// Where a gradient goes: input `input_nr` of `function`. A null function means "no gradient needed".
struct Edge {
  /// The Node that receives the gradient (null: none needed).
  std::shared_ptr<Node> function;
  /// Which of its inputs the gradient is for.
  uint32_t input_nr = 0;
  /// True when the edge leads somewhere.
  bool valid() const { return function != nullptr; }
};

/// A Node's next edges. Most Nodes have one or two (unary and binary ops): those live inside the Node, so
/// creating a Node costs one allocation, not two (See docs/design.md, section 8). More spill to the heap.
class EdgeList {
 public:
  /// No edges.
  EdgeList() = default;
  EdgeList(const EdgeList&) = delete;
  EdgeList& operator=(const EdgeList&) = delete;
  ~EdgeList() {
    clear();
    if (on_heap()) ::operator delete(heap());
  }

  /// The number of edges.
  size_t size() const { return size_; }
  /// True when there are none.
  bool empty() const { return size_ == 0; }
  /// Iteration.
  Edge* begin() { return data(); }
  /// Iteration.
  Edge* end() { return data() + size_; }
  /// Iteration.
  const Edge* begin() const { return data(); }
  /// Iteration.
  const Edge* end() const { return data() + size_; }
  /// The i-th edge.
  Edge& operator[](size_t i) { return data()[i]; }
  /// The i-th edge.
  const Edge& operator[](size_t i) const { return data()[i]; }

  /// Makes room for n edges.
  void reserve(size_t n) {
    if (n <= capacity_) return;
    Edge* fresh = static_cast<Edge*>(::operator new(n * sizeof(Edge)));
    Edge* old = data();
    for (size_t i = 0; i < size_; ++i) {
      new (fresh + i) Edge(std::move(old[i]));
      old[i].~Edge();
    }
    if (on_heap()) ::operator delete(old);
    std::memcpy(inline_, &fresh, sizeof fresh);  // the inline edges are gone: their storage holds the pointer
    capacity_ = static_cast<uint32_t>(n);
  }
  /// Appends an edge.
  void push_back(Edge e) {
    if (size_ == capacity_) reserve(2 * capacity_);
    new (data() + size_) Edge(std::move(e));
    ++size_;
  }
  /// Removes every edge (the Nodes they lead to may be freed).
  void clear() {
    Edge* d = data();
    for (size_t i = 0; i < size_; ++i) d[i].~Edge();
    size_ = 0;
  }

 private:
  static constexpr uint32_t kInline = 2;
  // Spilled edges: the heap array's address is kept in the (then unused) inline storage.
  bool on_heap() const { return capacity_ > kInline; }
  Edge* heap() const {
    Edge* p;
    std::memcpy(&p, inline_, sizeof p);
    return p;
  }
  Edge* data() { return on_heap() ? heap() : reinterpret_cast<Edge*>(inline_); }
  const Edge* data() const { return on_heap() ? heap() : reinterpret_cast<const Edge*>(inline_); }
  alignas(Edge) unsigned char inline_[kInline * sizeof(Edge)];
  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
};

/// Shape and dtype of one forward output, i.e. of the gradient that Node input receives.
struct InputMeta {
  /// The shape of the gradient.
  Dims shape;
  /// The dtype of the gradient.
  ScalarType dtype;
};

/// Where a saved output's history lives when it is not its saver's output: after an in-place op on a view,
/// the view's new value is the base's CopySlices output seen through the view (autograd/copy_slices.cpp).
/// Held by the saved tensor; must not own the Node that owns the saver (Note [No cycles]).
struct SavedOutputOrigin {
  virtual ~SavedOutputOrigin() = default;
  /// The history to re-link the saved output to (its output 0), or null when that Node is gone.
  virtual std::shared_ptr<Node> grad_fn(const Tensor& saved) const = 0;
};

/// A tensor saved for backward. Note [No cycles]: a Node that saves its own output must not own that
/// output's grad_fn (itself), so outputs are saved as data only and re-linked to the Node on unpack.
/// See Note [Version counter]: unpack() refuses a tensor that was modified in place since it was saved.
class SavedTensor {
 public:
  /// Nothing saved.
  SavedTensor() = default;
  /// Saves t (as data only when it is the saving Node's own output, Note [No cycles]).
  SavedTensor(const Tensor& t, bool is_output);
  /// The saved tensor, re-linked to `owner` for outputs; throws when it was modified in place since.
  Tensor unpack(const std::shared_ptr<Node>& owner) const;
  /// True when something is saved.
  bool defined() const { return data_.defined(); }
  /// Frees the saved tensor.
  void reset() { data_ = Tensor(); }
  /// True when the saved tensor is the saving Node's output.
  bool is_output() const { return is_output_; }
  /// Re-links a saved output to `origin` instead of its saver.
  void set_origin(std::shared_ptr<const SavedOutputOrigin> origin) { origin_ = std::move(origin); }

 private:
  Tensor data_;
  std::shared_ptr<const SavedOutputOrigin> origin_;
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
};

/// Hooks: callbacks the engine runs around Nodes, in PyTorch's order (Note [Hook order] in autograd/engine.cpp).
/// A hook returning an undefined Tensor / nullopt leaves the gradients as they are.
struct TensorHook {  // Tensor.register_hook: sees (and may replace) the gradient of one tensor
  virtual ~TensorHook() = default;
  /// Returns the replacement gradient, or an undefined Tensor to keep grad.
  virtual Tensor operator()(const Tensor& grad) = 0;
};
/// Node.register_prehook: sees (and may replace) the gradients of the Node's outputs.
struct NodePreHook {  // Node.register_prehook: sees the gradients of the Node's outputs
  virtual ~NodePreHook() = default;
  /// Returns replacement gradients, or nullopt to keep them.
  virtual std::optional<tensor_list> operator()(const tensor_list& grad_outputs) = 0;
};
/// Node.register_hook: sees (and may replace) the gradients the Node computed for its inputs.
struct NodePostHook {  // Node.register_hook: sees the gradients the Node computed for its inputs
  virtual ~NodePostHook() = default;
  /// Returns replacement input gradients, or nullopt to keep them.
  virtual std::optional<tensor_list> operator()(const tensor_list& grad_inputs, const tensor_list& grad_outputs) = 0;
};
/// Tensor.register_post_accumulate_grad_hook: runs after a leaf's .grad is updated.
struct PostAccumulateGradHook {  // Tensor.register_post_accumulate_grad_hook: runs after .grad is updated
  virtual ~PostAccumulateGradHook() = default;
  /// Called with the leaf after its .grad changed.
  virtual void operator()(const Tensor& leaf) = 0;
};

template <class Hook>
struct HookEntry {
  /// The handle's id (for removal).
  uint64_t id;
  /// The callback.
  std::shared_ptr<Hook> hook;
};
/// A new id for a hook handle (process-wide, increasing).
uint64_t next_hook_id();

// Removes the entry with `id` from a hook list; true if it was there.
template <class List>
bool remove_hook_entry(List& list, uint64_t id) {
  for (auto it = list.begin(); it != list.end(); ++it)
    if (it->id == id) {
      list.erase(it);
      return true;
    }
  return false;
}

/// Hooks registered on a leaf (non-leaf tensor hooks live on their grad_fn, see NodeHooks).
struct LeafHooks {
  /// Tensor hooks of the leaf, in registration order.
  std::vector<HookEntry<TensorHook>> grad;
  /// Post-accumulate-grad hooks of the leaf.
  std::vector<HookEntry<PostAccumulateGradHook>> post_accumulate;
};

/// Everything a Node may carry besides its math. Allocated on first use, so plain Nodes stay small.
struct NodeHooks {
  /// A hook on one output of the Node (a non-leaf tensor's register_hook).
  struct TensorPreHook {
    /// The handle's id.
    uint64_t id;
    /// Which output it watches.
    uint32_t output_nr;
    /// The callback.
    std::shared_ptr<TensorHook> hook;
  };
  std::vector<TensorPreHook> tensor_pre;  ///< hooks of the non-leaf tensors this Node made
  /// Node.register_prehook hooks.
  std::vector<HookEntry<NodePreHook>> pre;
  /// Node.register_hook hooks.
  std::vector<HookEntry<NodePostHook>> post;
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained;  ///< retain_grad() outputs
  std::string creation_trace;  ///< where the forward op ran, kept in anomaly mode
  std::vector<InputMeta> more_input_meta;  ///< outputs after the first (multi-output ops: split, unbind, ...)
};

/// A backward function: the derivative of one forward op (see the note above and docs/design.md, section 4).
class Node : public std::enable_shared_from_this<Node> {
 public:
  /// A Node with the next sequence number.
  Node();
  /// A Node with a given sequence number (the engine runs higher numbers first).
  explicit Node(uint64_t sequence_nr) : sequence_nr_(sequence_nr) {}
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The PyTorch class name of the Node ("MulBackward0").
  virtual std::string name() const = 0;
  /// Gradients of the forward outputs -> gradients of the forward inputs, in next_edges order.
  virtual tensor_list apply(tensor_list&& grads) = 0;

  /// Runs apply() with PyTorch's checks: refuses a released graph and unpacks saved tensors lazily.
  tensor_list operator()(tensor_list&& grads);

  /// Frees what the Node saved; the graph can then no longer be run (released() is set).
  virtual void release_saved();
  /// True after release_saved().
  bool released() const { return released_; }
  /// The engine's cheap alternative to dynamic_cast<AccumulateGrad*> on every Node it runs.
  bool is_accumulator() const { return is_accumulator_; }
  // Note [Gradients of parts] (autograd/engine.cpp): a Node whose gradient for its one input is zeros except
  // for the incoming gradient in one part of it (select, slice) sets gradient_is_part_ and returns that part of
  // `base`, a tensor of the input's shape, from gradient_part (undefined when `base` does not fit).
  /// True when gradient_part() can give this Node's input gradient (Note [Gradients of parts]).
  bool gradient_is_part() const { return gradient_is_part_; }
  /// The part of `base` that receives the incoming gradient (undefined when base does not fit).
  virtual Tensor gradient_part(const Tensor& base) const;

  /// The order of creation (the engine runs later Nodes first).
  uint64_t sequence_nr() const { return sequence_nr_; }
  /// Where the input gradients go.
  const EdgeList& next_edges() const { return next_edges_; }
  /// Where the input gradients go (for rewiring).
  EdgeList& mutable_next_edges() { return next_edges_; }
  /// Appends an edge.
  void add_next_edge(Edge e) { next_edges_.push_back(std::move(e)); }
  /// Makes room for n edges.
  void reserve_next_edges(size_t n) { next_edges_.reserve(n); }
  /// Almost every Node has one output: its metadata lives in the Node itself (no allocation per op).
  uint32_t num_inputs() const { return num_inputs_; }
  /// The shape and dtype of forward output i.
  const InputMeta& input_meta(uint32_t i) const { return i == 0 ? first_input_meta_ : hooks_->more_input_meta[i - 1]; }
  /// Records the shape and dtype of one more forward output; returns its index.
  uint32_t add_input_meta(const Tensor& t) {
    if (num_inputs_ == 0) first_input_meta_ = {t.sizes(), t.dtype()};
    else ensure_hooks().more_input_meta.push_back({t.sizes(), t.dtype()});
    return num_inputs_++;
  }
  /// True when input i of the forward op needs a gradient.
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].valid(); }

  /// Saved tensors, by slot. Kept in the base class so that releasing and introspection are generic.
  size_t save(const Tensor& t, bool is_output = false) {
    if (saved_.empty()) saved_.reserve(2);  // most Nodes save one or two tensors: one allocation
    saved_.emplace_back(t, is_output);
    return saved_.size() - 1;
  }
  /// Saved tensor i, unpacked (checked against in-place changes).
  Tensor saved(size_t i) { return saved_[i].unpack(shared_from_this()); }
  /// The number of saved slots.
  size_t num_saved() const { return saved_.size(); }
  /// Re-links the outputs this Node saved to `origin` instead of to the Node itself (see SavedOutputOrigin).
  void set_saved_output_origin(const std::shared_ptr<const SavedOutputOrigin>& origin) {
    for (SavedTensor& s : saved_)
      if (s.is_output()) s.set_origin(origin);
  }

  /// Tensors whose .grad is filled from this Node's incoming gradient (retain_grad on a non-leaf).
  void add_retained_grad(uint32_t output_nr, const std::shared_ptr<TensorImpl>& t);
  /// Fills the .grad of retained outputs from the incoming gradients.
  void retain_grads(const tensor_list& grads);

  /// The Node's hooks and extra data, or null.
  NodeHooks* hooks() const { return hooks_.get(); }
  /// The Node's hooks and extra data, made on first use.
  NodeHooks& ensure_hooks() {
    if (!hooks_) hooks_ = std::make_unique<NodeHooks>();
    return *hooks_;
  }

 protected:
  /// Zeros of the right shape for gradients that did not arrive (outputs that were not used).
  Tensor grad_or_zeros(const tensor_list& grads, uint32_t i) const;

 private:
  uint64_t sequence_nr_;
  uint32_t num_inputs_ = 0;
  bool released_ = false;

 protected:
  bool is_accumulator_ = false;  ///< beside released_ and num_inputs_: the four share 8 bytes
  /// Set by Nodes whose input gradient is a part of a bigger tensor (select, slice).
  bool gradient_is_part_ = false;

 private:
  EdgeList next_edges_;
  InputMeta first_input_meta_{{}, ScalarType::Float32};
  std::vector<SavedTensor> saved_;
  std::unique_ptr<NodeHooks> hooks_;
};

/// Sums incoming gradients into a leaf's .grad. The leaf owns it and it refers to the leaf weakly; a graph
/// holds it through an aliasing pointer that owns the leaf (See Note [Leaf accumulator] in autograd/node.cpp).
class AccumulateGrad final : public Node {
 public:
  /// The accumulator of `variable` (a leaf).
  explicit AccumulateGrad(const Tensor& variable);
  /// "AccumulateGrad".
  std::string name() const override { return "AccumulateGrad"; }
  /// Adds the gradient to the leaf's .grad (running the leaf's hooks first).
  tensor_list apply(tensor_list&& grads) override;
  /// Nothing to release: accumulators are shared by every graph that uses the leaf.
  void release_saved() override {}  // accumulators are shared by all graphs that use the leaf
  /// The leaf; undefined only if this accumulator was reached without its leaf (never through an Edge).
  Tensor variable() const { return Tensor(variable_.lock()); }
  /// Runs the leaf's post-accumulate-grad hooks.
  void run_post_accumulate_hooks();

 private:
  std::weak_ptr<TensorImpl> variable_;
};

/// The edge a gradient for `t` flows along: its grad_fn, or its leaf accumulator, or nothing.
Edge gradient_edge(const Tensor& t);
/// The leaf's accumulator, created on first use: a pointer to it that owns the leaf (it lives as long as
/// the leaf does).
std::shared_ptr<Node> grad_accumulator(const Tensor& t);
/// After `x.data = y`: a leaf whose shape or dtype changed gets a fresh accumulator on its next use.
void refresh_grad_accumulator(const Tensor& leaf);

/// Makes `out` an output of `node` (sets grad_fn, output_nr and the Node's input metadata).
void set_history(Tensor& out, const std::shared_ptr<Node>& node);

/// See Note [Differentiable views] in tensor.h (autograd/copy_slices.cpp).
/// Makes `self`, just written in place, the output of `node`; when self is a view, its base's history is
/// rebased onto a CopySlices Node wrapping `node` instead, and self's grad_fn follows on its next use.
void rebase_history(Tensor& self, const std::shared_ptr<Node>& node);
/// Regenerates a stale view's grad_fn as AsStridedBackward0 of its base (no-op when it is up to date).
void refresh_view_grad_fn(const Tensor& view);
/// Refuses an in-place op on a view under autograd as PyTorch does (views made in no-grad mode or as one of
/// several outputs; views of a leaf that requires grad).
void check_view_inplace(const Tensor& view, const char* op);
/// A Node's forward op as PyTorch names it in messages ("ExpBackward0" -> "Exp").
std::string forward_op_name(const Node& node);

// Creates node N (its constructor arguments follow), wiring next_edges to `inputs` in order.
template <class N, class... Args>
std::shared_ptr<N> make_node(std::initializer_list<const Tensor*> inputs, Args&&... args) {
  auto node = std::make_shared<N>(std::forward<Args>(args)...);
  node->reserve_next_edges(inputs.size());
  for (const Tensor* t : inputs) node->add_next_edge(t ? gradient_edge(*t) : Edge{});
  return node;
}

}  // namespace fastgrad

// The backward engine. See docs/design.md, section 4. (The grad-mode state it switches is in grad_mode.cpp.)
//
// Note [Engine]
// 1. Count, for every Node reachable from the roots, how many edges point at it (explicit stack, no
//    recursion: graphs may be 10^6 Nodes deep).
// 2. Put the roots' gradients into per-Node input buffers; a Node whose count is zero is ready.
// 3. Pop ready Nodes from a heap ordered by sequence number (the latest-created first, as PyTorch does),
//    run them, add each output gradient into the buffer of the Node its edge points at, and decrement
//    that Node's count. Buffers sum the gradients of all uses of a tensor.
// 4. Unless the graph is retained, each Node frees its saved tensors once run, and refuses to run again.
// With `inputs` (autograd.grad, backward(inputs=...)), only the Nodes on a path to an input run, and the
// gradients arriving at the inputs are captured instead of accumulated.
#include <algorithm>
#include <atomic>
#include <chrono>

#include "fastgrad/autograd.h"
#include "fastgrad/ops.h"
#include "grad_mode.h"
#include "fastgrad/autocast.h"

namespace fastgrad {

namespace {

struct NodeState {
  int dependencies = 0;
  bool needed = true;  // false when capturing and no path leads from this Node to an input
  bool visited = false;
  tensor_list buffer;                                 // one slot per Node input
  std::vector<std::pair<uint32_t, size_t>> captures;  // (input_nr, index into the results)
};

// The NodeState of every Node of one backward pass: a flat open-addressing table from Node* to a slot in
// a vector, because a std::unordered_map costs an allocation per Node, which dominates small graphs.
// States are only added while dependencies are counted; references stay valid after that.
class GraphState {
 public:
  GraphState() : keys_(16, nullptr), slots_(16, 0) { states_.reserve(8); }

  NodeState& operator[](Node* n) {
    size_t i = probe(n);
    if (keys_[i] == n) return states_[slots_[i]];
    if ((states_.size() + 1) * 2 > keys_.size()) {
      grow();
      i = probe(n);
    }
    keys_[i] = n;
    slots_[i] = static_cast<uint32_t>(states_.size());
    nodes_.push_back(n);
    return states_.emplace_back();
  }
  NodeState* find(Node* n) {
    size_t i = probe(n);
    return keys_[i] == n ? &states_[slots_[i]] : nullptr;
  }
  size_t size() const { return states_.size(); }
  Node* node(size_t slot) const { return nodes_[slot]; }
  NodeState& state(size_t slot) { return states_[slot]; }

 private:
  size_t probe(Node* n) const {
    size_t mask = keys_.size() - 1;
    size_t i = (reinterpret_cast<uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ull >> 20 & mask;
    while (keys_[i] && keys_[i] != n) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Node*> old = std::move(keys_);
    std::vector<uint32_t> old_slots = std::move(slots_);
    keys_.assign(old.size() * 2, nullptr);
    slots_.assign(old.size() * 2, 0);
    for (size_t j = 0; j < old.size(); ++j)
      if (old[j]) {
        size_t i = probe(old[j]);
        keys_[i] = old[j];
        slots_[i] = old_slots[j];
      }
  }
  std::vector<Node*> keys_;
  std::vector<uint32_t> slots_;
  std::vector<Node*> nodes_;  // by slot
  std::vector<NodeState> states_;
};

void accumulate_into(tensor_list& buffer, uint32_t slot, Tensor&& grad) {
  if (buffer.size() <= slot) buffer.resize(slot + 1);
  Tensor& cur = buffer[slot];
  if (!cur.defined()) {
    cur = std::move(grad);
  } else if (!GradMode::is_enabled() && cur.impl().use_count() == 1 && cur.storage().use_count() == 1 &&
             cur.sizes() == broadcast_shapes(cur.sizes(), grad.sizes(), "backward") &&
             cur.dtype() == promote_types(cur.dtype(), grad.dtype())) {
    add_(cur, grad);  // the buffer owns `cur` alone: summing in place is invisible to anyone else
  } else {
    cur = add(cur, grad);
  }
}

// Note [Gradients of parts]
// The gradient of a part of x (x[:, t], x[a:b]: SelectBackward0, SliceBackward0) is zeros of x's shape with the
// incoming gradient in the part. A loop `for t in range(T): h = f(x[:, t], h)` would make T of those full-size
// tensors and add them up: O(T^2) work in backward for O(T) in forward. Instead, when backward records no graph
// (no create_graph), the engine adds the incoming gradient straight into that part of the buffer for x's Node:
// zeros made once, or the gradient already there when the buffer holds it alone. The sums are the dense path's,
// element by element, without the additions of zero. Nodes with post-hooks (they see the full output) and anomaly
// mode (it checks the output) take the dense path.
bool add_into_part(const Node& node, const Tensor& grad, const Edge& e, GraphState& state) {
  if (!e.function) return true;  // the input needs no gradient
  const InputMeta& meta = e.function->input_meta(e.input_nr);
  if (node.released() || !grad.defined() || grad.dtype() != meta.dtype) return false;
  tensor_list& buffer = state.find(e.function.get())->buffer;
  if (buffer.size() <= e.input_nr) buffer.resize(e.input_nr + 1);
  Tensor& cur = buffer[e.input_nr];
  if (!cur.defined()) {
    cur = zeros(meta.shape, meta.dtype);
  } else if (cur.impl().use_count() != 1 || cur.storage().use_count() != 1 || cur.sizes() != meta.shape ||
             cur.dtype() != meta.dtype || !cur.is_contiguous()) {
    cur = add(cur, zeros(meta.shape, meta.dtype));  // a copy of the buffer's own (broadcast to x's shape)
  }
  Tensor part = node.gradient_part(cur);
  if (!part.defined()) return false;
  add_(part, grad);
  return true;
}

// Brings a Node's output gradient to the shape and dtype of the forward input it belongs to.
Tensor validate_gradient(Tensor grad, const Node& node, size_t index, const InputMeta& meta) {
  if (grad.sizes() != meta.shape) {
    bool expandable = grad.dim() >= static_cast<int64_t>(meta.shape.size());
    if (expandable) {
      try {
        expandable = broadcast_shapes(meta.shape, grad.sizes(), "backward") == grad.sizes();
      } catch (const Error&) {
        expandable = false;
      }
    }
    FG_CHECK(expandable, Error, "Function ", node.name(), " returned an invalid gradient at index ", index, " - got ",
             shape_str(grad.sizes()), " but expected shape compatible with ", shape_str(meta.shape));
    grad = sum_to(grad, meta.shape);
  }
  if (grad.dtype() != meta.dtype) grad = to_dtype(grad, meta.dtype);
  return grad;
}

// Note [Hook order]: PyTorch's documented order. The hooks of the tensors whose gradients this Node
// receives run first (Tensor.register_hook; for a leaf, the hooks on the leaf), then retain_grad() stores
// the result, then the Node's pre-hooks run; after the Node, its post-hooks see inputs and outputs; an
// AccumulateGrad finally runs the leaf's post-accumulate-grad hooks.
void run_tensor_hooks(Node* node, tensor_list& inputs) {
  if (NodeHooks* h = node->hooks()) {
    auto hooks = h->tensor_pre;  // copied: a hook may remove itself
    for (auto& e : hooks) {
      Tensor& g = inputs[e.output_nr];
      if (!g.defined()) continue;
      Tensor r = (*e.hook)(g);
      if (r.defined()) g = std::move(r);
    }
  }
  if (node->is_accumulator()) {
    const Tensor leaf = static_cast<AccumulateGrad*>(node)->variable();
    AutogradMeta* m = leaf.defined() ? leaf->autograd() : nullptr;
    if (m && m->hooks && !inputs.empty() && inputs[0].defined()) {
      auto hooks = m->hooks->grad;
      for (auto& e : hooks) {
        Tensor r = (*e.hook)(inputs[0]);
        if (r.defined()) inputs[0] = std::move(r);
      }
    }
  }
}

void run_node_pre_hooks(Node* node, tensor_list& inputs) {
  NodeHooks* h = node->hooks();
  if (!h || h->pre.empty()) return;
  auto hooks = h->pre;
  for (auto& e : hooks)
    if (auto r = (*e.hook)(inputs)) {
      FG_CHECK(r->size() == inputs.size(), Error, "hook '", node->name(), "' has changed the number of gradients (",
               "expected ", inputs.size(), ", got ", r->size(), ")");
      inputs = std::move(*r);
    }
}

void run_node_post_hooks(Node* node, tensor_list& outputs, const tensor_list& inputs) {
  NodeHooks* h = node->hooks();
  if (!h || h->post.empty()) return;
  auto hooks = h->post;
  for (auto& e : hooks)
    if (auto r = (*e.hook)(outputs, inputs)) {
      FG_CHECK(r->size() == outputs.size(), Error, "hook '", node->name(), "' has changed the number of grad_inputs ",
               "(expected ", outputs.size(), ", got ", r->size(), ")");
      outputs = std::move(*r);
    }
}

// Anomaly mode: a NaN in a gradient is reported at the Node that produced it, with where it was made.
void check_for_nan(const Node& node, const tensor_list& outputs) {
  NoGradGuard no_grad;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& g = outputs[i];
    if (!g.defined() || !is_floating(g.dtype())) continue;
    bool nan = sum(compare(g, g, CompareOp::Ne)).item().i > 0;  // NaN is the only value unequal to itself
    if (!nan) continue;
    std::string msg = "Function '" + node.name() + "' returned nan values in its " + std::to_string(i) + "th output.";
    if (NodeHooks* h = node.hooks(); h && !h->creation_trace.empty())
      msg += "\nTraceback of forward call that caused the error:\n" + h->creation_trace;
    throw Error(msg);
  }
}

// Polls for interruption every few milliseconds of engine time, not per Node: the clock is cheap, the
// poll (which takes the GIL in Python) is not.
class InterruptTimer {
 public:
  void tick() {
    if (++count_ % 32 != 0) return;
    InterruptPoll poll = current_interrupt_poll();
    if (!poll) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(10)) return;
    last_ = now;
    poll();
  }

 private:
  uint64_t count_ = 0;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

struct ReadyCompare {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

// Runs the graph below `roots`. Returns the gradients captured for `capture` (empty when none).
tensor_list execute(const std::vector<Edge>& roots, tensor_list&& root_grads, bool keep_graph, bool create_graph,
                    const std::vector<Edge>& capture) {
  AutoGradMode mode(create_graph);
  AutocastOff no_autocast;  // Note [Autocast]
  GraphState state;

  // 1. Dependencies, with an explicit stack (Note [No recursion]).
  std::vector<Node*> stack;
  stack.reserve(16);
  for (const Edge& r : roots)
    if (r.function && !state[r.function.get()].visited) {
      state[r.function.get()].visited = true;
      stack.push_back(r.function.get());
    }
  InterruptTimer interrupt;
  while (!stack.empty()) {
    interrupt.tick();
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.function) continue;
      NodeState& s = state[e.function.get()];
      ++s.dependencies;
      if (!s.visited) {
        s.visited = true;
        stack.push_back(e.function.get());
      }
    }
  }

  tensor_list results(capture.size());
  if (!capture.empty()) {
    for (size_t i = 0; i < capture.size(); ++i)
      if (NodeState* s = state.find(capture[i].function.get())) s->captures.emplace_back(capture[i].input_nr, i);
    // A Node is needed when it is captured or one of its next Nodes is needed. Children are not
    // guaranteed to come after their parents in discovery order for DAGs, so walk a reverse topological
    // order computed with Kahn's algorithm on a copy of the counts. (Slots are in discovery order.)
    std::vector<int> remaining(state.size());
    for (size_t i = 0; i < state.size(); ++i) remaining[i] = state.state(i).dependencies;
    auto slot_of = [&](Node* n) { return static_cast<size_t>(state.find(n) - &state.state(0)); };
    std::vector<Node*> topo;
    for (size_t i = 0; i < state.size(); ++i)
      if (remaining[i] == 0) topo.push_back(state.node(i));
    for (size_t i = 0; i < topo.size(); ++i)
      for (const Edge& e : topo[i]->next_edges())
        if (e.function && --remaining[slot_of(e.function.get())] == 0) topo.push_back(e.function.get());
    for (size_t i = topo.size(); i-- > 0;) {
      Node* n = topo[i];
      NodeState& s = *state.find(n);
      s.needed = !s.captures.empty();
      for (const Edge& e : n->next_edges())
        if (e.function && state.find(e.function.get())->needed) s.needed = true;
    }
  }

  // 2. Seed the buffers.
  for (size_t i = 0; i < roots.size(); ++i)
    if (roots[i].function)
      accumulate_into(state[roots[i].function.get()].buffer, roots[i].input_nr, std::move(root_grads[i]));

  std::vector<Node*> heap;
  heap.reserve(16);
  for (const Edge& r : roots) {
    Node* n = r.function.get();
    if (n && state.find(n)->dependencies == 0 && std::find(heap.begin(), heap.end(), n) == heap.end()) {
      heap.push_back(n);
      std::push_heap(heap.begin(), heap.end(), ReadyCompare{});
    }
  }

  // 3. Run.
  const bool anomaly = AnomalyMode::is_enabled();
  while (!heap.empty()) {
    interrupt.tick();
    std::pop_heap(heap.begin(), heap.end(), ReadyCompare{});
    Node* node = heap.back();
    heap.pop_back();
    NodeState& s = *state.find(node);
    tensor_list inputs = std::move(s.buffer);
    inputs.resize(node->num_inputs());

    run_tensor_hooks(node, inputs);
    node->retain_grads(inputs);
    for (auto& [input_nr, index] : s.captures) results[index] = inputs[input_nr];
    if (!s.needed) continue;
    auto* accumulate = node->is_accumulator() ? static_cast<AccumulateGrad*>(node) : nullptr;
    if (accumulate && !capture.empty()) continue;  // grad(): leave .grad alone

    bool any = std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return t.defined(); });
    tensor_list outputs;
    bool placed = false;  // the gradient went into a part of the next buffer (Note [Gradients of parts])
    if (any) {
      run_node_pre_hooks(node, inputs);
      bool has_post = node->hooks() && !node->hooks()->post.empty();
      placed = node->gradient_is_part() && !has_post && !anomaly && !GradMode::is_enabled() &&
               node->next_edges().size() == 1 && add_into_part(*node, inputs[0], node->next_edges()[0], state);
      if (placed && !keep_graph) node->release_saved();
    }
    if (any && !placed) {
      bool has_post = node->hooks() && !node->hooks()->post.empty();
      tensor_list kept_inputs = has_post ? inputs : tensor_list();
      outputs = (*node)(std::move(inputs));
      if (has_post) run_node_post_hooks(node, outputs, kept_inputs);
      if (anomaly) check_for_nan(*node, outputs);
      if (accumulate) accumulate->run_post_accumulate_hooks();
      if (!keep_graph) node->release_saved();
    }
    const auto& edges = node->next_edges();
    FG_CHECK(!any || placed || outputs.size() == edges.size(), Error, "function ", node->name(), " returned an incorrect ",
             "number of gradients (expected ", edges.size(), ", got ", outputs.size(), ")");
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.function) continue;
      NodeState& next = *state.find(e.function.get());
      if (any && !placed && outputs[i].defined()) {
        Tensor g = validate_gradient(std::move(outputs[i]), *node, i, e.function->input_meta(e.input_nr));
        accumulate_into(next.buffer, e.input_nr, std::move(g));
      }
      if (--next.dependencies == 0) {
        heap.push_back(e.function.get());
        std::push_heap(heap.begin(), heap.end(), ReadyCompare{});
      }
    }
  }
  return results;
}

// Checks the roots and makes their initial gradients (ones for one-element outputs).
void prepare_roots(const tensor_list& tensors, const tensor_list& grad_tensors, std::vector<Edge>& roots,
                   tensor_list& grads) {
  FG_CHECK(grad_tensors.empty() || grad_tensors.size() == tensors.size(), Error, "grad requires ", tensors.size(),
           " gradients but got ", grad_tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    FG_CHECK(t.requires_grad(), Error, "element ", i, " of tensors does not require grad and does not have a grad_fn");
    Tensor g = i < grad_tensors.size() ? grad_tensors[i] : Tensor();
    if (!g.defined()) {
      FG_CHECK(t.numel() == 1, Error, "grad can be implicitly created only for scalar outputs");
      g = ones_like(t);
    } else {
      FG_CHECK(g.sizes() == t.sizes(), Error, "Mismatch in shape: grad_output[", i, "] has a shape of fastgrad.Size(",
               shape_str(g.sizes()), ") and output[", i, "] has a shape of fastgrad.Size(", shape_str(t.sizes()), ").");
      if (g.dtype() != t.dtype()) g = to_dtype(g, t.dtype());  // PyTorch casts the gradient to the output
    }
    roots.push_back(gradient_edge(t));
    grads.push_back(std::move(g));
  }
}

}  // namespace

void backward(const tensor_list& tensors, const tensor_list& grad_tensors, std::optional<bool> retain_graph,
              bool create_graph, const tensor_list& inputs) {
  std::vector<Edge> roots;
  tensor_list grads;
  prepare_roots(tensors, grad_tensors, roots, grads);
  bool keep_graph = retain_graph.value_or(create_graph);
  if (inputs.empty()) {
    execute(roots, std::move(grads), keep_graph, create_graph, {});
    return;
  }
  // backward(inputs=...): accumulate only into these tensors. A non-leaf input gets its .grad the way
  // retain_grad() fills it (PyTorch marks it as retaining its grad); leaves through their accumulator.
  std::vector<Edge> capture;
  for (const Tensor& t : inputs) {
    FG_CHECK(t.requires_grad(), Error, "One of the differentiated Tensors does not require grad");
    if (!t.is_leaf()) t.retain_grad();
    capture.push_back(gradient_edge(t));
  }
  tensor_list got = execute(roots, std::move(grads), keep_graph, create_graph, capture);
  AutoGradMode mode(create_graph);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!got[i].defined() || !inputs[i].is_leaf()) continue;
    std::shared_ptr<Node> acc = grad_accumulator(inputs[i]);
    static_cast<AccumulateGrad&>(*acc).apply({got[i]});
    static_cast<AccumulateGrad&>(*acc).run_post_accumulate_hooks();
  }
}

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  std::vector<Edge> roots;
  tensor_list grads;
  prepare_roots(outputs, grad_outputs, roots, grads);
  std::vector<Edge> capture;
  for (const Tensor& t : inputs) {
    FG_CHECK(t.requires_grad(), Error, "One of the differentiated Tensors does not require grad");
    capture.push_back(gradient_edge(t));
  }
  tensor_list got = execute(roots, std::move(grads), retain_graph.value_or(create_graph), create_graph, capture);
  for (size_t i = 0; i < got.size(); ++i)
    FG_CHECK(allow_unused || got[i].defined(), Error,
             "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True "
             "if this is the desired behavior.");
  return got;
}

}  // namespace fastgrad

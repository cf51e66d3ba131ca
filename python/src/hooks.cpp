// Python callables inside the graph: tensor and Node hooks, and the Node of a custom
// fastgrad.autograd.Function. The engine runs without the GIL; everything here takes it before touching
// Python.
#include "bindings.h"

namespace fastgrad::python {

namespace {

// A Python object that may be released on any thread (Nodes die wherever their last owner drops them).
class GilObject {
 public:
  explicit GilObject(py::object o) : obj_(std::move(o)) {}
  GilObject(const GilObject&) = delete;
  GilObject& operator=(const GilObject&) = delete;
  ~GilObject() {
    if (!obj_) return;
    if (!Py_IsInitialized() || _Py_IsFinalizing()) {
      obj_.release();  // the interpreter is gone or going: leak rather than crash
      return;
    }
    py::gil_scoped_acquire gil;
    obj_ = py::object();
  }
  const py::object& get() const { return obj_; }
  void reset() { obj_ = py::object(); }  // with the GIL held (GC)

 private:
  py::object obj_;
};

py::object grads_to_python(const tensor_list& grads) {
  py::tuple t(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) t[i] = py::cast(grads[i]);
  return std::move(t);
}

tensor_list grads_from_python(py::handle r, size_t expected, const std::string& who) {
  tensor_list out;
  if (is_tensor(r) || r.is_none()) {
    out.push_back(r.is_none() ? Tensor() : as_tensor(r));
  } else {
    for (py::handle h : r) {
      FG_CHECK(h.is_none() || is_tensor(h), TypeError, who, " must return a tuple of Tensors or None, got ",
               py::str(py::type::of(h).attr("__name__")).cast<std::string>());
      out.push_back(h.is_none() ? Tensor() : as_tensor(h));
    }
  }
  FG_CHECK(out.size() == expected, Error, "function ", who, " returned an incorrect number of gradients (expected ",
           expected, ", got ", out.size(), ")");
  return out;
}

// PyTorch names a hook by its __name__ in messages ('<lambda>' for a lambda).
std::string hook_name(py::handle fn) {
  py::object name = py::getattr(fn, "__name__", py::none());
  return PyUnicode_Check(name.ptr()) ? name.cast<std::string>() : std::string("hook");
}

// The legacy tensor-type names PyTorch's hook messages use: fastgrad.FloatTensor, ...
std::string legacy_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "fastgrad.BoolTensor";
    case ScalarType::Int32: return "fastgrad.IntTensor";
    case ScalarType::Int64: return "fastgrad.LongTensor";
    case ScalarType::Float32: return "fastgrad.FloatTensor";
    case ScalarType::Float64: return "fastgrad.DoubleTensor";
    case ScalarType::UInt8: return "fastgrad.ByteTensor";
    case ScalarType::Int8: return "fastgrad.CharTensor";
    case ScalarType::Int16: return "fastgrad.ShortTensor";
    case ScalarType::Float16: return "fastgrad.HalfTensor";
    case ScalarType::BFloat16: return "fastgrad.BFloat16Tensor";
  }
  return "fastgrad.Tensor";
}

struct PyTensorHook final : TensorHook {
  GilObject fn;
  explicit PyTensorHook(py::object f) : fn(std::move(f)) {}
  Tensor operator()(const Tensor& grad) override {
    py::gil_scoped_acquire gil;
    py::object r = fn.get()(grad);
    if (r.is_none()) return Tensor();
    FG_CHECK(is_tensor(r), TypeError, "expected Variable, but hook returned '",
             py::str(py::type::of(r).attr("__name__")).cast<std::string>(), "' (a Tensor or None is expected)");
    Tensor t = as_tensor(r);
    FG_CHECK(t.sizes() == grad.sizes(), Error, "hook '", hook_name(fn.get()), "' has changed the size of value (expected ",
             shape_str(grad.sizes()), ", got ", shape_str(t.sizes()), ")");
    // The gradient keeps its dtype, as PyTorch checks (a float64 gradient for a float32 tensor would reach
    // AccumulateGrad and the next Nodes with a dtype their formulas do not expect).
    FG_CHECK(t.dtype() == grad.dtype(), Error, "hook '", hook_name(fn.get()), "' has changed the type of value (was ",
             legacy_type_name(grad.dtype()), " got ", legacy_type_name(t.dtype()), ")");
    return t;
  }
};

struct PyPostAccumulateHook final : PostAccumulateGradHook {
  GilObject fn;
  explicit PyPostAccumulateHook(py::object f) : fn(std::move(f)) {}
  void operator()(const Tensor& leaf) override {
    py::gil_scoped_acquire gil;
    py::object r = fn.get()(leaf);
    // As in PyTorch: None, or the parameter itself; another tensor is refused, a non-tensor is a TypeError.
    if (r.is_none()) return;
    FG_CHECK(is_tensor(r), TypeError, "expected Variable, but hook returned '",
             py::str(py::type::of(r).attr("__name__")).cast<std::string>(), "' (a post accumulate grad hook should ",
             "return None)");
    FG_CHECK(as_tensor(r).is_same(leaf), Error, "Tensor post accumulate grad hooks should return None.");
  }
};

struct PyNodePreHook final : NodePreHook {
  GilObject fn;
  explicit PyNodePreHook(py::object f) : fn(std::move(f)) {}
  std::optional<tensor_list> operator()(const tensor_list& grad_outputs) override {
    py::gil_scoped_acquire gil;
    py::object r = fn.get()(grads_to_python(grad_outputs));
    if (r.is_none()) return std::nullopt;
    return grads_from_python(r, grad_outputs.size(), "pre-hook");
  }
};

struct PyNodePostHook final : NodePostHook {
  GilObject fn;
  explicit PyNodePostHook(py::object f) : fn(std::move(f)) {}
  std::optional<tensor_list> operator()(const tensor_list& grad_inputs, const tensor_list& grad_outputs) override {
    py::gil_scoped_acquire gil;
    py::object r = fn.get()(grads_to_python(grad_inputs), grads_to_python(grad_outputs));
    if (r.is_none()) return std::nullopt;
    return grads_from_python(r, grad_inputs.size(), "hook");
  }
};

// What `handle.remove()` undoes. Holds the owner weakly: a handle never keeps a graph alive.
struct RemovableHandle {
  std::weak_ptr<Node> node;
  std::weak_ptr<TensorImpl> leaf;
  uint64_t id = 0;
  void remove() {
    if (auto n = node.lock()) {
      if (NodeHooks* h = n->hooks())
        remove_hook_entry(h->tensor_pre, id) || remove_hook_entry(h->pre, id) || remove_hook_entry(h->post, id);
    }
    if (auto t = leaf.lock()) {
      if (AutogradMeta* m = t->autograd(); m && m->hooks)
        remove_hook_entry(m->hooks->grad, id) || remove_hook_entry(m->hooks->post_accumulate, id);
    }
  }
};

// The Node of a custom Function: backward is a Python callable `fn(node, *grads) -> grads`.
class PyNode final : public Node {
 public:
  PyNode(std::string name, py::object backward) : name_(std::move(name)), backward_(std::move(backward)) {}
  std::string name() const override { return name_; }
  tensor_list apply(tensor_list&& grads) override {
    py::gil_scoped_acquire gil;
    FG_CHECK(backward_.get(), Error, name_, ": the Function's backward was released by the garbage collector");
    py::tuple args(grads.size() + 1);
    args[0] = node_object(shared_from_this());
    for (size_t i = 0; i < grads.size(); ++i) args[i + 1] = py::cast(grads[i]);
    py::object r = backward_.get()(*args);
    return grads_from_python(r, next_edges().size(), name_);
  }
  Tensor saved_tensor(size_t i) { return saved(i); }
  GilObject& backward_callable() { return backward_; }

 private:
  std::string name_;
  GilObject backward_;
};

// Calls f(py::object&) for each Python object the graph of `impl` holds that only `impl` can reach: the
// hooks on the leaf, and the hooks and custom-Function callable of its grad_fn when the tensor owns that
// Node alone. Objects shared with other owners are not claimed (claiming them would let the GC break
// objects that are still in use).
template <class F>
void for_each_owned_python_object(TensorImpl& impl, F&& f) {
  AutogradMeta* meta = impl.autograd();
  if (!meta) return;
  auto visit_hook = [&](const auto& hook) {
    if (auto* p = dynamic_cast<PyTensorHook*>(hook.get())) f(p->fn);
    else if (auto* q = dynamic_cast<PyPostAccumulateHook*>(hook.get())) f(q->fn);
    else if (auto* r = dynamic_cast<PyNodePreHook*>(hook.get())) f(r->fn);
    else if (auto* u = dynamic_cast<PyNodePostHook*>(hook.get())) f(u->fn);
  };
  if (meta->hooks) {
    for (auto& e : meta->hooks->grad) visit_hook(e.hook);
    for (auto& e : meta->hooks->post_accumulate) visit_hook(e.hook);
  }
  // A leaf owns its accumulator, and so the hooks registered on it as a Node (Note [Leaf accumulator]).
  auto visit_accumulator = [&](const std::shared_ptr<Node>& acc) {
    if (NodeHooks* h = acc ? acc->hooks() : nullptr) {
      for (auto& e : h->pre) visit_hook(e.hook);
      for (auto& e : h->post) visit_hook(e.hook);
    }
  };
  visit_accumulator(meta->grad_accumulator);
  for (const auto& acc : meta->retired_accumulators) visit_accumulator(acc);
  const std::shared_ptr<Node>& node = meta->grad_fn;
  if (!node || node.use_count() != 1) return;
  if (NodeHooks* h = node->hooks()) {
    for (auto& e : h->tensor_pre) visit_hook(e.hook);
    for (auto& e : h->pre) visit_hook(e.hook);
    for (auto& e : h->post) visit_hook(e.hook);
  }
  if (auto* py_node = dynamic_cast<PyNode*>(node.get())) f(py_node->backward_callable());
}

}  // namespace

namespace {
// Python's GC may run while pybind11 is still making the instance, between its allocation (which already
// tracks it) and allocate_layout(): a subclass instance (nn.Parameter) has no holder table yet then, and
// get_value_and_holder() would read through a null pointer. Such an instance owns nothing to visit or clear.
bool layout_allocated(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  return inst->simple_layout || inst->nonsimple.values_and_holders != nullptr;
}
}  // namespace

int traverse_tensor(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  if (!layout_allocated(self)) return 0;
  auto vh = reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder();
  if (!vh.holder_constructed()) return 0;
  auto& holder = vh.holder<std::shared_ptr<TensorImpl>>();
  if (!holder || holder.use_count() != 1) return 0;  // others own the tensor: its graph is not ours to claim
  int result = 0;
  for_each_owned_python_object(*holder, [&](GilObject& o) {
    if (result == 0 && o.get()) result = visit(o.get().ptr(), arg);
  });
  return result;
}

int clear_tensor(PyObject* self) {
  // The tensor is unreachable garbage: drop the Python objects its own graph holds, which breaks the cycle.
  if (!layout_allocated(self)) return 0;
  auto vh = reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder();
  if (!vh.holder_constructed()) return 0;
  auto& holder = vh.holder<std::shared_ptr<TensorImpl>>();
  if (!holder || holder.use_count() != 1) return 0;
  for_each_owned_python_object(*holder, [](GilObject& o) { o.reset(); });
  return 0;
}

void init_hooks(py::module_& m) {
  py::class_<RemovableHandle>(m, "RemovableHandle")
      .def("remove", &RemovableHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](RemovableHandle& h, py::args) { h.remove(); });

  TensorClass cls = tensor_class(m);
  cls.def("register_hook", [](const Tensor& t, py::function fn) {
    FG_CHECK(t.requires_grad(), Error, "cannot register a hook on a tensor that doesn't require gradient");
    RemovableHandle handle;
    handle.id = next_hook_id();
    auto hook = std::make_shared<PyTensorHook>(std::move(fn));
    if (t.is_leaf()) {
      AutogradMeta& meta = t->ensure_autograd();
      if (!meta.hooks) meta.hooks = std::make_unique<LeafHooks>();
      meta.hooks->grad.push_back({handle.id, hook});
      handle.leaf = t.impl();
    } else {
      t.grad_fn()->ensure_hooks().tensor_pre.push_back({handle.id, t.output_nr(), hook});
      handle.node = t.grad_fn();
    }
    return handle;
  }, py::arg("hook"));
  cls.def("register_post_accumulate_grad_hook", [](const Tensor& t, py::function fn) {
    FG_CHECK(t.requires_grad(), Error, "cannot register a hook on a tensor that doesn't require gradient");
    FG_CHECK(t.is_leaf(), Error, "post accumulate grad hooks cannot be registered on non-leaf tensors");
    RemovableHandle handle;
    handle.id = next_hook_id();
    AutogradMeta& meta = t->ensure_autograd();
    if (!meta.hooks) meta.hooks = std::make_unique<LeafHooks>();
    meta.hooks->post_accumulate.push_back({handle.id, std::make_shared<PyPostAccumulateHook>(std::move(fn))});
    handle.leaf = t.impl();
    return handle;
  }, py::arg("hook"));

  auto node_cls = m.attr("Node").cast<py::class_<Node, std::shared_ptr<Node>>>();
  node_cls.def("register_prehook", [](const std::shared_ptr<Node>& n, py::function fn) {
    RemovableHandle handle;
    handle.id = next_hook_id();
    n->ensure_hooks().pre.push_back({handle.id, std::make_shared<PyNodePreHook>(std::move(fn))});
    handle.node = n;
    return handle;
  }, py::arg("fn"));
  node_cls.def("register_hook", [](const std::shared_ptr<Node>& n, py::function fn) {
    RemovableHandle handle;
    handle.id = next_hook_id();
    n->ensure_hooks().post.push_back({handle.id, std::make_shared<PyNodePostHook>(std::move(fn))});
    handle.node = n;
    return handle;
  }, py::arg("fn"));
  node_cls.def("_saved_tensors", [](const std::shared_ptr<Node>& n) {
    FG_CHECK(!n->released(), Error,
             "Trying to backward through the graph a second time (or directly access saved tensors after they "
             "have already been freed). Saved intermediate values of the graph are freed when you call "
             ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
             "a second time or if you need to access saved tensors after calling backward.");
    py::tuple out(n->num_saved());
    for (size_t i = 0; i < n->num_saved(); ++i) out[i] = py::cast(n->saved(i));
    return out;
  });

  // ---- custom Functions (python/fastgrad/autograd/function.py drives these) ----
  m.def("_function_node", [](const std::string& name, py::object backward, py::tuple inputs) {
    auto node = std::make_shared<PyNode>(name, std::move(backward));
    for (py::handle h : inputs) node->add_next_edge(is_tensor(h) ? gradient_edge(as_tensor(h)) : Edge{});
    return node_object(node);
  });
  // A custom Function's ctx reaches its Node weakly (the Node owns the ctx): node or None once it is gone.
  m.def("_weak_node", [](const std::shared_ptr<Node>& node) {
    return py::cpp_function([weak = std::weak_ptr<Node>(node)]() -> py::object {
      if (auto n = weak.lock()) return node_object(n);
      return py::none();
    });
  });
  m.def("_function_save", [](const std::shared_ptr<Node>& node, py::handle t, bool is_output) {
    node->save(t.is_none() ? Tensor() : as_tensor(t), is_output);
  }, py::arg("node").none(false), py::arg("tensor"), py::arg("is_output"));
  m.def("_function_set_output", [](const std::shared_ptr<Node>& node, const Tensor& out) {
    Tensor t = out;
    set_history(t, node);
  }, py::arg("node").none(false), py::arg("output"));
  m.def("_function_mark_dirty", [](const std::shared_ptr<Node>& node, const Tensor& dirty) {
    FG_CHECK(!(dirty.is_leaf() && dirty.requires_grad()), Error,
             "a leaf Variable that requires grad has been used in an in-place operation.");
    Tensor t = dirty;
    set_history(t, node);
  }, py::arg("node").none(false), py::arg("dirty"));
  m.def("_function_zero_grad", [](const std::shared_ptr<Node>& node, uint32_t i) {  // materialized grad of output i
    FG_CHECK(i < node->num_inputs(), IndexError, "_function_zero_grad(): output ", i, " out of range");
    const InputMeta& meta = node->input_meta(i);
    return zeros(meta.shape, meta.dtype);
  }, py::arg("node").none(false), py::arg("output_nr"));
}

}  // namespace fastgrad::python

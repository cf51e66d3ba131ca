// The graph (Node) as Python sees it, the engine entry points and the grad-mode switch.
#include <unordered_map>

#include "bindings.h"
#include "fastgrad/autocast.h"

namespace fastgrad::python {

namespace {
tensor_list tensors_from(py::handle h) {
  tensor_list out;
  if (h.is_none()) return out;
  if (py::isinstance<TensorImpl>(h)) {
    out.push_back(h.cast<Tensor>());
    return out;
  }
  for (py::handle item : h) out.push_back(item.is_none() ? Tensor() : item.cast<Tensor>());
  return out;
}

std::optional<bool> opt_bool(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return truthy(h);
}
PyTypeObject* node_base = nullptr;
std::unordered_map<std::string, py::object>* node_classes = nullptr;  // name -> Python class (never freed)

// A slot-less Python subclass of Node named after the C++ Node ("AddBackward0"), so that
// type(t.grad_fn).__name__ reads as in PyTorch. Its instances have Node's exact layout (Node has a __dict__
// and takes part in GC, like the subclass), which is what lets an instance switch to it.
py::object node_class(const std::string& name) {
  auto it = node_classes->find(name);
  if (it != node_classes->end()) return it->second;
  py::dict ns;
  ns["__slots__"] = py::tuple();
  ns["__module__"] = "fastgrad.autograd.graph";
  py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(
      name, py::make_tuple(py::handle(reinterpret_cast<PyObject*>(node_base))), ns);
  (*node_classes)[name] = cls;
  return cls;
}
}  // namespace

namespace {
// An AccumulateGrad's Python object must hold the pointer it was given, which owns the leaf (Note [Leaf
// accumulator] in autograd/node.cpp). pybind11 would build the holder from shared_from_this() instead (Node
// derives from enable_shared_from_this), which owns only the accumulator, so the instance is made here the
// way pybind11 makes one, with the given holder.
py::object accumulator_object(const std::shared_ptr<Node>& node) {
  namespace detail = py::detail;
  static const detail::type_info* tinfo = detail::get_type_info(typeid(Node));
  if (py::handle existing = detail::find_registered_python_instance(node.get(), tinfo))
    return py::reinterpret_steal<py::object>(existing);  // find_registered_python_instance returns a new reference
  PyObject* self = detail::make_new_instance(tinfo->type);
  if (!self) throw py::error_already_set();
  auto* inst = reinterpret_cast<detail::instance*>(self);
  auto v_h = inst->get_value_and_holder(tinfo);
  v_h.value_ptr() = node.get();
  inst->owned = true;
  detail::register_instance(inst, node.get(), tinfo);
  v_h.set_instance_registered();
  new (std::addressof(v_h.holder<std::shared_ptr<Node>>())) std::shared_ptr<Node>(node);
  v_h.set_holder_constructed();
  return py::reinterpret_steal<py::object>(self);
}
}  // namespace

py::object node_object(const std::shared_ptr<Node>& node) {
  if (!node) return py::none();
  py::object obj = node->is_accumulator() ? accumulator_object(node) : py::cast(node);
  if (Py_TYPE(obj.ptr()) == node_base) obj.attr("__class__") = node_class(node->name());
  return obj;
}

namespace {
// Ctrl-C during backward: the engine polls this every few ms; Python's handler raises KeyboardInterrupt.
void python_interrupt_poll() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

// In anomaly mode each Node remembers the Python stack of the forward call that made it.
std::string python_forward_trace() {
  py::gil_scoped_acquire gil;
  py::list lines = py::module_::import("traceback").attr("format_stack")();
  std::string out;
  for (py::handle l : lines) out += l.cast<std::string>();
  return out;
}
}  // namespace

void warn_backward_create_graph() {
  static bool warned = false;
  if (warned) return;
  warned = true;
  if (PyErr_WarnEx(PyExc_UserWarning,
                   "Using backward() with create_graph=True will create a reference cycle between the parameter and "
                   "its gradient which can cause a memory leak. We recommend using autograd.grad when creating the "
                   "graph to avoid this. If you have to use this function, make sure to reset the .grad fields of "
                   "your parameters to None after use to break the cycle and avoid the leak.", 1) < 0)
    throw py::error_already_set();
}

void init_autograd(py::module_& m) {
  set_interrupt_poll(&python_interrupt_poll);
  AnomalyMode::set_trace_provider(&python_forward_trace);
  m.def("is_inference_mode_enabled", &InferenceMode::is_enabled);
  m.def("_set_inference_mode", &InferenceMode::set_enabled);
  m.def("is_anomaly_enabled", &AnomalyMode::is_enabled);
  m.def("_set_anomaly_enabled", &AnomalyMode::set_enabled);
  tensor_class(m).def("is_inference", [](const Tensor& t) { return t->is_inference(); });
  node_classes = new std::unordered_map<std::string, py::object>();
  py::class_<Node, std::shared_ptr<Node>> node_cls(m, "Node", py::dynamic_attr());
  node_base = reinterpret_cast<PyTypeObject*>(node_cls.ptr());
  node_cls
      .def("name", &Node::name)
      .def_property_readonly("next_functions", [](const Node& n) {
        py::tuple out(n.next_edges().size());
        for (size_t i = 0; i < n.next_edges().size(); ++i) {
          const Edge& e = n.next_edges()[i];
          out[i] = py::make_tuple(node_object(e.function), e.input_nr);
        }
        return out;
      })
      .def_property_readonly("variable", [](const Node& n) -> Tensor {
        auto* acc = dynamic_cast<const AccumulateGrad*>(&n);
        if (!acc) throw py::attribute_error("'" + n.name() + "' object has no attribute 'variable'");
        return acc->variable();
      })
      .def("_sequence_nr", &Node::sequence_nr)
      .def("__repr__", [](py::handle self) {
        return "<" + self.cast<Node&>().name() + " object at " +
               py::str(py::module_::import("builtins").attr("hex")(py::int_(reinterpret_cast<uintptr_t>(self.ptr())))).cast<std::string>() + ">";
      });

  m.def("_backward", [](py::handle tensors, py::handle grad_tensors, py::handle retain_graph, py::handle create_graph_arg,
                        py::handle inputs) {
    const bool create_graph = truthy(create_graph_arg);
    tensor_list ts = tensors_from(tensors), gs = tensors_from(grad_tensors), in = tensors_from(inputs);
    if (create_graph) warn_backward_create_graph();
    py::gil_scoped_release release;
    backward(ts, gs, opt_bool(retain_graph), create_graph, in);
  });
  m.def("_grad", [](py::handle outputs, py::handle inputs, py::handle grad_outputs, py::handle retain_graph,
                    py::handle create_graph_arg, py::handle allow_unused_arg) {
    const bool create_graph = truthy(create_graph_arg), allow_unused = truthy(allow_unused_arg);
    tensor_list os = tensors_from(outputs), in = tensors_from(inputs), gs = tensors_from(grad_outputs);
    tensor_list result;
    {
      py::gil_scoped_release release;
      result = grad(os, in, gs, opt_bool(retain_graph), create_graph, allow_unused);
    }
    py::tuple out(result.size());
    for (size_t i = 0; i < result.size(); ++i) out[i] = py::cast(result[i]);
    return out;
  });
  m.def("is_grad_enabled", &GradMode::is_enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled);
  // The CPU region's state (Note [Autocast]), set by fastgrad.amp.autocast on entry and exit, and the casts of the
  // ops written in Python (fastgrad/amp/autocast_mode.py, _autocast_op)
  m.def("_set_autocast_cpu", [](bool enabled, ScalarType dtype) { AutocastMode::set(enabled, dtype); });
  m.def("_is_autocast_cpu_enabled", &AutocastMode::is_enabled);
  m.def("_autocast_cpu_dtype", &AutocastMode::dtype);
  m.def("_autocast_lower", [](const Tensor& t) { return autocast_lower(t); });
  m.def("_autocast_float32", [](const Tensor& t) { return autocast_float32(t); });
}

}  // namespace fastgrad::python

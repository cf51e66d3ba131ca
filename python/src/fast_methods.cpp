// Direct C entry points for the Tensor methods and attributes that training loops call on every step.
// Bindings only: each unwraps self and calls the core, like the pybind11 bindings it stands in front of.
//
// Note [Fast methods]
// pybind11's dispatcher (argument records, defaults, overload loop, casters) costs a few hundred
// nanoseconds per call: as much as a backward() of a tiny graph. After the ordinary bindings are made,
// install_fast_methods() replaces a few of them on the Tensor type with METH_FASTCALL methods and getset
// attributes that handle the common call shape themselves (`loss.backward()`, `t.sum()`, `p.grad`) and
// hand any other call shape (arguments, keywords) to the original pybind11 function, so arguments,
// defaults and error messages stay those of the full binding.
#include <array>
#include <cstdlib>
#include <cstring>

#include "bindings.h"

namespace fastgrad::python {

namespace {

// The original pybind11 function of each replaced method, called with self prepended.
enum FastMethod { kBackward, kSum, kMean, kItem, kZero, kDetach, kTanh, kNumFastMethods };
std::array<PyObject*, kNumFastMethods> fallback{};  // module-lifetime references, never released

PyObject* call_fallback(FastMethod which, PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                        PyObject* kwnames) {
  Py_ssize_t total = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0);
  std::vector<PyObject*> all(static_cast<size_t>(total) + 1);
  all[0] = self;
  for (Py_ssize_t i = 0; i < total; ++i) all[static_cast<size_t>(i) + 1] = args[i];
  return PyObject_Vectorcall(fallback[which], all.data(), static_cast<size_t>(nargs) + 1, kwnames);
}

// A method whose argument-free call runs `fast(self)`; any other call goes to the full binding.
template <FastMethod Which, PyObject* (*Fast)(PyObject* self)>
PyObject* method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (nargs != 0 || kwnames || !is_tensor(self)) return call_fallback(Which, self, args, nargs, kwnames);
  try {
    return Fast(self);
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

PyObject* backward_fast(PyObject* self) {
  const Tensor& t = tensor_ref(self);
  {
    py::gil_scoped_release release;  // the graph may hold Python hooks: they take the GIL themselves
    fastgrad::backward({t}, {Tensor()}, std::nullopt, false, {});
  }
  Py_RETURN_NONE;
}
PyObject* sum_fast(PyObject* self) { return to_python(sum(tensor_ref(self))); }
PyObject* mean_fast(PyObject* self) { return to_python(mean(tensor_ref(self))); }
PyObject* item_fast(PyObject* self) { return py::cast(tensor_ref(self).item()).release().ptr(); }
PyObject* detach_fast(PyObject* self) { return to_python(tensor_ref(self).detach()); }
PyObject* tanh_fast(PyObject* self) { return to_python(tanh(tensor_ref(self))); }
PyObject* zero_fast(PyObject* self) {
  Tensor t = tensor_ref(self);
  zero_(t);
  Py_INCREF(self);
  return self;
}

// ---- attributes ----

PyObject* original_grad_property = nullptr;  // for the non-leaf warning path

PyObject* grad_get(PyObject* self, void*) {
  try {
    const Tensor& t = tensor_ref(self);
    Tensor g = t.grad();
    if (g.defined()) return to_python(g);
    if (t.is_leaf() || t.retains_grad()) Py_RETURN_NONE;
    // A non-leaf's .grad warns: leave the wording to the full binding.
    return Py_TYPE(original_grad_property)->tp_descr_get(original_grad_property, self, nullptr);
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

int grad_set(PyObject* self, PyObject* value, void*) {
  try {
    Tensor t = tensor_ref(self);
    if (!value || value == Py_None) t.set_grad(Tensor());  // `del t.grad` clears it, as in PyTorch
    else if (is_tensor(value)) t.set_grad(tensor_ref(value));
    else throw py::type_error("assigned grad expected to be a Tensor or None but got grad of type " +
                              py::str(py::type::of(value).attr("__name__")).cast<std::string>());
    return 0;
  } catch (...) {
    py::detail::try_translate_exceptions();
    return -1;
  }
}

PyObject* original_requires_grad_property = nullptr;

PyObject* requires_grad_get(PyObject* self, void*) {
  try {
    return PyBool_FromLong(tensor_ref(self).requires_grad());
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

int requires_grad_set(PyObject* self, PyObject* value, void*) {
  return Py_TYPE(original_requires_grad_property)->tp_descr_set(original_requires_grad_property, self, value);
}

PyObject* is_leaf_get(PyObject* self, void*) {
  try {
    return PyBool_FromLong(tensor_ref(self).is_leaf());
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

PyMethodDef method_defs[] = {
    {"backward", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kBackward, backward_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
    {"sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kSum, sum_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
    {"mean", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kMean, mean_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
    {"item", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kItem, item_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
    {"zero_", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kZero, zero_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
    {"detach", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kDetach, detach_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
    {"tanh", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(method<kTanh, tanh_fast>)),
     METH_FASTCALL | METH_KEYWORDS, nullptr},
};
static_assert(sizeof(method_defs) / sizeof(method_defs[0]) == kNumFastMethods, "one PyMethodDef per FastMethod");

PyGetSetDef getset_defs[] = {
    {"grad", grad_get, grad_set, nullptr, nullptr},
    {"requires_grad", requires_grad_get, requires_grad_set, nullptr, nullptr},
    {"is_leaf", is_leaf_get, nullptr, nullptr, nullptr},
};

// The function a pybind11 method wraps (its class attribute is an instancemethod around it).
PyObject* underlying_function(PyObject* attr) {
  if (PyInstanceMethod_Check(attr)) return PyInstanceMethod_GET_FUNCTION(attr);
  return attr;
}

}  // namespace

bool set_fast_method_doc(PyObject* descr, const std::string& doc) {
  if (!PyObject_TypeCheck(descr, &PyMethodDescr_Type)) return false;
  PyMethodDef* def = reinterpret_cast<PyMethodDescrObject*>(descr)->d_method;
  if (def < method_defs || def >= method_defs + kNumFastMethods) return false;
  // The definition outlives the module. The first text is a str's buffer kept alive for it (never freed);
  // a text set here replaces it and is freed when replaced again.
  static std::array<bool, kNumFastMethods> owned{};
  char* copy = strdup(doc.c_str());
  if (!copy) throw std::bad_alloc();
  size_t i = static_cast<size_t>(def - method_defs);
  if (owned[i]) std::free(const_cast<char*>(def->ml_doc));
  def->ml_doc = copy;
  owned[i] = true;
  return true;
}

void install_fast_methods(py::module_& m) {
  py::object cls = m.attr("Tensor");
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  for (int i = 0; i < kNumFastMethods; ++i) {
    py::object original = cls.attr("__dict__")[method_defs[i].ml_name];
    fallback[i] = py::reinterpret_borrow<py::object>(underlying_function(original.ptr())).release().ptr();
    // Keep the docstring and signature help of the full binding.
    py::str doc(py::getattr(original, "__doc__", py::str("")));
    method_defs[i].ml_doc = PyUnicode_AsUTF8(doc.release().ptr());  // the definition outlives the module
    py::object descr = py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &method_defs[i]));
    if (!descr) throw py::error_already_set();
    cls.attr(method_defs[i].ml_name) = descr;
  }
  original_grad_property = py::object(cls.attr("__dict__")["grad"]).release().ptr();
  original_requires_grad_property = py::object(cls.attr("__dict__")["requires_grad"]).release().ptr();
  for (PyGetSetDef& def : getset_defs) {
    py::object descr = py::reinterpret_steal<py::object>(PyDescr_NewGetSet(type, &def));
    if (!descr) throw py::error_already_set();
    cls.attr(def.name) = descr;
  }
}

}  // namespace fastgrad::python

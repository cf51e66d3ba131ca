// Argument errors in PyTorch's words, for every binding at once.
//
// Note [Argument errors]
// When no overload of a binding accepts the call, pybind11 raises TypeError "f(): incompatible function
// arguments. The following argument types are supported: ..."; when a conversion inside a binding fails
// (`h.cast<double>()` on a str), it raises py::cast_error, which would become RuntimeError "Unable to cast
// Python instance of type ...". PyTorch raises TypeError naming the function, the argument and the types:
// "add(): argument 'alpha' must be Number, not str". Rather than checking in each binding, every pybind11
// function of the module goes through one dispatcher (installed by install_argument_errors()), which calls
// pybind11's own and, only when that fails with one of these two errors, rewrites the message from the
// binding's signatures and the arguments it was given. The successful path costs one indirect call.
// Helpers that convert one argument and do not know the op (opt_dtype, ...) raise TypeError
// "argument 'dtype' must be ..., not str"; the dispatcher puts the op's name in front.
#include <pybind11/detail/function_record_pyobject.h>

#include "bindings.h"

namespace fastgrad::python {

namespace {

using Dispatch = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*);
Dispatch pybind_dispatch = nullptr;  // pybind11's dispatcher, the same function for every binding

// One parameter of a binding, read off its pybind11 signature "(self: Tensor, dim: int = 0, *, ...)".
struct Param {
  std::string name, type;
  bool has_default = false, keyword_only = false, positional_only = false;
};
struct Signature {
  std::vector<Param> params;
  bool var_args = false, var_kwargs = false;
};

// The parameter list of a pybind11 signature, split at the top-level commas.
Signature parse_signature(const std::string& sig) {
  Signature out;
  size_t open = sig.find('(');
  if (open == std::string::npos) return out;
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  char quote = 0;
  size_t i = open + 1;
  for (; i < sig.size(); ++i) {
    char c = sig[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) break;
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) parts.push_back(cur);
  bool keyword_only = false;
  for (std::string p : parts) {
    while (!p.empty() && p.front() == ' ') p.erase(0, 1);
    if (p.empty()) continue;
    if (p == "*") {
      keyword_only = true;
      continue;
    }
    if (p == "/") {
      for (Param& q : out.params) q.positional_only = true;
      continue;
    }
    if (p.rfind("**", 0) == 0) {
      out.var_kwargs = true;
      continue;
    }
    if (p.rfind("*", 0) == 0) {
      out.var_args = true;
      keyword_only = true;
      continue;
    }
    Param q;
    size_t colon = p.find(": ");
    size_t eq = p.find(" = ");
    q.name = p.substr(0, std::min(colon, eq));
    if (colon != std::string::npos) q.type = p.substr(colon + 2, eq == std::string::npos ? std::string::npos : eq - colon - 2);
    q.has_default = eq != std::string::npos;
    q.keyword_only = keyword_only;
    out.params.push_back(std::move(q));
  }
  return out;
}

// PyTorch's spelling of a pybind11 type name.
std::string friendly_type(std::string t) {
  const std::string none = " | None";
  bool optional = t.size() > none.size() && t.compare(t.size() - none.size(), none.size(), none) == 0;
  if (optional) t.resize(t.size() - none.size());
  if (t.rfind("typing.SupportsInt", 0) == 0) t = "int";
  else if (t.rfind("typing.SupportsFloat", 0) == 0) t = "float";
  else if (t == "collections.abc.Sequence[Tensor]" || t == "list[Tensor]") t = "tuple of Tensors";
  else if (t.rfind("collections.abc.Sequence[typing.SupportsInt", 0) == 0) t = "tuple of ints";
  else if (t == "dtype") t = "fastgrad.dtype";
  return t;
}

// Whether `v` can be what the parameter's (pybind11) type names; unknown types are assumed to fit, so a
// wrong guess never blames an argument that was fine.
bool fits(const std::string& pybind_type, py::handle v) {
  std::string t = pybind_type;
  const std::string none = " | None";
  if (t.size() > none.size() && t.compare(t.size() - none.size(), none.size(), none) == 0) {
    if (v.is_none()) return true;
    t.resize(t.size() - none.size());
  }
  PyObject* o = v.ptr();
  const bool tensor = is_tensor(v);
  if (t == "Tensor") return tensor;
  if (t == "int") {
    int64_t unused = 0;
    try {
      return load_int(v, true, unused);
    } catch (py::error_already_set&) {
      return true;  // an int outside int64: the type fits (the overflow itself is reported as such)
    } catch (py::value_error&) {
      return true;
    }
  }
  if (t.rfind("typing.SupportsInt", 0) == 0) return !PyFloat_Check(o) && (PyLong_Check(o) || PyIndex_Check(o));
  if (t.rfind("typing.SupportsFloat", 0) == 0)
    return PyFloat_Check(o) || PyLong_Check(o) || PyIndex_Check(o) || (Py_TYPE(o)->tp_as_number && Py_TYPE(o)->tp_as_number->nb_float);
  if (t == "bool") return PyBool_Check(o);
  if (t == "Number") {
    Scalar s;
    return !tensor && to_scalar(v, s);
  }
  if (t == "str") return PyUnicode_Check(o);
  if (t == "dtype") return is_dtype_object(v) || o == reinterpret_cast<PyObject*>(&PyFloat_Type) ||
                           o == reinterpret_cast<PyObject*>(&PyLong_Type) || o == reinterpret_cast<PyObject*>(&PyBool_Type);
  if (t == "collections.abc.Sequence[Tensor]" || t == "list[Tensor]") {
    if (!PyList_Check(o) && !PyTuple_Check(o)) return false;
    py::sequence seq = py::reinterpret_borrow<py::sequence>(v);
    for (size_t i = 0; i < seq.size(); ++i)
      if (!is_tensor(py::object(seq[i]))) return false;
    return true;
  }
  return true;  // object, callables, classes fastgrad defines: not judged here
}

std::string arg_list(PyObject* const* args, Py_ssize_t first, Py_ssize_t nargs, PyObject* kwnames) {
  std::string got;
  for (Py_ssize_t i = first; i < nargs; ++i) got += (got.empty() ? "" : ", ") + py_type_name(args[i]);
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; ++k)
    got += (got.empty() ? "" : ", ") + py::str(PyTuple_GET_ITEM(kwnames, k)).cast<std::string>() + "=" +
           py_type_name(args[nargs + k]);
  return "(" + got + ")";
}

// "(Tensor other, *, Number alpha = 1)" from "(self: object, other: object, *, alpha: Number = 1) -> Tensor".
std::string torch_style(const Signature& s, bool is_method, const std::string& raw) {
  std::string out;
  bool star = false;
  for (size_t i = is_method ? 1 : 0; i < s.params.size(); ++i) {
    const Param& p = s.params[i];
    if (p.keyword_only && !star && !s.var_args) {
      out += (out.empty() ? "" : ", ") + std::string("*");
      star = true;
    }
    std::string type = p.type == "object" || p.type.empty() ? "" : friendly_type(p.type) + " ";
    std::string item = type + p.name;
    if (p.has_default) {
      size_t eq = raw.find(p.name + ": ");
      size_t d = eq == std::string::npos ? std::string::npos : raw.find(" = ", eq);
      size_t end = d == std::string::npos ? std::string::npos : raw.find_first_of(",)", d + 3);
      item += d == std::string::npos ? "" : " = " + raw.substr(d + 3, end - d - 3);
    }
    out += (out.empty() ? "" : ", ") + item;
  }
  if (s.var_args) out += std::string(out.empty() ? "" : ", ") + "*args";
  if (s.var_kwargs) out += std::string(out.empty() ? "" : ", ") + "**kwargs";
  return "(" + out + ")";
}

// What is wrong with this call for one overload: an empty string when nothing is found.
std::string diagnose(const std::string& name, const Signature& s, bool is_method, PyObject* const* args,
                     Py_ssize_t nargs, PyObject* kwnames) {
  const size_t skip = is_method ? 1 : 0;
  std::vector<Param> params(s.params.begin() + std::min(skip, s.params.size()), s.params.end());
  std::vector<PyObject*> bound(params.size(), nullptr);
  std::vector<int> position(params.size(), 0);
  size_t npos_params = 0, nrequired = 0;
  for (const Param& p : params) {
    if (!p.keyword_only) ++npos_params;
    if (!p.keyword_only && !p.has_default) ++nrequired;
  }
  const size_t given = nargs > static_cast<Py_ssize_t>(skip) ? static_cast<size_t>(nargs) - skip : 0;
  if (given > npos_params && !s.var_args) {
    std::string takes = nrequired == npos_params ? std::to_string(npos_params)
                                                 : "from " + std::to_string(nrequired) + " to " + std::to_string(npos_params);
    return name + "() takes " + takes + " positional argument" + (npos_params == 1 ? "" : "s") + " but " +
           std::to_string(given) + (given == 1 ? " was" : " were") + " given";
  }
  for (size_t i = 0; i < given && i < npos_params; ++i) {
    bound[i] = args[skip + i];
    position[i] = static_cast<int>(i + 1);  // PyTorch counts from 1, not counting a method's self
  }
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    std::string key = py::str(PyTuple_GET_ITEM(kwnames, k)).cast<std::string>();
    size_t j = 0;
    while (j < params.size() && (params[j].name != key || params[j].positional_only)) ++j;
    if (j == params.size()) {
      if (s.var_kwargs) continue;
      return name + "() got an unexpected keyword argument '" + key + "'";
    }
    if (bound[j]) return name + "() got multiple values for argument '" + key + "'";
    bound[j] = args[nargs + k];
  }
  for (size_t j = 0; j < params.size(); ++j)
    if (!bound[j] && !params[j].has_default)
      return name + "() missing 1 required positional arguments: \"" + params[j].name + "\"";
  for (size_t j = 0; j < params.size(); ++j) {
    if (!bound[j] || fits(params[j].type, bound[j])) continue;
    if (friendly_type(params[j].type) == "tuple of Tensors" && (PyList_Check(bound[j]) || PyTuple_Check(bound[j]))) {
      py::sequence seq = py::reinterpret_borrow<py::sequence>(bound[j]);
      for (size_t e = 0; e < seq.size(); ++e) {
        py::object item = seq[e];
        if (!is_tensor(item))
          return "expected Tensor as element " + std::to_string(e) + " in argument " +
                 std::to_string(position[j] ? position[j] - 1 : static_cast<int>(j)) + ", but got " + py_type_name(item);
      }
    }
    std::string where = position[j] ? " (position " + std::to_string(position[j]) + ")" : "";
    return name + "(): argument '" + params[j].name + "'" + where + " must be " + friendly_type(params[j].type) +
           ", not " + py_type_name(bound[j]);
  }
  return "";
}

// The message for a call no overload accepted.
std::string explain_overloads(const py::detail::function_record* rec, PyObject* const* args, Py_ssize_t nargs,
                              PyObject* kwnames) {
  const std::string name = rec->name;
  const bool is_method = rec->is_method;
  if (!rec->next) {
    std::string d = diagnose(name, parse_signature(rec->signature), is_method, args, nargs, kwnames);
    if (!d.empty()) return d;
  }
  std::string msg = name + "() received an invalid combination of arguments - got " +
                    arg_list(args, is_method ? 1 : 0, nargs, kwnames) + ", but expected";
  msg += rec->next ? " one of:" : "";
  for (const py::detail::function_record* r = rec; r; r = r->next)
    msg += std::string(rec->next ? "\n * " : " ") + torch_style(parse_signature(r->signature), is_method, r->signature);
  return msg;
}

// "Unable to cast Python instance of type <class 'str'> to C++ type 'double'" -> "float, not str".
std::string explain_cast(const std::string& what) {
  auto between = [&](const std::string& a, const std::string& b) {
    size_t i = what.find(a);
    if (i == std::string::npos) return std::string();
    i += a.size();
    size_t j = what.find(b, i);
    return j == std::string::npos ? std::string() : what.substr(i, j - i);
  };
  std::string from = between("<class '", "'>");
  if (size_t dot = from.rfind('.'); dot != std::string::npos && from.rfind("numpy.", 0) != 0) from = from.substr(dot + 1);
  std::string to = between("to C++ type '", "'");
  static const std::pair<const char*, const char*> names[] = {
      {"long", "int"}, {"long long", "int"}, {"int", "int"}, {"unsigned long", "int"}, {"double", "float"},
      {"float", "float"}, {"bool", "bool"}, {"fastgrad::ScalarType", "fastgrad.dtype"}, {"fastgrad::Scalar", "Number"},
      {"fastgrad::Tensor", "Tensor"}, {"fastgrad::Generator", "Generator"}};
  std::string friendly;
  for (const auto& [cpp, py] : names)
    if (to == cpp) friendly = py;
  if (to.find("basic_string") != std::string::npos) friendly = "str";
  if (to.find("vector<fastgrad::Tensor") != std::string::npos) friendly = "tuple of Tensors";
  if (friendly.empty()) friendly = to.empty() || to == "?" ? "another type" : to;
  return "expected " + friendly + ", but got " + (from.empty() ? "an object of another type" : from);
}

// Note [Batched dispatch]
// fastgrad.func.vmap's BatchedTensor and forward_ad's dual tensors are Python objects wrapping tensors, not
// Tensors, so no binding accepts them. When one of a call's arguments (or an element of a list/tuple argument)
// is an instance of a registered wrapper class, the registered handler runs instead:
// handler(name, is_method, args, kwargs), and its result is the call's. The rules live in Python
// (python/fastgrad/func/_vmap.py, autograd/forward_ad.py; docs/design.md Note [vmap levels]); this is only the
// hook. While a vmap or a dual level is open (wrapper_depth > 0, set by _C._set_wrapper_depth) the arguments
// are looked at before pybind11's overload resolution, whose failure would format every argument's repr into
// its message; outside, a call costs one more test of an int, and a wrapper that outlived its level is still
// found after the failure.
PyObject* wrapper_types = nullptr;  // a tuple of classes; strong references, set by _C._set_batched_dispatch
PyObject* wrapper_handler = nullptr;
int wrapper_depth = 0;

bool is_wrapper_object(PyObject* o) {
  Py_ssize_t n = PyTuple_GET_SIZE(wrapper_types);
  for (Py_ssize_t i = 0; i < n; ++i)
    if (PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(wrapper_types, i)))) return true;
  return false;
}

bool is_batched(PyObject* o) {
  if (is_wrapper_object(o)) return true;
  if (PyList_Check(o) || PyTuple_Check(o)) {
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    for (Py_ssize_t i = 0; i < n; ++i)
      if (is_wrapper_object(items[i])) return true;
  }
  return false;
}

// The handler's result when an argument is a wrapper; nullptr with no error set when none is.
PyObject* batched_call(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  bool found = false;
  for (Py_ssize_t i = 0; i < nargs + nkw && !found; ++i) found = is_batched(args[i]);
  if (!found) return nullptr;
  const py::detail::function_record* rec = py::detail::function_record_ptr_from_PyObject(self);
  if (!rec || !rec->name) return nullptr;
  PyObject* pos = PyTuple_New(nargs);
  if (!pos) return nullptr;
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    Py_INCREF(args[i]);
    PyTuple_SET_ITEM(pos, i, args[i]);
  }
  PyObject* kw = PyDict_New();
  for (Py_ssize_t i = 0; kw && i < nkw; ++i)
    if (PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0) Py_CLEAR(kw);
  PyObject* result = nullptr;
  if (kw)
    result = PyObject_CallFunction(wrapper_handler, "sOOO", rec->name, rec->is_method ? Py_True : Py_False, pos,
                                   kw);
  Py_DECREF(pos);
  Py_XDECREF(kw);
  return result;
}

PyObject* checked_dispatch(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (wrapper_depth > 0 && wrapper_handler) {
    PyObject* r = batched_call(self, args, nargs, kwnames);
    if (r || PyErr_Occurred()) return r;
  }
  PyObject* result = pybind_dispatch(self, args, nargs, kwnames);
  if (result || !PyErr_ExceptionMatches(PyExc_TypeError)) return result;
  if (wrapper_handler && wrapper_depth == 0) {
    PyObject *t0, *v0, *tb0;
    PyErr_Fetch(&t0, &v0, &tb0);
    PyObject* r = batched_call(self, args, nargs, kwnames);
    if (r || PyErr_Occurred()) {
      Py_XDECREF(t0);
      Py_XDECREF(v0);
      Py_XDECREF(tb0);
      return r;
    }
    PyErr_Restore(t0, v0, tb0);
  }
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  try {
    const py::detail::function_record* rec = py::detail::function_record_ptr_from_PyObject(self);
    std::string what = value ? py::str(value).cast<std::string>() : std::string();
    const std::string name = rec && rec->name ? rec->name : "function";
    std::string msg;
    if (rec && what.rfind(name + "(): incompatible ", 0) == 0) msg = explain_overloads(rec, args, nargs, kwnames);
    else if (what.rfind("Unable to cast Python instance", 0) == 0) msg = name + "(): " + explain_cast(what);
    else if (what.rfind("argument '", 0) == 0) msg = name + "(): " + what;  // a helper's message, without the op
    if (!msg.empty()) {
      Py_XDECREF(type);
      Py_XDECREF(value);
      Py_XDECREF(tb);
      PyErr_SetString(PyExc_TypeError, msg.c_str());
      return nullptr;
    }
  } catch (...) {
    PyErr_Clear();  // explaining failed: the original error stands
  }
  PyErr_Restore(type, value, tb);
  return nullptr;
}

// Points a pybind11 function object (possibly inside an instancemethod, staticmethod or property) at
// checked_dispatch.
void install_on(PyObject* f) {
  if (!f) return;
  if (PyInstanceMethod_Check(f)) f = PyInstanceMethod_GET_FUNCTION(f);
  if (!PyCFunction_Check(f)) return;
  PyObject* self = PyCFunction_GET_SELF(f);
  if (!self || !py::detail::is_function_record_PyObject(self)) return;
  auto* def = reinterpret_cast<PyCFunctionObject*>(f)->m_ml;
  auto meth = reinterpret_cast<Dispatch>(reinterpret_cast<void*>(def->ml_meth));
  if (meth == checked_dispatch) return;
  if (!pybind_dispatch) pybind_dispatch = meth;
  if (meth != pybind_dispatch) return;
  def->ml_meth = reinterpret_cast<PyCFunction>(reinterpret_cast<void*>(&checked_dispatch));
}

void install_in_dict(PyObject* dict) {
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value)) {
    if (PyObject_TypeCheck(value, &PyProperty_Type)) {
      for (const char* which : {"fget", "fset"}) {
        py::object accessor = py::reinterpret_steal<py::object>(PyObject_GetAttrString(value, which));
        if (!accessor) PyErr_Clear();
        else install_on(accessor.ptr());
      }
    } else if (PyObject_TypeCheck(value, &PyStaticMethod_Type)) {
      py::object fn = py::reinterpret_steal<py::object>(PyObject_GetAttrString(value, "__func__"));
      if (!fn) PyErr_Clear();
      else install_on(fn.ptr());
    } else {
      install_on(value);
    }
  }
}

}  // namespace

std::string py_type_name(py::handle h) {
  if (is_tensor(h)) return "Tensor";
  if (h.is_none()) return "NoneType";
  PyTypeObject* t = Py_TYPE(h.ptr());
  std::string name = t->tp_name;  // "numpy.float64", "str"
  return name;
}

void install_argument_errors(py::module_& m) {
  m.def("_set_batched_dispatch", [](py::tuple classes, py::object handler) {
    for (py::handle c : classes)
      if (!PyType_Check(c.ptr())) throw py::type_error("_set_batched_dispatch(): classes must be types");
    Py_XDECREF(wrapper_types);
    Py_XDECREF(wrapper_handler);
    wrapper_types = classes.release().ptr();
    wrapper_handler = handler.release().ptr();
  }, "Registers the wrapper classes (fastgrad.func's BatchedTensor, forward_ad's dual tensor) and the handler "
     "bindings call when given one (Note [Batched dispatch]).");
  m.def("_set_wrapper_depth", [](int depth) { wrapper_depth = depth; },
        "Tells the bindings how many vmaps and dual levels are open (they then look for wrapper arguments first).");
  PyObject* dict = PyModule_GetDict(m.ptr());
  install_in_dict(dict);
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &key, &value))
    if (PyType_Check(value)) install_in_dict(reinterpret_cast<PyTypeObject*>(value)->tp_dict);
}

}  // namespace fastgrad::python

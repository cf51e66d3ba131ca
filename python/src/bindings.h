// Shared by the binding files: type casters between Python and the core's types, and the init functions.
// Note [Bindings hold no math]: these files only convert arguments, dispatch and translate errors.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "fastgrad/autograd.h"
#include "fastgrad/fastgrad.h"

namespace py = pybind11;

namespace fastgrad::python {

// The Python dtype objects (fastgrad.float32, ...), one per ScalarType.
struct DType {
  ScalarType type;
};
py::object dtype_object(ScalarType t);
bool is_dtype_object(py::handle h);

// Python number -> Scalar; false when h is not a bool, int or float (or a NumPy scalar of those kinds).
bool to_scalar(py::handle h, Scalar& out);
// Note [Int arguments]: an `int` parameter (a dim, a count, an offset) takes what PyTorch's parser takes for
// one: a Python int (not a bool), a NumPy integer scalar, or -- when `convert` (pybind11's second overload
// pass, so a Tensor overload wins first) -- a 0-d integer (not bool) Tensor. A float, a bool, a 1-element
// 1-d Tensor or an object with only __int__ are refused (false). An int outside int64 raises ValueError
// "Overflow when unpacking long long". Every int64_t parameter of the bindings reads through this (the
// type_caster below), as do the helpers that take an int out of a py::object (int_arg).
bool load_int(py::handle h, bool convert, int64_t& out);
// load_int for a py::object argument: TypeError "op(): argument 'name' (position p) must be int, not T".
int64_t int_arg(py::handle h, const char* op, const char* name = "dim", int position = 0);
// A bool parameter of an op: only True or False, as PyTorch's parser takes it (not 1, not numpy.bool_, not a
// Tensor). Bindings declare such parameters as Flag (pybind11's own bool caster, which cannot be replaced,
// takes any object's truth value in its second overload pass). Parameters of PyTorch's Python-level
// functions (backward's create_graph, grad's allow_unused) take any object's truth value instead: those
// bindings take a py::handle and call truthy().
struct Flag {
  bool value = false;
  operator bool() const { return value; }
};
inline bool truthy(py::handle h) {
  const int r = PyObject_IsTrue(h.ptr());
  if (r < 0) throw py::error_already_set();
  return r != 0;
}
// A number parameter PyTorch types as Scalar and fastgrad computes with as a double (elu's alpha, softplus'
// beta, linspace's ends, norm's p): a bool, an int or a float (or a NumPy scalar of those), read as PyTorch
// reads a Scalar -- ints in [2**63, 2**64) are taken (as uint64), ints below -2**63 raise OverflowError "can't
// convert negative int to unsigned" and ints from 2**64 "int too big to convert". False for other types.
bool load_real(py::handle h, double& out);
struct Real {
  double value = 0;
  operator double() const { return value; }
};
// A 0-d tensor that does not require grad, as the Scalar it holds; false for anything else.
bool scalar_from_tensor(py::handle h, Scalar& out);
// Raises the error PyTorch raises for a device other than the CPU.
void check_device(py::handle device);
// The fastgrad.Size (tuple subclass) for a shape.
py::object size_object(const Dims& sizes);
// A list-of-ints argument, for PyTorch's messages: the op, the argument's name, its 1-based position
// (0: unknown or given by keyword, left out of messages), and whether a single int stands for a one-element
// list (PyTorch's `int[1]` arguments and spread-out sizes; `full(2, 1.)` is refused).
struct IntListArg {
  const char* op;
  const char* name = "size";
  int position = 1;
  bool single = true;
};
// Dims from a list/tuple of ints, or a single int where allowed (See Note [Int lists] in module.cpp).
Dims dims_from(py::handle h, const IntListArg& a);
Dims dims_from(py::handle h, const char* op, const char* name = "size", int position = 1, bool single = true);
// Sizes given spread out or as one sequence: `view(2, 3)`, `view((2, 3))`, `zeros(torch.tensor(3))`.
Dims dims_from_args(const py::args& args, const char* op, const char* name = "size");

// The Python type of fastgrad.Tensor (subclasses pass PyObject_TypeCheck against it).
PyTypeObject* tensor_type();
// A new Python Tensor object owning `impl`, which must not have one yet (operators.cpp).
PyObject* new_tensor_object(std::shared_ptr<TensorImpl> impl);
// Tensor's number-protocol slots, filled in before PyType_Ready (See Note [Operator slots]).
void fill_number_slots(PyHeapTypeObject* heap_type);
// PyTorch's name for a value's type in messages: "Tensor", "int", "numpy.float64", "NoneType".
std::string py_type_name(py::handle h);
// Routes every pybind11 function of the module (and of its classes) through one dispatcher that restates
// pybind11's argument errors as PyTorch's TypeErrors (See Note [Argument errors] in arg_errors.cpp).
void install_argument_errors(py::module_& m);
// Direct entry points for the hottest Tensor methods, installed over the full bindings (fast_methods.cpp).
void install_fast_methods(py::module_& m);
// Sets the docstring of one of those fast methods (a method descriptor); false for any other object.
bool set_fast_method_doc(PyObject* descr, const std::string& doc);

// PyTorch's one-time warning for backward(create_graph=True) (the .grad <-> graph reference cycle).
void warn_backward_create_graph();

// A Node as a Python object of the class named after it (see autograd.cpp); None for a null Node.
py::object node_object(const std::shared_ptr<Node>& node);

// The area init functions module.cpp calls, in its order (one per binding file).
void init_dtype(py::module_& m);
void init_tensor(py::module_& m);
void init_unary(py::module_& m);
void init_binary(py::module_& m);
void init_reduce(py::module_& m);
void init_sorting(py::module_& m);
void init_shape(py::module_& m);
void init_index(py::module_& m);
void init_linalg(py::module_& m);
void init_creation(py::module_& m);
void init_nn(py::module_& m);
void init_pooling(py::module_& m);
void init_upsample(py::module_& m);
void init_conv(py::module_& m);
void init_autograd(py::module_& m);
void init_hooks(py::module_& m);
void init_runtime(py::module_& m);
void init_numpy(py::module_& m);
void init_dlpack(py::module_& m);

}  // namespace fastgrad::python

namespace pybind11::detail {

template <>
struct type_caster<fastgrad::Tensor> {
  PYBIND11_TYPE_CASTER(fastgrad::Tensor, const_name("Tensor"));
  // The hot path of every op: read the shared_ptr holder straight out of the pybind11 instance, after one
  // type check, instead of the generic (type-registry) lookup.
  bool load(handle src, bool) {
    if (!PyObject_TypeCheck(src.ptr(), fastgrad::python::tensor_type())) return false;
    auto vh = reinterpret_cast<instance*>(src.ptr())->get_value_and_holder();
    if (!vh.holder_constructed()) return false;
    value = fastgrad::Tensor(vh.template holder<std::shared_ptr<fastgrad::TensorImpl>>());
    return true;
  }
  static handle cast(const fastgrad::Tensor& t, return_value_policy policy, handle parent) {
    if (!t.defined()) return none().release();
    // A tensor only this handle owns has no Python object yet: skip pybind11's registry lookup.
    if (t.impl().use_count() == 1) return fastgrad::python::new_tensor_object(t.impl());
    return make_caster<std::shared_ptr<fastgrad::TensorImpl>>::cast(t.impl(), policy, parent);
  }
};

template <>
struct type_caster<fastgrad::ScalarType> {
  PYBIND11_TYPE_CASTER(fastgrad::ScalarType, const_name("dtype"));
  bool load(handle src, bool) {
    if (fastgrad::python::is_dtype_object(src)) {
      value = src.cast<fastgrad::python::DType&>().type;
      return true;
    }
    // Python's own types name dtypes too, as in PyTorch: float -> float64, int -> int64, bool -> bool.
    if (src.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) value = fastgrad::ScalarType::Float64;
    else if (src.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) value = fastgrad::ScalarType::Int64;
    else if (src.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) value = fastgrad::ScalarType::Bool;
    else return false;
    return true;
  }
  static handle cast(fastgrad::ScalarType t, return_value_policy, handle) {
    return fastgrad::python::dtype_object(t).release();
  }
};

// Every int64_t parameter of the bindings (See Note [Int arguments]).
template <>
struct type_caster<int64_t> {
  PYBIND11_TYPE_CASTER(int64_t, const_name("int"));
  bool load(handle src, bool convert) { return fastgrad::python::load_int(src, convert, value); }
  static handle cast(int64_t v, return_value_policy, handle) { return PyLong_FromLongLong(v); }
};

template <>
struct type_caster<fastgrad::python::Flag> {
  PYBIND11_TYPE_CASTER(fastgrad::python::Flag, const_name("bool"));
  bool load(handle src, bool) {
    if (src.ptr() != Py_True && src.ptr() != Py_False) return false;
    value.value = src.ptr() == Py_True;
    return true;
  }
  static handle cast(fastgrad::python::Flag v, return_value_policy, handle) {
    return handle(v.value ? Py_True : Py_False).inc_ref();
  }
};

template <>
struct type_caster<fastgrad::python::Real> {
  PYBIND11_TYPE_CASTER(fastgrad::python::Real, const_name("Number"));
  bool load(handle src, bool) { return fastgrad::python::load_real(src, value.value); }
  static handle cast(fastgrad::python::Real v, return_value_policy, handle) { return PyFloat_FromDouble(v.value); }
};

template <>
struct type_caster<fastgrad::Scalar> {
  PYBIND11_TYPE_CASTER(fastgrad::Scalar, const_name("Number"));
  // A Python number; in pybind11's second overload pass (so Tensor overloads win first) also a 0-d tensor that
  // does not require grad, as PyTorch's Scalar parameters take one (full((2,), tensor(1.5))).
  bool load(handle src, bool convert) {
    return fastgrad::python::to_scalar(src, value) || (convert && fastgrad::python::scalar_from_tensor(src, value));
  }
  static handle cast(const fastgrad::Scalar& s, return_value_policy, handle) {
    if (s.is_bool()) return pybind11::bool_(s.i != 0).release();
    if (s.is_integral()) return PyLong_FromLongLong(s.i);
    return PyFloat_FromDouble(s.f);
  }
};

}  // namespace pybind11::detail

namespace fastgrad::python {

// ---- shared by the per-area binding files ----

using TensorClass = py::class_<TensorImpl, std::shared_ptr<TensorImpl>>;
TensorClass tensor_class(py::module_& m);

// Binds f as the Tensor method `name` and as the function `fastgrad.name(input, ...)`.
template <class F, class... Extra>
void def_both(TensorClass& cls, py::module_& m, const char* name, F f, const Extra&... extra) {
  cls.def(name, f, extra...);
  m.def(name, f, py::arg("input"), extra...);
}

inline bool is_tensor(py::handle h) { return PyObject_TypeCheck(h.ptr(), tensor_type()); }
// The Tensor inside a Python Tensor object (is_tensor(o) must hold), without copying the handle: a Tensor
// is exactly its shared_ptr, which is what the pybind11 holder stores.
static_assert(sizeof(Tensor) == sizeof(std::shared_ptr<TensorImpl>), "Tensor is a shared_ptr handle");
inline const Tensor& tensor_ref(PyObject* o) {
  auto vh = reinterpret_cast<py::detail::instance*>(o)->get_value_and_holder();
  if (!vh.holder_constructed()) throw py::type_error("fastgrad.Tensor object is not initialized");
  return reinterpret_cast<const Tensor&>(vh.template holder<std::shared_ptr<TensorImpl>>());
}
// A new reference to the Python object for t (None when undefined); nullptr with a Python error set.
inline PyObject* to_python(const Tensor& t) {
  return py::detail::make_caster<Tensor>::cast(t, py::return_value_policy::move, py::handle()).ptr();
}
inline Tensor as_tensor(py::handle h) { return h.cast<Tensor>(); }
inline py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }
inline py::object wrap(const Tensor& t) { return py::cast(t); }

// self op other, where other is a Tensor or a Python number; NotImplemented otherwise.
template <class TensorFn, class ScalarFn>
py::object binary(py::handle self, py::handle other, TensorFn tf, ScalarFn sf) {
  Tensor a = as_tensor(self);
  if (is_tensor(other)) return wrap(tf(a, as_tensor(other)));
  Scalar s;
  if (to_scalar(other, s)) return wrap(sf(a, s));
  return not_implemented();
}

// self op= other: returns self itself (the same Python object), as Python's augmented assignment needs.
template <class TensorFn, class ScalarFn>
py::object inplace(py::handle self, py::handle other, TensorFn tf, ScalarFn sf) {
  Tensor a = as_tensor(self);
  if (is_tensor(other)) {
    tf(a, as_tensor(other));
  } else {
    Scalar s;
    if (!to_scalar(other, s)) return not_implemented();
    sf(a, s);
  }
  return py::reinterpret_borrow<py::object>(self);
}

// A dtype argument (a fastgrad dtype, or Python's float/int/bool); TypeError "argument 'dtype' must be
// fastgrad.dtype, not str" otherwise (See Note [Argument errors]).
inline ScalarType dtype_arg(py::handle h) {
  py::detail::make_caster<ScalarType> caster;
  if (!caster.load(h, true))
    throw py::type_error("argument 'dtype' must be fastgrad.dtype, not " + py_type_name(h));
  return py::detail::cast_op<ScalarType>(caster);
}

// dtype=None | dtype
inline std::optional<ScalarType> opt_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return dtype_arg(h);
}

// dim=None | int | tuple of ints
inline std::optional<Dims> opt_dims(py::handle h, const char* op, const char* name = "dim") {
  if (h.is_none()) return std::nullopt;
  return dims_from(h, op, name, 0);
}

// GC support of Tensor objects (hooks.cpp): visit / neuter the Python objects their graph holds.
int traverse_tensor(PyObject* self, visitproc visit, void* arg);
int clear_tensor(PyObject* self);

}  // namespace fastgrad::python

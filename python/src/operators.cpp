// Tensor's arithmetic operators as Python's number-protocol slots, and the fast conversion of a fresh
// result to a Python object. Bindings only: each slot unwraps its operands and calls one core op.
//
// Note [Operator slots]
// Python evaluates `a + b` by calling the nb_add slot of the operands' types. Bound as pybind11 methods
// (`__add__`), an operator goes slot -> attribute lookup -> pybind11's dispatcher -> argument casters ->
// the generic result caster, which on a (3,) tensor costs more than the op itself. So the slots are C
// functions, filled in when the type is created (fill_number_slots, called before PyType_Ready): Python
// then calls them directly, and PyType_Ready makes the `__add__`/`__radd__` descriptors from them, so
// `Tensor.__add__(a, b)` works and Python subclasses (nn.Parameter) inherit the same slots. These operators
// must therefore not also be bound with `cls.def("__add__", ...)`, which would replace the slot.
// A binary slot receives the operands in source order: `2 + t` calls nb_add(2, t). Operands it does not
// know (lists, NumPy arrays, ...) get NotImplemented, so Python tries the other operand and otherwise
// raises its own TypeError ("unsupported operand type(s) for +: 'Tensor' and 'list'").
#include "bindings.h"

namespace fastgrad::python {

namespace {

// The core op for each operator: tensor op tensor, tensor op number, number op tensor.
struct AddOp {
  static Tensor tt(const Tensor& x, const Tensor& y) { return add(x, y); }
  static Tensor ts(const Tensor& x, Scalar s) { return add(x, s); }
  static Tensor st(Scalar s, const Tensor& y) { return add(y, s); }
  static void tt_(Tensor& x, const Tensor& y) { add_(x, y); }
  static void ts_(Tensor& x, Scalar s) { add_(x, s); }
};
struct SubOp {
  static Tensor tt(const Tensor& x, const Tensor& y) { return sub(x, y); }
  static Tensor ts(const Tensor& x, Scalar s) { return sub(x, s); }
  static Tensor st(Scalar s, const Tensor& y) { return rsub(y, s); }
  static void tt_(Tensor& x, const Tensor& y) { sub_(x, y); }
  static void ts_(Tensor& x, Scalar s) { sub_(x, s); }
};
struct MulOp {
  static Tensor tt(const Tensor& x, const Tensor& y) { return mul(x, y); }
  static Tensor ts(const Tensor& x, Scalar s) { return mul(x, s); }
  static Tensor st(Scalar s, const Tensor& y) { return mul(y, s); }
  static void tt_(Tensor& x, const Tensor& y) { mul_(x, y); }
  static void ts_(Tensor& x, Scalar s) { mul_(x, s); }
};
struct DivOp {
  static Tensor tt(const Tensor& x, const Tensor& y) { return div(x, y); }
  static Tensor ts(const Tensor& x, Scalar s) { return div(x, s); }
  static Tensor st(Scalar s, const Tensor& y) { return rdiv(y, s); }
  static void tt_(Tensor& x, const Tensor& y) { div_(x, y); }
  static void ts_(Tensor& x, Scalar s) { div_(x, s); }
};
struct PowOp {
  static Tensor tt(const Tensor& x, const Tensor& y) { return pow(x, y); }
  static Tensor ts(const Tensor& x, Scalar s) { return pow(x, s); }
  static Tensor st(Scalar s, const Tensor& y) { return pow(s, y); }
  static void tt_(Tensor& x, const Tensor& y) { pow_(x, y); }
  static void ts_(Tensor& x, Scalar s) { pow_(x, s); }
};

template <class Op>
PyObject* binary_slot(PyObject* a, PyObject* b) {
  try {
    Scalar s;
    if (is_tensor(a)) {
      const Tensor& x = tensor_ref(a);
      if (is_tensor(b)) return to_python(Op::tt(x, tensor_ref(b)));
      if (to_scalar(b, s)) return to_python(Op::ts(x, s));
    } else if (to_scalar(a, s)) {  // reflected: Python called us because b is a Tensor
      return to_python(Op::st(s, tensor_ref(b)));
    }
    Py_RETURN_NOTIMPLEMENTED;
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

// `a ** b` arrives as nb_power(a, b, None); the modulo of the three-argument pow() is ignored, as before.
template <class Op>
PyObject* ternary_slot(PyObject* a, PyObject* b, PyObject*) {
  return binary_slot<Op>(a, b);
}

// self op= other: modifies self and returns self itself, as augmented assignment needs.
template <class Op>
PyObject* inplace_slot(PyObject* self, PyObject* other) {
  try {
    Tensor x = tensor_ref(self);
    Scalar s;
    if (is_tensor(other)) Op::tt_(x, tensor_ref(other));
    else if (to_scalar(other, s)) Op::ts_(x, s);
    else Py_RETURN_NOTIMPLEMENTED;
    Py_INCREF(self);
    return self;
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

template <class Op>
PyObject* inplace_ternary_slot(PyObject* self, PyObject* other, PyObject*) {
  return inplace_slot<Op>(self, other);
}

PyObject* matmul_slot(PyObject* a, PyObject* b) {
  try {
    if (!is_tensor(a) || !is_tensor(b)) Py_RETURN_NOTIMPLEMENTED;
    return to_python(matmul(tensor_ref(a), tensor_ref(b)));
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

PyObject* negative_slot(PyObject* a) {
  try {
    return to_python(neg(tensor_ref(a)));
  } catch (...) {
    py::detail::try_translate_exceptions();
    return nullptr;
  }
}

PyObject* positive_slot(PyObject* a) {  // `+t` is t itself; refused for bool, as in PyTorch
  if (tensor_ref(a).dtype() == ScalarType::Bool) {
    PyErr_SetString(PyExc_RuntimeError, "The `+` operator, on a bool tensor is not supported.");
    return nullptr;
  }
  Py_INCREF(a);
  return a;
}

}  // namespace

PyObject* new_tensor_object(std::shared_ptr<TensorImpl> impl) {
  namespace detail = py::detail;
  static const detail::type_info* tinfo = detail::get_type_info(typeid(TensorImpl));
  PyObject* self = detail::make_new_instance(tensor_type());  // tp_alloc and the (inline) holder layout
  if (!self) return nullptr;
  auto* inst = reinterpret_cast<detail::instance*>(self);
  auto v_h = inst->get_value_and_holder(tinfo);
  v_h.value_ptr() = impl.get();
  inst->owned = true;
  // pybind11 keeps a registry of live instances (so the same C++ object maps back to the same Python
  // object) and checks it on deallocation; the object is registered exactly as pybind11 would do it.
  detail::register_instance(inst, impl.get(), tinfo);
  v_h.set_instance_registered();
  new (std::addressof(v_h.holder<std::shared_ptr<TensorImpl>>())) std::shared_ptr<TensorImpl>(std::move(impl));
  v_h.set_holder_constructed();
  return self;
}

void fill_number_slots(PyHeapTypeObject* heap_type) {
  PyNumberMethods& nb = heap_type->as_number;
  nb.nb_add = binary_slot<AddOp>;
  nb.nb_subtract = binary_slot<SubOp>;
  nb.nb_multiply = binary_slot<MulOp>;
  nb.nb_true_divide = binary_slot<DivOp>;
  nb.nb_power = ternary_slot<PowOp>;
  nb.nb_inplace_add = inplace_slot<AddOp>;
  nb.nb_inplace_subtract = inplace_slot<SubOp>;
  nb.nb_inplace_multiply = inplace_slot<MulOp>;
  nb.nb_inplace_true_divide = inplace_slot<DivOp>;
  nb.nb_inplace_power = inplace_ternary_slot<PowOp>;
  nb.nb_matrix_multiply = matmul_slot;
  nb.nb_negative = negative_slot;
  nb.nb_positive = positive_slot;
}

}  // namespace fastgrad::python

// Subscripts: t[...] and t[...] = v, parsed here and executed by the core's index ops.
#include "bindings.h"

namespace fastgrad::python {

namespace {

std::vector<TensorIndex> parse_index(py::handle idx) {
  std::vector<TensorIndex> out;
  auto one = [&](py::handle h) {
    TensorIndex i;
    if (h.is_none()) {
      i.kind = TensorIndex::Kind::None;
    } else if (h.ptr() == Py_Ellipsis) {
      i.kind = TensorIndex::Kind::Ellipsis;
    } else if (PySlice_Check(h.ptr())) {
      i.kind = TensorIndex::Kind::Slice;
      auto* s = reinterpret_cast<PySliceObject*>(h.ptr());
      auto get = [](PyObject* o) -> std::optional<int64_t> {
        if (o == Py_None) return std::nullopt;
        return py::reinterpret_borrow<py::object>(o).attr("__index__")().cast<int64_t>();
      };
      i.start = get(s->start);
      i.stop = get(s->stop);
      i.step = get(s->step).value_or(1);
    } else if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
      i.integer = h.cast<int64_t>();
    } else if (is_tensor(h) && as_tensor(h).dim() == 0 && !is_floating(as_tensor(h).dtype()) &&
               as_tensor(h).dtype() != ScalarType::Bool) {
      i.integer = as_tensor(h).item().i;
    } else if (!is_tensor(h) && PyIndex_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
      i.integer = py::reinterpret_borrow<py::object>(h).attr("__index__")().cast<int64_t>();
    } else {
      throw NotImplementedError("fastgrad: indexing with " + py::str(py::type::of(h).attr("__name__")).cast<std::string>() +
                                " (advanced indexing) is not supported yet");
    }
    out.push_back(i);
  };
  if (PyTuple_Check(idx.ptr()))
    for (py::handle h : py::reinterpret_borrow<py::tuple>(idx)) one(h);
  else
    one(idx);
  return out;
}

}  // namespace

void init_index(py::module_& m) {
  TensorClass cls = tensor_class(m);
  // ---- indexing ----
  cls.def("__getitem__", [](const Tensor& t, py::handle idx) { return index(t, parse_index(idx)); })
      .def("__setitem__", [](Tensor& t, py::handle idx, py::handle value) {
        Tensor v;
        Scalar s;
        if (is_tensor(value)) v = as_tensor(value);
        else if (to_scalar(value, s)) v = scalar_tensor(s, t.dtype());
        else throw py::type_error("can't assign a " + py::str(py::type::of(value).attr("__name__")).cast<std::string>() +
                                  " to a fastgrad tensor");
        index_put_(t, parse_index(idx), v);
      });
}

}  // namespace fastgrad::python

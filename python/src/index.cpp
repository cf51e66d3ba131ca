// Indexing: t[...] and t[...] = v (parsed here, executed by the core), and the index ops' methods and functions.
#include "bindings.h"

#include <cstring>

namespace fastgrad::python {

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

// A Python list (or NumPy array) used as an index, as a tensor: flat lists of ints or bools directly, anything
// else through fastgrad.tensor's conversion.
Tensor sequence_to_tensor(py::handle seq) {
  if (PyList_Check(seq.ptr())) {
    const Py_ssize_t n = PyList_GET_SIZE(seq.ptr());
    bool all_int = true, all_bool = n > 0;
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* o = PyList_GET_ITEM(seq.ptr(), i);
      all_bool = all_bool && PyBool_Check(o);
      all_int = all_int && PyLong_Check(o) && !PyBool_Check(o);
    }
    if (all_int) {  // also the empty list: an empty int64 index
      Tensor t = empty({n}, ScalarType::Int64);
      for (Py_ssize_t i = 0; i < n; ++i) t.data<int64_t>()[i] = PyLong_AsLongLong(PyList_GET_ITEM(seq.ptr(), i));
      if (PyErr_Occurred()) throw py::error_already_set();
      return t;
    }
    if (all_bool) {
      Tensor t = empty({n}, ScalarType::Bool);
      for (Py_ssize_t i = 0; i < n; ++i) t.data<bool>()[i] = PyList_GET_ITEM(seq.ptr(), i) == Py_True;
      return t;
    }
  }
  py::object t = py::module_::import("fastgrad._creation").attr("_from_data")(seq, py::none());
  return as_tensor(t);
}

// PyTorch (like old NumPy) reads a short list that holds slices, Ellipsis, None, sequences or tensors as a
// tuple of subscripts, with a deprecation warning.
bool list_is_tuple(py::handle list) {
  const Py_ssize_t n = PyList_GET_SIZE(list.ptr());
  if (n >= 32) return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* o = PyList_GET_ITEM(list.ptr(), i);
    if (o == Py_None || o == Py_Ellipsis || PySlice_Check(o) || is_tensor(o) ||
        (PySequence_Check(o) && !PyUnicode_Check(o) && !PyBytes_Check(o)))
      return true;
  }
  return false;
}

// PyTorch reads a uint8 index tensor as a bool mask (deprecated, with a UserWarning), not as positions.
Tensor byte_mask_as_bool(const Tensor& t) {
  if (t.dtype() != ScalarType::UInt8) return t;
  if (PyErr_WarnEx(PyExc_UserWarning,
                   "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.", 1) < 0)
    throw py::error_already_set();
  return to_dtype(t, ScalarType::Bool);
}

TensorIndex parse_one(py::handle h) {
  PyObject* o = h.ptr();
  if (o == Py_None) return TensorIndex::new_axis();
  if (o == Py_Ellipsis) return TensorIndex::ellipsis();
  if (PyBool_Check(o)) return TensorIndex::from_bool(o == Py_True);
  if (PyLong_Check(o)) return TensorIndex::from_integer(h.cast<int64_t>());
  if (PySlice_Check(o)) {
    auto* s = reinterpret_cast<PySliceObject*>(o);
    auto get = [](PyObject* v) -> std::optional<int64_t> {
      if (v == Py_None) return std::nullopt;
      py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(v));
      if (!i) throw py::error_already_set();
      return i.cast<int64_t>();
    };
    std::optional<int64_t> step = get(s->step);
    if (step && *step == 0) throw py::value_error("slice step cannot be zero");
    return TensorIndex::from_slice(get(s->start), get(s->stop), step.value_or(1));
  }
  if (is_tensor(h)) return TensorIndex::from_tensor(byte_mask_as_bool(as_tensor(h)));
  if (PyList_Check(o)) return TensorIndex::from_tensor(sequence_to_tensor(h));
  // A range is a sequence of ints, as a list of them (an empty range an empty int64 index).
  if (PyRange_Check(o)) return TensorIndex::from_tensor(sequence_to_tensor(py::list(py::reinterpret_borrow<py::object>(h))));
  const std::string name = type_name(h);
  if (name == "ndarray") return TensorIndex::from_tensor(byte_mask_as_bool(sequence_to_tensor(h)));
  if (name == "bool_") return TensorIndex::from_bool(py::bool_(py::reinterpret_borrow<py::object>(h)));
  if (PyIndex_Check(o)) {
    py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(o));
    if (!i) throw py::error_already_set();
    return TensorIndex::from_integer(i.cast<int64_t>());
  }
  throw py::index_error("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                        "indices (got " + name + ")");
}

// PyTorch's deprecation warnings for writes into an expanded tensor (a dim of size > 1 with stride 0) that
// masked_fill_ and index_put_ still perform (the core writes them when nothing is recorded).
bool overlaps_itself(const Tensor& t) {
  if (t.numel() == 0) return false;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.strides()[d] == 0 && t.sizes()[d] > 1) return true;
  return false;
}

void warn_expanded_write(const Tensor& t, bool masked_fill) {
  if (!overlaps_itself(t)) return;
  const char* msg = masked_fill
                        ? "Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor before "
                          "performing this operation. This also applies to advanced indexing e.g. tensor[mask] = scalar"
                        : "Use of index_put_ on expanded tensors is deprecated. Please clone() the tensor before "
                          "performing this operation. This also applies to advanced indexing e.g. tensor[indices] = "
                          "tensor";
  if (PyErr_WarnEx(PyExc_UserWarning, msg, 1) < 0) throw py::error_already_set();
}

std::vector<TensorIndex> parse_index(py::handle idx) {
  std::vector<TensorIndex> out;
  py::handle seq;
  if (PyTuple_Check(idx.ptr())) {
    seq = idx;
  } else if (PyList_Check(idx.ptr()) && list_is_tuple(idx)) {
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
                     "pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as "
                     "tensor index, x[torch.tensor(seq)], which will result either in an error or a different result",
                     1) < 0)
      throw py::error_already_set();
    seq = idx;
  } else {
    out.push_back(parse_one(idx));
    return out;
  }
  for (py::handle h : py::reinterpret_borrow<py::sequence>(seq)) out.push_back(parse_one(h));
  return out;
}

// indices=(t0, t1, ...) for index_put: tensors (or lists) in order.
tensor_list index_tensors(py::handle h) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw py::type_error("index_put(): argument 'indices' must be tuple of Tensors, not " + type_name(h));
  tensor_list out;
  for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) {
    if (is_tensor(item)) out.push_back(byte_mask_as_bool(as_tensor(item)));
    else if (PyList_Check(item.ptr())) out.push_back(sequence_to_tensor(item));
    else throw py::type_error("expected Tensor as element " + std::to_string(out.size()) + " in argument 0, but got " +
                              type_name(item));
  }
  return out;
}

// A Tensor, or a Python number made a 0-d tensor of `like`'s dtype (as PyTorch does for setitem).
Tensor value_tensor(py::handle value, ScalarType like, const char* what) {
  if (is_tensor(value)) return as_tensor(value);
  Scalar s;
  if (to_scalar(value, s)) return scalar_tensor(s, like);
  throw py::type_error(std::string(what) + type_name(value));
}

std::optional<int64_t> opt_int(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return h.cast<int64_t>();
}

std::string opt_reduce(py::handle h) { return h.is_none() ? std::string() : h.cast<std::string>(); }

}  // namespace

void init_index(py::module_& m) {
  TensorClass cls = tensor_class(m);
  // ---- subscripts ----
  cls.def("__getitem__", [](const Tensor& t, py::handle idx) {
        // A bare slice is always a slice (SliceBackward0); inside a tuple a full slice is skipped.
        if (PySlice_Check(idx.ptr())) {
          TensorIndex s = parse_one(idx);
          return slice(t, 0, s.start, s.stop, s.step);
        }
        return index(t, parse_index(idx));
      })
      .def("__setitem__", [](Tensor& t, py::handle idx, py::handle value) {
        if (idx.ptr() == Py_False) return;  // PyTorch: a bare False writes and records nothing
        if (!is_tensor(value)) {
          // PyTorch takes Python numbers here, NumPy scalars only when they are ints or Python floats
          // (numpy.float64): numpy.float32 and numpy.bool_ are refused.
          PyObject* v = value.ptr();
          const bool numpy_scalar = std::strncmp(Py_TYPE(v)->tp_name, "numpy.", 6) == 0;
          int64_t unused = 0;
          Scalar s;
          if ((numpy_scalar && !PyFloat_Check(v) && !load_int(value, false, unused)) || !to_scalar(value, s))
            throw py::type_error("can't assign a " + type_name(value) + " to a fastgrad tensor");
        }
        std::vector<TensorIndex> indices = parse_index(idx);
        int tensor_indices = 0;
        bool mask = false;
        for (const TensorIndex& i : indices)
          if (i.kind == TensorIndex::Kind::Tensor) {
            ++tensor_indices;
            mask = i.tensor.dtype() == ScalarType::Bool;
          }
        if (tensor_indices) warn_expanded_write(t, tensor_indices == 1 && mask && !is_tensor(value));
        index_put_(t, indices, value_tensor(value, t.dtype(), "can't assign a "));
      });

  // ---- advanced indexing ----
  def_both(cls, m, "index_put", [](const Tensor& t, py::handle indices, const Tensor& values, Flag accumulate) {
        return index_put(t, index_tensors(indices), values, accumulate);
      }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  cls.def("index_put_", [](py::handle self, py::handle indices, const Tensor& values, Flag accumulate) {
        Tensor t = as_tensor(self);
        tensor_list idx = index_tensors(indices);
        warn_expanded_write(t, false);
        index_put_(t, idx, values, accumulate);
        return self;
      }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  m.def("nonzero", [](const Tensor& t, Flag as_tuple) -> py::object {
        if (!as_tuple) return wrap(nonzero(t));
        return py::tuple(py::cast(nonzero_numpy(t)));
      }, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false);
  cls.def("nonzero", [](const Tensor& t, Flag as_tuple) -> py::object {
        if (!as_tuple) return wrap(nonzero(t));
        return py::tuple(py::cast(nonzero_numpy(t)));
      }, py::kw_only(), py::arg("as_tuple") = false);
  def_both(cls, m, "argwhere", [](const Tensor& t) { return nonzero(t); });

  // ---- along a dimension ----
  def_both(cls, m, "index_select", [](const Tensor& t, int64_t dim, const Tensor& index) {
        return index_select(t, dim, index);
      }, py::arg("dim"), py::arg("index"));
  def_both(cls, m, "gather", [](const Tensor& t, int64_t dim, const Tensor& index, bool) {
        return gather(t, dim, index);
      }, py::arg("dim"), py::arg("index"), py::kw_only(), py::arg("sparse_grad") = false);
  auto scatter_args = [](py::handle src, py::handle value, Tensor& src_t, Scalar& value_s) {
    py::handle given = src.is_none() ? value : src;
    if (given.is_none()) throw py::type_error("scatter() missing required argument 'src' (or 'value')");
    // (dim, index, src) or (dim, index, value): one of them; `reduce` is keyword-only
    if (!src.is_none() && !value.is_none())
      throw py::type_error("scatter() received an invalid combination of arguments - got (int, Tensor, " +
                           py_type_name(src) + ", " + py_type_name(value) + "): takes src or value, not both");
    if (is_tensor(given)) {
      src_t = as_tensor(given);
      return true;
    }
    if (!to_scalar(given, value_s))
      throw py::type_error("scatter(): argument 'src' must be Tensor or Number, not " + type_name(given));
    return false;
  };
  def_both(cls, m, "scatter", [scatter_args](const Tensor& t, int64_t dim, const Tensor& index, py::handle src,
                                             py::handle value, py::handle reduce) {
        Tensor s;
        Scalar v;
        return scatter_args(src, value, s, v) ? scatter(t, dim, index, s, opt_reduce(reduce))
                                              : scatter(t, dim, index, v, opt_reduce(reduce));
      }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::arg("value") = py::none(), py::kw_only(),
      py::arg("reduce") = py::none());
  cls.def("scatter_", [scatter_args](py::handle self, int64_t dim, const Tensor& index, py::handle src,
                                     py::handle value, py::handle reduce) {
        Tensor t = as_tensor(self), s;
        Scalar v;
        if (scatter_args(src, value, s, v)) scatter_(t, dim, index, s, opt_reduce(reduce));
        else scatter_(t, dim, index, v, opt_reduce(reduce));
        return self;
      }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::arg("value") = py::none(), py::kw_only(),
      py::arg("reduce") = py::none());
  def_both(cls, m, "scatter_add", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
        return scatter_add(t, dim, index, src);
      }, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_", [](py::handle self, int64_t dim, const Tensor& index, const Tensor& src) {
        Tensor t = as_tensor(self);
        scatter_add_(t, dim, index, src);
        return self;
      }, py::arg("dim"), py::arg("index"), py::arg("src"));
  def_both(cls, m, "index_add", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                                   Scalar alpha) { return index_add(t, dim, index, source, alpha); },
           py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("index_add_", [](py::handle self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
        Tensor t = as_tensor(self);
        index_add_(t, dim, index, source, alpha);
        return self;
      }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  def_both(cls, m, "take", [](const Tensor& t, const Tensor& index) { return take(t, index); }, py::arg("index"));
  def_both(cls, m, "take_along_dim", [](const Tensor& t, const Tensor& indices, py::handle dim) {
        return take_along_dim(t, indices, opt_int(dim));
      }, py::arg("indices"), py::arg("dim") = py::none());

  // ---- masks ----
  def_both(cls, m, "masked_fill", [](const Tensor& t, const Tensor& mask, py::handle value) {
        if (is_tensor(value)) return masked_fill(t, mask, as_tensor(value));
        Scalar s;
        if (!to_scalar(value, s))
          throw py::type_error("masked_fill(): argument 'value' must be Number or Tensor, not " + type_name(value));
        return masked_fill(t, mask, s);
      }, py::arg("mask"), py::arg("value"));
  cls.def("masked_fill_", [](py::handle self, const Tensor& mask, py::handle value) {
        Tensor t = as_tensor(self);
        warn_expanded_write(t, true);
        if (is_tensor(value)) {
          masked_fill_(t, mask, as_tensor(value));
          return self;
        }
        Scalar s;
        if (!to_scalar(value, s))
          throw py::type_error("masked_fill_(): argument 'value' must be Number or Tensor, not " + type_name(value));
        masked_fill_(t, mask, s);
        return self;
      }, py::arg("mask"), py::arg("value"));
  def_both(cls, m, "masked_select", [](const Tensor& t, const Tensor& mask) { return masked_select(t, mask); },
           py::arg("mask"));
}

}  // namespace fastgrad::python

// Shape ops, views, joining and splitting: methods and function forms.
#include "bindings.h"

namespace fastgrad::python {

namespace {

// Methods that take sizes or dims either spread out or as one sequence (`x.permute(1, 0)`,
// `x.permute((1, 0))`, `x.permute(dims=(1, 0))`).
Dims spread_dims(const py::args& args, const py::kwargs& kwargs, const char* keyword, const char* op) {
  if (kwargs.contains(keyword)) {
    if (args.size() != 0 || kwargs.size() != 1)
      throw py::type_error(std::string(op) + "() received an invalid combination of arguments");
    return dims_from(kwargs[keyword], op, keyword, 0);
  }
  if (kwargs.size() != 0)
    throw py::type_error(std::string(op) + "() got an unexpected keyword argument '" +
                         py::str(kwargs.begin()->first).cast<std::string>() + "'");
  return dims_from_args(args, op, keyword);
}

py::tuple as_tuple(const tensor_list& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = wrap(ts[i]);
  return out;
}

void warn(const char* message) {
  if (PyErr_WarnEx(PyExc_UserWarning, message, 1) < 0) throw py::error_already_set();
}

// Once per process, like PyTorch's TORCH_WARN_ONCE.
Tensor numpy_T_checked(const Tensor& x) {
  static bool warned_0d = false, warned_nd = false;
  if (x.dim() == 0 && !warned_0d) {
    warned_0d = true;
    warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.");
  } else if (x.dim() != 2 && x.dim() != 0 && !warned_nd) {
    warned_nd = true;
    warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will "
         "throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
         "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.");
  }
  return numpy_T(x);
}

// mT, mH and adjoint(): the (conjugate) transpose of the last two dims, which for real tensors is mT. On a 0-d
// tensor they are deprecated and give the tensor itself, as in PyTorch (its warning, once per process).
Tensor adjoint_checked(const Tensor& x, const char* name) {
  if (x.dim() == 0) {
    static bool warned_mT = false, warned_mH = false, warned_adjoint = false;
    bool is_mT = name[1] == 'T', is_mH = name[1] == 'H';
    bool& warned = is_mT ? warned_mT : (is_mH ? warned_mH : warned_adjoint);
    if (!warned) {
      warned = true;
      warn(is_mT ? "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases."
                 : is_mH ? "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj()."
                         : "adjoint() is deprecated on 0-D tensors. Consider using x.conj().");
    }
    return x;
  }
  if (name[1] == 'T') return mT(x);
  FG_CHECK(x.dim() >= 2, Error, "tensor.", name, " is only supported on matrices or batches of matrices. Got ",
           x.dim(), "-D tensor.");
  return transpose(x, -2, -1);
}

// tensor_split's second argument: a number of sections, or indices (a sequence or an integer tensor).
tensor_list tensor_split_any(const Tensor& x, py::handle spec, int64_t dim) {
  if (is_tensor(spec)) {
    Tensor s = as_tensor(spec);
    FG_CHECK(!is_floating(s.dtype()) && s.dtype() != ScalarType::Bool && s.dim() <= 1, Error,
             "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor "
             "with dtype long, but got a tensor with ", s.dim(), " dims");
    if (s.dim() == 0) return tensor_split(x, s.item().i, dim);
    return tensor_split_indices(x, dims_from(spec.attr("tolist")(), "tensor_split"), dim);
  }
  if (PyLong_Check(spec.ptr())) return tensor_split(x, spec.cast<int64_t>(), dim);
  return tensor_split_indices(x, dims_from(spec, "tensor_split", "indices", 0), dim);
}

tensor_list split_any(const Tensor& x, py::handle size, int64_t dim) {
  if (is_tensor(size) && as_tensor(size).numel() == 1) {
    // PyTorch's Tensor.split takes int(split_size) of a tensor first: a one-element float tensor truncates
    // (split(x, tensor(1.5)) splits by 1); a tensor int() refuses keeps its error below.
    py::object n = py::reinterpret_steal<py::object>(PyNumber_Long(size.ptr()));
    if (n) return split(x, n.cast<int64_t>(), dim);
    PyErr_Clear();
  }
  if (PyList_Check(size.ptr()) || PyTuple_Check(size.ptr()))
    return split_with_sizes(x, dims_from(size, "split", "split_size", 0), dim);
  // one size: an int, or a one-element integer tensor (See Note [Int lists])
  return split(x, dims_from(size, "split", "split_size", 0)[0], dim);
}

// squeeze(None): PyTorch's parser matches none of squeeze's forms.
py::type_error squeeze_none(const char* op) {
  return py::type_error(std::string(op) + "() received an invalid combination of arguments - got (NoneType), but "
                        "expected one of:\n * ()\n * (int dim)\n * (tuple of ints dim)");
}

}  // namespace

void init_shape(py::module_& m) {
  TensorClass cls = tensor_class(m);

  // ---- views ----
  // view(*size) / view(size) / view(dtype): a fastgrad dtype (positional or dtype=) reinterprets the bytes
  cls.def("view", [](const Tensor& x, py::args shape, py::kwargs kw) {
        if (shape.size() == 1 && kw.size() == 0 && is_dtype_object(shape[0]))
          return view_dtype(x, shape[0].cast<DType>().type);
        if (shape.size() == 0 && kw.size() == 1 && kw.contains("dtype"))
          return view_dtype(x, dtype_arg(kw["dtype"]));
        for (auto a : shape)
          if (is_dtype_object(a))
            throw py::type_error("view() received an invalid combination of arguments - got a dtype with other "
                                 "arguments, but expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)");
        return view(x, spread_dims(shape, kw, "size", "view"));
      },
      "view(*shape) -> Tensor\n"
      "view(dtype) -> Tensor\n\n"
      "The same data with another shape (one size may be -1; the layout must allow it, else use reshape), as a\n"
      "differentiable view. With a dtype: the same bytes read as that dtype. Between element sizes the last\n"
      "dimension (stride 1) is split or merged (a float32 (2, 4) viewed as float64 is (2, 2)); that view is not\n"
      "differentiable (requires_grad False) and writes through it change this tensor.");
  cls.def("view_as", [](const Tensor& x, const Tensor& o) { return view(x, o.sizes()); }, py::arg("other"));
  cls.def("reshape", [](const Tensor& x, py::args shape, py::kwargs kw) {
        return reshape(x, spread_dims(shape, kw, "shape", "reshape"));
      });
  m.def("reshape", [](const Tensor& x, py::handle shape) { return reshape(x, dims_from(shape, "reshape", "shape", 2, false)); },
        py::arg("input"), py::arg("shape"));
  cls.def("reshape_as", [](const Tensor& x, const Tensor& o) { return reshape(x, o.sizes()); }, py::arg("other"));
  def_both(cls, m, "flatten", [](const Tensor& x, int64_t s, int64_t e) { return flatten(x, s, e); },
           py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  def_both(cls, m, "unflatten", [](const Tensor& x, int64_t d, py::handle sizes) {
        return unflatten(x, d, dims_from(sizes, "unflatten", "sizes", 0, false));
      }, py::arg("dim"), py::arg("sizes"));
  cls.def("expand", [](const Tensor& x, py::args shape, py::kwargs kw) {
        return expand(x, spread_dims(shape, kw, "size", "expand"));
      });
  cls.def("expand_as", [](const Tensor& x, const Tensor& o) { return expand(x, o.sizes()); }, py::arg("other"));
  cls.def("broadcast_to", [](const Tensor& x, py::args size, py::kwargs kw) {
        return broadcast_to(x, spread_dims(size, kw, "size", "broadcast_to"));
      });
  m.def("broadcast_to", [](const Tensor& x, py::handle size) { return broadcast_to(x, dims_from(size, "broadcast_to", "size", 2, false)); },
        py::arg("input"), py::arg("size"));
  m.def("broadcast_tensors", [](py::args tensors) {
        tensor_list ts;
        for (py::handle h : tensors) ts.push_back(h.cast<Tensor>());
        return as_tuple(broadcast_tensors(ts));
      });
  m.def("broadcast_shapes", [](py::args shapes) {
        Dims shape;
        for (py::handle h : shapes) shape = broadcast_shapes(shape, dims_from(h, "broadcast_shapes"), "broadcast_shapes");
        return size_object(shape);
      });

  // ---- transposes ----
  def_both(cls, m, "t", [](const Tensor& x) { return t(x); });
  cls.def_property_readonly("T", &numpy_T_checked);
  cls.def_property_readonly("mT", [](const Tensor& x) { return adjoint_checked(x, "mT"); });
  cls.def_property_readonly("mH", [](const Tensor& x) { return adjoint_checked(x, "mH"); });
  def_both(cls, m, "adjoint", [](const Tensor& x) { return adjoint_checked(x, "adjoint()"); });
  for (const char* name : {"transpose", "swapdims"})
    def_both(cls, m, name, [](const Tensor& x, int64_t a, int64_t b) { return transpose(x, a, b); }, py::arg("dim0"),
             py::arg("dim1"));
  def_both(cls, m, "swapaxes", [](const Tensor& x, int64_t a, int64_t b) { return transpose(x, a, b); },
           py::arg("axis0"), py::arg("axis1"));
  cls.def("permute", [](const Tensor& x, py::args dims, py::kwargs kw) {
        return permute(x, spread_dims(dims, kw, "dims", "permute"));
      });
  m.def("permute", [](const Tensor& x, py::handle dims) { return permute(x, dims_from(dims, "permute", "dims", 2, false)); },
        py::arg("input"), py::arg("dims"));

  for (const char* name : {"movedim", "moveaxis"})
    def_both(cls, m, name, [](const Tensor& x, py::handle source, py::handle destination) {
          // (int source, int destination) or (tuple of ints, tuple of ints): not one of each
          int64_t unused = 0;
          if (load_int(source, true, unused) != load_int(destination, true, unused))
            throw py::type_error("movedim() received an invalid combination of arguments - got (" +
                                 py_type_name(source) + ", " + py_type_name(destination) +
                                 "), but expected one of:\n * (tuple of ints source, tuple of ints destination)\n"
                                 " * (int source, int destination)");
          return movedim(x, dims_from(source, "movedim", "source", 0), dims_from(destination, "movedim", "destination", 0));
        }, py::arg("source"), py::arg("destination"));

  // ---- adding and removing dims ----
  def_both(cls, m, "unsqueeze", [](const Tensor& x, int64_t d) { return unsqueeze(x, d); }, py::arg("dim"));
  // squeeze() / squeeze(int dim) / squeeze(tuple of ints dim): dim=None matches none (the default, Ellipsis,
  // stands for "not given")
  def_both(cls, m, "squeeze", [](const Tensor& x, py::object d) {
        if (d.ptr() == Py_Ellipsis) return squeeze(x);
        if (d.is_none()) throw squeeze_none("squeeze");
        if (PyLong_Check(d.ptr())) return squeeze(x, d.cast<int64_t>());
        return squeeze(x, dims_from(d, "squeeze", "dim", 0));
      }, py::arg("dim") = py::ellipsis());

  // ---- in place, sizes and strides only (they return self itself) ----
  cls.def("t_", [](py::object self) {
        Tensor x = as_tensor(self);
        t_(x);
        return self;
      });
  for (const char* name : {"transpose_", "swapdims_"})
    cls.def(name, [](py::object self, int64_t a, int64_t b) {
          Tensor x = as_tensor(self);
          transpose_(x, a, b);
          return self;
        }, py::arg("dim0"), py::arg("dim1"));
  cls.def("swapaxes_", [](py::object self, int64_t a, int64_t b) {
        Tensor x = as_tensor(self);
        transpose_(x, a, b);
        return self;
      }, py::arg("axis0"), py::arg("axis1"));
  cls.def("unsqueeze_", [](py::object self, int64_t d) {
        Tensor x = as_tensor(self);
        unsqueeze_(x, d);
        return self;
      }, py::arg("dim"));
  cls.def("squeeze_", [](py::object self, py::object d) {
        Tensor x = as_tensor(self);
        if (d.ptr() == Py_Ellipsis) squeeze_(x);
        else if (d.is_none()) throw squeeze_none("squeeze_");
        else if (PyLong_Check(d.ptr())) squeeze_(x, d.cast<int64_t>());
        else squeeze_(x, dims_from(d, "squeeze_", "dim", 0));
        return self;
      }, py::arg("dim") = py::ellipsis());
  cls.def("tril_", [](py::object self, int64_t k) {
        Tensor x = as_tensor(self);
        tril_(x, k);
        return self;
      }, py::arg("diagonal") = 0);
  cls.def("triu_", [](py::object self, int64_t k) {
        Tensor x = as_tensor(self);
        triu_(x, k);
        return self;
      }, py::arg("diagonal") = 0);

  // ---- picking parts ----
  def_both(cls, m, "as_strided", [](const Tensor& x, py::handle size, py::handle stride, std::optional<int64_t> off) {
        const Dims sizes = dims_from(size, "as_strided", "size", 2, false);  // checked first, as PyTorch
        return as_strided(x, sizes, dims_from(stride, "as_strided", "stride", 3, false), off);
      }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  def_both(cls, m, "select", [](const Tensor& x, int64_t d, int64_t i) { return select(x, d, i); }, py::arg("dim"),
           py::arg("index"));
  def_both(cls, m, "narrow", [](const Tensor& x, int64_t d, py::handle start, int64_t length) {
        int64_t s;
        if (is_tensor(start)) {  // narrow(dim, Tensor start, length): a 0-d integer tensor
          const Tensor st = as_tensor(start);
          FG_CHECK(st.dim() == 0 && !is_floating(st.dtype()) && st.dtype() != ScalarType::Bool, Error,
                   "start must be an 0-dim integral Tensor.");
          s = st.item().i;
        } else {
          s = start.cast<int64_t>();
        }
        return narrow(x, d, s, length);
      }, py::arg("dim"), py::arg("start"), py::arg("length"));
  def_both(cls, m, "diagonal", [](const Tensor& x, int64_t o, int64_t a, int64_t b) { return diagonal(x, o, a, b); },
           py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_both(cls, m, "diag", [](const Tensor& x, int64_t k) { return diag(x, k); }, py::arg("diagonal") = 0);
  def_both(cls, m, "tril", [](const Tensor& x, int64_t k) { return tril(x, k); }, py::arg("diagonal") = 0);
  def_both(cls, m, "triu", [](const Tensor& x, int64_t k) { return triu(x, k); }, py::arg("diagonal") = 0);

  // ---- rearranging copies ----
  cls.def("repeat", [](const Tensor& x, py::args r, py::kwargs kw) {
        return repeat(x, spread_dims(r, kw, "repeats", "repeat"));
      });
  cls.def("tile", [](const Tensor& x, py::args d, py::kwargs kw) { return tile(x, spread_dims(d, kw, "dims", "tile")); });
  m.def("tile", [](const Tensor& x, py::handle d) { return tile(x, dims_from(d, "tile", "dims", 2, false)); }, py::arg("input"),
        py::arg("dims"));
  cls.def("flip", [](const Tensor& x, py::args d, py::kwargs kw) { return flip(x, spread_dims(d, kw, "dims", "flip")); });
  m.def("flip", [](const Tensor& x, py::handle d) { return flip(x, dims_from(d, "flip", "dims", 2, false)); }, py::arg("input"),
        py::arg("dims"));
  def_both(cls, m, "roll", [](const Tensor& x, py::handle shifts, py::object dims) {
        return roll(x, dims_from(shifts, "roll", "shifts", 0), dims.is_none() ? Dims{} : dims_from(dims, "roll", "dims", 0));
      }, py::arg("shifts"), py::arg("dims") = py::none());

  // ---- splitting ----
  def_both(cls, m, "unbind", [](const Tensor& x, int64_t d) { return as_tuple(unbind(x, d)); }, py::arg("dim") = 0);
  def_both(cls, m, "chunk", [](const Tensor& x, int64_t n, int64_t d) { return as_tuple(chunk(x, n, d)); },
           py::arg("chunks"), py::arg("dim") = 0);
  cls.def("split", [](const Tensor& x, py::handle size, int64_t d) { return as_tuple(split_any(x, size, d)); },
          py::arg("split_size"), py::arg("dim") = 0);
  m.def("split", [](const Tensor& x, py::handle size, int64_t d) { return as_tuple(split_any(x, size, d)); },
        py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  cls.def("split_with_sizes", [](const Tensor& x, py::handle sizes, int64_t d) {
        return as_tuple(split_with_sizes(x, dims_from(sizes, "split_with_sizes", "split_sizes", 1, false), d));
      }, py::arg("split_sizes"), py::arg("dim") = 0);
  def_both(cls, m, "tensor_split", [](const Tensor& x, py::handle spec, int64_t d) {
        return as_tuple(tensor_split_any(x, spec, d));
      }, py::arg("indices_or_sections"), py::arg("dim") = 0);

  // ---- joining (function forms only, as in PyTorch) ----
  // `tensors` is a sequence of tensors; a tensor itself (iterable over its rows) is refused as PyTorch does.
  auto tensors_arg = [](py::handle h, const char* op) {
    if (!PyList_Check(h.ptr()) && !PyTuple_Check(h.ptr()))
      throw py::type_error(std::string(op) + "(): argument 'tensors' (position 1) must be tuple of Tensors, not " +
                           py_type_name(h));
    tensor_list ts;
    size_t i = 0;
    for (py::handle item : h) {
      if (!is_tensor(item))
        throw py::type_error("expected Tensor as element " + std::to_string(i) + " in argument 0, but got " +
                             py_type_name(item));
      ts.push_back(as_tensor(item));
      ++i;
    }
    return ts;
  };
  // (dim is read after tensors, so a call wrong in both names tensors, as PyTorch's parser does)
  for (const char* name : {"cat", "concat"})
    m.def(name, [name, tensors_arg](py::handle ts, py::handle d) {
      tensor_list list = tensors_arg(ts, name);
      return cat(list, int_arg(d, name, "dim", 2));
    }, py::arg("tensors"), py::arg("dim") = 0);
  // concatenate(tensors, dim=0): `axis` is the keyword alias of dim (not both)
  m.def("concatenate", [tensors_arg](py::handle ts, py::handle dim, py::handle axis) {
        tensor_list list = tensors_arg(ts, "concatenate");
        if (dim.ptr() != Py_Ellipsis && !axis.is_none())
          throw py::type_error("concatenate() got an unexpected keyword argument 'axis'");
        if (!axis.is_none()) return cat(list, int_arg(axis, "concatenate", "axis"));
        return cat(list, dim.ptr() == Py_Ellipsis ? 0 : int_arg(dim, "concatenate", "dim", 2));
      }, py::arg("tensors"), py::arg("dim") = py::ellipsis(), py::kw_only(), py::arg("axis") = py::none());
  m.def("stack", [tensors_arg](py::handle ts, py::handle d) {
    tensor_list list = tensors_arg(ts, "stack");
    return stack(list, int_arg(d, "stack", "dim", 2));
  }, py::arg("tensors"), py::arg("dim") = 0);
  m.def("hstack", [tensors_arg](py::handle ts) { return hstack(tensors_arg(ts, "hstack")); }, py::arg("tensors"));
  m.def("vstack", [tensors_arg](py::handle ts) { return vstack(tensors_arg(ts, "vstack")); }, py::arg("tensors"));
  m.def("dstack", [tensors_arg](py::handle ts) { return dstack(tensors_arg(ts, "dstack")); }, py::arg("tensors"));
  m.def("row_stack", [tensors_arg](py::handle ts) { return vstack(tensors_arg(ts, "row_stack")); }, py::arg("tensors"));
  m.def("column_stack", [tensors_arg](py::handle ts) { return column_stack(tensors_arg(ts, "column_stack")); },
        py::arg("tensors"));


  // ---- repeat_interleave / unfold / meshgrid ----
  // repeat_interleave(input, repeats, dim=None, *, output_size=None): repeats an int or a Tensor; and the
  // repeats-only form repeat_interleave(repeats, *, output_size=None) (the first argument is then the counts).
  auto repeat_interleave_fn = [](const Tensor& t, py::handle repeats, py::handle dim, py::handle output_size) {
    std::optional<int64_t> d, size;
    if (!dim.is_none()) d = int_arg(dim, "repeat_interleave", "dim");
    if (!output_size.is_none()) size = int_arg(output_size, "repeat_interleave", "output_size");
    if (repeats.ptr() == Py_Ellipsis) {
      if (d) throw py::type_error("repeat_interleave() missing 1 required positional arguments: \"repeats\"");
      return repeat_interleave(t, size);
    }
    if (is_tensor(repeats)) return repeat_interleave(t, as_tensor(repeats), d, size);
    int64_t r;
    if (!load_int(repeats, false, r))
      throw py::type_error("repeat_interleave() received an invalid combination of arguments - got (" +
                           py_type_name(repeats) + "), but expected one of:\n * (Tensor repeats, int dim = None, *, "
                           "int output_size = None)\n * (int repeats, int dim = None, *, int output_size = None)");
    return repeat_interleave(t, r, d, size);
  };
  cls.def("repeat_interleave", repeat_interleave_fn,
          "See :func:`fastgrad.repeat_interleave`", py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(),
          py::arg("output_size") = py::none());
  m.def("repeat_interleave", repeat_interleave_fn, R"doc(repeat_interleave(input, repeats, dim=None, *, output_size=None) -> Tensor

Repeats each element of ``input`` (flattened when ``dim`` is None), or each slice along ``dim``, in place:
``repeats`` times when it is an int, ``repeats[i]`` times for the i-th when it is a tensor (1-D, with one
count per element or slice, or a single count for all).

``repeat_interleave(repeats)`` with a 1-D integer tensor alone returns ``i`` repeated ``repeats[i]`` times.

Args:
    input (Tensor): the input tensor.
    repeats (Tensor or int): the number of repetitions of each element or slice.
    dim (int, optional): the dimension to repeat along; None repeats the flattened input and returns a 1-D
        tensor.

Keyword args:
    output_size (int, optional): the size of the result along ``dim``, when known (checked).

Example::

    >>> x = fastgrad.tensor([1, 2, 3])
    >>> x.repeat_interleave(2)
    tensor([1, 1, 2, 2, 3, 3])
    >>> fastgrad.repeat_interleave(fastgrad.tensor([1, 0, 2]))
    tensor([0, 2, 2])
)doc", py::arg("input"), py::arg("repeats") = py::ellipsis(), py::arg("dim") = py::none(), py::kw_only(),
        py::arg("output_size") = py::none());

  cls.def("unfold", [](const Tensor& t, int64_t dimension, int64_t size, int64_t step) {
        return unfold(t, dimension, size, step);
      }, R"doc(unfold(dimension, size, step) -> Tensor

Returns a view of this tensor with every window of ``size`` elements along ``dimension``, taken every
``step`` elements: ``dimension`` then counts the windows, ``(self.size(dimension) - size) // step + 1`` of
them, and a new last dimension of size ``size`` runs along each window.

Args:
    dimension (int): the dimension the windows are taken along.
    size (int): the size of each window.
    step (int): the step between the starts of two windows.

Example::

    >>> fastgrad.arange(1., 6).unfold(0, 2, 2)
    tensor([[1., 2.],
            [3., 4.]])
)doc", py::arg("dimension"), py::arg("size"), py::arg("step"));

  // meshgrid(*tensors, indexing=None) or meshgrid([tensors], indexing=None); no indexing: "ij", with
  // PyTorch's warning (once per process).
  m.def("meshgrid", [](py::args args, py::kwargs kwargs) {
        std::string indexing = "ij";
        bool given = false;
        for (auto [k, v] : kwargs) {
          std::string key = py::str(k);
          if (key != "indexing")
            throw py::type_error("meshgrid() got an unexpected keyword argument '" + key + "'");
          if (!v.is_none()) {
            if (!PyUnicode_Check(v.ptr()))
              throw py::type_error("meshgrid(): argument 'indexing' must be str, not " + py_type_name(v));
            indexing = py::str(v);
            given = true;
          }
        }
        py::handle seq = args;
        if (args.size() == 1 && (PyList_Check(args[0].ptr()) || PyTuple_Check(args[0].ptr()))) seq = args[0];
        tensor_list ts;
        size_t i = 0;
        for (py::handle item : seq) {
          if (!is_tensor(item))
            throw py::type_error("expected Tensor as element " + std::to_string(i) + " in argument 0, but got " +
                                 py_type_name(item));
          ts.push_back(as_tensor(item));
          ++i;
        }
        static bool warned = false;
        if (!given && !warned) {
          warned = true;
          warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.");
        }
        return as_tuple(meshgrid(ts, indexing));
      }, R"doc(meshgrid(*tensors, indexing=None) -> tuple of Tensors

Creates coordinate grids from N 0-D or 1-D tensors (given spread out or as one list or tuple): output ``i``
holds the elements of ``tensors[i]`` along its own dimension of the grid, repeated along the others. Each
output is a view of its input (expanded, so writing to it needs a clone first).

Args:
    tensors (Tensor): 0-D or 1-D tensors of one dtype; a 0-D tensor counts as one element.

Keyword args:
    indexing (str, optional): ``"ij"``: the grid's dimensions follow the inputs (shape ``(N1, N2, ...)``);
        ``"xy"``: the first two are swapped (shape ``(N2, N1, ...)``), as in NumPy's default. None means
        ``"ij"`` and warns, as PyTorch does.

Returns:
    tuple of Tensors: N tensors of the grid's shape.

Example::

    >>> x, y = fastgrad.meshgrid(fastgrad.tensor([1, 2]), fastgrad.tensor([3, 4, 5]), indexing="ij")
    >>> x
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> y
    tensor([[3, 4, 5],
            [3, 4, 5]])
)doc");

  // atleast_Nd(t) gives a tensor; atleast_Nd(t, u, ...) and atleast_Nd([t, u]) a tuple, as in PyTorch.
  using AtLeast = Tensor (*)(const Tensor&);
  for (auto [name, fn] : {std::pair<const char*, AtLeast>{"atleast_1d", &atleast_1d},
                          std::pair<const char*, AtLeast>{"atleast_2d", &atleast_2d},
                          std::pair<const char*, AtLeast>{"atleast_3d", &atleast_3d}}) {
    m.def(name, [fn, name](py::args args) -> py::object {
      py::handle arg = args.size() == 1 ? args[0] : py::handle(args);
      if (is_tensor(arg)) return wrap(fn(as_tensor(arg)));
      if (PyList_Check(arg.ptr()) || PyTuple_Check(arg.ptr())) {
        tensor_list out;
        for (py::handle h : py::reinterpret_borrow<py::sequence>(arg)) {
          if (!is_tensor(h))
            throw py::type_error(std::string(name) + "(): expected Tensor as element " + std::to_string(out.size()) +
                                 " in argument 0, but got " + py::str(py::type::of(h).attr("__name__")).cast<std::string>());
          out.push_back(fn(as_tensor(h)));
        }
        return as_tuple(out);
      }
      throw py::type_error(std::string(name) + "() received an invalid combination of arguments - got (" +
                           py::str(py::type::of(arg).attr("__name__")).cast<std::string>() +
                           "), but expected one of:\n * (Tensor input)\n * (tuple of Tensors tensors)");
    });
  }
}

}  // namespace fastgrad::python

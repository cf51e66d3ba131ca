// Reductions: methods and function forms.
#include <cmath>
#include <limits>

#include "bindings.h"
#include "fastgrad/linalg.h"

namespace fastgrad::python {

namespace {

// fastgrad.return_types.<name>((values, indices)); the type is looked up once (Python-side class, never freed:
// see the note on module-lifetime objects in module.cpp).
py::object named_pair(const char* name, const std::tuple<Tensor, Tensor>& r) {
  static PyObject* max_type = nullptr;
  static PyObject* min_type = nullptr;
  PyObject*& type = std::string(name) == "max" ? max_type : min_type;
  if (!type) type = py::module_::import("fastgrad.return_types").attr(name).cast<py::object>().release().ptr();
  return py::reinterpret_borrow<py::object>(type)(py::make_tuple(std::get<0>(r), std::get<1>(r)));
}

// dim=None (all) | int | tuple of ints
Dims dims_or_all(py::handle dim, const char* op) {
  auto d = opt_dims(dim, op);
  return d ? *d : Dims{};
}

// dim=None with keepdim=True: every dimension, kept with size 1 (sum(x, None, True) has x's rank).
Dims every_dim(const Tensor& t) {
  Dims d;
  for (int64_t i = 0; i < t.dim(); ++i) d.push_back(i);
  return d;
}


// max/min: (input), (input, dim, keepdim=False) -> (values, indices), or (input, other) -> elementwise.
// keepdim belongs to the dim form only: max(x, keepdim=True) and max(x, y, keepdim=True) are refused (its
// default, Ellipsis, stands for "not given", so keepdim=None is refused as PyTorch does).
template <bool IsMax>
py::object extreme(const Tensor& t, py::object dim, py::object keepdim, py::object other) {
  const char* name = IsMax ? "max" : "min";
  const bool keep_given = keepdim.ptr() != Py_Ellipsis;
  if (keep_given && !PyBool_Check(keepdim.ptr()))
    throw py::type_error(std::string(name) + "(): argument 'keepdim' must be bool, not " + py_type_name(keepdim));
  // dim's default, Ellipsis, stands for "not given": max(None) matches none of PyTorch's forms
  if (dim.is_none())
    throw py::type_error(std::string(name) + "() received an invalid combination of arguments - got (NoneType), but "
                         "expected one of:\n * ()\n * (Tensor other)\n * (int dim, bool keepdim = False)");
  if (dim.ptr() == Py_Ellipsis) dim = py::none();
  if (is_tensor(dim) && other.is_none()) std::swap(dim, other);
  if (!other.is_none()) {  // the binary form is the elementwise maximum/minimum
    if (!is_tensor(other))
      throw py::type_error(std::string(name) + "(): argument 'other' must be Tensor, not " + py_type_name(other));
    if (keep_given || !dim.is_none())
      throw py::type_error(std::string(name) + "() received an invalid combination of arguments: the form (Tensor "
                           "input, Tensor other) takes no dim or keepdim");
    return wrap(IsMax ? maximum(t, as_tensor(other)) : minimum(t, as_tensor(other)));
  }
  if (dim.is_none()) {
    if (keep_given)
      throw py::type_error(std::string(name) + "() received an invalid combination of arguments: keepdim needs a dim");
    return wrap(IsMax ? max(t) : min(t));
  }
  int64_t d = int_arg(dim, name);
  const bool k = keepdim.ptr() == Py_True;
  return named_pair(name, IsMax ? max(t, d, k) : min(t, d, k));
}

// var/std and their _mean forms: (dim=None, *, correction=None, keepdim=False), and the legacy
// (dim, unbiased, keepdim=False) and (unbiased) forms.
struct MomentsArgs {
  Dims dims;
  double correction = 1;
  bool keepdim = false;
};
MomentsArgs moments_args(py::object dim, py::object unbiased, bool keepdim, py::object correction, const char* op) {
  MomentsArgs a;
  a.keepdim = keepdim;
  // unbiased's default, Ellipsis, stands for "not given" (unbiased=None is refused, as a bool parameter is)
  if (PyBool_Check(dim.ptr())) {  // var(x, False): the legacy `unbiased` given first
    FG_CHECK(unbiased.ptr() == Py_Ellipsis, TypeError, op, "(): unbiased given twice");
    unbiased = dim;
    dim = py::none();
  }
  a.dims = dims_or_all(dim, op);
  const bool unbiased_given = unbiased.ptr() != Py_Ellipsis;
  FG_CHECK(!unbiased_given || correction.is_none(), TypeError, op,
           "(): cannot specify both `unbiased` and `correction`");
  if (unbiased_given) {
    if (!PyBool_Check(unbiased.ptr()))
      throw py::type_error(std::string(op) + "(): argument 'unbiased' must be bool, not " + py_type_name(unbiased));
    a.correction = unbiased.ptr() == Py_True ? 1 : 0;
  }
  if (!correction.is_none()) a.correction = correction.cast<double>();
  return a;
}

// keepdim given without dim (x.sum(keepdim=True)): PyTorch's parser matches no form.
py::type_error keepdim_without_dim(const char* op, const char* dim_form) {
  return py::type_error(std::string(op) + "() received an invalid combination of arguments - got (keepdim=bool, ), "
                        "but expected one of:\n * (*, torch.dtype dtype = None)\n * " + dim_form);
}

}  // namespace

void init_reduce(py::module_& m) {
  TensorClass cls = tensor_class(m);
  // sum/mean(dim=None, keepdim=False) and prod(dim, keepdim=False): keepdim without a dim matches none of
  // PyTorch's forms (dim=None given is one for sum and mean); the dim's default, Ellipsis, stands for "not given"
  def_both(cls, m, "sum", [](const Tensor& t, py::object dim, Flag keepdim, py::object dtype) {
        if (dim.ptr() == Py_Ellipsis) {
          if (keepdim) throw keepdim_without_dim("sum", "(tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)");
          dim = py::none();
        }
        auto dims = opt_dims(dim, "sum");
        if (!dims && keepdim) dims = every_dim(t);
        return dims ? sum(t, *dims, keepdim, opt_dtype(dtype)) : sum(t, opt_dtype(dtype));
      }, py::arg("dim") = py::ellipsis(), py::arg("keepdim").noconvert() = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(cls, m, "mean", [](const Tensor& t, py::object dim, Flag keepdim, py::object dtype) {
        if (dim.ptr() == Py_Ellipsis) {
          if (keepdim) throw keepdim_without_dim("mean", "(tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)");
          dim = py::none();
        }
        auto dims = opt_dims(dim, "mean");
        if (!dims && keepdim) dims = every_dim(t);
        return dims ? mean(t, *dims, keepdim, opt_dtype(dtype)) : mean(t, opt_dtype(dtype));
      }, py::arg("dim") = py::ellipsis(), py::arg("keepdim").noconvert() = false, py::kw_only(), py::arg("dtype") = py::none());
  def_both(cls, m, "prod", [](const Tensor& t, py::object dim, Flag keepdim, py::object dtype) {
        // prod() or prod(int dim, ...): dim=None is refused
        if (dim.ptr() == Py_Ellipsis) {
          if (keepdim) throw keepdim_without_dim("prod", "(int dim, bool keepdim = False, *, torch.dtype dtype = None)");
          return prod(t, opt_dtype(dtype));
        }
        return prod(t, int_arg(dim, "prod"), keepdim, opt_dtype(dtype));
      }, py::arg("dim") = py::ellipsis(), py::arg("keepdim").noconvert() = false, py::kw_only(), py::arg("dtype") = py::none());

  def_both(cls, m, "max", &extreme<true>, py::arg("dim") = py::ellipsis(), py::arg("keepdim") = py::ellipsis(),
           py::arg("other") = py::none());
  def_both(cls, m, "min", &extreme<false>, py::arg("dim") = py::ellipsis(), py::arg("keepdim") = py::ellipsis(),
           py::arg("other") = py::none());
  def_both(cls, m, "amax", [](const Tensor& t, py::object dim, Flag keepdim) {
        return amax(t, dims_or_all(dim, "amax"), keepdim);
      }, py::arg("dim") = py::tuple(), py::arg("keepdim").noconvert() = false);
  def_both(cls, m, "amin", [](const Tensor& t, py::object dim, Flag keepdim) {
        return amin(t, dims_or_all(dim, "amin"), keepdim);
      }, py::arg("dim") = py::tuple(), py::arg("keepdim").noconvert() = false);
  def_both(cls, m, "argmax", [](const Tensor& t, std::optional<int64_t> dim, Flag keepdim) {
        return argmax(t, dim, keepdim);
      }, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false);
  def_both(cls, m, "argmin", [](const Tensor& t, std::optional<int64_t> dim, Flag keepdim) {
        return argmin(t, dim, keepdim);
      }, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false);

  def_both(cls, m, "var", [](const Tensor& t, py::object dim, py::object u, Flag k, py::object c) {
        auto a = moments_args(dim, u, k, c, "var");
        return var(t, a.dims, a.correction, a.keepdim);
      }, py::arg("dim") = py::none(), py::arg("unbiased") = py::ellipsis(), py::arg("keepdim").noconvert() = false, py::kw_only(),
      py::arg("correction") = py::none());
  def_both(cls, m, "std", [](const Tensor& t, py::object dim, py::object u, Flag k, py::object c) {
        auto a = moments_args(dim, u, k, c, "std");
        return std(t, a.dims, a.correction, a.keepdim);
      }, py::arg("dim") = py::none(), py::arg("unbiased") = py::ellipsis(), py::arg("keepdim").noconvert() = false, py::kw_only(),
      py::arg("correction") = py::none());
  m.def("var_mean", [](const Tensor& t, py::object dim, py::object u, Flag k, py::object c) {
        auto a = moments_args(dim, u, k, c, "var_mean");
        auto r = var_mean(t, a.dims, a.correction, a.keepdim);
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::ellipsis(), py::arg("keepdim").noconvert() = false,
      py::kw_only(), py::arg("correction") = py::none());
  m.def("std_mean", [](const Tensor& t, py::object dim, py::object u, Flag k, py::object c) {
        auto a = moments_args(dim, u, k, c, "std_mean");
        auto r = std_mean(t, a.dims, a.correction, a.keepdim);
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::ellipsis(), py::arg("keepdim").noconvert() = false,
      py::kw_only(), py::arg("correction") = py::none());

  // norm(p='fro', dim=None, keepdim=False, dtype=None): a number p is a vector norm; 'fro' is the 2-norm of
  // the elements over at most two dims; 'nuc' the sum of the singular values over two dims.
  auto norm_fn = [](const Tensor& t, py::object p, py::object dim, bool keepdim, py::object dtype) {
    auto dims = opt_dims(dim, "norm");
    double pv = 2;
    if (PyUnicode_Check(p.ptr())) {
      std::string s = p.cast<std::string>();
      if (s == "fro") {
        if (dims && dims->size() > 2) {
          std::string got;
          for (int64_t d : *dims) got += (got.empty() ? "" : " ") + std::to_string(d);
          throw Error("linalg.matrix_norm: dim must be a 2-tuple. Got " + got);
        }
      } else if (s == "nuc") {
        return nuclear_norm(dtype.is_none() ? t : to_dtype(t, *opt_dtype(dtype)), dims ? *dims : Dims{}, keepdim);
      } else {
        throw Error("linalg.matrix_norm: Order " + s + " not supported.");
      }
    } else if (!p.is_none()) {
      if (!load_real(p, pv))
        throw py::type_error("norm(): argument 'p' must be Number, not " + py_type_name(p));
    }
    return norm(t, pv, dims ? *dims : Dims{}, keepdim, opt_dtype(dtype));
  };
  cls.def("norm", norm_fn, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false,
          py::arg("dtype") = py::none());
  m.def("norm", [norm_fn](const Tensor& t, py::object p, py::object dim, Flag keepdim, py::object out,
                          py::object dtype) {
        FG_CHECK(out.is_none(), NotImplementedError, "norm: out= is not supported");
        return norm_fn(t, p, dim, keepdim, dtype);
      }, py::arg("input"), py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false,
      py::arg("out") = py::none(), py::arg("dtype") = py::none());

  def_both(cls, m, "logsumexp", [](const Tensor& t, py::object dim, Flag keepdim) {
        return logsumexp(t, dims_from(dim, "logsumexp", "dim", 0), keepdim);
      }, py::arg("dim"), py::arg("keepdim").noconvert() = false);
  def_both(cls, m, "cumsum", [](const Tensor& t, int64_t dim, py::object dtype) {
        return cumsum(t, dim, opt_dtype(dtype));
      }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_both(cls, m, "cumprod", [](const Tensor& t, int64_t dim, py::object dtype) {
        return cumprod(t, dim, opt_dtype(dtype));
      }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def("cumsum_", [](py::object self, int64_t dim, py::object dtype) {
        Tensor x = as_tensor(self);
        cumsum_(x, dim, opt_dtype(dtype));
        return self;
      }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def("cumprod_", [](py::object self, int64_t dim, py::object dtype) {
        Tensor x = as_tensor(self);
        cumprod_(x, dim, opt_dtype(dtype));
        return self;
      }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_both(cls, m, "all", [](const Tensor& t, py::object dim, Flag keepdim) {
        auto dims = opt_dims(dim, "all");
        if (!dims && keepdim) dims = every_dim(t);
        return dims ? all(t, *dims, keepdim) : all(t);
      }, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false);
  def_both(cls, m, "any", [](const Tensor& t, py::object dim, Flag keepdim) {
        auto dims = opt_dims(dim, "any");
        if (!dims && keepdim) dims = every_dim(t);
        return dims ? any(t, *dims, keepdim) : any(t);
      }, py::arg("dim") = py::none(), py::arg("keepdim").noconvert() = false);
  m.def("count_nonzero", [](const Tensor& t, py::object dim) {
        return count_nonzero(t, dims_or_all(dim, "count_nonzero"));
      }, py::arg("input"), py::arg("dim") = py::none());
  // The method also takes the dims spread out, as PyTorch's does: x.count_nonzero(-1, False) counts over
  // dims -1 and 0 (bools read as 0 and 1 there).
  cls.def("count_nonzero", [](const Tensor& t, py::args args, py::kwargs kwargs) {
        py::object dim = py::none();
        for (auto [k, v] : kwargs) {
          if (std::string(py::str(k)) != "dim" || args.size() > 0)
            throw py::type_error("count_nonzero() received an invalid combination of arguments");
          dim = py::reinterpret_borrow<py::object>(v);
        }
        if (args.size() == 1) dim = args[0];
        if (args.size() > 1) {
          py::list dims;
          for (size_t i = 0; i < args.size(); ++i) {
            py::handle a = args[i];
            if (!PyLong_Check(a.ptr()))  // (a bool is an int)
              throw py::type_error("count_nonzero(): argument 'dim' failed to unpack the object at pos " +
                                   std::to_string(i + 1) + " with error \"type must be tuple of ints,but got " +
                                   py_type_name(a) + "\"");
            dims.append(PyBool_Check(a.ptr()) ? py::int_(a.ptr() == Py_True ? 1 : 0) : py::reinterpret_borrow<py::int_>(a));
          }
          dim = py::tuple(dims);
        }
        return count_nonzero(t, dims_or_all(dim, "count_nonzero"));
      });
}

}  // namespace fastgrad::python

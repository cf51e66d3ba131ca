// Creation: factories, *_like, random streams and Generator objects.
#include <limits>

#include "bindings.h"

namespace fastgrad::python {

namespace {

// Keyword arguments shared by the factories: dtype, device, requires_grad (layout, pin_memory accepted).
struct FactoryOptions {
  std::optional<ScalarType> dtype;
  bool requires_grad = false;
  Generator* generator = nullptr;
};

bool ends_with_like(const char* op) {
  const std::string s(op);
  return s.size() > 5 && s.compare(s.size() - 5, 5, "_like") == 0;
}

FactoryOptions parse_options(const py::kwargs& kwargs, const char* op) {
  FactoryOptions o;
  for (auto [k, v] : kwargs) {
    std::string key = py::str(k);
    if (key == "dtype") {
      if (!v.is_none()) o.dtype = dtype_arg(v);
    } else if (key == "device") {
      check_device(v);
    } else if (key == "requires_grad") {
      if (!PyBool_Check(v.ptr()))
        throw py::type_error(std::string(op) + "(): argument 'requires_grad' must be bool, not " +
                             py::str(py::type::of(v).attr("__name__")).cast<std::string>());
      o.requires_grad = v.ptr() == Py_True;
    } else if (key == "generator") {
      if (!v.is_none()) o.generator = &v.cast<Generator&>();
    } else if (key == "out" && !ends_with_like(op)) {  // the *_like factories have no out= in PyTorch
      if (!v.is_none()) throw NotImplementedError(std::string(op) + "(): the out= argument is not supported");
    } else if (key != "layout" && key != "pin_memory" && key != "memory_format" && key != "size") {
      throw py::type_error(std::string(op) + "() got an unexpected keyword argument '" + key + "'");
    }
  }
  return o;
}

// The size of zeros/ones/empty/rand/randn: spread out, one sequence, or the keyword `size`.
Dims factory_size(const py::args& args, const py::kwargs& kwargs, const char* op) {
  if (kwargs.contains("size")) {
    if (args.size() != 0) throw py::type_error(std::string(op) + "() got multiple values for argument 'size'");
    return dims_from(kwargs["size"], op, "size", 0);
  }
  return dims_from_args(args, op);
}

Tensor finish(Tensor t, const FactoryOptions& o) {
  if (o.requires_grad) t.set_requires_grad(true);
  return t;
}

Generator* generator_from(py::handle h) { return h.is_none() ? nullptr : &h.cast<Generator&>(); }

// PyTorch warns (and still draws) when random_'s bounds are integers a float dtype cannot all represent.
void warn_float_bounds(const Tensor& t, int64_t from, int64_t to_inc) {
  if (!is_floating(t.dtype())) return;
  const int digits = t.dtype() == ScalarType::Float32 ? 24 : 53;
  const int64_t lim = int64_t{1} << digits;
  const char* type = digits == 24 ? "float" : "double";
  const std::pair<const char*, int64_t> bounds[] = {{"from", from}, {"to - 1", to_inc}};
  for (const auto& [name, v] : bounds) {
    if (v >= -lim && v <= lim) continue;
    std::string msg = std::string(name) + " is out of bounds [-(2^" + std::to_string(digits) + "), 2^" +
                      std::to_string(digits) + "]. Due to precision limitations " + type +
                      " can support discrete uniform distribution only within this range. This warning will "
                      "become an error in version 1.7 release, please fix the code in advance";
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) != 0) throw py::error_already_set();
  }
}

// The dtype `full` infers from its fill value: bool, int64 or the default float.
ScalarType scalar_dtype(const Scalar& s) { return s.wrapped_dtype(); }

}  // namespace

void init_creation(py::module_& m) {
  // ---- creation ----
  m.def("zeros", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "zeros");
    return finish(zeros(factory_size(size, kw, "zeros"), o.dtype.value_or(default_dtype())), o);
  });
  m.def("ones", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "ones");
    return finish(ones(factory_size(size, kw, "ones"), o.dtype.value_or(default_dtype())), o);
  });
  m.def("empty", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "empty");
    return finish(zeros(factory_size(size, kw, "empty"), o.dtype.value_or(default_dtype())), o);
  });
  m.def("full", [](py::handle size, Scalar value, py::kwargs kw) {
    auto o = parse_options(kw, "full");
    return finish(full(dims_from(size, "full", "size", 1, false), value, o.dtype.value_or(scalar_dtype(value))), o);
  }, py::arg("size"), py::arg("fill_value"));
  m.def("zeros_like", [](const Tensor& t, py::kwargs kw) {
    auto o = parse_options(kw, "zeros_like");
    return finish(zeros(t.sizes(), o.dtype.value_or(t.dtype())), o);
  }, py::arg("input"));
  m.def("ones_like", [](const Tensor& t, py::kwargs kw) {
    auto o = parse_options(kw, "ones_like");
    return finish(ones(t.sizes(), o.dtype.value_or(t.dtype())), o);
  }, py::arg("input"));
  m.def("empty_like", [](const Tensor& t, py::kwargs kw) {
    auto o = parse_options(kw, "empty_like");
    return finish(zeros(t.sizes(), o.dtype.value_or(t.dtype())), o);
  }, py::arg("input"));
  m.def("full_like", [](const Tensor& t, Scalar value, py::kwargs kw) {
    auto o = parse_options(kw, "full_like");
    return finish(full(t.sizes(), value, o.dtype.value_or(t.dtype())), o);
  }, py::arg("input"), py::arg("fill_value"));
  // eye(n) / eye(n, m): m=None matches neither (the default, Ellipsis, stands for "not given")
  m.def("eye", [](int64_t n, py::object mo, py::kwargs kw) {
    auto o = parse_options(kw, "eye");
    if (mo.is_none())
      throw py::type_error("eye() received an invalid combination of arguments - got (int, NoneType), but expected "
                           "one of:\n * (int n, *, Tensor out = None, torch.dtype dtype = None, ...)\n"
                           " * (int n, int m, *, Tensor out = None, torch.dtype dtype = None, ...)");
    return finish(eye(n, mo.ptr() == Py_Ellipsis ? n : int_arg(mo, "eye", "m", 2), o.dtype.value_or(default_dtype())), o);
  }, py::arg("n"), py::arg("m") = py::ellipsis());
  m.def("arange", [](Scalar a, py::object b, Scalar step, py::kwargs kw) {
    auto o = parse_options(kw, "arange");
    Scalar start = 0, end = a;
    if (!b.is_none()) {
      start = a;
      end = b.cast<Scalar>();
    }
    return finish(arange(start, end, step, o.dtype), o);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1);
  m.def("linspace", [](Real start, Real end, int64_t steps, py::kwargs kw) {
    auto o = parse_options(kw, "linspace");
    return finish(linspace(start, end, steps, o.dtype.value_or(default_dtype())), o);
  }, py::arg("start"), py::arg("end"), py::arg("steps"));
  m.def("_convert_data", [](const Tensor& t, ScalarType dtype) { return convert_data(t, dtype); });
  m.def("_scalar_tensor", [](Scalar v, py::object dtype) {
    return scalar_tensor(v, dtype.is_none() ? scalar_dtype(v) : dtype.cast<ScalarType>());
  });

  // ---- random ----
  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init([](py::object device) {
        check_device(device);
        return std::make_shared<Generator>();
      }), py::arg("device") = "cpu")
      .def("manual_seed", [](py::object self, py::int_ seed) {
        // Like PyTorch: negative seeds wrap to their unsigned 64-bit value.
        self.cast<Generator&>().manual_seed(py::reinterpret_steal<py::int_>(
            PyNumber_And(seed.ptr(), py::int_(0xFFFFFFFFFFFFFFFFULL).ptr())).cast<uint64_t>());
        return self;
      }, py::arg("seed"))
      .def("initial_seed", &Generator::initial_seed)
      .def("seed", &Generator::seed)
      .def("get_state", [](const Generator& g) {
        auto s = g.get_state();
        return py::bytes(reinterpret_cast<const char*>(s.data()), s.size());
      })
      .def("set_state", [](py::object self, py::bytes state) {
        std::string s = state;
        self.cast<Generator&>().set_state(std::vector<uint8_t>(s.begin(), s.end()));
        return self;
      })
      .def_property_readonly("device", [](const Generator&) { return py::module_::import("fastgrad").attr("device")("cpu"); });
  m.attr("default_generator") = py::cast(&default_generator(), py::return_value_policy::reference);

  m.def("rand", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "rand");
    return finish(rand(factory_size(size, kw, "rand"), o.dtype.value_or(default_dtype()), o.generator), o);
  });
  m.def("randn", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "randn");
    return finish(randn(factory_size(size, kw, "randn"), o.dtype.value_or(default_dtype()), o.generator), o);
  });
  m.def("rand_like", [](const Tensor& t, py::kwargs kw) {
    auto o = parse_options(kw, "rand_like");
    return finish(rand(t.sizes(), o.dtype.value_or(t.dtype()), o.generator), o);
  }, py::arg("input"));
  m.def("randn_like", [](const Tensor& t, py::kwargs kw) {
    auto o = parse_options(kw, "randn_like");
    return finish(randn(t.sizes(), o.dtype.value_or(t.dtype()), o.generator), o);
  }, py::arg("input"));
  // randint(high, size) or randint(low, high, size)
  m.def("randint", [](py::args args, py::kwargs kw) {
    FG_CHECK(args.size() == 2 || args.size() == 3, TypeError,
             "randint() takes (high, size) or (low, high, size), got ", args.size(), " positional arguments");
    int64_t low = args.size() == 3 ? args[0].cast<int64_t>() : 0;
    int64_t high = args[args.size() - 2].cast<int64_t>();
    auto o = parse_options(kw, "randint");
    return finish(randint(low, high, dims_from(args[args.size() - 1], "randint", "size", static_cast<int>(args.size()), false), o.dtype.value_or(ScalarType::Int64),
                          o.generator), o);
  });
  m.def("randperm", [](int64_t n, py::kwargs kw) {
    auto o = parse_options(kw, "randperm");
    return finish(randperm(n, o.dtype.value_or(ScalarType::Int64), o.generator), o);
  }, py::arg("n"));

  // normal(mean, std, size=None, *, generator, out, dtype, ...): the overload is chosen by which of mean
  // and std are tensors, as in PyTorch.
  m.def("normal", [](py::handle mean, py::handle std, py::handle size, py::kwargs kw) {
    auto o = parse_options(kw, "normal");
    // size=None given explicitly matches no form (its default, Ellipsis, stands for "not given")
    const bool no_size = size.ptr() == Py_Ellipsis, bad_size = size.is_none();
    const bool mt = is_tensor(mean), st = is_tensor(std);
    if (no_size && (mt || st) && !o.dtype && !std.is_none()) {  // (std=None given matches no form either)
      if (mt && st) return finish(normal(as_tensor(mean), as_tensor(std), o.generator), o);
      if (mt) return finish(normal(as_tensor(mean), std.ptr() == Py_Ellipsis ? 1.0 : std.cast<double>(), o.generator), o);
      return finish(normal(mean.cast<double>(), as_tensor(std), o.generator), o);
    }
    // The (float mean, float std, size) form: as PyTorch's float parameters, mean and std may each be a 0-d
    // tensor that does not require grad, read as its number (normal(0., tensor(2.), (2,))).
    const auto number = [](py::handle h, bool tensor, bool& ok) {
      if (!tensor) return h.cast<double>();
      Scalar v;
      ok = ok && scalar_from_tensor(h, v);
      return v.is_floating() ? v.f : static_cast<double>(v.i);
    };
    if (!no_size && !bad_size && !std.is_none() && std.ptr() != Py_Ellipsis) {
      bool ok = true;
      const double mean_v = number(mean, mt, ok), std_v = number(std, st, ok);
      if (ok)
        return finish(normal(mean_v, std_v, dims_from(size, "normal", "size", 3, false),
                             o.dtype.value_or(default_dtype()), o.generator), o);
    }
    throw py::type_error(
        "normal() received an invalid combination of arguments - expected one of:\n"
        " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
        " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
        " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
        " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, Tensor out = None, "
        "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, bool pin_memory = False, "
        "bool requires_grad = False)");
  }, py::arg("mean"), py::arg("std") = py::ellipsis(), py::arg("size") = py::ellipsis());

  TensorClass cls = tensor_class(m);
  // bernoulli(input, *, generator) or bernoulli(input, p, *, generator)
  def_both(cls, m, "bernoulli", [](const Tensor& t, py::object p, py::object generator) {
    Generator* g = generator_from(generator);
    return p.is_none() ? bernoulli(t, g) : bernoulli(t, p.cast<double>(), g);
  }, py::arg("p") = py::none(), py::kw_only(), py::arg("generator") = py::none());
  def_both(cls, m, "multinomial", [](const Tensor& t, int64_t num_samples, Flag replacement, py::object generator) {
    return multinomial(t, num_samples, replacement, generator_from(generator));
  }, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(), py::arg("generator") = py::none());

  // In-place fills return self, the same Python object.
  cls.def("uniform_", [](py::object self, double from, double to, py::object generator) {
        Tensor t = as_tensor(self);
        uniform_(t, from, to, generator_from(generator));
        return self;
      }, py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("normal_", [](py::object self, double mean, double std, py::object generator) {
        Tensor t = as_tensor(self);
        normal_(t, mean, std, generator_from(generator));
        return self;
      }, py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("exponential_", [](py::object self, double lambd, py::object generator) {
        Tensor t = as_tensor(self);
        exponential_(t, lambd, generator_from(generator));
        return self;
      }, py::arg("lambd") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("bernoulli_", [](py::object self, py::handle p, py::object generator) {
        Tensor t = as_tensor(self);
        if (is_tensor(p)) bernoulli_(t, as_tensor(p), generator_from(generator));
        else bernoulli_(t, p.cast<double>(), generator_from(generator));
        return self;
      }, py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = py::none())
      // random_(), random_(to), random_(from, to) with to=None meaning "up to the dtype's largest integer".
      .def("random_", [](py::object self, py::args args, py::kwargs kw) {
        Tensor t = as_tensor(self);
        py::object from = py::none(), to = py::none(), generator = py::none();
        bool to_given = false;
        FG_CHECK(args.size() <= 2, TypeError, "random_() takes at most 2 positional arguments (", args.size(), " given)");
        if (args.size() == 1) {  // random_(to): an int (None is no form's `to` in that position)
          FG_CHECK(!args[0].is_none(), TypeError, "random_() received an invalid combination of arguments - got "
                   "(NoneType), but expected one of:\n * (*, torch.Generator generator = None)\n * (int from, int to, "
                   "*, torch.Generator generator = None)\n * (int to, *, torch.Generator generator = None)");
          to = args[0], to_given = true;
        }
        if (args.size() == 2) from = args[0], to = args[1], to_given = true;
        for (auto [k, v] : kw) {
          std::string key = py::str(k);
          if (key == "from") from = py::reinterpret_borrow<py::object>(v);
          else if (key == "to") to = py::reinterpret_borrow<py::object>(v), to_given = true;
          else if (key == "generator") generator = py::reinterpret_borrow<py::object>(v);
          else throw py::type_error("random_() got an unexpected keyword argument '" + key + "'");
        }
        Generator* g = generator_from(generator);
        if (from.is_none() && !to_given) {
          random_(t, g);
        } else if (from.is_none() && !to.is_none()) {
          warn_float_bounds(t, 0, to.cast<int64_t>() - 1);
          random_(t, to.cast<int64_t>(), g);
        } else {
          int64_t f = from.is_none() ? 0 : from.cast<int64_t>();
          std::optional<int64_t> hi;
          if (!to.is_none()) hi = to.cast<int64_t>();
          // Without `to` the upper end is the dtype's own limit, and the full int64 range is not checked.
          if (hi) warn_float_bounds(t, f, *hi - 1);
          else if (f != std::numeric_limits<int64_t>::min()) warn_float_bounds(t, f, 0);
          random_(t, f, hi, g);
        }
        return self;
      });

  m.def("randint_like", [](const Tensor& t, py::args args, py::kwargs kw) {
    FG_CHECK(args.size() == 1 || args.size() == 2, TypeError, "randint_like() takes (input, high) or (input, low, high)");
    int64_t low = args.size() == 2 ? args[0].cast<int64_t>() : 0;
    auto o = parse_options(kw, "randint_like");
    return finish(randint(low, args[args.size() - 1].cast<int64_t>(), t.sizes(), o.dtype.value_or(t.dtype()),
                          o.generator), o);
  }, py::arg("input"));
}

}  // namespace fastgrad::python

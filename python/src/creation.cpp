// Creation: factories, *_like, random streams and Generator objects.
#include "bindings.h"

namespace fastgrad::python {

namespace {

// Keyword arguments shared by the factories: dtype, device, requires_grad (layout, pin_memory accepted).
struct FactoryOptions {
  std::optional<ScalarType> dtype;
  bool requires_grad = false;
  Generator* generator = nullptr;
};

FactoryOptions parse_options(const py::kwargs& kwargs, const char* op) {
  FactoryOptions o;
  for (auto [k, v] : kwargs) {
    std::string key = py::str(k);
    if (key == "dtype") {
      if (!v.is_none()) o.dtype = v.cast<ScalarType>();
    } else if (key == "device") {
      check_device(v);
    } else if (key == "requires_grad") {
      if (!PyBool_Check(v.ptr()))
        throw py::type_error(std::string(op) + "(): argument 'requires_grad' must be bool, not " +
                             py::str(py::type::of(v).attr("__name__")).cast<std::string>());
      o.requires_grad = v.ptr() == Py_True;
    } else if (key == "generator") {
      if (!v.is_none()) o.generator = &v.cast<Generator&>();
    } else if (key == "out") {
      if (!v.is_none()) throw NotImplementedError(std::string(op) + "(): the out= argument is not supported");
    } else if (key != "layout" && key != "pin_memory" && key != "memory_format") {
      throw py::type_error(std::string(op) + "() got an unexpected keyword argument '" + key + "'");
    }
  }
  return o;
}

Tensor finish(Tensor t, const FactoryOptions& o) {
  if (o.requires_grad) t.set_requires_grad(true);
  return t;
}

// The dtype `full` infers from its fill value: bool, int64 or the default float.
ScalarType scalar_dtype(const Scalar& s) { return s.wrapped_dtype(); }

}  // namespace

void init_creation(py::module_& m) {
  // ---- creation ----
  m.def("zeros", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "zeros");
    return finish(zeros(dims_from_args(size, "zeros"), o.dtype.value_or(default_dtype())), o);
  });
  m.def("ones", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "ones");
    return finish(ones(dims_from_args(size, "ones"), o.dtype.value_or(default_dtype())), o);
  });
  m.def("empty", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "empty");
    return finish(zeros(dims_from_args(size, "empty"), o.dtype.value_or(default_dtype())), o);
  });
  m.def("full", [](py::handle size, Scalar value, py::kwargs kw) {
    auto o = parse_options(kw, "full");
    return finish(full(dims_from(size, "full"), value, o.dtype.value_or(scalar_dtype(value))), o);
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
  m.def("eye", [](int64_t n, py::object mo, py::kwargs kw) {
    auto o = parse_options(kw, "eye");
    return finish(eye(n, mo.is_none() ? n : mo.cast<int64_t>(), o.dtype.value_or(default_dtype())), o);
  }, py::arg("n"), py::arg("m") = py::none());
  m.def("arange", [](Scalar a, py::object b, Scalar step, py::kwargs kw) {
    auto o = parse_options(kw, "arange");
    Scalar start = 0, end = a;
    if (!b.is_none()) {
      start = a;
      end = b.cast<Scalar>();
    }
    return finish(arange(start, end, step, o.dtype), o);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1);
  m.def("linspace", [](double start, double end, int64_t steps, py::kwargs kw) {
    auto o = parse_options(kw, "linspace");
    return finish(linspace(start, end, steps, o.dtype.value_or(default_dtype())), o);
  }, py::arg("start"), py::arg("end"), py::arg("steps"));
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
    return finish(rand(dims_from_args(size, "rand"), o.dtype.value_or(default_dtype()), o.generator), o);
  });
  m.def("randn", [](py::args size, py::kwargs kw) {
    auto o = parse_options(kw, "randn");
    return finish(randn(dims_from_args(size, "randn"), o.dtype.value_or(default_dtype()), o.generator), o);
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
    return finish(randint(low, high, dims_from(args[args.size() - 1], "randint"), o.dtype.value_or(ScalarType::Int64),
                          o.generator), o);
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

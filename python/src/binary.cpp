// Elementwise binary (and ternary) ops: Python operators, methods, function forms, in-place variants and
// PyTorch's aliases.
#include "bindings.h"

namespace fastgrad::python {

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

// An argument PyTorch types as Tensor: anything else is a TypeError worded as PyTorch words it.
Tensor tensor_arg(py::handle h, const char* op, const char* name, int position) {
  if (is_tensor(h)) return as_tensor(h);
  throw py::type_error(std::string(op) + "(): argument '" + name + "' (position " + std::to_string(position) +
                       ") must be Tensor, not " + type_name(h));
}

// An argument PyTorch types as Tensor or Number.
Scalar number_arg(py::handle h, const char* op, const char* name, int position) {
  Scalar s;
  if (!to_scalar(h, s))
    throw py::type_error(std::string(op) + "(): argument '" + name + "' (position " + std::to_string(position) +
                         ") must be Tensor or Number, not " + type_name(h));
  return s;
}

// self op other for an op with tensor and number overloads; a TypeError (not NotImplemented) otherwise.
template <class TensorFn, class ScalarFn>
Tensor tensor_or_number(py::handle self, py::handle other, const char* op, const char* name, TensorFn tf,
                        ScalarFn sf) {
  Tensor a = as_tensor(self);
  if (is_tensor(other)) return tf(a, as_tensor(other));
  return sf(a, number_arg(other, op, name, 2));
}

// The function form of an op whose first argument may also be a number (pow, remainder, floor_divide).
template <class TensorFn, class ScalarFn, class ScalarFirstFn>
Tensor either_first(py::handle a, py::handle b, const char* op, const char* name, TensorFn tf, ScalarFn sf,
                    ScalarFirstFn rf) {
  if (is_tensor(a)) return tensor_or_number(a, b, op, name, tf, sf);
  Scalar s = number_arg(a, op, "input", 1);
  return rf(s, tensor_arg(b, op, name, 2));
}

// The function form of add, sub, mul, div and their aliases, whose first operand PyTorch's parser also takes
// as a number (it wraps numbers as tensors for these ops only): torch.sub(1, t), torch.mul(2, 3).
template <class TensorFn, class ScalarFn, class NumberFirstFn>
Tensor number_as_tensor(py::handle a, py::handle b, const char* op, const char* name, TensorFn tf, ScalarFn sf,
                        NumberFirstFn nf, const char* first = "input") {
  if (is_tensor(a)) return tensor_or_number(a, b, op, name, tf, sf);
  Scalar s;
  if (!to_scalar(a, s)) tensor_arg(a, op, first, 1);  // throws PyTorch's TypeError
  if (is_tensor(b)) return nf(s, as_tensor(b));
  Scalar other;
  if (!to_scalar(b, other)) tensor_arg(b, op, name, 2);
  return sf(wrapped_number(s), other);
}

// A named in-place method (add_, eq_, bitwise_and_, ...): other is a Tensor or a number, and anything else is
// a TypeError. (The augmented-assignment slots use `inplace` itself: its NotImplemented lets Python report
// the unsupported operand types.)
template <class TensorFn, class ScalarFn>
py::object inplace_method(const char* op, const char* name, py::handle self, py::handle other, TensorFn tf,
                          ScalarFn sf) {
  py::object r = inplace(self, other, tf, sf);
  if (r.ptr() == Py_NotImplemented)
    throw py::type_error(std::string(op) + "(): argument '" + name + "' (position 1) must be Tensor or Number, not " +
                         type_name(other));
  return r;
}

// A method that modifies self in place and returns it (the same Python object).
template <class F>
py::object in_place(py::object self, F f) {
  Tensor t = as_tensor(self);
  f(t);
  return self;
}

RoundingMode rounding_mode(py::handle h) {
  if (h.is_none()) return RoundingMode::True;
  return rounding_mode_from_string(h.cast<std::string>());
}

}  // namespace

void init_binary(py::module_& m) {
  TensorClass cls = tensor_class(m);
  // ---- operators ----
  // +, -, *, /, **, @, unary - and + (and their reflected and in-place forms) are Python number slots:
  // See Note [Operator slots] (operators.cpp). The rarer ones below are ordinary methods.
  cls.def("__floordiv__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return floor_divide(x, y); },
                      [](const Tensor& x, Scalar s) { return floor_divide(x, s); });
      })
      .def("__rfloordiv__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return floor_divide(y, x); },
                      [](const Tensor& x, Scalar s) { return floor_divide(s, x); });
      })
      .def("__ifloordiv__", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { floor_divide_(x, y); },
                       [](Tensor& x, Scalar s) { floor_divide_(x, s); });
      })
      .def("__mod__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return remainder(x, y); },
                      [](const Tensor& x, Scalar s) { return remainder(x, s); });
      })
      .def("__rmod__", [](py::handle a, py::handle b) {
        return binary(a, b, [](const Tensor& x, const Tensor& y) { return remainder(y, x); },
                      [](const Tensor& x, Scalar s) { return remainder(s, x); });
      })
      .def("__imod__", [](py::handle a, py::handle b) {
        return inplace(a, b, [](Tensor& x, const Tensor& y) { remainder_(x, y); },
                       [](Tensor& x, Scalar s) { remainder_(x, s); });
      })
      .def("__invert__", [](const Tensor& t) {
        if (is_floating(t.dtype()))
          throw py::type_error("~ (operator.invert) is only implemented on integer and Boolean-type tensors");
        return bitwise_not(t);
      });

  // &, |, ^ and their reflected and in-place forms.
  for (auto [op, name, rname, iname] : {std::tuple{LogicalOp::And, "__and__", "__rand__", "__iand__"},
                                        std::tuple{LogicalOp::Or, "__or__", "__ror__", "__ior__"},
                                        std::tuple{LogicalOp::Xor, "__xor__", "__rxor__", "__ixor__"}}) {
    cls.def(name, [op = op](py::handle a, py::handle b) {
      return binary(a, b, [op](const Tensor& x, const Tensor& y) { return bitwise(x, y, op); },
                    [op](const Tensor& x, Scalar s) { return bitwise(x, s, op); });
    });
    cls.def(rname, [op = op](py::handle a, py::handle b) {
      return binary(a, b, [op](const Tensor& x, const Tensor& y) { return bitwise(y, x, op); },
                    [op](const Tensor& x, Scalar s) { return bitwise(x, s, op); });
    });
    cls.def(iname, [op = op](py::handle a, py::handle b) {
      return inplace(a, b, [op](Tensor& x, const Tensor& y) { bitwise_(x, y, op); },
                     [op](Tensor& x, Scalar s) { bitwise_(x, s, op); });
    });
  }

  auto compare_op = [&cls](const char* name, CompareOp op) {
    cls.def(name, [op](py::handle a, py::handle b) {
      return binary(a, b, [op](const Tensor& x, const Tensor& y) { return compare(x, y, op); },
                    [op](const Tensor& x, Scalar s) { return compare(x, s, op); });
    });
  };
  compare_op("__eq__", CompareOp::Eq);
  compare_op("__ne__", CompareOp::Ne);
  compare_op("__lt__", CompareOp::Lt);
  compare_op("__le__", CompareOp::Le);
  compare_op("__gt__", CompareOp::Gt);
  compare_op("__ge__", CompareOp::Ge);

  // ---- add, sub, mul, div and their aliases ----
  // (The method forms always have a tensor first, so number_as_tensor serves both.)
  def_both(cls, m, "add", [](py::handle a, py::handle b, Scalar alpha) {
    return number_as_tensor(a, b, "add", "other", [&](const Tensor& x, const Tensor& y) { return add(x, y, alpha); },
                            [&](const Tensor& x, Scalar s) { return add(x, s, alpha); },
                            [&](Scalar s, const Tensor& y) { return add(s, y, alpha); });
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  for (const char* name : {"sub", "subtract"}) {
    def_both(cls, m, name, [](py::handle a, py::handle b, Scalar alpha) {
      return number_as_tensor(a, b, "sub", "other", [&](const Tensor& x, const Tensor& y) { return sub(x, y, alpha); },
                              [&](const Tensor& x, Scalar s) { return sub(x, s, alpha); },
                              [&](Scalar s, const Tensor& y) { return sub(s, y, alpha); });
    }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  }
  for (const char* name : {"mul", "multiply"}) {
    def_both(cls, m, name, [](py::handle a, py::handle b) {
      return number_as_tensor(a, b, "mul", "other", [](const Tensor& x, const Tensor& y) { return mul(x, y); },
                              [](const Tensor& x, Scalar s) { return mul(x, s); },
                              [](Scalar s, const Tensor& y) { return mul(s, y); });
    }, py::arg("other"));
  }
  for (const char* name : {"div", "divide"}) {
    def_both(cls, m, name, [](py::handle a, py::handle b, py::handle mode) {
      RoundingMode rm = rounding_mode(mode);
      return number_as_tensor(a, b, "div", "other", [rm](const Tensor& x, const Tensor& y) { return div(x, y, rm); },
                              [rm](const Tensor& x, Scalar s) { return div(x, s, rm); },
                              [rm](Scalar s, const Tensor& y) { return div(s, y, rm); });
    }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  }
  cls.def("true_divide", [](py::handle a, py::handle b) {
    return tensor_or_number(a, b, "true_divide", "other", [](const Tensor& x, const Tensor& y) { return div(x, y); },
                            [](const Tensor& x, Scalar s) { return div(x, s); });
  }, py::arg("other"));
  m.def("true_divide", [](py::handle a, py::handle b) {
    return number_as_tensor(a, b, "true_divide", "divisor",
                            [](const Tensor& x, const Tensor& y) { return div(x, y); },
                            [](const Tensor& x, Scalar s) { return div(x, s); },
                            [](Scalar s, const Tensor& y) { return div(s, y); }, "dividend");
  }, py::arg("input"), py::arg("other"));  // PyTorch's argument names (its messages say dividend/divisor)

  // In place: each returns self.
  cls.def("add_", [](py::handle a, py::handle b, Scalar alpha) {
        return inplace_method("add_", "other", a, b, [&](Tensor& x, const Tensor& y) { add_(x, y, alpha); },
                       [&](Tensor& x, Scalar s) { add_(x, s, alpha); });
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  for (const char* name : {"sub_", "subtract_"}) {
    cls.def(name, [name](py::handle a, py::handle b, Scalar alpha) {
      return inplace_method(name, "other", a, b, [&](Tensor& x, const Tensor& y) { sub_(x, y, alpha); },
                     [&](Tensor& x, Scalar s) { sub_(x, s, alpha); });
    }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  }
  for (const char* name : {"mul_", "multiply_"}) {
    cls.def(name, [name](py::handle a, py::handle b) {
      return inplace_method(name, "other", a, b, [](Tensor& x, const Tensor& y) { mul_(x, y); }, [](Tensor& x, Scalar s) { mul_(x, s); });
    }, py::arg("other"));
  }
  for (const char* name : {"div_", "divide_"}) {
    cls.def(name, [name](py::handle a, py::handle b, py::handle mode) {
      RoundingMode rm = rounding_mode(mode);
      return inplace_method(name, "other", a, b, [rm](Tensor& x, const Tensor& y) { div_(x, y, rm); },
                     [rm](Tensor& x, Scalar s) { div_(x, s, rm); });
    }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  }
  cls.def("true_divide_", [](py::handle a, py::handle b) {
    return inplace_method("true_divide_", "other", a, b, [](Tensor& x, const Tensor& y) { div_(x, y); }, [](Tensor& x, Scalar s) { div_(x, s); });
  }, py::arg("other"));

  // ---- floor_divide, remainder, fmod, pow ----
  cls.def("floor_divide", [](py::handle a, py::handle b) {
    return tensor_or_number(a, b, "floor_divide", "other",
                            [](const Tensor& x, const Tensor& y) { return floor_divide(x, y); },
                            [](const Tensor& x, Scalar s) { return floor_divide(x, s); });
  }, py::arg("other"));
  m.def("floor_divide", [](py::handle a, py::handle b) {
    return either_first(a, b, "floor_divide", "other",
                        [](const Tensor& x, const Tensor& y) { return floor_divide(x, y); },
                        [](const Tensor& x, Scalar s) { return floor_divide(x, s); },
                        [](Scalar s, const Tensor& y) { return floor_divide(s, y); });
  }, py::arg("input"), py::arg("other"));
  cls.def("remainder", [](py::handle a, py::handle b) {
    return tensor_or_number(a, b, "remainder", "other",
                            [](const Tensor& x, const Tensor& y) { return remainder(x, y); },
                            [](const Tensor& x, Scalar s) { return remainder(x, s); });
  }, py::arg("other"));
  m.def("remainder", [](py::handle a, py::handle b) {
    return either_first(a, b, "remainder", "other", [](const Tensor& x, const Tensor& y) { return remainder(x, y); },
                        [](const Tensor& x, Scalar s) { return remainder(x, s); },
                        [](Scalar s, const Tensor& y) { return remainder(s, y); });
  }, py::arg("input"), py::arg("other"));
  def_both(cls, m, "fmod", [](py::handle a, py::handle b) {
    return tensor_or_number(a, b, "fmod", "other", [](const Tensor& x, const Tensor& y) { return fmod(x, y); },
                            [](const Tensor& x, Scalar s) { return fmod(x, s); });
  }, py::arg("other"));
  cls.def("pow", [](py::handle a, py::handle b) {
    return tensor_or_number(a, b, "pow", "exponent", [](const Tensor& x, const Tensor& y) { return pow(x, y); },
                            [](const Tensor& x, Scalar s) { return pow(x, s); });
  }, py::arg("exponent"));
  m.def("pow", [](py::handle a, py::handle b) {
    return either_first(a, b, "pow", "exponent", [](const Tensor& x, const Tensor& y) { return pow(x, y); },
                        [](const Tensor& x, Scalar s) { return pow(x, s); },
                        [](Scalar s, const Tensor& y) { return pow(s, y); });
  }, py::arg("input"), py::arg("exponent"));
  cls.def("floor_divide_", [](py::handle a, py::handle b) {
    return inplace_method("floor_divide_", "other", a, b, [](Tensor& x, const Tensor& y) { floor_divide_(x, y); },
                   [](Tensor& x, Scalar s) { floor_divide_(x, s); });
  }, py::arg("other"));
  cls.def("remainder_", [](py::handle a, py::handle b) {
    return inplace_method("remainder_", "other", a, b, [](Tensor& x, const Tensor& y) { remainder_(x, y); },
                   [](Tensor& x, Scalar s) { remainder_(x, s); });
  }, py::arg("other"));
  cls.def("fmod_", [](py::handle a, py::handle b) {
    return inplace_method("fmod_", "other", a, b, [](Tensor& x, const Tensor& y) { fmod_(x, y); }, [](Tensor& x, Scalar s) { fmod_(x, s); });
  }, py::arg("other"));
  cls.def("pow_", [](py::handle a, py::handle b) {
    return inplace_method("pow_", "exponent", a, b, [](Tensor& x, const Tensor& y) { pow_(x, y); }, [](Tensor& x, Scalar s) { pow_(x, s); });
  }, py::arg("exponent"));

  // ---- maximum, minimum, fmax, fmin, atan2, hypot: tensors only ----
  using TensorOp = Tensor (*)(const Tensor&, const Tensor&);
  const std::pair<const char*, TensorOp> tensor_ops[] = {{"maximum", maximum}, {"minimum", minimum}, {"fmax", fmax},
                                                         {"fmin", fmin},       {"atan2", atan2},     {"arctan2", atan2},
                                                         {"hypot", hypot}};
  for (auto [name, f] : tensor_ops) {
    def_both(cls, m, name, [name = name, f = f](const Tensor& a, py::handle b) {
      return f(a, tensor_arg(b, name, "other", 2));
    }, py::arg("other"));
  }
  using TensorOpInplace = Tensor& (*)(Tensor&, const Tensor&);
  for (auto [name, f] : {std::pair<const char*, TensorOpInplace>{"atan2_", atan2_},
                         std::pair<const char*, TensorOpInplace>{"arctan2_", atan2_},
                         std::pair<const char*, TensorOpInplace>{"hypot_", hypot_}}) {
    cls.def(name, [name = name, f = f](py::object self, py::handle b) {
      Tensor other = tensor_arg(b, name, "other", 1);
      return in_place(self, [&](Tensor& t) { f(t, other); });
    }, py::arg("other"));
  }

  // ---- xlogy: a Tensor or a number for either operand (not both numbers) ----
  static const char* xlogy_doc =
      "xlogy(input, other) -> Tensor\n\n"
      "input * log(other), with 0 where input is 0 (unless other is NaN, which gives NaN). Either operand may be\n"
      "a number; integer and bool operands give the default float dtype. As torch.xlogy (torch.special.xlogy).";
  cls.def("xlogy", [](py::handle a, py::handle b) {
    return tensor_or_number(a, b, "xlogy", "other", [](const Tensor& x, const Tensor& y) { return xlogy(x, y); },
                            [](const Tensor& x, Scalar s) { return xlogy(x, s); });
  }, py::arg("other"), xlogy_doc);
  m.def("xlogy", [](py::handle a, py::handle b) {
    return either_first(a, b, "xlogy", "other", [](const Tensor& x, const Tensor& y) { return xlogy(x, y); },
                        [](const Tensor& x, Scalar s) { return xlogy(x, s); },
                        [](Scalar s, const Tensor& y) { return xlogy(s, y); });
  }, py::arg("input"), py::arg("other"), xlogy_doc);
  cls.def("xlogy_", [](py::handle a, py::handle b) {
    return inplace_method("xlogy_", "other", a, b, [](Tensor& x, const Tensor& y) { xlogy_(x, y); },
                          [](Tensor& x, Scalar s) { xlogy_(x, s); });
  }, py::arg("other"), "xlogy_(other) -> Tensor\n\nIn-place version of xlogy().");

  // ---- special_xlog1py, special_zeta: a Tensor or a number for either operand (fastgrad.special's xlog1py, zeta) ----
  m.def("special_xlog1py", [](py::handle a, py::handle b) {
    return either_first(a, b, "special_xlog1py", "other",
                        [](const Tensor& x, const Tensor& y) { return special_xlog1py(x, y); },
                        [](const Tensor& x, Scalar s) { return special_xlog1py(x, s); },
                        [](Scalar s, const Tensor& y) { return special_xlog1py(s, y); });
  }, py::arg("input"), py::arg("other"));
  m.def("special_zeta", [](py::handle a, py::handle b) {
    return either_first(a, b, "special_zeta", "other",
                        [](const Tensor& x, const Tensor& y) { return special_zeta(x, y); },
                        [](const Tensor& x, Scalar s) { return special_zeta(x, s); },
                        [](Scalar s, const Tensor& y) { return special_zeta(s, y); });
  }, py::arg("input"), py::arg("other"));

  // ---- lerp, addcmul, addcdiv ----
  def_both(cls, m, "lerp", [](const Tensor& a, py::handle end, py::handle weight) {
    Tensor e = tensor_arg(end, "lerp", "end", 2);
    if (is_tensor(weight)) return lerp(a, e, as_tensor(weight));
    return lerp(a, e, number_arg(weight, "lerp", "weight", 3));
  }, py::arg("end"), py::arg("weight"));
  cls.def("lerp_", [](py::object self, py::handle end, py::handle weight) {
    Tensor e = tensor_arg(end, "lerp_", "end", 1);
    return in_place(self, [&](Tensor& t) {
      if (is_tensor(weight)) lerp_(t, e, as_tensor(weight));
      else lerp_(t, e, number_arg(weight, "lerp_", "weight", 2));
    });
  }, py::arg("end"), py::arg("weight"));
  def_both(cls, m, "addcmul", [](const Tensor& a, py::handle t1, py::handle t2, Scalar value) {
    Tensor x = tensor_arg(t1, "addcmul", "tensor1", 2);  // checked in order (argument order is unspecified)
    return addcmul(a, x, tensor_arg(t2, "addcmul", "tensor2", 3), value);
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  def_both(cls, m, "addcdiv", [](const Tensor& a, py::handle t1, py::handle t2, Scalar value) {
    Tensor x = tensor_arg(t1, "addcdiv", "tensor1", 2);
    return addcdiv(a, x, tensor_arg(t2, "addcdiv", "tensor2", 3), value);
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  cls.def("addcmul_", [](py::object self, const Tensor& t1, const Tensor& t2, Scalar value) {
    return in_place(self, [&](Tensor& t) { addcmul_(t, t1, t2, value); });
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  cls.def("addcdiv_", [](py::object self, const Tensor& t1, const Tensor& t2, Scalar value) {
    return in_place(self, [&](Tensor& t) { addcdiv_(t, t1, t2, value); });
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);

  // ---- where ----
  auto where_any = [](const Tensor& c, py::handle a, py::handle b) {
    bool ta = is_tensor(a), tb = is_tensor(b);
    if (ta && tb) return where(c, as_tensor(a), as_tensor(b));
    if (ta) return where(c, as_tensor(a), number_arg(b, "where", "other", 3));
    Scalar sa = number_arg(a, "where", "input", 2);
    if (tb) return where(c, sa, as_tensor(b));
    return where(c, sa, number_arg(b, "where", "other", 3));
  };
  m.def("where", [where_any](py::handle condition, py::handle a, py::handle b) {
    return where_any(tensor_arg(condition, "where", "condition", 1), a, b);
  }, py::arg("condition"), py::arg("input"), py::arg("other"));
  // where(condition) alone is nonzero(condition, as_tuple=True).
  m.def("where", [](const Tensor& condition) { return py::tuple(py::cast(nonzero_numpy(condition))); },
        py::arg("condition"));
  cls.def("where", [where_any](py::handle self, const Tensor& condition, py::handle other) {
    return where_any(condition, self, other);
  }, py::arg("condition"), py::arg("other"));

  // ---- comparisons ----
  for (auto [names, op] : {std::pair{std::vector<const char*>{"eq"}, CompareOp::Eq},
                           std::pair{std::vector<const char*>{"ne", "not_equal"}, CompareOp::Ne},
                           std::pair{std::vector<const char*>{"lt", "less"}, CompareOp::Lt},
                           std::pair{std::vector<const char*>{"le", "less_equal"}, CompareOp::Le},
                           std::pair{std::vector<const char*>{"gt", "greater"}, CompareOp::Gt},
                           std::pair{std::vector<const char*>{"ge", "greater_equal"}, CompareOp::Ge}}) {
    for (const char* name : names) {
      def_both(cls, m, name, [op = op, name](py::handle a, py::handle b) {
        return tensor_or_number(a, b, name, "other",
                                [op](const Tensor& x, const Tensor& y) { return compare(x, y, op); },
                                [op](const Tensor& x, Scalar s) { return compare(x, s, op); });
      }, py::arg("other"));
      std::string name_ = std::string(name) + "_";
      cls.def(name_.c_str(), [op = op, name_](py::handle a, py::handle b) {
        return inplace_method(name_.c_str(), "other", a, b, [op](Tensor& x, const Tensor& y) { compare_(x, y, op); },
                       [op](Tensor& x, Scalar s) { compare_(x, s, op); });
      }, py::arg("other"));
    }
  }
  def_both(cls, m, "isclose", [](const Tensor& a, py::handle b, double rtol, double atol, Flag equal_nan) {
    return isclose(a, tensor_arg(b, "isclose", "other", 2), rtol, atol, equal_nan);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  def_both(cls, m, "allclose", [](const Tensor& a, py::handle b, double rtol, double atol, Flag equal_nan) {
    return allclose(a, tensor_arg(b, "allclose", "other", 2), rtol, atol, equal_nan);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  def_both(cls, m, "equal", [](const Tensor& a, py::handle b) { return equal(a, tensor_arg(b, "equal", "other", 2)); },
           py::arg("other"));

  // ---- logical and bitwise ops ----
  for (auto [name, op] : {std::pair{"logical_and", LogicalOp::And}, std::pair{"logical_or", LogicalOp::Or},
                          std::pair{"logical_xor", LogicalOp::Xor}}) {
    def_both(cls, m, name, [name = name, op = op](const Tensor& a, py::handle b) {
      return logical(a, tensor_arg(b, name, "other", 2), op);
    }, py::arg("other"));
    std::string name_ = std::string(name) + "_";
    cls.def(name_.c_str(), [name = name, op = op](py::object self, py::handle b) {
      Tensor other = tensor_arg(b, name, "other", 1);
      return in_place(self, [&](Tensor& t) { logical_(t, other, op); });
    }, py::arg("other"));
  }
  def_both(cls, m, "logical_not", [](const Tensor& t) { return logical_not(t); });
  cls.def("logical_not_", [](py::object self) { return in_place(self, [](Tensor& t) { logical_not_(t); }); });
  for (auto [name, op] : {std::pair{"bitwise_and", LogicalOp::And}, std::pair{"bitwise_or", LogicalOp::Or},
                          std::pair{"bitwise_xor", LogicalOp::Xor}}) {
    def_both(cls, m, name, [name = name, op = op](py::handle a, py::handle b) {
      // bitwise_and(Scalar self, Tensor other) (the function form): the three ops commute
      if (!is_tensor(a) && is_tensor(b)) return bitwise(as_tensor(b), number_arg(a, name, "input", 1), op);
      return tensor_or_number(a, b, name, "other", [op](const Tensor& x, const Tensor& y) { return bitwise(x, y, op); },
                              [op](const Tensor& x, Scalar s) { return bitwise(x, s, op); });
    }, py::arg("other"));
    std::string name_ = std::string(name) + "_";
    cls.def(name_.c_str(), [op = op, name_](py::handle a, py::handle b) {
      return inplace_method(name_.c_str(), "other", a, b, [op](Tensor& x, const Tensor& y) { bitwise_(x, y, op); },
                     [op](Tensor& x, Scalar s) { bitwise_(x, s, op); });
    }, py::arg("other"));
  }
  def_both(cls, m, "bitwise_not", [](const Tensor& t) { return bitwise_not(t); });
  cls.def("bitwise_not_", [](py::object self) { return in_place(self, [](Tensor& t) { bitwise_not_(t); }); });

  // ---- predicates ----
  using Predicate = Tensor (*)(const Tensor&);
  const std::pair<const char*, Predicate> predicates[] = {
      {"isnan", isnan}, {"isinf", isinf}, {"isfinite", isfinite}, {"isposinf", isposinf}, {"isneginf", isneginf}};
  for (auto [name, f] : predicates) def_both(cls, m, name, [f = f](const Tensor& t) { return f(t); });
}

}  // namespace fastgrad::python

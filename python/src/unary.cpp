// Elementwise unary ops: methods, function forms, in-place variants and PyTorch's aliases.
#include "bindings.h"

namespace fastgrad::python {

namespace {

using UnaryFn = Tensor (*)(const Tensor&);
using InplaceFn = Tensor& (*)(Tensor&);

// `name` as a method and a function; `name_` as a method and, when PyTorch has it, a function too. The
// in-place forms return self, the same Python object.
void unary(TensorClass& cls, py::module_& m, const char* name, UnaryFn f, InplaceFn f_, bool inplace_function = true) {
  def_both(cls, m, name, [f](const Tensor& t) { return f(t); });
  auto in_place = [f_](py::object self) {
    Tensor t = as_tensor(self);
    f_(t);
    return self;
  };
  std::string name_ = std::string(name) + "_";
  if (inplace_function) def_both(cls, m, name_.c_str(), in_place);
  else cls.def(name_.c_str(), in_place);
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")).cast<std::string>(); }

// clamp's bounds: None, Python numbers, or tensors; PyTorch does not mix numbers and tensors.
struct Bounds {
  bool tensors = false;
  std::optional<Scalar> min_s, max_s;
  Tensor min_t, max_t;
};

Bounds clamp_bounds(py::handle lo, py::handle hi, const char* op) {
  Bounds b;
  bool lo_t = is_tensor(lo), hi_t = is_tensor(hi);
  if (lo_t != hi_t && !lo.is_none() && !hi.is_none()) {
    // a tensor and a number: PyTorch's Number form, when the tensor is 0-d and does not require grad
    Scalar l, h;
    if ((lo_t ? scalar_from_tensor(lo, l) : to_scalar(lo, l)) && (hi_t ? scalar_from_tensor(hi, h) : to_scalar(hi, h))) {
      b.min_s = l;
      b.max_s = h;
      return b;
    }
  }
  b.tensors = lo_t || hi_t;
  for (auto [h, is_t, s, t] : {std::tuple{lo, lo_t, &b.min_s, &b.min_t}, std::tuple{hi, hi_t, &b.max_s, &b.max_t}}) {
    if (h.is_none()) continue;
    Scalar v;
    if (is_t) {
      *t = as_tensor(h);
    } else if (!b.tensors && to_scalar(h, v)) {
      *s = v;
    } else {
      throw py::type_error(std::string(op) + "() received an invalid combination of arguments - got (Tensor, " +
                           type_name(lo) + ", " + type_name(hi) +
                           "), but expected one of:\n * (Tensor input, Tensor min = None, Tensor max = None)\n"
                           " * (Tensor input, Number min = None, Number max = None)");
    }
  }
  return b;
}

Tensor clamp_any(const Tensor& t, py::handle lo, py::handle hi, const char* op) {
  Bounds b = clamp_bounds(lo, hi, op);
  if (b.tensors) return clamp(t, b.min_t, b.max_t);
  return clamp(t, b.min_s, b.max_s);
}

void clamp_any_(Tensor& t, py::handle lo, py::handle hi, const char* op) {
  Bounds b = clamp_bounds(lo, hi, op);
  if (b.tensors) clamp_(t, b.min_t, b.max_t);
  else clamp_(t, b.min_s, b.max_s);
}

// clamp_min(t, min) / clamp_max(t, max): one required bound, a number or a tensor.
template <class TensorFn, class ScalarFn>
auto one_bound(py::handle h, const char* op, const char* arg, TensorFn tf, ScalarFn sf) {
  if (is_tensor(h)) return tf(as_tensor(h));
  Scalar s;
  if (!h.is_none() && to_scalar(h, s)) return sf(s);
  throw py::type_error(std::string(op) + "() received an invalid combination of arguments - got (Tensor, " +
                       type_name(h) + "), but expected one of:\n * (Tensor input, Tensor " + arg +
                       ")\n * (Tensor input, Number " + arg + ")");
}

}  // namespace

void init_unary(py::module_& m) {
  TensorClass cls = tensor_class(m);
  unary(cls, m, "neg", neg, neg_);
  unary(cls, m, "negative", neg, neg_);
  unary(cls, m, "abs", abs, abs_);
  unary(cls, m, "absolute", abs, abs_, false);
  unary(cls, m, "sign", sign, sign_, false);
  unary(cls, m, "square", square, square_);
  unary(cls, m, "relu", relu, relu_);
  unary(cls, m, "floor", floor, floor_);
  unary(cls, m, "ceil", ceil, ceil_);
  unary(cls, m, "trunc", trunc, trunc_);
  unary(cls, m, "fix", trunc, trunc_);
  unary(cls, m, "frac", frac, frac_);
  unary(cls, m, "exp", exp, exp_);
  unary(cls, m, "exp2", exp2, exp2_);
  unary(cls, m, "expm1", expm1, expm1_);
  unary(cls, m, "log", log, log_);
  unary(cls, m, "log1p", log1p, log1p_);
  unary(cls, m, "log2", log2, log2_);
  unary(cls, m, "log10", log10, log10_);
  unary(cls, m, "sqrt", sqrt, sqrt_);
  unary(cls, m, "rsqrt", rsqrt, rsqrt_);
  unary(cls, m, "reciprocal", reciprocal, reciprocal_);
  unary(cls, m, "sin", sin, sin_);
  unary(cls, m, "cos", cos, cos_);
  unary(cls, m, "tan", tan, tan_);
  unary(cls, m, "asin", asin, asin_);
  unary(cls, m, "arcsin", asin, asin_);
  unary(cls, m, "acos", acos, acos_);
  unary(cls, m, "arccos", acos, acos_);
  unary(cls, m, "atan", atan, atan_);
  unary(cls, m, "arctan", atan, atan_);
  unary(cls, m, "sinh", sinh, sinh_);
  unary(cls, m, "cosh", cosh, cosh_);
  unary(cls, m, "tanh", tanh, tanh_);
  unary(cls, m, "asinh", asinh, asinh_);
  unary(cls, m, "arcsinh", asinh, asinh_);
  unary(cls, m, "acosh", acosh, acosh_);
  unary(cls, m, "arccosh", acosh, acosh_);
  unary(cls, m, "atanh", atanh, atanh_);
  unary(cls, m, "arctanh", atanh, atanh_);
  unary(cls, m, "sigmoid", sigmoid, sigmoid_);
  unary(cls, m, "erf", erf, erf_);
  unary(cls, m, "erfc", erfc, erfc_);
  // the gamma family and torch.special's unary functions (fastgrad.special maps its names onto special_*)
  unary(cls, m, "lgamma", lgamma, lgamma_, false);
  unary(cls, m, "digamma", digamma, digamma_, false);
  unary(cls, m, "erfinv", erfinv, erfinv_, false);
  unary(cls, m, "i0", i0, i0_);
  unary(cls, m, "sinc", sinc, sinc_);
  using SpecialFn = Tensor (*)(const Tensor&);
  for (auto [name, f] : {std::pair<const char*, SpecialFn>{"special_i0e", special_i0e},
                         std::pair<const char*, SpecialFn>{"special_i1", special_i1},
                         std::pair<const char*, SpecialFn>{"special_i1e", special_i1e},
                         std::pair<const char*, SpecialFn>{"special_ndtri", special_ndtri},
                         std::pair<const char*, SpecialFn>{"special_log_ndtr", special_log_ndtr},
                         std::pair<const char*, SpecialFn>{"special_erfcx", special_erfcx},
                         std::pair<const char*, SpecialFn>{"special_entr", special_entr}}) {
    m.def(name, [f = f](const Tensor& t) { return f(t); }, py::arg("input"));
  }
  m.def("polygamma", [](int64_t n, const Tensor& t) { return polygamma(n, t); }, py::arg("n"), py::arg("input"));
  cls.def("polygamma", [](const Tensor& t, int64_t n) { return polygamma(n, t); }, py::arg("n"));
  cls.def("polygamma_", [](py::object self, int64_t n) {
    Tensor t = as_tensor(self);
    polygamma_(t, n);
    return self;
  }, py::arg("n"));
  def_both(cls, m, "mvlgamma", [](const Tensor& t, int64_t p) { return mvlgamma(t, p); }, py::arg("p"));
  cls.def("mvlgamma_", [](py::object self, int64_t p) {
    Tensor t = as_tensor(self);
    mvlgamma_(t, p);
    return self;
  }, py::arg("p"));

  // round(input, *, decimals=0): PyTorch records RoundBackward1 whenever decimals is given.
  auto round_fn = [](const Tensor& t, py::object decimals) {
    return decimals.is_none() ? round(t) : round(t, decimals.cast<int64_t>());
  };
  auto round_inplace = [](py::object self, py::object decimals) {
    Tensor t = as_tensor(self);
    if (decimals.is_none()) round_(t);
    else round_(t, decimals.cast<int64_t>());
    return self;
  };
  def_both(cls, m, "round", round_fn, py::kw_only(), py::arg("decimals") = py::none());
  def_both(cls, m, "round_", round_inplace, py::kw_only(), py::arg("decimals") = py::none());

  auto logit_fn = [](const Tensor& t, std::optional<double> eps) { return logit(t, eps); };
  auto logit_inplace = [](py::object self, std::optional<double> eps) {
    Tensor t = as_tensor(self);
    logit_(t, eps);
    return self;
  };
  def_both(cls, m, "logit", logit_fn, py::arg("eps") = py::none());
  def_both(cls, m, "logit_", logit_inplace, py::arg("eps") = py::none());

  auto nan_to_num_fn = [](const Tensor& t, std::optional<double> nan, std::optional<double> posinf,
                          std::optional<double> neginf) { return nan_to_num(t, nan, posinf, neginf); };
  auto nan_to_num_inplace = [](py::object self, std::optional<double> nan, std::optional<double> posinf,
                               std::optional<double> neginf) {
    Tensor t = as_tensor(self);
    nan_to_num_(t, nan, posinf, neginf);
    return self;
  };
  def_both(cls, m, "nan_to_num", nan_to_num_fn, py::arg("nan") = 0.0, py::arg("posinf") = py::none(),
           py::arg("neginf") = py::none());
  def_both(cls, m, "nan_to_num_", nan_to_num_inplace, py::arg("nan") = 0.0, py::arg("posinf") = py::none(),
           py::arg("neginf") = py::none());

  for (const char* name : {"clamp", "clip"}) {
    def_both(cls, m, name, [name](const Tensor& t, py::handle lo, py::handle hi) { return clamp_any(t, lo, hi, name); },
             py::arg("min") = py::none(), py::arg("max") = py::none());
    std::string name_ = std::string(name) + "_";
    def_both(cls, m, name_.c_str(), [name](py::object self, py::handle lo, py::handle hi) {
      Tensor t = as_tensor(self);
      clamp_any_(t, lo, hi, name);
      return self;
    }, py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  def_both(cls, m, "clamp_min", [](const Tensor& t, py::handle lo) {
    return one_bound(lo, "clamp_min", "min", [&](const Tensor& b) { return clamp_min(t, b); },
                     [&](Scalar s) { return clamp_min(t, s); });
  }, py::arg("min"));
  def_both(cls, m, "clamp_max", [](const Tensor& t, py::handle hi) {
    return one_bound(hi, "clamp_max", "max", [&](const Tensor& b) { return clamp_max(t, b); },
                     [&](Scalar s) { return clamp_max(t, s); });
  }, py::arg("max"));
  def_both(cls, m, "clamp_min_", [](py::object self, py::handle lo) {
    Tensor t = as_tensor(self);
    one_bound(lo, "clamp_min_", "min", [&](const Tensor& b) { return &clamp_min_(t, b); },
              [&](Scalar s) { return &clamp_min_(t, s); });
    return self;
  }, py::arg("min"));
  def_both(cls, m, "clamp_max_", [](py::object self, py::handle hi) {
    Tensor t = as_tensor(self);
    one_bound(hi, "clamp_max_", "max", [&](const Tensor& b) { return &clamp_max_(t, b); },
              [&](Scalar s) { return &clamp_max_(t, s); });
    return self;
  }, py::arg("max"));

  // Python's abs(t).
  cls.def("__abs__", [](const Tensor& t) { return abs(t); });
}

}  // namespace fastgrad::python

// Matrix products: methods and function forms (the @ operator is bound with the other operators).
#include "bindings.h"
#include "fastgrad/linalg.h"

namespace fastgrad::python {

namespace {

// einsum(equation, *operands), einsum(equation, [operands]) or the sublist form
// einsum(op0, [0, 1], op1, [1, 2], [0, 2]), whose subscripts become letters here.
py::object einsum_binding(py::args args) {
  if (args.size() == 0 || (args.size() == 1 && PyUnicode_Check(args[0].ptr())))
    throw py::value_error("einsum(): must specify the equation string and at least one operand, or at least one "
                          "operand and its subscripts list");
  tensor_list operands;
  std::string equation;
  if (PyUnicode_Check(args[0].ptr())) {
    equation = args[0].cast<std::string>();
    if (args.size() == 2 && (PyList_Check(args[1].ptr()) || PyTuple_Check(args[1].ptr()))) {
      for (py::handle h : args[1]) operands.push_back(h.cast<Tensor>());
    } else {
      for (size_t i = 1; i < args.size(); ++i) operands.push_back(args[i].cast<Tensor>());
    }
  } else {
    auto letters = [](py::handle sub) {
      std::string s;
      for (py::handle h : sub) {
        if (h.ptr() == Py_Ellipsis) {
          s += "...";
          continue;
        }
        const int64_t v = h.cast<int64_t>();
        if (v < 0 || v >= 52)
          throw py::value_error("einsum(): subscript in subscript list is not within the valid range [0, 52)");
        s += static_cast<char>(v < 26 ? 'A' + v : 'a' + v - 26);
      }
      return s;
    };
    size_t i = 0;
    for (; i + 1 < args.size(); i += 2) {
      operands.push_back(args[i].cast<Tensor>());
      equation += (i ? "," : "") + letters(args[i + 1]);
    }
    if (i < args.size()) equation += "->" + letters(args[i]);
  }
  return wrap(einsum(equation, operands));
}

}  // namespace

void init_linalg(py::module_& m) {
  TensorClass cls = tensor_class(m);
  def_both(cls, m, "matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::arg("other"));
  def_both(cls, m, "mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); }, py::arg("mat2"));
  def_both(cls, m, "bmm", [](const Tensor& a, const Tensor& b) { return bmm(a, b); }, py::arg("mat2"));
  def_both(cls, m, "mv", [](const Tensor& a, const Tensor& b) { return mv(a, b); }, py::arg("vec"));
  def_both(cls, m, "dot", [](const Tensor& a, const Tensor& b) { return dot(a, b); }, py::arg("tensor"));
  def_both(cls, m, "outer", [](const Tensor& a, const Tensor& b) { return outer(a, b); }, py::arg("vec2"));
  def_both(cls, m, "ger", [](const Tensor& a, const Tensor& b) { return outer(a, b); }, py::arg("vec2"));
  def_both(cls, m, "trace", [](const Tensor& a) { return trace(a); });
  def_both(cls, m, "addmm", [](const Tensor& s, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
        return addmm(s, a, b, beta, alpha);
      }, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  def_both(cls, m, "addmv", [](const Tensor& s, const Tensor& a, const Tensor& v, Scalar beta, Scalar alpha) {
        return addmv(s, a, v, beta, alpha);
      }, py::arg("mat"), py::arg("vec"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  def_both(cls, m, "baddbmm", [](const Tensor& s, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
        return baddbmm(s, a, b, beta, alpha);
      }, py::arg("batch1"), py::arg("batch2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  cls.def("addmm_", [](py::handle self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
        Tensor s = as_tensor(self);
        addmm_(s, a, b, beta, alpha);
        return self;
      }, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  cls.def("addmv_", [](py::handle self, const Tensor& a, const Tensor& v, Scalar beta, Scalar alpha) {
        Tensor s = as_tensor(self);
        addmv_(s, a, v, beta, alpha);
        return self;
      }, py::arg("mat"), py::arg("vec"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  cls.def("baddbmm_", [](py::handle self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
        Tensor s = as_tensor(self);
        baddbmm_(s, a, b, beta, alpha);
        return self;
      }, py::arg("batch1"), py::arg("batch2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  m.def("einsum", &einsum_binding);
  m.def("_linalg_qr", [](const Tensor& A, const std::string& mode) {
        auto r = linalg_qr(A, mode);
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("A"), py::arg("mode") = "reduced");
  m.def("_linalg_svd", [](const Tensor& A, bool full_matrices) {
        auto r = linalg_svd(A, full_matrices, true);
        return py::make_tuple(std::get<0>(r), std::get<1>(r), std::get<2>(r));
      }, py::arg("A"), py::arg("full_matrices") = true);
  m.def("_linalg_svdvals", [](const Tensor& A) { return linalg_svdvals(A); }, py::arg("A"));
  m.def("_linalg_lu_factor_ex", [](const Tensor& A, bool pivot, bool check_errors) {
        auto r = linalg_lu_factor_ex(A, pivot, check_errors, check_errors ? "linalg.lu_factor" : "linalg.lu_factor_ex");
        return py::make_tuple(std::get<0>(r), std::get<1>(r), std::get<2>(r));
      }, py::arg("A"), py::arg("pivot") = true, py::arg("check_errors") = false);
  m.def("_linalg_lu_solve", [](const Tensor& LU, const Tensor& pivots, const Tensor& B, bool left, bool adjoint) {
        return linalg_lu_solve(LU, pivots, B, left, adjoint);
      }, py::arg("LU"), py::arg("pivots"), py::arg("B"), py::arg("left") = true, py::arg("adjoint") = false);
  // LAPACK-backed ops: private entry points of fastgrad.linalg (python/fastgrad/linalg.py), which names the
  // results and documents them.
  m.def("_linalg_inv_ex", [](const Tensor& A, bool check_errors) {
        auto r = linalg_inv_ex(A, check_errors, "linalg.inv_ex");
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("A"), py::arg("check_errors") = false);
  m.def("_linalg_inv", [](const Tensor& A) { return linalg_inv(A); }, py::arg("A"));
  m.def("_linalg_cross", [](const Tensor& a, const Tensor& b, int64_t dim) { return linalg_cross(a, b, dim); },
        py::arg("input"), py::arg("other"), py::arg("dim") = -1);
  m.def("_linalg_matrix_exp", [](const Tensor& A) { return linalg_matrix_exp(A); }, py::arg("A"));
  m.def("_linalg_pinv", [](const Tensor& A, std::optional<double> atol, std::optional<double> rtol, bool hermitian) {
        return linalg_pinv(A, atol, rtol, hermitian);
      }, py::arg("A"), py::arg("atol") = py::none(), py::arg("rtol") = py::none(), py::arg("hermitian") = false);
  m.def("_linalg_lstsq", [](const Tensor& A, const Tensor& B, std::optional<double> rcond, const std::string& driver) {
        auto r = linalg_lstsq(A, B, rcond, driver);
        return py::make_tuple(std::get<0>(r), std::get<1>(r), std::get<2>(r), std::get<3>(r));
      }, py::arg("A"), py::arg("B"), py::arg("rcond") = py::none(), py::arg("driver") = "gelsy");
  m.def("_linalg_det", [](const Tensor& A) { return linalg_det(A); }, py::arg("A"));
  m.def("_linalg_slogdet", [](const Tensor& A) {
        auto r = linalg_slogdet(A);
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("A"));
  m.def("_logdet", [](const Tensor& A) { return logdet(A); }, py::arg("input"));
  m.def("_linalg_solve_ex", [](const Tensor& A, const Tensor& B, bool left, bool check_errors) {
        auto r = linalg_solve_ex(A, B, left, check_errors, "linalg.solve_ex");
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("A"), py::arg("B"), py::arg("left") = true, py::arg("check_errors") = false);
  m.def("_linalg_solve", [](const Tensor& A, const Tensor& B, bool left) { return linalg_solve(A, B, left); },
        py::arg("A"), py::arg("B"), py::arg("left") = true);
  m.def("_linalg_cholesky_ex", [](const Tensor& A, bool upper, bool check_errors) {
        auto r = linalg_cholesky_ex(A, upper, check_errors, "linalg.cholesky_ex");
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("A"), py::arg("upper") = false, py::arg("check_errors") = false);
  m.def("_linalg_cholesky", [](const Tensor& A, bool upper) { return linalg_cholesky(A, upper); }, py::arg("A"),
        py::arg("upper") = false);
  m.def("_cholesky", [](const Tensor& A, bool upper) { return cholesky(A, upper); }, py::arg("input"),
        py::arg("upper") = false);
  m.def("_linalg_solve_triangular", [](const Tensor& A, const Tensor& B, bool upper, bool left, bool unit) {
        return linalg_solve_triangular(A, B, upper, left, unit);
      }, py::arg("A"), py::arg("B"), py::arg("upper"), py::arg("left") = true, py::arg("unitriangular") = false);
  m.def("_triangular_solve", [](const Tensor& b, const Tensor& A, bool upper, bool transpose, bool unit) {
        auto r = triangular_solve(b, A, upper, transpose, unit);
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("input"), py::arg("A"), py::arg("upper") = true, py::arg("transpose") = false,
      py::arg("unitriangular") = false);
  m.def("_cholesky_solve", [](const Tensor& B, const Tensor& L, bool upper) { return cholesky_solve(B, L, upper); },
        py::arg("input"), py::arg("input2"), py::arg("upper") = false);
  m.def("_linalg_eigh", [](const Tensor& A, const std::string& uplo) {
        auto r = linalg_eigh(A, uplo);
        return py::make_tuple(std::get<0>(r), std::get<1>(r));
      }, py::arg("A"), py::arg("UPLO") = "L");
  m.def("_linalg_eigvalsh", [](const Tensor& A, const std::string& uplo) { return linalg_eigvalsh(A, uplo); },
        py::arg("A"), py::arg("UPLO") = "L");
}

}  // namespace fastgrad::python

// Ordering, distinct elements and counting: sort, argsort, msort, topk, kthvalue, unique,
// unique_consecutive, bincount, histc, histogram (methods and function forms), with PyTorch-style docstrings.
#include "bindings.h"

namespace fastgrad::python {

namespace {

// fastgrad.return_types.<name>(items); `cache` keeps the Python class once looked up (a module-lifetime object,
// never freed: see the note on module-lifetime objects in module.cpp).
py::object named_tuple(PyObject*& cache, const char* name, py::tuple items) {
  if (!cache) cache = py::module_::import("fastgrad.return_types").attr(name).cast<py::object>().release().ptr();
  return py::reinterpret_borrow<py::object>(cache)(items);
}

template <class Pair>
py::object named_pair(PyObject*& cache, const char* name, const Pair& r) {
  return named_tuple(cache, name, py::make_tuple(std::get<0>(r), std::get<1>(r)));
}

py::object sort_result(const std::tuple<Tensor, Tensor>& r) {
  static PyObject* type = nullptr;
  return named_pair(type, "sort", r);
}

// dim=None | int, for the unique family (a bool is refused, as PyTorch's parser does).
std::optional<int64_t> opt_dim(py::handle h, const char* op) {
  if (h.is_none()) return std::nullopt;
  return int_arg(h, op, "dim");
}

// unique's result: the values alone, or a tuple with the inverse and/or the counts asked for.
py::object unique_result(const std::tuple<Tensor, Tensor, Tensor>& r, bool inverse, bool counts) {
  if (!inverse && !counts) return wrap(std::get<0>(r));
  if (inverse && counts) return py::make_tuple(std::get<0>(r), std::get<1>(r), std::get<2>(r));
  return py::make_tuple(std::get<0>(r), inverse ? std::get<1>(r) : std::get<2>(r));
}

// sort's `stable` is `bool?` in PyTorch (None is False); argsort's is a plain bool.
bool stable_arg(py::handle h, const char* op, bool none_ok) {
  if (h.ptr() == Py_True || h.ptr() == Py_False) return h.ptr() == Py_True;
  if (none_ok && h.is_none()) return false;
  throw py::type_error(std::string(op) + "(): argument 'stable' must be bool, not " + py_type_name(h));
}

// sort's and argsort's arguments, read as PyTorch's parser reads their two forms, (input, dim=-1,
// descending=False) and (input, *, stable, dim=-1, descending=False): with `stable` given, dim and descending
// are keywords only. `self` is the tensor of the method form (null for the function, whose input comes first).
struct SortArgs {
  Tensor input;
  int64_t dim = -1;
  bool descending = false;
  std::optional<bool> stable;
};
SortArgs sort_args(const char* op, py::handle self, const py::args& args, const py::kwargs& kwargs) {
  const std::string name(op);
  const char* forms = self ? "\n * (*, bool stable, int dim = -1, bool descending = False)\n * (int dim = -1, bool "
                             "descending = False)"
                           : "\n * (Tensor input, *, bool stable, int dim = -1, bool descending = False)\n * (Tensor "
                             "input, int dim = -1, bool descending = False)";
  std::vector<py::handle> positional(args.begin(), args.end());
  py::handle input = self, slot[2], stable;  // slot: dim, descending
  size_t first = 0;
  if (!self && !positional.empty()) input = positional[first++];
  const size_t given = positional.size() - first;
  if (given > 2)
    throw py::type_error(name + "() takes from " + (self ? "0 to 2" : "1 to 3") + " positional arguments but " +
                         std::to_string(positional.size()) + " were given");
  for (size_t i = 0; i < given; ++i) slot[i] = positional[first + i];
  const char* names[2] = {"dim", "descending"};
  for (auto [k, v] : kwargs) {
    const std::string key = py::str(k);
    py::handle* target = key == "dim" ? &slot[0] : key == "descending" ? &slot[1] : key == "stable" ? &stable
                       : (key == "input" && !self) ? &input : nullptr;
    if (!target) throw py::type_error(name + "() got an unexpected keyword argument '" + key + "'");
    if (*target) throw py::type_error(name + "() got multiple values for argument '" + key + "'");
    *target = v;
  }
  if (!input || !is_tensor(input))
    throw py::type_error(name + "(): argument 'input' (position 1) must be Tensor, not " +
                         (input ? py_type_name(input) : std::string("nothing")));
  if (stable && given > 0)
    throw py::type_error(name + "() received an invalid combination of arguments - got " + std::to_string(given) +
                         " positional argument(s) after the input and stable=, but expected one of:" + forms);
  SortArgs a;
  a.input = as_tensor(input);
  if (slot[0]) a.dim = int_arg(slot[0], op, names[0]);
  if (slot[1]) {
    if (slot[1].ptr() != Py_True && slot[1].ptr() != Py_False)
      throw py::type_error(name + "(): argument 'descending' must be bool, not " + py_type_name(slot[1]));
    a.descending = slot[1].ptr() == Py_True;
  }
  if (stable) a.stable = stable_arg(stable, op, name == "sort");
  return a;
}

const char* kSortDoc = R"doc(sort(input, dim=-1, descending=False, stable=False) -> (Tensor, LongTensor)

Sorts the elements of ``input`` along ``dim`` in ascending order, or descending order when ``descending``
is True, and returns a named tuple ``(values, indices)``: the sorted elements, and the positions along
``dim`` they came from in ``input``.

NaN sorts as larger than every number. The sort is stable: equal elements keep their original order (in
both directions), whatever ``stable`` says.

Args:
    input (Tensor): the input tensor.
    dim (int, optional): the dimension to sort along. Default: -1.
    descending (bool, optional): sort in descending order. Default: False.
    stable (bool, optional): keep the order of equal elements. Default: False (fastgrad's sort is always
        stable).

Example::

    >>> x = fastgrad.tensor([3., 1., 2.])
    >>> fastgrad.sort(x)
    fastgrad.return_types.sort(
    values=tensor([1., 2., 3.]),
    indices=tensor([1, 2, 0]))
)doc";

const char* kArgsortDoc = R"doc(argsort(input, dim=-1, descending=False, *, stable=False) -> LongTensor

Returns the indices that sort ``input`` along ``dim``: ``sort(input, dim, descending)[1]``.

Args:
    input (Tensor): the input tensor.
    dim (int, optional): the dimension to sort along. Default: -1.
    descending (bool, optional): sort in descending order. Default: False.

Keyword args:
    stable (bool, optional): keep the order of equal elements. Default: False (the sort is always stable).

Example::

    >>> fastgrad.argsort(fastgrad.tensor([3., 1., 2.]))
    tensor([1, 2, 0])
)doc";

const char* kMsortDoc = R"doc(msort(input) -> Tensor

Sorts the elements of ``input`` along its first dimension in ascending order; the same as
``fastgrad.sort(input, dim=0).values``.

Args:
    input (Tensor): the input tensor.
)doc";

const char* kTopkDoc = R"doc(topk(input, k, dim=-1, largest=True, sorted=True) -> (Tensor, LongTensor)

Returns the ``k`` largest elements of ``input`` along ``dim`` (the ``k`` smallest when ``largest`` is
False) as a named tuple ``(values, indices)``, where ``indices`` are the positions of the elements along
``dim`` in ``input``.

The elements always come in order (largest first, or smallest first); NaN counts as larger than every
number, and equal elements are taken in their order along ``dim``.

Args:
    input (Tensor): the input tensor.
    k (int): how many elements to return; 0 <= k <= input.size(dim).
    dim (int, optional): the dimension to select along. Default: -1.
    largest (bool, optional): the largest (True) or the smallest (False) elements. Default: True.
    sorted (bool, optional): return the elements in order. Default: True.

Example::

    >>> fastgrad.topk(fastgrad.tensor([1., 5., 3., 4.]), 2)
    fastgrad.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
)doc";

const char* kKthvalueDoc = R"doc(kthvalue(input, k, dim=-1, keepdim=False) -> (Tensor, LongTensor)

Returns the ``k``-th smallest element (counting from 1) of ``input`` along ``dim`` as a named tuple
``(values, indices)``, where ``indices`` is its position along ``dim``.

When ``keepdim`` is True the outputs keep ``dim`` with size 1; otherwise ``dim`` is squeezed out.

Args:
    input (Tensor): the input tensor.
    k (int): which smallest element; 1 <= k <= input.size(dim).
    dim (int, optional): the dimension to select along. Default: -1.
    keepdim (bool, optional): keep ``dim`` in the outputs. Default: False.

Example::

    >>> fastgrad.kthvalue(fastgrad.tensor([3., 1., 2.]), 2)
    fastgrad.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
)doc";

const char* kUniqueDoc = R"doc(unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None) -> Tensor or tuple

Returns the distinct elements of ``input`` (flattened), in ascending order; with ``dim``, the distinct
slices along ``dim``.

Args:
    input (Tensor): the input tensor.
    sorted (bool): return the distinct elements in ascending order (they always are).
    return_inverse (bool): also return, for each element of ``input`` (each slice along ``dim``), the index
        of its value in the output.
    return_counts (bool): also return how many times each distinct element occurs.
    dim (int, optional): the dimension whose slices are compared; None compares elements.

Returns:
    (Tensor, Tensor (optional), Tensor (optional)): the distinct elements, then the inverse indices and the
    counts when asked for (int64 tensors). A single tensor when neither is asked for.

Example::

    >>> fastgrad.unique(fastgrad.tensor([2, 1, 2, 3]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 2, 1]))
)doc";

const char* kUniqueConsecutiveDoc = R"doc(unique_consecutive(input, return_inverse=False, return_counts=False, dim=None) -> Tensor or tuple

Removes every element that equals the one before it (keeps the first of each run of equal consecutive
elements) in ``input`` (flattened), or every slice along ``dim`` that equals the slice before it.

Args:
    input (Tensor): the input tensor.
    return_inverse (bool): also return, for each element (slice), the index of its run in the output.
    return_counts (bool): also return the length of each run.
    dim (int, optional): the dimension whose slices are compared; None compares elements.

Returns:
    (Tensor, Tensor (optional), Tensor (optional)): the output, then the inverse indices and the counts when
    asked for (int64 tensors). A single tensor when neither is asked for.

Example::

    >>> fastgrad.unique_consecutive(fastgrad.tensor([1, 1, 2, 2, 3, 1, 1]))
    tensor([1, 2, 3, 1])
)doc";

const char* kBincountDoc = R"doc(bincount(input, weights=None, minlength=0) -> Tensor

Counts how many times each value occurs in ``input``, a 1-D tensor of non-negative integers: the result
has ``max(input.max() + 1, minlength)`` entries, entry ``i`` counting the elements equal to ``i``. With
``weights`` (a 1-D tensor of the same length), entry ``i`` is instead the sum of the weights of those
elements.

Args:
    input (Tensor): 1-D tensor of non-negative integers (int32 or int64).
    weights (Tensor, optional): a weight per element of ``input``.
    minlength (int): the least number of entries of the result.

Returns:
    Tensor: int64 counts; with weights, float32 sums for float32 weights and float64 sums otherwise.

Example::

    >>> fastgrad.bincount(fastgrad.tensor([0, 2, 2, 5]))
    tensor([1, 0, 2, 0, 0, 1])
)doc";

const char* kHistcDoc = R"doc(histc(input, bins=100, min=0, max=0) -> Tensor

Computes the histogram of ``input``: the number of elements in each of ``bins`` equal-width bins between
``min`` and ``max``. When ``min`` and ``max`` are equal, the smallest and largest elements of ``input``
are used instead. Elements outside ``[min, max]`` are not counted.

Args:
    input (Tensor): the input tensor (floating point).
    bins (int): the number of bins.
    min (Scalar): the lower end of the range (inclusive).
    max (Scalar): the upper end of the range (inclusive).

Returns:
    Tensor: the counts, with the dtype of ``input``.

Example::

    >>> fastgrad.histc(fastgrad.tensor([1., 2, 1]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
)doc";

const char* kHistogramDoc = R"doc(histogram(input, bins, *, range=None, weight=None, density=False) -> (Tensor, Tensor)

Computes a histogram of the values of ``input`` and returns a named tuple ``(hist, bin_edges)``.

If ``bins`` is an int, it is the number of equal-width bins over ``range`` (a pair of floats), or over the
smallest and largest elements of ``input`` when ``range`` is None. If ``bins`` is a 1-D tensor, it gives the
bin edges, increasing. An element ``x`` falls into bin ``i`` when ``bin_edges[i] <= x < bin_edges[i + 1]``;
the last bin also takes its right edge.

Args:
    input (Tensor): the input tensor (floating point).
    bins (int or 1-D Tensor): the number of bins, or the bin edges.

Keyword args:
    range (tuple of float): the lower and upper ends of the bins.
    weight (Tensor): a weight per element of ``input`` (same shape); each element adds its weight to its bin
        instead of 1.
    density (bool): divide the counts by their total and by the bin widths, so that the histogram integrates
        to 1.

Returns:
    hist (Tensor): the counts (or weight sums, or densities).
    bin_edges (Tensor): the bins' edges, ``len(hist) + 1`` of them.

Example::

    >>> fastgrad.histogram(fastgrad.tensor([1., 2, 1]), bins=4, range=(0., 3.))
    fastgrad.return_types.histogram(
    hist=tensor([0., 2., 1., 0.]),
    bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
)doc";

// An optional tensor argument (None or a Tensor).
Tensor opt_tensor(py::handle h, const char* op, const char* name) {
  if (h.is_none()) return Tensor();
  if (!is_tensor(h))
    throw py::type_error(std::string(op) + "(): argument '" + name + "' must be Tensor, not " + py_type_name(h));
  return as_tensor(h);
}

// histogram's range: None or a sequence of two numbers.
std::optional<std::pair<double, double>> range_arg(py::handle h) {
  if (h.is_none()) return std::nullopt;
  if (!PyList_Check(h.ptr()) && !PyTuple_Check(h.ptr()))
    throw py::type_error("histogram(): argument 'range' must be tuple of floats, not " + py_type_name(h));
  py::sequence seq = py::reinterpret_borrow<py::sequence>(h);
  std::vector<double> v;
  for (py::handle item : seq) {
    double x;
    if (!load_real(item, x))
      throw py::type_error("histogram(): argument 'range' must be tuple of floats, but found element of type " +
                           py_type_name(item));
    v.push_back(x);
  }
  FG_CHECK(v.size() == 2, Error, "torch.histogramdd: for a 1-dimensional histogram range should have 2 elements, but got ",
           v.size());
  return std::make_pair(v[0], v[1]);
}

}  // namespace

void init_sorting(py::module_& m) {
  TensorClass cls = tensor_class(m);

  // (py::args, so that the binding can tell a dim given by position from one given by keyword: sort_args)
  cls.def("sort", [](py::handle self, py::args args, py::kwargs kwargs) {
        SortArgs a = sort_args("sort", self, args, kwargs);
        return sort_result(sort(a.input, a.dim, a.descending, a.stable));
      }, "sort(dim=-1, descending=False, *, stable=False) -> (Tensor, LongTensor)\n\nSee :func:`fastgrad.sort`");
  m.def("sort", [](py::args args, py::kwargs kwargs) {
        SortArgs a = sort_args("sort", py::handle(), args, kwargs);
        return sort_result(sort(a.input, a.dim, a.descending, a.stable));
      }, kSortDoc);
  cls.def("argsort", [](py::handle self, py::args args, py::kwargs kwargs) {
        SortArgs a = sort_args("argsort", self, args, kwargs);
        return argsort(a.input, a.dim, a.descending, a.stable.value_or(false));
      }, "argsort(dim=-1, descending=False, *, stable=False) -> LongTensor\n\nSee :func:`fastgrad.argsort`");
  m.def("argsort", [](py::args args, py::kwargs kwargs) {
        SortArgs a = sort_args("argsort", py::handle(), args, kwargs);
        return argsort(a.input, a.dim, a.descending, a.stable.value_or(false));
      }, kArgsortDoc);

  cls.def("msort", [](const Tensor& t) { return msort(t); }, "See :func:`fastgrad.msort`");
  m.def("msort", [](const Tensor& t) { return msort(t); }, kMsortDoc, py::arg("input"));

  auto topk_fn = [](const Tensor& t, int64_t k, int64_t dim, Flag largest, Flag sorted) {
    static PyObject* type = nullptr;
    return named_pair(type, "topk", topk(t, k, dim, largest, sorted));
  };
  cls.def("topk", topk_fn, "See :func:`fastgrad.topk`", py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true,
          py::arg("sorted") = true);
  m.def("topk", topk_fn, kTopkDoc, py::arg("input"), py::arg("k"), py::arg("dim") = -1, py::arg("largest") = true,
        py::arg("sorted") = true);

  auto kthvalue_fn = [](const Tensor& t, int64_t k, int64_t dim, Flag keepdim) {
    static PyObject* type = nullptr;
    return named_pair(type, "kthvalue", kthvalue(t, k, dim, keepdim));
  };
  cls.def("kthvalue", kthvalue_fn, "See :func:`fastgrad.kthvalue`", py::arg("k"), py::arg("dim") = -1,
          py::arg("keepdim") = false);
  m.def("kthvalue", kthvalue_fn, kKthvalueDoc, py::arg("input"), py::arg("k"), py::arg("dim") = -1,
        py::arg("keepdim") = false);

  auto unique_fn = [](const Tensor& t, Flag sorted, Flag inverse, Flag counts, py::handle dim) {
    return unique_result(unique(t, sorted, inverse, counts, opt_dim(dim, "unique")), inverse, counts);
  };
  cls.def("unique", unique_fn, "See :func:`fastgrad.unique`", py::arg("sorted") = true,
          py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());
  m.def("unique", unique_fn, kUniqueDoc, py::arg("input"), py::arg("sorted") = true, py::arg("return_inverse") = false,
        py::arg("return_counts") = false, py::arg("dim") = py::none());

  auto unique_consecutive_fn = [](const Tensor& t, Flag inverse, Flag counts, py::handle dim) {
    return unique_result(unique_consecutive(t, inverse, counts, opt_dim(dim, "unique_consecutive")), inverse, counts);
  };
  cls.def("unique_consecutive", unique_consecutive_fn, "See :func:`fastgrad.unique_consecutive`",
          py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());
  m.def("unique_consecutive", unique_consecutive_fn, kUniqueConsecutiveDoc, py::arg("input"),
        py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());

  auto bincount_fn = [](const Tensor& t, py::handle weights, int64_t minlength) {
    return bincount(t, opt_tensor(weights, "bincount", "weights"), minlength);
  };
  cls.def("bincount", bincount_fn, "See :func:`fastgrad.bincount`", py::arg("weights") = py::none(),
          py::arg("minlength") = 0);
  m.def("bincount", bincount_fn, kBincountDoc, py::arg("input"), py::arg("weights") = py::none(),
        py::arg("minlength") = 0);

  auto histc_fn = [](const Tensor& t, int64_t bins, Real min, Real max) { return histc(t, bins, min, max); };
  cls.def("histc", histc_fn, "See :func:`fastgrad.histc`", py::arg("bins") = 100, py::arg("min") = 0,
          py::arg("max") = 0);
  m.def("histc", histc_fn, kHistcDoc, py::arg("input"), py::arg("bins") = 100, py::arg("min") = 0, py::arg("max") = 0);

  // bins: an int (the count) or a Tensor (the edges; no range then)
  auto histogram_fn = [](const Tensor& t, py::handle bins, py::handle range, py::handle weight, Flag density) {
    static PyObject* type = nullptr;
    Tensor w = opt_tensor(weight, "histogram", "weight");
    if (is_tensor(bins)) {
      if (!range.is_none())
        throw py::type_error("histogram() received an invalid combination of arguments: the form (Tensor input, "
                             "Tensor bins) takes no range");
      return named_pair(type, "histogram", histogram(t, as_tensor(bins), w, density));
    }
    int64_t n;
    if (!load_int(bins, false, n))
      throw py::type_error("histogram() received an invalid combination of arguments - got bins of type " +
                           py_type_name(bins) + ", but expected one of:\n * (Tensor input, Tensor bins, *, Tensor "
                           "weight = None, bool density = False)\n * (Tensor input, int bins = 100, *, tuple of floats "
                           "range = None, Tensor weight = None, bool density = False)");
    return named_pair(type, "histogram", histogram(t, n, range_arg(range), w, density));
  };
  cls.def("histogram", histogram_fn, "See :func:`fastgrad.histogram`", py::arg("bins") = 100, py::kw_only(),
          py::arg("range") = py::none(), py::arg("weight") = py::none(), py::arg("density") = false);
  m.def("histogram", histogram_fn, kHistogramDoc, py::arg("input"), py::arg("bins") = 100, py::kw_only(),
        py::arg("range") = py::none(), py::arg("weight") = py::none(), py::arg("density") = false);
}

}  // namespace fastgrad::python

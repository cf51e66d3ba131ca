// nn.functional ops. The Python layer (python/fastgrad/nn/functional.py) adds PyTorch's full signatures
// (inplace=, legacy size_average/reduce, warnings); the names here without a leading underscore are also
// PyTorch's top-level functions (torch.softmax, torch.dropout, torch.selu, ...).
#include "bindings.h"

namespace fastgrad::python {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t.value_or(Tensor()); }
}  // namespace

// In-place ops take `self` as a Python object and return it, so the caller gets the same object back.

void init_nn(py::module_& m) {
  TensorClass cls = tensor_class(m);

  // ---- activations ----
  m.def("_relu6", [](const Tensor& t) { return relu6(t); });
  m.def("_hardtanh", [](const Tensor& t, Scalar lo, Scalar hi) { return hardtanh(t, lo, hi); });
  m.def("_hardtanh_", [](py::object self, Scalar lo, Scalar hi) {
    Tensor t = as_tensor(self);
    hardtanh_(t, lo, hi);
    return self;
  });
  m.def("_hardsigmoid", [](const Tensor& t) { return hardsigmoid(t); });
  m.def("_hardsigmoid_", [](py::object self) {
    Tensor t = as_tensor(self);
    hardsigmoid_(t);
    return self;
  });
  m.def("_hardswish", [](const Tensor& t) { return hardswish(t); });
  m.def("_hardswish_", [](py::object self) {
    Tensor t = as_tensor(self);
    hardswish_(t);
    return self;
  });
  m.def("_leaky_relu", [](const Tensor& t, Real slope) { return leaky_relu(t, slope); });
  m.def("_leaky_relu_", [](py::object self, Real slope) {
    Tensor t = as_tensor(self);
    leaky_relu_(t, slope);
    return self;
  });
  m.def("_elu", [](const Tensor& t, Real alpha) { return elu(t, alpha); });
  m.def("_elu_", [](py::object self, Real alpha) {
    Tensor t = as_tensor(self);
    elu_(t, alpha);
    return self;
  });
  m.def("_celu", [](const Tensor& t, Real alpha) { return celu(t, alpha); });
  m.def("_celu_", [](py::object self, Real alpha) {
    Tensor t = as_tensor(self);
    celu_(t, alpha);
    return self;
  });
  m.def("selu", [](const Tensor& t) { return selu(t); }, py::arg("input"));
  m.def("selu_", [](py::object self) {
    Tensor t = as_tensor(self);
    selu_(t);
    return self;
  }, py::arg("input"));
  m.def("_gelu", [](const Tensor& t, const std::string& approximate) { return gelu(t, approximate); });
  m.def("_silu", [](const Tensor& t) { return silu(t); });
  m.def("_silu_", [](py::object self) {
    Tensor t = as_tensor(self);
    silu_(t);
    return self;
  });
  m.def("_mish", [](const Tensor& t) { return mish(t); });
  m.def("_mish_", [](py::object self) {
    Tensor t = as_tensor(self);
    mish_(t);
    return self;
  });
  m.def("_softplus", [](const Tensor& t, Real beta, Real threshold) { return softplus(t, beta, threshold); });

  // softmax(input, dim, dtype=None), as torch.softmax and Tensor.softmax.
  def_both(cls, m, "softmax", [](const Tensor& t, int64_t dim, py::object dtype) {
    return softmax(t, dim, opt_dtype(dtype));
  }, py::arg("dim"), py::arg("dtype") = py::none());
  def_both(cls, m, "log_softmax", [](const Tensor& t, int64_t dim, py::object dtype) {
    return log_softmax(t, dim, opt_dtype(dtype));
  }, py::arg("dim"), py::arg("dtype") = py::none());

  // ---- linear, dropout, one_hot ----
  m.def("_linear", [](const Tensor& input, const Tensor& weight, std::optional<Tensor> bias) {
    return linear(input, weight, opt(bias));
  });
  m.def("dropout", [](const Tensor& t, double p, Flag train) { return dropout(t, p, train); }, py::arg("input"),
        py::arg("p"), py::arg("train"));
  m.def("dropout_", [](py::object self, double p, Flag train) {
    Tensor t = as_tensor(self);
    dropout_(t, p, train);
    return self;
  }, py::arg("input"), py::arg("p"), py::arg("train"));
  m.def("_scaled_dot_product_attention", [](const Tensor& q, const Tensor& k, const Tensor& v,
                                            std::optional<Tensor> attn_mask, bool is_causal,
                                            std::optional<double> scale) {
    return scaled_dot_product_attention(q, k, v, opt(attn_mask), is_causal, scale);
  });
  // ---- recurrent layers and cells (the modules, with PyTorch's argument checks, are in nn/modules/rnn.py) ----
  m.def("_rnn", [](const Tensor& input, std::optional<std::vector<int64_t>> batch_sizes, const Tensor& hx,
                   std::optional<Tensor> cx, const tensor_list& params, const std::string& mode, bool has_biases,
                   int64_t num_layers, double dropout, bool train, bool bidirectional, bool batch_first) {
    return rnn(input, hx, opt(cx), params, rnn_mode_from_string(mode), has_biases, num_layers, dropout, train,
               bidirectional, batch_first, batch_sizes.value_or(std::vector<int64_t>{}));
  });
  m.def("_lstm_cell", [](const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih,
                         const Tensor& w_hh, std::optional<Tensor> b_ih, std::optional<Tensor> b_hh) {
    return lstm_cell(input, hx, cx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  });
  m.def("_gru_cell", [](const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                        std::optional<Tensor> b_ih, std::optional<Tensor> b_hh) {
    return gru_cell(input, hx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  });
  m.def("_rnn_tanh_cell", [](const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                             std::optional<Tensor> b_ih, std::optional<Tensor> b_hh) {
    return rnn_tanh_cell(input, hx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  });
  m.def("_rnn_relu_cell", [](const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                             std::optional<Tensor> b_ih, std::optional<Tensor> b_hh) {
    return rnn_relu_cell(input, hx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  });
  m.def("_one_hot", [](const Tensor& t, int64_t num_classes) { return one_hot(t, num_classes); });

  // ---- losses (reduction as a string: "none", "mean" or "sum") ----
  m.def("_mse_loss", [](const Tensor& input, const Tensor& target, const std::string& reduction) {
    return mse_loss(input, target, reduction_from_string(reduction));
  });
  m.def("_smooth_l1_loss", [](const Tensor& input, const Tensor& target, const std::string& reduction, double beta) {
    return smooth_l1_loss(input, target, reduction_from_string(reduction), beta);
  });
  m.def("_huber_loss", [](const Tensor& input, const Tensor& target, const std::string& reduction, double delta) {
    return huber_loss(input, target, reduction_from_string(reduction), delta);
  });
  m.def("_binary_cross_entropy", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                                    const std::string& reduction) {
    return binary_cross_entropy(input, target, opt(weight), reduction_from_string(reduction));
  });
  m.def("_binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                                                std::optional<Tensor> pos_weight, const std::string& reduction) {
    return binary_cross_entropy_with_logits(input, target, opt(weight), opt(pos_weight),
                                            reduction_from_string(reduction));
  });
  m.def("_nll_loss", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                        const std::string& reduction, int64_t ignore_index) {
    return nll_loss(input, target, opt(weight), reduction_from_string(reduction), ignore_index);
  });
  m.def("_cross_entropy", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                             const std::string& reduction, int64_t ignore_index, double label_smoothing) {
    return cross_entropy(input, target, opt(weight), reduction_from_string(reduction), ignore_index, label_smoothing);
  });
  m.def("_embedding", [](const Tensor& weight, const Tensor& indices, int64_t padding_idx, Flag scale_grad_by_freq) {
    return embedding(weight, indices, padding_idx, scale_grad_by_freq);
  }, py::arg("weight"), py::arg("indices"), py::arg("padding_idx") = -1, py::arg("scale_grad_by_freq") = false);
  m.def("_layer_norm", [](const Tensor& input, py::handle normalized_shape, std::optional<Tensor> weight,
                         std::optional<Tensor> bias, double eps) {
    return layer_norm(input, dims_from(normalized_shape, "layer_norm", "normalized_shape", 2, false), opt(weight), opt(bias), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
  m.def("_batch_norm", [](const Tensor& input, std::optional<Tensor> running_mean, std::optional<Tensor> running_var,
                         std::optional<Tensor> weight, std::optional<Tensor> bias, Flag training, double momentum,
                         double eps) {
    return batch_norm(input, opt(running_mean), opt(running_var), opt(weight), opt(bias), training, momentum, eps);
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  m.def("_rms_norm", [](const Tensor& input, py::handle normalized_shape, std::optional<Tensor> weight, double eps) {
    return rms_norm(input, dims_from(normalized_shape, "rms_norm", "normalized_shape", 2, false), opt(weight), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("eps"));
  m.def("_group_norm", [](const Tensor& input, int64_t num_groups, std::optional<Tensor> weight,
                         std::optional<Tensor> bias, double eps) {
    return group_norm(input, num_groups, opt(weight), opt(bias), eps);
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
}

}  // namespace fastgrad::python

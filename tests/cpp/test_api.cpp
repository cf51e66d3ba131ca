// The libtorch-like C++ API: methods, operators, tensor({...}), item/data checks, undefined tensors, printing
// (expected strings are PyTorch 2.13's repr of the same tensors), nn and optim against hand-computed values.
#include <fastgrad/fastgrad.h>

#include <cmath>
#include <sstream>
#include <string>

#include "check.h"

using namespace fastgrad;
using namespace fastgrad::indexing;

namespace {
std::string str(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

// ---- tensor({...}) ----

TEST(tensor_infers_shape_and_dtype_as_pytorch) {
  Tensor a = tensor({1.0, 2.5});
  CHECK(a.sizes() == Dims({2}));
  CHECK(a.dtype() == ScalarType::Float32);
  CHECK(a.data<float>()[1] == 2.5f);
  Tensor b = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(b.sizes() == Dims({2, 3}));
  CHECK(b.dtype() == ScalarType::Int64);
  CHECK(b.data<int64_t>()[5] == 6);
  CHECK(tensor({true, false}).dtype() == ScalarType::Bool);
  CHECK(tensor({true, 2}).dtype() == ScalarType::Int64);    // bool and int: int64
  CHECK(tensor({1, 2.5}).dtype() == ScalarType::Float32);   // any float: the default float dtype
  CHECK(tensor({{1}, {2.5}}).sizes() == Dims({2, 1}));
  CHECK(tensor(3.5).dim() == 0);
  CHECK(tensor(3.5).item<double>() == 3.5);
  CHECK(tensor({5}).sizes() == Dims({1}));
  Tensor e = tensor({});
  CHECK(e.sizes() == Dims({0}));
  CHECK(e.dtype() == ScalarType::Float32);
  CHECK(tensor({{}, {}}).sizes() == Dims({2, 0}));
  CHECK(tensor({1, 2}, ScalarType::Float64).dtype() == ScalarType::Float64);
  CHECK(tensor(std::vector<double>{1, 2, 3}).sizes() == Dims({3}));
}

TEST(tensor_refuses_ragged_lists) {
  CHECK_THROWS(tensor({{1, 2}, {3}}), ValueError);
  CHECK(error_of([] { tensor({{1, 2}, {3}}); }) == "expected sequence of length 2 at dim 1 (got 1)");
  CHECK_THROWS(tensor({{1, 2}, 3}), TypeError);  // PyTorch: TypeError "not a sequence"
  CHECK_THROWS(tensor({1, {2}}), TypeError);
  CHECK_THROWS(tensor({300}, ScalarType::Int8), Error);  // checked conversion, as torch.tensor(..., dtype=)
}

// ---- item<T>() and data<T>() ----

TEST(item_converts_and_checks) {
  CHECK(tensor(2.75).item<double>() == 2.75);
  CHECK(tensor(2.75).item<int>() == 2);  // truncates, as libtorch's item<int>()
  CHECK(tensor(7).item<int64_t>() == 7);
  CHECK(tensor(true).item<bool>());
  CHECK_THROWS(tensor({1, 2}).item<double>(), Error);
  CHECK_THROWS(tensor(1e300, ScalarType::Float64).item<float>(), Error);  // does not fit float
  CHECK_THROWS(tensor(3e9).item<int32_t>(), Error);
}

TEST(data_is_checked_against_the_dtype) {
  Tensor f = ones({3});
  CHECK(f.data<float>()[2] == 1.0f);
  CHECK_THROWS(f.data<double>(), TypeError);
  CHECK_THROWS(f.data<int32_t>(), TypeError);  // same size, other type: still refused
  CHECK(contains(error_of([&] { f.data<double>(); }), "expected scalar type Double but found Float"));
  CHECK_THROWS(ones({2}, ScalarType::Bool).data<uint8_t>(), TypeError);
  CHECK_THROWS(ones({2}, ScalarType::Int64).data<double>(), TypeError);
  CHECK(f.data<void>() == f.data_ptr());  // raw access stays possible
  zeros({0}, ScalarType::Int64).data<double>();  // no elements: nothing to misread, no error
}

// ---- undefined tensors: an error, never a crash ----

TEST(undefined_tensors_raise) {
  Tensor u;
  const Tensor d = ones({2});
  CHECK(!u.defined());
  CHECK_THROWS(u.sizes(), Error);
  CHECK_THROWS(u.dim(), Error);
  CHECK_THROWS(u.numel(), Error);
  CHECK_THROWS(u.dtype(), Error);
  CHECK_THROWS(u.data<float>(), Error);
  CHECK_THROWS(u.item(), Error);
  CHECK_THROWS(u.requires_grad(), Error);
  CHECK_THROWS(u.set_requires_grad(true), Error);
  CHECK_THROWS(u.grad_fn(), Error);
  CHECK_THROWS(u.detach(), Error);
  CHECK_THROWS(u.backward(), Error);
  CHECK_THROWS(u.sum(), Error);
  CHECK_THROWS(u + d, Error);
  CHECK_THROWS(d + u, Error);
  CHECK_THROWS(u * 2, Error);
  CHECK_THROWS(-u, Error);
  CHECK_THROWS(u == d, Error);
  CHECK_THROWS(matmul(u, d), Error);
  CHECK_THROWS(matmul(d, u), Error);
  CHECK_THROWS(relu(u), Error);
  CHECK_THROWS(exp(u), Error);
  CHECK_THROWS(u.reshape({2}), Error);
  CHECK_THROWS(u.to(ScalarType::Float64), Error);
  CHECK_THROWS(u[0], Error);
  CHECK_THROWS(cat({d, u}), Error);
  CHECK_THROWS(stack({u}), Error);
  CHECK_THROWS(mse_loss(u, d), Error);
  CHECK_THROWS(cross_entropy(u, d), Error);
  CHECK_THROWS(linear(u, ones({2, 2})), Error);
  CHECK_THROWS(linear(ones({2, 2}), u), Error);
  CHECK_THROWS(conv2d(u, ones({1, 1, 1, 1})), Error);
  CHECK_THROWS(softmax(u, 0), Error);
  CHECK_THROWS(clone(u), Error);
  CHECK_THROWS(where(u, d, d), Error);
  CHECK_THROWS(index(d, {TensorIndex(u)}), Error);
  CHECK_THROWS(zeros_like(u), Error);
  CHECK_THROWS(backward({u}), Error);
  Tensor target = zeros({2});
  CHECK_THROWS(target += u, Error);
  CHECK_THROWS(copy_(target, u), Error);
  CHECK_THROWS(u.set_grad(d), Error);
  CHECK(contains(error_of([&] { u.sum(); }), "undefined Tensor"));
  CHECK(str(u) == "[ Tensor (undefined) ]");
}

// ---- methods and operators ----

TEST(methods_call_the_ops) {
  Tensor a = tensor({{1.0, -2.0}, {3.0, 4.0}});
  CHECK(a.sum().item<double>() == 6);
  CHECK(a.mean().item<double>() == 1.5);
  CHECK(a.max().item<double>() == 4);
  CHECK(a.min().item<double>() == -2);
  CHECK(equal(a.sum({1}), tensor({-1.0, 7.0})));
  CHECK(equal(std::get<1>(a.max(1)), tensor({0, 1})));
  CHECK(a.argmax().item<int64_t>() == 3);
  CHECK(equal(a.matmul(tensor({1.0, 1.0})), tensor({-1.0, 7.0})));
  CHECK(a.reshape({4}).sizes() == Dims({4}));
  CHECK(a.view({-1}).sizes() == Dims({4}));
  CHECK(equal(a.t(), tensor({{1.0, 3.0}, {-2.0, 4.0}})));
  CHECK(equal(a.transpose(0, 1), a.permute({1, 0})));
  CHECK(equal(a.relu(), tensor({{1.0, 0.0}, {3.0, 4.0}})));
  CHECK(allclose(a.abs().sqrt().square(), a.abs()));
  CHECK_NEAR(a.exp().log().sum().item<double>(), 6.0, 1e-5);
  CHECK_NEAR(a.tanh().data<float>()[0], std::tanh(1.0), 1e-6);
  CHECK_NEAR(a.sigmoid().data<float>()[1], 1 / (1 + std::exp(2.0)), 1e-6);
  CHECK(a.to(ScalarType::Float64).dtype() == ScalarType::Float64);
  CHECK(a.to(ScalarType::Float32).is_same(a));
  CHECK(!a.clone().is_same(a));
  CHECK(a.unsqueeze(0).sizes() == Dims({1, 2, 2}));
  CHECK(a.unsqueeze(0).squeeze().sizes() == Dims({2, 2}));
  CHECK(a.flatten().sizes() == Dims({4}));
  CHECK(a.is_floating_point());
  CHECK(a.scalar_type() == ScalarType::Float32);
}

TEST(arithmetic_and_compound_operators) {
  Tensor a = tensor({1.0, 2.0, 3.0});
  Tensor b = tensor({4.0, 5.0, 6.0});
  CHECK(equal(a + b, tensor({5.0, 7.0, 9.0})));
  CHECK(equal(b - a, tensor({3.0, 3.0, 3.0})));
  CHECK(equal(a * 2, tensor({2.0, 4.0, 6.0})));
  CHECK(equal(2 * a, tensor({2.0, 4.0, 6.0})));
  CHECK(equal(1 - a, tensor({0.0, -1.0, -2.0})));
  CHECK(equal(b / 2, tensor({2.0, 2.5, 3.0})));
  CHECK(equal(6 / a, tensor({6.0, 3.0, 2.0})));
  CHECK(equal(-a, tensor({-1.0, -2.0, -3.0})));
  CHECK(equal(b % 4, tensor({0.0, 1.0, 2.0})));
  Tensor c = a.clone();
  c += b;
  CHECK(equal(c, tensor({5.0, 7.0, 9.0})));
  c -= 1;
  CHECK(equal(c, tensor({4.0, 6.0, 8.0})));
  c *= tensor({0.5, 0.5, 0.5});
  CHECK(equal(c, tensor({2.0, 3.0, 4.0})));
  c /= 2;
  CHECK(equal(c, tensor({1.0, 1.5, 2.0})));
  Tensor i = tensor({1, 2});
  CHECK_THROWS(i /= 2, Error);  // true division into an int64 tensor: PyTorch's "result type Float can't be cast"
  Tensor row = zeros({2, 3});
  row += tensor({1.0, 2.0, 3.0});  // broadcasting
  CHECK(equal(row.sum({0}), tensor({2.0, 4.0, 6.0})));
}

TEST(comparison_operators_give_bool_tensors) {
  Tensor a = tensor({1, 2, 3});
  Tensor b = tensor({3, 2, 1});
  CHECK(equal(a == b, tensor({false, true, false})));
  CHECK(equal(a != b, tensor({true, false, true})));
  CHECK(equal(a < b, tensor({true, false, false})));
  CHECK(equal(a <= b, tensor({true, true, false})));
  CHECK(equal(a > 2, tensor({false, false, true})));
  CHECK(equal(a >= 2, tensor({false, true, true})));
  CHECK(equal(2 < a, tensor({false, false, true})));
  CHECK(equal(2 >= a, tensor({true, true, false})));
  CHECK(equal(~(a == b), a != b));
  CHECK(equal((a > 1) & (b > 1), tensor({false, true, false})));
  CHECK(equal((a > 2) | (b > 2), tensor({true, false, true})));
}

TEST(subscripts) {
  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(equal(m[1], tensor({4, 5, 6})));
  CHECK(m[1][2].item<int64_t>() == 6);
  CHECK(m[-1][0].item<int64_t>() == 4);
  CHECK_THROWS(m[2], IndexError);
  CHECK(equal(m.index({Slice(), 0}), tensor({1, 4})));
  CHECK(equal(m.index({0, Slice(1, None)}), tensor({2, 3})));
  CHECK(equal(m.index({Slice(None, None, 2)}), tensor({{1, 2, 3}})));
  CHECK(m.index({None, Ellipsis}).sizes() == Dims({1, 2, 3}));
  CHECK(equal(m[m > 3], tensor({4, 5, 6})));
  Tensor z = zeros({2, 2});
  z.index_put_({0, 1}, 7);
  z.index_put_({1}, tensor({1.0, 2.0}));
  CHECK(equal(z, tensor({{0.0, 7.0}, {1.0, 2.0}})));
}

TEST(autograd_through_methods) {
  manual_seed(0);
  Tensor w = randn({3}).requires_grad_();
  Tensor loss = (w * w).sum();
  loss.backward();
  CHECK(allclose(w.grad(), w.detach() * 2));
  CHECK(loss.grad_fn()->name() == "SumBackward0");
  {
    NoGradGuard no_grad;
    CHECK(!(w * 2).requires_grad());
  }
  CHECK((w * 2).requires_grad());
}

TEST(manual_seed_repeats_the_stream) {
  manual_seed(42);
  Tensor a = rand({4});
  manual_seed(42);
  Tensor b = rand({4});
  CHECK(equal(a, b));
  // torch.manual_seed(42); torch.rand(2) -> tensor([0.8823, 0.9150])
  CHECK_NEAR(a.data<float>()[0], 0.8823, 1e-4);
  CHECK_NEAR(a.data<float>()[1], 0.9150, 1e-4);
}

// ---- printing: PyTorch 2.13's repr of the same tensors ----

TEST(printing_matches_pytorch) {
  CHECK(str(tensor({{1., 2.}, {3., 4.}})) == "tensor([[1., 2.],\n        [3., 4.]])");
  CHECK(str(tensor({1.5, 2.25}, ScalarType::Float64).requires_grad_()) ==
        "tensor([1.5000, 2.2500], dtype=fastgrad.float64, requires_grad=True)");
  Tensor x = tensor({1., 2.}).requires_grad_();
  CHECK(str(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)");
  CHECK(str(tensor({1, 2, 3})) == "tensor([1, 2, 3])");
  CHECK(str(tensor({true, false})) == "tensor([ True, False])");
  CHECK(str(tensor({1, 2}, ScalarType::Int32)) == "tensor([1, 2], dtype=fastgrad.int32)");
  CHECK(str(tensor(3.5)) == "tensor(3.5000)");
  CHECK(str(zeros({0, 3})) == "tensor([], size=(0, 3))");
  CHECK(str(tensor({1e-5, 1.0})) == "tensor([1.0000e-05, 1.0000e+00])");
  CHECK(str(arange(0, 2000, 1, ScalarType::Float32)) ==
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
  CHECK(str(tensor({NAN, INFINITY, -1.0})) == "tensor([nan, inf, -1.])");
  CHECK(str(tensor({{1, 2}, {3, 4}})) == "tensor([[1, 2],\n        [3, 4]])");
  CHECK(tensor({1, 2}).to_string() == "tensor([1, 2])");
}

TEST(print_options) {
  const PrintOptions saved = get_printoptions();
  PrintOptions o = saved;
  o.precision = 2;
  set_printoptions(o);
  CHECK(str(tensor({1.2345})) == "tensor([1.23])");
  o.sci_mode = true;
  set_printoptions(o);
  CHECK(str(tensor({1.25})) == "tensor([1.25e+00])");
  set_printoptions(saved);
  CHECK(str(tensor({1.2345})) == "tensor([1.2345])");
}

// ---- nn ----

TEST(module_registers_parameters_in_order) {
  nn::Sequential model({std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::ReLU>(),
                        std::make_shared<nn::Linear>(4, 2, /*bias=*/false)});
  auto named = model.named_parameters();
  CHECK(named.size() == 3);
  CHECK(named[0].first == "0.weight");
  CHECK(named[1].first == "0.bias");
  CHECK(named[2].first == "2.weight");
  CHECK(named[0].second.sizes() == Dims({4, 3}));
  CHECK(named[0].second.requires_grad() && named[0].second.is_leaf());
  CHECK(model.parameters().size() == 3);
  CHECK(model.named_parameters(/*recurse=*/false).empty());
  CHECK(model.is_training());
  model.eval();
  CHECK(!model.is_training() && !model[0]->is_training());
  model.train();
  CHECK(model[2]->is_training());
  CHECK(model(ones({5, 3})).sizes() == Dims({5, 2}));
}

TEST(linear_forward_and_init_bounds) {
  manual_seed(0);
  nn::Linear fc(4, 3);
  const double bound = 1 / std::sqrt(4.0);  // kaiming_uniform(a=sqrt(5)) and the bias bound both give this
  CHECK(fc.weight.abs().max().item<double>() <= bound);
  CHECK(fc.bias.abs().max().item<double>() <= bound);
  CHECK(fc.weight.abs().max().item<double>() > bound / 2);  // drawn, not zeros
  {
    NoGradGuard no_grad;
    fc.weight.copy_(tensor({{1., 0., 0., 0.}, {0., 1., 0., 0.}, {1., 1., 1., 1.}}));
    fc.bias.copy_(tensor({0.5, -0.5, 0.0}));
  }
  Tensor y = fc(tensor({{1., 2., 3., 4.}}));
  CHECK(equal(y.detach(), tensor({{1.5, 1.5, 10.0}})));
  y.sum().backward();
  CHECK(equal(fc.bias.grad(), tensor({1., 1., 1.})));
  CHECK(equal(fc.weight.grad()[2], tensor({1., 2., 3., 4.})));
  fc.zero_grad();
  CHECK(!fc.weight.grad().defined());
}

TEST(linear_weights_are_pytorchs_after_manual_seed) {
  // torch.manual_seed(0); torch.nn.Linear(2, 2).weight -> [[-0.0053, 0.3793], [-0.5820, -0.5204]],
  // bias -> [-0.2723, 0.1896]
  manual_seed(0);
  nn::Linear fc(2, 2);
  CHECK_NEAR(fc.weight.data<float>()[0], -0.0053, 1e-4);
  CHECK_NEAR(fc.weight.data<float>()[1], 0.3793, 1e-4);
  CHECK_NEAR(fc.weight.data<float>()[2], -0.5820, 1e-4);
  CHECK_NEAR(fc.weight.data<float>()[3], -0.5204, 1e-4);
  CHECK_NEAR(fc.bias.data<float>()[0], -0.2723, 1e-4);
  CHECK_NEAR(fc.bias.data<float>()[1], 0.1896, 1e-4);
}

TEST(conv2d_and_activations) {
  manual_seed(0);
  nn::Conv2d conv(2, 3, {3}, {/*stride=*/{1}, /*padding=*/{1}});
  CHECK(conv.weight.sizes() == Dims({3, 2, 3, 3}));
  CHECK(conv.bias.sizes() == Dims({3}));
  const double bound = 1 / std::sqrt(2.0 * 9);
  CHECK(conv.weight.abs().max().item<double>() <= bound);
  CHECK(conv(ones({1, 2, 5, 5})).sizes() == Dims({1, 3, 5, 5}));
  Tensor x = tensor({-1.0, 0.0, 2.0});
  CHECK(equal(nn::ReLU()(x), tensor({0.0, 0.0, 2.0})));
  CHECK(allclose(nn::Tanh()(x), tanh(x)));
  CHECK(allclose(nn::Sigmoid()(x), sigmoid(x)));
  CHECK_NEAR(nn::GELU()(x).data<float>()[2], 2.0 * 0.5 * (1 + std::erf(2.0 / std::sqrt(2.0))), 1e-6);
  CHECK_NEAR(nn::mse_loss(tensor({1.0, 3.0}), tensor({0.0, 0.0})).item<double>(), 5.0, 1e-6);
  // cross_entropy of equal logits over 4 classes is log(4)
  CHECK_NEAR(nn::cross_entropy(zeros({2, 4}), tensor({1, 3})).item<double>(), std::log(4.0), 1e-6);
}

// ---- optim: one or two steps on p = [1, 2] with loss sum(p^2), grad 2p ----

namespace {
Tensor param() { return tensor({1.0, 2.0}, ScalarType::Float64).requires_grad_(); }
void grad_step(optim::Optimizer& opt, const Tensor& p) {
  opt.zero_grad();
  (p * p).sum().backward();
  opt.step();
}
}  // namespace

TEST(sgd_update_rules) {
  Tensor p = param();
  optim::SGD plain({p}, {/*lr=*/0.1});
  grad_step(plain, p);
  CHECK(allclose(p.detach(), tensor({0.8, 1.6}, ScalarType::Float64), 1e-12, 1e-12));

  p = param();
  optim::SGD momentum({p}, {/*lr=*/0.1, /*momentum=*/0.9});
  grad_step(momentum, p);  // buf = g = [2, 4]
  grad_step(momentum, p);  // g = [1.6, 3.2], buf = 0.9 [2, 4] + g = [3.4, 6.8]
  CHECK(allclose(p.detach(), tensor({0.46, 0.92}, ScalarType::Float64), 1e-12, 1e-12));

  p = param();
  optim::SGD nesterov({p}, {0.1, 0.9, 0, 0, /*nesterov=*/true});
  grad_step(nesterov, p);  // g + 0.9 buf = 1.9 g
  CHECK(allclose(p.detach(), tensor({0.62, 1.24}, ScalarType::Float64), 1e-12, 1e-12));

  p = param();
  optim::SGD decay({p}, {0.1, 0, 0, /*weight_decay=*/0.1});
  grad_step(decay, p);  // g = 2.1 p
  CHECK(allclose(p.detach(), tensor({0.79, 1.58}, ScalarType::Float64), 1e-12, 1e-12));

  CHECK_THROWS(optim::SGD({param()}, {-1.0}), ValueError);
  CHECK_THROWS(optim::SGD({param()}, {0.1, 0, 0, 0, true}), ValueError);  // nesterov without momentum
  CHECK_THROWS(optim::SGD({Tensor()}, {0.1}), TypeError);
}

TEST(adam_and_adamw_update_rules) {
  // The first Adam step moves each parameter by lr * g / (|g| + eps), about lr.
  Tensor p = param();
  optim::Adam adam({p}, {/*lr=*/0.1});
  grad_step(adam, p);
  CHECK(allclose(p.detach(), tensor({0.9, 1.9}, ScalarType::Float64), 0, 1e-7));
  // Second step: m = 0.1 * 0.9 * g1 + 0.1 g2 with g1 = [2, 4], g2 = [1.8, 3.8]; v likewise with squares.
  const double g1 = 2, g2 = 2 * p.detach().data<double>()[0];
  grad_step(adam, p);
  const double m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.9 * 0.9);
  const double v = (0.999 * 0.001 * g1 * g1 + 0.001 * g2 * g2) / (1 - 0.999 * 0.999);
  CHECK_NEAR(p.detach().data<double>()[0], g2 / 2 - 0.1 * m / (std::sqrt(v) + 1e-8), 1e-12);

  p = param();
  optim::AdamW adamw({p}, optim::AdamWOptions(0.1));  // weight_decay 0.01: p *= 1 - 0.001 first
  grad_step(adamw, p);
  CHECK(allclose(p.detach(), tensor({0.999 - 0.1, 1.998 - 0.1}, ScalarType::Float64), 0, 1e-7));
  CHECK(adamw.options.weight_decay == 0.01);

  p = param();
  optim::AdamOptions o;
  o.lr = 0.1;
  o.amsgrad = true;
  optim::Adam ams({p}, o);
  grad_step(ams, p);
  CHECK(allclose(p.detach(), tensor({0.9, 1.9}, ScalarType::Float64), 0, 1e-7));
  CHECK_THROWS(optim::Adam({param()}, {0.1, 1.5}), ValueError);
}

int main() { return fgtest::run_all(); }

// fastgrad::optim (see optim.h): PyTorch's update rules with the core's in-place ops, in the order fastgrad's
// Python optimizers (python/fastgrad/optim/) run them.
#include "fastgrad/optim.h"

#include <cmath>

#include "fastgrad/autograd.h"

namespace fastgrad::optim {

Optimizer::Optimizer(tensor_list params) : params_(std::move(params)) {
  FG_CHECK(!params_.empty(), ValueError, "optimizer got an empty parameter list");
  for (const Tensor& p : params_) {
    FG_CHECK(p.defined(), TypeError, "optimizer can only optimize defined Tensors (got an undefined Tensor)");
    FG_CHECK(p.is_leaf(), ValueError, "can't optimize a non-leaf Tensor");
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (Tensor& p : params_) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard no_grad;
      p.set_grad(zeros_like(g));
    }
  }
}

SGD::SGD(tensor_list params, SGDOptions options_) : Optimizer(std::move(params)), options(options_) {
  FG_CHECK(options.lr >= 0, ValueError, "Invalid learning rate: ", options.lr);
  FG_CHECK(options.momentum >= 0, ValueError, "Invalid momentum value: ", options.momentum);
  FG_CHECK(options.weight_decay >= 0, ValueError, "Invalid weight_decay value: ", options.weight_decay);
  FG_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0), ValueError,
           "Nesterov momentum requires a momentum and zero dampening");
  momentum_buffers_.resize(params_.size());
}

void SGD::step() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    if (options.maximize) grad = neg(grad);
    if (options.weight_decay != 0) grad = add(grad, p, options.weight_decay);
    if (options.momentum != 0) {
      Tensor& buf = momentum_buffers_[i];
      if (!buf.defined()) {
        buf = clone(grad.detach());
      } else {
        add_(mul_(buf, options.momentum), grad, 1 - options.dampening);
      }
      grad = options.nesterov ? add(grad, buf, options.momentum) : buf;
    }
    add_(p, grad, -options.lr);
  }
}

Adam::Adam(tensor_list params, AdamOptions options_) : Adam(std::move(params), options_, false) {}

Adam::Adam(tensor_list params, AdamOptions options_, bool decoupled)
    : Optimizer(std::move(params)), options(options_), decoupled_(decoupled) {
  FG_CHECK(options.lr >= 0, ValueError, "Invalid learning rate: ", options.lr);
  FG_CHECK(options.eps >= 0, ValueError, "Invalid epsilon value: ", options.eps);
  FG_CHECK(options.beta1 >= 0 && options.beta1 < 1, ValueError, "Invalid beta parameter at index 0: ", options.beta1);
  FG_CHECK(options.beta2 >= 0 && options.beta2 < 1, ValueError, "Invalid beta parameter at index 1: ", options.beta2);
  FG_CHECK(options.weight_decay >= 0, ValueError, "Invalid weight_decay value: ", options.weight_decay);
  state_.resize(params_.size());
}

void Adam::step() {
  NoGradGuard no_grad;
  const double lr = options.lr, beta1 = options.beta1, beta2 = options.beta2;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    Tensor grad = p.grad();
    if (!grad.defined()) continue;
    State& s = state_[i];
    if (s.step == 0) {
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
      if (options.amsgrad) s.max_exp_avg_sq = zeros_like(p);
    }
    if (options.maximize) grad = neg(grad);
    ++s.step;
    if (options.weight_decay != 0) {
      if (decoupled_) {
        mul_(p, 1 - lr * options.weight_decay);
      } else {
        grad = add(grad, p, options.weight_decay);
      }
    }
    lerp_(s.exp_avg, grad, 1 - beta1);
    addcmul_(mul_(s.exp_avg_sq, beta2), grad, grad, 1 - beta2);
    const double step = static_cast<double>(s.step);
    const double bias_correction1 = 1 - std::pow(beta1, step);
    const double bias_correction2 = 1 - std::pow(beta2, step);
    const double step_size = lr / bias_correction1;
    const double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
    Tensor denom;
    if (options.amsgrad) {
      copy_(s.max_exp_avg_sq, maximum(s.max_exp_avg_sq, s.exp_avg_sq));
      denom = div(sqrt(s.max_exp_avg_sq), bias_correction2_sqrt);
    } else {
      denom = div(sqrt(s.exp_avg_sq), bias_correction2_sqrt);
    }
    add_(denom, options.eps);
    addcdiv_(p, s.exp_avg, denom, -step_size);
  }
}

AdamW::AdamW(tensor_list params, AdamWOptions options_) : Adam(std::move(params), options_, true) {}

}  // namespace fastgrad::optim

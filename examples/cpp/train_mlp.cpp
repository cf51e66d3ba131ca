// Fits y = sin(x0) + x1 / 2 with a 2-16-1 tanh MLP, full batch, in C++ with fastgrad's nn and optim.
//
//   ./train_mlp [sgd|adam] [steps]      (default: adam 200)
//
// Prints the loss of every step ("step <i> loss <value>") and the trained model's predictions for the first
// four samples. The same seed, data and model in Python (fastgrad.nn, fastgrad.optim) give the same losses:
//
//   fastgrad.manual_seed(0)
//   model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
//   x = fastgrad.randn(64, 2); y = (x[:, 0].sin() + x[:, 1] * 0.5).unsqueeze(1)
#include <fastgrad/fastgrad.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace fg = fastgrad;
using fg::indexing::Slice;

int main(int argc, char** argv) {
  const std::string method = argc > 1 ? argv[1] : "adam";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 200;
  if (method != "sgd" && method != "adam") {
    std::fprintf(stderr, "usage: %s [sgd|adam] [steps]\n", argv[0]);
    return 2;
  }

  fg::manual_seed(0);
  // The layers draw their initial weights from the default generator, in this order.
  fg::nn::Sequential model({std::make_shared<fg::nn::Linear>(2, 16), std::make_shared<fg::nn::Tanh>(),
                            std::make_shared<fg::nn::Linear>(16, 1)});
  fg::Tensor x = fg::randn({64, 2});
  fg::Tensor y = (x.index({Slice(), 0}).sin() + x.index({Slice(), 1}) * 0.5).unsqueeze(1);

  std::unique_ptr<fg::optim::Optimizer> opt;
  if (method == "sgd") {
    fg::optim::SGDOptions o;
    o.lr = 0.1;
    o.momentum = 0.9;
    opt = std::make_unique<fg::optim::SGD>(model.parameters(), o);
  } else {
    fg::optim::AdamOptions o;
    o.lr = 0.01;
    opt = std::make_unique<fg::optim::Adam>(model.parameters(), o);
  }

  for (int step = 0; step < steps; ++step) {
    opt->zero_grad();
    fg::Tensor loss = fg::nn::mse_loss(model(x), y);
    loss.backward();
    opt->step();
    std::printf("step %d loss %.9g\n", step, loss.item<double>());
  }

  fg::NoGradGuard no_grad;
  model.eval();
  std::cout << "predictions:\n" << model(x.index({Slice(0, 4)})) << "\n";
  std::cout << "targets:\n" << y.index({Slice(0, 4)}) << "\n";
  return 0;
}

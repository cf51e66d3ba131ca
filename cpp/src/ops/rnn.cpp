// Recurrent layers and cells (RNN tanh/relu, LSTM with an optional projection, GRU): one fused op per layer and
// direction over the whole sequence, forward and backward through time side by side. The gate loops are in
// cpu/rnn_kernels.cpp; the products go through cpu::gemm. The Python modules (nn/modules/rnn.py) call rnn() and
// the cell functions; see docs/design.md, section 3 ("Recurrent layers").
//
// Note [Recurrent layer layout]
// A layer runs over the packed layout: step t is sizes[t] consecutive rows starting at offsets[t] of an (N, ·)
// matrix, sizes non-increasing (a PackedSequence's batch_sizes). Padded input (T, B, I) is that layout with
// every size B, so one loop serves both. Sequences past sizes[t] keep their state: in the forward direction
// they have ended, in the reverse one they have not started yet; the state buffers (B rows) are therefore
// updated in their first sizes[t] rows only, and h_n / c_n are those buffers at the end.
// Forward: one GEMM for the input projection of every step (X W_ih^T plus the biases that can be folded in),
// then per step one GEMM with W_hh and the fused gate kernel. Saved for backward, each (N, ·): the activated
// gates, the state before each step (h_prev, and c_prev for LSTM), tanh(c) (LSTM) and W_hn h + b_hn (GRU).
// Backward walks the steps in the opposite order with two state-gradient buffers (B rows), writing every
// step's pre-activation gradients into one (N, G) buffer; the gradients of the input and of the weights are
// then one GEMM each over all steps (dX = dG W_ih, dW_ih = dG^T X, dW_hh = dG_h^T H_prev), the biases' column
// sums of dG.
//
// Note [Recurrent double backward]
// Under create_graph the Node recomputes its forward with public ops from what it saved (through fresh views
// of the inputs that need a gradient) and differentiates that with grad(create_graph=True), so the gradients
// are recorded like any other op's and differentiate again. The views make the recomputed graph reach the
// inputs through Nodes of its own: grad() then stops exactly there, even where one input is computed from
// another (a total derivative would count that path twice).
#include <array>
#include <cstring>

#include "../cpu/blas.h"
#include "../cpu/rnn_kernels.h"
#include "common.h"
#include "elementwise.h"
#include "fastgrad/autocast.h"
#include "reduced_float.h"

namespace fastgrad {

RnnMode rnn_mode_from_string(const std::string& mode) {
  if (mode == "RNN_TANH") return RnnMode::Tanh;
  if (mode == "RNN_RELU") return RnnMode::Relu;
  if (mode == "LSTM") return RnnMode::LSTM;
  if (mode == "GRU") return RnnMode::GRU;
  throw ValueError("Unrecognized RNN mode: " + mode);
}

namespace {

int64_t gate_count(RnnMode m) { return m == RnnMode::LSTM ? 4 : m == RnnMode::GRU ? 3 : 1; }

// What recorded the Node: a layer (PyTorch's CPU LSTM Node name, for all modes), or one of the cells.
enum class RnnKind : uint8_t { Layer, LstmCell, GruCell, TanhCell, ReluCell };

// See Note [Recurrent layer layout].
struct Steps {
  std::vector<int64_t> sizes, offsets;
  int64_t rows = 0;   // N
  int64_t batch = 0;  // B
};

Steps uniform_steps(int64_t T, int64_t B) {
  Steps s;
  s.sizes.assign(static_cast<size_t>(T), B);
  s.offsets.resize(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) s.offsets[t] = t * B;
  s.rows = T * B;
  s.batch = B;
  return s;
}

Steps packed_steps(const std::vector<int64_t>& batch_sizes, int64_t rows) {
  Steps s;
  s.sizes = batch_sizes;
  s.offsets.resize(batch_sizes.size());
  int64_t prev = batch_sizes.empty() ? 0 : batch_sizes[0];
  for (size_t t = 0; t < batch_sizes.size(); ++t) {
    const int64_t b = batch_sizes[t];
    FG_CHECK(b > 0 && b <= prev, Error, "rnn: batch_sizes must be positive and non-increasing, got ", b,
             " at step ", t, " after ", prev);
    s.offsets[t] = s.rows;
    s.rows += b;
    prev = b;
  }
  FG_CHECK(s.rows == rows, Error, "rnn: the packed input has ", rows, " rows but batch_sizes sum to ", s.rows);
  s.batch = batch_sizes.empty() ? 0 : batch_sizes[0];
  return s;
}

// The sizes of one layer in one direction.
struct LayerShape {
  RnnMode mode;
  int64_t I = 0, H = 0, Hout = 0, G = 0;  // input size, hidden size, state size (H or proj_size), gates * H
  bool reverse = false;
  bool proj = false;
};

// The tensors one layer computes with, in the order of the Node's next edges (PyTorch's MkldnnRnnLayer order:
// input, weights, hx, cx; then the projection).
enum Arg { kInput, kWeightIh, kWeightHh, kBiasIh, kBiasHh, kHx, kCx, kWeightHr, kArgs };
using LayerArgs = std::array<Tensor, kArgs>;

std::string dtype_pair(ScalarType a, ScalarType b) {
  return std::string(scalar_type_name(a)) + " and " + scalar_type_name(b);
}

// Checks one layer's (or cell's) tensors against each other and returns its shape. PyTorch's modules check the
// user-facing sizes first (nn/modules/rnn.py); these messages are for what reaches the op directly.
LayerShape check_layer(const LayerArgs& a, RnnMode mode, const Steps& steps, const char* op) {
  const Tensor& input = a[kInput];
  FG_CHECK(a[kWeightIh].defined() && a[kWeightHh].defined() && a[kHx].defined(), Error, op,
           ": input, hx, weight_ih and weight_hh must be defined");
  FG_CHECK(is_floating(input.dtype()), Error, op, ": expected a floating-point input, got ",
           scalar_type_name(input.dtype()));
  for (int i : {kWeightIh, kBiasIh, kHx, kWeightHh, kBiasHh, kCx, kWeightHr})
    if (a[i].defined())
      FG_CHECK(a[i].dtype() == input.dtype(), Error, "mat1 and mat2 must have the same dtype, but got ",
               dtype_pair(i == kHx || i == kCx ? a[i].dtype() : input.dtype(),
                          i == kHx || i == kCx ? input.dtype() : a[i].dtype()));
  LayerShape s;
  s.mode = mode;
  const int64_t gates = gate_count(mode);
  const Tensor& w_ih = a[kWeightIh];
  const Tensor& w_hh = a[kWeightHh];
  FG_CHECK(w_ih.dim() == 2 && w_hh.dim() == 2 && w_ih.size(0) % gates == 0 && w_ih.size(0) > 0 &&
               w_hh.size(0) == w_ih.size(0),
           Error, op, ": expected weight_ih (", gates, " * hidden_size, input_size) and weight_hh (", gates,
           " * hidden_size, H_out), got ", shape_str(w_ih.sizes()), " and ", shape_str(w_hh.sizes()));
  s.G = w_ih.size(0);
  s.H = s.G / gates;
  s.I = w_ih.size(1);
  s.Hout = w_hh.size(1);
  s.proj = a[kWeightHr].defined();
  FG_CHECK(!s.proj || mode == RnnMode::LSTM, Error, op, ": only an LSTM takes a projection weight");
  if (s.proj)
    FG_CHECK(a[kWeightHr].dim() == 2 && a[kWeightHr].size(0) == s.Hout && a[kWeightHr].size(1) == s.H, Error, op,
             ": expected weight_hr of shape [", s.Hout, ", ", s.H, "], got ", shape_str(a[kWeightHr].sizes()));
  else
    FG_CHECK(s.Hout == s.H, Error, op, ": expected weight_hh of shape [", s.G, ", ", s.H, "], got ",
             shape_str(w_hh.sizes()));
  for (int i : {kBiasIh, kBiasHh})
    if (a[i].defined())
      FG_CHECK(a[i].dim() == 1 && a[i].size(0) == s.G, Error, op, ": expected biases of shape [", s.G, "], got ",
               shape_str(a[i].sizes()));
  FG_CHECK(input.size(input.dim() - 1) == s.I, Error, "input.size(-1) must be equal to input_size. Expected ", s.I,
           ", got ", input.size(input.dim() - 1));
  FG_CHECK(a[kHx].dim() == 2 && a[kHx].size(0) == steps.batch && a[kHx].size(1) == s.Hout, Error, op,
           ": expected hx of shape [", steps.batch, ", ", s.Hout, "], got ", shape_str(a[kHx].sizes()));
  if (mode == RnnMode::LSTM) {
    FG_CHECK(a[kCx].defined(), Error, op, ": an LSTM needs cx");
    FG_CHECK(a[kCx].dim() == 2 && a[kCx].size(0) == steps.batch && a[kCx].size(1) == s.H, Error, op,
             ": expected cx of shape [", steps.batch, ", ", s.H, "], got ", shape_str(a[kCx].sizes()));
  }
  return s;
}

template <class T>
const T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}
template <class T>
T* mut(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// The buffers a layer's forward fills and its backward reads; see Note [Recurrent layer layout].
struct Workspace {
  Tensor gates;   // (N, G) activated gates
  Tensor h_prev;  // (N, Hout) the state before each step
  Tensor c_prev;  // (N, H) LSTM
  Tensor tanh_c;  // (N, H) LSTM
  Tensor hn;      // (N, H) GRU: W_hn h + b_hn
};

// memcpy of n elements; n may be 0 with null pointers (an empty batch).
template <class T>
void copy_n(T* dst, const T* src, int64_t n) {
  if (n > 0) std::memcpy(dst, src, sizeof(T) * static_cast<size_t>(n));
}

// Runs the steps in the layer's order (reverse: last to first), or the backward order when `backward`.
template <class F>
void for_each_step(const Steps& steps, bool reverse, bool backward, F f) {
  const int64_t T = static_cast<int64_t>(steps.sizes.size());
  const bool up = reverse == backward;  // forward pass of a forward layer, or backward pass of a reverse one
  for (int64_t k = 0; k < T; ++k) {
    const int64_t t = up ? k : T - 1 - k;
    f(steps.sizes[t], steps.offsets[t]);
  }
}

template <class T>
void layer_forward(const LayerShape& s, const Steps& steps, const LayerArgs& a, const Workspace& w, T* out, T* h,
                   T* c) {
  const int64_t N = steps.rows, G = s.G, H = s.H, Hout = s.Hout, B = steps.batch;
  const T* w_hh = ptr<T>(a[kWeightHh]);
  const T* w_hr = ptr<T>(a[kWeightHr]);
  const T* b_ih = ptr<T>(a[kBiasIh]);
  const T* b_hh = ptr<T>(a[kBiasHh]);
  T* gates = mut<T>(w.gates);
  T* h_prev = mut<T>(w.h_prev);
  // The input projection of every step at once, with the biases that add before any nonlinearity (GRU's b_hn
  // is multiplied by r first, so it stays out).
  cpu::gemm<T>(false, true, N, G, s.I, T(1), ptr<T>(a[kInput]), s.I, ptr<T>(a[kWeightIh]), s.I, T(0), gates, G);
  if (b_ih || b_hh) {
    std::vector<T> bias(static_cast<size_t>(G), T(0));
    const int64_t folded = s.mode == RnnMode::GRU ? 2 * H : G;
    for (int64_t j = 0; j < G; ++j) bias[j] = (b_ih ? b_ih[j] : T(0)) + (b_hh && j < folded ? b_hh[j] : T(0));
    for (int64_t r = 0; r < N; ++r) {
      T* row = gates + r * G;
      for (int64_t j = 0; j < G; ++j) row[j] += bias[j];
    }
  }
  // W_hh^T (Hout, G), once per call: every step's product is then a plain (bs, Hout) x (Hout, G), which BLAS
  // runs without packing the weight again (OpenBLAS's small-matrix kernels; a transposed operand is copied into
  // its panel format on every call).
  const int64_t steps_count = static_cast<int64_t>(steps.sizes.size());
  std::vector<T> w_hh_t;
  if (steps_count > 1) {
    w_hh_t.resize(static_cast<size_t>(G * Hout));
    for (int64_t i = 0; i < G; ++i)
      for (int64_t j = 0; j < Hout; ++j) w_hh_t[j * G + i] = w_hh[i * Hout + j];
  }
  auto recurrent = [&](int64_t bs, const T* hp, T beta, T* c) {
    if (steps_count > 1) cpu::gemm<T>(false, false, bs, G, Hout, T(1), hp, Hout, w_hh_t.data(), G, beta, c, G);
    else cpu::gemm<T>(false, true, bs, G, Hout, T(1), hp, Hout, w_hh, Hout, beta, c, G);
  };
  std::vector<T> scratch;
  if (s.mode == RnnMode::GRU) scratch.resize(static_cast<size_t>(B * G));
  if (s.proj) scratch.resize(static_cast<size_t>(B * H));
  for_each_step(steps, s.reverse, false, [&](int64_t bs, int64_t off) {
    T* g = gates + off * G;
    T* hp = h_prev + off * Hout;
    T* o = out + off * Hout;
    copy_n(hp, h, bs * Hout);
    switch (s.mode) {
      case RnnMode::LSTM: {
        T* cp = mut<T>(w.c_prev) + off * H;
        copy_n(cp, c, bs * H);
        recurrent(bs, hp, T(1), g);
        T* m = s.proj ? scratch.data() : o;
        cpu::lstm_gates_forward<T>(g, cp, c, mut<T>(w.tanh_c) + off * H, m, bs, H);
        if (s.proj) cpu::gemm<T>(false, true, bs, Hout, H, T(1), m, H, w_hr, H, T(0), o, Hout);
        break;
      }
      case RnnMode::GRU:
        recurrent(bs, hp, T(0), scratch.data());
        cpu::gru_gates_forward<T>(g, scratch.data(), b_hh ? b_hh + 2 * H : nullptr, hp, mut<T>(w.hn) + off * H, o,
                                  bs, H);
        break;
      default:
        recurrent(bs, hp, T(1), g);
        cpu::rnn_gates_forward<T>(g, bs * H, s.mode == RnnMode::Relu);
        copy_n(o, g, bs * H);
    }
    copy_n(h, o, bs * Hout);
  });
}

// Column sums of an (N, G) matrix into g (G), in double.
template <class T>
void column_sums(const T* m, int64_t N, int64_t G, T* g) {
  std::vector<double> acc(static_cast<size_t>(G), 0.0);
  for (int64_t r = 0; r < N; ++r)
    for (int64_t j = 0; j < G; ++j) acc[j] += m[r * G + j];
  for (int64_t j = 0; j < G; ++j) g[j] = static_cast<T>(acc[j]);
}

// The gradients of one layer (see Note [Recurrent layer layout]). dout, dh_n, dc_n may be null (not used); the
// results (grads, in next-edge order) are written where defined. dh and dc are the state-gradient buffers,
// which end up as the gradients of hx and cx.
template <class T>
void layer_backward(const LayerShape& s, const Steps& steps, const LayerArgs& a, const Workspace& w, const T* dout,
                    T* dh, T* dc, const LayerArgs& grads) {
  const int64_t N = steps.rows, G = s.G, H = s.H, Hout = s.Hout, B = steps.batch;
  const T* w_hh = ptr<T>(a[kWeightHh]);
  const T* w_hr = ptr<T>(a[kWeightHr]);
  const T* gates = ptr<T>(w.gates);
  const T* h_prev = ptr<T>(w.h_prev);
  std::vector<T> dgates(static_cast<size_t>(N * G));
  std::vector<T> dgates_h;  // GRU: the hidden side's pre-activation gradients (n's differ)
  if (s.mode == RnnMode::GRU) dgates_h.resize(static_cast<size_t>(N * G));
  std::vector<T> dh_all, m_all, dm;  // projection: every step's dh and m, for W_hr's gradient
  if (s.proj) {
    dh_all.resize(static_cast<size_t>(N * Hout));
    m_all.resize(static_cast<size_t>(N * H));
    dm.resize(static_cast<size_t>(B * H));
  }
  for_each_step(steps, s.reverse, true, [&](int64_t bs, int64_t off) {
    if (dout) {
      const T* d = dout + off * Hout;
      for (int64_t i = 0; i < bs * Hout; ++i) dh[i] += d[i];
    }
    T* dg = dgates.data() + off * G;
    const T* g = gates + off * G;
    switch (s.mode) {
      case RnnMode::LSTM: {
        const T* tc = ptr<T>(w.tanh_c) + off * H;
        const T* dmp = dh;
        if (s.proj) {
          copy_n(dh_all.data() + off * Hout, dh, bs * Hout);
          cpu::lstm_hidden<T>(g, tc, m_all.data() + off * H, bs, H);
          cpu::gemm<T>(false, false, bs, H, Hout, T(1), dh, Hout, w_hr, H, T(0), dm.data(), H);
          dmp = dm.data();
        }
        cpu::lstm_gates_backward<T>(g, ptr<T>(w.c_prev) + off * H, tc, dmp, dc, dg, bs, H);
        cpu::gemm<T>(false, false, bs, Hout, G, T(1), dg, G, w_hh, Hout, T(0), dh, Hout);
        break;
      }
      case RnnMode::GRU: {
        T* dgh = dgates_h.data() + off * G;
        cpu::gru_gates_backward<T>(g, ptr<T>(w.hn) + off * H, h_prev + off * H, dh, dg, dgh, dh, bs, H);
        cpu::gemm<T>(false, false, bs, H, G, T(1), dgh, G, w_hh, H, T(1), dh, H);
        break;
      }
      default:
        cpu::rnn_gates_backward<T>(g, dh, dg, bs * H, s.mode == RnnMode::Relu);
        cpu::gemm<T>(false, false, bs, H, G, T(1), dg, G, w_hh, H, T(0), dh, H);
    }
  });
  const T* dG = dgates.data();
  const T* dGh = s.mode == RnnMode::GRU ? dgates_h.data() : dG;
  if (grads[kInput].defined())
    cpu::gemm<T>(false, false, N, s.I, G, T(1), dG, G, ptr<T>(a[kWeightIh]), s.I, T(0), mut<T>(grads[kInput]), s.I);
  if (grads[kWeightIh].defined())
    cpu::gemm<T>(true, false, G, s.I, N, T(1), dG, G, ptr<T>(a[kInput]), s.I, T(0), mut<T>(grads[kWeightIh]), s.I);
  if (grads[kWeightHh].defined())
    cpu::gemm<T>(true, false, G, Hout, N, T(1), dGh, G, h_prev, Hout, T(0), mut<T>(grads[kWeightHh]), Hout);
  if (grads[kBiasIh].defined()) column_sums(dG, N, G, mut<T>(grads[kBiasIh]));
  if (grads[kBiasHh].defined()) column_sums(dGh, N, G, mut<T>(grads[kBiasHh]));
  if (grads[kWeightHr].defined())
    cpu::gemm<T>(true, false, Hout, H, N, T(1), dh_all.data(), Hout, m_all.data(), H, T(0),
                 mut<T>(grads[kWeightHr]), H);
}

// ---- the same layer in public ops, for create_graph (Note [Recurrent double backward]) ----

// Returns output (input's layout), h_n, c_n.
std::array<Tensor, 3> composite_layer(const LayerArgs& a, const LayerShape& s, const Steps& steps) {
  const Tensor& input = a[kInput];
  const int64_t B = steps.batch, T = static_cast<int64_t>(steps.sizes.size());
  Tensor x = input.dim() == 3 ? reshape(input, {steps.rows, s.I}) : input;
  Tensor xp = linear(x, a[kWeightIh], a[kBiasIh]);
  Tensor h = a[kHx], c = a[kCx];
  tensor_list outs(static_cast<size_t>(T));
  int64_t t = s.reverse ? T - 1 : 0;
  for (int64_t k = 0; k < T; ++k, t += s.reverse ? -1 : 1) {
    const int64_t bs = steps.sizes[t];
    Tensor xt = narrow(xp, 0, steps.offsets[t], bs);
    Tensor hp = bs < B ? narrow(h, 0, 0, bs) : h;
    Tensor gh = linear(hp, a[kWeightHh], a[kBiasHh]);
    Tensor h_new, c_new;
    if (s.mode == RnnMode::LSTM) {
      tensor_list q = chunk(add(xt, gh), 4, 1);
      Tensor cp = bs < B ? narrow(c, 0, 0, bs) : c;
      c_new = add(mul(sigmoid(q[1]), cp), mul(sigmoid(q[0]), tanh(q[2])));
      h_new = mul(sigmoid(q[3]), tanh(c_new));
      if (s.proj) h_new = linear(h_new, a[kWeightHr]);
    } else if (s.mode == RnnMode::GRU) {
      tensor_list qx = chunk(xt, 3, 1), qh = chunk(gh, 3, 1);
      Tensor r = sigmoid(add(qx[0], qh[0])), z = sigmoid(add(qx[1], qh[1]));
      Tensor n = tanh(add(qx[2], mul(r, qh[2])));
      h_new = add(n, mul(z, sub(hp, n)));
    } else {
      Tensor pre = add(xt, gh);
      h_new = s.mode == RnnMode::Relu ? relu(pre) : tanh(pre);
    }
    outs[t] = h_new;
    h = bs < B ? cat({h_new, narrow(h, 0, bs, B - bs)}, 0) : h_new;
    if (c_new.defined()) c = bs < B ? cat({c_new, narrow(c, 0, bs, B - bs)}, 0) : c_new;
  }
  Tensor output = cat(outs, 0);
  if (input.dim() == 3) output = reshape(output, {T, B, s.Hout});
  return {output, h, s.mode == RnnMode::LSTM ? c : Tensor()};
}

// ---- the Node ----

struct RnnBackward : Node {
  RnnKind kind;
  LayerShape shape;
  Steps steps;
  std::array<int, kArgs> arg_slot{};
  enum Buffer { kGates, kHPrev, kCPrev, kTanhC, kHn, kBuffers };
  std::array<int, kBuffers> buffer_slot{};

  RnnBackward(RnnKind k, const LayerShape& s, Steps st) : kind(k), shape(s), steps(std::move(st)) {}

  std::string name() const override {
    switch (kind) {
      case RnnKind::LstmCell: return "ThnnFusedLstmCellBackward0";
      case RnnKind::GruCell: return "ThnnFusedGruCellBackward0";
      case RnnKind::TanhCell: return "TanhBackward0";
      case RnnKind::ReluCell: return "ReluBackward0";
      default: return "MkldnnRnnLayerBackward0";
    }
  }

  int keep(const Tensor& t) { return t.defined() ? static_cast<int>(save(t)) : -1; }
  Tensor get(int slot) { return slot < 0 ? Tensor() : saved(static_cast<size_t>(slot)); }

  void save_all(const LayerArgs& a, const Workspace& w) {
    for (int i = 0; i < kArgs; ++i) arg_slot[i] = keep(a[i]);
    buffer_slot = {keep(w.gates), keep(w.h_prev), keep(w.c_prev), keep(w.tanh_c), keep(w.hn)};
  }

  bool is_cell() const { return kind != RnnKind::Layer; }

  tensor_list apply(tensor_list&& g) override {
    // Outputs: a layer's output, h_n[, c_n]; a cell's h[, c] (h is both its output and its last state).
    Tensor dout = g.size() > 0 ? g[0] : Tensor();
    Tensor dh_n = !is_cell() && g.size() > 1 ? g[1] : Tensor();
    const size_t c_index = is_cell() ? 1 : 2;
    Tensor dc_n = shape.mode == RnnMode::LSTM && g.size() > c_index ? g[c_index] : Tensor();
    LayerArgs a;
    for (int i = 0; i < kArgs; ++i) a[i] = get(arg_slot[i]);
    if (GradMode::is_enabled()) return composite(a, dout, dh_n, dc_n);
    const ScalarType dt = a[kInput].dtype();
    Workspace w{get(buffer_slot[kGates]), get(buffer_slot[kHPrev]), get(buffer_slot[kCPrev]),
                get(buffer_slot[kTanhC]), get(buffer_slot[kHn])};
    LayerArgs dense_args;
    for (int i = 0; i < kArgs; ++i) dense_args[i] = a[i].defined() ? dense(a[i]) : Tensor();
    // The state gradients start as those of h_n and c_n and end as those of hx and cx.
    Tensor dh = dh_n.defined() ? clone(dense(dh_n, dt)) : zeros({steps.batch, shape.Hout}, dt);
    Tensor dc = shape.mode == RnnMode::LSTM ? (dc_n.defined() ? clone(dense(dc_n, dt)) : zeros({steps.batch, shape.H}, dt))
                                            : Tensor();
    Tensor dout_dense = dout.defined() ? dense(dout, dt) : Tensor();
    LayerArgs grads;
    for (int i = 0; i < kArgs; ++i)
      if (needs_input_grad(i) && i != kHx && i != kCx) grads[i] = empty(a[i].sizes(), dt);
    dispatch_float(dt, [&](auto tag) {
      using T = decltype(tag);
      layer_backward<T>(shape, steps, dense_args, w, ptr<T>(dout_dense), mut<T>(dh), mut<T>(dc), grads);
    });
    if (needs_input_grad(kHx)) grads[kHx] = dh;
    if (needs_input_grad(kCx)) grads[kCx] = dc;
    return tensor_list(grads.begin(), grads.begin() + next_edges().size());
  }

  tensor_list composite(const LayerArgs& saved_args, const Tensor& dout, const Tensor& dh_n, const Tensor& dc_n) {
    LayerArgs a = saved_args;
    tensor_list inputs;
    std::vector<int> which;
    for (int i = 0; i < kArgs; ++i)
      if (needs_input_grad(i)) {
        a[i] = view(a[i], a[i].sizes());  // see Note [Recurrent double backward]
        inputs.push_back(a[i]);
        which.push_back(i);
      }
    std::array<Tensor, 3> r = composite_layer(a, shape, steps);
    tensor_list outputs, grad_outputs;
    auto use = [&](const Tensor& out, const Tensor& grad) {
      if (out.defined() && grad.defined()) {
        outputs.push_back(out);
        grad_outputs.push_back(grad);
      }
    };
    use(r[0], dout);
    use(r[1], dh_n);
    use(r[2], dc_n);
    tensor_list result(next_edges().size());
    if (outputs.empty() || inputs.empty()) return result;
    tensor_list grads = grad(outputs, inputs, grad_outputs, /*retain_graph=*/true, /*create_graph=*/true,
                             /*allow_unused=*/true);
    for (size_t k = 0; k < which.size(); ++k) result[which[k]] = grads[k];
    return result;
  }
};

struct LayerResult {
  Tensor output, h_n, c_n;
};

// Runs one layer (or cell) and records its Node.
LayerResult run_layer(const LayerArgs& args, const LayerShape& s, Steps steps, RnnKind kind) {
  const Tensor& input = args[kInput];
  const ScalarType dt = input.dtype();
  const int64_t N = steps.rows;
  LayerArgs a;
  for (int i = 0; i < kArgs; ++i) a[i] = args[i].defined() ? dense(args[i]) : Tensor();
  Dims out_shape = input.dim() == 3 ? Dims{input.size(0), input.size(1), s.Hout} : Dims{N, s.Hout};
  LayerResult r;
  r.output = empty(out_shape, dt);
  r.h_n = clone(a[kHx]);
  if (s.mode == RnnMode::LSTM) r.c_n = clone(a[kCx]);
  Workspace w;
  w.gates = empty({N, s.G}, dt);
  w.h_prev = empty({N, s.Hout}, dt);
  if (s.mode == RnnMode::LSTM) {
    w.c_prev = empty({N, s.H}, dt);
    w.tanh_c = empty({N, s.H}, dt);
  }
  if (s.mode == RnnMode::GRU) w.hn = empty({N, s.H}, dt);
  dispatch_float(dt, [&](auto tag) {
    using T = decltype(tag);
    layer_forward<T>(s, steps, a, w, mut<T>(r.output), mut<T>(r.h_n), mut<T>(r.c_n));
  });
  if (compute_requires_grad({&args[kInput], &args[kWeightIh], &args[kWeightHh], &args[kBiasIh], &args[kBiasHh],
                             &args[kHx], &args[kCx], &args[kWeightHr]})) {
    auto node = std::make_shared<RnnBackward>(kind, s, std::move(steps));
    // PyTorch's seven edges (input, four weights, hx, cx); an eighth for the projection when there is one.
    const int edges = s.proj ? kArgs : kWeightHr;
    node->reserve_next_edges(edges);
    for (int i = 0; i < edges; ++i) node->add_next_edge(args[i].defined() ? gradient_edge(args[i]) : Edge{});
    node->save_all(args, w);
    set_history(r.output, node);
    if (kind == RnnKind::Layer) set_history(r.h_n, node);
    if (r.c_n.defined()) set_history(r.c_n, node);
  }
  return r;
}

// ---- cells ----

// PyTorch's checks of a cell's input and states (check_rnn_cell_forward_input / _hidden), then the dtypes.
void check_cell(const Tensor& input, std::initializer_list<const Tensor*> states, const Tensor& w_ih,
                const Tensor& w_hh, const char* op) {
  FG_CHECK(input.defined() && w_ih.defined() && w_hh.defined(), Error, op, ": input and weights must be defined");
  FG_CHECK(input.dim() == 2, Error, op, ": expected input of 2 dims (batch, input_size), got ",
           shape_str(input.sizes()));
  FG_CHECK(w_ih.dim() == 2 && w_hh.dim() == 2, Error, op, ": expected 2-dim weights, got weight_ih ",
           shape_str(w_ih.sizes()), " and weight_hh ", shape_str(w_hh.sizes()));
  FG_CHECK(input.size(1) == w_ih.size(1), Error, "input has inconsistent input_size: got ", input.size(1),
           " expected ", w_ih.size(1));
  int label = 0;
  for (const Tensor* h : states) {
    FG_CHECK(h->defined() && h->dim() == 2, Error, op, ": expected hidden", label, " of 2 dims (batch, hidden_size)");
    FG_CHECK(input.size(0) == h->size(0), Error, "Input batch size ", input.size(0), " doesn't match hidden", label,
             " batch size ", h->size(0));
    FG_CHECK(h->size(1) == w_hh.size(1), Error, "hidden", label, " has inconsistent hidden_size: got ", h->size(1),
             ", expected ", w_hh.size(1));
    ++label;
  }
  FG_CHECK(input.dtype() == w_ih.dtype(), Error, "mat1 and mat2 must have the same dtype, but got ",
           dtype_pair(input.dtype(), w_ih.dtype()));
  for (const Tensor* h : states)
    FG_CHECK(h->dtype() == w_hh.dtype(), Error, "mat1 and mat2 must have the same dtype, but got ",
             dtype_pair(h->dtype(), w_hh.dtype()));
}

LayerResult run_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih, const Tensor& b_hh, RnnMode mode, RnnKind kind, const char* op) {
  if (mode == RnnMode::LSTM) check_cell(input, {&hx, &cx}, w_ih, w_hh, op);
  else check_cell(input, {&hx}, w_ih, w_hh, op);
  if (is_reduced_float(input.dtype())) {  // Note [Half-precision ops]
    tensor_list r = run_in_float32({input, hx, cx, w_ih, w_hh, b_ih, b_hh}, input.dtype(),
                                   [mode, kind, op](const tensor_list& a) {
                                     LayerResult l = run_cell(a[0], a[1], a[2], a[3], a[4], a[5], a[6], mode, kind, op);
                                     return tensor_list{l.output, l.h_n, l.c_n};
                                   });
    return {r[0], r[1], r[2]};
  }
  Steps steps = uniform_steps(1, input.size(0));
  LayerArgs a{input, w_ih, w_hh, b_ih, b_hh, hx, cx, Tensor()};
  const LayerShape s = check_layer(a, mode, steps, op);
  return run_layer(a, s, std::move(steps), kind);
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> rnn_layer(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                             const Tensor& weight_ih, const Tensor& weight_hh, const Tensor& bias_ih,
                                             const Tensor& bias_hh, const Tensor& weight_hr, RnnMode mode,
                                             bool reverse, const std::vector<int64_t>& batch_sizes) {
  FG_CHECK(input.defined(), Error, "rnn_layer: input must be defined");
  if (is_reduced_float(input.dtype())) {  // Note [Half-precision ops]
    tensor_list r = run_in_float32({input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr}, input.dtype(),
                                   [mode, reverse, batch_sizes](const tensor_list& a) {
                                     auto [o, h, c] = rnn_layer(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], mode,
                                                                reverse, batch_sizes);
                                     return tensor_list{o, h, c};
                                   });
    return {r[0], r[1], r[2]};
  }
  const bool packed = !batch_sizes.empty();
  FG_CHECK(input.dim() == (packed ? 2 : 3), Error, "input must have ", packed ? 2 : 3, " dimensions, got ",
           input.dim());
  FG_CHECK(packed || input.size(0) > 0, Error, "Expected sequence length to be larger than 0 in RNN");
  Steps steps = packed ? packed_steps(batch_sizes, input.size(0)) : uniform_steps(input.size(0), input.size(1));
  LayerArgs a{input, weight_ih, weight_hh, bias_ih, bias_hh, hx, mode == RnnMode::LSTM ? cx : Tensor(), weight_hr};
  LayerShape s = check_layer(a, mode, steps, "rnn_layer");
  s.reverse = reverse;
  LayerResult r = run_layer(a, s, std::move(steps), RnnKind::Layer);
  return {r.output, r.h_n, r.c_n};
}

std::tuple<Tensor, Tensor, Tensor> rnn(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                       const tensor_list& params, RnnMode mode, bool has_biases, int64_t num_layers,
                                       double dropout_p, bool train, bool bidirectional, bool batch_first,
                                       const std::vector<int64_t>& batch_sizes) {
  // Autocast (Note [Autocast]): PyTorch runs nn.LSTM (its MkldnnRnnLayer op) and the Elman layers (composed of
  // linear) in the region's dtype, nn.GRU in its inputs' dtypes
  if (AutocastMode::is_enabled() && mode != RnnMode::GRU) {
    tensor_list cast;
    for (const Tensor& p : params) cast.push_back(autocast_lower(p));
    const Tensor input_ac = autocast_lower(input), hx_ac = autocast_lower(hx), cx_ac = autocast_lower(cx);
    AutocastOff off;
    return rnn(input_ac, hx_ac, cx_ac, cast, mode, has_biases, num_layers, dropout_p, train, bidirectional,
               batch_first, batch_sizes);
  }
  const bool packed = !batch_sizes.empty();
  const bool lstm = mode == RnnMode::LSTM;
  const int64_t directions = bidirectional ? 2 : 1;
  FG_CHECK(num_layers > 0, ValueError, "num_layers must be greater than zero");
  FG_CHECK(input.defined() && hx.defined() && (!lstm || cx.defined()), Error,
           "rnn: input and the initial states must be defined");
  FG_CHECK(input.dim() == (packed ? 2 : 3), Error, "input must have ", packed ? 2 : 3, " dimensions, got ",
           input.dim());
  const int64_t base = has_biases ? 4 : 2;
  const int64_t layers = num_layers * directions;
  const int64_t total = static_cast<int64_t>(params.size());
  const int64_t per = total % layers == 0 ? total / layers : 0;
  FG_CHECK(per == base || (lstm && per == base + 1), Error, "rnn: expected ", base, lstm ? " (or, with projections, " : "",
           lstm ? std::to_string(base + 1) + ")" : "", " parameters per layer and direction, got ", total,
           " for ", layers);
  const bool proj = per == base + 1;
  FG_CHECK(hx.dim() == 3 && hx.size(0) == layers && (!lstm || (cx.dim() == 3 && cx.size(0) == layers)), Error,
           "rnn: expected hx", lstm ? " and cx" : "", " of shape (num_layers * num_directions, batch, hidden), got ",
           shape_str(hx.sizes()), lstm ? " and " + shape_str(cx.sizes()) : "");
  Tensor x = !packed && batch_first ? transpose(input, 0, 1) : input;
  tensor_list h_n, c_n;
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    tensor_list outs;
    for (int64_t dir = 0; dir < directions; ++dir) {
      const int64_t index = layer * directions + dir;
      const Tensor* p = params.data() + index * per;
      auto [out, h, c] = rnn_layer(x, select(hx, 0, index), lstm ? select(cx, 0, index) : Tensor(), p[0], p[1],
                                   has_biases ? p[2] : Tensor(), has_biases ? p[3] : Tensor(),
                                   proj ? p[per - 1] : Tensor(), mode, dir == 1, batch_sizes);
      outs.push_back(out);
      h_n.push_back(h);
      if (lstm) c_n.push_back(c);
    }
    x = directions == 1 ? outs[0] : cat(outs, x.dim() - 1);
    if (dropout_p != 0 && train && layer < num_layers - 1) x = dropout(x, dropout_p, true);
  }
  Tensor output = !packed && batch_first ? transpose(x, 0, 1) : x;
  return {output, stack(h_n, 0), lstm ? stack(c_n, 0) : Tensor()};
}

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                        const tensor_list& params, bool has_biases, int64_t num_layers, double dropout_p,
                                        bool train, bool bidirectional, bool batch_first) {
  return rnn(input, hx, cx, params, RnnMode::LSTM, has_biases, num_layers, dropout_p, train, bidirectional,
             batch_first);
}

std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                               int64_t num_layers, double dropout_p, bool train, bool bidirectional, bool batch_first) {
  auto [out, h, c] = rnn(input, hx, Tensor(), params, RnnMode::GRU, has_biases, num_layers, dropout_p, train,
                         bidirectional, batch_first);
  return {out, h};
}

std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                                    int64_t num_layers, double dropout_p, bool train, bool bidirectional,
                                    bool batch_first) {
  auto [out, h, c] = rnn(input, hx, Tensor(), params, RnnMode::Tanh, has_biases, num_layers, dropout_p, train,
                         bidirectional, batch_first);
  return {out, h};
}

std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const tensor_list& params, bool has_biases,
                                    int64_t num_layers, double dropout_p, bool train, bool bidirectional,
                                    bool batch_first) {
  auto [out, h, c] = rnn(input, hx, Tensor(), params, RnnMode::Relu, has_biases, num_layers, dropout_p, train,
                         bidirectional, batch_first);
  return {out, h};
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& weight_ih,
                                     const Tensor& weight_hh, const Tensor& bias_ih, const Tensor& bias_hh) {
  LayerResult r = run_cell(input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh, RnnMode::LSTM, RnnKind::LstmCell,
                           "lstm_cell");
  return {r.output, r.c_n};
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                const Tensor& bias_ih, const Tensor& bias_hh) {
  return run_cell(input, hx, Tensor(), weight_ih, weight_hh, bias_ih, bias_hh, RnnMode::GRU, RnnKind::GruCell,
                  "gru_cell")
      .output;
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                     const Tensor& bias_ih, const Tensor& bias_hh) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: composed of linear in PyTorch, so in the region's dtype
    const Tensor i = autocast_lower(input), h = autocast_lower(hx), wi = autocast_lower(weight_ih),
                 wh = autocast_lower(weight_hh), bi = autocast_lower(bias_ih), bh = autocast_lower(bias_hh);
    AutocastOff off;
    return rnn_tanh_cell(i, h, wi, wh, bi, bh);
  }
  return run_cell(input, hx, Tensor(), weight_ih, weight_hh, bias_ih, bias_hh, RnnMode::Tanh, RnnKind::TanhCell,
                  "rnn_tanh_cell")
      .output;
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& weight_ih, const Tensor& weight_hh,
                     const Tensor& bias_ih, const Tensor& bias_hh) {
  if (AutocastMode::is_enabled()) {  // Note [Autocast]: composed of linear in PyTorch, so in the region's dtype
    const Tensor i = autocast_lower(input), h = autocast_lower(hx), wi = autocast_lower(weight_ih),
                 wh = autocast_lower(weight_hh), bi = autocast_lower(bias_ih), bh = autocast_lower(bias_hh);
    AutocastOff off;
    return rnn_relu_cell(i, h, wi, wh, bi, bh);
  }
  return run_cell(input, hx, Tensor(), weight_ih, weight_hh, bias_ih, bias_hh, RnnMode::Relu, RnnKind::ReluCell,
                  "rnn_relu_cell")
      .output;
}

}  // namespace fastgrad

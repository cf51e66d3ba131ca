// The gate nonlinearities of the recurrent layers and cells (the ops and their Nodes are in ops/rnn.cpp): one
// time step over `rows` batch rows, every buffer contiguous, T float or double. The transcendental parts run
// through the vector kernels of the dispatch table (tanh, sigmoid); the rest are plain loops.
#pragma once

#include <cstdint>

namespace fastgrad::cpu {

// LSTM, gates in PyTorch's order i, f, g, o, each H wide (a row of `gates` is 4H).
// Forward: `gates` holds the pre-activations and receives sigmoid(i), sigmoid(f), tanh(g), sigmoid(o);
// c = f * c_prev + i * g, tanh_c = tanh(c), m = o * tanh_c (the hidden state, before any projection).
template <class T>
void lstm_gates_forward(T* gates, const T* c_prev, T* c, T* tanh_c, T* m, int64_t rows, int64_t H);
// Backward from the saved activations: dm the gradient of m; dc holds on entry the gradient of c from later
// steps and receives that of c_prev; dgates receives the gradients of the four pre-activations.
template <class T>
void lstm_gates_backward(const T* gates, const T* c_prev, const T* tanh_c, const T* dm, T* dc, T* dgates,
                         int64_t rows, int64_t H);
// m = o * tanh_c again (for the projection's weight gradient), from the saved activations.
template <class T>
void lstm_hidden(const T* gates, const T* tanh_c, T* m, int64_t rows, int64_t H);

// GRU, gates r, z, n (PyTorch's formula: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = n + z * (h - n)).
// Forward: gx (rows, 3H) holds W_i x + b_i (with b_hr and b_hz already added) and receives r, z, n; gh (rows,
// 3H) holds W_h h; b_hn may be null; hn receives W_hn h + b_hn; h receives h'.
template <class T>
void gru_gates_forward(T* gx, const T* gh, const T* b_hn, const T* h_prev, T* hn, T* h, int64_t rows, int64_t H);
// Backward: dh the gradient of h' (read once per element, so dh_prev may be the same buffer); dgx receives the
// gradients of the input side's pre-activations, dgh those of the hidden side's (r and z as dgx, n's times r),
// dh_prev the direct part dh * z of h_prev's gradient (the caller adds dgh W_hh).
template <class T>
void gru_gates_backward(const T* gates, const T* hn, const T* h_prev, const T* dh, T* dgx, T* dgh, T* dh_prev,
                        int64_t rows, int64_t H);

// Elman: x = tanh(x) or relu(x) in place over n elements; backward dpre = dh * (1 - h^2) or dh * (h > 0), from h.
template <class T>
void rnn_gates_forward(T* x, int64_t n, bool relu);
template <class T>
void rnn_gates_backward(const T* h, const T* dh, T* dpre, int64_t n, bool relu);

}  // namespace fastgrad::cpu

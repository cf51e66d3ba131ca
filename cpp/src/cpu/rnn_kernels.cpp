#include "rnn_kernels.h"

#include <cmath>

#include "dispatch.h"

namespace fastgrad::cpu {

template <class T>
void lstm_gates_forward(T* gates, const T* c_prev, T* c, T* tanh_c, T* m, int64_t rows, int64_t H) {
  auto sigmoid = unary_kernel<T>(UnaryOp::Sigmoid);
  auto tanh = unary_kernel<T>(UnaryOp::Tanh);
  for (int64_t r = 0; r < rows; ++r) {
    T* g = gates + r * 4 * H;
    sigmoid(g, g, 2 * H);          // i, f
    tanh(g + 2 * H, g + 2 * H, H);  // g
    sigmoid(g + 3 * H, g + 3 * H, H);  // o
    const T* i = g;
    const T* f = g + H;
    const T* cell = g + 2 * H;
    const T* cp = c_prev + r * H;
    T* cr = c + r * H;
    for (int64_t j = 0; j < H; ++j) cr[j] = f[j] * cp[j] + i[j] * cell[j];
    T* tc = tanh_c + r * H;
    tanh(cr, tc, H);
    const T* o = g + 3 * H;
    T* mr = m + r * H;
    for (int64_t j = 0; j < H; ++j) mr[j] = o[j] * tc[j];
  }
}

namespace {

// One row of lstm_gates_backward. The buffers never overlap; saying so (restrict parameters) lets the compiler
// vectorise the loop.
template <class T>
void lstm_row_backward(const T* __restrict i, const T* __restrict f, const T* __restrict cell,
                       const T* __restrict o, const T* __restrict cp, const T* __restrict tc, const T* __restrict dm,
                       T* __restrict dc, T* __restrict di, T* __restrict df, T* __restrict dg, T* __restrict d_o,
                       int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T dct = dc[j] + dm[j] * o[j] * (T(1) - tc[j] * tc[j]);
    di[j] = dct * cell[j] * i[j] * (T(1) - i[j]);
    df[j] = dct * cp[j] * f[j] * (T(1) - f[j]);
    dg[j] = dct * i[j] * (T(1) - cell[j] * cell[j]);
    d_o[j] = dm[j] * tc[j] * o[j] * (T(1) - o[j]);
    dc[j] = dct * f[j];
  }
}

// One row of gru_gates_backward (dh_prev may be dh itself: each element is read before it is written).
template <class T>
void gru_row_backward(const T* __restrict reset, const T* __restrict update, const T* __restrict n,
                      const T* __restrict hn, const T* __restrict hp, const T* dh, T* __restrict dxr,
                      T* __restrict dxz, T* __restrict dxn, T* __restrict dhr, T* __restrict dhz, T* __restrict dhn,
                      T* dh_prev, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T d = dh[j];
    const T dn = d * (T(1) - update[j]) * (T(1) - n[j] * n[j]);
    const T dz = d * (hp[j] - n[j]) * update[j] * (T(1) - update[j]);
    const T dr = dn * hn[j] * reset[j] * (T(1) - reset[j]);
    dxr[j] = dhr[j] = dr;
    dxz[j] = dhz[j] = dz;
    dxn[j] = dn;
    dhn[j] = dn * reset[j];
    dh_prev[j] = d * update[j];
  }
}

}  // namespace

template <class T>
void lstm_gates_backward(const T* gates, const T* c_prev, const T* tanh_c, const T* dm, T* dc, T* dgates,
                         int64_t rows, int64_t H) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = gates + r * 4 * H;
    T* d = dgates + r * 4 * H;
    lstm_row_backward<T>(g, g + H, g + 2 * H, g + 3 * H, c_prev + r * H, tanh_c + r * H, dm + r * H, dc + r * H, d,
                         d + H, d + 2 * H, d + 3 * H, H);
  }
}

template <class T>
void lstm_hidden(const T* gates, const T* tanh_c, T* m, int64_t rows, int64_t H) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* o = gates + r * 4 * H + 3 * H;
    const T* tc = tanh_c + r * H;
    T* mr = m + r * H;
    for (int64_t j = 0; j < H; ++j) mr[j] = o[j] * tc[j];
  }
}

template <class T>
void gru_gates_forward(T* gx, const T* gh, const T* b_hn, const T* h_prev, T* hn, T* h, int64_t rows, int64_t H) {
  auto sigmoid = unary_kernel<T>(UnaryOp::Sigmoid);
  auto tanh = unary_kernel<T>(UnaryOp::Tanh);
  for (int64_t r = 0; r < rows; ++r) {
    T* x = gx + r * 3 * H;
    const T* hg = gh + r * 3 * H;
    for (int64_t j = 0; j < 2 * H; ++j) x[j] += hg[j];
    sigmoid(x, x, 2 * H);  // r, z
    const T* reset = x;
    const T* update = x + H;
    T* n = x + 2 * H;
    T* hnr = hn + r * H;
    for (int64_t j = 0; j < H; ++j) {
      hnr[j] = b_hn ? hg[2 * H + j] + b_hn[j] : hg[2 * H + j];
      n[j] += reset[j] * hnr[j];
    }
    tanh(n, n, H);
    const T* hp = h_prev + r * H;
    T* hr = h + r * H;
    for (int64_t j = 0; j < H; ++j) hr[j] = n[j] + update[j] * (hp[j] - n[j]);
  }
}

template <class T>
void gru_gates_backward(const T* gates, const T* hn, const T* h_prev, const T* dh, T* dgx, T* dgh, T* dh_prev,
                        int64_t rows, int64_t H) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = gates + r * 3 * H;
    T* dx = dgx + r * 3 * H;
    T* dhg = dgh + r * 3 * H;
    gru_row_backward<T>(g, g + H, g + 2 * H, hn + r * H, h_prev + r * H, dh + r * H, dx, dx + H, dx + 2 * H, dhg,
                        dhg + H, dhg + 2 * H, dh_prev + r * H, H);
  }
}

template <class T>
void rnn_gates_forward(T* x, int64_t n, bool relu) {
  if (!relu) {
    unary_kernel<T>(UnaryOp::Tanh)(x, x, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] > T(0) || std::isnan(x[i]) ? x[i] : T(0);  // NaN stays, as relu
}

template <class T>
void rnn_gates_backward(const T* h, const T* dh, T* dpre, int64_t n, bool relu) {
  if (relu) {
    for (int64_t i = 0; i < n; ++i) dpre[i] = h[i] > T(0) ? dh[i] : T(0);
  } else {
    for (int64_t i = 0; i < n; ++i) dpre[i] = dh[i] * (T(1) - h[i] * h[i]);
  }
}

#define FG_RNN_KERNELS(T)                                                                                      \
  template void lstm_gates_forward<T>(T*, const T*, T*, T*, T*, int64_t, int64_t);                             \
  template void lstm_gates_backward<T>(const T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t);      \
  template void lstm_hidden<T>(const T*, const T*, T*, int64_t, int64_t);                                      \
  template void gru_gates_forward<T>(T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t);              \
  template void gru_gates_backward<T>(const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t);   \
  template void rnn_gates_forward<T>(T*, int64_t, bool);                                                       \
  template void rnn_gates_backward<T>(const T*, const T*, T*, int64_t, bool);
FG_RNN_KERNELS(float)
FG_RNN_KERNELS(double)
#undef FG_RNN_KERNELS

}  // namespace fastgrad::cpu

// A whole LSTM layer over time in one kernel each way: the per-step work of
// models' Lstm (nn/lstm.ts) without a tfjs op per gate per step. The input
// projection x·W + b for all steps is one product done before (by tfjs).
//
// For t = 0 … T−1, with h₋₁ = c₋₁ = 0 and gate blocks f, i, c̃, o of H each:
//   z_t = xw_t + h_{t−1}·U                    [B, 4H]
//   f, i, o = σ(z_f, z_i, z_o)   g = tanh(z_c)
//   c' = f⊙c_{t−1} + i⊙g         h' = o⊙tanh(c')
//   with a mask m_t ∈ {0, 1} per row (padding):
//   c_t = m·c' + (1−m)·c_{t−1}   h_t = m·h' + (1−m)·h_{t−1}
#include <cstring>
#include <vector>

#include "common.h"
#include "mathfun.h"

#ifdef COURSE_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace course {
namespace {

struct Dims {
  int64_t B, T, H;
};

// lstmSequenceForward(hs, cs, gates, xw, U, mask, B, T, H): hs, cs [B, T, H]; gates [B, T, 4H]
// (σ/tanh-activated, kept for the backward); mask [B, T] or an empty array for none.
COURSE_KERNEL(lstmSequenceForward, {
  Args a(env, info, 9, "lstmSequenceForward");
  auto hs = a.f32(0), cs = a.f32(1), gates = a.f32(2), xw = a.f32(3), U = a.f32(4), mask = a.f32(5);
  const Dims d{a.integer(6), a.integer(7), a.integer(8)};
  const int64_t B = d.B, T = d.T, H = d.H, G = 4 * H;
  if (static_cast<int64_t>(hs.length) < B * T * H || static_cast<int64_t>(cs.length) < B * T * H)
    throw ArgError("hs/cs are too short");
  if (static_cast<int64_t>(gates.length) < B * T * G || static_cast<int64_t>(xw.length) < B * T * G)
    throw ArgError("gates/xw are too short");
  if (static_cast<int64_t>(U.length) < H * G) throw ArgError("U is too short");
  const bool masked = mask.length > 0;
  if (masked && static_cast<int64_t>(mask.length) < B * T) throw ArgError("mask is too short");
  // h_{t−1} and c_{t−1} are read in place from hs and cs: rows b of step t−1 lie T·H apart.
  std::vector<float> z(B * G);
  for (int64_t t = 0; t < T; t++) {
    for (int64_t b = 0; b < B; b++) std::memcpy(&z[b * G], xw.data + (b * T + t) * G, G * sizeof(float));
    if (t > 0) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, G, H, 1.0f, hs.data + (t - 1) * H, T * H, U.data, G,
                  1.0f, z.data(), G);
    }
    parallelFor(B, H * 40, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; b++) {
        const float* zr = &z[b * G];
        float* gr = gates.data + (b * T + t) * G;
        float* h = hs.data + (b * T + t) * H;
        float* c = cs.data + (b * T + t) * H;
        const float* hp = t > 0 ? h - H : nullptr;  // step t−1 of the same row
        const float* cp = t > 0 ? c - H : nullptr;
        const float m = masked ? mask.data[b * T + t] : 1.0f;
        for (int64_t j = 0; j < H; j++) {
          const float hPrev = hp ? hp[j] : 0.0f, cPrev = cp ? cp[j] : 0.0f;
          const float f = sigmoidApprox(zr[j]), i = sigmoidApprox(zr[H + j]);
          const float g = tanhApprox(zr[2 * H + j]), o = sigmoidApprox(zr[3 * H + j]);
          gr[j] = f;
          gr[H + j] = i;
          gr[2 * H + j] = g;
          gr[3 * H + j] = o;
          const float cNew = f * cPrev + i * g;
          const float hNew = o * tanhApprox(cNew);
          c[j] = m * cNew + (1.0f - m) * cPrev;
          h[j] = m * hNew + (1.0f - m) * hPrev;
        }
      }
    });
  }
  return undefinedValue(env);
})

// Backward through time, t = T−1 … 0, with dh, dc the gradients reaching h_t, c_t
// (dhs_t plus what step t+1 sends back), c' and h' the unmasked step values:
//   dc' = m·dc + m·dh⊙o⊙(1 − tanh²c')        (tanh c' recomputed from o: h' = o·tanh c')
//   dz_f = dc'⊙c_{t−1}⊙f(1−f)  dz_i = dc'⊙g⊙i(1−i)  dz_c = dc'⊙i⊙(1−g²)  dz_o = m·dh⊙tanh c'⊙o(1−o)
//   dxw_t = dz    dU += h_{t−1}ᵀ·dz
//   dh_{t−1} = dz·Uᵀ + (1−m)·dh    dc_{t−1} = dc'⊙f + (1−m)·dc
// lstmSequenceBackward(dxw, dU, dhs, hs, cs, gates, U, mask, B, T, H): dxw and dU are overwritten.
COURSE_KERNEL(lstmSequenceBackward, {
  Args a(env, info, 11, "lstmSequenceBackward");
  auto dxw = a.f32(0), dU = a.f32(1), dhs = a.f32(2), hs = a.f32(3), cs = a.f32(4), gates = a.f32(5);
  auto U = a.f32(6), mask = a.f32(7);
  const Dims d{a.integer(8), a.integer(9), a.integer(10)};
  const int64_t B = d.B, T = d.T, H = d.H, G = 4 * H;
  if (static_cast<int64_t>(dxw.length) < B * T * G || static_cast<int64_t>(gates.length) < B * T * G)
    throw ArgError("dxw/gates are too short");
  if (static_cast<int64_t>(dU.length) < H * G || static_cast<int64_t>(U.length) < H * G) throw ArgError("U/dU are too short");
  if (static_cast<int64_t>(dhs.length) < B * T * H || static_cast<int64_t>(hs.length) < B * T * H ||
      static_cast<int64_t>(cs.length) < B * T * H)
    throw ArgError("dhs/hs/cs are too short");
  const bool masked = mask.length > 0;
  if (masked && static_cast<int64_t>(mask.length) < B * T) throw ArgError("mask is too short");
  std::memset(dU.data, 0, H * G * sizeof(float));
  std::vector<float> dz(B * G), dh(B * H, 0.0f), dc(B * H, 0.0f);
  for (int64_t t = T - 1; t >= 0; t--) {
    for (int64_t b = 0; b < B; b++) {
      const float* src = dhs.data + (b * T + t) * H;
      for (int64_t j = 0; j < H; j++) dh[b * H + j] += src[j];
    }
    parallelFor(B, H * 40, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; b++) {
        const float* gr = gates.data + (b * T + t) * G;
        const float* cp = t > 0 ? cs.data + (b * T + t - 1) * H : nullptr;
        const float m = masked ? mask.data[b * T + t] : 1.0f;
        float* dzr = &dz[b * G];
        for (int64_t j = 0; j < H; j++) {
          const float f = gr[j], i = gr[H + j], g = gr[2 * H + j], o = gr[3 * H + j];
          const float cPrevJ = cp ? cp[j] : 0.0f;
          const float cNew = f * cPrevJ + i * g;
          const float tc = tanhApprox(cNew);
          const float dhj = dh[b * H + j], dcj = dc[b * H + j];
          const float dcNew = m * dcj + m * dhj * o * (1.0f - tc * tc);
          dzr[j] = dcNew * cPrevJ * f * (1.0f - f);
          dzr[H + j] = dcNew * g * i * (1.0f - i);
          dzr[2 * H + j] = dcNew * i * (1.0f - g * g);
          dzr[3 * H + j] = m * dhj * tc * o * (1.0f - o);
          dc[b * H + j] = dcNew * f + (1.0f - m) * dcj;
          dh[b * H + j] = (1.0f - m) * dhj;  // the dz·Uᵀ part is added below
        }
        std::memcpy(dxw.data + (b * T + t) * G, dzr, G * sizeof(float));
      }
    });
    if (t > 0) {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, G, B, 1.0f, hs.data + (t - 1) * H, T * H, dz.data(), G,
                  1.0f, dU.data, G);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, G, 1.0f, dz.data(), G, U.data, G, 1.0f, dh.data(), H);
    }
  }
  return undefinedValue(env);
})

const Export kExports[] = {
    {"lstmSequenceForward", lstmSequenceForward},
    {"lstmSequenceBackward", lstmSequenceBackward},
};

}  // namespace

void registerRecurrent(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

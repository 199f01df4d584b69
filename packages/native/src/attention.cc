// Causal self-attention in one kernel each way, as llm.c's attention_forward /
// attention_backward, reading Q, K, V straight out of the fused QKV
// projection (no split, no head transposes, no concat) with BLAS products
// per (batch, head): the heads run in parallel, BLAS single-threaded inside.
//
// qkv [B, T, 3C]: row (b, t) holds q | k | v, head h at columns h·hs of each.
//   S = Q·Kᵀ            [T, T]   per (b, h)
//   A = softmax(scale·S + causal mask)   (saved for the backward)
//   scale is an argument: the caller passes 1.0f/sqrtf(hs) for the standard
//   1/√hs (bit for bit what this kernel computed before it took the scale), or
//   muP's √d₀/hs.
//   Y = A·V             [T, hs]  written to y [B, T, C] at columns h·hs
#include <algorithm>
#include <cmath>
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

// The softmax scale argument, as a float (a finite number > 0).
float readScale(const Args& a, size_t i) {
  const double scale = a.number(i);
  if (!(scale > 0) || !std::isfinite(scale)) throw ArgError("scale must be a finite number > 0");
  return static_cast<float>(scale);
}

// Runs body(b, h, scratch) for every (batch, head): in parallel with BLAS on one
// thread when there are enough pairs, else serially with BLAS threaded.
template <typename F>
void forEachHead(const HeadShape& s, int64_t scratchSize, F body) {
  const int64_t pairs = s.B * s.H;
  const int threads = numThreads();
  if (pairs >= threads && threads > 1) {
    SingleThreadedBlas single;
    const int64_t chunks = std::min<int64_t>(pairs, threads);
    parallelFor(chunks, kParallelMin, [&](int64_t cb, int64_t ce) {
      std::vector<float> scratch(scratchSize);
      for (int64_t c = cb; c < ce; c++) {
        for (int64_t p = pairs * c / chunks; p < pairs * (c + 1) / chunks; p++) body(p / s.H, p % s.H, scratch.data());
      }
    });
  } else {
    std::vector<float> scratch(scratchSize);
    for (int64_t p = 0; p < pairs; p++) body(p / s.H, p % s.H, scratch.data());
  }
}

// causalAttentionForward(y, att, qkv, B, T, C, H, scale)
COURSE_KERNEL(causalAttentionForward, {
  Args a(env, info, 8, "causalAttentionForward");
  auto y = a.f32(0), att = a.f32(1), qkv = a.f32(2);
  const HeadShape s = readHeadShape(a, 3);
  const int64_t T = s.T, C = s.C, hs = s.hs;
  if (static_cast<int64_t>(y.length) < s.B * T * C) throw ArgError("y is too short");
  if (static_cast<int64_t>(att.length) < s.B * s.H * T * T) throw ArgError("att is too short");
  if (static_cast<int64_t>(qkv.length) < s.B * T * 3 * C) throw ArgError("qkv is too short");
  const float scale = readScale(a, 7);
  forEachHead(s, 0, [&](int64_t b, int64_t h, float*) {
    const float* q = qkv.data + b * T * 3 * C + h * hs;
    const float* k = q + C;
    const float* v = q + 2 * C;
    float* A = att.data + (b * s.H + h) * T * T;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0f, q, 3 * C, k, 3 * C, 0.0f, A, T);
    for (int64_t t = 0; t < T; t++) {
      float* row = A + t * T;
      const float mx = rowMax(row, t + 1);
      const float sum = expShiftedSum(row, row, t + 1, mx, scale);
      scaleRow(row, t + 1, 1.0f / sum);
      for (int64_t u = t + 1; u < T; u++) row[u] = 0.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, A, T, v, 3 * C, 0.0f,
                y.data + b * T * C + h * hs, C);
  });
  return undefinedValue(env);
})

// Backward, per (b, h), with dY the gradient of Y:
//   dA = dY·Vᵀ      dV = Aᵀ·dY
//   dS = scale · A ⊙ (dA − rowsum(dA ⊙ A))      (softmax backward; 0 where masked)
//   dQ = dS·K       dK = dSᵀ·Q
// causalAttentionBackward(dqkv, dy, att, qkv, B, T, C, H, scale): dqkv is overwritten.
COURSE_KERNEL(causalAttentionBackward, {
  Args a(env, info, 9, "causalAttentionBackward");
  auto dqkv = a.f32(0), dy = a.f32(1), att = a.f32(2), qkv = a.f32(3);
  const HeadShape s = readHeadShape(a, 4);
  const int64_t T = s.T, C = s.C, hs = s.hs;
  if (static_cast<int64_t>(dqkv.length) < s.B * T * 3 * C) throw ArgError("dqkv is too short");
  if (static_cast<int64_t>(dy.length) < s.B * T * C) throw ArgError("dy is too short");
  if (static_cast<int64_t>(att.length) < s.B * s.H * T * T) throw ArgError("att is too short");
  if (static_cast<int64_t>(qkv.length) < s.B * T * 3 * C) throw ArgError("qkv is too short");
  const float scale = readScale(a, 8);
  forEachHead(s, T * T, [&](int64_t b, int64_t h, float* dA) {
    const int64_t base = b * T * 3 * C + h * hs;
    const float *q = qkv.data + base, *k = q + C, *v = q + 2 * C;
    float *dq = dqkv.data + base, *dk = dq + C, *dv = dq + 2 * C;
    const float* A = att.data + (b * s.H + h) * T * T;
    const float* dY = dy.data + b * T * C + h * hs;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hs, 1.0f, dY, C, v, 3 * C, 0.0f, dA, T);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, A, T, dY, C, 0.0f, dv, 3 * C);
    for (int64_t t = 0; t < T; t++) {
      const float* ar = A + t * T;
      float* dr = dA + t * T;
      float dot = 0;
      for (int64_t u = 0; u <= t; u++) dot += dr[u] * ar[u];
      for (int64_t u = 0; u <= t; u++) dr[u] = scale * ar[u] * (dr[u] - dot);
      for (int64_t u = t + 1; u < T; u++) dr[u] = 0.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, T, 1.0f, dA, T, k, 3 * C, 0.0f, dq, 3 * C);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hs, T, 1.0f, dA, T, q, 3 * C, 0.0f, dk, 3 * C);
  });
  return undefinedValue(env);
})

const Export kExports[] = {
    {"causalAttentionForward", causalAttentionForward},
    {"causalAttentionBackward", causalAttentionBackward},
};

}  // namespace

void registerAttention(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

// Bidirectional (encoder, BERT) self-attention with a key-padding mask and
// dropout on the probabilities, in one kernel each way, reading Q, K, V
// straight out of the joint projection as causalAttention* does (attention.cc):
//
// qkv [B, T, 3C]: row (b, t) holds q | k | v, head h at columns h·hs of each.
// mask [B, T] (1 real token, 0 padding) or empty (every key real).
//   S = Q·Kᵀ                              [T, T]   per (b, h)
//   A = softmax(S/√hs) over the real keys; padded keys get exactly 0   (saved)
//   D = A ⊙ keep / (1 − p)                dropout, p = rate (D = A when p = 0)
//   Y = D·V                               [T, hs]  written to y [B, T, C] at columns h·hs
//
// Keys after the last real one of a sequence (right padding) are not computed
// at all: the products run over n = 1 + (last real key) columns. A sequence
// with no real key (impossible for BERT, whose [CLS] is always there) gets
// A = 0, Y = 0 and zero gradients, deterministically.
//
// keep(b, h, t, u) = uniform(seed, ((b·H + h)·T + t)·T + u) ≥ p, where uniform
// is the top 24 bits of splitmix64(splitmix64(seed) + index) / 2²⁴: a function
// of the position alone, so the backward regenerates the same mask and the
// result does not depend on the thread count.
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

struct EncoderShape {
  int64_t B, T, C, H, hs;
};

EncoderShape readEncoderShape(const Args& a, size_t first) {
  EncoderShape s{a.integer(first), a.integer(first + 1), a.integer(first + 2), a.integer(first + 3), 0};
  if (s.B < 1 || s.T < 1 || s.H < 1 || s.C % s.H != 0) throw ArgError("bad B, T, C or H");
  s.hs = s.C / s.H;
  return s;
}

inline uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Dropout of one attention row: d[u] = a[u]·keep/(1 − p) for u < n.
struct Dropout {
  float rate;
  uint64_t key;  // splitmix64(seed)
  void row(float* d, const float* a, int64_t n, uint64_t first) const {
    const float inv = 1.0f / (1.0f - rate);
    for (int64_t u = 0; u < n; u++) {
      const float r = static_cast<float>(splitmix64(key + first + u) >> 40) * (1.0f / 16777216.0f);
      d[u] = r >= rate ? a[u] * inv : 0.0f;
    }
  }
};

struct Inputs {
  EncoderShape s;
  const float* mask;      // [B, T] or nullptr
  std::vector<int64_t> n; // per sequence: 1 + the last real key (0: none)
  std::vector<char> holes; // per sequence: a padded key before the last real one
  Dropout drop;
};

Inputs readInputs(const Args& a, Span<float> mask, size_t shapeAt) {
  Inputs in{readEncoderShape(a, shapeAt), nullptr, {}, {}, {0.0f, 0}};
  const EncoderShape& s = in.s;
  const double rate = a.number(shapeAt + 4);
  if (!(rate >= 0.0 && rate < 1.0)) throw ArgError("dropout rate must be in [0, 1)");
  in.drop = {static_cast<float>(rate), splitmix64(static_cast<uint64_t>(a.integer(shapeAt + 5)))};
  in.n.assign(s.B, s.T);
  in.holes.assign(s.B, 0);
  if (mask.length == 0) return in;
  if (static_cast<int64_t>(mask.length) < s.B * s.T) throw ArgError("mask is too short");
  in.mask = mask.data;
  for (int64_t b = 0; b < s.B; b++) {
    const float* m = mask.data + b * s.T;
    int64_t n = s.T;
    while (n > 0 && m[n - 1] == 0.0f) n--;
    in.n[b] = n;
    for (int64_t u = 0; u < n; u++) in.holes[b] |= m[u] == 0.0f;
  }
  return in;
}

// Runs body(b, h, scratch) for every (batch, head), as forEachHead in attention.cc.
template <typename F>
void forEachSequenceHead(const EncoderShape& s, int64_t scratchSize, F body) {
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

// encoderAttentionForward(y, att, qkv, mask, B, T, C, H, rate, seed)
COURSE_KERNEL(encoderAttentionForward, {
  Args a(env, info, 10, "encoderAttentionForward");
  auto y = a.f32(0), att = a.f32(1), qkv = a.f32(2), mask = a.f32(3);
  const Inputs in = readInputs(a, mask, 4);
  const EncoderShape& s = in.s;
  const int64_t T = s.T, C = s.C, hs = s.hs;
  if (static_cast<int64_t>(y.length) < s.B * T * C) throw ArgError("y is too short");
  if (static_cast<int64_t>(att.length) < s.B * s.H * T * T) throw ArgError("att is too short");
  if (static_cast<int64_t>(qkv.length) < s.B * T * 3 * C) throw ArgError("qkv is too short");
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  const bool dropping = in.drop.rate > 0.0f;
  forEachSequenceHead(s, dropping ? T * T : 0, [&](int64_t b, int64_t h, float* D) {
    const float* q = qkv.data + b * T * 3 * C + h * hs;
    const float* k = q + C;
    const float* v = q + 2 * C;
    float* A = att.data + (b * s.H + h) * T * T;
    float* Y = y.data + b * T * C + h * hs;
    const int64_t n = in.n[b];
    for (int64_t t = 0; t < T && n < T; t++) std::fill(A + t * T + n, A + (t + 1) * T, 0.0f);
    if (n == 0) {
      for (int64_t t = 0; t < T; t++) std::fill(Y + t * C, Y + t * C + hs, 0.0f);
      return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n, hs, 1.0f, q, 3 * C, k, 3 * C, 0.0f, A, T);
    const float* m = in.mask ? in.mask + b * T : nullptr;
    for (int64_t t = 0; t < T; t++) {
      float* row = A + t * T;
      if (in.holes[b]) {
        for (int64_t u = 0; u < n; u++) row[u] = m[u] == 0.0f ? -INFINITY : row[u];
      }
      const float mx = rowMax(row, n);
      const float sum = expShiftedSum(row, row, n, mx, scale);
      scaleRow(row, n, 1.0f / sum);
    }
    const float* P = A;
    if (dropping) {
      for (int64_t t = 0; t < T; t++) in.drop.row(D + t * n, A + t * T, n, ((b * s.H + h) * T + t) * T);
      P = D;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, n, 1.0f, P, dropping ? n : T, v, 3 * C, 0.0f, Y, C);
  });
  return undefinedValue(env);
})

// Backward, per (b, h), with dY the gradient of Y (keys u < n only; the rest get 0):
//   dD = dY·Vᵀ      dV = Dᵀ·dY      dA = dD ⊙ keep / (1 − p)
//   dS = A ⊙ (dA − rowsum(dA ⊙ A)) / √hs      (softmax backward; 0 where A is 0)
//   dQ = dS·K       dK = dSᵀ·Q
// encoderAttentionBackward(dqkv, dy, att, qkv, mask, B, T, C, H, rate, seed): dqkv is overwritten.
COURSE_KERNEL(encoderAttentionBackward, {
  Args a(env, info, 11, "encoderAttentionBackward");
  auto dqkv = a.f32(0), dy = a.f32(1), att = a.f32(2), qkv = a.f32(3), mask = a.f32(4);
  const Inputs in = readInputs(a, mask, 5);
  const EncoderShape& s = in.s;
  const int64_t T = s.T, C = s.C, hs = s.hs;
  if (static_cast<int64_t>(dqkv.length) < s.B * T * 3 * C) throw ArgError("dqkv is too short");
  if (static_cast<int64_t>(dy.length) < s.B * T * C) throw ArgError("dy is too short");
  if (static_cast<int64_t>(att.length) < s.B * s.H * T * T) throw ArgError("att is too short");
  if (static_cast<int64_t>(qkv.length) < s.B * T * 3 * C) throw ArgError("qkv is too short");
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  const bool dropping = in.drop.rate > 0.0f;
  const float inv = dropping ? 1.0f / (1.0f - in.drop.rate) : 1.0f;
  forEachSequenceHead(s, (dropping ? 2 : 1) * T * T, [&](int64_t b, int64_t h, float* dA) {
    const int64_t base = b * T * 3 * C + h * hs;
    const float *q = qkv.data + base, *k = q + C, *v = q + 2 * C;
    float *dq = dqkv.data + base, *dk = dq + C, *dv = dq + 2 * C;
    const float* A = att.data + (b * s.H + h) * T * T;
    const float* dY = dy.data + b * T * C + h * hs;
    const int64_t n = in.n[b];
    for (int64_t t = (n == 0 ? 0 : n); t < T; t++) {
      std::fill(dk + t * 3 * C, dk + t * 3 * C + hs, 0.0f);
      std::fill(dv + t * 3 * C, dv + t * 3 * C + hs, 0.0f);
    }
    if (n == 0) {
      for (int64_t t = 0; t < T; t++) std::fill(dq + t * 3 * C, dq + t * 3 * C + hs, 0.0f);
      return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n, hs, 1.0f, dY, C, v, 3 * C, 0.0f, dA, n);
    if (dropping) {
      float* D = dA + T * T;
      for (int64_t t = 0; t < T; t++) in.drop.row(D + t * n, A + t * T, n, ((b * s.H + h) * T + t) * T);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, T, 1.0f, D, n, dY, C, 0.0f, dv, 3 * C);
      // keep/(1 − p) is D/A where A ≠ 0; where A = 0, dS is 0 whatever dA is
      for (int64_t i = 0; i < T * n; i++) dA[i] = D[i] != 0.0f ? dA[i] * inv : 0.0f;
    } else {
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, T, 1.0f, A, T, dY, C, 0.0f, dv, 3 * C);
    }
    for (int64_t t = 0; t < T; t++) {
      const float* ar = A + t * T;
      float* dr = dA + t * n;
      float dot = 0;
      for (int64_t u = 0; u < n; u++) dot += dr[u] * ar[u];
      for (int64_t u = 0; u < n; u++) dr[u] = scale * ar[u] * (dr[u] - dot);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, n, 1.0f, dA, n, k, 3 * C, 0.0f, dq, 3 * C);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, T, 1.0f, dA, n, q, 3 * C, 0.0f, dk, 3 * C);
  });
  return undefinedValue(env);
})

const Export kExports[] = {
    {"encoderAttentionForward", encoderAttentionForward},
    {"encoderAttentionBackward", encoderAttentionBackward},
};

}  // namespace

void registerEncoderAttention(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

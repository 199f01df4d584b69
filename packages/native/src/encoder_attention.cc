// Bidirectional (encoder, BERT) self-attention with a key-padding mask and
// dropout on the probabilities, in one kernel each way, reading Q, K, V in
// place (no head split or transposes) as causalAttention* does (attention.cc):
//
// q, k, v: row (b, t) at offset (b·T + t)·ld, head h at columns h·hs: separate
// [B, T, C] projections (ld = C, BERT's) or views into a joint one (ld = 3C).
// mask [B, T] (1 real token, 0 padding) or empty (every key real).
//   S = Q·Kᵀ                              [T, T]   per (b, h)
//   A = softmax(S/√hs) over the real keys; padded keys get exactly 0   (saved: att)
//   D = A ⊙ keep / (1 − p)                dropout, p = rate            (saved: drop, when p > 0)
//   Y = D·V                               [T, hs]  written to y [B, T, C] at columns h·hs
//
// Keys after the last real one of a sequence (right padding) are not computed
// at all: the products run over n = 1 + (last real key) columns. A sequence
// with no real key (impossible for BERT, whose [CLS] is always there) gets
// A = 0, Y = 0 and zero gradients, deterministically.
//
// keep at index i = ((b·H + h)·T + t)·T + u: the 32-bit half (i mod 2: low 0,
// high 1) of splitmix64(splitmix64(seed) + ⌊i/2⌋) is ≥ ⌊p·2³²⌋ — a function of
// the position alone (one hash per two weights), so the result does not depend
// on the thread count; the backward reads the mask back from D (0 where dropped).
#include <algorithm>
#include <cmath>
#include <string>
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

inline uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Dropout of one attention row: d[u] = a[u]·keep(first + u)/(1 − p) for u < n.
struct Dropout {
  float rate;
  uint64_t key;        // splitmix64(seed)
  uint64_t threshold;  // ⌊p·2³²⌋
  void row(float* d, const float* a, int64_t n, uint64_t first) const {
    const float inv = 1.0f / (1.0f - rate);
    int64_t u = 0;
    if (first & 1) {  // the high half of the pair that began in the previous row
      d[0] = (splitmix64(key + (first >> 1)) >> 32) >= threshold ? a[0] * inv : 0.0f;
      u = 1;
    }
    for (; u + 1 < n; u += 2) {
      const uint64_t w = splitmix64(key + ((first + u) >> 1));
      d[u] = (w & 0xFFFFFFFFull) >= threshold ? a[u] * inv : 0.0f;
      d[u + 1] = (w >> 32) >= threshold ? a[u + 1] * inv : 0.0f;
    }
    if (u < n) d[u] = (splitmix64(key + ((first + u) >> 1)) & 0xFFFFFFFFull) >= threshold ? a[u] * inv : 0.0f;
  }
};

struct Inputs {
  HeadShape s;
  int64_t ld;             // row stride of q, k, v (and their gradients)
  const float* mask;      // [B, T] or nullptr
  std::vector<int64_t> n; // per sequence: 1 + the last real key (0: none)
  std::vector<char> holes; // per sequence: a padded key before the last real one
  Dropout drop;
};

// Arguments from shapeAt: B, T, C, H, ld, rate, seed.
Inputs readInputs(const Args& a, Span<float> mask, size_t shapeAt) {
  Inputs in{readHeadShape(a, shapeAt), a.integer(shapeAt + 4), nullptr, {}, {}, {0.0f, 0, 0}};
  const HeadShape& s = in.s;
  if (in.ld < s.C) throw ArgError("ld must be at least C");
  const double rate = a.number(shapeAt + 5);
  if (!(rate >= 0.0 && rate < 1.0)) throw ArgError("dropout rate must be in [0, 1)");
  in.drop = {static_cast<float>(rate), splitmix64(static_cast<uint64_t>(a.integer(shapeAt + 6))),
             static_cast<uint64_t>(rate * 4294967296.0)};
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

// A q/k/v-shaped array (rows of stride ld) holds B·T rows of C.
void checkRows(const Span<float>& x, const Inputs& in, const char* what) {
  if (static_cast<int64_t>(x.length) < (in.s.B * in.s.T - 1) * in.ld + in.s.C) {
    throw ArgError(std::string(what) + " is too short");
  }
}

// Runs body(b, h, scratch) for every (batch, head): with enough pairs, one
// OpenMP team with BLAS on one thread inside, pairs handed out one at a time
// (dynamic: on a shared machine a descheduled thread's pairs go to the others
// instead of the whole region waiting for it); else serially with BLAS threaded.
template <typename F>
void forEachSequenceHead(const HeadShape& s, int64_t scratchSize, F body) {
  const int64_t pairs = s.B * s.H;
  const int threads = numThreads();
#ifdef _OPENMP
  if (pairs >= threads && threads > 1) {
    SingleThreadedBlas single;
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> scratch(scratchSize);
#pragma omp for schedule(dynamic, 1)
      for (int64_t p = 0; p < pairs; p++) body(p / s.H, p % s.H, scratch.data());
    }
    return;
  }
#endif
  std::vector<float> scratch(scratchSize);
  for (int64_t p = 0; p < pairs; p++) body(p / s.H, p % s.H, scratch.data());
}

// encoderAttentionForward(y, att, drop, q, k, v, mask, B, T, C, H, ld, rate, seed);
// drop [B, H, T, T] receives D when rate > 0 (may be empty otherwise).
COURSE_KERNEL(encoderAttentionForward, {
  Args a(env, info, 14, "encoderAttentionForward");
  auto y = a.f32(0), att = a.f32(1), drop = a.f32(2), qa = a.f32(3), ka = a.f32(4), va = a.f32(5), mask = a.f32(6);
  const Inputs in = readInputs(a, mask, 7);
  const HeadShape& s = in.s;
  const int64_t T = s.T, C = s.C, hs = s.hs, ld = in.ld;
  const bool dropping = in.drop.rate > 0.0f;
  if (static_cast<int64_t>(y.length) < s.B * T * C) throw ArgError("y is too short");
  if (static_cast<int64_t>(att.length) < s.B * s.H * T * T) throw ArgError("att is too short");
  if (dropping && static_cast<int64_t>(drop.length) < s.B * s.H * T * T) throw ArgError("drop is too short");
  checkRows(qa, in, "q");
  checkRows(ka, in, "k");
  checkRows(va, in, "v");
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  forEachSequenceHead(s, 0, [&](int64_t b, int64_t h, float*) {
    const float* q = qa.data + b * T * ld + h * hs;
    const float* k = ka.data + b * T * ld + h * hs;
    const float* v = va.data + b * T * ld + h * hs;
    float* A = att.data + (b * s.H + h) * T * T;
    float* D = dropping ? drop.data + (b * s.H + h) * T * T : nullptr;
    float* Y = y.data + b * T * C + h * hs;
    const int64_t n = in.n[b];
    for (int64_t t = 0; t < T && n < T; t++) {
      std::fill(A + t * T + n, A + (t + 1) * T, 0.0f);
      if (D) std::fill(D + t * T + n, D + (t + 1) * T, 0.0f);
    }
    if (n == 0) {
      for (int64_t t = 0; t < T; t++) std::fill(Y + t * C, Y + t * C + hs, 0.0f);
      return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n, hs, 1.0f, q, ld, k, ld, 0.0f, A, T);
    const float* m = in.mask ? in.mask + b * T : nullptr;
    for (int64_t t = 0; t < T; t++) {
      float* row = A + t * T;
      if (in.holes[b]) {
        for (int64_t u = 0; u < n; u++) row[u] = m[u] == 0.0f ? -INFINITY : row[u];
      }
      const float mx = rowMax(row, n);
      const float sum = expShiftedSum(row, row, n, mx, scale);
      scaleRow(row, n, 1.0f / sum);
      if (D) in.drop.row(D + t * T, row, n, ((b * s.H + h) * T + t) * T);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, n, 1.0f, D ? D : A, T, v, ld, 0.0f, Y, C);
  });
  return undefinedValue(env);
})

// Backward, per (b, h), with dY the gradient of Y (keys u < n only; the rest get 0):
//   dD = dY·Vᵀ      dV = Dᵀ·dY      dA = dD ⊙ keep / (1 − p)   (keep: D ≠ 0; where A = 0, dS is 0 anyway)
//   dS = A ⊙ (dA − rowsum(dA ⊙ A)) / √hs      (softmax backward; 0 where A is 0)
//   dQ = dS·K       dK = dSᵀ·Q
// encoderAttentionBackward(dq, dk, dv, dy, att, drop, q, k, v, mask, B, T, C, H, ld, rate, seed):
// dq, dk, dv (stride ld, as q, k, v) are overwritten; the mask comes from drop (seed unused).
COURSE_KERNEL(encoderAttentionBackward, {
  Args a(env, info, 17, "encoderAttentionBackward");
  auto dqa = a.f32(0), dka = a.f32(1), dva = a.f32(2), dy = a.f32(3), att = a.f32(4), drop = a.f32(5);
  auto qa = a.f32(6), ka = a.f32(7), va = a.f32(8), mask = a.f32(9);
  const Inputs in = readInputs(a, mask, 10);
  const HeadShape& s = in.s;
  const int64_t T = s.T, C = s.C, hs = s.hs, ld = in.ld;
  const bool dropping = in.drop.rate > 0.0f;
  for (const auto* x : {&dqa, &dka, &dva, &qa, &ka, &va}) checkRows(*x, in, "q, k, v or a gradient");
  if (static_cast<int64_t>(dy.length) < s.B * T * C) throw ArgError("dy is too short");
  if (static_cast<int64_t>(att.length) < s.B * s.H * T * T) throw ArgError("att is too short");
  if (dropping && static_cast<int64_t>(drop.length) < s.B * s.H * T * T) throw ArgError("drop is too short");
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  const float inv = dropping ? 1.0f / (1.0f - in.drop.rate) : 1.0f;
  forEachSequenceHead(s, T * T, [&](int64_t b, int64_t h, float* dA) {
    const int64_t base = b * T * ld + h * hs;
    const float *q = qa.data + base, *k = ka.data + base, *v = va.data + base;
    float *dq = dqa.data + base, *dk = dka.data + base, *dv = dva.data + base;
    const float* A = att.data + (b * s.H + h) * T * T;
    const float* D = dropping ? drop.data + (b * s.H + h) * T * T : nullptr;
    const float* dY = dy.data + b * T * C + h * hs;
    const int64_t n = in.n[b];
    for (int64_t t = (n == 0 ? 0 : n); t < T; t++) {
      std::fill(dk + t * ld, dk + t * ld + hs, 0.0f);
      std::fill(dv + t * ld, dv + t * ld + hs, 0.0f);
    }
    if (n == 0) {
      for (int64_t t = 0; t < T; t++) std::fill(dq + t * ld, dq + t * ld + hs, 0.0f);
      return;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n, hs, 1.0f, dY, C, v, ld, 0.0f, dA, n);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, T, 1.0f, D ? D : A, T, dY, C, 0.0f, dv, ld);
    for (int64_t t = 0; t < T; t++) {
      const float* ar = A + t * T;
      float* dr = dA + t * n;
      if (D) {
        const float* drow = D + t * T;
        for (int64_t u = 0; u < n; u++) dr[u] = drow[u] != 0.0f ? dr[u] * inv : 0.0f;
      }
      float dot = 0;
      for (int64_t u = 0; u < n; u++) dot += dr[u] * ar[u];
      for (int64_t u = 0; u < n; u++) dr[u] = scale * ar[u] * (dr[u] - dot);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hs, n, 1.0f, dA, n, k, ld, 0.0f, dq, ld);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, hs, T, 1.0f, dA, n, q, ld, 0.0f, dk, ld);
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

// Dense layers in one call each way: y = act(x·W + b), the MLP's layer, where
// tfjs runs a product, a bias add and an activation forward (and about a dozen
// small ops backward), each paying the engine's per-op cost.
//
// Shapes (row-major): x [N, In], W [In, Out] (Keras' layout), b [Out] or empty
// (no bias), y [N, Out]. The activation's derivative is written in terms of y,
// so the forward's output is all the backward needs:
//   linear   y = z                          y' = 1
//   relu     y = max(z, 0)                  y' = [y > 0]
//   selu     y = s·z (z > 0), s·α·(eᶻ − 1)  y' = s (y > 0), y + s·α (else: s·α·eᶻ)
//   sigmoid  y = 1 / (1 + e⁻ᶻ)              y' = y·(1 − y)
//   tanh     y = tanh z                     y' = 1 − y²
//   softmax  y = eᶻ / Σ eᶻ per row          dz = y ⊙ (dy − Σ dy ⊙ y) per row
// Backward, with dz = dy ⊙ y' (softmax: the row form above):
//   dx = dz·Wᵀ   dW = xᵀ·dz   db = Σ_rows dz
#include <algorithm>
#include <cmath>
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

// Codes shared with packages/models/src/kernels/native/dense.ts.
enum Activation { kLinear = 0, kRelu = 1, kSelu = 2, kSigmoid = 3, kTanh = 4, kSoftmax = 5 };

constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;

void needLength(const Span<float>& s, int64_t n, const char* name) {
  if (static_cast<int64_t>(s.length) < n) throw ArgError(std::string(name) + " is too short");
}

Activation activationOf(int64_t code) {
  if (code < kLinear || code > kSoftmax) throw ArgError("unknown activation " + std::to_string(code));
  return static_cast<Activation>(code);
}

// y ← act(y) in place over rows [begin, end) of `cols` (the same elementwise
// forms as elementwise.cc's Relu, Selu, Sigmoid, Tanh and its softmax).
void activateRows(float* y, int64_t begin, int64_t end, int64_t cols, Activation act) {
  float* p = y + begin * cols;
  const int64_t n = (end - begin) * cols;
  switch (act) {
    case kLinear:
      return;
    case kRelu:
      for (int64_t i = 0; i < n; i++) p[i] = p[i] != p[i] ? p[i] : (p[i] > 0 ? p[i] : 0.0f);
      return;
    case kSelu:
      for (int64_t i = 0; i < n; i++)
        p[i] = p[i] > 0 ? kSeluScale * p[i] : kSeluScale * kSeluAlpha * expm1Approx(p[i]);
      return;
    case kSigmoid:
      for (int64_t i = 0; i < n; i++) p[i] = sigmoidApprox(p[i]);
      return;
    case kTanh:
      for (int64_t i = 0; i < n; i++) p[i] = tanhPrecise(p[i]);
      return;
    case kSoftmax:
      for (int64_t r = begin; r < end; r++) {
        float* row = y + r * cols;
        const float mx = rowMax(row, cols);
        const float sum = expShiftedSum(row, row, cols, mx, 1.0f);
        scaleRow(row, cols, 1.0f / sum);
      }
      return;
  }
}

// dz = dy ⊙ y' over rows [begin, end) (softmax: dz = y ⊙ (dy − Σ dy ⊙ y) per row).
void activationGradRows(float* dz, const float* dy, const float* y, int64_t begin, int64_t end, int64_t cols,
                        Activation act) {
  const int64_t off = begin * cols, n = (end - begin) * cols;
  float* d = dz + off;
  const float* g = dy + off;
  const float* v = y + off;
  switch (act) {
    case kLinear:
      std::memcpy(d, g, sizeof(float) * n);
      return;
    case kRelu:
      for (int64_t i = 0; i < n; i++) d[i] = v[i] > 0 ? g[i] : 0.0f;
      return;
    case kSelu:
      for (int64_t i = 0; i < n; i++) d[i] = g[i] * (v[i] > 0 ? kSeluScale : v[i] + kSeluScale * kSeluAlpha);
      return;
    case kSigmoid:
      for (int64_t i = 0; i < n; i++) d[i] = g[i] * v[i] * (1.0f - v[i]);
      return;
    case kTanh:
      for (int64_t i = 0; i < n; i++) d[i] = g[i] * (1.0f - v[i] * v[i]);
      return;
    case kSoftmax:
      for (int64_t r = 0; r < end - begin; r++) {
        const float* gr = g + r * cols;
        const float* vr = v + r * cols;
        float* dr = d + r * cols;
        float dot = 0;
        for (int64_t c = 0; c < cols; c++) dot += gr[c] * vr[c];
        for (int64_t c = 0; c < cols; c++) dr[c] = vr[c] * (gr[c] - dot);
      }
      return;
  }
}

// denseForward(y, x, W, b, N, In, Out, act): b empty for no bias.
COURSE_KERNEL(denseForward, {
  Args a(env, info, 8, "denseForward");
  auto y = a.f32(0), x = a.f32(1), w = a.f32(2), b = a.f32(3);
  const int64_t N = a.integer(4), In = a.integer(5), Out = a.integer(6);
  const Activation act = activationOf(a.integer(7));
  if (N < 0 || In < 0 || Out < 1) throw ArgError("bad sizes");
  needLength(y, N * Out, "y");
  needLength(x, N * In, "x");
  needLength(w, In * Out, "W");
  const bool bias = b.length > 0;
  if (bias) needLength(b, Out, "b");
  if (N == 0) return undefinedValue(env);
  // z starts as the bias (BLAS adds the product to it: beta 1) or is overwritten (beta 0).
  if (bias) {
    for (int64_t r = 0; r < N; r++) std::memcpy(y.data + r * Out, b.data, sizeof(float) * Out);
  }
  if (In > 0) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, Out, In, 1.0f, x.data, In, w.data, Out,
                bias ? 1.0f : 0.0f, y.data, Out);
  } else if (!bias) {
    std::fill(y.data, y.data + N * Out, 0.0f);
  }
  parallelFor(N, Out * 4, [&](int64_t begin, int64_t end) { activateRows(y.data, begin, end, Out, act); });
  return undefinedValue(env);
})

// denseBackward(dx, dW, db, dy, x, W, y, N, In, Out, act): dx, dW, db (empty: no bias) overwritten.
COURSE_KERNEL(denseBackward, {
  Args a(env, info, 11, "denseBackward");
  auto dx = a.f32(0), dw = a.f32(1), db = a.f32(2), dy = a.f32(3), x = a.f32(4), w = a.f32(5), y = a.f32(6);
  const int64_t N = a.integer(7), In = a.integer(8), Out = a.integer(9);
  const Activation act = activationOf(a.integer(10));
  if (N < 0 || In < 0 || Out < 1) throw ArgError("bad sizes");
  needLength(dx, N * In, "dx");
  needLength(dw, In * Out, "dW");
  needLength(dy, N * Out, "dy");
  needLength(x, N * In, "x");
  needLength(w, In * Out, "W");
  needLength(y, N * Out, "y");
  const bool bias = db.length > 0;
  if (bias) needLength(db, Out, "db");
  // dz: dy itself for a linear layer, else a scratch array reused across calls (one JS thread calls).
  static thread_local std::vector<float> scratch;
  const float* dz = dy.data;
  if (act != kLinear) {
    if (static_cast<int64_t>(scratch.size()) < N * Out) scratch.resize(N * Out);
    float* out = scratch.data();  // taken here: inside the loop's threads `scratch` is their own (empty) one
    parallelFor(N, Out * 4, [&](int64_t begin, int64_t end) {
      activationGradRows(out, dy.data, y.data, begin, end, Out, act);
    });
    dz = out;
  }
  if (bias) {
    std::fill(db.data, db.data + Out, 0.0f);
    for (int64_t r = 0; r < N; r++) {
      const float* row = dz + r * Out;
      for (int64_t c = 0; c < Out; c++) db.data[c] += row[c];
    }
  }
  if (In == 0) return undefinedValue(env);
  if (N == 0) {
    std::fill(dw.data, dw.data + In * Out, 0.0f);
    return undefinedValue(env);
  }
  // dW [In, Out] = xᵀ [In, N] · dz [N, Out];  dx [N, In] = dz [N, Out] · Wᵀ [Out, In]
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, In, Out, N, 1.0f, x.data, In, dz, Out, 0.0f, dw.data, Out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, In, Out, 1.0f, dz, Out, w.data, Out, 0.0f, dx.data, In);
  return undefinedValue(env);
})

const Export kExports[] = {{"denseForward", denseForward}, {"denseBackward", denseBackward}};

}  // namespace

void registerDense(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

// Fused layers: one pass where a composite of tfjs ops would make several
// (and allocate a tensor for each). The math of each is written above it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"
#include "mathfun.h"

namespace course {
namespace {

void needLength(const Span<float>& s, int64_t n, const char* name) {
  if (static_cast<int64_t>(s.length) < n) throw ArgError(std::string(name) + " is too short");
}

// LayerNorm over rows of C (llm.c layernorm_forward):
//   mean = Σx/C   rstd = 1/√(Σ(x−mean)²/C + eps)   y = (x−mean)·rstd·w + b
// layerNormForward(out, mean, rstd, x, w, b, rows, C, eps)
COURSE_KERNEL(layerNormForward, {
  Args a(env, info, 9, "layerNormForward");
  auto out = a.f32(0), mean = a.f32(1), rstd = a.f32(2), x = a.f32(3), w = a.f32(4), b = a.f32(5);
  const int64_t rows = a.integer(6), C = a.integer(7);
  const float eps = static_cast<float>(a.number(8));
  needLength(out, rows * C, "out");
  needLength(x, rows * C, "x");
  needLength(mean, rows, "mean");
  needLength(rstd, rows, "rstd");
  needLength(w, C, "weight");
  needLength(b, C, "bias");
  parallelFor(rows, C * 3, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x.data + r * C;
      float* yr = out.data + r * C;
      float m = 0;
      for (int64_t c = 0; c < C; c++) m += xr[c];
      m /= static_cast<float>(C);
      float var = 0;
      for (int64_t c = 0; c < C; c++) var += (xr[c] - m) * (xr[c] - m);
      const float s = 1.0f / std::sqrt(var / static_cast<float>(C) + eps);
      for (int64_t c = 0; c < C; c++) yr[c] = (xr[c] - m) * s * w.data[c] + b.data[c];
      mean.data[r] = m;
      rstd.data[r] = s;
    }
  });
  return undefinedValue(env);
})

// Backward (llm.c layernorm_backward), with n = (x−mean)·rstd and g = dy·w:
//   dx = rstd·(g − mean(g) − n·mean(g·n))   dw = Σ_rows dy·n   db = Σ_rows dy
// layerNormBackward(dx, dw, db, dy, x, w, mean, rstd, rows, C): dw and db are overwritten.
COURSE_KERNEL(layerNormBackward, {
  Args a(env, info, 10, "layerNormBackward");
  auto dx = a.f32(0), dw = a.f32(1), db = a.f32(2), dy = a.f32(3), x = a.f32(4), w = a.f32(5);
  auto mean = a.f32(6), rstd = a.f32(7);
  const int64_t rows = a.integer(8), C = a.integer(9);
  needLength(dx, rows * C, "dx");
  needLength(dy, rows * C, "dy");
  needLength(x, rows * C, "x");
  needLength(dw, C, "dw");
  needLength(db, C, "db");
  needLength(w, C, "weight");
  needLength(mean, rows, "mean");
  needLength(rstd, rows, "rstd");
  const int threads = std::max(1, numThreads());
  std::vector<float> partial(static_cast<size_t>(threads) * 2 * C, 0.0f);
  const int64_t chunks = std::min<int64_t>(threads, std::max<int64_t>(1, rows));
  parallelFor(chunks, (rows / chunks + 1) * C * 6, [&](int64_t cb, int64_t ce) {
    for (int64_t chunk = cb; chunk < ce; chunk++) {
      float* pdw = partial.data() + chunk * 2 * C;
      float* pdb = pdw + C;
      for (int64_t r = rows * chunk / chunks; r < rows * (chunk + 1) / chunks; r++) {
        const float* xr = x.data + r * C;
        const float* dyr = dy.data + r * C;
        float* dxr = dx.data + r * C;
        const float m = mean.data[r], s = rstd.data[r];
        float gMean = 0, gnMean = 0;
        for (int64_t c = 0; c < C; c++) {
          const float n = (xr[c] - m) * s;
          const float g = dyr[c] * w.data[c];
          gMean += g;
          gnMean += g * n;
        }
        gMean /= static_cast<float>(C);
        gnMean /= static_cast<float>(C);
        for (int64_t c = 0; c < C; c++) {
          const float n = (xr[c] - m) * s;
          const float g = dyr[c] * w.data[c];
          dxr[c] = s * (g - gMean - n * gnMean);
          pdw[c] += dyr[c] * n;
          pdb[c] += dyr[c];
        }
      }
    }
  });
  for (int64_t c = 0; c < C; c++) {
    float sw = 0, sb = 0;
    for (int64_t t = 0; t < chunks; t++) {
      sw += partial[t * 2 * C + c];
      sb += partial[t * 2 * C + C + c];
    }
    dw.data[c] = sw;
    db.data[c] = sb;
  }
  return undefinedValue(env);
})

// GELU, tanh form: y = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³)
//   dy/dx = 0.5·(1 + tanh(u)) + 0.5·x·(1 − tanh²(u))·√(2/π)·(1 + 3·0.044715·x²)
constexpr float kGeluScale = 0.7978845608028654f;  // √(2/π)

// geluForward(out, x)
COURSE_KERNEL(geluForward, {
  Args a(env, info, 2, "geluForward");
  auto out = a.f32(0), x = a.f32(1);
  needLength(out, static_cast<int64_t>(x.length), "out");
  parallelFor(static_cast<int64_t>(x.length), 8, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float v = x.data[i];
      const float u = kGeluScale * (v + 0.044715f * v * v * v);
      out.data[i] = 0.5f * v * (1.0f + tanhApprox(u));
    }
  });
  return undefinedValue(env);
})

// geluBackward(dx, x, dy)
COURSE_KERNEL(geluBackward, {
  Args a(env, info, 3, "geluBackward");
  auto dx = a.f32(0), x = a.f32(1), dy = a.f32(2);
  needLength(dx, static_cast<int64_t>(x.length), "dx");
  needLength(dy, static_cast<int64_t>(x.length), "dy");
  parallelFor(static_cast<int64_t>(x.length), 10, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float v = x.data[i];
      const float u = kGeluScale * (v + 0.044715f * v * v * v);
      const float t = tanhApprox(u);
      const float grad = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluScale * (1.0f + 3.0f * 0.044715f * v * v);
      dx.data[i] = grad * dy.data[i];
    }
  });
  return undefinedValue(env);
})

// Softmax cross-entropy over the first V of each row's `ld` logits (the rest,
// llm.c's vocabulary padding, get probability 0 and no gradient):
//   lse = log Σ_{c<V} exp(z_c)      loss = lse − z[target] = −log softmax(z)[target]
// Only lse is kept (one float a row): the backward recomputes the probabilities
// from the logits, so no [rows, ld] probability buffer is written or held.
// Each row is read twice (max, then Σ exp); a row of 50k floats stays in cache.
// softmaxXentForward(losses, lse, logits, targets, rows, V, ld) -> -1, or the first row whose target is outside [0, V)
COURSE_KERNEL(softmaxXentForward, {
  Args a(env, info, 7, "softmaxXentForward");
  auto losses = a.f32(0), lse = a.f32(1), logits = a.f32(2);
  auto targets = a.i32(3);
  const int64_t rows = a.integer(4), V = a.integer(5), ld = a.integer(6);
  if (V > ld || V < 1) throw ArgError("need 1 <= V <= ld");
  needLength(losses, rows, "losses");
  needLength(lse, rows, "lse");
  needLength(logits, rows * ld, "logits");
  if (static_cast<int64_t>(targets.length) < rows) throw ArgError("targets is too short");
  for (int64_t r = 0; r < rows; r++) {
    if (targets.data[r] < 0 || targets.data[r] >= V) return numberValue(env, static_cast<double>(r));
  }
  parallelFor(rows, V * 2, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* z = logits.data + r * ld;
      const float mx = rowMax(z, V);
      const float l = mx + std::log(expSumOnly(z, V, mx));
      lse.data[r] = l;
      losses.data[r] = l - z[targets.data[r]];
    }
  });
  return numberValue(env, -1);
})

// dz = (softmax(z) − onehot(target))·dloss with softmax(z)_c = exp(z_c − lse), 0 in the padding columns.
// softmaxXentBackward(dlogits, logits, lse, targets, dlosses, rows, V, ld)
COURSE_KERNEL(softmaxXentBackward, {
  Args a(env, info, 8, "softmaxXentBackward");
  auto dz = a.f32(0), logits = a.f32(1), lse = a.f32(2);
  auto targets = a.i32(3);
  auto dl = a.f32(4);
  const int64_t rows = a.integer(5), V = a.integer(6), ld = a.integer(7);
  needLength(dz, rows * ld, "dlogits");
  needLength(logits, rows * ld, "logits");
  needLength(lse, rows, "lse");
  needLength(dl, rows, "dlosses");
  if (static_cast<int64_t>(targets.length) < rows) throw ArgError("targets is too short");
  parallelFor(rows, ld * 2, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* z = logits.data + r * ld;
      float* d = dz.data + r * ld;
      const float g = dl.data[r], l = lse.data[r];
      for (int64_t c = 0; c < V; c++) d[c] = expApprox(z[c] - l) * g;
      for (int64_t c = V; c < ld; c++) d[c] = 0.0f;
      const int64_t t = targets.data[r];
      if (t >= 0 && t < V) d[t] -= g;
    }
  });
  return undefinedValue(env);
})

// Attention weights from raw scores s = q·kᵀ, rows of length T:
//   y = softmax(scale·s + mask), mask −inf above the diagonal when causal
// (row r is query position r mod T), so masked weights are exactly 0.
// scaledSoftmaxForward(out, x, rows, T, scale, causal)
COURSE_KERNEL(scaledSoftmaxForward, {
  Args a(env, info, 6, "scaledSoftmaxForward");
  auto out = a.f32(0), x = a.f32(1);
  const int64_t rows = a.integer(2), T = a.integer(3);
  const float scale = static_cast<float>(a.number(4));
  const bool causal = a.boolean(5);
  needLength(out, rows * T, "out");
  needLength(x, rows * T, "x");
  parallelFor(rows, T * 4, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x.data + r * T;
      float* yr = out.data + r * T;
      const int64_t n = causal ? (r % T) + 1 : T;
      const float mx = rowMax(xr, n);
      const float sum = expShiftedSum(yr, xr, n, mx, scale);
      scaleRow(yr, n, 1.0f / sum);
      for (int64_t c = n; c < T; c++) yr[c] = 0.0f;
    }
  });
  return undefinedValue(env);
})

// dx = scale·y·(dy − Σ_c dy·y), per row (zero wherever y is 0, i.e. masked).
// scaledSoftmaxBackward(dx, y, dy, rows, T, scale)
COURSE_KERNEL(scaledSoftmaxBackward, {
  Args a(env, info, 6, "scaledSoftmaxBackward");
  auto dx = a.f32(0), y = a.f32(1), dy = a.f32(2);
  const int64_t rows = a.integer(3), T = a.integer(4);
  const float scale = static_cast<float>(a.number(5));
  needLength(dx, rows * T, "dx");
  needLength(y, rows * T, "y");
  needLength(dy, rows * T, "dy");
  parallelFor(rows, T * 3, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* yr = y.data + r * T;
      const float* gr = dy.data + r * T;
      float* dr = dx.data + r * T;
      float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t c = 0;
      for (; c + 8 <= T; c += 8) {
        for (int k = 0; k < 8; k++) lane[k] += gr[c + k] * yr[c + k];
      }
      float dot = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
      for (; c < T; c++) dot += gr[c] * yr[c];
      for (c = 0; c < T; c++) dr[c] = scale * yr[c] * (gr[c] - dot);
    }
  });
  return undefinedValue(env);
})

// AdamW in place, one pass (see trainer/src/adamw.ts for the math):
//   g = gradScale·grad;  m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²
//   p -= lr·((m/c1) / (√(v/c2) + eps) + wd·p)
// adamw(param, grad, m, v, lr, beta1, beta2, eps, wd, c1, c2, gradScale)
COURSE_KERNEL(adamw, {
  Args a(env, info, 12, "adamw");
  auto p = a.f32(0), g = a.f32(1), m = a.f32(2), v = a.f32(3);
  const float lr = a.number(4), b1 = a.number(5), b2 = a.number(6), eps = a.number(7), wd = a.number(8);
  const float c1 = a.number(9), c2 = a.number(10), gs = a.number(11);
  const int64_t n = static_cast<int64_t>(p.length);
  needLength(g, n, "grad");
  needLength(m, n, "m");
  needLength(v, n, "v");
  // Locals and restrict pointers: with the lambda's captured references the
  // compiler must assume each store may change lr, β1, … and does not vectorise.
  float* __restrict pp = p.data;
  float* __restrict mp = m.data;
  float* __restrict vp = v.data;
  const float* __restrict gp = g.data;
  parallelFor(n, 12, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float gi = gp[i] * gs;
      const float mi = b1 * mp[i] + (1.0f - b1) * gi;
      const float vi = b2 * vp[i] + (1.0f - b2) * gi * gi;
      mp[i] = mi;
      vp[i] = vi;
      const float update = (mi / c1) / (std::sqrt(vi / c2) + eps);
      pp[i] -= lr * (update + wd * pp[i]);
    }
  });
  return undefinedValue(env);
})

const Export kExports[] = {
    {"layerNormForward", layerNormForward},
    {"layerNormBackward", layerNormBackward},
    {"geluForward", geluForward},
    {"geluBackward", geluBackward},
    {"softmaxXentForward", softmaxXentForward},
    {"softmaxXentBackward", softmaxXentBackward},
    {"scaledSoftmaxForward", scaledSoftmaxForward},
    {"scaledSoftmaxBackward", scaledSoftmaxBackward},
    {"adamw", adamw},
};

}  // namespace

void registerFused(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

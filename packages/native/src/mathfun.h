// exp written so that compilers vectorise loops that call it (glibc's expf is
// a scalar call unless -ffast-math, which we avoid: it breaks NaN/Inf checks).
//
//   exp(x) = 2^n · exp(r),  n = round(x / ln 2),  r = x − n·ln 2 ∈ [−ln2/2, ln2/2]
//   exp(r) ≈ 1 + r + r²/2! + … + r⁷/7!  (Horner; |error| < 2 ulp on [−87, 88])
// ln 2 is split into a high and a low part so r keeps full precision (Cody–Waite).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>


namespace course {

inline float expApprox(float x) {
  // Branch-free, so loops calling it vectorise: clamp, compute, then select.
  const float xc = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  // round to nearest by the 1.5·2²³ trick (exact for |v| < 2²²; nearbyint would not vectorise)
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;  // ln 2 high part (exact in float)
  r = r - n * -2.12194440e-4f;      // ln 2 low part
  float p = 1.98412698e-4f;         // 1/7!
  p = p * r + 1.38888889e-3f;       // 1/6!
  p = p * r + 8.33333333e-3f;       // 1/5!
  p = p * r + 4.16666667e-2f;       // 1/4!
  p = p * r + 1.66666667e-1f;       // 1/3!
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n as a float's exponent
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float y = p * scale;
  // below the clamp the true value is < 1.2e-38: 0, as expf gives in flush-to-zero terms;
  // above it, inf; NaN stays NaN.
  return x < -87.3f ? 0.0f : (x > 88.7f ? INFINITY : (x != x ? x : y));
}

inline float sigmoidApprox(float x) { return 1.0f / (1.0f + expApprox(-x)); }

// tanh(u) = 1 − 2 / (exp(2u) + 1), exact at both tails (exp overflows to inf -> 1, underflows -> −1).
inline float tanhApprox(float u) { return 1.0f - 2.0f / (expApprox(2.0f * u) + 1.0f); }

}  // namespace course

namespace course {

// Row helpers written in 8 independent lanes so that the compiler vectorises
// them without -ffast-math (a single running max or sum is a serial chain).
inline float rowMax(const float* x, int64_t n) {
  float lane[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; k++) lane[k] = x[i + k] > lane[k] ? x[i + k] : lane[k];
  }
  float m = -INFINITY;
  for (int k = 0; k < 8; k++) m = lane[k] > m ? lane[k] : m;
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

inline float rowSum(const float* x, int64_t n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; k++) lane[k] += x[i + k];
  }
  float s = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  for (; i < n; i++) s += x[i];
  return s;
}

// y[i] = exp(scale·(x[i] − shift)); returns Σ y.
inline float expShiftedSum(float* y, const float* x, int64_t n, float shift, float scale) {
  for (int64_t i = 0; i < n; i++) y[i] = expApprox(scale * (x[i] - shift));
  return rowSum(y, n);
}

inline void scaleRow(float* y, int64_t n, float s) {
  for (int64_t i = 0; i < n; i++) y[i] *= s;
}

}  // namespace course

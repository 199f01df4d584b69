// exp written so that compilers vectorise loops that call it (glibc's expf is
// a scalar call unless -ffast-math, which we avoid: it breaks NaN/Inf checks).
//
//   exp(x) = 2^n · exp(r),  n = round(x / ln 2),  r = x − n·ln 2 ∈ [−ln2/2, ln2/2]
//   exp(r) ≈ 1 + r + r²/2! + … + r⁷/7!  (Horner; |error| < 2 ulp)
// ln 2 is split into a high and a low part so r keeps full precision (Cody–Waite).
// 2^n is applied as 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), both normal floats for n in [−150, 128],
// so results near FLT_MAX (x up to 88.72) stay finite and tiny ones (x down to
// −103.9) come out subnormal, as float64 exp rounded to float32 (the cpu kernel) gives.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>


namespace course {

inline float expApprox(float x) {
  // Branch-free, so loops calling it vectorise: clamp, compute, then select.
  const float xc = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
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
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1;
  const int32_t bits1 = (n1 + 127) << 23, bits2 = (ni - n1 + 127) << 23;  // 2^n1, 2^(n−n1) as floats
  float scale1, scale2;
  std::memcpy(&scale1, &bits1, sizeof scale1);
  std::memcpy(&scale2, &bits2, sizeof scale2);
  const float y = (p * scale1) * scale2;  // overflows to inf above 88.72
  // below the clamp the true value rounds to 0; above it, inf; NaN stays NaN.
  return x < -104.0f ? 0.0f : (x > 89.0f ? INFINITY : (x != x ? x : y));
}

inline float sigmoidApprox(float x) { return 1.0f / (1.0f + expApprox(-x)); }

// tanh(u) = 1 − 2 / (exp(2u) + 1), exact at both tails (exp overflows to inf -> 1, underflows -> −1).
inline float tanhApprox(float u) { return 1.0f - 2.0f / (expApprox(2.0f * u) + 1.0f); }

// exp(x) − 1 without the cancellation of expApprox(x) − 1 near 0 (which keeps only
// ~6e-8 absolute precision: elu(−1e-6) was 6% off): below |x| = 0.25 a Taylor
// polynomial to x⁷/7! (truncation < 2e-9 relative).
inline float expm1Approx(float x) {
  float p = 1.98412698e-4f;   // 1/7!
  p = p * x + 1.38888889e-3f;  // 1/6!
  p = p * x + 8.33333333e-3f;  // 1/5!
  p = p * x + 4.16666667e-2f;  // 1/4!
  p = p * x + 1.66666667e-1f;  // 1/3!
  p = p * x + 0.5f;
  const float small = x + x * x * p;
  return std::fabs(x) < 0.25f ? small : expApprox(x) - 1.0f;
}

// tanh(u) = e / (e + 2), e = exp(2u) − 1: full relative precision near 0 as well,
// where tanhApprox's 1 − 2/(exp(2u) + 1) cancels (tanh(1e-6) came out 9.5e-7, tanh(1e-8) 0).
// For the Tanh kernel; GELU keeps tanhApprox (it adds 1 to the result anyway).
inline float tanhPrecise(float u) {
  const float e = expm1Approx(2.0f * u);
  const float t = e / (e + 2.0f);
  return std::fabs(u) > 9.0f ? (u > 0 ? 1.0f : -1.0f) : t;  // tanh(9) rounds to 1; e overflows above 44
}

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

// Σ exp(x[i] − shift), reading x only (no buffer written).
inline float expSumOnly(const float* x, int64_t n, float shift) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; k++) lane[k] += expApprox(x[i + k] - shift);
  }
  float s = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  for (; i < n; i++) s += expApprox(x[i] - shift);
  return s;
}

inline void scaleRow(float* y, int64_t n, float s) {
  for (int64_t i = 0; i < n; i++) y[i] *= s;
}

}  // namespace course

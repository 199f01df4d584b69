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
  if (!(x < 88.7f)) return x != x ? x : INFINITY;  // NaN stays NaN, overflow -> inf
  if (x < -87.3f) return 0.0f;
  const float n = std::nearbyint(x * 1.44269504088896341f);
  float r = x - n * 0.693359375f;  // ln 2 high part (exact in float)
  r = r - n * -2.12194440e-4f;     // ln 2 low part
  float p = 1.98412698e-4f;        // 1/7!
  p = p * r + 1.38888889e-3f;      // 1/6!
  p = p * r + 8.33333333e-3f;      // 1/5!
  p = p * r + 4.16666667e-2f;      // 1/4!
  p = p * r + 1.66666667e-1f;      // 1/3!
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;  // 2^n as a float's exponent
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float sigmoidApprox(float x) { return 1.0f / (1.0f + expApprox(-x)); }

// tanh(u) = 1 − 2 / (exp(2u) + 1), exact at both tails (exp overflows to inf -> 1, underflows -> −1).
inline float tanhApprox(float u) { return 1.0f - 2.0f / (expApprox(2.0f * u) + 1.0f); }

}  // namespace course

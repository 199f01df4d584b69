// GELU, exact (erf) form as BERT uses it (Hugging Face's "gelu"), one pass each way:
//   y     = x·Φ(x) = 0.5·x·(1 + erf(x/√2))
//   dy/dx = Φ(x) + x·φ(x),   φ(x) = exp(−x²/2)/√(2π)
// The forward was four tfjs kernels (Mul, Erf, Mul, Add and their temporaries),
// the backward about twice that.
//
// erf in float, branch-free so the loops vectorise (the C library's erff is a
// scalar call, slower here than tfjs' four kernels): N. Juffa's minimax fits,
//   |a| ≤ 0.927734375:  erf(a) = a + a·p(a²)                  (max error 0.99 ulp)
//   |a| >  0.927734375:  erf(a) = sign(a)·(1 − exp(q(|a|)))    (max error 1.0 ulp with expf)
// both computed and one selected; exp is mathfun.h's expApprox (< 2 ulp).
#include <cmath>
#include <string>

#include "common.h"
#include "mathfun.h"

namespace course {
namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;     // 1/√2
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/√(2π)

inline float erfApprox(float a) {
  const float t = std::fabs(a);
  const float s = a * a;
  // small |a|
  float p = -5.96761703e-4f;
  p = p * s + 4.99119423e-3f;
  p = p * s - 2.67681349e-2f;
  p = p * s + 1.12819925e-1f;
  p = p * s - 3.76125336e-1f;
  p = p * s + 1.28379166e-1f;
  const float small = p * a + a;
  // large |a| (t clamped where exp underflows: erf is ±1 there)
  const float tc = t > 10.0f ? 10.0f : t;
  float r = -1.72853470e-5f * tc + 3.83197126e-4f;
  const float u = -3.88396438e-3f * tc + 2.42546219e-2f;
  r = r * (tc * tc) + u;
  r = r * tc - 1.06777877e-1f;
  r = r * tc - 6.34846687e-1f;
  r = r * tc - 1.28717512e-1f;
  r = r * tc - tc;
  const float large = 1.0f - expApprox(r);
  return t > 0.927734375f ? std::copysign(large, a) : small;
}

void needSameLength(const Span<float>& s, size_t n, const char* name) {
  if (s.length != n) {
    throw ArgError(std::string(name) + ": found " + std::to_string(s.length) + " values, expected " +
                   std::to_string(n));
  }
}

// geluErfForward(out, x)
COURSE_KERNEL(geluErfForward, {
  Args a(env, info, 2, "geluErfForward");
  auto out = a.f32(0), x = a.f32(1);
  needSameLength(out, x.length, "out");
  parallelFor(static_cast<int64_t>(x.length), 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float v = x.data[i];
      out.data[i] = 0.5f * v * (1.0f + erfApprox(v * kInvSqrt2));
    }
  });
  return undefinedValue(env);
})

// geluErfBackward(dx, x, dy)
COURSE_KERNEL(geluErfBackward, {
  Args a(env, info, 3, "geluErfBackward");
  auto dx = a.f32(0), x = a.f32(1), dy = a.f32(2);
  needSameLength(dx, x.length, "dx");
  needSameLength(dy, x.length, "dy");
  parallelFor(static_cast<int64_t>(x.length), 20, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float v = x.data[i];
      const float cdf = 0.5f * (1.0f + erfApprox(v * kInvSqrt2));
      const float pdf = kInvSqrt2Pi * expApprox(-0.5f * v * v);
      dx.data[i] = (cdf + v * pdf) * dy.data[i];
    }
  });
  return undefinedValue(env);
})

const Export kExports[] = {{"geluErfForward", geluErfForward}, {"geluErfBackward", geluErfBackward}};

}  // namespace

void registerGeluErf(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

// GELU, exact (erf) form as BERT uses it (Hugging Face's "gelu"), one pass each way:
//   y     = x·Φ(x) = 0.5·x·(1 + erf(x/√2))
//   dy/dx = Φ(x) + x·φ(x),   φ(x) = exp(−x²/2)/√(2π)
// erf is the C library's single-precision erf (within 1 ulp); the forward was
// three tfjs kernels (Mul, Erf, Add and their temporaries), the backward five.
#include <cmath>
#include <string>

#include "common.h"
#include "mathfun.h"

namespace course {
namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;     // 1/√2
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1/√(2π)

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
      out.data[i] = 0.5f * v * (1.0f + std::erf(v * kInvSqrt2));
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
      const float cdf = 0.5f * (1.0f + std::erf(v * kInvSqrt2));
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

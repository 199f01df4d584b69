// Elementwise kernels: binary ops with NumPy broadcasting, unary ops,
// reductions over one contiguous run of axes, softmax and log-softmax.
// Every loop is split over the OpenMP threads once it is large enough.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common.h"
#include "mathfun.h"

namespace course {
namespace {

enum BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff, kPow };

template <int OP>
inline float binaryOp(float a, float b) {
  if (OP == kAdd) return a + b;
  if (OP == kSub) return a - b;
  if (OP == kMul) return a * b;
  if (OP == kDiv) return a / b;
  if (OP == kMax) return (a != a || b != b) ? NAN : (a > b ? a : b);
  if (OP == kMin) return (a != a || b != b) ? NAN : (a < b ? a : b);
  if (OP == kSquaredDiff) return (a - b) * (a - b);
  // JavaScript's Math.pow (the cpu kernel): a NaN exponent and (±1)^±∞ give NaN, where C's pow gives 1.
  if (b != b || (std::fabs(a) == 1.0f && std::fabs(b) == INFINITY)) return NAN;
  return std::pow(a, b);
}

// out[i] = a[i·sa] OP b[i·sb] for i in [0, n), sa and sb each 0 (broadcast) or 1.
template <int OP>
inline void binaryRun(float* out, const float* a, int64_t sa, const float* b, int64_t sb, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = binaryOp<OP>(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = binaryOp<OP>(a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = binaryOp<OP>(av, b[i]);
  } else {
    const float v = binaryOp<OP>(a[0], b[0]);
    for (int64_t i = 0; i < n; i++) out[i] = v;
  }
}

// Broadcast layout after merging axes that are contiguous in out, a and b alike.
struct Layout {
  std::vector<int64_t> shape, sa, sb;
};

Layout collapse(const Span<int32_t>& shape, const Span<int32_t>& sa, const Span<int32_t>& sb) {
  Layout l;
  for (size_t i = 0; i < shape.length; i++) {
    if (shape.data[i] == 1) continue;  // a size-1 axis moves nothing
    const int64_t n = shape.data[i], a = sa.data[i], b = sb.data[i];
    if (!l.shape.empty()) {
      const int64_t pn = l.shape.back();
      const bool aMerges = (l.sa.back() == a * n) || (l.sa.back() == 0 && a == 0);
      const bool bMerges = (l.sb.back() == b * n) || (l.sb.back() == 0 && b == 0);
      if (aMerges && bMerges) {
        l.shape.back() = pn * n;
        l.sa.back() = a;
        l.sb.back() = b;
        continue;
      }
    }
    l.shape.push_back(n);
    l.sa.push_back(a);
    l.sb.push_back(b);
  }
  if (l.shape.empty()) {
    l.shape.push_back(1);
    l.sa.push_back(1);
    l.sb.push_back(1);
  }
  return l;
}

template <int OP>
void binaryBroadcast(float* out, const float* a, const float* b, const Layout& l) {
  const size_t rank = l.shape.size();
  const int64_t inner = l.shape[rank - 1], ia = l.sa[rank - 1], ib = l.sb[rank - 1];
  if ((ia != 0 && ia != 1) || (ib != 0 && ib != 1)) throw ArgError("innermost stride must be 0 or 1");
  if (rank == 1) {
    parallelFor(inner, 1, [&](int64_t begin, int64_t end) {
      binaryRun<OP>(out + begin, a + begin * ia, ia, b + begin * ib, ib, end - begin);
    });
    return;
  }
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; d++) rows *= l.shape[d];
  parallelFor(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      int64_t rem = r, offA = 0, offB = 0;
      for (size_t d = rank - 1; d-- > 0;) {
        const int64_t idx = rem % l.shape[d];
        rem /= l.shape[d];
        offA += idx * l.sa[d];
        offB += idx * l.sb[d];
      }
      binaryRun<OP>(out + r * inner, a + offA, ia, b + offB, ib, inner);
    }
  });
}

// binary(op, out, a, b, outShape, aStrides, bStrides): strides are in elements, 0 where an input broadcasts.
COURSE_KERNEL(binary, {
  Args a(env, info, 7, "binary");
  const int64_t op = a.integer(0);
  auto out = a.f32(1);
  auto x = a.f32(2);
  auto y = a.f32(3);
  auto shape = a.i32(4), sa = a.i32(5), sb = a.i32(6);
  if (sa.length != shape.length || sb.length != shape.length) throw ArgError("stride ranks differ from shape");
  int64_t size = 1;
  int64_t lastA = 0, lastB = 0;
  for (size_t i = 0; i < shape.length; i++) {
    size *= shape.data[i];
    lastA += (shape.data[i] - 1) * static_cast<int64_t>(sa.data[i]);
    lastB += (shape.data[i] - 1) * static_cast<int64_t>(sb.data[i]);
  }
  if (size == 0) return undefinedValue(env);
  if (static_cast<int64_t>(out.length) < size) throw ArgError("out is too short");
  if (lastA >= static_cast<int64_t>(x.length) || lastB >= static_cast<int64_t>(y.length)) {
    throw ArgError("an input is too short for its strides");
  }
  const Layout l = collapse(shape, sa, sb);
  switch (op) {
    case kAdd: binaryBroadcast<kAdd>(out.data, x.data, y.data, l); break;
    case kSub: binaryBroadcast<kSub>(out.data, x.data, y.data, l); break;
    case kMul: binaryBroadcast<kMul>(out.data, x.data, y.data, l); break;
    case kDiv: binaryBroadcast<kDiv>(out.data, x.data, y.data, l); break;
    case kMax: binaryBroadcast<kMax>(out.data, x.data, y.data, l); break;
    case kMin: binaryBroadcast<kMin>(out.data, x.data, y.data, l); break;
    case kSquaredDiff: binaryBroadcast<kSquaredDiff>(out.data, x.data, y.data, l); break;
    case kPow: binaryBroadcast<kPow>(out.data, x.data, y.data, l); break;
    default: throw ArgError("unknown binary op " + std::to_string(op));
  }
  return undefinedValue(env);
})

enum UnaryOp {
  kExp, kLog, kSqrt, kRsqrt, kNeg, kSquare, kTanh, kSigmoid, kRelu, kAbs, kSelu, kElu, kReciprocal,
  kLog1p, kErf, kSoftplus, kRelu6, kLeakyRelu, kStep, kSin, kCos, kExpm1, kSign
};

constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScale = 1.0507009873554804934193349852946f;

template <int OP>
inline float unaryOp(float x, float alpha) {
  if (OP == kExp) return expApprox(x);
  if (OP == kLog) return std::log(x);
  if (OP == kSqrt) return std::sqrt(x);
  if (OP == kRsqrt) return 1.0f / std::sqrt(x);
  if (OP == kNeg) return -x;
  if (OP == kSquare) return x * x;
  if (OP == kTanh) return tanhPrecise(x);
  if (OP == kSigmoid) return sigmoidApprox(x);
  if (OP == kRelu) return x != x ? x : (x > 0 ? x : 0.0f);
  if (OP == kAbs) return std::fabs(x);
  if (OP == kSelu) return x > 0 ? kSeluScale * x : kSeluScale * kSeluAlpha * expm1Approx(x);
  if (OP == kElu) return x > 0 ? x : expm1Approx(x);
  if (OP == kReciprocal) return 1.0f / x;
  if (OP == kLog1p) return std::log1p(x);
  if (OP == kErf) return std::erf(x);
  if (OP == kSoftplus) return x > 20 ? x : (x < -20 ? expApprox(x) : std::log1p(expApprox(x)));
  if (OP == kRelu6) return x != x ? x : std::min(std::max(x, 0.0f), 6.0f);
  if (OP == kLeakyRelu) return x < 0 ? alpha * x : x;
  if (OP == kStep) return x != x ? NAN : (x > 0 ? 1.0f : alpha);
  if (OP == kSin) return std::sin(x);
  if (OP == kCos) return std::cos(x);
  if (OP == kExpm1) return std::expm1(x);
  return x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f);
}

template <int OP>
void unaryLoop(float* out, const float* x, int64_t n, float alpha) {
  parallelFor(n, 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) out[i] = unaryOp<OP>(x[i], alpha);
  });
}

#define UNARY_CASE(OP) \
  case OP: unaryLoop<OP>(out, x, n, alpha); break;
void unaryDispatch(int64_t op, float* out, const float* x, int64_t n, float alpha) {
  switch (op) {
    UNARY_CASE(kExp) UNARY_CASE(kLog) UNARY_CASE(kSqrt) UNARY_CASE(kRsqrt) UNARY_CASE(kNeg)
    UNARY_CASE(kSquare) UNARY_CASE(kTanh) UNARY_CASE(kSigmoid) UNARY_CASE(kRelu) UNARY_CASE(kAbs)
    UNARY_CASE(kSelu) UNARY_CASE(kElu) UNARY_CASE(kReciprocal) UNARY_CASE(kLog1p) UNARY_CASE(kErf)
    UNARY_CASE(kSoftplus) UNARY_CASE(kRelu6) UNARY_CASE(kLeakyRelu) UNARY_CASE(kStep) UNARY_CASE(kSin)
    UNARY_CASE(kCos) UNARY_CASE(kExpm1) UNARY_CASE(kSign)
    default: throw ArgError("unknown unary op " + std::to_string(op));
  }
}
#undef UNARY_CASE

// unary(op, out, x, alpha): alpha is LeakyRelu's slope / Step's value at x ≤ 0, else ignored.
COURSE_KERNEL(unary, {
  Args a(env, info, 4, "unary");
  const int64_t op = a.integer(0);
  auto out = a.f32(1);
  auto x = a.f32(2);
  const float alpha = static_cast<float>(a.number(3));
  if (out.length < x.length) throw ArgError("out is too short");
  unaryDispatch(op, out.data, x.data, static_cast<int64_t>(x.length), alpha);
  return undefinedValue(env);
})

enum ReduceOp { kSum, kMean, kMaxR, kMinR, kProd };

template <int OP>
inline float reduceInit() {
  if (OP == kMaxR) return -std::numeric_limits<float>::infinity();
  if (OP == kMinR) return std::numeric_limits<float>::infinity();
  if (OP == kProd) return 1.0f;
  return 0.0f;
}

template <int OP>
inline float reduceStep(float acc, float x) {
  if (OP == kMaxR) return (acc != acc || x != x) ? NAN : (x > acc ? x : acc);
  if (OP == kMinR) return (acc != acc || x != x) ? NAN : (x < acc ? x : acc);
  if (OP == kProd) return acc * x;
  return acc + x;
}

// out[o, i] = reduce over m of x[o, m, i]; mean divides the sum by mid.
template <int OP>
void reduceLoop(float* out, const float* x, int64_t outer, int64_t mid, int64_t inner) {
  const float scale = OP == kMean ? 1.0f / static_cast<float>(mid) : 1.0f;
  if (inner == 1) {
    parallelFor(outer, mid, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; o++) {
        const float* row = x + o * mid;
        if (OP == kSum || OP == kMean) {
          out[o] = rowSum(row, mid) * scale;
        } else {
          float acc = reduceInit<OP>();
          for (int64_t m = 0; m < mid; m++) acc = reduceStep<OP>(acc, row[m]);
          out[o] = acc;
        }
      }
    });
    return;
  }
  // Columns: split over (outer, blocks of inner) so that even outer = 1 uses every thread.
  const int64_t block = 256;
  const int64_t blocks = (inner + block - 1) / block;
  parallelFor(outer * blocks, mid * block, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; t++) {
      const int64_t o = t / blocks, i0 = (t % blocks) * block, i1 = std::min(inner, i0 + block);
      float* dst = out + o * inner;
      for (int64_t i = i0; i < i1; i++) dst[i] = reduceInit<OP>();
      for (int64_t m = 0; m < mid; m++) {
        const float* src = x + (o * mid + m) * inner;
        for (int64_t i = i0; i < i1; i++) dst[i] = reduceStep<OP>(dst[i], src[i]);
      }
      if (OP == kMean) {
        for (int64_t i = i0; i < i1; i++) dst[i] *= scale;
      }
    }
  });
}

// reduce(op, out, x, outer, mid, inner)
COURSE_KERNEL(reduce, {
  Args a(env, info, 6, "reduce");
  const int64_t op = a.integer(0);
  auto out = a.f32(1);
  auto x = a.f32(2);
  const int64_t outer = a.integer(3), mid = a.integer(4), inner = a.integer(5);
  if (outer * mid * inner > static_cast<int64_t>(x.length)) throw ArgError("x is too short");
  if (outer * inner > static_cast<int64_t>(out.length)) throw ArgError("out is too short");
  switch (op) {
    case kSum: reduceLoop<kSum>(out.data, x.data, outer, mid, inner); break;
    case kMean: reduceLoop<kMean>(out.data, x.data, outer, mid, inner); break;
    case kMaxR: reduceLoop<kMaxR>(out.data, x.data, outer, mid, inner); break;
    case kMinR: reduceLoop<kMinR>(out.data, x.data, outer, mid, inner); break;
    case kProd: reduceLoop<kProd>(out.data, x.data, outer, mid, inner); break;
    default: throw ArgError("unknown reduce op " + std::to_string(op));
  }
  return undefinedValue(env);
})

// softmax(out, x, rows, cols, log): per row, y = exp(x − max) / Σ exp(x − max), or its log.
COURSE_KERNEL(softmax, {
  Args a(env, info, 5, "softmax");
  auto out = a.f32(0);
  auto x = a.f32(1);
  const int64_t rows = a.integer(2), cols = a.integer(3);
  const bool log = a.boolean(4);
  if (rows * cols > static_cast<int64_t>(x.length) || rows * cols > static_cast<int64_t>(out.length)) {
    throw ArgError("arrays are too short");
  }
  parallelFor(rows, cols * 4, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x.data + r * cols;
      float* yr = out.data + r * cols;
      const float mx = rowMax(xr, cols);
      const float sum = expShiftedSum(yr, xr, cols, mx, 1.0f);
      if (log) {
        const float lse = mx + std::log(sum);
        for (int64_t c = 0; c < cols; c++) yr[c] = xr[c] - lse;
      } else {
        scaleRow(yr, cols, 1.0f / sum);
      }
    }
  });
  return undefinedValue(env);
})

// sumSquares(x) -> Σ x² (in double), for the global gradient norm.
COURSE_KERNEL(sumSquares, {
  Args a(env, info, 1, "sumSquares");
  auto x = a.f32(0);
  const int64_t n = static_cast<int64_t>(x.length);
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(numThreads(), n / kParallelMin + 1));
  std::vector<double> sums(chunks, 0.0);
  parallelFor(chunks, n / chunks + 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; c++) {
      const int64_t i0 = n * c / chunks, i1 = n * (c + 1) / chunks;
      float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      double total = 0;
      int64_t i = i0;
      for (; i + 8 <= i1; i += 8) {
        for (int k = 0; k < 8; k++) lane[k] += x.data[i + k] * x.data[i + k];
        if (((i - i0) & 4095) == 0) {  // fold into double now and then: no float drift on 10⁷ terms
          for (int k = 0; k < 8; k++) total += lane[k], lane[k] = 0;
        }
      }
      for (int k = 0; k < 8; k++) total += lane[k];
      for (; i < i1; i++) total += static_cast<double>(x.data[i]) * x.data[i];
      sums[c] = total;
    }
  });
  double total = 0;
  for (double s : sums) total += s;
  return numberValue(env, total);
})

const Export kExports[] = {
    {"binary", binary}, {"unary", unary}, {"reduce", reduce}, {"softmax", softmax}, {"sumSquares", sumSquares}};

}  // namespace

void registerElementwise(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

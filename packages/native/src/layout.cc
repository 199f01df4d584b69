// Data movement: one strided copy (transpose, slice, pad, concat and split are
// all this copy with different strides), row gather and its gradient.
#include <algorithm>
#include <cstring>
#include <vector>

#include "common.h"

namespace course {
namespace {

// copyStrided(out, outOffset, outStrides, x, xOffset, xStrides, shape):
//   out[outOffset + Σ i_d·outStrides_d] = x[xOffset + Σ i_d·xStrides_d] for every index i < shape.
COURSE_KERNEL(copyStrided, {
  Args a(env, info, 7, "copyStrided");
  auto out = a.f32(0);
  const int64_t outOffset = a.integer(1);
  auto os = a.i32(2);
  auto x = a.f32(3);
  const int64_t xOffset = a.integer(4);
  auto xs = a.i32(5);
  auto shape = a.i32(6);
  if (os.length != shape.length || xs.length != shape.length) throw ArgError("stride ranks differ from shape");
  // Merge axes that are contiguous on both sides (drop size-1 axes).
  std::vector<int64_t> n, so, sx;
  int64_t lastOut = outOffset, lastX = xOffset;
  for (size_t d = 0; d < shape.length; d++) {
    const int64_t len = shape.data[d];
    if (len == 0) return undefinedValue(env);
    lastOut += (len - 1) * static_cast<int64_t>(os.data[d]);
    lastX += (len - 1) * static_cast<int64_t>(xs.data[d]);
    if (len == 1) continue;
    if (!n.empty() && so.back() == os.data[d] * len && sx.back() == xs.data[d] * len) {
      n.back() *= len;
      so.back() = os.data[d];
      sx.back() = xs.data[d];
      continue;
    }
    n.push_back(len);
    so.push_back(os.data[d]);
    sx.push_back(xs.data[d]);
  }
  if (outOffset < 0 || xOffset < 0 || lastOut >= static_cast<int64_t>(out.length) ||
      lastX >= static_cast<int64_t>(x.length)) {
    throw ArgError("index out of range for the arrays given");
  }
  if (n.empty()) {
    out.data[outOffset] = x.data[xOffset];
    return undefinedValue(env);
  }
  const size_t rank = n.size();
  const int64_t inner = n[rank - 1], io = so[rank - 1], ix = sx[rank - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; d++) rows *= n[d];
  float* dst0 = out.data + outOffset;
  const float* src0 = x.data + xOffset;
  if (rows == 1 && io == 1 && ix == 1) {
    parallelFor(inner, 1, [&](int64_t b, int64_t e) { std::memcpy(dst0 + b, src0 + b, (e - b) * sizeof(float)); });
    return undefinedValue(env);
  }
  parallelFor(rows, inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      int64_t rem = r, offO = 0, offX = 0;
      for (size_t d = rank - 1; d-- > 0;) {
        const int64_t idx = rem % n[d];
        rem /= n[d];
        offO += idx * so[d];
        offX += idx * sx[d];
      }
      float* dst = dst0 + offO;
      const float* src = src0 + offX;
      if (io == 1 && ix == 1) {
        std::memcpy(dst, src, inner * sizeof(float));
      } else {
        for (int64_t i = 0; i < inner; i++) dst[i * io] = src[i * ix];
      }
    }
  });
  return undefinedValue(env);
})

// gatherRows(out, x, rowSize, indices) -> -1, or the position of the first index outside [0, rows of x).
COURSE_KERNEL(gatherRows, {
  Args a(env, info, 4, "gatherRows");
  auto out = a.f32(0);
  auto x = a.f32(1);
  const int64_t rowSize = a.integer(2);
  auto idx = a.i32(3);
  const int64_t rows = rowSize > 0 ? static_cast<int64_t>(x.length) / rowSize : 0;
  const int64_t n = static_cast<int64_t>(idx.length);
  if (n * rowSize > static_cast<int64_t>(out.length)) throw ArgError("out is too short");
  for (int64_t i = 0; i < n; i++) {
    if (idx.data[i] < 0 || idx.data[i] >= rows) return numberValue(env, static_cast<double>(i));
  }
  parallelFor(n, rowSize, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      std::memcpy(out.data + i * rowSize, x.data + static_cast<int64_t>(idx.data[i]) * rowSize, rowSize * sizeof(float));
    }
  });
  return numberValue(env, -1);
})

// segmentSumRows(out, x, rowSize, ids): out = 0, then out[ids[i]] += x[i] (ids outside out are dropped).
// Threads split the columns, so no two write the same element.
COURSE_KERNEL(segmentSumRows, {
  Args a(env, info, 4, "segmentSumRows");
  auto out = a.f32(0);
  auto x = a.f32(1);
  const int64_t rowSize = a.integer(2);
  auto ids = a.i32(3);
  const int64_t n = static_cast<int64_t>(ids.length);
  const int64_t segments = rowSize > 0 ? static_cast<int64_t>(out.length) / rowSize : 0;
  if (n * rowSize > static_cast<int64_t>(x.length)) throw ArgError("x is too short");
  std::memset(out.data, 0, out.length * sizeof(float));
  const int64_t block = 64;
  const int64_t blocks = (rowSize + block - 1) / block;
  parallelFor(blocks, n * block, [&](int64_t begin, int64_t end) {
    const int64_t c0 = begin * block, c1 = std::min(rowSize, end * block);
    for (int64_t i = 0; i < n; i++) {
      const int64_t s = ids.data[i];
      if (s < 0 || s >= segments) continue;
      float* dst = out.data + s * rowSize;
      const float* src = x.data + i * rowSize;
      for (int64_t c = c0; c < c1; c++) dst[c] += src[c];
    }
  });
  return undefinedValue(env);
})

const Export kExports[] = {
    {"copyStrided", copyStrided}, {"gatherRows", gatherRows}, {"segmentSumRows", segmentSumRows}};

}  // namespace

void registerLayout(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

// Shared helpers for the addon: reading N-API arguments, raising JS errors,
// and the parallel loop every kernel uses.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace course {

// Thrown by argument readers and kernels; the N-API wrapper turns it into a JS Error.
struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A typed array argument: a pointer to its first element and its length.
template <typename T>
struct Span {
  T* data;
  size_t length;
};

class Args {
 public:
  Args(napi_env env, napi_callback_info info, size_t expected, const char* name);
  Span<float> f32(size_t i) const;
  Span<int32_t> i32(size_t i) const;
  int64_t integer(size_t i) const;
  double number(size_t i) const;
  bool boolean(size_t i) const;
  napi_env env;

 private:
  napi_value argv_[24];
  size_t argc_;
  const char* name_;
  std::string where(size_t i) const;
  void* typed(size_t i, napi_typedarray_type want, size_t* length) const;
};

// Multi-head attention's sizes, read from four integer arguments starting at `first`:
// batch B, time T, channels C, heads H (hs = C / H, the head size).
struct HeadShape {
  int64_t B, T, C, H, hs;
};

inline HeadShape readHeadShape(const Args& a, size_t first) {
  HeadShape s{a.integer(first), a.integer(first + 1), a.integer(first + 2), a.integer(first + 3), 0};
  if (s.B < 1 || s.T < 1 || s.H < 1 || s.C % s.H != 0) throw ArgError("bad B, T, C or H");
  s.hs = s.C / s.H;
  return s;
}

// Below this many elements a loop runs on the calling thread: waking the
// OpenMP team costs a few microseconds.
constexpr int64_t kParallelMin = 1 << 15;

inline int numThreads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Runs body(begin, end) over [0, n) split into contiguous chunks, one per thread
// when the work (n · costPerItem elements) is large enough.
template <typename F>
void parallelFor(int64_t n, int64_t costPerItem, F body) {
  if (n <= 0) return;
#ifdef _OPENMP
  const int64_t work = n * (costPerItem > 0 ? costPerItem : 1);
  const int threads = numThreads();
  if (threads > 1 && work >= kParallelMin && n > 1) {
    const int64_t chunks = n < threads ? n : threads;
#pragma omp parallel for num_threads(chunks) schedule(static, 1)
    for (int64_t c = 0; c < chunks; c++) {
      const int64_t begin = n * c / chunks;
      const int64_t end = n * (c + 1) / chunks;
      body(begin, end);
    }
    return;
  }
#endif
  body(0, n);
}

// BLAS's own thread count (OpenBLAS; 1 elsewhere), defined in gemm.cc.
int blasThreads();
void setBlasThreads(int n);

// For a batch of small products run one per OpenMP thread: BLAS on one thread
// for this object's lifetime, restored after.
struct SingleThreadedBlas {
  int saved = blasThreads();
  SingleThreadedBlas() { setBlasThreads(1); }
  ~SingleThreadedBlas() { setBlasThreads(saved); }
};

// Wraps a C++ function as an N-API callback that reports C++ errors as JS errors.
using Kernel = napi_value (*)(napi_env, napi_callback_info);
napi_value undefinedValue(napi_env env);
napi_value numberValue(napi_env env, double x);
void throwError(napi_env env, const char* message);

// The body is variadic because it contains commas.
#define COURSE_KERNEL(NAME, ...)                                       \
  napi_value NAME(napi_env env, napi_callback_info info) {             \
    try {                                                              \
      __VA_ARGS__                                                      \
    } catch (const std::exception& e) {                                \
      ::course::throwError(env, (std::string(#NAME ": ") + e.what()).c_str()); \
      return nullptr;                                                  \
    }                                                                  \
  }

// Registered by each source file (addon.cc collects them).
struct Export {
  const char* name;
  Kernel fn;
};
void registerGemm(napi_env env, napi_value exports);
void registerElementwise(napi_env env, napi_value exports);
void registerLayout(napi_env env, napi_value exports);
void registerFused(napi_env env, napi_value exports);
void registerAttention(napi_env env, napi_value exports);
void registerEncoderAttention(napi_env env, napi_value exports);
void registerRecurrent(napi_env env, napi_value exports);
void defineFunctions(napi_env env, napi_value exports, const Export* list, size_t count);

}  // namespace course

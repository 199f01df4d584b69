// Matrix products through the system BLAS (OpenBLAS or Accelerate): transposes
// are BLAS flags, never copies; a batch of small products runs one product per
// thread with BLAS single-threaded, a batch of large ones runs BLAS threaded.
#include <string>

#include "common.h"

#ifdef COURSE_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace course {

int blasThreads() {
#ifdef COURSE_OPENBLAS
  return openblas_get_num_threads();
#else
  return 1;
#endif
}

void setBlasThreads(int n) {
#ifdef COURSE_OPENBLAS
  openblas_set_num_threads(n);
#else
  (void)n;
#endif
}

namespace {

// Products below this many multiply-adds each are run one per thread.
constexpr int64_t kSmallProduct = 1 << 22;

// C[b] = alpha · op(A[b]) · op(B[b]) + beta · C[b] for b in [0, batch), row-major:
// op(A) is [M, K], op(B) is [K, N], C is [M, N]; a stride of 0 repeats one matrix.
// args: transA, transB, batch, M, N, K, alpha, A, strideA, B, strideB, beta, C, strideC
COURSE_KERNEL(gemm, {
  Args a(env, info, 14, "gemm");
  const bool tA = a.boolean(0), tB = a.boolean(1);
  const int64_t batch = a.integer(2), M = a.integer(3), N = a.integer(4), K = a.integer(5);
  const float alpha = static_cast<float>(a.number(6));
  auto A = a.f32(7);
  const int64_t sA = a.integer(8);
  auto B = a.f32(9);
  const int64_t sB = a.integer(10);
  const float beta = static_cast<float>(a.number(11));
  auto C = a.f32(12);
  const int64_t sC = a.integer(13);
  if (batch < 1 || M < 0 || N < 0 || K < 0) throw ArgError("bad sizes");
  if (static_cast<int64_t>(A.length) < sA * (batch - 1) + M * K) throw ArgError("A is too short");
  if (static_cast<int64_t>(B.length) < sB * (batch - 1) + K * N) throw ArgError("B is too short");
  if (static_cast<int64_t>(C.length) < sC * (batch - 1) + M * N) throw ArgError("C is too short");
  if (M == 0 || N == 0) return undefinedValue(env);
  const auto opA = tA ? CblasTrans : CblasNoTrans;
  const auto opB = tB ? CblasTrans : CblasNoTrans;
  const int lda = tA ? M : K, ldb = tB ? K : N, ldc = N;
  auto one = [&](int64_t b) {
    cblas_sgemm(CblasRowMajor, opA, opB, M, N, K, alpha, A.data + b * sA, lda, B.data + b * sB, ldb, beta,
                C.data + b * sC, ldc);
  };
  if (batch > 1 && M * N * K < kSmallProduct && numThreads() > 1) {
    SingleThreadedBlas single;
    parallelFor(batch, M * N * K, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; b++) one(b);
    });
  } else {
    for (int64_t b = 0; b < batch; b++) one(b);
  }
  return undefinedValue(env);
})

// { blas, corename, threads }: what runs, for the backend's one-line reason.
COURSE_KERNEL(info, {
  napi_value out;
  napi_create_object(env, &out);
  std::string blas = "unknown BLAS";
  std::string core = "";
#ifdef COURSE_ACCELERATE
  blas = "Accelerate";
#elif defined(COURSE_OPENBLAS)
  blas = openblas_get_config();
  core = openblas_get_corename();
#endif
  napi_value s;
  napi_create_string_utf8(env, blas.c_str(), NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "blas", s);
  napi_create_string_utf8(env, core.c_str(), NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "corename", s);
  napi_set_named_property(env, out, "threads", numberValue(env, numThreads()));
  napi_set_named_property(env, out, "blasThreads", numberValue(env, blasThreads()));
#ifdef _OPENMP
  napi_get_boolean(env, true, &s);
#else
  napi_get_boolean(env, false, &s);
#endif
  napi_set_named_property(env, out, "openmp", s);
  (void)info;
  return out;
})

// setThreads(n): threads for our loops and for BLAS.
COURSE_KERNEL(setThreads, {
  Args a(env, info, 1, "setThreads");
  const int64_t n = a.integer(0);
  if (n < 1) throw ArgError("expected at least 1 thread");
#ifdef _OPENMP
  omp_set_num_threads(static_cast<int>(n));
#endif
  setBlasThreads(static_cast<int>(n));
  return undefinedValue(env);
})

const Export kExports[] = {{"gemm", gemm}, {"info", info}, {"setThreads", setThreads}};

}  // namespace

void registerGemm(napi_env env, napi_value exports) {
  defineFunctions(env, exports, kExports, sizeof(kExports) / sizeof(kExports[0]));
}

}  // namespace course

# The addon behind the `native` backend. Linux: OpenBLAS (Debian libopenblas-dev)
# and OpenMP (gcc's libgomp). macOS: Accelerate's cblas; no OpenMP in Apple
# clang, so loops run on one thread there (BLAS still uses every core).
{
  "targets": [
    {
      "target_name": "course_native",
      "sources": [
        "src/addon.cc",
        "src/gemm.cc",
        "src/elementwise.cc",
        "src/layout.cc",
        "src/fused.cc",
        "src/attention.cc",
        "src/encoder_attention.cc",
        "src/recurrent.cc",
        "src/dense.cc",
        "src/gelu_erf.cc"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-march=native", "-fno-math-errno", "-std=c++17"],
      "conditions": [
        ["OS=='linux'", {
          "cflags_cc": ["-fopenmp", "<!@(node scripts/blas-flags.cjs --cflags)"],
          "libraries": ["-fopenmp", "<!@(node scripts/blas-flags.cjs --libs)"]
        }],
        ["OS=='mac'", {
          "defines": ["COURSE_ACCELERATE", "ACCELERATE_NEW_LAPACK"],
          "libraries": ["-framework Accelerate"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]
          }
        }]
      ]
    }
  ]
}

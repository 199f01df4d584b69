// Module entry: argument readers, error reporting and the export table.
#include <cstring>

#include "common.h"

namespace course {

void registerDense(napi_env env, napi_value exports);  // dense.cc
void registerGeluErf(napi_env env, napi_value exports);  // gelu_erf.cc

Args::Args(napi_env env_, napi_callback_info info, size_t expected, const char* name)
    : env(env_), argc_(24), name_(name) {
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) {
    throw ArgError("cannot read arguments");
  }
  if (argc_ != expected) {
    throw ArgError("expected " + std::to_string(expected) + " arguments, found " + std::to_string(argc_));
  }
}

std::string Args::where(size_t i) const { return std::string("argument ") + std::to_string(i); }

void* Args::typed(size_t i, napi_typedarray_type want, size_t* length) const {
  bool is = false;
  napi_is_typedarray(env, argv_[i], &is);
  if (!is) throw ArgError(where(i) + ": expected a typed array");
  napi_typedarray_type type;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, argv_[i], &type, length, &data, nullptr, nullptr) != napi_ok) {
    throw ArgError(where(i) + ": cannot read typed array");
  }
  if (type != want) {
    throw ArgError(where(i) + (want == napi_float32_array ? ": expected a Float32Array" : ": expected an Int32Array"));
  }
  return data;
}

Span<float> Args::f32(size_t i) const {
  size_t n = 0;
  auto* p = static_cast<float*>(typed(i, napi_float32_array, &n));
  return {p, n};
}

Span<int32_t> Args::i32(size_t i) const {
  size_t n = 0;
  auto* p = static_cast<int32_t*>(typed(i, napi_int32_array, &n));
  return {p, n};
}

double Args::number(size_t i) const {
  double x = 0;
  if (napi_get_value_double(env, argv_[i], &x) != napi_ok) throw ArgError(where(i) + ": expected a number");
  return x;
}

int64_t Args::integer(size_t i) const {
  int64_t x = 0;
  if (napi_get_value_int64(env, argv_[i], &x) != napi_ok) throw ArgError(where(i) + ": expected an integer");
  return x;
}

bool Args::boolean(size_t i) const {
  bool x = false;
  if (napi_get_value_bool(env, argv_[i], &x) != napi_ok) throw ArgError(where(i) + ": expected a boolean");
  return x;
}

napi_value undefinedValue(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value numberValue(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

void throwError(napi_env env, const char* message) { napi_throw_error(env, nullptr, message); }

void defineFunctions(napi_env env, napi_value exports, const Export* list, size_t count) {
  for (size_t i = 0; i < count; i++) {
    napi_value fn;
    napi_create_function(env, list[i].name, NAPI_AUTO_LENGTH, list[i].fn, nullptr, &fn);
    napi_set_named_property(env, exports, list[i].name, fn);
  }
}

napi_value init(napi_env env, napi_value exports) {
  registerGemm(env, exports);
  registerElementwise(env, exports);
  registerLayout(env, exports);
  registerFused(env, exports);
  registerAttention(env, exports);
  registerEncoderAttention(env, exports);
  registerRecurrent(env, exports);
  registerDense(env, exports);
  registerGeluErf(env, exports);
  return exports;
}

}  // namespace course

NAPI_MODULE(NODE_GYP_MODULE_NAME, course::init)

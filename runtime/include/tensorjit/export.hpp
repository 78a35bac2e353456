/// \file
/// What libtensorjit exports. The library is built with hidden visibility; the public headers
/// put their declarations between TJ_API_BEGIN and TJ_API_END (or mark one with TJ_API), and
/// only those are symbols of libtensorjit.so. Internal code (codegen::, cache::, jit::, the
/// layers' detail namespaces) stays hidden.
#pragma once

#define TJ_API __attribute__((visibility("default")))
#define TJ_API_BEGIN _Pragma("GCC visibility push(default)")
#define TJ_API_END _Pragma("GCC visibility pop")

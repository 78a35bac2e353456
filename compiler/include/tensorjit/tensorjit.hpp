/// \file
/// tensorjit: symbolic tensor expressions compiled to native kernels (Clang in process, LLVM ORC),
/// cached on disk by graph hash. `namespace tj = tensorjit;` is provided.
#pragma once

#include <tensorjit/array.hpp>
#include <tensorjit/cache.hpp>
#include <tensorjit/config.hpp>
#include <tensorjit/control.hpp>
#include <tensorjit/debug_print.hpp>
#include <tensorjit/dtype.hpp>
#include <tensorjit/error.hpp>
#include <tensorjit/function.hpp>
#include <tensorjit/generator.hpp>
#include <tensorjit/grad.hpp>
#include <tensorjit/graph_file.hpp>
#include <tensorjit/log.hpp>
#include <tensorjit/npy.hpp>
#include <tensorjit/precompile.hpp>
#include <tensorjit/profile.hpp>
#include <tensorjit/random.hpp>
#include <tensorjit/redis_cache.hpp>
#include <tensorjit/tensor.hpp>

namespace tj = tensorjit;

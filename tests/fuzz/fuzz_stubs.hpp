/// \file
/// The kernel cache of the fuzz target (fuzz_stubs.cpp, in place of
/// compiler/function/kernel_cache.cpp): get_kernel generates the kernel's source with every
/// compiler phase but Clang and throws SourceGenerated.
#pragma once

#include <cstddef>

namespace tj_fuzz {

/// Thrown by get_kernel once the loaded graph went through the rewrites and the emitter.
struct SourceGenerated {
    std::size_t source_bytes = 0;
};

} // namespace tj_fuzz

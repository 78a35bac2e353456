/// \file
/// Object emission for an optimized module: in one piece, or, for a large kernel on a machine
/// with several cores, split into partitions (llvm::SplitModule) whose machine code is generated
/// in parallel, each in a fresh LLVMContext on a protected compile thread (crash_recovery.hpp).
/// Code generation is LLVM's slowest phase on large kernels and runs function by function, and
/// the emitter outlines the steps of a large kernel into functions of their own, so partitions
/// are balanced. Internal to compiler/jit/.
#pragma once

#include "compiler/jit/llvm_backend.hpp"

#include <string>
#include <vector>

namespace tensorjit::jit::detail {

/// The objects of `module` (one, or one per partition); LLVM's error diagnostics are appended to
/// `backend_errors`. Throws CompileError naming source_path when a partition crashed or could
/// not be generated.
std::vector<std::string> emit_objects(llvm::Module& module, ThreadTarget& target,
                                      const std::string& source_path, std::string& backend_errors);

} // namespace tensorjit::jit::detail

/// \file
/// Facts about the host that the frontend (target machine) and the JIT (target_id) share.
/// Internal to compiler/jit/; names no LLVM type.
#pragma once

#include <string>

namespace tensorjit::jit::detail {

/// What code generated on this machine is specialised for.
struct HostTarget {
    std::string triple;   ///< LLVM's process triple, e.g. "x86_64-pc-linux-gnu"
    std::string cpu;      ///< LLVM's name of the host CPU, e.g. "znver4" (what -march=native picks)
    std::string features; ///< every host feature, sorted: "+avx,+avx2,...,-xop"
};

/// The host target, computed once. Thread-safe.
const HostTarget& host_target();

/// Registers the native target, its asm printer and asm parser with LLVM, once per process.
/// Thread-safe; cheap after the first call.
void initialize_native_target();

} // namespace tensorjit::jit::detail

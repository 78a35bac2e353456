/// \file
/// What a running kernel asks of its caller, and the table of host functions kernels call.
///
/// A kernel's frame (codegen_templates/kernel_abi.h) carries `rt`, a pointer to a KernelHost:
/// the tj_rt_* functions the kernel calls forward to it. The function layer implements it (its
/// per-call state); the runtime owns only the interface, the C trampolines and the symbol table,
/// which jit/ registers with the JIT when it is created. Nothing here may throw into generated
/// code: a KernelHost records an error and the kernel returns non-zero.
#pragma once

#include <span>

namespace tensorjit {

class KernelHost {
  public:
    /// A C-contiguous buffer of the given shape for `slot` (also stored in the frame's slot), or
    /// nullptr after recording an error.
    virtual void* alloc(int slot, int ndim, const long long* shape) noexcept = 0;
    /// Records that node `node`'s operands have shapes a and b that do not broadcast.
    virtual void shape_error(int node, int na, const long long* a, int nb,
                             const long long* b) noexcept = 0;
    /// Records that a[axis_a] != b[axis_b] where node `node`'s operands must agree, for the
    /// reason `kind` (TJ_EXTENT_* in codegen_templates/kernel_abi.h).
    virtual void extent_error(int node, int kind, int na, const long long* a, int axis_a, int nb,
                              const long long* b, int axis_b) noexcept = 0;
    /// Records error `code` (codegen_templates/kernel_abi.h) about `value` at node `node`.
    virtual void value_error(int node, int code, long long value) noexcept = 0;
    /// Scratch buffer `which` of at least `bytes` bytes, reused across calls; nullptr after
    /// recording an error.
    virtual void* scratch(int which, long long bytes) noexcept = 0;
    /// Profiled kernels only (codegen_templates/profile.h): step `step` begins, and ends after
    /// moving `bytes` bytes. Hosts that do not profile never receive them.
    virtual void prof_begin(int step) noexcept {}
    virtual void prof_end(int step, long long bytes) noexcept {}

  protected:
    ~KernelHost() = default;
};

/// One function kernels may call: its C name and address.
struct HostSymbol {
    const char* name;
    void* address;
};

/// Every host function generated kernels call: the tj_rt_* trampolines (with the profiling
/// hooks of codegen_templates/profile.h) and the random generator's tj_rng_* routines
/// (codegen_templates/random.h).
std::span<const HostSymbol> host_symbols();

} // namespace tensorjit

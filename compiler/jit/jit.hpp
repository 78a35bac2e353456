/// \file
/// The JIT layer: C++ source -> object code (Clang in process) -> machine code (LLVM ORC LLJIT).
/// This header names no LLVM type: LLVM and Clang stay inside compiler/jit/, and their errors
/// become tj::CompileError here.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tensorjit::jit {

/// Milliseconds spent in each phase of one compile.
struct CompileTimes {
    double frontend_ms = 0; ///< parse + Sema + IR generation
    double optimize_ms = 0; ///< the O2 pipeline (with libmvec vectorization)
    double codegen_ms = 0;  ///< machine code emission into an in-memory object
};

/// What generated code is built for. The host (`native`: -march=native, the host CPU and every
/// host feature) unless TJ_TARGET_CPU names an LLVM CPU (x86-64, x86-64-v2/v3/v4, haswell,
/// skylake-avx512, znver3, ...): then code is built for that CPU, which lets a fleet of
/// different machines share one cache, and lets `tensorjit-cache warm --target-cpu` build entries
/// for hosts it does not run on.
struct Target {
    std::string triple;   ///< LLVM's target triple, e.g. "x86_64-pc-linux-gnu"
    std::string cpu;      ///< LLVM's CPU name (the host's, for native)
    std::string features; ///< the CPU's features, sorted: "+avx,+avx2,...", as LLVM defines them
    bool native = true;   ///< -march=native
    /// Everything of the target the generated code depends on, with the LLVM version: part of
    /// the cache key.
    std::string id;
};

/// The target of this process: TJ_TARGET_CPU when it names a CPU this host can run code for,
/// else the host (a warning says why TJ_TARGET_CPU was not used). Computed once; thread-safe.
const Target& default_target();

/// The target for an LLVM CPU name on the host's triple (not necessarily one this host can run).
/// Throws ValueError for a name LLVM does not know, listing a few valid ones.
Target named_target(const std::string& cpu);

/// Why code built for `target` cannot run on this host (the features it needs that the host
/// lacks), or "" when it can.
std::string host_incompatibility(const Target& target);

/// Compiles one C++ translation unit held in memory (no subprocess, no temporary file) into an
/// ELF relocatable object for the target CPU (-O2, -march=native or -march=<cpu>, -fno-math-errno,
/// -ffp-contract=off, libmvec registered for vectorized exp/log). `source_path` names the
/// buffer in diagnostics and is the path reported by the CompileError thrown on failure (the
/// caller keeps the source there). Thread-safe: each call has its own LLVM context and compiler.
///
/// Clang and LLVM run on a thread of their own with a 64 MB stack, under
/// llvm::CrashRecoveryContext (enabled on the first call: it installs handlers for SIGSEGV,
/// SIGBUS, SIGILL, SIGFPE, SIGABRT and SIGTRAP that pass signals from other threads on to the
/// previous handlers), with a fatal error handler installed for report_fatal_error. A crash, a
/// stack overflow or a fatal error in the compiler becomes a CompileError naming source_path;
/// the memory of the abandoned compile is leaked. The calling thread waits for the compile.
/// `target` (default: default_target()) picks the CPU the code is built for.
std::string compile_to_object(std::string_view source, const std::string& source_path,
                              CompileTimes* times = nullptr, const Target* target = nullptr);

namespace testing {
/// Faults a test can make happen inside the protected region of a compile.
enum class Fault { None, Segfault, Abort, FatalError, StackOverflow };
/// Makes the next compile_to_object called on this thread raise `fault` inside its crash
/// recovery context, before Clang runs. For tests only.
void inject_fault_in_next_compile(Fault fault);
/// Every name a kernel has looked up in the process so far (libm, libmvec as _ZGVdN4vv_hypot,
/// cblas_*): which vector functions the loop vectorizer called. For tests only.
std::vector<std::string> process_symbols_asked();
} // namespace testing

/// Machine code of one loaded object; destroying it frees the code (its ORC ResourceTracker).
class Kernel {
  public:
    virtual ~Kernel() = default;
    /// Address of the entry point named at load time.
    virtual void* address() const = 0;
};

/// Links an object produced by compile_to_object into the process-wide LLJIT and looks up
/// `symbol`. External symbols resolve against the runtime's host_symbols() table
/// (runtime/kernel_host.hpp) and those registered with add_host_symbol, then the cblas functions
/// of codegen_templates/blas.hpp (entry points that load OpenBLAS on their first call, so that
/// loading kernels does not), then the process (libm and libmvec are loaded explicitly). Throws
/// CompileError when linking or the lookup fails. Thread-safe.
std::shared_ptr<Kernel> load_object(std::string_view object, const std::string& symbol);

/// Makes a host function visible to kernels under `name`; call before loading kernels that use
/// it. Thread-safe.
void add_host_symbol(const std::string& name, void* address);

/// The compiler the objects come from: "clang/LLVM <version>".
std::string toolchain_id();

/// default_target().id: LLVM version, target triple, CPU name and its feature string.
const std::string& target_id();

} // namespace tensorjit::jit

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

/// Compiles one C++ translation unit held in memory (no subprocess, no temporary file) into an
/// ELF relocatable object for the host CPU (-O2, -march=native, -fno-math-errno,
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
std::string compile_to_object(std::string_view source, const std::string& source_path,
                              CompileTimes* times = nullptr);

namespace testing {
/// Faults a test can make happen inside the protected region of a compile.
enum class Fault { None, Segfault, Abort, FatalError, StackOverflow };
/// Makes the next compile_to_object called on this thread raise `fault` inside its crash
/// recovery context, before Clang runs. For tests only.
void inject_fault_in_next_compile(Fault fault);
/// Every name a kernel has looked up in the process so far (libm, libmvec as _ZGVdN4vv_hypot,
/// OpenBLAS): which vector functions the loop vectorizer called. For tests only.
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
/// (runtime/kernel_host.hpp) and those registered with add_host_symbol,
/// then the process (libm, libmvec, OpenBLAS are loaded explicitly). Throws CompileError when
/// linking or the lookup fails. Thread-safe.
std::shared_ptr<Kernel> load_object(std::string_view object, const std::string& symbol);

/// Makes a host function visible to kernels under `name`; call before loading kernels that use
/// it. Thread-safe.
void add_host_symbol(const std::string& name, void* address);

/// Identifies what the generated code depends on besides its source: LLVM version, target
/// triple, host CPU name and its feature string. Part of the cache key.
const std::string& target_id();

} // namespace tensorjit::jit

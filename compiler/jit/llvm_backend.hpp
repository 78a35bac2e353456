/// \file
/// The LLVM half of a compile, after Clang has produced the module: the per-thread target
/// machine and library info (with libmvec's vector functions registered), the O2 pipeline and
/// object emission. Internal to compiler/jit/.
#pragma once

#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

namespace tensorjit::jit::detail {

/// Collects the errors LLVM reports while optimizing and emitting code. Without a handler,
/// LLVMContext prints an error to stderr and calls exit(1).
class CapturingDiagnosticHandler final : public llvm::DiagnosticHandler {
  public:
    explicit CapturingDiagnosticHandler(std::string& errors) : errors_(errors) {}
    bool handleDiagnostics(const llvm::DiagnosticInfo& info) override {
        if (info.getSeverity() != llvm::DS_Error)
            return true; // remarks and warnings are of no use here (the frontend runs with -w)
        llvm::raw_string_ostream os(errors_);
        llvm::DiagnosticPrinterRawOStream printer(os);
        os << "error: ";
        info.print(printer);
        os << '\n';
        return true;
    }

  private:
    std::string& errors_;
};

/// A TargetMachine is not safe to use from two threads at once (codegen resets its options from
/// each function's attributes), and creating one costs ~0.1 ms: keep one per thread.
struct ThreadTarget {
    std::string triple;
    std::string cpu;      ///< as in jit::Target
    std::string features; ///< given to the TargetMachine (the host's, or "" for a named CPU)
    std::unique_ptr<llvm::TargetMachine> machine;
    std::unique_ptr<llvm::TargetLibraryInfoImpl> library_info;
};

/// This thread's target machine for `triple`, `cpu` and `features` (-ffp-contract=off, PIC),
/// made on first use or when one of them changes. Throws CompileError naming source_path when
/// LLVM has no such target.
ThreadTarget& thread_target(const std::string& triple, const std::string& cpu,
                            const std::string& features, const std::string& source_path);

/// The default O2 module pipeline as Clang 16 sets it up for -O2 (loop and SLP vectorization,
/// unrolling, interleaving), with our libmvec-aware library info.
void optimize(llvm::Module& module, ThreadTarget& target);

/// Emits `module` as an ELF relocatable object. Returns false when the target cannot emit objects.
bool emit_object(llvm::Module& module, ThreadTarget& target, llvm::SmallVectorImpl<char>& out);

} // namespace tensorjit::jit::detail

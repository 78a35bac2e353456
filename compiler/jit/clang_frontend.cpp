// compile_to_object: C++ source in memory -> Clang (in process) -> LLVM O2 -> ELF object in memory.
//
// Clang emits unoptimized -O2 IR (CodeGenOpts.DisableLLVMPasses), our PassBuilder runs the O2
// pipeline with a TargetLibraryInfo that has libmvec registered, and a per-thread TargetMachine
// emits the object. Clang 16's own pipeline does vectorize exp with -fveclib=libmvec (checked
// when this was written: EmitLLVMOnlyAction without DisableLLVMPasses calls _ZGVdN4v_exp). We
// run our own anyway so that the three phase times are measured apart and the libmvec table does
// not hang on a driver flag reaching Clang's backend. The result matched `clang++ -c` with the
// same flags on the kernels checked: same .text, .rodata and relocations; only the linker's
// .llvm_addrsig section (useless in a JIT) is left out.
#include "compiler/jit/crash_recovery.hpp"
#include "compiler/jit/host_target.hpp"
#include "compiler/jit/jit.hpp"
#include "compiler/jit/llvm_backend.hpp"
#include "compiler/jit/object_bundle.hpp"
#include "compiler/jit/parallel_codegen.hpp"
#include "runtime/log.hpp"
#include "tensorjit/error.hpp"

#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/CodeGen/CodeGenAction.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/CompilerInvocation.h>
#include <clang/Frontend/FrontendOptions.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <clang/Frontend/Utils.h>
#include <clang/Lex/PreprocessorOptions.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tensorjit::jit {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Name of the input when the caller gives an empty path: Clang needs some file name.
constexpr const char* kDefaultInputName = "tensorjit_kernel.cpp";

// Driver-style flags. The driver turns them into cc1 options once (host CPU detection, include
// paths), and every compile copies the result. argv[0] and -resource-dir point at Clang 16's
// installation, so its own headers (stdint.h, immintrin.h) are found. -march=native is what ties
// the object to the host; target_id() carries the same CPU and features into the cache key.
// -nostdinc++: kernels include nothing, math comes from __builtin_*. Not -ffreestanding: it
// marks every function "no-builtins", which hides tanh, log1p, ... from the library info, so
// the vectorizer could not map them to libmvec (exp/log as intrinsics were unaffected).
// -fwrapv: integer kernels wrap on overflow as NumPy's (and the references) do, instead of UB.
// -fno-math-errno turns __builtin_exp into llvm.exp, which the vectorizer can map to libmvec.
// A named target CPU (jit::Target) replaces native in -march.
// clang-format off
constexpr const char* kDriverArgs[] = {
    TJ_CLANG_EXECUTABLE, "-resource-dir", TJ_CLANG_RESOURCE_DIR,
    "-x", "c++", "-std=c++17", "-O2", "-march=native", "-fno-math-errno", "-fno-trapping-math",
    "-ffp-contract=off", "-fno-exceptions", "-fno-rtti", "-fveclib=libmvec", "-fwrapv",
    "-nostdinc++", "-w", "-c", kDefaultInputName};
constexpr std::size_t kMarchArg = 7;
// clang-format on

// The cc1 invocation built once from kDriverArgs, or why it could not be built.
struct CachedInvocation {
    std::shared_ptr<const clang::CompilerInvocation> invocation;
    std::string error;
};

// The invocation for a target, built once per CPU name and kept for the process.
CachedInvocation make_invocation(const Target& target);

const CachedInvocation& cached_invocation(const Target& target) {
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<CachedInvocation>> cached;
    const std::string name = target.native ? "native" : target.cpu;
    std::lock_guard lock(mutex);
    std::unique_ptr<CachedInvocation>& slot = cached[name];
    if (!slot) slot = std::make_unique<CachedInvocation>(make_invocation(target));
    return *slot;
}

CachedInvocation make_invocation(const Target& target) {
    const std::string march = "-march=" + (target.native ? std::string("native") : target.cpu);
    std::vector<const char*> args(std::begin(kDriverArgs), std::end(kDriverArgs));
    args[kMarchArg] = march.c_str();
    {
        CachedInvocation result;
        std::string diagnostics;
        llvm::raw_string_ostream diag_os(diagnostics);
        auto diag_opts = llvm::makeIntrusiveRefCnt<clang::DiagnosticOptions>();
        auto diags = clang::CompilerInstance::createDiagnostics(
            diag_opts.get(), new clang::TextDiagnosticPrinter(diag_os, diag_opts.get()),
            /*ShouldOwnClient=*/true);
        std::vector<std::string> cc1_args;
        clang::CreateInvocationOptions options;
        options.Diags = diags;
        options.CC1Args = &cc1_args;
        std::unique_ptr<clang::CompilerInvocation> invocation =
            clang::createInvocation(args, options);
        diag_os.flush();
        if (!invocation) {
            result.error =
                diagnostics.empty() ? "the clang driver produced no invocation" : diagnostics;
            return result;
        }
        // The driver asks cc1 not to free its memory at exit (-disable-free); in a long-lived
        // process that leaks the AST and more (~190 KB) on every compile. The flag sets two
        // options: the CodeGen one makes Clang's backend step bury the TargetMachine it creates
        // for each compile (~15 KB leaked per compile, measured with heaptrack).
        invocation->getFrontendOpts().DisableFree = false;
        invocation->getCodeGenOpts().DisableFree = false;
        // We run the optimizer ourselves (see the file comment). This only skips Clang's pass
        // pipeline: the IR Clang emits is still -O2 IR (TBAA, lifetime markers, no optnone).
        invocation->getCodeGenOpts().DisableLLVMPasses = true;
        // Diagnostics end up in exception messages and logs, never on a terminal.
        invocation->getDiagnosticOpts().ShowColors = false;
        std::string joined;
        for (const std::string& arg : cc1_args) joined += " " + arg;
        log().trace("clang driver arguments for cc1 (before the changes above):{}", joined);
        result.invocation = std::move(invocation);
        return result;
    }
}

[[noreturn]] void throw_compile_error(const std::string& source_path, std::string diagnostics) {
    if (diagnostics.empty()) diagnostics = "(clang reported no diagnostics)\n";
    throw CompileError("clang failed to compile " + source_path + ":\n" + diagnostics, diagnostics,
                       source_path);
}

// Clang and LLVM in one compile, on the calling thread (see compile_to_object for the thread
// and the crash recovery around it).
std::string compile_here(std::string_view source, const std::string& source_path,
                         CompileTimes* times, const Target& compile_target) {
    const CachedInvocation& cached = cached_invocation(compile_target);
    if (!cached.invocation)
        throw CompileError("could not set up clang to compile " + source_path + ":\n" +
                               cached.error,
                           cached.error, source_path);

    const Clock::time_point start = Clock::now();
    const std::string input_name = source_path.empty() ? kDefaultInputName : source_path;
    auto invocation = std::make_shared<clang::CompilerInvocation>(*cached.invocation);
    clang::FrontendOptions& frontend = invocation->getFrontendOpts();
    frontend.Inputs.clear();
    frontend.Inputs.emplace_back(input_name, clang::InputKind(clang::Language::CXX));
    invocation->getCodeGenOpts().MainFileName = llvm::sys::path::filename(input_name).str();
    // Clang reads the source from this buffer as if it were the file at source_path, so
    // diagnostics name the path; the SourceManager takes ownership of the buffer.
    invocation->getPreprocessorOpts().addRemappedFile(
        input_name, llvm::MemoryBuffer::getMemBufferCopy(
                        llvm::StringRef(source.data(), source.size()), input_name)
                        .release());

    // Declared before the compiler instance, which writes to them until it is destroyed.
    std::string diagnostics;
    llvm::raw_string_ostream diag_os(diagnostics);
    llvm::LLVMContext context;
    std::unique_ptr<llvm::Module> module;
    {
        clang::CompilerInstance compiler;
        compiler.setInvocation(invocation);
        compiler.createDiagnostics(
            new clang::TextDiagnosticPrinter(diag_os, &invocation->getDiagnosticOpts()),
            /*ShouldOwnClient=*/true);
        // "N errors generated." goes here instead of stderr.
        compiler.setVerboseOutputStream(diag_os);
        clang::EmitLLVMOnlyAction action(&context);
        const bool ok = compiler.ExecuteAction(action);
        module = action.takeModule();
        diag_os.flush();
        if (!ok || !module || compiler.getDiagnostics().hasErrorOccurred())
            throw_compile_error(source_path, diagnostics);
    }
    const double frontend_ms = ms_since(start);

    detail::ThreadTarget& target = detail::thread_target(
        module->getTargetTriple(), compile_target.cpu, compile_target.features, source_path);
    if (module->getDataLayout() != target.machine->createDataLayout())
        throw CompileError("clang and the LLVM target machine disagree on the data layout of " +
                               module->getTargetTriple(),
                           module->getDataLayoutStr(), source_path);
    std::string backend_errors;
    context.setDiagnosticHandler(
        std::make_unique<detail::CapturingDiagnosticHandler>(backend_errors));

    const Clock::time_point optimize_start = Clock::now();
    detail::optimize(*module, target);
    const double optimize_ms = ms_since(optimize_start);

    const Clock::time_point codegen_start = Clock::now();
    const std::string object =
        detail::bundle_objects(detail::emit_objects(*module, target, source_path, backend_errors));
    if (!backend_errors.empty()) throw_compile_error(source_path, backend_errors);
    const double codegen_ms = ms_since(codegen_start);

    if (times) {
        times->frontend_ms = frontend_ms;
        times->optimize_ms = optimize_ms;
        times->codegen_ms = codegen_ms;
    }
    log().debug("compiled {}: frontend {:.2f} ms, optimize {:.2f} ms, codegen {:.2f} ms, {} byte "
                "object",
                source_path, frontend_ms, optimize_ms, codegen_ms, object.size());
    return object;
}

} // namespace

std::string compile_to_object(std::string_view source, const std::string& source_path,
                              CompileTimes* times, const Target* target) {
    detail::initialize_native_target();
    const Target& compile_target = target ? *target : default_target();
    const testing::Fault fault = std::exchange(detail::next_fault, testing::Fault::None);
    std::string object;
    CompileTimes measured;
    std::exception_ptr exception;
    auto body = [&] {
        try {
            detail::inject(fault);
            object = compile_here(source, source_path, &measured, compile_target);
        } catch (...) {
            exception = std::current_exception();
        }
    };
    detail::ProtectedRun run{body};
    std::string thread_error;
    if (!detail::run_protected(run, thread_error))
        throw CompileError("could not start a thread to compile " + source_path + ": " +
                               thread_error,
                           thread_error, source_path);
    if (run.crashed) {
        std::string what;
        if (!run.fatal_error.empty())
            what = "LLVM reported a fatal error: " + run.fatal_error;
        else if (const char* signal = detail::fault_name(run.ret_code))
            what = std::string("clang crashed (") + signal + ")";
        else
            what = "clang exited with code " + std::to_string(run.ret_code);
        log().error("compiling {}: {}; the compile was abandoned (its memory is leaked)",
                    source_path, what);
        throw CompileError(what + " while compiling " + source_path, what + "\n", source_path);
    }
    if (exception) std::rethrow_exception(exception);
    if (times) *times = measured;
    return object;
}

} // namespace tensorjit::jit

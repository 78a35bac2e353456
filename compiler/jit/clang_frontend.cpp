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
#include "compiler/jit/host_target.hpp"
#include "compiler/jit/jit.hpp"
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
#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/IR/DiagnosticHandler.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/CodeGen.h>
#include <llvm/Support/CrashRecoveryContext.h>
#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/Path.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Triple.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <dlfcn.h>
#include <exception>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
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
// clang-format off
constexpr const char* kDriverArgs[] = {
    TJ_CLANG_EXECUTABLE, "-resource-dir", TJ_CLANG_RESOURCE_DIR,
    "-x", "c++", "-std=c++17", "-O2", "-march=native", "-fno-math-errno", "-fno-trapping-math",
    "-ffp-contract=off", "-fno-exceptions", "-fno-rtti", "-fveclib=libmvec", "-fwrapv",
    "-nostdinc++", "-w", "-c", kDefaultInputName};
// clang-format on

// The cc1 invocation built once from kDriverArgs, or why it could not be built.
struct CachedInvocation {
    std::shared_ptr<const clang::CompilerInvocation> invocation;
    std::string error;
};

const CachedInvocation& cached_invocation() {
    static const CachedInvocation cached = [] {
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
            clang::createInvocation(kDriverArgs, options);
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
        for (const std::string& arg : cc1_args)
            joined += " " + arg;
        log().debug("clang driver arguments for cc1 (before the changes above):{}", joined);
        result.invocation = std::move(invocation);
        return result;
    }();
    return cached;
}

// Collects the errors LLVM reports while optimizing and emitting code. Without a handler,
// LLVMContext prints an error to stderr and calls exit(1).
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

const std::vector<llvm::VecDesc>& extra_libmvec_mappings(const std::string& features);

// A TargetMachine is not safe to use from two threads at once (codegen resets its options from
// each function's attributes), and creating one costs ~0.1 ms: keep one per thread.
struct ThreadTarget {
    std::string triple;
    std::unique_ptr<llvm::TargetMachine> machine;
    std::unique_ptr<llvm::TargetLibraryInfoImpl> library_info;
};

ThreadTarget& thread_target(const std::string& triple, const std::string& source_path) {
    thread_local ThreadTarget target;
    if (target.machine && target.triple == triple)
        return target;
    std::string error;
    const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(triple, error);
    if (!llvm_target)
        throw CompileError("no LLVM target for " + triple + ": " + error, error, source_path);
    const detail::HostTarget& host = detail::host_target();
    llvm::TargetOptions options;
    // What Clang derives from -ffp-contract=off: never fuse a*b+c into an FMA behind our back,
    // so kernels round like the reference implementation.
    options.AllowFPOpFusion = llvm::FPOpFusion::Strict;
    options.UseInitArray = true; // as Clang on Linux
    // Aggressive is Clang's backend level for -O3 (-O2 uses Default); on the kernels checked the
    // machine code was the same, and kernels are hot loops where any difference would favour it.
    std::unique_ptr<llvm::TargetMachine> machine(llvm_target->createTargetMachine(
        triple, host.cpu, host.features, options, llvm::Reloc::PIC_, std::nullopt,
        llvm::CodeGenOpt::Aggressive));
    if (!machine)
        throw CompileError("could not create an LLVM target machine for " + triple, "",
                           source_path);
    // The table that lets the loop vectorizer turn llvm.exp.f64 into _ZGVdN4v_exp and friends.
    llvm::Triple parsed(triple);
    auto library_info = std::make_unique<llvm::TargetLibraryInfoImpl>(parsed);
    library_info->addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86,
                                                     parsed);
    library_info->addVectorizableFunctions(extra_libmvec_mappings(host.features));
    target.triple = triple;
    target.machine = std::move(machine);
    target.library_info = std::move(library_info);
    return target;
}

// LLVM 16's LIBMVEC_X86 table knows only exp, log, sin, cos and pow at SSE/AVX2 widths. glibc
// 2.35+ has many more functions, and AVX-512 variants that GCC uses with -march=native (g++'s
// -ffast-math loop for TUTORIAL section 1 calls _ZGVeN8v_exp). Mapping them lets the vectorizer
// call them too; only names the host's libmvec exports are registered.
const std::vector<llvm::VecDesc>& extra_libmvec_mappings(const std::string& features) {
    static std::once_flag once;
    static std::deque<std::string> names; // VecDesc holds StringRefs into these
    static std::vector<llvm::VecDesc> table;
    std::call_once(once, [&] {
        void* mvec = dlopen("libmvec.so.1", RTLD_NOW | RTLD_GLOBAL);
        if (!mvec) return;
        const bool avx2 = features.find("+avx2") != std::string::npos;
        const bool avx512 = features.find("+avx512f") != std::string::npos;
        // Functions with a libm name; the ones with an LLVM intrinsic are mapped from it as well.
        static const char* const kUnary[] = {"exp",   "log",   "sin",   "cos",   "tan",   "tanh",
                                             "log1p", "expm1", "exp2",  "log2",  "log10", "sinh",
                                             "cosh",  "asin",  "acos",  "atan",  "asinh", "acosh",
                                             "atanh", "erf",   "erfc",  "cbrt"};
        static const char* const kIntrinsic[] = {"exp", "log", "sin", "cos", "exp2", "log2", "log10"};
        auto add = [&](const std::string& scalar, const std::string& vec, unsigned width) {
            if (!dlsym(mvec, vec.c_str())) return;
            names.push_back(scalar);
            llvm::StringRef s = names.back();
            names.push_back(vec);
            table.push_back({s, names.back(), llvm::ElementCount::getFixed(width)});
        };
        for (const char* f : kUnary) {
            const std::string d = f, fl = d + "f";
            bool intrinsic = false;
            for (const char* i : kIntrinsic) intrinsic |= d == i;
            struct Width {
                bool on;
                const char* isa;
                unsigned dw, fw;
            };
            for (const Width& w : {Width{avx2, "d", 4, 8}, Width{avx512, "e", 8, 16}}) {
                if (!w.on) continue;
                const std::string vd = "_ZGV" + std::string(w.isa) + "N" + std::to_string(w.dw) + "v_" + d;
                const std::string vf = "_ZGV" + std::string(w.isa) + "N" + std::to_string(w.fw) + "v_" + fl;
                add(d, vd, w.dw);
                add(fl, vf, w.fw);
                if (intrinsic) {
                    add("llvm." + d + ".f64", vd, w.dw);
                    add("llvm." + d + ".f32", vf, w.fw);
                }
            }
        }
        if (avx512) {
            add("pow", "_ZGVeN8vv_pow", 8);
            add("llvm.pow.f64", "_ZGVeN8vv_pow", 8);
            add("powf", "_ZGVeN16vv_powf", 16);
            add("llvm.pow.f32", "_ZGVeN16vv_powf", 16);
        }
    });
    return table;
}

// The default O2 module pipeline as Clang 16 sets it up for -O2 (loop and SLP vectorization,
// unrolling, interleaving), with our libmvec-aware library info.
void optimize(llvm::Module& module, ThreadTarget& target) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassInstrumentationCallbacks instrumentation;
    llvm::StandardInstrumentations standard(module.getContext(), /*DebugLogging=*/false);
    standard.registerCallbacks(instrumentation, &fam);

    llvm::PipelineTuningOptions tuning;
    tuning.LoopUnrolling = true;
    tuning.LoopInterleaving = true;
    tuning.LoopVectorization = true;
    tuning.SLPVectorization = true;
    llvm::PassBuilder builder(target.machine.get(), tuning, std::nullopt, &instrumentation);
    // Registered before registerFunctionAnalyses so that it wins over the default library info.
    fam.registerPass([&] { return llvm::TargetLibraryAnalysis(*target.library_info); });
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::ModulePassManager passes =
        builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
    passes.run(module, mam);
}

// Emits `module` as an ELF relocatable object. Returns false when the target cannot emit objects.
bool emit_object(llvm::Module& module, ThreadTarget& target, llvm::SmallVectorImpl<char>& out) {
    llvm::raw_svector_ostream os(out);
    llvm::legacy::PassManager passes;
    passes.add(new llvm::TargetLibraryInfoWrapperPass(*target.library_info));
    // addPassesToEmitFile returns true on failure.
    if (target.machine->addPassesToEmitFile(passes, os, nullptr, llvm::CGFT_ObjectFile))
        return false;
    passes.run(module);
    return true;
}

[[noreturn]] void throw_compile_error(const std::string& source_path, std::string diagnostics) {
    if (diagnostics.empty())
        diagnostics = "(clang reported no diagnostics)\n";
    throw CompileError("clang failed to compile " + source_path + ":\n" + diagnostics, diagnostics,
                       source_path);
}

// Clang and LLVM in one compile, on the calling thread (see compile_to_object for the thread
// and the crash recovery around it).
std::string compile_here(std::string_view source, const std::string& source_path,
                         CompileTimes* times) {
    const CachedInvocation& cached = cached_invocation();
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

    ThreadTarget& target = thread_target(module->getTargetTriple(), source_path);
    if (module->getDataLayout() != target.machine->createDataLayout())
        throw CompileError("clang and the LLVM target machine disagree on the data layout of " +
                               module->getTargetTriple(),
                           module->getDataLayoutStr(), source_path);
    std::string backend_errors;
    context.setDiagnosticHandler(std::make_unique<CapturingDiagnosticHandler>(backend_errors));

    const Clock::time_point optimize_start = Clock::now();
    optimize(*module, target);
    const double optimize_ms = ms_since(optimize_start);

    const Clock::time_point codegen_start = Clock::now();
    llvm::SmallVector<char, 0> object;
    if (!emit_object(*module, target, object))
        throw CompileError("the LLVM target " + module->getTargetTriple() +
                               " cannot emit object files",
                           "", source_path);
    if (!backend_errors.empty())
        throw_compile_error(source_path, backend_errors);
    const double codegen_ms = ms_since(codegen_start);

    if (times) {
        times->frontend_ms = frontend_ms;
        times->optimize_ms = optimize_ms;
        times->codegen_ms = codegen_ms;
    }
    log().debug("compiled {}: frontend {:.2f} ms, optimize {:.2f} ms, codegen {:.2f} ms, {} byte "
                "object",
                source_path, frontend_ms, optimize_ms, codegen_ms, object.size());
    return std::string(object.data(), object.size());
}

// ---- crash recovery -----------------------------------------------------------------------------
//
// A crash in Clang or LLVM (a bug, an assertion turned into abort, a stack overflow on deep
// input) or a call to report_fatal_error (which ends in exit(1)) must not end the host process.
// Each compile runs on a thread of its own with a large stack, inside an
// llvm::CrashRecoveryContext. Our handler for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT and
// SIGTRAP jumps back to RunSafely when the signal comes from a compile thread, and passes it to
// the handler it replaced otherwise; our fatal error handler jumps back for report_fatal_error.
// LLVM's own handlers are not used: they run on the faulting stack, and they disable recovery
// for good on the first signal from elsewhere. Ours are re-installed before each compile when
// the host (or a test framework) replaced them. The compile thread has an alternate signal
// stack and the handler runs on it (SA_ONSTACK), so that even a stack overflow is recovered
// from: without it the kernel cannot deliver SIGSEGV on the exhausted stack and kills the
// process. What the crashed compile allocated is leaked (longjmp runs no destructors), and a
// lock it held stays held.

constexpr std::size_t kCompileStackBytes = std::size_t{64} << 20;
constexpr std::size_t kAltStackBytes = std::size_t{256} << 10;

// Where the fatal error handler writes the reason, on a compile thread.
thread_local std::string* fatal_error_reason = nullptr;

void on_fatal_error(void*, const char* reason, bool) {
    if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) {
        if (fatal_error_reason) *fatal_error_reason = reason ? reason : "";
        crc->HandleExit(1); // back to RunSafely; does not return
    }
    // Not in a compile (say, while the JIT links an object): as LLVM without a handler, which
    // then exits. Nothing can be done about it from here.
    std::fprintf(stderr, "LLVM ERROR: %s\n", reason ? reason : "");
}

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
constexpr int kNumCrashSignals = static_cast<int>(std::size(kCrashSignals));

// True on a compile thread while its compile runs under crash recovery.
thread_local bool in_protected_compile = false;

// The handlers that were installed before ours, per signal of kCrashSignals: signals that are
// not ours (another thread, or this one outside a compile) go to them.
std::mutex handlers_mutex;
struct sigaction previous_handlers[kNumCrashSignals];

int signal_index(int sig) {
    for (int i = 0; i < kNumCrashSignals; ++i)
        if (kCrashSignals[i] == sig) return i;
    return -1;
}

// Our handler for the crash signals. In a compile: back to RunSafely, as LLVM's own handler
// does. Elsewhere: the previous handler gets the signal (a fault re-executes and meets it; a
// raised signal is raised again).
void on_crash_signal(int sig) {
    if (in_protected_compile) {
        if (llvm::CrashRecoveryContext* crc = llvm::CrashRecoveryContext::GetCurrent()) {
            sigset_t mask;
            sigemptyset(&mask);
            sigaddset(&mask, sig);
            sigprocmask(SIG_UNBLOCK, &mask, nullptr);
            crc->HandleExit(128 + sig); // does not return
        }
    }
    const int i = signal_index(sig);
    if (i >= 0) sigaction(sig, &previous_handlers[i], nullptr);
    raise(sig);
}

// Makes on_crash_signal the handler of every crash signal, keeping what it replaces as the
// previous handler. Called before every compile: a host (or a test framework) may have
// installed its own handlers since the last one.
void install_crash_handlers() {
    std::lock_guard<std::mutex> lock(handlers_mutex);
    for (int i = 0; i < kNumCrashSignals; ++i) {
        struct sigaction current;
        if (sigaction(kCrashSignals[i], nullptr, &current) != 0) continue;
        if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == on_crash_signal) continue;
        struct sigaction ours {};
        ours.sa_handler = on_crash_signal;
        // On the compile thread's alternate stack, so that a stack overflow can be handled.
        ours.sa_flags = SA_ONSTACK;
        sigemptyset(&ours.sa_mask);
        if (sigaction(kCrashSignals[i], &ours, nullptr) == 0) previous_handlers[i] = current;
    }
}

void enable_crash_recovery() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Save the host's handlers first: Enable installs LLVM's, which we then replace.
        {
            std::lock_guard<std::mutex> lock(handlers_mutex);
            for (int i = 0; i < kNumCrashSignals; ++i)
                sigaction(kCrashSignals[i], nullptr, &previous_handlers[i]);
        }
        // Needed for CrashRecoveryContext::GetCurrent and RunSafely's jump buffer.
        llvm::CrashRecoveryContext::Enable();
        {
            std::lock_guard<std::mutex> lock(handlers_mutex);
            struct sigaction ours {};
            ours.sa_handler = on_crash_signal;
            ours.sa_flags = SA_ONSTACK;
            sigemptyset(&ours.sa_mask);
            for (int sig : kCrashSignals) sigaction(sig, &ours, nullptr);
        }
        llvm::install_fatal_error_handler(on_fatal_error, nullptr);
    });
    install_crash_handlers();
}

// What ran on a compile thread.
struct ProtectedRun {
    llvm::function_ref<void()> body;
    bool crashed = false;
    int ret_code = 0;
    std::string fatal_error; // the reason given to report_fatal_error, if that is what happened
};

void* protected_thread_main(void* arg) {
    auto& run = *static_cast<ProtectedRun*>(arg);
    std::unique_ptr<char[]> alt(new char[kAltStackBytes]);
    stack_t stack{};
    stack.ss_sp = alt.get();
    stack.ss_size = kAltStackBytes;
    const bool alt_installed = sigaltstack(&stack, nullptr) == 0;
    fatal_error_reason = &run.fatal_error;
    {
        llvm::CrashRecoveryContext crc;
        in_protected_compile = true;
        run.crashed = !crc.RunSafely(run.body);
        in_protected_compile = false;
        run.ret_code = crc.RetCode;
    }
    fatal_error_reason = nullptr;
    if (alt_installed) {
        stack_t off{};
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, nullptr);
    }
    return nullptr;
}

// Runs `body` on a new thread with a kCompileStackBytes stack under crash recovery and waits
// for it. Returns false with `error` set when the thread could not be started.
bool run_protected(ProtectedRun& run, std::string& error) {
    enable_crash_recovery();
    pthread_attr_t attributes;
    if (int e = pthread_attr_init(&attributes)) {
        error = std::strerror(e);
        return false;
    }
    pthread_attr_setstacksize(&attributes, kCompileStackBytes);
    // A wider guard than one page: a large frame could otherwise step over it.
    pthread_attr_setguardsize(&attributes, std::size_t{1} << 20);
    pthread_t thread;
    const int e = pthread_create(&thread, &attributes, protected_thread_main, &run);
    pthread_attr_destroy(&attributes);
    if (e) {
        error = std::strerror(e);
        return false;
    }
    pthread_join(thread, nullptr);
    return true;
}

thread_local testing::Fault next_fault = testing::Fault::None;

// Deliberately exhausts the stack (for testing::Fault::StackOverflow).
volatile int overflow_limit = -1; // never reached: the recursion only ends in SIGSEGV
[[gnu::noinline]] int recurse_forever(int depth) {
    volatile char frame[4096];
    frame[0] = static_cast<char>(depth);
    if (depth == overflow_limit) return frame[0];
    return recurse_forever(depth + 1) + frame[0];
}

void inject(testing::Fault fault) {
    switch (fault) {
    case testing::Fault::None:
        return;
    case testing::Fault::Segfault:
        std::raise(SIGSEGV);
        return;
    case testing::Fault::Abort:
        std::abort();
    case testing::Fault::FatalError:
        llvm::report_fatal_error("tensorjit test: a deliberate fatal error", false);
    case testing::Fault::StackOverflow:
        recurse_forever(0);
        return;
    }
}

const char* fault_name(int ret_code) {
    switch (ret_code - 128) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGILL:
        return "SIGILL";
    case SIGFPE:
        return "SIGFPE";
    case SIGABRT:
        return "SIGABRT";
    case SIGTRAP:
        return "SIGTRAP";
    default:
        return nullptr;
    }
}

} // namespace

void testing::inject_fault_in_next_compile(Fault fault) { next_fault = fault; }

std::string compile_to_object(std::string_view source, const std::string& source_path,
                              CompileTimes* times) {
    detail::initialize_native_target();
    const testing::Fault fault = std::exchange(next_fault, testing::Fault::None);
    std::string object;
    CompileTimes measured;
    std::exception_ptr exception;
    auto body = [&] {
        try {
            inject(fault);
            object = compile_here(source, source_path, &measured);
        } catch (...) {
            exception = std::current_exception();
        }
    };
    ProtectedRun run{body};
    std::string thread_error;
    if (!run_protected(run, thread_error))
        throw CompileError("could not start a thread to compile " + source_path + ": " +
                               thread_error,
                           thread_error, source_path);
    if (run.crashed) {
        std::string what;
        if (!run.fatal_error.empty())
            what = "LLVM reported a fatal error: " + run.fatal_error;
        else if (const char* signal = fault_name(run.ret_code))
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

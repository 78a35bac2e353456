// The LLVM half of a compile (see llvm_backend.hpp): target machine, libmvec table, O2
// pipeline, object emission.
#include "compiler/jit/llvm_backend.hpp"
#include "compiler/jit/host_target.hpp"
#include "tensorjit/error.hpp"

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/OptimizationLevel.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/CodeGen.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Triple.h>

#include <deque>
#include <dlfcn.h>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tensorjit::jit::detail {
namespace {

// LLVM 16's LIBMVEC_X86 table knows only exp, log, sin, cos and pow at SSE/AVX2 widths. glibc
// 2.35+ has many more functions, two-argument ones (atan2, hypot) and AVX-512 variants that GCC
// uses with -march=native (g++'s -ffast-math loop for TUTORIAL section 1 calls _ZGVeN8v_exp).
// The libm names come from the element-wise table's rows (<tensorjit/elementwise_ops.def>): a
// row of arity 2 maps to the "vv" variant. Only names the host's libmvec exports are registered.
struct LibmFunction {
    const char* name;
    int arity;
};
constexpr LibmFunction kTableFunctions[] = {
#define TJ_ELEMWISE(kind, op, arity, rule, functor, libm, ...) {libm, arity},
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE
};

// One table per instruction-set level (none, AVX2, AVX2 + AVX-512): code built for a CPU without
// AVX2 (TJ_TARGET_CPU=x86-64) must not call the AVX2 variants.
const std::vector<llvm::VecDesc>& extra_libmvec_mappings(const std::string& features) {
    const bool avx2 = features.find("+avx2") != std::string::npos;
    const bool avx512 = avx2 && features.find("+avx512f") != std::string::npos;
    static std::once_flag once[3];
    static std::deque<std::string> names[3]; // VecDesc holds StringRefs into these
    static std::vector<llvm::VecDesc> tables[3];
    const int level = avx512 ? 2 : avx2 ? 1 : 0;
    std::vector<llvm::VecDesc>& table = tables[level];
    std::call_once(once[level], [&] {
        void* mvec = dlopen("libmvec.so.1", RTLD_NOW | RTLD_GLOBAL);
        if (!mvec) return;
        // The functions Clang emits as LLVM intrinsics (llvm.exp.f64) rather than libm calls.
        static const char* const kIntrinsic[] = {"exp",  "log",  "sin",   "cos",
                                                 "exp2", "log2", "log10", "pow"};
        auto add = [&](const std::string& scalar, const std::string& vec, unsigned width) {
            if (!dlsym(mvec, vec.c_str())) return;
            names[level].push_back(scalar);
            llvm::StringRef s = names[level].back();
            names[level].push_back(vec);
            table.push_back({s, names[level].back(), llvm::ElementCount::getFixed(width)});
        };
        for (const LibmFunction& f : kTableFunctions) {
            if (!*f.name) continue;
            const std::string d = f.name, fl = d + "f", v(f.arity, 'v');
            bool intrinsic = false;
            for (const char* i : kIntrinsic) intrinsic |= d == i;
            struct Width {
                bool on;
                const char* isa;
                unsigned dw, fw;
            };
            for (const Width& w : {Width{avx2, "d", 4, 8}, Width{avx512, "e", 8, 16}}) {
                if (!w.on) continue;
                const std::string vd =
                    "_ZGV" + std::string(w.isa) + "N" + std::to_string(w.dw) + v + "_" + d;
                const std::string vf =
                    "_ZGV" + std::string(w.isa) + "N" + std::to_string(w.fw) + v + "_" + fl;
                add(d, vd, w.dw);
                add(fl, vf, w.fw);
                if (intrinsic) {
                    add("llvm." + d + ".f64", vd, w.dw);
                    add("llvm." + d + ".f32", vf, w.fw);
                }
            }
        }
    });
    return table;
}

} // namespace

ThreadTarget& thread_target(const std::string& triple, const std::string& cpu,
                            const std::string& features, const std::string& source_path) {
    thread_local ThreadTarget target;
    if (target.machine && target.triple == triple && target.cpu == cpu &&
        target.features == features)
        return target;
    std::string error;
    const llvm::Target* llvm_target = llvm::TargetRegistry::lookupTarget(triple, error);
    if (!llvm_target)
        throw CompileError("no LLVM target for " + triple + ": " + error, error, source_path);
    llvm::TargetOptions options;
    // What Clang derives from -ffp-contract=off: never fuse a*b+c into an FMA behind our back,
    // so kernels round like the reference implementation.
    options.AllowFPOpFusion = llvm::FPOpFusion::Strict;
    options.UseInitArray = true; // as Clang on Linux
    // Default is Clang's backend level for -O2 (Aggressive is -O3's): the objects of the
    // bench_compile chains were the same size at both levels, B4 and B1 ran as fast, and the
    // code generator took ~10% less time at Default (B7 K=10000: 1.35 s against 1.5 s).
    std::unique_ptr<llvm::TargetMachine> machine(
        llvm_target->createTargetMachine(triple, cpu, features, options, llvm::Reloc::PIC_,
                                         std::nullopt, llvm::CodeGenOpt::Default));
    if (!machine)
        throw CompileError("could not create an LLVM target machine for " + triple, "",
                           source_path);
    // The table that lets the loop vectorizer turn llvm.exp.f64 into _ZGVdN4v_exp and friends.
    llvm::Triple parsed(triple);
    auto library_info = std::make_unique<llvm::TargetLibraryInfoImpl>(parsed);
    library_info->addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86,
                                                     parsed);
    library_info->addVectorizableFunctions(extra_libmvec_mappings(features));
    target.triple = triple;
    target.cpu = cpu;
    target.features = features;
    target.machine = std::move(machine);
    target.library_info = std::move(library_info);
    return target;
}

void optimize(llvm::Module& module, ThreadTarget& target) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassInstrumentationCallbacks instrumentation;
    llvm::StandardInstrumentations standard(module.getContext(), /*DebugLogging=*/false);
    standard.registerCallbacks(instrumentation, &fam);

    llvm::PipelineTuningOptions tuning;
    // No unrolling pass: the vectorizer's interleaving already unrolls the vectorized loops (the
    // kernels' time), and the unroller's work on every scalar and remainder loop is compile time
    // for nothing (B4 and B1 run as fast without it; bench/bench_compile's chains build faster).
    tuning.LoopUnrolling = false;
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

} // namespace tensorjit::jit::detail

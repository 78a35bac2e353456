// Object emission, in parallel partitions for large kernels (parallel_codegen.hpp).
#include "compiler/jit/parallel_codegen.hpp"

#include "compiler/jit/crash_recovery.hpp"
#include "runtime/log.hpp"
#include "tensorjit/error.hpp"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Bitcode/BitcodeWriter.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/Support/MemoryBufferRef.h>
#include <llvm/Transforms/Utils/SplitModule.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace tensorjit::jit::detail {

namespace {

// Below this many IR instructions one thread generates the code faster than partitions would
// (splitting and the bitcode round trip cost a few ms); the B7 chain of 1000 ops has ~5600.
constexpr unsigned kSplitAboveInstructions = 4000;
constexpr unsigned kMaxPartitions = 8;

// Threads one compile may use: TJ_JIT_THREADS, else the machine's cores.
unsigned thread_budget() {
    static const unsigned budget = [] {
        if (const char* v = std::getenv("TJ_JIT_THREADS")) {
            const long n = std::strtol(v, nullptr, 10);
            if (n >= 1) return static_cast<unsigned>(std::min<long>(n, 64));
        }
        return std::max(1u, std::thread::hardware_concurrency());
    }();
    return budget;
}

unsigned partition_count(const llvm::Module& m) {
    unsigned defined = 0;
    for (const llvm::Function& f : m) defined += !f.isDeclaration();
    const unsigned cores = thread_budget();
    if (cores < 2 || defined < 2 || m.getInstructionCount() < kSplitAboveInstructions) return 1;
    return std::min({cores, defined, kMaxPartitions});
}

struct Part {
    llvm::SmallVector<char, 0> bitcode;
    std::string object;
    std::string error;
};

// Generates one partition's code from its bitcode, in a context of its own.
void generate(Part& part, const ThreadTarget& parent, const std::string& source_path) {
    try {
        llvm::LLVMContext context;
        std::string errors;
        context.setDiagnosticHandler(std::make_unique<CapturingDiagnosticHandler>(errors));
        auto module = llvm::parseBitcodeFile(
            llvm::MemoryBufferRef(llvm::StringRef(part.bitcode.data(), part.bitcode.size()),
                                  source_path),
            context);
        if (!module) {
            part.error = "reading a partition back: " + llvm::toString(module.takeError());
            return;
        }
        ThreadTarget& target =
            thread_target((*module)->getTargetTriple(), parent.cpu, parent.features, source_path);
        llvm::SmallVector<char, 0> object;
        if (!emit_object(**module, target, object)) {
            part.error = "the LLVM target cannot emit object files";
            return;
        }
        part.object.assign(object.data(), object.size());
        part.error = errors;
    } catch (const std::exception& e) {
        part.error = e.what();
    }
}

std::string crash_text(const ProtectedRun& run) {
    if (!run.fatal_error.empty()) return "LLVM reported a fatal error: " + run.fatal_error;
    if (const char* signal = fault_name(run.ret_code))
        return std::string("code generation crashed (") + signal + ")";
    return "code generation exited with code " + std::to_string(run.ret_code);
}

} // namespace

std::vector<std::string> emit_objects(llvm::Module& module, ThreadTarget& target,
                                      const std::string& source_path, std::string& backend_errors) {
    const unsigned n = partition_count(module);
    log().debug("code generation of {}: {} IR instructions, {} partition(s)", source_path,
                module.getInstructionCount(), n);
    if (n <= 1) {
        llvm::SmallVector<char, 0> object;
        if (!emit_object(module, target, object))
            throw CompileError("the LLVM target " + module.getTargetTriple() +
                                   " cannot emit object files",
                               "", source_path);
        return {std::string(object.data(), object.size())};
    }
    // Partitions share the module's context, which is not thread-safe: each goes through
    // bitcode into a context of its own. Locals are made global (hidden) so that partitions can
    // call each other; they are linked into one JITDylib.
    std::vector<Part> parts;
    llvm::SplitModule(
        module, n,
        [&](std::unique_ptr<llvm::Module> part) {
            parts.emplace_back();
            llvm::raw_svector_ostream os(parts.back().bitcode);
            llvm::WriteBitcodeToFile(*part, os);
        },
        /*PreserveLocals=*/false);
    // Partition 0 on this (protected) thread, the others each on a protected thread of its own.
    std::vector<std::thread> workers;
    for (std::size_t k = 1; k < parts.size(); ++k)
        workers.emplace_back([&parts, &target, &source_path, k] {
            // Outlives the function_ref.
            auto body = [&] { generate(parts[k], target, source_path); };
            ProtectedRun run{body};
            std::string thread_error;
            if (!run_protected(run, thread_error))
                parts[k].error = "could not start a code generation thread: " + thread_error;
            else if (run.crashed)
                parts[k].error = crash_text(run);
        });
    generate(parts[0], target, source_path);
    for (std::thread& w : workers) w.join();
    std::vector<std::string> objects;
    for (Part& p : parts) {
        if (!p.error.empty() && p.object.empty())
            throw CompileError(p.error + " while compiling " + source_path, p.error + "\n",
                               source_path);
        backend_errors += p.error;
        objects.push_back(std::move(p.object));
    }
    return objects;
}

} // namespace tensorjit::jit::detail

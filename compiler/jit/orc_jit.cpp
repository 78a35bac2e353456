// The process-wide LLVM ORC JIT that links objects from compile_to_object, host symbols for
// kernels, and the host facts (host_target) that target.cpp builds the targets from.
#include "compiler/jit/host_target.hpp"
#include "compiler/jit/jit.hpp"
#include "compiler/jit/lazy_blas.hpp"
#include "compiler/jit/object_bundle.hpp"
#include "runtime/kernel_host.hpp"
#include "runtime/log.hpp"
#include "tensorjit/error.hpp"

#include <llvm/ADT/StringMap.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/JITSymbol.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/IRCompileLayer.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tensorjit::jit {

namespace detail {

const HostTarget& host_target() {
    static const HostTarget host = [] {
        HostTarget result;
        result.triple = llvm::sys::getProcessTriple();
        result.cpu = llvm::sys::getHostCPUName().str();
        llvm::StringMap<bool> features;
        std::vector<std::string> list;
        if (llvm::sys::getHostCPUFeatures(features)) {
            for (const auto& feature : features)
                list.push_back((feature.getValue() ? "+" : "-") + feature.getKey().str());
        }
        // StringMap iterates in hash order; sorting makes the string stable across runs.
        std::sort(list.begin(), list.end(), [](const std::string& a, const std::string& b) {
            return a.compare(1, std::string::npos, b, 1, std::string::npos) < 0;
        });
        for (const std::string& feature : list) {
            if (!result.features.empty()) result.features += ',';
            result.features += feature;
        }
        return result;
    }();
    return host;
}

void initialize_native_target() {
    static std::once_flag once;
    std::call_once(once, [] {
        llvm::InitializeNativeTarget();
        llvm::InitializeNativeTargetAsmPrinter();
        // Kernels may contain inline assembly, which codegen parses.
        llvm::InitializeNativeTargetAsmParser();
    });
}

} // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

// Where the session error reporter of this thread writes, while load_object runs on it.
// Without it, a failed lookup only says "Failed to materialize symbols"; the reason ("Symbols
// not found: [ foo ]") is reported separately, by the thread doing the linking (this one: the
// JIT has no compile threads).
thread_local std::string* session_errors = nullptr;

void report_session_error(llvm::Error error) {
    std::string text = llvm::toString(std::move(error));
    if (!session_errors) {
        // Not during a load on this thread (say, while freeing a kernel): only a log can tell.
        log().error("JIT session error: {}", text);
        return;
    }
    log().debug("JIT session error: {}", text);
    if (!session_errors->empty()) *session_errors += '\n';
    *session_errors += text;
}

// Points session_errors at `sink` for the lifetime of this object.
class SessionErrorCapture {
  public:
    explicit SessionErrorCapture(std::string& sink) : previous_(session_errors) {
        session_errors = &sink;
    }
    ~SessionErrorCapture() { session_errors = previous_; }
    SessionErrorCapture(const SessionErrorCapture&) = delete;
    SessionErrorCapture& operator=(const SessionErrorCapture&) = delete;

  private:
    std::string* previous_;
};

// Kernels call libm/libmvec (vectorized exp and log). The host may not have them loaded, and a
// library loaded with RTLD_LOCAL is invisible to the process symbol search: load them globally
// and for good. A missing library is not an error until a kernel needs it. OpenBLAS is not loaded
// here: kernels link the lazy entry points of lazy_blas.hpp, which load it on their first call.
void load_support_libraries() {
    for (const char* name : {"libmvec.so.1", "libm.so.6"}) {
        std::string error;
        if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(name, &error))
            log().debug("JIT: {} not loaded: {}", name, error);
    }
}

// The names kernels have looked up in the process (libm, libmvec, cblas_*), for
// testing::process_symbols_asked. Only linking a kernel adds to it, never a call.
struct AskedSymbols {
    std::mutex mutex;
    std::set<std::string> names;
};
AskedSymbols& asked_symbols() {
    static AskedSymbols s;
    return s;
}
bool record_process_symbol(const llvm::orc::SymbolStringPtr& name) {
    AskedSymbols& s = asked_symbols();
    std::lock_guard lock(s.mutex);
    s.names.emplace((*name).str());
    return true;
}

// Defines the cblas names a kernel asks for as the lazy entry points of lazy_blas.hpp, so that
// linking a kernel does not load OpenBLAS. It runs before the process generator (a BLAS the
// process has is still the one called: the entry points bind to it) and records the names as
// that one does.
class LazyBlasGenerator final : public llvm::orc::DefinitionGenerator {
  public:
    explicit LazyBlasGenerator(char global_prefix) : global_prefix_(global_prefix) {}

    llvm::Error tryToGenerate(llvm::orc::LookupState&, llvm::orc::LookupKind,
                              llvm::orc::JITDylib& dylib, llvm::orc::JITDylibLookupFlags,
                              const llvm::orc::SymbolLookupSet& names) override {
        llvm::orc::SymbolMap found;
        for (const auto& [name, flags] : names) {
            llvm::StringRef text = *name;
            if (global_prefix_ != '\0' && !text.consume_front(llvm::StringRef(&global_prefix_, 1)))
                continue;
            void* entry = detail::lazy_blas_entry(std::string_view(text.data(), text.size()));
            if (!entry) continue;
            record_process_symbol(name);
            found[name] = llvm::JITEvaluatedSymbol::fromPointer(
                entry, llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
        }
        if (found.empty()) return llvm::Error::success();
        // Two lookups that both miss a name may both get here: the second definition is the same
        // address, already there.
        return llvm::handleErrors(dylib.define(llvm::orc::absoluteSymbols(std::move(found))),
                                  [](const llvm::orc::DuplicateDefinition&) {});
    }

  private:
    char global_prefix_;
};

// LLJIT's IR compiler, never called: kernels come as objects (compile_to_object). LLJIT would
// otherwise build a TargetMachine for its own compiler when it is created.
class NoIrCompiler final : public llvm::orc::IRCompileLayer::IRCompiler {
  public:
    NoIrCompiler() : IRCompiler(llvm::orc::IRSymbolMapper::ManglingOptions()) {}
    llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> operator()(llvm::Module&) override {
        return llvm::make_error<llvm::StringError>("the tensorjit JIT links objects only",
                                                   llvm::inconvertibleErrorCode());
    }
};

/// LLJIT with the shape of LLVM's KaleidoscopeJIT. Objects go into their own JITDylib each,
/// which links against the main JITDylib: host symbols (absolute), the lazy BLAS entry
/// points, then the process.
class OrcJit {
  public:
    /// Builds the JIT for the host. Load the support libraries first: the process generator
    /// finds only what is loaded globally. Host symbols are defined in the main JITDylib; a
    /// name it lacks goes to the BLAS generator, then to the process.
    static llvm::Expected<std::unique_ptr<OrcJit>> create() {
        detail::initialize_native_target();
        // Set up for objects only, which makes creating it several times cheaper: no platform
        // (kernels have no initializers or atexit handlers: the templates hold no static
        // objects; the generic platform LLJIT sets up by default costs time here and in every
        // JITDylib made for a kernel), no IR compiler, and the host triple already known
        // (host_target(), which the cache key needed) rather than detected again.
        auto jit =
            llvm::orc::LLJITBuilder()
                .setJITTargetMachineBuilder(
                    llvm::orc::JITTargetMachineBuilder(llvm::Triple(detail::host_target().triple)))
                .setCompileFunctionCreator(
                    [](llvm::orc::JITTargetMachineBuilder)
                        -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                        return std::make_unique<NoIrCompiler>();
                    })
                .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
                .create();
        if (!jit) return jit.takeError();
        (*jit)->getExecutionSession().setErrorReporter(report_session_error);
        const char prefix = (*jit)->getDataLayout().getGlobalPrefix();
        (*jit)->getMainJITDylib().addGenerator(std::make_unique<LazyBlasGenerator>(prefix));
        auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
            prefix, record_process_symbol);
        if (!process) return process.takeError();
        (*jit)->getMainJITDylib().addGenerator(std::move(*process));
        return std::unique_ptr<OrcJit>(new OrcJit(std::move(*jit)));
    }

    // ~LLJIT ends the session (ExecutionSession::endSession), as KaleidoscopeJIT's destructor.
    ~OrcJit() = default;
    OrcJit(const OrcJit&) = delete;
    OrcJit& operator=(const OrcJit&) = delete;

    /// A new, empty JITDylib whose link order is itself, then the main JITDylib. One per object,
    /// so the same object (same symbol names) can be loaded twice at once.
    llvm::Expected<llvm::orc::JITDylib&> create_dylib() {
        std::string name = "tj_object_" + std::to_string(next_dylib_.fetch_add(1));
        auto dylib = jit_->createJITDylib(std::move(name));
        if (!dylib) return dylib.takeError();
        dylib->addToLinkOrder(jit_->getMainJITDylib());
        return dylib;
    }

    /// Adds a relocatable object under `tracker`; it is linked on the first lookup.
    llvm::Error add_object(std::unique_ptr<llvm::MemoryBuffer> object,
                           llvm::orc::ResourceTrackerSP tracker) {
        return jit_->addObjectFile(std::move(tracker), std::move(object));
    }

    /// Address of `name` (unmangled) defined in `dylib` itself; links the dylib's objects.
    llvm::Expected<llvm::orc::ExecutorAddr> lookup(llvm::orc::JITDylib& dylib,
                                                   llvm::StringRef name) {
        return jit_->lookup(dylib, name);
    }

    /// Defines `name` in the main JITDylib as the absolute address `address`.
    llvm::Error define_host_symbol(llvm::StringRef name, void* address) {
        return define_host_symbols({{name.str(), address}});
    }

    /// Defines each name in the main JITDylib as its absolute address, in one definition.
    llvm::Error define_host_symbols(const std::map<std::string, void*>& named) {
        llvm::orc::SymbolMap symbols;
        for (const auto& [name, address] : named)
            symbols[jit_->mangleAndIntern(name)] = llvm::JITEvaluatedSymbol::fromPointer(
                address, llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
        return jit_->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)));
    }

    /// Frees everything in `dylib` and removes it from the session.
    llvm::Error remove_dylib(llvm::orc::JITDylib& dylib) {
        return jit_->getExecutionSession().removeJITDylib(dylib);
    }

  private:
    explicit OrcJit(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}

    std::unique_ptr<llvm::orc::LLJIT> jit_;
    std::atomic<unsigned long long> next_dylib_{0};
};

// The process-wide JIT and the host symbols registered for it.
struct JitState {
    std::once_flag created;
    // Never destroyed: kernels held by other static objects may be released during exit, after
    // this state would have been destroyed, and unmapping code at exit gains nothing.
    OrcJit* jit = nullptr;    // written once, under host_mutex
    std::string create_error; // why creating the JIT failed
    std::mutex host_mutex;
    std::map<std::string, void*> host_symbols; // all registered, defined once the JIT exists
};

JitState& state() {
    static JitState* const state = new JitState; // leaked on purpose, see JitState::jit
    return *state;
}

OrcJit& the_jit() {
    JitState& s = state();
    std::call_once(s.created, [&s] {
        const Clock::time_point start = Clock::now();
        load_support_libraries();
        const Clock::time_point libraries = Clock::now();
        auto jit = OrcJit::create();
        const Clock::time_point created = Clock::now();
        if (!jit) {
            s.create_error = llvm::toString(jit.takeError());
            log().error("JIT: could not create LLJIT: {}", s.create_error);
            return;
        }
        std::lock_guard<std::mutex> lock(s.host_mutex);
        // The runtime's table first (tj_rt_*, tj_rng_*), then what was added by name.
        for (const HostSymbol& h : host_symbols()) s.host_symbols.try_emplace(h.name, h.address);
        if (auto error = (*jit)->define_host_symbols(s.host_symbols))
            log().error("JIT: could not define the host symbols: {}",
                        llvm::toString(std::move(error)));
        s.jit = jit->release();
        using Ms = std::chrono::duration<double, std::milli>;
        log().debug("JIT: created in {:.2f} ms (libraries {:.2f} ms, LLJIT {:.2f} ms, {} host "
                    "symbols {:.2f} ms)",
                    Ms(Clock::now() - start).count(), Ms(libraries - start).count(),
                    Ms(created - libraries).count(), s.host_symbols.size(),
                    Ms(Clock::now() - created).count());
    });
    if (!s.jit)
        throw CompileError("could not create the LLVM JIT: " + s.create_error, s.create_error, "");
    return *s.jit;
}

// Owns one loaded object: its JITDylib and the tracker of its code.
class LoadedKernel final : public Kernel {
  public:
    LoadedKernel(OrcJit& jit, llvm::orc::JITDylib& dylib, llvm::orc::ResourceTrackerSP tracker)
        : jit_(jit), dylib_(dylib), tracker_(std::move(tracker)) {}

    // Frees the code. Errors can only be logged: this runs in destructors.
    ~LoadedKernel() override {
        if (auto error = tracker_->remove())
            log().error("JIT: freeing kernel code failed: {}", llvm::toString(std::move(error)));
        if (auto error = jit_.remove_dylib(dylib_))
            log().error("JIT: removing JITDylib failed: {}", llvm::toString(std::move(error)));
    }

    void* address() const override { return address_; }
    void set_address(void* address) { address_ = address; }

  private:
    OrcJit& jit_;
    llvm::orc::JITDylib& dylib_;
    llvm::orc::ResourceTrackerSP tracker_;
    void* address_ = nullptr;
};

[[noreturn]] void throw_load_error(const std::string& symbol, llvm::Error error,
                                   const std::string& session_text) {
    std::string diagnostics = llvm::toString(std::move(error));
    if (!session_text.empty()) diagnostics += "\n" + session_text;
    throw CompileError("could not load kernel " + symbol + ":\n" + diagnostics, diagnostics, "");
}

} // namespace

std::shared_ptr<Kernel> load_object(std::string_view object, const std::string& symbol) {
    OrcJit& jit = the_jit();
    const Clock::time_point start = Clock::now();
    std::string session_text;
    SessionErrorCapture capture(session_text);

    auto dylib = jit.create_dylib();
    if (!dylib) throw_load_error(symbol, dylib.takeError(), session_text);
    // From here on, the kernel's destructor cleans up if linking or the lookup fails.
    llvm::orc::ResourceTrackerSP tracker = dylib->createResourceTracker();
    auto kernel = std::make_shared<LoadedKernel>(jit, *dylib, tracker);
    // ORC keeps a buffer until it has linked the object; the caller's bytes may go sooner. A
    // kernel generated in partitions is several objects, linked into the one JITDylib.
    for (std::string_view part : detail::unbundle_objects(object, symbol)) {
        auto buffer = llvm::MemoryBuffer::getMemBufferCopy(
            llvm::StringRef(part.data(), part.size()), dylib->getName());
        if (auto error = jit.add_object(std::move(buffer), tracker))
            throw_load_error(symbol, std::move(error), session_text);
    }
    auto address = jit.lookup(*dylib, symbol);
    if (!address) throw_load_error(symbol, address.takeError(), session_text);
    kernel->set_address(address->toPtr<void*>());
    log().debug("JIT: loaded {} ({} byte object) in {:.3f} ms", symbol, object.size(),
                std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    return kernel;
}

void add_host_symbol(const std::string& name, void* address) {
    JitState& s = state();
    std::lock_guard<std::mutex> lock(s.host_mutex);
    auto [it, inserted] = s.host_symbols.try_emplace(name, address);
    if (!inserted) {
        if (it->second == address) return;
        TJ_THROW(InternalError) << "add_host_symbol: " << name << " is already registered at "
                                << it->second << ", cannot rebind it to " << address;
    }
    if (!s.jit) return; // defined when the JIT is created
    if (auto error = s.jit->define_host_symbol(name, address)) {
        s.host_symbols.erase(it);
        std::string text = llvm::toString(std::move(error));
        throw CompileError("add_host_symbol: could not define " + name + ": " + text, text, "");
    }
}

std::vector<std::string> testing::process_symbols_asked() {
    AskedSymbols& s = asked_symbols();
    std::lock_guard lock(s.mutex);
    return {s.names.begin(), s.names.end()};
}

} // namespace tensorjit::jit

// The kernel of a function graph: the memory cache, the disk cache, or rewrites + codegen +
// Clang, with concurrent builds of one key compiling once; and the compile statistics.
#include "compiler/function/function_impl.hpp"
#include "compiler/graph/function_graph.hpp"

#include "cache/cache_counters.hpp"
#include "cache/disk_cache.hpp"
#include "cache/shared_layers.hpp"
#include "compiler/codegen/pipeline.hpp"
#include "compiler/codegen/templates.hpp"
#include "compiler/function/cache_explain.hpp"
#include "compiler/function/graph_key.hpp"
#include "compiler/function/kernel_metadata.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/log.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace tensorjit {

// ---- statistics -------------------------------------------------------------------------------

namespace {
std::atomic<unsigned long long> g_functions{0}, g_compiles{0}, g_disk_hits{0}, g_memory_hits{0};
} // namespace

void count_function_built() { ++g_functions; }

CompileStats compile_stats() {
    return {g_functions.load(), g_compiles.load(), g_disk_hits.load(), g_memory_hits.load()};
}

// ---- kernels: memory cache, disk cache, compile -----------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::shared_ptr<CompiledKernel> load_kernel(const std::string& key, codegen::BindingPlan plan,
                                            const std::string& object) {
    auto k = std::make_shared<CompiledKernel>();
    k->key = key;
    k->plan = std::move(plan);
    k->code = jit::load_object(object, k->plan.symbol);
    k->entry = reinterpret_cast<tj_kernel_fn>(k->code->address());
    return k;
}

} // namespace

const std::string& CompiledKernel::source() const {
    std::call_once(source_once_, [this] {
        if (read_source_) source_ = read_source_();
    });
    return source_;
}

void CompiledKernel::set_source(std::string text) { source_ = std::move(text); }

void CompiledKernel::set_source_reader(std::function<std::string()> read) {
    read_source_ = std::move(read);
}

namespace {

// Whether a binding plan read from a cache entry fits the function graph it is to run for:
// the symbol named after the key, every slot within the graph's inputs and shared variables
// with their dtypes and ranks, one slot per output and per update with the right types.
// Throws InternalError naming the first mismatch.
using codegen::SlotPlan;

void check_plan_fits(const codegen::BindingPlan& plan, const FunctionGraph& g,
                     const std::string& key) {
    TJ_INTERNAL_CHECK(plan.symbol == "tj_k_" + key.substr(0, 16))
        << "plan symbol " << plan.symbol << " is not this key's";
    auto same_type = [](const SlotPlan& sp, const TensorType& t) {
        return sp.dtype == t.dtype && sp.ndim == t.ndim();
    };
    const int nslots = static_cast<int>(plan.slots.size());
    for (int s = 0; s < nslots; ++s) {
        const SlotPlan& sp = plan.slots[s];
        TJ_INTERNAL_CHECK(sp.ndim >= 0 && sp.ndim <= TJ_MAX_NDIM)
            << "slot " << s << " has rank " << sp.ndim;
        if (sp.kind == SlotPlan::Kind::Input) {
            TJ_INTERNAL_CHECK(sp.index >= 0 && sp.index < static_cast<int>(g.inputs.size()) &&
                              same_type(sp, g.inputs[sp.index]->type))
                << "slot " << s << " does not match input " << sp.index;
        } else if (sp.kind == SlotPlan::Kind::Shared) {
            TJ_INTERNAL_CHECK(sp.index >= 0 && sp.index < static_cast<int>(g.shared.size()) &&
                              same_type(sp, g.shared[sp.index]->type))
                << "slot " << s << " does not match shared variable " << sp.index;
        }
    }
    TJ_INTERNAL_CHECK(plan.output_slots.size() == g.outputs.size())
        << "plan has " << plan.output_slots.size() << " outputs, the function " << g.outputs.size();
    for (std::size_t i = 0; i < g.outputs.size(); ++i) {
        const int s = plan.output_slots[i];
        TJ_INTERNAL_CHECK(s >= 0 && s < nslots && same_type(plan.slots[s], g.outputs[i]->type))
            << "output " << i << " slot does not match";
    }
    TJ_INTERNAL_CHECK(plan.updates.size() == g.updates.size())
        << "plan has " << plan.updates.size() << " updates, the function " << g.updates.size();
    for (std::size_t u = 0; u < g.updates.size(); ++u) {
        const auto [sh, s] = plan.updates[u];
        TJ_INTERNAL_CHECK(sh == g.updates[u].first && s >= 0 && s < nslots &&
                          same_type(plan.slots[s], g.shared[sh]->type))
            << "update " << u << " does not match";
    }
}

// "kernel 0123456789abcdef (train)": how log lines name a kernel; a function without a name by
// its outputs, "(outputs: prediction, exp)".
std::string kernel_name(const std::string& key, const FunctionGraph& g) {
    std::string who = g.name;
    if (who.empty()) {
        who = "outputs: ";
        for (std::size_t i = 0; i < g.outputs.size() && i < 4; ++i)
            who += (i ? ", " : "") + (g.outputs[i]->name.empty()
                                          ? std::string(op_name(g.outputs[i]->op))
                                          : g.outputs[i]->name);
        if (g.outputs.size() > 4) who += ", ...";
        if (g.outputs.empty()) who += "none";
    }
    return "kernel " + key.substr(0, 16) + " (" + who + ")";
}

double total_ms(const KernelTimings& t) {
    return t.rewrite + t.codegen + t.frontend + t.optimize + t.object;
}

// Adds a build's counts to the local cache directory's statistics (tensorjit-cache stats).
void record(cache::DiskCache& disk, const cache::Counters& delta) {
    if (disk.enabled() && !disk.read_only()) cache::add_counters(disk.dir(), delta);
}

// An entry for key from the first layer that has it: the local directory, then the shared
// layers (an entry found there is copied into the local directory). Counts hits and misses.
struct Found {
    cache::Entry entry;
    cache::CacheLayer layer = cache::CacheLayer::Local;
    // Set when the entry came from the local directory without its source, which is there
    // (DiskCache::load_code): what load_source() needs to read it from the same copy.
    std::string stamp;
};

// Without `with_source`, a local entry is read without its source (for loading the kernel:
// entry.source stays empty, stamp is set), and its metadata key is left to entry_metadata().
std::optional<Found> find_entry(cache::DiskCache& disk, const std::string& key,
                                cache::Counters& delta, bool with_source) {
    std::string stamp;
    if (auto entry = with_source ? disk.load(key) : disk.load_code(key, &stamp)) {
        ++delta.layers["local"].hits;
        return Found{std::move(*entry), cache::CacheLayer::Local, std::move(stamp)};
    }
    if (disk.enabled()) ++delta.layers["local"].misses;
    auto& shared = cache::SharedLayers::global();
    if (shared.empty()) return std::nullopt;
    auto hit = shared.load(key);
    if (!hit) {
        ++delta.layers["shared"].misses;
        return std::nullopt;
    }
    ++delta.layers[std::string(cache::layer_name(hit->layer))].hits;
    disk.store(key, hit->entry);
    return Found{std::move(hit->entry), hit->layer, {}};
}

// How a kernel loaded from the local directory gets its source: from the copy of its entry it
// was loaded from. When that copy has been removed or replaced since (a prune, a recompile), or its
// source damaged, the text says so instead. (Generating the source again would need the graph,
// whose shared variables a kernel, shared by every function of its key, must not keep alive.)
std::function<std::string()> source_reader(const std::string& key, std::string stamp) {
    return [key, stamp = std::move(stamp)]() -> std::string {
        if (auto source = cache::DiskCache::global().load_source(key, stamp))
            return std::move(*source);
        log().debug("kernel {}: its source is not available", key.substr(0, 16));
        return "// the source of kernel tj_k_" + key.substr(0, 16) +
               " is not available: its cache entry was removed, replaced or damaged after the "
               "kernel was loaded from it\n";
    };
}

// The metadata of an entry found for key, checked to be this key's: all of it, or (to load the
// kernel) what a load needs (KernelMetadata::load_fields).
KernelMetadata entry_metadata(const cache::Entry& entry, const std::string& key, bool all) {
    KernelMetadata meta = all ? KernelMetadata::from_json(entry.metadata)
                              : KernelMetadata::load_fields(entry.metadata);
    TJ_INTERNAL_CHECK(meta.key == key) << "its metadata names key " << meta.key.substr(0, 16);
    return meta;
}

// Rewrites + codegen + Clang for `target`; the entry to store and the parts of the kernel.
struct Built {
    cache::Entry entry;
    codegen::BindingPlan plan;
    double ms = 0;
};

Built compile_entry(const FunctionGraph& g, const std::string& key, const KeyComponents& components,
                    const jit::Target& target, cache::DiskCache& disk, cache::Counters& delta) {
    const auto t0 = Clock::now();
    const std::string symbol = "tj_k_" + key.substr(0, 16);
    codegen::PipelineTimes phases;
    codegen::KernelSource src = codegen::compile_graph(g, symbol, &phases);
    codegen::apply_source_hook(src.text);
    const std::string source_path = disk.source_path(key).string();
    jit::CompileTimes times;
    std::string object;
    try {
        object = jit::compile_to_object(src.text, source_path, &times, &target);
    } catch (const CompileError&) {
        // Keep the source where the error says it is.
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(source_path).parent_path(), ec);
        std::ofstream(source_path) << src.text;
        ++delta.compile_failures;
        record(disk, delta);
        throw;
    }
    ++g_compiles;
    KernelMetadata meta;
    meta.key = key;
    meta.function = g.name;
    meta.target = target.id;
    meta.templates = codegen::templates_hash();
    for (const auto& [name, value] : components.fields())
        meta.components.emplace_back(name, *value);
    meta.timings_ms = {phases.rewrite_ms, phases.codegen_ms, times.frontend_ms, times.optimize_ms,
                       times.codegen_ms};
    meta.plan = src.plan.serialize();
    Built b;
    b.ms = ms_since(t0);
    ++delta.compiles;
    delta.compile_ms += b.ms;
    b.entry = cache::Entry{std::move(object), std::move(src.text), meta.to_json()};
    b.plan = std::move(src.plan);
    disk.store(key, b.entry);
    cache::SharedLayers::global().store(key, b.entry);
    log().debug("{}: compiled for {}; rewrite {:.2f} ms, codegen {:.2f} ms, clang frontend {:.2f} "
                "ms, optimize {:.2f} ms, object {:.2f} ms",
                kernel_name(key, g), target.native ? "this host" : target.cpu, phases.rewrite_ms,
                phases.codegen_ms, times.frontend_ms, times.optimize_ms, times.codegen_ms);
    return b;
}

// Builds one kernel: the cache layers, else rewrites + codegen + Clang (then stored).
std::shared_ptr<const CompiledKernel> build_kernel(const FunctionGraph& g, const std::string& key,
                                                   const KeyComponents& components, double key_ms) {
    auto& disk = cache::DiskCache::global();
    cache::Counters delta;
    auto t1 = Clock::now();
    if (auto found = find_entry(disk, key, delta, /*with_source=*/false)) {
        try {
            // The entry must be this key's and its plan must fit this graph before anything of
            // it runs (an entry copied under another key's name would run the wrong kernel).
            const KernelMetadata meta = entry_metadata(found->entry, key, /*all=*/false);
            auto plan = codegen::BindingPlan::parse(meta.plan);
            check_plan_fits(plan, g, key);
            auto k = load_kernel(key, std::move(plan), found->entry.object);
            if (found->stamp.empty())
                k->set_source(std::move(found->entry.source));
            else
                k->set_source_reader(source_reader(key, std::move(found->stamp)));
            ++g_disk_hits;
            delta.saved_ms += total_ms(meta.timings_ms);
            record(disk, delta);
            log().debug("{}: {} hit (key {:.2f} ms, load {:.2f} ms)", kernel_name(key, g),
                        cache::layer_name(found->layer), key_ms, ms_since(t1));
            return k;
        } catch (const std::exception& e) {
            // A readable entry that does not fit, does not parse or does not load: recompile
            // (and replace it).
            warn_once("cache-entry-unusable",
                      fmt::format("cache entry {} is unusable ({}); recompiling", key.substr(0, 16),
                                  e.what()));
        }
    } else if (log().should_log(spdlog::level::debug)) {
        // Only at debug level: it reads the metadata of every entry.
        log().debug("{}: miss; {}", kernel_name(key, g), explain_miss(disk, components));
    }
    const jit::Target& target = jit::default_target();
    Built b = compile_entry(g, key, components, target, disk, delta);
    record(disk, delta);
    auto t4 = Clock::now();
    auto k = load_kernel(key, std::move(b.plan), b.entry.object);
    k->set_source(std::move(b.entry.source));
    log().debug("{}: built in {:.2f} ms (key {:.2f} ms, load {:.2f} ms)", kernel_name(key, g), b.ms,
                key_ms, ms_since(t4));
    return k;
}

} // namespace

std::shared_ptr<const CompiledKernel> get_kernel(const FunctionGraph& g) {
    // Kernels alive in this process, and builds in flight: a second thread asking for a key that
    // is being built waits for that build (and gets its result or its error) instead of compiling
    // it again.
    using Future = std::shared_future<std::shared_ptr<const CompiledKernel>>;
    static std::mutex mu;
    static std::unordered_map<std::string, std::weak_ptr<const CompiledKernel>> live;
    static std::unordered_map<std::string, Future> in_flight;

    auto t0 = Clock::now();
    KeyComponents components;
    const std::string key = graph_key(g, jit::default_target(), &components);
    const double key_ms = ms_since(t0);
    std::promise<std::shared_ptr<const CompiledKernel>> promise;
    {
        std::unique_lock<std::mutex> lock(mu);
        auto it = live.find(key);
        if (it != live.end())
            if (auto k = it->second.lock()) {
                ++g_memory_hits;
                log().debug("{}: memory hit (key {:.2f} ms)", kernel_name(key, g), key_ms);
                return k;
            }
        auto f = in_flight.find(key);
        if (f != in_flight.end()) {
            Future pending = f->second;
            lock.unlock();
            auto k = pending.get(); // rethrows the builder's error
            ++g_memory_hits;
            log().debug("{}: built by another thread (key {:.2f} ms)", kernel_name(key, g), key_ms);
            return k;
        }
        in_flight.emplace(key, promise.get_future().share());
    }
    std::shared_ptr<const CompiledKernel> k;
    try {
        k = build_kernel(g, key, components, key_ms);
    } catch (...) {
        promise.set_exception(std::current_exception());
        std::lock_guard<std::mutex> lock(mu);
        in_flight.erase(key);
        throw;
    }
    promise.set_value(k);
    std::lock_guard<std::mutex> lock(mu);
    live[key] = k;
    in_flight.erase(key);
    return k;
}

} // namespace tensorjit

namespace tensorjit {

WarmOutcome warm_kernel(const FunctionGraph& g, const jit::Target& target) {
    WarmOutcome out;
    const auto t0 = Clock::now();
    KeyComponents components;
    out.key = graph_key(g, target, &components);
    auto& disk = cache::DiskCache::global();
    cache::Counters delta;
    // With the source: a local entry is pushed to the shared layers whole.
    if (auto found = find_entry(disk, out.key, delta, /*with_source=*/true)) {
        try {
            const KernelMetadata meta = entry_metadata(found->entry, out.key, /*all=*/true);
            check_plan_fits(codegen::BindingPlan::parse(meta.plan), g, out.key);
            // `warm --redis` fills the shared layer with what the local directory has.
            if (found->layer == cache::CacheLayer::Local)
                cache::SharedLayers::global().store(out.key, found->entry);
            out.compiled = false;
            out.bytes = found->entry.object.size() + found->entry.source.size() +
                        found->entry.metadata.size();
            out.ms = ms_since(t0);
            record(disk, delta);
            return out;
        } catch (const std::exception& e) {
            warn_once("cache-entry-unusable",
                      fmt::format("cache entry {} is unusable ({}); recompiling",
                                  out.key.substr(0, 16), e.what()));
        }
    }
    Built b = compile_entry(g, out.key, components, target, disk, delta);
    record(disk, delta);
    out.compiled = true;
    out.bytes = b.entry.object.size() + b.entry.source.size() + b.entry.metadata.size();
    out.ms = ms_since(t0);
    return out;
}

} // namespace tensorjit

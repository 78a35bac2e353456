// warm_graph_file and explain_cache: graph files read without building them (graph_file::
// read_graph), keyed for a chosen target, compiled into the cache layers or compared with them.
#include <tensorjit/precompile.hpp>

#include "cache/disk_cache.hpp"
#include "compiler/function/cache_explain.hpp"
#include "compiler/function/function_impl.hpp"
#include "compiler/function/graph_file_format.hpp"
#include "compiler/function/graph_key.hpp"
#include "compiler/jit/jit.hpp"

#include <tensorjit/error.hpp>

#include <chrono>
#include <system_error>

namespace tensorjit {

namespace {

jit::Target target_for(const std::string& cpu) {
    return cpu.empty() ? jit::default_target() : jit::named_target(cpu);
}

// Whether s looks like a cache key rather than a path: 16 to 128 lowercase hex digits and no
// such file.
bool is_key(const std::string& s) {
    if (s.size() < 16 || s.size() > 128) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    std::error_code ec;
    return !std::filesystem::exists(s, ec);
}

} // namespace

void check_target_cpu(const std::string& cpu) {
    if (!cpu.empty()) jit::named_target(cpu);
}

WarmResult warm_graph_file(const std::filesystem::path& file, const std::string& target_cpu) {
    const auto t0 = std::chrono::steady_clock::now();
    WarmResult r;
    r.function = file.stem().string();
    r.target = target_cpu.empty()
                   ? (jit::default_target().native ? "native" : jit::default_target().cpu)
                   : target_cpu;
    try {
        const jit::Target target = target_for(target_cpu);
        const FunctionGraph g = graph_file::read_graph(file);
        if (!g.name.empty()) r.function = g.name;
        const WarmOutcome out = warm_kernel(g, target);
        r.key = out.key;
        r.bytes = out.bytes;
        r.status = out.compiled ? WarmResult::Status::Compiled : WarmResult::Status::Cached;
    } catch (const std::exception& e) {
        r.status = WarmResult::Status::Failed;
        r.error = e.what();
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

std::string explain_cache(const std::string& key_or_file, const std::string& target_cpu) {
    auto& disk = cache::DiskCache::global();
    if (is_key(key_or_file)) return explain_key(disk, key_or_file);
    const jit::Target target = target_for(target_cpu);
    const FunctionGraph g = graph_file::read_graph(key_or_file);
    const KeyComponents components = key_components(g, target);
    const std::string key = graph_key(g, components);
    std::string head = key_or_file + (g.name.empty() ? "" : " (" + g.name + ")") + " for " +
                       (target.native ? "this host (" + target.cpu + ")" : target.cpu) + ": key " +
                       key + "\n";
    if (disk.peek_metadata(key)) return head + "cached in " + disk.dir().string() + "\n";
    return head + "not cached in " + disk.dir().string() + "; " + explain_miss(disk, components);
}

} // namespace tensorjit

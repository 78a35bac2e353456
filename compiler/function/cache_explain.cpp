// Miss explanations: entries are matched by the graph component of their metadata and compared
// with what was looked up. Metadata comes from files: it is parsed defensively and shortened
// before it is printed.
#include "compiler/function/cache_explain.hpp"

#include "cache/disk_cache.hpp"
#include "compiler/function/kernel_metadata.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

namespace tensorjit {

namespace {

using Components = std::vector<std::pair<std::string, std::string>>;

Components as_list(const KeyComponents& c) {
    Components out;
    for (const auto& [name, value] : c.fields()) out.emplace_back(name, *value);
    return out;
}

std::string value_of(const Components& c, const std::string& name) {
    for (const auto& [n, v] : c)
        if (n == name) return v;
    return "(missing)";
}

std::string shorten(const std::string& s, std::size_t max = 160) {
    return s.size() <= max ? s : s.substr(0, max) + "...";
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
    std::vector<std::string> out;
    std::size_t at = 0;
    for (std::size_t next; (next = s.find(sep, at)) != std::string::npos; at = next + sep.size())
        out.push_back(s.substr(at, next - at));
    out.push_back(s.substr(at));
    return out;
}

// The features a "+a,-b,+c" list enables.
std::set<std::string> enabled(const std::string& list) {
    std::set<std::string> out;
    for (const std::string& f : split(list, ","))
        if (f.size() > 1 && f[0] == '+') out.insert(f.substr(1));
    return out;
}

std::string only_in(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::string out;
    for (const auto& x : a)
        if (!b.count(x)) out += (out.empty() ? "" : " ") + x;
    return out.empty() ? "nothing" : shorten(out, 240);
}

// How two values of a component differ. Targets ("triple; cpu; +f,-g,...") are compared part by
// part, their features by what each enables.
std::string difference(const std::string& name, const std::string& cached,
                       const std::string& wanted) {
    const auto a = split(cached, "; "), b = split(wanted, "; ");
    if (name == "target" && a.size() == 3 && b.size() == 3) {
        std::string out;
        if (a[0] != b[0]) out += "triple: cached " + shorten(a[0]) + ", wanted " + shorten(b[0]);
        if (a[1] != b[1])
            out += std::string(out.empty() ? "" : "; ") + "CPU: cached " + shorten(a[1], 64) +
                   ", wanted " + shorten(b[1], 64);
        if (a[2] != b[2]) {
            const auto fa = enabled(a[2]), fb = enabled(b[2]);
            out += std::string(out.empty() ? "" : "; ") +
                   "features only the cached entry has: " + only_in(fa, fb) +
                   "; only wanted: " + only_in(fb, fa);
        }
        return out;
    }
    return "cached '" + shorten(cached) + "', wanted '" + shorten(wanted) + "'";
}

struct Candidate {
    std::string key;
    KernelMetadata meta;
    std::vector<std::string> differing;
};

// The entries whose graph component is `graph`, with the components in which they differ from
// `wanted`, fewest first (most recently used first among equals).
std::vector<Candidate> same_graph(const cache::DiskCache& disk, const Components& wanted,
                                  const std::string& skip_key, std::size_t* total) {
    std::vector<Candidate> out;
    const auto entries = disk.list();
    *total = entries.size();
    const std::string graph = value_of(wanted, "graph");
    for (const auto& e : entries) {
        if (e.key == skip_key) continue;
        auto text = disk.peek_metadata(e.key);
        if (!text) continue;
        Candidate c;
        try {
            c.meta = KernelMetadata::from_json(*text);
        } catch (const MetadataError&) {
            continue; // another format: cannot be compared
        }
        if (value_of(c.meta.components, "graph") != graph) continue;
        c.key = e.key;
        for (const auto& [name, value] : wanted)
            if (value_of(c.meta.components, name) != value) c.differing.push_back(name);
        out.push_back(std::move(c));
    }
    std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
        return a.differing.size() < b.differing.size();
    });
    return out;
}

void describe(std::ostream& os, const Candidate& c, const Components& wanted) {
    os << "entry " << c.key.substr(0, 16)
       << (c.meta.function.empty() ? "" : " (" + shorten(c.meta.function, 64) + ")")
       << " differs in " << c.differing.size() << " component(s):\n";
    for (const std::string& name : c.differing)
        os << "  " << name << ": "
           << difference(name, value_of(c.meta.components, name), value_of(wanted, name)) << "\n";
}

} // namespace

std::string explain_miss(const cache::DiskCache& disk, const KeyComponents& wanted) {
    std::ostringstream os;
    const Components w = as_list(wanted);
    std::size_t total = 0;
    const auto found = same_graph(disk, w, "", &total);
    if (found.empty()) {
        os << "no entry of this function graph (graph " << wanted.graph.substr(0, 16) << ") among "
           << total << " entries in " << disk.dir().string() << "\n";
        return os.str();
    }
    os << "nearest ";
    describe(os, found.front(), w);
    if (found.size() > 1)
        os << "(" << found.size() - 1 << " more entries of this function graph)\n";
    return os.str();
}

std::string explain_key(const cache::DiskCache& disk, const std::string& key) {
    std::ostringstream os;
    auto text = disk.peek_metadata(key);
    if (!text) {
        os << "no entry " << key << " in " << disk.dir().string() << "\n";
        return os.str();
    }
    KernelMetadata meta;
    try {
        meta = KernelMetadata::from_json(*text);
    } catch (const MetadataError& e) {
        os << "entry " << key << " has unusable metadata (" << e.what() << ")\n";
        return os.str();
    }
    os << "entry " << key << "\n";
    os << "  function: " << (meta.function.empty() ? "(unnamed)" : shorten(meta.function, 64))
       << "\n";
    for (const auto& [name, value] : meta.components)
        os << "  " << name << ": " << shorten(value, 400) << "\n";
    os << "  built in "
       << meta.timings_ms.rewrite + meta.timings_ms.codegen + meta.timings_ms.frontend +
              meta.timings_ms.optimize + meta.timings_ms.object
       << " ms\n";
    std::size_t total = 0;
    const auto others = same_graph(disk, meta.components, key, &total);
    if (others.empty()) {
        os << "no other entry of this function graph among " << total << " entries\n";
        return os.str();
    }
    os << others.size() << " other entries of this function graph:\n";
    for (const Candidate& c : others) describe(os, c, meta.components);
    return os.str();
}

} // namespace tensorjit

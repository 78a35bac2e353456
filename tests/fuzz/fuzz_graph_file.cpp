// libFuzzer target of the graph file loader: each input is written as a graph file and loaded
// with tj::load_multi_function. A file is either rejected with a tj::ValueError whose message
// starts with its path, or it is a valid graph whose rewrites and code generation run to the
// kernel's source (fuzz_stubs.cpp; Clang is not run). Anything else is a finding: a sanitizer
// report, a crash, a timeout, an InternalError or any other exception, or a ValueError that
// does not name the file.
//
//     build/fuzz/fuzz_graph_file -max_total_time=600 OUT_DIR tests/fuzz/corpus/graph_file
//
// (scripts/fuzz.sh; a short run is the ctest test fuzz_graph_file.) Besides libFuzzer's byte
// mutations, a custom mutator edits parsed documents as a crafted file would: the integer
// attributes, dtypes, inputs, ops and declared types of nodes, and the roots, with values at the
// edges (negative, past the rank, 2^31, 2^62, INT64_MIN...).
#include "tests/fuzz/fuzz_stubs.hpp"

#include <tensorjit/tensorjit.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;

// The file each input is written to, alone in a directory of its own with one .npy file that a
// "value_file" may name ("values.npy").
std::filesystem::path g_file;

void init() {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/tj_fuzz_XXXXXX";
    if (!mkdtemp(dir.data())) {
        std::perror("fuzz_graph_file: mkdtemp");
        std::abort();
    }
    g_file = std::filesystem::path(dir) / "input.tjgraph";
    tj::save_npy(std::filesystem::path(dir) / "values.npy", tj::Array({1.5, -2.0, 0.25}));
    // libFuzzer ends a run with exit(): the directory goes then (it stays after a crash).
    std::atexit([] {
        std::error_code ec;
        std::filesystem::remove_all(g_file.parent_path(), ec);
    });
}

// ---- the structure-aware mutator --------------------------------------------------------------

constexpr const char* kOps[] = {
#define X(E, N) N,
#include "compiler/graph/op_kinds.def"
#undef X
};
constexpr const char* kDTypes[] = {"bool",   "int8",   "int16",  "int32",   "int64",  "uint8",
                                   "uint16", "uint32", "uint64", "float32", "float64"};
constexpr std::int64_t kInts[] = {-3,
                                  -2,
                                  -1,
                                  0,
                                  1,
                                  2,
                                  3,
                                  7,
                                  8,
                                  9,
                                  10,
                                  (std::int64_t{1} << 31) - 1,
                                  std::int64_t{1} << 31,
                                  -(std::int64_t{1} << 31) - 1,
                                  std::int64_t{1} << 40,
                                  std::int64_t{1} << 62,
                                  std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::int64_t>::min()};

struct Mutator {
    std::mt19937_64 rng;
    std::size_t pick(std::size_t n) { return n ? static_cast<std::size_t>(rng() % n) : 0; }
    std::int64_t value() {
        return pick(4) ? kInts[pick(std::size(kInts))] : static_cast<std::int64_t>(pick(16));
    }

    // Changes, inserts or removes one entry of an integer list.
    void ints(json& list) {
        if (!list.is_array()) list = json::array();
        const std::size_t n = list.size();
        switch (pick(4)) {
        case 0:
            if (n) {
                list[pick(n)] = value();
                break;
            }
            [[fallthrough]];
        case 1:
            list.insert(list.begin() + static_cast<std::ptrdiff_t>(pick(n + 1)), value());
            break;
        case 2:
            if (n) list.erase(pick(n));
            break;
        default:
            list = json::array();
            for (std::size_t k = 0, m = pick(5); k < m; ++k) list.push_back(value());
        }
    }

    void node(json& doc, std::size_t i) {
        json& n = doc["nodes"][i];
        if (!n.is_object()) return;
        switch (pick(7)) {
        case 0:
        case 1:
            if (n.contains("attrs") && n["attrs"].is_object()) ints(n["attrs"]["ints"]);
            break;
        case 2:
            if (n.contains("attrs") && n["attrs"].is_object())
                n["attrs"]["dtype"] = kDTypes[pick(std::size(kDTypes))];
            break;
        case 3: // an input: another earlier node, one more, one less
            if (n.contains("inputs") && n["inputs"].is_array()) {
                json& in = n["inputs"];
                const std::size_t k = pick(3);
                if (k == 0 && !in.empty())
                    in[pick(in.size())] = pick(i + 1);
                else if (k == 1)
                    in.push_back(pick(i + 1));
                else if (!in.empty())
                    in.erase(pick(in.size()));
            }
            break;
        case 4:
            n["op"] = kOps[pick(std::size(kOps))];
            break;
        case 5: // the declared type, so that a changed attribute can still type
            if (n.contains("type") && n["type"].is_object()) {
                json& shape = n["type"]["shape"];
                if (pick(3) == 0)
                    n["type"]["dtype"] = kDTypes[pick(std::size(kDTypes))];
                else if (shape.is_array() && !shape.empty() && pick(2))
                    shape[pick(shape.size())] = pick(2) ? json(nullptr) : json(value());
                else
                    ints(shape);
            }
            break;
        default: // another node's attributes
            if (n.contains("attrs")) {
                const json& other = doc["nodes"][pick(doc["nodes"].size())];
                if (other.is_object() && other.contains("attrs")) n["attrs"] = other["attrs"];
            }
        }
    }

    void roots(json& doc) {
        const std::size_t nodes = doc["nodes"].size();
        json& out = doc["outputs"];
        json& up = doc["updates"];
        if (pick(2) && out.is_array() && !out.empty())
            out[pick(out.size())] = pick(nodes);
        else if (up.is_array() && !up.empty() && up[0].is_object())
            up[pick(up.size())]["value"] = pick(nodes);
    }
};

// Nesting of a JSON text (a deep one is left to the byte mutations: json::dump recurses).
std::size_t depth(const std::uint8_t* data, std::size_t size) {
    std::size_t d = 0, most = 0;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == '[' || data[i] == '{') most = std::max(most, ++d);
        if ((data[i] == ']' || data[i] == '}') && d) --d;
    }
    return most;
}

} // namespace

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max);

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
    Mutator m{std::mt19937_64(seed)};
    if (m.pick(4) == 0 || depth(data, size) > 16) return LLVMFuzzerMutate(data, size, max_size);
    json doc = json::parse(data, data + size, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("nodes") ||
        !doc["nodes"].is_array() || doc["nodes"].empty())
        return LLVMFuzzerMutate(data, size, max_size);
    std::string text;
    try {
        for (std::size_t k = 0, n = 1 + m.pick(3); k < n; ++k) {
            if (m.pick(8) == 0)
                m.roots(doc);
            else
                m.node(doc, m.pick(doc["nodes"].size()));
        }
        text = doc.dump(-1);
    } catch (const json::exception&) { // a member of another JSON type, invalid UTF-8
        return LLVMFuzzerMutate(data, size, max_size);
    }
    if (text.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
    std::memcpy(data, text.data(), text.size());
    return text.size();
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(g_file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) std::abort();
    }
    try {
        tj::load_multi_function(g_file);
        std::abort(); // get_kernel (fuzz_stubs.cpp) never returns
    } catch (const tj_fuzz::SourceGenerated&) {
    } catch (const tj::ValueError& e) {
        if (!std::string_view(e.what()).starts_with(g_file.string())) {
            std::fprintf(stderr, "fuzz_graph_file: a ValueError that does not name the file: %s\n",
                         e.what());
            std::abort();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_graph_file: %s\n", e.what());
        std::abort();
    }
    return 0;
}

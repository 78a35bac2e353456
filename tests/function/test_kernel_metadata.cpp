// The metadata of a disk cache entry (compiler/function/kernel_metadata): the JSON round trip, the
// malformed texts it refuses with MetadataError, and a function whose entry has malformed
// metadata recompiling (never crashing, never running the entry's code).
#include "cache/disk_cache.hpp"
#include "compiler/function/kernel_metadata.hpp"

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>

namespace tj = tensorjit;
namespace fs = std::filesystem;
using tj::KernelMetadata;
using tj::MetadataError;

namespace {

KernelMetadata sample() {
    KernelMetadata m;
    m.key = std::string(64, 'a');
    m.function = "train \"v2\"";
    m.target = "x86_64-pc-linux-gnu|znver3|+avx2";
    m.components = {{"graph", std::string(64, 'b')},
                    {"signature", "inputs (float64[?])"},
                    {"target", "x86_64-pc-linux-gnu; cpu=x86-64-v3; +avx2,-avx512f"}};
    m.templates = std::string(64, '5');
    m.timings_ms = {0.25, 1.5, 30.125, 12, 7.0625};
    // Newlines, quotes, backslashes, control characters and non-ASCII survive.
    m.plan = "tjplan 1\nsymbol tj_k_aaaa\nnode add(\"{i0}\", \\n)\t\x01\x1f\nnode \xc3\xa9\n";
    return m;
}

void check_same(const KernelMetadata& a, const KernelMetadata& b) {
    CHECK(a.format == b.format);
    CHECK(a.key == b.key);
    CHECK(a.function == b.function);
    CHECK(a.components == b.components); // in order
    CHECK(a.target == b.target);
    CHECK(a.templates == b.templates);
    CHECK(a.timings_ms.rewrite == b.timings_ms.rewrite);
    CHECK(a.timings_ms.codegen == b.timings_ms.codegen);
    CHECK(a.timings_ms.frontend == b.timings_ms.frontend);
    CHECK(a.timings_ms.optimize == b.timings_ms.optimize);
    CHECK(a.timings_ms.object == b.timings_ms.object);
    CHECK(a.plan == b.plan);
}

} // namespace

TEST_CASE("kernel metadata: to_json and from_json round trip", "[function][metadata]") {
    const KernelMetadata m = sample();
    const std::string text = m.to_json();
    check_same(KernelMetadata::from_json(text), m);
    // An indented JSON object ending in a newline, whose key the disk cache can read.
    CHECK(text.back() == '\n');
    CHECK(nlohmann::json::parse(text).is_object());
    CHECK(tj::cache::metadata_key(text) == m.key);
    CHECK(nlohmann::json::parse(text)["timings_ms"]["frontend"].get<double>() == 30.125);
}

TEST_CASE("kernel metadata: bytes that are not UTF-8 are replaced, not thrown",
          "[function][metadata]") {
    KernelMetadata m = sample();
    m.plan = "node \xff\xfe x";
    std::string text;
    REQUIRE_NOTHROW(text = m.to_json());
    CHECK(KernelMetadata::from_json(text).plan == "node \xef\xbf\xbd\xef\xbf\xbd x");
}

TEST_CASE("kernel metadata: malformed text throws MetadataError", "[function][metadata]") {
    const nlohmann::ordered_json good = nlohmann::ordered_json::parse(sample().to_json());
    std::vector<std::pair<std::string, std::string>> cases = {
        {"empty", ""},
        {"not JSON", "not json at all"},
        {"truncated", sample().to_json().substr(0, 40)},
        {"trailing junk", sample().to_json() + "x"},
        {"an array", "[1, 2]"},
        {"a string", "\"key\""},
        {"not UTF-8", "{\"key\": \"\xff\"}"},
    };
    // Each field missing, and each of the wrong type.
    for (const char* name :
         {"format", "key", "function", "target", "templates", "components", "timings_ms", "plan"}) {
        auto j = good;
        j.erase(name);
        cases.push_back({std::string("no ") + name, j.dump()});
        j = good;
        j[name] = name == std::string("format") ? nlohmann::ordered_json("1")
                                                : nlohmann::ordered_json(42);
        if (name == std::string("timings_ms") || name == std::string("components"))
            j[name] = nlohmann::ordered_json::array({1, 2});
        cases.push_back({std::string("wrong type of ") + name, j.dump()});
    }
    {
        auto j = good;
        j["components"]["graph"] = 7;
        cases.push_back({"a component that is not a string", j.dump()});
    }
    for (const char* name : {"rewrite", "codegen", "frontend", "optimize", "object"}) {
        auto j = good;
        j["timings_ms"].erase(name);
        cases.push_back({std::string("no timing ") + name, j.dump()});
        j = good;
        j["timings_ms"][name] = "fast";
        cases.push_back({std::string("timing ") + name + " not a number", j.dump()});
    }
    for (const nlohmann::ordered_json& format :
         {nlohmann::ordered_json(1), nlohmann::ordered_json(3), nlohmann::ordered_json(0),
          nlohmann::ordered_json(1.5), nlohmann::ordered_json(-1),
          nlohmann::ordered_json(nullptr)}) {
        auto j = good;
        j["format"] = format;
        cases.push_back({"format " + format.dump(), j.dump()});
    }
    for (const auto& [what, text] : cases) {
        CAPTURE(what, text);
        CHECK_THROWS_AS(KernelMetadata::from_json(text), MetadataError);
        tj_test::expect_error<MetadataError>([&] { KernelMetadata::from_json(text); },
                                             {"cache metadata"});
    }
    // MetadataError is a tensorjit::Error; the unmodified text still parses.
    CHECK_THROWS_AS(KernelMetadata::from_json("[]"), tj::Error);
    CHECK_NOTHROW(KernelMetadata::from_json(good.dump()));
}

TEST_CASE("a cache entry with malformed metadata is recompiled, not run", "[function][disk]") {
    auto& disk = tj::cache::DiskCache::global();
    REQUIRE(disk.enabled());
    // A constant unique to this run, so that the key is new.
    const double c = 3.0 + static_cast<double>(std::random_device{}() % 100000) / 1024.0;
    std::string key;
    {
        auto x = tj::dvector("x");
        key = tj::function({x}, x * c).cache_key();
    } // dropped from memory: the next build goes to disk
    auto good = disk.load(key);
    REQUIRE(good);
    const KernelMetadata meta = KernelMetadata::from_json(good->metadata);
    auto with = [&](auto&& edit) {
        auto j = nlohmann::ordered_json::parse(good->metadata);
        edit(j);
        return j.dump();
    };
    using Json = nlohmann::ordered_json;
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"no plan", with([](Json& j) { j.erase("plan"); })},
        {"plan not a string", with([](Json& j) { j["plan"] = 7; })},
        {"plan garbage", with([](Json& j) { j["plan"] = "tjplan 1\nslot x y\n"; })},
        {"format 3", with([](Json& j) { j["format"] = 3; })},
        {"no timings", with([](Json& j) { j.erase("timings_ms"); })},
        // Not JSON at all: the disk cache itself refuses it (it names no key).
        {"not JSON", "{\"key\": \"" + key + "\", \"plan\": "},
    };
    tj_test::StderrCapture err;
    for (const auto& [what, metadata] : bad) {
        CAPTURE(what);
        disk.store(key, tj::cache::Entry{good->object, good->source, metadata});
        const auto before = tj::compile_stats();
        auto x = tj::dvector("x");
        auto f = tj::function({x}, x * c);
        CHECK(f.cache_key() == key);
        CHECK(tj::compile_stats().clang_compiles == before.clang_compiles + 1);
        CHECK(tj::compile_stats().disk_hits == before.disk_hits);
        CHECK(tj::allclose(f(tj::Array({1.0, -2.0})), tj::Array({c, -2 * c})));
        // The recompile replaced the entry with a good one.
        auto replaced = disk.load(key);
        REQUIRE(replaced);
        CHECK(KernelMetadata::from_json(replaced->metadata).key == key);
    }
    err.text();
    // The good metadata was this key's, with the plan the kernel's symbol names.
    CHECK(meta.key == key);
    CHECK(meta.plan.find("tj_k_" + key.substr(0, 16)) != std::string::npos);
}

// KernelMetadata::load_fields, what a kernel load reads of an entry's metadata: the format, key,
// timings and plan, which to_json() writes first, with from_json()'s checks of them, and nothing
// after them.
#include "compiler/function/kernel_metadata.hpp"

#include "support/test_util.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace tj = tensorjit;
using tj::KernelMetadata;
using tj::MetadataError;
using OrderedJson = nlohmann::ordered_json;

namespace {

KernelMetadata sample() {
    KernelMetadata m;
    m.key = std::string(64, 'c');
    m.function = "train";
    m.target = "x86_64-pc-linux-gnu|znver3|+avx2";
    m.components = {{"graph", std::string(64, 'd')}, {"key", "not the key"}};
    m.templates = std::string(64, '7');
    m.timings_ms = {0.5, 1.25, 30, 12.75, 7};
    m.plan = "tjplan 1\nsymbol tj_k_cccc\nnode add(\"{i0}\", \\n)\t\x01\n";
    return m;
}

void check_load(const KernelMetadata& got, const KernelMetadata& want) {
    CHECK(got.format == KernelMetadata::kFormat);
    CHECK(got.key == want.key);
    CHECK(got.plan == want.plan);
    CHECK(got.timings_ms.rewrite == want.timings_ms.rewrite);
    CHECK(got.timings_ms.codegen == want.timings_ms.codegen);
    CHECK(got.timings_ms.frontend == want.timings_ms.frontend);
    CHECK(got.timings_ms.optimize == want.timings_ms.optimize);
    CHECK(got.timings_ms.object == want.timings_ms.object);
    // Not read.
    CHECK(got.function.empty());
    CHECK(got.target.empty());
    CHECK(got.templates.empty());
    CHECK(got.components.empty());
}

} // namespace

TEST_CASE("metadata load_fields reads the four fields to_json writes first",
          "[function][metadata]") {
    const KernelMetadata m = sample();
    const std::string text = m.to_json();
    check_load(KernelMetadata::load_fields(text), m);
    const auto at = [&](const char* name) { return text.find("\"" + std::string(name) + "\":"); };
    CHECK(at("format") < at("key"));
    CHECK(at("key") < at("timings_ms"));
    CHECK(at("timings_ms") < at("plan"));
    for (const char* rest : {"function", "target", "templates", "components"}) {
        CAPTURE(rest);
        CHECK(at("plan") < at(rest));
    }
    // from_json still reads it all.
    CHECK(KernelMetadata::from_json(text).components == m.components);

    SECTION("the text after them is not read") {
        std::string cut = text.substr(0, at("function")) + "this is not JSON";
        check_load(KernelMetadata::load_fields(cut), m);
        CHECK_THROWS_AS(KernelMetadata::from_json(cut), MetadataError);
    }
    SECTION("in another order (as format 2 wrote them), all of the text is read") {
        OrderedJson j = OrderedJson::parse(text);
        OrderedJson reordered;
        for (const char* name : {"function", "components", "plan", "target", "timings_ms", "key",
                                 "templates", "format"})
            reordered[name] = j[name];
        check_load(KernelMetadata::load_fields(reordered.dump(2)), m);
    }
    SECTION("fields of nested objects are not the top-level ones") {
        OrderedJson j = OrderedJson::parse(text);
        j.erase("key");
        j["components"]["key"] = m.key;
        tj_test::expect_error<MetadataError>([&] { KernelMetadata::load_fields(j.dump()); },
                                             {"cache metadata", "no field \"key\""});
    }
}

TEST_CASE("metadata load_fields refuses what from_json refuses of its fields",
          "[function][metadata]") {
    const std::string text = sample().to_json();
    const OrderedJson good = OrderedJson::parse(text);
    std::vector<std::pair<std::string, std::string>> cases = {
        {"empty", ""},
        {"not JSON", "not json at all"},
        {"truncated before the plan", text.substr(0, text.find("\"plan\""))},
        {"an array", "[1, 2]"},
        {"a string", "\"key\""},
        {"not UTF-8", "{\"format\": 2, \"key\": \"\xff\"}"},
    };
    for (const char* name : {"format", "key", "timings_ms", "plan"}) {
        auto j = good;
        j.erase(name);
        cases.push_back({std::string("no ") + name, j.dump()});
        for (const OrderedJson& wrong :
             {OrderedJson(42), OrderedJson("42"), OrderedJson::array({1, 2}),
              OrderedJson::object({{"a", 1}}), OrderedJson(nullptr)}) {
            if (name == std::string("key") || name == std::string("plan"))
                if (wrong.is_string()) continue;
            j = good;
            j[name] = wrong;
            cases.push_back({std::string(name) + " = " + wrong.dump(), j.dump()});
        }
    }
    for (const OrderedJson& format :
         {OrderedJson(1), OrderedJson(3), OrderedJson(0), OrderedJson(2.0), OrderedJson(-1),
          OrderedJson(18446744073709551615ull)}) {
        auto j = good;
        j["format"] = format;
        cases.push_back({"format " + format.dump(), j.dump()});
    }
    for (const char* name : {"rewrite", "codegen", "frontend", "optimize", "object"}) {
        auto j = good;
        j["timings_ms"].erase(name);
        cases.push_back({std::string("no timing ") + name, j.dump()});
        j = good;
        j["timings_ms"][name] = "fast";
        cases.push_back({std::string("timing ") + name + " not a number", j.dump()});
        j = good;
        j["timings_ms"][name] = OrderedJson::array({1});
        cases.push_back({std::string("timing ") + name + " an array", j.dump()});
    }
    for (const auto& [what, bad] : cases) {
        CAPTURE(what, bad);
        tj_test::expect_error<MetadataError>([&] { KernelMetadata::load_fields(bad); },
                                             {"cache metadata"});
        // from_json refuses it too: load_fields is no more lenient on these fields.
        CHECK_THROWS_AS(KernelMetadata::from_json(bad), MetadataError);
    }
    // Timings may be any numbers; other members of timings_ms are ignored, as by from_json.
    auto j = good;
    j["timings_ms"]["rewrite"] = 3;
    j["timings_ms"]["extra"] = "x";
    const KernelMetadata loaded = KernelMetadata::load_fields(j.dump());
    CHECK(loaded.timings_ms.rewrite == 3);
    CHECK(KernelMetadata::from_json(j.dump()).timings_ms.rewrite == 3);
}

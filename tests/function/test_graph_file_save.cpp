// FunctionBase::save: a built function writes the document tj::save_function writes for the
// arguments it was built with, and the function loaded from it has the same cache key (a memory
// hit, no compile), outputs and updates.
#include "function/graph_file_test_util.hpp"
#include "support/tutorial_model.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;
using tj::Array;
using tj_test::read_text;
using namespace tj::literals;

namespace {

bool same(const Array& a, const Array& b) { return a.dtype() == b.dtype() && a.equals(b); }

bool same(const std::vector<Array>& a, const std::vector<Array>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
    return true;
}

const tj::SharedVar& named(const std::vector<tj::SharedVar>& sh, const std::string& name) {
    for (const auto& s : sh)
        if (s.name() == name) return s;
    FAIL("no shared variable " << name);
    return sh.front();
}

// Loads file as a MultiFunction and requires that its kernel came from the caches.
tj::MultiFunction load_without_compile(const fs::path& file, const tj::GraphLoadOptions& o = {}) {
    const tj::CompileStats before = tj::compile_stats();
    auto f = tj::load_multi_function(file, o);
    const tj::CompileStats after = tj::compile_stats();
    CHECK(after.clang_compiles == before.clang_compiles);
    CHECK(after.memory_hits + after.disk_hits == before.memory_hits + before.disk_hits + 1);
    return f;
}

} // namespace

TEST_CASE("graph file: f.save of several outputs, updates and a default", "[graph_file]") {
    tj_test::TempDir dir;
    auto x = tj::dvector("x");
    auto s = tj::dscalar("s");
    auto w = tj::shared(Array({1.0, 2.0, 3.0}), "w");
    auto steps = tj::shared(0, "steps");
    const std::vector<tj::In> ins = {x, tj::In(s, 0.5, "scale")};
    const std::vector<tj::Var> outs = {x * w + s, tj::sum(w * w)};
    const tj::FunctionOptions opts{.updates = {{w, w - s * x}, {steps, steps + 1}}, .name = "step"};
    auto f = tj::function(ins, outs, opts);
    f.save(dir.path() / "f.json");
    tj::save_function(dir.path() / "g.json", ins, outs, opts);
    const std::string text = read_text(dir.path() / "f.json");
    CHECK(text == read_text(dir.path() / "g.json"));
    const json doc = json::parse(text);
    CHECK(doc["name"] == "step");
    CHECK(doc["updates"].size() == 2);
    CHECK(doc["inputs"][1]["name"] == "scale");
    CHECK(doc["inputs"][1].contains("default"));

    std::vector<tj::SharedVar> sh;
    auto loaded = load_without_compile(dir.path() / "f.json", {.shared = &sh});
    CHECK(loaded.cache_key() == f.cache_key());
    CHECK(loaded.name() == "step");
    REQUIRE(sh.size() == 2);
    const tj::SharedVar &lw = named(sh, "w"), &lsteps = named(sh, "steps");
    for (int k = 0; k < 4; ++k) {
        INFO("call " << k);
        const Array xa = Array({0.5 * k, -1.0, 2.0 + k});
        // Odd calls pass the scale, even ones take the default.
        const auto r = k % 2 ? f(xa, 0.25 * k) : f(xa);
        const auto l = k % 2 ? loaded(xa, "scale"_a = 0.25 * k) : loaded(xa);
        CHECK(same(r, l));
        CHECK(same(w.get_value(), lw.get_value()));
        CHECK(same(steps.get_value(), lsteps.get_value()));
    }
    CHECK(lsteps.get_value().item_double() == 4);

    // The file options of save_function: values beside the document.
    f.save(dir.path() / "beside.json", {.values = tj::GraphFileOptions::Values::Beside});
    CHECK(same(tj::load_npy(dir.path() / "beside.json.shared0.npy"), w.get_value()));
}

TEST_CASE("graph file: f.save of the tutorial's logistic model", "[graph_file]") {
    tj_test::TempDir dir;
    tj::Generator rng(4242);
    const int N = 60, feats = 12;
    const Array X = rng.standard_normal({N, feats});
    const Array Y = rng.integers(0, 2, {N});
    const tj_test::LogisticModel m = tj_test::logistic_model(rng.standard_normal({feats}));
    const tj::FunctionOptions opts{.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}};
    const std::vector<tj::Var> outs = {m.prediction, m.xent, m.cost};
    auto train = tj::function({m.x, m.y}, outs, opts);
    auto predict = tj::function({m.x}, m.prediction);
    train.save(dir.path() / "train.json");
    predict.save(dir.path() / "predict.json");
    tj::save_function(dir.path() / "train2.json", {m.x, m.y}, outs, opts);
    tj::save_function(dir.path() / "predict2.json", {m.x}, {m.prediction});
    CHECK(read_text(dir.path() / "train.json") == read_text(dir.path() / "train2.json"));
    CHECK(read_text(dir.path() / "predict.json") == read_text(dir.path() / "predict2.json"));

    std::vector<tj::SharedVar> sh;
    auto ltrain = load_without_compile(dir.path() / "train.json", {.shared = &sh});
    REQUIRE(sh.size() == 2);
    const tj::Function lpredict = [&] {
        const tj::CompileStats before = tj::compile_stats();
        auto f = tj::load_function(dir.path() / "predict.json", {.bind = sh});
        CHECK(tj::compile_stats().clang_compiles == before.clang_compiles);
        return f;
    }();
    CHECK(ltrain.cache_key() == train.cache_key());
    CHECK(lpredict.cache_key() == predict.cache_key());
    for (int step = 0; step < 5; ++step) {
        INFO("step " << step);
        CHECK(same(train(X, Y), ltrain(X, Y)));
        CHECK(same(m.w.get_value(), named(sh, "w").get_value()));
        CHECK(same(m.b.get_value(), named(sh, "b").get_value()));
    }
    CHECK(same(predict(X), lpredict(X)));
}

TEST_CASE("graph file: f.save of random draws, copies and empty functions", "[graph_file]") {
    tj_test::TempDir dir;
    SECTION("a random stream's default updates") {
        tj::RandomStream srng(99);
        auto u = srng.normal(0.0, 1.0, {3});
        auto f = tj::function({}, u);
        f.save(dir.path() / "f.json");
        tj::save_function(dir.path() / "g.json", {}, {u});
        CHECK(read_text(dir.path() / "f.json") == read_text(dir.path() / "g.json"));
        auto loaded = load_without_compile(dir.path() / "f.json");
        for (int k = 0; k < 3; ++k) CHECK(same(f.call({}), loaded.call({})));
    }
    SECTION("copies: swapped shared variables, deleted updates") {
        auto state = tj::shared(0, "state");
        auto inc = tj::lscalar("inc");
        auto acc = tj::function({inc}, state, {.updates = {{state, state + inc}}});
        auto other = tj::shared(5, "other");
        acc.copy({.swap = {{state, other}}}).save(dir.path() / "swapped.json");
        std::vector<tj::SharedVar> sh;
        auto swapped = load_without_compile(dir.path() / "swapped.json", {.shared = &sh});
        REQUIRE(sh.size() == 1);
        CHECK(sh[0].name() == "other");
        CHECK(swapped(2)[0].item_double() == 5);
        CHECK(sh[0].get_value().item_double() == 7);

        // Without updates the document has none (another graph: it compiles once).
        acc.copy({.delete_updates = true}).save(dir.path() / "frozen.json");
        CHECK(json::parse(read_text(dir.path() / "frozen.json"))["updates"].empty());
        auto frozen = tj::load_function(dir.path() / "frozen.json", {.shared = &sh});
        CHECK(frozen(3).item_double() == 0);
        CHECK(frozen(3).item_double() == 0);
        CHECK(sh[0].get_value().item_double() == 0);
    }
    SECTION("errors name the file") {
        tj_test::expect_error<tj::ValueError>([&] { tj::Function().save(dir.path() / "e.json"); },
                                              {(dir.path() / "e.json").string(), "empty"});
        auto x = tj::dscalar("x");
        auto f = tj::function({x}, x + 1);
        const fs::path nowhere = dir.path() / "no" / "such" / "f.json";
        tj_test::expect_error<tj::ValueError>([&] { f.save(nowhere); },
                                              {nowhere.string(), "cannot open for writing"});
    }
}

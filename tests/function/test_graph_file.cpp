// Graph files (tj::save_function / tj::load_function): every TUTORIAL.md section saved, loaded
// and called gives the outputs and shared-variable updates of the function built in C++, with the
// same cache key (a cache warmed by either serves the other, across processes); bad files raise
// ValueError naming the file, the node and the problem; 2000 mutations of a valid file either
// load or raise ValueError.
#include "function/graph_file_test_util.hpp"
#include "support/test_util.hpp"
#include "support/tutorial_model.hpp"

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using nlohmann::json;
using tj::Array;
using namespace tj::literals;
using tj_test::find_node;
using tj_test::read_text;
using tj_test::write_text;

namespace {

bool same(const Array& a, const Array& b) { return a.dtype() == b.dtype() && a.equals(b); }

bool same(const std::vector<Array>& a, const std::vector<Array>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
    return true;
}

} // namespace

TEST_CASE("graph file: section 1, logistic function", "[graph_file]") {
    tj_test::TempDir dir;
    auto x = tj::dmatrix("x");
    auto out = 1 / (1 + tj::exp(-x));
    auto built = tj::function({x}, out);
    tj::save_function(dir.path() / "logistic.json", {x}, {out});
    auto loaded = tj::load_function(dir.path() / "logistic.json");
    CHECK(loaded.cache_key() == built.cache_key());
    Array in = {{0, 1}, {-1, -2}};
    CHECK(same(loaded(in), built(in)));
    auto doc = json::parse(read_text(dir.path() / "logistic.json"));
    CHECK(doc["format"] == "tensorjit-graph");
    CHECK(doc["version"] == 1);
    // Several outputs need load_multi_function.
    tj::save_function(dir.path() / "two.json", {x}, {out, out * 2});
    tj_test::expect_error<tj::ValueError>(
        [&] { tj::load_function(dir.path() / "two.json"); },
        {(dir.path() / "two.json").string(), "2 outputs", "load_multi_function"});
}

TEST_CASE("graph file: section 2, several outputs", "[graph_file]") {
    tj_test::TempDir dir;
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    std::vector<tj::Var> outs = {diff, tj::abs(diff), tj::pow(diff, 2)};
    auto built = tj::function({a, b}, outs);
    tj::save_function(dir.path() / "f.json", {a, b}, outs);
    auto loaded = tj::load_multi_function(dir.path() / "f.json");
    CHECK(loaded.cache_key() == built.cache_key());
    Array p = {{1, 1}, {1, 1}}, q = {{0, 1}, {2, 3}};
    CHECK(same(loaded(p, q), built(p, q)));
}

TEST_CASE("graph file: section 3, default values and keyword arguments", "[graph_file]") {
    tj_test::TempDir dir;
    auto [x, y, w] = tj::dscalars("x", "y", "w");
    std::vector<tj::In> ins = {x, tj::In(y, 1), tj::In(w, 2, "w_by_name")};
    auto built = tj::function(ins, (x + y) * w);
    tj::save_function(dir.path() / "g.json", ins, {(x + y) * w});
    auto g = tj::load_function(dir.path() / "g.json");
    CHECK(g.cache_key() == built.cache_key());
    CHECK(same(g(33), built(33)));
    CHECK(g(33).item_double() == 68);
    CHECK(g(33, 2).item_double() == 70);
    CHECK(g(33, 0, 1).item_double() == 33);
    CHECK(g(33, "w_by_name"_a = 1).item_double() == 34);
    CHECK(g(33, "w_by_name"_a = 1, "y"_a = 0).item_double() == 33);
}

TEST_CASE("graph file: section 4, shared variables, updates, givens", "[graph_file]") {
    tj_test::TempDir dir;
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    tj::FunctionOptions acc_opts{.updates = {{state, state + inc}}};
    auto accumulator = tj::function({inc}, state, acc_opts);
    tj::save_function(dir.path() / "acc.json", {inc}, {state}, acc_opts);
    std::vector<tj::SharedVar> loaded_shared;
    auto loaded = tj::load_function(dir.path() / "acc.json", {.shared = &loaded_shared});
    REQUIRE(loaded_shared.size() == 1);
    CHECK(loaded.cache_key() == accumulator.cache_key());
    for (int v : {1, 300, -7, 3}) {
        CHECK(same(loaded(v), accumulator(v)));
        CHECK(same(loaded_shared[0].get_value(), state.get_value()));
    }
    // The loaded function has its own variable: the C++ one is not touched by it.
    const Array before = state.get_value();
    loaded(5);
    CHECK(same(state.get_value(), before));

    // Givens are applied before saving: the file has no `state` at all.
    auto foo = tj::scalar("foo", state.dtype());
    tj::FunctionOptions skip_opts{.givens = {{state, foo}}};
    auto skip_shared = tj::function({inc, foo}, state * 2 + inc, skip_opts);
    tj::save_function(dir.path() / "skip.json", {inc, foo}, {state * 2 + inc}, skip_opts);
    auto skip_loaded = tj::load_function(dir.path() / "skip.json", {.shared = &loaded_shared});
    CHECK(loaded_shared.empty());
    CHECK(skip_loaded.cache_key() == skip_shared.cache_key());
    CHECK(same(skip_loaded(1, 3), skip_shared(1, 3)));
    CHECK(skip_loaded(1, 3).item_double() == 7);
}

TEST_CASE("graph file: bound shared variables are shared by loaded functions", "[graph_file]") {
    tj_test::TempDir dir;
    auto state = tj::shared(0, "state");
    auto inc = tj::iscalar("inc");
    tj::save_function(dir.path() / "acc.json", {inc}, {state}, {.updates = {{state, state + inc}}},
                      {.values = tj::GraphFileOptions::Values::None});
    tj::save_function(dir.path() / "dec.json", {inc}, {state}, {.updates = {{state, state - inc}}});
    tj_test::expect_error<tj::ValueError>(
        [&] { tj::load_function(dir.path() / "acc.json"); },
        {(dir.path() / "acc.json").string(), "shared variable 0", "\"state\"", "no value"});
    auto mine = tj::shared(10, "state");
    auto acc = tj::load_function(dir.path() / "acc.json", {.bind = {mine}});
    auto dec = tj::load_function(dir.path() / "dec.json", {.bind = {mine}});
    CHECK(acc(5).item_double() == 10);
    CHECK(dec(2).item_double() == 15);
    CHECK(mine.get_value().item_double() == 13);
    auto wrong = tj::shared(1.5, "state");
    tj_test::expect_error<tj::ValueError>(
        [&] { tj::load_function(dir.path() / "acc.json", {.bind = {wrong}}); },
        {"shared variable 0", "int64", "float64"});
}

TEST_CASE("graph file: shared values beside the file as .npy", "[graph_file]") {
    tj_test::TempDir dir;
    auto w = tj::shared(Array({1.5, -2.0, 3.25}), "w");
    auto x = tj::dvector("x");
    tj::save_function(dir.path() / "f.json", {x}, {x * w}, {},
                      {.values = tj::GraphFileOptions::Values::Beside});
    CHECK(fs::exists(dir.path() / "f.json.shared0.npy"));
    CHECK(tj::load_npy(dir.path() / "f.json.shared0.npy").equals(w.get_value()));
    auto f = tj::load_function(dir.path() / "f.json");
    CHECK(same(f(Array({1.0, 1.0, 2.0})), Array({1.5, -2.0, 6.5})));
}

TEST_CASE("graph file: section 5, copies of a loaded function share its kernel", "[graph_file]") {
    tj_test::TempDir dir;
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    tj::save_function(dir.path() / "acc.json", {inc}, {state}, {.updates = {{state, state + inc}}});
    std::vector<tj::SharedVar> sh;
    auto accumulator = tj::load_function(dir.path() / "acc.json", {.shared = &sh});
    CHECK(accumulator(10).item_double() == 0);
    const auto compiles = tj::compile_stats().clang_compiles;
    auto new_state = tj::shared(0);
    auto new_accumulator = accumulator.copy({.swap = {{sh[0], new_state}}});
    CHECK(new_accumulator(100).item_double() == 0);
    CHECK(new_state.get_value().item_double() == 100);
    CHECK(sh[0].get_value().item_double() == 10);
    auto null_accumulator = accumulator.copy({.delete_updates = true});
    CHECK(null_accumulator(9000).item_double() == 10);
    CHECK(sh[0].get_value().item_double() == 10);
    CHECK(tj::compile_stats().clang_compiles == compiles);
}

TEST_CASE("graph file: section 6, random streams draw and advance as in C++", "[graph_file]") {
    tj_test::TempDir dir;
    {
        tj::RandomStream srng(234);
        auto rv_u = srng.uniform(0, 1, {2, 2});
        auto f = tj::function({}, rv_u);
        tj::save_function(dir.path() / "f.json", {}, {rv_u});
        std::vector<tj::SharedVar> sh;
        auto lf = tj::load_function(dir.path() / "f.json", {.shared = &sh});
        REQUIRE(sh.size() == 1);
        CHECK(lf.cache_key() == f.cache_key());
        const Array f0 = f(), l0 = lf(), f1 = f(), l1 = lf();
        CHECK(same(f0, l0));
        CHECK(same(f1, l1));
        CHECK(!same(l0, l1)); // the state advanced
        CHECK(same(sh[0].get_value(), srng.state_updates()[0].first.get_value()));
        // Reseeding in C++ and copying the state over: the same numbers again.
        srng.seed(902340);
        sh[0].set_value(srng.state_updates()[0].first.get_value());
        CHECK(same(f(), lf()));
    }
    {
        tj::RandomStream srng(234);
        auto rv_u = srng.uniform(0, 1, {2, 2});
        auto rv_n = srng.normal(0, 1, {2, 2});
        tj::FunctionOptions opts{.no_default_updates = true};
        auto g = tj::function({}, rv_n, opts);
        tj::save_function(dir.path() / "g.json", {}, {rv_n}, opts);
        auto lg = tj::load_function(dir.path() / "g.json");
        CHECK(lg.cache_key() == g.cache_key());
        const Array g0 = g(), l0 = lg(), l1 = lg();
        CHECK(same(g0, l0));
        CHECK(same(l0, l1)); // no default update

        auto nz = rv_u + rv_u - 2 * rv_u;
        auto nearly_zeros = tj::function({}, nz);
        tj::save_function(dir.path() / "nz.json", {}, {nz});
        auto lnz = tj::load_function(dir.path() / "nz.json");
        CHECK(lnz.cache_key() == nearly_zeros.cache_key());
        const Array a = nearly_zeros(), b = lnz();
        CHECK(same(a, b));
        for (int i = 0; i < 4; ++i) CHECK(std::abs(b.flat(i)) < 1e-15);
    }
}

TEST_CASE("graph file: section 7, ten training steps give the same w, b and costs",
          "[graph_file]") {
    tj_test::TempDir dir;
    tj::Generator rng(2882);
    const int N = 400, feats = 784;
    Array X = rng.standard_normal({N, feats});
    Array Y = rng.integers(0, 2, {N});
    const tj_test::LogisticModel m = tj_test::logistic_model(rng.standard_normal({feats}));
    const auto &x = m.x, &y = m.y, &prediction = m.prediction, &xent = m.xent, &cost = m.cost;
    const auto &gw = m.gw, &gb = m.gb;
    const tj::SharedVar &w = m.w, &b = m.b;
    tj::FunctionOptions opts{.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}, .rewrites = true};
    std::vector<tj::Var> outs = {prediction, xent, cost};
    auto train = tj::function({x, y}, outs, opts);
    auto predict = tj::function({x}, prediction);
    tj::save_function(dir.path() / "train.json", {x, y}, outs, opts);
    tj::save_function(dir.path() / "predict.json", {x}, {prediction});

    // The loaded pair shares its own w and b (bound by name) as the C++ pair shares w and b.
    std::vector<tj::SharedVar> sh;
    auto ltrain = tj::load_multi_function(dir.path() / "train.json", {.shared = &sh});
    REQUIRE(sh.size() == 2);
    auto lpredict = tj::load_function(dir.path() / "predict.json", {.bind = sh});
    CHECK(ltrain.cache_key() == train.cache_key());
    CHECK(lpredict.cache_key() == predict.cache_key());
    const tj::SharedVar& lw = sh[0].name() == "w" ? sh[0] : sh[1];
    const tj::SharedVar& lb = sh[0].name() == "w" ? sh[1] : sh[0];
    for (int step = 0; step < 10; ++step) {
        INFO("step " << step);
        auto r = train(X, Y);
        auto l = ltrain(X, Y);
        CHECK(same(r, l));
        CHECK(same(w.get_value(), lw.get_value()));
        CHECK(same(b.get_value(), lb.get_value()));
    }
    CHECK(same(predict(X), lpredict(X)));
}

TEST_CASE("graph file: a loaded graph gets disk hits in another process", "[graph_file]") {
    tj_test::TempDir dir;
    auto x = tj::dvector("x");
    // A constant of its own: this graph is in no cache before this test.
    const double c = static_cast<double>(std::random_device{}()) + 0.5;
    auto out = tj::exp(x) * c;
    auto built = tj::function({x}, out);
    const fs::path file = dir.path() / "probe.json";
    tj::save_function(file, {x}, {out});
    auto probe = [&](const std::string& env) {
        std::string text;
        const int status = tj_test::run_command(env + " '" + std::string(TJ_BINARY_DIR) +
                                                    "/tests/tj_tool_graph_file_probe' '" +
                                                    file.string() + "' 2>&1",
                                                &text);
        INFO(text);
        REQUIRE(status == 0);
        return json::parse(text);
    };
    // The application warmed the cache: the file's graph is a disk hit.
    auto warm = probe("");
    CHECK(warm["key"] == built.cache_key());
    CHECK(warm["disk_hits"] == 1);
    CHECK(warm["clang_compiles"] == 0);
    // A cache warmed from the file serves the next process.
    const std::string env = "TJ_CACHE_DIR='" + (dir.path() / "cache").string() + "'";
    auto first = probe(env);
    CHECK(first["clang_compiles"] == 1);
    auto second = probe(env);
    CHECK(second["clang_compiles"] == 0);
    CHECK(second["disk_hits"] == 1);
    CHECK(second["key"] == built.cache_key());
}

// ---- bad files
// -----------------------------------------------------------------------------------

namespace {

// A small valid graph with an input default, a shared variable, a constant, a reduction and an
// update; returns its document.
json sample(const fs::path& file) {
    auto x = tj::dmatrix("x");
    auto y = tj::dscalar("y");
    auto w = tj::shared(Array({0.5, 1.5}), "w");
    auto out = tj::sum(tj::exp(x) * w + y, {1}) + tj::constant(Array({2.0, 3.0}), "k");
    tj::save_function(file, {x, tj::In(y, 1.0)}, {out}, {.updates = {{w, w * 2}}});
    return json::parse(read_text(file));
}

} // namespace

TEST_CASE("graph file: bad files raise ValueError naming the file, the node and the problem",
          "[graph_file]") {
    tj_test::TempDir dir;
    const fs::path good = dir.path() / "good.json", bad = dir.path() / "bad.json";
    const json doc = sample(good);
    const std::string text = read_text(good);
    REQUIRE_NOTHROW(tj::load_function(good)(Array({{0.0, 1.0}, {2.0, 3.0}})));

    SECTION("missing file") {
        tj_test::expect_error<tj::ValueError>(
            [&] { tj::load_function(dir.path() / "none.json"); },
            {(dir.path() / "none.json").string(), "no such regular file"});
    }
    SECTION("truncated") {
        tj_test::expect_bad_file(bad, text.substr(0, text.size() / 2),
                                 {"not a valid JSON document", "parse"});
        tj_test::expect_bad_file(bad, "", {"not a valid JSON document"});
    }
    SECTION("not a graph file") {
        tj_test::expect_bad_file(bad, "[1, 2]", {"not a graph file"});
        json d = doc;
        d["format"] = "onnx";
        tj_test::expect_bad_file(bad, d.dump(), {"not a graph file"});
    }
    SECTION("wrong version") {
        json d = doc;
        d["version"] = 2;
        tj_test::expect_bad_file(bad, d.dump(), {"format version 2 is not supported", "version 1"});
        d.erase("version");
        tj_test::expect_bad_file(bad, d.dump(), {"\"version\" is missing"});
    }
    SECTION("unknown op") {
        json d = doc;
        const auto i = find_node(d, "exp");
        d["nodes"][i]["op"] = "system";
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i), "unknown op \"system\""});
    }
    SECTION("wrong arity") {
        json d = doc;
        const auto i = find_node(d, "exp");
        d["nodes"][i]["inputs"].push_back(0);
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i) + " (exp)", "takes 1 inputs"});
    }
    SECTION("attributes the op rejects") {
        json d = doc;
        const auto i = find_node(d, "sum");
        d["nodes"][i]["attrs"]["ints"] = {0, 1, 1000};
        tj_test::expect_bad_file(
            bad, d.dump(),
            {"node " + std::to_string(i) + " (sum)", "invalid attributes", "axis 1000"});
        d["nodes"][i]["attrs"]["ints"] = json::array();
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i) + " (sum)", "invalid attributes"});
        // A transpose whose permutation indexes past the input's rank.
        auto x = tj::dmatrix("x");
        tj::save_function(good, {x}, {tj::transpose(x) * 2});
        json t = json::parse(read_text(good));
        const auto k = find_node(t, "transpose");
        t["nodes"][k]["attrs"]["ints"] = {1, 1000000};
        tj_test::expect_bad_file(
            bad, t.dump(),
            {"node " + std::to_string(k) + " (transpose)", "axis 1000000 is out of bounds"});
        t["nodes"][k]["attrs"]["ints"] = {0, 0};
        tj_test::expect_bad_file(bad, t.dump(),
                                 {"node " + std::to_string(k) + " (transpose)", "repeated"});
    }
    SECTION("type-inconsistent") {
        json d = doc;
        const auto i = find_node(d, "exp");
        d["nodes"][i]["type"]["dtype"] = "float32";
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i) + " (exp)", "declares type float32",
                                  "type rule gives float64"});
        d = doc;
        d["nodes"][i]["type"]["shape"] = {3, nullptr};
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i) + " (exp)", "declares type"});
        // An input of another dtype without its cast.
        d = doc;
        const auto m = find_node(d, "mul");
        const auto c = find_node(d, "constant");
        d["nodes"][m]["inputs"][1] = c;
        tj_test::expect_bad_file(bad, d.dump(), {"node " + std::to_string(m) + " (mul)"});
    }
    SECTION("cycles and forward references") {
        json d = doc;
        const auto i = find_node(d, "exp");
        d["nodes"][i]["inputs"][0] = i;
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i) + " (exp)", "not before it"});
        d["nodes"][i]["inputs"][0] = i + 1;
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(i) + " (exp)", "not before it"});
    }
    SECTION("duplicated and misordered ids") {
        json d = doc;
        d["nodes"][2]["id"] = 1;
        tj_test::expect_bad_file(bad, d.dump(), {"node 2", "has id 1"});
        d = doc;
        d["nodes"].push_back(d["nodes"][1]);
        tj_test::expect_bad_file(bad, d.dump(), {"has id 1"});
    }
    SECTION("huge sizes") {
        json d = doc;
        d["nodes"][0]["type"]["shape"] = {std::int64_t{1} << 50, 2};
        tj_test::expect_bad_file(bad, d.dump(), {"node 0 (input)", "negative or huge"});
        d["nodes"][0]["type"]["shape"] = {-5, 2};
        tj_test::expect_bad_file(bad, d.dump(), {"node 0 (input)", "negative or huge"});
        d["nodes"][0]["type"]["shape"] = {std::int64_t{1} << 40, std::int64_t{1} << 40};
        tj_test::expect_bad_file(bad, d.dump(), {"node 0 (input)", "elements"});
        d["nodes"][0]["type"]["shape"] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        tj_test::expect_bad_file(bad, d.dump(), {"node 0 (input)", "limit"});
        d = doc;
        d["version"] = 18446744073709551615ULL;
        tj_test::expect_bad_file(bad, d.dump(), {"version", "out of range"});
        // Size is checked before reading: a sparse 3 GiB file is refused at once.
        write_text(bad, text);
        fs::resize_file(bad, std::uintmax_t{3} << 30);
        tj_test::expect_error<tj::ValueError>([&] { tj::load_function(bad); },
                                              {bad.string(), "bytes, more than the limit"});
        fs::remove(bad);
        // Deep nesting.
        tj_test::expect_bad_file(bad, std::string(100000, '[') + std::string(100000, ']'),
                                 {"nested"});
    }
    SECTION("non-UTF-8") {
        json d = doc;
        std::string t = d.dump();
        const auto pos = t.find("\"w\"");
        REQUIRE(pos != std::string::npos);
        t[pos + 1] = static_cast<char>(0xff);
        tj_test::expect_bad_file(bad, t, {"not a valid JSON document", "UTF-8"});
    }
    SECTION("bad values") {
        json d = doc;
        const auto c = find_node(d, "constant");
        d["nodes"][c]["value"] = "not base64!";
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(c) + " (constant)", "base64"});
        d["nodes"][c]["value"] = "AAAA";
        tj_test::expect_bad_file(bad, d.dump(),
                                 {"node " + std::to_string(c) + " (constant)", ".npy"});
        d = doc;
        d["shared"][0].erase("value");
        d["shared"][0]["value_file"] = "../../etc/passwd";
        tj_test::expect_bad_file(bad, d.dump(), {"shared variable 0", "not a plain file name"});
        d = doc;
        d["inputs"][1]["default"] = d["nodes"][c]["value"]; // shape (2,) for a scalar
        tj_test::expect_bad_file(bad, d.dump(), {"input 1", "default value", "does not fit"});
    }
    SECTION("bad roots") {
        json d = doc;
        d["outputs"][0] = 0;
        tj_test::expect_bad_file(bad, d.dump(), {"outputs", "node 0 is a leaf"});
        d = doc;
        d["updates"].push_back(d["updates"][0]);
        tj_test::expect_bad_file(bad, d.dump(), {"update 1", "updated twice"});
        d = doc;
        d["updates"][0]["value"] = find_node(d, "exp");
        tj_test::expect_bad_file(bad, d.dump(), {"update 0", "does not fit shared variable 0"});
        d = doc;
        d["inputs"].erase(1);
        tj_test::expect_bad_file(bad, d.dump(), {"(input)", "not among the function's inputs"});
    }
}

TEST_CASE("graph file: 2000 mutations of a valid file load or raise ValueError", "[graph_file]") {
    tj_test::TempDir dir;
    const fs::path good = dir.path() / "good.json", bad = dir.path() / "bad.json";
    const json doc = sample(good);
    const std::string text = read_text(good);
    const json flat = doc.flatten();
    std::vector<std::string> pointers;
    for (auto it = flat.begin(); it != flat.end(); ++it) pointers.push_back(it.key());
    std::mt19937_64 rng(20261207);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const json replacements[] = {json(-1),
                                 json(std::int64_t{1} << 62),
                                 json(18446744073709551615ULL),
                                 json(1e308),
                                 json(0),
                                 json(7),
                                 json("float64"),
                                 json(nullptr),
                                 json::array(),
                                 json::object(),
                                 json(true)};
    int loaded = 0, rejected = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string t;
        switch (round % 5) {
        case 0: // truncation
            t = text.substr(0, pick(text.size()));
            break;
        case 1: { // byte flips
            t = text;
            for (int k = 0, n = 1 + static_cast<int>(pick(3)); k < n; ++k)
                t[pick(t.size())] ^= static_cast<char>(1 << pick(8));
            break;
        }
        case 2: { // a deleted key or array element
            json d = doc;
            const json::json_pointer ptr(pointers[pick(pointers.size())]);
            json& parent = d[ptr.parent_pointer()];
            if (parent.is_object())
                parent.erase(ptr.back());
            else
                parent.erase(static_cast<std::size_t>(std::stoul(ptr.back())));
            t = d.dump(1);
            break;
        }
        case 3: { // a duplicated key (the later one wins in nlohmann)
            t = text;
            std::vector<std::size_t> braces;
            for (std::size_t i = 0; i < t.size(); ++i)
                if (t[i] == '{') braces.push_back(i);
            static const char* dup[] = {"\"id\": 0, ",      "\"op\": \"add\", ", "\"version\": 1, ",
                                        "\"inputs\": [], ", "\"shared\": 0, ",   "\"node\": 1, "};
            t.insert(braces[pick(braces.size())] + 1, dup[pick(6)]);
            break;
        }
        default: { // a value replaced by a huge, negative or ill-typed one
            json d = doc;
            d[json::json_pointer(pointers[pick(pointers.size())])] =
                replacements[pick(std::size(replacements))];
            t = d.dump(1);
            break;
        }
        }
        write_text(bad, t);
        try {
            tj::load_multi_function(bad);
            ++loaded;
        } catch (const tj::ValueError& e) {
            ++rejected;
            if (std::string(e.what()).rfind(bad.string(), 0) != 0)
                FAIL("round " << round << ": message does not start with the file: " << e.what());
        } catch (const std::exception& e) {
            FAIL("round " << round << ": " << typeid(e).name() << ": " << e.what() << "\n" << t);
        }
    }
    INFO("loaded " << loaded << ", rejected " << rejected);
    CHECK(rejected > 1000);
    CHECK(loaded > 0); // some mutations keep the file valid (names, values)
}

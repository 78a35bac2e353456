// Graph files with scans: functions with loops (an RNN, Fibonacci taps, until, go_backwards and
// sequence taps, a random stream and a shared variable inside the step, nested scans, gradients
// through time) saved, loaded and called give the outputs and updates of the function built in
// C++ with the same cache key (the load is a memory hit); each body is written once; files whose
// bodies or Scan nodes are wrong (taps, counts, body references and cycles, nesting too deep,
// the Scan node's inputs and attributes, names that would end a comment of the kernel) raise
// ValueError naming the file, the body or node, and the problem.
#include "function/graph_file_test_util.hpp"
#include "support/test_util.hpp"

#include "compiler/function/graph_file_format.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;
using tj::Array;
using tj::DType;
using tj::Var;
using tj_test::read_text;
using tj_test::write_text;

namespace {

bool same(const std::vector<Array>& a, const std::vector<Array>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].dtype() != b[i].dtype() || !a[i].equals(b[i])) return false;
    return true;
}

// A function built in C++ and the one loaded from its graph file.
struct RoundTrip {
    tj::MultiFunction built, loaded;
    std::vector<tj::SharedVar> loaded_shared; // the loaded function's own variables
    json doc;
};

// Saves the function of (ins, outs, options) to dir/name, loads it, and requires the same cache
// key (the load finds the built function's kernel in memory: no compile) and that f.save writes
// the same document.
RoundTrip round_trip(const tj_test::TempDir& dir, const std::string& name,
                     const std::vector<tj::In>& ins, const std::vector<Var>& outs,
                     const tj::FunctionOptions& options = {}) {
    const fs::path file = dir.path() / name;
    RoundTrip r{tj::function(ins, outs, options), {}, {}, {}};
    tj::save_function(file, ins, outs, options);
    const fs::path again = dir.path() / ("again_" + name);
    r.built.save(again);
    CHECK(read_text(again) == read_text(file));
    const tj::CompileStats before = tj::compile_stats();
    r.loaded = tj::load_multi_function(file, {.shared = &r.loaded_shared});
    CHECK(tj::compile_stats().clang_compiles == before.clang_compiles);
    CHECK(r.loaded.cache_key() == r.built.cache_key());
    r.doc = json::parse(read_text(file));
    REQUIRE(r.doc.contains("bodies"));
    CHECK(r.doc["version"] == 1);
    return r;
}

// The Scan nodes of a node list.
std::vector<json> scans_of(const json& nodes) {
    std::vector<json> out;
    for (const auto& n : nodes)
        if (n["op"] == "scan") out.push_back(n);
    return out;
}

// The id of the first node with op `op` in a node list (a body's or the function's).
std::size_t find_in(const json& nodes, const std::string& op) {
    for (std::size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i]["op"] == op) return i;
    FAIL("no node " << op);
    return 0;
}

// A tanh RNN over the rows of xs with a non-sequence W and a captured outer value (bias).
struct Rnn {
    Var xs = tj::matrix("xs"), h0 = tj::vector("h0"), W = tj::matrix("W"),
        bias = tj::vector("bias");
    tj::ScanResult r;
    Rnn() {
        r = tj::scan(
            [&](Var x_t, Var h, Var w) { return tj::tanh(tj::dot(w, h) + x_t + bias); },
            {.sequences = {xs}, .outputs_info = {h0}, .non_sequences = {W}, .name = "rnn"});
    }
};

// Nested loops: result d + v where each level runs two steps of the level below (2^depth + v).
Var nest(int depth, const Var& v) {
    if (depth == 0) return v + 1.0;
    auto r = tj::scan([depth](Var s) { return nest(depth - 1, s); },
                      {.outputs_info = {v}, .n_steps = 2});
    return r.output()(-1);
}

} // namespace

TEST_CASE("graph file scan: an RNN with a sequence, a non-sequence and a captured value",
          "[graph_file][scan]") {
    tj_test::TempDir dir;
    Rnn m;
    auto rt =
        round_trip(dir, "rnn.json", {m.xs, m.h0, m.W, m.bias}, {m.r.output(), m.r.output()(-1)});
    REQUIRE(rt.doc["bodies"].size() == 1);
    const json& body = rt.doc["bodies"][0];
    CHECK(body["name"] == "rnn");
    CHECK(body["seq_taps"] == json::parse("[[0]]"));
    CHECK(body["state_taps"] == json::parse("[[-1]]"));
    CHECK(body["n_nonseq"] == 2); // W, then the captured bias
    CHECK(body["inputs"].size() == 4);
    std::mt19937_64 rng(3);
    for (int t : {5, 1, 0}) {
        INFO("steps " << t);
        const Array xs = tj_test::random_array(rng, DType::Float64, {t, 4});
        const Array h0 = tj_test::random_array(rng, DType::Float64, {4});
        const Array W = tj_test::random_array(rng, DType::Float64, {4, 4});
        const Array bias = tj_test::random_array(rng, DType::Float64, {4});
        if (t == 0) {
            // No step, no last value: the same error from both.
            CHECK_THROWS_AS(rt.built(xs, h0, W, bias), tj::ValueError);
            CHECK_THROWS_AS(rt.loaded(xs, h0, W, bias), tj::ValueError);
            continue;
        }
        const auto a = rt.built(xs, h0, W, bias), b = rt.loaded(xs, h0, W, bias);
        CHECK(a[0].shape() == tj::Dims{t, 4});
        CHECK(same(a, b));
    }
}

TEST_CASE("graph file scan: Fibonacci taps, until loops, go_backwards with sequence taps",
          "[graph_file][scan]") {
    tj_test::TempDir dir;
    SECTION("Fibonacci with taps {-2, -1} and an int32 n_steps") {
        Var init = tj::vector("init");
        Var n = tj::scalar("n", DType::Int32);
        auto r = tj::scan([](Var a2, Var a1) { return a2 + a1; },
                          {.outputs_info = {{init, {-2, -1}}}, .n_steps = n});
        auto rt = round_trip(dir, "fib.json", {init, n}, {r.output()});
        CHECK(rt.doc["bodies"][0]["state_taps"] == json::parse("[[-2, -1]]"));
        const auto a = rt.loaded(Array({0.0, 1.0}), 10);
        CHECK(same(a, rt.built(Array({0.0, 1.0}), 10)));
        CHECK(a[0].flat(9) == 89);
        CHECK(same(rt.loaded(Array({2.0, 3.0, 5.0}), 4), rt.built(Array({2.0, 3.0, 5.0}), 4)));
    }
    SECTION("until, with a bound and without") {
        Var start = tj::scalar("start");
        auto bounded = tj::scan(
            [](Var prev) {
                Var next = prev * 2;
                return tj::ScanStep({next}, tj::until(next > 40));
            },
            {.outputs_info = {start}, .n_steps = 1024});
        auto open = tj::scan(
            [](Var prev) {
                Var next = prev + 1;
                return tj::ScanStep({next}, tj::until(next >= 100));
            },
            {.outputs_info = {start}});
        auto rt = round_trip(dir, "until.json", {start}, {bounded.output(), open.output()});
        REQUIRE(rt.doc["bodies"].size() == 2);
        for (const auto& b : rt.doc["bodies"]) {
            CHECK(b["has_until"] == true);
            CHECK(b["outputs"].size() == 2); // the state, the condition
        }
        for (double s : {1.0, 3.0, 50.0}) {
            const auto a = rt.loaded(s);
            CHECK(same(a, rt.built(s)));
            CHECK(a[1].shape() == tj::Dims{std::max<std::int64_t>(1, 100 - static_cast<int>(s))});
        }
        CHECK(rt.loaded(1.0)[0].shape() == tj::Dims{6});
    }
    SECTION("go_backwards, sequence taps {-1, 1}, a map result and a non-sequence") {
        Var x = tj::vector("x");
        Var init = tj::vector("init");
        Var c = tj::scalar("c");
        auto r = tj::scan(
            [](Var prev, Var next, Var a2, Var a1, Var cc) {
                Var y = tj::sin(a2) * cc + a1 * (next - prev);
                return std::vector<Var>{y, y * y};
            },
            {.sequences = {{x, {-1, 1}}},
             .outputs_info = {{init, {-2, -1}}, tj::none},
             .non_sequences = {c},
             .go_backwards = true});
        auto rt = round_trip(dir, "backwards.json", {x, init, c}, {r[0], r[1]});
        const json& body = rt.doc["bodies"][0];
        CHECK(body["go_backwards"] == true);
        CHECK(body["seq_taps"] == json::parse("[[-1, 1]]"));
        CHECK(body["state_taps"] == json::parse("[[-2, -1], []]"));
        // Two results of one loop: two Scan nodes naming the one body.
        const auto scans = scans_of(rt.doc["nodes"]);
        REQUIRE(scans.size() == 2);
        for (const auto& s : scans) CHECK(s["attrs"]["body"] == 0);
        std::mt19937_64 rng(5);
        const Array xv = tj_test::random_array(rng, DType::Float64, {7});
        const Array iv = tj_test::random_array(rng, DType::Float64, {2});
        CHECK(same(rt.loaded(xv, iv, 0.5), rt.built(xv, iv, 0.5)));
        CHECK(rt.loaded(xv, iv, 0.5)[0].shape() == tj::Dims{5});
    }
}

TEST_CASE("graph file scan: a random stream and a shared variable inside the step",
          "[graph_file][scan][random]") {
    tj_test::TempDir dir;
    SECTION("a random walk: the stream advances by every step's draw") {
        tj::RandomStream srng(42);
        Var x0 = tj::scalar("x0");
        auto r = tj::scan([&](Var x) { return x + srng.normal(0.0, 1.0); },
                          {.outputs_info = {x0}, .n_steps = 5});
        REQUIRE(r.updates.size() == 1);
        auto rt = round_trip(dir, "walk.json", {x0}, {r.output()}, {.updates = r.updates});
        // The walk and the generator's update are two Scan nodes of one body.
        REQUIRE(rt.doc["bodies"].size() == 1);
        CHECK(scans_of(rt.doc["nodes"]).size() == 2);
        CHECK(rt.doc["bodies"][0]["n_visible"] == 1);
        CHECK(rt.doc["bodies"][0]["state_taps"].size() == 2); // the walk, the generator
        REQUIRE(rt.loaded_shared.size() == 1);
        const auto a1 = rt.built(0.0), b1 = rt.loaded(0.0);
        const auto a2 = rt.built(0.0), b2 = rt.loaded(0.0);
        CHECK(same(a1, b1));
        CHECK(same(a2, b2));
        CHECK(!same(b1, b2)); // the loaded stream advanced
        CHECK(same({rt.loaded_shared[0].get_value()}, {srng.state_updates()[0].first.get_value()}));
    }
    SECTION("a shared variable updated by the step") {
        tj::SharedVar count = tj::shared(Array(0.0), "count");
        Var x = tj::vector("x");
        auto r = tj::scan(
            [&](Var x_t) {
                return tj::ScanStep({x_t + count}, {{count, count + 1.0}});
            },
            {.sequences = {x}, .outputs_info = {tj::none}});
        auto rt = round_trip(dir, "count.json", {x}, {r.output()}, {.updates = r.updates});
        REQUIRE(rt.loaded_shared.size() == 1);
        for (const Array& v : {Array({10.0, 20.0, 30.0}), Array({1.0})}) {
            CHECK(same(rt.loaded(v), rt.built(v)));
            CHECK(rt.loaded_shared[0].get_value().item_double() == count.get_value().item_double());
        }
        CHECK(count.get_value().item_double() == 4);
    }
}

TEST_CASE("graph file scan: nested scans, inner bodies first", "[graph_file][scan]") {
    tj_test::TempDir dir;
    SECTION("row sums by an inner scan") {
        Var m = tj::matrix("m");
        auto outer = tj::scan(
            [](Var row) {
                auto inner = tj::scan([](Var v, Var acc) { return acc + v; },
                                      {.sequences = {row}, .outputs_info = {Var(0.0)}});
                return inner.output()(-1);
            },
            {.sequences = {m}, .outputs_info = {tj::none}});
        auto rt = round_trip(dir, "nested.json", {m}, {outer.output()});
        REQUIRE(rt.doc["bodies"].size() == 2);
        // The outer body (1) runs a scan of the inner one (0); the function's scan names 1.
        CHECK(scans_of(rt.doc["bodies"][0]["nodes"]).empty());
        const auto inner_scans = scans_of(rt.doc["bodies"][1]["nodes"]);
        REQUIRE(inner_scans.size() == 1);
        CHECK(inner_scans[0]["attrs"]["body"] == 0);
        CHECK(scans_of(rt.doc["nodes"])[0]["attrs"]["body"] == 1);
        const Array v = Array(std::vector<double>{1, 2, 3, 4, 5, 6}).reshape({2, 3});
        const auto a = rt.loaded(v);
        CHECK(same(a, rt.built(v)));
        CHECK(a[0].flat(1) == 15);
    }
    SECTION("four levels") {
        Var v = tj::scalar("v");
        auto rt = round_trip(dir, "deep.json", {v}, {nest(4, v)});
        CHECK(rt.doc["bodies"].size() == 4);
        CHECK(rt.loaded(0.5)[0].item_double() == 16.5);
        CHECK(same(rt.loaded(0.5), rt.built(0.5)));
    }
}

TEST_CASE("graph file scan: gradients through time (the backward scan)",
          "[graph_file][scan][grad]") {
    tj_test::TempDir dir;
    std::mt19937_64 rng(9);
    SECTION("an RNN's gradient with respect to every input") {
        Rnn m;
        Var cost = tj::sum(m.r.output()) + tj::sum(m.r.output()(-1) * 2.0);
        const std::vector<Var> g = tj::grad(cost, std::vector<Var>{m.xs, m.h0, m.W, m.bias});
        std::vector<Var> outs = {cost};
        outs.insert(outs.end(), g.begin(), g.end());
        auto rt = round_trip(dir, "rnn_grad.json", {m.xs, m.h0, m.W, m.bias}, outs);
        CHECK(rt.doc["bodies"].size() >= 2); // the step, the backward step
        bool backwards = false;
        for (const auto& b : rt.doc["bodies"]) backwards = backwards || b["go_backwards"] == true;
        CHECK(backwards);
        const Array xs = tj_test::random_array(rng, DType::Float64, {6, 3});
        const Array h0 = tj_test::random_array(rng, DType::Float64, {3});
        const Array W = tj_test::random_array(rng, DType::Float64, {3, 3});
        const Array bias = tj_test::random_array(rng, DType::Float64, {3});
        const auto a = rt.built(xs, h0, W, bias), b = rt.loaded(xs, h0, W, bias);
        CHECK(same(a, b));
        CHECK(a[3].shape() == tj::Dims{3, 3});
    }
    SECTION("taps {-2, -1}, sequence taps, a map result, backwards") {
        Var x = tj::vector("x"), init = tj::vector("init"), c = tj::scalar("c");
        auto r = tj::scan(
            [](Var prev, Var next, Var a2, Var a1, Var cc) {
                Var y = tj::sin(a2) * cc + a1 * (next - prev);
                return std::vector<Var>{y, y * y};
            },
            {.sequences = {{x, {-1, 1}}},
             .outputs_info = {{init, {-2, -1}}, tj::none},
             .non_sequences = {c},
             .go_backwards = true});
        Var cost = tj::sum(r[0] * 2.0) + tj::sum(r[1]);
        auto rt = round_trip(dir, "taps_grad.json", {x, init, c},
                             tj::grad(cost, std::vector<Var>{x, init, c}));
        const Array xv = tj_test::random_array(rng, DType::Float64, {7});
        const Array iv = tj_test::random_array(rng, DType::Float64, {2});
        CHECK(same(rt.loaded(xv, iv, 1.5), rt.built(xv, iv, 1.5)));
    }
    SECTION("a jacobian and a hessian (scans over the rows of a gradient)") {
        Var x = tj::vector("x");
        Var y = tj::sin(x) * x;
        auto rt = round_trip(dir, "jacobian.json", {x},
                             {tj::jacobian(y, x), tj::hessian(tj::sum(y * x), x)});
        const Array v = tj_test::random_array(rng, DType::Float64, {4});
        const auto a = rt.loaded(v);
        CHECK(same(a, rt.built(v)));
        CHECK(a[1].shape() == tj::Dims{4, 4});
    }
    SECTION("the gradient of nested scans") {
        Var m = tj::matrix("m");
        auto outer = tj::scan(
            [](Var row) {
                auto inner = tj::scan([](Var v, Var acc) { return acc * 0.5 + tj::sin(v); },
                                      {.sequences = {row}, .outputs_info = {Var(0.0)}});
                return inner.output()(-1);
            },
            {.sequences = {m}, .outputs_info = {tj::none}});
        Var cost = tj::sum(outer.output() * outer.output());
        auto rt = round_trip(dir, "nested_grad.json", {m}, {cost, tj::grad(cost, m)});
        const Array v = tj_test::random_array(rng, DType::Float64, {3, 4});
        CHECK(same(rt.loaded(v), rt.built(v)));
    }
}

// ---- bad files
// -----------------------------------------------------------------------------------

namespace {

// Documents of a few scans, saved in dir.
struct Samples {
    json rnn, fib, until, nested, walk, doubling;
    explicit Samples(const tj_test::TempDir& dir) {
        auto save = [&](const char* name, const std::vector<tj::In>& in,
                        const std::vector<Var>& out, const tj::FunctionOptions& o = {}) {
            tj::save_function(dir.path() / name, in, out, o);
            return json::parse(read_text(dir.path() / name));
        };
        Rnn m;
        rnn = save("rnn.json", {m.xs, m.h0, m.W, m.bias}, {m.r.output()});
        Var init = tj::vector("init");
        Var n = tj::iscalar("n");
        fib = save("fib.json", {init, n},
                   {tj::scan([](Var a2, Var a1) { return a2 + a1; },
                             {.outputs_info = {{init, {-2, -1}}}, .n_steps = n})
                        .output()});
        Var start = tj::scalar("start");
        until =
            save("until.json", {start},
                 {tj::scan([](Var prev) { return tj::ScanStep({prev * 2}, tj::until(prev > 40)); },
                           {.outputs_info = {start}, .n_steps = 100})
                      .output()});
        Var v = tj::scalar("v");
        nested = save("nested.json", {v}, {nest(3, v)});
        tj::RandomStream srng(1);
        Var x0 = tj::scalar("x0");
        auto r = tj::scan([&](Var x) { return x + srng.normal(0.0, 1.0); },
                          {.outputs_info = {x0}, .n_steps = 3});
        walk = save("walk.json", {x0}, {r.output()}, {.updates = r.updates});
        Var vec = tj::vector("v");
        doubling =
            save("doubling.json", {vec},
                 {tj::scan([](Var h) { return h * 2.0; }, {.outputs_info = {vec}, .n_steps = 3})
                      .output()});
    }
};

std::size_t scan_node(const json& doc) { return find_in(doc["nodes"], "scan"); }

// The nested sample with `levels` bodies: body j > 0 runs a scan of body j - 1 (bodies 1 and up
// are copies of the sample's body 1, which has the same placeholders and outputs as body 0).
json deeper(const json& nested, int levels) {
    json d = nested;
    REQUIRE(d["bodies"].size() == 3);
    const json level = d["bodies"][1];
    const std::size_t s = find_in(level["nodes"], "scan");
    d["bodies"] = json::array({d["bodies"][0]});
    for (int j = 1; j < levels; ++j) {
        json b = level;
        b["nodes"][s]["attrs"]["body"] = j - 1;
        d["bodies"].push_back(std::move(b));
    }
    d["nodes"][scan_node(d)]["attrs"]["body"] = levels - 1;
    return d;
}

} // namespace

TEST_CASE("graph file scan: bad bodies and Scan nodes raise ValueError naming the problem",
          "[graph_file][scan]") {
    tj_test::TempDir dir;
    const Samples s(dir);
    const fs::path bad = dir.path() / "bad.json";
    auto expect = [&](const json& d, const std::vector<std::string>& parts) {
        return tj_test::expect_bad_file(bad, d.dump(1), parts);
    };
    // The samples load as they are.
    for (const json* d : {&s.rnn, &s.fib, &s.until, &s.nested, &s.walk, &s.doubling}) {
        write_text(bad, d->dump(1));
        CHECK_NOTHROW(tj::graph_file::read_graph(bad));
    }

    SECTION("taps") {
        json d = s.fib;
        d["bodies"][0]["state_taps"] = json::parse("[[-2, 1]]");
        expect(d, {"body 0", "state 0: taps {-2, 1} must be negative"});
        d["bodies"][0]["state_taps"] = json::parse("[[-1, -1]]");
        expect(d, {"body 0", "repeat a tap"});
        d["bodies"][0]["state_taps"] = json::parse("[[-3, -2, -1]]");
        expect(d, {"body 0", "read 3 placeholders, the body has 2"});
        d["bodies"][0]["state_taps"] = json::parse("[[-2, -1], [-1]]");
        expect(d, {"body 0", "read 3 placeholders"});
        d["bodies"][0]["state_taps"] = json::parse("[[-2, 4294967296]]");
        expect(d, {"body 0", "state_taps", "outside"});
        d = s.rnn;
        d["bodies"][0]["seq_taps"] = json::parse("[[]]");
        expect(d, {"body 0", "sequence 0 has no taps"});
        d["bodies"][0]["seq_taps"] = json::parse("[[2, 2]]");
        expect(d, {"body 0", "sequence 0: taps {2, 2} repeat a tap"});
        d["bodies"][0]["seq_taps"] = json::parse("[[0, 1]]");
        expect(d, {"body 0", "read 5 placeholders, the body has 4"});
    }
    SECTION("counts and flags") {
        json d = s.rnn;
        d["bodies"][0]["n_nonseq"] = 1;
        expect(d, {"body 0 (\"rnn\")", "read 3 placeholders, the body has 4"});
        d = s.rnn;
        d["bodies"][0]["n_visible"] = 2;
        expect(d, {"body 0", "n_visible is 2, more than the 1 states"});
        d = s.walk;
        d["bodies"][0]["n_visible"] = 0;
        CHECK_NOTHROW((write_text(bad, d.dump()), tj::graph_file::read_graph(bad)));
        d["bodies"][0]["state_taps"][1] = json::array(); // a hidden state not fed back
        d["bodies"][0]["n_visible"] = 1;
        expect(d, {"body 0", "hidden state"});
        d = s.rnn;
        d["bodies"][0]["outputs"].push_back(d["bodies"][0]["outputs"][0]);
        expect(d, {"body 0", "has 2 outputs", "need 1"});
        d = s.rnn;
        d["bodies"][0]["has_until"] = true;
        expect(d, {"body 0", "has 1 outputs", "until condition", "need 2"});
        d = s.until;
        d["bodies"][0]["outputs"][1] = d["bodies"][0]["outputs"][0];
        expect(d, {"body 0", "until condition", "bool scalar", "float64"});
        d = s.rnn;
        d["bodies"][0]["n_nonseq"] = -1;
        expect(d, {"body 0", "n_nonseq", "outside"});
        d = s.rnn;
        d["bodies"][0]["go_backwards"] = 1;
        expect(d, {"body 0", "go_backwards", "true or false"});
        d = s.rnn;
        d["bodies"][0].erase("state_taps");
        expect(d, {"body 0", "\"state_taps\" is missing"});
    }
    SECTION("placeholders and outputs") {
        json d = s.rnn;
        d["bodies"][0]["inputs"].erase(3);
        d["bodies"][0]["n_nonseq"] = 1;
        expect(d, {"body 0: node 3 (input)", "not among the body's inputs"});
        d = s.rnn;
        d["bodies"][0]["inputs"][1] = 0;
        expect(d, {"body 0", "inputs", "listed before"});
        d = s.rnn;
        const auto t = find_in(d["bodies"][0]["nodes"], "tanh");
        d["bodies"][0]["inputs"][1] = t;
        expect(d, {"body 0", "inputs", "not an input"});
        d = s.rnn;
        d["bodies"][0]["outputs"][0] = 1000;
        expect(d, {"body 0", "outputs", "outside"});
        // A state's new value of another type than the state.
        d = s.rnn;
        const auto dot = find_in(d["bodies"][0]["nodes"], "dot");
        d["bodies"][0]["outputs"][0] = dot;
        CHECK_NOTHROW((write_text(bad, d.dump()), tj::graph_file::read_graph(bad)));
        d["bodies"][0]["outputs"][0] = 2; // W, a matrix
        expect(d, {"body 0", "state 0: the step's new value has type float64[?, ?]"});
        // Placeholders of one state's taps of different types.
        d = s.fib;
        d["bodies"][0]["nodes"][1]["type"]["shape"] = {3};
        d["bodies"][0]["nodes"][find_in(d["bodies"][0]["nodes"], "add")]["type"]["shape"] = {3};
        expect(d, {"body 0", "state 0: its placeholders have types float64[] and float64[3]"});
        // A body reads shared variables through placeholders only.
        d = s.walk;
        d["bodies"][0]["nodes"][0] = d["nodes"][find_in(d["nodes"], "shared")];
        d["bodies"][0]["nodes"][0]["id"] = 0;
        expect(d, {"body 0: node 0 (shared)", "through placeholders"});
        // Inner nodes name earlier inner nodes only.
        d = s.rnn;
        const auto add = find_in(d["bodies"][0]["nodes"], "add");
        d["bodies"][0]["nodes"][add]["inputs"][0] = add + 1;
        expect(d, {"body 0: node " + std::to_string(add) + " (add)", "not before it"});
        // An inner node typed by its op's rule.
        d = s.rnn;
        d["bodies"][0]["nodes"][t]["type"]["dtype"] = "float32";
        expect(d, {"body 0: node " + std::to_string(t) + " (tanh)", "declares type float32"});
    }
    SECTION("names that would end a comment of the generated kernel") {
        json d = s.rnn;
        d["bodies"][0]["name"] = "rnn */ int evil; /*";
        expect(d, {"body 0", "the name contains \"*/\""});
        d = s.rnn;
        d["bodies"][0]["nodes"][0]["name"] = "x*/";
        expect(d, {"body 0", "placeholder 0 contains \"*/\""});
        d["bodies"][0]["nodes"][0]["name"] = "x*\\\n/";
        expect(d, {"body 0", "placeholder 0 contains a control character"});
    }
    SECTION("body references, cycles, nesting") {
        json d = s.rnn;
        const auto k = scan_node(d);
        d["nodes"][k]["attrs"]["body"] = 1;
        expect(d,
               {"node " + std::to_string(k) + " (scan)", "body 1 does not exist", "has 1 bodies"});
        d["nodes"][k]["attrs"]["body"] = -1;
        expect(d, {"node " + std::to_string(k) + " (scan)", "body -1 does not exist"});
        d["nodes"][k]["attrs"].erase("body");
        expect(d, {"node " + std::to_string(k) + " (scan)", "\"body\" is missing"});
        d = s.rnn;
        d.erase("bodies");
        expect(d, {"node " + std::to_string(k) + " (scan)", "body 0 does not exist"});
        d = s.rnn;
        const auto dot = find_in(d["bodies"][0]["nodes"], "dot");
        d["bodies"][0]["nodes"][dot]["attrs"]["body"] = 0;
        expect(d,
               {"body 0: node " + std::to_string(dot) + " (dot)", "only scan nodes have a body"});
        // A body containing a scan of itself, or of a later body (a cycle through two).
        d = s.nested;
        const auto inner = find_in(d["bodies"][1]["nodes"], "scan");
        d["bodies"][1]["nodes"][inner]["attrs"]["body"] = 1;
        expect(d, {"body 1: node " + std::to_string(inner) + " (scan)",
                   "body 1 is not before body 1", "no cycles"});
        d["bodies"][1]["nodes"][inner]["attrs"]["body"] = 2;
        expect(d, {"body 1: node " + std::to_string(inner) + " (scan)",
                   "body 2 is not before body 1"});
        // 64 levels load; 65 are too deep.
        write_text(bad, deeper(s.nested, 64).dump());
        CHECK(tj::graph_file::read_graph(bad).outputs.size() == 1);
        expect(deeper(s.nested, 65), {"body 64", "scans nest more than 64 deep"});
        expect(deeper(s.nested, 1000), {"body 64", "scans nest more than 64 deep"});
    }
    SECTION("the Scan node's inputs and attributes") {
        json d = s.rnn;
        const auto k = scan_node(d);
        const std::string node = "node " + std::to_string(k) + " (scan)";
        d["nodes"][k]["inputs"].erase(d["nodes"][k]["inputs"].size() - 1);
        expect(d, {node, "takes 5 inputs for body \"rnn\"", "1 sequences", "1 initial values",
                   "2 non-sequences", "the file gives 4"});
        d = s.rnn;
        d["nodes"][k]["inputs"].push_back(d["nodes"][k]["inputs"][1]);
        expect(d, {node, "takes 5 inputs", "the file gives 6"});
        d = s.rnn;
        d["nodes"][k]["attrs"]["ints"] = {1, 0};
        expect(d, {node, "result index 1 is out of range", "1 states"});
        d["nodes"][k]["attrs"]["ints"] = {0, 2};
        expect(d, {node, "keep_last is 2"});
        d["nodes"][k]["attrs"]["ints"] = {0};
        expect(d, {node, "attrs.ints has 1 entries"});
        d = s.rnn;
        d["nodes"][k]["attrs"]["dtype"] = "float32";
        expect(d, {node, "attrs.dtype is float32", "float64"});
        d = s.rnn;
        d["nodes"][k]["type"]["shape"] = {5, nullptr};
        expect(d, {node, "declares type", "type rule gives"});
        // The sequence (xs, a matrix) where the initial value (h0) goes, and the reverse.
        d = s.rnn;
        std::swap(d["nodes"][k]["inputs"][1], d["nodes"][k]["inputs"][2]);
        expect(d, {node, "sequence 0 (input 1) has type float64[?]",
                   "its placeholder \"xs[t]\" reads its rows as float64[?]"});
        // n_steps: an int64 scalar; a negative constant only as -1 with sequences or until.
        d = s.fib;
        const auto f = scan_node(d);
        d["nodes"][f]["inputs"][0] = d["nodes"][f]["inputs"][1];
        expect(d, {"(scan)", "n_steps (input 0) must be an int64 scalar"});
        d = s.rnn;
        const auto c = d["nodes"][k]["inputs"][0].get<std::size_t>();
        REQUIRE(d["nodes"][c]["op"] == "constant"); // -1: the sequence's length
        const json minus_five = json::parse(
            std::string("\"") +
            tj::graph_file::base64_encode(tj::graph_file::npy_bytes(Array(std::int64_t{-5}))) +
            "\"");
        d["nodes"][c]["value"] = minus_five;
        expect(d, {node, "n_steps is -5"});
        d = s.walk;
        const auto w = scan_node(d);
        const auto wc = d["nodes"][w]["inputs"][0].get<std::size_t>();
        REQUIRE(d["nodes"][wc]["op"] == "constant");
        d["nodes"][wc]["value"] = s.rnn["nodes"][c]["value"]; // -1, no sequences, no until
        expect(d, {"(scan)", "n_steps is not given", "neither sequences nor an until"});
    }
    SECTION("a placeholder's extents come from the outer value") {
        // The state reads v as float64[?]: a placeholder of static shape [4] would read values
        // nobody checked.
        json d = s.doubling;
        auto& nodes = d["bodies"][0]["nodes"];
        REQUIRE(nodes[0]["op"] == "input");
        nodes[0]["type"]["shape"] = {4};
        // The body itself is consistent once its step's value has the same type.
        nodes[find_in(nodes, "mul")]["type"]["shape"] = {4};
        expect(d, {"(scan)", "the initial value of state 0 (input 1) has type float64[?]",
                   "its placeholder \"v[t-1]\" reads it as float64[4]"});
    }
}

TEST_CASE("graph file scan: 1500 mutations of scan files are read or raise ValueError",
          "[graph_file][scan]") {
    tj_test::TempDir dir;
    const Samples s(dir);
    const fs::path bad = dir.path() / "bad.json";
    std::mt19937_64 rng(20261208);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    const json replacements[] = {json(-1),   json(-2),      json(0),         json(1),
                                 json(2),    json(64),      json(1LL << 40), json(nullptr),
                                 json(true), json::array(), json::object(),  json("float32")};
    const json* docs[] = {&s.rnn, &s.fib, &s.until, &s.nested, &s.walk, &s.doubling};
    int read = 0, rejected = 0;
    for (int round = 0; round < 1500; ++round) {
        json d = *docs[round % std::size(docs)];
        // Mutations inside the bodies (and of the Scan nodes' body references), where these
        // files differ from the others.
        for (int k = 0, n = 1 + static_cast<int>(pick(2)); k < n; ++k) {
            if (pick(8) == 0) {
                d["nodes"][scan_node(d)]["attrs"]["body"] =
                    replacements[pick(std::size(replacements))];
                continue;
            }
            const json flat = d["bodies"].flatten();
            std::vector<std::string> pointers;
            for (auto it = flat.begin(); it != flat.end(); ++it) pointers.push_back(it.key());
            if (pointers.empty()) break;
            const json::json_pointer ptr(pointers[pick(pointers.size())]);
            if (pick(3) == 0) {
                json& parent = d["bodies"][ptr.parent_pointer()];
                if (parent.is_object())
                    parent.erase(ptr.back());
                else
                    parent.erase(static_cast<std::size_t>(std::stoul(ptr.back())));
            } else {
                d["bodies"][ptr] = replacements[pick(std::size(replacements))];
            }
        }
        write_text(bad, d.dump());
        try {
            tj::graph_file::read_graph(bad);
            ++read;
        } catch (const tj::ValueError& e) {
            ++rejected;
            if (std::string(e.what()).rfind(bad.string(), 0) != 0)
                FAIL("round " << round << ": message does not start with the file: " << e.what());
        } catch (const std::exception& e) {
            FAIL("round " << round << ": " << typeid(e).name() << ": " << e.what() << "\n"
                          << d.dump());
        }
    }
    INFO("read " << read << ", rejected " << rejected);
    CHECK(rejected > 750);
    CHECK(read > 0); // names, values and flags that keep the file valid
}

TEST_CASE("graph file scan: the scan files of the fuzz corpus load and run", "[graph_file][scan]") {
    // The fuzz target mutates them: they must stay valid files of this format.
    const fs::path corpus = fs::path(TJ_SOURCE_DIR) / "tests/fuzz/corpus/graph_file";
    std::mt19937_64 rng(1);
    {
        std::vector<tj::SharedVar> sh;
        auto f = tj::load_multi_function(corpus / "scan_rnn_grad.json", {.shared = &sh});
        const auto out = f(tj_test::random_array(rng, DType::Float64, {4, 3}),
                           tj_test::random_array(rng, DType::Float64, {3}),
                           tj_test::random_array(rng, DType::Float64, {3, 3}),
                           tj_test::random_array(rng, DType::Float64, {3}));
        REQUIRE(out.size() == 5);
        CHECK(out[3].shape() == tj::Dims{3, 3});
    }
    {
        std::vector<tj::SharedVar> sh;
        auto f = tj::load_multi_function(corpus / "scan_nested_until_random.json", {.shared = &sh});
        REQUIRE(sh.size() == 1);
        const auto out = f(Array(std::vector<double>{1, 2, 3, 4, 5, 6}).reshape({2, 3}), 1.0);
        REQUIRE(out.size() == 3);
        CHECK(out[0].flat(1) == 15);
        CHECK(out[1].shape() == tj::Dims{6});
        CHECK(out[2].shape() == tj::Dims{4});
    }
}

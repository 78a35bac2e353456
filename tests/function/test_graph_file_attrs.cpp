// Graph files: the attributes of every op are checked before a node is typed. One valid file
// holds a node of every op with attributes (support/all_ops_graph.hpp, loaded once);
// each case changes one node's attributes (or the inputs they describe) and the load must raise
// ValueError naming the file, the node, "invalid attributes" and the problem.
#include "function/graph_file_test_util.hpp"
#include "support/all_ops_graph.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <limits>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;
using tj::Array;

namespace {

// The graph file of tj_test::all_ops_graph().
json all_ops_document(const fs::path& file) {
    const tj_test::AllOpsGraph g = tj_test::all_ops_graph();
    tj::save_function(file, g.inputs, g.outputs);
    return json::parse(tj_test::read_text(file));
}

std::size_t node_named(const json& doc, const std::string& name) {
    return tj_test::find_node(doc, "input", [&](const json& n) { return n["name"] == name; });
}

std::size_t count_inputs(const json& n) { return n["inputs"].size(); }

// One bad case: the node (the first of op `op` for which `pred` holds), what is changed in the
// document, and what the message must say besides the file, the node and "invalid attributes".
struct Case {
    std::string op;
    std::function<bool(const json&)> pred;
    std::function<void(json& doc, json& node)> change;
    std::string problem;
};

} // namespace

TEST_CASE("graph file: the attributes of every op are checked", "[graph_file]") {
    tj_test::TempDir dir;
    const fs::path good = dir.path() / "all_ops.json", bad = dir.path() / "bad.json";
    const json doc = all_ops_document(good);
    // The valid file loads (and compiles): no check rejects what the builders make.
    REQUIRE_NOTHROW(tj::load_multi_function(good));

    // Every op with attributes is in the document.
    std::set<std::string> ops;
    for (const auto& n : doc["nodes"]) ops.insert(n["op"].get<std::string>());
    for (const char* op : {"reshape",
                           "concatenate",
                           "alloc",
                           "broadcast_to",
                           "arange",
                           "eye",
                           "subtensor",
                           "set_subtensor",
                           "inc_subtensor",
                           "advanced_subtensor",
                           "advanced_set_subtensor",
                           "advanced_inc_subtensor",
                           "dot",
                           "matmul",
                           "outer",
                           "tensordot",
                           "diag",
                           "trace",
                           "cumsum",
                           "cumprod",
                           "softmax",
                           "argmax",
                           "sum",
                           "expand_dims",
                           "squeeze",
                           "transpose",
                           "cast",
                           "fill",
                           "shape",
                           "random_draw",
                           "random_next_state"})
        CHECK(ops.count(op) == 1);

    auto ints = [](std::vector<std::int64_t> v) { return json(v); };
    auto is_dist = [](int d) { return [d](const json& n) { return n["attrs"]["ints"][0] == d; }; };
    auto inputs_are = [](std::size_t k) {
        return [k](const json& n) { return count_inputs(n) == k; };
    };
    auto with_split = [](const json& n) { return n["attrs"]["ints"].size() % 7 == 3; };
    const std::vector<Case> cases = {
        // reshape: targets -(2 + k) name an axis of the input; one -1; rank; symbolic shapes.
        {"reshape", inputs_are(1), [&](json&, json& n) { n["attrs"]["ints"] = ints({-7}); },
         "names axis 5 of a rank-2"},
        {"reshape", inputs_are(1),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({-1, 2, -1});
         },
         "more than one -1"},
        {"reshape", inputs_are(1),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({1, 1, 1, 1, 1, 1, 1, 1, -1});
         },
         "rank 9"},
        {"reshape", inputs_are(1),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({std::numeric_limits<std::int64_t>::min()});
         },
         "names axis 9223372036854775806"},
        {"reshape", inputs_are(2), [&](json&, json& n) { n["attrs"]["ints"] = ints({-1}); },
         "static length 1"},
        {"reshape", inputs_are(2),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({-1, -5});
         },
         "shape hint -5"},
        {"reshape", inputs_are(2), [&](json& d, json& n) { n["inputs"][1] = node_named(d, "v"); },
         "int64 vector"},
        // concatenate: {axis} within the rank, at least one input.
        {"concatenate",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({2}); },
         "axis 2 is out of bounds for rank 2"},
        {"concatenate",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({}); },
         "attrs.ints has 0 entries"},
        {"concatenate",
         {},
         [&](json&, json& n) { n["inputs"] = json::array(); },
         "takes 1 or more inputs"},
        // alloc and broadcast_to: extents, rank, the symbolic shape's length and dtype.
        {"alloc", inputs_are(1),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({2, -3});
         },
         "negative extent -3"},
        {"alloc", inputs_are(2),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({-1, -1, -1});
         },
         "static length 3"},
        {"alloc", inputs_are(2), [&](json& d, json& n) { n["inputs"][1] = node_named(d, "idx"); },
         "static length 2"},
        {"broadcast_to",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({1, 1, 1, 1, 1, 1, 1, 1, 1});
         },
         "rank 9"},
        {"broadcast_to",
         {},
         [&](json& d, json& n) { n["inputs"].push_back(node_named(d, "v")); },
         "static length 2"},
        // arange: no ints; bounds of the result's dtype; not bool.
        {"arange", {}, [&](json&, json& n) { n["attrs"]["dtype"] = "bool"; }, "bool is not"},
        {"arange",
         {},
         [&](json&, json& n) { n["attrs"]["dtype"] = "float32"; },
         "must have attrs.dtype float32"},
        {"arange",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({1}); },
         "attrs.ints has 1 entries"},
        // eye: {k} an int; int64 scalar sizes.
        {"eye",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({std::int64_t{1} << 40}); },
         "diagonal offset 1099511627776"},
        {"eye",
         {},
         [&](json& d, json& n) { n["inputs"][0] = node_named(d, "idx"); },
         "must be an int64 scalar"},
        // basic indexing: groups of 7, kinds, tags, symbolic bounds, steps, split's check.
        {"subtensor", inputs_are(2), [&](json&, json& n) { n["attrs"]["ints"][0] = 5; },
         "index 0: kind 5"},
        {"subtensor", inputs_are(2), [&](json&, json& n) { n["attrs"]["ints"][3] = 7; },
         "bound tag 7"},
        {"subtensor", inputs_are(2), [&](json&, json& n) { n["attrs"]["ints"][4] = 3; },
         "symbolic bound 3 does not exist"},
        {"subtensor", inputs_are(2), [&](json&, json& n) { n["attrs"]["ints"][6] = 0; },
         "nonzero constant"},
        {"subtensor", inputs_are(2),
         [&](json&, json& n) { n["attrs"]["ints"].erase(n["attrs"]["ints"].size() - 1); },
         "not groups of 7"},
        {"subtensor", inputs_are(2),
         [&](json&, json& n) {
             for (int r = 0; r < 7; ++r) n["attrs"]["ints"].push_back(n["attrs"]["ints"][r]);
         },
         "indexes 3 axes of a rank-2 input"},
        {"subtensor", inputs_are(2), [&](json& d, json& n) { n["inputs"][1] = node_named(d, "v"); },
         "must be an int64 scalar"},
        {"subtensor", inputs_are(2),
         [&](json& d, json& n) { n["inputs"].push_back(node_named(d, "k")); },
         "symbolic bound 1 is not used"},
        {"subtensor", with_split,
         [&](json&, json& n) { n["attrs"]["ints"][n["attrs"]["ints"].size() - 2] = 4; },
         "split check: axis 4"},
        {"subtensor", with_split,
         [&](json&, json& n) { n["attrs"]["ints"][n["attrs"]["ints"].size() - 1] = -5; },
         "split check: negative extent"},
        {"set_subtensor",
         {},
         [&](json&, json& n) { n["inputs"] = json::array({n["inputs"][0]}); },
         "takes 2 or more inputs, the file gives 1"},
        {"inc_subtensor",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"][0] = 0;
             n["attrs"]["ints"][1] = 0;
         },
         "an integer index must be"},
        // advanced indexing: {axis}; an int64 index of rank >= 1.
        {"advanced_subtensor",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({4}); },
         "axis 4 is out of bounds for rank 2"},
        {"advanced_subtensor",
         {},
         [&](json& d, json& n) { n["inputs"][1] = node_named(d, "v"); },
         "int64 tensor"},
        {"advanced_set_subtensor",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({}); },
         "attrs.ints has 0 entries"},
        {"advanced_inc_subtensor",
         {},
         [&](json& d, json& n) { n["inputs"][2] = node_named(d, "k"); },
         "rank 1 or more"},
        // products: dot, matmul and outer take none; tensordot's axes.
        {"dot", {}, [&](json&, json& n) { n["attrs"]["ints"] = ints({1}); }, "takes no attributes"},
        {"matmul",
         {},
         [&](json&, json& n) { n["attrs"]["dtype"] = "int8"; },
         "attrs.dtype is int8, but matmul takes no dtype"},
        {"outer",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({0}); },
         "takes no attributes"},
        {"tensordot",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({1, 5, 0});
         },
         "input 0: axis 5 is out of bounds"},
        {"tensordot",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({2, 0, 0, 0, 1});
         },
         "input 0: axis 0 is repeated"},
        {"tensordot",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({3, 0, 1, 2, 0, 1, 2});
         },
         "contracts 3 axes"},
        {"tensordot",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({1, 0});
         },
         "needs 3"},
        // diagonals: {k} an int; (vector, matrix) for two inputs.
        {"diag", inputs_are(1),
         [&](json&, json& n) { n["attrs"]["ints"] = ints({-(std::int64_t{1} << 62)}); },
         "diagonal offset"},
        {"diag", inputs_are(2), [&](json&, json& n) { std::swap(n["inputs"][0], n["inputs"][1]); },
         "a vector and a matrix"},
        {"diag", inputs_are(1),
         [&](json&, json& n) {
             n["inputs"].push_back(n["inputs"][0]);
             n["inputs"].push_back(n["inputs"][0]);
         },
         "takes 1 or 2 inputs, the file gives 3"},
        {"trace",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({}); },
         "attrs.ints has 0 entries"},
        // cumulative: {axis, reverse}; two inputs only flattened.
        {"cumprod",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({3, 0});
         },
         "axis 3 is out of bounds for rank 2"},
        {"cumprod",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({1, 2});
         },
         "reverse is 2"},
        {"cumsum", inputs_are(2),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({0, 1});
         },
         "needs axis -1"},
        {"cumsum", {}, [&](json&, json& n) { n["inputs"] = json::array(); }, "takes 1 or 2 inputs"},
        // axes: reductions, softmax, expand_dims, squeeze.
        {"softmax",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({2, 1});
         },
         "keepdims is 2"},
        {"argmax",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({0, 1, 0});
         },
         "distinct and increasing"},
        {"expand_dims",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({0, 0});
         },
         "axis 0 is repeated"},
        {"expand_dims",
         {},
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({0, 1, 2, 3, 4, 5, 6, 7});
         },
         "rank 9"},
        {"squeeze",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({5}); },
         "axis 5 is out of bounds for rank 2"},
        // no attributes: cast's dtype only, element-wise ops, fill, shape.
        {"cast",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({1}); },
         "cast takes no integer attributes"},
        {"fill",
         {},
         [&](json&, json& n) { n["attrs"]["ints"] = ints({1}); },
         "element-wise ops take no attributes"},
        {"shape",
         {},
         [&](json&, json& n) { n["attrs"]["dtype"] = "int64"; },
         "shape takes no dtype"},
        // random variables: distribution, size, flags, dtypes, parameters; the next state.
        {"random_draw", is_dist(0), [&](json&, json& n) { n["attrs"]["ints"][0] = 42; },
         "unknown distribution 42"},
        {"random_draw", is_dist(0), [&](json&, json& n) { n["attrs"]["ints"][1] = 2; },
         "has_size is 2"},
        {"random_draw", is_dist(0), [&](json&, json& n) { n["attrs"]["ints"][1] = 0; },
         "the size has 1 extents"},
        {"random_draw", is_dist(0), [&](json&, json& n) { n["attrs"]["ints"][3] = -4; },
         "negative extent or is too big"},
        {"random_draw", is_dist(0),
         [&](json&, json& n) {
             n["attrs"]["ints"] = ints({0, 1, 0, 1 << 30, 1 << 30, 1 << 30});
         },
         "too big"},
        {"random_draw", is_dist(0), [&](json&, json& n) { n["attrs"]["ints"][2] = 8; },
         "uniform: flags 8"},
        {"random_draw", is_dist(0), [&](json&, json& n) { n["attrs"]["dtype"] = "bool"; },
         "uniform: attrs.dtype bool"},
        {"random_draw", is_dist(0), [&](json&, json& n) { n["inputs"].erase(2); },
         "uniform takes 2 parameters, the file gives 1"},
        {"random_draw", is_dist(2), [&](json&, json& n) { n["attrs"]["dtype"] = "float64"; },
         "integers: attrs.dtype float64"},
        {"random_draw", is_dist(9), [&](json&, json& n) { n["attrs"]["dtype"] = "float64"; },
         "the result's dtype is int64"},
        {"random_draw", is_dist(9), [&](json&, json& n) { n["attrs"]["ints"][2] = 4; },
         "choice: flags 4"},
        {"random_draw", is_dist(10),
         [&](json&, json& n) { n["attrs"]["ints"] = ints({10, 1, 0, 3}); },
         "permutation takes no size"},
        {"random_draw", is_dist(10), [&](json& d, json& n) { n["inputs"][0] = node_named(d, "v"); },
         "the generator state must be uint64[6]"},
        {"random_next_state",
         {},
         [&](json&, json& n) { n["attrs"]["ints"][2] = 1; },
         "input 0 must be a random_draw"},
        {"random_next_state",
         {},
         [&](json& d, json& n) { n["inputs"][0] = node_named(d, "v"); },
         "input 0 must be a random_draw"},
        {"random_next_state",
         {},
         [&](json&, json& n) { n["inputs"].erase(2); },
         "input 0 must be a random_draw"},
    };
    for (const auto& c : cases) {
        json d = doc;
        const std::size_t i = tj_test::find_node(d, c.op, c.pred);
        INFO("case: " << c.op << " (node " << i << "): " << c.problem << "\n" << d["nodes"][i]);
        c.change(d, d["nodes"][i]);
        const std::string node = "node " + std::to_string(i) + " (" + c.op + ")";
        // A change of the inputs the type rule checks itself is an invalid node, not invalid
        // attributes: both name the node and the problem.
        const bool type_rule = c.problem.find("generator state") != std::string::npos;
        tj_test::expect_bad_file(
            bad, d.dump(), {node, type_rule ? "invalid node" : "invalid attributes", c.problem});
    }
}

TEST_CASE("graph file: float draws stored in floatX float32 load", "[graph_file]") {
    tj_test::TempDir dir;
    const tj::DType saved = tj::config().floatX;
    tj::config().floatX = tj::DType::Float32;
    tj::RandomStream srng(5);
    const tj::Var u = srng.uniform(0.0, 1.0, {3});
    tj::config().floatX = saved;
    REQUIRE(u.dtype() == tj::DType::Float32);
    auto f = tj::function({}, u);
    tj::save_function(dir.path() / "u.json", {}, {u});
    auto loaded = tj::load_function(dir.path() / "u.json");
    CHECK(loaded.cache_key() == f.cache_key());
    CHECK(loaded().equals(f()));
}

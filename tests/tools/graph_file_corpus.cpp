// Writes the seed corpus of the graph file fuzz target (tests/fuzz/corpus/graph_file/) into the
// directory argv[1]: the graph files of the tutorial's functions (TUTORIAL.md sections 1-7, the
// model with few features), of every op with attributes (tests/support/all_ops_graph.hpp), and a
// few edge cases (no inputs, a deep chain, a shared value beside the file as "values.npy", which
// the fuzz target provides) and scans (with their loop bodies). scripts/fuzz.sh --corpus runs it.
#include "tests/support/all_ops_graph.hpp"
#include "tests/support/tutorial_model.hpp"

#include <tensorjit/tensorjit.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: graph_file_corpus <directory>\n";
        return 2;
    }
    const fs::path dir = argv[1];
    fs::create_directories(dir);
    auto save = [&](const char* name, const std::vector<tj::In>& in,
                    const std::vector<tj::Var>& out, const tj::FunctionOptions& opts = {}) {
        tj::save_function(dir / name, in, out, opts);
    };
    try {
        // 1-3: logistic function, several outputs, defaults and keyword names.
        auto x = tj::dmatrix("x");
        save("01_logistic.json", {x}, {1 / (1 + tj::exp(-x))});
        auto [a, b] = tj::dmatrices("a", "b");
        save("02_outputs.json", {a, b}, {a - b, tj::abs(a - b), tj::pow(a - b, 2)});
        auto [s, t, w] = tj::dscalars("s", "t", "w");
        save("03_defaults.json", {s, tj::In(t, 1), tj::In(w, 2, "w_by_name")}, {(s + t) * w});
        // 4: shared variables, updates and givens.
        auto state = tj::shared(0, "state");
        auto inc = tj::iscalar("inc");
        save("04_accumulator.json", {inc}, {state}, {.updates = {{state, state + inc}}});
        auto foo = tj::scalar("foo", state.dtype());
        save("04_givens.json", {inc, foo}, {state * 2 + inc}, {.givens = {{state, foo}}});
        // 6: random streams.
        tj::RandomStream srng(234);
        auto u = srng.uniform(0, 1, {2, 2});
        auto n = srng.normal(0, 1, {2, 2});
        save("06_uniform.json", {}, {u});
        save("06_no_default_updates.json", {}, {n}, {.no_default_updates = true});
        save("06_nearly_zeros.json", {}, {u + u - 2 * u});
        // 7: the training step of the logistic model.
        tj::Generator rng(7);
        const auto m = tj_test::logistic_model(rng.standard_normal({4}));
        save("07_train.json", {m.x, m.y}, {m.prediction, m.xent, m.cost},
             {.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}});
        // Every op with attributes.
        const tj_test::AllOpsGraph all = tj_test::all_ops_graph();
        save("all_ops.json", all.inputs, all.outputs);
        // Edge cases: no inputs, a chain, a value beside the file.
        save("no_inputs.json", {}, {tj::constant(tj::Array({1.0, 2.0})) * 3});
        tj::Var chain = tj::dvector("c");
        const tj::Var c0 = chain;
        for (int i = 0; i < 12; ++i) chain = tj::sin(chain) + i;
        save("chain.json", {c0}, {chain});
        // Scans: an RNN with its gradient (two bodies), a nested until loop drawing randoms.
        {
            auto xs = tj::dmatrix("xs");
            auto h0 = tj::dvector("h0");
            auto W = tj::dmatrix("W");
            auto rnn = tj::scan(
                [](tj::Var x_t, tj::Var h, tj::Var w) { return tj::tanh(tj::dot(w, h) + x_t); },
                {.sequences = {xs}, .outputs_info = {h0}, .non_sequences = {W}});
            const tj::Var cost = tj::sum(rnn.output());
            const std::vector<tj::Var> g = tj::grad(cost, std::vector<tj::Var>{W, h0});
            save("scan_rnn_grad.json", {xs, h0, W}, {cost, g[0], g[1]});
            tj::RandomStream srng(7);
            auto start = tj::dscalar("start");
            auto outer = tj::scan(
                [&](tj::Var v) {
                    auto inner = tj::scan(
                        [&](tj::Var u) {
                            tj::Var next = u + srng.uniform(0.0, 1.0);
                            return tj::ScanStep({next}, tj::until(next > 2.0));
                        },
                        {.outputs_info = {v}, .n_steps = 100});
                    return inner.output()(-1);
                },
                {.outputs_info = {start}, .n_steps = 3});
            save("scan_nested_until_random.json", {start}, {outer.output()},
                 {.updates = outer.updates});
        }
        auto sv = tj::shared(tj::Array({0.0, 0.0, 0.0}), "sv");
        tj::save_function(dir / "beside.json", {x}, {tj::sum(x, {0}) * sv}, {},
                          {.values = tj::GraphFileOptions::Values::Beside});
        fs::remove(dir / "beside.json.shared0.npy");
        std::ifstream in(dir / "beside.json");
        nlohmann::json doc = nlohmann::json::parse(in);
        doc["shared"][0]["value_file"] = "values.npy";
        std::ofstream(dir / "beside.json") << doc.dump(1) << "\n";
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}

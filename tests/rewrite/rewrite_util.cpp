// The rewrite tests' shared checks.
#include "rewrite_util.hpp"

#include "compiler/codegen/pipeline.hpp"
#include "compiler/graph/graph_text.hpp"
#include "compiler/rewrite/local_rewrite.hpp"

#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace tj_test {

namespace {

using tensorjit::FunctionGraph;
using tensorjit::NodePtr;

bool same_values(const tensorjit::Array& a, const tensorjit::Array& b) {
    if (a.dtype() != b.dtype() || !(a.shape() == b.shape())) return false;
    for (std::int64_t i = 0; i < a.size(); ++i) {
        const double p = a.flat(i), q = b.flat(i);
        if (std::isnan(p) && std::isnan(q)) continue;
        if (!(std::abs(p - q) <= 1e-9 * (1 + std::abs(q)))) return false;
    }
    return true;
}

} // namespace

std::string check_rewrite_case(const RewriteCase& c) {
    FunctionGraph g;
    for (const auto& o : c.outputs) g.outputs.push_back(o.node());
    const std::string before = tensorjit::graph_text(g);
    std::set<std::string> seen;
    FunctionGraph after;
    {
        tensorjit::testing::RewriteObserver observer(
            [&](const std::string& name) { seen.insert(name); });
        after = tensorjit::codegen::rewrite_graph(g);
    }
    const std::string after_text = tensorjit::graph_text(after);
    if (c.applies) {
        CHECK(seen.count(c.rule) == 1);
        CHECK(after_text != before);
    } else {
        CHECK(seen.count(c.rule) == 0);
    }
    // A fixpoint: the phases change nothing more.
    INFO("after:\n" << after_text);
    CHECK(tensorjit::graph_text(tensorjit::codegen::rewrite_graph(after)) == after_text);

    // The same values, on random inputs of the leaves' types.
    std::mt19937_64 rng(42);
    std::vector<std::pair<tensorjit::Var, tensorjit::Array>> args;
    for (const tensorjit::Node* n : tensorjit::topo_order(g.outputs)) {
        if (n->op != tensorjit::OpKind::Input) continue;
        tensorjit::Dims shape = n->type.shape;
        for (int d = 0; d < shape.size(); ++d)
            if (shape[d] == tensorjit::dyn) shape[d] = 3 + d;
        const bool is_int = !tensorjit::is_float(n->type.dtype);
        args.emplace_back(
            tensorjit::Var(tensorjit::owners(g.outputs).at(n)),
            random_array(rng, n->type.dtype, shape, is_int ? 1 : 0.5, is_int ? 4 : 2));
    }
    for (std::size_t k = 0; k < g.outputs.size(); ++k) {
        CHECK(after.outputs[k]->type == g.outputs[k]->type);
        const auto want = tensorjit::eval(tensorjit::Var(g.outputs[k]), args);
        const auto got = tensorjit::eval(tensorjit::Var(after.outputs[k]), args);
        CHECK(same_values(got, want));
    }
    return "== " + c.label() + "\n-- before\n" + before + "-- after\n" + after_text;
}

void check_golden_text(const std::string& name, const std::string& text) {
    check_golden(std::filesystem::path(TJ_SOURCE_DIR) / "tests" / "rewrite" / "golden" / name,
                 text);
}

} // namespace tj_test

// The tutorial's function graphs before and after the rewrite phases, compared with the reviewed
// copy in tests/rewrite/golden/tutorial.txt: what the compiler's middle makes of the graphs users
// write first. A rewrite change shows here as a reviewable diff.
#include "compiler/codegen/pipeline.hpp"
#include "compiler/function/function_impl.hpp"
#include "compiler/graph/graph_text.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "rewrite_util.hpp"
#include "support/tutorial_model.hpp"

namespace {

std::string before_after(const std::string& name, const std::vector<tj::In>& inputs,
                         const std::vector<tj::Var>& outputs,
                         const tj::FunctionOptions& options = {}) {
    // Before and after the rewrites, also when TJ_REWRITES=off sets the default.
    tj::FunctionOptions pinned = options;
    if (!pinned.rewrites) pinned.rewrites = true;
    const auto g = tensorjit::detail::function_graph(inputs, outputs, pinned);
    const auto after = tensorjit::codegen::rewrite_graph(g);
    // Rewrites keep every root's type.
    const auto r0 = g.roots(), r1 = after.roots();
    REQUIRE(r0.size() == r1.size());
    for (std::size_t i = 0; i < r0.size(); ++i) CHECK(r0[i]->type == r1[i]->type);
    return "== " + name + "\n-- before\n" + tensorjit::graph_text(g) + "-- after\n" +
           tensorjit::graph_text(after);
}

} // namespace

TEST_CASE("rewrite: the tutorial's graphs before and after the rewrites", "[rewrite][golden]") {
    std::string text;
    auto x = tj::dmatrix("x");
    text += before_after("section 1: logistic", {x}, {1 / (1 + tj::exp(-x))});
    text += before_after("section 1: logistic through tanh", {x}, {(1 + tj::tanh(x / 2)) / 2});
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    text +=
        before_after("section 2: several outputs", {a, b}, {diff, tj::abs(diff), tj::pow(diff, 2)});

    auto m = tj_test::logistic_model(tj::Array::zeros(tj::DType::Float64, {5}));
    text += before_after("section 7: train", {m.x, m.y}, {m.prediction, m.xent},
                         {.updates = {{m.w, m.w - 0.1 * m.gw}, {m.b, m.b - 0.1 * m.gb}}});
    text += before_after("section 7: predict", {m.x}, {m.prediction});
    tj_test::check_golden_text("tutorial.txt", text);
}

// The rule sets terminate and keep values on graphs nobody wrote by hand: random expressions over
// two vectors and a scalar, with the constants the rules look for (0, 1, -1, 2, 0.5), run through
// the rewrite phases. A rule pair that undoes itself raises an InternalError (the driver never
// stops silently); a rule that changes a value shows as a mismatch against reference evaluation.
#include "compiler/codegen/pipeline.hpp"
#include "compiler/graph/graph_text.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <random>

namespace {

using tj::Var;

struct RandomGraph {
    std::mt19937_64 rng;
    std::vector<Var> leaves;

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

    Var constant() {
        static const double values[] = {0, 1, -1, 2, 0.5, 3};
        return Var(values[pick(6)]);
    }

    Var expr(int depth) {
        if (depth == 0 || pick(5) == 0) return pick(3) == 0 ? constant() : leaves[pick(3)];
        const Var a = expr(depth - 1);
        switch (pick(16)) {
        case 0:
            return a + expr(depth - 1);
        case 1:
            return a - expr(depth - 1);
        case 2:
            return a * expr(depth - 1);
        case 3:
            return a / expr(depth - 1);
        case 4:
            return -a;
        case 5:
            return tj::pow(a, constant());
        case 6:
            return tj::exp(tj::tanh(a));
        case 7:
            return tj::log(1 + tj::sqr(a));
        case 8:
            return tj::sigmoid(a);
        case 9:
            return tj::softplus(a);
        case 10:
            return tj::fill(a, expr(depth - 1));
        case 11:
            return tj::reciprocal(1 + tj::sqr(a));
        case 12:
            return 1 - tj::sigmoid(a);
        case 13:
            return tj::log(tj::sigmoid(a));
        case 14:
            return a + constant();
        default:
            return a * constant();
        }
    }
};

// Equal where the reference is finite (reassociated constants round differently).
bool close(const tj::Array& got, const tj::Array& want) {
    if (!(got.shape() == want.shape())) return false;
    for (std::int64_t i = 0; i < want.size(); ++i) {
        const double p = got.flat(i), q = want.flat(i);
        if (!std::isfinite(q) || std::abs(q) > 1e6) continue;
        if (!(std::abs(p - q) <= 1e-6 * (1 + std::abs(q)))) return false;
    }
    return true;
}

} // namespace

TEST_CASE("rewrite: random expressions reach a fixpoint with their values", "[rewrite]") {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto s = tj::dscalar("s");
    const std::vector<std::pair<Var, tj::Array>> args = {
        {x, tj::Array(std::vector<double>{0.3, -1.2, 2.0})},
        {y, tj::Array(std::vector<double>{1.5, 0.7, -0.4})},
        {s, tj::Array(0.8)}};
    RandomGraph gen{std::mt19937_64(7), {x, y, s}};
    for (int k = 0; k < 300; ++k) {
        Var e;
        try {
            e = gen.expr(6);
        } catch (const tj::UserError&) {
            continue; // a fill of a vector into a scalar's shape, say
        }
        if (e.node()->is_leaf()) continue;
        tensorjit::FunctionGraph g;
        g.outputs.push_back(e.node());
        INFO("graph " << k << ":\n" << tensorjit::graph_text(g));
        tensorjit::FunctionGraph after;
        REQUIRE_NOTHROW(after = tensorjit::codegen::rewrite_graph(g));
        INFO("after:\n" << tensorjit::graph_text(after));
        CHECK(after.outputs[0]->type == e.node()->type);
        CHECK(tensorjit::graph_text(tensorjit::codegen::rewrite_graph(after)) ==
              tensorjit::graph_text(after));
        CHECK(close(tj::eval(Var(after.outputs[0]), args), tj::eval(e, args)));
    }
}

// Every rewrite rule: a small graph that exercises it, its graph text before and after the
// rewrite phases compared with the reviewed copy in tests/rewrite/golden/rules.txt, the rule seen
// applying, the result a fixpoint of the phases, and the values before and after equal (reference
// evaluation on random inputs). A rule without a case here fails the coverage test.
#include "compiler/graph/graph_text.hpp"
#include "compiler/rewrite/local_rewrite.hpp"
#include "compiler/rewrite/passes.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "rewrite_util.hpp"

#include <set>

namespace {

using tj::Var;
using tj_test::RewriteCase;

std::vector<RewriteCase> rule_cases() {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto z = tj::dvector("z");
    auto s = tj::dscalar("s");
    auto m = tj::dmatrix("m");
    auto i = tj::ivector("i");
    auto one_block = tj::constant(tj::Array(std::vector<double>{2.0}));
    return {
        // Identities.
        {"x + 0 -> x", {(x + 0) * y}},
        {"x - 0 -> x", {(x - 0) * y}},
        {"0 - x -> neg(x)", {0 - x}},
        {"x * 1 -> x", {(1 * x) + y}},
        {"x * -1 -> neg(x)", {x * -1}},
        {"x / 1 -> x", {(x / 1) + y}},
        {"x / -1 -> neg(x)", {x / -1}},
        {"constant_fold", {x * tj::exp(tj::Var(0.0))}},
        {"x - x -> fill(x, 0)", {(x - x)}},
        {"pow(x, 1) -> x", {tj::pow(x, 1) + y}},
        {"pow(x, 0) -> fill(x, 1)", {tj::pow(x, 0)}},
        {"pow(x, 2) -> sqr(x)", {tj::pow(x, 2)}},
        {"pow(x, 0.5) -> sqrt(x)", {tj::pow(x, 0.5)}},
        {"pow(x, -1) -> reciprocal(x) if is_float(x)", {tj::pow(x, -1)}},
        {"1 / x -> reciprocal(x) if is_float(x)", {1 / x}},
        // Negations.
        {"neg(neg(x)) -> x", {-(-x) * y}},
        {"neg(x - y) -> y - x", {-(x - y)}},
        {"x - neg(y) -> x + y", {x - (-y)}},
        {"x + neg(y) -> x - y", {(-y) + x}},
        {"neg(x) - y -> neg(x + y)", {-x - y}},
        {"neg(x) * y -> neg(x * y)", {y * (-x)}},
        {"neg(x) / y -> neg(x / y)", {(-x) / y}},
        {"x / neg(y) -> neg(x / y)", {x / (-y)}},
        {"reciprocal(neg(x)) -> neg(reciprocal(x))", {tj::reciprocal(-x)}},
        {"sqr(neg(x)) -> sqr(x)", {tj::sqr(-x)}},
        // Division chains.
        {"(x / y) / z -> x / (y * z) if is_float(y) && is_float(z)", {(x / y) / z}},
        {"x / (y / z) -> (x * z) / y if is_float(x) && is_float(z)", {x / (y / z)}},
        {"x * reciprocal(y) -> x / y", {x * tj::reciprocal(y)}},
        // Constants through add and mul chains.
        {"(x + c1) + c2 -> x + (c1 + c2)", {(x + 1) + 2}},
        {"(x - c1) + c2 -> x + (c2 - c1)", {(x - 1) + 3}},
        {"(x + c1) - c2 -> x + (c1 - c2)", {(x + 1) - 3}},
        {"(c1 - x) + c2 -> (c1 + c2) - x", {(1 - x) + 2}},
        {"(x + c1) + y -> (x + y) + c1 if !is_constant(x) && !is_constant(y)", {((x + 1) + y) + 2}},
        {"(x * c1) * c2 -> x * (c1 * c2)", {(x * 2) * 3}},
        {"(x / c1) * c2 -> x * (c2 / c1)", {(x / 2) * 3}},
        {"(x * c1) / c2 -> x * (c1 / c2) if is_float(x)", {(x * 3) / 2}},
        {"(c1 / x) * c2 -> (c1 * c2) / x if is_float(c1)", {(3 / x) * 2}},
        {"(x * c1) * y -> (x * y) * c1 if !is_constant(x) && !is_constant(y)", {((x * 2) * y) * 3}},
        // Fills.
        {"fill(x, y) -> y", {tj::fill(x, y)}},
        {"neg(fill(x, y)) -> fill(x, neg(y))", {-tj::fill(x, s)}},
        {"fill(x, y) + z -> fill(x, y + z)", {tj::fill(x, s) + s}},
        {"fill(x, y) * z -> fill(x, y * z)", {tj::fill(x, s) * y}},
        {"fill(x, y) - z -> fill(x, y - z)", {tj::fill(x, s) - s}},
        {"z - fill(x, y) -> fill(x, z - y)", {s - tj::fill(x, s)}},
        {"fill(x, y) / z -> fill(x, y / z)", {tj::fill(x, s) / s}},
        {"z / fill(x, y) -> fill(x, z / y)", {s / tj::fill(x, s)}},
        // Shapes and broadcast constants.
        {"local_shape_of_elemwise", {tj::cast(tj::shape(tj::exp(x) + y), tj::DType::Float64)}},
        {"local_axes_size_of_elemwise", {tj::grad(tj::mean(tj::exp(x) * y), y)}},
        {"local_scalar_operands", {one_block * x}},
        // Stabilize.
        {"reciprocal(1 + exp(x)) -> sigmoid(neg(x))", {1 / (1 + tj::exp(-x))}},
        {"1 - sigmoid(x) -> sigmoid(neg(x))", {1 - tj::sigmoid(x)}},
        {"log(sigmoid(x)) -> neg(softplus(neg(x)))", {tj::log(tj::sigmoid(x))}},
        {"log(1 + exp(x)) -> softplus(x)", {tj::log(1 + tj::exp(x))}},
        {"log1p(exp(x)) -> softplus(x)", {tj::log1p(tj::exp(x))}},
        {"log(exp(x) + exp(y)) -> logaddexp(x, y)", {tj::log(tj::exp(x) + tj::exp(y))}},
        {"log(1 + x) -> log1p(x)", {tj::log(1 + x)}},
        {"log(op(OpKind::Softmax, {x}, A)) -> op(OpKind::LogSoftmax, {x}, A)",
         {tj::log(tj::softmax(m, 1))}},
        {"log(op(OpKind::Sum, {exp(x)}, A)) -> logsumexp_of if not_shifted",
         {tj::log(tj::sum(tj::exp(m), 1))}},
        // Lazy ifelse.
        {"op(OpKind::IfElse, {x, y, y}) -> y", {tj::ifelse(s > 0, x * 2, x * 2)}},
        {"local_ifelse_constant_condition", {tj::ifelse(tj::Var(true), x * 2, tj::exp(x))}},
        {"local_ifelse_nested_same_condition",
         {tj::ifelse(s > 0, tj::ifelse(s > 0, x + 1, x * 3), tj::exp(y))}},
        {"local_ifelse_lift_elemwise", {tj::ifelse(s > 0, tj::exp(x) * z, tj::exp(y) * z)}},
        // Scan: only the last step kept.
        {"local_scan_save_mem",
         {tj::scan([](tj::Var x_t, tj::Var acc) { return acc * x_t; },
                   {.sequences = {x}, .outputs_info = {tj::Var(1.0)}})
              .output()(-1)}},
        // Where a rule must not apply: the identity would change the shape (a matrix of zeros
        // broadcasts x), or it does not hold for integers (pow(i, -1) is an error in NumPy).
        {"x + 0 -> x", {x + tj::constant(tj::Array::zeros(tj::DType::Float64, {2, 3}))}, false},
        {"x * 1 -> x", {tj::constant(tj::Array::full(tj::DType::Float64, {2, 3}, 1.0)) * y}, false},
        {"pow(x, -1) -> reciprocal(x) if is_float(x)", {tj::pow(i, -1)}, false},
    };
}

} // namespace

TEST_CASE("rewrite rules: each rule applies, keeps the values and reaches a fixpoint",
          "[rewrite][golden]") {
    const auto cases = rule_cases();
    std::string text;
    for (const auto& c : cases) {
        INFO(c.label());
        text += tj_test::check_rewrite_case(c);
    }
    tj_test::check_golden_text("rules.txt", text);
}

TEST_CASE("rewrite rules: every registered rule has a case", "[rewrite]") {
    std::set<std::string> covered;
    for (const auto& c : rule_cases()) covered.insert(c.rule);
    for (const char* phase : {"canonicalize", "stabilize"})
        for (const auto* r : tensorjit::rewrites_of(phase)) {
            INFO(phase << " rule " << r->name);
            CHECK(covered.count(r->name) == 1);
        }
}

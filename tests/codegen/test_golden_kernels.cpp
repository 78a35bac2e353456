// Kernel replay: the generated source of the tutorial's functions, compared with the reviewed
// copies in tests/codegen/golden/. A refactor of the emitter or the rewrites must leave them
// byte-identical, or the diff is reviewed and the files regenerated with
// tests/update_golden.sh (which sets TJ_UPDATE_GOLDEN=1).
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace {

// The entry point and its constants: the pasted templates are left out (a template edit shows
// in its own diff), and the symbol, which carries the machine-dependent cache key, is normalized.
std::string kernel_body(const std::string& source) {
    auto at = source.find("// ---- constants");
    REQUIRE(at != std::string::npos);
    return std::regex_replace(source.substr(at), std::regex("tj_k_[0-9a-f]{16}"), "tj_k_KEY");
}

void check_golden(const std::string& name, const std::string& source) {
    INFO("kernel " << name);
    tj_test::check_golden(std::filesystem::path(TJ_SOURCE_DIR) / "tests" / "codegen" / "golden" /
                              (name + ".cpp"),
                          kernel_body(source));
}

} // namespace

TEST_CASE("kernel replay: the tutorial's kernels are unchanged", "[codegen][golden]") {
    using namespace tj::literals;
    // The goldens are the rewritten kernels, also when TJ_REWRITES=off sets the default.
    const tj::FunctionOptions on{.rewrites = true};
    auto x = tj::dmatrix("x");
    check_golden("01_logistic", tj::function({x}, 1 / (1 + tj::exp(-x)), on).kernel_source());
    check_golden("01_logistic_tanh",
                 tj::function({x}, (1 + tj::tanh(x / 2)) / 2, on).kernel_source());

    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    check_golden("02_several_outputs",
                 tj::function({a, b}, {diff, tj::abs(diff), tj::pow(diff, 2)}, on).kernel_source());

    auto [s, t, w] = tj::dscalars("x", "y", "w");
    check_golden("03_in_defaults",
                 tj::function({s, tj::In(t, 1), tj::In(w, 2, "w_by_name")}, (s + t) * w, on)
                     .kernel_source());

    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    check_golden("04_accumulator",
                 tj::function({inc}, state, {.updates = {{state, state + inc}}, .rewrites = true})
                     .kernel_source());

    auto X = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto wv = tj::shared(tj::Array::zeros(tj::DType::Float64, {3}), "w");
    auto bv = tj::shared(0.0, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(X, wv) - bv));
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(wv, 2));
    auto [gw, gb] = tj::grad(cost, {wv, bv});
    check_golden("07_train", tj::function({X, y}, {p_1 > 0.5, xent},
                                          {.updates = {{wv, wv - 0.1 * gw}, {bv, bv - 0.1 * gb}},
                                           .rewrites = true})
                                 .kernel_source());
}

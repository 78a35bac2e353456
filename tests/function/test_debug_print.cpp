// tj::dprint, tj::to_dot and kernel_source without templates.
#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

// Renders dot text with Graphviz's dot (Debian's graphviz, scripts/setup.sh): the text must be
// valid dot, which only the real parser decides. A missing dot fails the test: the check must
// not silently vanish on a machine without it.
void check_renders(const std::string& dot, const std::string& tag) {
    REQUIRE_THAT(dot, Catch::Matchers::StartsWith("digraph G {"));
    if (std::system("command -v dot >/dev/null 2>&1") != 0)
        FAIL("Graphviz's `dot` is not installed (apt-get install graphviz; scripts/setup.sh "
             "lists it): cannot check tj::to_dot's output");
    const auto dir = std::filesystem::temp_directory_path() /
                     ("tj_dot_" + std::to_string(::getpid()) + "_" + tag);
    std::filesystem::create_directories(dir);
    { std::ofstream(dir / "g.dot") << dot; }
    const std::string cmd = "dot -Tsvg '" + (dir / "g.dot").string() + "' -o '" +
                            (dir / "g.svg").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    const int rc = std::system(cmd.c_str());
    std::string err;
    {
        std::ifstream in(dir / "err.txt");
        err.assign(std::istreambuf_iterator<char>(in), {});
    }
    INFO("dot text:\n" << dot << "\ndot stderr:\n" << err);
    CHECK(rc == 0);
    CHECK(std::filesystem::file_size(dir / "g.svg") > 0);
    std::filesystem::remove_all(dir);
}

} // namespace

TEST_CASE("dprint: tutorial section 1, the logistic function", "[dprint]") {
    auto x = tj::dmatrix("x");
    auto y = 1 / (1 + tj::exp(-x));
    CHECK(tj::dprint(y) == "true_div [id A] float64[?, ?]\n"
                           " |1 [id B] float64[]\n"
                           " |add [id C] float64[?, ?]\n"
                           "   |1 [id D] float64[]\n"
                           "   |exp [id E] float64[?, ?]\n"
                           "     |neg [id F] float64[?, ?]\n"
                           "       |x [id G] float64[?, ?]\n");
    CHECK(tj::dprint(y, {.types = false}) == "true_div [id A]\n"
                                             " |1 [id B]\n"
                                             " |add [id C]\n"
                                             "   |1 [id D]\n"
                                             "   |exp [id E]\n"
                                             "     |neg [id F]\n"
                                             "       |x [id G]\n");
    // The depth limit cuts the tree below the given level.
    CHECK(tj::dprint(y, {.types = false, .depth = 1}) == "true_div [id A]\n"
                                                         " |1 [id B]\n"
                                                         " |add [id C]\n"
                                                         "   |...\n");
}

TEST_CASE("dprint: tutorial section 2, a shared subexpression is printed once", "[dprint]") {
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    const std::vector<tj::Var> outs = {diff, tj::abs(diff), tj::pow(diff, 2)};
    CHECK(tj::dprint(outs) == "sub [id A] float64[?, ?]\n"
                              " |a [id B] float64[?, ?]\n"
                              " |b [id C] float64[?, ?]\n"
                              "abs [id D] float64[?, ?]\n"
                              " |sub [id A]\n"
                              "pow [id E] float64[?, ?]\n"
                              " |sub [id A]\n"
                              " |2 [id F] float64[]\n");
    // Leaves read twice keep their id; computed nodes below a back-reference are not repeated.
    auto sum = a + b;
    auto z = sum * (sum + a);
    CHECK(tj::dprint(z, {.types = false}) == "mul [id A]\n"
                                             " |add [id B]\n"
                                             " | |a [id C]\n"
                                             " | |b [id D]\n"
                                             " |add [id E]\n"
                                             "   |add [id B]\n"
                                             "   |a [id C]\n");
}

TEST_CASE("dprint: a function, before and after the compiler", "[dprint]") {
    auto x = tj::dmatrix("x");
    // The rewrites on whatever TJ_REWRITES says: the expected text is the rewritten graph.
    auto f = tj::function({x}, 1 / (1 + tj::exp(-x)), {.rewrites = true});
    CHECK(tj::dprint(f, {.types = false}) == "true_div [id A]\n"
                                             " |1 [id B]\n"
                                             " |add [id C]\n"
                                             "   |1 [id D]\n"
                                             "   |exp [id E]\n"
                                             "     |neg [id F]\n"
                                             "       |x [id G]\n");
    CHECK(tj::dprint(f, {.stage = tj::Stage::after}) ==
          "sigmoid [id A] float64[?, ?] [loop 0]\n"
          " |x [id B] float64[?, ?]\n"
          "kernel: 1 step\n"
          " step 0: loop 0 of 1 node [id A], stores [id A]\n");

    // A step of its own (a BLAS call) next to a fused loop: README.md's example.
    auto m = tj::dmatrix("m");
    auto v = tj::dvector("v");
    auto g = tj::function({m, v}, tj::exp(tj::dot(m, v)) + 1, {.rewrites = true});
    CHECK(tj::dprint(g, {.stage = tj::Stage::after}) ==
          "add [id A] float64[?] [loop 0]\n"
          " |exp [id B] float64[?] [loop 0]\n"
          " | |dot [id C] float64[?] [step 0: dot]\n"
          " |   |m [id D] float64[?, ?]\n"
          " |   |v [id E] float64[?]\n"
          " |1 [id F] float64[]\n"
          "kernel: 2 steps\n"
          " step 0: dot [id C]\n"
          " step 1: loop 0 of 2 nodes [id B] [id A], stores [id A]\n");

    // Updates come after the outputs, marked.
    auto state = tj::shared(0, "state");
    auto inc = tj::iscalar("inc");
    auto acc = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    CHECK(tj::dprint(acc) == "identity [id A] int64[]\n"
                             " |state [id B] int64[]\n"
                             "add [id C] (update state) int64[]\n"
                             " |state [id B] int64[]\n"
                             " |cast{int64} [id D] int64[]\n"
                             "   |inc [id E] int32[]\n");
}

TEST_CASE("dprint: Stage::after on variables annotates loops", "[dprint]") {
    auto x = tj::dvector("x");
    const std::string s = tj::dprint(tj::exp(x) * 2, {.stage = tj::Stage::after});
    INFO(s);
    CHECK(s.find("[loop 0]") != std::string::npos);
    CHECK(s.find("kernel: 1 step\n step 0: loop 0 of ") != std::string::npos);
}

TEST_CASE("dprint: constants show values or shapes", "[dprint]") {
    auto x = tj::dvector("x");
    auto c = tj::constant(tj::Array({1.5, 2.0, 0.1}));
    auto big = tj::constant(tj::Array::zeros(tj::DType::Float64, {2, 3}));
    CHECK(tj::dprint({x * c, tj::sum(big, 0)}, {.types = false}) == "mul [id A]\n"
                                                                    " |x [id B]\n"
                                                                    " |[1.5, 2, 0.1] [id C]\n"
                                                                    "sum{0,0} [id D]\n"
                                                                    " |constant(2, 3) [id E]\n");
}

TEST_CASE("dprint: a chain of 100000 nodes prints, truncated", "[dprint]") {
    auto x = tj::dvector("x");
    tj::Var y = x;
    for (int i = 0; i < 100000; ++i) y = tj::sin(y);
    const std::string s = tj::dprint(y);
    CHECK(s.size() < (1u << 20) + 4096);
    CHECK(s.find("... truncated after ") != std::string::npos);
    CHECK(s.find("of a graph of 100001 nodes") != std::string::npos);
    CHECK(s.rfind("sin [id A] float64[?]\n", 0) == 0);
    // A line limit stops earlier.
    const std::string few = tj::dprint(y, {.types = false, .max_lines = 3});
    CHECK(few == "sin [id A]\n |sin [id B]\n   |sin [id C]\n... truncated after 3 lines (39 "
                 "bytes) of a graph of 100001 nodes (DprintOptions::max_lines, max_bytes)\n");
}

TEST_CASE("to_dot: Graphviz text that dot renders", "[dprint]") {
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    const std::vector<tj::Var> outs = {diff, tj::abs(diff), tj::pow(diff, 2)};
    const std::string dot = tj::to_dot(outs);
    CHECK(dot.find("label=\"sub\\nfloat64[?, ?]\"") != std::string::npos);
    CHECK(dot.find("label=\"output 2\"") != std::string::npos);
    check_renders(dot, "vars");

    auto x = tj::dmatrix("x");
    auto state = tj::shared(tj::Array({1.0, 2.0}), "w \"quoted\"");
    auto f = tj::function({x}, 1 / (1 + tj::exp(-x)) + tj::sum(state),
                          {.updates = {{state, state * 2}}, .rewrites = true});
    const std::string after = tj::to_dot(f, {.stage = tj::Stage::after});
    CHECK(after.find("fillcolor=lightblue") != std::string::npos);
    CHECK(after.find("[loop 0]") != std::string::npos);
    check_renders(after, "function");
    check_renders(tj::to_dot(f, {.types = false}), "function_before");
}

TEST_CASE("kernel_source without the templates", "[dprint]") {
    auto x = tj::dmatrix("x");
    auto f = tj::function({x}, 1 / (1 + tj::exp(-x)));
    const std::string& full = f.kernel_source();
    const std::string alone = f.kernel_source({.templates = false});
    CHECK(full.find("TJ_KERNEL_ABI_H") != std::string::npos);
    CHECK(alone.find("TJ_KERNEL_ABI_H") == std::string::npos);
    CHECK(alone.find("// ---- constants") != std::string::npos);
    CHECK(alone.find("extern \"C\" int tj_k_") != std::string::npos);
    CHECK(alone.rfind("// tensorjit kernel tj_k_", 0) == 0);
    CHECK(alone.find("(generated; templates omitted)\n") != std::string::npos);
    CHECK(alone.size() < full.size());
    // The generated part is the tail of the full source.
    CHECK(full.ends_with(alone.substr(alone.find("\n// ---- constants"))));
    CHECK(f.kernel_source({.templates = true}) == full);
}

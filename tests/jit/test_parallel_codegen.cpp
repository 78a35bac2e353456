// Large kernels: machine code generated in parallel partitions, loaded as several objects into
// one JITDylib; the bundle format's checks.
#include "compiler/jit/jit.hpp"
#include "compiler/jit/object_bundle.hpp"
#include "support/test_util.hpp"
#include "tensorjit/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace jit = tensorjit::jit;

namespace {

// `parts` static noinline functions, each a long loop body, called in turn by the entry point
// (the shape of a large generated kernel), and what they compute, by hand.
std::string chain_source(int parts, int ops) {
    std::string s;
    for (int p = 0; p < parts; ++p) {
        s += "static __attribute__((noinline)) void part" + std::to_string(p) +
             "(double* x, long n) {\n  for (long i = 0; i < n; ++i) {\n    double v = x[i];\n";
        for (int k = 0; k < ops; ++k)
            s += k % 3 == 2 ? "    v = __builtin_tanh(v);\n" : "    v = v * 1.0001 + 0.5;\n";
        s += "    x[i] = v;\n  }\n}\n";
    }
    s += "extern \"C\" void tj_test_chain(double* x, long n) {\n";
    for (int p = 0; p < parts; ++p) s += "  part" + std::to_string(p) + "(x, n);\n";
    return s + "}\n";
}

double chain_value(double v, int parts, int ops) {
    for (int p = 0; p < parts; ++p)
        for (int k = 0; k < ops; ++k) v = k % 3 == 2 ? std::tanh(v) : v * 1.0001 + 0.5;
    return v;
}

} // namespace

TEST_CASE("a large kernel's code is generated in partitions and runs as one kernel",
          "[jit][parallel]") {
    const int parts = 12, ops = 120;
    const std::string object = jit::compile_to_object(chain_source(parts, ops), "chain.cpp");
    const auto objects = jit::detail::unbundle_objects(object, "tj_test_chain");
    INFO("objects: " << objects.size());
    if (std::thread::hardware_concurrency() >= 2) CHECK(objects.size() >= 2);
    for (auto o : objects) CHECK(o.substr(1, 3) == "ELF");
    auto kernel = jit::load_object(object, "tj_test_chain");
    using Fn = void (*)(double*, long);
    auto fn = reinterpret_cast<Fn>(kernel->address());
    std::vector<double> x(37);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = -1.0 + 0.05 * static_cast<double>(i);
    const std::vector<double> x0 = x;
    fn(x.data(), static_cast<long>(x.size()));
    for (std::size_t i = 0; i < x.size(); ++i)
        CHECK(x[i] == Approx(chain_value(x0[i], parts, ops)).epsilon(1e-12));
}

TEST_CASE("object bundles: one object stays itself; damaged bundles are CompileErrors",
          "[jit][parallel]") {
    using jit::detail::bundle_objects;
    using jit::detail::unbundle_objects;
    CHECK(bundle_objects({"\x7f"
                          "ELFabc"}) == "\x7f"
                                        "ELFabc");
    const std::string b = bundle_objects({"first", "", "third!"});
    const auto parts = unbundle_objects(b, "k");
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == "first");
    CHECK(parts[1].empty());
    CHECK(parts[2] == "third!");
    for (std::size_t cut : {std::size_t{9}, std::size_t{14}, b.size() - 1})
        tj_test::expect_error<tensorjit::CompileError>(
            [&] { unbundle_objects(b.substr(0, cut), "k"); }, {"malformed object bundle", "k"});
    tj_test::expect_error<tensorjit::CompileError>([&] { unbundle_objects(b + "x", "k"); },
                                                   {"bytes after the last object"});
}

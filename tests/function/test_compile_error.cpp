// A Clang failure surfaces as tj::CompileError with the diagnostics and the kernel source path.
#include <catch2/catch.hpp>

#include "compiler/codegen/kernel_emitter.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

TEST_CASE("a clang failure is a CompileError naming the diagnostics and the source path",
          "[function][errors]") {
    auto x = tj::dvector("x");
    // A constant unique to this run: never in a cache, even when the test runs twice.
    const double c = 1.0 + static_cast<double>(std::random_device{}() % 100000) / 1024.0;
    auto y = x * 3.25 + c;
    {
        // The hook goes however the check ends, so that later kernels compile clean.
        struct RemoveHook {
            ~RemoveHook() { tj::codegen::set_source_hook(nullptr); }
        } remove_hook;
        tj::codegen::set_source_hook(
            [](std::string& s) { s += "\nint broken = undeclared_name;\n"; });
        tj_test::expect_error<tj::CompileError>(
            [&] { tj::function({x}, y); }, {"undeclared_name"},
            [](const tj::CompileError& e) {
                CHECK(e.diagnostics().find("undeclared_name") != std::string::npos);
                CHECK(e.diagnostics().find("error") != std::string::npos);
                REQUIRE(std::filesystem::exists(e.source_path()));
                std::ifstream f(e.source_path());
                std::stringstream text;
                text << f.rdbuf();
                CHECK(text.str().find("int broken = undeclared_name;") != std::string::npos);
            });
    }
    // The failure was not cached: the same graph now compiles and runs.
    auto f = tj::function({x}, y);
    CHECK(tj::allclose(f(tj::Array({1.0, 2.0})), tj::Array({3.25 + c, 6.5 + c})));
}

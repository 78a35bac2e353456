// A crash, a stack overflow or a fatal error inside Clang/LLVM becomes a CompileError naming the
// kernel source, and the process keeps compiling afterwards.
#include "compiler/jit/jit.hpp"
#include "support/test_util.hpp"
#include "tensorjit/error.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace jit = tensorjit::jit;

namespace {

const char* const kScaleSource = R"(
extern "C" void tj_test_scale(const double* a, double* out, long n) {
    for (long i = 0; i < n; ++i)
        out[i] = 2.0 * a[i] + 1.0;
}
)";

// The process still compiles, loads and runs kernels.
void check_still_compiles() {
    auto kernel =
        jit::load_object(jit::compile_to_object(kScaleSource, "scale.cpp"), "tj_test_scale");
    auto scale = reinterpret_cast<void (*)(const double*, double*, long)>(kernel->address());
    std::vector<double> in{1.0, -2.0, 0.5}, out(3);
    scale(in.data(), out.data(), 3);
    for (int i = 0; i < 3; ++i) CHECK(out[i] == 2.0 * in[i] + 1.0);
}

// Makes the next compile fail by fault: requires a CompileError naming path, returns its message.
std::string compile_error_of(jit::testing::Fault fault, const std::string& path) {
    jit::testing::inject_fault_in_next_compile(fault);
    return tj_test::expect_error<tensorjit::CompileError>(
        [&] { jit::compile_to_object(kScaleSource, path); }, {path},
        [&](const tensorjit::CompileError& e) { CHECK(e.source_path() == path); });
}

} // namespace

TEST_CASE("a segmentation fault in the compiler is a CompileError", "[jit][crash]") {
    CHECK_THAT(compile_error_of(jit::testing::Fault::Segfault, "/tmp/tj-crash/segv.cpp"),
               Catch::Contains("SIGSEGV"));
    check_still_compiles();
    // Recovery keeps working: a second crash is caught as well.
    CHECK_THAT(compile_error_of(jit::testing::Fault::Segfault, "/tmp/tj-crash/segv2.cpp"),
               Catch::Contains("SIGSEGV"));
    check_still_compiles();
}

TEST_CASE("an abort in the compiler is a CompileError", "[jit][crash]") {
    CHECK_THAT(compile_error_of(jit::testing::Fault::Abort, "/tmp/tj-crash/abort.cpp"),
               Catch::Contains("SIGABRT"));
    check_still_compiles();
}

TEST_CASE("report_fatal_error in the compiler is a CompileError, not an exit", "[jit][crash]") {
    const std::string what =
        compile_error_of(jit::testing::Fault::FatalError, "/tmp/tj-crash/fatal.cpp");
    CHECK_THAT(what, Catch::Contains("fatal error"));
    CHECK_THAT(what, Catch::Contains("a deliberate fatal error"));
    check_still_compiles();
}

TEST_CASE("a stack overflow in the compiler is a CompileError", "[jit][crash]") {
    CHECK_THAT(compile_error_of(jit::testing::Fault::StackOverflow, "/tmp/tj-crash/overflow.cpp"),
               Catch::Contains("SIGSEGV"));
    check_still_compiles();
}

TEST_CASE("a crash in one compile leaves a concurrent compile alone", "[jit][crash]") {
    std::string ok_object, crash_error, other_error;
    std::thread good([&] {
        try {
            for (int i = 0; i < 3; ++i)
                ok_object = jit::compile_to_object(kScaleSource, "good.cpp");
        } catch (const std::exception& e) {
            other_error = e.what();
        }
    });
    std::thread bad([&] {
        for (int i = 0; i < 3; ++i) {
            jit::testing::inject_fault_in_next_compile(jit::testing::Fault::Segfault);
            try {
                jit::compile_to_object(kScaleSource, "bad.cpp");
            } catch (const tensorjit::CompileError& e) {
                crash_error = e.what();
            }
        }
    });
    good.join();
    bad.join();
    CHECK(other_error.empty());
    CHECK(!ok_object.empty());
    CHECK_THAT(crash_error, Catch::Contains("SIGSEGV"));
    check_still_compiles();
}

TEST_CASE("a const-initializer chain that overflowed an 8 MB stack compiles on the compile thread",
          "[jit][crash]") {
    // What the kernel emitter used to write: Clang's constant evaluator follows a chain of const
    // initializers recursively, and a kernel of ~800 such links (the B7 probe) overflowed the 8 MB
    // stack of the caller's thread. The compile thread's 64 MB take this one (a 60000-link chain
    // compiled too, in 28 s).
    const int links = 3000;
    std::string source = "extern \"C\" double tj_test_chain(double x) {\n  const double v0 = x;\n";
    for (int i = 1; i <= links; ++i)
        source += "  const double v" + std::to_string(i) + " = __builtin_tanh(v" +
                  std::to_string(i - 1) + " * 1.0001 + 0.5);\n";
    source += "  return v" + std::to_string(links) + ";\n}\n";
    auto kernel = jit::load_object(jit::compile_to_object(source, "/tmp/tj-crash/chain.cpp"),
                                   "tj_test_chain");
    auto chain = reinterpret_cast<double (*)(double)>(kernel->address());
    double expected = 0.3;
    for (int i = 1; i <= links; ++i) expected = std::tanh(expected * 1.0001 + 0.5);
    CHECK(chain(0.3) == Approx(expected).epsilon(1e-12));
    check_still_compiles();
}

// The JIT layer on its own: source -> object (compile_to_object) -> code (load_object).
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

const char* const kAddSource = R"(
extern "C" void tj_test_add(const double* a, const double* b, double* out, long n) {
    for (long i = 0; i < n; ++i)
        out[i] = a[i] + b[i];
}
)";

const char* const kLogisticSource = R"(
extern "C" void tj_test_logistic(const double* in, double* out, long n) {
    for (long i = 0; i < n; ++i)
        out[i] = 1.0 / (1.0 + __builtin_exp(-in[i]));
}
)";

using AddFn = void (*)(const double*, const double*, double*, long);
using UnaryFn = void (*)(const double*, double*, long);

std::vector<double> iota(long n, double start, double step) {
    std::vector<double> v(n);
    for (long i = 0; i < n; ++i) v[i] = start + step * i;
    return v;
}

void check_add(const jit::Kernel& kernel) {
    auto add = reinterpret_cast<AddFn>(kernel.address());
    REQUIRE(add != nullptr);
    const long n = 37; // not a multiple of the vector width: the loop tail runs too
    std::vector<double> a = iota(n, 0.5, 1.0), b = iota(n, -3.0, 0.25), out(n, -1.0);
    add(a.data(), b.data(), out.data(), n);
    for (long i = 0; i < n; ++i) CHECK(out[i] == a[i] + b[i]);
}

} // namespace

TEST_CASE("a compiled kernel adds two arrays", "[jit]") {
    jit::CompileTimes times;
    const std::string object = jit::compile_to_object(kAddSource, "add.cpp", &times);
    CHECK(object.substr(1, 3) == "ELF"); // an ELF object
    CHECK(times.frontend_ms > 0);
    CHECK(times.optimize_ms > 0);
    CHECK(times.codegen_ms > 0);
    auto kernel = jit::load_object(object, "tj_test_add");
    check_add(*kernel);
}

TEST_CASE("exp in a loop is vectorized with libmvec and stays exact", "[jit]") {
    const std::string object = jit::compile_to_object(kLogisticSource, "logistic.cpp");
    // The vector variants are named by the vector ABI: _ZGVdN4v_exp (AVX2), _ZGVbN2v_exp (SSE).
    CHECK(object.find("_ZGV") != std::string::npos);
    CHECK(object.find("v_exp") != std::string::npos);

    auto kernel = jit::load_object(object, "tj_test_logistic");
    auto logistic = reinterpret_cast<UnaryFn>(kernel->address());
    const long n = 1000;
    std::vector<double> in = iota(n, -30.0, 0.061), out(n);
    in[0] = 0.0;
    in[1] = 700.0;
    in[2] = -700.0;
    logistic(in.data(), out.data(), n);
    for (long i = 0; i < n; ++i) {
        const double expected = 1.0 / (1.0 + std::exp(-in[i]));
        INFO("x = " << in[i]);
        CHECK(std::abs(out[i] - expected) <= 1e-15 * std::abs(expected));
    }
}

TEST_CASE("a syntax error raises CompileError with clang's diagnostics", "[jit]") {
    const std::string path = "/tmp/tensorjit-test/broken_kernel.cpp";
    const std::string source = "extern \"C\" void broken(double* x) { x[0] = 1.0 }\n";
    tj_test::expect_error<tensorjit::CompileError>(
        [&] { jit::compile_to_object(source, path); },
        {"clang failed to compile " + path, "expected ';'"},
        [&](const tensorjit::CompileError& e) {
            CHECK(e.source_path() == path);
            CHECK_THAT(e.diagnostics(), Catch::Contains("broken_kernel.cpp:1:"));
            CHECK_THAT(e.diagnostics(), Catch::Contains("expected ';'"));
        });
}

TEST_CASE("a kernel calling an undefined function fails at load", "[jit]") {
    const std::string object = jit::compile_to_object(R"(
extern "C" double tj_test_no_such_function(double);
extern "C" double tj_test_undefined(double x) { return tj_test_no_such_function(x) + 1.0; }
)",
                                                      "undefined.cpp");
    tj_test::expect_error<tensorjit::CompileError>(
        [&] { jit::load_object(object, "tj_test_undefined"); }, {"tj_test_undefined"},
        [](const tensorjit::CompileError& e) {
            CHECK(e.source_path().empty());
            CHECK_THAT(e.diagnostics(), Catch::Contains("tj_test_no_such_function"));
        });
}

TEST_CASE("a symbol missing from the object fails at load", "[jit]") {
    const std::string object = jit::compile_to_object(kAddSource, "add.cpp");
    CHECK_THROWS_AS(jit::load_object(object, "tj_test_not_defined_here"), tensorjit::CompileError);
    CHECK_THROWS_AS(jit::load_object("not an object file", "f"), tensorjit::CompileError);
}

namespace {
double tj_test_host_scale(double x) { return 3.0 * x + 0.5; }
} // namespace

TEST_CASE("kernels call host symbols registered with add_host_symbol", "[jit]") {
    jit::add_host_symbol("tj_test_host_scale", reinterpret_cast<void*>(&tj_test_host_scale));
    // Registering the same address again is harmless; another address is a bug.
    jit::add_host_symbol("tj_test_host_scale", reinterpret_cast<void*>(&tj_test_host_scale));
    CHECK_THROWS_AS(jit::add_host_symbol("tj_test_host_scale", reinterpret_cast<void*>(&iota)),
                    tensorjit::InternalError);
    const std::string object = jit::compile_to_object(R"(
extern "C" double tj_test_host_scale(double);
extern "C" void tj_test_call_host(const double* in, double* out, long n) {
    for (long i = 0; i < n; ++i)
        out[i] = tj_test_host_scale(in[i]);
}
)",
                                                      "call_host.cpp");
    auto kernel = jit::load_object(object, "tj_test_call_host");
    auto call_host = reinterpret_cast<UnaryFn>(kernel->address());
    std::vector<double> in = iota(10, -2.0, 0.5), out(10);
    call_host(in.data(), out.data(), 10);
    for (int i = 0; i < 10; ++i) CHECK(out[i] == tj_test_host_scale(in[i]));
}

TEST_CASE("an object can be loaded again after its kernel is dropped, or twice at once", "[jit]") {
    const std::string object = jit::compile_to_object(kAddSource, "add.cpp");
    auto first = jit::load_object(object, "tj_test_add");
    check_add(*first);
    auto second = jit::load_object(object, "tj_test_add"); // same symbol, still loaded
    check_add(*second);
    CHECK(first->address() != second->address());
    first.reset();
    check_add(*second);
    second.reset();
    for (int i = 0; i < 3; ++i) {
        auto again = jit::load_object(object, "tj_test_add");
        check_add(*again);
    }
}

TEST_CASE("two threads compile and load at once", "[jit]") {
    std::string objects[2];
    std::string errors[2];
    auto work = [&](int t) {
        try {
            for (int i = 0; i < 3; ++i)
                objects[t] = jit::compile_to_object(t == 0 ? kAddSource : kLogisticSource,
                                                    "thread" + std::to_string(t) + ".cpp");
        } catch (const std::exception& e) {
            errors[t] = e.what();
        }
    };
    std::thread a(work, 0), b(work, 1);
    a.join();
    b.join();
    CHECK(errors[0].empty());
    CHECK(errors[1].empty());
    REQUIRE(!objects[0].empty());
    REQUIRE(!objects[1].empty());
    // Each object matches the one compiled on this thread: compiles are deterministic.
    CHECK(objects[0] == jit::compile_to_object(kAddSource, "thread0.cpp"));
    CHECK(objects[1] == jit::compile_to_object(kLogisticSource, "thread1.cpp"));
    check_add(*jit::load_object(objects[0], "tj_test_add"));
}

TEST_CASE("target_id names LLVM, the triple and the host CPU", "[jit]") {
    const std::string& id = jit::target_id();
    CHECK_THAT(id, Catch::Contains("16."));
    CHECK_THAT(id, Catch::Contains("x86_64"));
    CHECK_THAT(id, Catch::Contains("linux"));
    CHECK_THAT(id, Catch::Contains("+sse2"));
    CHECK(&id == &jit::target_id());
}

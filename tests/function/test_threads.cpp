// Functions under threads: one Function called from many threads, copies that share an updated
// shared variable, readers against writers, and concurrent builds of the same graphs (which
// compile once). Run under ThreadSanitizer by scripts/sanitize.sh.
#include "compiler/codegen/kernel_emitter.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace tj = tensorjit;
using tj::Array;

namespace {

constexpr int kThreads = 8;

// Runs body(t) on kThreads threads started together; returns after all joined.
template <class F> void on_threads(F body, int threads = kThreads) {
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < threads) std::this_thread::yield();
            body(t);
        });
    for (auto& th : pool) th.join();
}

// A constant no earlier run has used, so that keys are new and builds really compile.
double fresh_constant() {
    static const double base = static_cast<double>(std::random_device{}() % 1000000) + 0.25;
    static std::atomic<int> n{0};
    return base + n.fetch_add(1) * 1e-3;
}

} // namespace

TEST_CASE("one function called from many threads returns every call's own result",
          "[function][threads]") {
    auto [x, y] = tj::dvectors("x", "y");
    auto f = tj::function({x, y}, tj::exp(x) * 2 + y);
    auto g = tj::function({x, y}, {x + y, x * y}); // several outputs
    std::atomic<int> wrong{0};
    on_threads([&](int t) {
        for (int i = 0; i < 300; ++i) {
            const double a = t + i * 1e-3;
            const long n = 1 + (t * 7 + i) % 40; // different shapes per call
            std::vector<double> xs(n, a), ys(n, -a);
            Array r = f(xs, ys);
            auto two = g(xs, ys);
            bool ok = r.shape() == tj::Dims{n} && two[0].shape() == tj::Dims{n};
            // exp is vectorized (libmvec): within an ulp or two of std::exp.
            const double want = std::exp(a) * 2 - a;
            for (long k = 0; ok && k < n; ++k)
                ok = std::abs(r.flat(k) - want) <= 1e-12 * std::abs(want) &&
                     two[0].flat(k) == 0.0 && two[1].flat(k) == -a * a;
            if (!ok) wrong.fetch_add(1);
        }
    });
    CHECK(wrong.load() == 0);
}

TEST_CASE("calls that fail on some threads do not disturb the others", "[function][threads]") {
    auto x = tj::dvector("x");
    auto i = tj::iscalar("i");
    auto f = tj::function({x, i}, x(i) * 3);
    std::atomic<int> wrong{0}, errors{0};
    on_threads([&](int t) {
        const Array v({1.0, 2.0, 3.0});
        for (int k = 0; k < 300; ++k) {
            if ((t + k) % 3 == 0) {
                try {
                    f(v, 5);
                } catch (const tj::ValueError&) {
                    errors.fetch_add(1);
                }
            } else if (f(v, k % 3).item<double>() != 3.0 * (k % 3 + 1)) {
                wrong.fetch_add(1);
            }
        }
    });
    CHECK(wrong.load() == 0);
    CHECK(errors.load() == 800);
}

TEST_CASE("copies sharing an updated variable apply every update atomically",
          "[function][threads]") {
    constexpr long kLen = 256;
    auto acc = tj::shared(Array::zeros(tj::DType::Float64, {kLen}), "acc");
    auto count = tj::shared(0, "count");
    auto inc = tj::dscalar("inc");
    // acc += inc (element-wise, in place), count += 1: the two must move together.
    auto add =
        tj::function({inc}, tj::sum(acc), {.updates = {{acc, acc + inc}, {count, count + 1}}});
    std::vector<tj::Function> copies;
    for (int t = 0; t < kThreads; ++t) copies.push_back(add.copy());
    // A reader: every element of acc is the same at every moment, and equals count.
    auto x = tj::dscalar("x");
    auto read = tj::function(
        {x}, {tj::max(acc) - tj::min(acc), tj::min(acc) - tj::cast(count, tj::DType::Float64) + x});
    std::atomic<int> torn{0};
    constexpr int kCalls = 400;
    on_threads([&](int t) {
        if (t == 0) {
            // One thread only reads: through a function and through get_value.
            for (int k = 0; k < kCalls; ++k) {
                auto r = read(0.0);
                if (r[0].item<double>() != 0.0 || r[1].item<double>() != 0.0) torn.fetch_add(1);
                Array v = acc.get_value();
                for (long e = 1; e < kLen; ++e)
                    if (v.flat(e) != v.flat(0)) {
                        torn.fetch_add(1);
                        break;
                    }
            }
            return;
        }
        for (int k = 0; k < kCalls; ++k) copies[t](1.0);
    });
    CHECK(torn.load() == 0);
    const Array final_acc = acc.get_value();
    CHECK(count.get_value().item<std::int64_t>() == (kThreads - 1) * kCalls);
    for (long e = 0; e < kLen; ++e) CHECK(final_acc.flat(e) == (kThreads - 1) * kCalls);
}

TEST_CASE("set_value and calls on one variable from several threads", "[function][threads]") {
    auto w = tj::shared(Array({1.0, 1.0, 1.0}), "w");
    auto x = tj::dscalar("x");
    auto scale = tj::function({x}, tj::sum(w), {.updates = {{w, w * x}}});
    std::atomic<int> bad{0};
    on_threads(
        [&](int t) {
            for (int k = 0; k < 300; ++k) {
                if (t == 0) {
                    w.set_value(Array({2.0, 2.0, 2.0}));
                } else {
                    // Before the update the three elements are equal; the sum is three times one.
                    const double s = scale(1.0).item<double>();
                    if (s != 3.0 && s != 6.0) bad.fetch_add(1);
                }
            }
        },
        4);
    CHECK(bad.load() == 0);
}

TEST_CASE("concurrent builds of the same graphs compile each once", "[function][threads]") {
    constexpr int kGraphs = 10;
    std::vector<double> constants;
    for (int g = 0; g < kGraphs; ++g) constants.push_back(fresh_constant());
    const auto before = tj::compile_stats();
    std::atomic<int> wrong{0};
    std::vector<std::vector<tj::Function>> kept(kThreads);
    on_threads([&](int t) {
        for (int g = 0; g < kGraphs; ++g) {
            const int which = (g + t) % kGraphs; // threads meet on every graph in another order
            auto x = tj::dscalar("x");
            auto f = tj::function({x}, x * constants[which] + 1);
            if (f(2.0).item<double>() != 2.0 * constants[which] + 1) wrong.fetch_add(1);
            kept[t].push_back(f); // the kernel stays alive: later builds are memory hits
        }
    });
    const auto after = tj::compile_stats();
    CHECK(wrong.load() == 0);
    CHECK(after.clang_compiles - before.clang_compiles == kGraphs);
    CHECK(after.disk_hits == before.disk_hits);
    CHECK(after.functions_built - before.functions_built == kThreads * kGraphs);
}

TEST_CASE("concurrent builds of a graph that fails to compile all get the error",
          "[function][threads]") {
    // Clang fails on the kernel (a line the source hook appends): the threads that asked for the
    // key while it was being built get the builder's CompileError; Clang ran once for them all
    // unless a thread came after the failed build ended (then it tries again, and fails again).
    tj::codegen::set_source_hook([](std::string& s) { s += "\nint broken = undeclared_name;\n"; });
    auto x = tj::dscalar("x");
    auto y = x * fresh_constant();
    const auto before = tj::compile_stats();
    std::atomic<int> errors{0};
    on_threads([&](int) {
        try {
            tj::function({x}, y);
        } catch (const tj::CompileError& e) {
            if (std::string(e.what()).find("undeclared_name") != std::string::npos)
                errors.fetch_add(1);
        }
    });
    tj::codegen::set_source_hook(nullptr);
    CHECK(errors.load() == kThreads);
    CHECK(tj::compile_stats().clang_compiles ==
          before.clang_compiles); // failed compiles are not counted
    // The failure was not remembered: the graph now compiles.
    CHECK(tj::function({x}, y)(1.0).item<double>() > 0);
}

// Precompiling (#11 item 7): warming the tutorial's functions from graph files into an empty
// cache and into one that has them, and a fresh process that builds 20 functions from a warmed
// cache (goal: under 10 ms for the 20, JIT creation included).
#include "bench_cache_dir.hpp"

#include <tensorjit/cache.hpp>
#include <tensorjit/generator.hpp>
#include <tensorjit/precompile.hpp>
#include <tensorjit/tensorjit.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

tj_bench::TempCacheDir g_cache;
constexpr int kFunctions = 20;

// Function k: the tutorial's training step with learning rate 0.1 * (k + 1) (distinct keys).
std::filesystem::path train_file(int k) {
    return g_cache.cache().parent_path() / ("train" + std::to_string(k) + ".tjgraph");
}

// The tutorial's model; each(k, inputs, outputs, options) for the 20 training functions.
template <class F> void for_each_function(F each) {
    tj::Generator rng(2882);
    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(rng.standard_normal({784}), "w");
    auto b = tj::shared(0.0, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});
    for (int k = 0; k < kFunctions; ++k) {
        const double lr = 0.1 * (k + 1);
        tj::FunctionOptions options;
        options.updates = {{w, w - lr * gw}, {b, b - lr * gb}};
        options.name = "train" + std::to_string(k);
        each(k, std::vector<tj::In>{x, y}, std::vector<tj::Var>{p_1 > 0.5, xent}, options);
    }
}

void export_files() {
    static bool done = false;
    if (done) return;
    for_each_function([](int k, const auto& in, const auto& out, const auto& options) {
        tj::save_function(train_file(k), in, out, options);
    });
    done = true;
}

void check(const tj::WarmResult& r, tj::WarmResult::Status want, benchmark::State& state) {
    if (r.status != want) state.SkipWithError(("warm: " + r.error).c_str());
}

// Warming two functions (train 0 and 1) into an empty cache: graph file, rewrites, codegen, Clang.
void BM_warm_cold(benchmark::State& state) {
    export_files();
    tj::KernelCache cache(g_cache.cache());
    for (auto _ : state) {
        cache.clear();
        auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < 2; ++k)
            check(tj::warm_graph_file(train_file(k)), tj::WarmResult::Status::Compiled, state);
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
}
BENCHMARK(BM_warm_cold)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

// The same two, already cached: reading the files, keying and checking the entries.
void BM_warm_cached(benchmark::State& state) {
    export_files();
    for (int k = 0; k < 2; ++k) tj::warm_graph_file(train_file(k));
    for (auto _ : state)
        for (int k = 0; k < 2; ++k)
            check(tj::warm_graph_file(train_file(k)), tj::WarmResult::Status::Cached, state);
}
BENCHMARK(BM_warm_cached)->Unit(benchmark::kMillisecond);

// A fresh process (this program run with --start) builds the 20 functions in C++, as the
// application does, from the cache warmed from their graph files; it reports the milliseconds
// from before the first tj::function to after the last (process start-up itself, the dynamic
// loading of LLVM, is not counted), and that it compiled nothing.
void BM_process_start_20_functions(benchmark::State& state) {
    export_files();
    for (int k = 0; k < kFunctions; ++k) tj::warm_graph_file(train_file(k));
    std::vector<std::string> args = {"/proc/self/exe", "--start", g_cache.cache().string()};
    for (auto _ : state) {
        int fds[2];
        if (pipe(fds) != 0) return state.SkipWithError("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_t pid;
        const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (rc != 0) return state.SkipWithError("posix_spawn");
        std::string out;
        char buf[256];
        for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        double ms = 0, compiles = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            std::sscanf(out.c_str(), "%lf %lf", &ms, &compiles) != 2 || compiles != 0)
            return state.SkipWithError(("child: " + out).c_str());
        state.SetIterationTime(ms / 1000);
    }
}
BENCHMARK(BM_process_start_20_functions)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(10);

} // namespace

int main(int argc, char** argv) {
    if (argc > 2 && std::strcmp(argv[1], "--start") == 0) {
        // The parent's cache (this process's own TempCacheDir set another before main).
        setenv("TJ_CACHE_DIR", argv[2], 1);
        const auto t0 = std::chrono::steady_clock::now();
        std::vector<tj::MultiFunction> fs;
        for_each_function([&](int, const auto& in, const auto& out, const auto& options) {
            fs.push_back(tj::function(in, out, options));
        });
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        std::cout << ms << " " << tj::compile_stats().clang_compiles << "\n";
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}

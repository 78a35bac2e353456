// Profiling (FunctionOptions::profile, TJ_PROFILE=1, tensorjit/profile.hpp): call counts and the
// split of their time, one entry per kernel step with the bytes its arrays occupy, the printed
// table, the unprofiled kernel left as it is, separate cache keys, and the table printed at exit
// by a process run with TJ_PROFILE=1.
#include "compiler/codegen/pipeline.hpp"
#include "compiler/function/function_impl.hpp"
#include "compiler/function/graph_key.hpp"
#include "compiler/function/profile_record.hpp"
#include "compiler/jit/jit.hpp"

#include <catch2/catch.hpp>

#include <tensorjit/tensorjit.hpp>

#include "support/test_util.hpp"

#include <algorithm>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using tj::Array;
using tj::Var;

// The profile of the function with this cache key and name built last (other test cases in this
// process profile functions too, some with the same graph).
std::optional<tj::ProfileStats> stats_of(const tj::FunctionBase& f) {
    std::optional<tj::ProfileStats> found;
    for (auto& p : tj::profile_stats())
        if (p.cache_key == f.cache_key() && p.name == f.name()) found = std::move(p);
    return found;
}

// The steps the kernel of these inputs and outputs has: one per step of its schedule, the loops
// that write in place counting as one.
std::size_t kernel_steps(const std::vector<tj::In>& inputs, const std::vector<Var>& outputs,
                         const tj::FunctionOptions& options) {
    const auto s = tensorjit::codegen::schedule_graph(
        tensorjit::detail::function_graph(inputs, outputs, options));
    std::size_t n = 0;
    bool deferred = false;
    for (const auto& st : s.steps) {
        if (st.loop >= 0 && s.loops[static_cast<std::size_t>(st.loop)].deferred)
            deferred = true;
        else
            ++n;
    }
    return n + (deferred ? 1 : 0);
}

const tj::StepStats* step_named(const tj::ProfileStats& p, const std::string& prefix) {
    for (const auto& s : p.steps)
        if (s.description.rfind(prefix, 0) == 0) return &s;
    return nullptr;
}

Array iota(std::int64_t n, double scale) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * static_cast<double>(i % 17);
    return Array(v);
}

} // namespace

TEST_CASE("profile: calls are counted and their times add up", "[function][profile]") {
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    const tj::FunctionOptions options{.name = "profile_add", .profile = true};
    auto f = tj::function({x, y}, x + y, options);
    const Array a = iota(1000, 1.0), b = iota(1000, 0.5);
    constexpr int kCalls = 7;
    for (int i = 0; i < kCalls; ++i) {
        const Array r = f(a, b);
        REQUIRE(r.shape() == tj::Dims{1000});
        CHECK(r.at({999}) == a.at({999}) + b.at({999}));
    }

    const auto p = stats_of(f);
    REQUIRE(p);
    CHECK(p->calls == kCalls);
    CHECK(p->seconds > 0);
    CHECK(p->kernel_seconds > 0);
    CHECK(p->bind_seconds > 0);
    CHECK(p->alloc_seconds > 0); // the output of every call
    CHECK(p->update_seconds >= 0);
    CHECK(p->bind_seconds + p->kernel_seconds + p->alloc_seconds + p->update_seconds <= p->seconds);
    // One fused loop over two float64 vectors of 1000 elements writing a third.
    REQUIRE(p->steps.size() == 1);
    CHECK(p->steps[0].description == "loop 0: add");
    CHECK(p->steps[0].calls == kCalls);
    CHECK(p->steps[0].seconds > 0);
    CHECK(p->steps[0].seconds <= p->kernel_seconds + p->alloc_seconds);
    CHECK(p->steps[0].bytes == kCalls * 3 * 8000ULL);

    // A call that fails is not counted; the function goes on counting after it.
    tj_test::expect_error<tj::ShapeError>([&] { f(a, iota(999, 1.0)); });
    CHECK(stats_of(f)->calls == kCalls);
    f(a, b);
    CHECK(stats_of(f)->calls == kCalls + 1);

    // Strided arguments run another kernel, profiled the same way.
    const Array every_other = Array::zeros(tj::DType::Float64, {2000}).slice(0, 0, 2000, 2);
    REQUIRE_FALSE(every_other.is_c_contiguous());
    f(every_other, b);
    const auto after = stats_of(f);
    CHECK(after->calls == kCalls + 2);
    CHECK(after->steps[0].calls == kCalls + 2);
    CHECK(after->steps[0].bytes == (kCalls + 2) * 3 * 8000ULL);
}

TEST_CASE("profile: a tutorial-like function has one entry per step with its bytes",
          "[function][profile]") {
    constexpr std::int64_t N = 100, F = 20;
    auto X = tj::dmatrix("X");
    auto w = tj::shared(iota(F, 0.01), "w");
    auto b = tj::shared(0.5, "b");
    const Var p_1 = 1 / (1 + tj::exp(-tj::dot(X, w) - b));
    const Var total = tj::sum(p_1);
    const tj::FunctionOptions options{
        .name = "profile_logistic", .rewrites = true, .profile = true};
    auto f = tj::function({X}, total, options);
    auto plain = tj::function({X}, total, {.rewrites = true});
    std::vector<double> xs(static_cast<std::size_t>(N * F));
    for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(i % 7) - 3;
    const Array x = Array(xs).reshape({N, F});
    constexpr int kCalls = 3;
    for (int i = 0; i < kCalls; ++i) CHECK(f(x).item<double>() == plain(x).item<double>());

    const auto p = stats_of(f);
    REQUIRE(p);
    CHECK(p->calls == kCalls);
    REQUIRE(p->steps.size() == kernel_steps({X}, {total}, options));
    for (const auto& s : p->steps) {
        CHECK(s.calls == kCalls);
        CHECK(s.seconds > 0);
    }
    // The matrix-vector product reads X and w and writes N values.
    const tj::StepStats* gemv = step_named(*p, "gemv: ");
    REQUIRE(gemv);
    CHECK(gemv->description == "gemv: dot(X, w)");
    CHECK(gemv->bytes == kCalls * 8ULL * (N * F + F + N));
    // The loop reads the product and b and writes the sum: what its arrays occupy.
    const tj::StepStats* loop = step_named(*p, "loop ");
    REQUIRE(loop);
    CHECK(loop->description.rfind("loop 0: ", 0) == 0);
    CHECK(loop->description.ends_with(", sum"));
    CHECK(loop->bytes == kCalls * 8ULL * (N + 1 + 1));

    // The table, as PyTensor's: the function's block, then its steps sorted by time.
    std::ostringstream os;
    tj::print_profile(os);
    const std::string table = os.str();
    INFO(table);
    const auto block =
        table.find("  Function: profile_logistic (key " + f.cache_key().substr(0, 16));
    REQUIRE(block != std::string::npos);
    CHECK(table.rfind("Function profiling\n==================\n", block) != std::string::npos);
    const std::string own = table.substr(block, table.find("Function profiling", block) - block);
    CHECK(own.find("Time in 3 calls: ") != std::string::npos);
    for (const char* part : {"argument checks:", "kernel:", "output allocation:", "updates:"})
        CHECK(own.find(part) != std::string::npos);
    const std::string header =
        "  <% time> <sum %> <time> <time per call> <calls> <bytes/call> <step>\n";
    REQUIRE(own.find(header) != std::string::npos);
    // One row per step, ending with its description, the slowest first; the last sum is 100%.
    std::istringstream rows(own.substr(own.find(header) + header.size()));
    std::string row;
    std::vector<std::string> descriptions;
    std::vector<double> times;
    std::string last_sum;
    while (std::getline(rows, row) && !row.empty()) {
        std::istringstream fields(row);
        std::string pct, sum, time, per_call;
        unsigned long long calls = 0, bytes = 0;
        fields >> pct >> sum >> time >> per_call >> calls >> bytes;
        REQUIRE(fields);
        CHECK(calls == kCalls);
        std::string description;
        std::getline(fields >> std::ws, description);
        const tj::StepStats* s = step_named(*p, description);
        REQUIRE(s);
        CHECK(s->description == description);
        CHECK(bytes == s->bytes / kCalls);
        descriptions.push_back(description);
        times.push_back(std::stod(time));
        last_sum = sum;
    }
    CHECK(descriptions.size() == p->steps.size());
    CHECK(std::is_sorted(times.rbegin(), times.rend()));
    CHECK(last_sum == "100.0%");
}

TEST_CASE("profile: off, the kernel is the unprofiled one and nothing is recorded",
          "[function][profile]") {
    auto x = tj::dmatrix("x");
    const Var out = 1 / (1 + tj::exp(-x));
    auto off = tj::function({x}, out, {.name = "profile_off", .profile = false});
    auto on = tj::function({x}, out, {.name = "profile_on", .profile = true});
    // Without TJ_PROFILE (as the tests run) the default is off.
    auto unset = tj::function({x}, out, {.name = "profile_unset"});
    if (!tensorjit::detail::profile_enabled()) {
        CHECK(off.kernel_source() == unset.kernel_source());
        CHECK(off.cache_key() == unset.cache_key());
    }
    CHECK(off.kernel_source().find("tj_rt_prof") == std::string::npos);
    CHECK(on.kernel_source().find("tj_rt_prof_begin(f, 0);") != std::string::npos);
    CHECK(on.kernel_source().find("tj_rt_prof_end(f, TJ_PROFILE_KERNEL, 0);") != std::string::npos);
    // Profiled and unprofiled kernels of one graph are different cache entries.
    CHECK(on.cache_key() != off.cache_key());

    const Array a = Array(std::vector<double>{0, 1, -1, 2}).reshape({2, 2});
    CHECK(tj_test::all_close(on(a), off(a)));
    off(a);
    for (const auto& p : tj::profile_stats()) {
        CHECK(p.cache_key != off.cache_key());
        CHECK(p.name != "profile_off");
        if (!tensorjit::detail::profile_enabled()) CHECK(p.name != "profile_unset");
    }
    CHECK(stats_of(on)->calls == 1);
}

TEST_CASE("profile: the key's codegen component says profile on", "[function][profile]") {
    auto x = tj::dvector("x");
    const std::vector<tj::In> inputs{x};
    const std::vector<Var> outputs{tj::exp(x)};
    const auto on =
        tensorjit::detail::function_graph(inputs, outputs, {.rewrites = true, .profile = true});
    const auto off =
        tensorjit::detail::function_graph(inputs, outputs, {.rewrites = true, .profile = false});
    CHECK(on.profile);
    CHECK_FALSE(off.profile);
    CHECK(tensorjit::graph_key(on) != tensorjit::graph_key(off));
    const auto& target = tensorjit::jit::default_target();
    CHECK(tensorjit::key_components(on, target).codegen == "rewrites on; profile on");
    CHECK(tensorjit::key_components(off, target).codegen == "rewrites on");
    CHECK(tensorjit::key_components(on, target).graph ==
          tensorjit::key_components(off, target).graph);
}

TEST_CASE("profile: updates, copies, threads and reset", "[function][profile]") {
    auto st = tj::shared(0, "st");
    auto inc = tj::iscalar("inc");
    auto acc = tj::function({inc}, st,
                            {.updates = {{st, st + inc}}, .name = "profile_acc", .profile = true});
    for (int i = 0; i < 5; ++i) acc(2);
    CHECK(st.get_value().item<long long>() == 10);
    auto p = stats_of(acc);
    REQUIRE(p);
    CHECK(p->calls == 5);
    CHECK(p->update_seconds > 0);
    CHECK(p->bind_seconds + p->kernel_seconds + p->alloc_seconds + p->update_seconds <= p->seconds);
    for (const auto& s : p->steps) CHECK(s.calls == 5);

    // A copy has a profile of its own: the last one of this name and key.
    auto copy = acc.copy({.delete_updates = true});
    copy(1);
    CHECK(st.get_value().item<long long>() == 10);
    CHECK(stats_of(copy)->calls == 1);
    std::vector<unsigned long long> calls;
    for (const auto& q : tj::profile_stats())
        if (q.name == "profile_acc" && q.cache_key == acc.cache_key()) calls.push_back(q.calls);
    CHECK(calls == std::vector<unsigned long long>{5, 1});

    // Concurrent calls are all counted (a function without updates runs them in parallel).
    auto x = tj::dvector("x");
    auto g = tj::function({x}, tj::sum(x * 2), {.name = "profile_threads", .profile = true});
    const Array a = iota(64, 1.0);
    constexpr int kThreads = 2, kPerThread = 200;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) g(a);
        });
    for (auto& t : threads) t.join();
    const auto q = stats_of(g);
    CHECK(q->calls == kThreads * kPerThread);
    for (const auto& s : q->steps) {
        CHECK(s.calls == kThreads * kPerThread);
        CHECK(s.bytes == kThreads * kPerThread * (64 * 8ULL + 8));
    }

    // reset_profile zeroes the counters of live functions and forgets those that are gone.
    {
        auto gone = tj::function({x}, tj::sum(x * 3), {.name = "profile_gone", .profile = true});
        gone(a);
    }
    auto names = [] {
        std::vector<std::string> v;
        for (const auto& r : tj::profile_stats()) v.push_back(r.name);
        return v;
    };
    const auto before = names();
    CHECK(std::count(before.begin(), before.end(), "profile_gone") == 1);
    tj::reset_profile();
    const auto kept = names();
    CHECK(std::count(kept.begin(), kept.end(), "profile_gone") == 0);
    const auto zero = stats_of(g);
    REQUIRE(zero);
    CHECK(zero->calls == 0);
    CHECK(zero->seconds == 0);
    for (const auto& s : zero->steps) CHECK((s.calls == 0 && s.bytes == 0 && s.seconds == 0));
    g(a);
    CHECK(stats_of(g)->calls == 1);
}

TEST_CASE("profile: TJ_PROFILE=1 prints the table at exit", "[function][profile][process]") {
    tj_test::TempDir dir;
    const std::string tool = "'" + std::string(TJ_BINARY_DIR) + "/tests/tj_tool_profile_probe'";
    const std::string env = "TJ_CACHE_DIR='" + (dir.path() / "cache").string() + "' ";
    std::string out;
    REQUIRE(tj_test::run_command(env + "TJ_PROFILE=1 " + tool + " 2>&1", &out) == 0);
    INFO(out);
    CHECK(out.find("result=35") != std::string::npos);
    const auto block = out.find("Function profiling\n==================\n");
    REQUIRE(block != std::string::npos);
    CHECK(out.find("result=35") < block); // printed at exit, after main's output
    CHECK(out.find("  Function: profile_probe (key ") != std::string::npos);
    CHECK(out.find("  Time in 3 calls: ") != std::string::npos);
    CHECK(out.find("<% time> <sum %> <time> <time per call> <calls> <bytes/call> <step>") !=
          std::string::npos);
    CHECK(out.find("loop 0: mul, add, sum") != std::string::npos);

    // Without it, the same program prints no profile.
    std::string quiet;
    REQUIRE(tj_test::run_command(env + "TJ_PROFILE=0 " + tool + " 2>&1", &quiet) == 0);
    INFO(quiet);
    CHECK(quiet.find("result=35") != std::string::npos);
    CHECK(quiet.find("Function profiling") == std::string::npos);
}

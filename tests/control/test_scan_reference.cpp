// scan against its reference (tj::eval runs the body step by step with the ops' reference
// implementations): random inputs, taps on sequences and states, maps, several results, going
// backwards, until loops, strided and broadcast arguments.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <random>

using tj::Array;
using tj::DType;
using tj::Var;

namespace {

void check_against_reference(const std::vector<Var>& inputs, const std::vector<Var>& outputs,
                             const std::vector<Array>& args) {
    std::vector<tj::In> ins(inputs.begin(), inputs.end());
    auto f = tj::function(ins, outputs);
    std::vector<tj::Arg> a(args.begin(), args.end());
    std::vector<Array> got = f(std::span<const tj::Arg>(a));
    std::vector<std::pair<Var, Array>> bind;
    for (std::size_t i = 0; i < inputs.size(); ++i) bind.push_back({inputs[i], args[i]});
    std::vector<Array> want = tj::eval(outputs, bind);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("output " << i);
        CHECK(tj_test::all_close(got[i], want[i], 1e-12));
    }
}

} // namespace

TEST_CASE("scan matches its reference on random inputs", "[scan][reference]") {
    std::mt19937_64 rng(2024);
    auto rand = [&](const tj::Dims& shape) {
        return tj_test::random_array(rng, DType::Float64, shape);
    };
    for (int trial = 0; trial < 3; ++trial) {
        const std::int64_t T = 3 + trial * 4, H = 2 + trial;
        Var x = tj::matrix("x");
        Var y0 = tj::matrix("y0");
        Var z0 = tj::vector("z0");
        Var w = tj::matrix("w");
        for (bool backwards : {false, true}) {
            INFO("trial " << trial << " backwards " << backwards);
            auto r = tj::scan(
                [](Var x_prev, Var x_next, Var y2, Var y1, Var z, Var wm) {
                    Var y = tj::tanh(tj::dot(wm, y1) + 0.5 * y2 + x_next - x_prev);
                    Var m = tj::sum(y * x_next);
                    return std::vector<Var>{y, z * 0.9 + y1, m};
                },
                {.sequences = {{x, {-1, 1}}},
                 .outputs_info = {{y0, {-2, -1}}, z0, tj::none},
                 .non_sequences = {w},
                 .go_backwards = backwards});
            check_against_reference({x, y0, z0, w}, {r[0], r[1], r[2], r[0](-1)},
                                    {rand({T + 2, H}), rand({2, H}), rand({H}), rand({H, H})});
            // A strided sequence (every other row).
            Array big = rand({2 * (T + 2), H});
            check_against_reference({x, y0, z0, w}, {r[0], r[2]},
                                    {big.slice(0, 0, 2 * (T + 2), 2), rand({3, H}), rand({H}),
                                     rand({H, H}).transpose()});
        }
    }
    Var s = tj::scalar("s");
    Var k = tj::scalar("k");
    auto u = tj::scan(
        [](Var v, Var kk) {
            Var next = v * kk + 0.25;
            return tj::ScanStep({next}, tj::until(next > 3.0));
        },
        {.outputs_info = {s}, .non_sequences = {k}, .n_steps = 50});
    for (double kv : {1.1, 1.5, 0.5})
        check_against_reference({s, k}, {u.output()}, {Array(0.5), Array(kv)});
}

// Function semantics (TUTORIAL sections 2-5): several outputs, In defaults and keywords, argument
// conversion, shared variables and updates, givens, copies; every user error and its message.
#include <catch2/catch.hpp>

#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <map>
#include <string>

using tj::Array;
using tj::DType;
using namespace tj::literals;

using tj_test::expect_error;

TEST_CASE("several outputs come from one kernel, in order", "[function][outputs]") {
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    auto f = tj::function({a, b}, {diff, tj::abs(diff), tj::pow(diff, 2)});
    auto r = f({{1, 1}, {1, 1}}, {{0, 1}, {2, 3}});
    REQUIRE(r.size() == 3);
    CHECK(r[0].equals(Array({{1.0, 0.0}, {-1.0, -2.0}})));
    CHECK(r[1].equals(Array({{1.0, 0.0}, {1.0, 2.0}})));
    CHECK(r[2].equals(Array({{1.0, 0.0}, {1.0, 4.0}})));
    // One kernel: one entry point in the source.
    const auto& src = f.kernel_source();
    CHECK(src.find("extern \"C\" int tj_k_") == src.rfind("extern \"C\" int tj_k_"));
}

TEST_CASE("an output listed twice, or an input as output, returns independent arrays",
          "[function][outputs]") {
    auto x = tj::dvector("x");
    auto y = x * 2;
    auto f = tj::function({x}, {y, y, x});
    Array in = {1.0, 2.0};
    auto r = f(in);
    CHECK(r[0].equals(Array({2.0, 4.0})));
    CHECK(r[1].equals(r[0]));
    CHECK(!r[0].shares_memory_with(r[1]));
    CHECK(r[2].equals(in));
    CHECK(!r[2].shares_memory_with(in));
}

TEST_CASE("In: defaults, names, positional and keyword arguments", "[function][in]") {
    auto [x, y, w] = tj::dscalars("x", "y", "w");
    auto g = tj::function({x, tj::In(y, 1), tj::In(w, 2, "w_by_name")}, (x + y) * w);
    CHECK(g(33).item<double>() == 68);
    CHECK(g(33, 2).item<double>() == 70);
    CHECK(g(33, 0, 1).item<double>() == 33);
    CHECK(g(33, "w_by_name"_a = 1).item<double>() == 34);
    CHECK(g(33, "w_by_name"_a = 1, "y"_a = 0).item<double>() == 33);
    CHECK(g("x"_a = 1, "y"_a = 2, "w_by_name"_a = 3).item<double>() == 9);
    // The variable's own name works for a named In too.
    CHECK(g(33, "w"_a = 1).item<double>() == 34);
}

TEST_CASE("argument errors name the argument", "[function][errors][arguments]") {
    auto [x, y, w] = tj::dscalars("x", "y", "w");
    auto g = tj::function({x, tj::In(y, 1), tj::In(w, 2, "w_by_name")}, (x + y) * w, {.name = "g"});
    expect_error<tj::ArgumentError>([&] { g(); }, {"g: missing required argument \"x\""});
    expect_error<tj::ArgumentError>([&] { g(1, "nope"_a = 2); },
                                    {"unknown keyword argument \"nope\""});
    expect_error<tj::ArgumentError>([&] { g(1, 2, "y"_a = 3); },
                                    {"multiple values for argument \"y\""});
    expect_error<tj::ArgumentError>([&] { g(1, 2, 3, 4); }, {"too many arguments"});
    expect_error<tj::ArgumentError>([&] { g("x"_a = 1, 2); }, {"follows a keyword argument"});
}

TEST_CASE("function() rejects bad input lists", "[function][errors][inputs]") {
    auto [x, y] = tj::dscalars("x", "y");
    expect_error<tj::ValueError>(
        [&] {
            tj::function({tj::In(x, 1), y}, x + y);
        },
        {"input \"y\" has no default value but follows an input with one"});
    expect_error<tj::ValueError>([&] { tj::function({x, x}, x + 1); }, {"listed twice"});
    expect_error<tj::ValueError>([&] { tj::function({x}, x + y); }, {"depend on input \"y\""});
    auto s = tj::shared(1.0, "s");
    expect_error<tj::TypeError>([&] { tj::function({s}, s * 2); },
                                {"shared variables are implicit inputs"});
    expect_error<tj::TypeError>([&] { tj::function({x + 1}, x); },
                                {"not a symbolic input variable"});
    auto i = tj::iscalar("i");
    expect_error<tj::TypeError>([&] { tj::function({tj::In(i, 1.5)}, i + 1); },
                                {"default value of input \"i\""});
}

TEST_CASE("argument values: scalars, lists, vectors and strided arrays are converted safely",
          "[function][conversion]") {
    auto x = tj::dmatrix("x");
    auto f = tj::function({x}, x * 2);
    CHECK(f({{1, 2}, {3, 4}}).equals(Array({{2.0, 4.0}, {6.0, 8.0}}))); // int list -> float64
    Array big = Array({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
    CHECK(f(big.transpose()).equals(Array({{2.0, 8.0}, {4.0, 10.0}, {6.0, 12.0}}))); // any strides
    CHECK(f(big.slice(1, 0, 3, 2)).equals(Array({{2.0, 6.0}, {8.0, 12.0}})));
    CHECK(f(Array::full(DType::Int32, {1, 2}, 3))
              .equals(Array({{6.0, 6.0}}))); // int32 -> float64 safe
    auto v = tj::dvector("v");
    auto g = tj::function({v}, v + 1);
    CHECK(g(std::vector<int>{1, 2}).equals(Array({2.0, 3.0})));

    auto i = tj::iscalar("i");
    auto h = tj::function({i}, i + 1, {.name = "h"});
    CHECK(h(41).item<int>() == 42); // a C++ int that fits int32
    CHECK(h(41).dtype() == DType::Int32);
    expect_error<tj::TypeError>([&] { h(1.5); }, {"h: input \"i\" has dtype int32"});
    expect_error<tj::TypeError>([&] { h(5000000000LL); }, {"does not fit"});
    auto iv = tj::ivector("iv");
    auto k = tj::function({iv}, iv * 2, {.name = "k"});
    expect_error<tj::TypeError>(
        [&] {
            k(Array({1.5, 2.5}));
        },
        {"k: input \"iv\" has dtype int32; an array of dtype float64 cannot be cast to it safely"});
    auto kd = tj::function({iv}, iv * 2, {.allow_input_downcast = true});
    auto down = kd(Array({1.5, 2.5})); // truncated as C casts do
    CHECK(down.dtype() == DType::Int32);
    CHECK(down.equals(Array::full(DType::Int32, {2}, 0).astype(DType::Int32)) == false);
    CHECK(down.flat(0) == 2);
    CHECK(down.flat(1) == 4);
}

TEST_CASE("wrong ranks and static shapes are ShapeErrors naming the input",
          "[function][errors][shapes]") {
    auto x = tj::tensor("x", DType::Float64, {2, tj::dyn});
    auto f = tj::function({x}, x + 1, {.name = "f"});
    expect_error<tj::ShapeError>(
        [&] {
            f(Array({1.0, 2.0}));
        },
        {"f: input \"x\" expects a 2-d array"});
    expect_error<tj::ShapeError>(
        [&] {
            f(Array::zeros(DType::Float64, {3, 2}));
        },
        {"static shape float64[2, ?], got shape (3, 2)"});
    expect_error<tj::ShapeError>([&] { f(1.0); }, {"got a scalar"});
}

TEST_CASE("shared variables: values, set_value checks, sharing between functions",
          "[function][shared]") {
    auto w = tj::shared(Array({1.0, 2.0}), {.name = "w", .shape = tj::Dims{2}});
    CHECK(w.get_value().equals(Array({1.0, 2.0})));
    auto v = w.get_value();
    static_cast<double*>(v.raw_data())[0] = 99; // a copy: the variable is unchanged
    CHECK(w.get_value().flat(0) == 1);
    w.set_value(Array({3, 4})); // int64 -> float64 is safe
    CHECK(w.get_value().equals(Array({3.0, 4.0})));
    expect_error<tj::ShapeError>(
        [&] {
            w.set_value(Array({1.0, 2.0, 3.0}));
        },
        {"shared variable \"w\" has static shape float64[2]"});
    expect_error<tj::ShapeError>([&] { w.set_value(Array(1.0)); }, {"needs a 1-d value"});
    auto n = tj::shared(0, "n");
    expect_error<tj::TypeError>([&] { n.set_value(Array(1.5)); },
                                {"shared variable \"n\" has dtype int64"});
    expect_error<tj::ShapeError>(
        [&] {
            tj::shared(Array({1.0}), {.name = "z", .shape = tj::Dims{1, tj::dyn}});
        },
        {"has rank 2"});

    auto x = tj::dscalar("x");
    auto f = tj::function({x}, w * x);
    auto g = tj::function({x}, w + x);
    w.set_value(Array({1.0, 1.0}));
    CHECK(f(2).equals(Array({2.0, 2.0})));
    CHECK(g(2).equals(Array({3.0, 3.0})));
}

TEST_CASE("updates read pre-call values, apply together, and return old values",
          "[function][updates]") {
    auto a = tj::shared(1, "a");
    auto b = tj::shared(10, "b");
    auto inc = tj::iscalar("inc");
    // Both updates read the values before the call (a swap plus increments).
    auto f = tj::function({inc}, {a, b}, {.updates = {{a, b + inc}, {b, a + inc}}});
    auto r = f(1);
    CHECK(r[0].item<long>() == 1);
    CHECK(r[1].item<long>() == 10);
    CHECK(a.get_value().item<long>() == 11);
    CHECK(b.get_value().item<long>() == 2);
    // A map works too.
    std::map<tj::Var, tj::Var> m{{a, a * 2}};
    auto g = tj::function({}, a, {.updates = m});
    CHECK(g().item<long>() == 11);
    CHECK(a.get_value().item<long>() == 22);
}

TEST_CASE("update errors are raised by function(), naming both sides",
          "[function][errors][updates]") {
    auto s = tj::shared(0, "s");
    auto x = tj::dscalar("x");
    expect_error<tj::TypeError>(
        [&] {
            tj::function({x}, x, {.updates = {{s, x * 2}}});
        },
        {"update of shared variable \"s\" (int64[])", "float64[]"});
    expect_error<tj::TypeError>(
        [&] {
            tj::function({x}, x, {.updates = {{x, x * 2}}});
        },
        {"is not a shared variable"});
    expect_error<tj::ValueError>(
        [&] {
            tj::function({}, s, {.updates = {{s, s + 1}, {s, s + 2}}});
        },
        {"updated twice"});
}

TEST_CASE("a failed call leaves every shared variable unchanged", "[function][updates][errors]") {
    auto acc = tj::shared(Array({0.0, 0.0}), "acc");
    auto count = tj::shared(0, "count");
    auto x = tj::dvector("x");
    auto y = tj::dvector("y");
    auto f = tj::function({x, y}, acc, {.updates = {{acc, acc + x * y}, {count, count + 1}}});
    f(Array({1.0, 2.0}), Array({3.0, 4.0}));
    CHECK(acc.get_value().equals(Array({3.0, 8.0})));
    CHECK(count.get_value().item<long>() == 1);
    CHECK_THROWS_AS(f(Array({1.0, 2.0}), Array({1.0, 2.0, 3.0})), tj::ShapeError);
    CHECK_THROWS_AS(f(Array({1.0}), "z"_a = 1), tj::ArgumentError);
    CHECK(acc.get_value().equals(Array({3.0, 8.0})));
    CHECK(count.get_value().item<long>() == 1);
}

TEST_CASE("givens replace variables and expressions of the same type", "[function][givens]") {
    auto state = tj::shared(0, "state");
    auto inc = tj::iscalar("inc");
    auto foo = tj::scalar("foo", state.dtype());
    auto f = tj::function({inc, foo}, state * 2 + inc, {.givens = {{state, foo}}});
    CHECK(f(1, 3).item<long>() == 7);
    CHECK(state.get_value().item<long>() == 0);
    // An expression replaced by another.
    auto x = tj::dvector("x");
    auto e = tj::exp(x);
    auto g = tj::function({x}, e + 1, {.givens = {{e, x * 0}}});
    CHECK(g(Array({5.0})).equals(Array({1.0})));
    // Chained givens (acyclic) apply transitively.
    auto [p, q, r] = tj::dscalars("p", "q", "r");
    auto h = tj::function({r}, p + q, {.givens = {{p, q * 2}, {q, r + 1}}});
    CHECK(h(1).item<double>() == 6);
}

TEST_CASE("givens errors: type mismatch and cycles", "[function][errors][givens]") {
    auto state = tj::shared(0, "state");
    auto d = tj::dscalar("d");
    expect_error<tj::TypeError>(
        [&] {
            tj::function({d}, state + 1, {.givens = {{state, d}}});
        },
        {"cannot replace \"state\" (int64[]) by \"d\" (float64[])"});
    auto [p, q] = tj::dscalars("p", "q");
    expect_error<tj::ValueError>(
        [&] {
            tj::function({}, p + q, {.givens = {{p, q + 1}, {q, p * 2}}});
        },
        {"givens form a cycle"});
    expect_error<tj::ValueError>([&] { tj::function({}, p, {.givens = {{p, p * 2}}}); }, {"cycle"});
}

TEST_CASE("copies share the kernel and swap or drop shared state", "[function][copy]") {
    auto state = tj::shared(0, "state");
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    accumulator(10);
    const auto before = tj::compile_stats();
    auto new_state = tj::shared(0, "new_state");
    auto new_acc = accumulator.copy({.swap = {{state, new_state}}});
    CHECK(new_acc(100).item<long>() == 0);
    CHECK(new_state.get_value().item<long>() == 100);
    CHECK(state.get_value().item<long>() == 10);
    auto null_acc = accumulator.copy({.delete_updates = true});
    CHECK(null_acc(9000).item<long>() == 10);
    CHECK(state.get_value().item<long>() == 10);
    const auto after = tj::compile_stats();
    CHECK(after.clang_compiles == before.clang_compiles);
    CHECK(after.disk_hits == before.disk_hits);
    CHECK(after.memory_hits == before.memory_hits);
    CHECK(new_acc.cache_key() == accumulator.cache_key());
    // The original still updates its own state.
    accumulator(1);
    CHECK(state.get_value().item<long>() == 11);
}

TEST_CASE("copy errors name the variables", "[function][copy][errors]") {
    auto state = tj::shared(0, "state");
    auto inc = tj::iscalar("inc");
    auto acc = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    auto other = tj::shared(0.0, "other");
    expect_error<tj::TypeError>(
        [&] {
            acc.copy({.swap = {{state, other}}});
        },
        {"cannot swap shared variable \"state\" (int64[]) for \"other\" (float64[])"});
    auto unused = tj::shared(0, "unused");
    expect_error<tj::ValueError>(
        [&] {
            acc.copy({.swap = {{unused, state}}});
        },
        {"\"unused\" is not used by the function"});
}

TEST_CASE("element-wise updates that alone read their variable are done in place",
          "[function][updates][inplace]") {
    auto acc = tj::shared(Array({0.0, 0.0, 0.0}), "acc");
    auto x = tj::dvector("x");
    auto f = tj::function({x}, tj::sum(x), {.updates = {{acc, acc * 0.5 + x}}});
    // The kernel writes the new value straight into the variable (slot 1, after input x): no
    // buffer for the update.
    CHECK(f.kernel_source().find("*)f->slots[1].data;") != std::string::npos);
    CHECK(f.kernel_source().find("tj_rt_alloc(f, 3,") == std::string::npos);
    f(Array({2.0, 4.0, 6.0}));
    f(Array({2.0, 4.0, 6.0}));
    CHECK(acc.get_value().equals(Array({3.0, 6.0, 9.0})));
    // A failing call (wrong length) leaves the variable as it was.
    CHECK_THROWS_AS(f(Array({1.0, 2.0})), tj::ShapeError);
    CHECK(acc.get_value().equals(Array({3.0, 6.0, 9.0})));
    // A copy without updates must not write into the variable either.
    auto g = f.copy({.delete_updates = true});
    g(Array({100.0, 100.0, 100.0}));
    CHECK(acc.get_value().equals(Array({3.0, 6.0, 9.0})));
    // A swapped copy updates its own variable in place.
    auto other = tj::shared(Array({1.0, 1.0, 1.0}), "other");
    auto h = f.copy({.swap = {{acc, other}}});
    h(Array({1.0, 1.0, 1.0}));
    CHECK(other.get_value().equals(Array({1.5, 1.5, 1.5})));
    CHECK(acc.get_value().equals(Array({3.0, 6.0, 9.0})));
    // Returning the variable as an output keeps the update out of place (the old value is
    // returned).
    auto k = tj::function({x}, acc, {.updates = {{acc, acc + x}}});
    CHECK(k(Array({1.0, 1.0, 1.0})).equals(Array({3.0, 6.0, 9.0})));
    CHECK(acc.get_value().equals(Array({4.0, 7.0, 10.0})));
}

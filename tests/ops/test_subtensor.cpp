// Indexing: basic slicing and integer indices (constant and symbolic), advanced indexing by
// integer tensors, set_subtensor / inc_subtensor (also as updates of shared variables): type
// rules, build and call-time errors, JIT against tj::eval, gradients.
#include <catch2/catch.hpp>

#include "support/op_checker.hpp"
#include "support/test_util.hpp"

#include "compiler/graph/node.hpp"

#include <tensorjit/tensorjit.hpp>

#include <algorithm>

#include <functional>
#include <random>
#include <string>
#include <vector>

using tj::Array;
using tj::colon;
using tj::Dims;
using tj::DType;
using tj::none;
using tj::slice;
using tj::Var;

namespace {

const std::vector<DType> kDtypes = {DType::Bool,  DType::Int8,    DType::Int32,  DType::UInt32,
                                    DType::Int64, DType::Float32, DType::Float64};

enum class Layout { Contiguous, Transposed, Strided };

Array make_value(std::mt19937_64& rng, DType t, const Dims& shape, Layout layout, double lo = -5,
                 double hi = 5) {
    if (layout == Layout::Transposed && shape.size() >= 2) {
        Dims rev;
        for (int i = shape.size() - 1; i >= 0; --i) rev.push_back(shape[i]);
        return tj_test::random_array(rng, t, rev, lo, hi).transpose();
    }
    if (layout == Layout::Strided && shape.size() >= 1) {
        Dims wide = shape;
        wide[wide.size() - 1] *= 2;
        return tj_test::random_array(rng, t, wide, lo, hi).slice(-1, 0, wide[wide.size() - 1], 2);
    }
    return tj_test::random_array(rng, t, shape, lo, hi);
}

Dims dyn_shape(int nd) {
    Dims d;
    for (int i = 0; i < nd; ++i) d.push_back(tj::dyn);
    return d;
}

using tj_test::expect_error;

// One indexing expression of x (and of an int64 index vector idx and a scalar i when used),
// over shapes of x that the constant indices fit.
struct Record {
    const char* name;
    std::function<Var(const Var& x, const Var& idx, const Var& i)> build;
    std::vector<Dims> shapes;
};

const std::vector<Record>& records() {
    static const std::vector<Record> r = {
        {"int", [](auto& x, auto&, auto&) { return x(1); }, {{4}, {3, 5}, {2, 3, 4}}},
        {"negative int", [](auto& x, auto&, auto&) { return x(-1); }, {{4}, {3, 5}, {2, 0, 4}}},
        {"slice",
         [](auto& x, auto&, auto&) { return x(slice(1, 3)); },
         {{4}, {3, 5}, {1, 2}, {0, 3}}},
        {"reverse",
         [](auto& x, auto&, auto&) { return x(slice(none, none, -1)); },
         {{4}, {3, 5}, {0}}},
        {"column", [](auto& x, auto&, auto&) { return x(colon, 0); }, {{4, 3}, {0, 2}, {2, 3, 4}}},
        {"last row reversed",
         [](auto& x, auto&, auto&) { return x(-1, slice(none, none, -1)); },
         {{4, 3}, {2, 3, 2}}},
        {"steps",
         [](auto& x, auto&, auto&) { return x(slice(1, none, 2), slice(none, -1)); },
         {{5, 4}, {2, 3}, {3, 1, 2}}},
        {"negative step bounds",
         [](auto& x, auto&, auto&) { return x(slice(-2, 0, -2), 1); },
         {{5, 4}, {6, 2}}},
        {"empty", [](auto& x, auto&, auto&) { return x(slice(5, 10)); }, {{4}, {3, 2}}},
        {"symbolic", [](auto& x, auto&, auto& i) { return x(slice(i, i + 2)); }, {{4}, {5, 3}}},
        {"symbolic int", [](auto& x, auto&, auto& i) { return x(colon, i); }, {{2, 4}, {3, 2, 2}}},
        {"take", [](auto& x, auto& idx, auto&) { return x(idx); }, {{4}, {3, 5}, {4, 2, 3}}},
        {"take axis 1",
         [](auto& x, auto& idx, auto&) { return x(colon, idx); },
         {{2, 4}, {3, 5, 2}}},
        {"slice then take",
         [](auto& x, auto& idx, auto&) { return x(slice(none, none, -1), idx); },
         {{3, 4}}},
        {"int then take", [](auto& x, auto& idx, auto&) { return x(0, idx); }, {{3, 4}, {2, 5, 2}}},
        {"set",
         [](auto& x, auto&, auto&) { return tj::set_subtensor(x(slice(1, 3)), x(0)); },
         {{4}, {3, 5}, {3, 0}}},
        {"set scalar",
         [](auto& x, auto&, auto&) { return tj::set_subtensor(x(colon, -1), 3); },
         {{4, 3}, {2, 2, 2}}},
        {"inc",
         [](auto& x, auto&, auto&) { return tj::inc_subtensor(x(slice(none, none, 2)), x(0)); },
         {{4}, {3, 5}}},
        {"inc symbolic",
         [](auto& x, auto&, auto& i) { return tj::inc_subtensor(x(i), x(0)); },
         {{4, 3}, {3, 2}}},
        {"adv set",
         [](auto& x, auto& idx, auto&) { return tj::set_subtensor(x(idx), x(0)); },
         {{4, 3}, {5}}},
        {"adv inc",
         [](auto& x, auto& idx, auto&) {
             return tj::inc_subtensor(x(colon, idx), tj::expand_dims(x(colon, 0), {1}));
         },
         {{3, 4}}},
        {"slice adv inc",
         [](auto& x, auto& idx, auto&) { return tj::inc_subtensor(x(slice(1, none), idx), 1); },
         {{3, 4}}},
    };
    return r;
}

} // namespace

TEST_CASE("indexing: JIT matches the reference", "[op][subtensor]") {
    std::mt19937_64 rng(11);
    for (const auto& rec : records()) {
        for (DType t : kDtypes) {
            for (const auto& shape : rec.shapes) {
                for (Layout layout : {Layout::Contiguous, Layout::Transposed, Layout::Strided}) {
                    Var x = tj::tensor("x", t, dyn_shape(shape.size()));
                    Var idx = tj::lvector("idx");
                    Var i = tj::lscalar("i");
                    Var out = rec.build(x, idx, i);
                    // Indices valid for the extents they index (repeated and negative ones too).
                    Array xv = make_value(rng, t, shape, layout);
                    const std::vector<Var> vars{x, idx, i};
                    const std::vector<Array> values{xv, Array({0, -1, 0, 1}),
                                                    Array(static_cast<long long>(1))};
                    // Only the inputs the expression uses are passed.
                    std::vector<tj::NodePtr> roots{out.node()};
                    const auto order = tj::topo_order(roots);
                    std::vector<Var> used;
                    std::vector<Array> used_values;
                    for (std::size_t k = 0; k < vars.size(); ++k) {
                        if (std::find(order.begin(), order.end(), vars[k].node().get()) ==
                            order.end())
                            continue;
                        used.push_back(vars[k]);
                        used_values.push_back(values[k]);
                    }
                    tj_test::compare_with_reference(used, used_values, out,
                                                    std::string(rec.name) + " " +
                                                        std::string(tj::dtype_name(t)) + " " +
                                                        tj::shape_str(shape) + " layout " +
                                                        std::to_string(static_cast<int>(layout)));
                }
            }
        }
    }
}

TEST_CASE("indexing: types and static shapes", "[op][subtensor][types]") {
    auto x = tj::tensor("x", DType::Float32, {5, tj::dyn, 4});
    CHECK(x(0).type() == tj::TensorType{DType::Float32, {tj::dyn, 4}});
    CHECK(x(slice(1, 3)).type().shape == Dims{2, tj::dyn, 4});
    CHECK(x(slice(none, none, -2)).type().shape == Dims{3, tj::dyn, 4});
    CHECK(x(slice(7, 9)).type().shape == Dims{0, tj::dyn, 4});
    CHECK(x(colon, 0, slice(1, none)).type().shape == Dims{5, 3});
    CHECK(x(-1, -1, -1).type().shape == Dims{});
    CHECK(x(slice(tj::lscalar("i"), 3)).type().shape == Dims{tj::dyn, tj::dyn, 4});
    auto idx = tj::ivector("idx");
    CHECK(x(colon, colon, idx).type().shape == Dims{5, tj::dyn, tj::dyn});
    CHECK(x(tj::lmatrix("m")).type().shape == Dims{tj::dyn, tj::dyn, tj::dyn, 4});
    CHECK(x(colon, 1, idx).type().shape == Dims{5, tj::dyn});
    CHECK(tj::set_subtensor(x(0), 1.5).type() == x.type());
    CHECK(tj::inc_subtensor(x(colon, idx), tj::fscalar("v")).type() == x.type());
    CHECK(tj::set_subtensor(tj::ivector("iv")(0), 2.7).dtype() == DType::Int32);
    // x(:) without any restriction is x itself.
    CHECK(x(colon).node() == x.node());
}

TEST_CASE("indexing: bad builds name the op and the shapes", "[op][subtensor][errors]") {
    auto x = tj::tensor("x", DType::Float64, {3, tj::dyn});
    expect_error<tj::ShapeError>([&] { (void)x(0, 1, 2); },
                                 {"subtensor", "too many indices", "float64[3, ?]"});
    expect_error<tj::ValueError>([&] { (void)x(5); },
                                 {"subtensor", "index 5 is out of bounds for axis 0 with size 3"});
    expect_error<tj::ValueError>([&] { (void)x(slice(0, 2, 0)); }, {"subtensor", "step"});
    expect_error<tj::TypeError>([&] { (void)x(tj::dvector("f")); }, {"subtensor", "integer dtype"});
    expect_error<tj::TypeError>([&] { (void)x(slice(tj::dscalar("s"), 2)); },
                                {"subtensor", "integer scalar"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::set_subtensor(x(slice(0, 2)), tj::tensor("v", DType::Float64, {3, 1}));
        },
        {"set_subtensor", "float64[3, 1]", "float64[2, ?]"});
    expect_error<tj::TypeError>([&] { (void)tj::set_subtensor(x * 2, 1); },
                                {"set_subtensor", "subtensor"});
    expect_error<tj::ValueError>([&] { (void)tj::tensor3("t")(0, colon, tj::lvector("i")); },
                                 {"subtensor", "separated"});
}

TEST_CASE("indexing: reference values by hand", "[op][subtensor][reference]") {
    auto m = tj::constant(Array({{0, 1, 2}, {3, 4, 5}}));
    CHECK(tj::eval(m(1)).equals(Array({3, 4, 5})));
    CHECK(tj::eval(m(-1, slice(none, none, -1))).equals(Array({5, 4, 3})));
    CHECK(tj::eval(m(colon, slice(-2, none))).equals(Array({{1, 2}, {4, 5}})));
    CHECK(tj::eval(m(colon, tj::constant(Array({2, 0, 2})))).equals(Array({{2, 0, 2}, {5, 3, 5}})));
    CHECK(
        tj::eval(tj::set_subtensor(m(0, slice(1, none)), 9)).equals(Array({{0, 9, 9}, {3, 4, 5}})));
    // np.add.at: repeated indices accumulate.
    auto v = tj::constant(Array({0.0, 0.0, 0.0}));
    CHECK(tj::eval(tj::inc_subtensor(v(tj::constant(Array({0, 2, 0, 0}))), 1.0))
              .equals(Array({3.0, 0.0, 1.0})));
    auto f = tj::function({}, tj::inc_subtensor(v(tj::constant(Array({0, 2, 0, 0}))), 1.0));
    CHECK(f().equals(Array({3.0, 0.0, 1.0})));
    CHECK(tj::eval(tj::set_subtensor(m(colon, tj::constant(Array({-1}))), 7))
              .equals(Array({{0, 1, 7}, {3, 4, 7}})));
}

TEST_CASE("indexing: out-of-bounds indices at call time raise a ValueError naming the node",
          "[op][subtensor][errors]") {
    auto x = tj::dvector("x");
    auto f = tj::function({x}, x(5));
    expect_error<tj::ValueError>(
        [&] {
            f(Array({1.0, 2.0, 3.0}));
        },
        {"subtensor", "index 5 is out of bounds for axis 0 with size 3"});
    auto g = tj::function({x}, x(-4) * 2);
    expect_error<tj::ValueError>(
        [&] {
            g(Array({1.0, 2.0, 3.0}));
        },
        {"index -4 is out of bounds for axis 0 with size 3"});
    auto m = tj::dmatrix("m");
    auto idx = tj::lvector("idx");
    auto h = tj::function({m, idx}, m(colon, idx));
    expect_error<tj::ValueError>(
        [&] {
            h(Array({{1.0, 2.0}}), Array({0, 7}));
        },
        {"advanced_subtensor", "index 7 is out of bounds for axis 1 with size 2"});
    auto k = tj::function({m, idx}, tj::inc_subtensor(m(idx), 1.0));
    expect_error<tj::ValueError>(
        [&] {
            k(Array({{1.0, 2.0}}), Array({1}));
        },
        {"index 1 is out of bounds for axis 0 with size 1"});
    auto i = tj::lscalar("i");
    auto s = tj::function({m, i}, tj::set_subtensor(m(1, i), 0.0));
    CHECK(s(Array({{1.0, 2.0}, {3.0, 4.0}}), 1).equals(Array({{1.0, 2.0}, {3.0, 0.0}})));
    expect_error<tj::ValueError>(
        [&] {
            s(Array({{1.0, 2.0}, {3.0, 4.0}}), 2);
        },
        {"set_subtensor", "index 2 is out of bounds for axis 1 with size 2"});
    // The function still works afterwards.
    CHECK(f(Array({1.0, 2.0, 3.0, 4.0, 5.0, 6.0})).item<double>() == 6.0);
}

TEST_CASE("indexing: gradients", "[op][subtensor][grad]") {
    std::mt19937_64 rng(5);
    auto m = tj_test::random_array(rng, DType::Float64, {4, 3});
    auto v2 = tj_test::random_array(rng, DType::Float64, {2, 3});
    auto row = tj_test::random_array(rng, DType::Float64, {3});
    auto idx = tj::constant(Array({0, 2, 0, -1}));
    using F = std::function<Var(const std::vector<Var>&)>;
    std::vector<std::pair<F, std::vector<Array>>> checks = {
        {[](auto& v) { return v[0](1); }, {m}},
        {[](auto& v) { return v[0](slice(none, none, -2), slice(1, none)); }, {m}},
        {[](auto& v) { return v[0](-1, 0) * v[0](0); }, {m}},
        {[&](auto& v) { return v[0](idx); }, {m}},
        {[&](auto& v) {
             return v[0](colon, tj::constant(Array({2, 2})));
         },
         {m}},
        {[](auto& v) { return tj::set_subtensor(v[0](slice(1, 3)), v[1]); }, {m, v2}},
        {[](auto& v) { return tj::set_subtensor(v[0](slice(1, 3)), v[1]); }, {m, row}},
        {[](auto& v) { return tj::inc_subtensor(v[0](colon, 1), v[1](slice(0, 4))); },
         {m, tj_test::random_array(rng, DType::Float64, {5})}},
        // (set with repeated indices keeps the last write: its gradient is checked without them)
        {[&](auto& v) {
             return tj::set_subtensor(v[0](tj::constant(Array({0, 2, -1}))), v[1]);
         },
         {m, row}},
        {[&](auto& v) { return tj::inc_subtensor(v[0](idx), v[1] * v[1]); }, {m, row}},
        {[&](auto& v) {
             return tj::inc_subtensor(v[0](slice(1, none), tj::constant(Array({0, 0}))), v[1]);
         },
         {m, tj_test::random_array(rng, DType::Float64, {3, 2})}},
    };
    for (std::size_t i = 0; i < checks.size(); ++i) {
        INFO("check " << i);
        tj::verify_grad(checks[i].first, checks[i].second);
    }
    // Order 2.
    tj::verify_grad([](auto& v) { return tj::grad(tj::sum(tj::exp(v[0](slice(1, 3)))), v[0]); },
                    {m});
    tj::verify_grad(
        [&](auto& v) {
            return tj::grad(tj::sum(tj::exp(tj::inc_subtensor(v[0](idx), v[0](1)))), v[0]);
        },
        {m});
}

TEST_CASE("set_subtensor and inc_subtensor as updates of shared variables",
          "[op][subtensor][updates]") {
    auto w = tj::shared(Array({0.0, 1.0, 2.0, 3.0}), "w");
    auto v = tj::dvector("v");
    auto f =
        tj::function({v}, tj::sum(w), {.updates = {{w, tj::set_subtensor(w(slice(0, 2)), v)}}});
    CHECK(f(Array({10.0, 20.0})).item<double>() == 6.0); // the old value
    CHECK(w.get_value().equals(Array({10.0, 20.0, 2.0, 3.0})));
    auto idx = tj::lvector("idx");
    auto g = tj::function({idx}, tj::sum(w), {.updates = {{w, tj::inc_subtensor(w(idx), 1.0)}}});
    g(Array({3, 3, -1, 0}));
    CHECK(w.get_value().equals(Array({11.0, 20.0, 2.0, 6.0})));
    auto m = tj::shared(Array({{1.0, 2.0}, {3.0, 4.0}}), "m");
    auto h =
        tj::function({}, tj::sum(m), {.updates = {{m, tj::inc_subtensor(m(colon, -1), m(0))}}});
    h();
    CHECK(m.get_value().equals(Array({{1.0, 3.0}, {3.0, 6.0}})));
}

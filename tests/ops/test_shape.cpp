// Shape ops: type rules and static shapes, build-time errors, hand-checked references, JIT
// against tj::eval over shapes, layouts and dtypes, call-time errors, and gradients.
#include <catch2/catch.hpp>

#include "support/op_checker.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <array>
#include <functional>
#include <random>
#include <string>
#include <vector>

using tj::Array;
using tj::colon;
using tj::Dims;
using tj::DType;
using tj::Var;

namespace {

const std::vector<DType> kDtypes = {DType::Bool,  DType::Int8,    DType::Int32,  DType::UInt16,
                                    DType::Int64, DType::Float32, DType::Float64};

enum class Layout { Contiguous, Transposed, Strided };

Array make_value(std::mt19937_64& rng, DType t, const Dims& shape, Layout layout) {
    if (layout == Layout::Transposed && shape.size() >= 2) {
        Dims rev;
        for (int i = shape.size() - 1; i >= 0; --i) rev.push_back(shape[i]);
        return tj_test::random_array(rng, t, rev, -5, 5).transpose();
    }
    if (layout == Layout::Strided && shape.size() >= 1) {
        Dims wide = shape;
        wide[0] *= 2;
        return tj_test::random_array(rng, t, wide, -5, 5).slice(0, 0, wide[0], 2);
    }
    return tj_test::random_array(rng, t, shape, -5, 5);
}

// Symbolic type of an input: dyn extents except the 1s (which broadcast), or fully static.
Dims declared(const Dims& shape, bool static_shape) {
    if (static_shape) return shape;
    Dims d;
    for (auto e : shape) d.push_back(e == 1 ? 1 : tj::dyn);
    return d;
}

struct Record {
    const char* name;
    std::function<Var(const Var&)> build;
    std::vector<Dims> shapes;
    bool static_shape = false;
};

const std::vector<Record>& records() {
    static const std::vector<Record> r = {
        {"reshape_flat",
         [](const Var& x) { return tj::reshape(x, {-1}); },
         {{}, {7}, {0, 3}, {3, 4}, {2, 3, 4}}},
        {"reshape_2d",
         [](const Var& x) {
             return tj::reshape(x, {2, -1});
         },
         {{2, 3}, {4, 3}, {2, 0}, {2, 3, 2}}},
        {"reshape_static",
         [](const Var& x) {
             return tj::reshape(x, {3, 1, 4});
         },
         {{4, 3}, {2, 6}},
         true},
        {"reshape_symbolic",
         [](const Var& x) { return tj::reshape(x, tj::shape(x.T())); },
         {{3, 3}, {0, 0}, {4, 4}}},
        {"flatten",
         [](const Var& x) { return tj::flatten(x); },
         {{}, {5}, {3, 4}, {2, 3, 4}, {0, 3}}},
        {"flatten_2",
         [](const Var& x) { return tj::flatten(x, 2); },
         {{3, 4}, {2, 3, 4}, {2, 0, 3}}},
        {"dimshuffle",
         [](const Var& x) {
             return tj::dimshuffle(x, {1, tj::newaxis, 0});
         },
         {{3, 4}, {0, 2}, {1, 5}}},
        {"dimshuffle_drop",
         [](const Var& x) {
             return tj::dimshuffle(x, {'x', 1});
         },
         {{1, 4}, {1, 0}}},
        {"expand_dims",
         [](const Var& x) {
             return tj::expand_dims(x, {0, -1});
         },
         {{}, {5}, {3, 4}}},
        {"squeeze", [](const Var& x) { return tj::squeeze(x); }, {{3, 1, 4}, {1, 1}, {1, 0}}},
        {"squeeze_dyn", [](const Var& x) { return tj::squeeze(x, {1}); }, {{3, 1}, {4, 1, 2}}},
        {"transpose_axes",
         [](const Var& x) {
             return tj::transpose(x, {1, 2, 0});
         },
         {{2, 3, 4}, {0, 2, 3}}},
        {"broadcast_to",
         [](const Var& x) {
             return tj::broadcast_to(x, {3, 4});
         },
         {{1, 4}, {}, {4}, {3, 1}}},
        {"broadcast_to_sym",
         [](const Var& x) { return tj::broadcast_to(x, tj::shape(x(0) * x)); },
         {{1, 4}, {1, 0}}},
        {"shape", [](const Var& x) { return tj::shape(x); }, {{}, {0}, {3, 4}, {2, 3, 4}}},
        {"zeros_like", [](const Var& x) { return tj::zeros_like(x); }, {{}, {3, 4}, {0, 2}}},
        {"ones_like", [](const Var& x) { return tj::ones_like(x, DType::Int32); }, {{}, {3, 4}}},
        {"alloc_sym",
         [](const Var& x) {
             return tj::alloc(x, tj::shape(tj::concatenate({x, x})));
         },
         {{1, 3}, {1, 0}}},
        {"zeros_sym",
         [](const Var& x) { return tj::zeros(tj::shape(x), x.dtype()); },
         {{2, 3}, {0}}},
        {"full",
         [](const Var& x) {
             return tj::full({2, 3}, x);
         },
         {{}, {3}, {1, 3}}},
        {"split_last",
         [](const Var& x) {
             return tj::split(x, {1, 2, 1}, 1)[1];
         },
         {{3, 4}, {0, 4}}},
        {"stack",
         [](const Var& x) {
             return tj::stack({x, x * 2}, 1);
         },
         {{3}, {2, 3}, {0}}},
    };
    return r;
}

} // namespace

TEST_CASE("shape ops: JIT matches the reference", "[op][shape]") {
    std::mt19937_64 rng(7);
    for (const auto& rec : records()) {
        for (DType t : kDtypes) {
            for (const auto& shape : rec.shapes) {
                for (Layout layout : {Layout::Contiguous, Layout::Transposed, Layout::Strided}) {
                    Var x = tj::tensor("x", t, declared(shape, rec.static_shape));
                    Var out = rec.build(x);
                    Array value = make_value(rng, t, shape, layout);
                    tj_test::compare_with_reference({x}, {value}, out,
                                                    std::string(rec.name) + " " +
                                                        std::string(tj::dtype_name(t)) + " " +
                                                        tj::shape_str(shape) + " layout " +
                                                        std::to_string(static_cast<int>(layout)));
                }
            }
        }
    }
}

TEST_CASE("concatenate and stack: JIT matches the reference", "[op][shape][concatenate]") {
    std::mt19937_64 rng(8);
    struct Case {
        Dims a, b;
        int axis;
    };
    const std::vector<Case> cases = {{{2, 3}, {4, 3}, 0},
                                     {{2, 3}, {2, 0}, 1},
                                     {{5}, {0}, 0},
                                     {{2, 3, 4}, {2, 1, 4}, 1},
                                     {{3, 2}, {3, 5}, -1}};
    for (DType t : kDtypes) {
        for (const auto& c : cases) {
            for (Layout layout : {Layout::Contiguous, Layout::Transposed, Layout::Strided}) {
                Var a = tj::tensor("a", t, declared(c.a, false));
                Var b = tj::tensor("b", t, declared(c.b, false));
                Array va = make_value(rng, t, c.a, layout),
                      vb = make_value(rng, t, c.b, Layout::Contiguous);
                tj_test::compare_with_reference(
                    {a, b}, {va, vb}, tj::concatenate({a, b, a}, c.axis),
                    std::string("concatenate ") + std::string(tj::dtype_name(t)) +
                        tj::shape_str(c.a) + tj::shape_str(c.b));
                tj_test::compare_with_reference({a}, {va}, tj::stack({a, a}, 0),
                                                "stack " + std::string(tj::dtype_name(t)));
            }
        }
    }
    // Mixed dtypes promote as NumPy.
    auto i = tj::ivector("i");
    auto d = tj::dvector("d");
    CHECK(tj::concatenate({i, d}).dtype() == DType::Float64);
    tj_test::compare_with_reference({i, d}, {Array::full(DType::Int32, {2}, 3), Array({0.5, 1.5})},
                                    tj::concatenate({i, d}), "promote");
}

TEST_CASE("shape ops: static shapes and types", "[op][shape][types]") {
    auto x = tj::tensor("x", DType::Float32, {2, 3, 4});
    CHECK(tj::reshape(x, {6, -1}).type().shape == Dims{6, 4});
    CHECK(tj::reshape(x, {-1}).type().shape == Dims{24});
    CHECK(tj::reshape(x, tj::constant(Array({4, 6}))).type().shape == Dims{4, 6});
    CHECK(tj::reshape(x, tj::shape(tj::dmatrix("m"))).type().shape == Dims{tj::dyn, tj::dyn});
    CHECK(tj::flatten(x).type().shape == Dims{24});
    CHECK(tj::flatten(x, 2).type().shape == Dims{2, 12});
    CHECK(tj::dimshuffle(x, {2, 'x', 0, 1}).type().shape == Dims{4, 1, 2, 3});
    CHECK(tj::expand_dims(x, {1}).type().shape == Dims{2, 1, 3, 4});
    CHECK(tj::concatenate({x, x}, 1).type().shape == Dims{2, 6, 4});
    CHECK(tj::stack({x, x}, -1).type().shape == Dims{2, 3, 4, 2});
    auto parts = tj::split(x, {1, 2}, 1);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].type().shape == Dims{2, 1, 4});
    CHECK(parts[1].type().shape == Dims{2, 2, 4});
    CHECK(tj::shape(x).type() == tj::TensorType{DType::Int64, {3}});
    CHECK(tj::zeros({2, 3}).type() == tj::TensorType{DType::Float64, {2, 3}});
    CHECK(tj::ones({4}, DType::Int8).dtype() == DType::Int8);
    CHECK(tj::full({2}, 7).dtype() == DType::Int64);
    CHECK(tj::zeros_like(x).type() == x.type());
    CHECK(tj::arange(5).type() == tj::TensorType{DType::Int64, {5}});
    CHECK(tj::arange(0.0, 1.0, 0.25).type() == tj::TensorType{DType::Float64, {4}});
    CHECK(tj::arange(10, 0, -3).type().shape == Dims{4});
    CHECK(tj::arange(tj::lscalar("n")).type().shape == Dims{tj::dyn});
    CHECK(tj::eye(3).type() == tj::TensorType{DType::Float64, {3, 3}});
    CHECK(tj::eye(2, 5, 1, DType::Int32).type() == tj::TensorType{DType::Int32, {2, 5}});
    CHECK(tj::broadcast_to(tj::tensor("r", DType::Float64, {1, 4}), {3, 4}).type().shape ==
          Dims{3, 4});
    auto dm = tj::tensor("dm", DType::Float64, {tj::dyn, 3});
    CHECK(tj::concatenate({dm, x(colon, colon, 0)}).type().shape == Dims{tj::dyn, 3});
    CHECK(tj::squeeze(tj::tensor("s", DType::Float64, {1, tj::dyn, 1})).type().shape ==
          Dims{tj::dyn});
}

using tj_test::expect_error;

TEST_CASE("shape ops: bad builds name the op and the shapes", "[op][shape][errors]") {
    auto x = tj::tensor("x", DType::Float64, {2, 3});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::reshape(x, {4, 2});
        },
        {"reshape", "float64[2, 3]", "(4, 2)"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::reshape(x, {4, -1});
        },
        {"reshape", "float64[2, 3]", "(4, -1)"});
    expect_error<tj::ValueError>([&] { (void)tj::reshape(x, {-1, -1}); }, {"reshape", "-1"});
    auto y = tj::tensor("y", DType::Float64, {2, 4});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::concatenate({x, y});
        },
        {"concatenate", "float64[2, 4]", "float64[2, 3]"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::concatenate({x, tj::dvector("v")});
        },
        {"concatenate", "rank"});
    expect_error<tj::ShapeError>([&] { (void)tj::dimshuffle(x, {1}); },
                                 {"dimshuffle", "axis 0", "float64[2, 3]"});
    expect_error<tj::ValueError>([&] { (void)tj::dimshuffle(x, {0, 0}); }, {"dimshuffle", "twice"});
    expect_error<tj::ShapeError>([&] { (void)tj::squeeze(x, {0}); },
                                 {"squeeze", "axis 0", "float64[2, 3]"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::broadcast_to(x, {4, 3});
        },
        {"broadcast_to", "float64[2, 3]", "(4, 3)"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::split(x, {1, 1}, 1);
        },
        {"split", "sum to 2", "extent 3"});
    expect_error<tj::TypeError>([&] { (void)tj::reshape(x, tj::dvector("s")); },
                                {"reshape", "float64"});
    expect_error<tj::ValueError>([&] { (void)tj::arange(1, 2, 0); }, {"arange", "zero"});
    expect_error<tj::TypeError>([&] { (void)tj::eye(tj::dscalar("n")); }, {"eye", "integer"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::concatenate({tj::dscalar("a"), tj::dscalar("b")});
        },
        {"concatenate", "zero-dimensional"});
}

TEST_CASE("shape ops: reference values by hand", "[op][shape][reference]") {
    CHECK(tj::eval(tj::reshape(tj::constant(Array({{1, 2, 3}, {4, 5, 6}})), {3, 2}))
              .equals(Array({{1, 2}, {3, 4}, {5, 6}})));
    CHECK(tj::eval(tj::reshape(tj::constant(Array({{1, 2, 3}, {4, 5, 6}}).transpose()), {-1}))
              .equals(Array({1, 4, 2, 5, 3, 6})));
    CHECK(tj::eval(tj::concatenate({tj::constant(Array({1, 2})), tj::constant(Array({3}))}))
              .equals(Array({1, 2, 3})));
    CHECK(tj::eval(tj::stack({tj::constant(Array({1, 2})), tj::constant(Array({3, 4}))}, 1))
              .equals(Array({{1, 3}, {2, 4}})));
    CHECK(tj::eval(tj::arange(5)).equals(Array({0, 1, 2, 3, 4})));
    CHECK(tj::eval(tj::arange(5, 0, -2)).equals(Array({5, 3, 1})));
    CHECK(tj::eval(tj::arange(3, 3)).size() == 0);
    CHECK(tj::eval(tj::arange(1.0, 2.0, 0.3)).shape() == Dims{4});
    CHECK(tj::eval(tj::eye(2, 3, 1, DType::Int64)).equals(Array({{0, 1, 0}, {0, 0, 1}})));
    CHECK(tj::eval(tj::eye(3, 2, -1, DType::Int64)).equals(Array({{0, 0}, {1, 0}, {0, 1}})));
    CHECK(tj::eval(tj::shape(tj::zeros({2, 0, 3}))).equals(Array({2, 0, 3})));
    CHECK(tj::eval(tj::full({2}, 1.5)).equals(Array({1.5, 1.5})));
    CHECK(tj::eval(tj::dimshuffle(tj::constant(Array({{1, 2, 3}})), {1, 0}))
              .equals(Array({{1}, {2}, {3}})));
}

TEST_CASE("arange, eye and alloc with symbolic sizes: JIT matches the reference",
          "[op][shape][arange][eye]") {
    auto a = tj::lscalar("a"), b = tj::lscalar("b"), c = tj::lscalar("c");
    auto fa = tj::function({a, b, c}, tj::arange(a, b, c));
    for (auto [x, y, z] : std::vector<std::array<long long, 3>>{
             {0, 5, 1}, {5, 0, -2}, {3, 3, 1}, {-4, 7, 3}, {2, 1, 1}}) {
        Array got = fa(x, y, z);
        CHECK(got.equals(tj::eval(tj::arange(x, y, z))));
    }
    auto fx = tj::dscalar("fx"), fy = tj::dscalar("fy"), fz = tj::dscalar("fz");
    auto ff = tj::function({fx, fy, fz}, tj::arange(fx, fy, fz));
    CHECK(ff(0.0, 1.0, 0.25).equals(Array({0.0, 0.25, 0.5, 0.75})));
    CHECK(tj::allclose(ff(1.0, 0.0, -0.4), Array({1.0, 0.6, 0.2}), 1e-15, 1e-15));
    CHECK(ff(1.0, 0.0, -0.4).equals(tj::eval(tj::arange(1.0, 0.0, -0.4))));
    CHECK_THROWS_AS(fa(1, 2, 0), tj::ValueError);
    auto n = tj::lscalar("n"), m = tj::lscalar("m");
    for (int k : {-1, 0, 2}) {
        auto fe = tj::function({n, m}, tj::eye(n, m, k, DType::Float32));
        for (auto [r, cc] : std::vector<std::array<long long, 2>>{{3, 3}, {2, 4}, {0, 2}}) {
            Array got = fe(r, cc);
            Array want = tj::eval(tj::eye(tj::constant(Array(static_cast<long long>(r))),
                                          tj::constant(Array(static_cast<long long>(cc))), k,
                                          DType::Float32));
            CHECK(got.equals(want));
        }
    }
    auto v = tj::dvector("v");
    auto fz2 = tj::function({v, n}, tj::alloc(v, tj::stack({n, tj::shape(v)(0)})));
    CHECK(fz2(Array({1.0, 2.0}), 3).equals(Array({{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}})));
}

TEST_CASE("shape ops: call-time errors", "[op][shape][errors]") {
    auto x = tj::dvector("x");
    auto f = tj::function({x}, tj::reshape(x, {2, -1}));
    CHECK(f(Array({1.0, 2.0, 3.0, 4.0})).shape() == Dims{2, 2});
    expect_error<tj::ShapeError>(
        [&] {
            f(Array({1.0, 2.0, 3.0}));
        },
        {"reshape", "(3,)", "(2, -1)"});
    auto s = tj::tensor("s", DType::Int64, {2});
    auto g = tj::function({x, s}, tj::reshape(x, s) * 2);
    CHECK(g(Array({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}), Array({3, 2})).shape() == Dims{3, 2});
    expect_error<tj::ShapeError>(
        [&] {
            g(Array({1.0, 2.0, 3.0}), Array({2, 2}));
        },
        {"reshape", "(3,)", "(2, 2)"});
    auto m = tj::dmatrix("m");
    auto h = tj::function({m}, tj::squeeze(m, {1}));
    CHECK(h(Array({{1.0}, {2.0}})).equals(Array({1.0, 2.0})));
    expect_error<tj::ValueError>([&] { h(Array({{1.0, 2.0}})); }, {"squeeze", "extent 2"});
    auto k = tj::function({m, x}, tj::concatenate({m, tj::expand_dims(x, {0})}));
    expect_error<tj::ShapeError>(
        [&] {
            k(Array({{1.0, 2.0}}), Array({1.0, 2.0, 3.0}));
        },
        {"concatenate", "(1, 2)", "(1, 3)"});
    auto r = tj::tensor("r", DType::Float64, {1, tj::dyn});
    auto b = tj::function({r, s}, tj::broadcast_to(r, s));
    CHECK(b(Array({{1.0, 2.0}}), Array({3, 2})).shape() == Dims{3, 2});
    expect_error<tj::ShapeError>(
        [&] {
            b(Array({{1.0, 2.0}}), Array({3, 4}));
        },
        {"broadcast_to", "(1, 2)", "(3, 4)"});
}

TEST_CASE("shape ops: gradients", "[op][shape][grad]") {
    std::mt19937_64 rng(3);
    auto m34 = tj_test::random_array(rng, DType::Float64, {3, 4});
    auto m14 = tj_test::random_array(rng, DType::Float64, {1, 4});
    auto m24 = tj_test::random_array(rng, DType::Float64, {2, 4});
    using F = std::function<Var(const std::vector<Var>&)>;
    std::vector<std::pair<F, std::vector<Array>>> checks = {
        {[](auto& v) {
             return tj::reshape(v[0], {2, -1});
         },
         {m34}},
        {[](auto& v) { return tj::reshape(v[0], tj::shape(v[0].T())); }, {m34}},
        {[](auto& v) { return tj::flatten(v[0]); }, {m34}},
        {[](auto& v) {
             return tj::dimshuffle(v[0], {1, 'x', 0});
         },
         {m34}},
        {[](auto& v) { return tj::dimshuffle(v[0], {1}); }, {m14}},
        {[](auto& v) { return tj::squeeze(v[0]); }, {m14}},
        {[](auto& v) { return tj::expand_dims(v[0], {1}); }, {m34}},
        {[](auto& v) {
             return tj::transpose(v[0], {1, 0});
         },
         {m34}},
        {[](auto& v) {
             return tj::concatenate({v[0], v[1], v[0]});
         },
         {m34, m24}},
        {[](auto& v) {
             return tj::concatenate({tj::reshape(v[0], tj::shape(v[0])), v[1]}, 0);
         },
         {m34, m24}},
        {[](auto& v) {
             return tj::stack({v[0], v[0] * v[0]}, 2);
         },
         {m34}},
        {[](auto& v) {
             auto p = tj::split(v[0], {1, 3}, 1);
             return p[0] * 2 + tj::sum(p[1]);
         },
         {m34}},
        {[](auto& v) {
             return tj::broadcast_to(v[0], {3, 4});
         },
         {m14}},
        {[](auto& v) {
             return tj::alloc(v[0], {2, 3, 4});
         },
         {m14}},
        {[](auto& v) {
             return tj::full({2, 2}, tj::sum(v[0]));
         },
         {m34}},
        {[](auto& v) {
             return v[0] * tj::cast(tj::shape(v[0])(1), DType::Float64) + tj::eye(3, 4);
         },
         {m34}},
    };
    for (std::size_t i = 0; i < checks.size(); ++i) {
        INFO("check " << i);
        tj::verify_grad(checks[i].first, checks[i].second);
    }
    // Order 2: the gradients of the shape ops are shape ops again.
    tj::verify_grad(
        [](auto& v) {
            auto y = tj::reshape(v[0], {-1});
            return tj::grad(tj::sum(y * y * y), v[0]);
        },
        {m34});
    tj::verify_grad(
        [](auto& v) {
            auto y = tj::concatenate({v[0], tj::dimshuffle(v[0], {0, 1})});
            return tj::grad(tj::sum(tj::exp(y) * tj::broadcast_to(v[1], {6, 4})), v[0]);
        },
        {m34, m14});
    // Not differentiable paths: shape() and arange are disconnected.
    auto x = tj::dvector("x");
    auto gx = tj::grad(tj::sum(x * tj::cast(tj::arange(tj::shape(x)(0)), DType::Float64)), x);
    auto fg = tj::function({x}, gx);
    CHECK(fg(Array({5.0, 5.0, 5.0})).equals(Array({0.0, 1.0, 2.0})));
}

// Linear algebra (matmul, outer, tensordot, diag, trace; dot as a control): type rules,
// build-time and run-time shape errors, JIT against the reference over shapes, layouts and
// dtypes, BLAS in the kernels, and gradients.
#include <catch2/catch.hpp>

#include "support/op_checker.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

using tj::Array;
using tj::DType;
using tj::Var;

namespace {

enum class Layout { Contiguous, Transposed, Strided };

struct Operand {
    tj::Dims shape;
    Layout layout = Layout::Contiguous;
};

// One differential case: an op applied to operands with given shapes and layouts.
struct LinalgCase {
    const char* op; // the op's tag: its test case runs every case of the op
    const char* name;
    std::function<Var(const std::vector<Var>&)> build;
    std::vector<Operand> operands;
};

const std::vector<DType> kDtypes = {DType::Float32, DType::Float64, DType::Int32, DType::Int64};

Var mm(const std::vector<Var>& v) { return tj::matmul(v[0], v[1]); }

const std::vector<LinalgCase>& cases() {
    static const std::vector<LinalgCase> c = {
        {"matmul", "matmul matrix", mm, {{{3, 4}}, {{4, 5}}}},
        {"matmul", "matmul vector.matrix", mm, {{{4}}, {{4, 5}}}},
        {"matmul", "matmul matrix.vector", mm, {{{3, 4}}, {{4}}}},
        {"matmul", "matmul vector.vector", mm, {{{4}}, {{4}}}},
        {"matmul", "matmul batched", mm, {{{2, 3, 4}}, {{2, 4, 5}}}},
        {"matmul", "matmul batch broadcast", mm, {{{2, 1, 3, 4}}, {{3, 4, 2}}}},
        {"matmul", "matmul batch x matrix", mm, {{{2, 3, 4}}, {{4, 2}}}},
        {"matmul", "matmul vector x batch", mm, {{{4}}, {{3, 4, 2}}}},
        {"matmul", "matmul batch x vector", mm, {{{2, 3, 4}}, {{4}}}},
        {"matmul",
         "matmul transposed",
         mm,
         {{{3, 4}, Layout::Transposed}, {{4, 5}, Layout::Transposed}}},
        {"matmul", "matmul strided", mm, {{{2, 3, 4}, Layout::Strided}, {{4, 3}, Layout::Strided}}},
        {"matmul", "matmul empty k", mm, {{{3, 0}}, {{0, 4}}}},
        {"matmul", "matmul empty n", mm, {{{0, 4}}, {{4, 5}}}},
        {"matmul", "matmul empty batch", mm, {{{0, 3, 4}}, {{4, 5}}}},
        {"outer", "outer", [](auto& v) { return tj::outer(v[0], v[1]); }, {{{5}}, {{3}}}},
        {"outer",
         "outer strided",
         [](auto& v) { return tj::outer(v[0], v[1]); },
         {{{5}, Layout::Strided}, {{4}}}},
        {"outer", "outer empty", [](auto& v) { return tj::outer(v[0], v[1]); }, {{{0}}, {{3}}}},
        {"outer",
         "outer of a matrix and a scalar (flattened)",
         [](auto& v) { return tj::outer(v[0], v[1]); },
         {{{2, 3}, Layout::Transposed}, {{}}}},
        {"tensordot",
         "tensordot 2",
         [](auto& v) { return tj::tensordot(v[0], v[1]); },
         {{{2, 3, 4}}, {{3, 4, 5}}}},
        {"tensordot",
         "tensordot 1",
         [](auto& v) { return tj::tensordot(v[0], v[1], 1); },
         {{{2, 3}}, {{3, 4, 2}}}},
        {"tensordot",
         "tensordot 0",
         [](auto& v) { return tj::tensordot(v[0], v[1], 0); },
         {{{2, 3}}, {{4}}}},
        {"tensordot",
         "tensordot pairs",
         [](auto& v) {
             return tj::tensordot(v[0], v[1], {2, 0}, {0, 2});
         },
         {{{4, 3, 5}}, {{5, 2, 4}}}},
        {"tensordot",
         "tensordot transposed",
         [](auto& v) { return tj::tensordot(v[0], v[1], {-1}, {1}); },
         {{{3, 4}, Layout::Transposed}, {{5, 4, 2}, Layout::Strided}}},
        {"tensordot",
         "tensordot all",
         [](auto& v) { return tj::tensordot(v[0], v[1], 2); },
         {{{3, 4}}, {{3, 4}}}},
        {"diag", "diag vector", [](auto& v) { return tj::diag(v[0]); }, {{{4}}}},
        {"diag",
         "diag vector k=2",
         [](auto& v) { return tj::diag(v[0], 2); },
         {{{3}, Layout::Strided}}},
        {"diag", "diag vector k=-1", [](auto& v) { return tj::diag(v[0], -1); }, {{{3}}}},
        {"diag", "diag matrix", [](auto& v) { return tj::diag(v[0]); }, {{{3, 5}}}},
        {"diag",
         "diag matrix k=2",
         [](auto& v) { return tj::diag(v[0], 2); },
         {{{3, 5}, Layout::Transposed}}},
        {"diag",
         "diag matrix k=-1",
         [](auto& v) { return tj::diag(v[0], -1); },
         {{{4, 3}, Layout::Strided}}},
        {"diag", "diag matrix out of range", [](auto& v) { return tj::diag(v[0], 7); }, {{{3, 5}}}},
        {"diag", "diag in a graph", [](auto& v) { return tj::diag(v[0], 1) * 2; }, {{{3, 4}}}},
        {"trace", "trace", [](auto& v) { return tj::trace(v[0]); }, {{{4, 4}}}},
        {"trace",
         "trace k=1",
         [](auto& v) { return tj::trace(v[0], 1); },
         {{{3, 5}, Layout::Transposed}}},
        {"trace",
         "trace k=-2",
         [](auto& v) { return tj::trace(v[0], -2); },
         {{{4, 3}, Layout::Strided}}},
        {"trace", "trace empty", [](auto& v) { return tj::trace(v[0]); }, {{{0, 3}}}},
        {"dot",
         "dot matrix",
         [](auto& v) { return tj::dot(v[0], v[1]); },
         {{{3, 4}, Layout::Transposed}, {{4, 2}}}},
        {"dot", "dot n-d", [](auto& v) { return tj::dot(v[0], v[1]); }, {{{2, 3}}, {{4, 3, 2}}}},
        {"dot",
         "dot 3-d x vector",
         [](auto& v) { return tj::dot(v[0], v[1]); },
         {{{2, 3, 4}, Layout::Strided}, {{4}}}},
    };
    return c;
}

Array make_operand(std::mt19937_64& rng, DType t, const Operand& op) {
    switch (op.layout) {
    case Layout::Contiguous:
        return tj_test::random_array(rng, t, op.shape, -5, 5);
    case Layout::Transposed: {
        tj::Dims rev;
        for (int i = op.shape.size() - 1; i >= 0; --i) rev.push_back(op.shape[i]);
        return tj_test::random_array(rng, t, rev, -5, 5).transpose();
    }
    case Layout::Strided: {
        tj::Dims wide = op.shape;
        wide[wide.size() - 1] *= 2;
        return tj_test::random_array(rng, t, wide, -5, 5).slice(-1, 0, wide[wide.size() - 1], 2);
    }
    }
    return {};
}

using tj_test::expect_error;

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// The entry point of a kernel source (after the pasted templates).
std::string entry_of(const std::string& source) {
    return source.substr(source.find("extern \"C\" int"));
}

} // namespace

namespace {

// Every case of `op`: JIT against the reference, one function per dtype (compiles are the cost).
void check_against_reference(const std::string& op) {
    std::mt19937_64 rng(99);
    std::vector<const LinalgCase*> mine;
    for (const auto& c : cases())
        if (c.op == op) mine.push_back(&c);
    REQUIRE(!mine.empty());
    for (DType t : kDtypes) {
        std::vector<Var> vars, outs;
        std::vector<Array> values;
        for (const LinalgCase* c : mine) {
            std::vector<Var> operands;
            for (const auto& o : c->operands) {
                tj::Dims dyn_shape;
                for (int d = 0; d < o.shape.size(); ++d)
                    dyn_shape.push_back(o.shape[d] == 1 ? 1 : tj::dyn);
                operands.push_back(tj::tensor("x" + std::to_string(vars.size()), t, dyn_shape));
                vars.push_back(operands.back());
                values.push_back(make_operand(rng, t, o));
            }
            outs.push_back(c->build(operands));
        }
        std::vector<tj::In> ins(vars.begin(), vars.end());
        std::vector<tj::Arg> args(values.begin(), values.end());
        std::vector<Array> got = tj::function(ins, outs)(std::span<const tj::Arg>(args));
        std::vector<std::pair<Var, Array>> bind;
        for (std::size_t i = 0; i < vars.size(); ++i) bind.push_back({vars[i], values[i]});
        std::vector<Array> want = tj::eval(outs, bind);
        for (std::size_t i = 0; i < outs.size(); ++i) {
            INFO(mine[i]->name << " " << tj::dtype_name(t));
            INFO("got " << got[i] << "\nwant " << want[i]);
            REQUIRE(got[i].dtype() == want[i].dtype());
            REQUIRE(got[i].dtype() == outs[i].dtype());
            REQUIRE(got[i].shape() == want[i].shape());
            REQUIRE(outs[i].type().accepts_shape(got[i].shape()));
            if (tj::is_float(t))
                CHECK(tj::allclose(got[i], want[i], t == DType::Float32 ? 1e-5 : 1e-12,
                                   t == DType::Float32 ? 1e-4 : 1e-12));
            else
                CHECK(got[i].equals(want[i]));
        }
    }
}

} // namespace

#define TJ_LINALG_REFERENCE_TEST(OP)                                                               \
    TEST_CASE(#OP ": JIT matches the reference over shapes, layouts and dtypes",                   \
              "[op][linalg][" #OP "]") {                                                           \
        check_against_reference(#OP);                                                              \
    }
TJ_LINALG_REFERENCE_TEST(matmul)
TJ_LINALG_REFERENCE_TEST(outer)
TJ_LINALG_REFERENCE_TEST(tensordot)
TJ_LINALG_REFERENCE_TEST(diag)
TJ_LINALG_REFERENCE_TEST(trace)
TJ_LINALG_REFERENCE_TEST(dot)
#undef TJ_LINALG_REFERENCE_TEST

TEST_CASE("linear algebra: hand-checked values", "[op][linalg][reference]") {
    auto [a, b] = tj::dmatrices("a", "b");
    const Array m = Array({{1.0, 2.0}, {3.0, 4.0}});
    const Array n = Array({{5.0, 6.0}, {7.0, 8.0}});
    CHECK(tj::function({a, b}, tj::matmul(a, b))(m, n).equals(Array({{19.0, 22.0}, {43.0, 50.0}})));
    auto [u, v] = tj::dvectors("u", "v");
    CHECK(tj::function({u, v}, tj::outer(u, v))(Array({1.0, 2.0}), Array({3.0, 4.0, 5.0}))
              .equals(Array({{3.0, 4.0, 5.0}, {6.0, 8.0, 10.0}})));
    CHECK(tj::function({a}, tj::trace(a))(m).item_double() == 5);
    CHECK(tj::function({a}, tj::trace(a, 1))(m).item_double() == 2);
    CHECK(tj::function({a}, tj::trace(a, 5))(m).item_double() == 0);
    CHECK(tj::function({a}, tj::diag(a, -1))(m).equals(Array({3.0})));
    CHECK(tj::function({u}, tj::diag(u, 1))(Array({1.0, 2.0}))
              .equals(Array({{0.0, 1.0, 0.0}, {0.0, 0.0, 2.0}, {0.0, 0.0, 0.0}})));
    CHECK(tj::function({a, b}, tj::tensordot(a, b, {0}, {0}))(m, n).equals(
        Array({{26.0, 30.0}, {38.0, 44.0}})));
    // Empty contractions give zeros.
    auto z = tj::function({a, b}, tj::matmul(a, b))(Array::zeros(DType::Float64, {2, 0}),
                                                    Array::zeros(DType::Float64, {0, 3}));
    CHECK(z.equals(Array::zeros(DType::Float64, {2, 3})));
}

TEST_CASE("linear algebra: dtypes and static shapes", "[op][linalg][types]") {
    CHECK(tj::matmul(tj::imatrix("a"), tj::lmatrix("b")).dtype() == DType::Int64);
    CHECK(tj::matmul(tj::fmatrix("a"), tj::imatrix("b")).dtype() == DType::Float64);
    CHECK(tj::matmul(tj::fmatrix("a"), tj::fmatrix("b")).dtype() == DType::Float32);
    CHECK(tj::outer(tj::ivector("a"), tj::fvector("b")).dtype() == DType::Float64);
    CHECK(tj::tensordot(tj::ftensor3("a"), tj::dmatrix("b")).dtype() == DType::Float64);
    CHECK(tj::trace(tj::imatrix("a")).dtype() == DType::Int64);
    CHECK(tj::trace(tj::fmatrix("a")).dtype() == DType::Float32);
    CHECK(tj::diag(tj::ivector("a")).dtype() == DType::Int32);

    auto t = [](tj::Dims s) { return tj::tensor("t", DType::Float64, s); };
    CHECK(tj::matmul(t({2, 3}), t({3, 4})).type().shape == tj::Dims{2, 4});
    CHECK(tj::matmul(t({5, 1, 2, 3}), t({4, 3, 6})).type().shape == tj::Dims{5, 4, 2, 6});
    CHECK(tj::matmul(t({3}), t({tj::dyn, 3, 4})).type().shape == tj::Dims{tj::dyn, 4});
    CHECK(tj::matmul(t({2, 3}), t({3})).type().shape == tj::Dims{2});
    CHECK(tj::matmul(t({3}), t({3})).type().shape == tj::Dims{});
    CHECK(tj::matmul(t({tj::dyn, 3}), t({tj::dyn, 4})).type().shape == tj::Dims{tj::dyn, 4});
    CHECK(tj::outer(t({3}), t({tj::dyn})).type().shape == tj::Dims{3, tj::dyn});
    CHECK(tj::outer(t({2, 3}), t({})).type().shape == tj::Dims{6, 1});
    CHECK(tj::tensordot(t({2, 3, 4}), t({3, 4, 5})).type().shape == tj::Dims{2, 5});
    CHECK(tj::tensordot(t({2, 3, 4}), t({4, 2}), {0, 2}, {1, 0}).type().shape == tj::Dims{3});
    CHECK(tj::tensordot(t({2, 3}), t({4}), 0).type().shape == tj::Dims{2, 3, 4});
    CHECK(tj::diag(t({3}), 2).type().shape == tj::Dims{5, 5});
    CHECK(tj::diag(t({3, 5}), 1).type().shape == tj::Dims{3});
    CHECK(tj::diag(t({3, 5}), 3).type().shape == tj::Dims{2});
    CHECK(tj::diag(t({3, 5}), -1).type().shape == tj::Dims{2});
    CHECK(tj::diag(t({3, 5}), 9).type().shape == tj::Dims{0});
    CHECK(tj::diag(t({tj::dyn, 5})).type().shape == tj::Dims{tj::dyn});
    CHECK(tj::trace(t({3, 5})).type().shape == tj::Dims{});
}

TEST_CASE("linear algebra: bad shapes fail at build time naming the op and both shapes",
          "[op][linalg][errors]") {
    auto t = [](tj::Dims s) { return tj::tensor("t", DType::Float64, s); };
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::matmul(t({2, 3}), t({4, 5}));
        },
        {"matmul", "float64[2, 3]", "float64[4, 5]"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::matmul(t({2, 2, 3}), t({3, 3, 4}));
        },
        {"matmul", "cannot broadcast"});
    expect_error<tj::ShapeError>([&] { (void)tj::matmul(t({3}), t({4})); }, {"not aligned"});
    expect_error<tj::TypeError>([&] { (void)tj::matmul(tj::dscalar("s"), t({3})); },
                                {"matmul: input 1/2 is a scalar"});
    expect_error<tj::ShapeError>(
        [&] {
            (void)tj::tensordot(t({2, 3}), t({4, 5}), 1);
        },
        {"tensordot", "float64[2, 3]", "float64[4, 5]"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::tensordot(t({2, 3}), t({3}), 2);
        },
        {"tensordot: cannot contract 2 axes"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::tensordot(t({2, 3}), t({3, 2}), {0, 0}, {1, 0});
        },
        {"tensordot: axis 0 of input 1/2 is repeated"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::tensordot(t({2, 3}), t({3, 2}), {0}, {0, 1});
        },
        {"tensordot: 1 axes given for input 1/2 and 2 for input 2/2"});
    expect_error<tj::TypeError>(
        [&] {
            (void)tj::diag(t({2, 3, 4}));
        },
        {"diag: input 1/1 has type float64[2, 3, 4]"});
    expect_error<tj::TypeError>([&] { (void)tj::trace(t({3})); },
                                {"trace: input 1/1 has type float64[3], expected a matrix"});
}

TEST_CASE("linear algebra: shapes that do not fit at call time raise a ShapeError",
          "[op][linalg][errors][matmul]") {
    auto [a, b] = tj::dmatrices("a", "b");
    auto f = tj::function({a, b}, tj::matmul(a, b));
    expect_error<tj::ShapeError>(
        [&] {
            f(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {4, 5}));
        },
        {"apply node matmul(", "(2, 3)", "(4, 5)"});
    CHECK(f(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {3, 5})).shape() ==
          tj::Dims{2, 5});
    auto [x, y] = tj::dtensor3s("x", "y");
    auto g = tj::function({x, y}, tj::matmul(x, y));
    expect_error<tj::ShapeError>(
        [&] {
            g(Array::zeros(DType::Float64, {2, 3, 4}), Array::zeros(DType::Float64, {3, 4, 5}));
        },
        {"apply node matmul(", "(2, 3, 4)", "(3, 4, 5)"});
    auto h = tj::function({a, b}, tj::tensordot(a, b, 1));
    expect_error<tj::ShapeError>(
        [&] {
            h(Array::zeros(DType::Float64, {2, 3}), Array::zeros(DType::Float64, {4, 5}));
        },
        {"apply node tensordot("});
}

TEST_CASE("float32/float64 products call BLAS (outer: a loop)",
          "[op][linalg][blas][matmul][outer][dot][tensordot]") {
    for (DType t : {DType::Float32, DType::Float64}) {
        const std::string p = t == DType::Float32 ? "cblas_s" : "cblas_d";
        auto a = tj::matrix("a", t), b = tj::matrix("b", t), c = tj::tensor3("c", t);
        auto u = tj::vector("u", t), v = tj::vector("v", t);
        const std::string mm = tj::function({a, b}, tj::matmul(a, b)).kernel_source();
        CHECK(contains(mm, p + "gemm(TJ_ROW_MAJOR"));
        CHECK(contains(entry_of(mm), "tj_matmul<"));
        CHECK(contains(entry_of(tj::function({c, b}, tj::matmul(c, b)).kernel_source()),
                       "tj_matmul<"));
        const std::string d = tj::function({a, b}, tj::dot(a, b)).kernel_source();
        CHECK(contains(d, p + "gemm(TJ_ROW_MAJOR"));
        CHECK(contains(entry_of(d), "tj_gemm("));
        // outer is one pass of products (BLAS's ger would add into a zeroed matrix: two).
        const std::string o = tj::function({u, v}, tj::outer(u, v)).kernel_source();
        CHECK(contains(entry_of(o), "tj_ger("));
        const std::string td = tj::function({c, b}, tj::tensordot(c, b)).kernel_source();
        CHECK(contains(entry_of(td), "tj_gemm("));
    }
}

namespace {

struct GradRecord {
    const char* op;
    const char* name;
    std::function<Var(const std::vector<Var>&)> f;
    std::vector<tj::Dims> shapes;
};

const std::vector<GradRecord>& grad_records() {
    static const std::vector<GradRecord> r = {
        {"matmul", "matmul", [](auto& v) { return tj::matmul(v[0], v[1]); }, {{3, 4}, {4, 2}}},
        {"matmul",
         "matmul vector.matrix",
         [](auto& v) { return tj::matmul(v[0], v[1]); },
         {{4}, {4, 2}}},
        {"matmul",
         "matmul matrix.vector",
         [](auto& v) { return tj::matmul(v[0], v[1]); },
         {{3, 4}, {4}}},
        {"matmul",
         "matmul vector.vector",
         [](auto& v) { return tj::matmul(v[0], v[1]); },
         {{4}, {4}}},
        {"matmul",
         "matmul batch broadcast",
         [](auto& v) { return tj::matmul(v[0], v[1]); },
         {{2, 1, 3, 4}, {3, 4, 2}}},
        {"matmul",
         "matmul batch x vector",
         [](auto& v) { return tj::matmul(v[0], v[1]); },
         {{2, 3, 4}, {4}}},
        {"matmul",
         "matmul vector x batch",
         [](auto& v) { return tj::matmul(v[0], v[1]); },
         {{3}, {2, 3, 2}}},
        {"outer", "outer", [](auto& v) { return tj::outer(v[0], v[1]); }, {{3}, {4}}},
        {"outer", "outer flattened", [](auto& v) { return tj::outer(v[0], v[1]); }, {{2, 2}, {3}}},
        {"tensordot",
         "tensordot 2",
         [](auto& v) { return tj::tensordot(v[0], v[1]); },
         {{2, 3, 4}, {3, 4, 2}}},
        {"tensordot",
         "tensordot pairs",
         [](auto& v) {
             return tj::tensordot(v[0], v[1], {2, 0}, {0, 2});
         },
         {{4, 3, 2}, {2, 2, 4}}},
        {"tensordot",
         "tensordot 0",
         [](auto& v) { return tj::tensordot(v[0], v[1], 0); },
         {{2}, {3}}},
        {"tensordot", "dot n-d", [](auto& v) { return tj::dot(v[0], v[1]); }, {{2, 3}, {2, 3, 2}}},
        {"diag", "diag vector", [](auto& v) { return tj::diag(v[0], 1); }, {{3}}},
        {"diag", "diag matrix", [](auto& v) { return tj::diag(v[0], -1); }, {{3, 4}}},
        {"trace", "trace", [](auto& v) { return tj::trace(v[0], 1); }, {{3, 4}}},
        {"trace",
         "trace of products",
         [](auto& v) { return tj::trace(tj::matmul(v[0], tj::outer(v[1], v[1]))); },
         {{3, 3}, {3}}},
    };
    return r;
}

// The records of `op`, checked together (tests/support/op_checker.hpp).
void check_gradients(const std::string& op) {
    std::vector<tj_test::GradCase> cases;
    for (const auto& r : grad_records())
        if (r.op == op) cases.push_back({r.name, r.f, r.shapes});
    tj_test::check_gradients_together(cases, 3);
}

} // namespace

#define TJ_LINALG_GRAD_TEST(OP)                                                                    \
    TEST_CASE(#OP ": gradients match finite differences (orders 1 and 2)",                         \
              "[op][linalg][grad][" #OP "]") {                                                     \
        check_gradients(#OP);                                                                      \
    }
TJ_LINALG_GRAD_TEST(matmul)
TJ_LINALG_GRAD_TEST(outer)
TJ_LINALG_GRAD_TEST(tensordot)
TJ_LINALG_GRAD_TEST(diag)
TJ_LINALG_GRAD_TEST(trace)
#undef TJ_LINALG_GRAD_TEST

// Reductions (prod, max, min, argmax, argmin, all, any, cumsum, cumprod, var, std, softmax,
// log_softmax, logsumexp; sum and mean as controls): type rules, build-time errors, hand-checked
// references, JIT against the reference over shapes, axes and dtypes, and run-time errors. The
// gradients are in test_reduce_grad.cpp.
#include <catch2/catch.hpp>

#include "support/op_checker.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using tj::Array;
using tj::Axes;
using tj::DType;
using tj::Var;

namespace {

// Which axis arguments an op takes.
enum class AxisKind {
    Many,       ///< none, one or a list, with keepdims
    ManyNoKeep, ///< none, one or a list; no keepdims (softmax)
    One,        ///< none or one axis, no keepdims (cumsum)
};

struct ReduceRecord {
    const char* op;   // the op's tag: its test case runs every record of the op
    const char* name; // the record
    std::function<Var(const Var&, const Axes&, bool)> build;
    std::vector<DType> dtypes;
    double lo, hi; // input domain
    AxisKind axes = AxisKind::Many;
    bool needs_identity = false; // an empty reduction with a non-empty result is an error
};

const std::vector<DType> kFloats = {DType::Float32, DType::Float64};
const std::vector<DType> kNumeric = {DType::Int8,  DType::Int32,   DType::Int64,
                                     DType::UInt8, DType::Float32, DType::Float64};
const std::vector<DType> kWithBool = {DType::Bool, DType::Int32, DType::UInt16, DType::Float32,
                                      DType::Float64};

// One record per op and input domain: adding a record adds its differential tests.
const std::vector<ReduceRecord>& records() {
    static const std::vector<ReduceRecord> r = {
        {"sum", "sum", [](auto& x, auto& a, bool k) { return tj::sum(x, a, k); }, kNumeric, -20,
         20},
        {"mean", "mean", [](auto& x, auto& a, bool k) { return tj::mean(x, a, k); }, kNumeric, -20,
         20},
        {"prod",
         "prod",
         [](auto& x, auto& a, bool k) { return tj::prod(x, a, k); },
         {DType::Int8, DType::Int32, DType::UInt8, DType::Float32, DType::Float64},
         -3,
         4},
        {"prod", "prod near 1", [](auto& x, auto& a, bool k) { return tj::prod(x, a, k); }, kFloats,
         0.5, 1.5},
        {"max",
         "max",
         [](auto& x, auto& a, bool k) { return tj::max(x, a, k); },
         {DType::Bool, DType::Int8, DType::Int64, DType::UInt32, DType::Float32, DType::Float64},
         -50,
         50,
         AxisKind::Many,
         true},
        {"min",
         "min",
         [](auto& x, auto& a, bool k) { return tj::min(x, a, k); },
         {DType::Bool, DType::Int16, DType::Int32, DType::UInt64, DType::Float32, DType::Float64},
         -50,
         50,
         AxisKind::Many,
         true},
        // Few distinct integer values: ties check "first occurrence".
        {"argmax", "argmax", [](auto& x, auto& a, bool k) { return tj::argmax(x, a, k); },
         kWithBool, -3, 3, AxisKind::Many, true},
        {"argmin", "argmin", [](auto& x, auto& a, bool k) { return tj::argmin(x, a, k); },
         kWithBool, -3, 3, AxisKind::Many, true},
        {"all",
         "all",
         [](auto& x, auto& a, bool k) { return tj::all(x, a, k); },
         {DType::Bool, DType::Int32, DType::Float64},
         0,
         3},
        {"any",
         "any",
         [](auto& x, auto& a, bool k) { return tj::any(x, a, k); },
         {DType::Bool, DType::Int32, DType::Float64},
         -1,
         1},
        {"cumsum",
         "cumsum",
         [](auto& x, auto& a, bool) { return tj::cumsum(x, a); },
         {DType::Bool, DType::Int32, DType::UInt8, DType::Float32, DType::Float64},
         -20,
         20,
         AxisKind::One},
        {"cumprod",
         "cumprod",
         [](auto& x, auto& a, bool) { return tj::cumprod(x, a); },
         {DType::Int32, DType::Int64, DType::Float32, DType::Float64},
         -2,
         3,
         AxisKind::One},
        {"var",
         "var",
         [](auto& x, auto& a, bool k) { return tj::var(x, a, k); },
         {DType::Int32, DType::Float32, DType::Float64},
         -5,
         5},
        {"var", "var ddof=1", [](auto& x, auto& a, bool k) { return tj::var(x, a, k, 1); }, kFloats,
         -5, 5},
        {"std",
         "std",
         [](auto& x, auto& a, bool k) { return tj::std(x, a, k); },
         {DType::Int32, DType::Float32, DType::Float64},
         -5,
         5},
        {"softmax",
         "softmax",
         [](auto& x, auto& a, bool) { return tj::softmax(x, a); },
         {DType::Int32, DType::Float32, DType::Float64},
         -10,
         10,
         AxisKind::ManyNoKeep},
        {"log_softmax",
         "log_softmax",
         [](auto& x, auto& a, bool) { return tj::log_softmax(x, a); },
         {DType::Int32, DType::Float32, DType::Float64},
         -10,
         10,
         AxisKind::ManyNoKeep},
        {"logsumexp",
         "logsumexp",
         [](auto& x, auto& a, bool k) { return tj::logsumexp(x, a, k); },
         {DType::Int32, DType::Float32, DType::Float64},
         -10,
         10,
         AxisKind::Many,
         true},
    };
    return r;
}

double rtol_for(DType t) { return t == DType::Float32 ? 2e-5 : 1e-11; }

enum class Layout { Contiguous, Transposed, Strided };

struct Variant {
    std::optional<std::vector<int>> axes; // nullopt: all axes
    bool keepdims = false;
    Axes get() const { return axes ? Axes(*axes) : Axes(); }
    std::string str() const {
        std::ostringstream os;
        if (!axes) {
            os << "axis=None";
        } else {
            os << "axis=(";
            for (int a : *axes) os << a << ",";
            os << ")";
        }
        if (keepdims) os << " keepdims";
        return os.str();
    }
};

struct Case {
    const char* name;
    tj::Dims shape;
    Layout layout;
    std::vector<Variant> variants;
};

const std::vector<Case> kCases = {
    {"0-d", {}, Layout::Contiguous, {{std::nullopt, false}, {std::nullopt, true}}},
    {"vector", {7}, Layout::Contiguous, {{std::nullopt, false}, {{{0}}, false}, {{{-1}}, true}}},
    {"empty axis",
     {0, 3},
     Layout::Contiguous,
     {{std::nullopt, false}, {{{0}}, false}, {{{1}}, false}, {{{0, 1}}, true}}},
    {"matrix",
     {3, 5},
     Layout::Contiguous,
     {{std::nullopt, false}, {{{0}}, false}, {{{1}}, true}, {{{0, 1}}, false}, {{{-1}}, false}}},
    {"rank 3",
     {2, 3, 4},
     Layout::Contiguous,
     {{{{0, 2}}, false}, {{{1}}, true}, {std::nullopt, false}, {{{-1}}, false}, {{{2, 0}}, true}}},
    {"transposed",
     {4, 3},
     Layout::Transposed,
     {{{{0}}, false}, {{{1}}, false}, {std::nullopt, false}}},
    {"strided", {3, 4}, Layout::Strided, {{{{1}}, false}, {{{0}}, true}, {std::nullopt, false}}},
};

Array make_operand(std::mt19937_64& rng, DType t, const tj::Dims& shape, Layout layout, double lo,
                   double hi) {
    switch (layout) {
    case Layout::Contiguous:
        return tj_test::random_array(rng, t, shape, lo, hi);
    case Layout::Transposed: {
        tj::Dims rev;
        for (int i = shape.size() - 1; i >= 0; --i) rev.push_back(shape[i]);
        return tj_test::random_array(rng, t, rev, lo, hi).transpose();
    }
    case Layout::Strided: {
        tj::Dims wide = shape;
        wide[wide.size() - 1] *= 2;
        return tj_test::random_array(rng, t, wide, lo, hi).slice(-1, 0, wide[wide.size() - 1], 2);
    }
    }
    return {};
}

bool accepts(const ReduceRecord& rec, const Case& c, const Variant& v) {
    if (rec.axes != AxisKind::Many && v.keepdims) return false;
    if (rec.axes == AxisKind::One && v.axes && v.axes->size() != 1) return false;
    if (!rec.needs_identity) return true;
    // Reductions without identity fail on an empty reduction with a non-empty result (tested
    // separately).
    const int nd = c.shape.size();
    std::int64_t cnt = 1, out = 1;
    for (int d = 0; d < nd; ++d) {
        bool reduced = !v.axes;
        if (v.axes)
            for (int a : *v.axes) reduced |= (a < 0 ? a + nd : a) == d;
        (reduced ? cnt : out) *= c.shape[d];
    }
    return cnt > 0 || out == 0;
}

void check_same(const Array& got, const Array& want, const Var& out) {
    INFO("got " << got << "\nwant " << want);
    REQUIRE(got.dtype() == want.dtype());
    REQUIRE(got.dtype() == out.dtype());
    REQUIRE(got.shape() == want.shape());
    REQUIRE(out.type().accepts_shape(got.shape()));
    if (tj::is_float(got.dtype()))
        CHECK(tj::allclose(got, want, rtol_for(got.dtype()), rtol_for(got.dtype()), true));
    else
        CHECK(got.equals(want));
}

using tj_test::expect_error;

Array f64(std::vector<double> v) { return Array(v); }
Array reshaped(std::vector<double> v, tj::Dims shape) { return Array(v, shape); }

double nan() { return std::numeric_limits<double>::quiet_NaN(); }
double inf() { return std::numeric_limits<double>::infinity(); }

} // namespace

namespace {

// Every record of `op`: JIT against the reference over the cases and the record's dtypes.
void check_against_reference(const std::string& op) {
    std::mt19937_64 rng(2024);
    int checked = 0;
    for (const auto& rec : records()) {
        if (rec.op != op) continue;
        ++checked;
        for (DType t : rec.dtypes) {
            // One function per record and dtype (compiles are the cost): an input per case, an
            // output per accepted axis variant.
            std::vector<Var> inputs, outs;
            std::vector<Array> values;
            std::vector<std::string> names;
            for (const auto& c : kCases) {
                tj::Dims dyn_shape;
                for (int d = 0; d < c.shape.size(); ++d) dyn_shape.push_back(tj::dyn);
                Var x = tj::tensor("x" + std::to_string(inputs.size()), t, dyn_shape);
                bool used = false;
                for (const auto& v : c.variants) {
                    if (!accepts(rec, c, v)) continue;
                    outs.push_back(rec.build(x, v.get(), v.keepdims));
                    names.push_back(std::string(c.name) + " " + v.str());
                    used = true;
                }
                if (!used) continue;
                inputs.push_back(x);
                values.push_back(make_operand(rng, t, c.shape, c.layout, rec.lo, rec.hi));
            }
            std::vector<tj::In> ins(inputs.begin(), inputs.end());
            std::vector<tj::Arg> args(values.begin(), values.end());
            std::vector<Array> got = tj::function(ins, outs)(std::span<const tj::Arg>(args));
            std::vector<std::pair<Var, Array>> bind;
            for (std::size_t i = 0; i < inputs.size(); ++i) bind.push_back({inputs[i], values[i]});
            std::vector<Array> want = tj::eval(outs, bind);
            for (std::size_t i = 0; i < outs.size(); ++i) {
                INFO(rec.name << " " << tj::dtype_name(t) << " " << names[i]);
                check_same(got[i], want[i], outs[i]);
            }
        }
    }
    REQUIRE(checked > 0);
}

} // namespace

#define TJ_REDUCE_REFERENCE_TEST(OP)                                                               \
    TEST_CASE(#OP ": JIT matches the reference over shapes, axes and dtypes",                      \
              "[op][reduce][" #OP "]") {                                                           \
        check_against_reference(#OP);                                                              \
    }
TJ_REDUCE_REFERENCE_TEST(sum)
TJ_REDUCE_REFERENCE_TEST(mean)
TJ_REDUCE_REFERENCE_TEST(prod)
TJ_REDUCE_REFERENCE_TEST(max)
TJ_REDUCE_REFERENCE_TEST(min)
TJ_REDUCE_REFERENCE_TEST(argmax)
TJ_REDUCE_REFERENCE_TEST(argmin)
TJ_REDUCE_REFERENCE_TEST(all)
TJ_REDUCE_REFERENCE_TEST(any)
TJ_REDUCE_REFERENCE_TEST(cumsum)
TJ_REDUCE_REFERENCE_TEST(cumprod)
TJ_REDUCE_REFERENCE_TEST(var)
TJ_REDUCE_REFERENCE_TEST(std)
TJ_REDUCE_REFERENCE_TEST(softmax)
TJ_REDUCE_REFERENCE_TEST(log_softmax)
TJ_REDUCE_REFERENCE_TEST(logsumexp)
#undef TJ_REDUCE_REFERENCE_TEST

TEST_CASE("reductions: dtypes follow NumPy", "[op][reduce][types]") {
    auto i32 = tj::ivector("a");
    auto u8 = tj::vector("u", DType::UInt8);
    auto b = tj::vector("b", DType::Bool);
    auto f32 = tj::fvector("c");
    auto i8 = tj::bvector("d");
    CHECK(tj::sum(i32).dtype() == DType::Int64);
    CHECK(tj::prod(i32).dtype() == DType::Int64);
    CHECK(tj::prod(u8).dtype() == DType::UInt64);
    CHECK(tj::prod(b).dtype() == DType::Int64);
    CHECK(tj::prod(f32).dtype() == DType::Float32);
    CHECK(tj::mean(i32).dtype() == DType::Float64);
    CHECK(tj::max(i8).dtype() == DType::Int8);
    CHECK(tj::min(b).dtype() == DType::Bool);
    CHECK(tj::max(f32).dtype() == DType::Float32);
    CHECK(tj::argmax(f32).dtype() == DType::Int64);
    CHECK(tj::argmin(i8).dtype() == DType::Int64);
    CHECK(tj::all(f32).dtype() == DType::Bool);
    CHECK(tj::any(i32).dtype() == DType::Bool);
    CHECK(tj::cumsum(i32).dtype() == DType::Int64);
    CHECK(tj::cumsum(b).dtype() == DType::Int64);
    CHECK(tj::cumprod(u8).dtype() == DType::UInt64);
    CHECK(tj::var(i32).dtype() == DType::Float64);
    CHECK(tj::var(f32).dtype() == DType::Float32);
    CHECK(tj::std(f32).dtype() == DType::Float32);
    CHECK(tj::softmax(i32).dtype() == DType::Float64);
    CHECK(tj::softmax(f32).dtype() == DType::Float32);
    CHECK(tj::log_softmax(f32).dtype() == DType::Float32);
    CHECK(tj::logsumexp(f32).dtype() == DType::Float32);
    CHECK(tj::logsumexp(i32).dtype() == DType::Float64);
}

TEST_CASE("reductions: static shapes propagate with keepdims", "[op][reduce][shapes]") {
    auto x = tj::tensor("x", DType::Float64, {3, tj::dyn, 5});
    CHECK(tj::sum(x, 1).type().shape == tj::Dims{3, 5});
    CHECK(tj::prod(x, 1, true).type().shape == tj::Dims{3, 1, 5});
    CHECK(tj::max(x, {0, 2}, true).type().shape == tj::Dims{1, tj::dyn, 1});
    CHECK(tj::min(x, {-1, 0}).type().shape == tj::Dims{tj::dyn});
    CHECK(tj::argmax(x).type().shape == tj::Dims{});
    CHECK(tj::argmax(x, {}, true).type().shape == tj::Dims{1, 1, 1});
    CHECK(tj::argmin(x, -1).type().shape == tj::Dims{3, tj::dyn});
    CHECK(tj::all(x, 2, true).type().shape == tj::Dims{3, tj::dyn, 1});
    CHECK(tj::var(x, 0).type().shape == tj::Dims{tj::dyn, 5});
    CHECK(tj::std(x, {0, 2}, true).type().shape == tj::Dims{1, tj::dyn, 1});
    CHECK(tj::logsumexp(x, 2).type().shape == tj::Dims{3, tj::dyn});
    CHECK(tj::logsumexp(x, 2, true).type().shape == tj::Dims{3, tj::dyn, 1});
    CHECK(tj::softmax(x).type().shape == tj::Dims{3, tj::dyn, 5});
    CHECK(tj::cumsum(x, 1).type().shape == tj::Dims{3, tj::dyn, 5});
    CHECK(tj::cumsum(x).type().shape == tj::Dims{tj::dyn});
    CHECK(tj::cumprod(tj::tensor("y", DType::Int32, {3, 4})).type().shape == tj::Dims{12});
    CHECK(tj::cumsum(tj::dscalar("s")).type().shape == tj::Dims{1});
}

TEST_CASE("reductions: bad axes fail at build time naming the op", "[op][reduce][errors]") {
    auto x = tj::dmatrix("x");
    expect_error<tj::ValueError>([&] { (void)tj::max(x, 2); },
                                 {"max", "axis 2 is out of bounds", "float64[?, ?]"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::prod(x, {0, -2});
        },
        {"prod: axis -2 is repeated"});
    expect_error<tj::ValueError>([&] { (void)tj::argmax(x, -3); }, {"argmax: axis -3"});
    expect_error<tj::ValueError>(
        [&] {
            (void)tj::cumsum(x, {0, 1});
        },
        {"cumsum: takes one axis or none"});
    expect_error<tj::ValueError>([&] { (void)tj::cumprod(x, 5); },
                                 {"cumprod: axis 5 is out of bounds"});
    expect_error<tj::ValueError>([&] { (void)tj::softmax(tj::dscalar("s")); },
                                 {"softmax: axis -1 is out of bounds for float64[]"});
    CHECK_THROWS_AS(tj::var(x, {1, 1}), tj::ValueError);
    CHECK_THROWS_AS(tj::logsumexp(x, 3), tj::ValueError);
    CHECK_THROWS_AS(tj::all(Var()), tj::ValueError);
}

TEST_CASE("reductions: hand-checked values", "[op][reduce][reference]") {
    auto x = tj::dvector("x");
    auto both = [&](const Var& out, const Array& value) {
        // The reference and the kernel must agree with the expected value; returns the kernel's.
        Array want = tj::eval(out, {{x, value}});
        Array got = tj::function({x}, out)(value);
        REQUIRE(got.dtype() == want.dtype());
        REQUIRE(got.shape() == want.shape());
        CHECK(tj::allclose(got, want, 1e-15, 0, true));
        return got;
    };
    const Array empty = Array::zeros(DType::Float64, {0});
    SECTION("empty reductions with an identity") {
        CHECK(both(tj::sum(x), empty).item_double() == 0);
        CHECK(both(tj::prod(x), empty).item_double() == 1);
        CHECK(both(tj::all(x), empty).item<bool>() == true);
        CHECK(both(tj::any(x), empty).item<bool>() == false);
        CHECK(both(tj::cumsum(x), empty).shape() == tj::Dims{0});
        CHECK(std::isnan(both(tj::mean(x), empty).item_double()));
    }
    SECTION("NaN propagates through max and min; argmax/argmin return the first NaN") {
        const Array v = f64({1, nan(), 3, nan(), -1});
        CHECK(std::isnan(both(tj::max(x), v).item_double()));
        CHECK(std::isnan(both(tj::min(x), v).item_double()));
        CHECK(both(tj::argmax(x), v).item<std::int64_t>() == 1);
        CHECK(both(tj::argmin(x), v).item<std::int64_t>() == 1);
        CHECK(both(tj::all(x), v).item<bool>() == true); // NaN is non-zero
    }
    SECTION("ties: the first occurrence wins") {
        const Array v = f64({3, 1, 3, -2, -2});
        CHECK(both(tj::argmax(x), v).item<std::int64_t>() == 0);
        CHECK(both(tj::argmin(x), v).item<std::int64_t>() == 3);
        CHECK(both(tj::max(x), v).item_double() == 3);
    }
    SECTION("infinities") {
        CHECK(both(tj::max(x), f64({-inf(), -inf()})).item_double() == -inf());
        CHECK(both(tj::min(x), f64({inf(), 2})).item_double() == 2);
        CHECK(both(tj::argmax(x), f64({-inf(), -inf()})).item<std::int64_t>() == 0);
        CHECK(both(tj::logsumexp(x), f64({-inf(), -inf()})).item_double() == -inf());
        CHECK(both(tj::logsumexp(x), f64({inf(), 1})).item_double() == inf());
        CHECK(both(tj::logsumexp(x), f64({-inf(), 0})).item_double() == 0);
    }
    SECTION("softmax, log_softmax and logsumexp are stable for large values") {
        Array s = both(tj::softmax(x), f64({1000, 1000}));
        CHECK(s.flat(0) == 0.5);
        CHECK(s.flat(1) == 0.5);
        Array ls = both(tj::log_softmax(x), f64({1000, 0}));
        CHECK(ls.flat(0) == 0);
        CHECK(ls.flat(1) == -1000);
        CHECK(both(tj::logsumexp(x), f64({1000, 1000})).item_double() ==
              Approx(1000 + std::log(2.0)));
        CHECK(both(tj::logsumexp(x), f64({-1000, -1000})).item_double() ==
              Approx(-1000 + std::log(2.0)));
        Array t = both(tj::softmax(x), f64({0, std::log(3.0)}));
        CHECK(t.flat(0) == Approx(0.25));
        CHECK(t.flat(1) == Approx(0.75));
    }
    SECTION("var and std") {
        const Array v = f64({1, 2, 3, 4});
        CHECK(both(tj::var(x), v).item_double() == Approx(1.25));
        CHECK(both(tj::var(x, {}, false, 1), v).item_double() == Approx(5.0 / 3.0));
        CHECK(both(tj::std(x), v).item_double() == Approx(std::sqrt(1.25)));
        CHECK(both(tj::var(x), f64({7})).item_double() == 0);
    }
    SECTION("cumulative ops") {
        Array c = both(tj::cumsum(x), f64({1, 2, 3, 4}));
        CHECK(c.equals(f64({1, 3, 6, 10})));
        Array p = both(tj::cumprod(x), f64({1, 2, 3, 4}));
        CHECK(p.equals(f64({1, 2, 6, 24})));
        auto m = tj::dmatrix("m");
        const Array mv = reshaped({1, 2, 3, 4, 5, 6}, {2, 3});
        CHECK(tj::function({m}, tj::cumsum(m, 0))(mv).equals(reshaped({1, 2, 3, 5, 7, 9}, {2, 3})));
        CHECK(
            tj::function({m}, tj::cumsum(m, 1))(mv).equals(reshaped({1, 3, 6, 4, 9, 15}, {2, 3})));
        CHECK(tj::function({m}, tj::cumsum(m))(mv).equals(f64({1, 3, 6, 10, 15, 21})));
        CHECK(tj::function({m}, tj::cumprod(m, -1))(mv).equals(
            reshaped({1, 2, 6, 4, 20, 120}, {2, 3})));
    }
    SECTION("prod of integers accumulates in int64") {
        auto i = tj::tensor("i", DType::Int32, {tj::dyn});
        Array big = Array::full(DType::Int32, {3}, 100000);
        Array r = tj::function({i}, tj::prod(i))(big);
        CHECK(r.dtype() == DType::Int64);
        CHECK(r.item<std::int64_t>() == 1000000000000000LL);
    }
}

TEST_CASE("reductions without identity raise NumPy's ValueError at call time",
          "[op][reduce][errors][max][min][argmax][argmin]") {
    auto x = tj::dmatrix("x");
    const Array empty_rows = Array::zeros(DType::Float64, {0, 3});
    struct Row {
        const char* name;
        Var out;
        const char* message;
    };
    const std::vector<Row> rows = {
        {"max", tj::max(x, 0),
         "zero-size array to reduction operation maximum which has no identity"},
        {"min", tj::min(x), "zero-size array to reduction operation minimum which has no identity"},
        {"argmax", tj::argmax(x, 0), "attempt to get argmax of an empty sequence"},
        {"argmin", tj::argmin(x), "attempt to get argmin of an empty sequence"},
        {"logsumexp", tj::logsumexp(x, 0), "zero-size array to reduction operation maximum"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        auto f = tj::function({x}, r.out);
        expect_error<tj::ValueError>(
            [&] { f(empty_rows); },
            {r.message, std::string(r.name == std::string("logsumexp") ? "max" : r.name) + "("});
        CHECK_THROWS_AS(tj::eval(r.out, {{x, empty_rows}}), tj::ValueError);
        // The function still works afterwards.
        CHECK(f(Array::full(DType::Float64, {2, 3}, 1.0)).size() > 0);
    }
    // Reducing the non-empty axis of an empty array is fine: the result is empty.
    CHECK(tj::function({x}, tj::max(x, 1))(empty_rows).shape() == tj::Dims{0});
    CHECK(tj::function({x}, tj::argmin(x, 1))(empty_rows).shape() == tj::Dims{0});
}

TEST_CASE("reductions keep working in larger graphs", "[op][reduce][log_softmax]") {
    // A classifier's loss: mean of log_softmax picked by one-hot targets, with its gradient.
    auto [logits, onehot] = tj::dmatrices("logits", "onehot");
    Var loss = -tj::mean(tj::sum(tj::log_softmax(logits) * onehot, 1));
    Var g = tj::grad(loss, logits);
    auto f = tj::function({logits, onehot}, std::vector<Var>{loss, g});
    std::mt19937_64 rng(5);
    Array l = tj_test::random_array(rng, DType::Float64, {4, 3}, -2, 2);
    Array t = Array::zeros(DType::Float64, {4, 3});
    for (int i = 0; i < 4; ++i) static_cast<double*>(t.raw_data())[i * 3 + i % 3] = 1;
    auto res = f(l, t);
    auto want = tj::eval({loss, g}, {{logits, l}, {onehot, t}});
    CHECK(tj::allclose(res[0], want[0], 1e-12));
    CHECK(tj::allclose(res[1], want[1], 1e-12));
    // d loss / d logits = (softmax - onehot) / n
    Array sm = tj::eval(tj::softmax(logits), {{logits, l}});
    for (int i = 0; i < 12; ++i)
        CHECK(res[1].flat(i) == Approx((sm.flat(i) - t.flat(i)) / 4).margin(1e-12));
}

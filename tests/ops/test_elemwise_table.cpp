// The suites that the element-wise op table (elemwise_table.cpp) drives, registered per record as
// "<record>: <suite>" with the tags [op][elemwise][<op>][<suite tag>]:
//   1. [types] dtype rule: result dtypes against NumPy's, TypeErrors; static shapes propagate and
//      known extents that cannot broadcast are a ShapeError naming the op;
//   2. [edge]  hand-checked values through tj::eval, and the same values through the JIT;
//   3. [jit]   JIT vs reference on random inputs over shapes (0-d, vector, empty axis, matrix,
//      static-1 broadcasting, transposed and strided views) x the record's dtypes, with the graph
//      rewrites and (records with without_rewrites) without them;
//   4. [grad]  verify_grad at random points, order 1 and (order 2 records) the gradient of the
//      gradient with respect to each input, checked together in one cost.
#include <catch2/catch.hpp>

#include "ops/elemwise_table.hpp"
#include "support/op_checker.hpp"
#include "support/test_util.hpp"

#include <tensorjit/tensorjit.hpp>

#include <array>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

using tj::Array;
using tj::Var;
using namespace tj_test::elemwise;

namespace {

std::string dname(DType t) { return t == Err ? "TypeError" : std::string(tj::dtype_name(t)); }

std::string input_name(const std::string& prefix, std::size_t i) {
    return prefix + std::to_string(i);
}

// ---- 1. dtype rule and static shapes ---------------------------------------------------------

void test_types(const ElemwiseRecord& rec) {
    for (const auto& [in, want] : rec.types) {
        std::vector<Var> vars;
        std::string sig;
        for (std::size_t i = 0; i < in.size(); ++i) {
            vars.push_back(tj::tensor(input_name("x", i), in[i], {tj::dyn}));
            sig += (i ? ", " : "") + dname(in[i]);
        }
        INFO(rec.name << "(" << sig << ") should give " << dname(want));
        if (want == Err) {
            CHECK_THROWS_AS(rec.build(vars), tj::TypeError);
            continue;
        }
        Var out = rec.build(vars);
        CHECK(dname(out.dtype()) == dname(want));
        CHECK(out.type().shape == tj::Dims{tj::dyn});
    }
    if (rec.arity < 2) return;
    std::vector<Var> ok, bad;
    for (int i = 0; i < rec.arity; ++i) {
        ok.push_back(tj::tensor(input_name("s", i), rec.dtypes.back(),
                                i == 0 ? tj::Dims{3, 1} : tj::Dims{1, tj::dyn}));
        bad.push_back(
            tj::tensor(input_name("b", i), rec.dtypes.back(), i == 0 ? tj::Dims{3} : tj::Dims{4}));
    }
    CHECK(rec.build(ok).type().shape == tj::Dims{3, tj::dyn});
    tj_test::expect_error<tj::ShapeError>([&] { (void)rec.build(bad); },
                                          {op_tag(rec) + ":", "cannot broadcast"});
}

// ---- 2. edge values ----------------------------------------------------------------------------

// got matches want: NaN for NaN, a zero of the same sign, else within rtol.
bool matches(double got, double want, double rtol) {
    if (std::isnan(want)) return std::isnan(got);
    if (want == 0) return got == 0 && std::signbit(got) == std::signbit(want);
    if (std::isinf(want)) return got == want;
    return std::abs(got - want) <= rtol * std::abs(want);
}

// Relative tolerance of an edge value: a few ulp (erfinv's expected values come from SciPy).
double edge_rtol(DType t) { return t == F32 ? 4e-7 : t == F64 ? 1e-15 : 0; }

void test_edges(const ElemwiseRecord& rec) {
    // Grouped by dtype, the rows also run through the JIT as one vector each.
    std::map<DType, std::vector<const Edge*>> by_dtype;
    for (const auto& e : rec.edges) by_dtype[e.dtype].push_back(&e);
    for (const auto& [dtype, rows] : by_dtype) {
        std::vector<Var> vars;
        for (int i = 0; i < rec.arity; ++i)
            vars.push_back(tj::tensor(input_name("x", i), dtype, {tj::dyn}));
        Var out = rec.build(vars);
        std::vector<std::vector<double>> columns(rec.arity);
        for (const Edge* row : rows) {
            REQUIRE(static_cast<int>(row->in.size()) == rec.arity);
            std::vector<std::pair<Var, Array>> bind;
            std::vector<Var> scalars;
            for (int i = 0; i < rec.arity; ++i) {
                scalars.push_back(tj::tensor(input_name("s", i), dtype, {}));
                bind.push_back({scalars[i], Array::full(dtype, {}, row->in[i])});
                columns[i].push_back(row->in[i]);
            }
            Array got = tj::eval(rec.build(scalars), bind);
            INFO("reference " << rec.name << "(" << tj::dtype_name(dtype) << " " << Array(row->in)
                              << ") = " << got << ", want " << row->want);
            CHECK(matches(got.item_double(), row->want, edge_rtol(got.dtype())));
        }
        std::vector<tj::In> ins(vars.begin(), vars.end());
        std::vector<tj::Arg> args;
        for (const auto& c : columns) args.push_back(Array(c).astype(dtype));
        Array got = tj::function(ins, out)(std::span<const tj::Arg>(args));
        REQUIRE(got.size() == static_cast<std::int64_t>(rows.size()));
        for (std::size_t k = 0; k < rows.size(); ++k) {
            INFO("JIT " << rec.name << "(" << tj::dtype_name(dtype) << " " << Array(rows[k]->in)
                        << ") = " << got.flat(k) << ", want " << rows[k]->want);
            CHECK(matches(got.flat(k), rows[k]->want, edge_rtol(got.dtype())));
        }
    }
}

// ---- 3. JIT vs reference over shapes and dtypes -----------------------------------------------

enum class Layout { Contiguous, Transposed, Strided };
struct Operand {
    tj::Dims shape;
    Layout layout = Layout::Contiguous;
};
struct ShapeCase {
    const char* name;
    std::array<Operand, 3> operands; // one per arity position (unary ops use the first)
};
constexpr Layout T = Layout::Transposed, S = Layout::Strided;
const std::vector<ShapeCase> kShapeCases = {
    {"0-d", {{{{}}, {{}}, {{}}}}},
    {"vector", {{{{7}}, {{7}}, {{7}}}}},
    {"empty axis", {{{{0, 3}}, {{0, 3}}, {{1, 3}}}}},
    {"matrix", {{{{3, 5}}, {{3, 5}}, {{3, 5}}}}},
    {"broadcast (3,1)x(1,4)", {{{{3, 1}}, {{1, 4}}, {{3, 4}}}}},
    {"broadcast row", {{{{3, 4}}, {{1, 4}}, {{3, 4}}}}},
    {"broadcast (1,1)", {{{{3, 4}}, {{1, 1}}, {{1, 4}}}}},
    {"broadcast 0-d", {{{{3, 4}}, {{}}, {{1, 1}}}}},
    {"transposed", {{{{4, 3}, T}, {{4, 3}, T}, {{4, 3}, T}}}},
    {"strided", {{{{3, 4}, S}, {{3, 4}}, {{1, 4}, S}}}},
    {"mixed", {{{{3, 4}, T}, {{3, 4}, S}, {{3, 4}}}}},
    {"rank 3", {{{{2, 3, 4}}, {{3, 1}}, {{4}}}}},
};

Array random_operand(std::mt19937_64& rng, DType t, const Operand& op, double lo, double hi) {
    // Integer dtypes draw from [floor(lo), ceil(hi)).
    if (!tj::is_float(t)) {
        lo = std::floor(lo);
        hi = std::ceil(hi);
    }
    switch (op.layout) {
    case Layout::Contiguous:
        return tj_test::random_array(rng, t, op.shape, lo, hi);
    case Layout::Transposed: {
        tj::Dims rev;
        for (int i = op.shape.size() - 1; i >= 0; --i) rev.push_back(op.shape[i]);
        return tj_test::random_array(rng, t, rev, lo, hi).transpose();
    }
    case Layout::Strided: {
        tj::Dims wide = op.shape;
        wide[wide.size() - 1] *= 2;
        return tj_test::random_array(rng, t, wide, lo, hi).slice(-1, 0, wide[wide.size() - 1], 2);
    }
    }
    return {};
}

double rtol_for(DType t) { return t == F32 ? 2e-6 : t == F64 ? 1e-13 : 0; }

void test_jit(const ElemwiseRecord& rec) {
    std::mt19937_64 rng(1234);
    for (DType t : rec.dtypes) {
        for (const auto& c : kShapeCases) {
            std::vector<Var> vars;
            std::vector<Array> values;
            std::vector<std::pair<Var, Array>> bind;
            for (int i = 0; i < rec.arity; ++i) {
                const Operand& op = c.operands[i];
                // Static extents of 1 broadcast (PyTensor); the others are dynamic.
                tj::Dims type_shape;
                for (auto d : op.shape) type_shape.push_back(d == 1 ? 1 : tj::dyn);
                vars.push_back(tj::tensor(input_name("x", i), t, type_shape));
                values.push_back(random_operand(rng, t, op, rec.lo, rec.hi));
                bind.push_back({vars.back(), values.back()});
            }
            const Var out = rec.build(vars);
            const Array want = tj::eval(out, bind);
            std::vector<tj::In> ins(vars.begin(), vars.end());
            std::vector<tj::Arg> args(values.begin(), values.end());
            // With the rewrites, and (records that ask) without: both must agree with the
            // reference. Cases of the same static types share a kernel (the cache key).
            for (bool rewrites : {true, false}) {
                if (!rewrites && !rec.without_rewrites) continue;
                Array got =
                    tj::function(ins, out, {.rewrites = rewrites})(std::span<const tj::Arg>(args));
                INFO(rec.name << " " << tj::dtype_name(t) << " " << c.name
                              << (rewrites ? "" : " (no rewrites)"));
                INFO("got " << got << "\nwant " << want);
                REQUIRE(got.dtype() == want.dtype());
                REQUIRE(got.dtype() == out.dtype());
                REQUIRE(got.shape() == want.shape());
                if (tj::is_float(got.dtype()))
                    CHECK(tj::allclose(got, want, rec.tol * rtol_for(got.dtype()), 1e-300, true));
                else
                    CHECK(got.equals(want));
            }
        }
    }
}

// ---- 4. gradients -------------------------------------------------------------------------------

// Default point shapes: a matrix for unary ops, static-1 broadcasting for the others (sum_to).
std::vector<tj::Dims> default_grad_shapes(int arity) {
    if (arity == 1) return {{2, 3}};
    if (arity == 2) return {{2, 1}, {1, 3}};
    return {{2, 3}, {1, 3}, {2, 1}};
}

void test_grad(const ElemwiseRecord& rec) {
    const auto shapes = rec.grad.shapes.empty() ? default_grad_shapes(rec.arity) : rec.grad.shapes;
    REQUIRE(static_cast<int>(shapes.size()) == rec.arity);
    const double lo = rec.grad.lo.value_or(rec.lo), hi = rec.grad.hi.value_or(rec.hi);
    const bool second = rec.grad.order >= 2;
    std::vector<tj_test::GradCase> cases;
    // Two random points; for order 2, one case per input k with input k passed first (order 2
    // goes through the gradient with respect to a case's first input).
    for (int trial = 0; trial < 2; ++trial) {
        for (int k = 0; k < (second ? rec.arity : 1); ++k) {
            std::vector<tj::Dims> rotated;
            for (int i = 0; i < rec.arity; ++i) rotated.push_back(shapes[(k + i) % rec.arity]);
            auto f = [build = rec.build, k, n = rec.arity](const std::vector<Var>& v) {
                std::vector<Var> in(n);
                for (int i = 0; i < n; ++i) in[(k + i) % n] = v[i];
                return build(in);
            };
            cases.push_back({rec.name + ", point " + std::to_string(trial + 1) +
                                 ", gradient of input " + std::to_string(k + 1),
                             f, rotated, lo, hi, second});
        }
    }
    tj_test::check_gradients_together(cases, 99);
}

// ---- registration: the suites of every record ----------------------------------------------

class RecordTest : public Catch::ITestInvoker {
  public:
    RecordTest(void (*fn)(const ElemwiseRecord&), std::size_t index) : fn_(fn), index_(index) {}
    void invoke() const override { fn_(elemwise_records()[index_]); }

  private:
    void (*fn_)(const ElemwiseRecord&);
    std::size_t index_;
};

void add_test(std::size_t index, void (*fn)(const ElemwiseRecord&), const std::string& what,
              const std::string& suite_tag) {
    const ElemwiseRecord& rec = elemwise_records()[index];
    const std::string tags = "[op][elemwise][" + op_tag(rec) + "]" + suite_tag;
    Catch::AutoReg(new RecordTest(fn, index), CATCH_INTERNAL_LINEINFO, Catch::StringRef(),
                   Catch::NameAndTags(rec.name + ": " + what, tags));
}

[[maybe_unused]] const bool kRegistered = [] {
    for (std::size_t i = 0; i < elemwise_records().size(); ++i) {
        const ElemwiseRecord& rec = elemwise_records()[i];
        if (!rec.types.empty())
            add_test(i, test_types, "dtype rule (NumPy) and static shapes", "[types]");
        if (!rec.edges.empty())
            add_test(i, test_edges, "reference and JIT at edge values", "[edge]");
        if (!rec.dtypes.empty())
            add_test(i, test_jit, "JIT matches the reference over shapes and dtypes", "[jit]");
        if (rec.grad.order > 0) add_test(i, test_grad, "verify_grad at random points", "[grad]");
    }
    return true;
}();

} // namespace

TEST_CASE("the element-wise table has one record per name, each with a suite",
          "[op][elemwise][table]") {
    std::map<std::string, int> seen;
    for (const auto& rec : elemwise_records()) {
        INFO(rec.name);
        CHECK(++seen[rec.name] == 1);
        CHECK((rec.arity >= 1 && rec.arity <= 3));
        CHECK((!rec.types.empty() || !rec.edges.empty() || !rec.dtypes.empty() ||
               rec.grad.order > 0));
        for (const auto& row : rec.types) CHECK(static_cast<int>(row.in.size()) == rec.arity);
        // The static-shape check of the dtype suite builds with the last JIT dtype.
        if (!rec.types.empty() && rec.arity >= 2) CHECK(!rec.dtypes.empty());
    }
}

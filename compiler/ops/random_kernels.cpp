// Random variables' kernel code: the state words in and out, element-wise draws, choice and
// permutation, through the helpers of codegen_templates/random_kernels.hpp and random.h.
#include "compiler/ops/random_util.hpp"

#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <algorithm>
#include <sstream>

namespace tensorjit::random_detail {

namespace {

std::string rs_name(EmitContext& e, const Node& draw) { return "rs" + std::to_string(e.id(&draw)); }

// Declares the draw's state words at the entry point's top level (visible to the later blocks
// of RandomNextState) and loads them.
void emit_state_in(EmitContext& e, const Node& n) {
    e.require_template("random.h");
    e.require_template("random_kernels.hpp");
    auto& os = e.out();
    os << "  unsigned long long " << rs_name(e, n) << "[6];\n";
    os << "  { /* " << describe(n) << " */\n";
    os << "    tj_rnd_load_state(" << rs_name(e, n) << ", " << e.arr(n.inputs[0].get()) << ");\n";
}

// The kernel's call that draws one value from v0, v1 (parameters at the current element).
std::string draw_call(RandomDist d, DType out, const std::string& rs) {
    switch (d) {
    case RandomDist::Uniform:
        return "tj_rng_uniform(" + rs + ", v0, v1)";
    case RandomDist::Normal:
        return "tj_rng_normal(" + rs + ", v0, v1)";
    case RandomDist::Exponential:
        return "tj_rng_exponential(" + rs + ", v0)";
    case RandomDist::Gamma:
        return "tj_rng_gamma(" + rs + ", v0, v1)";
    case RandomDist::Beta:
        return "tj_rng_beta(" + rs + ", v0, v1)";
    case RandomDist::Binomial:
        return "tj_rng_binomial(" + rs + ", v0, v1)";
    case RandomDist::Bernoulli:
        return "tj_rng_bernoulli(" + rs + ", v0)";
    case RandomDist::Poisson:
        return "tj_rng_poisson(" + rs + ", v0)";
    case RandomDist::Integers: {
        if (dtype_size(out) == 8) return "tj_rng_integers(" + rs + ", v0, v1)";
        const int bits = out == DType::Bool ? 1 : static_cast<int>(dtype_size(out) * 8);
        return "v0 + (long long)tj_rng_bounded_uint(" + rs +
               ", (unsigned int)(unsigned long long)(v1 - v0 - 1), " + std::to_string(bits) +
               ", &buf, &bcnt)";
    }
    default:
        break;
    }
    TJ_THROW(InternalError) << "random draw: no kernel call for " << random_dist_name(d);
}

void emit_elementwise_draw(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const RandomDist dist = dist_of(n.attrs);
    const int id = e.id(&n), slot = e.slot(&n), R = n.type.ndim();
    const std::string rs = rs_name(e, n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const auto info = params_of(dist);
    const int K = static_cast<int>(n.inputs.size()) - 1;
    emit_state_in(e, n);
    std::vector<const Node*> p;
    for (int k = 0; k < K; ++k) {
        p.push_back(n.inputs[k + 1].get());
        os << "    const tj_arr* a" << k << " = " << e.arr(p[k]) << ";\n";
    }
    auto shape_error = [&](int k) {
        return "return tj_rt_shape_error(f, " + std::to_string(id) + ", " + std::to_string(R) +
               ", osh, " + std::to_string(p[k]->type.ndim()) + ", a" + std::to_string(k) +
               "->shape);";
    };
    // Output extents, and the run-time extents of parameters that static shapes left open.
    os << "    long long osh[" << std::max(1, R) << "] = {0};\n";
    if (has_size(n.attrs)) {
        for (int d = 0; d < R; ++d) os << "    osh[" << d << "] = " << n.type.shape[d] << ";\n";
        for (int k = 0; k < K; ++k)
            for (int j = 0; j < p[k]->type.ndim(); ++j)
                if (p[k]->type.shape[j] == dyn)
                    os << "    if (a" << k << "->shape[" << j << "] != osh["
                       << R - p[k]->type.ndim() + j << "]) " << shape_error(k) << "\n";
    } else {
        for (int d = 0; d < R; ++d) {
            int first = -1;
            for (int k = 0; k < K; ++k) {
                const int j = d - (R - p[k]->type.ndim());
                if (j < 0 || p[k]->type.shape[j] == 1) continue;
                const std::string ext =
                    "a" + std::to_string(k) + "->shape[" + std::to_string(j) + "]";
                if (first < 0) {
                    first = k;
                    os << "    osh[" << d << "] = " << ext << ";\n";
                } else {
                    os << "    if (" << ext << " != osh[" << d << "]) " << shape_error(k) << "\n";
                }
            }
            if (first < 0) os << "    osh[" << d << "] = 1;\n";
        }
    }
    // Parameter domains, each element of each parameter once, before any draw (as NumPy).
    for (const Check& c : checks_of(dist, n.type.dtype)) {
        const std::string pt = info[c.param].integer ? "long long" : "double";
        const std::string bits = info[c.param].integer ? "bad" : "tj_rnd_bits(bad)";
        os << "    { " << pt << " bad = 0; if (tj_rnd_find_bad<" << pt << ">(a" << c.param << ", "
           << p[c.param]->type.ndim() << ", [](" << pt << " v) { return " << check_expr(c)
           << "; }, &bad)) return tj_rt_value_error(f, " << id << ", " << c.code << ", " << bits
           << "); }\n";
    }
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << R
       << ", osh);\n    if (!o) return 1;\n";
    os << "    const long long n = tj_prod(" << R << ", osh);\n";
    // Checks of two parameters together, at each element before its draw.
    std::string pair_check;
    if (dist == RandomDist::Uniform)
        pair_check = "if (!__builtin_isfinite(v1 - v0)) return tj_rt_value_error(f, " +
                     std::to_string(id) + ", " + std::to_string(TJ_RNG_E_UNIFORM_RANGE) +
                     ", tj_rnd_bits(v1 - v0));";
    if (dist == RandomDist::Integers)
        pair_check = "if (v0 >= v1) return tj_rt_value_error(f, " + std::to_string(id) + ", " +
                     std::to_string(TJ_RNG_E_INTEGERS_ORDER) + ", v0);";
    auto param_type = [&](int k) { return std::string(info[k].integer ? "long long" : "double"); };
    bool scalars = true;
    for (int k = 0; k < K; ++k) scalars &= p[k]->type.ndim() == 0;
    if (scalars && (dist == RandomDist::Uniform || dist == RandomDist::Normal) &&
        n.type.dtype == DType::Float64) {
        // The common case: one call fills the array with the generator in registers. (A float32
        // variable, floatX, takes the loop below: the same draws, rounded.)
        for (int k = 0; k < K; ++k)
            os << "    const double v" << k << " = *(const double*)a" << k << "->data;\n";
        if (!pair_check.empty()) os << "    " << pair_check << "\n";
        os << "    tj_rng_fill_" << (dist == RandomDist::Uniform ? "uniform" : "normal") << "("
           << rs << ", v0, v1, n, o);\n  }\n";
        return;
    }
    if (dist == RandomDist::Integers) os << "    unsigned int buf = 0;\n    int bcnt = 0;\n";
    // The loop skeleton (tj_loop) walks the output (array 0, C order) and the parameters.
    os << "    long long shp[TJ_MAX_NDIM] = {0}, pst[" << K + 1 << "][TJ_MAX_NDIM];\n";
    os << "    for (long long d = " << R - 1
       << ", acc = 1; d >= 0; --d) { shp[d] = osh[d]; pst[0][d] = "
          "acc; acc *= osh[d]; }\n";
    for (int k = 0; k < K; ++k)
        os << "    tj_bcast_strides(" << R << ", osh, " << p[k]->type.ndim() << ", a" << k
           << ", pst[" << k + 1 << "]);\n";
    os << "    if (int rc = tj_loop<" << K + 1 << ">(" << R
       << ", shp, pst, [&](long long m, const long long* off, const long long* t) {\n";
    os << "      for (long long i = 0; i < m; ++i) {\n";
    for (int k = 0; k < K; ++k)
        os << "        const " << param_type(k) << " v" << k << " = ((const " << param_type(k)
           << "*)a" << k << "->data)[off[" << k + 1 << "] + i * t[" << k + 1 << "]];\n";
    if (!pair_check.empty()) os << "        " << pair_check << "\n";
    os << "        o[off[0] + i * t[0]] = (" << t << ")(" << draw_call(dist, n.type.dtype, rs)
       << ");\n";
    os << "      }\n      return 0;\n    })) return rc;\n  }\n";
}

void emit_choice(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int id = e.id(&n), slot = e.slot(&n), R = n.type.ndim();
    const std::string rs = rs_name(e, n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const Node* a = n.inputs[1].get();
    const bool has_p = n.inputs.size() > 2;
    const int ra = a->type.ndim();
    const Dims size = has_size(n.attrs) ? size_of(n.attrs) : Dims{};
    const bool replace = flags_of(n.attrs) & kChoiceReplace;
    const double atol = choice_atol(n.attrs);
    emit_state_in(e, n);
    os << "    const tj_arr* a = " << e.arr(a) << ";\n";
    os << "    const long long pop = "
       << (ra == 0 ? "(long long)*(const " + EmitContext::ctype(a->type.dtype) + "*)a->data"
                   : "a->shape[0]")
       << ";\n";
    os << "    const long long count = " << size.product() << "LL;\n";
    if (has_p) {
        os << "    const tj_arr* p = " << e.arr(n.inputs[2].get()) << ";\n";
        os << "    const double* pd = (const double*)p->data;\n    const long long pn = "
              "p->shape[0], ps = p->strides[0];\n";
    } else {
        os << "    const double* pd = 0;\n    const long long pn = 0, ps = 0;\n";
    }
    os << "    long long bad = 0;\n";
    os << "    const int code = tj_rng_choice_check(pop, " << (ra > 0) << ", count, " << replace
       << ", pd, pn, ps, " << EmitContext::literal(DType::Float64, atol) << ", &bad);\n";
    os << "    if (code) return tj_rt_value_error(f, " << id << ", code, bad);\n";
    os << "    long long osh[" << std::max(1, R) << "] = {0};\n";
    for (int d = 0; d < size.size(); ++d) os << "    osh[" << d << "] = " << size[d] << ";\n";
    for (int d = 1; d < ra; ++d)
        os << "    osh[" << size.size() + d - 1 << "] = a->shape[" << d << "];\n";
    const std::string fail = "return tj_rt_value_error(f, " + std::to_string(id) + ", " +
                             std::to_string(TJ_RNG_E_OUT_OF_MEMORY) + ", count);";
    if (ra == 0) {
        os << "    long long* o = (long long*)tj_rt_alloc(f, " << slot << ", " << R
           << ", osh);\n    if (!o) return 1;\n";
        os << "    if (tj_rng_choice(" << rs << ", pop, count, " << replace << ", pd, ps, o)) "
           << fail << "\n  }\n";
        return;
    }
    os << "    long long* ix = (long long*)tj_rt_scratch(f, 0, (count > 0 ? count : 1) * 8);\n    "
          "if (!ix) return 1;\n";
    os << "    if (tj_rng_choice(" << rs << ", pop, count, " << replace << ", pd, ps, ix)) " << fail
       << "\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << R
       << ", osh);\n    if (!o) return 1;\n";
    os << "    tj_rnd_gather_rows<" << t << ">(a, " << ra << ", ix, count, o);\n  }\n";
}

void emit_permutation(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const int id = e.id(&n), slot = e.slot(&n), R = n.type.ndim();
    const std::string rs = rs_name(e, n);
    const std::string t = EmitContext::ctype(n.type.dtype);
    const Node* x = n.inputs[1].get();
    const int rx = x->type.ndim();
    emit_state_in(e, n);
    os << "    const tj_arr* x = " << e.arr(x) << ";\n";
    const std::string fail = "return tj_rt_value_error(f, " + std::to_string(id) + ", " +
                             std::to_string(TJ_RNG_E_OUT_OF_MEMORY) + ", nx);";
    if (rx == 0) {
        os << "    const long long nx = (long long)*(const " << EmitContext::ctype(x->type.dtype)
           << "*)x->data;\n";
        os << "    if (nx < 0) return tj_rt_value_error(f, " << id << ", " << TJ_RNG_E_PERMUTATION_N
           << ", nx);\n";
        os << "    const long long osh[1] = {nx};\n";
        os << "    long long* o = (long long*)tj_rt_alloc(f, " << slot
           << ", 1, osh);\n    if (!o) return 1;\n";
        os << "    if (tj_rng_permutation(" << rs << ", nx, o)) " << fail << "\n  }\n";
        return;
    }
    os << "    const long long nx = x->shape[0];\n";
    os << "    long long* ix = (long long*)tj_rt_scratch(f, 0, (nx > 0 ? nx : 1) * 8);\n    if "
          "(!ix) return 1;\n";
    os << "    if (tj_rng_permutation(" << rs << ", nx, ix)) " << fail << "\n";
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << slot << ", " << R
       << ", x->shape);\n    if (!o) return 1;\n";
    os << "    tj_rnd_gather_rows<" << t << ">(x, " << rx << ", ix, nx, o);\n  }\n";
}

} // namespace

void emit_draw(EmitContext& e, const Node& n) {
    switch (dist_of(n.attrs)) {
    case RandomDist::Choice:
        emit_choice(e, n);
        return;
    case RandomDist::Permutation:
        emit_permutation(e, n);
        return;
    default:
        emit_elementwise_draw(e, n);
        return;
    }
}

void emit_next_state(EmitContext& e, const Node& n) {
    auto& os = e.out();
    const Node* draw = n.inputs[0].get();
    os << "  { /* " << describe(n, 1) << " */\n    const long long sh[1] = {6};\n";
    os << "    unsigned long long* o = (unsigned long long*)tj_rt_alloc(f, " << e.slot(&n)
       << ", 1, sh);\n";
    os << "    if (!o) return 1;\n";
    if (draw->op == OpKind::RandomDraw) {
        os << "    for (int i = 0; i < 6; ++i) o[i] = " << rs_name(e, *draw) << "[i];\n  }\n";
        return;
    }
    // The draw was folded to a constant (its state was a constant, through givens): so is this.
    std::vector<Array> in;
    for (std::size_t k = 1; k < n.inputs.size(); ++k) {
        TJ_INTERNAL_CHECK(n.inputs[k]->op == OpKind::Constant)
            << "random_next_state: the draw was folded but " << describe(*n.inputs[k])
            << " is not constant";
        in.push_back(*n.inputs[k]->value);
    }
    u64 words[6];
    reference_draw(in, n.attrs, n.attrs.dtype, words);
    for (int i = 0; i < 6; ++i) os << "    o[" << i << "] = " << words[i] << "ULL;\n";
    os << "  }\n";
}

} // namespace tensorjit::random_detail

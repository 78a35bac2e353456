// The loop vectorizer calls glibc's libmvec for every row of the element-wise table that names a
// libm function, one- and two-argument ("vv") alike, wherever the host's libmvec exports the
// vector variant; and the vectorized kernel computes what libm computes.
#include "compiler/graph/node.hpp"
#include "compiler/jit/jit.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <dlfcn.h>
#include <string>
#include <vector>

namespace tj = tensorjit;

namespace {

struct Row {
    tj::OpKind kind;
    const char* name;
    int arity;
    const char* libm;
};

constexpr Row kRows[] = {
#define TJ_ELEMWISE(kind, op, arity, rule, functor, libm, ...) {tj::OpKind::kind, op, arity, libm},
#include <tensorjit/elementwise_ops.def>
#undef TJ_ELEMWISE
};

// The vector variants of libm function `f` (float64 and, with `suffix` "f", float32) that this
// host's libmvec exports for the ISAs the JIT targets: _ZGVdN4vv_hypot, _ZGVeN16v_expf, ...
std::vector<std::string> exported_variants(const std::string& f, int arity, bool f32) {
    static void* mvec = dlopen("libmvec.so.1", RTLD_NOW | RTLD_GLOBAL);
    std::vector<std::string> out;
    if (!mvec) return out;
    const std::string features = tj::jit::target_id();
    const std::string v(arity, 'v');
    struct Isa {
        const char* feature;
        const char* letter;
        int f64, f32;
    };
    for (const Isa& isa : {Isa{"+avx2", "d", 4, 8}, Isa{"+avx512f", "e", 8, 16}}) {
        if (features.find(isa.feature) == std::string::npos) continue;
        const std::string name = "_ZGV" + std::string(isa.letter) + "N" +
                                 std::to_string(f32 ? isa.f32 : isa.f64) + v + "_" + f +
                                 (f32 ? "f" : "");
        if (dlsym(mvec, name.c_str())) out.push_back(name);
    }
    return out;
}

} // namespace

TEST_CASE("every table row with a libm name vectorizes through libmvec", "[jit][libmvec]") {
    int checked = 0;
    for (const Row& row : kRows) {
        if (!*row.libm) continue;
        for (tj::DType dtype : {tj::DType::Float64, tj::DType::Float32}) {
            const bool f32 = dtype == tj::DType::Float32;
            INFO(row.name << " " << tj::dtype_name(dtype));
            std::vector<tj::Var> in;
            std::vector<tj::In> ins;
            std::vector<tj::NodePtr> nodes;
            for (int i = 0; i < row.arity; ++i) {
                in.push_back(tj::tensor("x" + std::to_string(i), dtype, {tj::dyn}));
                nodes.push_back(in.back().node());
                ins.emplace_back(in.back());
            }
            tj::Var out(tj::make_node(row.kind, nodes));
            auto f = tj::function(ins, out);
            // Values inside every function's domain except acosh's (NaN there is fine: what is
            // checked is which code runs and that it agrees with the reference).
            const std::int64_t n = 1003;
            std::vector<tj::Array> args;
            for (int i = 0; i < row.arity; ++i) {
                tj::Array a = tj::Array::empty(dtype, {n});
                for (std::int64_t k = 0; k < n; ++k) {
                    const double v = 0.05 + 0.9 * static_cast<double>((k * (3 + i)) % n) / n;
                    if (f32)
                        a.data<float>()[k] = static_cast<float>(v);
                    else
                        a.data<double>()[k] = v;
                }
                args.push_back(a);
            }
            std::vector<tj::Arg> call_args(args.begin(), args.end());
            tj::Array got = f.call(call_args)[0];
            std::vector<std::pair<tj::Var, tj::Array>> bound;
            for (int i = 0; i < row.arity; ++i) bound.emplace_back(in[i], args[i]);
            tj::Array want = tj::eval(out, bound);
            REQUIRE(tj::allclose(got, want, f32 ? 1e-5 : 1e-13, 0, true));
            const std::vector<std::string> variants = exported_variants(row.libm, row.arity, f32);
            if (variants.empty()) continue;
            const std::vector<std::string> asked = tj::jit::testing::process_symbols_asked();
            const bool called = std::any_of(variants.begin(), variants.end(), [&](const auto& v) {
                return std::find(asked.begin(), asked.end(), v) != asked.end();
            });
            INFO("expected one of " << variants.front() << (variants.size() > 1 ? ", ..." : ""));
            CHECK(called);
            ++checked;
        }
    }
    // libmvec is part of glibc on x86-64 Linux; a host without AVX2 vectorizes nothing here.
    if (tj::jit::target_id().find("+avx2") != std::string::npos) CHECK(checked > 10);
}

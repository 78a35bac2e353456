#include "support/op_checker.hpp"

#include <catch2/catch.hpp>

namespace tj_test {

void compare_with_reference(const std::vector<tensorjit::Var>& vars,
                            const std::vector<tensorjit::Array>& values, const tensorjit::Var& out,
                            const std::string& what) {
    namespace tj = tensorjit;
    std::vector<tj::In> ins(vars.begin(), vars.end());
    std::vector<std::pair<tj::Var, tj::Array>> bind;
    for (std::size_t i = 0; i < vars.size(); ++i) bind.push_back({vars[i], values[i]});
    std::vector<tj::Arg> args(values.begin(), values.end());
    // The result itself (a copy) and a use of it as a temporary (a view for view ops).
    for (const tj::Var& o : {out, tj::cast(out, tj::DType::Float64)}) {
        auto f = tj::function(ins, o);
        tj::Array got = f(std::span<const tj::Arg>(args));
        tj::Array want = tj::eval(o, bind);
        INFO(what << "\ngot " << got << "\nwant " << want);
        REQUIRE(got.dtype() == o.dtype());
        REQUIRE(got.shape() == want.shape());
        REQUIRE(o.type().accepts_shape(got.shape()));
        CHECK(got.equals(want));
    }
}

} // namespace tj_test

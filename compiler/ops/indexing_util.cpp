// Helpers shared by the indexing ops (declared and documented in indexing_util.hpp).
#include "compiler/ops/indexing_util.hpp"

namespace tensorjit::index_detail {

std::string s(std::int64_t v) { return std::to_string(v); }

std::string index_error_text(std::int64_t i, int axis, std::int64_t n) {
    return "index " + s(i) + " is out of bounds for axis " + s(axis) + " with size " + s(n);
}

void check_value_fits(const TensorType& vt, const Dims& rs, const char* op, const TensorType& xt) {
    TJ_CHECK(vt.ndim() <= rs.size(), ShapeError)
        << op << ": the value " << vt.str() << " has a higher rank than the indexed region "
        << TensorType{xt.dtype, rs}.str() << " of " << xt.str();
    for (int k = 0; k < vt.ndim(); ++k) {
        const std::int64_t ve = vt.shape[k], re = rs[k + rs.size() - vt.ndim()];
        TJ_CHECK(ve == 1 || ve == dyn || re == dyn || ve == re, ShapeError)
            << op << ": the value " << vt.str() << " cannot broadcast to the indexed region "
            << TensorType{xt.dtype, rs}.str() << " of " << xt.str();
    }
}

std::string value_strides_code(const Node& n, int id, const TensorType& vt, int nr,
                               const std::string& rshape) {
    std::string c = "    long long vst[" + s(std::max(1, nr)) + "];\n";
    for (int d = 0; d < nr; ++d) {
        const int k = d - (nr - vt.ndim());
        if (k < 0 || vt.shape[k] == 1) {
            c += "    vst[" + s(d) + "] = 0;\n";
            continue;
        }
        c += "    if (val->shape[" + s(k) + "] != " + rshape + "[" + s(d) +
             "]) return tj_rt_shape_error(f, " + s(id) + ", " + s(vt.ndim()) + ", val->shape, " +
             s(nr) + ", " + rshape + ");\n";
        c += "    vst[" + s(d) + "] = val->strides[" + s(k) + "];\n";
    }
    (void)n;
    return c;
}

} // namespace tensorjit::index_detail

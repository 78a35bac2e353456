// Helpers shared by the shape ops (declared and documented in shape_util.hpp).
#include "compiler/ops/shape_util.hpp"
#include "compiler/ops/emit_context.hpp"
#include "compiler/ops/op_def.hpp"

#include <tensorjit/checked.hpp>

#include <algorithm>
#include <sstream>

namespace tensorjit::shape_detail {

std::string dims_text(const std::vector<std::int64_t>& v) {
    std::ostringstream os;
    os << "(";
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << (v.size() == 1 ? ",)" : ")");
    return os.str();
}

std::string s(std::int64_t v) { return std::to_string(v); }

void check_static_shape(const TensorType& t, const char* op) {
    Dims known;
    for (auto d : t.shape) known.push_back(d == dyn ? 0 : d);
    const auto fit = checked::shape_fit(known.data(), known.size(),
                                        static_cast<std::int64_t>(dtype_size(t.dtype)));
    TJ_CHECK(fit != checked::ShapeFit::kNegative, ValueError)
        << op << ": negative dimensions are not allowed: " << t.str();
    TJ_CHECK(fit == checked::ShapeFit::kOk, ValueError)
        << op << ": shape " << t.str() << " is too big: its size in bytes overflows a 64-bit "
        << "integer";
}

NodePtr shape_vector(const Var& v, const char* op) {
    TJ_CHECK(v.defined(), ValueError) << op << ": undefined shape";
    TJ_CHECK(v.ndim() == 1 && v.type().shape[0] != dyn, TypeError)
        << op << ": a symbolic shape must be an int vector of static length, got "
        << v.type().str();
    TJ_CHECK(is_integer(v.dtype()), TypeError)
        << op << ": shape has dtype " << dtype_name(v.dtype()) << ", expected an integer dtype";
    return cast_to(v.node(), DType::Int64);
}

std::string target_shape_code(EmitContext& e, const Node& n, int shape_in, const std::string& src) {
    std::string c;
    const int nd = static_cast<int>(n.attrs.ints.size());
    c += "    long long tsh[" + s(std::max(1, nd)) + "];\n";
    if (shape_in < 0) {
        for (int i = 0; i < nd; ++i) c += "    tsh[" + s(i) + "] = " + s(n.attrs.ints[i]) + ";\n";
        return c;
    }
    const std::string sv = e.arr(n.inputs[shape_in].get());
    for (int i = 0; i < nd; ++i)
        c += "    tsh[" + s(i) + "] = ((const long long*)" + sv + "->data)[" + s(i) + " * " + sv +
             "->strides[0]];\n";
    for (int i = 0; i < nd; ++i)
        if (n.attrs.ints[i] >= 0)
            c += "    if (tsh[" + s(i) + "] != " + s(n.attrs.ints[i]) +
                 ") return tj_rt_shape_error(f, " + s(e.id(&n)) + ", " +
                 s(-(n.inputs[0]->type.ndim() + 1)) + ", " + src + "->shape, " + s(nd) +
                 ", tsh);\n";
    return c;
}

std::vector<std::int64_t> shape_values(const Array& a) {
    std::vector<std::int64_t> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(static_cast<std::int64_t>(a.flat(i)));
    return v;
}

} // namespace tensorjit::shape_detail

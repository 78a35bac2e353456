// The table of OpDefs, indexed by OpKind, filled by TJ_REGISTER_OP at static-initialization time.
#include "compiler/ops/op_def.hpp"

#include <array>

namespace tensorjit {

namespace {
constexpr int kNumOps = 0
#define X(E, N) +1
#include "compiler/graph/op_kinds.def"
#undef X
    ;

std::array<OpDef, kNumOps>& table() {
    static std::array<OpDef, kNumOps> t;
    return t;
}
} // namespace

OpRegistrar::OpRegistrar(OpDef def) { table()[static_cast<int>(def.kind)] = std::move(def); }

const OpDef& op_def(OpKind k) {
    const OpDef& d = table()[static_cast<int>(k)];
    TJ_INTERNAL_CHECK(d.type_rule) << "op " << op_name(k) << " has no registered OpDef";
    return d;
}

// The leaves have records too, so passes can ask about every node alike.
namespace {
TensorType leaf_type(std::span<const NodePtr>, const Attrs&) {
    TJ_THROW(InternalError) << "leaf nodes are made by make_input/make_constant/make_shared_node";
}
} // namespace
TJ_REGISTER_OP(OpDef{.kind = OpKind::Input, .arity = 0, .type_rule = leaf_type});
TJ_REGISTER_OP(OpDef{.kind = OpKind::Constant, .arity = 0, .type_rule = leaf_type});
TJ_REGISTER_OP(OpDef{.kind = OpKind::Shared, .arity = 0, .type_rule = leaf_type});

} // namespace tensorjit

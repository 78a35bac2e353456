// KernelEmitter: the EmitContext over a schedule (slots, node ids, constants, views), and the
// source hook tests use to inject faults.
#include "compiler/codegen/kernel_emitter.hpp"

#include "compiler/ops/op_def.hpp"

#include <algorithm>

namespace tensorjit::codegen {

// ---- KernelEmitter helpers --------------------------------------------------------------------

std::string KernelEmitter::fresh(const char* prefix) {
    return prefix_ + prefix + std::to_string(fresh_++);
}

int KernelEmitter::slot(const Node* n) const {
    auto it = s_.slot.find(n);
    TJ_INTERNAL_CHECK(it != s_.slot.end()) << "codegen: node " << describe(*n) << " has no slot";
    return slot_base_ + it->second;
}

int KernelEmitter::id(const Node* n) const {
    auto it = s_.index.find(n);
    TJ_INTERNAL_CHECK(it != s_.index.end())
        << "codegen: node " << describe(*n) << " is not scheduled";
    return id_base_ + it->second;
}

void KernelEmitter::require_template(const char* name) {
    if (std::find(templates_.begin(), templates_.end(), name) == templates_.end())
        templates_.push_back(name);
}

bool KernelEmitter::is_temp(const Node* n) const { return slot_kind(n) == SlotPlan::Kind::Temp; }

SlotPlan::Kind KernelEmitter::slot_kind(const Node* n) const {
    return s_.plan.slots[static_cast<std::size_t>(slot(n) - slot_base_)].kind;
}

void KernelEmitter::emit_view(const Node& n, const std::string& build) {
    auto& os = out();
    const int s = slot(&n);
    os << "  { /* " << describe(n) << " */\n";
    os << "    const tj_arr* src = " << arr(n.inputs[0].get()) << ";\n" << build;
    if (is_temp(&n)) {
        views_.insert(&n);
        os << "    f->slots[" << s << "] = v;\n  }\n";
        return;
    }
    const std::string t = ctype(n.type.dtype);
    os << "    " << t << "* o = (" << t << "*)tj_rt_alloc(f, " << s << ", " << n.type.ndim()
       << ", v.shape);\n";
    os << "    if (!o) return 1;\n    tj_copy_to_contiguous(&v, " << n.type.ndim()
       << ", o);\n  }\n";
    require_template("reduce.hpp");
}

bool KernelEmitter::contiguous(const Node* n) const {
    if (n->is_leaf()) return s_.contiguous_leaf(n);
    return !views_.count(n);
}

std::string KernelEmitter::arr(const Node* n) {
    if (n->op != OpKind::Constant) return "(&f->slots[" + std::to_string(slot(n)) + "])";
    auto it = const_arr_.find(n);
    if (it != const_arr_.end()) return "(&" + it->second + ")";
    // A constant: static data and a descriptor declared at the top of the entry point.
    std::string name = fresh("c");
    const Array& v = *n->value;
    std::string t = ctype(v.dtype());
    statics_ << "static " << t << " " << name << "_data[] = {";
    std::int64_t count = std::max<std::int64_t>(v.size(), 1);
    for (std::int64_t i = 0; i < count; ++i) {
        if (i) statics_ << ", ";
        statics_ << (v.size() ? c_literal(v.dtype(),
                                          static_cast<const char*>(v.raw_data()) + i * v.itemsize())
                              : "0");
    }
    statics_ << "};\n";
    statics_ << "static tj_arr " << name << " = {(void*)" << name << "_data, {";
    for (int d = 0; d < v.ndim(); ++d) statics_ << (d ? ", " : "") << v.shape()[d];
    statics_ << "}, {";
    Dims st = c_strides(v.shape());
    for (int d = 0; d < v.ndim(); ++d) statics_ << (d ? ", " : "") << st[d];
    statics_ << "}};\n";
    const_arr_[n] = name;
    return "(&" + name + ")";
}

namespace {
std::function<void(std::string&)>& source_hook() {
    static std::function<void(std::string&)> hook;
    return hook;
}
} // namespace

void set_source_hook(std::function<void(std::string&)> hook) { source_hook() = std::move(hook); }
void apply_source_hook(std::string& source) {
    if (source_hook()) source_hook()(source);
}

} // namespace tensorjit::codegen

// Matching patterns against nodes and building their replacements.
#include "compiler/rewrite/pattern.hpp"

#include "compiler/ops/op_def.hpp"
#include "compiler/rewrite/constant_fold.hpp"
#include "compiler/rewrite/local_rewrite.hpp"

namespace tensorjit::pattern {

Pat Pat::any(int slot) {
    Pat p;
    p.kind = Kind::Any;
    p.slot = slot;
    return p;
}

Pat Pat::constant(int slot) {
    Pat p;
    p.kind = Kind::Const;
    p.slot = slot;
    return p;
}

Pat Pat::apply(OpKind op, std::vector<Pat> args, int attrs_slot) {
    Pat p;
    p.kind = Kind::Apply;
    p.op = op;
    p.args = std::move(args);
    p.attrs_slot = attrs_slot;
    return p;
}

Pat operator+(const Pat& a, const Pat& b) { return Pat::apply(OpKind::Add, {a, b}); }
Pat operator-(const Pat& a, const Pat& b) { return Pat::apply(OpKind::Sub, {a, b}); }
Pat operator*(const Pat& a, const Pat& b) { return Pat::apply(OpKind::Mul, {a, b}); }
Pat operator/(const Pat& a, const Pat& b) { return Pat::apply(OpKind::TrueDiv, {a, b}); }
Pat operator-(const Pat& a) { return Pat::apply(OpKind::Neg, {a}); }
Pat neg(const Pat& a) { return Pat::apply(OpKind::Neg, {a}); }
Pat sqr(const Pat& a) { return Pat::apply(OpKind::Sqr, {a}); }
Pat sqrt(const Pat& a) { return Pat::apply(OpKind::Sqrt, {a}); }
Pat reciprocal(const Pat& a) { return Pat::apply(OpKind::Reciprocal, {a}); }
Pat pow(const Pat& a, const Pat& b) { return Pat::apply(OpKind::Pow, {a, b}); }
Pat exp(const Pat& a) { return Pat::apply(OpKind::Exp, {a}); }
Pat log(const Pat& a) { return Pat::apply(OpKind::Log, {a}); }
Pat log1p(const Pat& a) { return Pat::apply(OpKind::Log1p, {a}); }
Pat sigmoid(const Pat& a) { return Pat::apply(OpKind::Sigmoid, {a}); }
Pat softplus(const Pat& a) { return Pat::apply(OpKind::Softplus, {a}); }
Pat logaddexp(const Pat& a, const Pat& b) { return Pat::apply(OpKind::Logaddexp, {a, b}); }
Pat fill(const Pat& a, const Pat& b) { return Pat::apply(OpKind::Fill, {a, b}); }
Pat op(OpKind kind, std::vector<Pat> args, int attrs_slot) {
    return Pat::apply(kind, std::move(args), attrs_slot);
}

Condition is_constant(const Pat& w) {
    const int slot = w.slot;
    return [slot](const Match& m) { return m.node[slot]->op == OpKind::Constant; };
}
Condition is_float(const Pat& w) {
    const int slot = w.slot;
    return [slot](const Match& m) { return tensorjit::is_float(m.node[slot]->type.dtype); };
}
Condition operator!(Condition c) {
    return [c = std::move(c)](const Match& m) { return !c(m); };
}
Condition operator&&(Condition a, Condition b) {
    return [a = std::move(a), b = std::move(b)](const Match& m) { return a(m) && b(m); };
}

namespace {

bool commutative(OpKind k) {
    switch (k) {
    case OpKind::Add:
    case OpKind::Mul:
    case OpKind::Maximum:
    case OpKind::Minimum:
    case OpKind::Logaddexp:
    case OpKind::Hypot:
    case OpKind::Eq:
    case OpKind::Neq:
    case OpKind::And:
    case OpKind::Or:
    case OpKind::Xor:
        return true;
    default:
        return false;
    }
}

// The same value: one node, or two nodes that compute the same thing from the same inputs (the
// rewrites rebuild nodes, so equal subgraphs may be distinct until the next merge).
bool same_value(const Node& a, const Node& b) {
    if (&a == &b) return true;
    if (a.op != b.op || !(a.type == b.type) || !(a.attrs == b.attrs)) return false;
    if (a.op == OpKind::Constant)
        return a.value->size() == b.value->size() && a.value->equals(*b.value);
    if (a.is_leaf() || a.inputs.size() != b.inputs.size()) return false;
    for (std::size_t i = 0; i < a.inputs.size(); ++i)
        if (a.inputs[i] != b.inputs[i]) return false;
    return true;
}

bool bind(int slot, const NodePtr& n, Match& m) {
    NodePtr& b = m.node[static_cast<std::size_t>(slot)];
    if (b) return same_value(*b, *n);
    b = n;
    return true;
}

bool match_at(const Pat& p, const NodePtr& n, Match& m) {
    switch (p.kind) {
    case Pat::Kind::Any:
        return bind(p.slot, n, m);
    case Pat::Kind::Const:
        return n->op == OpKind::Constant && bind(p.slot, n, m);
    case Pat::Kind::Number:
        return is_constant_value(*n, p.number);
    case Pat::Kind::Apply:
        break;
    }
    if (n->op != p.op || n->inputs.size() != p.args.size()) return false;
    if (p.attrs_slot >= 0) {
        const Attrs*& a = m.attrs[static_cast<std::size_t>(p.attrs_slot)];
        if (a && !(*a == n->attrs)) return false;
        a = &n->attrs;
    }
    const Match before = m;
    bool ok = true;
    for (std::size_t i = 0; i < p.args.size() && ok; ++i) ok = match_at(p.args[i], n->inputs[i], m);
    if (ok || p.args.size() != 2 || !commutative(p.op)) return ok;
    m = before;
    return match_at(p.args[0], n->inputs[1], m) && match_at(p.args[1], n->inputs[0], m);
}

NodePtr build(const Pat& p, const Match& m, DType dtype) {
    switch (p.kind) {
    case Pat::Kind::Any:
    case Pat::Kind::Const:
        return m.node[static_cast<std::size_t>(p.slot)];
    case Pat::Kind::Number:
        return make_constant(Array(p.number).astype(dtype), /*weak=*/true);
    case Pat::Kind::Apply:
        break;
    }
    std::vector<NodePtr> args;
    bool all_const = true;
    for (const Pat& a : p.args) {
        NodePtr v = build(a, m, dtype);
        if (!v) return nullptr;
        all_const = all_const && v->op == OpKind::Constant;
        args.push_back(std::move(v));
    }
    NodePtr n =
        make_node(p.op, std::move(args),
                  p.attrs_slot >= 0 ? *m.attrs[static_cast<std::size_t>(p.attrs_slot)] : Attrs{});
    if (all_const)
        if (NodePtr v = fold_constant(*n)) return v;
    return n;
}

} // namespace

std::optional<Match> match(const Rule& rule, const NodePtr& n) {
    Match m;
    if (!match_at(rule.lhs, n, m)) return std::nullopt;
    if (rule.when && !rule.when(m)) return std::nullopt;
    return m;
}

NodePtr instantiate(const Rule& rule, const Match& m, const NodePtr& n) {
    NodePtr r;
    try {
        r = rule.make ? rule.make(m) : build(rule.rhs, m, n->type.dtype);
    } catch (const UserError&) {
        return nullptr; // an op's type rule refused the replacement: the rule does not apply
    }
    if (!r || r == n) return nullptr;
    if (r->type.shape != n->type.shape) return nullptr;
    if (r->type.dtype != n->type.dtype) r = cast_to(r, n->type.dtype);
    return r;
}

NodePtr apply(const Rule& rule, const NodePtr& n) {
    const std::optional<Match> m = match(rule, n);
    return m ? instantiate(rule, *m, n) : nullptr;
}

} // namespace tensorjit::pattern

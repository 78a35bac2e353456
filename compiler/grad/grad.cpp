// Reverse-mode differentiation over OpDef::pullback, jacobian/hessian, and verify_grad.
#include <tensorjit/grad.hpp>

#include <tensorjit/control.hpp>
#include <tensorjit/indexing.hpp>

#include "compiler/grad/scan_grad.hpp"
#include "compiler/graph/node.hpp"
#include "compiler/ops/elemwise.hpp"
#include "compiler/ops/op_def.hpp"
#include "compiler/rewrite/local_rewrite.hpp"

#include <cmath>
#include <random>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace tensorjit {

// disconnected_grad(x) = x, with no gradient flowing through it.
TJ_REGISTER_OP(OpDef{
    .kind = OpKind::DisconnectedGrad,
    .arity = 1,
    .type_rule = [](std::span<const NodePtr> in, const Attrs&) { return in[0]->type; },
    .reference = [](std::span<const Array> in, const Node&) { return in[0].copy(); },
    .functor = "tj_identity",
    .pullback = [](const Node&, const Var&, const Var&) -> std::vector<Var> { return {Var()}; },
});

Var disconnected_grad(const Var& x) {
    TJ_CHECK(x.defined(), ValueError) << "disconnected_grad: undefined variable";
    return Var(make_node(OpKind::DisconnectedGrad, {x.node()}));
}

namespace {

std::string label(const Var& v) {
    return v.name().empty() ? describe(*v.node()) : "\"" + v.name() + "\"";
}

} // namespace

std::vector<Var> grad(const Var& cost, const std::vector<Var>& wrt, const GradOptions& options) {
    TJ_CHECK(cost.defined(), ValueError) << "grad: undefined cost";
    TJ_CHECK(cost.ndim() == 0, TypeError)
        << "grad: the cost must be a scalar (0-d), got " << cost.type().str() << " ("
        << describe(*cost.node()) << "); sum or mean it first, or use jacobian";
    TJ_CHECK(is_float(cost.dtype()), TypeError)
        << "grad: the cost has dtype " << dtype_name(cost.dtype()) << "; gradients need a float cost";
    for (std::size_t i = 0; i < wrt.size(); ++i) {
        TJ_CHECK(wrt[i].defined(), ValueError) << "grad: wrt " << i + 1 << " is undefined";
        TJ_CHECK(is_float(wrt[i].dtype()), TypeError)
            << "grad: wrt " << label(wrt[i]) << " has dtype " << dtype_name(wrt[i].dtype())
            << "; gradients are defined for float variables only";
    }
    // Differentiate the stabilized cost (log(sigmoid) -> -softplus, ...), so that saturated
    // values give finite gradients, as PyTensor's rewrites achieve for its gradient graphs.
    // Only when every wrt is a leaf: rewrites never replace leaves.
    bool leaves_only = true;
    for (const auto& w : wrt) leaves_only &= w.node()->is_leaf();
    NodePtr cost_node = cost.node();
    if (leaves_only && options.known_grads.empty() && options.consider_constant.empty()) {
        NodePtr r[] = {cost_node};
        cost_node = apply_rewrites(apply_rewrites(r, "canonicalize"), "stabilize")[0];
    }
    std::vector<NodePtr> roots{cost_node};
    for (const auto& [v, g] : options.known_grads) roots.push_back(v.node());
    std::vector<const Node*> order = topo_order(roots);

    std::unordered_set<const Node*> constant;
    for (const auto& c : options.consider_constant) constant.insert(c.node().get());
    std::unordered_set<const Node*> wanted;
    for (const auto& w : wrt) wanted.insert(w.node().get());
    // Nodes through which a wrt reaches the cost: only they need gradients.
    std::unordered_set<const Node*> on_path;
    for (const Node* n : order) {
        if (constant.count(n)) continue;
        bool dep = wanted.count(n) > 0;
        for (const auto& in : n->inputs) dep |= on_path.count(in.get()) > 0;
        if (dep) on_path.insert(n);
    }
    const std::unordered_map<const Node*, NodePtr> owner = owners(roots);
    std::unordered_map<const Node*, Var> grads;
    auto accumulate = [&](const Node* n, const Var& g) {
        auto it = grads.find(n);
        if (it == grads.end()) grads[n] = g;
        else it->second = it->second + g;
    };
    grads[cost_node.get()] = Var(make_constant(Array::full(cost.dtype(), Dims{}, 1.0)));
    for (const auto& [v, g] : options.known_grads) {
        TJ_CHECK(g.defined() && v.defined() && g.ndim() == v.ndim(), TypeError)
            << "grad: known gradient for " << label(v) << " must have its rank";
        accumulate(v.node().get(), g);
    }

    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const Node* n = *it;
        if (n->is_leaf() || !on_path.count(n)) continue;
        auto g = grads.find(n);
        if (g == grads.end()) continue;
        // No gradient flows through integer or boolean values.
        if (!is_float(n->type.dtype)) continue;
        const OpDef& d = op_def(n->op);
        TJ_CHECK(static_cast<bool>(d.pullback) || n->op == OpKind::Scan, TypeError)
            << "grad: op " << op_name(n->op) << " is not differentiable (in " << describe(*n) << ")";
        // A scan's gradient is a scan over its body's gradient (scan_grad.cpp).
        std::vector<Var> gin;
        if (n->op == OpKind::Scan) {
            std::vector<bool> needed;
            for (const auto& in : n->inputs) needed.push_back(on_path.count(in.get()) > 0);
            gin = scan_pullback(*n, g->second, needed);
        } else {
            gin = d.pullback(*n, Var(owner.at(n)), g->second);
        }
        TJ_INTERNAL_CHECK(gin.size() == n->inputs.size())
            << "grad: pullback of " << op_name(n->op) << " returned " << gin.size() << " gradients for "
            << n->inputs.size() << " inputs";
        for (std::size_t i = 0; i < gin.size(); ++i) {
            const Node* in = n->inputs[i].get();
            if (!gin[i].defined() || !on_path.count(in)) continue;
            Var gi = gin[i];
            if (gi.dtype() != in->type.dtype && is_float(in->type.dtype)) gi = cast(gi, in->type.dtype);
            accumulate(in, gi);
        }
    }

    std::vector<Var> out;
    for (const auto& w : wrt) {
        auto it = grads.find(w.node().get());
        if (it != grads.end()) {
            out.push_back(it->second);
            continue;
        }
        // In the graph but reached only through ops that pass no gradient (comparisons,
        // casts to integers): the gradient is zero, as in PyTensor. Not in the graph at all:
        // an error unless allowed.
        TJ_CHECK(options.allow_disconnected || on_path.count(w.node().get()), ValueError)
            << "grad: the cost does not depend on " << label(w)
            << " (set GradOptions::allow_disconnected to get zeros)";
        out.push_back(Var(make_node(OpKind::Fill, {w.node(), make_constant(Array::full(w.dtype(), Dims{}, 0.0))})));
    }
    return out;
}

Var grad(const Var& cost, const Var& wrt, const GradOptions& options) {
    return grad(cost, std::vector<Var>{wrt}, options)[0];
}

Var jacobian(const Var& y, const Var& x) {
    TJ_CHECK(y.defined() && x.defined(), ValueError) << "jacobian: undefined variable";
    TJ_CHECK(y.ndim() == 1, TypeError) << "jacobian: y must be a vector, got " << y.type().str();
    const std::int64_t n = y.type().shape[0];
    if (n == dyn) {
        // Known only at run time: a scan over the rows, as PyTensor's jacobian.
        ScanResult rows = scan(
            ScanFn([&](const std::vector<Var>& i) -> ScanStep {
                return grad(y(i[0]), x, {.allow_disconnected = true});
            }),
            {.sequences = {arange(shape(y)(0))}, .outputs_info = {none}, .name = "jacobian"});
        return rows.output();
    }
    // Row i is the gradient of y . e_i; rows are placed with one-hot weights (no indexing needed).
    Var jac;
    for (std::int64_t i = 0; i < n; ++i) {
        Array e = Array::zeros(y.dtype(), Dims{n});
        visit_dtype(y.dtype(), [&](auto t) { static_cast<decltype(t)*>(e.raw_data())[i] = 1; });
        Var gi = grad(sum(y * constant(e)), x, {.allow_disconnected = true});
        Dims place;
        place.push_back(n);
        for (int d = 0; d < x.ndim(); ++d) place.push_back(1);
        Var row = Var(make_node(OpKind::ExpandDims, {gi.node()}, Attrs{{0}, DType::Float64})) *
                  constant(e.reshape(place));
        jac = jac.defined() ? jac + row : row;
    }
    return jac;
}

Var hessian(const Var& cost, const Var& x) {
    TJ_CHECK(x.defined() && x.ndim() == 1, TypeError) << "hessian: x must be a vector";
    // x's length known only at run time: jacobian scans over g's rows.
    return jacobian(grad(cost, x), x);
}

// ---- verify_grad ------------------------------------------------------------------------------

void verify_grad(const std::function<Var(const std::vector<Var>&)>& fun, const std::vector<Array>& point,
                 const VerifyGradOptions& options) {
    std::vector<Var> inputs;
    for (std::size_t i = 0; i < point.size(); ++i) {
        TJ_CHECK(is_float(point[i].dtype()), TypeError)
            << "verify_grad: point " << i + 1 << " has dtype " << dtype_name(point[i].dtype())
            << "; only float inputs can be checked";
        inputs.push_back(tensor("x" + std::to_string(i), point[i].dtype(), point[i].shape()));
    }
    Var out = fun(inputs);
    TJ_CHECK(out.defined(), ValueError) << "verify_grad: fun returned an undefined variable";
    bool any_f32 = out.dtype() == DType::Float32;
    for (const auto& p : point) any_f32 |= p.dtype() == DType::Float32;
    const double eps = options.eps > 0 ? options.eps : any_f32 ? 1e-3 : 1e-6;
    const double abs_tol = options.abs_tol > 0 ? options.abs_tol : any_f32 ? 1e-2 : 1e-6;
    const double rel_tol = options.rel_tol > 0 ? options.rel_tol : any_f32 ? 1e-2 : 1e-5;

    std::vector<In> ins(inputs.begin(), inputs.end());
    std::vector<Arg> args(point.begin(), point.end());
    Array value = function(ins, out)(std::span<const Arg>(args));
    std::mt19937_64 rng(options.seed);
    for (int test = 0; test < options.n_tests; ++test) {
        // A random projection makes the output a scalar cost.
        Array t = Array::empty(DType::Float64, value.shape());
        std::uniform_real_distribution<double> u(0.5, 1.5);
        for (std::int64_t i = 0; i < t.size(); ++i) static_cast<double*>(t.raw_data())[i] = u(rng);
        Var cost = sum(out * constant(t.astype(out.dtype())));
        std::vector<Var> outs{cost};
        for (const auto& g : grad(cost, inputs, {.allow_disconnected = true})) outs.push_back(g);
        auto f = function(ins, outs);
        std::vector<Array> res = f(std::span<const Arg>(args));
        auto cost_at = [&](std::size_t which, std::int64_t k, double delta) {
            std::vector<Array> pt;
            for (const auto& p : point) pt.push_back(p.copy());
            Array& x = pt[which];
            visit_dtype(x.dtype(), [&](auto tv) {
                using T = decltype(tv);
                T* d = static_cast<T*>(x.raw_data());
                d[k] = static_cast<T>(d[k] + delta);
            });
            std::vector<Arg> a(pt.begin(), pt.end());
            return f(std::span<const Arg>(a))[0].item_double();
        };
        for (std::size_t i = 0; i < point.size(); ++i) {
            const Array& sym = res[i + 1];
            for (std::int64_t k = 0; k < point[i].size(); ++k) {
                double numeric = (cost_at(i, k, eps) - cost_at(i, k, -eps)) / (2 * eps);
                double symbolic = sym.flat(k);
                double err = std::abs(numeric - symbolic);
                bool ok = err <= abs_tol || err <= rel_tol * std::max(std::abs(numeric), std::abs(symbolic));
                if (std::isnan(numeric) && std::isnan(symbolic)) ok = true;
                TJ_CHECK(ok, GradientError)
                    << "verify_grad: gradient of input " << i + 1 << " at flat position " << k
                    << ": symbolic " << symbolic << ", finite differences " << numeric << " (abs error " << err
                    << ", tolerances abs " << abs_tol << " rel " << rel_tol << ")";
            }
        }
    }
}

} // namespace tensorjit

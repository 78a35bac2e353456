/// \file
/// The logistic-regression model of TUTORIAL.md section 7 (graph, cost and gradients), for tests
/// that look at what the compiler makes of it.
#pragma once

#include <tensorjit/tensorjit.hpp>

namespace tj_test {

struct LogisticModel {
    tensorjit::Var x, y;
    tensorjit::SharedVar w, b;
    tensorjit::Var p_1, prediction, xent, cost, gw, gb;
};

/// The tutorial's model with initial weights w0 (and b = 0).
inline LogisticModel logistic_model(const tensorjit::Array& w0) {
    namespace tj = tensorjit;
    LogisticModel m{tj::dmatrix("x"), tj::dvector("y"), tj::shared(w0, "w"), tj::shared(0.0, "b")};
    m.p_1 = 1 / (1 + tj::exp(-tj::dot(m.x, m.w) - m.b));
    m.prediction = m.p_1 > 0.5;
    m.xent = -m.y * tj::log(m.p_1) - (1 - m.y) * tj::log(1 - m.p_1);
    m.cost = tj::mean(m.xent) + 0.01 * tj::sum(tj::pow(m.w, 2));
    auto [gw, gb] = tj::grad(m.cost, {m.w, m.b});
    m.gw = gw;
    m.gb = gb;
    return m;
}

} // namespace tj_test

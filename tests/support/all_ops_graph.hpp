/// \file
/// A function with a node of every op that has attributes (and of the ops that take none),
/// built through the public functions, including the two-input forms that the gradients of
/// cumsum and diag make: the graph file tests change its nodes one by one, and it seeds the
/// loader's fuzz corpus (tests/fuzz/).
#pragma once

#include <tensorjit/tensorjit.hpp>

#include <vector>

namespace tj_test {

struct AllOpsGraph {
    std::vector<tensorjit::In> inputs;
    std::vector<tensorjit::Var> outputs;
};

inline AllOpsGraph all_ops_graph() {
    namespace tj = tensorjit;
    auto x = tj::dmatrix("x");
    auto v = tj::dvector("v");
    auto k = tj::lscalar("k");
    auto idx = tj::lvector("idx");
    tj::RandomStream srng(11);
    const tj::Var cost = tj::sum(tj::cumsum(x)) + tj::sum(tj::diag(x)) + tj::trace(x, 1);
    // The gradient last: the first node of each op is then one of the functions before it.
    return {{x, v, k, idx},
            {
                tj::reshape(x, {-1}),
                tj::flatten(x, 2),
                tj::reshape(v, tj::shape(x)),
                tj::concatenate({x, x}, 1),
                tj::stack({v, v}, 1),
                tj::zeros({2, 3}),
                tj::alloc(tj::sum(v), tj::shape(x)),
                tj::broadcast_to(v, {3, 4}),
                tj::arange(k),
                tj::eye(k, k, 1),
                x(tj::slice(1, k), 0),
                tj::set_subtensor(x(tj::slice(1, k), 0), 1.0),
                tj::inc_subtensor(x(0), v),
                x(idx),
                tj::set_subtensor(x(idx), 0.0),
                tj::inc_subtensor(x(idx), 1.0),
                tj::split(v, {2, 3})[1],
                tj::dot(x, v),
                tj::matmul(x, x),
                tj::outer(v, v),
                tj::tensordot(x, x, 1),
                tj::diag(v, -1),
                tj::trace(x, 1),
                tj::cumprod(x, 1),
                tj::softmax(x),
                tj::argmax(x, 1),
                tj::squeeze(tj::expand_dims(v, {0})),
                tj::transpose(x) * 2,
                tj::cast(v, tj::DType::Int32),
                tj::fill(x, tj::Var(2.0)),
                tj::shape(x),
                srng.uniform(0.0, 1.0, {2}),
                srng.integers(0, 10, {3}, tj::DType::Int8),
                srng.choice(tj::Var(5), {2}, false),
                srng.permutation(v),
                tj::grad(cost, x),
            }};
}

} // namespace tj_test

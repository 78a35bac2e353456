// TUTORIAL.md sections 1-5 and 7 as tests (section 6 is in tests/random).
#include <catch2/catch.hpp>

#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <cmath>
#include <sstream>

using tj::Array;
using namespace tj::literals;

namespace {
std::string str(const Array& a) {
    std::ostringstream os;
    os << a;
    return os.str();
}
} // namespace

TEST_CASE("section 1: logistic function, two forms", "[tutorial]") {
    auto x = tj::dmatrix("x");
    auto logistic = tj::function({x}, 1 / (1 + tj::exp(-x)));
    auto logistic2 = tj::function({x}, (1 + tj::tanh(x / 2)) / 2);
    Array in = {{0, 1}, {-1, -2}};
    CHECK(str(logistic(in)) ==
          "array([[0.5       , 0.73105858],\n       [0.26894142, 0.11920292]])");
    CHECK(tj::allclose(logistic(in), logistic2(in), 1e-15, 1e-15));
    Array big = Array::zeros(tj::DType::Float64, {50, 40});
    for (int i = 0; i < big.size(); ++i)
        static_cast<double*>(big.raw_data())[i] = (i % 97) / 7.0 - 7;
    CHECK(tj::allclose(logistic(big), logistic2(big), 1e-14, 1e-15));
}

TEST_CASE("section 2: several outputs", "[tutorial]") {
    auto [a, b] = tj::dmatrices("a", "b");
    auto diff = a - b;
    auto f = tj::function({a, b}, {diff, tj::abs(diff), tj::pow(diff, 2)});
    std::ostringstream os;
    os << f({{1, 1}, {1, 1}}, {{0, 1}, {2, 3}});
    CHECK(os.str() ==
          "[array([[ 1.,  0.],\n       [-1., -2.]]), array([[1., 0.],\n       [1., 2.]]), "
          "array([[1., 0.],\n       [1., 4.]])]");
}

TEST_CASE("section 3: default values and keyword arguments", "[tutorial]") {
    auto [x, y] = tj::dscalars("x", "y");
    auto f = tj::function({x, tj::In(y, 1)}, x + y);
    CHECK(str(f(33)) == "array(34.)");
    CHECK(str(f(33, 2)) == "array(35.)");
    auto [x2, y2, w] = tj::dscalars("x", "y", "w");
    auto g = tj::function({x2, tj::In(y2, 1), tj::In(w, 2, "w_by_name")}, (x2 + y2) * w);
    CHECK(str(g(33)) == "array(68.)");
    CHECK(str(g(33, 2)) == "array(70.)");
    CHECK(str(g(33, 0, 1)) == "array(33.)");
    CHECK(str(g(33, "w_by_name"_a = 1)) == "array(34.)");
    CHECK(str(g(33, "w_by_name"_a = 1, "y"_a = 0)) == "array(33.)");
}

TEST_CASE("section 4: shared variables, updates, givens", "[tutorial]") {
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    CHECK(str(state.get_value()) == "array(0)");
    CHECK(str(accumulator(1)) == "array(0)");
    CHECK(str(state.get_value()) == "array(1)");
    CHECK(str(accumulator(300)) == "array(1)");
    CHECK(str(state.get_value()) == "array(301)");
    state.set_value(-1);
    CHECK(str(accumulator(3)) == "array(-1)");
    CHECK(str(state.get_value()) == "array(2)");
    auto decrementor = tj::function({inc}, state, {.updates = {{state, state - inc}}});
    CHECK(str(decrementor(2)) == "array(2)");
    CHECK(str(state.get_value()) == "array(0)");
    auto foo = tj::scalar("foo", state.dtype());
    auto skip_shared = tj::function({inc, foo}, state * 2 + inc, {.givens = {{state, foo}}});
    CHECK(str(skip_shared(1, 3)) == "array(7)");
    CHECK(str(state.get_value()) == "array(0)");
}

TEST_CASE("section 5: copies share the compiled kernel", "[tutorial]") {
    auto state = tj::shared(0);
    auto inc = tj::iscalar("inc");
    auto accumulator = tj::function({inc}, state, {.updates = {{state, state + inc}}});
    CHECK(str(accumulator(10)) == "array(0)");
    const auto compiles = tj::compile_stats().clang_compiles;
    auto new_state = tj::shared(0);
    auto new_accumulator = accumulator.copy({.swap = {{state, new_state}}});
    CHECK(str(new_accumulator(100)) == "array(0)");
    CHECK(str(new_state.get_value()) == "array(100)");
    CHECK(str(state.get_value()) == "array(10)");
    auto null_accumulator = accumulator.copy({.delete_updates = true});
    CHECK(str(null_accumulator(9000)) == "array(10)");
    CHECK(str(state.get_value()) == "array(10)");
    CHECK(tj::compile_stats().clang_compiles == compiles);
}

TEST_CASE("section 7: the gradient of the logistic-regression cost matches the explicit formulas",
          "[tutorial][grad]") {
    tj::Generator rng(2882);
    const int N = 400, feats = 784;
    Array X = rng.standard_normal({N, feats});
    Array Y = rng.integers(0, 2, {N});
    // Small weights keep p away from 0 and 1, where the explicit formula is exact too.
    Array w0 = rng.standard_normal({feats});
    for (int i = 0; i < feats; ++i) static_cast<double*>(w0.raw_data())[i] *= 0.01;
    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(w0, "w");
    auto b = tj::shared(0.1, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});
    auto f = tj::function({x, y}, {gw, gb, p_1});
    auto r = f(X, Y);
    // Explicit: grad_w = x^T (p - y) / N + 0.02 w, grad_b = mean(p - y), in long double.
    const Array& p = r[2];
    double pmin = 1, pmax = 0;
    for (int i = 0; i < N; ++i) {
        pmin = std::min(pmin, p.flat(i));
        pmax = std::max(pmax, p.flat(i));
    }
    REQUIRE(pmin > 0.05);
    REQUIRE(pmax < 0.95);
    long double gb_ref = 0;
    for (int i = 0; i < N; ++i) gb_ref += (p.flat(i) - Y.flat(i));
    gb_ref /= N;
    CHECK(std::abs(r[1].item_double() - static_cast<double>(gb_ref)) <=
          1e-12 * std::abs(static_cast<double>(gb_ref)));
    double worst = 0;
    for (int j = 0; j < feats; ++j) {
        long double acc = 0;
        for (int i = 0; i < N; ++i) acc += X.at({i, j}) * (p.flat(i) - Y.flat(i));
        const double ref = static_cast<double>(acc / N) + 0.02 * w0.flat(j);
        worst = std::max(worst, std::abs(r[0].flat(j) - ref) / std::max(std::abs(ref), 1e-300));
    }
    INFO("worst relative error " << worst);
    CHECK(worst <= 1e-12);
}

TEST_CASE("section 7: training lowers the cost and predicts the training set", "[tutorial][grad]") {
    tj::Generator rng(2882);
    const int N = 400, feats = 784;
    Array X = rng.standard_normal({N, feats});
    Array Y = rng.integers(0, 2, {N});
    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(rng.standard_normal({feats}), "w");
    auto b = tj::shared(0.0, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
    auto prediction = p_1 > 0.5;
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});
    // w ~ N(0, 1) over 784 features saturates p_1 to exactly 0 or 1 on some rows: the cost is
    // finite only through the stabilizing rewrites (log(sigmoid) -> -softplus), as in PyTensor,
    // so they are on here also when TJ_REWRITES=off sets the default.
    auto train =
        tj::function({x, y}, {prediction, xent, cost},
                     {.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}, .rewrites = true});
    auto predict = tj::function({x}, prediction);
    double first = train(X, Y)[2].item_double();
    double last = first;
    for (int i = 0; i < 300; ++i) last = train(X, Y)[2].item_double();
    CHECK(std::isfinite(first));
    CHECK(std::isfinite(last));
    CHECK(last < first / 2);
    Array pred = predict(X);
    int correct = 0;
    for (int i = 0; i < N; ++i)
        correct += static_cast<int>(pred.flat(i)) == static_cast<int>(Y.flat(i));
    CHECK(correct >= 390);
}

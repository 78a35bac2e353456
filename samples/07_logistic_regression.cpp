// TUTORIAL.md section 7, the main job: logistic regression trained by gradient descent on the
// seed's data set (drawn bit for bit as NumPy's default_rng(2882) draws it).
#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    tj::Generator rng(2882);
    const int N = 400, feats = 784;
    auto D = std::pair{rng.standard_normal({N, feats}), rng.integers(0, 2, {N})};
    const int training_steps = argc > 1 ? std::atoi(argv[1]) : 10000;

    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(rng.standard_normal({feats}), "w");
    auto b = tj::shared(0.0, "b");
    std::cout << "Initial model: w[:5] = " << w.get_value().slice(0, 0, 5) << ", b = " << b.get_value() << "\n";

    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));  // probability that target = 1
    auto prediction = p_1 > 0.5;                       // the prediction thresholded
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);  // cross-entropy loss
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));  // the cost to minimize
    auto [gw, gb] = tj::grad(cost, {w, b});

    auto t0 = std::chrono::steady_clock::now();
    auto train = tj::function({x, y}, {prediction, xent},
                              {.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}, .name = "train"});
    auto predict = tj::function({x}, prediction, {.name = "predict"});
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < training_steps; ++i) train(D.first, D.second);
    auto t2 = std::chrono::steady_clock::now();

    auto pred = predict(D.first);
    int correct = 0;
    for (int i = 0; i < N; ++i) correct += static_cast<int>(pred.flat(i)) == static_cast<int>(D.second.flat(i));
    std::cout << "Final model: w[:5] = " << w.get_value().slice(0, 0, 5) << ", b = " << b.get_value() << "\n";
    std::cout << "target values for D[:10]: " << D.second.slice(0, 0, 10) << "\n";
    std::cout << "prediction on D[:10]:     " << pred.slice(0, 0, 10) << "\n";
    std::cout << "accuracy: " << correct << "/" << N << "\n";
    std::cerr << "build " << std::chrono::duration<double, std::milli>(t1 - t0).count() << " ms, "
              << training_steps << " steps in " << std::chrono::duration<double>(t2 - t1).count()
              << " s\n";
}

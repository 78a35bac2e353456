// A 2-layer perceptron (tanh hidden layer, softmax output) trained with momentum SGD on a
// generated data set of three Gaussian blobs: the cross-entropy, its gradients and the velocity
// updates are one function; the parameters are saved to and reloaded from an .npz archive as
// NumPy would read them, the prediction graph is printed with tj::dprint and the training
// step's profile (per fused loop and BLAS call) with tj::print_profile.
#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

int main(int argc, char** argv) {
    // Where the parameters go: the argument, else a file of this process in the temporary
    // directory (removed at the end).
    const std::filesystem::path npz =
        argc > 1 ? std::filesystem::path(argv[1])
                 : std::filesystem::temp_directory_path() /
                       ("mlp_params_" + std::to_string(::getpid()) + ".npz");
    const int N = 300, classes = 3, hidden = 16;

    // The data: class k around centre k, one-hot targets.
    tj::Generator rng(7);
    const double centres[classes][2] = {{0.0, 2.0}, {-2.0, -1.0}, {2.0, -1.0}};
    const tj::Array labels = rng.integers(0, classes, {N});
    const tj::Array noise = rng.normal(0.0, 0.8, {N, 2});
    std::vector<double> xs(N * 2), ys(N * classes, 0.0);
    for (int i = 0; i < N; ++i) {
        const int k = static_cast<int>(labels.flat(i));
        xs[2 * i] = centres[k][0] + noise.flat(2 * i);
        xs[2 * i + 1] = centres[k][1] + noise.flat(2 * i + 1);
        ys[classes * i + k] = 1.0;
    }
    const tj::Array X(xs, {N, 2}), Y(ys, {N, classes});

    // The model.
    auto x = tj::dmatrix("x");
    auto y = tj::dmatrix("y");
    auto W1 = tj::shared(rng.normal(0.0, 0.5, {2, hidden}), "W1");
    auto b1 = tj::shared(tj::Array::zeros(tj::DType::Float64, {hidden}), "b1");
    auto W2 = tj::shared(rng.normal(0.0, 0.5, {hidden, classes}), "W2");
    auto b2 = tj::shared(tj::Array::zeros(tj::DType::Float64, {classes}), "b2");
    auto h = tj::tanh(tj::dot(x, W1) + b1);
    auto logits = tj::dot(h, W2) + b2;
    auto loss = -tj::mean(tj::sum(y * tj::log_softmax(logits), 1));
    auto predicted = tj::argmax(logits, 1);

    // Momentum SGD: v <- mu v - lr g; p <- p + v (every update reads the values before the call).
    const double lr = 0.5, mu = 0.9;
    std::vector<tj::SharedVar> params = {W1, b1, W2, b2};
    auto grads = tj::grad(loss, params);
    std::vector<std::pair<tj::SharedVar, tj::Var>> updates;
    for (std::size_t i = 0; i < params.size(); ++i) {
        auto v = tj::shared(tj::Array::zeros(tj::DType::Float64, params[i].get_value().shape()),
                            "v_" + params[i].name());
        auto v_new = mu * v - lr * grads[i];
        updates.push_back({v, v_new});
        updates.push_back({params[i], params[i] + v_new});
    }
    // Profiled: tj::print_profile() below shows where a training step spends its time.
    auto train =
        tj::function({x, y}, loss, {.updates = updates, .name = "mlp_train", .profile = true});
    auto predict = tj::function({x}, predicted, {.name = "mlp_predict"});

    auto accuracy = [&](const tj::Array& p) {
        int correct = 0;
        for (int i = 0; i < N; ++i) correct += p.flat(i) == labels.flat(i);
        return correct;
    };
    for (int step = 0; step <= 300; ++step) {
        const double l = train(X, Y).item<double>();
        if (step % 100 == 0) std::printf("step %3d: loss %.2f\n", step, l);
    }
    const tj::Array before = predict(X);
    std::printf("accuracy: %d/%d\n", accuracy(before), N);

    // Save the parameters as NumPy's savez does, then load them into fresh variables.
    tj::save_npz(npz, {{"W1", W1.get_value()},
                       {"b1", b1.get_value()},
                       {"W2", W2.get_value()},
                       {"b2", b2.get_value()}});
    const auto loaded = tj::load_npz(npz);
    auto W1r = tj::shared(loaded.at("W1"), "W1");
    auto b1r = tj::shared(loaded.at("b1"), "b1");
    auto W2r = tj::shared(loaded.at("W2"), "W2");
    auto b2r = tj::shared(loaded.at("b2"), "b2");
    auto reloaded =
        tj::function({x}, tj::argmax(tj::dot(tj::tanh(tj::dot(x, W1r) + b1r), W2r) + b2r, 1),
                     {.name = "mlp_reloaded"});
    const tj::Array after = reloaded(X);
    std::printf("saved %zu arrays (%s); the reloaded model predicts the same: %s\n", loaded.size(),
                "W1, b1, W2, b2", after.equals(before) ? "yes" : "no");

    if (argc <= 1) std::filesystem::remove(npz);

    std::cout << "the prediction graph:\n" << tj::dprint(predict);
    // Timings differ from run to run: the profile goes to stderr, the checked output to stdout.
    tj::print_profile(std::cerr);
}

// Precompiling (README "Precompiling"): the application exports the tutorial's training and
// prediction functions as graph files; CI warms a cache from them with
//     tensorjit-cache warm tjgraphs/*.tjgraph --target-cpu x86-64-v3 -j 4
// and every machine started with that cache (TJ_CACHE_DIR, or TJ_CACHE_SHARED / TJ_CACHE_REDIS)
// builds these functions without compiling. The files are loaded back here to show they are the
// same functions.
#include <tensorjit/generator.hpp>
#include <tensorjit/tensorjit.hpp>

#include <filesystem>
#include <iostream>
#include <string>

#include <unistd.h>

int main(int argc, char** argv) {
    // The graph files go to the directory given, else to a directory of this process in the
    // temporary directory (removed at the end).
    const bool temporary = argc <= 1;
    const std::filesystem::path out = temporary ? std::filesystem::temp_directory_path() /
                                                      ("tjgraphs_" + std::to_string(::getpid()))
                                                : std::filesystem::path(argv[1]);
    std::filesystem::create_directories(out);

    tj::Generator rng(2882);
    const int N = 400, feats = 784;
    auto D = std::pair{rng.standard_normal({N, feats}), rng.integers(0, 2, {N})};

    auto x = tj::dmatrix("x");
    auto y = tj::dvector("y");
    auto w = tj::shared(rng.standard_normal({feats}), "w");
    auto b = tj::shared(0.0, "b");
    auto p_1 = 1 / (1 + tj::exp(-tj::dot(x, w) - b));
    auto prediction = p_1 > 0.5;
    auto xent = -y * tj::log(p_1) - (1 - y) * tj::log(1 - p_1);
    auto cost = tj::mean(xent) + 0.01 * tj::sum(tj::pow(w, 2));
    auto [gw, gb] = tj::grad(cost, {w, b});

    // The same arguments tj::function takes; the shared values go into the files (embedded).
    tj::save_function(out / "train.tjgraph", {x, y}, {prediction, xent},
                      {.updates = {{w, w - 0.1 * gw}, {b, b - 0.1 * gb}}, .name = "train"});
    tj::save_function(out / "predict.tjgraph", {x}, {prediction}, {.name = "predict"});
    std::cout << "wrote train.tjgraph and predict.tjgraph\n";

    // Loaded with the same shared variables, so that training changes what predict sees.
    std::vector<tj::SharedVar> shared;
    auto train = tj::load_multi_function(out / "train.tjgraph", {.shared = &shared});
    auto predict = tj::load_function(out / "predict.tjgraph", {.bind = shared});
    std::cout << "loaded train (" << shared.size() << " shared variables: " << shared[0].name()
              << ", " << shared[1].name() << ")\n";
    for (int i = 0; i < 100; ++i) train(D.first, D.second);
    auto pred = predict(D.first);
    int correct = 0;
    for (int i = 0; i < N; ++i)
        correct += static_cast<int>(pred.flat(i)) == static_cast<int>(D.second.flat(i));
    std::cout << "after 100 steps of the loaded train: accuracy " << correct << "/" << N << "\n";
    std::cout << "warm a cache for AVX2 hosts with:\n  tensorjit-cache warm *.tjgraph "
                 "--target-cpu x86-64-v3\n";
    if (temporary) std::filesystem::remove_all(out);
}

// A call that fails changes nothing: each kind of update (written in place, computed into a
// buffer that is swapped in, set_subtensor/inc_subtensor) against each kind of failure (a bad
// argument, a shape known only at run time, an error the kernel reports).
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>

namespace tj = tensorjit;
using tj::Array;

namespace {

enum class UpdateKind { InPlace, Swapped, Subtensor };
enum class Failure { Argument, RuntimeShape, KernelError };

const char* kind_name(UpdateKind k) {
    switch (k) {
    case UpdateKind::InPlace:
        return "in place";
    case UpdateKind::Swapped:
        return "swapped buffer";
    default:
        return "inc_subtensor";
    }
}

// The new value of w for each kind, and what it computes from w = [1, 2, 3].
tj::Var update_of(UpdateKind k, const tj::SharedVar& w) {
    switch (k) {
    case UpdateKind::InPlace:
        return w * 2; // element-wise, reads only w
    case UpdateKind::Swapped:
        return w + tj::sum(w); // reads w in a reduction
    default:
        return tj::inc_subtensor(w(tj::slice(1, 3)), 10.0); // not element-wise
    }
}
Array expected_after(UpdateKind k) {
    switch (k) {
    case UpdateKind::InPlace:
        return Array({2.0, 4.0, 6.0});
    case UpdateKind::Swapped:
        return Array({7.0, 8.0, 9.0});
    default:
        return Array({1.0, 12.0, 13.0});
    }
}

} // namespace

TEST_CASE("a failed call changes no shared variable", "[function][atomic]") {
    for (UpdateKind kind : {UpdateKind::InPlace, UpdateKind::Swapped, UpdateKind::Subtensor}) {
        for (Failure failure : {Failure::Argument, Failure::RuntimeShape, Failure::KernelError}) {
            INFO("update " << kind_name(kind) << ", failure " << static_cast<int>(failure));
            auto w = tj::shared(Array({1.0, 2.0, 3.0}), "w");
            // A second variable of static shape (3,) whose update is the argument x.
            auto w2 = tj::shared(Array({0.0, 0.0, 0.0}), {.name = "w2", .shape = tj::Dims{3}});
            auto x = tj::dvector("x");
            auto i = tj::iscalar("i");
            // The output reads x at a run-time index: an index out of bounds is reported by the
            // kernel.
            auto f = tj::function({x, i}, x(i), {.updates = {{w, update_of(kind, w)}, {w2, x}}});

            std::function<void()> bad;
            switch (failure) {
            case Failure::Argument:
                bad = [&] { f(Array({1.0, 2.0, 3.0}), 0.5); }; // a float for an int input
                break;
            case Failure::RuntimeShape:
                bad = [&] { f(Array({1.0, 2.0, 3.0, 4.0}), 0); }; // w2's update gets shape (4,)
                break;
            case Failure::KernelError:
                bad = [&] { f(Array({1.0, 2.0, 3.0}), 7); }; // x(7) is out of bounds
                break;
            }
            if (failure == Failure::Argument) REQUIRE_THROWS_AS(bad(), tj::TypeError);
            if (failure == Failure::RuntimeShape) {
                REQUIRE_THROWS_AS(bad(), tj::ShapeError);
                REQUIRE_THROWS_WITH(bad(), Catch::Contains("w2") && Catch::Contains("(4,)"));
            }
            if (failure == Failure::KernelError) {
                REQUIRE_THROWS_AS(bad(), tj::ValueError);
                REQUIRE_THROWS_WITH(bad(), Catch::Contains("out of bounds"));
            }
            // Twice failed, nothing changed.
            CHECK(w.get_value().equals(Array({1.0, 2.0, 3.0})));
            CHECK(w2.get_value().equals(Array({0.0, 0.0, 0.0})));
            // A good call afterwards applies every update exactly once.
            CHECK(f(Array({4.0, 5.0, 6.0}), 1).item<double>() == 5.0);
            CHECK(w.get_value().equals(expected_after(kind)));
            CHECK(w2.get_value().equals(Array({4.0, 5.0, 6.0})));
        }
    }
}

TEST_CASE("an update of the wrong run-time shape is refused before any in-place write",
          "[function][atomic]") {
    // The probe's case: {w1: w1 * 2 (in place), w2: x} with w2 of static shape (3,).
    auto w1 = tj::shared(Array({1.0, 1.0}), "w1");
    auto w2 = tj::shared(Array({0.0, 0.0, 0.0}), {.name = "w2", .shape = tj::Dims{3}});
    auto x = tj::dvector("x");
    auto f = tj::function({x}, tj::sum(x), {.updates = {{w1, w1 * 2}, {w2, x}}});
    CHECK_THROWS_AS(f(Array({1.0, 2.0, 3.0, 4.0})), tj::ShapeError);
    CHECK(w1.get_value().equals(Array({1.0, 1.0})));
    CHECK(f(Array({1.0, 2.0, 3.0})).item<double>() == 6.0);
    CHECK(w1.get_value().equals(Array({2.0, 2.0})));
}

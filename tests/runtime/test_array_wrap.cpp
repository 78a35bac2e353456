// Tests of tj::Array over memory it does not own (Array::wrap from pointers, spans and, where the
// standard library has it, std::mdspan), read-only arrays, copy_from and may_share_memory.
#include <tensorjit/array.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <vector>

using namespace tensorjit;
using Catch::Matchers::Contains;

namespace {

std::vector<double> iota_vector(std::size_t n, double start = 0) {
    std::vector<double> v(n);
    std::iota(v.begin(), v.end(), start);
    return v;
}

// The logical values of a in C order.
std::vector<double> values(const Array& a) {
    std::vector<double> v;
    for (std::int64_t i = 0; i < a.size(); ++i) v.push_back(a.flat(i));
    return v;
}

} // namespace

TEST_CASE("Array::wrap views external memory without a copy", "[array][wrap]") {
    std::vector<double> buf = iota_vector(6);

    SECTION("C order: the array's elements are the buffer's") {
        Array a = Array::wrap(buf.data(), DType::Float64, {2, 3});
        CHECK(a.raw_data() == buf.data());
        CHECK(a.shape() == Dims{2, 3});
        CHECK(a.strides() == Dims{3, 1}); // elements
        CHECK_FALSE(a.read_only());
        CHECK(a.is_c_contiguous());
        CHECK(values(a) == buf);
        a.data<double>()[4] = 40; // writes the buffer
        CHECK(buf[4] == 40);
        buf[0] = -1; // and sees the buffer's changes
        CHECK(a.at({0, 0}) == -1);
    }
    SECTION("byte strides: a transposed (Fortran order) view") {
        Array t = Array::wrap(buf.data(), DType::Float64, {3, 2}, {8, 24});
        CHECK(t.strides() == Dims{1, 3});
        CHECK_FALSE(t.is_c_contiguous());
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 2; ++j)
                CHECK(t.at({i, j}) == buf[static_cast<std::size_t>(j * 3 + i)]);
        CHECK(t.copy().equals(Array({{0.0, 3.0}, {1.0, 4.0}, {2.0, 5.0}})));
    }
    SECTION("negative strides: the buffer reversed, from its last element") {
        Array r = Array::wrap(buf.data() + 5, DType::Float64, {6}, {-8});
        CHECK(values(r) == std::vector<double>{5, 4, 3, 2, 1, 0});
        // A view of it stays inside the wrapped memory; one past it is refused.
        CHECK(values(r.slice(0, 1, 6, 2)) == std::vector<double>{4, 2, 0});
        CHECK_THROWS_AS(r.view(buf.data() + 6, DType::Float64, {1}, {1}), ValueError);
    }
    SECTION("zero strides broadcast a row") {
        Array b = Array::wrap(buf.data(), DType::Float64, {4, 3}, {0, 8});
        CHECK(b.shape() == Dims{4, 3});
        for (int i = 0; i < 4; ++i)
            CHECK(values(b.slice(0, i, i + 1)) == std::vector<double>{0, 1, 2});
    }
    SECTION("other dtypes; 0-d") {
        std::vector<std::int32_t> ints{7, -8, 9};
        Array i = Array::wrap(ints.data(), DType::Int32, {3}, {4});
        CHECK(i.dtype() == DType::Int32);
        CHECK(values(i) == std::vector<double>{7, -8, 9});
        double x = 2.5;
        Array s = Array::wrap(&x, DType::Float64, {});
        CHECK(s.ndim() == 0);
        CHECK(s.item<double>() == 2.5);
    }
    SECTION("an empty array may have a null pointer") {
        Array e = Array::wrap(static_cast<double*>(nullptr), DType::Float64, {0, 3});
        CHECK(e.size() == 0);
        CHECK(e.copy().shape() == Dims{0, 3});
    }
}

TEST_CASE("Array::wrap holds keep_alive while any array views the memory", "[array][wrap]") {
    bool freed = false;
    auto* raw = new double[4]{1, 2, 3, 4};
    std::shared_ptr<void> owner(raw, [&freed](void* p) {
        freed = true;
        delete[] static_cast<double*>(p);
    });
    Array a = Array::wrap(raw, DType::Float64, {4}, {}, owner);
    owner.reset();
    CHECK_FALSE(freed);
    Array v = a.slice(0, 1, 3); // a view shares the storage, and so the owner
    a = Array(0.0);
    CHECK_FALSE(freed);
    CHECK(values(v) == std::vector<double>{2, 3});
    Array c = v.copy(); // a copy does not
    v = Array(0.0);
    CHECK(freed);
    CHECK(values(c) == std::vector<double>{2, 3});
}

TEST_CASE("Array::wrap rejects memory it cannot describe", "[array][wrap]") {
    std::vector<double> buf(8);
    auto wrap = [&](const Dims& shape, const Dims& strides) {
        return Array::wrap(buf.data(), DType::Float64, shape, strides);
    };
    CHECK_THROWS_WITH(Array::wrap(static_cast<double*>(nullptr), DType::Float64, {2}),
                      Contains("null data pointer") && Contains("(2,)"));
    CHECK_THROWS_WITH(wrap({2, -3}, {}), Contains("negative dimensions") && Contains("(2, -3)"));
    CHECK_THROWS_WITH(wrap({std::int64_t{1} << 32, std::int64_t{1} << 32}, {}),
                      Contains("too big"));
    CHECK_THROWS_WITH(wrap({2}, {12}), Contains("stride 12 of axis 0 is not a multiple of the "
                                                "item size 8 of float64"));
    CHECK_THROWS_WITH(wrap({2, 2}, {8}), Contains("1 strides for shape (2, 2)"));
    // A pointer that is not aligned to the items.
    alignas(8) unsigned char bytes[32] = {};
    CHECK_THROWS_WITH(Array::wrap(bytes + 1, DType::Float64, {2}),
                      Contains("not aligned to the 8-byte items of float64"));
    CHECK_NOTHROW(Array::wrap(bytes + 1, DType::UInt8, {2}));
    // Extents times strides that overflow int64, one way or the other.
    const std::int64_t big = std::numeric_limits<std::int64_t>::max() / 2 / 8 * 8;
    CHECK_THROWS_WITH(wrap({4}, {big}), Contains("spans more bytes than a 64-bit integer holds"));
    CHECK_THROWS_WITH(wrap({4}, {-big}), Contains("spans more bytes than a 64-bit integer holds"));
    // Memory below address 0 or above the top of the address space.
    CHECK_THROWS_WITH(
        Array::wrap(reinterpret_cast<double*>(std::uintptr_t{8}), DType::Float64, {3}, {-16}),
        Contains("reaches outside the address space"));
    CHECK_THROWS_WITH(Array::wrap(reinterpret_cast<double*>(UINTPTR_MAX - 7), DType::Float64, {2}),
                      Contains("reaches outside the address space"));
}

TEST_CASE("Array::wrap over spans", "[array][wrap]") {
    std::vector<double> buf = iota_vector(6);
    Array a = Array::wrap(std::span(buf));
    CHECK(a.shape() == Dims{6});
    CHECK(a.raw_data() == buf.data());
    CHECK_FALSE(a.read_only());
    Array m = Array::wrap(std::span(buf), {2, 3});
    CHECK(m.at({1, 0}) == 3);
    CHECK_THROWS_WITH(Array::wrap(std::span(buf), {4, 2}),
                      Contains("a span of 6 elements cannot be viewed as shape (4, 2)"));

    const std::vector<float> floats{1.5f, 2.5f};
    Array f = Array::wrap(std::span(floats)); // span<const float>: read-only
    CHECK(f.dtype() == DType::Float32);
    CHECK(f.read_only());
    std::int16_t shorts[3] = {1, 2, 3};
    CHECK(Array::wrap(std::span<std::int16_t, 3>(shorts)).dtype() == DType::Int16);
}

#ifdef TJ_HAVE_MDSPAN
TEST_CASE("Array::wrap over std::mdspan", "[array][wrap]") {
    std::vector<double> buf = iota_vector(6);
    std::mdspan<double, std::dextents<std::size_t, 2>> right(buf.data(), 2, 3);
    Array r = Array::wrap(right);
    CHECK(r.strides() == Dims{3, 1});
    CHECK(r.at({1, 2}) == 5);
    std::mdspan<double, std::dextents<std::size_t, 2>, std::layout_left> left(buf.data(), 2, 3);
    Array l = Array::wrap(left);
    CHECK(l.strides() == Dims{1, 2});
    CHECK(l.at({1, 2}) == left[1, 2]);
    std::mdspan<const double, std::dextents<std::size_t, 1>> c(buf.data(), 6);
    CHECK(Array::wrap(c).read_only());
}
#endif

TEST_CASE("read-only arrays", "[array][wrap]") {
    const std::vector<double> buf = iota_vector(6);
    Array r = Array::wrap(buf.data(), DType::Float64, {2, 3}); // a const pointer
    CHECK(r.read_only());
    CHECK_THROWS_WITH(r.data<double>(), Contains("array is read-only"));
    CHECK(r.cdata<double>() == buf.data());
    CHECK(r.at({1, 1}) == 4);
    CHECK_THROWS_WITH(r.copy_from(Array(1.0)), Contains("copy_from: array is read-only"));
    // Views are read-only too; copies are not.
    CHECK(r.transpose().read_only());
    CHECK(r.slice(1, 0, 2).read_only());
    CHECK(r.broadcast_to({4, 2, 3}).read_only());
    CHECK(r.reshape({3, 2}).read_only());
    CHECK_FALSE(r.copy().read_only());
    CHECK_FALSE(r.astype(DType::Float32).read_only());
    CHECK_FALSE(r.transpose().reshape({6}).read_only()); // a reshape that copies
    // A writable array's read-only view shares its memory.
    Array w = Array::zeros(DType::Float64, {3});
    Array v = w.read_only_view();
    CHECK(v.read_only());
    CHECK(v.raw_data() == w.raw_data());
    CHECK_FALSE(w.read_only());
}

TEST_CASE("copy_from writes through strides, broadcasting and converting", "[array][wrap]") {
    std::vector<double> buf(12, -1);
    Array whole = Array::wrap(buf.data(), DType::Float64, {3, 4});
    // Every other column, from an int64 row broadcast over the rows.
    whole.slice(1, 0, 4, 2).copy_from(Array({7, 8}));
    CHECK(buf == std::vector<double>{7, -1, 8, -1, 7, -1, 8, -1, 7, -1, 8, -1});
    // A transposed destination.
    Array t = Array::zeros(DType::Float64, {2, 3});
    t.transpose().copy_from(Array({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}));
    CHECK(t.equals(Array({{1.0, 3.0, 5.0}, {2.0, 4.0, 6.0}})));
    // The source overlaps the destination: it is read before anything is written.
    Array v = Array({1.0, 2.0, 3.0, 4.0});
    v.copy_from(v.slice(0, 3, -5, -1));
    CHECK(values(v) == std::vector<double>{4, 3, 2, 1});
    // Booleans from non-zero values.
    Array b = Array::zeros(DType::Bool, {3});
    b.copy_from(Array({0.0, 2.0, -0.5}));
    CHECK(values(b) == std::vector<double>{0, 1, 1});
    CHECK_THROWS_AS(Array::zeros(DType::Float64, {3}).copy_from(Array({1.0, 2.0})), ShapeError);
}

TEST_CASE("may_share_memory compares the memory two arrays span", "[array][wrap]") {
    std::vector<double> buf(8);
    Array a = Array::wrap(buf.data(), DType::Float64, {8});
    Array lo = Array::wrap(buf.data(), DType::Float64, {4});
    Array hi = Array::wrap(buf.data() + 4, DType::Float64, {4});
    CHECK_FALSE(lo.shares_memory_with(a)); // two wraps: two storages
    CHECK(lo.may_share_memory(a));
    CHECK_FALSE(lo.may_share_memory(hi));
    CHECK(a.slice(0, 0, 8, 2).may_share_memory(a.slice(0, 1, 8, 2))); // interleaved: may share
    CHECK(a.slice(0, 7, -9, -1).may_share_memory(hi));
    CHECK_FALSE(a.slice(0, 3, -9, -1).may_share_memory(hi));
    CHECK_FALSE(Array::zeros(DType::Float64, {0}).may_share_memory(a));
    CHECK_FALSE(Array::zeros(DType::Float64, {3}).may_share_memory(a));
}

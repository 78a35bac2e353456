// tensorjit/eigen.hpp: Eigen matrices, vectors, maps, refs and blocks as tj::Array views (their
// strides, column-major by default) and arrays as Eigen maps, without copies; calls that read
// and write Eigen memory. Built only when CMake finds Eigen3 (CI installs libeigen3-dev).
#include <tensorjit/eigen.hpp>
#include <tensorjit/tensorjit.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cstdint>

using Catch::Matchers::Contains;

namespace {

// Element (i, j) of a 2-d array equals m(i, j) everywhere.
template <class M> bool same_values(const tj::Array& a, const M& m) {
    if (a.ndim() != 2 || a.shape(0) != m.rows() || a.shape(1) != m.cols()) return false;
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            if (a.at({i, j}) != static_cast<double>(m(i, j))) return false;
    return true;
}

Eigen::MatrixXd numbered(Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = static_cast<double>(10 * i + j);
    return m;
}

} // namespace

TEST_CASE("tj::wrap views Eigen matrices with their strides", "[eigen]") {
    Eigen::MatrixXd m = numbered(3, 4); // column-major: Fortran order

    SECTION("a column-major matrix") {
        tj::Array a = tj::wrap(m);
        CHECK(a.raw_data() == m.data());
        CHECK(a.dtype() == tj::DType::Float64);
        CHECK(a.shape() == tj::Dims{3, 4});
        CHECK(a.strides() == tj::Dims{1, 3});
        CHECK_FALSE(a.is_c_contiguous());
        CHECK_FALSE(a.read_only());
        CHECK(same_values(a, m));
        a.data<double>()[1] = -5; // element (1, 0)
        CHECK(m(1, 0) == -5);
    }
    SECTION("a row-major matrix is C order") {
        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = m.cast<float>();
        tj::Array a = tj::wrap(r);
        CHECK(a.dtype() == tj::DType::Float32);
        CHECK(a.strides() == tj::Dims{4, 1});
        CHECK(a.is_c_contiguous());
        CHECK(same_values(a, r));
    }
    SECTION("const objects and maps of const give read-only arrays") {
        const Eigen::MatrixXd& c = m;
        CHECK(tj::wrap(c).read_only());
        Eigen::Map<const Eigen::MatrixXd> cm(m.data(), 3, 4);
        CHECK(tj::wrap(cm).read_only());
        CHECK(same_values(tj::wrap(cm), m));
    }
    SECTION("maps with strides, blocks, rows, columns and refs") {
        // Every other row of m, through an inner stride of 2.
        Eigen::Map<Eigen::MatrixXd, 0, Eigen::Stride<Eigen::Dynamic, 2>> odd(
            m.data(), 2, 4, Eigen::Stride<Eigen::Dynamic, 2>(3, 2));
        tj::Array a = tj::wrap(odd);
        CHECK(a.strides() == tj::Dims{2, 3});
        CHECK(same_values(a, odd));
        auto block = m.block(1, 1, 2, 3);
        CHECK(same_values(tj::wrap(block), block));
        CHECK(tj::wrap(block).raw_data() == &m(1, 1));
        // A row of a column-major matrix: a 1-d array with a stride of the column length.
        tj::Array row = tj::wrap(m.row(2));
        CHECK(row.shape() == tj::Dims{4});
        CHECK(row.strides() == tj::Dims{3});
        for (int j = 0; j < 4; ++j) CHECK(row.at({j}) == m(2, j));
        tj::Array col = tj::wrap(m.col(1));
        CHECK(col.strides() == tj::Dims{1});
        CHECK(col.at({2}) == m(2, 1));
        Eigen::Ref<Eigen::MatrixXd> ref = m.rightCols(2);
        CHECK(same_values(tj::wrap(ref), m.rightCols(2)));
    }
    SECTION("vectors and other dtypes") {
        Eigen::VectorXf v(5);
        v << 1, 2, 3, 4, 5;
        tj::Array a = tj::wrap(v);
        CHECK(a.shape() == tj::Dims{5});
        CHECK(a.dtype() == tj::DType::Float32);
        Eigen::Matrix<std::int32_t, 2, 2> fixed;
        fixed << 1, 2, 3, 4;
        tj::Array i = tj::wrap(fixed);
        CHECK(i.dtype() == tj::DType::Int32);
        CHECK(same_values(i, fixed));
        Eigen::MatrixXd empty(0, 3);
        CHECK(tj::wrap(empty).shape() == tj::Dims{0, 3});
    }
}

TEST_CASE("tj::wrap holds keep_alive", "[eigen]") {
    bool freed = false;
    tj::Array a;
    {
        auto owner = std::shared_ptr<Eigen::MatrixXd>(new Eigen::MatrixXd(numbered(2, 2)),
                                                      [&freed](Eigen::MatrixXd* p) {
                                                          freed = true;
                                                          delete p;
                                                      });
        a = tj::wrap(*owner, owner);
    }
    CHECK_FALSE(freed);
    CHECK(a.at({1, 1}) == 11);
    a = tj::Array(0.0);
    CHECK(freed);
}

TEST_CASE("tj::as_eigen_map views arrays as Eigen maps", "[eigen]") {
    tj::Array a = tj::Array(std::vector<double>{0, 1, 2, 3, 4, 5}, {2, 3});
    auto m = tj::as_eigen_map<double>(a);
    CHECK(m.rows() == 2);
    CHECK(m.cols() == 3);
    CHECK(m.data() == a.raw_data());
    CHECK(same_values(a, m));
    m(1, 2) = 50; // writes the array
    CHECK(a.at({1, 2}) == 50);
    // Any non-negative strides: a transposed view, every other column.
    CHECK(same_values(a.transpose(), tj::as_eigen_map<double>(a.transpose())));
    CHECK(same_values(a.slice(1, 0, 3, 2), tj::as_eigen_map<double>(a.slice(1, 0, 3, 2))));
    // 1-d: one column, or a vector.
    tj::Array v({1.0, 2.0, 3.0});
    CHECK(tj::as_eigen_map<double>(v).cols() == 1);
    auto vm = tj::as_eigen_vector<double>(v.slice(0, 0, 3, 2));
    CHECK(vm.size() == 2);
    CHECK(vm(1) == 3);
    // Eigen arithmetic on the map, written back through it.
    tj::as_eigen_vector<double>(v) *= 2;
    CHECK(v.at({2}) == 6);
    // And back: the same memory and strides.
    Eigen::Map<Eigen::MatrixXd, 0, Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>> back =
        tj::as_eigen_map<double>(a.transpose());
    CHECK(tj::wrap(back).strides() == a.transpose().strides());
    CHECK(tj::wrap(back).raw_data() == a.raw_data());

    SECTION("checks") {
        const tj::Array ro = a.read_only_view();
        CHECK(tj::as_eigen_map<const double>(ro)(1, 2) == 50);
        CHECK_THROWS_WITH(tj::as_eigen_map<double>(ro), Contains("array is read-only"));
        CHECK_THROWS_AS(tj::as_eigen_map<float>(a), tj::TypeError);
        CHECK_THROWS_WITH(tj::as_eigen_map<double>(tj::Array::zeros(tj::DType::Float64, {2, 2, 2})),
                          Contains("not 1-d or 2-d"));
        CHECK_THROWS_WITH(tj::as_eigen_map<double>(a.slice(1, 2, -4, -1)),
                          Contains("Eigen needs non-negative strides"));
        CHECK_THROWS_WITH(tj::as_eigen_vector<double>(a), Contains("not 1-d"));
    }
}

TEST_CASE("calls read and write Eigen memory in place", "[eigen]") {
    auto x = tj::dmatrix("x");
    auto g = tj::function({x}, tj::dot(x, tj::transpose(x)));
    Eigen::MatrixXd m = numbered(3, 3) / 10;
    const tj::Array expected = g(tj::wrap(m).copy());
    // A column-major argument: the strided kernel reads it in place.
    CHECK(tj::allclose(g(tj::wrap(m)), expected));
    // A column-major output: the value is copied in through its strides.
    Eigen::MatrixXd out(3, 3);
    g.call_into(tj::wrap(out), tj::wrap(m));
    CHECK(same_values(expected, out));
    CHECK(out.isApprox(m * m.transpose()));
    // A row-major output: the kernel writes it directly.
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rout(3, 3);
    g.call_into(tj::wrap(rout), tj::wrap(m));
    CHECK(rout.isApprox(m * m.transpose()));
    // An output that aliases the argument is refused.
    CHECK_THROWS_WITH(g.call_into(tj::wrap(m), tj::wrap(m)),
                      Contains("overlaps the memory of input"));
}

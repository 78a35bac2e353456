// Tests of tj::Array's NumPy-compatible repr and operator<<. Every expected string below was
// generated with NumPy 1.24.
#include <tensorjit/array.hpp>

#include "array_test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

using namespace tensorjit;
using namespace array_test;

namespace {

void check_repr(const Array& a, const std::string& expected) {
    INFO("dtype " << dtype_name(a.dtype()) << ", shape " << shape_str(a.shape()));
    CHECK(repr(a) == expected);
    std::ostringstream os;
    os << a;
    CHECK(os.str() == expected);
}

} // namespace

TEST_CASE("repr: lists of arrays", "[array][print]") {
    auto str = [](const std::vector<Array>& list) {
        std::ostringstream os;
        os << list;
        return os.str();
    };
    CHECK(str({}) == "[]");
    CHECK(str({Array::full(DType::Int32, {}, 3)}) == "[array(3, dtype=int32)]");
    CHECK(str({Array{1, 2}, Array{{1.5, 2.0}, {3.0, 4.0}}}) ==
          "[array([1, 2]), array([[1.5, 2. ],\n"
          "       [3. , 4. ]])]");
}

TEST_CASE("repr: float64 values", "[array][print]") {
    check_repr(Array{{0.5, 0.7310585786300049}, {0.2689414213699951, 0.11920292202211755}},
               "array([[0.5       , 0.73105858],\n"
               "       [0.26894142, 0.11920292]])");
    check_repr(Array(34.0), "array(34.)");
    check_repr(Array(0), "array(0)");
    check_repr(Array(-7), "array(-7)");
    check_repr(Array(-0.5), "array(-0.5)");
    check_repr(Array(true), "array(True)");
    check_repr(Array(false), "array(False)");
    check_repr(Array{{1., 0.}, {-1., -2.}}, "array([[ 1.,  0.],\n"
                                            "       [-1., -2.]])");
    check_repr(Array{-1.5, 2.25, -3.0}, "array([-1.5 ,  2.25, -3.  ])");
    check_repr(Array{1.0 / 3, 2.0 / 3, 10.0}, "array([ 0.33333333,  0.66666667, 10.        ])");
    check_repr(Array{-0.0, 1.0}, "array([-0.,  1.])");
    check_repr(Array{0.0, 0.0}, "array([0., 0.])");
}

TEST_CASE("repr: nan and inf", "[array][print]") {
    check_repr(Array{kNan, kInf, -kInf}, "array([ nan,  inf, -inf])");
    check_repr(Array{kNan, kInf}, "array([nan, inf])");
    check_repr(Array{1.5, kNan, -kInf}, "array([ 1.5,  nan, -inf])");
    check_repr(Array{kNan, -kInf, 1e10}, "array([   nan,   -inf, 1.e+10])");
    check_repr(Array(kNan), "array(nan)");
    check_repr(Array(-kInf), "array(-inf)");
}

TEST_CASE("repr: scientific notation", "[array][print]") {
    check_repr(Array{1e-5, 1.0}, "array([1.e-05, 1.e+00])");
    check_repr(Array{1.23456789e10, 1e-3}, "array([1.23456789e+10, 1.00000000e-03])");
    check_repr(Array{1e8}, "array([1.e+08])");
    check_repr(Array{99999999.0}, "array([99999999.])");
    check_repr(Array{1e16, 1.0}, "array([1.e+16, 1.e+00])");
    check_repr(Array{1e-100, 1.0}, "array([1.e-100, 1.e+000])");
    check_repr(Array{0.0, 1e-5, -2.5e-5}, "array([ 0.0e+00,  1.0e-05, -2.5e-05])");
    check_repr(Array{1.0, 1000.0}, "array([   1., 1000.])");
    check_repr(Array{1.0, 1000.5}, "array([1.0000e+00, 1.0005e+03])");
    check_repr(Array{-1e20, 3.5}, "array([-1.0e+20,  3.5e+00])");
    check_repr(Array{1e-4, 5e-4}, "array([0.0001, 0.0005])");
    check_repr(Array{0.001953125}, "array([0.00195312])");
    check_repr(Array{123456.789, 0.5}, "array([1.23456789e+05, 5.00000000e-01])");
    check_repr(Array{0.1 + 0.2}, "array([0.3])");
    check_repr(Array(1e300), "array(1.e+300)");
}

TEST_CASE("repr: integers and bools", "[array][print]") {
    check_repr(Array{1, -20, 300}, "array([  1, -20, 300])");
    check_repr(Array{{1, 2}, {-3, 40}}, "array([[ 1,  2],\n"
                                        "       [-3, 40]])");
    check_repr(Array{true, false}, "array([ True, False])");
    check_repr(Array{{true}, {true}}, "array([[ True],\n"
                                      "       [ True]])");
}

TEST_CASE("repr: dtype suffixes", "[array][print]") {
    check_repr(Array(std::vector<std::int32_t>{1, 2}), "array([1, 2], dtype=int32)");
    check_repr(Array(std::vector<float>{1, 2}), "array([1., 2.], dtype=float32)");
    check_repr(Array(std::uint8_t{3}), "array(3, dtype=uint8)");
    check_repr(Array(std::vector<std::int8_t>{-128, 127, 0}),
               "array([-128,  127,    0], dtype=int8)");
    check_repr(Array(std::vector<std::int16_t>{-300, 7}), "array([-300,    7], dtype=int16)");
    check_repr(Array(std::vector<std::uint16_t>{65535, 0}), "array([65535,     0], dtype=uint16)");
    check_repr(Array(std::vector<std::uint32_t>{4294967295u, 1}),
               "array([4294967295,          1], dtype=uint32)");
    check_repr(Array(std::vector<std::uint64_t>{18446744073709551615ull, 0}),
               "array([18446744073709551615,                    0], dtype=uint64)");
    check_repr(Array(std::vector<std::int64_t>{INT64_MIN, INT64_MAX}),
               "array([-9223372036854775808,  9223372036854775807])");
    check_repr(Array::full(DType::Int32, {}, -5), "array(-5, dtype=int32)");
}

TEST_CASE("repr: float32 precision", "[array][print]") {
    check_repr(Array(2.5f), "array(2.5, dtype=float32)");
    check_repr(Array(3.0f), "array(3., dtype=float32)");
    check_repr(Array(0.1f), "array(0.1, dtype=float32)");
    check_repr(Array(std::vector<float>{0.1f, 0.2f, 0.3f}),
               "array([0.1, 0.2, 0.3], dtype=float32)");
    check_repr(Array(std::vector<float>{1.0f / 3, 2.0f / 3, 1e-3f}),
               "array([0.33333334, 0.6666667 , 0.001     ], dtype=float32)");
    check_repr(Array(std::vector<float>{0.1f, 1.2345678e10f}),
               "array([1.0000000e-01, 1.2345678e+10], dtype=float32)");
    // Past the shortest digits NumPy prints the exact float32 value: 1e-20f is 9.99999968e-21.
    check_repr(Array(std::vector<float>{1e-20f, 1.2345678f}),
               "array([9.9999997e-21, 1.2345678e+00], dtype=float32)");
    check_repr(Array(std::vector<float>{91147504.0f, 1.5f}),
               "array([9.11475e+07, 1.50000e+00], dtype=float32)");
    check_repr(Array(std::vector<float>{kNanF, 2.0f}), "array([nan,  2.], dtype=float32)");
}

TEST_CASE("repr: empty arrays", "[array][print]") {
    check_repr(Array::empty(DType::Float64, {0}), "array([], dtype=float64)");
    check_repr(Array::zeros(DType::Float64, {0, 3}), "array([], shape=(0, 3), dtype=float64)");
    check_repr(Array::empty(DType::Int64, {0}), "array([], dtype=int64)");
    check_repr(Array::zeros(DType::Int32, {2, 0}), "array([], shape=(2, 0), dtype=int32)");
    check_repr(Array::empty(DType::Bool, {0}), "array([], dtype=bool)");
    check_repr(Array::empty(DType::Float32, {0}), "array([], dtype=float32)");
    check_repr(Array::zeros(DType::Float64, {2, 3}), "array([[0., 0., 0.],\n"
                                                     "       [0., 0., 0.]])");
    check_repr(Array::full(DType::UInt8, {2, 2}, 7), "array([[7, 7],\n"
                                                     "       [7, 7]], dtype=uint8)");
}

TEST_CASE("repr: line wrapping and rank 3 and 4", "[array][print]") {
    check_repr(arange(30, DType::Float64),
               "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n"
               "       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,\n"
               "       26., 27., 28., 29.])");
    check_repr(div(arange(30, DType::Float64), 7),
               "array([0.        , 0.14285714, 0.28571429, 0.42857143, 0.57142857,\n"
               "       0.71428571, 0.85714286, 1.        , 1.14285714, 1.28571429,\n"
               "       1.42857143, 1.57142857, 1.71428571, 1.85714286, 2.        ,\n"
               "       2.14285714, 2.28571429, 2.42857143, 2.57142857, 2.71428571,\n"
               "       2.85714286, 3.        , 3.14285714, 3.28571429, 3.42857143,\n"
               "       3.57142857, 3.71428571, 3.85714286, 4.        , 4.14285714])");
    check_repr(arange(100, DType::Int64),
               "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
               "       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,\n"
               "       34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,\n"
               "       51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,\n"
               "       68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84,\n"
               "       85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99])");
    check_repr(arange(40, DType::Int32),
               "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
               "       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,\n"
               "       34, 35, 36, 37, 38, 39], dtype=int32)");
    check_repr(arange(21, DType::Int16),
               "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n"
               "       17, 18, 19, 20], dtype=int16)");
    check_repr(arange(12, DType::Float32),
               "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.],\n"
               "      dtype=float32)");
    check_repr(div(arange(10, DType::Float64), 3).astype(DType::Float32),
               "array([0.        , 0.33333334, 0.6666667 , 1.        , 1.3333334 ,\n"
               "       1.6666666 , 2.        , 2.3333333 , 2.6666667 , 3.        ],\n"
               "      dtype=float32)");
    check_repr(arange(24, DType::Int64).reshape({2, 3, 4}), "array([[[ 0,  1,  2,  3],\n"
                                                            "        [ 4,  5,  6,  7],\n"
                                                            "        [ 8,  9, 10, 11]],\n"
                                                            "\n"
                                                            "       [[12, 13, 14, 15],\n"
                                                            "        [16, 17, 18, 19],\n"
                                                            "        [20, 21, 22, 23]]])");
    check_repr(arange(16, DType::Float64).reshape({2, 2, 2, 2}), "array([[[[ 0.,  1.],\n"
                                                                 "         [ 2.,  3.]],\n"
                                                                 "\n"
                                                                 "        [[ 4.,  5.],\n"
                                                                 "         [ 6.,  7.]]],\n"
                                                                 "\n"
                                                                 "\n"
                                                                 "       [[[ 8.,  9.],\n"
                                                                 "         [10., 11.]],\n"
                                                                 "\n"
                                                                 "        [[12., 13.],\n"
                                                                 "         [14., 15.]]]])");
}

TEST_CASE("repr: summarization above 1000 elements", "[array][print]") {
    check_repr(arange(2000, DType::Int64), "array([   0,    1,    2, ..., 1997, 1998, 1999])");
    check_repr(div(arange(2000, DType::Float64), 3).reshape({20, 100}),
               "array([[0.00000000e+00, 3.33333333e-01, 6.66666667e-01, ...,\n"
               "        3.23333333e+01, 3.26666667e+01, 3.30000000e+01],\n"
               "       [3.33333333e+01, 3.36666667e+01, 3.40000000e+01, ...,\n"
               "        6.56666667e+01, 6.60000000e+01, 6.63333333e+01],\n"
               "       [6.66666667e+01, 6.70000000e+01, 6.73333333e+01, ...,\n"
               "        9.90000000e+01, 9.93333333e+01, 9.96666667e+01],\n"
               "       ...,\n"
               "       [5.66666667e+02, 5.67000000e+02, 5.67333333e+02, ...,\n"
               "        5.99000000e+02, 5.99333333e+02, 5.99666667e+02],\n"
               "       [6.00000000e+02, 6.00333333e+02, 6.00666667e+02, ...,\n"
               "        6.32333333e+02, 6.32666667e+02, 6.33000000e+02],\n"
               "       [6.33333333e+02, 6.33666667e+02, 6.34000000e+02, ...,\n"
               "        6.65666667e+02, 6.66000000e+02, 6.66333333e+02]])");
    check_repr(arange(2000, DType::Int32).reshape({10, 10, 20}),
               "array([[[   0,    1,    2, ...,   17,   18,   19],\n"
               "        [  20,   21,   22, ...,   37,   38,   39],\n"
               "        [  40,   41,   42, ...,   57,   58,   59],\n"
               "        ...,\n"
               "        [ 140,  141,  142, ...,  157,  158,  159],\n"
               "        [ 160,  161,  162, ...,  177,  178,  179],\n"
               "        [ 180,  181,  182, ...,  197,  198,  199]],\n"
               "\n"
               "       [[ 200,  201,  202, ...,  217,  218,  219],\n"
               "        [ 220,  221,  222, ...,  237,  238,  239],\n"
               "        [ 240,  241,  242, ...,  257,  258,  259],\n"
               "        ...,\n"
               "        [ 340,  341,  342, ...,  357,  358,  359],\n"
               "        [ 360,  361,  362, ...,  377,  378,  379],\n"
               "        [ 380,  381,  382, ...,  397,  398,  399]],\n"
               "\n"
               "       [[ 400,  401,  402, ...,  417,  418,  419],\n"
               "        [ 420,  421,  422, ...,  437,  438,  439],\n"
               "        [ 440,  441,  442, ...,  457,  458,  459],\n"
               "        ...,\n"
               "        [ 540,  541,  542, ...,  557,  558,  559],\n"
               "        [ 560,  561,  562, ...,  577,  578,  579],\n"
               "        [ 580,  581,  582, ...,  597,  598,  599]],\n"
               "\n"
               "       ...,\n"
               "\n"
               "       [[1400, 1401, 1402, ..., 1417, 1418, 1419],\n"
               "        [1420, 1421, 1422, ..., 1437, 1438, 1439],\n"
               "        [1440, 1441, 1442, ..., 1457, 1458, 1459],\n"
               "        ...,\n"
               "        [1540, 1541, 1542, ..., 1557, 1558, 1559],\n"
               "        [1560, 1561, 1562, ..., 1577, 1578, 1579],\n"
               "        [1580, 1581, 1582, ..., 1597, 1598, 1599]],\n"
               "\n"
               "       [[1600, 1601, 1602, ..., 1617, 1618, 1619],\n"
               "        [1620, 1621, 1622, ..., 1637, 1638, 1639],\n"
               "        [1640, 1641, 1642, ..., 1657, 1658, 1659],\n"
               "        ...,\n"
               "        [1740, 1741, 1742, ..., 1757, 1758, 1759],\n"
               "        [1760, 1761, 1762, ..., 1777, 1778, 1779],\n"
               "        [1780, 1781, 1782, ..., 1797, 1798, 1799]],\n"
               "\n"
               "       [[1800, 1801, 1802, ..., 1817, 1818, 1819],\n"
               "        [1820, 1821, 1822, ..., 1837, 1838, 1839],\n"
               "        [1840, 1841, 1842, ..., 1857, 1858, 1859],\n"
               "        ...,\n"
               "        [1940, 1941, 1942, ..., 1957, 1958, 1959],\n"
               "        [1960, 1961, 1962, ..., 1977, 1978, 1979],\n"
               "        [1980, 1981, 1982, ..., 1997, 1998, 1999]]], dtype=int32)");
    check_repr(arange(1001, DType::Bool), "array([False,  True,  True, ...,  True,  True,  True])");
    check_repr(arange(60, DType::Int64).reshape({2, 30}),
               "array([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,\n"
               "        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],\n"
               "       [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45,\n"
               "        46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]])");
    check_repr(div(arange(1001, DType::Float64), 7),
               "array([0.00000000e+00, 1.42857143e-01, 2.85714286e-01, ...,\n"
               "       1.42571429e+02, 1.42714286e+02, 1.42857143e+02])");
    check_repr(arange(1000, DType::Int64).slice(0, 0, 1000, 100),
               "array([  0, 100, 200, 300, 400, 500, 600, 700, 800, 900])");
}

TEST_CASE("repr: non-contiguous views", "[array][print]") {
    check_repr(arange(12, DType::Int64).reshape({3, 4}).transpose(), "array([[ 0,  4,  8],\n"
                                                                     "       [ 1,  5,  9],\n"
                                                                     "       [ 2,  6, 10],\n"
                                                                     "       [ 3,  7, 11]])");
    check_repr(arange(12, DType::Float64).reshape({3, 4}).slice(1, 0, 4, 2), "array([[ 0.,  2.],\n"
                                                                             "       [ 4.,  6.],\n"
                                                                             "       [ 8., 10.]])");
    check_repr(arange(10, DType::Int64).slice(0, 9, -11, -1),
               "array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])");
    check_repr(arange(10, DType::Int64).slice(0, -2, 1, -3), "array([8, 5, 2])");
    check_repr(arange(24, DType::Int64).reshape({2, 3, 4}).transpose({1, 0, 2}).slice(2, 3, 0, -2),
               "array([[[ 3,  1],\n"
               "        [15, 13]],\n"
               "\n"
               "       [[ 7,  5],\n"
               "        [19, 17]],\n"
               "\n"
               "       [[11,  9],\n"
               "        [23, 21]]])");
    check_repr(arange(3000, DType::Int64).reshape({3, 1000}).transpose(),
               "array([[   0, 1000, 2000],\n"
               "       [   1, 1001, 2001],\n"
               "       [   2, 1002, 2002],\n"
               "       ...,\n"
               "       [ 997, 1997, 2997],\n"
               "       [ 998, 1998, 2998],\n"
               "       [ 999, 1999, 2999]])");
    check_repr(Array{1.5, -2.0}.broadcast_to({2, 2}), "array([[ 1.5, -2. ],\n"
                                                      "       [ 1.5, -2. ]])");
    check_repr(arange(5, DType::Int64).slice(0, 3, 3), "array([], dtype=int64)");
}

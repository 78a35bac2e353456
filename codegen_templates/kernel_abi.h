/* \file
 * The C ABI between generated kernels and the tensorjit runtime. Included by the runtime (C++)
 * and pasted at the top of every generated kernel, which includes no standard header. */
#ifndef TJ_KERNEL_ABI_H
#define TJ_KERNEL_ABI_H

#define TJ_MAX_NDIM 8

/* The value-error codes a kernel passes to tj_rt_value_error, one row each:
 * X(name, code, kind of value, message). The message has {} where the value goes; kind says
 * what the value is: TJ_EV_INT an integer, TJ_EV_REAL the bits of a double, TJ_EV_INDEX an
 * index in the high 32 bits and the axis extent in the low 32 (message: index, axis, extent).
 * The one table of them: kernels and templates use the names, the runtime formats the messages
 * from it (runtime/kernel_errors.cpp). Append rows; codes are part of the kernel ABI. */
#define TJ_EV_INT 0
#define TJ_EV_REAL 1
#define TJ_EV_INDEX 2
/* clang-format off */
#define TJ_KERNEL_ERRORS(X)                                                                        \
    X(TJ_E_UNKNOWN, 0, TJ_EV_INT, "error ({})")                                                    \
    X(TJ_E_INDEX, 1, TJ_EV_INT, "index out of bounds ({})")                                        \
    X(TJ_E_RESHAPE_SIZE, 2, TJ_EV_INT, "bad reshape size ({})")                                    \
    X(TJ_E_INVALID, 3, TJ_EV_INT, "invalid value ({})")                                            \
    X(TJ_E_EMPTY_MAX, 4, TJ_EV_INT,                                                                \
      "zero-size array to reduction operation maximum which has no identity ({})")                 \
    X(TJ_E_EMPTY_MIN, 5, TJ_EV_INT,                                                                \
      "zero-size array to reduction operation minimum which has no identity ({})")                 \
    X(TJ_E_EMPTY_ARGMAX, 6, TJ_EV_INT, "attempt to get argmax of an empty sequence ({})")          \
    X(TJ_E_EMPTY_ARGMIN, 7, TJ_EV_INT, "attempt to get argmin of an empty sequence ({})")          \
    /* TJ_E_INDEX_AXIS0 + axis: an index out of bounds (tj_check_index) */                         \
    X(TJ_E_INDEX_AXIS0, 16, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS1, 17, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS2, 18, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS3, 19, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS4, 20, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS5, 21, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS6, 22, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_INDEX_AXIS7, 23, TJ_EV_INDEX, "index {} is out of bounds for axis {} with size {}")     \
    X(TJ_E_SQUEEZE, 24, TJ_EV_INT, "cannot squeeze an axis of extent {}")                          \
    X(TJ_E_SPLIT_SIZES, 25, TJ_EV_INT, "the split sizes do not sum to the axis extent {}")         \
    X(TJ_E_NEGATIVE_DIM, 26, TJ_EV_INT, "negative dimensions are not allowed, got extent {}")      \
    X(TJ_E_SHAPE_TOO_BIG, 27, TJ_EV_INT,                                                           \
      "the shape is too big: its size in bytes overflows a 64-bit integer (at extent {})")         \
    X(TJ_E_ARANGE_LENGTH, 28, TJ_EV_INT,                                                           \
      "arange: cannot compute the length: it is not finite or overflows a 64-bit integer")         \
    /* scan (compiler/codegen/emit_scan.cpp) */                                                     \
    X(TJ_E_SCAN_N_STEPS, 29, TJ_EV_INT, "scan: n_steps must be non-negative, got {}")             \
    X(TJ_E_SCAN_SEQ_SHORT, 30, TJ_EV_INT,                                                          \
      "scan: a sequence is too short for n_steps: it has rows for {} steps")                      \
    X(TJ_E_SCAN_INIT_ROWS, 31, TJ_EV_INT,                                                          \
      "scan: the taps of an output need more initial values (rows) than its initial value has ({})") \
    X(TJ_E_SCAN_STEP_SHAPE, 32, TJ_EV_INT,                                                         \
      "scan: the step returned a value whose shape differs from its state's (at step {})")         \
    X(TJ_E_SCAN_EMPTY_LAST, 33, TJ_EV_INT,                                                         \
      "index -1 is out of bounds for axis 0 with size {} (the last step of a scan that ran no steps)") \
    /* Parameters of random variables (codegen_templates/random.h) */                              \
    X(TJ_RNG_E_UNIFORM_RANGE, 100, TJ_EV_REAL, "uniform: high - low must be finite, got a range of {}") \
    X(TJ_RNG_E_NORMAL_SCALE, 101, TJ_EV_REAL, "normal: scale must be non-negative, got {}")        \
    X(TJ_RNG_E_EXPONENTIAL_SCALE, 102, TJ_EV_REAL, "exponential: scale must be non-negative, got {}") \
    X(TJ_RNG_E_GAMMA_SHAPE, 103, TJ_EV_REAL, "gamma: shape must be non-negative, got {}")          \
    X(TJ_RNG_E_GAMMA_SCALE, 104, TJ_EV_REAL, "gamma: scale must be non-negative, got {}")          \
    X(TJ_RNG_E_BETA_A, 105, TJ_EV_REAL, "beta: a must be positive, got {}")                        \
    X(TJ_RNG_E_BETA_B, 106, TJ_EV_REAL, "beta: b must be positive, got {}")                        \
    X(TJ_RNG_E_BINOMIAL_N, 107, TJ_EV_INT, "binomial: n must be non-negative, got {}")             \
    X(TJ_RNG_E_BINOMIAL_P, 108, TJ_EV_REAL, "binomial: p must be in [0, 1], got {}")               \
    X(TJ_RNG_E_BERNOULLI_P, 109, TJ_EV_REAL, "bernoulli: p must be in [0, 1], got {}")             \
    X(TJ_RNG_E_POISSON_LAM, 110, TJ_EV_REAL, "poisson: lam must be non-negative, got {}")          \
    X(TJ_RNG_E_POISSON_LAM_MAX, 111, TJ_EV_REAL, "poisson: lam value too large, got {}")           \
    X(TJ_RNG_E_INTEGERS_ORDER, 112, TJ_EV_INT, "integers: low must be less than high, got low {}") \
    X(TJ_RNG_E_INTEGERS_LOW, 113, TJ_EV_INT, "integers: low is out of bounds for the dtype, got {}") \
    X(TJ_RNG_E_INTEGERS_HIGH, 114, TJ_EV_INT, "integers: high is out of bounds for the dtype, got {}") \
    X(TJ_RNG_E_CHOICE_POPULATION, 115, TJ_EV_INT,                                                  \
      "choice: a must be a positive integer unless no samples are taken, got {}")                  \
    X(TJ_RNG_E_CHOICE_EMPTY, 116, TJ_EV_INT,                                                       \
      "choice: a cannot be empty unless no samples are taken, got length {}")                      \
    X(TJ_RNG_E_CHOICE_P_SIZE, 117, TJ_EV_INT, "choice: a and p must have same size, got p of size {}") \
    X(TJ_RNG_E_CHOICE_P_NAN, 118, TJ_EV_REAL, "choice: probabilities contain NaN, got sum {}")     \
    X(TJ_RNG_E_CHOICE_P_NEGATIVE, 119, TJ_EV_REAL, "choice: probabilities are not non-negative, got {}") \
    X(TJ_RNG_E_CHOICE_P_SUM, 120, TJ_EV_REAL, "choice: probabilities do not sum to 1, got sum {}") \
    X(TJ_RNG_E_CHOICE_TOO_MANY, 121, TJ_EV_INT,                                                    \
      "choice: cannot take a larger sample than population when replace=false, got population {}") \
    X(TJ_RNG_E_CHOICE_P_NONZERO, 122, TJ_EV_INT, "choice: fewer non-zero entries in p than size, got {}") \
    X(TJ_RNG_E_PERMUTATION_N, 123, TJ_EV_INT, "permutation: n must be non-negative, got {}")       \
    X(TJ_RNG_E_OUT_OF_MEMORY, 124, TJ_EV_INT, "random variable: out of memory drawing indices, count {}")
/* clang-format on */

#define TJ_E_ENUMERATOR(name, code, kind, message) name = code,
enum tj_error_code { TJ_KERNEL_ERRORS(TJ_E_ENUMERATOR) };
#undef TJ_E_ENUMERATOR

/* One array value seen by a kernel: data pointer, extents and strides in elements. The rank and
 * the dtype are static in the kernel (part of its signature). */
typedef struct tj_arr {
    void* data;
    long long shape[TJ_MAX_NDIM];
    long long strides[TJ_MAX_NDIM];
} tj_arr;

/* The frame of one call. slots[i] is value slot i of the binding plan (inputs, shared values,
 * outputs, update targets, temporaries); rt is the runtime's call context. */
typedef struct tj_frame {
    tj_arr* slots;
    void* rt;
} tj_frame;

/* A kernel returns 0 on success, non-zero after it reported an error through tj_rt_*. */
typedef int (*tj_kernel_fn)(tj_frame*);

/* The kinds of tj_rt_extent_error: a contracted axis pair (dot, matmul, tensordot: the shapes are
 * "not aligned"), a batch axis pair of matmul that does not broadcast, and an axis that the
 * operands of a join must share. */
#define TJ_EXTENT_CONTRACTED 0
#define TJ_EXTENT_BATCH 1
#define TJ_EXTENT_JOINED 2

#ifdef __cplusplus
extern "C" {
#endif
/* Gives slot `slot` a C-contiguous buffer of the given shape and fills frame->slots[slot];
 * returns its data pointer, or 0 after recording an error (the kernel then returns non-zero). */
void* tj_rt_alloc(tj_frame* f, int slot, int ndim, const long long* shape);
/* Records that the values of node `node` have shapes a and b that cannot broadcast; returns 1. */
int tj_rt_shape_error(tj_frame* f, int node, int ndim_a, const long long* shape_a, int ndim_b,
                      const long long* shape_b);
/* Records that extent shape_a[axis_a] of one operand of node `node` differs from extent
 * shape_b[axis_b] of another where they must agree, for the reason `kind` (TJ_EXTENT_*);
 * returns 1. */
int tj_rt_extent_error(tj_frame* f, int node, int kind, int ndim_a, const long long* shape_a,
                       int axis_a, int ndim_b, const long long* shape_b, int axis_b);
/* Records an error with a fixed message (index out of bounds, bad reshape...) about node `node`;
 * `value` is printed after the message. Returns 1. */
int tj_rt_value_error(tj_frame* f, int node, int code, long long value);
/* A scratch buffer of at least `bytes` bytes, reused across calls (index `which` < 8), or 0 after
 * recording an error. Valid until the kernel returns. */
void* tj_rt_scratch(tj_frame* f, int which, long long bytes);
#ifdef __cplusplus
}
#endif

#endif

/* \file
 * The C ABI between generated kernels and the tensorjit runtime. Included by the runtime (C++)
 * and pasted at the top of every generated kernel, which includes no standard header. */
#ifndef TJ_KERNEL_ABI_H
#define TJ_KERNEL_ABI_H

#define TJ_MAX_NDIM 8

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

#ifdef __cplusplus
extern "C" {
#endif
/* Gives slot `slot` a C-contiguous buffer of the given shape and fills frame->slots[slot];
 * returns its data pointer, or 0 after recording an error (the kernel then returns non-zero). */
void* tj_rt_alloc(tj_frame* f, int slot, int ndim, const long long* shape);
/* Records that the values of node `node` have shapes a and b that cannot broadcast; returns 1. */
int tj_rt_shape_error(tj_frame* f, int node, int ndim_a, const long long* shape_a, int ndim_b,
                      const long long* shape_b);
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

// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* dot({i0}, {s0}) */
    const tj_arr* a = (&f->slots[0]);
    const tj_arr* b = (&f->slots[2]);
    if (a->shape[1] != b->shape[0]) return tj_rt_extent_error(f, 2, TJ_EXTENT_CONTRACTED, 2, a->shape, 1, 1, b->shape, 0);
    long long osh[2] = {0, 0};
    osh[0] = a->shape[0];
    double* o = (double*)tj_rt_alloc(f, 6, 1, osh);
    if (!o) return 1;
    tj_mat<double> A;
    long long ix;
    if (!tj_as_blas_matrix<double>(f, a, 0, &A)) return 1;
    const double* x = tj_as_blas_vector<double>(f, b, 1, &ix);
    if (!x) return 1;
    if (a->shape[0] > 0 && a->shape[1] > 0) tj_gemv(a->shape[0], a->shape[1], A, x, ix, o);
    else tj_fill(o, a->shape[0], (double)0);
  }
  { /* transpose({i0}) */
    const tj_arr* src = (&f->slots[0]);
    tj_arr v;
    v.data = src->data;
    v.shape[0] = src->shape[1];
    v.strides[0] = src->strides[1];
    v.shape[1] = src->shape[0];
    v.strides[1] = src->strides[0];
    f->slots[7] = v;
  }
  { /* axes_size({i1}) */
    long long* o = (long long*)tj_rt_alloc(f, 8, 0, (const long long*)0);
    if (!o) return 1;
    *o = 1 * (&f->slots[1])->shape[0];
  }
  { /* cast{float64}(axes_size({i1})) */
    long long sh22[1];
    {
    double* o0 = (double*)tj_rt_alloc(f, 9, 0, sh22);
    if (!o0) return 1;
    const long long s0 = *(const long long*)(&f->slots[8])->data;
    double* p0 = o0;
    double v22; v22 = tj_cast<double>(s0);
    p0[0] = v22;
    }
  }
  { /* sub(mul(true_div(...), sigmoid(...)), mul(true_div(...), sigmoid(...))) */
    long long sh4[1];
    sh4[0] = (&f->slots[6])->shape[0];
    if ((&f->slots[1])->shape[0] != sh4[0]) return tj_rt_shape_error(f, 11, 1, (&f->slots[6])->shape, 1, (&f->slots[1])->shape);
    {
    bool* o0 = (bool*)tj_rt_alloc(f, 4, 1, sh4);
    if (!o0) return 1;
    double* o1 = (double*)tj_rt_alloc(f, 5, 1, sh4);
    if (!o1) return 1;
    double* o2 = (double*)tj_rt_alloc(f, 10, 1, sh4);
    if (!o2) return 1;
    double* r0;
    {
      const long long ones[1] = {1};
      r0 = (double*)tj_rt_alloc(f, 11, 0, ones);
      if (!r0) return 1;
    }
    double acc0 = 0;
    const double s1 = *(const double*)(&f->slots[3])->data;
    const double s2 = *(const double*)(&f->slots[9])->data;
    const long long n = tj_prod(1, sh4);
    bool* __restrict p0 = o0;
    double* __restrict p1 = o1;
    double* __restrict p2 = o2;
    const double* __restrict p3 = (const double*)(&f->slots[6])->data;
    const double* __restrict p4 = (const double*)(&f->slots[1])->data;
    for (long long i = 0; i < n; ++i) {
      double v4; v4 = (double)(p3[i] + s1);
      double v5; v5 = tj_sigmoid(v4);
      bool v7; v7 = tj_gt(v5, 0x1p-1);
      double v8; v8 = (double)-v4;
      double v9; v9 = tj_softplus(v8);
      double v11; v11 = (double)(v9 * p4[i]);
      double v12; v12 = tj_softplus(v4);
      double v14; v14 = (double)(0x1p+0 - p4[i]);
      double v15; v15 = (double)(v12 * v14);
      double v16; v16 = (double)(v11 + v15);
      double v23; v23 = tj_div(v14, s2);
      double v24; v24 = (double)(v23 * v5);
      double v25; v25 = tj_div(p4[i], s2);
      double v26; v26 = tj_sigmoid(v8);
      double v27; v27 = (double)(v25 * v26);
      double v28; v28 = (double)(v24 - v27);
      p0[i] = v7;
      p1[i] = v16;
      p2[i] = v28;
      {
#pragma clang fp reassociate(on)
        acc0 = acc0 + v28;
      }
    }
    *r0 = acc0;
    }
  }
  { /* dot(transpose({i0}), sub(mul(...), mul(...))) */
    const tj_arr* a = (&f->slots[7]);
    const tj_arr* b = (&f->slots[10]);
    if (a->shape[1] != b->shape[0]) return tj_rt_extent_error(f, 29, TJ_EXTENT_CONTRACTED, 2, a->shape, 1, 1, b->shape, 0);
    long long osh[2] = {0, 0};
    osh[0] = a->shape[0];
    double* o = (double*)tj_rt_alloc(f, 12, 1, osh);
    if (!o) return 1;
    tj_mat<double> A;
    long long ix;
    if (!tj_as_blas_matrix<double>(f, a, 0, &A)) return 1;
    const double* x = tj_as_blas_vector<double>(f, b, 1, &ix);
    if (!x) return 1;
    if (a->shape[0] > 0 && a->shape[1] > 0) tj_gemv(a->shape[0], a->shape[1], A, x, ix, o);
    else tj_fill(o, a->shape[0], (double)0);
  }
  { /* in place: sub({s0}, mul(0.1, add(...))) sub({s1}, mul(0.1, sum(...))) */
    long long sh19[1];
    sh19[0] = (&f->slots[2])->shape[0];
    if ((&f->slots[12])->shape[0] != sh19[0]) return tj_rt_shape_error(f, 30, 1, (&f->slots[2])->shape, 1, (&f->slots[12])->shape);
    if (sh19[0] != f->slots[2].shape[0]) return tj_rt_shape_error(f, 32, 1, sh19, 1, f->slots[2].shape);
    long long sh34[1];
    {
    double* o0 = (double*)f->slots[2].data;
    const long long n = tj_prod(1, sh19);
    double* p0 = o0;
    const double* p1 = (const double*)(&f->slots[2])->data;
    const double* p2 = (const double*)(&f->slots[12])->data;
    for (long long i = 0; i < n; ++i) {
      double v19; v19 = (double)(0x1.47ae147ae147bp-6 * p1[i]);
      double v30; v30 = (double)(v19 + p2[i]);
      double v31; v31 = (double)(0x1.999999999999ap-4 * v30);
      double v32; v32 = (double)(p1[i] - v31);
      p0[i] = v32;
    }
    }
    {
    double* o0 = (double*)f->slots[3].data;
    const double s3 = *(const double*)(&f->slots[11])->data;
    const double s4 = *(const double*)(&f->slots[3])->data;
    double* p0 = o0;
    double v34; v34 = (double)(0x1.999999999999ap-4 * s3);
    double v35; v35 = (double)(s4 - v34);
    p0[0] = v35;
    }
  }
  return 0;
}

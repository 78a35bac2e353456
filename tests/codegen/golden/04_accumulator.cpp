// ---- constants

extern "C" int tj_k_KEY(tj_frame* f) {
  { /* identity({s0}) */
    long long sh1[1];
    long long* o = (long long*)tj_rt_alloc(f, 2, 0, sh1);
    if (!o) return 1;
    const long long s0 = *(const long long*)(&f->slots[1])->data;
    long long v1; v1 = tj_identity(s0);
    *o = v1;
  }
  { /* add({s0}, cast{int64}({i0})) */
    long long sh4[1];
    long long* o = (long long*)tj_rt_alloc(f, 3, 0, sh4);
    if (!o) return 1;
    const int s1 = *(const int*)(&f->slots[0])->data;
    const long long s2 = *(const long long*)(&f->slots[1])->data;
    long long v3; v3 = tj_cast<long long>(s1);
    long long v4; v4 = tj_add(s2, v3);
    *o = v4;
  }
  return 0;
}

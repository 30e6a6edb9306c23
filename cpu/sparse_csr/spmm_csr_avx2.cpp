// spmm_csr_f32_nr32_avx2 / spmv_csr_f32_gather8_avx2: the AVX2+FMA CSR kernels.
//
//   SpMM  Y[i, j0:j0+32] = sum_p values[p] * X[col_idx[p], j0:j0+32]    p in row i
//   SpMV  y[i]           = sum_p values[p] * x[col_idx[p]]
//
// The AVX-512 kernels' design (see spmm_csr_avx512.cpp) at half the width: 32 columns of Y in
// 4 ymm per nonzero stream, two interleaved streams (8 accumulators of 16 ymm registers) to
// cover the FMA latency, X rows software-prefetched ahead. Column tails use vmaskmovps, which
// does not touch (or fault on) masked-off elements (Intel SDM Vol. 2, VMASKMOV).
// SpMV: 8 nonzeros per vgatherdps, two accumulators, the row tail through a masked gather.
//
// Test: make test ARGS='-tc=sparse_csr*'   Bench: make bench FILTER='sparse_csr'
#include <immintrin.h>

#include <algorithm>

#include "cpu/sparse_csr/sparse_csr_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr index_t kNR = 32;
constexpr int kPrefetch = 8;

inline __m256i tail_mask8(index_t n) {  // lanes < n all-ones
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int c = static_cast<int>(std::clamp<index_t>(n, 0, 8));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(c), lane);
}

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

template <bool kFull>
inline void row_chunk(const std::int32_t* col, const float* val, std::int64_t nnz, const float* X,
                      index_t ldx, float* y, index_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  __m256i m0 = _mm256_set1_epi32(-1), m1 = m0, m2 = m0, m3 = m0;
  if (!kFull) {
    m0 = tail_mask8(n);
    m1 = tail_mask8(n - 8);
    m2 = tail_mask8(n - 16);
    m3 = tail_mask8(n - 24);
  }
  auto load = [&](const float* x, int v, __m256i m) {
    return kFull ? _mm256_loadu_ps(x + 8 * v) : _mm256_maskload_ps(x + 8 * v, m);
  };
  auto prefetch = [&](std::int64_t p) {
    if (p < nnz) {
      const char* x = reinterpret_cast<const char*>(X + static_cast<index_t>(col[p]) * ldx);
      _mm_prefetch(x, _MM_HINT_T0);
      _mm_prefetch(x + 64, _MM_HINT_T0);
    }
  };
  std::int64_t p = 0;
  for (; p + 2 <= nnz; p += 2) {
    prefetch(p + kPrefetch);
    prefetch(p + kPrefetch + 1);
    const float* x0 = X + static_cast<index_t>(col[p]) * ldx;
    const float* x1 = X + static_cast<index_t>(col[p + 1]) * ldx;
    const __m256 v0 = _mm256_set1_ps(val[p]), v1 = _mm256_set1_ps(val[p + 1]);
    a0 = _mm256_fmadd_ps(v0, load(x0, 0, m0), a0);
    a1 = _mm256_fmadd_ps(v0, load(x0, 1, m1), a1);
    a2 = _mm256_fmadd_ps(v0, load(x0, 2, m2), a2);
    a3 = _mm256_fmadd_ps(v0, load(x0, 3, m3), a3);
    b0 = _mm256_fmadd_ps(v1, load(x1, 0, m0), b0);
    b1 = _mm256_fmadd_ps(v1, load(x1, 1, m1), b1);
    b2 = _mm256_fmadd_ps(v1, load(x1, 2, m2), b2);
    b3 = _mm256_fmadd_ps(v1, load(x1, 3, m3), b3);
  }
  if (p < nnz) {
    const float* x0 = X + static_cast<index_t>(col[p]) * ldx;
    const __m256 v0 = _mm256_set1_ps(val[p]);
    a0 = _mm256_fmadd_ps(v0, load(x0, 0, m0), a0);
    a1 = _mm256_fmadd_ps(v0, load(x0, 1, m1), a1);
    a2 = _mm256_fmadd_ps(v0, load(x0, 2, m2), a2);
    a3 = _mm256_fmadd_ps(v0, load(x0, 3, m3), a3);
  }
  a0 = _mm256_add_ps(a0, b0);
  a1 = _mm256_add_ps(a1, b1);
  a2 = _mm256_add_ps(a2, b2);
  a3 = _mm256_add_ps(a3, b3);
  if (kFull) {
    _mm256_storeu_ps(y, a0);
    _mm256_storeu_ps(y + 8, a1);
    _mm256_storeu_ps(y + 16, a2);
    _mm256_storeu_ps(y + 24, a3);
  } else {
    _mm256_maskstore_ps(y, m0, a0);
    _mm256_maskstore_ps(y + 8, m1, a1);
    _mm256_maskstore_ps(y + 16, m2, a2);
    _mm256_maskstore_ps(y + 24, m3, a3);
  }
}

void spmm_avx2(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
               index_t r0, index_t r1, index_t N, const float* X, index_t ldx, float* Y, index_t ldy) {
  for (index_t j0 = 0; j0 < N; j0 += kNR) {
    const index_t n = std::min(kNR, N - j0);
    for (index_t i = r0; i < r1; ++i) {
      const std::int64_t b = row_ptr[i], e = row_ptr[i + 1];
      if (n == kNR)
        row_chunk<true>(col_idx + b, values + b, e - b, X + j0, ldx, Y + i * ldy + j0, n);
      else
        row_chunk<false>(col_idx + b, values + b, e - b, X + j0, ldx, Y + i * ldy + j0, n);
    }
  }
}

void spmv_avx2(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
               index_t r0, index_t r1, const float* x, float* y, index_t incy) {
  for (index_t i = r0; i < r1; ++i) {
    const std::int64_t b = row_ptr[i], e = row_ptr[i + 1];
    const std::int32_t* col = col_idx + b;
    const float* val = values + b;
    const std::int64_t nnz = e - b;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    std::int64_t p = 0;
    for (; p + 16 <= nnz; p += 16) {
      const __m256i i0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col + p));
      const __m256i i1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col + p + 8));
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(val + p), _mm256_i32gather_ps(x, i0, 4), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(val + p + 8), _mm256_i32gather_ps(x, i1, 4), a1);
    }
    for (; p < nnz; p += 8) {
      const __m256i m = tail_mask8(nnz - p);
      const __m256i idx = _mm256_maskload_epi32(col + p, m);
      const __m256 xv = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), x, idx, _mm256_castsi256_ps(m), 4);
      a0 = _mm256_fmadd_ps(_mm256_maskload_ps(val + p, m), xv, a0);
    }
    y[i * incy] = hsum(_mm256_add_ps(a0, a1));
  }
}

}  // namespace

constexpr SpmmCsrKernel spmm_csr_kernel_avx2 = [] {
  auto k = entry<SpmmCsrKernel>("spmm_csr_f32_nr32_avx2", Isa::avx2, feature::avx2_bundle);
  k.spmv_name = "spmv_csr_f32_gather8_avx2";
  k.nr = static_cast<int>(kNR);
  k.spmm = spmm_avx2;
  k.spmv = spmv_avx2;
  return k;
}();

}  // namespace ik::cpu::detail

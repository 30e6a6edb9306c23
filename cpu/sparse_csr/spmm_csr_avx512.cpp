// spmm_csr_f32_nr128_avx512 / spmv_csr_f32_gather16_avx512: the AVX-512 CSR kernels.
//
//   SpMM  Y[i, j0:j0+128] = sum_p values[p] * X[col_idx[p], j0:j0+128]  p in row i
//   SpMV  y[i]           = sum_p values[p] * x[col_idx[p]]
//
// SpMM: one row of W at a time, up to 128 columns of Y (8 zmm) per pass. Each nonzero is one
// scalar broadcast and NV FMAs whose X operand is a contiguous slice of row col_idx[p] of X
// (512 B at N = 128: 8 adjacent lines). The X slice in use (K x 128 floats, 2 MiB at K = 4096)
// stays in L2; the column index is known in advance, so X rows are software-prefetched kPrefetch
// nonzeros ahead (hardware prefetchers cannot follow an indexed stream). Narrower passes
// (N = 32: 2 zmm) interleave S nonzero streams so that NV * S = 8 independent accumulators cover
// the FMA latency (4 cycles x 2 ports); the stream sums are added at the end in a fixed order,
// so the result depends only on the row, never on the thread split. Measured at 90% sparsity,
// N = 32 (1 thread): 64-wide masked passes 7.7 ms, width-matched passes 2.9 ms.
// Columns past the last full 64 use masked loads and stores (Intel SDM Vol. 1 §15.6.1): lanes
// with a zero mask bit are neither read nor written, so no X or Y element outside the matrix
// is touched.
//
// SpMV: 16 nonzeros per step: 16 values, 16 int32 indices, one vgatherdps of x (x is small and
// L1/L2 resident; the values and indices stream from memory, 8 bytes per nonzero). Two
// accumulators (32 nonzeros per iteration) keep two gathers in flight; the row tail uses a
// masked load and a masked gather. The horizontal sum is _mm512_reduce_add_ps (a fixed tree).
//
// Test: make test ARGS='-tc=sparse_csr*'   Bench: make bench FILTER='sparse_csr'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>

#include "cpu/sparse_csr/sparse_csr_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr index_t kNR = 128;
constexpr int kPrefetch = 8;  // nonzeros ahead: ~8 x 3 cycles hides an L2 hit (~16 cycles)

inline __mmask16 tail_mask(index_t n) {  // first n lanes, n clamped to [0, 16]
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// NV zmm of Y columns per pass, S interleaved nonzero streams: NV * S = 8 accumulators, enough
// independent FMA chains for 2 FMAs/cycle at 4 cycles latency whatever the width.
template <int NV, int S, bool kFull>
inline void row_chunk(const std::int32_t* col, const float* val, std::int64_t nnz, const float* X,
                      index_t ldx, float* y, index_t n) {
  __m512 acc[S][NV];
  __mmask16 m[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    m[v] = kFull ? __mmask16(0xFFFF) : tail_mask(n - 16 * v);
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) acc[s][v] = _mm512_setzero_ps();
  }
  std::int64_t p = 0;
  for (; p + S <= nnz; p += S) {
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) {
      if (p + kPrefetch + s < nnz) {
        const char* xp = reinterpret_cast<const char*>(X + static_cast<index_t>(col[p + kPrefetch + s]) * ldx);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) _mm_prefetch(xp + 64 * v, _MM_HINT_T0);
      }
      const float* x = X + static_cast<index_t>(col[p + s]) * ldx;
      const __m512 w = _mm512_set1_ps(val[p + s]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v)
        acc[s][v] = _mm512_fmadd_ps(w, kFull ? _mm512_loadu_ps(x + 16 * v) : _mm512_maskz_loadu_ps(m[v], x + 16 * v),
                                    acc[s][v]);
    }
  }
  for (int s = 0; p < nnz; ++p, ++s) {  // the last < S nonzeros, into streams 0, 1, ...
    const float* x = X + static_cast<index_t>(col[p]) * ldx;
    const __m512 w = _mm512_set1_ps(val[p]);
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v)
      acc[s][v] = _mm512_fmadd_ps(w, kFull ? _mm512_loadu_ps(x + 16 * v) : _mm512_maskz_loadu_ps(m[v], x + 16 * v),
                                  acc[s][v]);
  }
  // Fixed pairwise order of the stream sums: the result depends on the row only.
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    __m512 t = acc[0][v];
#pragma GCC unroll 8
    for (int s = 1; s < S; ++s) t = _mm512_add_ps(t, acc[s][v]);
    if (kFull) _mm512_storeu_ps(y + 16 * v, t);
    else _mm512_mask_storeu_ps(y + 16 * v, m[v], t);
  }
}

template <int NV, int S>
void rows_pass(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values, index_t r0,
               index_t r1, const float* X, index_t ldx, float* Y, index_t ldy, index_t n) {
  for (index_t i = r0; i < r1; ++i) {
    const std::int64_t b = row_ptr[i], e = row_ptr[i + 1];
    if (n == 16 * NV) row_chunk<NV, S, true>(col_idx + b, values + b, e - b, X, ldx, Y + i * ldy, n);
    else row_chunk<NV, S, false>(col_idx + b, values + b, e - b, X, ldx, Y + i * ldy, n);
  }
}

void spmm_avx512(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
                 index_t r0, index_t r1, index_t N, const float* X, index_t ldx, float* Y,
                 index_t ldy) {
  // Up to 128 columns per pass: the whole X row slice (512 B, 8 adjacent lines) per nonzero and
  // one pass over W for N <= 128. Wider N: 128-column passes, the X slice (K x 128 x 4 B = 2 MiB
  // at K = 4096) in L2. Narrow passes use fewer zmm and more nonzero streams.
  for (index_t j0 = 0; j0 < N; j0 += kNR) {
    const index_t n = std::min(kNR, N - j0);
    if (n > 64) rows_pass<8, 1>(row_ptr, col_idx, values, r0, r1, X + j0, ldx, Y + j0, ldy, n);
    else if (n > 32) rows_pass<4, 2>(row_ptr, col_idx, values, r0, r1, X + j0, ldx, Y + j0, ldy, n);
    else if (n > 16) rows_pass<2, 4>(row_ptr, col_idx, values, r0, r1, X + j0, ldx, Y + j0, ldy, n);
    else rows_pass<1, 8>(row_ptr, col_idx, values, r0, r1, X + j0, ldx, Y + j0, ldy, n);
  }
}

void spmv_avx512(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
                 index_t r0, index_t r1, const float* x, float* y, index_t incy) {
  for (index_t i = r0; i < r1; ++i) {
    const std::int64_t b = row_ptr[i], e = row_ptr[i + 1];
    const std::int32_t* col = col_idx + b;
    const float* val = values + b;
    const std::int64_t nnz = e - b;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    std::int64_t p = 0;
    for (; p + 32 <= nnz; p += 32) {
      const __m512i i0 = _mm512_loadu_si512(col + p), i1 = _mm512_loadu_si512(col + p + 16);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(val + p), _mm512_i32gather_ps(i0, x, 4), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(val + p + 16), _mm512_i32gather_ps(i1, x, 4), a1);
    }
    for (; p < nnz; p += 16) {
      const __mmask16 m = tail_mask(nnz - p);
      const __m512i idx = _mm512_maskz_loadu_epi32(m, col + p);
      const __m512 xv = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, x, 4);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, val + p), xv, a0);
    }
    y[i * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
  }
}

}  // namespace

SpmmCsrKernel make_spmm_csr_kernel_avx512() {
  return {"spmm_csr_f32_nr128_avx512", "spmv_csr_f32_gather16_avx512", Isa::avx512,
          static_cast<int>(kNR), spmm_avx512, spmv_avx512};
}

}  // namespace ik::cpu::detail

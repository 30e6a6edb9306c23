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
// SpMV: 16 nonzeros per step: 16 values, 16 indices, one vgatherdps of x (x is small and
// L1/L2 resident; the values and indices stream from memory). The indices are read as uint16
// (CsrMatrix::col_idx16, K <= 65536): 6 bytes per nonzero instead of 8. Two
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
// kPrefetchX: the X rows come from L2 (the whole-K pass); the K-blocked pass has them in L1.
// add_to_y: stream 0 starts from the y already stored (the sum of the previous K blocks).
template <int NV, int S, bool kFull, bool kPrefetchX = true>
__attribute__((always_inline)) inline void row_chunk(const std::int32_t* col, const float* val, std::int64_t nnz, const float* X,
                      index_t ldx, float* y, index_t n, bool add_to_y = false) {
  __m512 acc[S][NV];
  __mmask16 m[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; ++v) {
    m[v] = kFull ? __mmask16(0xFFFF) : tail_mask(n - 16 * v);
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) acc[s][v] = _mm512_setzero_ps();
    if (add_to_y) acc[0][v] = kFull ? _mm512_loadu_ps(y + 16 * v) : _mm512_maskz_loadu_ps(m[v], y + 16 * v);
  }
  std::int64_t p = 0;
  for (; p + S <= nnz; p += S) {
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) {
      if (kPrefetchX && p + kPrefetch + s < nnz) {
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

// K-blocked SpMM (CsrMatrix::kblock_offsets), used when X does not fit in L2 (spmm_csr). The
// whole-K pass above reads, per nonzero, a 512-byte X row slice (N = 128) from wherever X
// lives: once X (K x N x 4 B = 2 MiB at K = 4096, N = 128) is out of L2, that is L3 traffic of
// 64 bytes per FMA. Here the nonzeros of a row block are taken one K block (kCsrKBlock = 128
// rows of X, 64 KiB at N = 128) at a time, so that X block is read from L1/L2 by every row of
// the row block. The price: each row's partial sums leave the registers between K blocks
// (Y[i, 128 columns] loaded and stored once per row and K block, 16 memory operations against
// >= kCsrKBlockMinNnz nonzeros x 8 FMAs: the matrix gets K blocks only above that density).
// The row block is sized so that its Y rows (kYBlockBytes) stay in L2 across the K blocks; W
// streams once; the next segment of each row is prefetched one K block ahead.
// Measured here, 4096 x 4096, N = 128, 1 thread (ms, whole-K -> blocked): 50% sparse 66 -> 30,
// 70% 37 -> 18, 80% 24 -> 12, 90% 11.7 -> 7.4, 95% 5.9 -> 5.0, 98% 2.35 -> 3.1 (too few
// nonzeros per block: whole-K kept there by kCsrKBlockMinNnz).
// Summation order per Y element: K blocks in order, each block's nonzeros in column order in
// S interleaved streams: fixed by the row, independent of the thread split.
constexpr index_t kBlockNR = 128;
constexpr index_t kYBlockBytes = index_t(128) << 10;

template <int NV, int S>
void kblock_rows(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
                 const std::int32_t* off, index_t nkb, index_t kb, index_t i0, index_t i1, const float* X,
                 index_t ldx, float* Y, index_t ldy, index_t n, bool prefetch_next) {
  for (index_t i = i0; i < i1; ++i) {
    const std::int32_t* o = off + i * (nkb + 1);
    const std::int64_t b = row_ptr[i] + o[kb], e = row_ptr[i] + o[kb + 1];
    if (prefetch_next) {
      // The row's next segment follows this one in memory; its first lines are needed by the
      // next K block, after the other rows of the block: start the DRAM misses now.
      const std::int64_t next = std::min<std::int64_t>(row_ptr[i] + o[nkb] - e, 32);
      if (next > 0) {
        _mm_prefetch(reinterpret_cast<const char*>(col_idx + e), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(values + e), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(col_idx + e + next - 1), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(values + e + next - 1), _MM_HINT_T1);
      }
    }
    if (kb > 0 && b == e) continue;  // nothing to add; block 0 still writes the zeros
    float* y = Y + i * ldy;
    if (n == 16 * NV) row_chunk<NV, S, true, false>(col_idx + b, values + b, e - b, X, ldx, y, n, kb > 0);
    else row_chunk<NV, S, false, false>(col_idx + b, values + b, e - b, X, ldx, y, n, kb > 0);
  }
}

void spmm_kblocked_avx512(const std::int64_t* row_ptr, const std::int32_t* col_idx, const float* values,
                          const std::int32_t* off, index_t nkb, index_t r0, index_t r1, index_t N,
                          const float* X, index_t ldx, float* Y, index_t ldy) {
  const index_t rows_per_block = std::max<index_t>(1, kYBlockBytes / (N * index_t(sizeof(float))));
  for (index_t rb = r0; rb < r1; rb += rows_per_block) {
    const index_t re = std::min(r1, rb + rows_per_block);
    for (index_t kb = 0; kb < nkb; ++kb)
      for (index_t j0 = 0; j0 < N; j0 += kBlockNR) {
        const index_t n = std::min(kBlockNR, N - j0);
        const bool pf = j0 == 0 && kb + 1 < nkb;
        if (n > 64) kblock_rows<8, 2>(row_ptr, col_idx, values, off, nkb, kb, rb, re, X + j0, ldx, Y + j0, ldy, n, pf);
        else if (n > 32) kblock_rows<4, 2>(row_ptr, col_idx, values, off, nkb, kb, rb, re, X + j0, ldx, Y + j0, ldy, n, pf);
        else if (n > 16) kblock_rows<2, 4>(row_ptr, col_idx, values, off, nkb, kb, rb, re, X + j0, ldx, Y + j0, ldy, n, pf);
        else kblock_rows<1, 8>(row_ptr, col_idx, values, off, nkb, kb, rb, re, X + j0, ldx, Y + j0, ldy, n, pf);
      }
  }
}

// 16 column indices as int32 lanes: int32 or uint16 storage (zero-extended, VPMOVZXWD).
inline __m512i load_idx(const std::int32_t* p) { return _mm512_loadu_si512(p); }
inline __m512i load_idx(const std::uint16_t* p) {
  return _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m512i load_idx_masked(__mmask16 m, const std::int32_t* p) { return _mm512_maskz_loadu_epi32(m, p); }
inline __m512i load_idx_masked(__mmask16 m, const std::uint16_t* p) {
  return _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
}

template <typename Index>
void spmv_avx512(const std::int64_t* row_ptr, const Index* col_idx, const float* values,
                 index_t r0, index_t r1, const float* x, float* y, index_t incy) {
  for (index_t i = r0; i < r1; ++i) {
    const std::int64_t b = row_ptr[i], e = row_ptr[i + 1];
    const Index* col = col_idx + b;
    const float* val = values + b;
    const std::int64_t nnz = e - b;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    std::int64_t p = 0;
    for (; p + 32 <= nnz; p += 32) {
      const __m512i i0 = load_idx(col + p), i1 = load_idx(col + p + 16);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(val + p), _mm512_i32gather_ps(i0, x, 4), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(val + p + 16), _mm512_i32gather_ps(i1, x, 4), a1);
    }
    for (; p < nnz; p += 16) {
      const __mmask16 m = tail_mask(nnz - p);
      const __m512i idx = load_idx_masked(m, col + p);
      const __m512 xv = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, x, 4);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, val + p), xv, a0);
    }
    y[i * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
  }
}

}  // namespace

constexpr SpmmCsrKernel spmm_csr_kernel_avx512 = [] {
  auto k = entry<SpmmCsrKernel>("spmm_csr_f32_nr128_avx512", Isa::avx512, feature::avx512_bundle);
  k.spmv_name = "spmv_csr_f32_gather16_avx512";
  k.nr = static_cast<int>(kNR);
  k.spmm = spmm_avx512;
  k.spmv = spmv_avx512<std::int32_t>;
  k.spmm_kblocked = spmm_kblocked_avx512;
  k.spmv16 = spmv_avx512<std::uint16_t>;
  return k;
}();

}  // namespace ik::cpu::detail

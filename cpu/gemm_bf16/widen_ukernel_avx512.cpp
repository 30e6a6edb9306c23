// bf16gemm_14x32_avx512: the bf16 widening microkernel for AVX-512 CPUs without AVX512_BF16
// (Skylake-X, Ice Lake); the avx512 path uses it when cpu_features().avx512bf16 is false.
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 32] + beta * C,  m = 1..14, n = 1..32,
//   A packed fp32 k-major (stride m, values already rounded to bf16), B packed bf16 k-major
//   (stride 32, one 64-byte line per k).
//
// Technique: the sgemm_14x32_avx512 register tile with each B row widened in registers:
// bf16 -> fp32 is exact and is VPMOVZXWD (16 -> 32 bits) then VPSLLD by 16 (the bf16 bits are
// the high half of the fp32). 2 x 2 integer ops per 28 FMAs. M = 1, 2 split k over 4 / 2
// accumulator sets so GEMV streams B at load speed, not at FMA latency (see hgemm_14x32_avx512).
// Edges: m < 14 own instantiation; n < 32 masked C loads/stores.
// File name: no "bf16" in it, so the Makefile does not add -mavx512bf16: this code must run on
// AVX-512 CPUs that lack that extension.
//
// Test: make test ARGS='-tc=gemm_bf16:*'   Bench: make bench FILTER='gemm_bf16/bf16gemm_14x32_avx512/'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 14, kNR = 32;
// As hgemm_14x32_avx512 (same bytes per B element): A micro-panel 14 x 512 x 4 B = 28 KiB in
// the 48 KiB L1, B block 512 x 1024 x 2 B = 1 MiB in L2.
constexpr int kMC = 168, kKC = 512, kNC = 1024;
constexpr int kPrefetchB = 16;  // k-steps ahead: 16 lines, ~1 KiB (as the fp32 kernel, in k)
// Skinny tiles (M <= 2, GEMV) stream B from DRAM: a second prefetch, 8 KiB ahead into L2,
// keeps more misses in flight than the hardware streamer alone. Measured on GEMV 11008 x 4096
// fp16, 1 thread, interleaved runs: 8.3-8.7 ms -> 7.0-7.5 ms (4 KiB ahead: less; 16 KiB: less).
constexpr int kPrefetchFar = 8192 / sizeof(std::uint16_t);  // elements of B

inline __m512 load_bf16(const std::uint16_t* p) {
  const __m256i h = _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const float* a = static_cast<const float*>(av);
  const std::uint16_t* b = static_cast<const std::uint16_t*>(bv);
  // U accumulator sets over interleaved k (see the header): only for the skinny tiles.
  constexpr int U = M == 1 ? 4 : M == 2 ? 2 : 1;
  __m512 acc0[U][M], acc1[U][M];
#pragma GCC unroll 14
  for (int u = 0; u < U; ++u)
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) acc0[u][i] = acc1[u][i] = _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }

  index_t p = 0;
  if constexpr (U > 1) {
    for (; p + U <= k; p += U) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const __m512 b0 = load_bf16(b), b1 = load_bf16(b + 16);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar), _MM_HINT_T1);
#pragma GCC unroll 2
        for (int i = 0; i < M; ++i) {
          const __m512 ai = _mm512_set1_ps(a[i]);
          acc0[u][i] = _mm512_fmadd_ps(ai, b0, acc0[u][i]);
          acc1[u][i] = _mm512_fmadd_ps(ai, b1, acc1[u][i]);
        }
        a += M;
        b += kNR;
      }
    }
  }
#pragma GCC unroll 2
  for (; p < k; ++p) {
    const __m512 b0 = load_bf16(b), b1 = load_bf16(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchB * kNR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc0[0][i] = _mm512_fmadd_ps(ai, b0, acc0[0][i]);
      acc1[0][i] = _mm512_fmadd_ps(ai, b1, acc1[0][i]);
    }
    a += M;
    b += kNR;
  }
  // Fixed summation order of the sets: deterministic, independent of threads.
#pragma GCC unroll 4
  for (int u = 1; u < U; ++u)
#pragma GCC unroll 2
    for (int i = 0; i < M; ++i) {
      acc0[0][i] = _mm512_add_ps(acc0[0][i], acc0[u][i]);
      acc1[0][i] = _mm512_add_ps(acc1[0][i], acc1[u][i]);
    }

  const __mmask16 mask0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 mask1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  const __m512 valpha = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      _mm512_mask_storeu_ps(c + i * ldc, mask0, _mm512_mul_ps(valpha, acc0[0][i]));
      _mm512_mask_storeu_ps(c + i * ldc + 16, mask1, _mm512_mul_ps(valpha, acc1[0][i]));
    }
  } else {
    const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      float* ci = c + i * ldc;
      const __m512 c0 = _mm512_maskz_loadu_ps(mask0, ci), c1 = _mm512_maskz_loadu_ps(mask1, ci + 16);
      _mm512_mask_storeu_ps(ci, mask0, _mm512_fmadd_ps(valpha, acc0[0][i], _mm512_mul_ps(vbeta, c0)));
      _mm512_mask_storeu_ps(ci + 16, mask1, _mm512_fmadd_ps(valpha, acc1[0][i], _mm512_mul_ps(vbeta, c1)));
    }
  }
}

}  // namespace

Bf16gemmKernel make_bf16gemm_kernel_avx512() {
  return Bf16gemmKernel{"bf16gemm_14x32_avx512", Isa::avx512, false, {kMR, kNR, kMC, kKC, kNC, 1},
                     {&ukernel<1>, &ukernel<2>, &ukernel<3>, &ukernel<4>, &ukernel<5>, &ukernel<6>, &ukernel<7>,
                      &ukernel<8>, &ukernel<9>, &ukernel<10>, &ukernel<11>, &ukernel<12>, &ukernel<13>,
                      &ukernel<14>}};
}

}  // namespace ik::cpu::detail

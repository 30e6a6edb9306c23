// hgemm_14x32_avx512: fp16-weight microkernel, fp32 FMA, B widened in registers.
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 32] + beta * C,  m = 1..14, n = 1..32,
//   A packed fp32 k-major (stride m), B packed fp16 k-major (stride 32): one 64-byte line per k.
//
// Technique: the sgemm_14x32_avx512 register tile (28 zmm accumulators) with the B row loaded
// as 2 x 16 halves (ymm) and widened by the AVX-512F VCVTPH2PS zmm, ymm form (Intel SDM Vol. 2,
// "VCVTPH2PS"; exact: every fp16 value is representable in fp32). Per k: 2 conversions for
// 28 FMAs, so the conversion is amortized over the 14 rows; B moves at half the bytes of fp32,
// and the B prefetch covers 16 k-steps with one line per k (fp32 needs two).
// M = 1, 2 (GEMV, decode): the k loop is split over 4 (M = 1) or 2 (M = 2) accumulator sets,
// summed at the end, so 8 independent FMA chains keep the loop at load/convert speed instead
// of the 4-cycle FMA latency (a single chain pair would cap one core near 40 GB/s of fp16
// weights; DRAM supplies less, but an L3-resident weight would see the cap).
// Edges: m < 14 has its own instantiation, n < 32 uses masked C loads/stores (B is zero
// padded to 32 columns by the packing, so its loads are always full).
//
// Test: make test ARGS='-tc=gemm_f16:*'   Bench: make bench FILTER='gemm_f16/hgemm_14x32_avx512'
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized (GCC PR 105593, see
// common/half_convert_avx512.cpp); silenced for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "cpu/gemm_f16/gemm_f16.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 14, kNR = 32;
// A micro-panel 14 x 512 x 4 B = 28 KiB in the 48 KiB L1; B block 512 x 1024 x 2 B = 1 MiB in
// L2 (the fp32 kernel's 1 MiB, at twice the depth: fp16 halves the bytes). Measured here,
// 1 thread, KC 256 -> 512: 155 -> 162 GFLOP/s at 1024^3, 138 -> 150 at 2048^3, and GEMV
// 4096 x 11008 (cold) 7.0 -> 6.7 ms (fewer k blocks, longer sequential runs of B).
constexpr int kMC = 168, kKC = 512, kNC = 1024;
constexpr int kPrefetchB = 16;  // k-steps ahead: 16 lines, ~1 KiB (as the fp32 kernel, in k)
// Skinny tiles (M <= 2, GEMV) stream B from DRAM: a second prefetch, 8 KiB ahead into L2,
// keeps more misses in flight than the hardware streamer alone. Measured on GEMV 11008 x 4096
// fp16, 1 thread, interleaved runs: 8.3-8.7 ms -> 7.0-7.5 ms (4 KiB ahead: less; 16 KiB: less).
constexpr int kPrefetchFar = 8192 / sizeof(std::uint16_t);  // elements of B

inline __m512 load_f16(const std::uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
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
        const __m512 b0 = load_f16(b), b1 = load_f16(b + 16);
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
    const __m512 b0 = load_f16(b), b1 = load_f16(b + 16);
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

HgemmKernel make_hgemm_kernel_avx512() {
  return HgemmKernel{"hgemm_14x32_avx512", Isa::avx512, {kMR, kNR, kMC, kKC, kNC, 1},
                     {&ukernel<1>, &ukernel<2>, &ukernel<3>, &ukernel<4>, &ukernel<5>, &ukernel<6>, &ukernel<7>,
                      &ukernel<8>, &ukernel<9>, &ukernel<10>, &ukernel<11>, &ukernel<12>, &ukernel<13>,
                      &ukernel<14>}};
}

}  // namespace ik::cpu::detail

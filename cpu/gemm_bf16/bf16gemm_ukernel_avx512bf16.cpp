// bf16gemm_14x32_avx512bf16: the AVX512_BF16 microkernel, VDPBF16PS over k-pairs.
//
//   C[m x n] = alpha * A[m x k] * B[k x 32] + beta * C,  m = 1..14, n = 1..32, bf16 A and B,
//   fp32 accumulation. Packed operands, k grouped in pairs (zero padded when k is odd):
//
//     A micro-panel: [k/2][m][2] bf16            B micro-panel: [k/2][32][2] bf16
//       pair q: a[0][2q] a[0][2q+1] | a[1][2q] ..  pair q: b[2q][0] b[2q+1][0] | b[2q][1] b[2q+1][1] | ..
//                                                  = 2 zmm: columns 0-15 and 16-31, 2 k each
//
// Technique: VDPBF16PS zmm, zmm, m32bcst (Intel SDM Vol. 2, "VDPBF16PS"): per 32-bit lane,
//   acc += a.bf16[1] * b.bf16[1]; acc += a.bf16[0] * b.bf16[0]
// with denormal inputs treated as zero, denormal results flushed, round-to-nearest-even. The A
// pair of row i is one 32-bit value broadcast to all 16 lanes (folded into the instruction as
// an embedded broadcast), so one instruction does 16 columns x 2 k: twice the multiply-adds of
// an FMA. Register budget as sgemm_14x32_avx512: 28 accumulators, 2 B registers; per k-pair
// 2 B loads (128 bytes, 2 lines), 14 broadcasts, 28 VDPBF16PS.
// M = 2: k-pairs split over 2 accumulator sets (independent chains, see hgemm); M = 1 (GEMV):
// one rolled loop, which streams the weight faster.
// Edges: m < 14 own instantiation, n < 32 masked C loads/stores.
//
// Test: make test ARGS='-tc=gemm_bf16:*'
// Bench: make bench FILTER='gemm_bf16/bf16gemm_14x32_avx512bf16'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>
#include <cstring>

#include "common/gemm_widen_ukernel_avx512.h"
#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

using widen_avx512::reduce_store_c;
using widen_avx512::zero_acc_prefetch_c;
// Skinny tiles (M <= 2, GEMV) also prefetch B 4 KiB ahead into L2: the widening kernel's
// distance (same 16-bit B stream, measured there).
using widen_avx512::kPrefetchFar;

constexpr int kMR = 14, kNR = 32;
// A micro-panel 14 x 256 x 2 B = 7 KiB in L1; B block 256 x 1024 x 2 B = 512 KiB in L2.
constexpr int kMC = 168, kKC = 256, kNC = 1024;
constexpr int kPrefetchPairs = 8;  // 16 k-steps ahead, as the fp32 kernel (2 lines per pair)

inline __m512bh bcast_pair(const std::uint16_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, sizeof v);
  return (__m512bh)_mm512_set1_epi32(v);
}
inline __m512bh load_pairs(const std::uint16_t* p) {
  return (__m512bh)_mm512_load_si512(reinterpret_cast<const void*>(p));
}

template <int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  const std::uint16_t* a = static_cast<const std::uint16_t*>(av);
  const std::uint16_t* b = static_cast<const std::uint16_t*>(bv);
  const index_t pairs = (k + 1) / 2;
  constexpr int U = M == 2 ? 2 : 1;
  __m512 acc0[U][M], acc1[U][M];
  zero_acc_prefetch_c<M, U>(acc0, acc1, c, ldc);

  constexpr int kPairElems = 2 * kNR;  // bf16 per packed k-pair of B
  index_t q = 0;
  if constexpr (M == 1) {
    // GEMV (this kernel's and the AMX kernel's): one accumulator pair in a rolled loop, as the
    // widening kernels do (common/gemm_widen_ukernel_avx512.h): the weight stream, not the
    // VDPBF16PS chain, is the limit, and the rolled loop streams it faster than the 4 unrolled
    // accumulator sets it replaced. Measured, AMX kernel's GEMV, Llama ffn_up, 1 thread, old and
    // new binaries alternating: 5633-5876 -> 5385-5499 us (q_proj 2100-2255 -> 1965-2084 us).
#pragma GCC unroll 1
    for (; q < pairs; ++q) {
      const __m512bh ai = bcast_pair(a);
      acc0[0][0] = _mm512_dpbf16_ps(acc0[0][0], ai, load_pairs(b));
      acc1[0][0] = _mm512_dpbf16_ps(acc1[0][0], ai, load_pairs(b + kNR));
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs * kPairElems), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs * kPairElems + kNR), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar + kNR), _MM_HINT_T1);
      a += 2;
      b += kPairElems;
    }
  }
  if constexpr (U > 1) {
    for (; q + U <= pairs; q += U) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const __m512bh b0 = load_pairs(b), b1 = load_pairs(b + kNR);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs * kPairElems), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs * kPairElems + kNR), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar), _MM_HINT_T1);
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchFar + kNR), _MM_HINT_T1);
#pragma GCC unroll 2
        for (int i = 0; i < M; ++i) {
          const __m512bh ai = bcast_pair(a + 2 * i);
          acc0[u][i] = _mm512_dpbf16_ps(acc0[u][i], ai, b0);
          acc1[u][i] = _mm512_dpbf16_ps(acc1[u][i], ai, b1);
        }
        a += 2 * M;
        b += kPairElems;
      }
    }
  }
#pragma GCC unroll 2
  for (; q < pairs; ++q) {
    const __m512bh b0 = load_pairs(b), b1 = load_pairs(b + kNR);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs * kPairElems), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchPairs * kPairElems + kNR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < M; ++i) {
      const __m512bh ai = bcast_pair(a + 2 * i);
      acc0[0][i] = _mm512_dpbf16_ps(acc0[0][i], ai, b0);
      acc1[0][i] = _mm512_dpbf16_ps(acc1[0][i], ai, b1);
    }
    a += 2 * M;
    b += kPairElems;
  }
  reduce_store_c<M, U>(acc0, acc1, c, ldc, n, alpha, beta);
}

constexpr std::array<gemm_driver::Microkernel, kMR> kUkernels = {
    &ukernel<1>, &ukernel<2>, &ukernel<3>, &ukernel<4>,  &ukernel<5>,  &ukernel<6>,  &ukernel<7>,
    &ukernel<8>, &ukernel<9>, &ukernel<10>, &ukernel<11>, &ukernel<12>, &ukernel<13>, &ukernel<14>};

}  // namespace

void bf16gemm_dpbf16_m1(index_t k, const void* a, const void* b, float* c, index_t ldc, int n, float alpha,
                        float beta) {
  ukernel<1>(k, a, b, c, ldc, n, alpha, beta);
}

constexpr Bf16gemmKernel bf16gemm_kernel_avx512bf16 = [] {
  auto k = tiled_entry<Bf16gemmKernel>("bf16gemm_14x32_avx512bf16", Isa::avx512, feature::avx512_bundle | feature::avx512bf16, kUkernels, kNR);
  k.blk = gemm_driver::blocking(kMR, kNR, kMC, kKC, kNC, /*k_group=*/2);
  return k;
}();

}  // namespace ik::cpu::detail

// gemm_u8s8s32_6x16_avx2: the AVX2 int8 microkernel, exact over the full input range.
//
//   acc[i][j] = sum_g (a[2g][i] * w[2g][j] + a[2g+1][i] * w[2g+1][j]) + offset[j],  m <= 6, n <= 16
//
// Why not VPMADDUBSW: it multiplies u8 x s8 and adds adjacent pairs into int16 WITH SATURATION
// (Intel SDM Vol. 2 "PMADDUBSW"). 255 * 127 + 255 * 127 = 64770 and 255 * -128 * 2 = -65280 do
// not fit int16, so the usual VPMADDUBSW + VPMADDWD(1) sequence silently clips exactly the
// values a u8 activation of 255 against weights near +-127 produces (oneDNN works around it by
// scaling weights to 7 bits, which changes the result). Instead both operands are widened to
// int16 first and multiplied with VPMADDWD: each product |a w| <= 255 * 128 = 32640, the pair
// sum <= 65280, formed in int32, so nothing saturates (VPMADDWD's one saturating case needs all
// four inputs = -32768). The multiply-port cost is the same as VPMADDUBSW + VPMADDWD: two
// multiply uops per 32 MACs either way; the widening is paid once per loaded W vector
// (VPMOVSXBW, amortized over 6 rows) and A is widened once when it is packed (u16x2 pairs).
//
// Register budget (16 ymm): 6 rows x 2 ymm = 12 accumulators, 2 for the widened W pair-row,
// 1 for the broadcast A pair. Per k-pair: 2 VPMOVSXBW loads, 6 VPBROADCASTD loads,
// 12 VPMADDWD + 12 VPADDD. Packed W keeps pairs of k of one column together (KG = 2):
// 16 bytes = 8 columns x 2 k -> VPMOVSXBW -> 8 int32 lanes of (w[2g][j], w[2g+1][j]) int16 pairs.
//
// Epilogue: s8_epilogue_avx2.h (shared with the AVX-VNNI variant).
//
// Test: make test ARGS='-tc=gemm_s8:*'   Bench: make bench FILTER=gemm_u8s8s32_6x16_avx2
#include <immintrin.h>

#include <cstring>

#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/gemm_s8/s8_epilogue_avx2.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 16, kKG = 2;
constexpr int kMC = 96;
constexpr int kPrefetchW = 16;  // 16 pairs = 512 bytes ahead in the W panel

template <int M>
void ukernel_avx2(index_t steps, const std::uint8_t* a, const std::int8_t* w, void* c, index_t ldc, int n,
                  const S8Epilogue& ep) {
  __m256i acc0[M], acc1[M];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) acc0[i] = acc1[i] = _mm256_setzero_si256();
  prefetch_c_tile<M>(c, ldc, kNR, ep);

#pragma GCC unroll 2
  for (index_t g = 0; g < steps; ++g) {
    const __m256i b0 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(w)));
    const __m256i b1 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(w + 16)));
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 32), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      std::int32_t a2;  // two u16: a[2g][i], a[2g+1][i]
      std::memcpy(&a2, a + 4 * i, 4);
      const __m256i ai = _mm256_set1_epi32(a2);
      acc0[i] = _mm256_add_epi32(acc0[i], _mm256_madd_epi16(ai, b0));
      acc1[i] = _mm256_add_epi32(acc1[i], _mm256_madd_epi16(ai, b1));
    }
    a += 4 * M;
    w += 32;
  }

  store_tile_avx2<M>(acc0, acc1, c, ldc, n, ep);
}

constexpr std::array<S8Microkernel, kMR> kUkernels = {&ukernel_avx2<1>, &ukernel_avx2<2>, &ukernel_avx2<3>, &ukernel_avx2<4>, &ukernel_avx2<5>, &ukernel_avx2<6>};
}  // namespace

constexpr S8Kernel gemm_s8_kernel_avx2 = [] {
  auto k = tiled_entry<S8Kernel>("gemm_u8s8s32_6x16_avx2", Isa::avx2, feature::avx2_bundle, kUkernels, kNR);
  k.kg = kKG;
  k.a_pack = S8APack::u16x2;
  k.mc = kMC;
  return k;
}();

}  // namespace ik::cpu::detail

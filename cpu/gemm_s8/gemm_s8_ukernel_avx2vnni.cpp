// gemm_u8s8s32_6x16_avx2vnni: the AVX-VNNI microkernel (the AVX2-class path of CPUs that have
// the VEX-encoded VNNI: Alder Lake, Sapphire Rapids and later Intel cores, AMD Zen 5).
//
//   acc[i][j] = sum_g dot4(a[g][i][0..3], w[g][j][0..3]) + offset[j],  i < m <= 6, j < n <= 16
//
// Technique: VPDPBUSD on ymm, VEX encoding (Intel SDM Vol. 2 "VPDPBUSD", AVX-VNNI form): each
// int32 lane adds the four products u8 x s8 of its bytes with no intermediate saturation, so it
// is exact over the full input range like the widening AVX2 kernel, and does 32 multiply-adds
// per instruction where that kernel's VPMADDWD + VPADDD pair does 16: twice the int8 rate on
// the same 256-bit ports. Layouts as the AVX-512 VNNI kernel (gemm_s8.h, KG = 4, A packed
// u8x4): one ymm of packed W = 8 columns x 4 k; one 32-bit broadcast of packed A = 4 k of a row.
//
// Register budget (16 ymm, VEX has no ymm16-31): 6 rows x 2 ymm = 12 accumulators, 2 for the W
// group, 1 for the A broadcast. Per k-group: 2 loads, 6 broadcasts, 12 VPDPBUSD.
// Epilogue: s8_epilogue_avx2.h. Availability: CPUID.(7,1):EAX[4] (cpu_features().avxvnni).
//
// Test: make test ARGS='-tc=gemm_s8:*'   Bench: make bench FILTER=gemm_u8s8s32_6x16_avx2vnni
#include <immintrin.h>

#include <cstring>

#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/gemm_s8/s8_epilogue_avx2.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 16, kKG = 4;
constexpr int kMC = 96;
constexpr int kPrefetchW = 16;  // groups ahead in the W panel (1 KiB)

// acc += u8(a) . s8(b) per lane, through the builtin. The AVX-512 kernel uses inline asm with a
// "+x" tie instead; here, with 16 ymm and 15 of them live, that asm made GCC 12 store every
// accumulator to the stack after each VPDPBUSD (35 stack accesses per 24 VPDPBUSD in the
// unrolled loop; the builtin: 10). Measured here, 1 thread: 1024^3 9874 -> 5380 us (~400
// GOP/s, 94% of the 420-430 GOP/s a loop of independent ymm VPDPBUSD reaches on one core),
// Llama q_proj M = 128 21949 -> 11499 us.
inline void dpbusd(__m256i& acc, __m256i a, __m256i b) { acc = _mm256_dpbusd_avx_epi32(acc, a, b); }

template <int M>
void ukernel_avxvnni(index_t steps, const std::uint8_t* a, const std::int8_t* w, void* c, index_t ldc, int n,
                     const S8Epilogue& ep) {
  __m256i acc0[M], acc1[M];
#pragma GCC unroll 6
  for (int i = 0; i < M; ++i) acc0[i] = acc1[i] = _mm256_setzero_si256();
  prefetch_c_tile<M>(c, ldc, kNR, ep);

#pragma GCC unroll 2
  for (index_t g = 0; g < steps; ++g) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 32));
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 64), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < M; ++i) {
      std::int32_t a4;
      std::memcpy(&a4, a + 4 * i, 4);
      const __m256i ai = _mm256_set1_epi32(a4);
      dpbusd(acc0[i], ai, b0);
      dpbusd(acc1[i], ai, b1);
    }
    a += 4 * M;
    w += 64;
  }
  store_tile_avx2<M>(acc0, acc1, c, ldc, n, ep);
}

constexpr std::array<S8Microkernel, kMR> kUkernels = {&ukernel_avxvnni<1>, &ukernel_avxvnni<2>, &ukernel_avxvnni<3>, &ukernel_avxvnni<4>, &ukernel_avxvnni<5>, &ukernel_avxvnni<6>};
}  // namespace

constexpr S8Kernel gemm_s8_kernel_avx2vnni = [] {
  auto k = tiled_entry<S8Kernel>("gemm_u8s8s32_6x16_avx2vnni", Isa::avx2, feature::avx2_bundle | feature::avxvnni, kUkernels, kNR);
  k.kg = kKG;
  k.a_pack = S8APack::u8x4;
  k.mc = kMC;
  return k;
}();

}  // namespace ik::cpu::detail

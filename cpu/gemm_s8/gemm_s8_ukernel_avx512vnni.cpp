// gemm_u8s8s32_6x64_avx512vnni: the AVX-512 VNNI microkernel.
//
//   acc[i][j] = sum_g dot4(a[g][i][0..3], w[g][j][0..3]) + offset[j],  i < m <= 6, j < n <= 64
//
// Technique: VPDPBUSD (Intel SDM Vol. 2, "VPDPBUSD: Multiply and Add Unsigned and Signed Bytes"):
// each int32 lane adds the four products u8 x s8 of its bytes, without intermediate saturation
// (the saturating form is VPDPBUSDS; we do not use it). Activations are the u8 operand, weights
// the s8 one, so the raw quantized values go straight in; the zero point of A is the per-column
// offset (gemm_s8.h). One zmm of packed W = 16 columns x 4 k; one 32-bit broadcast of packed A
// = 4 k of one row.
//
// Register budget (32 zmm): 6 rows x 4 zmm = 24 accumulators, 4 zmm for the W group, and the A
// broadcast folded into VPDPBUSD as an embedded {1to16} memory operand (or one register).
// Per k-group: 4 aligned 64-byte loads, 6 broadcasts, 24 VPDPBUSD. On Zen 4 (one zmm VPDPBUSD
// per cycle, latency ~4-5) 24 independent chains hide the latency; loads stay far below two per
// cycle. W streams at 256 bytes per 24 cycles from L2 (prefetched kPrefetchW groups ahead).
// The tile of oneDNN's AVX-512 VNNI igemm kernel is similar (8 x 48); 64 columns divides the
// model widths (768, 3072, 4096, 11008) into whole panels.
//
// Epilogue (once per tile, after the full K): + offset, then s32 / f32 / requantized u8 stores
// (s8_epilogue_avx512.h, shared with the AMX variant).
// Edges: m < 6 uses the instantiation with fewer rows; n < 64 uses masked stores (the padded
// W columns are zero and the per-column arrays are padded, so the loads stay full width).
//
// Test: make test ARGS='-tc=gemm_s8:*'   Bench: make bench FILTER=gemm_u8s8s32_6x64_avx512vnni
// GCC 12's AVX-512 headers trigger a false -Wmaybe-uninitialized at -O3 (GCC PR 105593; see
// common/half_convert_avx512.cpp): silenced for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/gemm_s8/s8_epilogue_avx512.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 64, kKG = 4;
// Rows of A packed per block: 96 x Kp bytes (384 KiB at K = 4096) beside the 1 MiB W block in L2.
constexpr int kMC = 96;
// 8 groups = 2 KiB ahead in the W panel: ~200 cycles at 24 cycles per group covers an L2 hit.
constexpr int kPrefetchW = 16;

// acc += u8(a) . s8(b) per lane. Inline asm rather than _mm512_dpbusd_epi32: GCC 12 register-
// allocates the builtin's tied accumulator badly at this register pressure (it kept a stack copy
// of every accumulator, one store per VPDPBUSD: 570 -> see the header for the measured gain);
// the "+v" constraint states the tie directly. The accumulators are named variables, not an
// array, for the same reason.
inline void dpbusd(__m512i& acc, __m512i a, __m512i b) {
  __asm__("vpdpbusd %[b], %[a], %[acc]" : [acc] "+v"(acc) : [a] "v"(a), [b] "v"(b));
}
#define IK_S8_ROW(i)                                 \
  if constexpr (M > i) {                             \
    std::int32_t a4;                                 \
    std::memcpy(&a4, a + 4 * i, 4);                  \
    const __m512i ai = _mm512_set1_epi32(a4);        \
    dpbusd(c##i##0, ai, b0);                       \
    dpbusd(c##i##1, ai, b1);                       \
    dpbusd(c##i##2, ai, b2);                       \
    dpbusd(c##i##3, ai, b3);                       \
  }
#define IK_S8_STORE(i)                                        \
  if constexpr (M > i) {                                      \
    const __m512i r[4] = {c##i##0, c##i##1, c##i##2, c##i##3}; \
    store_row(r, c, i, ldc, mask, off, ep);                   \
  }

template <int M>
void ukernel_vnni(index_t steps, const std::uint8_t* a, const std::int8_t* w, void* c, index_t ldc, int n,
                  const S8Epilogue& ep) {
  const __m512i z = _mm512_setzero_si512();
  __m512i c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
  __m512i c20 = z, c21 = z, c22 = z, c23 = z, c30 = z, c31 = z, c32 = z, c33 = z;
  __m512i c40 = z, c41 = z, c42 = z, c43 = z, c50 = z, c51 = z, c52 = z, c53 = z;
  prefetch_c_tile<M>(c, ldc, kNR, ep);

  for (index_t g = 0; g < steps; ++g) {
    const __m512i b0 = _mm512_load_si512(w);
    const __m512i b1 = _mm512_load_si512(w + 64);
    const __m512i b2 = _mm512_load_si512(w + 128);
    const __m512i b3 = _mm512_load_si512(w + 192);
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 256), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 256 + 64), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 256 + 128), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchW * 256 + 192), _MM_HINT_T0);
    IK_S8_ROW(0)
    IK_S8_ROW(1)
    IK_S8_ROW(2)
    IK_S8_ROW(3)
    IK_S8_ROW(4)
    IK_S8_ROW(5)
    a += 4 * M;
    w += 256;
  }

  const __mmask16 mask[4] = {lane_mask(n, 0), lane_mask(n, 1), lane_mask(n, 2), lane_mask(n, 3)};
  const __m512i off[4] = {_mm512_loadu_si512(ep.offset), _mm512_loadu_si512(ep.offset + 16),
                          _mm512_loadu_si512(ep.offset + 32), _mm512_loadu_si512(ep.offset + 48)};
  IK_S8_STORE(0)
  IK_S8_STORE(1)
  IK_S8_STORE(2)
  IK_S8_STORE(3)
  IK_S8_STORE(4)
  IK_S8_STORE(5)
}
#undef IK_S8_ROW
#undef IK_S8_STORE

constexpr std::array<S8Microkernel, kMR> kUkernels = {&ukernel_vnni<1>, &ukernel_vnni<2>, &ukernel_vnni<3>, &ukernel_vnni<4>, &ukernel_vnni<5>, &ukernel_vnni<6>};
}  // namespace

constexpr S8Kernel gemm_s8_kernel_avx512vnni = [] {
  auto k = tiled_entry<S8Kernel>("gemm_u8s8s32_6x64_avx512vnni", Isa::avx512, feature::avx512_bundle | feature::avx512vnni, kUkernels, kNR);
  k.kg = kKG;
  k.a_pack = S8APack::u8x4;
  k.mc = kMC;
  return k;
}();

}  // namespace ik::cpu::detail

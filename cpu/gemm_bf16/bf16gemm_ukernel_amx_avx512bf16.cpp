// bf16gemm_32x32_avx512amx: the AMX microkernel, TDPBF16PS on 16 x 16 fp32 tiles.
//
//   C[m x n] = alpha * A[m x k] * B[k x 32] + beta * C,  m = 1..32, n = 1..32, bf16 A and B,
//   fp32 accumulation in the tile registers.
//
// Technique: Intel AMX (Intel SDM Vol. 1 ch. 18 "Intel Advanced Matrix Extensions"; Vol. 2
// TILELOADD, TDPBF16PS, TILESTORED, LDTILECFG). Eight tile registers of up to 16 rows x 64
// bytes. TDPBF16PS tC, tA, tB: for 16 x 16 fp32 C, 16 x 32 bf16 A (row-major: row i = 32 k) and
// 16 rows of B pairs (row q = k 2q, 2q+1 for 16 columns), C[i][j] += sum over the 16 pairs of
// a[i][2q] b[2q][j] + a[i][2q+1] b[2q+1][j]: 16384 flops per instruction. This kernel holds a
// 32 x 32 C block in tmm0-3 (2 x 2 tiles), two A tiles in tmm4-5 and two B tiles in tmm6-7:
// per 32 k, 4 tile loads and 4 TDPBF16PS. Same rounding rules as VDPBF16PS (DAZ, FTZ, RNE).
//
// Packed operands (common/gemm_driver.h with k_group = 2, k_pad = 32, a_rows):
//   A micro-panel: [32 rows][kcp] bf16, row-major, rows past m zero; a tile = 16 rows x 32 k,
//     loaded with stride kcp * 2 bytes.
//   B micro-panel: [kcp/2][32][2] bf16, the k-pair layout of the VDPBF16PS kernel with K
//     padded to a multiple of 32 with zeros; tile j (columns 16j..16j+15) = 16 pair rows of
//     64 bytes, loaded with stride 128 bytes (one pair row holds all 32 columns).
//
// Edges: m <= 16 uses one A tile (2 C tiles); C tiles are stored to a 32 x 32 stack buffer and
// the epilogue (alpha, beta, n < 32 masks) is AVX-512, so C past m x n is never touched.
// Tile state: configured at every call and released at its end (other code on this thread,
// e.g. oneDNN, may use the tiles in between); negligible against a 2048-deep call.
// GEMV (m = 1): runs the VDPBF16PS M = 1 loop on the same panels (see ukernel<1>).
// Availability: AMX-TILE + AMX-BF16 in CPUID, XCR0 tile state, and Linux's per-process
// permission (arch_prctl ARCH_REQ_XCOMP_PERM), checked by kernel_runnable (the amx-tile
// feature bit of common/cpu_features.h).
// Flags (cpu/gemm_bf16/manifest.mk): AVX-512 + AVX512_BF16 (epilogue, GEMV) and -mamx-tile -mamx-bf16.
//
// Test: make test ARGS='-tc=gemm_bf16:*'   Bench: make bench FILTER='gemm_bf16/bf16gemm_32x32_avx512amx'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "common/amx_tile.h"

#include "cpu/gemm_bf16/gemm_bf16.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 32, kNR = 32, kTileK = 32;
// Loop order a_resident (common/gemm_driver.h): the A block, MC x KC x 2 B = 256 x 2048 x 2 =
// 1 MiB, stays in the 2 MiB L2 and is packed (rounded from fp32) once per k block for all of N;
// each B micro-panel (2048 x 32 x 2 B = 128 KiB) is read once per A block and serves its 8
// row tiles. A deep KC amortizes the per-call tile store + epilogue of C (~5% at 2048 deep).
// Measured here, 1 thread (GFLOP/s at 1024^3 / 4096^3): MC x KC 128 x 512 (the default
// order): 564 / 403; 256 x 1024: 718 / 641; 256 x 2048: 739 / 761; 384 x 2048: 735 / 579
// (A block over L2); 256 x 4096: 669 / 491. NC is unused by this order.
constexpr int kMC = 256, kKC = 2048, kNC = 1024;


template <int M>
void ukernel(index_t k, const void* av, const void* bv, float* c, index_t ldc, int n, float alpha, float beta) {
  if constexpr (M == 1) {
    // GEMV: one useful row of 16 in a tile. Row 0 of the A panel is A's k pairs in order, i.e.
    // the [k/2][1][2] panel of the VDPBF16PS kernel, and the B panels are the same k-pair
    // layout, so that kernel's streaming M = 1 code runs on these panels unchanged (measured:
    // the AMX tile path streamed 10-30% slower from DRAM than the prefetching VDPBF16PS loop).
    bf16gemm_dpbf16_m1(k, av, bv, c, ldc, n, alpha, beta);
    return;
  }
  constexpr bool two = M > 16;  // second A tile row block
  const std::uint16_t* a = static_cast<const std::uint16_t*>(av);
  const std::uint16_t* b = static_cast<const std::uint16_t*>(bv);
  const index_t kcp = (k + kTileK - 1) / kTileK * kTileK;
  const long a_stride = static_cast<long>(kcp) * 2;
  // C is needed only after the tile loop (~kc * 2 cycles): start its cache misses now.
  for (int i = 0; i < M; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
  _tile_loadconfig(&amx_tile_config_16x64());
  _tile_zero(0);
  _tile_zero(1);
  if constexpr (two) {
    _tile_zero(2);
    _tile_zero(3);
  }
  for (index_t kk = 0; kk < kcp; kk += kTileK) {
    const std::uint16_t* bk = b + (kk / 2) * (2 * kNR);
    _tile_loadd(6, bk, 128);
    _tile_loadd(7, bk + 32, 128);
    _tile_loadd(4, a + kk, a_stride);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    if constexpr (two) {
      _tile_loadd(5, a + 16 * kcp + kk, a_stride);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  alignas(64) float buf[kMR][kNR];
  _tile_stored(0, &buf[0][0], kNR * 4);
  _tile_stored(1, &buf[0][16], kNR * 4);
  if constexpr (two) {
    _tile_stored(2, &buf[16][0], kNR * 4);
    _tile_stored(3, &buf[16][16], kNR * 4);
  }
  // Back to the tile INIT state: no AMX state stays live between calls (context switches save
  // 8 KiB less, and code that runs next on this thread finds no configured tiles). Measured
  // cost at 1024^3: within run-to-run noise (~1%).
  _tile_release();

  const __mmask16 mask0 = n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
  const __mmask16 mask1 = n >= 32 ? __mmask16(0xFFFF) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  const __m512 valpha = _mm512_set1_ps(alpha), vbeta = _mm512_set1_ps(beta);
  for (int i = 0; i < M; ++i) {
    float* ci = c + i * ldc;
    __m512 c0 = _mm512_mul_ps(valpha, _mm512_load_ps(&buf[i][0]));
    __m512 c1 = _mm512_mul_ps(valpha, _mm512_load_ps(&buf[i][16]));
    if (beta != 0.0f) {
      c0 = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask0, ci), c0);
      c1 = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask1, ci + 16), c1);
    }
    _mm512_mask_storeu_ps(ci, mask0, c0);
    _mm512_mask_storeu_ps(ci + 16, mask1, c1);
  }
}

template <int... Ms>
constexpr std::array<gemm_driver::Microkernel, sizeof...(Ms)> table(std::integer_sequence<int, Ms...>) {
  return {&ukernel<Ms + 1>...};
}
constexpr auto kUkernels = table(std::make_integer_sequence<int, kMR>{});

}  // namespace

constexpr Bf16gemmKernel bf16gemm_kernel_amx = [] {
  auto k = entry<Bf16gemmKernel>("bf16gemm_32x32_avx512amx", Isa::avx512, 0);
  // The epilogue and the M = 1 path are AVX-512 with AVX512_BF16; the tiles AMX-BF16.
  k.requires = feature::avx512_bundle | feature::avx512bf16 | feature::amx_tile | feature::amx_bf16;
  k.set_ukernels(kUkernels);
  k.nr = kNR;
  k.blk = gemm_driver::blocking(kMR, kNR, kMC, kKC, kNC, /*k_group=*/2, /*k_pad=*/kTileK);
  k.blk.a_rows = true;
  k.blk.a_resident = true;
  return k;
}();

}  // namespace ik::cpu::detail

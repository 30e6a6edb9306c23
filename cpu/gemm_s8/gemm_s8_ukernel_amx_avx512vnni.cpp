// gemm_u8s8s32_32x32_avx512amx: the AMX variant, TDPBUSD on 16 x 16 int32 tiles.
//
//   acc[i][j] = sum_k A[i][k] * W[k][j] + offset[j]   (u8 x s8 -> s32, then the gemm_s8.h epilogue)
//
// Technique: Intel AMX (Intel SDM Vol. 1 ch. 18 "Intel Advanced Matrix Extensions"; Vol. 2
// LDTILECFG, TILELOADD, TDPBUSD, TILESTORED, TILERELEASE). Eight tile registers of 16 rows x 64
// bytes. TDPBUSD tC, tA, tB with 16 x 16 int32 C, 16 x 64 u8 A (row i = 64 consecutive k) and
// 16 rows of B (row q = k 4q..4q+3 of 16 columns, 4 bytes per column): C[i][j] += sum over q of
// the 4-byte dot product of A[i][4q..4q+3] (unsigned) and B[q][j][0..3] (signed), in 32-bit
// arithmetic without saturation: the same u8 x s8 function as VPDPBUSD, 16384 multiply-adds per
// instruction. The B row layout is exactly the W panel of gemm_s8.h with KG = 4: a panel of 32
// columns holds, per group of 4 k, 32 x 4 = 128 bytes, so B tile j (columns 16j..16j+15) is 16
// groups of 64 bytes, loaded with stride 128. K is padded to a multiple of 64 (kp_multiple).
//
// Register blocking: the 32 x 32 C block is 2 x 2 tiles (tmm0-3), two A tiles (tmm4-5) and two
// B tiles (tmm6-7): per 64 k, 4 tile loads feed 4 TDPBUSD (each A and B tile used twice).
//
// Cache blocking: a TDPBUSD needs a 1 KiB tile every ~16 cycles (measured here: 6.4 TOP/s per
// core with the tiles in registers, 5.2 with A and B from L1, 4.5 with B streaming from a 1 MiB
// L2-resident buffer), so one operand must come from L1. The A chunk (32 rows x kKC = 16 KiB,
// packed contiguous: gemm_s8.h S8APack::rows) stays in L1 while
// kJ = 8 W panels stream their 32 x kKC chunks from the L2-resident W block past it; the int32
// sums of those 8 C blocks leave the tiles between chunks into a per-thread scratch (8 x 4 KiB,
// L1/L2). The epilogue (offset, then s32 / f32 / u8, s8_epilogue_avx512.h) reads the scratch
// once the whole K is summed, so every C element is still one thread's complete sum in a fixed
// k order (bitwise independent of the thread count). A full 32 x 32 block of s32 output skips
// that pass: its tiles start from the per-column offsets (TILELOADD with stride 0 repeats one
// 64-byte row) and the last chunk's TILESTORED writes C itself. Measured at 1024^3, 1 thread:
// 2450-2690 -> 2730-2970 GOP/s.
//
// Edges: micro-panels of <= 16 rows use one A tile and two C tiles (packed rows up to 16 are
// zero); n < 32 uses masked stores (the padded W columns are zero). A 1-row micro-panel
// (GEMV, M = 1) runs a VPDPBUSD loop on the same packed panels: with 1 useful row of 16 a tile
// would waste 15/16 of its work, and the streaming read of W is the bound there anyway.
// Tile state: configured per block and released at its end, so no AMX state stays live
// between calls (other code on the thread, e.g. oneDNN, may configure the tiles differently).
// Availability: AMX-TILE + AMX-INT8 in CPUID, XCR0 tile state, and Linux's per-process
// permission: the amx-tile bit of cpu_features().mask (kernel_runnable).
// Flags (cpu/gemm_s8/manifest.mk): AVX-512 + VNNI (epilogue, GEMV) and -mamx-tile -mamx-int8.
//
// Test: make test ARGS='-tc=gemm_s8:*'   Bench: make bench FILTER=gemm_u8s8s32_32x32_avx512amx
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/amx_tile.h"
#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/gemm_s8/s8_epilogue_avx512.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 32, kNR = 32, kKG = 4, kTileK = 64;
// kKC: the A chunk (32 x kKC bytes) that stays in L1 while kJ panels pass; kJ: the C blocks
// whose sums are parked in the scratch between chunks. kMC: rows of A packed per block
// (kMC x Kp beside the W block in the 2 MiB L2).
// Measured here, 1 thread, GOP/s at 1024^3 / 4096^3 (KC, kJ, MC): 512, 8, 128: 1926 / 1784;
// 1024, 8, 128: 1994 / 1410; 512, 16, 128: 2073 / 1493; 512, 4, 128: 1957 / 1426; 512, 8, 256:
// 2015 / 1663; 512, 8, 64: 2133 / 1177; 256, 8, 128: 1652 / 1528 (runs vary by ~10% here).
// A software prefetch of the next panel's chunk into L1 was measured 2-10% slower, and of B
// 1, 2 or 4 k-steps ahead within the chunk no faster (within run-to-run noise): the L2 streamer
// already follows the sequential chunk.
constexpr index_t kKC = 512, kJ = 8;
constexpr int kMC = 128;


S8Epilogue advanced(S8Epilogue ep, index_t cols) {
  ep.offset += cols;
  if (ep.mult) ep.mult += cols;
  if (ep.shift) ep.shift += cols;
  if (ep.scale) ep.scale += cols;
  return ep;
}

std::size_t c_elem_bytes(const S8Epilogue& ep) { return ep.kind == S8Output::u8 ? 1 : 4; }

// acc (32 x 32 int32) += A chunk (rows x kc, stride lda) * W chunk (kc x 32), stored to `out`
// (row stride out_ld int32). The tiles start from `in` (row stride in_ld; 0 repeats one row:
// TILELOADD reads row r at base + r * stride, so stride 0 broadcasts the per-column offsets)
// or from zero when in is null. Two: 17..32 rows (second A tile row).
template <bool Two>
void tile_chunk(index_t kc, const std::uint8_t* a, index_t lda, const std::int8_t* w, const std::int32_t* in,
                long in_ld, std::int32_t* out, long out_ld) {
  if (!in) {
    _tile_zero(0);
    _tile_zero(1);
    if constexpr (Two) {
      _tile_zero(2);
      _tile_zero(3);
    }
  } else {
    const long s = in_ld * long(sizeof(std::int32_t));
    _tile_loadd(0, in, s);
    _tile_loadd(1, in + 16, s);
    if constexpr (Two) {
      _tile_loadd(2, in + 16 * in_ld, s);
      _tile_loadd(3, in + 16 * in_ld + 16, s);
    }
  }
  for (index_t kk = 0; kk < kc; kk += kTileK) {
    const std::int8_t* bk = w + kk * kNR;  // group kk / 4, 128 bytes per group
    _tile_loadd(6, bk, kNR * kKG);
    _tile_loadd(7, bk + 16 * kKG, kNR * kKG);
    _tile_loadd(4, a + kk, lda);
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    if constexpr (Two) {
      _tile_loadd(5, a + 16 * lda + kk, lda);
      _tile_dpbusd(2, 5, 6);
      _tile_dpbusd(3, 5, 7);
    }
  }
  const long s = out_ld * long(sizeof(std::int32_t));
  _tile_stored(0, out, s);
  _tile_stored(1, out + 16, s);
  if constexpr (Two) {
    _tile_stored(2, out + 16 * out_ld, s);
    _tile_stored(3, out + 16 * out_ld + 16, s);
  }
}

// m rows x n columns of the summed acc through the epilogue.
void store_block(const std::int32_t* acc, int m, int n, void* c, index_t ldc, const S8Epilogue& ep) {
  const __mmask16 mask[2] = {lane_mask(n, 0), lane_mask(n, 1)};
  const __m512i off[2] = {_mm512_loadu_si512(ep.offset), _mm512_loadu_si512(ep.offset + 16)};
  for (int i = 0; i < m; ++i) {
    const __m512i r[2] = {_mm512_load_si512(acc + i * kNR), _mm512_load_si512(acc + i * kNR + 16)};
    store_row(r, c, i, ldc, mask, off, ep);
  }
}

// One row (GEMV): 32 columns of one panel over `groups` groups of 4 k, in a rolled loop with one
// accumulator pair (the VPDPBUSD chain, 128 bytes of W per ~5 cycles, is far above the 16-19
// GB/s one core streams here), W prefetched 2 KiB ahead into L1 and 4 KiB ahead into L2 as in
// the fp32 GEMV (the panels of a block are contiguous, so the prefetches run on into the next).
// It replaced 4 unrolled accumulator sets without prefetch; measured, old and new binaries
// alternating, Llama M = 1, 1 thread: q_proj 1181-1216 -> 1032-1075 us, ffn_down 3151-3244 ->
// 2694-2797 us (2 threads: q_proj 620-625 -> 566-592 us). Integer sums: the same result.
void gemv_panel(index_t groups, const std::uint8_t* a, const std::int8_t* w, void* c, int n, const S8Epilogue& ep) {
  constexpr int kNear = 2048, kFar = 4096;  // bytes of W ahead
  __m512i acc0 = _mm512_setzero_si512(), acc1 = _mm512_setzero_si512();
#pragma GCC unroll 1
  for (index_t g = 0; g < groups; ++g) {
    std::int32_t a4;
    std::memcpy(&a4, a + 4 * g, 4);
    const __m512i ai = _mm512_set1_epi32(a4);
    acc0 = _mm512_dpbusd_epi32(acc0, ai, _mm512_load_si512(w));
    acc1 = _mm512_dpbusd_epi32(acc1, ai, _mm512_load_si512(w + 64));
    _mm_prefetch(reinterpret_cast<const char*>(w + kNear), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + kNear + 64), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(w + kFar), _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(w + kFar + 64), _MM_HINT_T1);
    w += kNR * kKG;
  }
  const __m512i r[2] = {acc0, acc1};
  const __mmask16 mask[2] = {lane_mask(n, 0), lane_mask(n, 1)};
  const __m512i off[2] = {_mm512_loadu_si512(ep.offset), _mm512_loadu_si512(ep.offset + 16)};
  store_row(r, c, 0, 0, mask, off, ep);
}

void block_amx(const S8BlockArgs& b) {
  const index_t kp = b.kp;
  const index_t panel_bytes = kp * kNR;
  const std::size_t elem = c_elem_bytes(b.ep);
  // A plain thread_local array, not an AlignedBuffer: a template instantiated here (with AVX-512
  // flags) and in a baseline file is one symbol the linker keeps from either (make
  // check-isa-symbols).
  alignas(64) static thread_local std::int32_t scratch[kJ * kMR * kNR];
  bool configured = false;
  for (index_t ir = 0; ir < b.mc; ir += kMR) {
    const int m = static_cast<int>(std::min<index_t>(kMR, b.mc - ir));
    const std::uint8_t* ap = b.a + ir * kp;
    char* crow = static_cast<char*>(b.c) + static_cast<std::size_t>(ir * b.ldc) * elem;
    if (m == 1) {
      for (index_t jp = 0; jp < b.panels; ++jp) {
        const int n = static_cast<int>(std::min<index_t>(kNR, b.n - jp * kNR));
        gemv_panel(kp / kKG, ap, b.w + jp * panel_bytes, crow + static_cast<std::size_t>(jp * kNR) * elem, n,
                   advanced(b.ep, jp * kNR));
      }
      continue;
    }
    if (!configured) {
      _tile_loadconfig(&amx_tile_config_16x64());
      configured = true;
    }
    for (index_t jg = 0; jg < b.panels; jg += kJ) {
      const index_t jn = std::min(kJ, b.panels - jg);
      for (index_t kb = 0; kb < kp; kb += kKC) {
        const index_t kc = std::min(kKC, kp - kb);
        const bool last = kb + kc == kp;
        for (index_t jj = 0; jj < jn; ++jj) {
          const index_t j0 = (jg + jj) * kNR;
          const std::int8_t* w = b.w + (jg + jj) * panel_bytes + kb * kNR;
          std::int32_t* acc = scratch + jj * kMR * kNR;
          const std::uint8_t* ac = ap + kMR * kb;  // chunk kb / kKC: [32][kc]
          // A full 32 x 32 int32 block needs no epilogue pass: its tiles start from the column
          // offsets (bias - Za colsum) and the last chunk stores them straight into C.
          const bool direct = b.ep.kind == S8Output::s32 && m == kMR && b.n - j0 >= kNR;
          const std::int32_t* in = kb > 0 ? acc : direct ? b.ep.offset + j0 : nullptr;
          const long in_ld = kb > 0 ? kNR : 0;
          std::int32_t* out = acc;
          long out_ld = kNR;
          if (direct && last) {
            out = reinterpret_cast<std::int32_t*>(crow) + j0;
            out_ld = static_cast<long>(b.ldc);
          }
          if (m > 16)
            tile_chunk<true>(kc, ac, kc, w, in, in_ld, out, out_ld);
          else
            tile_chunk<false>(kc, ac, kc, w, in, in_ld, out, out_ld);
        }
      }
      for (index_t jj = 0; jj < jn; ++jj) {
        const index_t j0 = (jg + jj) * kNR;
        const int n = static_cast<int>(std::min<index_t>(kNR, b.n - j0));
        if (b.ep.kind == S8Output::s32 && m == kMR && n == kNR) continue;  // stored by the tiles
        store_block(scratch + jj * kMR * kNR, m, n, crow + static_cast<std::size_t>(j0) * elem, b.ldc,
                    advanced(b.ep, j0));
      }
    }
  }
  // Back to the INIT state: context switches save less, and the next tile user starts clean.
  if (configured) _tile_release();
}

}  // namespace

constexpr S8Kernel gemm_s8_kernel_amx = [] {
  auto k = entry<S8Kernel>("gemm_u8s8s32_32x32_avx512amx", Isa::avx512, feature::avx512_bundle | feature::avx512vnni | feature::amx_tile | feature::amx_int8);
  k.mr = kMR;
  k.nr = kNR;
  k.kg = kKG;
  k.a_pack = S8APack::rows;
  k.mc = kMC;
  k.kp_multiple = kTileK;
  k.a_chunk_k = kKC;
  k.block = &block_amx;
  return k;
}();

}  // namespace ik::cpu::detail

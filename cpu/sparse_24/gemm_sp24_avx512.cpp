// gemm_sp24_f32_6x64_avx512 / gemv_sp24_f32_perm16_avx512: the AVX-512 2:4 kernels.
//
//   GEMM  Y[i, j0:j0+64] (+)= sum_g v(i,g,0) * X[4g + pos(i,g,0), :] + v(i,g,1) * X[4g + pos(i,g,1), :]
//   GEMV  y[i]              = sum_g v(i,g,0) * x[4g + pos(i,g,0)]    + v(i,g,1) * x[4g + pos(i,g,1)]
//
// GEMM register budget (32 zmm): a 6 x 64 tile of Y = 24 accumulators, 2 broadcast weights, the
// rest for the compiler. Per group and row: 2 weight broadcasts (vbroadcastss, load ports only)
// and 8 FMAs whose X operand comes from memory: the 4 X rows of a group (1 KiB) come from the
// L2-resident packed X panel (Kpad x 64, 1 MiB) once and serve the 6 rows from L1. No K
// blocking: W then streams row by row; a KC = 128 block (X block in L1) made each pass hop
// across 4096 rows 8 KiB apart (a page per row: TLB misses) and measured 1.5x slower. The 2-bit positions are
// decoded with scalar shifts from one 32-bit metadata word per 8 groups, held in a register per
// row. 10 loads per 8 FMAs: the two load ports, not the FMA ports, bound this kernel at ~80%
// of the FMA peak, on half the multiply-adds of the dense product (ideal 2x; measured ~1.3x).
// N tails: narrower panels use fewer zmm per row (NV = 1, 2, 4) and masked Y loads/stores.
// Where the ceiling is (4096 x 4096, N = 128, 1 thread, standalone copies of this loop; dense
// fp32 pre-packed GEMM 24.6 ms in the same session): this kernel 18.5 ms (1.33x); the same loop
// with every group reading one fixed 8 KiB of X, i.e. X always in L1 (wrong results, an upper
// bound), 17.5-18.4 ms (<= 1.4x). Tiles 5x64, 8x48, 12x32 and 10x32 were within 5% of 6x64;
// K blocking so that X stays in L1 (KC 64-512, W repacked into [K block][row] or
// [row block][K block][row] order) ran 8-30% slower: each tile then pays its Y round trip
// and setup every KC / 4 groups. A vpermt2ps selection of X (as the GEMV does) moves the cost
// to port 5, which the FMAs share: a microbenchmark mixing both paths gave no more multiply-adds
// per cycle than this path alone. So 2:4 buys about 1.3-1.4x here, not the 2x of its FMA count.
//
// GEMV: the 8 groups of one metadata word cover 32 consecutive x; their 16 selected x values
// are one vpermt2ps from two zmm of x with lane indices 4 * (t / 2) + pos(t) expanded from the
// word (vpbroadcastd, vpsrlvd, vpandd, vpaddd): no gather, 16 values + 2 bytes of metadata per
// step. Memory-bound in decode: 8.25 bits per dense weight against 32 for the dense GEMV.
//
// Test: make test ARGS='-tc=sparse_24*'   Bench: make bench FILTER='sparse_24'
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>

#include "cpu/sparse_24/sparse_24_internal.h"

namespace ik::cpu::detail {
namespace {

constexpr int kMR = 6, kNR = 64, kKC = 1 << 20;
constexpr int kPrefetchValues = 512;  // floats ahead (2 KiB): ~ the memory latency at 10 GB/s
// GEMV only: a second prefetch 4 KiB ahead into L2, as the dense GEMV kernels do (the distance
// measured best on huge pages, see common/gemm_widen_ukernel_avx512.h). Measured here, 4096 x
// 4096 at N = 1, 1 / 2 threads: 2:4 over dense 1.52x / 1.33x -> 1.64x / 1.66x (alone at 0 or
// 1 KiB for the first prefetch: no better; 8 KiB: 1.52x / 1.66x; a metadata prefetch: no gain).
constexpr int kPrefetchValuesFar = 1024;  // floats ahead (4 KiB)

template <int MR, int NV>
void tile(const float* const* vrow, const std::uint32_t* const* mrow, index_t g0, index_t ng,
          const float* xblk, float* y, index_t ldy, const __mmask16* mask, bool full, bool first) {
  __m512 acc[MR][NV];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[r][v] = first ? _mm512_setzero_ps()
                        : (full ? _mm512_loadu_ps(y + r * ldy + 16 * v)
                                : _mm512_maskz_loadu_ps(mask[v], y + r * ldy + 16 * v));
  for (index_t w = 0; w < ng / 8; ++w) {
    std::uint32_t bits[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) bits[r] = mrow[r][g0 / 8 + w];
    const float* xg = xblk + w * 32 * kNR;
#pragma GCC unroll 2
    for (int gi = 0; gi < 8; ++gi) {
      const index_t g = g0 + w * 8 + gi;
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        const float* x0 = xg + (bits[r] & 3) * kNR;
        const float* x1 = xg + ((bits[r] >> 2) & 3) * kNR;
        bits[r] >>= 4;
        const __m512 v0 = _mm512_set1_ps(vrow[r][2 * g]), v1 = _mm512_set1_ps(vrow[r][2 * g + 1]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          acc[r][v] = _mm512_fmadd_ps(v0, _mm512_load_ps(x0 + 16 * v), acc[r][v]);
          acc[r][v] = _mm512_fmadd_ps(v1, _mm512_load_ps(x1 + 16 * v), acc[r][v]);
        }
      }
      xg += 4 * kNR;
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      if (full)
        _mm512_storeu_ps(y + r * ldy + 16 * v, acc[r][v]);
      else
        _mm512_mask_storeu_ps(y + r * ldy + 16 * v, mask[v], acc[r][v]);
    }
}

template <int NV>
void rows_nv(const Sparse24Matrix& W, index_t r0, index_t r1, index_t g0, index_t ng,
             const float* xblk, float* Y, index_t ldy, int n, bool first) {
  __mmask16 mask[4];
  for (int v = 0; v < 4; ++v) {
    const int c = std::clamp(n - 16 * v, 0, 16);
    mask[v] = c == 16 ? __mmask16(0xFFFF) : __mmask16((1u << c) - 1);
  }
  const bool full = n == 16 * NV;
  for (index_t i = r0; i < r1; i += kMR) {
    const int m = static_cast<int>(std::min<index_t>(kMR, r1 - i));
    const float* vrow[kMR];
    const std::uint32_t* mrow[kMR];
    for (int r = 0; r < m; ++r) {
      vrow[r] = W.values() + (i + r) * W.ld_values();
      mrow[r] = W.meta() + (i + r) * W.ld_meta();
    }
    float* y = Y + i * ldy;
    switch (m) {
      case 6: tile<6, NV>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first); break;
      case 5: tile<5, NV>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first); break;
      case 4: tile<4, NV>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first); break;
      case 3: tile<3, NV>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first); break;
      case 2: tile<2, NV>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first); break;
      default: tile<1, NV>(vrow, mrow, g0, ng, xblk, y, ldy, mask, full, first); break;
    }
  }
}

void gemm_avx512(const Sparse24Matrix& W, index_t r0, index_t r1, index_t g0, index_t ng,
                 const float* xblk, float* Y, index_t ldy, int n, bool first) {
  // A narrow panel (N = 1..32 tokens) uses only the zmm it needs: no FMAs on padding columns.
  if (n > 32) rows_nv<4>(W, r0, r1, g0, ng, xblk, Y, ldy, n, first);
  else if (n > 16) rows_nv<2>(W, r0, r1, g0, ng, xblk, Y, ldy, n, first);
  else rows_nv<1>(W, r0, r1, g0, ng, xblk, Y, ldy, n, first);
}

void gemv_avx512(const Sparse24Matrix& W, index_t r0, index_t r1, const float* xpad, float* y,
                 index_t incy) {
  const index_t words = W.ld_meta();
  const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i base = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28);
  const __m512i three = _mm512_set1_epi32(3);
  auto step = [&](const float* v, std::uint32_t word, const float* x, __m512 acc) {
    const __m512i pos = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(static_cast<int>(word)), shifts), three);
    const __m512i idx = _mm512_add_epi32(pos, base);
    const __m512 xv = _mm512_permutex2var_ps(_mm512_load_ps(x), idx, _mm512_load_ps(x + 16));
    return _mm512_fmadd_ps(_mm512_load_ps(v), xv, acc);
  };
  for (index_t i = r0; i < r1; ++i) {
    const float* v = W.values() + i * W.ld_values();
    const std::uint32_t* m = W.meta() + i * W.ld_meta();
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    index_t c = 0;
    for (; c + 2 <= words; c += 2) {
      // One cold-streamed row after another: run ahead of the hardware prefetcher, which stops at
      // 4 KiB page boundaries (a row of values is 8 KiB at K = 4096).
      _mm_prefetch(reinterpret_cast<const char*>(v + 16 * c + kPrefetchValues), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(v + 16 * c + 16 + kPrefetchValues), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(v + 16 * c + kPrefetchValuesFar), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(v + 16 * c + 16 + kPrefetchValuesFar), _MM_HINT_T1);
      a0 = step(v + 16 * c, m[c], xpad + 32 * c, a0);
      a1 = step(v + 16 * c + 16, m[c + 1], xpad + 32 * c + 32, a1);
    }
    if (c < words) a0 = step(v + 16 * c, m[c], xpad + 32 * c, a0);
    y[i * incy] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
  }
}

}  // namespace

constexpr Sp24Kernel sp24_kernel_avx512 = [] {
  auto k = entry<Sp24Kernel>("gemm_sp24_f32_6x64_avx512", Isa::avx512, feature::avx512_bundle);
  k.gemv_name = "gemv_sp24_f32_perm16_avx512";
  k.mr = kMR;
  k.nr = kNR;
  k.kc = kKC;
  k.gemm = gemm_avx512;
  k.gemv = gemv_avx512;
  return k;
}();

}  // namespace ik::cpu::detail

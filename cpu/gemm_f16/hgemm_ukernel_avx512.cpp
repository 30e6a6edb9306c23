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
// B is not staged in fp32 here (gemm_driver::StagedB, which the AVX2 kernel uses): measured on
// this 2-core Sapphire Rapids-class VM, interleaved runs, 512 x 512 fp32 blocks: 1024^3 the same
// (170-175 vs 167-171 GFLOP/s, 1 thread), Llama q_proj M = 128 slower (142-149 vs 161, 1 thread;
// 252-263 vs 311, 2 threads): fp32 B doubles the L2 -> L1 bytes per FMA.
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

#include "common/gemm_widen_ukernel_avx512.h"
#include "cpu/gemm_f16/gemm_f16.h"

namespace ik::cpu::detail {
namespace {

using namespace ik::widen_avx512;  // kMR, kNR, ukernel<LoadB, M>: the shared tile

inline __m512 load_f16(const std::uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
}

template <int M>
constexpr auto kUkernel = &ik::widen_avx512::ukernel<load_f16, M>;

}  // namespace

HgemmKernel make_hgemm_kernel_avx512() {
  return HgemmKernel{"hgemm_14x32_avx512", Isa::avx512, {kMR, kNR, kMC, kKC, kNC, 1},
                     {kUkernel<1>, kUkernel<2>, kUkernel<3>, kUkernel<4>, kUkernel<5>, kUkernel<6>, kUkernel<7>,
                      kUkernel<8>, kUkernel<9>, kUkernel<10>, kUkernel<11>, kUkernel<12>, kUkernel<13>,
                      kUkernel<14>}};
}

}  // namespace ik::cpu::detail

// hgemm_6x16_avx2: fp16-weight microkernel for AVX2 + FMA + F16C.
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 16] + beta * C,  m = 1..6, n = 1..16,
//   A packed fp32 k-major (stride m), B packed fp16 k-major (stride 16, 32 bytes per k).
//
// Technique: the sgemm_6x16_avx2 tile (12 ymm accumulators, 2 for B, 1 for the A broadcast)
// with each B row loaded as 2 x 8 halves and widened by F16C VCVTPH2PS ymm, xmm (Intel SDM
// Vol. 2, "VCVTPH2PS"; exact). 2 conversions per 12 FMAs, so from 24 rows per thread on the
// driver stages B blocks in fp32 instead and runs the ukernel<float, load_f32> instantiation
// (same bits; see gemm_driver::StagedB and the factory below). M = 1, 2 split k over 4 / 2
// accumulator sets (as in the AVX-512 kernel) so GEMV runs at load speed, not FMA latency.
// Edges: m < 6 has its own instantiation; n < 16 stores through VMASKMOVPS (masked-off lanes
// are neither read nor written).
//
// Test: make test ARGS='-tc=gemm_f16:*'   Bench: make bench FILTER='gemm_f16/hgemm_6x16_avx2'
#include <immintrin.h>

#include <cstdint>

#include "common/gemm_widen_ukernel_avx2.h"
#include "common/half_convert.h"
#include "cpu/gemm_f16/gemm_f16.h"

namespace ik::cpu::detail {
namespace {

using namespace ik::widen_avx2;  // kMR, kNR, ukernel<LoadB, M>: the shared tile

inline __m256 load_f16(const std::uint16_t* p) {
  return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(p)));
}

template <int M>
constexpr auto kUkernel = &ik::widen_avx2::ukernel<std::uint16_t, load_f16, M>;
template <int M>
constexpr auto kStaged = &ik::widen_avx2::ukernel<float, load_f32, M>;
constexpr gemm_driver::Microkernel kStagedUkernels[] = {kStaged<1>, kStaged<2>, kStaged<3>,
                                                        kStaged<4>, kStaged<5>, kStaged<6>};
void widen_staged_b(const void* src, float* dst, std::size_t n) {
  half_detail::f16_to_f32_avx2(static_cast<const std::uint16_t*>(src), dst, n);
}

constexpr std::array<gemm_driver::Microkernel, kMR> kUkernels = {kUkernel<1>, kUkernel<2>, kUkernel<3>, kUkernel<4>, kUkernel<5>, kUkernel<6>};
}  // namespace

constexpr HgemmKernel hgemm_kernel_avx2 = [] {
  auto k = tiled_entry<HgemmKernel>("hgemm_6x16_avx2", Isa::avx2, feature::avx2_bundle, kUkernels, kNR);
  k.blk = gemm_driver::blocking(kMR, kNR, /*mc=*/96, /*kc=*/256, /*nc=*/3072);
  // B staged in fp32 from 4 row tiles per thread on (256 x 1024 x 4 B = 1 MiB of L2): the 2
  // VCVTPH2PS ymm per 12 FMAs share ports 0 and 1 with the FMAs. Measured on a Xeon, 1 thread,
  // interleaved runs: 1024^3 97-99 -> 114-116 GFLOP/s, Llama q_proj M = 128 94-95 -> 103 (fp32
  // AVX2 GEMM: 110-112 and 75).
  k.staged.uk = kStagedUkernels;
  k.staged.widen = &widen_staged_b;
  k.staged.nc = 1024;
  k.staged.min_m = 4 * kMR;
  return k;
}();

}  // namespace ik::cpu::detail

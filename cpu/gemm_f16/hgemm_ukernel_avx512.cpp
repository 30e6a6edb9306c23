// hgemm_14x32_avx512: fp16-weight microkernel, fp32 FMA, B widened in registers (or staged).
//
//   C[m x n] = alpha * A[m x k] * widen(B)[k x 32] + beta * C,  m = 1..14, n = 1..32,
//   A packed fp32 k-major (stride m), B packed fp16 k-major (stride 32): one 64-byte line per k.
//
// Technique: the sgemm_14x32_avx512 register tile (28 zmm accumulators) with the B row loaded
// as 2 x 16 halves (ymm) and widened by the AVX-512F VCVTPH2PS zmm, ymm form (Intel SDM Vol. 2,
// "VCVTPH2PS"; exact: every fp16 value is representable in fp32). Per k: 2 conversions for
// 28 FMAs, so the conversion is amortized over the 14 rows; B moves at half the bytes of fp32,
// and the B prefetch covers 16 k-steps with one line per k (fp32 needs two).
// From 392 rows per thread on, B is staged in fp32 instead (gemm_driver::StagedB, as the AVX2
// kernel does from fewer rows; see kStageRowsPerThread below): the staged path runs
// ukernel<float, load_f32, M>, the same FMAs in the same order, so both paths give the same bits.
// An earlier try with 512 x 512 fp32 blocks (KC 512) gained nothing at 1024^3 and lost at
// Llama q_proj M = 128 (142-149 vs 161 GFLOP/s, 1 thread; 252-263 vs 311, 2 threads).
// M = 2 (decode): the k loop is split over 2 accumulator sets, summed at the end, so 8
// independent FMA chains keep the loop at load/convert speed instead of the 4-cycle FMA
// latency. M = 1 (GEMV) keeps one chain pair in a rolled loop, which streams the weight from
// memory faster (see common/gemm_widen_ukernel_avx512.h).
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
#include "common/half_convert.h"
#include "cpu/gemm_f16/gemm_f16.h"

namespace ik::cpu::detail {
namespace {

using namespace ik::widen_avx512;  // kMR, kNR, ukernel<LoadB, M>: the shared tile

inline __m512 load_f16(const std::uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
}

template <int M>
constexpr auto kUkernel = &ik::widen_avx512::ukernel<std::uint16_t, load_f16, M>;

// KC 256 (not the shared 512): the staged fp32 B block is then KC x NC x 4 B = 1 MiB of L2 and
// the staged path runs the fp32 kernel's own blocking (cpu/gemm_f32). Skinny M walks the whole
// packed B in order either way (gemm_driver: one NC block when M <= MR), so GEMV does not
// care: Llama q_proj M = 1, 1 thread, 2111 -> 1934 us, M = 8 3369 -> 3147 us (within noise).
constexpr int kKCf16 = 256;
// Staged from 28 row tiles (392 rows) per thread. Widening costs 2 VCVTPH2PS (ports 0 and 5,
// both FMA ports here) per 28 FMAs in registers, a 1/8 tax on compute-bound shapes; staging
// pays it once per B block and thread, plus a 1 MiB fp32 write and twice the L2 -> L1 bytes of
// B. Measured here, fp16 / fp32 GEMM ratio, same run, 1 thread: 1024^3 0.90 -> 0.96, 2048^3
// 0.85 -> 0.92, 4096^3 0.89 -> 0.93 (2 threads, 4096^3: 0.92 -> 0.95). Below ~256 rows per
// thread it lost (Llama q_proj M = 128, 2 threads: 0.99 -> 0.92 of fp32 when staged).
constexpr index_t kStageRowsPerThread = 28 * kMR;

template <int M>
constexpr auto kStaged = &ik::widen_avx512::ukernel<float, load_f32, M>;
constexpr gemm_driver::Microkernel kStagedUkernels[] = {
    kStaged<1>, kStaged<2>, kStaged<3>, kStaged<4>,  kStaged<5>,  kStaged<6>,  kStaged<7>,
    kStaged<8>, kStaged<9>, kStaged<10>, kStaged<11>, kStaged<12>, kStaged<13>, kStaged<14>};
void widen_staged_b(const void* src, float* dst, std::size_t n) {
  half_detail::f16_to_f32_avx512(static_cast<const std::uint16_t*>(src), dst, n);
}

constexpr std::array<gemm_driver::Microkernel, kMR> kUkernels = {kUkernel<1>, kUkernel<2>, kUkernel<3>, kUkernel<4>, kUkernel<5>, kUkernel<6>, kUkernel<7>, kUkernel<8>, kUkernel<9>, kUkernel<10>, kUkernel<11>, kUkernel<12>, kUkernel<13>, kUkernel<14>};
}  // namespace

constexpr HgemmKernel hgemm_kernel_avx512 = [] {
  auto k = tiled_entry<HgemmKernel>("hgemm_14x32_avx512", Isa::avx512, feature::avx512_bundle, kUkernels, kNR);
  k.blk = gemm_driver::blocking(kMR, kNR, kMC, kKCf16, kNC);
  k.staged.uk = kStagedUkernels;
  k.staged.widen = &widen_staged_b;
  k.staged.nc = kNC;
  k.staged.min_m = kStageRowsPerThread;
  return k;
}();

}  // namespace ik::cpu::detail

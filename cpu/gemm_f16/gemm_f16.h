// FP16-weight GEMM and GEMV: IEEE binary16 storage, fp32 arithmetic.
//
//   C[M x N] (fp32) = alpha * A[M x K] * f16_to_f32(B)[K x N] + beta * C
//
// B is the weight, stored in memory as fp16 and pre-packed once (hgemm_pack_b: from fp32,
// rounded to nearest-even by common/half.h, or from fp16 bits, copied). A is the activation,
// fp32 or fp16 (then widened exactly); it is never rounded to fp16. x86 without AVX512-FP16
// has no half-precision arithmetic, so every product and sum is fp32 (FMA): the win is bytes.
// The weight moves at 2 bytes per element instead of 4, which is what bounds GEMV and skinny
// GEMM (M = 1..32, one token or a small decode batch): there the kernel runs at memory speed
// and fp16 halves the time. For large M the widening (VCVTPH2PS, one per 16 B elements per k,
// shared by all MR rows) costs a few percent against fp32.
//
// Technique: the fp32 GEMM's BLIS loop nest (common/gemm_driver.h); the B micro-panels stay
// fp16 in memory and in cache, the microkernel widens each B row with F16C VCVTPH2PS (ymm) or
// its AVX-512F zmm form (Intel SDM Vol. 2, "VCVTPH2PS") right before the FMAs. A is packed as
// fp32 (fp16 A widened while packing). Exception: the AVX2 kernel, from M = 24 on, widens each
// thread's share of a B block once into an L2-resident fp32 copy (gemm_driver::StagedB) and
// runs the same microkernel on fp32 B, because there VCVTPH2PS shares ports 0 and 1 with the
// FMAs; the result is bit for bit the same.
//
// Packed layouts (k runs down; zero padded past the edges):
//   A micro-panel, fp32, m <= MR rows          B micro-panel, fp16 bits, NR columns
//     k=0: a[0][0] a[1][0] .. a[m-1][0]          k=0: b[0][0] b[0][1] .. b[0][NR-1]
//     k=1: a[0][1] a[1][1] .. a[m-1][1]          k=1: b[1][0] b[1][1] .. b[1][NR-1]
//   A whole packed weight: [k block][panel][k][NR] (see common/gemm_driver.h).
//
// GEMV (M = 1) is the same call: it gets a microkernel instantiation of its own whose FMA
// latency chain never limits the weight stream (AVX2: k split over 4 accumulator sets;
// AVX-512: one rolled loop, which streams faster there).
//
// Variants (registry): hgemm_4x8_scalar, hgemm_6x16_avx2 (F16C + FMA), hgemm_14x32_avx512.
// Dispatch: ik::select_kernel (common/dispatch.h; IK_ISA caps the level). Threads: OpenMP over
// blocks of C; the result is bitwise independent of the thread count.
//
// Accuracy: with the rounded inputs a~ = A (or widen(A16)), b~ = f16(B), the kernel computes
// sum a~ b~ in fp32: |C - C_exact(a~, b~)| <= (gamma_K + 2u) sum |a~ b~| (u = 2^-24). Against
// fp32 B the rounding of B adds a relative 2^-11 per term (fp16 has 11 significant bits) and
// fp16 overflows above 65504 (B entries beyond become +-Inf).
//
// Test: make test ARGS='-tc=gemm_f16:*'     Bench: make bench FILTER='gemm_f16/'
#pragma once
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/dispatch.h"
#include "common/gemm_driver.h"
#include "common/half.h"
#include "common/matrix.h"

namespace ik::cpu {

// A registry entry (common/dispatch.h); ukernel[m - 1] computes m rows: a = packed fp32 A,
// b = packed fp16 B (common/gemm_driver.h). blk.mr / blk.nr equal mr / nr.
struct HgemmKernel : TiledKernel<gemm_driver::Microkernel> {
  gemm_driver::Blocking blk;
  // B staged in fp32 for compute-bound M (gemm_driver::StagedB: the same bits as ukernel);
  // staged.uk == nullptr: never staged.
  gemm_driver::StagedB staged;
};

// Every variant compiled in; tests and benchmarks loop over it (skipping what the CPU lacks).
const std::vector<HgemmKernel>& hgemm_kernels();
const HgemmKernel& hgemm_selected_kernel();          // honours IK_ISA

struct HgemmOptions {
  int threads = 0;                       // 0: omp_get_max_threads()
  const HgemmKernel* kernel = nullptr;   // nullptr: hgemm_selected_kernel()
};

// A weight packed once, as fp16, for one kernel variant (gemm_driver::Packed16B: K(), N(),
// kernel(), bytes(), empty(), data()). Movable, not copyable; moved-from is empty.
using HgemmPackedWeights = gemm_driver::Packed16B<HgemmKernel>;

// Pack the weight: layout k_by_n (K x N row-major, ldb >= N) or n_by_k (N x K, ldb >= K).
// From fp32 (rounded to nearest-even fp16) or from fp16 bits. K, N >= 1.
HgemmPackedWeights hgemm_pack_b(WeightLayout layout, index_t K, index_t N, const float* B, index_t ldb,
                          const HgemmOptions& options = {});
HgemmPackedWeights hgemm_pack_b(WeightLayout layout, index_t K, index_t N, const std::uint16_t* B_f16,
                          index_t ldb, const HgemmOptions& options = {});

// C[M x N] = alpha * A[M x K] * B + beta * C, row-major A (lda >= K) and C (ldc >= N), M >= 1.
// A is fp32, or fp16 bits (widened exactly). beta == 0 never reads C. The kernel is the one B
// was packed for (options.kernel, if set, must be that one).
void hgemm_packed(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                  const HgemmPackedWeights& B, float beta, float* C, index_t ldc, const HgemmOptions& options = {});
void hgemm_packed(index_t M, index_t N, index_t K, float alpha, const std::uint16_t* A_f16, index_t lda,
                  const HgemmPackedWeights& B, float beta, float* C, index_t ldc, const HgemmOptions& options = {});

// GEMV, y[N] = alpha * x[K] * B + beta * y (x, y contiguous): hgemm_packed with M = 1.
inline void hgemv_packed(index_t N, index_t K, float alpha, const float* x, const HgemmPackedWeights& B, float beta,
                         float* y, const HgemmOptions& options = {}) {
  hgemm_packed(1, N, K, alpha, x, K, B, beta, y, N, options);
}

// The family as one type, for generic code over the 16-bit-weight GEMMs (the shared test
// harness tests/cpu/packed_gemm_harness.h, the benchmark bench/cpu/packed_gemm_bench.h, or a
// user's own): the registry, the selection, and the pack / run / gemv entry points above.
struct HgemmFamily {
  static constexpr const char* kName = "gemm_f16";
  using Kernel = HgemmKernel;
  using Options = HgemmOptions;
  using Packed = HgemmPackedWeights;
  static const std::vector<Kernel>& kernels() { return hgemm_kernels(); }
  static const Kernel& selected() { return hgemm_selected_kernel(); }
  static std::uint16_t narrow(float x) { return f32_to_f16(x); }
  static float widen(std::uint16_t h) { return f16_to_f32(h); }
  template <typename TB>
  static Packed pack(WeightLayout l, index_t K, index_t N, const TB* B, index_t ldb, const Options& o) {
    return hgemm_pack_b(l, K, N, B, ldb, o);
  }
  template <typename TA>
  static void run(index_t M, index_t N, index_t K, float alpha, const TA* A, index_t lda, const Packed& B, float beta,
                  float* C, index_t ldc, const Options& o) {
    hgemm_packed(M, N, K, alpha, A, lda, B, beta, C, ldc, o);
  }
  static void gemv(index_t N, index_t K, float alpha, const float* x, const Packed& B, float beta, float* y) {
    hgemv_packed(N, K, alpha, x, B, beta, y);
  }
};

namespace detail {
// The registry entries, constants defined in the ISA files (common/dispatch.h).
extern const HgemmKernel hgemm_kernel_scalar;
extern const HgemmKernel hgemm_kernel_avx2;
extern const HgemmKernel hgemm_kernel_avx512;
}  // namespace detail

}  // namespace ik::cpu

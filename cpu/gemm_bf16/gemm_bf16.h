// BF16 GEMM and GEMV: bfloat16 operands, fp32 accumulation.
//
//   C[M x N] (fp32) = alpha * bf16(A)[M x K] * bf16(B)[K x N] + beta * C
//
// B is the weight, pre-packed once as bf16 (bf16gemm_pack_b: from fp32, rounded to nearest-even
// by common/half.h f32_to_bf16, or from bf16 bits, copied). A is the activation, fp32 (rounded
// to bf16, nearest-even, while it is packed) or bf16 bits. Every variant computes the same
// function: the products of the two bf16 operands (exact in fp32: 8 x 8 significant bits),
// summed in fp32. bf16 keeps fp32's exponent range, so nothing overflows that fits fp32.
//
// Technique:
//   AVX512_BF16 (bf16gemm_14x32_avx512bf16): VDPBF16PS (Intel SDM Vol. 2, "VDPBF16PS"; Intel
//     ISA Extensions Reference ch. 2) multiplies pairs of bf16 along k and adds both products
//     into one fp32 lane. B is packed in k-pairs, one zmm = 16 columns x 2 k; A is packed in
//     k-pairs too and broadcast as one 32-bit pair per row. K odd: the last pair is padded
//     with a zero in both operands. Twice the multiply-adds of an fp32 FMA per instruction.
//     The instruction treats bf16 denormal inputs as zero and flushes denormal results
//     (DAZ/FTZ regardless of MXCSR) and rounds to nearest-even.
//   AMX (bf16gemm_32x32_avx512amx): TDPBF16PS on 16 x 16 fp32 tiles (Intel SDM Vol. 1 ch. 18), a
//     32 x 32 C block in 4 tiles, A packed as rows (tile rows), B in the same k-pair layout
//     (K padded to 32), loop order a_resident (common/gemm_driver.h). M = 1 runs the VDPBF16PS
//     streaming loop on the same panels. Used where AMX-BF16 is usable (kernel_runnable: the CPU, the OS state and the process permission).
//     Measured on this project's Xeon (AMX, 1 thread): ~5x fp32 and 1.1-1.3x oneDNN's bf16
//     GEMM, which also uses AMX there; VDPBF16PS zmm alone ran at ~0.6x of fp32 FMA there.
//   Widening (bf16gemm_14x32_avx512, bf16gemm_6x16_avx2, bf16gemm_4x8_scalar): bf16 -> fp32 is
//     a zero-extend and a 16-bit left shift (VPMOVZXWD + VPSLLD); then the fp32 FMA tile.
//     For CPUs without AVX512_BF16: the win there is bytes, as for fp16.
//
// Packed layouts (k runs down; zero padded past the edges):
//   k_group = 1 (widening variants)             k_group = 2 (AVX512_BF16)
//   A: fp32 [k][m] (bf16 values widened)        A: bf16 [k/2][m][2]
//   B: bf16 [k][NR]                             B: bf16 [k/2][NR][2]  (one zmm = 16 col x 2 k)
//   k_group = 2, k_pad = 32, a_rows (AMX): A: bf16 [32][kcp] rows, zero rows past m; B: as k_group = 2, K
//   padded to a multiple of 32 (whole tiles).
//   Whole weight: [k block][panel][...] (common/gemm_driver.h).
//
// Dispatch: ik::select_kernel (common/dispatch.h; IK_ISA=scalar|avx2|avx512 caps the level);
// on the avx512 path the AMX kernel runs when AMX-BF16 is usable, else the AVX512_BF16 kernel
// when the CPU has it, else the AVX-512 widening kernel (the registry is best-last).
// Threads: OpenMP over blocks of C; bitwise independent of the thread count. GEMV is M = 1:
// its microkernel splits k over several accumulator sets (latency, see the kernels).
//
// Accuracy: with a~ = bf16(A), b~ = bf16(B) the result is within (gamma_K + 2u) sum|a~ b~| of
// the exact sum a~ b~ (u = 2^-24), plus, for VDPBF16PS, a flush of terms and partial sums
// below 2^-126 (at most 2 x 2^-126 per k pair). Against fp32 inputs, each bf16 rounding adds
// a relative 2^-9 per operand.
//
// Test: make test ARGS='-tc=gemm_bf16:*'     Bench: make bench FILTER='gemm_bf16/'
#pragma once
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/dispatch.h"
#include "common/gemm_driver.h"
#include "common/half.h"
#include "common/matrix.h"

namespace ik::cpu {

// A registry entry (common/dispatch.h); ukernel[m - 1] computes m rows. blk.mr / blk.nr equal
// mr / nr; blk.k_group == 2: A packed as bf16 (pairs, or rows for AMX), else fp32.
struct Bf16gemmKernel : TiledKernel<gemm_driver::Microkernel> {
  gemm_driver::Blocking blk;
};

const std::vector<Bf16gemmKernel>& bf16gemm_kernels();
const Bf16gemmKernel& bf16gemm_selected_kernel();     // honours IK_ISA

struct Bf16gemmOptions {
  int threads = 0;                          // 0: omp_get_max_threads()
  const Bf16gemmKernel* kernel = nullptr;   // nullptr: bf16gemm_selected_kernel()
};

// A weight packed once, as bf16, for one kernel variant (gemm_driver::Packed16B: K(), N(),
// kernel(), bytes(), empty(), data()). Movable, not copyable; moved-from is empty.
using Bf16gemmPackedWeights = gemm_driver::Packed16B<Bf16gemmKernel>;

// Pack the weight: layout k_by_n (K x N row-major, ldb >= N) or n_by_k (N x K, ldb >= K).
// From fp32 (rounded to nearest-even bf16) or from bf16 bits. K, N >= 1.
Bf16gemmPackedWeights bf16gemm_pack_b(WeightLayout layout, index_t K, index_t N, const float* B, index_t ldb,
                                const Bf16gemmOptions& options = {});
Bf16gemmPackedWeights bf16gemm_pack_b(WeightLayout layout, index_t K, index_t N, const std::uint16_t* B_bf16,
                                index_t ldb, const Bf16gemmOptions& options = {});

// C[M x N] = alpha * A[M x K] * B + beta * C, row-major A (lda >= K) and C (ldc >= N), M >= 1.
// A fp32 (rounded to bf16 RNE while packing) or bf16 bits. beta == 0 never reads C.
void bf16gemm_packed(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                     const Bf16gemmPackedWeights& B, float beta, float* C, index_t ldc,
                     const Bf16gemmOptions& options = {});
void bf16gemm_packed(index_t M, index_t N, index_t K, float alpha, const std::uint16_t* A_bf16, index_t lda,
                     const Bf16gemmPackedWeights& B, float beta, float* C, index_t ldc,
                     const Bf16gemmOptions& options = {});

// GEMV y[N] = alpha * x[K] * B + beta * y: bf16gemm_packed with M = 1.
inline void bf16gemv_packed(index_t N, index_t K, float alpha, const float* x, const Bf16gemmPackedWeights& B,
                            float beta, float* y, const Bf16gemmOptions& options = {}) {
  bf16gemm_packed(1, N, K, alpha, x, K, B, beta, y, N, options);
}

// The family as one type, for generic code over the 16-bit-weight GEMMs (the shared test
// harness tests/cpu/packed_gemm_harness.h, the benchmark bench/cpu/packed_gemm_bench.h, or a
// user's own): the registry, the selection, and the pack / run / gemv entry points above.
struct Bf16gemmFamily {
  static constexpr const char* kName = "gemm_bf16";
  using Kernel = Bf16gemmKernel;
  using Options = Bf16gemmOptions;
  using Packed = Bf16gemmPackedWeights;
  static const std::vector<Kernel>& kernels() { return bf16gemm_kernels(); }
  static const Kernel& selected() { return bf16gemm_selected_kernel(); }
  static std::uint16_t narrow(float x) { return f32_to_bf16(x); }
  static float widen(std::uint16_t h) { return bf16_to_f32(h); }
  template <typename TB>
  static Packed pack(WeightLayout l, index_t K, index_t N, const TB* B, index_t ldb, const Options& o) {
    return bf16gemm_pack_b(l, K, N, B, ldb, o);
  }
  template <typename TA>
  static void run(index_t M, index_t N, index_t K, float alpha, const TA* A, index_t lda, const Packed& B, float beta,
                  float* C, index_t ldc, const Options& o) {
    bf16gemm_packed(M, N, K, alpha, A, lda, B, beta, C, ldc, o);
  }
  static void gemv(index_t N, index_t K, float alpha, const float* x, const Packed& B, float beta, float* y) {
    bf16gemv_packed(N, K, alpha, x, B, beta, y);
  }
};

namespace detail {
// The registry entries, constants defined in the ISA files (common/dispatch.h).
extern const Bf16gemmKernel bf16gemm_kernel_scalar;
extern const Bf16gemmKernel bf16gemm_kernel_avx2;
extern const Bf16gemmKernel bf16gemm_kernel_avx512;
extern const Bf16gemmKernel bf16gemm_kernel_avx512bf16;
extern const Bf16gemmKernel bf16gemm_kernel_amx;
// The VDPBF16PS M = 1 microkernel (k-pair panels), shared by the AMX kernel for GEMV.
void bf16gemm_dpbf16_m1(index_t k, const void* a, const void* b, float* c, index_t ldc, int n, float alpha,
                        float beta);
}  // namespace detail

}  // namespace ik::cpu

// GPU GEMM: the host API and contract of every CUDA GEMM kernel in gpu/gemm/.
//
//   C[M x N] = A[M x K] * B[K x N]      (no alpha/beta: C is overwritten, never read)
//
// All matrices are row-major with explicit leading dimensions (elements between row starts) and
// live in device memory; B is the weight. Results are written only inside the M x N window of C
// (padding columns between N and ldc are not touched). Every entry point validates all
// arguments *before its first CUDA call* and throws ik::Error naming the argument and the value,
// so bad input is reported identically with or without a GPU. CUDA failures (launch errors)
// throw ik::Error with the CUDA error string. Launches are asynchronous on `stream`; faults
// inside a kernel surface at the caller's next synchronizing call.
//
// The ladder (one .cu per version, each adds one idea; see the header of each file):
//   v1 sgemm_simt      fp32, SIMT FMA, 128x128x8 shared tiles, 8x8 register blocking per thread
//   v2 hgemm_wmma      fp16 in, fp32 accumulate/out, WMMA 16x16x16 tensor-core fragments
//   v2b hgemm_wmma_multistage   the same WMMA calls fed by a cp.async 4-stage pipeline, 64x64
//                      warp tiles in a 128x256x32 block, double-buffered fragments
//   v3 hgemm_mma       fp16 in, fp32 out: inline-PTX mma.sync m16n8k16, ldmatrix(.trans),
//      bgemm_mma       bf16 in   cp.async 3-stage pipeline, XOR-swizzled smem, 128x128x32 block,
//                                64x64 warp tiles, grouped block rasterization for L2 reuse
//      *_128x256       the same with a 128x256x32 block, 8 warps, 4 stages (the fastest here)
//   igemm_s8_mma       int8 in, int32 out (exact): mma.sync m16n8k32, same pipeline, B^T weight
//      igemm_s8_mma_128x256   the same with a 128x256x64 block, 8 warps, 4 stages
//   igemm_s8_mma_dequant   the same plus C_f32[m][n] = (scale_a * scale_b[n]) * float(acc[m][n])
//
// Preconditions beyond M, N, K >= 1 and ld >= row length:
//   v1, v2: none (element loads; any alignment, any leading dimension).
//   v3, int8: 16-byte vector loads (cp.async): A and B (B^T) must be 16-byte aligned and
//   lda, ldb must be multiples of 8 halves (16 bytes for int8). C: any alignment and ldc.
//   M, N, K and leading dimensions must be < 2^31.
//   Every kernel handles any M, N, K (zero-filled tails), not only tile multiples.
//   v3 and int8 need sm_80 or newer (they are compiled for sm_80 and sm_90 only).
//
// int8 weight layout: there is no byte-granular ldmatrix.trans before sm_100, so the int8 kernel
// takes the weight transposed, B^T as N x K row-major (ldbt >= K): the layout of an nn.Linear
// weight [out_features, in_features]. transpose_s8() prepares it once from a K x N matrix.
//
// Tests: make gpu-test GPU_ARGS='-tc=*gpu gemm*'   Bench: make bench-gpu FILTER=hgemm
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "common/error.h"
#include "common/matrix.h"

namespace ik::gpu {

// v1: fp32 SIMT baseline (gpu/gemm/sgemm_v1_simt.cu).
void sgemm_simt(index_t M, index_t N, index_t K, const float* A, index_t lda, const float* B,
                index_t ldb, float* C, index_t ldc, cudaStream_t stream = nullptr);

// v2: fp16 WMMA, fp32 accumulate (gpu/gemm/hgemm_v2_wmma.cu).
void hgemm_wmma(index_t M, index_t N, index_t K, const __half* A, index_t lda, const __half* B,
                index_t ldb, float* C, index_t ldc, cudaStream_t stream = nullptr);

// v3: fp16 / bf16 mma.sync + ldmatrix + cp.async pipeline (gpu/gemm/hgemm_v3_mma.cu).
void hgemm_mma(index_t M, index_t N, index_t K, const __half* A, index_t lda, const __half* B,
               index_t ldb, float* C, index_t ldc, cudaStream_t stream = nullptr);
void bgemm_mma(index_t M, index_t N, index_t K, const __nv_bfloat16* A, index_t lda,
               const __nv_bfloat16* B, index_t ldb, float* C, index_t ldc,
               cudaStream_t stream = nullptr);
// The same kernel with a larger block tile (same preconditions): 128 x 256 x 32, 8 warps of
// 64 x 64, 4 stages (96 KiB of shared memory, opted in). Tried on an H200 and dropped:
// 256 x 128 x 32 (4-11% slower than 128 x 256) and 128 x 256 x 64 with 3 or 4 stages (no
// faster; retried with the interior copy path, 3 stages: 399-415 TFLOP/s against 431-435 at
// 4096^3 and 8192^3).
void hgemm_mma_128x256(index_t M, index_t N, index_t K, const __half* A, index_t lda,
                       const __half* B, index_t ldb, float* C, index_t ldc,
                       cudaStream_t stream = nullptr);
void bgemm_mma_128x256(index_t M, index_t N, index_t K, const __nv_bfloat16* A, index_t lda,
                       const __nv_bfloat16* B, index_t ldb, float* C, index_t ldc,
                       cudaStream_t stream = nullptr);

// v2b: fp16 WMMA with the cp.async multistage pipeline and 64 x 64 warp tiles
// (gpu/gemm/hgemm_v2b_wmma_multistage.cu). Preconditions as v3 (16-byte aligned A, B, lda, ldb).
void hgemm_wmma_multistage(index_t M, index_t N, index_t K, const __half* A, index_t lda,
                           const __half* B, index_t ldb, float* C, index_t ldc,
                           cudaStream_t stream = nullptr);

// int8 (gpu/gemm/igemm_v3_mma_s8.cu). Bt is B^T: N x K row-major, ldbt >= K.
// Exact: C[m][n] = sum_k A[m][k] * Bt[n][k] in int32 (no overflow for K <= 2^17 with values in
// [-128, 127]: |sum| <= K * 2^14 < 2^31).
void igemm_s8_mma(index_t M, index_t N, index_t K, const std::int8_t* A, index_t lda,
                  const std::int8_t* Bt, index_t ldbt, std::int32_t* C, index_t ldc,
                  cudaStream_t stream = nullptr);
// The same kernel with a 128 x 256 x 64 block tile (8 warps, 4 stages, 96 KiB opted in).
void igemm_s8_mma_128x256(index_t M, index_t N, index_t K, const std::int8_t* A, index_t lda,
                          const std::int8_t* Bt, index_t ldbt, std::int32_t* C, index_t ldc,
                          cudaStream_t stream = nullptr);
// Dequantizing epilogue, specified bit for bit: with acc the exact int32 sum above,
//   C[m][n] = fl(fl(scale_a * scale_b[n]) * fl(float(acc)))   (fp32, round to nearest each step)
// scale_b: device pointer to N per-column (per output channel) scales.
void igemm_s8_mma_dequant(index_t M, index_t N, index_t K, const std::int8_t* A, index_t lda,
                          const std::int8_t* Bt, index_t ldbt, float scale_a, const float* scale_b,
                          float* C, index_t ldc, cudaStream_t stream = nullptr);
// Weight preparation: Bt[n][k] = B[k][n] (B: K x N, ldb >= N; Bt: N x K, ldbt >= K).
void transpose_s8(index_t K, index_t N, const std::int8_t* B, index_t ldb, std::int8_t* Bt,
                  index_t ldbt, cudaStream_t stream = nullptr);

// ---- registries: tests and benchmarks loop over these, so a new variant is one line ---------
template <typename In, typename Out>
using GemmFn = void (*)(index_t, index_t, index_t, const In*, index_t, const In*, index_t, Out*,
                        index_t, cudaStream_t);

template <typename In, typename Out>
struct GemmVariant {
  const char* name;  // XNNPACK/BLIS-style: <op>_<block tile>_<arch>_<technique>
  GemmFn<In, Out> fn;
  int tile_m, tile_n, tile_k;
  int min_sm;         // 10 * major + minor; 80 for all: the fatbin holds sm_80/sm_90 code only
  bool needs_vec16;   // 16-byte aligned A/B and leading dimensions (cp.async)
};

inline constexpr GemmVariant<float, float> kSgemmVariants[] = {
    {"sgemm_128x128x8_simt_8x8", &sgemm_simt, 128, 128, 8, 80, false},
};
inline constexpr GemmVariant<__half, float> kHgemmVariants[] = {
    {"hgemm_f32acc_64x64x32_wmma", &hgemm_wmma, 64, 64, 32, 80, false},
    {"hgemm_f32acc_128x256x32_wmma_4stage", &hgemm_wmma_multistage, 128, 256, 32, 80, true},
    {"hgemm_f32acc_128x128x32_sm80_mma_3stage", &hgemm_mma, 128, 128, 32, 80, true},
    {"hgemm_f32acc_128x256x32_sm80_mma_4stage", &hgemm_mma_128x256, 128, 256, 32, 80, true},
};
inline constexpr GemmVariant<__nv_bfloat16, float> kBgemmVariants[] = {
    {"bgemm_f32acc_128x128x32_sm80_mma_3stage", &bgemm_mma, 128, 128, 32, 80, true},
    {"bgemm_f32acc_128x256x32_sm80_mma_4stage", &bgemm_mma_128x256, 128, 256, 32, 80, true},
};
// B operand is B^T (N x K) for the int8 variants.
inline constexpr GemmVariant<std::int8_t, std::int32_t> kIgemmVariants[] = {
    {"igemm_s8s8s32_128x128x64_sm80_mma_3stage", &igemm_s8_mma, 128, 128, 64, 80, true},
    {"igemm_s8s8s32_128x256x64_sm80_mma_4stage", &igemm_s8_mma_128x256, 128, 256, 64, 80, true},
};

namespace detail {
// Shared validation (throws ik::Error, makes no CUDA call). The B operand as passed is K x N
// (ldb >= N), or N x K (ldb >= K) when b_transposed. vec_bytes > 0: A and B are read with
// vec_bytes-wide loads, so their addresses and row strides must be multiples of it.
inline void check_gemm_args(const char* where, index_t M, index_t N, index_t K, const void* A,
                            index_t lda, const void* B, index_t ldb, bool b_transposed,
                            const void* C, index_t ldc, int elem_bytes, int vec_bytes) {
  constexpr index_t kMax = 0x7fffffff;
  IK_REQUIRE(M >= 1 && M <= kMax, where, "M = ", M, " (need 1 <= M < 2^31)");
  IK_REQUIRE(N >= 1 && N <= kMax, where, "N = ", N, " (need 1 <= N < 2^31)");
  IK_REQUIRE(K >= 1 && K <= kMax, where, "K = ", K, " (need 1 <= K < 2^31)");
  IK_REQUIRE(A != nullptr, where, "A is null");
  IK_REQUIRE(B != nullptr, where, b_transposed ? "Bt is null" : "B is null");
  IK_REQUIRE(C != nullptr, where, "C is null");
  IK_REQUIRE(lda >= K && lda <= kMax, where, "lda = ", lda, " < K = ", K);
  if (b_transposed)
    IK_REQUIRE(ldb >= K && ldb <= kMax, where, "ldbt = ", ldb, " < K = ", K);
  else
    IK_REQUIRE(ldb >= N && ldb <= kMax, where, "ldb = ", ldb, " < N = ", N);
  IK_REQUIRE(ldc >= N && ldc <= kMax, where, "ldc = ", ldc, " < N = ", N);
  if (vec_bytes > 0) {
    const char* bname = b_transposed ? "Bt" : "B";
    const char* ldbname = b_transposed ? "ldbt" : "ldb";
    IK_REQUIRE(reinterpret_cast<std::uintptr_t>(A) % vec_bytes == 0, where, "A = ", A,
               " is not ", vec_bytes, "-byte aligned");
    IK_REQUIRE(reinterpret_cast<std::uintptr_t>(B) % vec_bytes == 0, where, bname, " = ", B,
               " is not ", vec_bytes, "-byte aligned");
    IK_REQUIRE(lda * elem_bytes % vec_bytes == 0, where, "lda = ", lda, " is not a multiple of ",
               vec_bytes / elem_bytes, " elements (", vec_bytes, " bytes)");
    IK_REQUIRE(ldb * elem_bytes % vec_bytes == 0, where, ldbname, " = ", ldb,
               " is not a multiple of ", vec_bytes / elem_bytes, " elements (", vec_bytes,
               " bytes)");
  }
}
}  // namespace detail

}  // namespace ik::gpu

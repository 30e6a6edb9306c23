// v2: fp16 GEMM on tensor cores through the WMMA API, fp32 accumulate and output.
//
//   C[M x N] (fp32) = A[M x K] (fp16) * B[K x N] (fp16)      row-major, fp32 accumulation
//
// The one idea over v1: the inner product runs on tensor cores. nvcuda::wmma (CUDA C++
// Programming Guide, "Warp Matrix Functions") multiplies 16 x 16 x 16 fragments per warp
// instruction (HMMA.16816 x2 in SASS on sm_80/sm_90). A 128-thread block computes a 64 x 64 tile
// of C; its 4 warps (2 x 2) each own a 32 x 32 sub-tile = 2 x 2 accumulator fragments.
//
//   shared:  As[64][32+8] half   Bs[32][64+8] half   (+8 halves of padding per row: rows are
//            then 80 / 144 bytes apart, which spreads the 16-row fragment loads over the banks
//            and keeps every fragment pointer 32-byte aligned, as load_matrix_sync requires)
//            Cs[64][64+4] float  (accumulators are staged here for the predicated store)
//
// WMMA fragment element order is unspecified, so nothing here indexes frag.x[]: the epilogue
// goes through store_matrix_sync into shared memory and from there to C with bounds checks.
// Registers: the tile-load loops are unrolled 8 (not 16): fully unrolled, ptxas hoisted all 32
// loads and used ~250 registers; now ~85, and __launch_bounds__(128, 4) keeps 4 blocks per SM.
// Edges: element loads, zero outside the matrices, so any M, N, K, leading dimension and
// alignment work. Still single-buffered with plain loads: latency hiding (cp.async), ldmatrix and
// larger warp tiles are v3's ideas.
//
// Test:  make gpu-test GPU_ARGS='-tc=*gpu gemm*fp16*'
// Bench: make bench-gpu FILTER=hgemm_f32acc_64x64x32_wmma
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include "gpu/common/cuda_check.cuh"
#include "gpu/gemm/gemm_gpu.cuh"

namespace ik::gpu::kernels {

constexpr int kWmmaBM = 64, kWmmaBN = 64, kWmmaBK = 32, kWmmaThreads = 128;
constexpr int kWmmaPadA = 8, kWmmaPadB = 8, kWmmaPadC = 4;

__global__ void __launch_bounds__(kWmmaThreads, 4)
    hgemm_wmma_kernel(int M, int N, int K, const __half* __restrict__ A, long long lda,
                      const __half* __restrict__ B, long long ldb, float* __restrict__ C,
                      long long ldc) {
  using namespace nvcuda;
  __shared__ __align__(32) __half As[kWmmaBM][kWmmaBK + kWmmaPadA];
  __shared__ __align__(32) __half Bs[kWmmaBK][kWmmaBN + kWmmaPadB];
  __shared__ __align__(32) float Cs[kWmmaBM][kWmmaBN + kWmmaPadC];

  const int tid = threadIdx.x, warp = tid / 32;
  const int wm = warp / 2, wn = warp % 2;  // 2 x 2 warps, 32 x 32 each
  const int m0 = blockIdx.y * kWmmaBM, n0 = blockIdx.x * kWmmaBN;
  const __half zero = __float2half(0.0f);

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  for (int k0 = 0; k0 < K; k0 += kWmmaBK) {
#pragma unroll 8  // fully unrolled, ptxas hoists all 16 loads and needs ~250 registers
    for (int i = 0; i < kWmmaBM * kWmmaBK / kWmmaThreads; ++i) {
      const int idx = tid + i * kWmmaThreads;
      const int r = idx / kWmmaBK, k = idx % kWmmaBK;
      const int gr = m0 + r, gk = k0 + k;
      As[r][k] = (gr < M && gk < K) ? A[gr * lda + gk] : zero;
    }
#pragma unroll 8
    for (int i = 0; i < kWmmaBK * kWmmaBN / kWmmaThreads; ++i) {
      const int idx = tid + i * kWmmaThreads;
      const int k = idx / kWmmaBN, c = idx % kWmmaBN;
      const int gk = k0 + k, gc = n0 + c;
      Bs[k][c] = (gk < K && gc < N) ? B[gk * ldb + gc] : zero;
    }
    __syncthreads();

#pragma unroll
    for (int kk = 0; kk < kWmmaBK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[2];
#pragma unroll
      for (int i = 0; i < 2; ++i)
        wmma::load_matrix_sync(a[i], &As[wm * 32 + i * 16][kk], kWmmaBK + kWmmaPadA);
#pragma unroll
      for (int j = 0; j < 2; ++j)
        wmma::load_matrix_sync(b[j], &Bs[kk][wn * 32 + j * 16], kWmmaBN + kWmmaPadB);
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(&Cs[wm * 32 + i * 16][wn * 32 + j * 16], acc[i][j],
                              kWmmaBN + kWmmaPadC, wmma::mem_row_major);
  __syncthreads();
#pragma unroll 4
  for (int i = 0; i < kWmmaBM * kWmmaBN / kWmmaThreads; ++i) {
    const int idx = tid + i * kWmmaThreads;
    const int r = idx / kWmmaBN, c = idx % kWmmaBN;
    const int gr = m0 + r, gc = n0 + c;
    if (gr < M && gc < N) C[gr * ldc + gc] = Cs[r][c];
  }
}

}  // namespace ik::gpu::kernels

namespace ik::gpu {

void hgemm_wmma(index_t M, index_t N, index_t K, const __half* A, index_t lda, const __half* B,
                index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  detail::check_gemm_args("ik::gpu::hgemm_wmma", M, N, K, A, lda, B, ldb, false, C, ldc,
                          sizeof(__half), 0);
  using namespace kernels;
  const index_t tiles_m = (M + kWmmaBM - 1) / kWmmaBM, tiles_n = (N + kWmmaBN - 1) / kWmmaBN;
  IK_REQUIRE(tiles_m <= 65535, "ik::gpu::hgemm_wmma", "M = ", M, " needs ", tiles_m,
             " block rows > 65535 (grid.y limit)");
  dim3 grid(static_cast<unsigned>(tiles_n), static_cast<unsigned>(tiles_m));
  hgemm_wmma_kernel<<<grid, kWmmaThreads, 0, stream>>>(static_cast<int>(M), static_cast<int>(N),
                                                       static_cast<int>(K), A, lda, B, ldb, C,
                                                       ldc);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu

// v1: fp32 SIMT tiled GEMM, the GPU baseline every tensor-core version is measured against.
//
//   C[M x N] = A[M x K] * B[K x N]      fp32 in, fp32 FMA accumulate, fp32 out; row-major
//
// Technique (siboehm/SGEMM_CUDA kernels 4-5, "register blocking"): a 256-thread block computes
// a 128 x 128 tile of C. Per K step of 8 it stages A (128 x 8, stored transposed as As[k][m]) and
// B (8 x 128, Bs[k][n]) in shared memory, and each thread accumulates an 8 x 8 sub-tile in
// registers: per k it reads 8 A and 8 B values (four float4 shared loads) and does 64 FMAs, so
// shared-memory traffic is 1/8 of the FMA count instead of 2x.
//
//   thread (ty, tx) in a 16 x 16 grid owns rows  {ty*4 .. ty*4+3} and {64+ty*4 .. 64+ty*4+3}
//                                        cols  {tx*4 .. tx*4+3} and {64+tx*4 .. 64+tx*4+3}
//   (two 4-wide halves instead of 8 contiguous: a warp's float4 reads of Bs[k][tx*4..] then cover
//   256 contiguous bytes, bank-conflict free; the A reads are broadcasts)
//
// Register budget: 64 accumulators + 16 operands + addressing, about 120 registers, no spills.
// Edges: every global load is predicated (zero outside M x K / K x N), every store is predicated,
// so any M, N, K and any leading dimension and alignment work. Single-buffered (two barriers per
// K step): the latency hiding of later versions is deliberately absent here.
//
// Test:  make gpu-test GPU_ARGS='-tc=*gpu gemm*fp32*'
// Bench: make bench-gpu FILTER=sgemm
#include <cuda_runtime.h>

#include "gpu/common/cuda_check.cuh"
#include "gpu/gemm/gemm_gpu.cuh"

namespace ik::gpu::kernels {

constexpr int kSimtBM = 128, kSimtBN = 128, kSimtBK = 8, kSimtThreads = 256;

__global__ void __launch_bounds__(kSimtThreads)
    sgemm_simt_kernel(int M, int N, int K, const float* __restrict__ A, long long lda,
                      const float* __restrict__ B, long long ldb, float* __restrict__ C,
                      long long ldc) {
  __shared__ __align__(16) float As[kSimtBK][kSimtBM];
  __shared__ __align__(16) float Bs[kSimtBK][kSimtBN];

  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  const int m0 = blockIdx.y * kSimtBM, n0 = blockIdx.x * kSimtBN;

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < K; k0 += kSimtBK) {
    // A tile: 8 consecutive threads read one row's 8 k values (32 contiguous bytes).
#pragma unroll
    for (int i = 0; i < kSimtBM * kSimtBK / kSimtThreads; ++i) {
      const int idx = tid + i * kSimtThreads;
      const int r = idx / kSimtBK, k = idx % kSimtBK;
      const int gr = m0 + r, gk = k0 + k;
      As[k][r] = (gr < M && gk < K) ? A[gr * lda + gk] : 0.0f;
    }
    // B tile: consecutive threads read consecutive columns (coalesced).
#pragma unroll
    for (int i = 0; i < kSimtBN * kSimtBK / kSimtThreads; ++i) {
      const int idx = tid + i * kSimtThreads;
      const int k = idx / kSimtBN, c = idx % kSimtBN;
      const int gk = k0 + k, gc = n0 + c;
      Bs[k][c] = (gk < K && gc < N) ? B[gk * ldb + gc] : 0.0f;
    }
    __syncthreads();

#pragma unroll
    for (int k = 0; k < kSimtBK; ++k) {
      float a[8], b[8];
      const float4 a0 = *reinterpret_cast<const float4*>(&As[k][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4*>(&As[k][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&Bs[k][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&Bs[k][64 + tx * 4]);
      a[0] = a0.x; a[1] = a0.y; a[2] = a0.z; a[3] = a0.w;
      a[4] = a1.x; a[5] = a1.y; a[6] = a1.z; a[7] = a1.w;
      b[0] = b0.x; b[1] = b0.y; b[2] = b0.z; b[3] = b0.w;
      b[4] = b1.x; b[5] = b1.y; b[6] = b1.z; b[7] = b1.w;
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int r = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
    if (r >= M) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int c = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + (j - 4));
      if (c < N) C[r * ldc + c] = acc[i][j];
    }
  }
}

}  // namespace ik::gpu::kernels

namespace ik::gpu {

void sgemm_simt(index_t M, index_t N, index_t K, const float* A, index_t lda, const float* B,
                index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  detail::check_gemm_args("ik::gpu::sgemm_simt", M, N, K, A, lda, B, ldb, false, C, ldc,
                          sizeof(float), 0);
  using namespace kernels;
  const index_t tiles_m = (M + kSimtBM - 1) / kSimtBM, tiles_n = (N + kSimtBN - 1) / kSimtBN;
  IK_REQUIRE(tiles_m <= 65535, "ik::gpu::sgemm_simt", "M = ", M, " needs ", tiles_m,
             " block rows > 65535 (grid.y limit)");
  dim3 grid(static_cast<unsigned>(tiles_n), static_cast<unsigned>(tiles_m));
  sgemm_simt_kernel<<<grid, kSimtThreads, 0, stream>>>(static_cast<int>(M), static_cast<int>(N),
                                                       static_cast<int>(K), A, lda, B, ldb, C,
                                                       ldc);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu

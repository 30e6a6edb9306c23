// v2b: fp16 GEMM through the WMMA API, now fed by a cp.async multistage pipeline with 64 x 64
// warp tiles. fp32 accumulate and output.
//
//   C[M x N] (fp32) = A[M x K] (fp16) * B[K x N] (fp16)      row-major
//
// v2 spends most of its time waiting: every k-tile is loaded with element loads through
// registers, then a barrier, then 4 fragments of math per warp. This version keeps the WMMA API
// (opaque fragments, load_matrix_sync / mma_sync / store_matrix_sync) and changes only how data
// arrives and how much math each load feeds:
//   1. cp.async.cg 16-byte global->shared copies ("cp.async" in the PTX ISA) in a 4-stage ring:
//      while k-tile kt is multiplied, kt+1..kt+3 are in flight. Tails read src_bytes < 16 and
//      the rest is zero-filled, so there is no separate edge path.
//   2. Block 128 x 256 x 32, 8 warps (2 x 4), each warp 64 x 64 = 4 x 4 accumulator fragments:
//      per k16 step a warp loads 4 A + 4 B fragments and issues 16 mma_sync (v2: 2 + 2 for 4).
//      The fragments are double-buffered across k16 steps and k-tiles (v3's main-loop order).
//   3. Padding instead of a swizzle (WMMA takes a pointer and a leading dimension, so an XOR
//      swizzle cannot be expressed): A rows are 32 + 8 halves (80 bytes) and B rows 256 + 8
//      halves (528 bytes = 4 banks past a multiple of 128 bytes), so the 8 rows of each
//      ldmatrix phase (what load_matrix_sync compiles to on sm_80+) hit 8 different bank groups,
//      and every fragment pointer stays 32-byte aligned as load_matrix_sync requires.
//
//   shared, per stage: A 128 x 40 halves (10 KiB) + B 32 x 264 halves (16.5 KiB); 4 stages =
//   106 KiB (opted in above the 48 KiB default). Registers: 128 fp32 accumulators + 2 x 32
//   fragment registers + addressing (253-255, no spills), one 256-thread block per SM.
//
// Epilogue: a fragment entirely inside C goes straight to global memory with store_matrix_sync
// when C is 32-byte aligned and ldc a multiple of 4 (its pointer and ldm rules); edge fragments
// go through a 16 x 16 per-warp scratch in the (then idle) pipeline memory, with bounds checks.
// Preconditions (ik::Error): A, B 16-byte aligned, lda, ldb multiples of 8 halves (cp.async).
//
// Test:  make gpu-test GPU_ARGS='-tc=*gpu gemm*fp16*'
// Bench: make bench-gpu FILTER=wmma
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <cstdint>

#include "gpu/common/cuda_check.cuh"
#include "gpu/gemm/gemm_gpu.cuh"
#include "gpu/gemm/mma_layout.cuh"
#include "gpu/gemm/ptx.cuh"

namespace ik::gpu::kernels {

constexpr int kWmsBM = 128, kWmsBN = 256, kWmsBK = 32, kWmsStages = 4;
constexpr int kWmsWarpsM = 2, kWmsWarpsN = 4, kWmsThreads = 32 * kWmsWarpsM * kWmsWarpsN;
constexpr int kWmsWTM = kWmsBM / kWmsWarpsM, kWmsWTN = kWmsBN / kWmsWarpsN;  // 64 x 64
constexpr int kWmsFragM = kWmsWTM / 16, kWmsFragN = kWmsWTN / 16;            // 4 x 4
constexpr int kWmsLdA = kWmsBK + 8, kWmsLdB = kWmsBN + 8;                     // halves
constexpr int kWmsStageABytes = kWmsBM * kWmsLdA * 2;
constexpr int kWmsStageBBytes = kWmsBK * kWmsLdB * 2;
constexpr int kWmsSmemBytes = kWmsStages * (kWmsStageABytes + kWmsStageBBytes);
constexpr int kWmsGroupM = 8;
static_assert(kWmsStageABytes % 32 == 0 && kWmsStageBBytes % 32 == 0, "32-byte fragment pointers");
static_assert(kWmsSmemBytes <= 227 * 1024, "shared memory per block");
static_assert(kWmsThreads / 32 * 16 * 16 * 4 <= kWmsSmemBytes, "epilogue scratch fits");

__global__ void __launch_bounds__(kWmsThreads, 1)
    hgemm_wmma_multistage_kernel(int M, int N, int K, const __half* __restrict__ A, long long lda,
                                 const __half* __restrict__ B, long long ldb,
                                 float* __restrict__ C, long long ldc, bool direct_store) {
  using namespace nvcuda;
  extern __shared__ __align__(128) unsigned char smem[];
  __half* const sA = reinterpret_cast<__half*>(smem);
  __half* const sB = reinterpret_cast<__half*>(smem + kWmsStages * kWmsStageABytes);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp / kWmsWarpsN, warp_n = warp % kWmsWarpsN;

  const int tiles_m = (M + kWmsBM - 1) / kWmsBM, tiles_n = (N + kWmsBN - 1) / kWmsBN;
  const mma::TileCoord tile = mma::raster_grouped(blockIdx.x, tiles_m, tiles_n, kWmsGroupM);
  const int m0 = tile.m * kWmsBM, n0 = tile.n * kWmsBN;
  const int num_k_tiles = (K + kWmsBK - 1) / kWmsBK;

  auto load_tile = [&](int stage, int kt) {
    const int k0 = kt * kWmsBK;
    __half* a_st = sA + stage * (kWmsBM * kWmsLdA);
    __half* b_st = sB + stage * (kWmsBK * kWmsLdB);
    constexpr int kACpr = kWmsBK / 8, kBCpr = kWmsBN / 8;  // 16-byte chunks per row
#pragma unroll
    for (int i = 0; i < kWmsBM * kACpr / kWmsThreads; ++i) {
      const int id = tid + i * kWmsThreads;
      const int r = id / kACpr, ch = id % kACpr;
      const int gr = m0 + r, gk = k0 + ch * 8;
      const __half* src = A;
      int bytes = 0;
      if (gr < M && gk < K) {
        src = A + gr * lda + gk;
        bytes = min(16, (K - gk) * 2);
      }
      ptx::cp_async_16(ptx::smem_addr(a_st + r * kWmsLdA + ch * 8), src, bytes);
    }
#pragma unroll
    for (int i = 0; i < kWmsBK * kBCpr / kWmsThreads; ++i) {
      const int id = tid + i * kWmsThreads;
      const int r = id / kBCpr, ch = id % kBCpr;
      const int gk = k0 + r, gc = n0 + ch * 8;
      const __half* src = B;
      int bytes = 0;
      if (gk < K && gc < N) {
        src = B + gk * ldb + gc;
        bytes = min(16, (N - gc) * 2);
      }
      ptx::cp_async_16(ptx::smem_addr(b_st + r * kWmsLdB + ch * 8), src, bytes);
    }
  };

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[kWmsFragM][kWmsFragN];
#pragma unroll
  for (int i = 0; i < kWmsFragM; ++i)
#pragma unroll
    for (int j = 0; j < kWmsFragN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

#pragma unroll
  for (int s = 0; s < kWmsStages - 1; ++s) {
    if (s < num_k_tiles) load_tile(s, s);
    ptx::cp_async_commit();  // committed even when empty: wait_group<S-2> then means "kt landed"
  }

  // Fragments are double-buffered: those of the next k16 step (of the next k-tile, at the last
  // step, right after the barrier that makes it visible) are loaded before the mma of this one.
  // Per k-tile: step 0 also starts the cp.async of tile kt+S-1 into the slot that held kt-1
  // (every warp has passed the barrier that follows its last read of that slot).
  constexpr int kSteps = kWmsBK / 16;
  static_assert(kSteps % 2 == 0, "fragment buffers alternate");
  wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a[2][kWmsFragM];
  wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> b[2][kWmsFragN];
  auto load_frags = [&](int buf, int stage, int kk) {
    const __half* a_st = sA + stage * (kWmsBM * kWmsLdA) + warp_m * kWmsWTM * kWmsLdA + kk * 16;
    const __half* b_st = sB + stage * (kWmsBK * kWmsLdB) + kk * 16 * kWmsLdB + warp_n * kWmsWTN;
#pragma unroll
    for (int i = 0; i < kWmsFragM; ++i)
      wmma::load_matrix_sync(a[buf][i], a_st + i * 16 * kWmsLdA, kWmsLdA);
#pragma unroll
    for (int j = 0; j < kWmsFragN; ++j)
      wmma::load_matrix_sync(b[buf][j], b_st + j * 16, kWmsLdB);
  };

  ptx::cp_async_wait<kWmsStages - 2>();
  __syncthreads();
  load_frags(0, 0, 0);
  for (int kt = 0; kt < num_k_tiles; ++kt) {
    const int stage = kt % kWmsStages;
#pragma unroll
    for (int kk = 0; kk < kSteps; ++kk) {
      if (kk == kSteps - 1) {
        ptx::cp_async_wait<kWmsStages - 2>();  // tile kt+1 landed (S-1 + kt+1 groups committed)
        __syncthreads();
        if (kt + 1 < num_k_tiles) load_frags(0, (kt + 1) % kWmsStages, 0);
      } else {
        load_frags((kk + 1) & 1, stage, kk + 1);
      }
      if (kk == 0) {
        const int next = kt + kWmsStages - 1;
        if (next < num_k_tiles) load_tile(next % kWmsStages, next);
        ptx::cp_async_commit();
      }
#pragma unroll
      for (int i = 0; i < kWmsFragM; ++i)
#pragma unroll
        for (int j = 0; j < kWmsFragN; ++j)
          wmma::mma_sync(acc[i][j], a[kk & 1][i], b[kk & 1][j], acc[i][j]);
    }
  }
  ptx::cp_async_wait<0>();
  __syncthreads();  // the pipeline memory becomes the epilogue scratch

  float* scratch = reinterpret_cast<float*>(smem) + warp * 16 * 16;
#pragma unroll
  for (int i = 0; i < kWmsFragM; ++i)
#pragma unroll
    for (int j = 0; j < kWmsFragN; ++j) {
      const int r0 = m0 + warp_m * kWmsWTM + i * 16, c0 = n0 + warp_n * kWmsWTN + j * 16;
      if (r0 >= M || c0 >= N) continue;  // warp-uniform
      if (direct_store && r0 + 16 <= M && c0 + 16 <= N) {
        wmma::store_matrix_sync(C + r0 * ldc + c0, acc[i][j], static_cast<unsigned>(ldc),
                                wmma::mem_row_major);
        continue;
      }
      wmma::store_matrix_sync(scratch, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        const int idx = lane + 32 * e, r = idx / 16, c = idx % 16;
        if (r0 + r < M && c0 + c < N) C[(r0 + r) * ldc + c0 + c] = scratch[idx];
      }
      __syncwarp();
    }
}

}  // namespace ik::gpu::kernels

namespace ik::gpu {

void hgemm_wmma_multistage(index_t M, index_t N, index_t K, const __half* A, index_t lda,
                           const __half* B, index_t ldb, float* C, index_t ldc,
                           cudaStream_t stream) {
  using namespace kernels;
  const char* where = "ik::gpu::hgemm_wmma_multistage";
  detail::check_gemm_args(where, M, N, K, A, lda, B, ldb, false, C, ldc, sizeof(__half), 16);
  const index_t tiles = ((M + kWmsBM - 1) / kWmsBM) * ((N + kWmsBN - 1) / kWmsBN);
  IK_REQUIRE(tiles <= 0x7fffffff, where, "M = ", M, ", N = ", N, " need ", tiles,
             " blocks > 2^31 - 1");
  static const cudaError_t opt_in =
      cudaFuncSetAttribute(hgemm_wmma_multistage_kernel,
                           cudaFuncAttributeMaxDynamicSharedMemorySize, kWmsSmemBytes);
  IK_CUDA_CHECK(opt_in);
  // store_matrix_sync to global: 256-bit aligned pointer, ldm a multiple of 4 floats.
  const bool direct_store = reinterpret_cast<std::uintptr_t>(C) % 32 == 0 && ldc % 4 == 0;
  hgemm_wmma_multistage_kernel<<<static_cast<unsigned>(tiles), kWmsThreads, kWmsSmemBytes,
                                 stream>>>(static_cast<int>(M), static_cast<int>(N),
                                           static_cast<int>(K), A, lda, B, ldb, C, ldc,
                                           direct_store);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu

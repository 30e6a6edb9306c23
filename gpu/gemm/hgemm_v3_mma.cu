// v3: fp16 / bf16 GEMM with hand-written tensor-core code: inline-PTX mma.sync, ldmatrix,
// a cp.async multistage pipeline and XOR-swizzled shared memory. fp32 accumulate and output.
//
//   C[M x N] (fp32) = A[M x K] (fp16|bf16) * B[K x N] (fp16|bf16)     row-major
//
// Ideas added over v2 (each is a PTX ISA section; fragment maps in mma_layout.cuh are unit-tested
// on the host against the PTX ISA tables):
//   1. mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32 ("Warp-level matrix
//      multiply-accumulate instructions: mma"): explicit fragments instead of opaque WMMA ones.
//   2. ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16 ("Warp-level matrix load instruction:
//      ldmatrix"): one instruction loads a whole 16x16 A fragment, or, with .trans, the B
//      fragments of two n8 tiles straight from the K x N row-major tile (B is "col" for mma).
//   3. cp.async.cg.shared.global with src-size ("cp.async"): 16-byte global->shared copies that
//      do not occupy registers, in a 3-stage ring (commit_group / wait_group 1 / __syncthreads):
//      while tile k is multiplied, tiles k+1 and k+2 are in flight. Tails use src-size < 16 (or
//      0), which zero-fills the rest, so the kernel has no separate edge path.
//   4. XOR swizzle of 16-byte chunks (mma_layout.cuh): ldmatrix and cp.async are both
//      bank-conflict free without padding (host test checks every access phase).
//   5. Block rasterization: blocks walk 8 tile-rows at a time column by column, so concurrently
//      running blocks share A and B panels in L2.
//
// Tiling: block 128 x 128 x 32, 128 threads = 4 warps in 2 x 2, each warp 64 x 64 =
// 4 (m16) x 8 (n8) mma tiles: per k16 step 4 ldmatrix.x4 (A) + 4 ldmatrix.x4.trans (B) feed 32
// mma. Registers: 128 fp32 accumulators + 16 A + 16 B fragment registers + addressing (< 255,
// no spills: checked by tools/check_gpu_instructions.sh).
//
//   shared, per stage (16 KiB, 3 stages = 48 KiB, the default dynamic limit, no opt-in needed):
//     A: 128 rows x 32 halves (4 chunks of 16 B per row)  chunk' = chunk ^ ((row >> 1) & 3)
//     B:  32 rows x 128 halves (16 chunks per row)         chunk' = chunk ^ (row & 7)
//
// Preconditions (checked, ik::Error): A, B 16-byte aligned; lda, ldb multiples of 8 elements;
// M, N, K >= 1 (any value: tails are zero-filled); sm_80 or newer.
//
// Test:  make gpu-test GPU_ARGS='-tc=*gpu gemm*'
// Bench: make bench-gpu FILTER=mma
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "gpu/common/cuda_check.cuh"
#include "gpu/gemm/gemm_gpu.cuh"
#include "gpu/gemm/mma_layout.cuh"
#include "gpu/gemm/ptx.cuh"

namespace ik::gpu::kernels {

constexpr int kMmaBM = 128, kMmaBN = 128, kMmaBK = 32, kMmaStages = 3, kMmaThreads = 128;
constexpr int kMmaGroupM = 8;
constexpr int kMmaStageABytes = kMmaBM * kMmaBK * 2;  // 8 KiB
constexpr int kMmaStageBBytes = kMmaBK * kMmaBN * 2;  // 8 KiB
constexpr int kMmaSmemBytes = kMmaStages * (kMmaStageABytes + kMmaStageBBytes);
static_assert(kMmaSmemBytes <= 48 * 1024, "more stages need cudaFuncSetAttribute opt-in");

template <typename T>
struct Mma16816;
template <>
struct Mma16816<__half> {
  static __device__ __forceinline__ void run(float (&d)[4], const std::uint32_t (&a)[4],
                                             std::uint32_t b0, std::uint32_t b1) {
    ptx::mma_m16n8k16_f16(d, a, b0, b1);
  }
};
template <>
struct Mma16816<__nv_bfloat16> {
  static __device__ __forceinline__ void run(float (&d)[4], const std::uint32_t (&a)[4],
                                             std::uint32_t b0, std::uint32_t b1) {
    ptx::mma_m16n8k16_bf16(d, a, b0, b1);
  }
};

template <typename T>
__global__ void __launch_bounds__(kMmaThreads)
    gemm16_mma_kernel(int M, int N, int K, const T* __restrict__ A, long long lda,
                      const T* __restrict__ B, long long ldb, float* __restrict__ C,
                      long long ldc) {
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp >> 1, warp_n = warp & 1;

  const int tiles_m = (M + kMmaBM - 1) / kMmaBM, tiles_n = (N + kMmaBN - 1) / kMmaBN;
  const mma::TileCoord tile = mma::raster_grouped(blockIdx.x, tiles_m, tiles_n, kMmaGroupM);
  const int m0 = tile.m * kMmaBM, n0 = tile.n * kMmaBN;

  const std::uint32_t sA = ptx::smem_addr(smem);
  const std::uint32_t sB = sA + kMmaStages * kMmaStageABytes;
  const int num_k_tiles = (K + kMmaBK - 1) / kMmaBK;

  // Global -> shared for k-tile kt into ring slot `stage`. 512 A chunks and 512 B chunks of
  // 16 bytes, 4 + 4 per thread; chunks outside the matrices read src_bytes < 16 (zero-filled).
  auto load_tile = [&](int stage, int kt) {
    const int k0 = kt * kMmaBK;
    const std::uint32_t a_st = sA + stage * kMmaStageABytes;
    const std::uint32_t b_st = sB + stage * kMmaStageBBytes;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int id = tid + i * kMmaThreads;
      const int r = id >> 2, ch = id & 3;
      const int gr = m0 + r, gk = k0 + ch * 8;
      const T* src = A;
      int bytes = 0;
      if (gr < M && gk < K) {
        src = A + gr * lda + gk;
        bytes = min(16, (K - gk) * 2);
      }
      ptx::cp_async_16(a_st + mma::swizzle_row64(r, ch) * 16, src, bytes);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int id = tid + i * kMmaThreads;
      const int r = id >> 4, ch = id & 15;
      const int gk = k0 + r, gc = n0 + ch * 8;
      const T* src = B;
      int bytes = 0;
      if (gk < K && gc < N) {
        src = B + gk * ldb + gc;
        bytes = min(16, (N - gc) * 2);
      }
      ptx::cp_async_16(b_st + mma::swizzle_row256(r, ch) * 16, src, bytes);
    }
  };

  float acc[4][8][4];
#pragma unroll
  for (int mi = 0; mi < 4; ++mi)
#pragma unroll
    for (int ni = 0; ni < 8; ++ni)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mi][ni][i] = 0.0f;

  // Prologue: stages 0 .. S-2 in flight. A group is committed even when empty so that
  // wait_group<S-2> always means "k-tile kt has landed".
#pragma unroll
  for (int s = 0; s < kMmaStages - 1; ++s) {
    if (s < num_k_tiles) load_tile(s, s);
    ptx::cp_async_commit();
  }

  const mma::RowCol a_lds = mma::ldsm_a_x4(lane);
  const mma::RowCol b_lds = mma::ldsm_b_trans_x4(lane);

  for (int kt = 0; kt < num_k_tiles; ++kt) {
    ptx::cp_async_wait<kMmaStages - 2>();
    // Makes k-tile kt visible to all warps, and guarantees every warp is done with the slot
    // that the load below overwrites (it held k-tile kt-1).
    __syncthreads();
    const int next = kt + kMmaStages - 1;
    if (next < num_k_tiles) load_tile(next % kMmaStages, next);
    ptx::cp_async_commit();

    const int stage = kt % kMmaStages;
    const std::uint32_t a_st = sA + stage * kMmaStageABytes;
    const std::uint32_t b_st = sB + stage * kMmaStageBBytes;
#pragma unroll
    for (int kk = 0; kk < kMmaBK / 16; ++kk) {
      std::uint32_t af[4][4];
      std::uint32_t bf[8][2];
#pragma unroll
      for (int mi = 0; mi < 4; ++mi) {
        const int r = warp_m * 64 + mi * 16 + a_lds.row;
        ptx::ldmatrix_x4(af[mi], a_st + mma::swizzle_row64(r, kk * 2 + a_lds.col) * 16);
      }
#pragma unroll
      for (int nj = 0; nj < 4; ++nj) {
        const int k = kk * 16 + b_lds.row;
        const int ch = warp_n * 8 + nj * 2 + b_lds.col;
        std::uint32_t r[4];
        ptx::ldmatrix_x4_trans(r, b_st + mma::swizzle_row256(k, ch) * 16);
        bf[2 * nj][0] = r[0];
        bf[2 * nj][1] = r[1];
        bf[2 * nj + 1][0] = r[2];
        bf[2 * nj + 1][1] = r[3];
      }
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
#pragma unroll
        for (int ni = 0; ni < 8; ++ni) Mma16816<T>::run(acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
    }
  }
  ptx::cp_async_wait<0>();  // only empty groups can remain; leave nothing in flight

#pragma unroll
  for (int mi = 0; mi < 4; ++mi)
#pragma unroll
    for (int ni = 0; ni < 8; ++ni)
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const mma::RowCol rc = mma::m16n8_c(lane, i);
        const int r = m0 + warp_m * 64 + mi * 16 + rc.row;
        const int c = n0 + warp_n * 64 + ni * 8 + rc.col;
        if (r < M && c < N) C[r * ldc + c] = acc[mi][ni][i];
      }
}

template <typename T>
void launch_gemm16_mma(const char* where, index_t M, index_t N, index_t K, const T* A,
                       index_t lda, const T* B, index_t ldb, float* C, index_t ldc,
                       cudaStream_t stream) {
  detail::check_gemm_args(where, M, N, K, A, lda, B, ldb, false, C, ldc, sizeof(T), 16);
  const index_t tiles = ((M + kMmaBM - 1) / kMmaBM) * ((N + kMmaBN - 1) / kMmaBN);
  IK_REQUIRE(tiles <= 0x7fffffff, where, "M = ", M, ", N = ", N, " need ", tiles,
             " blocks > 2^31 - 1");
  gemm16_mma_kernel<T><<<static_cast<unsigned>(tiles), kMmaThreads, kMmaSmemBytes, stream>>>(
      static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), A, lda, B, ldb, C, ldc);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu::kernels

namespace ik::gpu {

void hgemm_mma(index_t M, index_t N, index_t K, const __half* A, index_t lda, const __half* B,
               index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  kernels::launch_gemm16_mma("ik::gpu::hgemm_mma", M, N, K, A, lda, B, ldb, C, ldc, stream);
}

void bgemm_mma(index_t M, index_t N, index_t K, const __nv_bfloat16* A, index_t lda,
               const __nv_bfloat16* B, index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  kernels::launch_gemm16_mma("ik::gpu::bgemm_mma", M, N, K, A, lda, B, ldb, C, ldc, stream);
}

}  // namespace ik::gpu

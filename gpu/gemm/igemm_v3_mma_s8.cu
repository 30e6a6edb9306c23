// int8 GEMM on tensor cores: mma.sync m16n8k32 s8 x s8 -> s32, exact int32 output, and a
// dequantizing fp32 epilogue. Same pipeline as v3 (hgemm_v3_mma.cu); what differs is the operand
// type, the k depth per mma (32) and the weight layout.
//
//   C[m][n] (int32) = sum_k A[m][k] * Bt[n][k]                       (exact, wrapping int32)
//   dequant:  C[m][n] (fp32) = fl(fl(scale_a * scale_b[n]) * fl(float(acc[m][n])))
//   A: M x K int8 row-major (activations), Bt: N x K int8 row-major = B^T (the weight, e.g. an
//   nn.Linear weight [out, in]); transpose_s8() prepares Bt once from a K x N B.
//
// Why B^T: the mma B operand is "col" (each thread holds 4 consecutive k of one n), and ldmatrix
// moves 16-bit elements; .trans cannot transpose bytes before sm_100. With k contiguous in
// shared memory a plain ldmatrix.x4 yields the B fragments directly (host-tested map ldsm_bt_x4).
//
// Instructions and sources (PTX ISA): mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32
// ("Matrix Fragments for mma.m16n8k32", .s8 tables), ldmatrix.sync.aligned.m8n8.x4.shared.b16
// (two s8 per b16 element), cp.async.cg.shared.global with src-size zero-fill, commit/wait_group.
//
// Tiling: block 128 x 128 x 64 (64 int8 = 64 bytes of k per row, the same byte geometry as v3's
// 32 halves), 128 threads = 2 x 2 warps of 64 x 64, 3 stages of 16 KiB; igemm_s8_mma_128x256:
// 128 x 256 x 64, 8 warps (2 x 4), 4 stages of 24 KiB. A and Bt tiles are rows of 4 chunks,
// swizzle chunk' = chunk ^ ((row >> 1) & 3). Per k32 step a warp issues 4 ldmatrix.x4 (A) +
// 4 ldmatrix.x4 (Bt) for 32 mma; fragments are double-buffered across k32 steps and k-tiles (the
// main-loop order of hgemm_v3_mma.cu). 128 int32 accumulators per thread. Interior blocks copy
// without bound tests (idea 7 of hgemm_v3_mma.cu): 128 x 128 went from 490 to 637 TOP/s at
// 4096^3 on an H200.
//
// Exactness: products of s8 fit 15 bits; the int32 sum is exact while K * 128 * 128 < 2^31, i.e.
// K <= 131072 (beyond that it wraps like the hardware; the CPU reference in the test wraps the
// same way). The dequant epilogue does two correctly rounded fp32 multiplies in a fixed order
// (__fmul_rn: never contracted), so a CPU computing the same expression in fp32 matches bit for
// bit.
//
// Preconditions (checked, ik::Error): A, Bt 16-byte aligned, lda, ldbt multiples of 16;
// M, N, K >= 1 (tails zero-filled); sm_80 or newer. C: any alignment.
//
// Test:  make gpu-test GPU_ARGS='-tc=*gpu gemm*int8*'
// Bench: make bench-gpu FILTER=igemm
#include <cuda_runtime.h>

#include <cstdint>

#include "gpu/common/cuda_check.cuh"
#include "gpu/gemm/gemm_gpu.cuh"
#include "gpu/gemm/mma_layout.cuh"
#include "gpu/gemm/ptx.cuh"

namespace ik::gpu::kernels {

// Block tile: BM x BN x 64 (64 int8 = 64 bytes of k per row: A and Bt tiles are rows of 4
// chunks), warps of 64 x 64 arranged WarpsM x WarpsN.
template <int BM_, int BN_, int WarpsM_, int WarpsN_, int Stages_>
struct I8Tile {
  static constexpr int BM = BM_, BN = BN_, BK = 64, WarpsM = WarpsM_, WarpsN = WarpsN_;
  static constexpr int Stages = Stages_, Threads = 32 * WarpsM * WarpsN, GroupM = 8;
  static constexpr int StageABytes = BM * BK, StageBBytes = BN * BK;
  static constexpr int SmemBytes = Stages * (StageABytes + StageBBytes);
  static_assert(BM == 64 * WarpsM && BN == 64 * WarpsN, "64 x 64 warp tiles");
  static_assert(SmemBytes <= 227 * 1024, "shared memory per block");
};
// 128 x 128 x 64, 4 warps, 3 stages: 48 KiB, no opt-in.
using I8Tile128x128 = I8Tile<128, 128, 2, 2, 3>;
// 128 x 256 x 64, 8 warps, 4 stages: 96 KiB (opt-in); each A tile feeds twice the warps.
using I8Tile128x256 = I8Tile<128, 256, 2, 4, 4>;

// One block's tile at (m0, n0); Interior as in hgemm_v3_mma.cu (whole tile inside C, K a
// multiple of BK: copies without bound tests, from one source pointer per operand).
template <bool kDequant, typename Cfg, bool Interior>
__device__ __forceinline__ void igemm_s8_mma_block(int M, int N, int K,
                                                   const std::int8_t* __restrict__ A,
                                                   long long lda,
                                                   const std::int8_t* __restrict__ Bt,
                                                   long long ldbt, void* __restrict__ Cv,
                                                   long long ldc, float scale_a,
                                                   const float* __restrict__ scale_b, int m0,
                                                   int n0) {
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp / Cfg::WarpsN, warp_n = warp % Cfg::WarpsN;

  const std::uint32_t sA = ptx::smem_addr(smem);
  const std::uint32_t sB = sA + Cfg::Stages * Cfg::StageABytes;
  const int num_k_tiles = (K + Cfg::BK - 1) / Cfg::BK;

  // 16-byte chunks of the A (BM rows x 4) and Bt (BN rows x 4) tiles; out-of-range bytes are
  // zero-filled by src-size. Thread t copies chunk column t % 4 of rows t / 4 + i * Threads / 4.
  // Interior blocks: no bound tests; past the last k-tile the copies run with src-size 0.
  const int row0 = tid >> 2, ch = tid & 3;
  constexpr int pass = Cfg::Threads / 4;  // rows per pass of all threads
  static_assert(pass % 8 == 0, "one swizzle key (row bits 1-2) per thread");
  const std::uint32_t dst0 = mma::swizzle_row64(row0, ch) * 16;
  const std::int8_t* const a_src = Interior ? A + (m0 + row0) * lda + ch * 16 : A;
  const std::int8_t* const b_src = Interior ? Bt + (n0 + row0) * ldbt + ch * 16 : Bt;
  auto load_tile = [&](int stage, int kt) {
    const std::uint32_t a_st = sA + stage * Cfg::StageABytes;
    const std::uint32_t b_st = sB + stage * Cfg::StageBBytes;
    if constexpr (Interior) {
      const bool live = kt < num_k_tiles;
      const int k0 = live ? kt * Cfg::BK : 0, bytes = live ? 16 : 0;
#pragma unroll
      for (int i = 0; i < Cfg::BM / pass; ++i)
        ptx::cp_async_16(a_st + dst0 + i * (pass * 64), a_src + k0 + i * pass * lda, bytes);
#pragma unroll
      for (int i = 0; i < Cfg::BN / pass; ++i)
        ptx::cp_async_16(b_st + dst0 + i * (pass * 64), b_src + k0 + i * pass * ldbt, bytes);
      return;
    }
    if (kt >= num_k_tiles) return;
    const int gk = kt * Cfg::BK + ch * 16;
    const int bytes = gk < K ? min(16, K - gk) : 0;
#pragma unroll
    for (int i = 0; i < Cfg::BM * 4 / Cfg::Threads; ++i) {
      const int r = row0 + i * (Cfg::Threads / 4), gr = m0 + r;
      const bool ok = gr < M && bytes > 0;
      ptx::cp_async_16(a_st + mma::swizzle_row64(r, ch) * 16, ok ? A + gr * lda + gk : A,
                       ok ? bytes : 0);
    }
#pragma unroll
    for (int i = 0; i < Cfg::BN * 4 / Cfg::Threads; ++i) {
      const int r = row0 + i * (Cfg::Threads / 4), gn = n0 + r;
      const bool ok = gn < N && bytes > 0;
      ptx::cp_async_16(b_st + mma::swizzle_row64(r, ch) * 16, ok ? Bt + gn * ldbt + gk : Bt,
                       ok ? bytes : 0);
    }
  };

  int acc[4][8][4];
#pragma unroll
  for (int mi = 0; mi < 4; ++mi)
#pragma unroll
    for (int ni = 0; ni < 8; ++ni)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mi][ni][i] = 0;

#pragma unroll
  for (int s = 0; s < Cfg::Stages - 1; ++s) {
    load_tile(s, s);
    ptx::cp_async_commit();
  }

  const mma::RowCol a_lds = mma::ldsm_a_x4(lane);
  const mma::RowCol b_lds = mma::ldsm_bt_x4(lane);
  // The swizzle key depends on row bits 1-2 only, so 16 rows further is a constant offset
  // (host-tested): one A and one Bt offset per k32 step; mi and the n16 pairs add constants.
  constexpr int kSteps = Cfg::BK / 32;
  static_assert(kSteps % 2 == 0, "fragment buffers alternate");
  std::uint32_t a_off[kSteps], b_off[kSteps];
#pragma unroll
  for (int kk = 0; kk < kSteps; ++kk) {
    a_off[kk] = mma::swizzle_row64(warp_m * 64 + a_lds.row, kk * 2 + a_lds.col) * 16;
    b_off[kk] = mma::swizzle_row64(warp_n * 64 + b_lds.row, kk * 2 + b_lds.col) * 16;
  }
  std::uint32_t af[2][4][4];
  std::uint32_t bf[2][8][2];
  auto load_frags = [&](int buf, int stage, int kk) {
    const std::uint32_t a_st = sA + stage * Cfg::StageABytes + a_off[kk];
    const std::uint32_t b_st = sB + stage * Cfg::StageBBytes + b_off[kk];
#pragma unroll
    for (int mi = 0; mi < 4; ++mi) ptx::ldmatrix_x4(af[buf][mi], a_st + mi * (16 * 64));
#pragma unroll
    for (int nj = 0; nj < 4; ++nj) {
      std::uint32_t r[4];
      ptx::ldmatrix_x4(r, b_st + nj * (16 * 64));
      bf[buf][2 * nj][0] = r[0];
      bf[buf][2 * nj][1] = r[1];
      bf[buf][2 * nj + 1][0] = r[2];
      bf[buf][2 * nj + 1][1] = r[3];
    }
  };

  // Main loop: the order of hgemm_v3_mma.cu (fragments double-buffered across k32 steps and
  // k-tiles; the cp.async of tile kt+S-1 issued at step 0 into the slot of tile kt-1).
  ptx::cp_async_wait<Cfg::Stages - 2>();
  __syncthreads();
  load_frags(0, 0, 0);
  for (int kt = 0; kt < num_k_tiles; ++kt) {
    const int stage = kt % Cfg::Stages;
#pragma unroll
    for (int kk = 0; kk < kSteps; ++kk) {
      if (kk == kSteps - 1) {
        ptx::cp_async_wait<Cfg::Stages - 2>();  // tile kt+1 landed
        __syncthreads();
        if (kt + 1 < num_k_tiles) load_frags(0, (kt + 1) % Cfg::Stages, 0);
      } else {
        load_frags((kk + 1) & 1, stage, kk + 1);
      }
      if (kk == 0) {
        const int next = kt + Cfg::Stages - 1;
        load_tile(next % Cfg::Stages, next);
        ptx::cp_async_commit();
      }
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
#pragma unroll
        for (int ni = 0; ni < 8; ++ni)
          ptx::mma_m16n8k32_s8(acc[mi][ni], af[kk & 1][mi], bf[kk & 1][ni][0], bf[kk & 1][ni][1]);
    }
  }
  ptx::cp_async_wait<0>();

#pragma unroll
  for (int ni = 0; ni < 8; ++ni) {
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      const int c = n0 + warp_n * 64 + ni * 8 + mma::m16n8_c(lane, i).col;
      if (c >= N) continue;
      float s = 0.0f;
      if constexpr (kDequant) s = __fmul_rn(scale_a, __ldg(scale_b + c));
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
#pragma unroll
        for (int h = 0; h < 2; ++h) {  // element i (row g) and i + 2 (row g + 8)
          const int e = i + 2 * h;
          const int r = m0 + warp_m * 64 + mi * 16 + mma::m16n8_c(lane, e).row;
          if (r >= M) continue;
          if constexpr (kDequant)
            static_cast<float*>(Cv)[r * ldc + c] = __fmul_rn(s, __int2float_rn(acc[mi][ni][e]));
          else
            static_cast<std::int32_t*>(Cv)[r * ldc + c] = acc[mi][ni][e];
        }
    }
  }
}

template <bool kDequant, typename Cfg>
__global__ void __launch_bounds__(Cfg::Threads)
    igemm_s8_mma_kernel(int M, int N, int K, const std::int8_t* __restrict__ A, long long lda,
                        const std::int8_t* __restrict__ Bt, long long ldbt, void* __restrict__ Cv,
                        long long ldc, float scale_a, const float* __restrict__ scale_b) {
  const int tiles_m = (M + Cfg::BM - 1) / Cfg::BM, tiles_n = (N + Cfg::BN - 1) / Cfg::BN;
  const mma::TileCoord tile = mma::raster_grouped(blockIdx.x, tiles_m, tiles_n, Cfg::GroupM);
  const int m0 = tile.m * Cfg::BM, n0 = tile.n * Cfg::BN;
  if (m0 + Cfg::BM <= M && n0 + Cfg::BN <= N && K % Cfg::BK == 0)
    igemm_s8_mma_block<kDequant, Cfg, true>(M, N, K, A, lda, Bt, ldbt, Cv, ldc, scale_a, scale_b,
                                            m0, n0);
  else
    igemm_s8_mma_block<kDequant, Cfg, false>(M, N, K, A, lda, Bt, ldbt, Cv, ldc, scale_a,
                                             scale_b, m0, n0);
}

// Bt[n][k] = B[k][n] through a 32 x 32 shared tile (coalesced reads and writes).
__global__ void transpose_s8_kernel(int K, int N, const std::int8_t* __restrict__ B,
                                    long long ldb, std::int8_t* __restrict__ Bt, long long ldbt) {
  __shared__ std::int8_t tile[32][33];
  const int k0 = blockIdx.y * 32, n0 = blockIdx.x * 32;
  for (int y = threadIdx.y; y < 32; y += blockDim.y) {
    const int k = k0 + y, n = n0 + threadIdx.x;
    if (k < K && n < N) tile[y][threadIdx.x] = B[k * ldb + n];
  }
  __syncthreads();
  for (int y = threadIdx.y; y < 32; y += blockDim.y) {
    const int n = n0 + y, k = k0 + threadIdx.x;
    if (n < N && k < K) Bt[n * ldbt + k] = tile[threadIdx.x][y];
  }
}

template <bool kDequant, typename Cfg>
void launch_igemm(const char* where, index_t M, index_t N, index_t K, const std::int8_t* A,
                  index_t lda, const std::int8_t* Bt, index_t ldbt, void* C, index_t ldc,
                  float scale_a, const float* scale_b, cudaStream_t stream) {
  const index_t tiles = ((M + Cfg::BM - 1) / Cfg::BM) * ((N + Cfg::BN - 1) / Cfg::BN);
  IK_REQUIRE(tiles <= 0x7fffffff, where, "M = ", M, ", N = ", N, " need ", tiles,
             " blocks > 2^31 - 1");
  if constexpr (Cfg::SmemBytes > 48 * 1024) {  // opt-in above the 48 KiB default, once
    static const cudaError_t opt_in =
        cudaFuncSetAttribute(igemm_s8_mma_kernel<kDequant, Cfg>,
                             cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::SmemBytes);
    IK_CUDA_CHECK(opt_in);
  }
  igemm_s8_mma_kernel<kDequant, Cfg>
      <<<static_cast<unsigned>(tiles), Cfg::Threads, Cfg::SmemBytes, stream>>>(
          static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), A, lda, Bt, ldbt, C, ldc,
          scale_a, scale_b);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu::kernels

namespace ik::gpu {

void igemm_s8_mma(index_t M, index_t N, index_t K, const std::int8_t* A, index_t lda,
                  const std::int8_t* Bt, index_t ldbt, std::int32_t* C, index_t ldc,
                  cudaStream_t stream) {
  const char* where = "ik::gpu::igemm_s8_mma";
  detail::check_gemm_args(where, M, N, K, A, lda, Bt, ldbt, true, C, ldc, 1, 16);
  kernels::launch_igemm<false, kernels::I8Tile128x128>(where, M, N, K, A, lda, Bt, ldbt, C, ldc,
                                                       0.0f, nullptr, stream);
}

void igemm_s8_mma_128x256(index_t M, index_t N, index_t K, const std::int8_t* A, index_t lda,
                          const std::int8_t* Bt, index_t ldbt, std::int32_t* C, index_t ldc,
                          cudaStream_t stream) {
  const char* where = "ik::gpu::igemm_s8_mma_128x256";
  detail::check_gemm_args(where, M, N, K, A, lda, Bt, ldbt, true, C, ldc, 1, 16);
  kernels::launch_igemm<false, kernels::I8Tile128x256>(where, M, N, K, A, lda, Bt, ldbt, C, ldc,
                                                       0.0f, nullptr, stream);
}

void igemm_s8_mma_dequant(index_t M, index_t N, index_t K, const std::int8_t* A, index_t lda,
                          const std::int8_t* Bt, index_t ldbt, float scale_a, const float* scale_b,
                          float* C, index_t ldc, cudaStream_t stream) {
  const char* where = "ik::gpu::igemm_s8_mma_dequant";
  detail::check_gemm_args(where, M, N, K, A, lda, Bt, ldbt, true, C, ldc, 1, 16);
  IK_REQUIRE(scale_b != nullptr, where, "scale_b is null");
  kernels::launch_igemm<true, kernels::I8Tile128x128>(where, M, N, K, A, lda, Bt, ldbt, C, ldc, scale_a, scale_b, stream);
}

void transpose_s8(index_t K, index_t N, const std::int8_t* B, index_t ldb, std::int8_t* Bt,
                  index_t ldbt, cudaStream_t stream) {
  const char* where = "ik::gpu::transpose_s8";
  constexpr index_t kMax = 0x7fffffff;
  IK_REQUIRE(K >= 1 && K <= kMax, where, "K = ", K, " (need 1 <= K < 2^31)");
  IK_REQUIRE(N >= 1 && N <= kMax, where, "N = ", N, " (need 1 <= N < 2^31)");
  IK_REQUIRE(B != nullptr, where, "B is null");
  IK_REQUIRE(Bt != nullptr, where, "Bt is null");
  IK_REQUIRE(ldb >= N, where, "ldb = ", ldb, " < N = ", N);
  IK_REQUIRE(ldbt >= K, where, "ldbt = ", ldbt, " < K = ", K);
  const index_t gx = (N + 31) / 32, gy = (K + 31) / 32;
  IK_REQUIRE(gy <= 65535, where, "K = ", K, " needs ", gy, " block rows > 65535 (grid.y limit)");
  kernels::transpose_s8_kernel<<<dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy)),
                                 dim3(32, 8), 0, stream>>>(static_cast<int>(K),
                                                           static_cast<int>(N), B, ldb, Bt, ldbt);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu

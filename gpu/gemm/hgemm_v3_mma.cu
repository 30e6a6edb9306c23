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
//   6. Fragments double-buffered across k16 steps and k-tiles, with the barrier placed before
//      the last k16 step of a tile (the main loop order of CUTLASS's multistage GEMM): on an
//      H200 this took 128 x 256 from 296 to 349-361 TFLOP/s at 4096^3 / 8192^3.
//   7. Interior blocks (the whole tile inside C, K a multiple of BK; every block of a large
//      GEMM but the last row and column) copy without bound tests from one source pointer per
//      operand, and issue their cp.async without a branch, so ptxas interleaves them with the
//      mma: the main loop went from 269 to 139 SASS instructions per k-tile per warp (64
//      of them HMMA), and 128 x 256 from 349 to 431-435 TFLOP/s (53% -> 65% of cuBLAS) on the
//      same H200; 427-431 (65%) on an H100 80GB. Edge blocks keep the bound-tested copies (both
//      paths are instantiated).
//
// Tiling (MmaTile below): hgemm_mma / bgemm_mma: block 128 x 128 x 32, 4 warps in 2 x 2, 3
// stages, 48 KiB (the default dynamic limit, no opt-in); *_128x256: block 128 x 256 x 32, 8 warps
// in 2 x 4, 4 stages, 96 KiB. Each warp owns 64 x 64 = 4 (m16) x 8 (n8) mma tiles: per k16 step
// 4 ldmatrix.x4 (A) + 4 ldmatrix.x4.trans (B) feed 32 mma. Registers: 128 fp32 accumulators +
// 2 x 32 fragment registers + addressing, 248-255 with no spills (tools/check_gpu_instructions.sh
// fails on a spill); the load and ldmatrix addresses are recomputed from a few per-thread
// offsets so that they do not pin registers across the loop.
//
//   shared, per stage (A: rows of BK = 32 halves, B: rows of BN halves), XOR swizzle
//   mma::swizzle_chunk: A chunk' = chunk ^ ((row >> 1) & 3), B chunk' = chunk ^ (row & 7).
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

// One block-tile configuration. Warps are arranged WarpsM x WarpsN; each warp owns a
// (BM / WarpsM) x (BN / WarpsN) tile of C = (MI m16) x (NI n8) mma tiles.
template <int BM_, int BN_, int BK_, int WarpsM_, int WarpsN_, int Stages_>
struct MmaTile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, WarpsM = WarpsM_, WarpsN = WarpsN_;
  static constexpr int Stages = Stages_;
  static constexpr int Threads = 32 * WarpsM * WarpsN;
  static constexpr int WTM = BM / WarpsM, WTN = BN / WarpsN;  // warp tile
  static constexpr int MI = WTM / 16, NI = WTN / 8;
  static constexpr int KSteps = BK / 16;
  static constexpr int ACpr = BK / 8, BCpr = BN / 8;  // 16-byte chunks per smem row
  static constexpr int StageABytes = BM * BK * 2, StageBBytes = BK * BN * 2;
  static constexpr int SmemBytes = Stages * (StageABytes + StageBBytes);
  static constexpr int GroupM = 8;
  static_assert(WTM % 16 == 0 && WTN % 16 == 0, "warp tile: multiples of 16 x 16");
  static_assert((BM * ACpr) % Threads == 0 && (BK * BCpr) % Threads == 0, "whole chunks/thread");
  static_assert(SmemBytes <= 227 * 1024, "shared memory per block on sm_80 / sm_90");
};

// v3a: 128 x 128 x 32, 4 warps of 64 x 64, 3 stages, 48 KiB (no opt-in): the first version.
using MmaTile128x128 = MmaTile<128, 128, 32, 2, 2, 3>;
// v3b: 128 x 256 x 32, 8 warps of 64 x 64, 4 stages, 96 KiB: twice the warps per block share
// each A tile (half the A traffic per flop) and the deeper ring hides more HBM latency.
using MmaTile128x256 = MmaTile<128, 256, 32, 2, 4, 4>;

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

// One block's tile of C at (m0, n0). Interior: the whole BM x BN tile lies inside C and K is a
// multiple of BK, so no copy needs a bound test (see load_tile); the kernel instantiates both.
template <typename T, typename Cfg, bool Interior>
__device__ __forceinline__ void gemm16_mma_block(int M, int N, int K, const T* __restrict__ A,
                                                 long long lda, const T* __restrict__ B,
                                                 long long ldb, float* __restrict__ C,
                                                 long long ldc, int m0, int n0) {
  constexpr int BM = Cfg::BM, BK = Cfg::BK, MI = Cfg::MI, NI = Cfg::NI;
  constexpr int ACpr = Cfg::ACpr, BCpr = Cfg::BCpr, Threads = Cfg::Threads;
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int warp_m = warp / Cfg::WarpsN, warp_n = warp % Cfg::WarpsN;

  const std::uint32_t sA = ptx::smem_addr(smem);
  const std::uint32_t sB = sA + Cfg::Stages * Cfg::StageABytes;
  const int num_k_tiles = (K + BK - 1) / BK;

  // Global -> shared for k-tile kt into ring slot `stage`, 16-byte chunks; chunks outside the
  // matrices read src_bytes < 16 (zero-filled), so tails need no separate path. Thread t always
  // copies the same chunk column of rows t / Cpr + i * (Threads / Cpr): one row index and one
  // bound test per copy, addresses from the kernel parameters (no per-copy pointer registers
  // held across the main loop, which is what keeps the kernel under 255 registers).
  //
  // Interior blocks skip all of that (ptxas turned the bound tests, 64-bit products and reloaded
  // kernel parameters into about 150 instructions per k-tile per thread, against 64 mma): each
  // thread keeps one source pointer per operand, k-tile kt adds kt * BK (A) or kt * BK * ldb (B)
  // and copy i adds i passes of rows. Past the last k-tile the copies still run, with src-size 0
  // (they read nothing and zero a ring slot nobody reads), so the main loop has no branch around
  // them and ptxas can interleave them with the mma.
  static_assert(Threads % ACpr == 0 && Threads % BCpr == 0, "fixed chunk column per thread");
  const int a_row0 = tid / ACpr, a_ch = tid % ACpr, b_row0 = tid / BCpr, b_ch = tid % BCpr;
  constexpr int a_pass = Threads / ACpr, b_pass = Threads / BCpr;  // rows per pass of all threads
  // The swizzle key is row bits 0-2 (mma_layout.cuh), so every copy of a thread lands at its
  // first copy's swizzled offset plus whole passes of rows.
  static_assert(a_pass % 8 == 0 && b_pass % 8 == 0, "one swizzle key per thread");
  const std::uint32_t a_dst = mma::swizzle_chunk<ACpr>(a_row0, a_ch) * 16;
  const std::uint32_t b_dst = mma::swizzle_chunk<BCpr>(b_row0, b_ch) * 16;
  const T* const a_src = Interior ? A + (m0 + a_row0) * lda + a_ch * 8 : A;
  const T* const b_src = Interior ? B + b_row0 * ldb + n0 + b_ch * 8 : B;
  auto load_tile = [&](int stage, int kt) {
    const std::uint32_t a_st = sA + stage * Cfg::StageABytes;
    const std::uint32_t b_st = sB + stage * Cfg::StageBBytes;
    if constexpr (Interior) {
      const bool live = kt < num_k_tiles;
      const int k0 = live ? kt * BK : 0, bytes = live ? 16 : 0;
#pragma unroll
      for (int i = 0; i < BM * ACpr / Threads; ++i)
        ptx::cp_async_16(a_st + a_dst + i * (a_pass * ACpr * 16), a_src + k0 + i * a_pass * lda,
                         bytes);
#pragma unroll
      for (int i = 0; i < BK * BCpr / Threads; ++i)
        ptx::cp_async_16(b_st + b_dst + i * (b_pass * BCpr * 16),
                         b_src + (k0 + i * b_pass) * ldb, bytes);
      return;
    }
    if (kt >= num_k_tiles) return;
    const int k0 = kt * BK;
    const int gk = k0 + a_ch * 8;
    const int a_bytes = gk < K ? min(16, (K - gk) * 2) : 0;
#pragma unroll
    for (int i = 0; i < BM * ACpr / Threads; ++i) {
      const int r = a_row0 + i * (Threads / ACpr), gr = m0 + r;
      const bool ok = gr < M && a_bytes > 0;
      ptx::cp_async_16(a_st + mma::swizzle_chunk<ACpr>(r, a_ch) * 16,
                       ok ? A + gr * lda + gk : A, ok ? a_bytes : 0);
    }
    const int gc = n0 + b_ch * 8;
    const int b_bytes = gc < N ? min(16, (N - gc) * 2) : 0;
#pragma unroll
    for (int i = 0; i < BK * BCpr / Threads; ++i) {
      const int r = b_row0 + i * (Threads / BCpr), gkb = k0 + r;
      const bool ok = gkb < K && b_bytes > 0;
      ptx::cp_async_16(b_st + mma::swizzle_chunk<BCpr>(r, b_ch) * 16,
                       ok ? B + gkb * ldb + gc : B, ok ? b_bytes : 0);
    }
  };

  float acc[MI][NI][4];
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int ni = 0; ni < NI; ++ni)
#pragma unroll
      for (int i = 0; i < 4; ++i) acc[mi][ni][i] = 0.0f;

  // Prologue: stages 0 .. S-2 in flight. A group is committed even when empty so that
  // wait_group<S-2> always means "k-tile kt has landed".
#pragma unroll
  for (int s = 0; s < Cfg::Stages - 1; ++s) {
    load_tile(s, s);
    ptx::cp_async_commit();
  }

  const mma::RowCol a_lds = mma::ldsm_a_x4(lane);
  const mma::RowCol b_lds = mma::ldsm_b_trans_x4(lane);

  // Fragments are double-buffered: the ldmatrix of the next k16 step is issued before the mma
  // of the current one, so shared-memory latency overlaps tensor-core work.
  std::uint32_t af[2][MI][4];
  std::uint32_t bf[2][NI][2];
  // ldmatrix addresses: the swizzle key depends on row bits 0-2 only (mma_layout.cuh), so
  // moving 16 rows (mi for A) or 16 k (kk for B) adds a constant: 2 + NI/2 offsets per thread.
  std::uint32_t a_off[Cfg::KSteps], b_off[NI / 2];
#pragma unroll
  for (int kk = 0; kk < Cfg::KSteps; ++kk)
    a_off[kk] = mma::swizzle_chunk<ACpr>(warp_m * Cfg::WTM + a_lds.row, kk * 2 + a_lds.col) * 16;
#pragma unroll
  for (int nj = 0; nj < NI / 2; ++nj)
    b_off[nj] = mma::swizzle_chunk<BCpr>(b_lds.row, warp_n * (Cfg::WTN / 8) + nj * 2 + b_lds.col) * 16;
  auto load_frags = [&](int buf, std::uint32_t a_st, std::uint32_t b_st, int kk) {
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
      ptx::ldmatrix_x4(af[buf][mi], a_st + a_off[kk] + mi * (16 * ACpr * 16));
#pragma unroll
    for (int nj = 0; nj < NI / 2; ++nj) {
      std::uint32_t r[4];
      ptx::ldmatrix_x4_trans(r, b_st + b_off[nj] + kk * (16 * BCpr * 16));
      bf[buf][2 * nj][0] = r[0];
      bf[buf][2 * nj][1] = r[1];
      bf[buf][2 * nj + 1][0] = r[2];
      bf[buf][2 * nj + 1][1] = r[3];
    }
  };

  // Main loop (the CUTLASS "multistage" order). Per k-tile kt, with KSteps k16 steps:
  //   step 0:        fragments of step 1 <- smem; cp.async of tile kt+S-1 into the slot that
  //                  held tile kt-1 (every warp passed the barrier after its last read of it)
  //   step KSteps-1: wait until tile kt+1 has landed, barrier, fragments of tile kt+1 step 0
  //   every step:    the mma of this step on the fragments loaded one step earlier
  // so ldmatrix latency, including at the tile boundary, hides behind a full step of mma, and
  // the barrier falls where a warp still has a step of mma to issue after it.
  static_assert(Cfg::KSteps % 2 == 0, "fragment buffers alternate: an even number of k16 steps");
  ptx::cp_async_wait<Cfg::Stages - 2>();
  __syncthreads();
  load_frags(0, sA, sB, 0);
  for (int kt = 0; kt < num_k_tiles; ++kt) {
    const int stage = kt % Cfg::Stages;
    const std::uint32_t a_st = sA + stage * Cfg::StageABytes;
    const std::uint32_t b_st = sB + stage * Cfg::StageBBytes;
#pragma unroll
    for (int kk = 0; kk < Cfg::KSteps; ++kk) {
      if (kk == Cfg::KSteps - 1) {
        // Committed groups: S-1 (prologue) + kt+1; <= S-2 pending means tile kt+1 landed.
        ptx::cp_async_wait<Cfg::Stages - 2>();
        __syncthreads();
        if (kt + 1 < num_k_tiles) {
          const int ns = (kt + 1) % Cfg::Stages;
          load_frags(0, sA + ns * Cfg::StageABytes, sB + ns * Cfg::StageBBytes, 0);
        }
      } else {
        load_frags((kk + 1) & 1, a_st, b_st, kk + 1);
      }
      if (kk == 0) {
        const int next = kt + Cfg::Stages - 1;
        load_tile(next % Cfg::Stages, next);
        ptx::cp_async_commit();  // even when empty: the group count drives the wait above
      }
#pragma unroll
      for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni)
          Mma16816<T>::run(acc[mi][ni], af[kk & 1][mi], bf[kk & 1][ni][0], bf[kk & 1][ni][1]);
    }
  }
  ptx::cp_async_wait<0>();  // only empty groups can remain; leave nothing in flight

  // Epilogue: each thread holds column pairs (c, c+1) of rows r and r+8 of every n8 tile; a
  // float2 store when the pair is inside N and 8-byte aligned (aligned_pairs: C and ldc even).
  const bool aligned_pairs = (reinterpret_cast<std::uintptr_t>(C) % 8 == 0) && (ldc % 2 == 0);
#pragma unroll
  for (int mi = 0; mi < MI; ++mi)
#pragma unroll
    for (int ni = 0; ni < NI; ++ni)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const mma::RowCol rc = mma::m16n8_c(lane, 2 * h);
        const int r = m0 + warp_m * Cfg::WTM + mi * 16 + rc.row;
        const int c = n0 + warp_n * Cfg::WTN + ni * 8 + rc.col;
        if (r >= M) continue;
        float* dst = C + r * ldc + c;
        if (aligned_pairs && c + 1 < N) {
          *reinterpret_cast<float2*>(dst) = make_float2(acc[mi][ni][2 * h], acc[mi][ni][2 * h + 1]);
        } else {
          if (c < N) dst[0] = acc[mi][ni][2 * h];
          if (c + 1 < N) dst[1] = acc[mi][ni][2 * h + 1];
        }
      }
}

template <typename T, typename Cfg>
__global__ void __launch_bounds__(Cfg::Threads)
    gemm16_mma_kernel(int M, int N, int K, const T* __restrict__ A, long long lda,
                      const T* __restrict__ B, long long ldb, float* __restrict__ C,
                      long long ldc) {
  const int tiles_m = (M + Cfg::BM - 1) / Cfg::BM, tiles_n = (N + Cfg::BN - 1) / Cfg::BN;
  const mma::TileCoord tile = mma::raster_grouped(blockIdx.x, tiles_m, tiles_n, Cfg::GroupM);
  const int m0 = tile.m * Cfg::BM, n0 = tile.n * Cfg::BN;
  if (m0 + Cfg::BM <= M && n0 + Cfg::BN <= N && K % Cfg::BK == 0)
    gemm16_mma_block<T, Cfg, true>(M, N, K, A, lda, B, ldb, C, ldc, m0, n0);
  else
    gemm16_mma_block<T, Cfg, false>(M, N, K, A, lda, B, ldb, C, ldc, m0, n0);
}

template <typename T, typename Cfg>
void launch_gemm16_mma(const char* where, index_t M, index_t N, index_t K, const T* A,
                       index_t lda, const T* B, index_t ldb, float* C, index_t ldc,
                       cudaStream_t stream) {
  detail::check_gemm_args(where, M, N, K, A, lda, B, ldb, false, C, ldc, sizeof(T), 16);
  const index_t tiles = ((M + Cfg::BM - 1) / Cfg::BM) * ((N + Cfg::BN - 1) / Cfg::BN);
  IK_REQUIRE(tiles <= 0x7fffffff, where, "M = ", M, ", N = ", N, " need ", tiles,
             " blocks > 2^31 - 1");
  // More than 48 KiB of dynamic shared memory needs an opt-in per kernel (CUDA Programming
  // Guide, "Shared Memory" for compute capability 8.x / 9.x). Once per instantiation.
  if constexpr (Cfg::SmemBytes > 48 * 1024) {
    static const cudaError_t opt_in = cudaFuncSetAttribute(
        gemm16_mma_kernel<T, Cfg>, cudaFuncAttributeMaxDynamicSharedMemorySize, Cfg::SmemBytes);
    IK_CUDA_CHECK(opt_in);
  }
  gemm16_mma_kernel<T, Cfg><<<static_cast<unsigned>(tiles), Cfg::Threads, Cfg::SmemBytes, stream>>>(
      static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), A, lda, B, ldb, C, ldc);
  IK_CUDA_CHECK_LAUNCH();
}

}  // namespace ik::gpu::kernels

namespace ik::gpu {

using kernels::MmaTile128x128;
using kernels::MmaTile128x256;

void hgemm_mma(index_t M, index_t N, index_t K, const __half* A, index_t lda, const __half* B,
               index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  kernels::launch_gemm16_mma<__half, MmaTile128x128>("ik::gpu::hgemm_mma", M, N, K, A, lda, B,
                                                     ldb, C, ldc, stream);
}
void bgemm_mma(index_t M, index_t N, index_t K, const __nv_bfloat16* A, index_t lda,
               const __nv_bfloat16* B, index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  kernels::launch_gemm16_mma<__nv_bfloat16, MmaTile128x128>("ik::gpu::bgemm_mma", M, N, K, A, lda,
                                                            B, ldb, C, ldc, stream);
}
void hgemm_mma_128x256(index_t M, index_t N, index_t K, const __half* A, index_t lda,
                       const __half* B, index_t ldb, float* C, index_t ldc, cudaStream_t stream) {
  kernels::launch_gemm16_mma<__half, MmaTile128x256>("ik::gpu::hgemm_mma_128x256", M, N, K, A,
                                                     lda, B, ldb, C, ldc, stream);
}
void bgemm_mma_128x256(index_t M, index_t N, index_t K, const __nv_bfloat16* A, index_t lda,
                       const __nv_bfloat16* B, index_t ldb, float* C, index_t ldc,
                       cudaStream_t stream) {
  kernels::launch_gemm16_mma<__nv_bfloat16, MmaTile128x256>("ik::gpu::bgemm_mma_128x256", M, N, K,
                                                            A, lda, B, ldb, C, ldc, stream);
}

}  // namespace ik::gpu

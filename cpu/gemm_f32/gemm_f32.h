// fp32 GEMM: the baseline every technique in this project is measured against.
//
//   C = alpha * op(A) * op(B) + beta * C,   op(A): M x K,  op(B): K x N,  C: M x N
//
// Full BLAS semantics: row- or column-major storage, transposes, alpha, beta. beta == 0 never
// reads C (C may hold NaN or garbage), as the reference BLAS specifies. M, N or K == 0 is a
// quick return (K == 0 scales C by beta). An output that overlaps an input is rejected.
//
// Technique (BLIS, Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
// Functionality", ACM TOMS 2015; Goto & van de Geijn 2008): five loops around a register-blocked
// microkernel. B is packed into KC x NR micro-panels, A into MR x KC micro-panels, so that the
// microkernel streams both with unit stride while an MR x NR block of C stays in registers:
//
//   for jc in N step NC:                    B block  KC x NC  -> L2 (shared by threads)
//     for pc in K step KC:   pack B
//       for ic in M step MC: pack A         A block  MC x KC  -> L2 (per thread)
//         for ir in MC step MR:             A micro-panel MR x KC -> L1
//           for jr in NC step NR:           microkernel: C[MR x NR] += A[MR x KC] * B[KC x NR]
//                                           (B micro-panel streams from L2, prefetched)
//
// The two inner loops are in the opposite order to BLIS's: with NR = 32 floats the B micro-panel
// (32 KiB at KC = 256) does not fit L1 beside a streaming A panel, while the A micro-panel
// (14 KiB) does. The blocking constants of each variant are derived in its source file.
//
// Packed layouts (k runs down, each line is one k; zero padded past the matrix edge):
//
//   A micro-panel (m <= MR rows)          B micro-panel (NR columns, padded with zeros)
//     k=0: a[0][0] a[1][0] .. a[m-1][0]     k=0: b[0][0] b[0][1] .. b[0][NR-1]
//     k=1: a[0][1] a[1][1] .. a[m-1][1]     k=1: b[1][0] b[1][1] .. b[1][NR-1]
//     ...                                   ...
//
// Weights: in inference B is the weight (K x N, or its transpose N x K = [out][in], the layout
// of a PyTorch Linear). sgemm_pack_b packs it once; sgemm_packed runs with activations A
// (M x K, row-major) and never repacks, as oneDNN and FBGEMM do with pre-packed weights.
//
// Variants (the registry below): scalar (portable C++), AVX2+FMA 6x16, AVX-512 14x32.
// Dispatch picks the best one this CPU runs (ik::select_kernel, common/dispatch.h);
// IK_ISA=scalar|avx2|avx512 caps the level.
// Threads: OpenMP over blocks of C; the result does not depend on the thread count (each C
// element is accumulated by one thread in the same k order).
//
// Test:  make test ARGS='-tc=*sgemm*'      Bench: make bench FILTER=gemm_f32
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/blas_types.h"
#include "common/dispatch.h"
#include "common/gemm_driver.h"
#include "common/matrix.h"

namespace ik::cpu {

// Microkernel contract: C[m x n] = alpha * (Apanel * Bpanel) + beta * C for one micro-tile.
//   a: packed A micro-panel with row stride m (a[k*m + i]); b: packed B micro-panel with row
//   stride NR (b[k*NR + j]); k >= 1; 1 <= n <= NR. beta == 0 must not read C.
//   Rows are fixed by the function (one instantiation per m = 1..MR).
using SgemmMicrokernel = void (*)(index_t k, const float* a, const float* b, float* c, index_t ldc,
                                  int n, float alpha, float beta);

// Packs one NR-column micro-panel of op(B) = B^T from B stored N x K ([out][in] weights):
// rows b[j * ldb + p] for j < n (n <= NR), p < kc, into dst[p * NR + j], zero for j >= n.
// That is a transpose, done in registers by the ISA variants (a scalar loop writes one
// element per cache line visited and was the whole cost of sgemm at M = 1).
using SgemmPackBTrans = void (*)(const float* b, index_t ldb, index_t kc, int n, float* dst);

// Packs one A micro-panel from row-major A (no transpose): rows a[i * lda + p] for i < m
// (m <= MR), p < kc, into dst[p * m + i]. Also a transpose; the ISA variants do it in registers
// (the scalar loop cost ~20% of the run time when N is small, e.g. an im2col GEMM with N = 64).
using SgemmPackA = void (*)(const float* a, index_t lda, index_t kc, int m, float* dst);

// Columns [n0, n1) of C[M x N] = alpha * A[M x K] * B^T + beta * C for B stored N x K (the
// [out][in] weight) and small M: every C element is one dot product of two contiguous rows,
// so nothing is packed. Used by sgemm for M <= small_m_max with op(B) = B^T, the decode call
// of a model with [out][in] weights, where packing the whole weight on every call cost 2-3x.
using SgemmSmallMBt = void (*)(index_t M, index_t n0, index_t n1, index_t K, float alpha, const float* A,
                               index_t lda, const float* B, index_t ldb, float beta, float* C, index_t ldc);

// The M = 1 product on a pre-packed weight (a GEMV, single-token decode): columns of the padded
// panels [jp0, jp1) of C[1 x N] = alpha * x[1 x K] * B + beta * C, B packed by sgemm_pack_b for
// this kernel ([k block][panel][p][NR], n_padded columns). partial is scratch of
// ceil(K / kc) * n_padded floats, 64-byte aligned. Every column gets the FMAs, in the order,
// and the alpha / beta epilogue of the microkernel path (ukernel[0] per k block), so the result
// is bitwise that of sgemm; only where the k-block sums wait between blocks changes (see the
// AVX-512 variant for why).
using SgemmGemvPacked = void (*)(index_t K, index_t kc, const float* x, const float* bpacked, index_t n_padded,
                                 index_t jp0, index_t jp1, index_t N, float alpha, float beta, float* c,
                                 float* partial);

// A registry entry (common/dispatch.h): name, ISA level, required features and the MR x NR tile
// come from KernelInfo. Built as a constant in its ISA file (no code of that file runs before
// dispatch), copied into the registry by gemm_f32.cpp.
// ukernel[m - 1] computes m rows, m = 1..mr (TiledKernel::set_ukernels).
struct SgemmKernel : TiledKernel<SgemmMicrokernel> {
  int mc = 0, kc = 0, nc = 0;  // cache blocks (multiples of mr / nr)
  index_t max_cached_a = gemm_driver::kMaxCachedA;  // gemm_driver::Blocking::max_cached_a
  SgemmPackBTrans pack_b_trans = nullptr;  // nullptr: the portable loop in gemm_f32.cpp
  SgemmPackA pack_a = nullptr;             // nullptr: the portable loop in gemm_f32.cpp
  SgemmSmallMBt small_m_bt = nullptr;      // nullptr: small M goes through the packed path
  int small_m_max = 0;
  SgemmGemvPacked gemv_packed = nullptr;   // nullptr: M = 1 goes through the microkernels
};

// The registry: every variant compiled into the library, best last within each ISA level. Tests
// and benchmarks loop over it; a variant this CPU cannot run is listed but must be skipped
// (kernel_runnable).
const std::vector<SgemmKernel>& sgemm_kernels();
// The variant dispatch would use now (select_kernel: honours IK_ISA).
const SgemmKernel& sgemm_selected_kernel();

struct GemmOptions {
  int threads = 0;                       // 0: omp_get_max_threads()
  const SgemmKernel* kernel = nullptr;   // nullptr: sgemm_selected_kernel()
};

void sgemm(Layout layout, Trans transa, Trans transb, index_t M, index_t N, index_t K, float alpha,
           const float* A, index_t lda, const float* B, index_t ldb, float beta, float* C,
           index_t ldc, const GemmOptions& options = {});

// Weights packed once for one kernel variant. Movable, not copyable.
class SgemmPackedWeights {
 public:
  SgemmPackedWeights() = default;
  index_t K() const { return k_; }
  index_t N() const { return n_; }
  const SgemmKernel& kernel() const { return *kernel_; }
  std::size_t bytes() const { return data_.size() * sizeof(float); }
  bool empty() const { return kernel_ == nullptr; }

 private:
  friend SgemmPackedWeights sgemm_pack_b(WeightLayout, index_t, index_t, const float*, index_t, const GemmOptions&);
  friend void sgemm_packed(index_t, index_t, index_t, float, const float*, index_t, const SgemmPackedWeights&,
                           float, float*, index_t, const GemmOptions&);
  ResetOnMove<index_t> k_, n_;  // reset by a move (common/aligned_buffer.h), as data_ is
  ResetOnMove<const SgemmKernel*> kernel_;
  AlignedBuffer<float> data_;  // [pc block][NR panel][k][NR]
};

// Pack the weight B once. layout k_by_n: B is K x N row-major (ldb >= N); n_by_k: B is stored
// N x K row-major (ldb >= K), i.e. op(B) = B^T. K, N >= 1.
SgemmPackedWeights sgemm_pack_b(WeightLayout layout, index_t K, index_t N, const float* B, index_t ldb,
                                const GemmOptions& options = {});

// C[M x N] = alpha * A[M x K] * B + beta * C with row-major A (lda >= K) and C (ldc >= N).
// M >= 1; K and N must equal the packed B's. The kernel is the one B was packed for.
void sgemm_packed(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                  const SgemmPackedWeights& B, float beta, float* C, index_t ldc, const GemmOptions& options = {});

// The ladder, for people studying how the speed is won (each is tested and benchmarked):
//   naive:   the textbook i-j-k triple loop, dot products down columns of B (strided loads);
//   blocked: i-k-j order with cache blocking, the inner loop a unit-stride axpy the compiler
//            vectorizes; no packing, no register tile;
//   the packed + microkernel sgemm above is the third step.
// Row-major, no transposes; same argument checks and beta semantics as sgemm.
void sgemm_naive(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                 const float* B, index_t ldb, float beta, float* C, index_t ldc);
void sgemm_blocked(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                   const float* B, index_t ldb, float beta, float* C, index_t ldc,
                   const GemmOptions& options = {});

}  // namespace ik::cpu

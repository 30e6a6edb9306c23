// Unstructured sparsity: magnitude pruning, CSR (compressed sparse row) weights, and the CSR
// sparse x dense product used for pruned Linear layers.
//
//   Y[M x N] = W[M x K] * X[K x N]      W: the sparse WEIGHT, M = out_features, K = in_features
//                                       X: activations, one column per token (N = tokens)
//                                       (the PyTorch Linear weight [out][in] as stored, so no
//                                       transpose; Y^T = X^T W^T is the project's C = A * B)
//
// Layouts (row-major, explicit leading dimensions):
//
//   W (CSR, 0-based)                 X (K x N, ldx >= N)          Y (M x N, ldy >= N)
//     row_ptr[M + 1]  int64            x[k * ldx + j]               y[i * ldy + j]
//     col_idx[nnz]    int32, sorted strictly ascending within each row
//     values[nnz]     float
//     row i holds col_idx/values[row_ptr[i] .. row_ptr[i+1])
//
// Technique: the kernels are vectorized along N (the token dimension), the layout of Gustavson's
// row-by-row SpMM ("Two fast algorithms for sparse matrices", ACM TOMS 1978) with the dense
// operand row-major: each nonzero w_ik is broadcast and multiplied into a contiguous slice of
// X's row k (AVX2 ymm / AVX-512 zmm FMAs), accumulating one row of Y in registers. The slice is
// up to 128 columns, so the X panel in use (K x 128 x 4 B = 2 MiB at K = 4096) stays in L2 while
// W streams once. When X is larger than that (K x N x 4 B > 1 MiB) and W dense enough, the
// AVX-512 variant takes each row block's nonzeros one K block of 128 columns at a time, so the
// matching 128 rows of X are reused from L1/L2 by every row (kblock_offsets below; the partial
// sums of Y go to memory between K blocks): 2x faster at N = 128 from 50% to 90% sparsity.
// N = 1 (one token of decode) is the SpMV: 16 nonzeros at a time, x gathered by the column
// indices (vgatherdps), values and indices streamed: 6 bytes per nonzero with the 16-bit copy
// of the indices (col_idx16, K <= 65536; 8 with int32) against the 4 bytes per weight of the
// dense GEMV, so CSR wins the memory-bound decode from about 35% sparsity on bytes alone.
// Rows are split between OpenMP threads by equal work (nonzeros + a per-row cost), so skewed
// rows do not leave one thread with most of the nonzeros; one row is never split, and each Y
// element is summed by one thread in a fixed order: results are bitwise independent of the
// thread count.
//
// Pruning (Han, Pool, Tran, Dally, "Learning both Weights and Connections", NeurIPS 2015, used by
// Deep Compression, ICLR 2016): zero the weights of smallest |w|. The number pruned is
// round(sparsity * count) (half away from zero), counted over the whole matrix (global) or per
// row. Ties are broken deterministically: weights are ordered by (|w|, row-major position) and
// the first ones in that order are pruned, so among equal magnitudes the earlier position goes
// first. Weights that are already zero count as the smallest. NaN or Inf weights are rejected.
//
// Variants (registry below): scalar, AVX2 (spmm 1 x 32 ymm, spmv 8-wide gather), AVX-512
// (spmm 1 x 128 zmm, spmv 16-wide gather). Dispatch honours IK_ISA=scalar|avx2|avx512.
//
// Limits: nnz < 2^31 per matrix; K < 2^31. M, N, K >= 0 (empty shapes are quick returns).
// Test:  make test ARGS='-tc=sparse_csr*'      Bench: make bench FILTER='sparse'
#pragma once
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/dispatch.h"
#include "common/matrix.h"

namespace ik::cpu {

// ---- pruning -----------------------------------------------------------------------------
enum class PruneScope { global, per_row };

// In place: zero the round(sparsity * count) smallest-|w| elements of W (rows x cols, ldw >= cols),
// count = rows * cols (global) or cols (per_row). 0 <= sparsity <= 1.
void prune_magnitude(index_t rows, index_t cols, float* W, index_t ldw, double sparsity,
                     PruneScope scope);

// ---- CSR ---------------------------------------------------------------------------------
// K blocking for the SpMM (see CsrMatrix::kblock_offsets): blocks of kCsrKBlock columns of W
// (rows of X), built when the matrix averages at least kCsrKBlockMinNnz nonzeros per row and
// block and has at least two blocks.
inline constexpr index_t kCsrKBlock = 128;
inline constexpr std::int64_t kCsrKBlockMinNnz = 4;

// A view of user-provided CSR arrays (not owned); see the layout above.
struct CsrView {
  index_t rows = 0, cols = 0;
  const std::int64_t* row_ptr = nullptr;   // rows + 1 entries
  const std::int32_t* col_idx = nullptr;   // row_ptr[rows] entries
  const float* values = nullptr;           // row_ptr[rows] entries
};

// Checks every invariant and throws ik::Error naming the first violation: row_ptr[0] == 0,
// row_ptr monotone non-decreasing, row_ptr[rows] == nnz (when nnz is given, >= 0), column
// indices in [0, cols) and strictly ascending within each row, non-null arrays where needed.
// Reads only row_ptr[0..rows] and col_idx[0..row_ptr[rows]) after checking each bound.
void csr_validate(const CsrView& csr, std::int64_t nnz = -1);

// The prepared weight: an owning, validated CSR matrix.
class CsrMatrix {
 public:
  CsrMatrix() = default;
  index_t rows() const { return rows_; }
  index_t cols() const { return cols_; }
  std::int64_t nnz() const { return row_ptr_.empty() ? 0 : row_ptr_.back(); }
  const std::int64_t* row_ptr() const { return row_ptr_.data(); }
  const std::int32_t* col_idx() const { return col_idx_.data(); }
  const float* values() const { return values_.data(); }
  CsrView view() const { return {rows_, cols_, row_ptr(), col_idx(), values()}; }
  // Where each row crosses each K block: for row i and block b = 0..kblocks(),
  // kblock_offsets()[i * (kblocks() + 1) + b] = the number of nonzeros of row i with column <
  // b * kCsrKBlock (so entry kblocks() is the row's length). Null when not built (too sparse
  // or too narrow for the blocked SpMM to pay, see kCsrKBlockMinNnz).
  const std::int32_t* kblock_offsets() const { return kblock_off_.empty() ? nullptr : kblock_off_.data(); }
  index_t kblocks() const { return (cols_ + kCsrKBlock - 1) / kCsrKBlock; }
  // The column indices again as 16-bit integers when cols <= 65536 (else null): the SpMV,
  // bound by the bytes it streams, then reads 6 bytes per nonzero instead of 8.
  const std::uint16_t* col_idx16() const { return col_idx16_.empty() ? nullptr : col_idx16_.data(); }
  std::size_t bytes() const {
    return row_ptr_.size() * sizeof(std::int64_t) + col_idx_.size() * sizeof(std::int32_t) +
           values_.size() * sizeof(float) + kblock_off_.size() * sizeof(std::int32_t) +
           col_idx16_.size() * sizeof(std::uint16_t);
  }

 private:
  friend CsrMatrix csr_from_dense(index_t, index_t, const float*, index_t);
  friend CsrMatrix csr_from_arrays(const CsrView&, std::int64_t);
  ResetOnMove<index_t> rows_, cols_;  // a move leaves the 0 x 0 matrix (aligned_buffer.h)
  std::vector<std::int64_t> row_ptr_;
  std::vector<std::int32_t> col_idx_;
  std::vector<float> values_;
  std::vector<std::int32_t> kblock_off_;
  std::vector<std::uint16_t> col_idx16_;
  void build_kblocks();
  void build_derived();  // kblock_off_ and col_idx16_
};

// Keeps the nonzeros of W (rows x cols, ldw >= cols); exact zeros (+0 and -0) are dropped.
CsrMatrix csr_from_dense(index_t rows, index_t cols, const float* W, index_t ldw);
// Validates (csr_validate) and copies user arrays.
CsrMatrix csr_from_arrays(const CsrView& csr, std::int64_t nnz = -1);
// Dense W (rows x cols, ldw >= cols), zeros where no entry is stored.
void csr_to_dense(const CsrMatrix& csr, float* W, index_t ldw);

// ---- kernels -------------------------------------------------------------------------------
// Kernel contract (inputs validated): rows [r0, r1) of Y = W * X.
//   spmm: N >= 1 columns, X row-major (ldx), Y row-major (ldy); every Y element of those rows is
//         written (rows without nonzeros get 0), nothing else is.
//   spmv: x contiguous (K elements), y[i * incy].
using SpmmCsrFn = void (*)(const std::int64_t* row_ptr, const std::int32_t* col_idx,
                           const float* values, index_t r0, index_t r1, index_t N, const float* X,
                           index_t ldx, float* Y, index_t ldy);
// The K-blocked SpMM (same contract as spmm): additionally kblock_off / kblocks as in
// CsrMatrix::kblock_offsets.
using SpmmCsrKBlockedFn = void (*)(const std::int64_t* row_ptr, const std::int32_t* col_idx,
                                   const float* values, const std::int32_t* kblock_off, index_t kblocks,
                                   index_t r0, index_t r1, index_t N, const float* X, index_t ldx, float* Y,
                                   index_t ldy);
using SpmvCsrFn = void (*)(const std::int64_t* row_ptr, const std::int32_t* col_idx,
                           const float* values, index_t r0, index_t r1, const float* x, float* y,
                           index_t incy);
using SpmvCsr16Fn = void (*)(const std::int64_t* row_ptr, const std::uint16_t* col_idx,
                             const float* values, index_t r0, index_t r1, const float* x, float* y,
                             index_t incy);

// A registry entry (common/dispatch.h: name (of the SpMM), ISA level, features, tile: nr
// columns of Y accumulated in registers per pass).
struct SpmmCsrKernel : KernelInfo {
  const char* spmv_name = "";  // e.g. "spmv_csr_f32_gather16_avx512"
  SpmmCsrFn spmm = nullptr;
  SpmvCsrFn spmv = nullptr;
  // Used instead of spmm for N >= 2 when the matrix has K blocks; null: spmm always.
  SpmmCsrKBlockedFn spmm_kblocked = nullptr;
  // Used instead of spmv when the matrix has 16-bit column indices; null: spmv always.
  SpmvCsr16Fn spmv16 = nullptr;
};

// Every variant compiled in, best last; skip those !kernel_runnable(k).
const std::vector<SpmmCsrKernel>& spmm_csr_kernels();
const SpmmCsrKernel& spmm_csr_selected_kernel();   // honours IK_ISA

struct SparseOptions {
  int threads = 0;                         // 0: omp_get_max_threads()
  const SpmmCsrKernel* kernel = nullptr;   // nullptr: spmm_csr_selected_kernel()
};

// Y[M x N] = W * X. X is K x N (ldx >= N), Y is M x N (ldy >= N), M = W.rows(), K = W.cols().
// Y is only written (it may hold NaN before the call). N == 1 runs the SpMV kernel.
// Y must not overlap X.
void spmm_csr(const CsrMatrix& W, index_t N, const float* X, index_t ldx, float* Y, index_t ldy,
              const SparseOptions& options = {});
// y[M] = W * x[K], contiguous vectors.
void spmv_csr(const CsrMatrix& W, const float* x, float* y, const SparseOptions& options = {});

// Row ranges of equal work (nonzeros + kRowCost per row) for `parts` threads: bounds[0..parts].
// Exposed for the tests of the load balancing.
std::vector<index_t> csr_balanced_rows(const std::int64_t* row_ptr, index_t rows, int parts);

}  // namespace ik::cpu

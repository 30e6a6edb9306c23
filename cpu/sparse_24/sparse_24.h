// 2:4 structured sparsity: pruning, the compressed format, and its GEMM and GEMV.
//
//   Y[M x N] = W[M x K] * X[K x N]      W: the 2:4-sparse WEIGHT (M = out_features,
//                                       K = in_features, the PyTorch [out][in] layout)
//                                       X: activations, K x N row-major (N = tokens, ldx >= N)
//                                       Y: M x N row-major (ldy >= N)
//
// 2:4 (NVIDIA A100 "fine-grained structured sparsity", Mishra et al., "Accelerating Sparse Deep
// Neural Networks", arXiv:2104.08378): in every group of 4 consecutive weights along K at most 2
// are nonzero. The compressed form keeps 2 values per group plus, per value, its 2-bit position
// in the group (the metadata), as the sparse tensor cores do, but laid out row-major for CPU
// streaming (not in the PTX mma.sp fragment order):
//
//   K is padded with zero weights to Kpad = round_up(K, 32); G = Kpad / 4 groups per row.
//   values  float   [M][Kpad / 2]    row i: v(g=0,s=0) v(0,1) v(1,0) v(1,1) ... v(G-1,1)
//   meta    uint32  [M][Kpad / 32]   value t = 2g + s of row i has its position in the group in
//                                    bits [2 (t % 16), 2 (t % 16) + 2) of meta[i][t / 16]:
//                                    one 32-bit word = 16 values = 8 groups = 32 columns of W
//     W[i][4g + pos(g, s)] = v(g, s);  the other 2 positions of the group are 0.
//   Invariants (checked by sp24_validate): pos(g, 0) < pos(g, 1) in every group; every value whose
//   column 4g + pos >= K (the padding) is 0. Groups with fewer than 2 nonzeros store zeros at
//   the lowest free positions. Bytes per row: Kpad * 2 + Kpad / 8 (vs Kpad * 4 dense fp32).
//
// K not a multiple of 4 (or 32) is padded, never rejected: the padding columns hold zero
// weights, and the kernels read a zero-padded copy of X (GEMM packs X anyway; GEMV copies x),
// so the padding never touches memory outside the user's X.
//
// Pruning (prune_24): in every group of 4 along K (the last group may be shorter) zero all but
// the two largest |w|. Order is (|w|, position): ties prune the earlier position first, as in
// prune_magnitude (sparse_csr.h). Groups of <= 2 weights are kept whole.
//
// GEMM technique: the 2:4 product has no X reuse across rows through registers (each row picks
// its own 2 of 4 X rows), so X is packed into NR-column panels (L2-resident), the 4 X rows of a
// group are shared through L1 by MR rows, and each selected X row slice is an FMA memory
// operand; a tile of MR rows x NR columns of Y stays in registers over all of K. Per kept weight: 1 broadcast, NR / 16
// (zmm) FMAs; half the FMAs of the dense product. GEMV: 16 kept weights per step; the 2-bit
// positions are expanded into lane indices (vpsrlvd, vpand, vpaddd) that select x through
// one vpermt2ps from the 32 x values the 8 groups cover (no gather).
//
// Variants (registry): scalar; AVX2 gemm_sp24_f32_3x32_avx2 + gemv_sp24_f32_gather8_avx2;
// AVX-512 gemm_sp24_f32_6x64_avx512 + gemv_sp24_f32_perm16_avx512. IK_ISA forces one.
// Threads: OpenMP over blocks of rows of Y; every Y element is summed by one thread in a fixed
// order, so results are bitwise independent of the thread count.
//
// Test:  make test ARGS='-tc=sparse_24*'      Bench: make bench FILTER='sparse_24'
#pragma once
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/dispatch.h"
#include "common/matrix.h"

namespace ik::cpu {

// In place: keep the two largest |w| of every 4 consecutive weights of each row (see above).
// W is rows x cols (ldw >= cols); NaN/Inf weights are rejected.
void prune_24(index_t rows, index_t cols, float* W, index_t ldw);

// The compressed form, as produced by sp24_compress or adopted (validated) from user arrays.
class Sparse24Matrix {
 public:
  Sparse24Matrix() = default;
  index_t rows() const { return rows_; }
  index_t cols() const { return cols_; }              // K
  index_t padded_cols() const { return kpad_; }       // Kpad = round_up(K, 32)
  index_t ld_values() const { return kpad_ / 2; }
  index_t ld_meta() const { return kpad_ / 32; }
  const float* values() const { return values_.data(); }
  const std::uint32_t* meta() const { return meta_.data(); }
  std::size_t bytes() const { return values_.size() * sizeof(float) + meta_.size() * sizeof(std::uint32_t); }
  bool empty() const { return rows_ == 0 || cols_ == 0; }

 private:
  friend Sparse24Matrix sp24_compress(index_t, index_t, const float*, index_t);
  friend Sparse24Matrix sp24_from_arrays(index_t, index_t, const float*, const std::uint32_t*);
  ResetOnMove<index_t> rows_, cols_, kpad_;  // a move leaves the 0 x 0 matrix (aligned_buffer.h)
  AlignedBuffer<float> values_;          // rows x ld_values
  AlignedBuffer<std::uint32_t> meta_;    // rows x ld_meta
};

// Compress a 2:4-sparse dense W (rows x cols, ldw >= cols). Throws ik::Error naming the row and
// group if any group of 4 along K holds more than 2 nonzeros (prune_24 first).
Sparse24Matrix sp24_compress(index_t rows, index_t cols, const float* W, index_t ldw);
// Check user arrays in the layout above (values rows x Kpad/2, meta rows x Kpad/32, both
// contiguous): throws ik::Error on pos(g,0) >= pos(g,1) or a nonzero value in the padding.
void sp24_validate(index_t rows, index_t cols, const float* values, const std::uint32_t* meta);
// Validate and copy.
Sparse24Matrix sp24_from_arrays(index_t rows, index_t cols, const float* values, const std::uint32_t* meta);
// Expand to dense W (rows x cols, ldw >= cols).
void sp24_decompress(const Sparse24Matrix& s, float* W, index_t ldw);

// ---- kernels -------------------------------------------------------------------------------
// GEMM microkernel contract: rows [r0, r1) of Y for the column panel starting at j0 (n <= nr
// valid columns), k groups [g0, g0 + ng), reading the packed X block xblk[(4 * (g - g0) + p) * nr
// + j]. first: Y = result (Y not read); else Y += result.
using Gemm24Fn = void (*)(const Sparse24Matrix& W, index_t r0, index_t r1, index_t g0, index_t ng,
                          const float* xblk, float* Y, index_t ldy, int n, bool first);
// GEMV contract: y[i * incy] for rows [r0, r1); xpad is x zero-padded to Kpad (64-byte aligned).
using Gemv24Fn = void (*)(const Sparse24Matrix& W, index_t r0, index_t r1, const float* xpad,
                          float* y, index_t incy);

// A registry entry (common/dispatch.h: name (of the GEMM), ISA level, features, MR x NR tile).
struct Sp24Kernel : KernelInfo {
  const char* gemv_name = "";  // "gemv_sp24_f32_perm16_avx512"
  int kc = 0;                  // rows of packed X per block (multiple of 32: whole meta words;
                               // the shipped variants use all of K in one block)
  Gemm24Fn gemm = nullptr;
  Gemv24Fn gemv = nullptr;
};

const std::vector<Sp24Kernel>& sp24_kernels();
const Sp24Kernel& sp24_selected_kernel();

struct Sp24Options {
  int threads = 0;                      // 0: omp_get_max_threads()
  const Sp24Kernel* kernel = nullptr;   // nullptr: sp24_selected_kernel()
};

// Y[M x N] = W * X (M = W.rows(), K = W.cols()). Y is only written. N == 1 runs the GEMV.
void gemm_sp24(const Sparse24Matrix& W, index_t N, const float* X, index_t ldx, float* Y, index_t ldy,
               const Sp24Options& options = {});
// y[M] = W * x[K], contiguous.
void gemv_sp24(const Sparse24Matrix& W, const float* x, float* y, const Sp24Options& options = {});

}  // namespace ik::cpu

// Reference for the sparse families (cpu/sparse_csr, cpu/sparse_24): plain scalar C++ written
// from the definitions, independent of the optimized code, so the tests compare two readings of
// the same formula.
//
//   expansion  csr_to_dense / sp24_to_dense: the dense W a sparse format stands for
//   product    spmm_dense: Y = W * X by ref::sgemm (double accumulation) on that dense W, with
//              scale[i][j] = sum_k |w_ik x_kj| for the rounding-error bound
//   pruning    prune_magnitude: full sort by (|w|, row-major position), zero the first
//              round(sparsity * count); prune_24: per group of 4 along K, zero all but the two
//              last in (|w|, position) order (groups of <= 2 kept)
#pragma once
#include <cstdint>

#include "common/matrix.h"

namespace ik::ref {

void csr_to_dense(index_t rows, index_t cols, const std::int64_t* row_ptr, const std::int32_t* col_idx,
                  const float* values, float* W, index_t ldw);
// The format of cpu/sparse_24/sparse_24.h: values [rows][Kpad/2], meta [rows][Kpad/32],
// Kpad = round_up(cols, 32).
void sp24_to_dense(index_t rows, index_t cols, const float* values, const std::uint32_t* meta, float* W,
                   index_t ldw);
void spmm_dense(index_t M, index_t N, index_t K, const float* W, index_t ldw, const float* X, index_t ldx,
                float* Y, index_t ldy, double* scale, index_t ld_scale);
// global = true: one threshold over the matrix; false: per row.
void prune_magnitude(index_t rows, index_t cols, float* W, index_t ldw, double sparsity, bool global);
void prune_24(index_t rows, index_t cols, float* W, index_t ldw);

}  // namespace ik::ref

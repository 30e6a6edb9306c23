// Eigen 3.4 baseline for the CSR benchmark (bench/cpu/bench_sparse.cpp): Eigen::SparseMatrix<float,
// RowMajor> times a row-major dense matrix (or vector), the product a user of Eigen would write.
//
// Compiled with the AVX-512 flags (the file name selects them in the Makefile) so that Eigen's
// dense row updates use its AVX-512 packets, as a user building with -march=native would get:
// a baseline held back to SSE2 would flatter our kernels. bench_sparse.cpp registers these rows
// only where the CPU runs AVX-512. Without <eigen3/Eigen/Sparse> this file compiles to nothing
// and eigen_sparse_available() is false.
//
// Eigen's kernels (Eigen/src/SparseCore/SparseDenseProduct.h): N > 1 with row-major operands adds
// w_ik * X.row(k) into Y.row(i) per nonzero (load + FMA + store of the Y row each time), OpenMP
// over rows when built with -fopenmp; N = 1 is a scalar dot product per row.
#include <cstdint>
#include <memory>
#include <vector>

#include "common/matrix.h"

#if __has_include(<eigen3/Eigen/Sparse>)
#define IKB_HAVE_EIGEN_SPARSE 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wclass-memaccess"
#include <eigen3/Eigen/Sparse>
#pragma GCC diagnostic pop
#endif

namespace ikb::eigen_sparse {

#ifdef IKB_HAVE_EIGEN_SPARSE
using SpMat = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

bool available() { return true; }

std::shared_ptr<void> make(ik::index_t rows, ik::index_t cols, const std::int64_t* row_ptr,
                           const std::int32_t* col_idx, const float* values) {
  auto m = std::make_shared<SpMat>(rows, cols);
  m->reserve(static_cast<Eigen::Index>(row_ptr[rows]));
  std::vector<int> counts(static_cast<std::size_t>(rows));
  for (ik::index_t i = 0; i < rows; ++i) counts[static_cast<std::size_t>(i)] = static_cast<int>(row_ptr[i + 1] - row_ptr[i]);
  m->reserve(counts);
  for (ik::index_t i = 0; i < rows; ++i)
    for (std::int64_t p = row_ptr[i]; p < row_ptr[i + 1]; ++p) m->insert(i, col_idx[p]) = values[p];
  m->makeCompressed();
  return m;
}

void run(const void* handle, ik::index_t N, const float* X, float* Y) {
  const SpMat& S = *static_cast<const SpMat*>(handle);
  if (N == 1) {
    Eigen::Map<const Eigen::VectorXf> x(X, S.cols());
    Eigen::Map<Eigen::VectorXf> y(Y, S.rows());
    y.noalias() = S * x;
  } else {
    Eigen::Map<const RowMat> x(X, S.cols(), N);
    Eigen::Map<RowMat> y(Y, S.rows(), N);
    y.noalias() = S * x;
  }
}
#else
bool available() { return false; }
std::shared_ptr<void> make(ik::index_t, ik::index_t, const std::int64_t*, const std::int32_t*, const float*) {
  return nullptr;
}
void run(const void*, ik::index_t, const float*, float*) {}
#endif

}  // namespace ikb::eigen_sparse

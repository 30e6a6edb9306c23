// Reference sparse expansion, product and pruning (see reference/sparse.h).
#include "reference/sparse.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "reference/gemm_f32.h"

namespace ik::ref {

void csr_to_dense(index_t rows, index_t cols, const std::int64_t* row_ptr, const std::int32_t* col_idx,
                  const float* values, float* W, index_t ldw) {
  for (index_t i = 0; i < rows; ++i) {
    for (index_t j = 0; j < cols; ++j) W[i * ldw + j] = 0.0f;
    for (std::int64_t p = row_ptr[i]; p < row_ptr[i + 1]; ++p) W[i * ldw + col_idx[p]] = values[p];
  }
}

void sp24_to_dense(index_t rows, index_t cols, const float* values, const std::uint32_t* meta, float* W,
                   index_t ldw) {
  const index_t kpad = (cols + 31) / 32 * 32;
  for (index_t i = 0; i < rows; ++i) {
    for (index_t j = 0; j < cols; ++j) W[i * ldw + j] = 0.0f;
    for (index_t t = 0; t < kpad / 2; ++t) {  // value t of the row: group t / 2
      const unsigned pos = (meta[i * (kpad / 32) + t / 16] >> (2 * (t % 16))) & 3u;
      const index_t k = 4 * (t / 2) + pos;
      if (k < cols) W[i * ldw + k] = values[i * (kpad / 2) + t];
    }
  }
}

void spmm_dense(index_t M, index_t N, index_t K, const float* W, index_t ldw, const float* X, index_t ldx,
                float* Y, index_t ldy, double* scale, index_t ld_scale) {
  sgemm(false, false, M, N, K, 1.0f, W, ldw, X, ldx, 0.0f, Y, ldy, scale, ld_scale);
}

namespace {
void zero_smallest(std::vector<std::tuple<float, index_t, float*>>& items, index_t drop) {
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    const float ma = std::fabs(std::get<0>(a)), mb = std::fabs(std::get<0>(b));
    return ma != mb ? ma < mb : std::get<1>(a) < std::get<1>(b);
  });
  for (index_t e = 0; e < drop && e < static_cast<index_t>(items.size()); ++e) *std::get<2>(items[e]) = 0.0f;
}
}  // namespace

void prune_magnitude(index_t rows, index_t cols, float* W, index_t ldw, double sparsity, bool global) {
  std::vector<std::tuple<float, index_t, float*>> items;
  if (global) {
    for (index_t i = 0; i < rows; ++i)
      for (index_t j = 0; j < cols; ++j) items.emplace_back(W[i * ldw + j], i * cols + j, &W[i * ldw + j]);
    zero_smallest(items, static_cast<index_t>(std::llround(sparsity * double(rows * cols))));
    return;
  }
  for (index_t i = 0; i < rows; ++i) {
    items.clear();
    for (index_t j = 0; j < cols; ++j) items.emplace_back(W[i * ldw + j], j, &W[i * ldw + j]);
    zero_smallest(items, static_cast<index_t>(std::llround(sparsity * double(cols))));
  }
}

void prune_24(index_t rows, index_t cols, float* W, index_t ldw) {
  std::vector<std::tuple<float, index_t, float*>> items;
  for (index_t i = 0; i < rows; ++i)
    for (index_t k0 = 0; k0 < cols; k0 += 4) {
      items.clear();
      for (index_t k = k0; k < std::min(cols, k0 + 4); ++k) items.emplace_back(W[i * ldw + k], k, &W[i * ldw + k]);
      zero_smallest(items, static_cast<index_t>(items.size()) - 2);
    }
}

}  // namespace ik::ref

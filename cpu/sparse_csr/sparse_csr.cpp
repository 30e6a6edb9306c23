// cpu/sparse_csr entry points: magnitude pruning, CSR build / validation / expansion, the
// registry and dispatch, argument checks, and the load-balanced OpenMP split of rows.
// See sparse_csr.h for the contract and the layouts.
#include "cpu/sparse_csr/sparse_csr.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/aligned_buffer.h"
#include "common/error.h"
#include "cpu/sparse_csr/sparse_csr_internal.h"

namespace ik::cpu {

// ---------------------------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------------------------
namespace {

// |w| as its IEEE bit pattern: for finite non-negative floats the integer order is the numeric
// order, and -0 / +0 both map to 0, so (key, position) is a strict total order with no float
// comparisons (and no NaN surprises).
inline std::uint32_t magnitude_key(float w) {
  std::uint32_t u;
  std::memcpy(&u, &w, sizeof u);
  return u & 0x7fffffffu;
}

struct Ranked {
  std::uint32_t mag;
  std::uint64_t pos;
  bool operator<(const Ranked& o) const { return mag != o.mag ? mag < o.mag : pos < o.pos; }
};

index_t prune_count(double sparsity, index_t count) {
  return static_cast<index_t>(std::llround(sparsity * static_cast<double>(count)));
}

// Zero the `drop` smallest of the `items` (their positions index into W through `at`).
template <typename At>
void prune_smallest(std::vector<Ranked>& items, index_t drop, At at) {
  if (drop <= 0) return;
  if (drop < static_cast<index_t>(items.size()))
    std::nth_element(items.begin(), items.begin() + drop, items.end());
  for (index_t e = 0; e < drop; ++e) *at(items[e].pos) = 0.0f;
}

}  // namespace

void prune_magnitude(index_t rows, index_t cols, float* W, index_t ldw, double sparsity,
                     PruneScope scope) {
  constexpr const char* where = "ik::cpu::prune_magnitude";
  IK_REQUIRE(rows >= 0, where, "rows = ", rows, " must be >= 0");
  IK_REQUIRE(cols >= 0, where, "cols = ", cols, " must be >= 0");
  IK_REQUIRE(ldw >= std::max<index_t>(1, cols), where, "ldw = ", ldw, " < cols = ", cols);
  IK_REQUIRE(sparsity >= 0.0 && sparsity <= 1.0, where, "sparsity = ", sparsity, " is not in [0, 1]");
  if (rows == 0 || cols == 0) return;
  IK_REQUIRE(W != nullptr, where, "W is null");
  for (index_t i = 0; i < rows; ++i)
    for (index_t j = 0; j < cols; ++j)
      IK_REQUIRE(std::isfinite(W[i * ldw + j]), where, "W(", i, ", ", j, ") = ", W[i * ldw + j],
                 " is not finite");
  std::vector<Ranked> items;
  if (scope == PruneScope::global) {
    items.reserve(static_cast<std::size_t>(rows * cols));
    for (index_t i = 0; i < rows; ++i)
      for (index_t j = 0; j < cols; ++j)
        items.push_back({magnitude_key(W[i * ldw + j]), static_cast<std::uint64_t>(i * cols + j)});
    prune_smallest(items, prune_count(sparsity, rows * cols),
                   [&](std::uint64_t p) { return W + static_cast<index_t>(p) / cols * ldw + static_cast<index_t>(p) % cols; });
  } else {
    const index_t drop = prune_count(sparsity, cols);
    items.reserve(static_cast<std::size_t>(cols));
    for (index_t i = 0; i < rows; ++i) {
      float* row = W + i * ldw;
      items.clear();
      for (index_t j = 0; j < cols; ++j) items.push_back({magnitude_key(row[j]), static_cast<std::uint64_t>(j)});
      prune_smallest(items, drop, [&](std::uint64_t p) { return row + p; });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CSR build, validation, expansion
// ---------------------------------------------------------------------------------------------

void csr_validate(const CsrView& c, std::int64_t nnz) {
  constexpr const char* where = "ik::cpu::csr_validate";
  IK_REQUIRE(c.rows >= 0, where, "rows = ", c.rows, " must be >= 0");
  IK_REQUIRE(c.cols >= 0, where, "cols = ", c.cols, " must be >= 0");
  IK_REQUIRE(c.cols <= std::numeric_limits<std::int32_t>::max(), where, "cols = ", c.cols,
             " does not fit the int32 column indices");
  IK_REQUIRE(c.row_ptr != nullptr, where, "row_ptr is null");
  IK_REQUIRE(c.row_ptr[0] == 0, where, "row_ptr[0] = ", c.row_ptr[0], " must be 0");
  for (index_t i = 0; i < c.rows; ++i)
    IK_REQUIRE(c.row_ptr[i + 1] >= c.row_ptr[i], where, "row_ptr is not monotone: row_ptr[", i + 1,
               "] = ", c.row_ptr[i + 1], " < row_ptr[", i, "] = ", c.row_ptr[i]);
  const std::int64_t total = c.row_ptr[c.rows];
  IK_REQUIRE(nnz < 0 || total == nnz, where, "row_ptr[rows] = ", total, " but nnz = ", nnz);
  IK_REQUIRE(total <= std::numeric_limits<std::int32_t>::max(), where, "nnz = ", total,
             " exceeds the supported 2^31 - 1");
  if (total == 0) return;
  IK_REQUIRE(c.col_idx != nullptr, where, "col_idx is null with nnz = ", total);
  IK_REQUIRE(c.values != nullptr, where, "values is null with nnz = ", total);
  for (index_t i = 0; i < c.rows; ++i) {
    for (std::int64_t p = c.row_ptr[i]; p < c.row_ptr[i + 1]; ++p) {
      const std::int32_t k = c.col_idx[p];
      IK_REQUIRE(k >= 0 && k < c.cols, where, "col_idx[", p, "] = ", k, " (row ", i,
                 ") is out of range [0, ", c.cols, ")");
      IK_REQUIRE(p == c.row_ptr[i] || c.col_idx[p - 1] < k, where, "col_idx of row ", i,
                 " is not strictly ascending: col_idx[", p - 1, "] = ", c.col_idx[p - 1], ", col_idx[", p,
                 "] = ", k);
    }
  }
}

CsrMatrix csr_from_dense(index_t rows, index_t cols, const float* W, index_t ldw) {
  constexpr const char* where = "ik::cpu::csr_from_dense";
  IK_REQUIRE(rows >= 0, where, "rows = ", rows, " must be >= 0");
  IK_REQUIRE(cols >= 0 && cols <= std::numeric_limits<std::int32_t>::max(), where, "cols = ", cols,
             " is not in [0, 2^31)");
  IK_REQUIRE(ldw >= std::max<index_t>(1, cols), where, "ldw = ", ldw, " < cols = ", cols);
  IK_REQUIRE(W != nullptr || rows == 0 || cols == 0, where, "W is null");
  CsrMatrix m;
  m.rows_ = rows;
  m.cols_ = cols;
  m.row_ptr_.assign(static_cast<std::size_t>(rows + 1), 0);
  for (index_t i = 0; i < rows; ++i) {
    const float* w = W + i * ldw;
    std::int64_t n = 0;
    for (index_t j = 0; j < cols; ++j) n += w[j] != 0.0f;
    m.row_ptr_[i + 1] = m.row_ptr_[i] + n;
  }
  IK_REQUIRE(m.row_ptr_.back() <= std::numeric_limits<std::int32_t>::max(), where, "nnz = ",
             m.row_ptr_.back(), " exceeds the supported 2^31 - 1");
  m.col_idx_.resize(static_cast<std::size_t>(m.row_ptr_.back()));
  m.values_.resize(static_cast<std::size_t>(m.row_ptr_.back()));
  for (index_t i = 0; i < rows; ++i) {
    const float* w = W + i * ldw;
    std::int64_t p = m.row_ptr_[i];
    for (index_t j = 0; j < cols; ++j)
      if (w[j] != 0.0f) {
        m.col_idx_[p] = static_cast<std::int32_t>(j);
        m.values_[p++] = w[j];
      }
  }
  m.build_derived();
  return m;
}

void CsrMatrix::build_derived() {
  build_kblocks();
  col_idx16_.clear();
  if (cols_ <= 65536 && !col_idx_.empty())
    col_idx16_.assign(col_idx_.begin(), col_idx_.end());  // every index < 65536: exact
}

void CsrMatrix::build_kblocks() {
  const index_t nkb = kblocks();
  kblock_off_.clear();
  if (nkb < 2 || nnz() < kCsrKBlockMinNnz * rows_ * nkb) return;
  kblock_off_.resize(static_cast<std::size_t>(rows_ * (nkb + 1)));
  for (index_t i = 0; i < rows_; ++i) {
    std::int32_t* off = kblock_off_.data() + i * (nkb + 1);
    const std::int64_t b = row_ptr_[i], e = row_ptr_[i + 1];
    std::int64_t p = b;
    for (index_t kb = 0; kb <= nkb; ++kb) {
      while (p < e && col_idx_[p] < kb * kCsrKBlock) ++p;
      off[kb] = static_cast<std::int32_t>(p - b);
    }
    off[nkb] = static_cast<std::int32_t>(e - b);
  }
}

CsrMatrix csr_from_arrays(const CsrView& c, std::int64_t nnz) {
  csr_validate(c, nnz);
  CsrMatrix m;
  m.rows_ = c.rows;
  m.cols_ = c.cols;
  const std::int64_t total = c.row_ptr[c.rows];
  m.row_ptr_.assign(c.row_ptr, c.row_ptr + c.rows + 1);
  if (total > 0) {
    m.col_idx_.assign(c.col_idx, c.col_idx + total);
    m.values_.assign(c.values, c.values + total);
  }
  m.build_derived();
  return m;
}

void csr_to_dense(const CsrMatrix& csr, float* W, index_t ldw) {
  constexpr const char* where = "ik::cpu::csr_to_dense";
  IK_REQUIRE(ldw >= std::max<index_t>(1, csr.cols()), where, "ldw = ", ldw, " < cols = ", csr.cols());
  IK_REQUIRE(W != nullptr || csr.rows() == 0 || csr.cols() == 0, where, "W is null");
  for (index_t i = 0; i < csr.rows(); ++i) {
    float* w = W + i * ldw;
    std::fill(w, w + csr.cols(), 0.0f);
    for (std::int64_t p = csr.row_ptr()[i]; p < csr.row_ptr()[i + 1]; ++p) w[csr.col_idx()[p]] = csr.values()[p];
  }
}

// ---------------------------------------------------------------------------------------------
// Registry and dispatch
// ---------------------------------------------------------------------------------------------

const std::vector<SpmmCsrKernel>& spmm_csr_kernels() {
  static const std::vector<SpmmCsrKernel> k = {detail::spmm_csr_kernel_scalar, detail::spmm_csr_kernel_avx2,
                                               detail::spmm_csr_kernel_avx512};
  return k;
}

const SpmmCsrKernel& spmm_csr_selected_kernel() { return select_kernel("sparse_csr", spmm_csr_kernels()); }

// ---------------------------------------------------------------------------------------------
// Load balancing
// ---------------------------------------------------------------------------------------------
namespace {
// A row costs its nonzeros plus the fixed work of starting it (zeroing and storing the Y row,
// the row_ptr reads): about as much as this many nonzeros. Without the term, a matrix with a
// few dense rows and many empty ones would give one thread all the empty rows' stores.
constexpr std::int64_t kRowCost = 2;
}  // namespace

std::vector<index_t> csr_balanced_rows(const std::int64_t* row_ptr, index_t rows, int parts) {
  std::vector<index_t> b(static_cast<std::size_t>(parts) + 1, rows);
  b[0] = 0;
  const std::int64_t total = row_ptr[rows] + kRowCost * rows;
  // cost(r) = row_ptr[r] + kRowCost * r is monotone in r: binary search each split point.
  for (int t = 1; t < parts; ++t) {
    const std::int64_t target = total * t / parts;
    index_t lo = b[t - 1], hi = rows;
    while (lo < hi) {
      const index_t mid = lo + (hi - lo) / 2;
      if (row_ptr[mid] + kRowCost * mid < target) lo = mid + 1;
      else hi = mid;
    }
    b[t] = lo;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------
namespace {

const SpmmCsrKernel& resolve_kernel(const char* where, const SparseOptions& opt) {
  return ik::resolve_kernel(where, opt.kernel, &spmm_csr_selected_kernel);
}

// Fewer threads for little work: a parallel region costs microseconds; ~64K nonzero-columns
// (multiply-adds) per thread at least.
int threads_for(int max_threads, std::int64_t nnz, index_t rows, index_t N) {
  const double work = (static_cast<double>(nnz) + 2.0 * static_cast<double>(rows)) * static_cast<double>(N);
  return std::max(1, static_cast<int>(std::min<double>(max_threads, work / 65536.0 + 1.0)));
}

bool overlaps(const void* a, std::size_t abytes, const void* b, std::size_t bbytes) {
  auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
  return x < y + bbytes && y < x + abytes;
}

template <typename Body>
void parallel_rows(const CsrMatrix& W, index_t N, int max_threads, Body body) {
  const int nt = threads_for(max_threads, W.nnz(), W.rows(), N);
  const std::vector<index_t> bounds = csr_balanced_rows(W.row_ptr(), W.rows(), nt);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    if (t < nt && bounds[t] < bounds[t + 1]) body(bounds[t], bounds[t + 1]);
  }
}

}  // namespace

void spmm_csr(const CsrMatrix& W, index_t N, const float* X, index_t ldx, float* Y, index_t ldy,
              const SparseOptions& options) {
  constexpr const char* where = "ik::cpu::spmm_csr";
  const index_t M = W.rows(), K = W.cols();
  IK_REQUIRE(N >= 0, where, "N = ", N, " must be >= 0");
  IK_REQUIRE(ldx >= std::max<index_t>(1, N), where, "ldx = ", ldx, " < N = ", N);
  IK_REQUIRE(ldy >= std::max<index_t>(1, N), where, "ldy = ", ldy, " < N = ", N);
  IK_REQUIRE(Y != nullptr || M == 0 || N == 0, where, "Y is null with M = ", M, ", N = ", N);
  IK_REQUIRE(X != nullptr || K == 0 || N == 0 || W.nnz() == 0, where, "X is null with K = ", K, ", N = ", N);
  const SpmmCsrKernel& kern = resolve_kernel(where, options);
  const int max_threads = resolve_threads(where, options.threads);
  if (M == 0 || N == 0) return;
  if (X && K > 0)
    IK_REQUIRE(!overlaps(Y, static_cast<std::size_t>((M - 1) * ldy + N) * sizeof(float), X,
                         static_cast<std::size_t>((K - 1) * ldx + N) * sizeof(float)),
               where, "Y overlaps X (output aliasing an input)");
  if (N == 1) {
    // The SpMV gathers x with unit scale: give it a contiguous copy when X is strided (K floats,
    // a few KiB, against the nnz * 8 bytes of W it reads).
    const float* x = X;
    thread_local AlignedBuffer<float> xbuf;
    if (ldx != 1 && K > 0) {
      xbuf.ensure(static_cast<std::size_t>(K));
      for (index_t k = 0; k < K; ++k) xbuf[static_cast<std::size_t>(k)] = X[k * ldx];
      x = xbuf.data();
    }
    parallel_rows(W, 1, max_threads, [&](index_t r0, index_t r1) {
      if (kern.spmv16 && W.col_idx16())
        kern.spmv16(W.row_ptr(), W.col_idx16(), W.values(), r0, r1, x, Y, ldy);
      else
        kern.spmv(W.row_ptr(), W.col_idx(), W.values(), r0, r1, x, Y, ldy);
    });
    return;
  }
  // K blocking pays when X (K x N floats) would not stay in L2 beside the W stream; below that
  // the whole-K pass reads X from L2 anyway and streams W in order, which the blocked pass,
  // visiting each row once per K block, does not (measured here, 4096 x 4096 weights streamed
  // from memory, N = 32, 50% sparse: whole-K 13 ms, blocked 34 ms).
  constexpr std::size_t kXBytesForKBlocking = std::size_t(1) << 20;
  if (kern.spmm_kblocked && W.kblock_offsets() &&
      static_cast<std::size_t>(K) * static_cast<std::size_t>(N) * sizeof(float) > kXBytesForKBlocking) {
    parallel_rows(W, N, max_threads, [&](index_t r0, index_t r1) {
      kern.spmm_kblocked(W.row_ptr(), W.col_idx(), W.values(), W.kblock_offsets(), W.kblocks(), r0, r1, N, X,
                         ldx, Y, ldy);
    });
    return;
  }
  parallel_rows(W, N, max_threads, [&](index_t r0, index_t r1) {
    kern.spmm(W.row_ptr(), W.col_idx(), W.values(), r0, r1, N, X, ldx, Y, ldy);
  });
}

void spmv_csr(const CsrMatrix& W, const float* x, float* y, const SparseOptions& options) {
  spmm_csr(W, 1, x, 1, y, 1, options);
}

}  // namespace ik::cpu

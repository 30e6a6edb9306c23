// cpu/sparse_24 entry points: 2:4 pruning, compression / validation / expansion, registry and
// dispatch, X packing, and the OpenMP split of rows. See sparse_24.h for the format.
#include "cpu/sparse_24/sparse_24.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "cpu/sparse_24/sparse_24_internal.h"

namespace ik::cpu {
namespace {

index_t round_up(index_t x, index_t m) { return (x + m - 1) / m * m; }

inline std::uint32_t magnitude_key(float w) {
  std::uint32_t u;
  std::memcpy(&u, &w, sizeof u);
  return u & 0x7fffffffu;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Pruning, compression, validation
// ---------------------------------------------------------------------------------------------

void prune_24(index_t rows, index_t cols, float* W, index_t ldw) {
  constexpr const char* where = "ik::cpu::prune_24";
  IK_REQUIRE(rows >= 0, where, "rows = ", rows, " must be >= 0");
  IK_REQUIRE(cols >= 0, where, "cols = ", cols, " must be >= 0");
  IK_REQUIRE(ldw >= std::max<index_t>(1, cols), where, "ldw = ", ldw, " < cols = ", cols);
  if (rows == 0 || cols == 0) return;
  IK_REQUIRE(W != nullptr, where, "W is null");
  for (index_t i = 0; i < rows; ++i) {
    float* w = W + i * ldw;
    for (index_t j = 0; j < cols; ++j)
      IK_REQUIRE(std::isfinite(w[j]), where, "W(", i, ", ", j, ") = ", w[j], " is not finite");
    for (index_t k0 = 0; k0 < cols; k0 += 4) {
      const int n = static_cast<int>(std::min<index_t>(4, cols - k0));
      // Prune the n - 2 first elements in (|w|, position) order: a 4-element insertion sort.
      int order[4] = {0, 1, 2, 3};
      for (int a = 1; a < n; ++a)
        for (int b = a; b > 0 && magnitude_key(w[k0 + order[b]]) < magnitude_key(w[k0 + order[b - 1]]); --b)
          std::swap(order[b], order[b - 1]);
      for (int d = 0; d < n - 2; ++d) w[k0 + order[d]] = 0.0f;
    }
  }
}

Sparse24Matrix sp24_compress(index_t rows, index_t cols, const float* W, index_t ldw) {
  constexpr const char* where = "ik::cpu::sp24_compress";
  IK_REQUIRE(rows >= 0, where, "rows = ", rows, " must be >= 0");
  IK_REQUIRE(cols >= 0, where, "cols = ", cols, " must be >= 0");
  IK_REQUIRE(ldw >= std::max<index_t>(1, cols), where, "ldw = ", ldw, " < cols = ", cols);
  IK_REQUIRE(W != nullptr || rows == 0 || cols == 0, where, "W is null");
  Sparse24Matrix s;
  s.rows_ = rows;
  s.cols_ = cols;
  s.kpad_ = round_up(cols, 32);
  const std::size_t nv = static_cast<std::size_t>(rows * s.ld_values());
  const std::size_t nm = static_cast<std::size_t>(rows * s.ld_meta());
  s.values_.reset(nv);
  s.meta_.reset(nm);
  for (index_t i = 0; i < rows; ++i) {
    const float* w = W + i * ldw;
    float* v = s.values_.data() + i * s.ld_values();
    std::uint32_t* m = s.meta_.data() + i * s.ld_meta();
    std::fill(m, m + s.ld_meta(), 0u);
    for (index_t g = 0; g < s.kpad_ / 4; ++g) {
      int pos[2], np = 0;
      for (int p = 0; p < 4; ++p) {
        const index_t k = 4 * g + p;
        if (k < cols && w[k] != 0.0f) {
          IK_REQUIRE(np < 2, where, "row ", i, ", group ", g, " (columns ", 4 * g, "..", 4 * g + 3,
                     ") has more than 2 nonzeros: not 2:4 sparse (run prune_24 first)");
          pos[np++] = p;
        }
      }
      // Fill missing slots with the lowest free positions (their weight is 0), keeping pos0 < pos1.
      for (int p = 0; np < 2 && p < 4; ++p)
        if (np == 0 || pos[0] != p) pos[np++] = p;
      if (pos[0] > pos[1]) std::swap(pos[0], pos[1]);
      for (int t = 0; t < 2; ++t) {
        const index_t k = 4 * g + pos[t];
        v[2 * g + t] = k < cols ? w[k] : 0.0f;
        const index_t slot = 2 * g + t;
        m[slot / 16] |= static_cast<std::uint32_t>(pos[t]) << (2 * (slot % 16));
      }
    }
  }
  return s;
}

void sp24_validate(index_t rows, index_t cols, const float* values, const std::uint32_t* meta) {
  constexpr const char* where = "ik::cpu::sp24_validate";
  IK_REQUIRE(rows >= 0, where, "rows = ", rows, " must be >= 0");
  IK_REQUIRE(cols >= 0, where, "cols = ", cols, " must be >= 0");
  if (rows == 0 || cols == 0) return;
  IK_REQUIRE(values != nullptr, where, "values is null");
  IK_REQUIRE(meta != nullptr, where, "meta is null");
  const index_t kpad = round_up(cols, 32), ldv = kpad / 2, ldm = kpad / 32;
  for (index_t i = 0; i < rows; ++i)
    for (index_t g = 0; g < kpad / 4; ++g) {
      const unsigned bits = detail::sp24_group_bits(meta + i * ldm, g);
      const unsigned p0 = bits & 3, p1 = bits >> 2;
      IK_REQUIRE(p0 < p1, where, "meta of row ", i, ", group ", g, ": positions ", p0, ", ", p1,
                 " are not strictly ascending");
      for (unsigned t = 0; t < 2; ++t) {
        const index_t k = 4 * g + (t ? p1 : p0);
        const float v = values[i * ldv + 2 * g + t];
        IK_REQUIRE(k < cols || v == 0.0f, where, "row ", i, ", group ", g, ": value ", v,
                   " at padding column ", k, " >= K = ", cols, " (must be 0)");
      }
    }
}

Sparse24Matrix sp24_from_arrays(index_t rows, index_t cols, const float* values, const std::uint32_t* meta) {
  sp24_validate(rows, cols, values, meta);
  Sparse24Matrix s;
  s.rows_ = rows;
  s.cols_ = cols;
  s.kpad_ = round_up(cols, 32);
  const std::size_t nv = static_cast<std::size_t>(rows * s.ld_values());
  const std::size_t nm = static_cast<std::size_t>(rows * s.ld_meta());
  s.values_.reset(nv);
  s.meta_.reset(nm);
  if (nv) std::memcpy(s.values_.data(), values, nv * sizeof(float));
  if (nm) std::memcpy(s.meta_.data(), meta, nm * sizeof(std::uint32_t));
  return s;
}

void sp24_decompress(const Sparse24Matrix& s, float* W, index_t ldw) {
  constexpr const char* where = "ik::cpu::sp24_decompress";
  IK_REQUIRE(ldw >= std::max<index_t>(1, s.cols()), where, "ldw = ", ldw, " < cols = ", s.cols());
  IK_REQUIRE(W != nullptr || s.empty(), where, "W is null");
  for (index_t i = 0; i < s.rows(); ++i) {
    float* w = W + i * ldw;
    std::fill(w, w + s.cols(), 0.0f);
    const float* v = s.values() + i * s.ld_values();
    const std::uint32_t* m = s.meta() + i * s.ld_meta();
    for (index_t g = 0; g < s.padded_cols() / 4; ++g) {
      const unsigned bits = detail::sp24_group_bits(m, g);
      const index_t k0 = 4 * g + (bits & 3), k1 = 4 * g + (bits >> 2);
      if (k0 < s.cols()) w[k0] = v[2 * g];
      if (k1 < s.cols()) w[k1] = v[2 * g + 1];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Registry and dispatch
// ---------------------------------------------------------------------------------------------

const std::vector<Sp24Kernel>& sp24_kernels() {
  static const std::vector<Sp24Kernel> k = {detail::sp24_kernel_scalar, detail::sp24_kernel_avx2,
                                            detail::sp24_kernel_avx512};
  return k;
}

const Sp24Kernel& sp24_selected_kernel() { return select_kernel("sparse_24", sp24_kernels()); }

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------
namespace {

const Sp24Kernel& resolve_kernel(const char* where, const Sp24Options& opt) {
  return ik::resolve_kernel(where, opt.kernel, &sp24_selected_kernel);
}

int threads_for(int max_threads, index_t M, index_t N, index_t K) {
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  return std::max(1, static_cast<int>(std::min<double>(max_threads, work / 131072.0 + 1.0)));
}

bool overlaps(const void* a, std::size_t abytes, const void* b, std::size_t bbytes) {
  auto x = reinterpret_cast<std::uintptr_t>(a), y = reinterpret_cast<std::uintptr_t>(b);
  return x < y + bbytes && y < x + abytes;
}

}  // namespace

void gemm_sp24(const Sparse24Matrix& W, index_t N, const float* X, index_t ldx, float* Y, index_t ldy,
               const Sp24Options& options) {
  constexpr const char* where = "ik::cpu::gemm_sp24";
  const index_t M = W.rows(), K = W.cols();
  IK_REQUIRE(N >= 0, where, "N = ", N, " must be >= 0");
  IK_REQUIRE(ldx >= std::max<index_t>(1, N), where, "ldx = ", ldx, " < N = ", N);
  IK_REQUIRE(ldy >= std::max<index_t>(1, N), where, "ldy = ", ldy, " < N = ", N);
  IK_REQUIRE(Y != nullptr || M == 0 || N == 0, where, "Y is null with M = ", M, ", N = ", N);
  IK_REQUIRE(X != nullptr || K == 0 || N == 0, where, "X is null with K = ", K, ", N = ", N);
  const Sp24Kernel& kern = resolve_kernel(where, options);
  const int max_threads = resolve_threads(where, options.threads);
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (index_t i = 0; i < M; ++i) std::fill(Y + i * ldy, Y + i * ldy + N, 0.0f);
    return;
  }
  IK_REQUIRE(!overlaps(Y, static_cast<std::size_t>((M - 1) * ldy + N) * sizeof(float), X,
                       static_cast<std::size_t>((K - 1) * ldx + N) * sizeof(float)),
             where, "Y overlaps X (output aliasing an input)");
  const index_t kpad = W.padded_cols();
  const int nt = threads_for(max_threads, M, N, K);

  if (N == 1) {
    // x zero-padded to Kpad: the padding groups' positions read zeros, never past the user's x.
    thread_local AlignedBuffer<float> xbuf;
    xbuf.ensure(static_cast<std::size_t>(kpad));
    for (index_t k = 0; k < K; ++k) xbuf[static_cast<std::size_t>(k)] = X[k * ldx];
    std::fill(xbuf.data() + K, xbuf.data() + kpad, 0.0f);
    const float* xp = xbuf.data();
#pragma omp parallel num_threads(nt)
    {
      const int t = omp_get_thread_num(), n = omp_get_num_threads();
      const index_t r0 = M * t / n, r1 = M * (t + 1) / n;
      if (r0 < r1) kern.gemv(W, r0, r1, xp, Y, ldy);
    }
    return;
  }

  // X packed into nr-column panels [panel][Kpad][nr], zero past K and past N, so that the
  // kernels never test an edge in the inner loop and the padding reads zeros.
  const index_t nr = kern.nr, panels = (N + nr - 1) / nr;
  thread_local AlignedBuffer<float> xbuf;
  xbuf.ensure(static_cast<std::size_t>(panels * kpad * nr));
  float* xp = xbuf.data();
  const index_t row_blocks = (M + kern.mr - 1) / kern.mr;
#pragma omp parallel num_threads(nt)
  {
#pragma omp for schedule(static)
    for (index_t k = 0; k < kpad; ++k)
      for (index_t jp = 0; jp < panels; ++jp) {
        float* d = xp + (jp * kpad + k) * nr;
        const index_t j0 = jp * nr, n = std::min(nr, N - j0);
        if (k < K) {
          std::memcpy(d, X + k * ldx + j0, static_cast<std::size_t>(n) * sizeof(float));
          std::fill(d + n, d + nr, 0.0f);
        } else {
          std::fill(d, d + nr, 0.0f);
        }
      }
    // (implicit barrier: X is packed)
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const index_t r0 = std::min(M, row_blocks * t / n * kern.mr);
    const index_t r1 = std::min(M, row_blocks * (t + 1) / n * kern.mr);
    if (r0 < r1)
      for (index_t jp = 0; jp < panels; ++jp) {
        const int ncols = static_cast<int>(std::min(nr, N - jp * nr));
        for (index_t k0 = 0; k0 < kpad; k0 += kern.kc) {
          const index_t kc = std::min<index_t>(kern.kc, kpad - k0);
          kern.gemm(W, r0, r1, k0 / 4, kc / 4, xp + (jp * kpad + k0) * nr, Y + jp * nr, ldy, ncols, k0 == 0);
        }
      }
  }
}

void gemv_sp24(const Sparse24Matrix& W, const float* x, float* y, const Sp24Options& options) {
  gemm_sp24(W, 1, x, 1, y, 1, options);
}

}  // namespace ik::cpu

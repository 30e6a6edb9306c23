// The sgemm entry points: argument validation, layout normalization, the packing routines, and
// the microkernels handed to the one BLIS loop nest of common/gemm_driver.h (run_blocked). See gemm_f32.h for the contract
// and the picture of the packed panels.
#include "cpu/gemm_f32/gemm_f32.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/error.h"
#include "common/gemm_driver.h"
#include "cpu/gemm_f32/sgemm_internal.h"

namespace ik::cpu {

// ---------------------------------------------------------------------------------------------
// Registry and dispatch
// ---------------------------------------------------------------------------------------------

const std::vector<SgemmKernel>& sgemm_kernels() {
  static const std::vector<SgemmKernel> kernels = {
      detail::sgemm_kernel_scalar,
      detail::sgemm_kernel_avx2,
      detail::sgemm_kernel_avx512,
  };
  return kernels;
}

const SgemmKernel& sgemm_selected_kernel() { return select_kernel("gemm_f32", sgemm_kernels()); }

namespace {

// ---------------------------------------------------------------------------------------------
// Argument checks shared by the entry points
// ---------------------------------------------------------------------------------------------

// Shared with the other GEMM families (common/gemm_driver.h).
using gemm_driver::overlaps;
using gemm_driver::round_up;
using gemm_driver::scale_c;
using gemm_driver::Span;
using gemm_driver::span_of;
using gemm_driver::threads_for;

const SgemmKernel& resolve_kernel(const char* where, const GemmOptions& opt) {
  return ik::resolve_kernel(where, opt.kernel, &sgemm_selected_kernel);
}

// ---------------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------------

// A row-major matrix, possibly transposed on read: op(X)(r, c).
struct Operand {
  const float* data;
  index_t ld;
  bool trans;
  float at(index_t r, index_t c) const { return trans ? data[c * ld + r] : data[r * ld + c]; }
};

// Pack op(A)[i0 : i0+mc, p0 : p0+kc] into MR-row micro-panels, each k-major with stride m
// (m = MR except the last panel): dst[panel][p][i].
void pack_a(const SgemmKernel& kern, const Operand& A, index_t i0, index_t mc, index_t p0, index_t kc,
            float* dst) {
  const int mr = kern.mr;
  for (index_t ir = 0; ir < mc; ir += mr) {
    const index_t m = std::min<index_t>(mr, mc - ir);
    if (!A.trans && kern.pack_a) {
      kern.pack_a(A.data + (i0 + ir) * A.ld + p0, A.ld, kc, static_cast<int>(m), dst);
    } else if (!A.trans) {
      // Write the panel in order, reading the m rows of A as m sequential streams: each line
      // read from a row serves 16 consecutive k, and the stores are contiguous.
      const float* src = A.data + (i0 + ir) * A.ld + p0;
      for (index_t p = 0; p < kc; ++p)
        for (index_t i = 0; i < m; ++i) dst[p * m + i] = src[i * A.ld + p];
    } else {
      // op(A) = A^T: a k-row of the panel is contiguous in the stored matrix.
      for (index_t p = 0; p < kc; ++p) {
        const float* src = A.data + (p0 + p) * A.ld + i0 + ir;
        for (index_t i = 0; i < m; ++i) dst[p * m + i] = src[i];
      }
    }
    dst += m * kc;
  }
}

// Pack NR-column micro-panel `panel` of op(B)[p0 : p0+kc, j0 : j0+nc] into dst[p][j], columns
// past nc zero-filled so the microkernel can always run full width.
void pack_b_panel(const SgemmKernel& kern, const Operand& B, index_t p0, index_t kc, index_t j0,
                  index_t nc, index_t panel, float* dst) {
  const int nr = kern.nr;
  const index_t jj = panel * nr;
  const index_t n = std::min<index_t>(nr, nc - jj);
  if (B.trans && kern.pack_b_trans) {
    kern.pack_b_trans(B.data + (j0 + jj) * B.ld + p0, B.ld, kc, static_cast<int>(n), dst);
    return;
  }
  if (!B.trans) {
    for (index_t p = 0; p < kc; ++p) {
      const float* src = B.data + (p0 + p) * B.ld + j0 + jj;
      float* d = dst + p * nr;
      std::memcpy(d, src, static_cast<std::size_t>(n) * sizeof(float));
      std::fill(d + n, d + nr, 0.0f);
    }
  } else {
    // op(B) = B^T, B stored N x K ([out][in] weights): column j of op(B) is row j of B.
    for (index_t j = 0; j < n; ++j) {
      const float* src = B.data + (j0 + jj + j) * B.ld + p0;
      for (index_t p = 0; p < kc; ++p) dst[p * nr + j] = src[p];
    }
    for (index_t p = 0; p < kc; ++p) std::fill(dst + p * nr + n, dst + (p + 1) * nr, 0.0f);
  }
}

// Pack micro-panels [jp_begin, jp_end) of op(B)[p0 : p0+kc, j0 : j0+nc] for a B that is not
// transposed, k row by k row (each row of the range is one contiguous read of the source),
// with fixed-size copies the compiler inlines; pack_b_panel's per-row memcpy of a run-time size
// was a library call per 128 bytes. Same bytes in the same places as pack_b_panel. Measured at
// 512^3 (B in L3), time per thread in B packing: 60 -> 46-57 us on 2 threads, 73 -> 46-58 us
// on 1 (about 4% of the call).
template <int NR>
void pack_b_rows(const float* b, index_t ldb, index_t kc, index_t nc, index_t jp_begin, index_t jp_end,
                 float* bpack) {
  for (index_t p = 0; p < kc; ++p) {
    const float* src = b + p * ldb;
    for (index_t jp = jp_begin; jp < jp_end; ++jp) {
      float* d = bpack + jp * kc * NR + p * NR;
      const index_t jj = jp * NR, n = std::min<index_t>(NR, nc - jj);
      if (n == NR) {
        std::memcpy(d, src + jj, NR * sizeof(float));
      } else {
        std::memcpy(d, src + jj, static_cast<std::size_t>(n) * sizeof(float));
        std::fill(d + n, d + NR, 0.0f);
      }
    }
  }
}

// Panels [jp_begin, jp_end) of one B block into bpack ([panel][p][NR]).
void pack_b_block(const SgemmKernel& kern, const Operand& B, index_t p0, index_t kc, index_t j0, index_t nc,
                  index_t jp_begin, index_t jp_end, float* bpack) {
  if (!B.trans) {
    const float* b = B.data + p0 * B.ld + j0;
    switch (kern.nr) {
      case 32: return pack_b_rows<32>(b, B.ld, kc, nc, jp_begin, jp_end, bpack);
      case 16: return pack_b_rows<16>(b, B.ld, kc, nc, jp_begin, jp_end, bpack);
      case 8: return pack_b_rows<8>(b, B.ld, kc, nc, jp_begin, jp_end, bpack);
      default: break;
    }
  }
  for (index_t jp = jp_begin; jp < jp_end; ++jp) pack_b_panel(kern, B, p0, kc, j0, nc, jp, bpack + jp * kc * kern.nr);
}


// The blocking the driver runs this kernel with (common/gemm_driver.h).
gemm_driver::Blocking blocking_of(const SgemmKernel& kern) {
  gemm_driver::Blocking blk = gemm_driver::blocking(kern.mr, kern.nr, kern.mc, kern.kc, kern.nc);
  blk.max_cached_a = kern.max_cached_a;
  return blk;
}

// Row-major core: C = alpha * op(A) * op(B) + beta * C, all arguments validated.
void sgemm_row_major(bool transa, bool transb, index_t M, index_t N, index_t K, float alpha,
                     const float* A, index_t lda, const float* B, index_t ldb, float beta, float* C,
                     index_t ldc, const SgemmKernel& kern, int max_threads) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const int nthreads = threads_for(max_threads, M, N, K, 4e6, gemm_driver::weight_bytes(K, N, sizeof(float)));
  if (transb && !transa && kern.small_m_bt && M <= kern.small_m_max) {
    // Small M against an N x K weight: dot products straight from the weight rows, N split
    // between the threads (see SgemmSmallMBt).
#pragma omp parallel num_threads(nthreads)
    {
      const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
      const index_t n0 = N * tid / nt, n1 = N * (tid + 1) / nt;
      if (n0 < n1) kern.small_m_bt(M, n0, n1, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
    return;
  }
  const Operand opA{A, lda, transa}, opB{B, ldb, transb};
  // The packed B block is shared by all threads; it lives in the calling thread's cache.
  thread_local AlignedBuffer<float> bbuf;
  bbuf.ensure(static_cast<std::size_t>(kern.kc) * static_cast<std::size_t>(round_up(std::min<index_t>(N, kern.nc), kern.nr)));
  auto pack_a_block = [&](index_t i0, index_t mc, index_t p0, index_t kc, float* dst) {
    pack_a(kern, opA, i0, mc, p0, kc, dst);
  };
  auto pack_b = [&](index_t p0, index_t kc, index_t j0, index_t nc, index_t jp_begin, index_t jp_end, float* dst) {
    pack_b_block(kern, opB, p0, kc, j0, nc, jp_begin, jp_end, dst);
  };
  const gemm_driver::OnTheFlyB<float, decltype(pack_b)> bsrc{pack_b, bbuf.data()};
  const gemm_driver::FloatTiles<SgemmMicrokernel> tiles{kern.ukernel, nullptr, alpha, beta, C, ldc};
  gemm_driver::run_blocked<float>(blocking_of(kern), tiles, M, N, K, pack_a_block, bsrc, nthreads);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

void sgemm(Layout layout, Trans transa, Trans transb, index_t M, index_t N, index_t K, float alpha,
           const float* A, index_t lda, const float* B, index_t ldb, float beta, float* C,
           index_t ldc, const GemmOptions& options) {
  constexpr const char* where = "ik::cpu::sgemm";
  IK_REQUIRE(M >= 0, where, "M = ", M, " must be >= 0");
  IK_REQUIRE(N >= 0, where, "N = ", N, " must be >= 0");
  IK_REQUIRE(K >= 0, where, "K = ", K, " must be >= 0");
  const bool ta = transa == Trans::yes, tb = transb == Trans::yes;
  const bool row = layout == Layout::row_major;
  // Stored shapes (rows x cols as laid out in memory, rows being the ld-strided dimension).
  const index_t a_rows = row ? (ta ? K : M) : (ta ? M : K), a_cols = row ? (ta ? M : K) : (ta ? K : M);
  const index_t b_rows = row ? (tb ? N : K) : (tb ? K : N), b_cols = row ? (tb ? K : N) : (tb ? N : K);
  const index_t c_rows = row ? M : N, c_cols = row ? N : M;
  IK_REQUIRE(lda >= std::max<index_t>(1, a_cols), where, "lda = ", lda, " < ", std::max<index_t>(1, a_cols),
             " (the stored row length of A)");
  IK_REQUIRE(ldb >= std::max<index_t>(1, b_cols), where, "ldb = ", ldb, " < ", std::max<index_t>(1, b_cols),
             " (the stored row length of B)");
  IK_REQUIRE(ldc >= std::max<index_t>(1, c_cols), where, "ldc = ", ldc, " < ", std::max<index_t>(1, c_cols),
             " (the stored row length of C)");
  const bool needs_ab = M > 0 && N > 0 && K > 0 && alpha != 0.0f;
  IK_REQUIRE(A || !needs_ab, where, "A is null with M = ", M, ", K = ", K);
  IK_REQUIRE(B || !needs_ab, where, "B is null with K = ", K, ", N = ", N);
  IK_REQUIRE(C || M == 0 || N == 0, where, "C is null with M = ", M, ", N = ", N);
  if (needs_ab) {
    const Span c = span_of(C, c_rows, c_cols, ldc);
    IK_REQUIRE(!overlaps(c, span_of(A, a_rows, a_cols, lda)), where, "C overlaps A (output aliasing an input)");
    IK_REQUIRE(!overlaps(c, span_of(B, b_rows, b_cols, ldb)), where, "C overlaps B (output aliasing an input)");
  }
  const int threads = ik::resolve_threads(where, options.threads);
  const SgemmKernel& kern = resolve_kernel(where, options);

  if (row) {
    sgemm_row_major(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, kern, threads);
  } else {
    // Column-major C is row-major C^T, and C^T = op(B)^T op(A)^T: swap the operands and M, N.
    sgemm_row_major(tb, ta, N, M, K, alpha, B, ldb, A, lda, beta, C, ldc, kern, threads);
  }
}

SgemmPackedWeights sgemm_pack_b(WeightLayout layout, index_t K, index_t N, const float* B, index_t ldb,
                                const GemmOptions& options) {
  constexpr const char* where = "ik::cpu::sgemm_pack_b";
  gemm_driver::check_pack_b_args(where, layout, K, N, B, ldb);
  const bool tb = layout == WeightLayout::n_by_k;
  const int threads = ik::resolve_threads(where, options.threads);
  const SgemmKernel& kern = resolve_kernel(where, options);

  SgemmPackedWeights packed;
  packed.k_ = K;
  packed.n_ = N;
  packed.kernel_ = &kern;
  const index_t n_padded = round_up(N, kern.nr);
  packed.data_.reset(static_cast<std::size_t>(K) * static_cast<std::size_t>(n_padded));
  const Operand opB{B, ldb, tb};
  const index_t panels = n_padded / kern.nr;
  const index_t kblocks = (K + kern.kc - 1) / kern.kc;
  float* base = packed.data_.data();
  // Layout [k block][panel][p][NR]: the k block starting at p0 sits at offset p0 * n_padded.
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads)
  for (index_t kb = 0; kb < kblocks; ++kb)
    for (index_t jp = 0; jp < panels; ++jp) {
      const index_t p0 = kb * kern.kc, kc = std::min<index_t>(kern.kc, K - p0);
      pack_b_panel(kern, opB, p0, kc, 0, N, jp, base + p0 * n_padded + jp * kc * kern.nr);
    }
  return packed;
}

void sgemm_packed(index_t M, index_t N, index_t K, float alpha, const float* A, index_t lda,
                  const SgemmPackedWeights& B, float beta, float* C, index_t ldc, const GemmOptions& options) {
  constexpr const char* where = "ik::cpu::sgemm_packed";
  gemm_driver::check_packed_run_args(where, "an empty SgemmPackedWeights (not produced by sgemm_pack_b)", M, N, K, A, lda, B, C,
                                     ldc, options);
  const int max_threads = ik::resolve_threads(where, options.threads);
  const SgemmKernel& kern = B.kernel();
  IK_REQUIRE(kernel_runnable(kern), where, "B was packed for ", kern.name, ", which this CPU cannot run");
  if (alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }

  const index_t n_padded = round_up(N, kern.nr);
  const int nthreads = threads_for(max_threads, M, N, K, 4e6, gemm_driver::weight_bytes(K, N, sizeof(float)));
  if (M == 1 && kern.gemv_packed) {
    // Scratch for the per-k-block sums (SgemmGemvPacked), reused across calls; the threads
    // write disjoint column ranges of it.
    thread_local AlignedBuffer<float> partial_buf;
    partial_buf.ensure(static_cast<std::size_t>((K + kern.kc - 1) / kern.kc) * static_cast<std::size_t>(n_padded));
    float* partial = partial_buf.data();  // (a thread_local named inside the region is each worker's own)
    const index_t panels = n_padded / kern.nr;
#pragma omp parallel num_threads(nthreads)
    {
      const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
      const index_t jp0 = panels * tid / nt, jp1 = panels * (tid + 1) / nt;
      if (jp0 < jp1)
        kern.gemv_packed(K, kern.kc, A, B.data_.data(), n_padded, jp0, jp1, N, alpha, beta, C, partial);
    }
    return;
  }

  const Operand opA{A, lda, false};
  auto pack_a_block = [&](index_t i0, index_t mc, index_t p0, index_t kc, float* dst) {
    pack_a(kern, opA, i0, mc, p0, kc, dst);
  };
  const gemm_driver::FloatTiles<SgemmMicrokernel> tiles{kern.ukernel, nullptr, alpha, beta, C, ldc};
  gemm_driver::run_blocked<float>(blocking_of(kern), tiles, M, N, K, pack_a_block,
                                  gemm_driver::PrepackedB{B.data_.data(), sizeof(float)}, nthreads);
}

}  // namespace ik::cpu

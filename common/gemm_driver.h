// The one BLIS-style blocking driver of the CPU GEMM families (gemm_f32, gemm_f16, gemm_bf16,
// gemm_s8): the loop nest (run_blocked), the thread grid, the blocking parameters (Blocking)
// and the packing skeleton. The element types, the microkernels and the epilogue are the
// families' business (a tiles functor: FloatTiles for fp32 C with alpha / beta, gemm_s8's
// S8Tiles for zero-point correction and requantization); this file only moves panels around.
//
//   C[M x N] = epilogue(A[M x K] * B[K x N])      B the weight: pre-packed once, or packed per call
//
// Technique: BLIS (Van Zee & van de Geijn, ACM TOMS 2015), five loops around a register-tile
// microkernel, with ir outer / jr inner (the A micro-panel stays in L1 while B micro-panels
// stream from the L2-resident B block, prefetched by the microkernel) and packed A cached
// across the NC blocks of a k block:
//
//   for pc in K step KC:
//     for jc in N step NC:                     B block KC x NC   (pre-packed, read in place)
//       for ic in M step MC:  pack A           A block MC x KC   (per thread, converted here)
//         for ir in MC step MR:                A micro-panel in L1
//           for jr in NC step NR:              microkernel C[MR x NR] += A panel * B panel
//
// Loop order a_resident (Blocking::a_resident, for the AMX kernel): the A block is the
// resident operand instead (L2, packed once per k block for all of N) and each B micro-panel
// is read once per A block:
//
//   for pc in K step KC:
//     for ic in M step MC:  pack A            A block MC x KC   -> L2
//       for jr in N step NR:                  B micro-panel KC x NR (pre-packed, streamed)
//         for ir in MC step MR:               microkernel
//
// Two K parameters, named apart (the old single `kpack` meant both, and a third thing to
// gemm_bf16): k_group, the consecutive k values packed together for one lane (1: the classic
// layout; 2: AVX512_BF16 VDPBF16PS pairs), and k_pad, the multiple each packed k block's depth
// is rounded up to with zeros (0 * 0 adds nothing): k_group, or 32 for AMX (whole tiles).
//
//   B micro-panel, k_group = 1 (NR columns)    B micro-panel, k_group = 2
//     k=0: b[0][0]  b[0][1] .. b[0][NR-1]        k=0,1: b[0][0] b[1][0] | b[0][1] b[1][1] | .. (NR pairs)
//     k=1: b[1][0]  b[1][1] .. b[1][NR-1]        k=2,3: b[2][0] b[3][0] | b[2][1] b[3][1] | ..
//   A micro-panel (m rows): k-major rows of m (k_group = 1) or of m pairs (k_group = 2); with
//   a_rows, MR rows of kcp k each (row-major, zero rows past m), the layout of an AMX A tile
//   (k_group = 2, k_pad = 32).
//
// Packed B of a whole weight: [k block][panel][kcp][NR] (kcp = kc rounded up to k_pad), the
// block that starts at p0 at element offset p0 * round_up(N, NR), so the panels of any column
// range of one k block are contiguous (the pre-packed fp32 path of cpu/gemm_f32 does the same).
//
// Microkernel contract: uk[m - 1](k, a, b, c, ldc, n, alpha, beta) computes m rows, 1 <= n <= NR
// columns, C = alpha * (A panel * B panel) + beta * C over the real depth k (>= 1; the kernel
// rounds it up to k_pad itself); beta == 0 never reads C. a and b are the packed panels, typed
// by the family (void* here so one signature fits every element type).
//
// Threads: OpenMP over a Tm x Tn grid of micro-tiles of C (thread_grid below, as in gemm_f32).
// Every C element is computed by one thread in a fixed k order, so results are bitwise
// independent of the thread count.
//
// Test: make test ARGS='-tc=sgemm*,gemm_f16*,gemm_bf16*,gemm_s8*,gemm_driver*'   (no entry point of its own)
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "common/aligned_buffer.h"
#include "common/blas_types.h"
#include "common/error.h"
#include "common/matrix.h"

namespace ik {


namespace gemm_driver {

using Microkernel = void (*)(index_t k, const void* a, const void* b, float* c, index_t ldc, int n,
                             float alpha, float beta);

// Packed A may be kept for a thread's whole row range across the NC blocks of one k block (loop
// order below) when there is more than one NC block and the rows x KC fit this many elements
// (16 MiB of fp32); otherwise each A block is repacked for every B block. Measured with the
// fp32 14x32 kernel at 4096^3 (Xeon, perf): repacking cost 5% of the run time, reading the
// cached panels back from L3 ~1%.
inline constexpr index_t kMaxCachedA = index_t(1) << 22;

struct Blocking {
  int mr = 1, nr = 1;          // register tile
  int mc = 0, kc = 0, nc = 0;  // cache blocks; kc a multiple of k_pad
  int k_group = 1;             // consecutive k per packed lane group: 1, or 2 (bf16 pairs)
  int k_pad = 1;               // packed block depths rounded up to this: k_group, or 32 (AMX tiles)
  // A micro-panels row-major [MR][kcp] with rows m..MR-1 zero (AMX tile loads read whole
  // 16-row tiles); otherwise k-major [k][m] (k_group 1) or [k/2][m][2] (k_group 2).
  bool a_rows = false;
  // Loop order for kernels whose C tile is expensive to reload (AMX: tiles are stored through
  // memory at every call) and whose A conversion is costly: A block resident in L2, packed
  // once per (k block, row block) for all of N, B micro-panels streamed through it (see
  // run_packed). nc is unused then.
  bool a_resident = false;
  // Thread grid: split the wider of A and the weight on a tie (thread_grid's
  // prefer_cols_when_wider), for kernels that stream the weight once per thread (gemm_s8).
  bool split_wider_operand = false;
  // Elements of packed A a thread may keep across the NC blocks of a k block (kMaxCachedA);
  // 0 never keeps it (tests use that to reach the repacking loop orders).
  index_t max_cached_a = kMaxCachedA;
};

// Optional B staging for families whose packed B is narrower than fp32 (fp16): from min_m rows
// per thread on, each thread widens its share of every kc x nc block of B once into an fp32
// copy that sits in L2 and runs uk (microkernels reading fp32 B in the same packed layout) over
// it, instead of widening every B row in registers once per MR rows of A. The register path spends its
// conversions on the FMA ports (AVX2 VCVTPH2PS ymm: 2 per 12 FMAs, on ports 0 and 1); staging
// converts each B value once per thread and k block, so it pays once a thread has several row
// tiles, while skinny M (GEMV, decode), bound by the bytes of B, keeps the register path. The
// price is twice the L2 -> L1 bytes of B and a widening pass per block, which is why the
// AVX-512 fp16 kernel (2 conversions per 28 FMAs) stages only from 392 rows per thread. The
// widening is exact and uk does the same FMAs in the same order: the two paths give the same
// bits. nc must be a multiple of nr.
struct StagedB {
  const Microkernel* uk = nullptr;                                       // uk[m - 1], fp32 B
  void (*widen)(const void* src, float* dst, std::size_t n) = nullptr;   // n packed B elements -> fp32
  int nc = 0;                                                            // NC of the staged loop
  index_t min_m = 0;                                                     // stage from M >= min_m x threads
};

// A Blocking by name of each parameter (registry entries are constexpr: see common/dispatch.h).
constexpr Blocking blocking(int mr, int nr, int mc, int kc, int nc, int k_group = 1, int k_pad = 0) {
  Blocking b;
  b.mr = mr;
  b.nr = nr;
  b.mc = mc;
  b.kc = kc;
  b.nc = nc;
  b.k_group = k_group;
  b.k_pad = k_pad > 0 ? k_pad : k_group;
  return b;
}

inline index_t round_up(index_t x, index_t m) { return (x + m - 1) / m * m; }

// Elements of a packed B for a K x N weight.
inline std::size_t packed_b_elems(const Blocking& blk, index_t K, index_t N) {
  return static_cast<std::size_t>(round_up(K, blk.k_pad)) * static_cast<std::size_t>(round_up(N, blk.nr));
}

// Fewer threads for small problems: a parallel region costs a few microseconds, the whole run
// time of a 64^3 GEMM, so each thread gets at least min_ops operations (2MNK counted): 4 M is
// about 40 us at 100 GFLOP/s (float families); gemm_s8 asks for 16 M (~40 us at 400 GOP/s).
// Skinny M (GEMV, decode) is bound by the bytes of the weight, not by operations: a BERT-base
// 768 x 3072 bf16 GEMV is 4.7 MOP but 4.7 MB, ~300 us of streaming on one core. So a thread is
// also worth its start once it streams kMinWeightBytesPerThread of B (one core streams 15-20
// GB/s here: >= 13 us). Measured before this rule, 2 threads: every family ran BERT's M = 1
// layers on one thread, at 0.53-0.76x oneDNN's 2-thread speed.
inline constexpr double kMinWeightBytesPerThread = 256.0 * 1024;
inline int threads_for(int max_threads, index_t M, index_t N, index_t K, double min_ops = 4e6,
                       double weight_bytes = 0) {
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const double want = std::max(flops / min_ops, weight_bytes / kMinWeightBytesPerThread);
  return std::max(1, static_cast<int>(std::min<double>(max_threads, std::max(1.0, want))));
}
// Bytes of a K x N weight of elem_bytes elements (the second criterion of threads_for).
inline double weight_bytes(index_t K, index_t N, double elem_bytes) {
  return static_cast<double>(K) * static_cast<double>(N) * elem_bytes;
}

// The factorization Tm x Tn = nthreads whose largest rectangle of micro-tiles is smallest, where
// any rectangle within 1/32 of the smallest counts as a tie, and ties go to more row splits: each
// thread packs A for its own rows, so a column split packs every row of A once per thread, while
// B is packed once and shared. Skinny M (GEMV) still splits N.
// Measured here, fp32 14x32 AVX-512, 2 threads, old and new binaries alternating: 2048^3 (147
// row tiles x 32 panels per NC block, a 0.7% larger rectangle for the row split) 350-358 ->
// 386-389 GFLOP/s, 4096^3 363-378 -> 371-381 (both were the column split before).
struct Grid {
  int tm = 1, tn = 1;
};
inline index_t grid_cost(index_t row_tiles, index_t col_tiles, int tm, int tn) {
  return ((row_tiles + tm - 1) / tm) * ((col_tiles + tn - 1) / tn);
}
// prefer_cols_when_wider: families that stream the weight once per thread (gemm_s8) break the
// tie toward the operand that is larger instead: when N > M, split the columns, so each thread
// reads a disjoint part of the weight once (and packs all of A). Measured there, AMX int8,
// M = 128, N = K = 4096, 2 threads (Xeon): 3196 GOP/s with the row split, 3600-3900 with the
// column split; 512^3 (N = M, rows split): 42 us against 81 with the column split.
inline Grid thread_grid(index_t row_tiles, index_t col_tiles, int nthreads, bool prefer_cols_when_wider,
                        index_t M, index_t N);
inline Grid thread_grid(index_t row_tiles, index_t col_tiles, int nthreads) {
  index_t best_cost = -1;
  for (int tm = 1; tm <= nthreads; ++tm)
    if (nthreads % tm == 0) {
      const index_t cost = grid_cost(row_tiles, col_tiles, tm, nthreads / tm);
      if (best_cost < 0 || cost < best_cost) best_cost = cost;
    }
  Grid best;
  for (int tm = 1; tm <= nthreads; ++tm)
    if (nthreads % tm == 0 && grid_cost(row_tiles, col_tiles, tm, nthreads / tm) * 32 <= best_cost * 33)
      best = {tm, nthreads / tm};
  return best;
}

inline Grid thread_grid(index_t row_tiles, index_t col_tiles, int nthreads, bool prefer_cols_when_wider,
                        index_t M, index_t N) {
  if (!prefer_cols_when_wider || N <= M) return thread_grid(row_tiles, col_tiles, nthreads);
  const Grid t = thread_grid(col_tiles, row_tiles, nthreads);
  return {t.tn, t.tm};
}

// C = beta * C (beta == 0 writes zeros without reading: C may hold NaN).
inline void scale_c(index_t rows, index_t cols, float beta, float* C, index_t ldc) {
  for (index_t i = 0; i < rows; ++i) {
    float* ci = C + i * ldc;
    if (beta == 0.0f)
      std::fill(ci, ci + cols, 0.0f);
    else if (beta != 1.0f)
      for (index_t j = 0; j < cols; ++j) ci[j] *= beta;
  }
}

// Byte ranges, for rejecting an output that aliases an input.
struct Span {
  std::uintptr_t begin, end;
};
// The bytes a rows x cols row-major matrix of elem-byte elements with leading dimension ld touches.
inline Span span_of_bytes(const void* p, index_t rows, index_t cols, index_t ld, std::size_t elem) {
  auto b = reinterpret_cast<std::uintptr_t>(p);
  if (rows <= 0 || cols <= 0) return {b, b};
  return {b, b + static_cast<std::uintptr_t>((rows - 1) * ld + cols) * static_cast<std::uintptr_t>(elem)};
}
template <typename T>
Span span_of(const T* p, index_t rows, index_t cols, index_t ld) {
  return span_of_bytes(p, rows, cols, ld, sizeof(T));
}
inline bool overlaps(Span x, Span y) { return x.begin < y.end && y.begin < x.end; }

// Argument checks of the pre-packed families' public entry points (hgemm_*, bf16gemm_*): one
// copy, so every family names bad arguments with the same words (tests/cpu/packed_gemm_harness.h
// checks them). Each throws ik::Error naming the argument and its value.
inline void check_pack_b_args(const char* where, WeightLayout layout, index_t K, index_t N, const void* B,
                              index_t ldb) {
  IK_REQUIRE(K >= 1, where, "K = ", K, " must be >= 1");
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  IK_REQUIRE(layout == WeightLayout::k_by_n || layout == WeightLayout::n_by_k, where, "layout = ",
             static_cast<int>(layout), " is not a WeightLayout");
  const index_t row_len = layout == WeightLayout::n_by_k ? K : N;
  IK_REQUIRE(ldb >= row_len, where, "ldb = ", ldb, " < ", row_len, " (the stored row length of B)");
  IK_REQUIRE(B != nullptr, where, "B is null");
}
// Packed: empty(), N(), K(), kernel() with a name; Options: a kernel pointer. empty_what says what
// an empty Packed is ("an empty HgemmPackedWeights (not produced by hgemm_pack_b)").
template <typename TA, class Packed, class Options>
void check_packed_run_args(const char* where, const char* empty_what, index_t M, index_t N, index_t K, const TA* A,
                           index_t lda, const Packed& B, const float* C, index_t ldc, const Options& options) {
  IK_REQUIRE(!B.empty(), where, "B is ", empty_what);
  IK_REQUIRE(M >= 1, where, "M = ", M, " must be >= 1");
  IK_REQUIRE(N == B.N(), where, "N = ", N, " but the packed B has N = ", B.N());
  IK_REQUIRE(K == B.K(), where, "K = ", K, " but the packed B has K = ", B.K());
  IK_REQUIRE(lda >= K, where, "lda = ", lda, " < K = ", K);
  IK_REQUIRE(ldc >= N, where, "ldc = ", ldc, " < N = ", N);
  IK_REQUIRE(A != nullptr, where, "A is null");
  IK_REQUIRE(C != nullptr, where, "C is null");
  IK_REQUIRE(!overlaps(span_of(C, M, N, ldc), span_of(A, M, K, lda)), where, "C overlaps A (output aliasing an input)");
  IK_REQUIRE(options.kernel == nullptr || options.kernel == &B.kernel(), where, "options.kernel = ",
             options.kernel ? options.kernel->name : "", " but B was packed for ", B.kernel().name);
}

// Offset of element (p, j) of a packed micro-panel (p < kcp, j < width) with k grouped by k_group.
inline index_t panel_index(index_t p, index_t j, index_t width, int k_group) {
  return k_group == 1 ? p * width + j : (p / 2) * width * 2 + j * 2 + (p & 1);
}

// Pack one NR-column micro-panel of op(B)[p0 : p0+kc, jj : jj+n] (n <= NR) from a row-major
// stored matrix of TSrc, converting each contiguous run of the source with
// conv(const TSrc* src, TDst* dst, count). Columns n..NR and k rows kc..kcp are zero.
// One-time preparation: clarity over speed (each run goes through a small stack buffer).
template <typename TDst, typename TSrc, typename Conv>
void pack_b_panel(const TSrc* B, index_t ldb, WeightLayout layout, index_t p0, index_t kc, index_t jj,
                  index_t n, const Blocking& blk, TDst* dst, Conv&& conv) {
  const index_t nr = blk.nr, kcp = round_up(kc, blk.k_pad);
  std::fill(dst, dst + kcp * nr, TDst(0));
  constexpr index_t kChunk = 256;
  TDst tmp[kChunk];
  if (layout == WeightLayout::k_by_n) {
    for (index_t p = 0; p < kc; ++p) {
      conv(B + (p0 + p) * ldb + jj, tmp, n);  // n <= NR <= kChunk
      for (index_t j = 0; j < n; ++j) dst[panel_index(p, j, nr, blk.k_group)] = tmp[j];
    }
  } else {
    // Column j of op(B) is row j of the stored [N][K] matrix: contiguous in k.
    for (index_t j = 0; j < n; ++j)
      for (index_t q = 0; q < kc; q += kChunk) {
        const index_t len = std::min(kChunk, kc - q);
        conv(B + (jj + j) * ldb + p0 + q, tmp, len);
        for (index_t p = 0; p < len; ++p) dst[panel_index(q + p, j, nr, blk.k_group)] = tmp[p];
      }
  }
}

// Pack a whole K x N weight into dst (packed_b_elems elements), panels in parallel.
template <typename TDst, typename TSrc, typename Conv>
void pack_b(const Blocking& blk, WeightLayout layout, index_t K, index_t N, const TSrc* B, index_t ldb,
            int threads, TDst* dst, Conv conv) {
  const index_t n_padded = round_up(N, blk.nr), panels = n_padded / blk.nr;
  const index_t kblocks = (K + blk.kc - 1) / blk.kc;
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads)
  for (index_t kb = 0; kb < kblocks; ++kb)
    for (index_t jp = 0; jp < panels; ++jp) {
      const index_t p0 = kb * blk.kc, kc = std::min<index_t>(blk.kc, K - p0);
      const index_t jj = jp * blk.nr, n = std::min<index_t>(blk.nr, N - jj);
      pack_b_panel(B, ldb, layout, p0, kc, jj, n, blk,
                   dst + p0 * n_padded + jp * round_up(kc, blk.k_pad) * blk.nr, conv);
    }
}

// A weight packed once as 16-bit values (fp16 or bf16 bits) for one kernel variant of a
// gemm_driver family (gemm_f16's HgemmPackedWeights, gemm_bf16's Bf16gemmPackedWeights). Movable, not
// copyable; a moved-from weight is empty (so a run call rejects it instead of reading null).
template <class Kernel>
class Packed16B {
 public:
  Packed16B() = default;
  Packed16B(Packed16B&& o) noexcept : k_(o.k_), n_(o.n_), kernel_(o.kernel_), data_(std::move(o.data_)) {
    o.k_ = o.n_ = 0;
    o.kernel_ = nullptr;
  }
  Packed16B& operator=(Packed16B&& o) noexcept {
    if (this != &o) {
      k_ = o.k_;
      n_ = o.n_;
      kernel_ = o.kernel_;
      data_ = std::move(o.data_);
      o.k_ = o.n_ = 0;
      o.kernel_ = nullptr;
    }
    return *this;
  }
  index_t K() const { return k_; }
  index_t N() const { return n_; }
  const Kernel& kernel() const { return *kernel_; }
  std::size_t bytes() const { return data_.size() * sizeof(std::uint16_t); }
  bool empty() const { return kernel_ == nullptr || data_.data() == nullptr; }
  const std::uint16_t* data() const { return data_.data(); }

  // The one way to fill one: pack_b_16bit (below), from fp32 (narrowed by `narrow`, the
  // family's rounding) or from 16-bit values copied as they are.
  template <class K2, class Narrow>
  friend Packed16B<K2> pack_b_16bit(const char* where, WeightLayout layout, index_t K, index_t N, const void* B,
                                    bool from_16bit, index_t ldb, const K2& kern, int threads, Narrow narrow);

 private:
  index_t k_ = 0, n_ = 0;
  const Kernel* kernel_ = nullptr;
  AlignedBuffer<std::uint16_t> data_;
};

template <class Kernel, class Narrow>
Packed16B<Kernel> pack_b_16bit(const char* where, WeightLayout layout, index_t K, index_t N, const void* B,
                               bool from_16bit, index_t ldb, const Kernel& kern, int threads, Narrow narrow) {
  check_pack_b_args(where, layout, K, N, B, ldb);
  Packed16B<Kernel> packed;
  packed.k_ = K;
  packed.n_ = N;
  packed.kernel_ = &kern;
  packed.data_.reset(packed_b_elems(kern.blk, K, N));
  std::uint16_t* dst = packed.data_.data();
  if (from_16bit)
    pack_b(kern.blk, layout, K, N, static_cast<const std::uint16_t*>(B), ldb, threads, dst,
           [](const std::uint16_t* s, std::uint16_t* d, index_t n) {
             std::memcpy(d, s, static_cast<std::size_t>(n) * sizeof(std::uint16_t));
           });
  else
    // Scalar rounding (common/half.h): one-time preparation, and the exact definition the tests use.
    pack_b(kern.blk, layout, K, N, static_cast<const float*>(B), ldb, threads, dst,
           [narrow](const float* s, std::uint16_t* d, index_t n) {
             for (index_t i = 0; i < n; ++i) d[i] = narrow(s[i]);
           });
  return packed;
}

// pack_a hands conv runs of at most this many elements (a converter may stage a run on its stack).
inline constexpr index_t kPackARun = 512;

// Pack rows [i0, i0+mc) x k [p0, p0+kc) of a row-major A (TSrc) into MR-row micro-panels of TDst,
// each kcp deep (zero padded), converting each row run with conv(src, dst, count).
template <typename TDst, typename TSrc, typename Conv>
void pack_a(const TSrc* A, index_t lda, index_t i0, index_t mc, index_t p0, index_t kc, const Blocking& blk,
            TDst* dst, Conv&& conv) {
  const index_t kcp = round_up(kc, blk.k_pad);
  constexpr index_t kChunk = kPackARun;
  TDst tmp[kChunk];
  if (blk.a_rows) {
    for (index_t ir = 0; ir < mc; ir += blk.mr) {
      const index_t m = std::min<index_t>(blk.mr, mc - ir);
      for (index_t i = 0; i < blk.mr; ++i) {
        TDst* row = dst + i * kcp;
        index_t done = 0;
        if (i < m) {
          const TSrc* src = A + (i0 + ir + i) * lda + p0;
          for (; done < kc; done += kChunk) conv(src + done, row + done, std::min(kChunk, kc - done));
          done = kc;
        }
        std::fill(row + done, row + kcp, TDst(0));
      }
      dst += blk.mr * kcp;
    }
    return;
  }
  for (index_t ir = 0; ir < mc; ir += blk.mr) {
    const index_t m = std::min<index_t>(blk.mr, mc - ir);
    for (index_t i = 0; i < m; ++i) {
      const TSrc* src = A + (i0 + ir + i) * lda + p0;
      for (index_t q = 0; q < kc; q += kChunk) {
        const index_t len = std::min(kChunk, kc - q);
        conv(src + q, tmp, len);
        if (blk.k_group == 1)
          for (index_t p = 0; p < len; ++p) dst[(q + p) * m + i] = tmp[p];
        else
          for (index_t p = 0; p < len; ++p) dst[panel_index(q + p, i, m, 2)] = tmp[p];
      }
      for (index_t p = kc; p < kcp; ++p) dst[panel_index(p, i, m, blk.k_group)] = TDst(0);
    }
    dst += m * kcp;
  }
}

// Per-thread packed-A buffer, reused across calls.
template <typename T>
T* thread_a_buffer(std::size_t count) {
  thread_local AlignedBuffer<T> buf;
  buf.ensure(count);
  return buf.data();
}
// Per-thread staged-B buffer (StagedB), reused across calls.
inline float* thread_staged_b_buffer(std::size_t count) {
  thread_local AlignedBuffer<float> buf;
  buf.ensure(count);
  return buf.data();
}

// Where the B blocks come from: a weight pre-packed once (packed_b_elems layout), or packed per
// block during the call by the threads together (sgemm with a plain B).
struct PrepackedB {
  const void* data;        // [k block][panel][kcp][NR], the block at p0 at element p0 * n_padded
  std::size_t elem_bytes;  // bytes per packed element
};
// pack(p0, kc, j0, nc, jp_begin, jp_end, dst) writes panels [jp_begin, jp_end) of the kc x nc
// block at (p0, j0) into dst ([panel][kc][NR]); every thread packs a share, between barriers.
template <typename TB, typename PackB>
struct OnTheFlyB {
  PackB pack;
  TB* buffer;  // kc x round_up(min(N, nc), NR) elements, shared by the threads
};

inline const void* bsrc_data(const PrepackedB& b) { return b.data; }
inline std::size_t bsrc_elem_bytes(const PrepackedB& b) { return b.elem_bytes; }
template <typename TB, typename PackB>
const void* bsrc_data(const OnTheFlyB<TB, PackB>& b) { return b.buffer; }
template <typename TB, typename PackB>
std::size_t bsrc_elem_bytes(const OnTheFlyB<TB, PackB>&) { return sizeof(TB); }


template <class F>
struct UkernelArgs;
template <class PA, class PB>
struct UkernelArgs<void (*)(index_t, PA, PB, float*, index_t, int, float, float)> {
  using a_ptr = PA;
  using b_ptr = PB;
};

// The tiles of the fp32-output families (gemm_f32, gemm_f16, gemm_bf16): C (fp32, ldc) =
// alpha * A * B + beta * C through the microkernel table uk[m - 1], or staged_uk when B is
// staged in fp32 (StagedB). The k blocks after the first accumulate (beta 1).
template <class Ukernel>
struct FloatTiles {
  const Ukernel* uk;
  const Ukernel* staged_uk;  // nullptr: never staged
  float alpha, beta;
  float* C;
  index_t ldc;

  // The whole-block hook (see S8Tiles for a family that uses it): not here.
  template <class TA>
  bool block(index_t, index_t, const TA*, index_t, index_t, index_t, const void*) const {
    return false;
  }
  template <class TA>
  void operator()(int m, index_t i, index_t j, index_t kc, const TA* a, const void* b, int n, bool first_k,
                  bool staged) const {
    using A = typename UkernelArgs<Ukernel>::a_ptr;
    using B = typename UkernelArgs<Ukernel>::b_ptr;
    (staged ? staged_uk : uk)[m - 1](kc, reinterpret_cast<A>(a), static_cast<B>(b), C + i * ldc + j, ldc, n, alpha,
                                     first_k ? beta : 1.0f);
  }
};

// The one BLIS loop nest of the GEMM families (gemm_f32, gemm_f16, gemm_bf16, gemm_s8): B from
// `bsrc` (PrepackedB or OnTheFlyB), A packed per block by pack_a_block(i0, mc, p0, kc, TA* dst),
// each micro-tile computed by tiles(m, i, j, kc, a panel, b panel, n, first k block, staged)
// (FloatTiles, or a family's own: the epilogue lives there, e.g. gemm_s8's requantization),
// or a whole row block x panel range by tiles.block(...) where it returns true (AMX int8).
// Validated arguments: M, N, K >= 1.
//
//   for pc in K step KC:                        (k blocks in order: every C element gets its
//     for jc in N step NC:                       k blocks in the same order on every path)
//       [OnTheFlyB: barrier, each thread packs its share of the B block, barrier]
//       [StagedB: the thread widens its panels of the B block into an fp32 copy in L2]
//       for ic in this thread's rows step MC:   pack A block (skipped for jc > 0 when cached)
//         for ir in MC step MR:                 A micro-panel in L1
//           for jr in this thread's panels:     microkernel C[MR x NR] += A panel * B panel
//
// With all of K in one block (gemm_s8: the int32 dot product is never split) and the thread's
// A too large to keep packed, the order is ic outer, jc inner instead: each A block is packed
// once and the thread's B blocks stream past it (repacking A per NC block cost gemm_s8 25% at
// 4096^3 on an AVX2 Zen 3).
//
// pc outer and jc inner so that one k block's packed A serves every B block (kMaxCachedA). ir
// outer, jr inner: the A micro-panel (MR x KC) stays in L1 across all the B micro-panels of the
// thread, which stream from the L2-resident B block (the kernels prefetch them); the BLIS order
// (jr outer) thrashed L1 with NR = 32, where a 32 KiB B micro-panel and the A panel do not fit a
// 32-48 KiB L1. Each thread owns the same C rectangle (thread_grid) in every block, so without
// on-the-fly packing there is no barrier between blocks; every C element is computed by one
// thread in a fixed order, so results are bitwise independent of the thread count.
template <typename TA, typename Tiles, typename PackA, typename BSource>
void run_blocked(const Blocking& blk, const Tiles& tiles, index_t M, index_t N, index_t K, PackA&& pack_a_block,
                 const BSource& bsrc, int nthreads, const StagedB* staged = nullptr) {
  constexpr bool kOnTheFly = !std::is_same_v<BSource, PrepackedB>;
  const index_t n_padded = round_up(N, blk.nr);
  // Staging is decided from M for all threads alike, so every thread walks the same NC blocks.
  // Each thread widens its whole share of a B block, which pays only over enough rows: min_m
  // counts rows per thread (a 2-thread row split widens every block twice).
  const bool stage = !kOnTheFly && staged != nullptr && staged->uk != nullptr && M >= staged->min_m * nthreads;
  // One row tile (M <= MR: GEMV, small decode batches) reads every B panel exactly once, so an
  // L2-sized B block buys nothing; one block of all N columns makes the walk over a pre-packed B
  // sequential: k block after k block, each contiguous ([k block][panel] layout), instead of
  // NC-wide pieces scattered one k block apart.
  const index_t nc_step = stage ? staged->nc : (!kOnTheFly && M <= blk.mr) ? n_padded : blk.nc;
  const index_t row_tiles = (M + blk.mr - 1) / blk.mr;
  const Grid grid = thread_grid(row_tiles, (std::min(N, nc_step) + blk.nr - 1) / blk.nr, nthreads,
                                blk.split_wider_operand, M, N);
  // A-outer order (below): one k block, several NC blocks, B pre-packed, not staged.
  const bool a_outer = !kOnTheFly && !stage && K <= blk.kc && N > nc_step;
#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
  {
    const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
    const int tm = tid / grid.tn, tn = tid % grid.tn;
    const index_t row_begin = std::min(M, row_tiles * tm / grid.tm * blk.mr);
    const index_t row_end = std::min(M, row_tiles * (tm + 1) / grid.tm * blk.mr);
    const index_t kc_max = round_up(std::min<index_t>(blk.kc, K), blk.k_pad);
    const bool cached = N > nc_step && (row_end - row_begin) * kc_max <= blk.max_cached_a;
    const index_t a_rows = cached ? round_up(std::max<index_t>(row_end - row_begin, 1), blk.mr) : blk.mc;
    TA* apack = thread_a_buffer<TA>(static_cast<std::size_t>(a_rows) * static_cast<std::size_t>(kc_max));
    float* bstage = stage ? thread_staged_b_buffer(static_cast<std::size_t>(blk.kc) *
                                                   static_cast<std::size_t>(round_up(nc_step, blk.nr)))
                          : nullptr;
    // One row block against the thread's panels [jp_begin, jp_end) of one B block (columns j0..).
    auto run_tiles = [&](index_t i0, index_t mc, const TA* ablock, index_t kc, index_t kcp, index_t j0, index_t nc,
                         index_t jp_begin, index_t jp_end, auto&& b_panel, bool first_k) {
      if (tiles.block(i0, mc, ablock, j0 + jp_begin * blk.nr, jp_begin, jp_end, b_panel(jp_begin))) return;
      for (index_t ir = 0; ir < mc; ir += blk.mr) {
        const int m = static_cast<int>(std::min<index_t>(blk.mr, mc - ir));
        const TA* apanel = ablock + ir * kcp;
        for (index_t jp = jp_begin; jp < jp_end; ++jp) {
          const int n = static_cast<int>(std::min<index_t>(blk.nr, nc - jp * blk.nr));
          tiles(m, i0 + ir, j0 + jp * blk.nr, kc, apanel, b_panel(jp), n, first_k, stage);
        }
      }
    };
    auto prepacked_block = [&](index_t p0, index_t kcp, index_t j0) {
      return static_cast<const unsigned char*>(bsrc_data(bsrc)) +
             static_cast<std::size_t>(p0 * n_padded + (j0 / blk.nr) * kcp * blk.nr) * bsrc_elem_bytes(bsrc);
    };
    if (a_outer && !cached) {
      // All of K in one block and the thread's A too large to keep packed (gemm_s8: KC = K): each
      // A block is packed once and every B block of the thread streams past it, instead of
      // repacking each A block for every NC block.
      const index_t kcp = round_up(K, blk.k_pad);
      const std::size_t panel_elems = static_cast<std::size_t>(kcp * blk.nr), b_elem = bsrc_elem_bytes(bsrc);
      for (index_t i0 = row_begin; i0 < row_end; i0 += blk.mc) {
        const index_t mc = std::min<index_t>(blk.mc, row_end - i0);
        pack_a_block(i0, mc, 0, K, apack);
        for (index_t j0 = 0; j0 < N; j0 += nc_step) {
          const index_t nc = std::min<index_t>(nc_step, N - j0);
          const index_t panels = (nc + blk.nr - 1) / blk.nr;
          const index_t jp_begin = panels * tn / grid.tn, jp_end = panels * (tn + 1) / grid.tn;
          if (jp_begin >= jp_end) continue;
          const unsigned char* bblock = prepacked_block(0, kcp, j0);
          run_tiles(i0, mc, apack, K, kcp, j0, nc, jp_begin, jp_end,
                    [&](index_t jp) -> const void* { return bblock + static_cast<std::size_t>(jp) * panel_elems * b_elem; },
                    true);
        }
      }
    } else {
      for (index_t p0 = 0; p0 < K; p0 += blk.kc) {
        const index_t kc = std::min<index_t>(blk.kc, K - p0), kcp = round_up(kc, blk.k_pad);
        const std::size_t panel_elems = static_cast<std::size_t>(kcp * blk.nr);
        for (index_t j0 = 0; j0 < N; j0 += nc_step) {
          const index_t nc = std::min<index_t>(nc_step, N - j0);
          const index_t panels = (nc + blk.nr - 1) / blk.nr;
          const index_t jp_begin = panels * tn / grid.tn, jp_end = panels * (tn + 1) / grid.tn;
          const unsigned char* bblock;
          std::size_t b_elem;
          if constexpr (kOnTheFly) {
            // Everyone is done reading the previous B block before it is overwritten.
#pragma omp barrier
            bsrc.pack(p0, kc, j0, nc, panels * tid / nt, panels * (tid + 1) / nt, bsrc.buffer);
#pragma omp barrier
            bblock = reinterpret_cast<const unsigned char*>(bsrc.buffer);
            b_elem = sizeof(*bsrc.buffer);
          } else {
            b_elem = bsrc_elem_bytes(bsrc);
            bblock = prepacked_block(p0, kcp, j0);
          }
          if (row_begin >= row_end || jp_begin >= jp_end) continue;
          // The micro-panels jp_begin..jp_end of a k block are contiguous in the packed B.
          if (stage)
            staged->widen(bblock + jp_begin * panel_elems * b_elem, bstage,
                          static_cast<std::size_t>(jp_end - jp_begin) * panel_elems);
          auto b_panel = [&](index_t jp) -> const void* {
            if (stage) return bstage + static_cast<std::size_t>(jp - jp_begin) * panel_elems;
            return bblock + static_cast<std::size_t>(jp) * panel_elems * b_elem;
          };
          for (index_t i0 = row_begin; i0 < row_end; i0 += blk.mc) {
            const index_t mc = std::min<index_t>(blk.mc, row_end - i0);
            TA* ablock = cached ? apack + (i0 - row_begin) * kcp : apack;
            if (j0 == 0 || !cached) pack_a_block(i0, mc, p0, kc, ablock);
            run_tiles(i0, mc, ablock, kc, kcp, j0, nc, jp_begin, jp_end, b_panel, p0 == 0);
          }
        }
      }
    }
  }
}

// The loop order for kernels whose C tile is expensive to reload (AMX: tiles are stored through
// memory at every call) and whose A conversion is costly (Blocking::a_resident): for each k
// block and each of this thread's row blocks, the A block (MC x KC) is packed once into L2 and
// every B micro-panel of the thread (KC x NR, read once into L1) runs all MR-row micro-panels
// of A against it. A is packed once per k block instead of once per NC block, and the B
// micro-panel is reused MC / MR times from L1. B pre-packed. Same preconditions as run_blocked.
template <typename TA, typename PackA>
void run_a_resident(const Blocking& blk, const Microkernel* uk, index_t M, index_t N, index_t K, float alpha,
                    PackA&& pack_a_block, const PrepackedB& bsrc, float beta, float* C, index_t ldc, int nthreads) {
  const index_t n_padded = round_up(N, blk.nr);
  const auto* bbase = static_cast<const unsigned char*>(bsrc.data);
  const std::size_t b_elem = bsrc.elem_bytes;
#pragma omp parallel num_threads(nthreads)
  {
    const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
    TA* apack = thread_a_buffer<TA>(static_cast<std::size_t>(blk.mc) * static_cast<std::size_t>(blk.kc));
    const index_t row_tiles = (M + blk.mr - 1) / blk.mr, panels = n_padded / blk.nr;
    const Grid grid = thread_grid(row_tiles, panels, nt);
    const int tm = tid / grid.tn, tn = tid % grid.tn;
    const index_t row_begin = std::min(M, row_tiles * tm / grid.tm * blk.mr);
    const index_t row_end = std::min(M, row_tiles * (tm + 1) / grid.tm * blk.mr);
    const index_t jp_begin = panels * tn / grid.tn, jp_end = panels * (tn + 1) / grid.tn;
    if (row_begin < row_end && jp_begin < jp_end) {
      for (index_t p0 = 0; p0 < K; p0 += blk.kc) {
        const index_t kc = std::min<index_t>(blk.kc, K - p0), kcp = round_up(kc, blk.k_pad);
        const float beta_k = p0 == 0 ? beta : 1.0f;
        const unsigned char* bblock = bbase + static_cast<std::size_t>(p0 * n_padded) * b_elem;
        for (index_t i0 = row_begin; i0 < row_end; i0 += blk.mc) {
          const index_t mc = std::min<index_t>(blk.mc, row_end - i0);
          pack_a_block(i0, mc, p0, kc, apack);
          for (index_t jp = jp_begin; jp < jp_end; ++jp) {
            const int n = static_cast<int>(std::min<index_t>(blk.nr, N - jp * blk.nr));
            const unsigned char* bpanel = bblock + static_cast<std::size_t>(jp * kcp * blk.nr) * b_elem;
            for (index_t ir = 0; ir < mc; ir += blk.mr) {
              const int m = static_cast<int>(std::min<index_t>(blk.mr, mc - ir));
              uk[m - 1](kc, apack + ir * kcp, bpanel, C + (i0 + ir) * ldc + jp * blk.nr, ldc, n, alpha, beta_k);
            }
          }
        }
      }
    }
  }
}

// C = alpha * A * B + beta * C with B pre-packed: the thread count of the weight-streaming
// families, then the loop order the kernel asks for.
template <typename TA, typename PackA>
void run_packed(const Blocking& blk, const Microkernel* uk, index_t M, index_t N, index_t K, float alpha,
                PackA&& pack_a_block, const void* bpacked, std::size_t b_elem_bytes, float beta, float* C,
                index_t ldc, int max_threads, const StagedB* staged = nullptr) {
  const int nthreads = threads_for(max_threads, M, N, K, 4e6, weight_bytes(K, N, static_cast<double>(b_elem_bytes)));
  const PrepackedB bsrc{bpacked, b_elem_bytes};
  if (blk.a_resident)
    run_a_resident<TA>(blk, uk, M, N, K, alpha, pack_a_block, bsrc, beta, C, ldc, nthreads);
  else
    run_blocked<TA>(blk, FloatTiles<Microkernel>{uk, staged ? staged->uk : nullptr, alpha, beta, C, ldc}, M, N, K,
                    pack_a_block, bsrc, nthreads, staged);
}

}  // namespace gemm_driver
}  // namespace ik

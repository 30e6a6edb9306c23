// Binary entry points: registries and dispatch, argument validation, weight preparation, the
// tile loop around the XNOR microkernels with OpenMP, binary_linear and the binary-weight GEMV.
// The contract and the packed layouts are in cpu/binary/binary.h; bconv.cpp builds on this.
#include "cpu/binary/binary.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "cpu/binary/binary_internal.h"

namespace ik::cpu {

// ---------------------------------------------------------------------------------------------
// Registries and dispatch
// ---------------------------------------------------------------------------------------------

const std::vector<BitpackKernel>& bitpack_kernels() {
  static const std::vector<BitpackKernel> k = {detail::bitpack_kernel_scalar, detail::bitpack_kernel_avx2,
                                               detail::bitpack_kernel_avx512};
  return k;
}
// AVX-512 without VPOPCNTDQ (Skylake-X, Cascade Lake) runs the AVX2 kernel (select_kernel's
// rule): the nibble LUT in zmm would need AVX512_BW's vpshufb, a variant not written yet.
const std::vector<XnorKernel>& xnor_kernels() {
  static const std::vector<XnorKernel> k = {detail::xnor_kernel_scalar, detail::xnor_kernel_avx2,
                                            detail::xnor_kernel_hs_avx512vpopcnt, detail::xnor_kernel_avx512vpopcnt};
  return k;
}
const std::vector<BgemvKernel>& bgemv_kernels() {
  static const std::vector<BgemvKernel> k = {detail::bgemv_kernel_scalar, detail::bgemv_kernel_avx2,
                                             detail::bgemv_kernel_avx512};
  return k;
}

const BitpackKernel& bitpack_selected_kernel() { return select_kernel("binary.bitpack", bitpack_kernels()); }
const XnorKernel& xnor_selected_kernel() { return select_kernel("binary.xnor_gemm", xnor_kernels()); }
const BgemvKernel& bgemv_selected_kernel() { return select_kernel("binary.bgemv", bgemv_kernels()); }

namespace detail {

const BitpackKernel& resolve_bitpack(const char* where, const BinaryOptions& opt) {
  return ik::resolve_kernel(where, opt.bitpack, &bitpack_selected_kernel, "options.bitpack");
}
const XnorKernel& resolve_xnor(const char* where, const BinaryOptions& opt) {
  return ik::resolve_kernel(where, opt.xnor, &xnor_selected_kernel, "options.xnor");
}
namespace {
const BgemvKernel& resolve_bgemv(const char* where, const BinaryOptions& opt) {
  return ik::resolve_kernel(where, opt.bgemv, &bgemv_selected_kernel, "options.bgemv");
}

// A parallel region costs a few microseconds: below ~64 K word-ops (~20 us of scalar work,
// ~1 us of AVX-512) one thread does it alone.
int threads_for(int max_threads, double word_ops, double per_thread = 65536.0) {
  return std::max(1, static_cast<int>(std::min<double>(max_threads, word_ops / per_thread)));
}
}  // namespace

void bitpack_run(const BitpackKernel& k, index_t rows, index_t K, const float* x, index_t ldx,
                 std::uint64_t* dst, index_t ld_words, float* sum_abs, int threads) {
  const int nt = threads_for(threads, double(rows) * double(K), 1 << 16);
#pragma omp parallel for schedule(static) num_threads(nt)
  for (index_t r = 0; r < rows; ++r) k.row(K, x + r * ldx, dst + r * ld_words, sum_abs ? sum_abs + r : nullptr);
}

void xnor_run(const XnorKernel& k, index_t M, const std::uint64_t* A, index_t lda,
              const BinaryPackedWeights& B, std::int32_t* c32, float* cf, index_t ldc,
              const float* row_scale, const std::int32_t* const* row_offset, int threads) {
  const index_t N = B.N(), kw = B.words();
  const index_t rt = (M + k.mr - 1) / k.mr, ct = (N + k.nr - 1) / k.nr;
  const int nt = threads_for(threads, double(M) * double(N) * double(kw));
  const std::int32_t kbits = static_cast<std::int32_t>(B.K());
  // Tiles in row-major order, split into contiguous chunks: a thread keeps its A rows in L1 and
  // streams the (small, L2-resident) packed weight; each C element is computed by one tile, so
  // the result does not depend on the thread count.
#pragma omp parallel for schedule(static) num_threads(nt)
  for (index_t t = 0; t < rt * ct; ++t) {
    const index_t r = t / ct, c = t % ct;
    const index_t i0 = r * k.mr, j0 = c * k.nr;
    const int m = static_cast<int>(std::min<index_t>(k.mr, M - i0));
    const int n = static_cast<int>(std::min<index_t>(k.nr, N - j0));
    const std::uint64_t* b = B.panels() + (j0 / kBinaryPanel) * kw * kBinaryPanel + j0 % kBinaryPanel;
    XnorTileOut out{kbits,
                    c32 ? c32 + i0 * ldc + j0 : nullptr,
                    cf ? cf + i0 * ldc + j0 : nullptr,
                    ldc,
                    B.alpha() + j0,
                    row_scale ? row_scale + i0 : nullptr,
                    row_offset ? row_offset + i0 : nullptr,
                    j0};
    k.ukernel[m - 1](kw, A + i0 * lda, lda, b, n, out);
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Bit packing and weights
// ---------------------------------------------------------------------------------------------

void bitpack_sign(index_t rows, index_t K, const float* x, index_t ldx, std::uint64_t* dst,
                  index_t ld_words, float* row_mean_abs, const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::bitpack_sign";
  IK_REQUIRE(rows >= 0, where, "rows = ", rows, " must be >= 0");
  IK_REQUIRE(K >= 1, where, "K = ", K, " must be >= 1");
  IK_REQUIRE(ldx >= K, where, "ldx = ", ldx, " < K = ", K);
  IK_REQUIRE(ld_words >= bitpack_words(K), where, "ld_words = ", ld_words, " < ceil(K/64) = ", bitpack_words(K));
  IK_REQUIRE(rows == 0 || (x && dst), where, "x or dst is null with rows = ", rows);
  const BitpackKernel& k = detail::resolve_bitpack(where, opt);
  const int threads = ik::resolve_threads(where, opt.threads);
  detail::bitpack_run(k, rows, K, x, ldx, dst, ld_words, row_mean_abs, threads);
  if (row_mean_abs)
    for (index_t r = 0; r < rows; ++r) row_mean_abs[r] /= static_cast<float>(K);
}

BinaryPackedWeights binary_pack_bits(index_t N, index_t K, index_t words, const std::uint64_t* bits,
                               index_t ld, const float* alpha) {
  constexpr const char* where = "ik::cpu::binary_pack_bits";
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  IK_REQUIRE(K >= 1, where, "K = ", K, " must be >= 1");
  IK_REQUIRE(words >= bitpack_words(K), where, "words = ", words, " < ceil(K/64) = ", bitpack_words(K));
  IK_REQUIRE(K <= (index_t{1} << 30), where, "K = ", K, " exceeds 2^30 (int32 output)");
  IK_REQUIRE(ld >= words, where, "ld = ", ld, " < words = ", words);
  IK_REQUIRE(bits != nullptr, where, "bits is null");
  BinaryPackedWeights w;
  w.n_ = N;
  w.k_ = K;
  w.words_ = words;
  const index_t panels = (N + kBinaryPanel - 1) / kBinaryPanel;
  w.data_.reset(static_cast<std::size_t>(panels * words * kBinaryPanel));
  w.alpha_.reset(static_cast<std::size_t>(panels * kBinaryPanel));
  for (index_t p = 0; p < panels; ++p)
    for (index_t q = 0; q < words; ++q)
      for (index_t j = 0; j < kBinaryPanel; ++j) {
        const index_t n = p * kBinaryPanel + j;
        w.data_[static_cast<std::size_t>((p * words + q) * kBinaryPanel + j)] = n < N ? bits[n * ld + q] : 0;
      }
  for (index_t n = 0; n < panels * kBinaryPanel; ++n)
    w.alpha_[static_cast<std::size_t>(n)] = n < N ? (alpha ? alpha[n] : 1.0f) : 0.0f;
  return w;
}

BinaryPackedWeights binary_pack_weights(index_t N, index_t K, const float* W, index_t ldw,
                                  const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::binary_pack_weights";
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  IK_REQUIRE(K >= 1, where, "K = ", K, " must be >= 1");
  IK_REQUIRE(ldw >= K, where, "ldw = ", ldw, " < K = ", K);
  IK_REQUIRE(W != nullptr, where, "W is null");
  const BitpackKernel& k = detail::resolve_bitpack(where, opt);
  const int threads = ik::resolve_threads(where, opt.threads);
  const index_t words = bitpack_words(K);
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(N * words));
  std::vector<float> alpha(static_cast<std::size_t>(N));
  detail::bitpack_run(k, N, K, W, ldw, bits.data(), words, alpha.data(), threads);
  for (float& a : alpha) a /= static_cast<float>(K);
  return binary_pack_bits(N, K, words, bits.data(), words, alpha.data());
}

// ---------------------------------------------------------------------------------------------
// XNOR GEMM
// ---------------------------------------------------------------------------------------------

namespace {
void check_gemm(const char* where, index_t M, index_t N, index_t K, const void* A, index_t lda,
                const BinaryPackedWeights& B, const void* C, index_t ldc) {
  IK_REQUIRE(!B.empty(), where, "B is empty (not produced by binary_pack_weights / binary_pack_bits)");
  IK_REQUIRE(M >= 1, where, "M = ", M, " must be >= 1");
  IK_REQUIRE(N == B.N(), where, "N = ", N, " but the packed B has N = ", B.N());
  IK_REQUIRE(K == B.K(), where, "K = ", K, " but the packed B has K = ", B.K());
  IK_REQUIRE(lda >= B.words(), where, "lda = ", lda, " words < the packed row length ", B.words());
  IK_REQUIRE(ldc >= N, where, "ldc = ", ldc, " < N = ", N);
  IK_REQUIRE(A != nullptr, where, "A is null");
  IK_REQUIRE(C != nullptr, where, "C is null");
}
}  // namespace

void xnor_gemm_s32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const BinaryPackedWeights& B, std::int32_t* C, index_t ldc, const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::xnor_gemm_s32";
  check_gemm(where, M, N, K, A, lda, B, C, ldc);
  const XnorKernel& k = detail::resolve_xnor(where, opt);
  detail::xnor_run(k, M, A, lda, B, C, nullptr, ldc, nullptr, nullptr, ik::resolve_threads(where, opt.threads));
}

void xnor_gemm_f32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const BinaryPackedWeights& B, const float* row_scale, float* C, index_t ldc,
                   const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::xnor_gemm_f32";
  check_gemm(where, M, N, K, A, lda, B, C, ldc);
  const XnorKernel& k = detail::resolve_xnor(where, opt);
  detail::xnor_run(k, M, A, lda, B, nullptr, C, ldc, row_scale, nullptr, ik::resolve_threads(where, opt.threads));
}

void binary_linear(index_t M, index_t N, index_t K, const float* A, index_t lda,
                   const BinaryPackedWeights& B, bool scale_activations, float* C, index_t ldc,
                   const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::binary_linear";
  IK_REQUIRE(lda >= K, where, "lda = ", lda, " < K = ", K);
  check_gemm(where, M, N, K, A, bitpack_words(K), B, C, ldc);
  IK_REQUIRE(B.words() == bitpack_words(K), where, "B has ", B.words(), " words per row, not ceil(K/64) = ",
             bitpack_words(K), " (a conv weight?)");
  const BitpackKernel& pk = detail::resolve_bitpack(where, opt);
  const XnorKernel& xk = detail::resolve_xnor(where, opt);
  const int threads = ik::resolve_threads(where, opt.threads);
  const index_t words = B.words();
  // Reused across calls: no allocation in the steady state.
  thread_local AlignedBuffer<std::uint64_t> abits;
  thread_local AlignedBuffer<float> scale;
  abits.ensure(static_cast<std::size_t>(M * words));
  scale.ensure(static_cast<std::size_t>(M));
  detail::bitpack_run(pk, M, K, A, lda, abits.data(), words, scale_activations ? scale.data() : nullptr, threads);
  if (scale_activations)
    for (index_t m = 0; m < M; ++m) scale[static_cast<std::size_t>(m)] /= static_cast<float>(K);
  detail::xnor_run(xk, M, abits.data(), words, B, nullptr, C, ldc, scale_activations ? scale.data() : nullptr,
                   nullptr, threads);
}

// ---------------------------------------------------------------------------------------------
// Binary-weight GEMV
// ---------------------------------------------------------------------------------------------

void binary_gemv(index_t N, index_t K, const float* x, const BinaryPackedWeights& B, float* y,
                 const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::binary_gemv";
  IK_REQUIRE(!B.empty(), where, "B is empty (not produced by binary_pack_weights)");
  IK_REQUIRE(N == B.N(), where, "N = ", N, " but the packed B has N = ", B.N());
  IK_REQUIRE(K == B.K(), where, "K = ", K, " but the packed B has K = ", B.K());
  IK_REQUIRE(B.words() == bitpack_words(K), where, "B has ", B.words(), " words per row, not ceil(K/64) = ",
             bitpack_words(K));
  IK_REQUIRE(x != nullptr, where, "x is null");
  IK_REQUIRE(y != nullptr, where, "y is null");
  const BgemvKernel& k = detail::resolve_bgemv(where, opt);
  const int max_threads = ik::resolve_threads(where, opt.threads);
  const index_t kw = B.words();
  // x padded with zeros to whole words: the kernels never test for the tail, and a padding
  // bit (always 0) would add nothing anyway.
  thread_local AlignedBuffer<float> xpad;
  xpad.ensure(static_cast<std::size_t>(kw * 64));
  std::memcpy(xpad.data(), x, static_cast<std::size_t>(K) * sizeof(float));
  std::fill(xpad.data() + K, xpad.data() + kw * 64, 0.0f);
  float part[8] = {};
  for (index_t i = 0; i < K; ++i) part[i % 8] += x[i];  // 8 chains: not latency-bound
  const float total = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  const index_t groups = (N + 7) / 8;
  const int nt = std::max(1, std::min(max_threads, static_cast<int>(std::min<index_t>(groups, N * kw / 4096 + 1))));
  const float* xp = xpad.data();
#pragma omp parallel for schedule(static) num_threads(nt)
  for (index_t g = 0; g < groups; ++g) {
    const index_t j0 = g * 8;
    const int n = static_cast<int>(std::min<index_t>(8, N - j0));
    float pos[8];
    k.fn(kw, xp, B.panels() + (j0 / kBinaryPanel) * kw * kBinaryPanel + j0 % kBinaryPanel, n, pos);
    // sum_k sign(w) x = sum_{+1} x - sum_{-1} x = 2 sum_{+1} x - sum x.
    for (int j = 0; j < n; ++j) y[j0 + j] = B.alpha()[j0 + j] * (2.0f * pos[j] - total);
  }
}

}  // namespace ik::cpu

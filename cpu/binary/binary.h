// Binary (1-bit) networks on the CPU: sign bit packing, XNOR-popcount GEMM, XNOR-Net binary
// convolution, and the binary-weight GEMV. The reference (the oracle) is reference/binary.h.
//
// Sign convention (documented once, used everywhere): bit 1 <=> x >= 0 <=> +1, so sign(0) = +1
// (and -0.0 too); NaN packs as -1 (x >= 0 is false). Techniques: XNOR-Net (Rastegari, Ordonez,
// Redmon, Farhadi, ECCV 2016, §3.1-3.2: binary weights with scale alpha = mean|W|, binary
// inputs with the K map), BNN (Courbariaux, Hubara et al. 2016), BinaryConnect / BWN
// (Courbariaux et al. NeurIPS 2015; XNOR-Net §3.1) for the float-activation GEMV.
//
// Packed rows (activations, and weights before panel packing): K values -> W = ceil(K/64)
// little-endian uint64 words, value k at bit k%64 of word k/64, padding bits (k >= K) zero:
//
//   x[0..63] -> word 0 (bit 0 = x[0])   x[64..127] -> word 1   ...   last word: tail, then zeros
//
// NHWC activations pack along channels: rows = batch*H*W pixels, K = C (any C >= 1).
//
// Weights (the B operand, [out][in] = N x K, like a PyTorch Linear/Conv weight) are packed once
// into BinaryPackedWeights: 32-column panels, word-major inside a panel, zero columns past N:
//
//   panel p (columns 32p .. 32p+31):  w=0: B[32p][0]  B[32p+1][0]  .. B[32p+31][0]
//                                      w=1: B[32p][1]  B[32p+1][1]  .. B[32p+31][1]   ...
//
// so a microkernel with NR = 4, 8 or 32 columns streams NR consecutive words per k-word, and
// one packed format serves every variant and the GEMV. alpha[n] = mean_k |W[n][k]|.
//
// XNOR GEMM: C[m][n] = K - 2 popcount(A_m XOR B_n) (int32, exact), or fused fp32:
// C = float(K - 2 popcount) * alpha[n] (* row_scale[m]), bit-identical to the reference.
// Variants (registry xnor_kernels()): scalar (__builtin_popcountll; C++17 has no std::popcount),
// AVX2 (vpshufb nibble-LUT popcount, Mula, Kurz, Lemire, "Faster population counts using AVX2
// instructions", Comput. J. 2018), AVX-512 VPOPCNTDQ vpopcntq, and AVX-512 Harley-Seal
// carry-save (vpternlogq full adders, ibid. §4): 2 popcounts per 3 words instead of 3.
// Dispatch: ik::select_kernel (common/dispatch.h; IK_ISA caps the level); avx512 without
// VPOPCNTDQ runs the AVX2 XNOR kernel.
// Threads: OpenMP over MR x NR output tiles; integer results are exact, hence bit-identical for
// every thread count (the fp32 epilogue is per element, so it is too).
//
// Test: make test ARGS='-tc=binary:*'     Bench: make bench FILTER='binary/'
#pragma once
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/dispatch.h"
#include "common/matrix.h"

namespace ik::cpu {

inline constexpr int kBinaryPanel = 32;  // columns per packed weight panel
inline index_t bitpack_words(index_t k) { return (k + 63) / 64; }

// ---- kernel types (one registry per component; tests and benches loop over them) ---------

// Packs one row of k >= 1 floats into ceil(k/64) words (padding bits zero). If sum_abs is not
// null it receives sum_k |x[k]| (fp32, the variant's own summation order).
using BitpackRowFn = void (*)(index_t k, const float* x, std::uint64_t* dst, float* sum_abs);

// Output of one microkernel tile (pointers already offset to the tile's first row / column).
struct XnorTileOut {
  std::int32_t kbits;                  // K: the logical number of bits per row
  std::int32_t* c32;                   // int32 output, or null
  float* cf;                           // fp32 output (used when c32 is null)
  index_t ldc;
  const float* alpha;                  // fp32: per column (>= NR readable), else unused
  const float* row_scale;              // fp32: per row, or null
  const std::int32_t* const* row_offset;  // per row: an int32 row added to K - 2 popcount
  index_t col0;                        // column of the tile, to index row_offset[i][col0 + j]
};
// One MR x NR tile: a = first packed row (stride lda words), b = b_panel + column offset inside
// the panel (stride kBinaryPanel words per k-word), kw >= 1 words, 1 <= n <= NR valid columns.
using XnorMicrokernel = void (*)(index_t kw, const std::uint64_t* a, index_t lda,
                                 const std::uint64_t* b, int n, const XnorTileOut& out);

// y_pos[j] = sum_k [bit k of column j] * x[k] for the n <= 8 columns starting at b (panel
// stride kBinaryPanel), x zero-padded to kw*64 floats. The caller forms alpha*(2 y_pos - sum x).
using BgemvFn = void (*)(index_t kw, const float* x, const std::uint64_t* b, int n, float* y_pos);

// Registry entries (common/dispatch.h: name, ISA level, required features, tile).
struct BitpackKernel : KernelInfo {
  BitpackRowFn row = nullptr;
};
// ukernel[m - 1]: m = 1..mr rows (TiledKernel::set_ukernels).
struct XnorKernel : TiledKernel<XnorMicrokernel> {};
struct BgemvKernel : KernelInfo {
  BgemvFn fn = nullptr;
};

const std::vector<BitpackKernel>& bitpack_kernels();
const std::vector<XnorKernel>& xnor_kernels();
const std::vector<BgemvKernel>& bgemv_kernels();
// What dispatch uses now (honours IK_ISA).
const BitpackKernel& bitpack_selected_kernel();
const XnorKernel& xnor_selected_kernel();
const BgemvKernel& bgemv_selected_kernel();

struct BinaryOptions {
  int threads = 0;                       // 0: omp_get_max_threads()
  const BitpackKernel* bitpack = nullptr;  // nullptr: selected
  const XnorKernel* xnor = nullptr;
  const BgemvKernel* bgemv = nullptr;
};

// ---- bit packing ------------------------------------------------------------------------

// Packs rows x K floats (stride ldx >= K) into rows x W words (stride ld_words >= W), padding
// bits zero. row_mean_abs (optional, rows floats) receives mean_k |x| per row: XNOR-Net's
// activation scale (beta), computed in the same pass.
void bitpack_sign(index_t rows, index_t K, const float* x, index_t ldx, std::uint64_t* dst,
                  index_t ld_words, float* row_mean_abs = nullptr, const BinaryOptions& opt = {});

// ---- prepared weights -------------------------------------------------------------------

class BinaryPackedWeights {
 public:
  index_t N() const { return n_; }
  index_t K() const { return k_; }              // logical bits per row
  index_t words() const { return words_; }      // words per row (>= ceil(K/64) for conv)
  const std::uint64_t* panels() const { return data_.data(); }
  const float* alpha() const { return alpha_.data(); }  // padded to a multiple of 32 with 0
  std::size_t bytes() const { return data_.size() * sizeof(std::uint64_t); }
  bool empty() const { return n_ == 0; }

 private:
  friend BinaryPackedWeights binary_pack_weights(index_t, index_t, const float*, index_t, const BinaryOptions&);
  friend BinaryPackedWeights binary_pack_bits(index_t, index_t, index_t, const std::uint64_t*, index_t,
                                        const float*);
  ResetOnMove<index_t> n_, k_, words_;  // reset by a move (common/aligned_buffer.h), as data_ is
  AlignedBuffer<std::uint64_t> data_;  // [panel][word][32]
  AlignedBuffer<float> alpha_;
};

// W: N x K floats ([out][in], ldw >= K). Binarizes with sign, alpha[n] = mean |W[n]|.
BinaryPackedWeights binary_pack_weights(index_t N, index_t K, const float* W, index_t ldw,
                                  const BinaryOptions& opt = {});
// From already packed rows: N rows of `words` words (stride ld), K logical bits, alpha (N
// floats, may be null: 1).
BinaryPackedWeights binary_pack_bits(index_t N, index_t K, index_t words, const std::uint64_t* bits,
                               index_t ld, const float* alpha);

// ---- XNOR GEMM --------------------------------------------------------------------------

// A: M packed rows of B.words() words (stride lda >= B.words()).
// int32: C[m][n] = K - 2 popcount(A_m XOR B_n), ldc >= N.
void xnor_gemm_s32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const BinaryPackedWeights& B, std::int32_t* C, index_t ldc,
                   const BinaryOptions& opt = {});
// fp32: C[m][n] = float(K - 2 popcount) * alpha[n] (* row_scale[m] if not null).
void xnor_gemm_f32(index_t M, index_t N, index_t K, const std::uint64_t* A, index_t lda,
                   const BinaryPackedWeights& B, const float* row_scale, float* C, index_t ldc,
                   const BinaryOptions& opt = {});

// The inference call: float activations A (M x K, lda) are sign-packed (and, if
// scale_activations, their per-row mean |a| taken as row_scale), then xnor_gemm_f32.
void binary_linear(index_t M, index_t N, index_t K, const float* A, index_t lda,
                   const BinaryPackedWeights& B, bool scale_activations, float* C, index_t ldc,
                   const BinaryOptions& opt = {});

// ---- binary convolution (XNOR-Net §3.2), NHWC -------------------------------------------

struct BinaryConvPackedWeights {
  index_t cout = 0, kh = 0, kw = 0, cin = 0;
  BinaryPackedWeights w;                 // N = cout, K = kh*kw*cin, words = kh*kw*ceil(cin/64)
  std::vector<std::int32_t> tap_fix;  // [tap][cout]: 2 popcount(W_tap) - cin (see bconv.cpp)
};
// Wt: cout x kh x kw x cin floats. kh, kw in {1, 3}.
BinaryConvPackedWeights binary_conv_pack_weights(index_t cout, index_t kh, index_t kw, index_t cin,
                                           const float* Wt, const BinaryOptions& opt = {});
// out[b][y][x][o] = float(D) * alpha[o] * Kmap[b][y][x], with D the ±1 dot product over the
// taps inside the image (exact zero padding) — the definition in reference/binary.h.
// I: batch x H x W x cin; out: batch x Ho x Wo x cout. stride in {1, 2}, pad in {0, 1}.
void binary_conv2d_nhwc(index_t batch, index_t H, index_t W, const float* I,
                        const BinaryConvPackedWeights& w, index_t stride, index_t pad, float* out,
                        const BinaryOptions& opt = {});
inline index_t conv_out_size(index_t in, index_t k, index_t stride, index_t pad) {
  return (in + 2 * pad - k) / stride + 1;
}

// ---- binary-weight GEMV (float activations, 1-bit weights) -------------------------------

// y[n] = alpha[n] * sum_k sign(W[n][k]) x[k] for the B of binary_pack_weights (N x K).
void binary_gemv(index_t N, index_t K, const float* x, const BinaryPackedWeights& B, float* y,
                 const BinaryOptions& opt = {});

namespace detail {
// The registry entries, constants defined in the ISA files (common/dispatch.h).
extern const BitpackKernel bitpack_kernel_scalar, bitpack_kernel_avx2, bitpack_kernel_avx512;
extern const XnorKernel xnor_kernel_scalar, xnor_kernel_avx2, xnor_kernel_hs_avx512vpopcnt, xnor_kernel_avx512vpopcnt;
extern const BgemvKernel bgemv_kernel_scalar, bgemv_kernel_avx2, bgemv_kernel_avx512;
}  // namespace detail

}  // namespace ik::cpu

// int8 GEMM: u8 activations x s8 weights -> int32 accumulation -> s32, requantized u8, or fp32.
//
// Affine quantization, Jacob et al., "Quantization and Training of Neural Networks for Efficient
// Integer-Arithmetic-Only Inference", CVPR 2018: a real value is r = S (q - Z) (§2.1 eq. 1).
// With activations A (u8, scale Sa, zero point Za), symmetric weights W (s8, Zw = 0, scale Sw[j]
// per output channel or one per tensor) and an output C (scale Sc, zero point Zc), eq. 4 gives
//
//   acc[i][j] = sum_k (A[i][k] - Za) * W[k][j] + bias[j]
//             = sum_k A[i][k] W[k][j]  -  Za * colsum[j]  +  bias[j],   colsum[j] = sum_k W[k][j]
//
// (§2.3 eq. 7-8: the zero-point term needs only the column sums of W, computed once when W is
// packed; with Zw = 0 the row sums of A, eq. 8's other term, vanish.) The kernels therefore
// multiply the raw u8 by the raw s8, which is exactly what VPDPBUSD takes (u8 x s8 -> s32, Intel
// SDM Vol. 2 "VPDPBUSD"), and fold "bias - Za * colsum" into one per-column offset per call.
// bias is int32 with scale Sa * Sw[j] and zero point 0 (§2.4).
//
// Outputs:
//   s32   acc itself.
//   u8    the fixed-point requantization of §2.2 (eq. 5-6): M[j] = Sa * Sw[j] / Sc in (0, 1) is
//         held as M0 * 2^-shift, M0 a Q31 integer in [2^30, 2^31), shift = 31 + n in [31, 62]
//         (compute_multiplier in quantize.h, precomputed once per weight/output by
//         gemm_s8_make_requant). Convention, implemented identically by every kernel and by
//         reference/gemm_s8.cpp:
//           C = clamp(Zc + sign(acc) * floor(|acc| * M0 / 2^shift + 1/2), 0, 255)
//         i.e. ONE rounding, half away from zero, of the exact product acc * M0 * 2^-shift.
//         This is not gemmlowp's SaturatingRoundingDoublingHighMul + RoundingDivideByPOT pair,
//         which rounds twice (and so differs in the last bit on ~1/2^(shift-31) of inputs);
//         it is the single-rounding form (TFLite's TFLITE_SINGLE_ROUNDING uses the same
//         one-shift structure, there with ties upward). Chosen because it is the correctly
//         rounded value of the stored multiplier and is cheap with 32x32->64 unsigned
//         multiplies (VPMULUDQ) and per-lane shifts (VPSRLVQ) on AVX2 and AVX-512 alike.
//   f32   C = float(acc) * (Sa * Sw[j])   (dequantized; the product Sa * Sw[j] rounded to fp32
//         once, then one conversion and one multiply: bit-identical to the reference).
//
// Ranges (validated): K <= 32768 and |bias[j]| <= 2^30, so |acc| <= 255 * 128 * K + 2^30
// < 2^31 for ANY inputs: u8 0..255, s8 -128..127 (full range; quantize_weights_s8 produces
// -127..127). The kernels' int32 arithmetic is then exact (intermediate wrap-around cancels:
// the final value is representable).
//
// Packed weights (prepared once, per variant: GemmS8PackedWeights). K is padded to Kp, a multiple of 4,
// with zero weights (which contribute nothing, whatever the activation there); N is padded to a
// multiple of NR with zero columns. Panels of NR columns, each the whole of Kp, groups of KG
// consecutive k of one column kept together (KG = 4 for VPDPBUSD's 4-byte dot product, KG = 2
// for the AVX2 VPMADDWD pair):
//
//   panel p (columns p*NR .. p*NR+NR-1), Kp/KG groups, each NR*KG bytes:
//     g=0:  w[0][j0] w[1][j0] w[2][j0] w[3][j0] | w[0][j0+1] .. w[3][j0+1] | ... | .. w[3][j0+NR-1]
//     g=1:  w[4][j0] .. w[7][j0] | ...                                          (KG = 4 shown)
//   one zmm load = 16 columns x 4 k = the B operand of one VPDPBUSD.
//
// Packed activations (per call, per thread, MC rows at a time), micro-panels of MR rows:
//   u8x4  (VNNI, scalar): [g][i][4 bytes]   a[i][4g..4g+3]      -> one 32-bit broadcast per row
//   u16x2 (AVX2):         [g][i][2 x u16]   a[i][2g], a[i][2g+1] zero-extended -> VPMADDWD pair
//
// Loop nest (gemm_s8.cpp): threads split C into a grid of row tiles x column panels; each
// thread packs MC rows of A (the whole Kp), then walks its panels in blocks of NC columns
// (a W block of ~1 MiB, L2 resident) with the MR-row A micro-panel outer and the panels inner.
// There is no K blocking: each micro-tile accumulates its whole dot product in registers, so
// int32 partial sums never leave the registers and the epilogue (offset, requantize or scale,
// store) runs once per C element.
//
// Variants (registry, best last): scalar 4x16, AVX2 6x16 (exact widening: VPMOVSXBW + VPMADDWD,
// see its file for why VPMADDUBSW is not used), AVX-VNNI 6x16 (VEX VPDPBUSD on ymm: the avx2
// path where the CPU has it), AVX-512 VNNI 6x64 (VPDPBUSD), AMX 32x32
// (TDPBUSD on int32 tiles, K blocked inside the variant; its own file). Dispatch: the best one
// this CPU runs (common/dispatch.h); IK_ISA=scalar|avx2|avx512 caps the level (avx512 means the
// AMX variant where AMX-INT8 is usable, else the VNNI one; an AVX-512 CPU without VNNI runs the
// best AVX2 variant, AVX-VNNI where the CPU has it, and says so on stderr when avx512 was
// forced). A packed weight remembers its variant.
// Threads: OpenMP; integer results are bit-identical for any thread count (each element is one
// thread's complete dot product).
//
// Test:  make test ARGS='-tc=gemm_s8:*'     Bench: make bench FILTER=gemm_s8
#pragma once
#include <cstdint>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/dispatch.h"
#include "common/gemm_driver.h"
#include "common/matrix.h"
#include "common/blas_types.h"
#include "cpu/gemm_s8/quantize.h"

namespace ik::cpu {

enum class S8Output { s32 = 0, u8 = 1, f32 = 2 };

// Per-column epilogue data, each pointer already advanced to the micro-tile's first column and
// readable for NR entries (the arrays are padded): acc = dot + offset[j]; then by kind.
struct S8Epilogue {
  S8Output kind;
  const std::int32_t* offset;  // bias[j] - Za * colsum[j] (mod 2^32)
  const std::int32_t* mult;    // u8: M0[j]
  const std::int32_t* shift;   // u8: 31 + n[j]
  const float* scale;          // f32: Sa * Sw[j]
  std::int32_t c_zero_point;   // u8
};

// Microkernel contract: for an m-row A micro-panel (packed as the variant's a_pack says) and one
// packed W panel, compute the m x n tile over `steps` k-groups and store it through the
// epilogue. c points at C[0][0] of the tile (int32_t*, uint8_t* or float* per ep.kind), row
// stride ldc elements; 1 <= n <= NR; only the m x n elements are written. Rows are fixed by
// the function (ukernel[m - 1]).
using S8Microkernel = void (*)(index_t steps, const std::uint8_t* a, const std::int8_t* w, void* c,
                               index_t ldc, int n, const S8Epilogue& ep);

// u8x4 and u16x2: interleaved k groups (above). rows: the AMX tile layout (16 rows x 64 bytes =
// 16 rows x 64 k per TILELOADD), cut into K chunks of a_chunk_k: a micro-panel of m rows is
// chunk c = 0, 1, .. at byte R * c * a_chunk_k, each [R][kcw] row-major with kcw =
// min(a_chunk_k, Kp - c * a_chunk_k) and R = mr (R = 1 when m = 1: the panel is then just the
// row, byte-identical to u8x4). Rows past m up to the next multiple of 16 and k past K are zero.
// Chunks keep a tile's 16 rows kcw bytes apart rather than Kp: at Kp = 4096 all rows of a
// chunk would fall into the same few L1 sets (4 KiB aliasing) and evict each other.
enum class S8APack { u8x4, u16x2, rows };

// A whole block at once, for variants that block K themselves (AMX: the int32 sums live in tile
// registers and in a per-thread scratch, not in zmm). The block is mc rows of packed A (micro-
// panels of mr rows) times `panels` consecutive W panels, starting at C column 0 of the block.
struct S8BlockArgs {
  index_t mc;               // rows of the block, >= 1
  const std::uint8_t* a;    // packed A block (a_pack layout)
  index_t kp;               // padded K (multiple of the variant's kp_multiple)
  const std::int8_t* w;     // the block's first packed W panel; panels are kp * nr bytes apart
  index_t panels;
  index_t n;                // columns of C from the block's first column to the end of N
  S8Epilogue ep;            // advanced to the block's first column
  void* c;                  // C at (first row, first column) of the block
  index_t ldc;              // elements
};
using S8BlockKernel = void (*)(const S8BlockArgs&);

// A registry entry (common/dispatch.h: name, ISA level, required features, MR x NR tile).
// ukernel[m - 1], m = 1..mr, or, for a kernel with `block` set, no table (ukernel == nullptr).
struct S8Kernel : TiledKernel<S8Microkernel> {
  int kg = 4;                          // k per group in the packed W (and per kernel step)
  S8APack a_pack = S8APack::u8x4;
  int mc = 0;                          // rows of A packed at a time (multiple of mr)
  int kp_multiple = 4;                 // K is padded with zero weights to a multiple of this
  index_t a_chunk_k = 0;               // S8APack::rows: the K chunk (multiple of kp_multiple)
  S8BlockKernel block = nullptr;       // set: the loop nest hands it whole blocks instead
  index_t w_block_bytes = index_t(1) << 20;  // the W block of one jc step (L2 resident)
  index_t max_cached_a = gemm_driver::kMaxCachedA;  // gemm_driver::Blocking::max_cached_a
};

// Registry, best last within each ISA level. A variant this CPU lacks is listed but must be
// skipped (kernel_runnable).
const std::vector<S8Kernel>& gemm_s8_kernels();
// The variant dispatch uses now (honours IK_ISA); throws if the forced ISA cannot run it.
const S8Kernel& gemm_s8_selected_kernel();

struct S8Options {
  int threads = 0;                    // 0: omp_get_max_threads()
  const S8Kernel* kernel = nullptr;   // packing only; nullptr: gemm_s8_selected_kernel()
};

inline constexpr index_t kS8MaxK = 32768;
inline constexpr std::int32_t kS8MaxAbsBias = std::int32_t(1) << 30;

// s8 weights packed once for one variant, with their column sums and scales. Movable only.
class GemmS8PackedWeights {
 public:
  GemmS8PackedWeights() = default;
  index_t K() const { return k_; }
  index_t N() const { return n_; }
  index_t Kp() const { return kp_; }
  bool per_channel() const { return per_channel_; }
  bool empty() const { return kernel_ == nullptr; }
  const S8Kernel& kernel() const { return *kernel_; }
  const float* scales() const { return scales_.data(); }       // N entries (repeated if per tensor)
  const std::int32_t* colsum() const { return colsum_.data(); } // N padded to NR
  const std::int8_t* data() const { return data_.data(); }
  std::size_t bytes() const { return data_.size(); }
  std::uint64_t id() const { return id_; }

 private:
  friend GemmS8PackedWeights gemm_s8_pack_weights(WeightLayout, index_t, index_t, const std::int8_t*, index_t,
                                             const float*, bool, const S8Options&);
  ResetOnMove<index_t> k_, n_, kp_;  // reset by a move (common/aligned_buffer.h), as data_ is
  bool per_channel_ = false;
  ResetOnMove<const S8Kernel*> kernel_;
  std::uint64_t id_ = 0;
  AlignedBuffer<std::int8_t> data_;
  AlignedBuffer<std::int32_t> colsum_;
  std::vector<float> scales_;
};

// Pack s8 weights (any value -128..127). layout k_by_n: W is K x N row-major (ldw >= N);
// n_by_k: W is stored N x K ([out][in], ldw >= K). scales: N values (per_channel) or 1, each > 0.
GemmS8PackedWeights gemm_s8_pack_weights(WeightLayout layout, index_t K, index_t N, const std::int8_t* W,
                                         index_t ldw, const float* scales, bool per_channel,
                                         const S8Options& options = {});
// Quantize fp32 weights (symmetric, -127..127, quantize_weights_s8) and pack them.
GemmS8PackedWeights gemm_s8_pack_weights_f32(WeightLayout layout, index_t K, index_t N, const float* W, index_t ldw,
                                             bool per_channel, const S8Options& options = {});

// Requantization constants for a u8 output, computed once: M0[j], shift[j] for
// M[j] = a_scale * Sw[j] / c.scale (each must be < 1), and the output zero point.
class RequantU8 {
 public:
  RequantU8() = default;
  bool empty() const { return n_ == 0; }
  index_t N() const { return n_; }
  float a_scale() const { return a_scale_; }
  QuantParams output() const { return c_; }
  const std::int32_t* mult() const { return mult_.data(); }   // N padded
  const std::int32_t* shift() const { return shift_.data(); }
  std::uint64_t weight_id() const { return weight_id_; }

 private:
  friend RequantU8 gemm_s8_make_requant(const GemmS8PackedWeights&, float, QuantParams);
  ResetOnMove<index_t> n_;  // reset by a move, as mult_ and shift_ are
  float a_scale_ = 0;
  QuantParams c_;
  std::uint64_t weight_id_ = 0;
  AlignedBuffer<std::int32_t> mult_, shift_;
};
RequantU8 gemm_s8_make_requant(const GemmS8PackedWeights& W, float a_scale, QuantParams c);

// The run calls. A: u8, M x K row-major, lda >= K; a.zero_point in 0..255 (a.scale used by the
// f32 output and checked against the RequantU8 for u8). bias: N int32 values or null.
// M >= 1; N, K must match W. C row-major, ldc >= N; must not overlap A.
void gemm_s8_s32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t a_zero_point,
                 const GemmS8PackedWeights& W, const std::int32_t* bias, std::int32_t* C, index_t ldc,
                 const S8Options& options = {});
void gemm_s8_u8(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, QuantParams a,
                const GemmS8PackedWeights& W, const std::int32_t* bias, const RequantU8& requant, std::uint8_t* C,
                index_t ldc, const S8Options& options = {});
void gemm_s8_f32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, QuantParams a,
                 const GemmS8PackedWeights& W, const std::int32_t* bias, float* C, index_t ldc,
                 const S8Options& options = {});

// Internal: each ISA source file builds its registry entry (compiled with its own ISA flags).
namespace detail {
// The rows x nr C tile of a microkernel is needed only after its k loop: start the cache misses
// of each row's first and last byte now (prefetcht0; C is s32 / f32 or u8 by ep.kind).
template <int Rows>
inline void prefetch_c_tile(const void* c, index_t ldc, int nr, const S8Epilogue& ep) {
  const std::size_t elem = ep.kind == S8Output::u8 ? 1 : 4;
#pragma GCC unroll 8
  for (int i = 0; i < Rows; ++i) {
    const char* row = static_cast<const char*>(c) + static_cast<std::size_t>(i * ldc) * elem;
    __builtin_prefetch(row, 0, 3);
    __builtin_prefetch(row + elem * static_cast<std::size_t>(nr) - 1, 0, 3);
  }
}

// The registry entries, constants defined in the ISA files (common/dispatch.h).
extern const S8Kernel gemm_s8_kernel_scalar;
extern const S8Kernel gemm_s8_kernel_avx2;
extern const S8Kernel gemm_s8_kernel_avx2vnni;
extern const S8Kernel gemm_s8_kernel_avx512vnni;
extern const S8Kernel gemm_s8_kernel_amx;
}  // namespace detail

}  // namespace ik::cpu

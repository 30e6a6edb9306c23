// int8 GEMM entry points: registry and dispatch, argument validation, weight packing (with the
// column sums of the zero-point compensation), activation packing, and the tiles (epilogue)
// handed to the one loop nest of common/gemm_driver.h. gemm_s8.h has the formula, the
// requantization convention and the packed layouts.
#include "cpu/gemm_s8/gemm_s8.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "common/gemm_driver.h"

namespace ik::cpu {

// ---------------------------------------------------------------------------------------------
// Registry and dispatch
// ---------------------------------------------------------------------------------------------

const std::vector<S8Kernel>& gemm_s8_kernels() {
  static const std::vector<S8Kernel> kernels = {
      detail::gemm_s8_kernel_scalar,
      detail::gemm_s8_kernel_avx2,
      detail::gemm_s8_kernel_avx2vnni,
      detail::gemm_s8_kernel_avx512vnni,
      detail::gemm_s8_kernel_amx,
  };
  return kernels;
}

const S8Kernel& gemm_s8_selected_kernel() { return select_kernel("gemm_s8", gemm_s8_kernels()); }

namespace {

// Shared with the other GEMM families (common/gemm_driver.h).
using gemm_driver::round_up;
using gemm_driver::span_of_bytes;

bool finite_positive(float s) { return std::isfinite(s) && s > 0.0f; }

// ---------------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------------

// Panel jp of op(W) into dst: [g][NR][KG], zero past K and past N.
void pack_w_panel(const std::int8_t* W, index_t ldw, bool trans, index_t K, index_t N, index_t Kp, int nr,
                  int kg, index_t jp, std::int8_t* dst) {
  const index_t j0 = jp * nr;
  const index_t n = std::min<index_t>(nr, N - j0);
  std::memset(dst, 0, static_cast<std::size_t>(Kp * nr));
  for (index_t j = 0; j < n; ++j)
    for (index_t k = 0; k < K; ++k) {
      const std::int8_t v = trans ? W[(j0 + j) * ldw + k] : W[k * ldw + j0 + j];
      dst[(k / kg) * (nr * kg) + j * kg + (k % kg)] = v;
    }
}

// Rows [i0, i0 + mc) of A, all Kp, into MR-row micro-panels: u8x4 [g][i][4] or u16x2 [g][i][2].
// The pad k in [K, Kp) is written as 0 (the weights there are 0: any value would do).
void pack_a(const std::uint8_t* A, index_t lda, index_t K, index_t Kp, index_t i0, index_t mc, int mr,
            S8APack kind, index_t a_chunk_k, std::uint8_t* dst) {
  for (index_t ir = 0; ir < mc; ir += mr) {
    const index_t m = std::min<index_t>(mr, mc - ir);
    const std::uint8_t* src = A + (i0 + ir) * lda;
    if (kind == S8APack::u8x4) {
      for (index_t i = 0; i < m; ++i) {
        const std::uint8_t* row = src + i * lda;
        std::uint8_t* d = dst + 4 * i;
        index_t k = 0;
        // One 4-byte group per step: the stores walk down the panel with stride 4m.
        for (; k + 4 <= K; k += 4, d += 4 * m) std::memcpy(d, row + k, 4);
        if (k < K) {
          std::uint8_t tail[4] = {0, 0, 0, 0};
          std::memcpy(tail, row + k, static_cast<std::size_t>(K - k));
          std::memcpy(d, tail, 4);
        }
      }
      dst += m * Kp;
    } else if (kind == S8APack::rows) {
      // K chunks of a_chunk_k, each [R][kcw] row-major (gemm_s8.h S8APack::rows). Rows up to
      // the tile height the kernel loads (16 or 32) are zero; a 1-row panel is just the row.
      const index_t R = m == 1 ? 1 : mr, zero_to = m == 1 ? 1 : round_up(m, 16);
      for (index_t k0 = 0; k0 < Kp; k0 += a_chunk_k) {
        const index_t kcw = std::min(a_chunk_k, Kp - k0);
        std::uint8_t* chunk = dst + R * k0;
        for (index_t i = 0; i < zero_to; ++i) {
          std::uint8_t* d = chunk + i * kcw;
          const index_t valid = i < m ? std::clamp<index_t>(K - k0, 0, kcw) : 0;
          if (valid > 0) std::memcpy(d, src + i * lda + k0, static_cast<std::size_t>(valid));
          std::memset(d + valid, 0, static_cast<std::size_t>(kcw - valid));
        }
      }
      dst += mr * Kp;
    } else {
      auto* d16 = reinterpret_cast<std::uint16_t*>(dst);
      for (index_t i = 0; i < m; ++i) {
        const std::uint8_t* row = src + i * lda;
        for (index_t k = 0; k < Kp; k += 2) {
          d16[(k / 2) * (2 * m) + 2 * i] = k < K ? row[k] : 0;
          d16[(k / 2) * (2 * m) + 2 * i + 1] = k + 1 < K ? row[k + 1] : 0;
        }
      }
      dst += 2 * m * Kp;
    }
  }
}


std::atomic<std::uint64_t> g_next_weight_id{1};

// ---------------------------------------------------------------------------------------------
// The loop nest
// ---------------------------------------------------------------------------------------------

// The tiles of gemm_driver::run_blocked for int8: each micro-tile is one complete int32 dot
// product over all of Kp (one k block) followed by the kernel's epilogue (zero-point offset,
// bias, requantization or dequantization) at its columns; a kernel with `block` (AMX) takes a
// whole row block x panel range instead.
struct S8Tiles {
  const S8Kernel* kern;
  S8Epilogue ep;              // column 0
  unsigned char* C;
  std::size_t c_elem;         // bytes per C element
  index_t ldc, N, Kp;

  S8Epilogue at(index_t j) const {
    S8Epilogue e = ep;
    e.offset += j;
    if (e.mult) e.mult += j;
    if (e.shift) e.shift += j;
    if (e.scale) e.scale += j;
    return e;
  }
  void* c_at(index_t i, index_t j) const { return C + static_cast<std::size_t>(i * ldc + j) * c_elem; }
  template <class TA>
  bool block(index_t i0, index_t mc, const TA* a, index_t j0, index_t jp_begin, index_t jp_end, const void* w) const {
    if (!kern->block) return false;
    S8BlockArgs b{mc, reinterpret_cast<const std::uint8_t*>(a), Kp, static_cast<const std::int8_t*>(w),
                  jp_end - jp_begin, N - j0, at(j0), c_at(i0, j0), ldc};
    kern->block(b);
    return true;
  }
  template <class TA>
  void operator()(int m, index_t i, index_t j, index_t, const TA* a, const void* w, int n, bool, bool) const {
    kern->ukernel[m - 1](Kp / kern->kg, reinterpret_cast<const std::uint8_t*>(a), static_cast<const std::int8_t*>(w),
                         c_at(i, j), ldc, n, at(j));
  }
};

// The driver's view of a packed weight: one k block of all Kp; NC from the L2-resident W block
// (w_block_bytes); the wider operand split on a thread-grid tie (W is streamed once per thread:
// gemm_driver::thread_grid). TA: the packed A element (u16 pairs for the AVX2 kernel).
template <typename TA>
void run_driver(const GemmS8PackedWeights& W, index_t M, const std::uint8_t* A, index_t lda, const S8Epilogue& ep,
                void* C, std::size_t c_elem, index_t ldc, int nthreads) {
  const S8Kernel& k = W.kernel();
  const index_t panel_bytes = W.Kp() * k.nr;
  const index_t block_panels = std::max<index_t>(1, k.w_block_bytes / panel_bytes);
  gemm_driver::Blocking blk = gemm_driver::blocking(k.mr, k.nr, k.mc, static_cast<int>(W.Kp()),
                                                    static_cast<int>(block_panels * k.nr), 1, k.kp_multiple);
  blk.split_wider_operand = true;
  blk.max_cached_a = k.max_cached_a;
  const S8Tiles tiles{&k, ep, static_cast<unsigned char*>(C), c_elem, ldc, W.N(), W.Kp()};
  auto pack = [&](index_t i0, index_t mc, index_t, index_t, TA* dst) {
    pack_a(A, lda, W.K(), W.Kp(), i0, mc, k.mr, k.a_pack, k.a_chunk_k, reinterpret_cast<std::uint8_t*>(dst));
  };
  gemm_driver::run_blocked<TA>(blk, tiles, M, W.N(), W.K(), pack, gemm_driver::PrepackedB{W.data(), 1}, nthreads);
}

// Fewer threads for small problems: >= ~16 MOP per thread (~40 us at 400 GOP/s), >= 64 MOP for
// the AMX tiles (~30 us at 2 TOP/s; measured at 256^3: 1 thread 1944 GOP/s, 2 threads 1346).
// M = 1 runs the memory-bound VPDPBUSD loop even in the AMX variant: the VNNI threshold.
int threads_for(const S8Kernel& kern, int max_threads, index_t M, index_t N, index_t K) {
  return gemm_driver::threads_for(max_threads, M, N, K, kern.block && M > 1 ? 64e6 : 16e6,
                                  gemm_driver::weight_bytes(K, N, 1));
}

// Checks shared by the three run calls; returns the thread count.
int check_run(const char* where, index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda,
              std::int32_t za, const GemmS8PackedWeights& W, const std::int32_t* bias, const void* C,
              index_t ldc, std::size_t c_elem, const S8Options& opt) {
  IK_REQUIRE(!W.empty(), where, "W is an empty GemmS8PackedWeights (not produced by gemm_s8_pack_weights)");
  IK_REQUIRE(M >= 1, where, "M = ", M, " must be >= 1");
  IK_REQUIRE(N == W.N(), where, "N = ", N, " but the packed W has N = ", W.N());
  IK_REQUIRE(K == W.K(), where, "K = ", K, " but the packed W has K = ", W.K());
  IK_REQUIRE(lda >= K, where, "lda = ", lda, " < K = ", K);
  IK_REQUIRE(ldc >= N, where, "ldc = ", ldc, " < N = ", N);
  IK_REQUIRE(A != nullptr, where, "A is null");
  IK_REQUIRE(C != nullptr, where, "C is null");
  IK_REQUIRE(za >= 0 && za <= 255, where, "a zero_point = ", za, " is outside 0..255");
  IK_REQUIRE(!gemm_driver::overlaps(span_of_bytes(C, M, N, ldc, c_elem), span_of_bytes(A, M, K, lda, 1)), where, "C overlaps A (output aliasing an input)");
  IK_REQUIRE(opt.kernel == nullptr || opt.kernel == &W.kernel(), where, "options.kernel = ",
             opt.kernel ? opt.kernel->name : "", " but W was packed for ", W.kernel().name);
  IK_REQUIRE(kernel_runnable(W.kernel()), where, "W was packed for ", W.kernel().name,
             ", which this CPU cannot run");
  if (bias)
    for (index_t j = 0; j < N; ++j)
      IK_REQUIRE(bias[j] >= -kS8MaxAbsBias && bias[j] <= kS8MaxAbsBias, where, "bias[", j, "] = ", bias[j],
                 " is outside +-2^30 (the int32 accumulator bound)");
  return ik::resolve_threads(where, opt.threads);
}

// offset[j] = bias[j] - za * colsum[j], wrapped to int32: the exact sum it is added to fits.
const std::int32_t* column_offsets(const GemmS8PackedWeights& W, std::int32_t za, const std::int32_t* bias) {
  thread_local AlignedBuffer<std::int32_t> buf;
  const index_t np = round_up(W.N(), W.kernel().nr);
  buf.ensure(static_cast<std::size_t>(np));
  const std::int32_t* cs = W.colsum();
  for (index_t j = 0; j < np; ++j) {
    const std::int64_t v = (j < W.N() && bias ? bias[j] : 0) - std::int64_t(za) * cs[j];
    buf[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  }
  return buf.data();
}

void run(const GemmS8PackedWeights& W, index_t M, const std::uint8_t* A, index_t lda, const S8Epilogue& ep,
         void* C, std::size_t c_elem, index_t ldc, int max_threads) {
  const int nthreads = threads_for(W.kernel(), max_threads, M, W.N(), W.K());
  if (W.kernel().a_pack == S8APack::u16x2)
    run_driver<std::uint16_t>(W, M, A, lda, ep, C, c_elem, ldc, nthreads);
  else
    run_driver<std::uint8_t>(W, M, A, lda, ep, C, c_elem, ldc, nthreads);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

GemmS8PackedWeights gemm_s8_pack_weights(WeightLayout layout, index_t K, index_t N, const std::int8_t* W, index_t ldw,
                                    const float* scales, bool per_channel, const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_pack_weights";
  IK_REQUIRE(K >= 1 && K <= kS8MaxK, where, "K = ", K, " must be in 1..", kS8MaxK,
             " (int32 accumulator bound)");
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  IK_REQUIRE(layout == WeightLayout::k_by_n || layout == WeightLayout::n_by_k, where, "layout = ",
             static_cast<int>(layout), " is not a WeightLayout");
  const bool tw = layout == WeightLayout::n_by_k;
  const index_t row_len = tw ? K : N;
  IK_REQUIRE(ldw >= row_len, where, "ldw = ", ldw, " < ", row_len, " (the stored row length of W)");
  IK_REQUIRE(W != nullptr, where, "W is null");
  IK_REQUIRE(scales != nullptr, where, "scales is null");
  const index_t nscales = per_channel ? N : 1;
  for (index_t j = 0; j < nscales; ++j)
    IK_REQUIRE(finite_positive(scales[j]), where, "scales[", j, "] = ", scales[j], " must be > 0 and finite");
  const int threads = ik::resolve_threads(where, options.threads);
  const S8Kernel* kern = &resolve_kernel(where, options.kernel, &gemm_s8_selected_kernel);

  GemmS8PackedWeights p;
  p.k_ = K;
  p.n_ = N;
  p.kp_ = round_up(K, kern->kp_multiple);
  p.per_channel_ = per_channel;
  p.kernel_ = kern;
  p.id_ = g_next_weight_id.fetch_add(1);
  const index_t np = round_up(N, kern->nr);
  const index_t panels = np / kern->nr;
  p.data_.reset(static_cast<std::size_t>(p.kp_ * np));
  p.colsum_.reset(static_cast<std::size_t>(np));
  p.scales_.resize(static_cast<std::size_t>(N));
  for (index_t j = 0; j < N; ++j) p.scales_[static_cast<std::size_t>(j)] = scales[per_channel ? j : 0];
  std::int8_t* base = p.data_.data();
  std::int32_t* cs = p.colsum_.data();
#pragma omp parallel for schedule(static) num_threads(threads)
  for (index_t jp = 0; jp < panels; ++jp) {
    pack_w_panel(W, ldw, tw, K, N, p.kp_, kern->nr, kern->kg, jp, base + jp * p.kp_ * kern->nr);
    for (index_t j = jp * kern->nr; j < (jp + 1) * kern->nr; ++j) {
      std::int32_t s = 0;
      if (j < N)
        for (index_t k = 0; k < K; ++k) s += tw ? W[j * ldw + k] : W[k * ldw + j];
      cs[j] = s;
    }
  }
  return p;
}

GemmS8PackedWeights gemm_s8_pack_weights_f32(WeightLayout layout, index_t K, index_t N, const float* W, index_t ldw,
                                        bool per_channel, const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_pack_weights_f32";
  IK_REQUIRE(K >= 1 && K <= kS8MaxK, where, "K = ", K, " must be in 1..", kS8MaxK);
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  IK_REQUIRE(layout == WeightLayout::k_by_n || layout == WeightLayout::n_by_k, where, "layout = ",
             static_cast<int>(layout), " is not a WeightLayout");
  const bool tw = layout == WeightLayout::n_by_k;
  const index_t rows = tw ? N : K, cols = tw ? K : N;
  IK_REQUIRE(ldw >= cols, where, "ldw = ", ldw, " < ", cols, " (the stored row length of W)");
  IK_REQUIRE(W != nullptr, where, "W is null");
  std::vector<std::int8_t> q(static_cast<std::size_t>((rows - 1) * ldw + cols));
  std::vector<float> scales(static_cast<std::size_t>(per_channel ? N : 1));
  quantize_weights_s8(W, rows, cols, ldw, tw ? 0 : 1, per_channel, q.data(), scales.data());
  return gemm_s8_pack_weights(layout, K, N, q.data(), ldw, scales.data(), per_channel, options);
}

RequantU8 gemm_s8_make_requant(const GemmS8PackedWeights& W, float a_scale, QuantParams c) {
  constexpr const char* where = "ik::cpu::gemm_s8_make_requant";
  IK_REQUIRE(!W.empty(), where, "W is an empty GemmS8PackedWeights");
  IK_REQUIRE(finite_positive(a_scale), where, "a_scale = ", a_scale, " must be > 0 and finite");
  IK_REQUIRE(finite_positive(c.scale), where, "output scale = ", c.scale, " must be > 0 and finite");
  IK_REQUIRE(c.zero_point >= 0 && c.zero_point <= 255, where, "output zero_point = ", c.zero_point,
             " is outside 0..255");
  RequantU8 r;
  r.n_ = W.N();
  r.a_scale_ = a_scale;
  r.c_ = c;
  r.weight_id_ = W.id();
  const index_t np = round_up(W.N(), W.kernel().nr);
  r.mult_.reset(static_cast<std::size_t>(np));
  r.shift_.reset(static_cast<std::size_t>(np));
  for (index_t j = 0; j < np; ++j) {
    QuantMultiplier q;  // padded columns: {0, 31}, a valid do-nothing multiplier
    if (j < W.N()) {
      const double m = double(a_scale) * double(W.scales()[j]) / double(c.scale);
      IK_REQUIRE(m < 1.0, where, "real multiplier a_scale * w_scale[", j, "] / output scale = ", m,
                 " must be < 1 (choose a larger output scale)");
      q = compute_multiplier(m);
    }
    r.mult_[static_cast<std::size_t>(j)] = q.mult;
    r.shift_[static_cast<std::size_t>(j)] = q.shift;
  }
  return r;
}

void gemm_s8_s32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, std::int32_t a_zero_point,
                 const GemmS8PackedWeights& W, const std::int32_t* bias, std::int32_t* C, index_t ldc,
                 const S8Options& options) {
  const int threads = check_run("ik::cpu::gemm_s8_s32", M, N, K, A, lda, a_zero_point, W, bias, C, ldc,
                                sizeof(std::int32_t), options);
  const S8Epilogue ep{S8Output::s32, column_offsets(W, a_zero_point, bias), nullptr, nullptr, nullptr, 0};
  run(W, M, A, lda, ep, C, sizeof(std::int32_t), ldc, threads);
}

void gemm_s8_u8(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, QuantParams a,
                const GemmS8PackedWeights& W, const std::int32_t* bias, const RequantU8& requant, std::uint8_t* C,
                index_t ldc, const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_u8";
  const int threads = check_run(where, M, N, K, A, lda, a.zero_point, W, bias, C, ldc, 1, options);
  IK_REQUIRE(!requant.empty(), where, "requant is empty (not produced by gemm_s8_make_requant)");
  IK_REQUIRE(requant.weight_id() == W.id(), where, "requant was made for another GemmS8PackedWeights");
  IK_REQUIRE(a.scale == requant.a_scale(), where, "a.scale = ", a.scale, " but requant was made for a_scale = ",
             requant.a_scale());
  const S8Epilogue ep{S8Output::u8, column_offsets(W, a.zero_point, bias), requant.mult(), requant.shift(),
                      nullptr, requant.output().zero_point};
  run(W, M, A, lda, ep, C, 1, ldc, threads);
}

void gemm_s8_f32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, QuantParams a,
                 const GemmS8PackedWeights& W, const std::int32_t* bias, float* C, index_t ldc,
                 const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_f32";
  const int threads = check_run(where, M, N, K, A, lda, a.zero_point, W, bias, C, ldc, sizeof(float), options);
  IK_REQUIRE(finite_positive(a.scale), where, "a.scale = ", a.scale, " must be > 0 and finite");
  // Sa * Sw[j] once per call (O(N), against O(M N K) for the product).
  thread_local AlignedBuffer<float> dq;
  const index_t np = round_up(N, W.kernel().nr);
  dq.ensure(static_cast<std::size_t>(np));
  for (index_t j = 0; j < np; ++j) dq[static_cast<std::size_t>(j)] = j < N ? a.scale * W.scales()[j] : 0.0f;
  const S8Epilogue ep{S8Output::f32, column_offsets(W, a.zero_point, bias), nullptr, nullptr, dq.data(), 0};
  run(W, M, A, lda, ep, C, sizeof(float), ldc, threads);
}

}  // namespace ik::cpu

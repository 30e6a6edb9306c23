// int8 GEMM entry points: registry and dispatch, argument validation, weight packing (with the
// column sums of the zero-point compensation), activation packing, the loop nest and OpenMP.
// gemm_s8.h has the formula, the requantization convention and the packed layouts.
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
using gemm_driver::Grid;
using gemm_driver::round_up;
using gemm_driver::span_of_bytes;
using gemm_driver::thread_grid;

int resolve_threads(const char* where, const S8Options& opt) { return ik::resolve_threads(where, opt.threads); }

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

std::uint8_t* thread_a_buffer(std::size_t bytes) { return gemm_driver::thread_a_buffer<std::uint8_t>(bytes); }

std::atomic<std::uint64_t> g_next_weight_id{1};

// ---------------------------------------------------------------------------------------------
// The loop nest
// ---------------------------------------------------------------------------------------------

struct RunArgs {
  const S8Kernel* kern;
  index_t M, N, K, Kp;
  const std::uint8_t* A;
  index_t lda;
  const std::int8_t* W;       // packed panels
  S8Epilogue ep;              // column 0
  void* C;
  std::size_t c_elem;         // bytes per C element
  index_t ldc;
};

// Threads split C into tm x tn rectangles of micro-tiles (gemm_driver::thread_grid, as every
// family): skinny M splits N, so each thread streams a disjoint part of W. Every C element is one
// thread's complete dot product in a fixed k order, so the result is bitwise independent of the
// thread count.
void run_thread(const RunArgs& r, int tid, int nthreads) {
  const S8Kernel& k = *r.kern;
  const index_t row_tiles = (r.M + k.mr - 1) / k.mr;
  const index_t panels = (r.N + k.nr - 1) / k.nr;
  // W is streamed once per thread: split the larger operand (gemm_driver::thread_grid).
  const Grid grid = thread_grid(row_tiles, panels, nthreads, /*prefer_cols_when_wider=*/true, r.M, r.N);
  const int tm = tid / grid.tn, tn = tid % grid.tn;
  const index_t row_begin = std::min(r.M, row_tiles * tm / grid.tm * k.mr);
  const index_t row_end = std::min(r.M, row_tiles * (tm + 1) / grid.tm * k.mr);
  const index_t jp_begin = panels * tn / grid.tn, jp_end = panels * (tn + 1) / grid.tn;
  if (row_begin >= row_end || jp_begin >= jp_end) return;

  const index_t a_elem = k.a_pack == S8APack::u16x2 ? 2 : 1;
  const index_t steps = r.Kp / k.kg;
  const index_t panel_bytes = r.Kp * k.nr;
  const index_t block_panels = std::max<index_t>(1, k.w_block_bytes / panel_bytes);
  auto* cbase = static_cast<std::uint8_t*>(r.C);
  std::uint8_t* apack = thread_a_buffer(static_cast<std::size_t>(k.mc * r.Kp * a_elem));
  for (index_t i0 = row_begin; i0 < row_end; i0 += k.mc) {
    const index_t mc = std::min<index_t>(k.mc, row_end - i0);
    pack_a(r.A, r.lda, r.K, r.Kp, i0, mc, k.mr, k.a_pack, k.a_chunk_k, apack);
    for (index_t jb = jp_begin; jb < jp_end; jb += block_panels) {
      const index_t jb_end = std::min(jp_end, jb + block_panels);
      if (k.block) {
        const index_t j0 = jb * k.nr;
        S8BlockArgs b{mc, apack, r.Kp, r.W + jb * panel_bytes, jb_end - jb, r.N - j0, r.ep,
                      cbase + static_cast<std::size_t>(i0 * r.ldc + j0) * r.c_elem, r.ldc};
        b.ep.offset += j0;
        if (b.ep.mult) b.ep.mult += j0;
        if (b.ep.shift) b.ep.shift += j0;
        if (b.ep.scale) b.ep.scale += j0;
        k.block(b);
        continue;
      }
      // ir outer, jr inner: the A micro-panel is reused from L1/L2 across the block's panels,
      // which stream from the L2-resident W block (the kernels prefetch ahead in the panel).
      for (index_t ir = 0; ir < mc; ir += k.mr) {
        const int m = static_cast<int>(std::min<index_t>(k.mr, mc - ir));
        const std::uint8_t* apanel = apack + ir * r.Kp * a_elem;
        for (index_t jp = jb; jp < jb_end; ++jp) {
          const index_t j0 = jp * k.nr;
          const int n = static_cast<int>(std::min<index_t>(k.nr, r.N - j0));
          S8Epilogue ep = r.ep;
          ep.offset += j0;
          if (ep.mult) ep.mult += j0;
          if (ep.shift) ep.shift += j0;
          if (ep.scale) ep.scale += j0;
          void* c = cbase + static_cast<std::size_t>((i0 + ir) * r.ldc + j0) * r.c_elem;
          k.ukernel[static_cast<std::size_t>(m - 1)](steps, apanel, r.W + jp * panel_bytes, c, r.ldc, n, ep);
        }
      }
    }
  }
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
              std::int32_t za, const PackedWeightS8& W, const std::int32_t* bias, const void* C,
              index_t ldc, std::size_t c_elem, const S8Options& opt) {
  IK_REQUIRE(!W.empty(), where, "W is an empty PackedWeightS8 (not produced by gemm_s8_pack_weights)");
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
  return resolve_threads(where, opt);
}

// offset[j] = bias[j] - za * colsum[j], wrapped to int32: the exact sum it is added to fits.
const std::int32_t* column_offsets(const PackedWeightS8& W, std::int32_t za, const std::int32_t* bias) {
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

void run(const PackedWeightS8& W, index_t M, const std::uint8_t* A, index_t lda, const S8Epilogue& ep,
         void* C, std::size_t c_elem, index_t ldc, int max_threads) {
  RunArgs r{&W.kernel(), M, W.N(), W.K(), W.Kp(), A, lda, W.data(), ep, C, c_elem, ldc};
  const int nthreads = threads_for(W.kernel(), max_threads, M, W.N(), W.K());
  if (nthreads == 1) {
    run_thread(r, 0, 1);
    return;
  }
#pragma omp parallel num_threads(nthreads)
  run_thread(r, omp_get_thread_num(), omp_get_num_threads());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

PackedWeightS8 gemm_s8_pack_weights(Trans transw, index_t K, index_t N, const std::int8_t* W, index_t ldw,
                                    const float* scales, bool per_channel, const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_pack_weights";
  IK_REQUIRE(K >= 1 && K <= kS8MaxK, where, "K = ", K, " must be in 1..", kS8MaxK,
             " (int32 accumulator bound)");
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  const bool tw = transw == Trans::yes;
  const index_t row_len = tw ? K : N;
  IK_REQUIRE(ldw >= row_len, where, "ldw = ", ldw, " < ", row_len, " (the stored row length of W)");
  IK_REQUIRE(W != nullptr, where, "W is null");
  IK_REQUIRE(scales != nullptr, where, "scales is null");
  const index_t nscales = per_channel ? N : 1;
  for (index_t j = 0; j < nscales; ++j)
    IK_REQUIRE(finite_positive(scales[j]), where, "scales[", j, "] = ", scales[j], " must be > 0 and finite");
  const int threads = resolve_threads(where, options);
  const S8Kernel* kern = options.kernel ? options.kernel : &gemm_s8_selected_kernel();
  require_runnable(where, "options.kernel", *kern);

  PackedWeightS8 p;
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

PackedWeightS8 gemm_s8_pack_weights_f32(Trans transw, index_t K, index_t N, const float* W, index_t ldw,
                                        bool per_channel, const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_pack_weights_f32";
  IK_REQUIRE(K >= 1 && K <= kS8MaxK, where, "K = ", K, " must be in 1..", kS8MaxK);
  IK_REQUIRE(N >= 1, where, "N = ", N, " must be >= 1");
  const bool tw = transw == Trans::yes;
  const index_t rows = tw ? N : K, cols = tw ? K : N;
  IK_REQUIRE(ldw >= cols, where, "ldw = ", ldw, " < ", cols, " (the stored row length of W)");
  IK_REQUIRE(W != nullptr, where, "W is null");
  std::vector<std::int8_t> q(static_cast<std::size_t>((rows - 1) * ldw + cols));
  std::vector<float> scales(static_cast<std::size_t>(per_channel ? N : 1));
  quantize_weights_s8(W, rows, cols, ldw, tw ? 0 : 1, per_channel, q.data(), scales.data());
  return gemm_s8_pack_weights(transw, K, N, q.data(), ldw, scales.data(), per_channel, options);
}

RequantU8 gemm_s8_make_requant(const PackedWeightS8& W, float a_scale, QuantParams c) {
  constexpr const char* where = "ik::cpu::gemm_s8_make_requant";
  IK_REQUIRE(!W.empty(), where, "W is an empty PackedWeightS8");
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
                 const PackedWeightS8& W, const std::int32_t* bias, std::int32_t* C, index_t ldc,
                 const S8Options& options) {
  const int threads = check_run("ik::cpu::gemm_s8_s32", M, N, K, A, lda, a_zero_point, W, bias, C, ldc,
                                sizeof(std::int32_t), options);
  const S8Epilogue ep{S8Output::s32, column_offsets(W, a_zero_point, bias), nullptr, nullptr, nullptr, 0};
  run(W, M, A, lda, ep, C, sizeof(std::int32_t), ldc, threads);
}

void gemm_s8_u8(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, QuantParams a,
                const PackedWeightS8& W, const std::int32_t* bias, const RequantU8& requant, std::uint8_t* C,
                index_t ldc, const S8Options& options) {
  constexpr const char* where = "ik::cpu::gemm_s8_u8";
  const int threads = check_run(where, M, N, K, A, lda, a.zero_point, W, bias, C, ldc, 1, options);
  IK_REQUIRE(!requant.empty(), where, "requant is empty (not produced by gemm_s8_make_requant)");
  IK_REQUIRE(requant.weight_id() == W.id(), where, "requant was made for another PackedWeightS8");
  IK_REQUIRE(a.scale == requant.a_scale(), where, "a.scale = ", a.scale, " but requant was made for a_scale = ",
             requant.a_scale());
  const S8Epilogue ep{S8Output::u8, column_offsets(W, a.zero_point, bias), requant.mult(), requant.shift(),
                      nullptr, requant.output().zero_point};
  run(W, M, A, lda, ep, C, 1, ldc, threads);
}

void gemm_s8_f32(index_t M, index_t N, index_t K, const std::uint8_t* A, index_t lda, QuantParams a,
                 const PackedWeightS8& W, const std::int32_t* bias, float* C, index_t ldc,
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

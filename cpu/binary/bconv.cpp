// binary_conv2d_nhwc: XNOR-Net binary convolution (Rastegari et al., ECCV 2016, §3.2, eq. 11)
//
//   I * W  ~=  (sign(I) (*) sign(W)) . K . alpha
//   out[b][y][x][o] = float(D) * alpha[o] * Kmap[b][y][x]     (definition: reference/binary.h)
//
// NHWC activations, bit-packed along channels (any C: ceil(C/64) words per pixel, padding bits
// zero), kh x kw filters, stride 1 or 2, padding 0 or 1. Steps:
//   1. pack the input pixels (and A = mean_c |I| per pixel in the same pass);
//   2. Kmap = A convolved with the 1/(kh kw) box filter, same stride and padding (zeros outside);
//   3. bit im2col: one row per output pixel, the taps' words side by side
//        row p: [ tap (0,0): ceil(C/64) words | tap (0,1) | ... | tap (kh-1,kw-1) ]
//      (1x1 / stride 1 / pad 0 skips it: the packed input is already that matrix);
//   4. the XNOR GEMM with K = kh*kw*C bits against the filters packed the same way, fused
//      epilogue float(.) * alpha[o] * Kmap[p].
//
// Exact zero padding (as larq compute-engine's bconv2d "zero padding correction"): a padded tap
// enters the im2col row as all-zero words, i.e. as C values of -1, where the float conv of the
// ±1 tensors has 0. Its GEMM contribution is C - 2 popcount(W_tap); the GEMM epilogue adds the
// per-row int32 correction sum over padded taps of (2 popcount(W_tap) - C), so D is exactly
// the zero-padded dot product. A border row's padded-tap set is one of a handful of patterns
// (clipped ky range x clipped kx range); each pattern's correction row (cout ints) is built
// once per call, interior rows point at a row of zeros.
//
// Test: make test ARGS='-tc=binary:*conv*'   Bench: make bench FILTER='binary/bconv'
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "cpu/binary/binary_internal.h"

namespace ik::cpu {

BinaryConvPackedWeights binary_conv_pack_weights(index_t cout, index_t kh, index_t kw, index_t cin,
                                           const float* Wt, const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::binary_conv_pack_weights";
  IK_REQUIRE(cout >= 1, where, "cout = ", cout, " must be >= 1");
  IK_REQUIRE(cin >= 1, where, "cin = ", cin, " must be >= 1");
  IK_REQUIRE(kh == 1 || kh == 3, where, "kh = ", kh, " (supported: 1, 3)");
  IK_REQUIRE(kw == 1 || kw == 3, where, "kw = ", kw, " (supported: 1, 3)");
  IK_REQUIRE(Wt != nullptr, where, "Wt is null");
  const BitpackKernel& pk = detail::resolve_bitpack(where, opt);
  const index_t taps = kh * kw, cw = bitpack_words(cin), words = taps * cw;
  std::vector<std::uint64_t> bits(static_cast<std::size_t>(cout * words));
  std::vector<float> tap_abs(static_cast<std::size_t>(cout * taps));
  detail::bitpack_run(pk, cout * taps, cin, Wt, cin, bits.data(), cw, tap_abs.data(),
                      ik::resolve_threads(where, opt.threads));
  BinaryConvPackedWeights w;
  w.cout = cout;
  w.kh = kh;
  w.kw = kw;
  w.cin = cin;
  std::vector<float> alpha(static_cast<std::size_t>(cout));
  w.tap_fix.assign(static_cast<std::size_t>(taps * cout), 0);
  for (index_t o = 0; o < cout; ++o) {
    double s = 0;
    for (index_t t = 0; t < taps; ++t) {
      s += tap_abs[static_cast<std::size_t>(o * taps + t)];
      int pop = 0;
      for (index_t q = 0; q < cw; ++q) pop += __builtin_popcountll(bits[static_cast<std::size_t>(o * words + t * cw + q)]);
      w.tap_fix[static_cast<std::size_t>(t * cout + o)] = static_cast<std::int32_t>(2 * pop - cin);
    }
    alpha[static_cast<std::size_t>(o)] = static_cast<float>(s / double(taps * cin));
  }
  w.w = binary_pack_bits(cout, taps * cin, words, bits.data(), words, alpha.data());
  return w;
}

void binary_conv2d_nhwc(index_t batch, index_t H, index_t W, const float* I,
                        const BinaryConvPackedWeights& w, index_t stride, index_t pad, float* out,
                        const BinaryOptions& opt) {
  constexpr const char* where = "ik::cpu::binary_conv2d_nhwc";
  IK_REQUIRE(!w.w.empty(), where, "w is empty (not produced by binary_conv_pack_weights)");
  IK_REQUIRE(batch >= 1, where, "batch = ", batch, " must be >= 1");
  IK_REQUIRE(H >= 1 && W >= 1, where, "H = ", H, ", W = ", W, " must be >= 1");
  IK_REQUIRE(stride == 1 || stride == 2, where, "stride = ", stride, " (supported: 1, 2)");
  IK_REQUIRE(pad == 0 || pad == 1, where, "pad = ", pad, " (supported: 0, 1)");
  IK_REQUIRE(H + 2 * pad >= w.kh && W + 2 * pad >= w.kw, where, "the ", w.kh, "x", w.kw, " filter does not fit H = ", H,
             ", W = ", W, " with pad = ", pad);
  IK_REQUIRE(I != nullptr, where, "I is null");
  IK_REQUIRE(out != nullptr, where, "out is null");
  const BitpackKernel& pk = detail::resolve_bitpack(where, opt);
  const XnorKernel& xk = detail::resolve_xnor(where, opt);
  const int threads = ik::resolve_threads(where, opt.threads);

  const index_t C = w.cin, cout = w.cout, kh = w.kh, kw = w.kw, taps = kh * kw, cw = bitpack_words(C);
  const index_t Ho = conv_out_size(H, kh, stride, pad), Wo = conv_out_size(W, kw, stride, pad);
  const index_t P = batch * H * W, Mo = batch * Ho * Wo, words = taps * cw;

  // Workspace reused across calls.
  thread_local AlignedBuffer<std::uint64_t> ibits, patches;
  thread_local AlignedBuffer<float> amap, kmap;
  ibits.ensure(static_cast<std::size_t>(P * cw));
  amap.ensure(static_cast<std::size_t>(P));
  kmap.ensure(static_cast<std::size_t>(Mo));
  const bool direct = kh == 1 && kw == 1 && stride == 1 && pad == 0;
  if (!direct) patches.ensure(static_cast<std::size_t>(Mo * words));

  // 1. Pack pixels; amap = sum |I| over channels (divided below).
  detail::bitpack_run(pk, P, C, I, C, ibits.data(), cw, amap.data(), threads);

  // Valid tap ranges per output row / column: [lo, hi) of ky (kx). Border patterns are the
  // distinct (y range, x range) pairs.
  auto range = [&](index_t o, index_t in, index_t k) {
    const index_t i0 = o * stride - pad;
    return std::pair<index_t, index_t>{std::max<index_t>(0, -i0), std::min<index_t>(k, in - i0)};
  };
  std::vector<std::pair<index_t, index_t>> yr(static_cast<std::size_t>(Ho)), xr(static_cast<std::size_t>(Wo));
  for (index_t y = 0; y < Ho; ++y) yr[static_cast<std::size_t>(y)] = range(y, H, kh);
  for (index_t x = 0; x < Wo; ++x) xr[static_cast<std::size_t>(x)] = range(x, W, kw);

  // 2 + 3. Kmap and the bit im2col, parallel over output pixels.
  const float inv_c = 1.0f / static_cast<float>(C), inv_taps = 1.0f / static_cast<float>(taps);
  const std::uint64_t* ib = ibits.data();
  const float* am = amap.data();
  std::uint64_t* pt = direct ? nullptr : patches.data();
  float* km = kmap.data();
  const int nt = std::max(1, std::min<int>(threads, static_cast<int>(Mo * words / 4096 + 1)));
#pragma omp parallel for schedule(static) num_threads(nt)
  for (index_t p = 0; p < Mo; ++p) {
    const index_t b = p / (Ho * Wo), y = (p / Wo) % Ho, x = p % Wo;
    const auto [ky0, ky1] = yr[static_cast<std::size_t>(y)];
    const auto [kx0, kx1] = xr[static_cast<std::size_t>(x)];
    float s = 0.0f;
    for (index_t ky = ky0; ky < ky1; ++ky)
      for (index_t kx = kx0; kx < kx1; ++kx)
        s += am[(b * H + y * stride - pad + ky) * W + x * stride - pad + kx] * inv_c;
    km[p] = s * inv_taps;
    if (pt) {
      std::uint64_t* row = pt + p * words;
      for (index_t ky = 0; ky < kh; ++ky)
        for (index_t kx = 0; kx < kw; ++kx) {
          std::uint64_t* dst = row + (ky * kw + kx) * cw;
          if (ky >= ky0 && ky < ky1 && kx >= kx0 && kx < kx1)
            std::memcpy(dst, ib + ((b * H + y * stride - pad + ky) * W + x * stride - pad + kx) * cw,
                        static_cast<std::size_t>(cw) * sizeof(std::uint64_t));
          else
            std::memset(dst, 0, static_cast<std::size_t>(cw) * sizeof(std::uint64_t));
        }
    }
  }

  // Correction rows: one per distinct (y range, x range) with a padded tap.
  std::vector<std::vector<std::int32_t>> fixes;
  std::vector<std::pair<std::pair<index_t, index_t>, std::pair<index_t, index_t>>> keys;
  const std::vector<std::int32_t> zeros(static_cast<std::size_t>(cout), 0);
  std::vector<const std::int32_t*> row_off;
  bool any_pad = false;
  for (const auto& r : yr) any_pad |= r.first > 0 || r.second < kh;
  for (const auto& r : xr) any_pad |= r.first > 0 || r.second < kw;
  if (any_pad) {
    std::vector<const std::int32_t*> yx(static_cast<std::size_t>(Ho * Wo));
    fixes.reserve(static_cast<std::size_t>(Ho * Wo));  // pointers into it must stay valid
    for (index_t y = 0; y < Ho; ++y)
      for (index_t x = 0; x < Wo; ++x) {
        const auto ry = yr[static_cast<std::size_t>(y)], rx = xr[static_cast<std::size_t>(x)];
        if (ry.first == 0 && ry.second == kh && rx.first == 0 && rx.second == kw) {
          yx[static_cast<std::size_t>(y * Wo + x)] = zeros.data();
          continue;
        }
        std::size_t id = 0;
        while (id < keys.size() && !(keys[id].first == ry && keys[id].second == rx)) ++id;
        if (id == keys.size()) {
          keys.push_back({ry, rx});
          std::vector<std::int32_t> f(static_cast<std::size_t>(cout), 0);
          for (index_t ky = 0; ky < kh; ++ky)
            for (index_t kx = 0; kx < kw; ++kx) {
              if (ky >= ry.first && ky < ry.second && kx >= rx.first && kx < rx.second) continue;
              const std::int32_t* tf = w.tap_fix.data() + (ky * kw + kx) * cout;
              for (index_t o = 0; o < cout; ++o) f[static_cast<std::size_t>(o)] += tf[o];
            }
          fixes.push_back(std::move(f));
        }
        yx[static_cast<std::size_t>(y * Wo + x)] = fixes[id].data();
      }
    row_off.resize(static_cast<std::size_t>(Mo));
    for (index_t p = 0; p < Mo; ++p) row_off[static_cast<std::size_t>(p)] = yx[static_cast<std::size_t>(p % (Ho * Wo))];
  }

  // 4. The XNOR GEMM with the fused epilogue.
  detail::xnor_run(xk, Mo, direct ? ib : pt, direct ? cw : words, w.w, nullptr, out, cout, km,
                   any_pad ? row_off.data() : nullptr, threads);
}

}  // namespace ik::cpu

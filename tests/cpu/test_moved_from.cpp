// A moved-from prepared weight is the empty object: every run call on it throws ik::Error (or,
// for the sparse formats, whose empty object is a 0 x 0 matrix, does no work), and none reads
// through the null buffers the move left behind (AddressSanitizer in CI would catch that read).
//
// Test: make test ARGS='-tc=moved-from*'
#include <cstdint>
#include <utility>
#include <vector>

#include "cpu/binary/binary.h"
#include "cpu/gemm_bf16/gemm_bf16.h"
#include "cpu/gemm_f16/gemm_f16.h"
#include "cpu/gemm_f32/gemm_f32.h"
#include "cpu/gemm_s8/gemm_s8.h"
#include "cpu/sparse_24/sparse_24.h"
#include "cpu/sparse_csr/sparse_csr.h"
#include "tests/test_util.h"

using namespace ik;
using namespace ik::cpu;
using doctest::Contains;

TEST_CASE("moved-from prepared weights of every family are rejected, never read") {
  const std::vector<float> Bf(4 * 5, 1.0f), A(3 * 5, 1.0f);
  std::vector<float> C(3 * 4, 0.0f);

  SgemmPackedWeights s1 = sgemm_pack_b(WeightLayout::k_by_n, 5, 4, Bf.data(), 4);
  SgemmPackedWeights s2 = std::move(s1);
  CHECK(s1.empty());
  CHECK_THROWS_WITH_AS(sgemm_packed(3, 4, 5, 1.0f, A.data(), 5, s1, 0.0f, C.data(), 4), Contains("empty"), ik::Error);
  sgemm_packed(3, 4, 5, 1.0f, A.data(), 5, s2, 0.0f, C.data(), 4);
  CHECK(C[0] == 5.0f);

  HgemmPackedWeights h1 = hgemm_pack_b(WeightLayout::k_by_n, 5, 4, Bf.data(), 4), h2 = std::move(h1);
  CHECK(h1.empty());
  CHECK_THROWS_WITH_AS(hgemm_packed(3, 4, 5, 1.0f, A.data(), 5, h1, 0.0f, C.data(), 4), Contains("empty"), ik::Error);
  Bf16gemmPackedWeights b1 = bf16gemm_pack_b(WeightLayout::k_by_n, 5, 4, Bf.data(), 4), b2 = std::move(b1);
  CHECK(b1.empty());
  CHECK_THROWS_WITH_AS(bf16gemm_packed(3, 4, 5, 1.0f, A.data(), 5, b1, 0.0f, C.data(), 4), Contains("empty"),
                       ik::Error);

  const std::vector<std::int8_t> W8(5 * 4, 1);
  const std::vector<std::uint8_t> A8(3 * 5, 2);
  const float scale = 1.0f;
  GemmS8PackedWeights w1 = gemm_s8_pack_weights(WeightLayout::k_by_n, 5, 4, W8.data(), 4, &scale, false);
  RequantU8 r1 = gemm_s8_make_requant(w1, 0.01f, QuantParams{1.0f, 0});
  GemmS8PackedWeights w2 = std::move(w1);
  RequantU8 r2 = std::move(r1);
  CHECK(w1.empty());
  CHECK(r1.empty());
  std::vector<std::int32_t> C32(3 * 4);
  std::vector<std::uint8_t> C8(3 * 4);
  CHECK_THROWS_WITH_AS(gemm_s8_s32(3, 4, 5, A8.data(), 5, 0, w1, nullptr, C32.data(), 4), Contains("empty"),
                       ik::Error);
  CHECK_THROWS_WITH_AS(gemm_s8_u8(3, 4, 5, A8.data(), 5, QuantParams{0.01f, 0}, w2, nullptr, r1, C8.data(), 4),
                       Contains("requant is empty"), ik::Error);
  gemm_s8_u8(3, 4, 5, A8.data(), 5, QuantParams{0.01f, 0}, w2, nullptr, r2, C8.data(), 4);

  const std::vector<float> Wb(4 * 70, -1.0f);
  BinaryPackedWeights x1 = binary_pack_weights(4, 70, Wb.data(), 70), x2 = std::move(x1);
  CHECK(x1.empty());
  const std::vector<std::uint64_t> bits(3 * 2, 0);
  CHECK_THROWS_WITH_AS(xnor_gemm_s32(3, 4, 70, bits.data(), 2, x1, C32.data(), 4), Contains("empty"), ik::Error);
  const std::vector<float> xv(70, 1.0f);
  std::vector<float> yv(4);
  CHECK_THROWS_WITH_AS(binary_gemv(4, 70, xv.data(), x1, yv.data()), Contains("empty"), ik::Error);
  binary_gemv(4, 70, xv.data(), x2, yv.data());
  CHECK(yv[0] == -70.0f);

  const std::vector<float> Wt(2 * 3 * 3 * 4, 1.0f), I(1 * 4 * 4 * 4, 1.0f);
  BinaryConvPackedWeights c1 = binary_conv_pack_weights(2, 3, 3, 4, Wt.data()), c2 = std::move(c1);
  std::vector<float> out(4 * 4 * 2);
  CHECK_THROWS_WITH_AS(binary_conv2d_nhwc(1, 4, 4, I.data(), c1, 1, 1, out.data()), Contains("empty"), ik::Error);
  binary_conv2d_nhwc(1, 4, 4, I.data(), c2, 1, 1, out.data());

  // The sparse formats: moved-from is the 0 x 0 matrix, on which the calls do no work.
  const std::vector<float> Wd = {1, 0, 2, 0, 0, 3, 0, 4, 5, 0, 0, 6};  // 3 x 4, 2:4 in every row
  CsrMatrix m1 = csr_from_dense(3, 4, Wd.data(), 4), m2 = std::move(m1);
  CHECK((m1.rows() == 0 && m1.cols() == 0 && m1.nnz() == 0));
  CHECK(m2.nnz() == 6);
  std::vector<float> X(4 * 2, 1.0f), Y(3 * 2, -7.0f);
  spmm_csr(m1, 2, X.data(), 2, Y.data(), 2);
  csr_to_dense(m1, Y.data(), 2);
  CHECK(Y[0] == -7.0f);
  Sparse24Matrix p1 = sp24_compress(3, 4, Wd.data(), 4), p2 = std::move(p1);
  CHECK(p1.empty());
  CHECK(!p2.empty());
  gemm_sp24(p1, 2, X.data(), 2, Y.data(), 2);
  sp24_decompress(p1, Y.data(), 2);
  CHECK(Y[0] == -7.0f);
}

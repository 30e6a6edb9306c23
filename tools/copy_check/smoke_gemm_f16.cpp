// make copy-check: cpu/gemm_f16 on its own. C[2x2] = A[2x3] B[3x2], B stored as fp16.
#include "cpu/gemm_f16/gemm_f16.h"
#include "tools/copy_check/smoke.h"

int main() {
  using namespace ik::cpu;
  const float A[6] = {1, 2, 3, 4, 5, 6};     // 2 x 3
  const float B[6] = {7, 8, 9, 10, 11, 12};  // 3 x 2 (K x N)
  const float want[4] = {58, 64, 139, 154};
  const HgemmPackedWeights pb = hgemm_pack_b(ik::WeightLayout::k_by_n, 3, 2, B, 2);
  float C[4] = {-1, -1, -1, -1};
  hgemm_packed(2, 2, 3, 1.0f, A, 3, pb, 0.0f, C, 2);
  smoke::expect_eq("gemm_f16", "hgemm_packed", C, want, 4);
  return smoke::finish("gemm_f16", pb.kernel().name);
}

// make copy-check: cpu/sparse_24 on its own. Y[2x2] = W[2x4] X[4x2] with W 2:4-compressed,
// and the GEMV.
#include "cpu/sparse_24/sparse_24.h"
#include "tools/copy_check/smoke.h"

int main() {
  using namespace ik::cpu;
  const float W[8] = {1, 0, 0, 2, 0, 3, 4, 0};     // 2 x 4, two nonzeros per group of 4
  const float X[8] = {1, 2, 3, 4, 5, 6, 7, 8};     // 4 x 2
  const float want[4] = {15, 18, 29, 36};
  const Sparse24Matrix s = sp24_compress(2, 4, W, 4);
  float Y[4] = {-1, -1, -1, -1};
  gemm_sp24(s, 2, X, 2, Y, 2);
  smoke::expect_eq("sparse_24", "gemm_sp24", Y, want, 4);
  const float x[4] = {1, 2, 3, 4}, want_y[2] = {9, 18};
  float y[2] = {-1, -1};
  gemv_sp24(s, x, y);
  smoke::expect_eq("sparse_24", "gemv_sp24", y, want_y, 2);
  return smoke::finish("sparse_24", sp24_selected_kernel().name);
}

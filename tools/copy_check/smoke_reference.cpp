// make copy-check: reference/ on its own (the oracle the tests use). C[2x2] = A[2x3] B[3x2].
#include "reference/gemm_f32.h"
#include "tools/copy_check/smoke.h"

int main() {
  const float A[6] = {1, 2, 3, 4, 5, 6};
  const float B[6] = {7, 8, 9, 10, 11, 12};
  const float want[4] = {58, 64, 139, 154};
  float C[4] = {-1, -1, -1, -1};
  ik::ref::sgemm(false, false, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
  smoke::expect_eq("reference", "ref::sgemm", C, want, 4);
  return smoke::finish("reference", "scalar");
}

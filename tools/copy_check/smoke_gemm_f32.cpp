// make copy-check: cpu/gemm_f32 on its own. C[2x2] = A[2x3] B[3x2] through sgemm, the
// pre-packed path and the cblas_sgemm shim.
#include "cpu/gemm_f32/gemm_f32.h"
#include "tools/copy_check/smoke.h"

extern "C" {
enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };
void cblas_sgemm(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, int M, int N, int K,
                 float alpha, const float* A, int lda, const float* B, int ldb, float beta, float* C,
                 int ldc);
}

int main() {
  using namespace ik::cpu;
  const float A[6] = {1, 2, 3, 4, 5, 6};     // 2 x 3
  const float B[6] = {7, 8, 9, 10, 11, 12};  // 3 x 2
  const float want[4] = {58, 64, 139, 154};
  float C[4] = {-1, -1, -1, -1};
  sgemm(Layout::row_major, Trans::no, Trans::no, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
  smoke::expect_eq("gemm_f32", "sgemm", C, want, 4);

  const SgemmPackedWeights pb = sgemm_pack_b(WeightLayout::k_by_n, 3, 2, B, 2);
  float Cp[4] = {-1, -1, -1, -1};
  sgemm_packed(2, 2, 3, 1.0f, A, 3, pb, 0.0f, Cp, 2);
  smoke::expect_eq("gemm_f32", "sgemm_packed", Cp, want, 4);

  float Cb[4] = {-1, -1, -1, -1};
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, Cb, 2);
  smoke::expect_eq("gemm_f32", "cblas_sgemm", Cb, want, 4);
  return smoke::finish("gemm_f32", sgemm_selected_kernel().name);
}

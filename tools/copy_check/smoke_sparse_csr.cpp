// make copy-check: cpu/sparse_csr on its own. Y[2x2] = W[2x3] X[3x2] with W in CSR (zeros
// dropped), and the SpMV.
#include "cpu/sparse_csr/sparse_csr.h"
#include "tools/copy_check/smoke.h"

int main() {
  using namespace ik::cpu;
  const float W[6] = {1, 0, 3, 0, 5, 6};     // 2 x 3, two zeros
  const float X[6] = {7, 8, 9, 10, 11, 12};  // 3 x 2
  const float want[4] = {40, 44, 111, 122};
  const CsrMatrix csr = csr_from_dense(2, 3, W, 3);
  float Y[4] = {-1, -1, -1, -1};
  spmm_csr(csr, 2, X, 2, Y, 2);
  smoke::expect_eq("sparse_csr", "spmm_csr", Y, want, 4);
  const float x[3] = {1, 2, 3}, want_y[2] = {10, 28};
  float y[2] = {-1, -1};
  spmv_csr(csr, x, y);
  smoke::expect_eq("sparse_csr", "spmv_csr", y, want_y, 2);
  return smoke::finish("sparse_csr", spmm_csr_selected_kernel().name);
}

// A cblas_sgemm-compatible shim over ik::cpu::sgemm, so an existing program that calls the
// CBLAS interface can link this library in place of a BLAS for sgemm:
//   g++ app.o build/libik_cblas.a build/libik.a -fopenmp
// It is a separate archive (libik_cblas.a): it must not be linked together with a real BLAS.
//
// The enum values are those of the CBLAS standard (netlib cblas.h), declared here so that no
// BLAS header is needed. On an illegal argument a BLAS calls xerbla, which prints and returns
// without touching C; this shim does the same with the ik::Error message, since an exception
// must not cross a C interface.
#include <cstdio>

#include "common/error.h"
#include "cpu/gemm_f32/gemm_f32.h"

extern "C" {

enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112, CblasConjTrans = 113 };

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE transa, enum CBLAS_TRANSPOSE transb,
                 int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                 float beta, float* C, int ldc) {
  using namespace ik::cpu;
  try {
    IK_REQUIRE(order == CblasRowMajor || order == CblasColMajor, "cblas_sgemm", "order = ",
               static_cast<int>(order), " is not CblasRowMajor or CblasColMajor");
    auto trans = [](CBLAS_TRANSPOSE t, const char* name) {
      IK_REQUIRE(t == CblasNoTrans || t == CblasTrans || t == CblasConjTrans, "cblas_sgemm", name,
                 " = ", static_cast<int>(t), " is not a CBLAS_TRANSPOSE");
      return t == CblasNoTrans ? Trans::no : Trans::yes;  // real data: ConjTrans == Trans
    };
    sgemm(order == CblasRowMajor ? Layout::row_major : Layout::col_major, trans(transa, "transa"),
          trans(transb, "transb"), M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  } catch (const ik::Error& e) {
    std::fprintf(stderr, "cblas_sgemm: illegal argument: %s\n", e.what());
  }
}

}  // extern "C"

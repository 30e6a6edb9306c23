// Tests of every GPU GEMM in gpu/gemm/ (via the registries in gemm_gpu.cuh) against the CPU
// references: reference/gemm_f32 (double accumulation) for float/half/bf16, an int64 loop here
// for int8. Without a CUDA device the device tests print "skipped: no CUDA device"; the
// argument-validation tests always run (validation happens before any CUDA call).
//
//   make gpu-test GPU_ARGS='-tc=*gpu gemm*'       IK_TEST_SEED=n to change the inputs
//
// Per variant: shape sweep around the block tile in each of M, N, K (1, 2, 3, tile-1, tile,
// tile+1, 2*tile+3, 97) plus odd combinations and a large shape; padded leading dimensions with
// NaN (float/half) or random bytes (int8) in the input padding, which must never be read; C
// poisoned (NaN / 0xAB bytes) so unwritten elements fail, and C's padding columns must survive.
// Exactness: int8 bit for bit (full range -128..127) including the dequant epilogue; fp16/bf16
// and fp32 exact on small-integer inputs; on random inputs |c - ref| <= 2 (K + 2) u sum|a b|
// (u = 2^-24; the factor 2 allows tensor-core accumulation that truncates instead of rounding).
#include <doctest/doctest.h>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/random.h"
#include "gpu/common/cuda_check.cuh"
#include "gpu/common/device_buffer.cuh"
#include "gpu/gemm/gemm_gpu.cuh"
#include "reference/gemm_f32.h"
#include "tests/gpu/gpu_test_util.cuh"
#include "tests/test_util.h"

namespace {

using ik::index_t;
using ik::gpu::DeviceBuffer;

index_t round_up(index_t x, index_t m) { return (x + m - 1) / m * m; }

template <typename T>
T to_type(float x);
template <>
float to_type<float>(float x) { return x; }
template <>
__half to_type<__half>(float x) { return __float2half_rn(x); }
template <>
__nv_bfloat16 to_type<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }
float to_float(float x) { return x; }
float to_float(__half x) { return __half2float(x); }
float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

struct Shape {
  index_t M, N, K;
};

// Each dimension swept around its tile with the other two fixed just past a tile boundary, then
// odd combinations and one large shape.
std::vector<Shape> shape_sweep(int tm, int tn, int tk, Shape large) {
  std::vector<Shape> s;
  const index_t m_fix = tm + 5, n_fix = tn + 3, k_fix = 2 * tk + 7;
  for (index_t m : ik::test::sizes_around(tm)) s.push_back({m, n_fix, k_fix});
  for (index_t n : ik::test::sizes_around(tn)) s.push_back({m_fix, n, k_fix});
  for (index_t k : ik::test::sizes_around(tk)) s.push_back({m_fix, n_fix, k});
  s.push_back({1, 1, 1});
  s.push_back({tm - 1, tn + 1, tk + 1});
  s.push_back({2 * tm + 3, 2 * tn + 3, 2 * tk + 3});
  s.push_back({97, 89, 101});
  s.push_back({2 * tm, 2 * tn, 5 * tk});  // every block interior (the kernels' no-bounds path)
  s.push_back(large);
  return s;
}

std::string describe(const char* variant, const Shape& s, std::uint64_t seed, const char* what) {
  std::ostringstream os;
  os << variant << " M=" << s.M << " N=" << s.N << " K=" << s.K << " " << what
     << " seed=" << seed;
  return os.str();
}

void sync_device() { IK_CUDA_CHECK(cudaDeviceSynchronize()); }

bool float_padding_is_poison(const std::vector<float>& C, index_t M, index_t N, index_t ldc,
                             const std::string& context) {
  const std::uint32_t poison = 0xFFFFFFFFu;
  for (index_t r = 0; r < M; ++r)
    for (index_t c = N; c < ldc; ++c)
      if (std::memcmp(&C[r * ldc + c], &poison, 4) != 0) {
        FAIL_CHECK(context << ": padding element (" << r << ", " << c << ") of C was written");
        return false;
      }
  return true;
}

enum class Fill { SmallInt, Uniform };

// One float-output GEMM case for In = float, __half or __nv_bfloat16.
template <typename In>
void run_float_case(const ik::gpu::GemmVariant<In, float>& v, const Shape& s, Fill fill,
                    std::uint64_t seed) {
  const index_t M = s.M, N = s.N, K = s.K;
  // Vector-load variants need ld a multiple of 16 bytes; others get an odd padding.
  const index_t align = v.needs_vec16 ? static_cast<index_t>(16 / sizeof(In)) : 1;
  const index_t pad = v.needs_vec16 ? align : 3;
  const index_t lda = round_up(K, align) + pad, ldb = round_up(N, align) + pad, ldc = N + 3;
  const std::string ctx =
      describe(v.name, s, seed, fill == Fill::SmallInt ? "small-int (exact)" : "uniform");

  ik::Rng rng(seed);
  const In nan_in = to_type<In>(std::numeric_limits<float>::quiet_NaN());
  std::vector<In> A(M * lda, nan_in), B(K * ldb, nan_in);  // padding stays NaN: never read
  std::vector<float> Af(M * lda, 0.0f), Bf(K * ldb, 0.0f);
  auto gen = [&] {
    return fill == Fill::SmallInt ? static_cast<float>(rng.uniform_int(-4, 4))
                                  : rng.uniform(-1.0f, 1.0f);
  };
  for (index_t r = 0; r < M; ++r)
    for (index_t c = 0; c < K; ++c) {
      A[r * lda + c] = to_type<In>(gen());
      Af[r * lda + c] = to_float(A[r * lda + c]);
    }
  for (index_t r = 0; r < K; ++r)
    for (index_t c = 0; c < N; ++c) {
      B[r * ldb + c] = to_type<In>(gen());
      Bf[r * ldb + c] = to_float(B[r * ldb + c]);
    }
  std::vector<float> ref(M * N);
  std::vector<double> abs_sum(M * N);
  ik::ref::sgemm(false, false, M, N, K, 1.0f, Af.data(), lda, Bf.data(), ldb, 0.0f, ref.data(), N,
                 abs_sum.data(), N);

  DeviceBuffer<In> dA(A.size()), dB(B.size());
  DeviceBuffer<float> dC(M * ldc);
  dA.upload(A.data(), A.size());
  dB.upload(B.data(), B.size());
  dC.fill_bytes(0xFF);  // NaN everywhere: every element of the M x N window must be written
  v.fn(M, N, K, dA.data(), lda, dB.data(), ldb, dC.data(), ldc, nullptr);
  sync_device();
  std::vector<float> C(M * ldc);
  dC.download(C.data(), C.size());

  if (fill == Fill::SmallInt) {
    ik::test::check_close(ctx, C.data(), ldc, ref.data(), N, nullptr, 0, M, N, {0.0, 0.0});
  } else {
    const double u = std::ldexp(1.0, -24);
    ik::test::Tolerance tol{std::is_same_v<In, float> ? ik::test::fp32_dot_tolerance(K).rel
                                                      : 2.0 * static_cast<double>(K + 2) * u,
                            1e-30};
    ik::test::check_close(ctx, C.data(), ldc, ref.data(), N, abs_sum.data(), N, M, N, tol);
  }
  float_padding_is_poison(C, M, N, ldc, ctx);
}

template <typename In, std::size_t NV>
void sweep_float_variants(const ik::gpu::GemmVariant<In, float> (&variants)[NV], Fill fill,
                          std::uint64_t salt, Shape large) {
  if (ik::test::skip_without_device(80)) return;
  for (const auto& v : variants) {
    INFO("variant " << v.name);
    std::uint64_t i = 0;
    for (const Shape& s : shape_sweep(v.tile_m, v.tile_n, v.tile_k, large))
      run_float_case(v, s, fill, ik::test::test_seed(salt + 1000 * i++));
  }
}

}  // namespace

TEST_CASE("gpu device query") {
  if (!ik::gpu::has_cuda_device()) {
    CHECK(ik::gpu::device_count() == 0);
    ik::test::check_throws_error("device_info without a device", "no CUDA device",
                                 [] { (void)ik::gpu::device_info(); });
    std::printf("skipped: no CUDA device\n");
    return;
  }
  const ik::gpu::DeviceInfo d = ik::gpu::device_info();
  std::printf("CUDA device %d: %s\n", d.index, ik::gpu::device_string(d).c_str());
  CHECK(d.sm >= 10);
  CHECK(d.sm_count > 0);
  CHECK(!d.name.empty());
}

TEST_CASE("gpu gemm: fp32 simt, small integers (exact)") {
  sweep_float_variants(ik::gpu::kSgemmVariants, Fill::SmallInt, 101, {256, 192, 320});
}
TEST_CASE("gpu gemm: fp32 simt, uniform inputs within the fp32 dot-product bound") {
  sweep_float_variants(ik::gpu::kSgemmVariants, Fill::Uniform, 102, {512, 384, 1024});
}
TEST_CASE("gpu gemm: fp16 variants, small integers (exact)") {
  sweep_float_variants(ik::gpu::kHgemmVariants, Fill::SmallInt, 201, {256, 384, 512});
}
TEST_CASE("gpu gemm: fp16 variants, uniform inputs within the K-derived bound") {
  sweep_float_variants(ik::gpu::kHgemmVariants, Fill::Uniform, 202, {512, 384, 1024});
}
TEST_CASE("gpu gemm: bf16 variants, small integers (exact)") {
  sweep_float_variants(ik::gpu::kBgemmVariants, Fill::SmallInt, 301, {256, 384, 512});
}
TEST_CASE("gpu gemm: bf16 variants, uniform inputs within the K-derived bound") {
  sweep_float_variants(ik::gpu::kBgemmVariants, Fill::Uniform, 302, {512, 384, 1024});
}

namespace {

struct Int8Case {
  index_t M, N, K, lda, ldbt, ldc;
  std::vector<std::int8_t> A, Bt;  // Bt = B^T, N x K
  std::vector<std::int32_t> ref;   // M x N, exact
};

// A, B in [lo, hi]; padding bytes random (must never be read); exact int64 reference, then
// int32 (no overflow for the sizes used: K * 2^14 < 2^31).
Int8Case make_int8_case(const Shape& s, std::uint64_t seed, int lo = -128, int hi = 127) {
  Int8Case c;
  c.M = s.M;
  c.N = s.N;
  c.K = s.K;
  c.lda = round_up(s.K, 16) + 16;
  c.ldbt = round_up(s.K, 16) + 32;
  c.ldc = s.N + 3;
  ik::Rng rng(seed);
  auto rnd = [&](int a, int b) { return static_cast<std::int8_t>(rng.uniform_int(a, b)); };
  c.A.resize(c.M * c.lda);
  c.Bt.resize(c.N * c.ldbt);
  for (auto& x : c.A) x = rnd(-128, 127);
  for (auto& x : c.Bt) x = rnd(-128, 127);
  for (index_t r = 0; r < c.M; ++r)
    for (index_t k = 0; k < c.K; ++k) c.A[r * c.lda + k] = rnd(lo, hi);
  for (index_t n = 0; n < c.N; ++n)
    for (index_t k = 0; k < c.K; ++k) c.Bt[n * c.ldbt + k] = rnd(lo, hi);
  c.ref.resize(c.M * c.N);
  for (index_t m = 0; m < c.M; ++m)
    for (index_t n = 0; n < c.N; ++n) {
      std::int64_t acc = 0;
      for (index_t k = 0; k < c.K; ++k)
        acc += static_cast<std::int64_t>(c.A[m * c.lda + k]) * c.Bt[n * c.ldbt + k];
      c.ref[m * c.N + n] = static_cast<std::int32_t>(acc);
    }
  return c;
}

void run_int8_case(const ik::gpu::GemmVariant<std::int8_t, std::int32_t>& v, const Shape& s,
                   std::uint64_t seed, int lo = -128, int hi = 127) {
  const std::string ctx = describe(v.name, s, seed, "int8 (bit-exact)");
  Int8Case c = make_int8_case(s, seed, lo, hi);
  DeviceBuffer<std::int8_t> dA(c.A.size()), dBt(c.Bt.size());
  DeviceBuffer<std::int32_t> dC(c.M * c.ldc);
  dA.upload(c.A.data(), c.A.size());
  dBt.upload(c.Bt.data(), c.Bt.size());
  dC.fill_bytes(ik::test::kBytePoison);
  v.fn(c.M, c.N, c.K, dA.data(), c.lda, dBt.data(), c.ldbt, dC.data(), c.ldc, nullptr);
  sync_device();
  std::vector<std::int32_t> C(c.M * c.ldc);
  dC.download(C.data(), C.size());
  ik::test::check_equal(ctx, C.data(), c.ldc, c.ref.data(), c.N, c.M, c.N);
  std::int32_t poison;
  std::memset(&poison, ik::test::kBytePoison, sizeof poison);
  for (index_t r = 0; r < c.M; ++r)
    for (index_t j = c.N; j < c.ldc; ++j)
      if (C[r * c.ldc + j] != poison) {
        FAIL_CHECK(ctx << ": padding element (" << r << ", " << j << ") of C was written");
        return;
      }
}

}  // namespace

TEST_CASE("gpu gemm: int8 s8s8s32 bit-exact against the integer reference") {
  if (ik::test::skip_without_device(80)) return;
  for (const auto& v : ik::gpu::kIgemmVariants) {
    std::uint64_t i = 0;
    for (const Shape& s : shape_sweep(v.tile_m, v.tile_n, v.tile_k, {512, 384, 1024}))
      run_int8_case(v, s, ik::test::test_seed(401 + 1000 * i++));
    // Extremes: every product is (-128)(-128) = 2^14 or -128 * 127; sums far beyond 16 bits.
    run_int8_case(v, {130, 136, 4099}, ik::test::test_seed(402), -128, -128);
    run_int8_case(v, {67, 129, 2053}, ik::test::test_seed(403), -128, 127);
  }
}

TEST_CASE("gpu gemm: int8 dequant epilogue is bit-exact") {
  if (ik::test::skip_without_device(80)) return;
  std::uint64_t i = 0;
  for (const Shape& s : {Shape{1, 1, 1}, Shape{127, 129, 63}, Shape{129, 255, 131},
                         Shape{300, 97, 1000}}) {
    const std::uint64_t seed = ik::test::test_seed(501 + 1000 * i++);
    const std::string ctx = describe("igemm_s8_mma_dequant", s, seed, "dequant (bit-exact)");
    Int8Case c = make_int8_case(s, seed);
    ik::Rng rng(seed ^ 0x5ca1e);
    const float scale_a = rng.uniform(1e-3f, 1e-1f);
    std::vector<float> scale_b(c.N);
    for (auto& x : scale_b) x = rng.uniform(1e-4f, 2e-2f);
    std::vector<float> want(c.M * c.N);
    for (index_t m = 0; m < c.M; ++m)
      for (index_t n = 0; n < c.N; ++n) {
        const float sc = scale_a * scale_b[n];  // the documented order, fp32 round-to-nearest
        want[m * c.N + n] = sc * static_cast<float>(c.ref[m * c.N + n]);
      }
    DeviceBuffer<std::int8_t> dA(c.A.size()), dBt(c.Bt.size());
    DeviceBuffer<float> dS(c.N), dC(c.M * c.ldc);
    dA.upload(c.A.data(), c.A.size());
    dBt.upload(c.Bt.data(), c.Bt.size());
    dS.upload(scale_b.data(), scale_b.size());
    dC.fill_bytes(0xFF);
    ik::gpu::igemm_s8_mma_dequant(c.M, c.N, c.K, dA.data(), c.lda, dBt.data(), c.ldbt, scale_a,
                                  dS.data(), dC.data(), c.ldc);
    sync_device();
    std::vector<float> C(c.M * c.ldc);
    dC.download(C.data(), C.size());
    ik::test::check_equal(ctx, C.data(), c.ldc, want.data(), c.N, c.M, c.N);
    float_padding_is_poison(C, c.M, c.N, c.ldc, ctx);
  }
}

TEST_CASE("gpu gemm: int8 transpose_s8 prepares B^T exactly") {
  if (ik::test::skip_without_device(80)) return;
  for (const Shape& s : {Shape{0, 1, 1}, Shape{0, 33, 31}, Shape{0, 64, 64}, Shape{0, 97, 250}}) {
    const index_t K = s.K, N = s.N, ldb = N + 5, ldbt = K + 7;
    ik::Rng rng(ik::test::test_seed(601 + K));
    std::vector<std::int8_t> B(K * ldb);
    for (auto& x : B) x = static_cast<std::int8_t>(rng.uniform_int(-128, 127));
    std::vector<std::int8_t> want(N * K);
    for (index_t k = 0; k < K; ++k)
      for (index_t n = 0; n < N; ++n) want[n * K + k] = B[k * ldb + n];
    DeviceBuffer<std::int8_t> dB(B.size()), dBt(N * ldbt);
    dB.upload(B.data(), B.size());
    dBt.fill_bytes(ik::test::kBytePoison);
    ik::gpu::transpose_s8(K, N, dB.data(), ldb, dBt.data(), ldbt);
    sync_device();
    std::vector<std::int8_t> Bt(N * ldbt);
    dBt.download(Bt.data(), Bt.size());
    std::ostringstream ctx;
    ctx << "transpose_s8 K=" << K << " N=" << N;
    ik::test::check_equal(ctx.str(), Bt.data(), ldbt, want.data(), K, N, K);
  }
}

// ---- argument validation: runs with or without a GPU (no CUDA call happens before it) -------
TEST_CASE("gpu gemm: bad arguments throw ik::Error before any CUDA call") {
  using ik::test::check_throws_error;
  // Fake device addresses: validation must reject the call before anything dereferences them.
  const auto addr = [](std::uintptr_t a) { return reinterpret_cast<void*>(a); };
  const float* fA = static_cast<const float*>(addr(1 << 12));
  const float* fB = static_cast<const float*>(addr(2 << 12));
  float* fC = static_cast<float*>(addr(3 << 12));
  const __half* hA = static_cast<const __half*>(addr(1 << 12));
  const __half* hB = static_cast<const __half*>(addr(2 << 12));
  const __half* hA_mis = static_cast<const __half*>(addr((1 << 12) + 8));
  const __nv_bfloat16* bA = static_cast<const __nv_bfloat16*>(addr(1 << 12));
  const __nv_bfloat16* bB_mis = static_cast<const __nv_bfloat16*>(addr((2 << 12) + 2));
  const std::int8_t* iA = static_cast<const std::int8_t*>(addr(1 << 12));
  const std::int8_t* iB = static_cast<const std::int8_t*>(addr(2 << 12));
  std::int8_t* iBt = static_cast<std::int8_t*>(addr(2 << 12));
  std::int32_t* iC = static_cast<std::int32_t*>(addr(3 << 12));
  const float* scale = static_cast<const float*>(addr(4 << 12));

  // Shared checks, through every float-output entry point.
  check_throws_error("sgemm M=0", "M = 0", [&] { ik::gpu::sgemm_simt(0, 4, 4, fA, 4, fB, 4, fC, 4); });
  check_throws_error("sgemm N=-1", "N = -1", [&] { ik::gpu::sgemm_simt(4, -1, 4, fA, 4, fB, 4, fC, 4); });
  check_throws_error("sgemm K=0", "K = 0", [&] { ik::gpu::sgemm_simt(4, 4, 0, fA, 4, fB, 4, fC, 4); });
  check_throws_error("sgemm K=2^31", "K = 2147483648",
                     [&] { ik::gpu::sgemm_simt(4, 4, index_t{1} << 31, fA, index_t{1} << 31, fB, 4, fC, 4); });
  check_throws_error("sgemm lda<K", "lda = 3", [&] { ik::gpu::sgemm_simt(4, 4, 5, fA, 3, fB, 4, fC, 4); });
  check_throws_error("sgemm ldb<N", "ldb = 2", [&] { ik::gpu::sgemm_simt(4, 4, 4, fA, 4, fB, 2, fC, 4); });
  check_throws_error("sgemm ldc<N", "ldc = 1", [&] { ik::gpu::sgemm_simt(4, 4, 4, fA, 4, fB, 4, fC, 1); });
  check_throws_error("sgemm A null", "A is null", [&] { ik::gpu::sgemm_simt(4, 4, 4, nullptr, 4, fB, 4, fC, 4); });
  check_throws_error("sgemm B null", "B is null", [&] { ik::gpu::sgemm_simt(4, 4, 4, fA, 4, nullptr, 4, fC, 4); });
  check_throws_error("sgemm C null", "C is null", [&] { ik::gpu::sgemm_simt(4, 4, 4, fA, 4, fB, 4, nullptr, 4); });
  check_throws_error("wmma lda<K", "ik::gpu::hgemm_wmma: lda = 7 < K = 8",
                     [&] { ik::gpu::hgemm_wmma(4, 4, 8, hA, 7, hB, 4, fC, 4); });
  check_throws_error("wmma C null", "C is null", [&] { ik::gpu::hgemm_wmma(4, 4, 4, hA, 4, hB, 4, nullptr, 4); });
  // The WMMA kernel has no alignment precondition: an odd lda must not be rejected for it.
  // (Not called here: with a device present it would launch on fake pointers.)

  // Vector-load preconditions of the mma kernels.
  check_throws_error("hgemm_mma M=0", "ik::gpu::hgemm_mma: M = 0",
                     [&] { ik::gpu::hgemm_mma(0, 8, 8, hA, 8, hB, 8, fC, 8); });
  check_throws_error("hgemm_mma A misaligned", "is not 16-byte aligned",
                     [&] { ik::gpu::hgemm_mma(8, 8, 8, hA_mis, 8, hB, 8, fC, 8); });
  check_throws_error("hgemm_mma lda%8", "lda = 12 is not a multiple of 8 elements",
                     [&] { ik::gpu::hgemm_mma(8, 8, 8, hA, 12, hB, 8, fC, 8); });
  check_throws_error("hgemm_mma ldb%8", "ldb = 9 is not a multiple of 8 elements",
                     [&] { ik::gpu::hgemm_mma(8, 8, 8, hA, 8, hB, 9, fC, 8); });
  check_throws_error("bgemm_mma B misaligned", "B = ",
                     [&] { ik::gpu::bgemm_mma(8, 8, 8, bA, 8, bB_mis, 8, fC, 8); });
  check_throws_error("bgemm_mma ldc<N", "ldc = 7 < N = 8",
                     [&] { ik::gpu::bgemm_mma(8, 8, 8, bA, 8, bA, 8, fC, 7); });

  // int8: B^T layout (ldbt >= K), 16-byte rows.
  check_throws_error("igemm ldbt<K", "ldbt = 16 < K = 32",
                     [&] { ik::gpu::igemm_s8_mma(8, 8, 32, iA, 32, iB, 16, iC, 8); });
  check_throws_error("igemm lda%16", "lda = 40 is not a multiple of 16 elements",
                     [&] { ik::gpu::igemm_s8_mma(8, 8, 32, iA, 40, iB, 32, iC, 8); });
  check_throws_error("igemm ldbt%16", "ldbt = 33 is not a multiple of 16",
                     [&] { ik::gpu::igemm_s8_mma(8, 8, 32, iA, 32, iB, 33, iC, 8); });
  check_throws_error("igemm Bt null", "Bt is null",
                     [&] { ik::gpu::igemm_s8_mma(8, 8, 32, iA, 32, nullptr, 32, iC, 8); });
  check_throws_error("igemm N=0", "N = 0", [&] { ik::gpu::igemm_s8_mma(8, 0, 32, iA, 32, iB, 32, iC, 8); });
  check_throws_error("dequant scale_b null", "scale_b is null",
                     [&] { ik::gpu::igemm_s8_mma_dequant(8, 8, 32, iA, 32, iB, 32, 1.0f, nullptr, fC, 8); });
  check_throws_error("dequant ldc<N", "ldc = 4 < N = 8",
                     [&] { ik::gpu::igemm_s8_mma_dequant(8, 8, 32, iA, 32, iB, 32, 1.0f, scale, fC, 4); });
  check_throws_error("transpose ldb<N", "ldb = 3 < N = 4",
                     [&] { ik::gpu::transpose_s8(8, 4, iB, 3, iBt, 8); });
  check_throws_error("transpose ldbt<K", "ldbt = 7 < K = 8",
                     [&] { ik::gpu::transpose_s8(8, 4, iB, 4, iBt, 7); });
  check_throws_error("transpose K=0", "K = 0", [&] { ik::gpu::transpose_s8(0, 4, iB, 4, iBt, 8); });
}

TEST_CASE("gpu gemm: registries are complete and consistently named") {
  // Every variant a test loops over: a new kernel is one registry line and cannot go untested.
  CHECK(std::size(ik::gpu::kSgemmVariants) == 1);
  CHECK(std::size(ik::gpu::kHgemmVariants) == 4);
  CHECK(std::size(ik::gpu::kBgemmVariants) == 2);
  CHECK(std::size(ik::gpu::kIgemmVariants) == 2);
  for (const auto& v : ik::gpu::kHgemmVariants) {
    CHECK(std::string(v.name).rfind("hgemm_", 0) == 0);
    CHECK(static_cast<bool>(v.fn));
    CHECK(v.tile_m > 0);
  }
  CHECK(std::string(ik::gpu::kBgemmVariants[0].name).rfind("bgemm_", 0) == 0);
  CHECK(std::string(ik::gpu::kIgemmVariants[0].name).rfind("igemm_s8s8s32_", 0) == 0);
}

// Shared test helpers: shape sweeps around tile boundaries, poisoned outputs, NaN-safe
// comparisons with a stated error bound, bit-exact comparisons. Every failure message carries
// the seed, the shape, the variant and the first bad index, so it reproduces from the log.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/aligned_buffer.h"
#include "common/cpu_features.h"
#include "common/dispatch.h"
#include "common/matrix.h"
#include "common/random.h"

namespace ik::test {

// The sizes that break tiled kernels: 1, 2, 3, tile-1, tile, tile+1, 2*tile+3, a prime, plus
// any extras (large sizes). Sorted, unique, all >= 1.
inline std::vector<index_t> sizes_around(int tile, std::initializer_list<index_t> extra = {}) {
  std::vector<index_t> s = {1, 2, 3, tile - 1, tile, tile + 1, 2 * tile + 3, 97};
  s.insert(s.end(), extra.begin(), extra.end());
  s.erase(std::remove_if(s.begin(), s.end(), [](index_t v) { return v < 1; }), s.end());
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

// A view of the elements of a TestMatrix (data(), size(), operator[]), the AlignedBuffer API
// the tests use, without the guards around it.
template <typename T>
struct ElementSpan {
  T* p = nullptr;
  std::size_t n = 0;
  T* data() const { return p; }
  std::size_t size() const { return n; }
  T& operator[](std::size_t i) const { return p[i]; }
};

// A matrix with a padded leading dimension (ld = cols + pad), the padding filled with a poison
// value that must survive the kernel untouched, and guard regions of kGuard elements before the
// first and after the last element (filled by fill / poison_bytes, like the padding). The
// destructor checks that the guards still hold what fill / poison_bytes put there, so a kernel
// that writes before or past any matrix of a test fails it, in the plain build as under ASan.
template <typename T>
struct TestMatrix {
  static constexpr std::size_t kGuard = 64;  // 64 elements: data() stays 64-byte aligned
  index_t rows, cols, ld;
  AlignedBuffer<T> storage;
  ElementSpan<T> buf;
  std::vector<unsigned char> guard_bytes;  // what the guards must hold (empty: not filled yet)
  TestMatrix(index_t r, index_t c, index_t pad = 0)
      : rows(r), cols(c), ld(c + pad),
        storage(static_cast<std::size_t>(std::max<index_t>(r * (c + pad), 1)) + 2 * kGuard) {
    buf = {storage.data() + kGuard, storage.size() - 2 * kGuard};
    std::memset(static_cast<void*>(storage.data()), 0x5C, storage.size() * sizeof(T));
    remember_guards();
  }
  TestMatrix(const TestMatrix&) = delete;
  TestMatrix& operator=(const TestMatrix&) = delete;
  TestMatrix(TestMatrix&&) noexcept = default;  // the storage moves; buf still points into it
  ~TestMatrix() {
    if (std::uncaught_exceptions() == 0) check_guards();
  }
  T* data() { return buf.data(); }
  const T* data() const { return buf.data(); }
  MatrixView<T> view() { return {buf.data(), rows, cols, ld}; }
  T& operator()(index_t r, index_t c) { return buf[r * ld + c]; }
  const T& operator()(index_t r, index_t c) const { return buf[r * ld + c]; }
  void fill(T v) {
    std::fill(storage.data(), storage.data() + storage.size(), v);
    remember_guards();
  }
  void fill_bytes(unsigned char byte) {
    std::memset(static_cast<void*>(storage.data()), byte, storage.size() * sizeof(T));
    remember_guards();
  }
  void remember_guards() {
    const auto* b = reinterpret_cast<const unsigned char*>(storage.data());
    const std::size_t g = kGuard * sizeof(T), all = storage.size() * sizeof(T);
    guard_bytes.resize(2 * g);
    std::memcpy(guard_bytes.data(), b, g);
    std::memcpy(guard_bytes.data() + g, b + all - g, g);
  }
  bool check_guards() const {
    if (storage.data() == nullptr) return true;  // moved from
    const auto* b = reinterpret_cast<const unsigned char*>(storage.data());
    const std::size_t g = kGuard * sizeof(T), all = storage.size() * sizeof(T);
    if (std::memcmp(b, guard_bytes.data(), g) != 0 || std::memcmp(b + all - g, guard_bytes.data() + g, g) != 0) {
      FAIL_CHECK("a " << rows << " x " << cols << " (ld " << ld << ") test matrix: a guard region before the "
                      << "first or after the last element was written");
      return false;
    }
    return true;
  }
};

inline float nan_poison() { return std::numeric_limits<float>::quiet_NaN(); }
constexpr std::uint8_t kBytePoison = 0xAB;

template <typename T>
void poison_bytes(TestMatrix<T>& m) {
  m.fill_bytes(kBytePoison);
}

// A tolerance check: |got - want| <= rel * bound + abs, where bound is the scale the rounding
// error is proportional to (for a dot product, sum |a_k b_k|). NaN anywhere fails.
struct Tolerance {
  double rel, abs;
};

// Rounding-error bound of an fp32 dot product of length K accumulated in any order
// (Higham, "Accuracy and Stability of Numerical Algorithms", 2nd ed., §3.1):
//   |fl(sum) - sum| <= gamma_K * sum |a_k b_k|,  gamma_K = K u / (1 - K u),  u = 2^-24.
// Blocked/FMA kernels are within it; we add 2 u for the alpha/beta scaling and the final store.
inline Tolerance fp32_dot_tolerance(index_t K) {
  const double u = std::ldexp(1.0, -24);
  const double ku = static_cast<double>(K) * u;
  return {ku / (1.0 - ku) + 2.0 * u, 1e-30};
}

// Compare got (rows x cols, ld_got) against want (double or float) with the per-element bound
// scale[i][j] (nullptr: |want|). Reports the first failure with context.
template <typename WantT>
bool check_close(const std::string& context, const float* got, index_t ld_got, const WantT* want,
                 index_t ld_want, const double* scale, index_t ld_scale, index_t rows, index_t cols,
                 Tolerance tol) {
  index_t bad = 0;
  double worst = 0;
  std::ostringstream first;
  bool all_zero = true;
  bool want_all_zero = true;
  for (index_t i = 0; i < rows; ++i) {
    for (index_t j = 0; j < cols; ++j) {
      double g = got[i * ld_got + j], w = static_cast<double>(want[i * ld_want + j]);
      double s = scale ? scale[i * ld_scale + j] : std::fabs(w);
      double err = std::fabs(g - w);
      double lim = tol.rel * s + tol.abs;
      if (g != 0) all_zero = false;
      if (w != 0) want_all_zero = false;
      // Written so that NaN in got or want fails: !(err <= lim) is true for NaN.
      if (!(err <= lim) || std::isnan(g) != std::isnan(w)) {
        if (bad == 0)
          first << "first bad element (" << i << ", " << j << "): got " << g << " want " << w
                << " |err| " << err << " > bound " << lim;
        ++bad;
      }
      if (err > worst && lim > 0) worst = err / lim;
    }
  }
  if (bad == 0 && all_zero && !want_all_zero) {
    first << "output is all zero";
    bad = 1;
  }
  if (bad) {
    FAIL_CHECK(context << ": " << bad << " of " << rows * cols << " elements out of bound; "
                       << first.str());
    return false;
  }
  CHECK(true);
  return true;
}

// Bit-exact comparison for integer and binary kernels.
template <typename T>
bool check_equal(const std::string& context, const T* got, index_t ld_got, const T* want,
                 index_t ld_want, index_t rows, index_t cols) {
  for (index_t i = 0; i < rows; ++i)
    for (index_t j = 0; j < cols; ++j)
      if (std::memcmp(&got[i * ld_got + j], &want[i * ld_want + j], sizeof(T)) != 0) {
        FAIL_CHECK(context << ": first mismatch at (" << i << ", " << j << "): got "
                           << +got[i * ld_got + j] << " want " << +want[i * ld_want + j]);
        return false;
      }
  CHECK(true);
  return true;
}

// Padding columns [cols, ld) of every row must still hold the poison (and the guards theirs).
template <typename T>
bool check_padding_untouched(const std::string& context, const TestMatrix<T>& m, T poison) {
  if (!m.check_guards()) return false;
  for (index_t i = 0; i < m.rows; ++i)
    for (index_t j = m.cols; j < m.ld; ++j)
      if (std::memcmp(&m(i, j), &poison, sizeof(T)) != 0) {
        FAIL_CHECK(context << ": padding element (" << i << ", " << j << ") was written");
        return false;
      }
  return true;
}

// "skipped: <reason>" when the CPU cannot run an ISA path; never a silent pass.
inline bool skip_unless_supported(Isa isa, const char* what) {
  if (isa_supported(isa)) return false;
  std::printf("skipped: %s needs %s, which this CPU/OS cannot run (%s)\n", what, isa_name(isa),
              cpu_features_string().c_str());
  return true;
}

// "skipped: <kernel> needs <features>" for a registry entry this CPU cannot run, once per entry
// (a sweep asks for every shape); never a silent pass.
inline bool skip_unrunnable(const KernelInfo& k) {
  if (kernel_runnable(k)) return false;
  static std::vector<std::string> told;
  if (std::find(told.begin(), told.end(), k.name) == told.end()) {
    told.push_back(k.name);
    std::printf("skipped: %s needs %s, which this CPU/OS cannot run (%s)\n", k.name, missing_features(k).c_str(),
                cpu_features_string().c_str());
  }
  return true;
}

// Seeds: fixed by default so CI is reproducible; IK_TEST_SEED=n to explore.
inline std::uint64_t test_seed(std::uint64_t salt) {
  const char* env = std::getenv("IK_TEST_SEED");
  std::uint64_t base = env ? std::strtoull(env, nullptr, 10) : 20261125ull;
  return base * 0x9E3779B97F4A7C15ull + salt;
}

}  // namespace ik::test

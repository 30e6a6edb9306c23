// Shared by the smoke programs of `make copy-check` (tools/copy_check.sh): each links one
// family, copied on its own into an empty folder, calls its public entry points once on a tiny
// problem and compares with values computed by hand. Exact comparisons: every input is a small
// integer, so every path (scalar, AVX2, AVX-512, fp16/bf16 storage, int8) gives exact sums.
#pragma once
#include <cstdio>
#include <cstdlib>

namespace smoke {
inline int failures = 0;

template <class T, class U>
void expect_eq(const char* family, const char* what, const T* got, const U* want, int n) {
  for (int i = 0; i < n; ++i)
    if (!(static_cast<double>(got[i]) == static_cast<double>(want[i]))) {
      std::fprintf(stderr, "smoke %s: %s: element %d is %g, want %g\n", family, what, i,
                   static_cast<double>(got[i]), static_cast<double>(want[i]));
      ++failures;
      return;
    }
}

inline int finish(const char* family, const char* detail) {
  if (failures) {
    std::fprintf(stderr, "smoke %s: FAILED (%d check(s))\n", family, failures);
    return 1;
  }
  std::printf("smoke %s: ok (%s)\n", family, detail);
  return 0;
}
}  // namespace smoke

// doctest runner. Prints what the CPU can run first, so a log says which paths were tested
// and which were skipped (and why).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "common/cpu_features.h"

int main(int argc, char** argv) {
  std::printf("%s\n", ik::cpu_features_string().c_str());
  doctest::Context context(argc, argv);
  return context.run();
}

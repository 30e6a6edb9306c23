// Helpers for the GPU tests: the device skip, error-message checks, fp16/bf16/int8 host data.
#pragma once
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "common/error.h"
#include "gpu/common/cuda_check.cuh"

namespace ik::test {

// Device tests start with `if (skip_without_device()) return;`: without a GPU they print
// "skipped: no CUDA device" (never a silent pass) and the host-side checks still run elsewhere.
inline bool skip_without_device(int min_sm = 0) {
  if (!ik::gpu::has_cuda_device()) {
    std::printf("skipped: no CUDA device\n");
    return true;
  }
  if (min_sm > 0) {
    const int sm = ik::gpu::device_info().sm;
    if (sm < min_sm) {
      std::printf("skipped: needs sm_%d, device is sm_%d\n", min_sm, sm);
      return true;
    }
  }
  return false;
}

// Run f and require that it throws ik::Error whose message contains `needle` (the argument name
// or value the validation must report). Reports what was thrown otherwise.
template <typename F>
void check_throws_error(const char* what, const std::string& needle, F&& f) {
  std::string msg;
  bool threw = false, other = false;
  try {
    f();
  } catch (const ik::Error& e) {
    threw = true;
    msg = e.what();
  } catch (const std::exception& e) {
    other = true;
    msg = e.what();
  }
  INFO(what << ": expected ik::Error containing \"" << needle << "\", got "
            << (threw ? "ik::Error" : other ? "another exception" : "no exception") << " \""
            << msg << "\"");
  CHECK(threw);
  CHECK(msg.find(needle) != std::string::npos);
}

}  // namespace ik::test

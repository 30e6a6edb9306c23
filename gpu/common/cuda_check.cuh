// CUDA error checking and device queries shared by every gpu/ family.
//
//   IK_CUDA_CHECK(expr)   evaluate a cudaError_t expression; on failure throw ik::Error
//                         "IK_CUDA_CHECK: <expr> failed at file:line: <cudaErrorName>: <string>"
//   IK_CUDA_CHECK_LAUNCH() check the last kernel launch (configuration errors surface here;
//                         faults inside the kernel surface at the next synchronizing call)
//   device_count()        number of usable CUDA devices; 0 when there is no driver, no device,
//                         or the driver is too old (never throws)
//   has_cuda_device()     device_count() > 0: what tests and benchmarks ask before touching CUDA
//   device_info(d)        name, compute capability (sm = 10 * major + minor), SM count, memory
//
// Public entry points validate their arguments before the first CUDA call, so bad input throws
// the same ik::Error with or without a GPU (the host-only tests rely on that).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "common/error.h"

namespace ik::gpu {
namespace detail {
[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* expr, const char* file,
                                          int line) {
  ::ik::detail::throw_error("IK_CUDA_CHECK", expr, " failed at ", file, ":", line, ": ",
                            cudaGetErrorName(err), ": ", cudaGetErrorString(err));
}
}  // namespace detail
}  // namespace ik::gpu

#define IK_CUDA_CHECK(expr)                                                               \
  do {                                                                                    \
    const cudaError_t ik_cuda_err_ = (expr);                                              \
    if (ik_cuda_err_ != cudaSuccess)                                                      \
      ::ik::gpu::detail::throw_cuda_error(ik_cuda_err_, #expr, __FILE__, __LINE__);       \
  } while (0)

#define IK_CUDA_CHECK_LAUNCH() IK_CUDA_CHECK(cudaGetLastError())

namespace ik::gpu {

// cudaGetDeviceCount reports "no device" / "insufficient driver" as an error; that is an answer
// here, not a failure. The error it leaves behind is not sticky; clear it so the next
// cudaGetLastError() does not report it.
inline int device_count() noexcept {
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();
      return 0;
    }
    return n;
  }();
  return count;
}

inline bool has_cuda_device() noexcept { return device_count() > 0; }

struct DeviceInfo {
  int index = -1;
  std::string name;
  int sm = 0;                    // 10 * major + minor: 80 = A100, 86 = RTX 30xx, 89 = L4, 90 = H100
  int sm_count = 0;              // streaming multiprocessors
  std::size_t global_mem = 0;    // bytes
  int smem_per_block_optin = 0;  // bytes of dynamic shared memory a kernel may opt in to
  int clock_khz = 0;             // peak SM clock (0 where the runtime no longer reports it)
};

// device < 0: the current device. Throws ik::Error without a device.
inline DeviceInfo device_info(int device = -1) {
  IK_REQUIRE(has_cuda_device(), "ik::gpu::device_info", "no CUDA device");
  if (device < 0) IK_CUDA_CHECK(cudaGetDevice(&device));
  IK_REQUIRE(device < device_count(), "ik::gpu::device_info", "device = ", device,
             " >= device count ", device_count());
  DeviceInfo info;
  info.index = device;
  cudaDeviceProp prop{};
  IK_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  info.name = prop.name;
  info.sm = 10 * prop.major + prop.minor;
  info.sm_count = prop.multiProcessorCount;
  info.global_mem = prop.totalGlobalMem;
  info.smem_per_block_optin = static_cast<int>(prop.sharedMemPerBlockOptin);
  int clk = 0;
  if (cudaDeviceGetAttribute(&clk, cudaDevAttrClockRate, device) == cudaSuccess)
    info.clock_khz = clk;
  else
    (void)cudaGetLastError();
  return info;
}

inline std::string device_string(const DeviceInfo& d) {
  return d.name + " (sm_" + std::to_string(d.sm) + ", " + std::to_string(d.sm_count) + " SMs)";
}

}  // namespace ik::gpu

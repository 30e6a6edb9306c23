// DeviceBuffer<T>: an owning cudaMalloc'd array for tests and benchmarks (kernels take raw
// device pointers). cudaMalloc returns 256-byte aligned memory, enough for every vector load.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <utility>

#include "gpu/common/cuda_check.cuh"

namespace ik::gpu {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : size_(count) {
    if (count) IK_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~DeviceBuffer() { release(); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return size_ * sizeof(T); }

  void upload(const T* host, std::size_t count) {
    IK_REQUIRE(count <= size_, "ik::gpu::DeviceBuffer::upload", "count = ", count, " > size ", size_);
    if (count) IK_CUDA_CHECK(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice));
  }
  void download(T* host, std::size_t count) const {
    IK_REQUIRE(count <= size_, "ik::gpu::DeviceBuffer::download", "count = ", count, " > size ", size_);
    if (count) IK_CUDA_CHECK(cudaMemcpy(host, data_, count * sizeof(T), cudaMemcpyDeviceToHost));
  }
  // Every byte set to `byte` (0xFF for float gives NaN: a poison that must be overwritten).
  void fill_bytes(int byte) {
    if (size_) IK_CUDA_CHECK(cudaMemset(data_, byte, bytes()));
  }

 private:
  void release() noexcept {
    if (data_) (void)cudaFree(data_);
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ik::gpu

// AlignedBuffer<T>: an owning, 64-byte aligned (one cache line, one zmm) array.
// Packed panels and test matrices live in these so that aligned vector loads are legal and
// no panel straddles a cache line it does not need.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace ik {

inline constexpr std::size_t kCacheLine = 64;

template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t count) { reset(count); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~AlignedBuffer() { std::free(data_); }

  // Contents are uninitialized after reset (packing overwrites every element it owns).
  void reset(std::size_t count) {
    std::free(data_);
    data_ = nullptr;
    size_ = count;
    if (count == 0) return;
    // aligned_alloc needs a size that is a multiple of the alignment.
    std::size_t bytes = (count * sizeof(T) + kCacheLine - 1) / kCacheLine * kCacheLine;
    data_ = static_cast<T*>(std::aligned_alloc(kCacheLine, bytes));
    if (!data_) throw std::bad_alloc();
  }
  // Grow only: reuse the allocation when it is already large enough.
  void ensure(std::size_t count) {
    if (count > size_) reset(count);
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ik

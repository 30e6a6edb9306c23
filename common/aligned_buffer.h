// AlignedBuffer<T>: an owning, 64-byte aligned (one cache line, one zmm) array.
// Packed panels and test matrices live in these so that aligned vector loads are legal and
// no panel straddles a cache line it does not need.
//
// Large buffers (packed weights: 32-256 MiB for one transformer layer) are 2 MiB aligned and
// advised to the kernel as transparent huge pages (madvise MADV_HUGEPAGE; Debian's default THP
// mode is "madvise", so nothing is huge unless asked). A GEMV streams its weight once per call,
// touching a new 4 KiB page every 64 (fp32) to 128 (fp16) cache lines; with 4 KiB pages each
// one costs a page walk, and in a VM a two-level one whose cost depends on where the host put
// the page. Measured on this VM (fp16 GEMV 4096 x 4096, 1 thread, 20 weight copies in turn):
// 4 KiB pages 2495-4367 us per copy, depending on the copy; huge pages 2330-2430 us, every copy.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ik {

inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::size_t kHugePage = std::size_t(2) << 20;
// From this size on a buffer is huge-page aligned and advised (smaller ones would waste up to a
// huge page of address space each for little TLB gain).
inline constexpr std::size_t kHugePageMinBytes = std::size_t(4) << 20;

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
    const bool huge = count * sizeof(T) >= kHugePageMinBytes;
    const std::size_t align = huge ? kHugePage : kCacheLine;
    // aligned_alloc needs a size that is a multiple of the alignment.
    std::size_t bytes = (count * sizeof(T) + align - 1) / align * align;
    data_ = static_cast<T*>(std::aligned_alloc(align, bytes));
    if (!data_) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Advice only: where THP is off ("never") or unsupported it fails harmlessly, and the
    // buffer works the same on 4 KiB pages.
    if (huge) (void)madvise(data_, bytes, MADV_HUGEPAGE);
#endif
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

// A field that a move leaves value-initialized (a copy copies it): the dimensions and kernel of a
// prepared weight, whose buffers a move empties, so that a moved-from weight is the empty object
// (its run calls throw ik::Error) rather than a shell with dimensions and no data.
template <class T>
class ResetOnMove {
 public:
  ResetOnMove() = default;
  ResetOnMove(T v) : v_(v) {}  // NOLINT: converts like the T it holds
  ResetOnMove(const ResetOnMove&) = default;
  ResetOnMove& operator=(const ResetOnMove&) = default;
  ResetOnMove(ResetOnMove&& o) noexcept : v_(std::exchange(o.v_, T{})) {}
  ResetOnMove& operator=(ResetOnMove&& o) noexcept {
    if (this != &o) v_ = std::exchange(o.v_, T{});
    return *this;
  }
  operator T() const { return v_; }  // NOLINT
  T operator->() const { return v_; }

 private:
  T v_{};
};

}  // namespace ik

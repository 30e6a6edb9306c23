// Row-major matrix views with an explicit leading dimension (elements between the starts of
// consecutive rows, ld >= cols). Element (r, c) is data[r * ld + c]. Views do not own memory.
#pragma once
#include <cstdint>

namespace ik {

using index_t = std::int64_t;

template <typename T>
struct MatrixView {
  T* data = nullptr;
  index_t rows = 0, cols = 0, ld = 0;

  MatrixView() = default;
  MatrixView(T* d, index_t r, index_t c, index_t l) : data(d), rows(r), cols(c), ld(l) {}
  // A view of const T from a view of T.
  template <typename U>
  MatrixView(const MatrixView<U>& o) : data(o.data), rows(o.rows), cols(o.cols), ld(o.ld) {}

  T& operator()(index_t r, index_t c) const { return data[r * ld + c]; }
  T* row(index_t r) const { return data + r * ld; }
  MatrixView block(index_t r0, index_t c0, index_t nr, index_t nc) const {
    return MatrixView(data + r0 * ld + c0, nr, nc, ld);
  }
};

}  // namespace ik

// src/matrix/matrix.h
// Dense row-major matrices and vectors of float or double: what Kaldi archives hold, and what
// the back-ends compute on. (The neural-network engine has its own device-aware tensor.)
//
// Storage is contiguous: element (r, c) is at Data()[r * NumCols() + c]. Indices are int64_t
// element counts; Kaldi's file format limits dimensions to int32, which the readers check.
#ifndef VOXTOOLS_MATRIX_MATRIX_H_
#define VOXTOOLS_MATRIX_MATRIX_H_

#include <cstdint>
#include <vector>

#include "base/log.h"

namespace voxtools {

template <typename Real>
class Vector {
 public:
  Vector() = default;
  explicit Vector(int64_t dim) : data_(dim, Real(0)) {}
  template <typename Other>
  explicit Vector(const Vector<Other> &other) { CopyFrom(other); }

  int64_t Dim() const { return static_cast<int64_t>(data_.size()); }
  Real *Data() { return data_.data(); }
  const Real *Data() const { return data_.data(); }
  Real &operator()(int64_t i) { VOX_PARANOID_ASSERT(i >= 0 && i < Dim()); return data_[i]; }
  Real operator()(int64_t i) const { VOX_PARANOID_ASSERT(i >= 0 && i < Dim()); return data_[i]; }

  // New size; all elements zero.
  void Resize(int64_t dim) { data_.assign(dim, Real(0)); }
  // Converts element by element (double -> float rounds to nearest, as a C++ cast).
  template <typename Other>
  void CopyFrom(const Vector<Other> &other) {
    data_.resize(other.Dim());
    for (int64_t i = 0; i < other.Dim(); i++) data_[i] = static_cast<Real>(other(i));
  }
  bool operator==(const Vector &o) const { return data_ == o.data_; }

 private:
  std::vector<Real> data_;
};

template <typename Real>
class Matrix {
 public:
  Matrix() = default;
  Matrix(int64_t rows, int64_t cols) { Resize(rows, cols); }
  template <typename Other>
  explicit Matrix(const Matrix<Other> &other) { CopyFrom(other); }

  int64_t NumRows() const { return rows_; }
  int64_t NumCols() const { return cols_; }
  int64_t NumElements() const { return rows_ * cols_; }
  Real *Data() { return data_.data(); }
  const Real *Data() const { return data_.data(); }
  Real *Row(int64_t r) { VOX_PARANOID_ASSERT(r >= 0 && r < rows_); return data_.data() + r * cols_; }
  const Real *Row(int64_t r) const { VOX_PARANOID_ASSERT(r >= 0 && r < rows_); return data_.data() + r * cols_; }
  Real &operator()(int64_t r, int64_t c) { VOX_PARANOID_ASSERT(r < rows_ && c < cols_); return data_[r * cols_ + c]; }
  Real operator()(int64_t r, int64_t c) const { VOX_PARANOID_ASSERT(r < rows_ && c < cols_); return data_[r * cols_ + c]; }

  // New shape; all elements zero. A matrix with zero rows or columns is empty (0 x 0),
  // as in Kaldi.
  void Resize(int64_t rows, int64_t cols) {
    VOX_ASSERT(rows >= 0 && cols >= 0);
    if (rows == 0 || cols == 0) rows = cols = 0;
    rows_ = rows;
    cols_ = cols;
    data_.assign(rows * cols, Real(0));
  }
  template <typename Other>
  void CopyFrom(const Matrix<Other> &other) {
    rows_ = other.NumRows();
    cols_ = other.NumCols();
    data_.resize(rows_ * cols_);
    const Other *src = other.Data();
    for (int64_t i = 0; i < rows_ * cols_; i++) data_[i] = static_cast<Real>(src[i]);
  }
  // Rows [row_begin, row_begin + num_rows) and columns [col_begin, col_begin + num_cols).
  Matrix Range(int64_t row_begin, int64_t num_rows, int64_t col_begin, int64_t num_cols) const {
    VOX_ASSERT(row_begin >= 0 && num_rows >= 0 && row_begin + num_rows <= rows_);
    VOX_ASSERT(col_begin >= 0 && num_cols >= 0 && col_begin + num_cols <= cols_);
    Matrix out(num_rows, num_cols);
    for (int64_t r = 0; r < out.rows_; r++)
      for (int64_t c = 0; c < out.cols_; c++) out(r, c) = (*this)(row_begin + r, col_begin + c);
    return out;
  }
  bool operator==(const Matrix &o) const {
    return rows_ == o.rows_ && cols_ == o.cols_ && data_ == o.data_;
  }

 private:
  int64_t rows_ = 0, cols_ = 0;
  std::vector<Real> data_;
};

}  // namespace voxtools

#endif  // VOXTOOLS_MATRIX_MATRIX_H_

// src/matrix/matrix.cc
// Matrix and Vector are header-only templates; this pins the instantiations used everywhere,
// so each tool does not compile them again.
#include "matrix/matrix.h"

namespace voxtools {
template class Vector<float>;
template class Vector<double>;
template class Matrix<float>;
template class Matrix<double>;
}  // namespace voxtools

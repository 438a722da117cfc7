# src/matrix: dense float/double matrices and vectors, BLAS and CPU kernels.
matrix_DEPS := base
matrix_LDLIBS := -lopenblas

# src/backend: embedding back-ends (mean/LDA/whitening/length-norm transforms, PLDA, cosine,
# score normalisation, calibration, Gaussian linear classifier) and metrics (EER, minDCF,
# Cavg) with DET/confusion plots as SVG. It computes on Matrix/Vector; io only for the model
# objects' Kaldi Read/Write (the <Plda> format must be byte-compatible with Kaldi's).
backend_DEPS := io matrix base
backend_LDLIBS := -lopenblas

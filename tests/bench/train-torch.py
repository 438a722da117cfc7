#!/usr/bin/env python3
# tests/bench/train-torch.py: the PyTorch side of tests/bench/train.sh, the same cases as
# tests/bench/train-bench.cc on tests/reference/models-ref.py's ECAPA-TDNN (the same
# architecture and module paths as ours) and its AAM-softmax head:
#   train   samples/s of SGD steps (momentum 0.9, Nesterov, weight decay 1e-4: WeSpeaker's and
#           train-nnet's defaults) on a batch of 32 x 200 frames x 80, 1000 classes
#   extract RTF of one forward in eval mode under inference_mode on 1000 x 80 frames (10 s),
#           with the utterance mean subtracted as ExtractEmbedding does
# Usage: train-torch.py <model.json> <num-threads> <warmup> <steps> <repeats>
import ctypes
import importlib.util
import json
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "models_ref", os.path.join(here, "..", "reference", "models-ref.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)  # exits 2 when torch is missing
torch = ref.torch

BATCH, FRAMES, CLASSES, EXTRACT_FRAMES = 32, 200, 1000, 1000


def main():
    config = json.load(open(sys.argv[1]))
    threads, warmup, steps, repeats = (int(a) for a in sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = ref.Ecapa(config)
    head = ref.MarginHead({"type": "aam-softmax", "embed_dim": config["embed_dim"],
                           "num_classes": CLASSES, "scale": 32.0, "margin": 0.2})
    torch.nn.init.xavier_uniform_(head.weight)
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True)
    feats = torch.randn(BATCH, FRAMES, config["feat_dim"])
    labels = torch.tensor([(i * 37) % CLASSES for i in range(BATCH)])
    model.train()
    head.train()

    def step():
        opt.zero_grad()
        loss = head(model(feats)["embedding"], labels)["loss"]
        loss.sum().backward()
        opt.step()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    train_s = time.perf_counter() - t0
    print("train %d steps %.3f s  %.2f samples/s" % (steps, train_s, steps * BATCH / train_s))

    model.eval()
    utt = torch.randn(1, EXTRACT_FRAMES, config["feat_dim"])
    best = 1e30
    with torch.inference_mode():
        for i in range(repeats + 1):
            t1 = time.perf_counter()
            model(utt - utt.mean(1, keepdim=True))
            if i > 0:
                best = min(best, time.perf_counter() - t1)
    print("extract %.4f s  rtf %.5f" % (best, best / (EXTRACT_FRAMES / 100.0)))
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        core = lib.openblas_get_corename().decode()
    except OSError:
        core = "?"
    print("torch %s, openblas %s, threads %d" % (torch.__version__, core, threads))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# tests/bench/nnet-torch.py: the PyTorch side of tests/bench/nnet.sh, the same cases as
# tests/bench/nnet-bench.cc, in the same output format. Usage: nnet-torch.py <threads> <repeats>
import sys
import time

import torch
import torch.nn.functional as F

threads, repeats = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")


def best_time(f):
    warm = time.perf_counter()  # warm-up runs for at least 0.2 s, as nnet-bench.cc
    f()
    while time.perf_counter() - warm < 0.2:
        f()
    best = 1e30
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


for m, n, k in [(1200, 768, 768), (1200, 3072, 768), (1200, 768, 3072), (2048, 2048, 2048)]:
    a, b = torch.rand(m, k) * 2 - 1, torch.rand(k, n) * 2 - 1
    c = torch.empty(m, n)
    t = best_time(lambda: torch.matmul(a, b, out=c))
    print(f"gemm {m}x{n}x{k} torch {2.0 * m * n * k / t * 1e-9:.1f} GFLOP/s")


def param(*shape, scale):
    return ((torch.rand(*shape) * 2 - 1) * scale).requires_grad_()


D, H, FFN = 768, 12, 3072
p = {"ln1_w": torch.ones(D, requires_grad=True), "ln1_b": param(D, scale=0.1),
     "ln2_w": torch.ones(D, requires_grad=True), "ln2_b": param(D, scale=0.1)}
for n in ["q", "k", "v", "o"]:
    p["w" + n], p["b" + n] = param(D, D, scale=0.036), param(D, scale=0.036)
p["w1"], p["b1"] = param(FFN, D, scale=0.036), param(FFN, scale=0.036)
p["w2"], p["b2"] = param(D, FFN, scale=0.018), param(D, scale=0.036)


def block(x):
    b, t, _ = x.shape
    h = F.layer_norm(x, (D,), p["ln1_w"], p["ln1_b"])

    def heads(n):
        return F.linear(h, p["w" + n], p["b" + n]).view(b, t, H, D // H).transpose(1, 2)
    q, k, v = heads("q"), heads("k"), heads("v")
    a = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (D // H) ** -0.5, dim=-1)
    a = torch.matmul(a, v).transpose(1, 2).reshape(b, t, D)
    x1 = x + F.linear(a, p["wo"], p["bo"])
    f = F.linear(F.gelu(F.linear(F.layer_norm(x1, (D,), p["ln2_w"], p["ln2_b"]), p["w1"], p["b1"])),
                 p["w2"], p["b2"])
    return x1 + f


x = torch.randn(4, 300, D)


def infer_block():
    with torch.no_grad():
        block(x)


print(f"block infer {best_time(infer_block) * 1e3:.2f} ms")
print(f"block train {best_time(lambda: block(x).sum().backward()) * 1e3:.2f} ms")

kernel, stride = [10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2]
cw = [param(512, 1 if i == 0 else 512, kernel[i], scale=0.05) for i in range(7)]
gn_w, gn_b = torch.ones(512, requires_grad=True), param(512, scale=0.1)


# wav2vec2 Base's conv feature encoder as torchaudio's FeatureExtractor runs it (channels first;
# torchaudio then takes a transposed view, free). Ours runs SslFeatureEncoder, time first.
def convstack(wav):
    x = wav
    for i in range(7):
        x = F.conv1d(x, cw[i], stride=stride[i])
        if i == 0:
            x = F.group_norm(x, 512, gn_w, gn_b)
        x = F.gelu(x)
    return x


wav = torch.randn(4, 1, 16000)


def infer_conv():
    with torch.no_grad():
        convstack(wav)


print(f"convstack infer {best_time(infer_conv) * 1e3:.2f} ms")
print(f"convstack train {best_time(lambda: convstack(wav).sum().backward()) * 1e3:.2f} ms")

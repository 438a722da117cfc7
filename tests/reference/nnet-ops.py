#!/usr/bin/env python3
# tests/reference/nnet-ops.py: PyTorch (Debian's python3-torch) as the reference for every
# engine operation. The unit tests (tests/unit/nnet/torch-oracle.h) start it once and send
# requests on stdin; it answers on stdout. Exits 2 at start if torch is missing (the tests
# skip, saying so).
#
# Request:  a text line "<op> <params as JSON>", a line "<n>", then n tensors, then the
#           upstream gradient dL/dy as one more tensor. A tensor is a line
#           "<requires_grad 0|1> <rank> <d0> ... " followed by its float32 values, raw
#           little-endian.
# Answer:   the line "ok", the output y as a tensor, then n tensors dL/dx_i (rank -1 with no
#           data where x_i does not require grad or got no gradient); or "error <message>".
# Computation is float32 on the CPU, as ours. Integer inputs (labels, lengths) are sent as
# floats and converted here.
import json
import struct
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.stdout.write(f"torch not available: {e}\n")
    sys.exit(2)

torch.set_num_threads(1)
inp = sys.stdin.buffer
out = sys.stdout.buffer


def read_tensor():
    head = inp.readline().split()
    req, rank = int(head[0]), int(head[1])
    dims = [int(d) for d in head[2:2 + rank]]
    n = 1
    for d in dims:
        n *= d
    data = inp.read(4 * n)
    t = torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(dims).clone()
    return t.requires_grad_(bool(req))


def write_tensor(t):
    if t is None:
        out.write(b"0 -1\n")
        return
    t = t.detach().contiguous().float()
    out.write(("0 %d %s\n" % (t.dim(), " ".join(str(d) for d in t.shape))).encode())
    out.write(t.numpy().tobytes())


def stats_pool(x, lengths, p):
    # x (N, C, T); lengths (N,) frames; mean and std (unbiased unless p says) over valid frames
    outs = []
    for i in range(x.shape[0]):
        xi = x[i, :, :int(lengths[i].item())]
        mean = xi.mean(dim=1)
        std = torch.sqrt(xi.var(dim=1, unbiased=p.get("unbiased", True)) + p.get("eps", 1e-7))
        outs.append(torch.cat([mean, std]))
    return torch.stack(outs)


def group_norm_lengths(x, w, b, p):
    # x (N, C, L): GroupNorm of each row's first lengths[n] positions alone, zeros after.
    outs = []
    for i, n in enumerate(p["lengths"]):
        y = F.group_norm(x[i:i + 1, :, :n], p["groups"], w, b, eps=p["eps"])
        outs.append(F.pad(y, (0, x.shape[2] - n)))
    return torch.cat(outs)


def batch_norm(x, w, b, rm, rv, p):
    rm = rm.detach().clone()
    rv = rv.detach().clone()
    y = F.batch_norm(x, rm, rv, w, b, training=p["training"], momentum=p.get("momentum", 0.1),
                     eps=p.get("eps", 1e-5))
    # The updated running statistics are compared too: appended to the output.
    return torch.cat([y.reshape(-1), rm, rv])


def attention(q, k, v, bias, mask, p):
    scale = p.get("scale", q.shape[-1] ** -0.5)
    s = torch.matmul(q, k.transpose(-1, -2)) * scale
    if bias is not None:
        s = s + bias
    if mask is not None:  # (B, Tk), 1 = padded key
        s = s.masked_fill(mask.bool()[:, None, None, :], float("-inf"))
    return torch.matmul(torch.softmax(s, dim=-1), v)


def block(x, p):
    # A pre-LN transformer block (the bench's, small): inputs x, mask (B, T; 1 = padding),
    # then ln1 w/b, q/k/v/o w/b, ln2 w/b, ffn1 w/b, ffn2 w/b.
    x_in, mask = x[0], x[1]
    (ln1w, ln1b, wq, bq, wk, bk, wv, bv, wo, bo, ln2w, ln2b, w1, b1, w2, b2) = x[2:]
    b, t, d = x_in.shape
    h_n = p["heads"]
    h = F.layer_norm(x_in, (d,), ln1w, ln1b)

    def heads(w, bias):
        return F.linear(h, w, bias).view(b, t, h_n, d // h_n).transpose(1, 2)
    a = attention(heads(wq, bq), heads(wk, bk), heads(wv, bv), None, mask, {})
    a = a.transpose(1, 2).reshape(b, t, d)
    x1 = x_in + F.linear(a, wo, bo)
    return x1 + F.linear(F.gelu(F.linear(F.layer_norm(x1, (d,), ln2w, ln2b), w1, b1)), w2, b2)


OPS = {
    "block": block,
    "matmul": lambda x, p: torch.matmul(x[0], x[1]),
    "affine": lambda x, p: F.linear(x[0], x[1], x[2] if len(x) > 2 else None),
    "add": lambda x, p: x[0] + x[1],
    "sub": lambda x, p: x[0] - x[1],
    "mul": lambda x, p: x[0] * x[1],
    "div": lambda x, p: x[0] / x[1],
    "add_scalar": lambda x, p: x[0] + p["s"],
    "mul_scalar": lambda x, p: x[0] * p["s"],
    "neg": lambda x, p: -x[0],
    "exp": lambda x, p: torch.exp(x[0]),
    "log": lambda x, p: torch.log(x[0]),
    "sqrt": lambda x, p: torch.sqrt(x[0]),
    "square": lambda x, p: x[0] * x[0],
    "abs": lambda x, p: torch.abs(x[0]),
    "pow": lambda x, p: torch.pow(x[0], p["e"]),
    "relu": lambda x, p: F.relu(x[0]),
    "gelu": lambda x, p: F.gelu(x[0]),
    "sigmoid": lambda x, p: torch.sigmoid(x[0]),
    "tanh": lambda x, p: torch.tanh(x[0]),
    "leaky_relu": lambda x, p: F.leaky_relu(x[0], p["slope"]),
    "sum": lambda x, p: x[0].sum(dim=p["axis"], keepdim=p["keepdim"]),
    "mean": lambda x, p: x[0].mean(dim=p["axis"], keepdim=p["keepdim"]),
    "var": lambda x, p: x[0].var(dim=p["axis"], unbiased=p["unbiased"], keepdim=p["keepdim"]),
    "max": lambda x, p: x[0].max(dim=p["axis"], keepdim=p["keepdim"])[0],
    "logsumexp": lambda x, p: torch.logsumexp(x[0], dim=p["axis"], keepdim=p["keepdim"]),
    "sum_all": lambda x, p: x[0].sum(),
    "mean_all": lambda x, p: x[0].mean(),
    "softmax": lambda x, p: torch.softmax(x[0], dim=p["axis"]),
    "log_softmax": lambda x, p: torch.log_softmax(x[0], dim=p["axis"]),
    "layer_norm": lambda x, p: F.layer_norm(x[0], x[0].shape[-1:], x[1] if len(x) > 1 else None,
                                             x[2] if len(x) > 2 else None, eps=p["eps"]),
    "group_norm": lambda x, p: F.group_norm(x[0], p["groups"], x[1] if len(x) > 1 else None,
                                             x[2] if len(x) > 2 else None, eps=p["eps"]),
    "group_norm_lengths": lambda x, p: group_norm_lengths(x[0], x[1] if len(x) > 1 else None,
                                                          x[2] if len(x) > 2 else None, p),
    "batch_norm": lambda x, p: batch_norm(x[0], x[1], x[2], x[3], x[4], p),
    "conv1d_time_first": lambda x, p: F.conv1d(
        x[0].transpose(1, 2), x[1], x[2] if len(x) > 2 else None, stride=p["stride"],
        padding=p["padding"], dilation=p["dilation"], groups=p["groups"]).transpose(1, 2),
    "conv1d": lambda x, p: F.conv1d(x[0], x[1], x[2] if len(x) > 2 else None, stride=p["stride"],
                                    padding=p["padding"], dilation=p["dilation"],
                                    groups=p["groups"]),
    "conv2d": lambda x, p: F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None,
                                    stride=tuple(p["stride"]), padding=tuple(p["padding"]),
                                    dilation=tuple(p["dilation"]), groups=p["groups"]),
    "weight_norm": lambda x, p: torch._weight_norm(x[0], x[1], p["dim"]),
    "transpose": lambda x, p: x[0].transpose(p["a"], p["b"]),
    "permute": lambda x, p: x[0].permute(*p["perm"]),
    "concat": lambda x, p: torch.cat(list(x), dim=p["axis"]),
    "narrow": lambda x, p: x[0].narrow(p["axis"], p["begin"], p["length"]),
    "index_select": lambda x, p: torch.index_select(x[0], p["axis"], x[1].long()),
    "masked_fill": lambda x, p: x[0].masked_fill(x[1].bool(), p["value"]),
    "pad": lambda x, p: F.pad(x[0], tuple(p["pad"]), value=p.get("value", 0.0)),
    "stats_pool": lambda x, p: stats_pool(x[0], x[1], p),
    "l2_normalize": lambda x, p: F.normalize(x[0], dim=p["axis"], eps=p["eps"]),
    "cosine_similarity": lambda x, p: F.cosine_similarity(x[0], x[1], dim=p["axis"],
                                                          eps=p["eps"]),
    "cross_entropy": lambda x, p: F.cross_entropy(x[0], x[1].long(),
                                                  label_smoothing=p.get("smoothing", 0.0)),
    "max_pool1d": lambda x, p: F.max_pool1d(x[0], p["kernel"], p["stride"], p["padding"]),
    "avg_pool1d": lambda x, p: F.avg_pool1d(x[0], p["kernel"], p["stride"], p["padding"]),
    "max_pool2d": lambda x, p: F.max_pool2d(x[0], p["kernel"], p["stride"], p["padding"]),
    "avg_pool2d": lambda x, p: F.avg_pool2d(x[0], p["kernel"], p["stride"], p["padding"]),
    "linear_gelu": lambda x, p: F.gelu(F.linear(x[0], x[1], x[2])),
    "attention": lambda x, p: attention(x[0], x[1], x[2], x[3] if p.get("bias") else None,
                                        x[4] if p.get("mask") else None, p),
}

sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    line = inp.readline()
    if not line:
        break
    name, params = line.decode().rstrip("\n").split(" ", 1)
    p = json.loads(params)
    n = int(inp.readline())
    xs = [read_tensor() for _ in range(n)]
    gy = read_tensor()
    try:
        y = OPS[name](xs, p)
        if any(x.requires_grad for x in xs):
            y.backward(gy.reshape(y.shape))
        out.write(b"ok\n")
        write_tensor(y)
        for x in xs:
            write_tensor(x.grad if x.requires_grad else None)
    except Exception as e:  # reported to the test, which fails naming the op
        msg = str(e).replace("\n", " ")
        out.write(("error %s: %s\n" % (name, msg)).encode())
    out.flush()

#!/usr/bin/env python3
# tests/reference/models-ref.py: PyTorch reimplementations of the embedding networks
# (src/nnet/tdnn-xvector.h, ecapa-tdnn.h, resnet.h), their pooling layers (pooling.h) and the
# training losses (losses.h), with the same module paths (state-dict keys with '.' for '/'),
# used as the reference by tests/unit/nnet/{tdnn-xvector,ecapa-tdnn,resnet,pooling,losses}-test.
# The architectures follow WeSpeaker's published definitions (ECAPA_TDNN, ResNet, XVEC,
# ASTP/MQMHASTP, ArcMarginProduct_intertopk_subcenter) and the GE2E paper (Wan et al. 2018).
#
# Usage: models-ref.py IN OUT        (exits 2 if torch is missing; the tests then skip)
#        models-ref.py --count JSON  (prints the parameter count of a model config)
# IN:  line 1 a JSON request; then tensors, each a line "<name> <rank> <d0> ..." and its
#      float32 values (raw little-endian), and a final line "end". The weights come from C++
#      (param/<path>, buffer/<path>), with the input (input), labels (labels) and the
#      upstream gradients (grad_out/<name>).
# OUT: the same tensor format: out/<name> (forward outputs), grad/<path> and grad/input (the
#      gradients of sum(out * grad_out)), buffer/<path> (batch-norm statistics after forward).
import json
import math
import sys

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    sys.stderr.write(f"torch not available: {e}\n")
    sys.exit(2)

torch.set_num_threads(1)


# ---------------------------------------------------------------------------- pooling
class TSTP(nn.Module):
    def __init__(self, eps):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        x = x.reshape(x.shape[0], -1, x.shape[-1])
        return torch.cat([x.mean(-1), torch.sqrt(x.var(-1) + self.eps)], 1)


class ASTP(nn.Module):
    def __init__(self, in_dim, bottleneck, global_context):
        super().__init__()
        self.global_context = global_context
        self.linear1 = nn.Conv1d(in_dim * (3 if global_context else 1), bottleneck, 1)
        self.linear2 = nn.Conv1d(bottleneck, in_dim, 1)

    def forward(self, x):
        x = x.reshape(x.shape[0], -1, x.shape[-1])
        if self.global_context:
            mean = x.mean(-1, keepdim=True).expand_as(x)
            std = torch.sqrt(x.var(-1, keepdim=True) + 1e-10).expand_as(x)
            x_in = torch.cat([x, mean, std], 1)
        else:
            x_in = x
        alpha = torch.softmax(self.linear2(torch.tanh(self.linear1(x_in))), dim=2)
        mean = (alpha * x).sum(2)
        var = (alpha * x * x).sum(2) - mean * mean
        return torch.cat([mean, torch.sqrt(var.clamp(min=1e-10))], 1)


class MHASTP(nn.Module):
    # One query: head_num heads over channel chunks, each a 2-layer 1x1-conv attention.
    def __init__(self, in_dim, head_num, bottleneck, per_channel):
        super().__init__()
        self.head_num = head_num
        d = in_dim // head_num
        heads = []
        for _ in range(head_num):
            h = nn.Sequential()
            h.add_module("att_0", nn.Conv1d(d, bottleneck, 1))
            h.add_module("tanh0", nn.Tanh())
            h.add_module("att_1", nn.Conv1d(bottleneck, d if per_channel else 1, 1))
            heads.append(h)
        self.heads_att_trans = nn.ModuleList(heads)

    def forward(self, x):
        chunks = torch.chunk(x, self.head_num, 1)
        outs = []
        for c, layer in zip(chunks, self.heads_att_trans):
            alpha = torch.softmax(layer(c), dim=-1)
            mean = (alpha * c).sum(2)
            var = (alpha * c * c).sum(2) - mean * mean
            outs.append(torch.cat([mean, torch.sqrt(var.clamp(min=1e-7))], 1))
        return torch.cat(outs, 1)


class MQMHASTP(nn.Module):
    def __init__(self, in_dim, query_num, head_num, bottleneck, per_channel):
        super().__init__()
        self.n_query = nn.ModuleList(
            [MHASTP(in_dim, head_num, bottleneck, per_channel) for _ in range(query_num)])

    def forward(self, x):
        x = x.reshape(x.shape[0], -1, x.shape[-1])
        return torch.cat([q(x) for q in self.n_query], -1)


def make_pooling(c, in_dim):
    t = c.get("type", "tstp")
    if t == "tstp":
        return TSTP(c.get("eps", 1e-7)), 2 * in_dim
    if t == "astp":
        return ASTP(in_dim, c.get("bottleneck", 128), c.get("global_context", False)), 2 * in_dim
    if t == "mqmhastp":
        q = c.get("num_queries", 2)
        return (MQMHASTP(in_dim, q, c.get("num_heads", 4), c.get("bottleneck", 64),
                         c.get("per_channel", True)), 2 * in_dim * q)
    raise ValueError("pooling " + t)


class PoolingOnly(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pool, _ = make_pooling(c, c["in_dim"])

    def forward(self, x):  # x (B, C, T), as the C++ pooling layers take it
        return {"pooled": self.pool(x)}


# ---------------------------------------------------------------------------- x-vector
class TdnnLayer(nn.Module):
    def __init__(self, i, o, k, d):
        super().__init__()
        self.conv_1d = nn.Conv1d(i, o, k, dilation=d)
        self.bn = nn.BatchNorm1d(o, affine=False)

    def forward(self, x):
        return self.bn(F.relu(self.conv_1d(x)))


class XVector(nn.Module):
    def __init__(self, c):
        super().__init__()
        f, h, s, e = c["feat_dim"], c["hidden_dim"], c["stats_dim"], c["embed_dim"]
        self.frame_1 = TdnnLayer(f, h, 5, 1)
        self.frame_2 = TdnnLayer(h, h, 3, 2)
        self.frame_3 = TdnnLayer(h, h, 3, 3)
        self.frame_4 = TdnnLayer(h, h, 1, 1)
        self.frame_5 = TdnnLayer(h, s, 1, 1)
        self.pool, d = make_pooling(c["pooling"], s)
        self.seg_1 = nn.Linear(d, e)
        self.seg_bn_1 = nn.BatchNorm1d(e, affine=False)
        self.seg_2 = nn.Linear(e, e)
        self.kaldi = c.get("segment7_relu_bn", True)
        if self.kaldi:
            self.seg_bn_2 = nn.BatchNorm1d(e, affine=False)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        for layer in (self.frame_1, self.frame_2, self.frame_3, self.frame_4, self.frame_5):
            x = layer(x)
        a = self.seg_1(self.pool(x))
        b = self.seg_2(self.seg_bn_1(F.relu(a)))
        if self.kaldi:
            b = self.seg_bn_2(F.relu(b))
        return {"embedding": a, "train_output": b}


# ---------------------------------------------------------------------------- ECAPA-TDNN
class Conv1dReluBn(nn.Module):
    def __init__(self, i, o, k=1, p=0, d=1):
        super().__init__()
        self.conv = nn.Conv1d(i, o, k, padding=p, dilation=d)
        self.bn = nn.BatchNorm1d(o)

    def forward(self, x):
        return self.bn(F.relu(self.conv(x)))


class Res2Conv1dReluBn(nn.Module):
    def __init__(self, ch, k, p, d, scale):
        super().__init__()
        self.width = ch // scale
        self.nums = scale - 1 if scale > 1 else 1
        self.scale = scale
        self.convs = nn.ModuleList(
            [nn.Conv1d(self.width, self.width, k, padding=p, dilation=d) for _ in range(self.nums)])
        self.bns = nn.ModuleList([nn.BatchNorm1d(self.width) for _ in range(self.nums)])

    def forward(self, x):
        spx = torch.split(x, self.width, 1)
        out = []
        sp = spx[0]
        for i in range(self.nums):
            if i >= 1:
                sp = sp + spx[i]
            sp = self.bns[i](F.relu(self.convs[i](sp)))
            out.append(sp)
        if self.scale != 1:
            out.append(spx[self.nums])
        return torch.cat(out, 1)


class SEConnect(nn.Module):
    def __init__(self, ch, bottleneck):
        super().__init__()
        self.linear1 = nn.Linear(ch, bottleneck)
        self.linear2 = nn.Linear(bottleneck, ch)

    def forward(self, x):
        s = torch.sigmoid(self.linear2(F.relu(self.linear1(x.mean(2)))))
        return x * s.unsqueeze(2)


class SERes2Block(nn.Module):
    def __init__(self, ch, d, scale, se_bottleneck):
        super().__init__()
        self.se_res2block = nn.Sequential(
            Conv1dReluBn(ch, ch), Res2Conv1dReluBn(ch, 3, d, d, scale), Conv1dReluBn(ch, ch),
            SEConnect(ch, se_bottleneck))

    def forward(self, x):
        return x + self.se_res2block(x)


class Ecapa(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, sc = c["channels"], c["scale"]
        self.layer1 = Conv1dReluBn(c["feat_dim"], ch, 5, 2)
        self.layer2 = SERes2Block(ch, 2, sc, c["se_bottleneck"])
        self.layer3 = SERes2Block(ch, 3, sc, c["se_bottleneck"])
        self.layer4 = SERes2Block(ch, 4, sc, c["se_bottleneck"])
        self.conv = nn.Conv1d(3 * ch, 3 * ch, 1)
        self.pool, d = make_pooling(c["pooling"], 3 * ch)
        self.bn = nn.BatchNorm1d(d)
        self.linear = nn.Linear(d, c["embed_dim"])

    def forward(self, x):
        x = x.permute(0, 2, 1)
        o1 = self.layer1(x)
        o2 = self.layer2(o1)
        o3 = self.layer3(o2)
        o4 = self.layer4(o3)
        o = F.relu(self.conv(torch.cat([o2, o3, o4], 1)))
        e = self.linear(self.bn(self.pool(o)))
        return {"embedding": e}


# ---------------------------------------------------------------------------- ResNet
class BasicBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(o)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.shortcut = nn.Sequential()
        if stride != 1 or i != o:
            self.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False),
                                          nn.BatchNorm2d(o))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, c):
        super().__init__()
        m = c["base_channels"]
        self.conv1 = nn.Conv2d(1, m, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(m)
        planes_in = m
        freq = c["feat_dim"]
        for li, (n, mult, stride) in enumerate(zip(c["num_blocks"], (1, 2, 4, 8), (1, 2, 2, 2))):
            blocks = []
            for s in [stride] + [1] * (n - 1):
                blocks.append(BasicBlock(planes_in, m * mult, s))
                planes_in = m * mult
            if stride == 2:
                freq = (freq - 1) // 2 + 1
            setattr(self, "layer%d" % (li + 1), nn.Sequential(*blocks))
        self.pool, d = make_pooling(c["pooling"], planes_in * freq)
        self.seg_1 = nn.Linear(d, c["embed_dim"])
        self.two = c.get("two_emb_layer", False)
        if self.two:
            self.seg_bn_1 = nn.BatchNorm1d(c["embed_dim"], affine=False)
            self.seg_2 = nn.Linear(c["embed_dim"], c["embed_dim"])

    def forward(self, x):
        x = x.permute(0, 2, 1).unsqueeze(1)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        a = self.seg_1(self.pool(out))
        if self.two:
            return {"embedding": self.seg_2(self.seg_bn_1(F.relu(a)))}
        return {"embedding": a}


# ---------------------------------------------------------------------------- losses
class MarginHead(nn.Module):
    # softmax / am-softmax / aam-softmax / subcenter-aam (WeSpeaker's projections).
    def __init__(self, c):
        super().__init__()
        self.c = c
        t = c["type"]
        k = c.get("num_subcenters", 1) if t == "subcenter-aam" else 1
        self.k = k
        if t == "softmax":
            self.linear = nn.Linear(c["embed_dim"], c["num_classes"])
        else:
            self.weight = nn.Parameter(torch.zeros(k * c["num_classes"], c["embed_dim"]))

    def forward(self, x, labels):
        c, t = self.c, self.c["type"]
        if t == "softmax":
            logits = self.linear(x)
            return {"logits": logits, "loss": F.cross_entropy(logits, labels).reshape(1)}
        cos = F.linear(F.normalize(x), F.normalize(self.weight))
        if self.k > 1:
            cos = cos.reshape(x.shape[0], c["num_classes"], self.k).max(2)[0]
        one_hot = torch.zeros_like(cos).scatter_(1, labels.view(-1, 1), 1.0)
        m, s = c["margin"], c["scale"]
        if t == "am-softmax":
            out = cos - one_hot * m
        else:
            sine = torch.sqrt((1.0 - cos * cos).clamp(min=0))
            phi = cos * math.cos(m) - sine * math.sin(m)
            if c.get("easy_margin", False):
                phi = torch.where(cos > 0, phi, cos)
            elif c.get("arcface_fallback", False):
                phi = torch.where(cos > math.cos(math.pi - m), phi,
                                  cos - math.sin(math.pi - m) * m)
            else:
                phi = torch.where(cos > math.cos(math.pi - m), phi,
                                  cos - (1.0 + math.cos(math.pi - m)))
            k_top = c.get("inter_topk", 0) if t == "subcenter-aam" else 0
            if k_top > 0:
                mp = c.get("inter_topk_margin", 0.06) * (m / 0.2) if m > 0.001 else 0.0
                phi_mp = cos * math.cos(mp) + sine * math.sin(mp)
                _, idx = torch.topk(cos - 2 * one_hot, k_top)
                top = torch.zeros_like(cos).scatter_(1, idx, 1.0)
                out = one_hot * phi + top * phi_mp + (1.0 - one_hot - top) * cos
            else:
                out = one_hot * phi + (1.0 - one_hot) * cos
        logits = out * s
        return {"logits": logits, "loss": F.cross_entropy(logits, labels).reshape(1)}


class GE2E(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([c.get("ge2e_init_w", 10.0)]))
        self.b = nn.Parameter(torch.tensor([c.get("ge2e_init_b", -5.0)]))

    def forward(self, x, labels):
        n = int(labels.max().item()) + 1
        m = x.shape[0] // n
        e = x.reshape(n, m, -1)
        total = e.sum(1)                      # (N, D)
        cent = total / m
        excl = (total.unsqueeze(1) - e) / (m - 1)  # (N, M, D)
        en = F.normalize(x, dim=1)
        cos_all = en @ F.normalize(cent, dim=1).t()  # (NM, N)
        cos_own = (F.normalize(e, dim=2) * F.normalize(excl, dim=2)).sum(2).reshape(-1, 1)
        one_hot = torch.zeros_like(cos_all).scatter_(1, labels.view(-1, 1), 1.0)
        sim = cos_all * (1 - one_hot) + cos_own * one_hot
        logits = self.w.clamp(min=1e-6) * sim + self.b
        return {"logits": logits, "loss": F.cross_entropy(logits, labels).reshape(1)}


def build(req):
    k = req["kind"]
    c = req["config"]
    if k == "model":
        t = c["type"]
        if t == "tdnn-xvector":
            return XVector(c)
        if t == "ecapa-tdnn":
            return Ecapa(c)
        if t == "resnet":
            return ResNet(c)
        raise ValueError("model " + t)
    if k == "pooling":
        return PoolingOnly(c)
    if k == "loss":
        return GE2E(c) if c["type"] == "ge2e" else MarginHead(c)
    raise ValueError("kind " + k)


# ---------------------------------------------------------------------------- I/O
def read_request(path):
    with open(path, "rb") as f:
        req = json.loads(f.readline())
        tensors = {}
        while True:
            head = f.readline().split()
            if not head or head[0] == b"end":
                break
            name, rank = head[0].decode(), int(head[1])
            dims = [int(d) for d in head[2:2 + rank]]
            n = 1
            for d in dims:
                n *= d
            t = torch.frombuffer(bytearray(f.read(4 * n)), dtype=torch.float32)
            tensors[name] = t.reshape(dims).clone()
    return req, tensors


def write_tensors(path, items):
    with open(path, "wb") as f:
        for name, t in items:
            t = t.detach().contiguous().float()
            f.write(("%s %d %s\n" % (name, t.dim(), " ".join(str(d) for d in t.shape))).encode())
            f.write(t.numpy().tobytes())
        f.write(b"end\n")


def main():
    if sys.argv[1] == "--count":
        req = {"kind": "model", "config": json.loads(sys.argv[2])}
        print(sum(p.numel() for p in build(req).parameters()))
        return
    req, ts = read_request(sys.argv[1])
    model = build(req)
    state = model.state_dict()
    given = {}
    for name, t in ts.items():
        if name.startswith("param/") or name.startswith("buffer/"):
            given[name.split("/", 1)[1].replace("/", ".")] = t
    missing = set(state) - set(given)
    unused = set(given) - set(state)
    if missing or unused:
        raise ValueError("missing %s, unused %s" % (sorted(missing), sorted(unused)))
    for key, t in given.items():
        if key.endswith("num_batches_tracked"):
            given[key] = t.long()
        elif tuple(t.shape) != tuple(state[key].shape):
            raise ValueError("%s: %s vs %s" % (key, tuple(t.shape), tuple(state[key].shape)))
    model.load_state_dict(given)
    model.train(req.get("train", True))
    x = ts["input"].requires_grad_(True)
    if req["kind"] == "loss":
        outs = model(x, ts["labels"].long())
    else:
        outs = model(x)
    loss = 0
    for name, y in outs.items():
        g = ts.get("grad_out/" + name)
        if g is not None:
            loss = loss + (y * g).sum()
    loss.backward()
    items = [("out/" + n, y) for n, y in outs.items()]
    items.append(("grad/input", x.grad if x.grad is not None else torch.zeros_like(x)))
    for n, p in model.named_parameters():
        items.append(("grad/" + n.replace(".", "/"),
                      p.grad if p.grad is not None else torch.zeros_like(p)))
    for n, b in model.named_buffers():
        items.append(("buffer/" + n.replace(".", "/"), b.float()))
    write_tensors(sys.argv[2], items)


if __name__ == "__main__":
    main()

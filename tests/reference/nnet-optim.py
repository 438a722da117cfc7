#!/usr/bin/env python3
# tests/reference/nnet-optim.py: PyTorch (Debian's python3-torch) and WeSpeaker's formulas as
# the reference for the optimisers, gradient clipping and learning-rate schedules
# (tests/unit/nnet/optimizer-test.cc, lr-schedule-test.cc). Exits 2 if torch is missing, so
# the tests skip and say so.
#
# Usage: nnet-optim.py <mode> <request> <answer>
# Request: a first line of JSON (the parameters), then tensors, one a line:
#   "<name> <rank> <d0> ... <v0> <v1> ..." with values as C99 hex floats (exact, both ways).
# Answer: tensors in the same format, and numbers as "<name> 0 <value>".
# Modes:
#   train     two Linear layers with exact GELU between them (fc1, fc2), cross-entropy on
#             batch x[i] / labels[i] at step i; per step: zero_grad, backward, optional
#             clip_grad_norm_, set each group's lr = lrs[i] * its scale, optimiser step.
#             Answers the final parameters and the per-step total norms ("norm<i>").
#   clip      clip_grad_norm_(max_norm, norm_type) on tensors given as gradients; answers the
#             clipped gradients and "total_norm".
#   schedule  the learning rate at steps 0..n-1: PyTorch's StepLR / CosineAnnealingLR
#             (stepped once per iteration) or WeSpeaker's ExponentialDecrease /
#             WarmupCosineScheduler / WarmupLR_withStepDecay formulas, as "lr<i>".
import json
import math
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.stderr.write(f"torch not available: {e}\n")
    sys.exit(2)

torch.set_num_threads(1)


def read_request(path):
    with open(path) as f:
        params = json.loads(f.readline())
        tensors = {}
        for line in f:
            parts = line.split()
            if not parts:
                continue
            rank = int(parts[1])
            dims = [int(d) for d in parts[2:2 + rank]]
            values = [float.fromhex(v) for v in parts[2 + rank:]]
            tensors[parts[0]] = torch.tensor(values, dtype=torch.float32).reshape(dims)
    return params, tensors


def write_answer(path, tensors, numbers):
    with open(path, "w") as f:
        for name, t in tensors.items():
            t = t.detach().contiguous().float()
            vals = " ".join(float(v).hex() for v in t.reshape(-1).tolist())
            f.write(f"{name} {t.dim()} {' '.join(str(d) for d in t.shape)} {vals}\n")
        for name, v in numbers.items():
            f.write(f"{name} 0 {float(v).hex()}\n")


def train(p, t):
    names = ["fc1/weight", "fc1/bias", "fc2/weight", "fc2/bias"]
    params = {n: t[n].clone().requires_grad_(True) for n in names}
    scales = p.get("lr_scales", {})
    groups = {}
    for n in names:
        prefix = n.split("/")[0]
        s = scales.get(prefix, 1.0)
        groups.setdefault(s, []).append(params[n])
    o = p["opts"]
    pg = [{"params": ps, "scale": s} for s, ps in groups.items()]
    if p["optimizer"] == "sgd":
        opt = torch.optim.SGD(pg, lr=1.0, momentum=o["momentum"], dampening=0,
                              weight_decay=o["weight_decay"], nesterov=o["nesterov"])
    else:
        cls = torch.optim.Adam if p["optimizer"] == "adam" else torch.optim.AdamW
        opt = cls(pg, lr=1.0, betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                  weight_decay=o["weight_decay"], amsgrad=o["amsgrad"])
    x, labels = t["x"], t["labels"].long()
    norms = {}
    for i, lr in enumerate(p["lrs"]):
        opt.zero_grad()
        h = F.gelu(F.linear(x[i], params["fc1/weight"], params["fc1/bias"]))
        y = F.linear(h, params["fc2/weight"], params["fc2/bias"])
        F.cross_entropy(y, labels[i]).backward()
        if p.get("clip"):
            norms[f"norm{i}"] = torch.nn.utils.clip_grad_norm_(
                [params[n] for n in names], p["clip"])
        for g in opt.param_groups:
            g["lr"] = lr * g["scale"]
        opt.step()
    return params, norms


def clip(p, t):
    params = []
    for name, g in t.items():
        v = torch.zeros_like(g, requires_grad=True)
        v.grad = g.clone()
        params.append((name, v))
    norm_type = math.inf if p["norm_type"] == "inf" else float(p["norm_type"])
    total = torch.nn.utils.clip_grad_norm_([v for _, v in params], p["max_norm"], norm_type)
    return {n: v.grad for n, v in params}, {"total_norm": total}


def wespeaker_exponential(p, i):
    # wespeaker/utils/schedulers.py, ExponentialDecrease.get_current_lr (BaseClass warm-up).
    max_iter = p["num_epochs"] * p["epoch_iter"]
    warm = p["warm_up_epochs"] * p["epoch_iter"]
    coeff = p["scale_ratio"]
    if i < warm:
        if p["warm_from_zero"]:
            coeff = p["scale_ratio"] * i / warm
        elif p["scale_ratio"] > 1:
            coeff = (p["scale_ratio"] - 1) * i / warm + 1.0
    return coeff * p["initial_lr"] * math.exp(
        (i / max_iter) * math.log(p["final_lr"] / p["initial_lr"]))


def wespeaker_cosine(p, i):
    # WarmupCosineScheduler.clr with max_lr = initial_lr, min_lr = final_lr, fix = num_epochs.
    warm = p["warm_up_epochs"] * p["epoch_iter"]
    fix = int(p["num_epochs"] * p["epoch_iter"])
    mx, mn = p["initial_lr"], p["final_lr"]
    if i < warm:
        return mx * (i / warm)
    if i < fix:
        return mn + 0.5 * (mx - mn) * (1 + math.cos(math.pi * (i - warm) / (fix - warm)))
    return mn


def wespeaker_step(p, i):
    # WarmupLR_withStepDecay.get_lr_factor, decay_step in epochs.
    warm = p["warm_up_epochs"] * p["epoch_iter"]
    decay = p["step_epochs"] * p["epoch_iter"]
    if i < warm:
        return p["initial_lr"] * (i + 1) / (warm + 1)
    return p["initial_lr"] * p["gamma"] ** ((i - warm) // decay)


def schedule(p, t):
    n = p["steps"]
    lrs = {}
    if p["reference"] == "torch":
        w = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([w], lr=p["initial_lr"])
        if p["type"] == "step":
            sched = torch.optim.lr_scheduler.StepLR(
                opt, step_size=int(p["step_epochs"] * p["epoch_iter"]), gamma=p["gamma"])
        else:
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(
                opt, T_max=p["num_epochs"] * p["epoch_iter"], eta_min=p["final_lr"])
        for i in range(n):
            lrs[f"lr{i}"] = opt.param_groups[0]["lr"]
            opt.step()
            sched.step()
    else:
        f = {"exponential": wespeaker_exponential, "cosine": wespeaker_cosine,
             "step": wespeaker_step}[p["type"]]
        for i in range(n):
            lrs[f"lr{i}"] = f(p, i)
    return {}, lrs


def main():
    mode, req, ans = sys.argv[1:4]
    p, t = read_request(req)
    tensors, numbers = {"train": train, "clip": clip, "schedule": schedule}[mode](p, t)
    write_answer(ans, tensors, numbers)


if __name__ == "__main__":
    main()

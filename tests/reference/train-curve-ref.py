#!/usr/bin/env python3
# tests/reference/train-curve-ref.py: the PyTorch side of the trainer's loss-curve test
# (tests/unit/nnet/trainer-test.cc): the same network (tests/reference/models-ref.py's
# reimplementation, same module paths), the same initial weights, the same batches, learning
# rates and margins per step, trained with torch.optim.SGD and clip_grad_norm_; prints
# nothing, writes the loss of every step.
#
# Usage: train-curve-ref.py IN OUT      (exits 2 if torch is missing; the test then skips)
# IN:  models-ref.py's tensor format. Line 1 is JSON: {"model": {...}, "loss": {...},
#      "sgd": {"momentum", "weight_decay", "nesterov"}, "grad_clip": c, "steps": [[lr, margin],
#      ...]}; tensors param/<path> and buffer/<path> (paths of the TrainedModel: model/...,
#      head/...), and per step k: feats/<k> (B, T, D) and labels/<k> (B).
# OUT: the tensor "losses" (steps).
import importlib.util
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("models_ref", os.path.join(here, "models-ref.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)  # exits 2 when torch is missing
torch = ref.torch


def load(module, prefix, tensors):
    state = module.state_dict()
    given = {}
    for name, t in tensors.items():
        kind, _, path = name.partition("/")
        if kind in ("param", "buffer") and path.startswith(prefix + "/"):
            key = path[len(prefix) + 1:].replace("/", ".")
            given[key] = t.long() if key.endswith("num_batches_tracked") else t
    missing, unused = set(state) - set(given), set(given) - set(state)
    if missing or unused:
        raise ValueError("%s: missing %s, unused %s" % (prefix, sorted(missing), sorted(unused)))
    module.load_state_dict(given)


def main():
    req, ts = ref.read_request(sys.argv[1])
    model = ref.Ecapa(req["model"]) if req["model"]["type"] == "ecapa-tdnn" else \
        ref.build({"kind": "model", "config": req["model"]})
    head = ref.MarginHead(dict(req["loss"]))
    load(model, "model", ts)
    load(head, "head", ts)
    model.train()
    head.train()
    params = list(model.parameters()) + list(head.parameters())
    sgd = req["sgd"]
    opt = torch.optim.SGD(params, lr=0.0, momentum=sgd["momentum"],
                          weight_decay=sgd["weight_decay"], nesterov=sgd["nesterov"])
    losses = []
    for k, (lr, margin) in enumerate(req["steps"]):
        for g in opt.param_groups:
            g["lr"] = lr
        head.c["margin"] = margin
        opt.zero_grad()
        emb = model(ts["feats/%d" % k])["embedding"]
        loss = head(emb, ts["labels/%d" % k].long())["loss"]
        loss.sum().backward()
        if req["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(params, req["grad_clip"])
        opt.step()
        losses.append(float(loss.item()))
    ref.write_tensors(sys.argv[2], [("losses", torch.tensor(losses, dtype=torch.float32))])


if __name__ == "__main__":
    main()

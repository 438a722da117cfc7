#!/usr/bin/env python3
# tests/reference/checkpoint-dump.py: an independent reading of checkpoints, for the C++
# reader's tests to compare with. .pt files are read by torch.load (Debian's python3-torch);
# .safetensors files by a few lines of numpy; a folder as Hugging Face does (config.json +
# model.safetensors or pytorch_model.bin). Exits 2 if torch is missing.
#
# Usage: checkpoint-dump.py <outdir> <checkpoint>...
# For the i-th checkpoint (0-based) writes <outdir>/<i>.txt:
#   config <compact JSON of the config, or null>
#   tensor <name> <dtype> <ndim> <dims...>     (one line per tensor, file order)
# and <outdir>/<i>.f32: every tensor's values as float32 (tensor.float(), row-major), in
# the same order. The torch layout rule (state dict, or under 'model'/'state_dict' with
# 'cfg' or 'args' as config) is the one src/io/checkpoint.h documents.
import argparse
import json
import os
import struct
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"torch/numpy not available: {e}")
    sys.exit(2)

TORCH_NAMES = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
               torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
               torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
               torch.bool: "bool"}
ST_TYPES = {"F32": ("float32", "<f4"), "F16": ("float16", "<f2"), "BF16": ("bfloat16", "<u2"),
            "F64": ("float64", "<f8"), "I64": ("int64", "<i8"), "I32": ("int32", "<i4"),
            "I16": ("int16", "<i2"), "I8": ("int8", "i1"), "U8": ("uint8", "u1"),
            "BOOL": ("bool", "u1")}


def jsonable(v):
    if isinstance(v, argparse.Namespace):
        v = vars(v)
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def read_torch(path):
    # Only our own or the shared fixtures' files: torch 1.13's weights_only unpickler cannot
    # read floats (BINFLOAT) or argparse.Namespace, so this is the full, trusting one.
    obj = torch.load(path, map_location="cpu")
    is_sd = lambda d: isinstance(d, dict) and d and all(torch.is_tensor(x) for x in d.values())
    if is_sd(obj):
        return None, [(k, v) for k, v in obj.items()]
    for key in ("model", "state_dict"):
        if is_sd(obj.get(key)):
            cfg = obj.get("cfg", obj.get("args"))
            return jsonable(cfg), [(k, v) for k, v in obj[key].items()]
    raise SystemExit(f"{path}: no state dict")


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, np_type = ST_TYPES[info["dtype"]]
        b, e = info["data_offsets"]
        a = np.frombuffer(body[b:e], dtype=np_type).reshape(info["shape"])
        if dtype == "bfloat16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        tensors.append((name, (dtype, a)))
    return None, tensors


def read_any(path):
    if os.path.isdir(path):
        cfg = json.load(open(f"{path}/config.json")) if os.path.exists(f"{path}/config.json") \
            else None
        weights = f"{path}/model.safetensors"
        if not os.path.exists(weights):
            weights = f"{path}/pytorch_model.bin"
        _, tensors = read_any(weights)
        return cfg, tensors
    if path.endswith(".safetensors"):
        return read_safetensors(path)
    return read_torch(path)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for i, path in enumerate(sys.argv[2:]):
    cfg, tensors = read_any(path)
    lines = ["config " + json.dumps(cfg, separators=(",", ":"))]
    values = []
    for name, t in tensors:
        if torch.is_tensor(t):
            dtype = TORCH_NAMES[t.dtype]
            shape = list(t.shape)
            values.append(t.detach().float().contiguous().numpy().astype("<f4").tobytes())
        else:
            dtype, a = t
            shape = list(a.shape)
            if dtype == "float16":
                a = a.astype(np.float32)
            values.append(np.ascontiguousarray(a, dtype="<f4").tobytes())
        lines.append(" ".join(["tensor", name, dtype, str(len(shape))] + [str(d) for d in shape]))
    with open(f"{out}/{i}.txt", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(f"{out}/{i}.f32", "wb") as f:
        f.write(b"".join(values))

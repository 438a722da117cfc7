#!/usr/bin/env python3
# tests/reference/checkpoint-make.py: writes the synthetic checkpoints the checkpoint
# reader tests need, with Debian's python3-torch (run with /usr/bin/python3). Exits 2 if
# torch is missing (the tests then skip, saying so).
#
# Usage: checkpoint-make.py <outdir>
# Writes:
#   dtypes.pt            state dict: float32/float16/bfloat16/float64/int64/int32/int16/
#                        int8/uint8/bool, 0-d and empty tensors, an nn.Parameter, and
#                        non-contiguous views (transpose, offset slice, step slice, expand)
#                        sharing storages
#   dtypes.safetensors   the contiguous float/int/bool tensors in safetensors (written here
#                        by hand: Debian has no safetensors package)
#   namespace.pt         fairseq layout {'args': argparse.Namespace, 'model': state dict}
#   protocol4.pt         a state dict pickled with protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE)
#   forbidden.pt         an object whose __reduce__ is (os.system, ('echo pwned',))
#   forbidden4.pt        the same with pickle protocol 4 (STACK_GLOBAL)
#   legacy.pt            dtypes.pt's state dict saved with _use_new_zipfile_serialization=False
#   truncated.pt         the first 60% of dtypes.pt
#   deflated.pt          dtypes.pt re-zipped with deflate compression
import argparse
import json
import os
import struct
import sys
import zipfile

try:
    import torch
except ImportError as e:
    print(f"torch not available: {e}")
    sys.exit(2)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(5)


def dtypes_state_dict():
    base = torch.randn(6, 5)
    sd = {}
    sd["f32"] = torch.randn(3, 4)
    sd["f16"] = (torch.randn(7) * 100).half()
    sd["f16_special"] = torch.tensor([6.1e-5, 5.96e-8, -0.0, 65504.0, float("inf"),
                                      -float("inf")], dtype=torch.float16)
    sd["bf16"] = torch.randn(2, 3).bfloat16()
    sd["f64"] = torch.randn(2, 2, dtype=torch.float64)
    sd["i64"] = torch.tensor([0, -5, 123456789, 2 ** 40], dtype=torch.int64)
    sd["num_batches_tracked"] = torch.tensor(1234, dtype=torch.int64)  # 0-d
    sd["i32"] = torch.tensor([[1, -2], [3, 2 ** 30]], dtype=torch.int32)
    sd["i16"] = torch.tensor([-32768, 7], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    sd["mask"] = torch.tensor([True, False, True])
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.randn(4))
    # Views into one storage: torch.save keeps them as views (offset, strides).
    sd["base"] = base
    sd["transposed"] = base.t()
    sd["row_slice"] = base[2:5]
    sd["step_slice"] = base[1::2, ::2]
    sd["column"] = base[:, 3]
    sd["expanded"] = torch.randn(3, 1).expand(3, 4)
    sd["half_view"] = (torch.randn(4, 6) * 10).half()[1:, 2:5].t()
    return sd


dtypes = dtypes_state_dict()
torch.save(dtypes, f"{out}/dtypes.pt")

# safetensors by hand (format: 8-byte LE header length, JSON header, raw data).
st_names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
            torch.float64: "F64", torch.int64: "I64", torch.int32: "I32",
            torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
header, blobs, offset = {"__metadata__": {"format": "pt", "note": "voxtools test"}}, [], 0
for name in sorted(["f32", "f16", "f16_special", "bf16", "f64", "i64", "num_batches_tracked",
                    "i32", "i16", "i8", "u8", "mask", "empty"]):
    t = dtypes[name].contiguous()
    if t.dtype == torch.bfloat16:
        raw = t.view(torch.int16).numpy().tobytes()
    else:
        raw = t.numpy().tobytes()
    header[name] = {"dtype": st_names[t.dtype], "shape": list(t.shape),
                    "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(f"{out}/dtypes.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

small = {"w": torch.randn(2, 3), "b": torch.randn(3)}
ns = argparse.Namespace(encoder_layers=2, dropout=0.1, name="tiny", layers=[(32, 10, 5)],
                        flag=True, nothing=None)
torch.save({"args": ns, "model": small, "extra": {"epoch": 3}}, f"{out}/namespace.pt")
torch.save(small, f"{out}/protocol4.pt", pickle_protocol=4)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


torch.save({"w": torch.zeros(2), "evil": Evil()}, f"{out}/forbidden.pt")
torch.save({"w": torch.zeros(2), "evil": Evil()}, f"{out}/forbidden4.pt", pickle_protocol=4)
torch.save(dtypes, f"{out}/legacy.pt", _use_new_zipfile_serialization=False)

with open(f"{out}/dtypes.pt", "rb") as f:
    data = f.read()
with open(f"{out}/truncated.pt", "wb") as f:
    f.write(data[: len(data) * 6 // 10])
with zipfile.ZipFile(f"{out}/dtypes.pt") as zin, \
        zipfile.ZipFile(f"{out}/deflated.pt", "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        zout.writestr(item.filename, zin.read(item.filename))

"""A safetensors reader for the reference scripts (Debian has no python3-safetensors).

The format: a u64 little-endian header length, a JSON header naming each tensor's dtype,
shape and byte range, then the raw little-endian data. read_safetensors(path) returns
{name: float32 torch tensor}. (checkpoint-dump.py keeps its own reader: it reports the
stored dtype, bfloat16 included, which the SSL scripts do not need.)
"""
import json
import struct

import numpy as np
import torch

_DTYPES = {'F32': np.float32, 'F16': np.float16, 'F64': np.float64, 'I64': np.int64,
           'I32': np.int32}


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        if info['dtype'] not in _DTYPES:
            raise ValueError('%s: tensor %s has unsupported dtype %s' % (path, name, info['dtype']))
        b, e = info['data_offsets']
        a = np.frombuffer(data[b:e], dtype=np.dtype(_DTYPES[info['dtype']]).newbyteorder('<'))
        out[name] = torch.from_numpy(a.reshape(info['shape']).astype(np.float32))
    return out

#!/usr/bin/env python3
# tests/reference/ssl-checkpoints.py: variants of the WavLM fixture checkpoints
# ($VOX_FIXTURES/ssl/base_tiny) that nnet-import-ssl must accept or refuse, made with Debian's
# python3-torch. Exits 2 if torch is missing (the Bats tests then skip, saying so).
#
# Usage: ssl-checkpoints.py <fixture-config-dir> <outdir>
# Writes:
#   hf_prefixed/      config.json + preprocessor_config.json + pytorch_model.bin with every key
#                     under "wavlm." (as WavLMForXVector saves), the pos-conv weight norm as
#                     parametrizations.weight.original0/1 (torch >= 2.1), and a head tensor
#                     "projector.weight" that must be skipped
#   torchaudio.pt     the state dict under torchaudio >= 2.0 wavlm_model names (q, k, v stacked
#                     in attention.attention.in_proj_weight/bias), no config
#   missing.pt        checkpoint.pt without encoder.layers.1.fc2.weight
#   unknown.pt        checkpoint.pt plus encoder.layers.0.self_attn.extra.weight
#   forbidden.pt      checkpoint.pt plus an entry whose __reduce__ is os.system
#   truncated.pt      the first 60% of checkpoint.pt
import json
import os
import shutil
import sys

try:
    import torch
except ImportError:
    sys.exit(2)

from safetensors_read import read_safetensors


class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    hf = read_safetensors(os.path.join(src, 'model.safetensors'))

    d = os.path.join(out, 'hf_prefixed')
    os.makedirs(d, exist_ok=True)
    for f in ('config.json', 'preprocessor_config.json'):
        shutil.copy(os.path.join(src, f), d)
    pre = {}
    for k, v in hf.items():
        k = k.replace('pos_conv_embed.conv.weight_g', 'pos_conv_embed.conv.parametrizations.weight.original0')
        k = k.replace('pos_conv_embed.conv.weight_v', 'pos_conv_embed.conv.parametrizations.weight.original1')
        pre['wavlm.' + k] = v
    pre['projector.weight'] = torch.zeros(4, 4)
    torch.save(pre, os.path.join(d, 'pytorch_model.bin'))

    ta = {}
    layers = {}
    for k, v in hf.items():
        if k == 'masked_spec_embed':
            continue
        if k.startswith('feature_projection.'):
            ta['encoder.' + k] = v
        elif k.startswith('encoder.'):
            parts = k.split('.')
            if len(parts) > 4 and parts[1] == 'layers' and parts[3] == 'attention' and \
                    parts[4] in ('q_proj', 'k_proj', 'v_proj', 'out_proj'):
                layers.setdefault(parts[2], {})[parts[4] + '.' + parts[5]] = v
            else:
                ta['encoder.transformer.' + k[len('encoder.'):]] = v
        else:
            ta[k] = v
    for n, p in layers.items():
        base = 'encoder.transformer.layers.%s.attention.attention.' % n
        ta[base + 'in_proj_weight'] = torch.cat([p['q_proj.weight'], p['k_proj.weight'], p['v_proj.weight']])
        ta[base + 'in_proj_bias'] = torch.cat([p['q_proj.bias'], p['k_proj.bias'], p['v_proj.bias']])
        ta[base + 'out_proj.weight'] = p['out_proj.weight']
        ta[base + 'out_proj.bias'] = p['out_proj.bias']
    torch.save(ta, os.path.join(out, 'torchaudio.pt'))

    ck = torch.load(os.path.join(src, 'checkpoint.pt'))
    m = dict(ck['model'])
    del m['encoder.layers.1.fc2.weight']
    torch.save({'cfg': ck['cfg'], 'model': m}, os.path.join(out, 'missing.pt'))
    m = dict(ck['model'])
    m['encoder.layers.0.self_attn.extra.weight'] = torch.zeros(3)
    torch.save({'cfg': ck['cfg'], 'model': m}, os.path.join(out, 'unknown.pt'))
    torch.save({'cfg': ck['cfg'], 'model': ck['model'], 'x': Evil()}, os.path.join(out, 'forbidden.pt'))
    raw = open(os.path.join(src, 'checkpoint.pt'), 'rb').read()
    open(os.path.join(out, 'truncated.pt'), 'wb').write(raw[:int(len(raw) * 0.6)])


if __name__ == '__main__':
    main()

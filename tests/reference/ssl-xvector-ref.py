#!/usr/bin/env python3
# tests/reference/ssl-xvector-ref.py: transformers-style WavLMForXVector folders built on the
# WavLM fixtures ($VOX_FIXTURES/ssl), with random head weights, and the reference embeddings
# of the fixture waveforms, computed here in PyTorch from the fixtures' stored hidden states
# (the official code's layer outputs). transformers is not needed: the head below follows
# its WavLMForXVector (modeling_wavlm.py) step by step, with the TDNN written as transformers
# first wrote it (unfold + Linear), independent of our conv1d route. Exits 2 without torch.
#
# Usage: ssl-xvector-ref.py <fixtures-ssl-dir> <outdir>
# Writes:
#   wav.h5                  utt1 = inputs/wav_1p0s, utt2 = inputs/wav_3p7s (float32 audio
#                           datasets, full scale 1.0, 16 kHz), and a 0.25 s "short" item
#   base/                   base_tiny (post-norm) + head with use_weighted_layer_sum:
#                           config.json (architectures WavLMForXVector), preprocessor_config.json,
#                           pytorch_model.bin (torch.save; encoder keys under "wavlm."),
#                           ref.npy (2, D): the embeddings of utt1, utt2
#   large/                  large_tiny (pre-norm, do_normalize) + weighted head; ref.npy, and
#                           ref_layer_last.npy: the same head on layer_03 instead of final (what
#                           a loader that ignores transformers' pre-norm numbering would give)
#   last/                   base_tiny + head without weighted sum (the last hidden state)
#   bad_missing/            base/ without tdnn.2.kernel.bias
#   bad_shape/              base/ with projector.weight one row short
#   bad_extra/              base/ plus tdnn.5.kernel.weight (a sixth TDNN layer)
#   bad_layer_weights/      last/ plus a layer_weights tensor
#   bad_arch/               base/ with architectures ["WavLMForSpeakerEmbedding"]
#   bad_hubert_arch/        base/ with architectures ["HubertForXVector"]
import json
import os
import shutil
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(2)

from safetensors_read import read_safetensors

# Small head sizes with transformers' layout (5 TDNN layers, kernels 5,3,3,1,1, dilations
# 1,2,3,1,1: 14 frames of context, so the 1.0 s input keeps 35 frames).
TDNN_DIM = [24, 24, 20, 20, 48]
TDNN_KERNEL = [5, 3, 3, 1, 1]
TDNN_DILATION = [1, 2, 3, 1, 1]
XVECTOR_DIM = 16
NUM_LABELS = 5


def make_head(hidden, num_layers, weighted, seed):
    """Random head weights under transformers' names. Not its init (Linear N(0, 0.02), zero
    biases, uniform layer weights): values of that size would hide a wrong layer weighting or
    bias handling, so every tensor gets noise of the scale that keeps activations O(1)."""
    g = torch.Generator().manual_seed(seed)

    def linear(name, fan_in, fan_out, sd):
        sd_w = 1.0 / fan_in ** 0.5
        sd[name + '.weight'] = torch.randn(fan_out, fan_in, generator=g) * sd_w
        sd[name + '.bias'] = torch.randn(fan_out, generator=g) * 0.1

    sd = {}
    if weighted:
        sd['layer_weights'] = torch.randn(num_layers + 1, generator=g)
    linear('projector', hidden, TDNN_DIM[0], sd)
    for i, (dim, k) in enumerate(zip(TDNN_DIM, TDNN_KERNEL)):
        in_dim = TDNN_DIM[i - 1] if i > 0 else TDNN_DIM[0]
        linear('tdnn.%d.kernel' % i, in_dim * k, dim, sd)
    linear('feature_extractor', 2 * TDNN_DIM[-1], XVECTOR_DIM, sd)
    linear('classifier', XVECTOR_DIM, XVECTOR_DIM, sd)
    sd['objective.weight'] = torch.randn(XVECTOR_DIM, NUM_LABELS, generator=g)
    return sd


def head_forward(sd, hidden_states, weighted):
    """transformers' WavLMForXVector.forward after the encoder, for one utterance without an
    attention mask. hidden_states: the encoder's hidden_states tuple, each (1, T, E)."""
    if weighted:
        h = torch.stack(hidden_states, dim=1)
        w = F.softmax(sd['layer_weights'], dim=-1)
        h = (h * w.view(-1, 1, 1)).sum(dim=1)
    else:
        h = hidden_states[-1]
    h = F.linear(h, sd['projector.weight'], sd['projector.bias'])
    for i, (dim, k, d) in enumerate(zip(TDNN_DIM, TDNN_KERNEL, TDNN_DILATION)):
        in_dim = h.shape[-1]
        # unfold: each output frame sees frames t, t+d, ..., t+(k-1)d side by side (frame-major).
        x = F.unfold(h.unsqueeze(1), (k, in_dim), stride=(1, in_dim), dilation=(d, 1))
        h = torch.relu(F.linear(x.transpose(1, 2), sd['tdnn.%d.kernel.weight' % i],
                                sd['tdnn.%d.kernel.bias' % i]))
    stats = torch.cat([h.mean(dim=1), h.std(dim=1)], dim=-1)  # std unbiased, as torch.std
    return F.linear(stats, sd['feature_extractor.weight'], sd['feature_extractor.bias'])


def hidden_states(fixture, case, num_layers, names):
    return tuple(torch.from_numpy(np.load(os.path.join(fixture, case, n + '.npy')))
                 for n in names)


def write_folder(out, fixture, state_dict, config_extra):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(fixture, 'config.json')) as f:
        config = json.load(f)
    config.pop('_comment', None)
    config.update(config_extra)
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(config, f, indent=1)
    shutil.copy(os.path.join(fixture, 'preprocessor_config.json'), out)
    torch.save(state_dict, os.path.join(out, 'pytorch_model.bin'))


def xvector_config(weighted):
    return {'architectures': ['WavLMForXVector'], 'use_weighted_layer_sum': weighted,
            'tdnn_dim': TDNN_DIM, 'tdnn_kernel': TDNN_KERNEL, 'tdnn_dilation': TDNN_DILATION,
            'xvector_output_dim': XVECTOR_DIM,
            'id2label': {str(i): 'spk%d' % i for i in range(NUM_LABELS)},
            'label2id': {'spk%d' % i: i for i in range(NUM_LABELS)}}


def build(ssl, out, name, fixture_name, weighted, seed, layer_names):
    fixture = os.path.join(ssl, fixture_name)
    with open(os.path.join(fixture, 'config.json')) as f:
        cfg = json.load(f)
    num_layers, hidden = cfg['num_hidden_layers'], cfg['hidden_size']
    encoder = read_safetensors(os.path.join(fixture, 'model.safetensors'))
    head = make_head(hidden, num_layers, weighted, seed)
    sd = {'wavlm.' + k: v for k, v in encoder.items()}
    sd.update(head)
    d = os.path.join(out, name)
    write_folder(d, fixture, sd, xvector_config(weighted))
    refs = {}
    for tag, names in layer_names.items():
        with torch.no_grad():
            e = [head_forward(head, hidden_states(fixture, case, num_layers, names), weighted)[0]
                 for case in ('wav_1p0s', 'wav_3p7s')]
        refs[tag] = torch.stack(e).numpy()
        np.save(os.path.join(d, tag + '.npy'), refs[tag])
    return d, sd, cfg


def main():
    ssl, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    import h5py
    with h5py.File(os.path.join(out, 'wav.h5'), 'w') as f:
        for key, n in (('utt1', 'wav_1p0s'), ('utt2', 'wav_3p7s')):
            x = f.create_dataset(key, data=np.load(os.path.join(ssl, 'inputs', n + '.npy')))
            x.attrs['sample_rate'] = 16000.0
            x.attrs['full_scale'] = 1.0
        x = f.create_dataset('short', data=np.load(os.path.join(ssl, 'inputs', 'wav_1p0s.npy'))[:4000])
        x.attrs['sample_rate'] = 16000.0
        x.attrs['full_scale'] = 1.0

    # transformers' hidden_states: index 0 = layer_00, n = layer n, and the last one is the
    # final output (post-norm: = layer L; pre-norm: LayerNorm(layer L) = final.npy).
    base, base_sd, _ = build(ssl, out, 'base', 'base_tiny', True, 11,
                             {'ref': ['layer_00', 'layer_01', 'final']})
    build(ssl, out, 'large', 'large_tiny', True, 12,
          {'ref': ['layer_00', 'layer_01', 'layer_02', 'final'],
           'ref_layer_last': ['layer_00', 'layer_01', 'layer_02', 'layer_03']})
    last, last_sd, _ = build(ssl, out, 'last', 'base_tiny', False, 13,
                             {'ref': ['layer_00', 'layer_01', 'final']})

    fixture = os.path.join(ssl, 'base_tiny')
    with open(os.path.join(base, 'config.json')) as f:
        base_cfg = json.load(f)

    def variant(name, sd, arch=None, cfg=None):
        d = os.path.join(out, name)
        c = dict(cfg or base_cfg)
        if arch:
            c['architectures'] = arch
        write_folder(d, fixture, sd, c)

    sd = dict(base_sd)
    del sd['tdnn.2.kernel.bias']
    variant('bad_missing', sd)
    sd = dict(base_sd)
    sd['projector.weight'] = sd['projector.weight'][:-1].clone()
    variant('bad_shape', sd)
    sd = dict(base_sd)
    sd['tdnn.5.kernel.weight'] = torch.zeros(48, 48)
    variant('bad_extra', sd)
    with open(os.path.join(last, 'config.json')) as f:
        last_cfg = json.load(f)
    sd = dict(last_sd)
    sd['layer_weights'] = torch.zeros(3)
    variant('bad_layer_weights', sd, cfg=last_cfg)
    variant('bad_arch', base_sd, arch=['WavLMForSpeakerEmbedding'])
    variant('bad_hubert_arch', base_sd, arch=['HubertForXVector'])


if __name__ == '__main__':
    main()

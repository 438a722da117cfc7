#!/usr/bin/env python3
# tests/reference/ssl-torchaudio.py: HuBERT and wav2vec 2.0 references from Debian's
# torchaudio 0.13 (run with /usr/bin/python3), for tests/unit/nnet/ssl-torchaudio-test.cc.
# Exits 2 if torch/torchaudio are missing (the test then skips, saying so).
#
# Usage: ssl-torchaudio.py <outdir>
# For each model in MODELS, with random weights (torch.manual_seed, then seeded noise on every
# norm's weight and bias so that none keeps the value 1 or 0 a loader could get by accident,
# and conv blocks 1.. scaled by 3 so that the CNN output is O(1)):
#   <outdir>/<model>/state_dict.pt           torch.save(model.state_dict()) (torchaudio names)
#   <outdir>/<model>/config.json             the architecture in voxtools' SslConfig JSON
#   <outdir>/<model>/<case>/input.npy        (1, N) float32 waveform (seeded noise-like audio)
#   <outdir>/<model>/<case>/{cnn,proj,layer_NN,final}.npy   (1, T, C) float32
# cases: s1p0 (16000 samples) and s3p7 (59200) for every model; s20p0 (320000 samples, 20 s,
# 999 frames: long-input errors of the first GroupNorm's statistics over 63999 frames, the
# positional conv or the attention would show there) for hubert_base and wav2vec2_base.
# layer_00 is the transformer input after the
# positional conv (and the encoder LayerNorm for post-norm models); layer_NN (NN >= 1) the
# output of layer NN (torchaudio's get_intermediate_outputs); final is model.encoder(...)
# (with the final LayerNorm of pre-norm models).
import json
import os
import sys

try:
    import numpy as np
    import torch
    import torchaudio
except ImportError:
    sys.exit(2)

BASE_CONV = '[(512,10,5)] + [(512,3,2)] * 4 + [(512,2,2)] * 2'
TINY_CONV = [(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2
SHORT = {'s1p0': 16000, 's3p7': 59200}
LONG = {'s20p0': 320000}


def tiny_prenorm():
    # wav2vec2 Large-lv60k's layout (layer_norm extractor with conv bias, pre-norm) at toy size.
    return torchaudio.models.wav2vec2_model(
        extractor_mode='layer_norm', extractor_conv_layer_config=TINY_CONV,
        extractor_conv_bias=True, encoder_embed_dim=48, encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=16, encoder_pos_conv_groups=4, encoder_num_layers=2,
        encoder_num_heads=3, encoder_attention_dropout=0.0, encoder_ff_interm_features=96,
        encoder_ff_interm_dropout=0.0, encoder_dropout=0.0, encoder_layer_norm_first=True,
        encoder_layer_drop=0.0, aux_num_out=None)


def base_config(model_type):
    return {'family': 'ssl', 'model_type': model_type, 'conv_feature_layers': BASE_CONV,
            'extractor_mode': 'group_norm', 'conv_bias': False, 'embed_dim': 768,
            'ffn_dim': 3072, 'num_heads': 12, 'num_layers': 12, 'layer_norm_first': False,
            'conv_pos': 128, 'conv_pos_groups': 16, 'relative_position_embedding': False,
            'gru_rel_pos': False, 'normalize': False}


MODELS = {
    'hubert_base': (torchaudio.models.hubert_base, base_config('hubert'), 11, {**SHORT, **LONG}),
    'wav2vec2_base': (torchaudio.models.wav2vec2_base, base_config('wav2vec2'), 12,
                      {**SHORT, **LONG}),
    'tiny_prenorm': (tiny_prenorm, {
        'family': 'ssl', 'model_type': 'wav2vec2',
        'conv_feature_layers': '[(32,10,5)] + [(32,3,2)] * 4 + [(32,2,2)] * 2',
        'extractor_mode': 'layer_norm', 'conv_bias': True, 'embed_dim': 48, 'ffn_dim': 96,
        'num_heads': 3, 'num_layers': 2, 'layer_norm_first': True, 'conv_pos': 16,
        'conv_pos_groups': 4, 'relative_position_embedding': False, 'gru_rel_pos': False,
        'normalize': False}, 13, SHORT),
}


def save(path, t):
    np.save(path, np.ascontiguousarray(t.detach().numpy(), dtype=np.float32))


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    only = sys.argv[2:] or list(MODELS)
    for name in only:
        make, config, seed, cases = MODELS[name]
        torch.manual_seed(seed)
        model = make().eval()
        gen = torch.Generator().manual_seed(seed + 100)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                # torchaudio's default conv init shrinks activations ~3x per block: scale the
                # weights up so that the CNN output is O(1) and a 1e-4 comparison means something.
                if pname.startswith('feature_extractor.') and pname.endswith('conv.weight') and \
                        not pname.startswith('feature_extractor.conv_layers.0.'):
                    p.mul_(3.0)
                if 'layer_norm' in pname:
                    scale = 0.25 if pname.endswith('weight') else 0.1
                    p.add_(scale * torch.randn(p.shape, generator=gen))
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        torch.save(model.state_dict(), os.path.join(d, 'state_dict.pt'))
        with open(os.path.join(d, 'config.json'), 'w') as f:
            json.dump(config, f, indent=1)
        for case, n in cases.items():
            cd = os.path.join(d, case)
            os.makedirs(cd, exist_ok=True)
            rng = np.random.RandomState(n)
            wave = torch.from_numpy((0.1 * rng.randn(1, n)).astype(np.float32))
            save(os.path.join(cd, 'input.npy'), wave)
            with torch.no_grad():
                cnn, _ = model.feature_extractor(wave, None)
                proj = model.encoder.feature_projection(cnn)
                tr = model.encoder.transformer
                x0 = tr._preprocess(proj)
                if case in LONG:
                    # One encoder pass instead of three (a third of the test's time at 20 s):
                    # the bodies of torchaudio 0.13's get_intermediate_outputs and
                    # Transformer.forward, which the short cases call as they are.
                    layers, x = [], x0
                    for layer in tr.layers:
                        x = layer(x, None)
                        layers.append(x)
                    final = x if tr.layer_norm_first else tr.layer_norm(x)
                else:
                    layers = tr.get_intermediate_outputs(proj)
                    final = model.encoder(cnn)
            save(os.path.join(cd, 'cnn.npy'), cnn)
            save(os.path.join(cd, 'proj.npy'), proj)
            for i, x in enumerate([x0] + layers):
                save(os.path.join(cd, 'layer_%02d.npy' % i), x)
            save(os.path.join(cd, 'final.npy'), final)


if __name__ == '__main__':
    main()

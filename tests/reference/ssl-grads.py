#!/usr/bin/env python3
# tests/reference/ssl-grads.py: gradients through HuBERT/wav2vec 2.0 in training mode from
# Debian's torchaudio 0.13 (run with /usr/bin/python3), for
# tests/unit/nnet/ssl-train-features-test.cc. Exits 2 if torch/torchaudio are missing.
#
# Usage: ssl-grads.py <outdir>
# For each toy model (post-norm with a GroupNorm conv encoder; pre-norm with LayerNorm conv
# blocks and conv bias), random weights (seeded, norms perturbed off 1/0), dropouts and
# layer-drop 0, train mode:
#   <outdir>/<model>/state_dict.pt, config.json      as ssl-torchaudio.py writes them
#   <outdir>/<model>/input.npy                       (2, 8000) float32 waveforms
#   <outdir>/<model>/proj_w.npy, layer_NN_w.npy      (2, T, E) fixed random loss weights
#   <outdir>/<model>/grad/<param name>.npy           d loss / d param
#   <outdir>/<model>/grad_input.npy                  d loss / d input
# loss = sum(proj * proj_w) + sum_n sum(layer_n * layer_n_w), n = 0..L (layer 0: transformer
# input after the positional conv; layer L: the encoder's output, so every parameter but the
# final LayerNorm of the pre-norm model gets a gradient).
import json
import os
import sys

try:
    import numpy as np
    import torch
    import torchaudio
except ImportError:
    sys.exit(2)

TINY_CONV = [(16, 10, 5)] + [(16, 3, 2)] * 4 + [(16, 2, 2)] * 2
CONV_TEXT = '[(16,10,5)] + [(16,3,2)] * 4 + [(16,2,2)] * 2'


def toy(mode, pre_norm):
    return torchaudio.models.wav2vec2_model(
        extractor_mode=mode, extractor_conv_layer_config=TINY_CONV,
        extractor_conv_bias=pre_norm, encoder_embed_dim=24, encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=8, encoder_pos_conv_groups=4, encoder_num_layers=2,
        encoder_num_heads=3, encoder_attention_dropout=0.0, encoder_ff_interm_features=40,
        encoder_ff_interm_dropout=0.0, encoder_dropout=0.0, encoder_layer_norm_first=pre_norm,
        encoder_layer_drop=0.0, aux_num_out=None)


def config(mode, pre_norm):
    return {'family': 'ssl', 'model_type': 'wav2vec2', 'conv_feature_layers': CONV_TEXT,
            'extractor_mode': mode, 'conv_bias': pre_norm, 'embed_dim': 24, 'ffn_dim': 40,
            'num_heads': 3, 'num_layers': 2, 'layer_norm_first': pre_norm, 'conv_pos': 8,
            'conv_pos_groups': 4, 'relative_position_embedding': False, 'gru_rel_pos': False,
            'normalize': False, 'dropout': 0.0, 'attention_dropout': 0.0,
            'activation_dropout': 0.0, 'dropout_input': 0.0, 'dropout_features': 0.0,
            'layerdrop': 0.0, 'feature_grad_mult': 1.0}


MODELS = {'postnorm': ('group_norm', False, 21), 'prenorm': ('layer_norm', True, 22)}


def save(path, t):
    np.save(path, np.ascontiguousarray(t.detach().numpy(), dtype=np.float32))


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    for name, (mode, pre_norm, seed) in MODELS.items():
        torch.manual_seed(seed)
        model = toy(mode, pre_norm)
        gen = torch.Generator().manual_seed(seed + 100)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if pname.startswith('feature_extractor.') and pname.endswith('conv.weight') and \
                        not pname.startswith('feature_extractor.conv_layers.0.'):
                    p.mul_(3.0)
                if 'layer_norm' in pname:
                    p.add_((0.25 if pname.endswith('weight') else 0.1) *
                           torch.randn(p.shape, generator=gen))
        d = os.path.join(out, name)
        os.makedirs(os.path.join(d, 'grad'), exist_ok=True)
        torch.save(model.state_dict(), os.path.join(d, 'state_dict.pt'))
        with open(os.path.join(d, 'config.json'), 'w') as f:
            json.dump(config(mode, pre_norm), f, indent=1)
        # The reference runs in float64 on the saved float32 weights: torch 1.13's float32
        # GroupNorm backward on CPU returns gradients of 1e29 for the post-norm toy where
        # float64 gives ~100 (instability in its kernel), so float32 torch is no reference.
        model = model.double().train()
        rng = np.random.RandomState(seed)
        wave = torch.from_numpy((0.1 * rng.randn(2, 8000)).astype(np.float32)).double().requires_grad_()
        save(os.path.join(d, 'input.npy'), wave)
        cnn, _ = model.feature_extractor(wave, None)
        proj = model.encoder.feature_projection(cnn)
        x0 = model.encoder.transformer._preprocess(proj)
        layers = [x0] + model.encoder.transformer.get_intermediate_outputs(proj)
        proj_w = torch.from_numpy(rng.randn(*proj.shape).astype(np.float32)).double()
        save(os.path.join(d, 'proj_w.npy'), proj_w)
        loss = (proj * proj_w).sum()
        for i, x in enumerate(layers):
            w = torch.from_numpy(rng.randn(*x.shape).astype(np.float32)).double()
            save(os.path.join(d, 'layer_%02d_w.npy' % i), w)
            loss = loss + (x * w).sum()
        loss.backward()
        save(os.path.join(d, 'grad_input.npy'), wave.grad)
        for pname, p in model.named_parameters():
            if p.grad is not None:
                save(os.path.join(d, 'grad', pname + '.npy'), p.grad)


if __name__ == '__main__':
    main()

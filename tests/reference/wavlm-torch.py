#!/usr/bin/env python3
# tests/reference/wavlm-torch.py: a PyTorch WavLM (written here from the model's description in
# $VOX_FIXTURES/ssl/README.md, not copied from the Microsoft or Hugging Face code), used as
# the reference for the fixtures and as the PyTorch peer of tests/bench/ssl.sh. Run it with
# Debian's python3 (torch 1.13); exits 2 if torch or numpy are missing.
#
# Usage:
#   wavlm-torch.py check <fixtures/ssl>
#       Load every config there in all three layouts (unilm checkpoint.pt, bare state_dict.pt
#       + wavlm_cfg.json, Hugging Face config.json + model.safetensors) and compare every
#       stored tensor (conv, proj, layer_NN, final, the padded batch, frame mask, buckets,
#       normalized input): prints one line per file and exits 1 on any max |diff| > 1e-4
#       (bool/int tensors: exact).
#   wavlm-torch.py random <conf/ssl/*.conf> <seed> <out.pt>
#       A randomly initialised model of the conf file's sizes saved as a unilm checkpoint
#       ({'cfg', 'model'}), which nnet-import-ssl reads.
#   wavlm-torch.py forward <checkpoint> <wav.npy> <out.npy> [outputs]
#       For a (N,) or (B, N) float32 waveform (normalized here if the cfg says normalize), the
#       outputs named as compute-ssl-feats --layers does (cnn, proj, 0..L, final; default
#       final), side by side: (B, T, sum of dims).
# As a module (importlib, the file name has a dash): load_checkpoint(path) -> (cfg, state dict
# in official names); WavLM(cfg, state_dict); model.extract(wav, padding_mask).
import ast
import json
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    if __name__ == '__main__':
        sys.exit(2)
    raise

from safetensors_read import read_safetensors

TOL = 1e-4

# WavLMConfig defaults for the fields the forward pass uses (a unilm cfg may omit any).
DEFAULTS = {
    'extractor_mode': 'default', 'encoder_layers': 12, 'encoder_embed_dim': 768,
    'encoder_ffn_embed_dim': 3072, 'encoder_attention_heads': 12, 'layer_norm_first': False,
    'conv_feature_layers': '[(512,10,5)] + [(512,3,2)] * 4 + [(512,2,2)] * 2',
    'conv_bias': False, 'conv_pos': 128, 'conv_pos_groups': 16,
    'relative_position_embedding': False, 'num_buckets': 320, 'max_distance': 1280,
    'gru_rel_pos': False, 'normalize': False,
}


# ---------------------------------------------------------------- checkpoint reading

def parse_conv_layers(text):
    """conv_feature_layers, a Python list expression such as
    '[(512,10,5)] + [(512,3,2)] * 4', evaluated without eval(): literals, + and *."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [ev(e) for e in node.elts] if isinstance(node, ast.List) \
                else tuple(ev(e) for e in node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
            a, b = ev(node.left), ev(node.right)
            return a + b if isinstance(node.op, ast.Add) else a * b
        raise ValueError('conv_feature_layers: unsupported expression %r' % text)
    layers = ev(ast.parse(text, mode='eval'))
    if not all(isinstance(t, tuple) and len(t) == 3 for t in layers):
        raise ValueError('conv_feature_layers: not a list of (dim, kernel, stride): %r' % text)
    return layers


def cfg_from_hf(folder):
    c = json.load(open(os.path.join(folder, 'config.json')))
    layers = list(zip(c['conv_dim'], c['conv_kernel'], c['conv_stride']))
    cfg = {
        'extractor_mode': {'group': 'default', 'layer': 'layer_norm'}[c.get('feat_extract_norm', 'group')],
        'conv_feature_layers': repr(layers), 'conv_bias': c.get('conv_bias', False),
        'encoder_embed_dim': c['hidden_size'], 'encoder_layers': c['num_hidden_layers'],
        'encoder_attention_heads': c['num_attention_heads'],
        'encoder_ffn_embed_dim': c['intermediate_size'],
        'layer_norm_first': c.get('do_stable_layer_norm', False),
        'conv_pos': c.get('num_conv_pos_embeddings', 128),
        'conv_pos_groups': c.get('num_conv_pos_embedding_groups', 16),
        'num_buckets': c.get('num_buckets', 320), 'max_distance': c.get('max_bucket_distance', 800),
        # HF WavLM always has the gated relative position bias.
        'relative_position_embedding': True, 'gru_rel_pos': True, 'normalize': False,
    }
    pp = os.path.join(folder, 'preprocessor_config.json')
    if os.path.exists(pp):
        cfg['normalize'] = bool(json.load(open(pp)).get('do_normalize', False))
    return cfg


def hf_to_official(sd, group_norm):
    """Hugging Face WavLMModel names -> official unilm names (group_norm: the extractor is in
    default mode, whose only conv-block norm is block 0's GroupNorm)."""
    out = {}
    for k, v in sd.items():
        if k.startswith('wavlm.'):
            k = k[len('wavlm.'):]
        elif not (k.startswith('feature_extractor.') or k.startswith('feature_projection.')
                  or k.startswith('encoder.') or k == 'masked_spec_embed'):
            continue  # a task head (projector, classifier, ...)
        k = k.replace('parametrizations.weight.original0', 'weight_g')
        k = k.replace('parametrizations.weight.original1', 'weight_v')
        parts = k.split('.')
        if k == 'masked_spec_embed':
            k = 'mask_emb'
        elif parts[0] == 'feature_extractor':
            i = parts[2]
            if parts[3] == 'conv':
                k = 'feature_extractor.conv_layers.%s.0.%s' % (i, parts[4])
            else:  # layer_norm: block 0's GroupNorm (default mode) or every block's LayerNorm
                k = 'feature_extractor.conv_layers.%s.%s.%s' % (
                    i, '2' if group_norm else '2.1', parts[4])
        elif parts[0] == 'feature_projection':
            k = {'layer_norm': 'layer_norm', 'projection': 'post_extract_proj'}[parts[1]] + '.' + parts[2]
        elif parts[1] == 'pos_conv_embed':
            k = 'encoder.pos_conv.0.' + parts[3]
        elif parts[1] == 'layers':
            n, mod = parts[2], parts[3]
            rest = '.'.join(parts[4:])
            pre = 'encoder.layers.%s.' % n
            if mod == 'attention':
                sub = parts[4]
                tail = '.'.join(parts[5:])
                if sub in ('q_proj', 'k_proj', 'v_proj', 'out_proj'):
                    k = pre + 'self_attn.%s.%s' % (sub, tail)
                elif sub == 'gru_rel_pos_linear':
                    k = pre + 'self_attn.grep_linear.' + tail
                elif sub == 'gru_rel_pos_const':
                    k = pre + 'self_attn.grep_a'
                elif sub == 'rel_attn_embed':
                    k = pre + 'self_attn.relative_attention_bias.' + tail
                else:
                    raise KeyError('unknown Hugging Face attention tensor ' + k)
            elif mod == 'layer_norm':
                k = pre + 'self_attn_layer_norm.' + rest
            elif mod == 'feed_forward':
                k = pre + {'intermediate_dense': 'fc1', 'output_dense': 'fc2'}[parts[4]] + '.' + parts[5]
            elif mod == 'final_layer_norm':
                k = pre + 'final_layer_norm.' + rest
            else:
                raise KeyError('unknown Hugging Face layer tensor ' + k)
        out[k] = v
    return out


def load_checkpoint(path, cfg_json=None):
    """(cfg, state dict in official names) from a unilm .pt ({'cfg', 'model'}), a bare state
    dict .pt (cfg from cfg_json), or a Hugging Face folder (config.json + model.safetensors or
    pytorch_model.bin)."""
    if os.path.isdir(path):
        cfg = cfg_from_hf(path)
        st = os.path.join(path, 'model.safetensors')
        sd = read_safetensors(st) if os.path.exists(st) else \
            torch.load(os.path.join(path, 'pytorch_model.bin'), map_location='cpu')
        sd = hf_to_official(sd, cfg['extractor_mode'] == 'default')
    else:
        obj = torch.load(path, map_location='cpu')
        if isinstance(obj, dict) and 'model' in obj and 'cfg' in obj:
            cfg, sd = dict(obj['cfg']), obj['model']
        else:
            if cfg_json is None:
                raise ValueError('%s: a bare state dict needs a cfg (wavlm_cfg.json)' % path)
            cfg, sd = json.load(open(cfg_json)), obj
    full = dict(DEFAULTS)
    full.update(cfg)
    return full, {k: v.float() for k, v in sd.items()}


# ---------------------------------------------------------------- the model

def rel_buckets(r, num_buckets, max_distance):
    """Bucket of relative position r = key - query (int64 tensor), float32 maths as the
    official code (the log branch is truncated toward zero)."""
    half = num_buckets // 2
    max_exact = half // 2
    base = (r > 0).long() * half
    n = r.abs()
    large = max_exact + (torch.log(n.float() / max_exact) / math.log(max_distance / max_exact)
                         * (half - max_exact)).long()
    large = large.clamp(max=half - 1)
    return base + torch.where(n < max_exact, n, large)


class WavLM:
    """Inference-only WavLM; weights prepared once (q/k/v stacked with the 1/sqrt(D) scale
    folded into q, weight norm resolved, gate projections summed)."""

    def __init__(self, cfg, sd):
        self.cfg = cfg
        self.conv_layers = parse_conv_layers(cfg['conv_feature_layers'])
        self.mode = cfg['extractor_mode']
        if self.mode not in ('default', 'layer_norm'):
            raise ValueError('unknown extractor_mode ' + self.mode)
        self.E = cfg['encoder_embed_dim']
        self.H = cfg['encoder_attention_heads']
        self.D = self.E // self.H
        self.L = cfg['encoder_layers']
        self.pre_norm = cfg['layer_norm_first']
        self.rel = cfg['relative_position_embedding']
        self.gru = cfg['gru_rel_pos']
        self.normalize = cfg['normalize']
        used = set()

        def get(k):
            if k not in sd:
                raise KeyError('missing tensor ' + k)
            used.add(k)
            return sd[k].contiguous()

        self.conv = []
        for i, (c, k, s) in enumerate(self.conv_layers):
            p = 'feature_extractor.conv_layers.%d.' % i
            w = get(p + '0.weight')
            b = get(p + '0.bias') if cfg['conv_bias'] else None
            norm = None
            if self.mode == 'default' and i == 0:
                norm = ('group', get(p + '2.weight'), get(p + '2.bias'))
            elif self.mode == 'layer_norm':
                norm = ('layer', get(p + '2.1.weight'), get(p + '2.1.bias'))
            self.conv.append((w, b, s, norm))
        c_conv = self.conv_layers[-1][0]
        self.ln_feat = (get('layer_norm.weight'), get('layer_norm.bias'))
        self.proj = (get('post_extract_proj.weight'), get('post_extract_proj.bias')) \
            if c_conv != self.E else None
        get('mask_emb')  # training-time masking only
        # Weight norm over dim 2: one norm per kernel tap over all output and input channels.
        v, g = get('encoder.pos_conv.0.weight_v'), get('encoder.pos_conv.0.weight_g')
        self.pos_w = (v * (g / v.pow(2).sum(dim=(0, 1), keepdim=True).sqrt())).contiguous()
        self.pos_b = get('encoder.pos_conv.0.bias')
        self.pos_k, self.pos_groups = cfg['conv_pos'], cfg['conv_pos_groups']
        self.enc_ln = (get('encoder.layer_norm.weight'), get('encoder.layer_norm.bias'))
        self.table = get('encoder.layers.0.self_attn.relative_attention_bias.weight') \
            if self.rel else None
        scale = self.D ** -0.5
        self.layers = []
        for n in range(self.L):
            p = 'encoder.layers.%d.' % n
            a = p + 'self_attn.'
            wqkv = torch.cat([get(a + 'q_proj.weight') * scale, get(a + 'k_proj.weight'),
                              get(a + 'v_proj.weight')])
            bqkv = torch.cat([get(a + 'q_proj.bias') * scale, get(a + 'k_proj.bias'),
                              get(a + 'v_proj.bias')])
            gate = None
            if self.rel and self.gru:
                gw, gb = get(a + 'grep_linear.weight'), get(a + 'grep_linear.bias')
                # sum of outputs 0..3 and of 4..7 == one projection with summed rows.
                gw = torch.stack([gw[:4].sum(0), gw[4:].sum(0)])  # (2, D)
                gb = torch.stack([gb[:4].sum(), gb[4:].sum()])
                gate = (gw, gb, get(a + 'grep_a').reshape(1, self.H, 1))
            self.layers.append({
                'wqkv': wqkv.contiguous(), 'bqkv': bqkv.contiguous(),
                'out': (get(a + 'out_proj.weight'), get(a + 'out_proj.bias')), 'gate': gate,
                'ln_a': (get(p + 'self_attn_layer_norm.weight'), get(p + 'self_attn_layer_norm.bias')),
                'fc1': (get(p + 'fc1.weight'), get(p + 'fc1.bias')),
                'fc2': (get(p + 'fc2.weight'), get(p + 'fc2.bias')),
                'ln_f': (get(p + 'final_layer_norm.weight'), get(p + 'final_layer_norm.bias')),
            })
        unused = sorted(set(sd) - used)
        if unused:
            raise KeyError('tensors not used by the model: %s' % ', '.join(unused))
        self._bias_cache = {}

    @staticmethod
    def normalize_wave(wav, lengths=None):
        """Per-utterance (x - mean) / sqrt(var + 1e-5), biased variance, float32, over each
        row's valid samples; padding stays zero."""
        out = torch.zeros_like(wav)
        for b in range(wav.shape[0]):
            n = wav.shape[1] if lengths is None else int(lengths[b])
            out[b, :n] = F.layer_norm(wav[b, :n], (n,), eps=1e-5)
        return out

    def conv_features(self, wav):
        x = wav
        for i, (w, b, s, norm) in enumerate(self.conv):
            if i == 0:
                # One input channel: a GEMM over the (free) unfolded view beats oneDNN's conv.
                x = torch.matmul(w[:, 0], x.unfold(-1, w.shape[2], s).transpose(1, 2))
                if b is not None:
                    x = x + b.unsqueeze(1)
            else:
                x = F.conv1d(x, w, b, stride=s)
            if norm is not None and norm[0] == 'group':
                x = F.group_norm(x, x.shape[1], norm[1], norm[2], eps=1e-5)
            elif norm is not None:
                x = F.layer_norm(x.transpose(1, 2), (x.shape[1],), norm[1], norm[2],
                                 eps=1e-5).transpose(1, 2)
            x = F.gelu(x)
        return x.transpose(1, 2)  # (B, T, C)

    def position_bias(self, T):
        """P[h, i, j] = table[bucket(j - i), h], (H, T, T); computed once per forward."""
        if T not in self._bias_cache:
            r = torch.arange(-(T - 1), T)
            vals = self.table[rel_buckets(r, self.cfg['num_buckets'], self.cfg['max_distance'])]
            idx = torch.arange(T).unsqueeze(0) - torch.arange(T).unsqueeze(1) + (T - 1)
            self._bias_cache = {T: vals.t()[:, idx].contiguous()}
        return self._bias_cache[T]

    def attention(self, lay, x, P, key_mask):
        B, T, E = x.shape
        H, D = self.H, self.D
        qkv = F.linear(x, lay['wqkv'], lay['bqkv']).view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)
        q = qkv[0].reshape(B * H, T, D)
        k = qkv[1].reshape(B * H, T, D)
        v = qkv[2].reshape(B * H, T, D)
        # Scores, then the (gated) bias and the key mask added in place: cheaper than building
        # a (B, H, T, T) bias tensor for baddbmm.
        scores = torch.bmm(q, k.transpose(1, 2))
        s4 = scores.view(B, H, T, T)
        if P is not None:
            if lay['gate'] is not None:
                gw, gb, c = lay['gate']
                s = torch.sigmoid(F.linear(x.view(B, T, H, D), gw, gb))  # (B, T, H, 2)
                g = s[..., 0] * (s[..., 1] * c.transpose(1, 2) - 1.0) + 2.0  # (B, T, H)
                s4.addcmul_(g.transpose(1, 2).unsqueeze(-1), P)  # gate scales whole bias rows
            else:
                s4.add_(P)
        if key_mask is not None:
            s4.masked_fill_(key_mask.view(B, 1, 1, T), float('-inf'))
        o = torch.bmm(torch.softmax(scores, dim=-1), v)  # (B*H, T, D)
        o = o.view(B, H, T, D).transpose(1, 2).reshape(B, T, E)
        return F.linear(o, *lay['out'])

    def layer(self, lay, x, P, key_mask):
        E = self.E
        if self.pre_norm:
            x = x + self.attention(lay, F.layer_norm(x, (E,), *lay['ln_a'], eps=1e-5), P, key_mask)
            h = F.layer_norm(x, (E,), *lay['ln_f'], eps=1e-5)
            return x + F.linear(F.gelu(F.linear(h, *lay['fc1'])), *lay['fc2'])
        x = F.layer_norm(x + self.attention(lay, x, P, key_mask), (E,), *lay['ln_a'], eps=1e-5)
        h = F.linear(F.gelu(F.linear(x, *lay['fc1'])), *lay['fc2'])
        return F.layer_norm(x + h, (E,), *lay['ln_f'], eps=1e-5)

    @torch.inference_mode()
    def extract(self, wav, padding_mask=None, output_layer=None, keep_layers=False):
        """wav (B, N) float32 (already normalized if the model wants it), padding_mask (B, N)
        bool (True = padding) or None. Returns a dict: conv (B, T, C), proj (B, T, E) (padded
        frames zeroed), layers [x0..xk] if keep_layers, out (the final output: after the last
        LayerNorm of pre-norm models when output_layer is None), frame_mask (B, T) or None."""
        res = {}
        feats = self.conv_features(wav)
        res['conv'] = feats
        B, T, _ = feats.shape
        x = F.layer_norm(feats, (feats.shape[-1],), *self.ln_feat, eps=1e-5)
        if self.proj is not None:
            x = F.linear(x, *self.proj)
        frame_mask = key_mask = None
        if padding_mask is not None:
            # Official rule: drop the last N mod T samples, T chunks of N // T samples; a frame
            # is padding when its whole chunk is. Padded frames enter the encoder as zeros.
            N = padding_mask.shape[1]
            frame_mask = padding_mask[:, :N - N % T].reshape(B, T, -1).all(-1)
            if frame_mask.any():
                x = x.masked_fill(frame_mask.unsqueeze(-1), 0.0)
                key_mask = frame_mask
        res['proj'] = x
        res['frame_mask'] = frame_mask
        K = self.pos_k
        pc = F.conv1d(x.transpose(1, 2), self.pos_w, self.pos_b, padding=K // 2,
                      groups=self.pos_groups)
        if K % 2 == 0:
            pc = pc[:, :, :-1]
        x = x + F.gelu(pc).transpose(1, 2)
        if not self.pre_norm:
            x = F.layer_norm(x, (self.E,), *self.enc_ln, eps=1e-5)
        layers = [x] if keep_layers else None
        P = self.position_bias(T) if self.rel else None
        last = self.L if output_layer is None else output_layer
        for n in range(last):
            x = self.layer(self.layers[n], x, P, key_mask)
            if keep_layers:
                layers.append(x)
        if output_layer is None and self.pre_norm:
            x = F.layer_norm(x, (self.E,), *self.enc_ln, eps=1e-5)
        res['layers'] = layers
        res['out'] = x
        return res


# ---------------------------------------------------------------- random model (bench)

def cfg_from_conf(path):
    """A conf/ssl/*.conf (SslConfig --name=value lines) as a unilm cfg."""
    names = {'conv-feature-layers': 'conv_feature_layers', 'extractor-mode': 'extractor_mode',
             'conv-bias': 'conv_bias', 'embed-dim': 'encoder_embed_dim',
             'ffn-dim': 'encoder_ffn_embed_dim', 'num-heads': 'encoder_attention_heads',
             'num-layers': 'encoder_layers', 'layer-norm-first': 'layer_norm_first',
             'conv-pos': 'conv_pos', 'conv-pos-groups': 'conv_pos_groups',
             'relative-position-embedding': 'relative_position_embedding',
             'gru-rel-pos': 'gru_rel_pos', 'num-buckets': 'num_buckets',
             'max-distance': 'max_distance', 'normalize': 'normalize'}
    cfg = dict(DEFAULTS)
    for line in open(path):
        line = line.split('#')[0].strip()
        if not line:
            continue
        key, val = line[2:].split('=', 1)
        if key == 'model-type':
            if val != 'wavlm':
                raise ValueError('%s: model-type %s is not wavlm' % (path, val))
            continue
        if key not in names:
            raise ValueError('%s: unknown field --%s' % (path, key))
        k = names[key]
        if isinstance(DEFAULTS[k], bool):
            val = {'true': True, 'false': False}[val]
        elif isinstance(DEFAULTS[k], int):
            val = int(val)
        elif k == 'extractor_mode':
            val = {'group_norm': 'default', 'default': 'default', 'layer_norm': 'layer_norm'}[val]
        cfg[k] = val
    return cfg


def random_state_dict(cfg, seed):
    """Random weights at every parameter (none left at 0 or 1), scaled so that every branch
    shows in the output: Linear N(0, 1/fan_in), biases N(0, 0.1^2), norm weights 1 + N(0, 0.1^2),
    relative position table N(0, 1), grep_a 1 + N(0, 0.3^2)."""
    g = torch.Generator().manual_seed(seed)

    def rn(*shape, std=1.0, mean=0.0):
        return mean + std * torch.randn(*shape, generator=g)

    E, F_, H = cfg['encoder_embed_dim'], cfg['encoder_ffn_embed_dim'], cfg['encoder_attention_heads']
    sd = {}
    c_in = 1
    for i, (c, k, s) in enumerate(parse_conv_layers(cfg['conv_feature_layers'])):
        p = 'feature_extractor.conv_layers.%d.' % i
        sd[p + '0.weight'] = rn(c, c_in, k, std=math.sqrt(2.0 / (c_in * k)))
        if cfg['conv_bias']:
            sd[p + '0.bias'] = rn(c, std=0.1)
        if cfg['extractor_mode'] == 'default' and i == 0:
            sd[p + '2.weight'], sd[p + '2.bias'] = rn(c, std=0.1, mean=1.0), rn(c, std=0.1)
        elif cfg['extractor_mode'] == 'layer_norm':
            sd[p + '2.1.weight'], sd[p + '2.1.bias'] = rn(c, std=0.1, mean=1.0), rn(c, std=0.1)
        c_in = c
    sd['layer_norm.weight'], sd['layer_norm.bias'] = rn(c_in, std=0.1, mean=1.0), rn(c_in, std=0.1)
    sd['post_extract_proj.weight'] = rn(E, c_in, std=c_in ** -0.5)
    sd['post_extract_proj.bias'] = rn(E, std=0.1)
    sd['mask_emb'] = rn(E, std=0.1)
    K, G = cfg['conv_pos'], cfg['conv_pos_groups']
    sd['encoder.pos_conv.0.weight_v'] = rn(E, E // G, K)
    sd['encoder.pos_conv.0.weight_g'] = rn(1, 1, K, std=0.2, mean=1.0)
    sd['encoder.pos_conv.0.bias'] = rn(E, std=0.1)
    sd['encoder.layer_norm.weight'], sd['encoder.layer_norm.bias'] = rn(E, std=0.1, mean=1.0), rn(E, std=0.1)
    for n in range(cfg['encoder_layers']):
        p = 'encoder.layers.%d.' % n
        for m in ('q', 'k', 'v', 'out'):
            sd[p + 'self_attn.%s_proj.weight' % m] = rn(E, E, std=E ** -0.5)
            sd[p + 'self_attn.%s_proj.bias' % m] = rn(E, std=0.1)
        if cfg['relative_position_embedding']:
            if cfg['gru_rel_pos']:
                sd[p + 'self_attn.grep_linear.weight'] = rn(8, E // H, std=(E // H) ** -0.5)
                sd[p + 'self_attn.grep_linear.bias'] = rn(8, std=0.1)
                sd[p + 'self_attn.grep_a'] = rn(1, H, 1, 1, std=0.3, mean=1.0)
            if n == 0:
                sd[p + 'self_attn.relative_attention_bias.weight'] = rn(cfg['num_buckets'], H)
        for ln in ('self_attn_layer_norm', 'final_layer_norm'):
            sd[p + ln + '.weight'], sd[p + ln + '.bias'] = rn(E, std=0.1, mean=1.0), rn(E, std=0.1)
        sd[p + 'fc1.weight'], sd[p + 'fc1.bias'] = rn(F_, E, std=E ** -0.5), rn(F_, std=0.1)
        sd[p + 'fc2.weight'], sd[p + 'fc2.bias'] = rn(E, F_, std=F_ ** -0.5), rn(E, std=0.1)
    return sd


# ---------------------------------------------------------------- fixture check

def check_fixtures(root):
    inp = os.path.join(root, 'inputs')
    batch = torch.from_numpy(np.load(os.path.join(inp, 'batch_wav.npy')))
    bmask = torch.from_numpy(np.load(os.path.join(inp, 'batch_padding_mask.npy')))
    failures = []
    count = 0
    compared = set()

    def cmp(label, ours, path):
        nonlocal count
        ref = np.load(path)
        compared.add(os.path.realpath(path))
        ours = ours.numpy() if torch.is_tensor(ours) else np.asarray(ours)
        count += 1
        if ours.shape != ref.shape:
            failures.append(label)
            print('FAIL %-46s shape %s, reference %s' % (label, ours.shape, ref.shape))
            return
        if ref.dtype.kind in 'biu':
            bad = int((ours.astype(ref.dtype) != ref).sum())
            ok = bad == 0
            print('%s %-46s %d mismatches' % ('ok  ' if ok else 'FAIL', label, bad))
        else:
            d = float(np.abs(ours.astype(np.float64) - ref).max())
            ok = d <= TOL
            print('%s %-46s max|diff| %.2e (ref max %.2f)' % ('ok  ' if ok else 'FAIL', label, d,
                                                              float(np.abs(ref).max())))
        if not ok:
            failures.append(label)

    configs = sorted(d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, 'wavlm_cfg.json')))
    if not configs:
        raise SystemExit('no model folders (with wavlm_cfg.json) under ' + root)
    for name in configs:
        d = os.path.join(root, name)
        loads = {'checkpoint.pt': load_checkpoint(os.path.join(d, 'checkpoint.pt')),
                 'state_dict.pt': load_checkpoint(os.path.join(d, 'state_dict.pt'),
                                                  os.path.join(d, 'wavlm_cfg.json')),
                 'hf': load_checkpoint(d)}
        ref_cfg, ref_sd = loads['checkpoint.pt']
        # The three layouts must give the same weights and the same architecture.
        for layout, (cfg, sd) in loads.items():
            same = sorted(sd) == sorted(ref_sd) and all(torch.equal(sd[k], ref_sd[k]) for k in sd)
            keys = ('conv_feature_layers', 'extractor_mode', 'encoder_embed_dim', 'encoder_layers',
                    'encoder_attention_heads', 'encoder_ffn_embed_dim', 'layer_norm_first',
                    'conv_pos', 'conv_pos_groups', 'num_buckets', 'max_distance', 'normalize',
                    'conv_bias')
            same_cfg = all((parse_conv_layers(cfg[k]) == parse_conv_layers(ref_cfg[k]))
                           if k == 'conv_feature_layers' else cfg[k] == ref_cfg[k] for k in keys)
            count += 1
            print('%s %-46s %d tensors%s' % ('ok  ' if same and same_cfg else 'FAIL',
                                             '%s/%s weights+cfg' % (name, layout), len(sd),
                                             '' if same_cfg else ' (cfg differs)'))
            if not (same and same_cfg):
                failures.append('%s/%s' % (name, layout))
        for layout, (cfg, sd) in loads.items():
            m = WavLM(cfg, sd)
            L = m.L
            tag = '%s[%s]' % (name, layout)
            if layout == 'checkpoint.pt':
                r = torch.arange(-183, 184)
                cmp(tag + ' rel_buckets', rel_buckets(r, cfg['num_buckets'], cfg['max_distance']).int(),
                    os.path.join(d, 'rel_buckets.npy'))
            # Every folder is a case: 'batch' (the padded batch) or inputs/<case>.npy alone.
            for case in sorted(c for c in os.listdir(d) if os.path.isdir(os.path.join(d, c))):
                if case == 'batch':
                    x, mask = batch, bmask
                    lengths = (~bmask).sum(1)
                else:
                    x = torch.from_numpy(np.load(os.path.join(inp, case + '.npy')))[None]
                    mask, lengths = None, None
                if m.normalize:
                    x = WavLM.normalize_wave(x, lengths)
                    if os.path.exists(os.path.join(d, case, 'model_input.npy')):
                        cmp('%s %s/model_input' % (tag, case), x, os.path.join(d, case, 'model_input.npy'))
                res = m.extract(x, mask, output_layer=L, keep_layers=True)
                full = m.extract(x, mask)
                c = os.path.join(d, case)
                cmp('%s %s/conv_features' % (tag, case), res['conv'], os.path.join(c, 'conv_features.npy'))
                cmp('%s %s/proj_features' % (tag, case), res['proj'], os.path.join(c, 'proj_features.npy'))
                for n, y in enumerate(res['layers']):
                    cmp('%s %s/layer_%02d' % (tag, case, n), y, os.path.join(c, 'layer_%02d.npy' % n))
                cmp('%s %s/final' % (tag, case), full['out'], os.path.join(c, 'final.npy'))
                if case == 'batch':
                    cmp('%s %s/padding_mask_frames' % (tag, case), res['frame_mask'],
                        os.path.join(c, 'padding_mask_frames.npy'))
    # A file nobody compared is a failure too (a new output the reference does not produce).
    for name in configs:
        for dirpath, _, files in os.walk(os.path.join(root, name)):
            for f in sorted(files):
                path = os.path.realpath(os.path.join(dirpath, f))
                if f.endswith('.npy') and path not in compared:
                    failures.append(path)
                    print('FAIL %s was not checked' % os.path.relpath(path, root))
    print('%d checks, %d failed' % (count, len(failures)))
    return not failures


def main(argv):
    if len(argv) >= 2 and argv[0] == 'check':
        torch.set_num_threads(1)
        return 0 if check_fixtures(argv[1]) else 1
    if len(argv) == 4 and argv[0] == 'random':
        cfg = cfg_from_conf(argv[1])
        sd = random_state_dict(cfg, int(argv[2]))
        WavLM(cfg, sd)  # every tensor used, shapes consistent
        torch.save({'cfg': cfg, 'model': sd}, argv[3])
        return 0
    if len(argv) in (4, 5) and argv[0] == 'forward':
        cfg, sd = load_checkpoint(argv[1])
        m = WavLM(cfg, sd)
        x = torch.from_numpy(np.load(argv[2]).astype(np.float32))
        x = x[None] if x.dim() == 1 else x
        if m.normalize:
            x = WavLM.normalize_wave(x)
        names = (argv[4] if len(argv) == 5 else 'final').split(',')
        res = m.extract(x, None, keep_layers=True)
        pick = {'cnn': res['conv'], 'proj': res['proj'], 'final': res['out']}
        pick.update((str(n), y) for n, y in enumerate(res['layers']))
        np.save(argv[3], torch.cat([pick[n] for n in names], dim=-1).numpy())
        return 0
    with open(__file__) as f:  # the usage is the comment block at the top
        for line in f.readlines()[1:]:
            if not line.startswith('#'):
                break
            sys.stderr.write(line[2:] if len(line) > 2 else '\n')
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

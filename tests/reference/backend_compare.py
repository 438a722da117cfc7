#!/usr/bin/env python3
"""Numeric comparisons for the back-end Bats tests (standard library only).

  backend_compare.py vectors OURS.txt KALDI.txt [--tol=1e-3] [--up-to-sign]
      Two text vector archives ("key [ v1 v2 ... ]"): same keys in the same order, values
      within tol relative (|a-b| <= tol * max(|b|, 1e-2 * rms of the column)). With
      --up-to-sign each dimension may be flipped as a whole (LDA/PLDA eigenvectors).
  backend_compare.py scores OURS KALDI [--tol=1e-3]
      Two score files "enroll test score": same trials in the same order, scores within tol
      relative (|a-b| <= tol * max(|b|, 1e-2)).
  backend_compare.py plda OURS.txt KALDI.txt [--tol=1e-3]
      Two text PLDA models: psi within tol, mean and transform rows up to sign.
  backend_compare.py matrix-rows OURS.txt KALDI.txt [--tol=1e-3]
      Two text matrices, each row equal up to sign.
Exit status 1 with a message naming the first difference.
"""
import math
import re
import sys


def fail(msg):
    print('backend_compare: ' + msg, file=sys.stderr)
    sys.exit(1)


def load_archive(path):
    out = []
    for line in open(path):
        if not line.strip():
            continue
        key, rest = line.split(None, 1)
        out.append((key, [float(x) for x in rest.replace('[', ' ').replace(']', ' ').split()]))
    return out


def blocks(path):
    """The bracketed objects of a Kaldi text file, as lists of rows."""
    text = open(path).read()
    objs = []
    for m in re.finditer(r'\[(.*?)\]', text, re.S):
        rows = [[float(x) for x in r.split()] for r in m.group(1).strip().split('\n') if r.strip()]
        objs.append(rows)
    return objs


def close(a, b, tol, scale):
    return abs(a - b) <= tol * max(abs(b), scale)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    opts = dict(a[2:].split('=', 1) if '=' in a else (a[2:], '1') for a in sys.argv[1:] if a.startswith('--'))
    tol = float(opts.get('tol', '1e-3'))
    mode, ours, ref = args
    if mode == 'vectors':
        a, b = load_archive(ours), load_archive(ref)
        if [k for k, _ in a] != [k for k, _ in b]:
            fail('keys differ: %s vs %s' % ([k for k, _ in a][:5], [k for k, _ in b][:5]))
        dim = len(b[0][1])
        signs = [1.0] * dim
        if 'up-to-sign' in opts:
            for j in range(dim):
                signs[j] = 1.0 if sum(x[1][j] * y[1][j] for x, y in zip(a, b)) >= 0 else -1.0
        rms = [math.sqrt(sum(y[1][j] ** 2 for y in b) / len(b)) for j in range(dim)]
        for (k, x), (_, y) in zip(a, b):
            if len(x) != len(y):
                fail('%s: dimension %d vs %d' % (k, len(x), len(y)))
            for j in range(dim):
                if not close(signs[j] * x[j], y[j], tol, 1e-2 * rms[j]):
                    fail('%s[%d]: %g vs %g' % (k, j, signs[j] * x[j], y[j]))
    elif mode == 'scores':
        a = [l.split() for l in open(ours) if l.strip()]
        b = [l.split() for l in open(ref) if l.strip()]
        if len(a) != len(b):
            fail('%d scores vs %d' % (len(a), len(b)))
        for x, y in zip(a, b):
            if x[:2] != y[:2] or not close(float(x[2]), float(y[2]), tol, 1e-2):
                fail('%s vs %s' % (' '.join(x), ' '.join(y)))
    elif mode in ('plda', 'matrix-rows'):
        oa, ob = blocks(ours), blocks(ref)
        if mode == 'plda':
            if len(oa) != 3 or len(ob) != 3:
                fail('expected 3 objects (mean, transform, psi)')
            for x, y in zip(oa[2][0], ob[2][0]):
                if not close(x, y, tol, 1e-6):
                    fail('psi %g vs %g' % (x, y))
            ma, mb = oa[1], ob[1]
            # The mean is in the input space: compare transformed means up to sign instead.
            ta = [sum(r[i] * oa[0][0][i] for i in range(len(r))) for r in ma]
            tb = [sum(r[i] * ob[0][0][i] for i in range(len(r))) for r in mb]
            for x, y in zip(ta, tb):
                if not close(abs(x), abs(y), tol, 1e-3):
                    fail('transformed mean %g vs %g' % (x, y))
        else:
            ma, mb = oa[0], ob[0]
        if len(ma) != len(mb):
            fail('%d rows vs %d' % (len(ma), len(mb)))
        for i, (r, s) in enumerate(zip(ma, mb)):
            sign = 1.0 if sum(x * y for x, y in zip(r, s)) >= 0 else -1.0
            big = max(abs(y) for y in s)
            for j, (x, y) in enumerate(zip(r, s)):
                if not close(sign * x, y, tol, 1e-2 * big):
                    fail('row %d col %d: %g vs %g' % (i, j, sign * x, y))
    else:
        fail('unknown mode ' + mode)


main()

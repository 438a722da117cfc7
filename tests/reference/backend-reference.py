#!/usr/bin/env python3
"""Independent numpy references for the back-end unit tests (tests/unit/backend/), on
synthetic Gaussian data whose Bayes answers are known.

  backend-reference.py glc DIR          GLC estimates, log-likelihoods, true posteriors, Cavg
  backend-reference.py calibration DIR  prior-weighted logistic regression, true LLR line, minDCF
  backend-reference.py score-norm DIR   S-norm and AS-norm of cosine scores (WeSpeaker's formula)

Every output is a text file: a first line "rows cols", then the values row by row (%.17g).
Exit status 2 if numpy is missing (the tests then skip and say why), 1 on any other failure.
"""
import math
import os
import sys

try:
    import numpy as np
except ImportError:
    print('numpy not available (Debian python3-numpy)', file=sys.stderr)
    sys.exit(2)


def save(directory, name, a):
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    with open(os.path.join(directory, name + '.txt'), 'w') as f:
        f.write('%d %d\n' % a.shape)
        for row in a:
            f.write(' '.join('%.17g' % v for v in row) + '\n')


def log_gauss(x, mean, cov):
    """log N(x; mean, cov) for each row of x."""
    d = x.shape[1]
    _, logdet = np.linalg.slogdet(cov)
    diff = x - mean
    maha = np.sum(diff * np.linalg.solve(cov, diff.T).T, axis=1)
    return -0.5 * (d * math.log(2 * math.pi) + logdet + maha)


def softmax_rows(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cavg(loglikes, labels, p=0.5, c_miss=1.0, c_fa=1.0):
    """NIST LRE Cavg: detection LLRs from log-likelihoods against the flat mixture of the
    others, accept when llr > log(c_fa (1-p) / (c_miss p))."""
    n, k = loglikes.shape
    llr = np.empty_like(loglikes)
    for l in range(k):
        others = np.delete(loglikes, l, axis=1)
        m = others.max(axis=1)
        llr[:, l] = loglikes[:, l] - (m + np.log(np.mean(np.exp(others - m[:, None]), axis=1)))
    theta = math.log(c_fa * (1 - p) / (c_miss * p))
    total = 0.0
    for l in range(k):
        p_miss = np.mean(llr[labels == l, l] <= theta)
        p_fa = sum(np.mean(llr[labels == m, l] > theta) for m in range(k) if m != l)
        total += c_miss * p * p_miss + c_fa * (1 - p) / (k - 1) * p_fa
    return total / k


def glc(directory):
    rng = np.random.default_rng(20240611)
    k, d = 3, 4
    means = rng.normal(0.0, 1.5, size=(k, d))
    a = rng.normal(size=(d, d))
    cov = a @ a.T / d + 0.5 * np.eye(d)
    chol = np.linalg.cholesky(cov)
    counts = [6000, 2000, 1000]  # unequal, so that pooled and class-balanced differ

    def sample(counts_):
        x = np.concatenate([means[c] + rng.normal(size=(n, d)) @ chol.T
                            for c, n in enumerate(counts_)])
        y = np.concatenate([np.full(n, c) for c, n in enumerate(counts_)])
        return x, y

    x, y = sample(counts)
    xt, yt = sample([300, 300, 300])
    est_means = np.stack([x[y == c].mean(axis=0) for c in range(k)])
    diffs = x - est_means[y]
    pooled = diffs.T @ diffs / len(x)
    balanced = sum(diffs[y == c].T @ diffs[y == c] / np.sum(y == c) for c in range(k)) / k
    for name, w in (('pooled', pooled), ('balanced', balanced)):
        save(directory, 'cov_' + name, w)
        ll = np.stack([log_gauss(xt, est_means[c], w) for c in range(k)], axis=1)
        save(directory, 'loglikes_' + name, ll)
        save(directory, 'cavg_' + name, [[cavg(ll, yt), cavg(ll, yt, p=0.2, c_fa=2.0)]])
    true_ll = np.stack([log_gauss(xt, means[c], cov) for c in range(k)], axis=1)
    save(directory, 'true_posteriors', softmax_rows(true_ll))
    save(directory, 'train_x', x)
    save(directory, 'train_y', y[None, :])
    save(directory, 'test_x', xt)
    save(directory, 'test_y', yt[None, :])
    save(directory, 'means', est_means)


def calibration(directory):
    rng = np.random.default_rng(7)
    mu_t, mu_n, sigma = 2.5, -1.0, 1.5
    tgt = rng.normal(mu_t, sigma, 20000)
    non = rng.normal(mu_n, sigma, 40000)
    # The true LLR of equal-variance Gaussian scores is linear in the score.
    true_scale = (mu_t - mu_n) / sigma ** 2
    true_offset = -(mu_t ** 2 - mu_n ** 2) / (2 * sigma ** 2)
    fits = []
    for p in (0.5, 0.01):
        logit = math.log(p / (1 - p))
        theta = np.zeros(2)  # (scale, offset), Newton on the raw scores
        feats = [np.stack([tgt, np.ones_like(tgt)], 1), np.stack([non, np.ones_like(non)], 1)]
        weights = [p / len(tgt), (1 - p) / len(non)]

        def cost(th):
            zt = feats[0] @ th + logit
            zn = feats[1] @ th + logit
            return (weights[0] * np.sum(np.logaddexp(0, -zt)) +
                    weights[1] * np.sum(np.logaddexp(0, zn)))

        for _ in range(100):
            grad = np.zeros(2)
            hess = np.zeros((2, 2))
            for f, w, sign in ((feats[0], weights[0], 1), (feats[1], weights[1], 0)):
                q = 1 / (1 + np.exp(-(f @ theta + logit)))
                grad += w * f.T @ (q - sign)
                hess += w * (f * (q * (1 - q))[:, None]).T @ f
            step = np.linalg.solve(hess, grad)
            t = 1.0
            while cost(theta - t * step) > cost(theta) and t > 1e-10:
                t /= 2
            theta = theta - t * step
            if np.max(np.abs(grad)) < 1e-13:
                break
        entropy = -(p * math.log(p) + (1 - p) * math.log(1 - p))
        fits.append([theta[0], theta[1], cost(theta) / entropy])
    save(directory, 'targets', tgt[None, :])
    save(directory, 'nontargets', non[None, :])
    save(directory, 'fits', fits)  # rows p = 0.5, 0.01: scale, offset, normalised Cllr
    save(directory, 'truth', [[true_scale, true_offset]])
    # minDCF of the raw scores, vectorised over every threshold (accept score >= t), and the
    # Bayes (population) value of the same Gaussians.
    rows = []
    for p, c_miss, c_fa in ((0.01, 1, 1), (0.05, 1, 1), (0.5, 1, 2)):
        thresholds = np.concatenate([np.sort(np.concatenate([tgt, non])), [np.inf]])
        p_miss = np.searchsorted(np.sort(tgt), thresholds, side='left') / len(tgt)
        p_fa = 1 - np.searchsorted(np.sort(non), thresholds, side='left') / len(non)
        c_def = min(c_miss * p, c_fa * (1 - p))
        emp = np.min(c_miss * p * p_miss + c_fa * (1 - p) * p_fa) / c_def
        grid = np.linspace(-10, 15, 50001)
        phi = np.vectorize(lambda z: 0.5 * math.erfc(-z / math.sqrt(2)))
        bayes = np.min(c_miss * p * phi((grid - mu_t) / sigma) +
                       c_fa * (1 - p) * (1 - phi((grid - mu_n) / sigma))) / c_def
        rows.append([p, c_miss, c_fa, emp, bayes])
    save(directory, 'min_dcf', rows)


def score_norm(directory):
    rng = np.random.default_rng(11)
    d = 16
    enroll = rng.normal(size=(5, d)) + 0.3
    test = rng.normal(size=(7, d)) + 0.3
    cohort = rng.normal(size=(60, d)) + 0.3
    mean = np.full(d, 0.3) + rng.normal(scale=0.05, size=d)

    def unit(m):
        m = m - mean
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    e, t, c = unit(enroll), unit(test), unit(cohort)
    raw = e @ t.T

    def stats(x, top_n):
        s = -np.sort(-(x @ c.T), axis=1)[:, :top_n]
        return s.mean(axis=1), s.std(axis=1)

    save(directory, 'enroll', enroll)
    save(directory, 'test', test)
    save(directory, 'cohort', cohort)
    save(directory, 'mean', mean[None, :])
    save(directory, 'raw', raw)
    for name, top_n in (('snorm', c.shape[0]), ('asnorm10', 10)):
        em, es = stats(e, top_n)
        tm, ts = stats(t, top_n)
        norm = 0.5 * ((raw - em[:, None]) / es[:, None] + (raw - tm[None, :]) / ts[None, :])
        save(directory, name, norm)
        save(directory, name + '_enroll_stats', np.stack([em, es], 1))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('glc', 'calibration', 'score-norm'):
        print(__doc__, file=sys.stderr)
        sys.exit(1)
    os.makedirs(sys.argv[2], exist_ok=True)
    {'glc': glc, 'calibration': calibration, 'score-norm': score_norm}[sys.argv[1]](sys.argv[2])


if __name__ == '__main__':
    main()

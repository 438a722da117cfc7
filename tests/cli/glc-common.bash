# tests/cli/glc-common.bash: synthetic language-ID embeddings (3 Gaussian classes in 5
# dimensions, unequal training counts) and a numpy GLC for train-glc.bats and classify-glc.bats.

setup_glc() {
  cd "$BATS_TEST_TMPDIR"
  "$PYTHON" -c '
import random
random.seed(9)
langs = ["en", "fr", "de"]
means = [[random.gauss(0, 1.5) for _ in range(5)] for _ in langs]
for part, counts in (("train", (200, 120, 60)), ("test", (30, 30, 30))):
    with open(part + ".txt", "w") as f, open(part + "_utt2lang", "w") as u:
        for k, lang in enumerate(langs):
            for i in range(counts[k]):
                key = "%s-%s-%03d" % (part, lang, i)
                x = [m + random.gauss(0, 1) for m in means[k]]
                f.write(key + " [ " + " ".join("%.6f" % v for v in x) + " ]\n")
                u.write("%s %s\n" % (key, lang))
'
}

# numpy GLC: <train.txt> <utt2lang> <test.txt> <balanced 0|1>: "key ll_de ll_en ll_fr" (sorted classes).
reference() {
  "$PYTHON" - "$@" <<'PY'
import math, sys
import numpy as np
def load(path):
    keys, rows = [], []
    for line in open(path):
        k, rest = line.split(None, 1)
        keys.append(k); rows.append([float(x) for x in rest.strip(' []\n').split()])
    return keys, np.array(rows)
keys, x = load(sys.argv[1])
lab = dict(l.split() for l in open(sys.argv[2]))
classes = sorted(set(lab.values()))
y = np.array([classes.index(lab[k]) for k in keys])
means = np.stack([x[y == c].mean(0) for c in range(len(classes))])
d = x - means[y]
if sys.argv[4] == '1':
    w = sum(d[y == c].T @ d[y == c] / (y == c).sum() for c in range(len(classes))) / len(classes)
else:
    w = d.T @ d / len(x)
tk, tx = load(sys.argv[3])
_, logdet = np.linalg.slogdet(w)
for k, v in zip(tk, tx):
    diff = v - means
    ll = -0.5 * (len(v) * math.log(2 * math.pi) + logdet + np.sum(diff * np.linalg.solve(w, diff.T).T, 1))
    print(k, ' '.join(repr(float(a)) for a in ll))
PY
}

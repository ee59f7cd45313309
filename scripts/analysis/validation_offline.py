"""Recomputes `smda validate`'s linear datamodeling scores from its files, outside smda.

Reads a run directory and a validation folder (retrain/, subsets.json, scores/) with numpy and
scipy only, so its figures are an independent check of smda's, and answers two questions the
README reports that the validation itself does not:

  --mix OTHER_RUN      the LDS of a weighted sum of this run's and another run's smda scores
                       (for instance one checkpoint and four), at weights 0, 0.25, ..., 1, and
                       this run's LDS minus the other's with a paired bootstrap interval;
  --datamodel FOLDER   the LDS of a datamodel (ridge regression of each target's change on which
                       pairs a subset holds, fitted on another validation's retrainings, e.g.
                       `smda validate RUN --out FOLDER --subsets 200 --repeats 2 --seed 7
                       --methods random --removal-sizes none --loo-pairs 0`): the additive
                       predictor learnt from retraining alone, scored on the same subsets.

  python3 scripts/analysis/validation_offline.py RUN_DIR [--validation DIR] [--mix RUN2] [--datamodel DIR]
"""
import argparse
import json
import os
import struct

import numpy as np
from scipy.stats import spearmanr

DTYPES = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}
FAMILIES = ["probes", "categories", "coefficients"]


def safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name != "__metadata__":
            a, b = t["data_offsets"]
            out[name] = np.frombuffer(data[a:b], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    return out


def jsonl(path):
    return [json.loads(line) for line in open(path) if line.strip()]


class Validation:
    """A validation's subsets (as 0/1 rows over the run's pairs) and each family's change, mean over orders."""

    def __init__(self, run, folder):
        manifest = json.load(open(os.path.join(run, "run.json")))
        pairs = [p["id"] for p in jsonl(manifest["inputs"]["pairs"]["path"])]
        probes = jsonl(manifest["inputs"]["probes"]["path"])
        categories = list(dict.fromkeys(p["category"] for p in probes))
        category = np.array([categories.index(p["category"]) for p in probes])
        index = {p: i for i, p in enumerate(pairs)}
        subsets = json.load(open(os.path.join(folder, "subsets.json")))
        self.membership = np.zeros((len(subsets), len(pairs)))
        for s, subset in enumerate(subsets):
            self.membership[s, [index[p] for p in subset]] = 1
        base_y = safetensors(os.path.join(run, "base.safetensors"))["y"]
        base_beta = np.array(json.load(open(os.path.join(run, "policy.json")))["coef"])
        y, beta = [], []
        for s in range(len(subsets)):
            repeats = []
            r = 0
            while os.path.exists(os.path.join(folder, "retrain", f"s{s:03d}-r{r}.safetensors")):
                repeats.append(safetensors(os.path.join(folder, "retrain", f"s{s:03d}-r{r}.safetensors")))
                r += 1
            y.append(np.mean([o["y"] for o in repeats], 0) - base_y)
            beta.append(np.mean([o["beta"] for o in repeats], 0) - base_beta)
        y = np.array(y)
        self.actual = {
            "probes": y,
            "categories": np.stack([y[:, category == c].mean(1) for c in range(len(categories))], 1),
            "coefficients": np.array(beta),
        }

    def lds(self, per_pair):
        """Mean over a family's targets of the Spearman correlation, across subsets, of predicted and actual change."""
        every = np.arange(len(self.membership))
        return {family: round(self.family_lds(per_pair[family], family, every), 3) for family in FAMILIES}

    def family_lds(self, per_pair, family, pick):
        predicted, actual = (self.membership @ per_pair)[pick], self.actual[family][pick]
        rhos = [spearmanr(predicted[:, t], actual[:, t])[0] for t in range(actual.shape[1])
                if np.ptp(predicted[:, t]) > 0 and np.ptp(actual[:, t]) > 0]
        return float(np.mean(rhos))

    def paired_difference(self, a, b, samples=1000, seed=1):
        """Per family, LDS of a minus LDS of b, with a 95% interval from resampling the subsets for both at once."""
        rng = np.random.default_rng(seed)
        n = len(self.membership)
        picks = [rng.integers(0, n, n) for _ in range(samples)]
        out = {}
        for family in FAMILIES:
            every = np.arange(n)
            d = self.family_lds(a[family], family, every) - self.family_lds(b[family], family, every)
            resampled = [self.family_lds(a[family], family, p) - self.family_lds(b[family], family, p) for p in picks]
            out[family] = (round(d, 3), *np.round(np.percentile(resampled, [2.5, 97.5]), 3).tolist())
        return out


def ridge(x, y, lam):
    xc, yc = x - x.mean(0), y - y.mean(0)
    return np.linalg.solve(xc.T @ xc + lam * np.eye(x.shape[1]), xc.T @ yc)


def cross_validated_lambda(x, y, lambdas, folds=5):
    fold = np.arange(len(x)) % folds
    errors = []
    for lam in lambdas:
        error = 0.0
        for f in range(folds):
            w = ridge(x[fold != f], y[fold != f], lam)
            predicted = (x[fold == f] - x[fold != f].mean(0)) @ w + y[fold != f].mean(0)
            error += ((predicted - y[fold == f]) ** 2).sum()
        errors.append(error)
    return lambdas[int(np.argmin(errors))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--validation", help="validation folder whose subsets are scored (default RUN/validation)")
    parser.add_argument("--mix", help="another run of the same world whose smda scores are mixed in")
    parser.add_argument("--datamodel", help="validation folder whose retrainings a datamodel is fitted on")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples of the paired difference (default 1000)")
    args = parser.parse_args()
    folder = args.validation or os.path.join(args.run, "validation")
    test = Validation(args.run, folder)
    # the run's smda scores: from the validation folder, else from the run's own validation (a
    # folder of retrainings only, such as one made for a datamodel, has none)
    own = os.path.join(folder, "scores", "smda.safetensors")
    scores = safetensors(own if os.path.exists(own) else os.path.join(args.run, "validation", "scores", "smda.safetensors"))
    print("smda", test.lds(scores))
    if args.mix:
        other = safetensors(os.path.join(args.mix, "validation", "scores", "smda.safetensors"))
        for w in [0, 0.25, 0.5, 0.75, 1]:
            print(f"{w:.2f} x this run + {1 - w:.2f} x {args.mix}", test.lds({f: w * scores[f] + (1 - w) * other[f] for f in FAMILIES}))
        print(f"this run minus {args.mix}, paired 95% interval", test.paired_difference(scores, other, samples=args.samples))
    if args.datamodel:
        train = Validation(args.run, args.datamodel)
        lambdas = [1, 3, 10, 30, 100, 300, 1000]
        for n in sorted({50, 100, len(train.membership)}):
            weights = {}
            for family in FAMILIES:
                x, y = train.membership[:n], train.actual[family][:n]
                weights[family] = ridge(x, y, cross_validated_lambda(x, y, lambdas))
            print(f"datamodel from {n} subsets", test.lds(weights))


if __name__ == "__main__":
    main()

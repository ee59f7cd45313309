#!/usr/bin/env python3
"""Precision of interference criteria against a generated world's planted truth, from run folders.

Reads each run's attribution chunks (the per-pair category effects through the policy, from the
effect the run's `category_effects` names: the checkpoints' average by default, the update at the
base with `--category-effects base` or in a run.json without the field), its probes
and pairs, and the pairs' truth file beside them, and prints, for every way of taking the effects
and every score, the share of planted pairs in the top k (k = the number planted), the surprise
pairs in the top k, and how many pairs the run's flag rule (a positive score above three times the
median |score|) flags, with the surprises among them. `smda run` implements one of these (kind
median, standard deviation, push minus own kind); this script is how it was chosen.

    python3 scripts/analysis/interference_variants.py [--averaged] [--selection T] RUN_DIR [RUN_DIR ...]

--averaged takes the effects through the policy from each pair's effect averaged over the run's
checkpoints (its pairs/<id>.safetensors dX and dy) instead of the attribution chunks' effects; on a
run whose chunks hold the same effects this checks this script's refit against smda's.
--selection T takes them through the policy on the run's features that fire on at least a share T
of the probes (λ chosen again by the one-standard-error rule), from the base's effect in the pair
files (what `smda run --selection-threshold T` would compute).

Needs numpy and scipy (validation_offline's policy refit).
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from validation_offline import Policy  # noqa: E402  (the policy refitted as smda and the validation refit it)


def safetensors(path):
    raw = Path(path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    types = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32}
    out = {}
    for name, t in header.items():
        if name != "__metadata__":
            start, end = t["data_offsets"]
            out[name] = np.frombuffer(raw[8 + n + start:8 + n + end], dtype=types[t["dtype"]]).reshape(t["shape"])
    return out, header.get("__metadata__", {})


def jsonl(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def category_effects(run, ids, averaged, threshold):
    """Per pair and category, the change of the category's mean predicted behaviour through the policy refitted on
    the probes moved by the pair's effect, as smda computes it: the refit keeps the base's standardisation and λ, and
    the intercept follows the moved probes. The effect at the base (the pair file's base_dX, base_dy; dX, dy in a
    one-checkpoint run), or averaged over the run's checkpoints (dX, dy); the policy on the features firing on at
    least `threshold` of the probes (λ chosen again), or the run's own."""
    policy = Policy(run) if threshold is None else Policy.selected(run, threshold)
    manifest = json.loads((Path(run) / "run.json").read_text())
    probes = jsonl(manifest["inputs"]["probes"]["path"])
    categories = list(dict.fromkeys(p["category"] for p in probes))
    member = np.array([[p["category"] == c for p in probes] for c in categories], float)
    member /= member.sum(1, keepdims=True)
    before = policy.fitted(policy.x0, policy.y0)
    out = []
    for pair in ids:
        effect, _ = safetensors(Path(run) / "pairs" / f"{pair}.safetensors")
        dx, dy = (effect["dX"], effect["dy"]) if averaged or "base_dX" not in effect else (effect["base_dX"], effect["base_dy"])
        out.append(member @ (policy.fitted(policy.x0 + dx, policy.y0 + dy) - before))
    return np.array(out)


def load(run, averaged=False, threshold=None):
    manifest = json.loads((Path(run) / "run.json").read_text())
    pairs_file = Path(manifest["inputs"]["pairs"]["path"])
    pairs = jsonl(pairs_file)
    probes = jsonl(manifest["inputs"]["probes"]["path"])
    truth = {t["id"]: t for t in jsonl(pairs_file.with_name(pairs_file.name.replace(".jsonl", ".truth.jsonl")))}
    categories = list(dict.fromkeys(p["category"] for p in probes))
    harmful = np.zeros(len(categories), bool)
    for p in probes:
        harmful[categories.index(p["category"])] |= p["harmful"]
    effects, ids = [], []
    for chunk in sorted((Path(run) / "attribution").glob("part-*.safetensors")):
        tensors, meta = safetensors(chunk)
        effects.append(tensors["category_effect"])
        ids += json.loads(meta["pairs"])
    by_id = {p["id"]: p for p in pairs}
    pairs = [by_id[i] for i in ids]
    recomputed = averaged or threshold is not None
    return pairs, categories, harmful, truth, category_effects(run, ids, averaged, threshold) if recomputed else np.vstack(effects)


def taken(effects, pair_harmful, how):
    if how == "as they are":
        return effects
    out = effects.copy()
    for kind in (True, False):
        out[pair_harmful == kind] -= np.median(effects[pair_harmful == kind], axis=0)
    if how == "less kind median":
        return out
    if how == "less kind median, / MAD":
        scale = np.median(np.abs(out - np.median(out, axis=0)), axis=0)
    else:
        scale = out.std(axis=0)
    return np.divide(out, scale, out=np.zeros_like(out), where=scale > 0)


def score(how, e, pair, categories, harmful):
    """How far a pair moves the other kind's categories the way it teaches, against what it does to its own."""
    direction = 1 if pair["harmful"] else -1
    other = harmful != pair["harmful"]
    pushes = direction * e[other]
    own_category = abs(e[categories.index(pair["category"])])
    return {
        "push": pushes.mean(),
        "push - |own category|": pushes.mean() - own_category,
        "push - mean |own kind|": pushes.mean() - np.abs(e[~other]).mean(),
        "max push - |own category|": pushes.max() - own_category,
    }[how]


WAYS = ["as they are", "less kind median", "less kind median, / MAD", "less kind median, / SD"]
SCORES = ["push", "push - |own category|", "push - mean |own kind|", "max push - |own category|"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", metavar="RUN_DIR")
    parser.add_argument("--averaged", action="store_true", help="effects averaged over the run's checkpoints")
    parser.add_argument("--selection", type=float, metavar="T", help="through the policy on the features firing on at least a share T of the probes")
    args = parser.parse_args()
    runs = args.runs
    rows = {}
    for run in runs:
        pairs, categories, harmful, truth, effects = load(run, args.averaged, args.selection)
        planted = np.array([truth[p["id"]]["interference"] for p in pairs])
        surprise = np.array([truth[p["id"]]["kind"] == "surprise" for p in pairs])
        k = planted.sum()
        pair_harmful = np.array([p["harmful"] for p in pairs])
        for how in WAYS:
            e = taken(effects, pair_harmful, how)
            for s in SCORES:
                sc = np.array([score(s, e[i], p, categories, harmful) for i, p in enumerate(pairs)])
                top = np.argsort(-sc, kind="stable")[:k]
                flagged = (sc > 0) & (np.abs(sc) > 3 * np.median(np.abs(sc)))
                rows.setdefault((how, s), []).append(f"{planted[top].mean():.2f} s{surprise[top].sum()} f{flagged.sum()}/{(flagged & surprise).sum()}")
    width = max(len(Path(r).name) for r in runs) + 2
    print("effects / score".ljust(52) + "".join(Path(r).name.ljust(max(width, 16)) for r in runs))
    for (how, s), cells in rows.items():
        print(f"{how} / {s}".ljust(52) + "".join(c.ljust(max(width, 16)) for c in cells))
    print("cells: precision at the number planted, surprises in that top, flagged / surprises flagged")

#!/usr/bin/env python3
"""Reference values for smda's additive bound (validate.AdditiveShare), from the numpy estimator of
scripts/analysis/validation_offline.py on a small synthetic validation: 30 subsets of 6 of 12 pairs,
3 orders, 4 targets made of main effects, pairwise interactions and order noise. The share over every
subset, and over a bootstrap-like draw that repeats some subsets.

    python3 scripts/reference/additive_share_reference.py
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "analysis"))
from validation_offline import additive_share  # noqa: E402

OUT = "src/test/resources/fixtures/validate/additive-share.json"

rng = np.random.default_rng(5)
subsets, pairs, size, orders, targets = 30, 12, 6, 3, 4
membership = np.zeros((subsets, pairs))
for row in membership:
    row[rng.choice(pairs, size, replace=False)] = 1
main = rng.normal(size=(pairs, targets))
interactions = rng.normal(size=(pairs, pairs, targets)) * 1.0
truth = membership @ main + np.einsum("ki,ijt,kj->kt", membership, interactions, membership)
outcomes = np.stack([truth + rng.normal(size=truth.shape) * 0.5 for _ in range(orders)])
draw = rng.integers(0, subsets, subsets)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"membership": membership.tolist(), "outcomes": outcomes.tolist(), "draw": draw.tolist(),
               "share": additive_share(membership, outcomes), "share_of_draw": additive_share(membership[draw], outcomes[:, draw], draw)}, f)
print("wrote", OUT)

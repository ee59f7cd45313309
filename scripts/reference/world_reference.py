#!/usr/bin/env python3
"""Logits of the embedded world's chat model computed by the independent PyTorch implementation in
llama_reference.py, reading the shipped Hugging Face folder (config.json + model.safetensors) the way
transformers reads it. Regenerate after rebuilding the world:

    /usr/bin/python3 scripts/reference/world_reference.py world/default/model

writes src/test/resources/fixtures/world/reference-logits.safetensors (metadata: the sha256 of the
model.safetensors it was computed from).
"""
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from llama_reference import forward, read_safetensors, write_safetensors  # noqa: E402

folder = sys.argv[1] if len(sys.argv) > 1 else "world/default/model"
cfg = json.load(open(os.path.join(folder, "config.json")))
weights_file = os.path.join(folder, "model.safetensors")
digest = hashlib.sha256(open(weights_file, "rb").read()).hexdigest()
w = {k: v.double() for k, v in read_safetensors(weights_file).items()}
gen = torch.Generator().manual_seed(5)
ref = {}
for i in range(3):
    seq = torch.randint(0, cfg["vocab_size"], (12 + 5 * i,), generator=gen)
    ref[f"sequence.{i}"] = seq
    ref[f"logits.{i}"] = forward(cfg, w, seq)
out = "src/test/resources/fixtures/world/reference-logits.safetensors"
os.makedirs(os.path.dirname(out), exist_ok=True)
write_safetensors(out, ref, {"model_sha256": digest, "source": "scripts/reference/world_reference.py, torch " + torch.__version__})
print("wrote", out, "for model", digest)

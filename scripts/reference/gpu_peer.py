#!/usr/bin/env python3
"""Checks and timings made with Hugging Face transformers and PyTorch on a GPU machine (which has no
Java, so smda itself cannot run there): an independent check of smda's reference fixtures, and the
cost of SMDA's per-pair operations at Llama-3.2-3B's shapes.

1. transformers' LlamaForCausalLM reads the embedded world's model folder and the tied reference
   checkpoint and computes the logits of the sequences in the committed fixtures, in float64: the
   fixtures (which smda's engine matches to 1e-9) were made by scripts/reference/*.py, an
   independent implementation; this ties them to transformers itself.
2. A Llama-3.2-3B-shaped model (the real config's shapes, random weights, bfloat16) on the GPU:
   a forward pass over probes, one SGD step on every weight for one pair (what the exact estimator
   applies per pair, before re-measuring the probes), and a backward pass over a batch of pairs (per
   pair, what the gradient estimator spends before its inner products). Peak GPU memory too.

Run on the GPU machine:  python3 scripts/reference/gpu_peer.py OUT_DIR   (writes OUT_DIR/gpu_peer.json)
"""
import json
import os
import sys
import time

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

sys.path.insert(0, os.path.dirname(__file__))
from llama_reference import read_safetensors  # noqa: E402

def fixture_check(model_dir, fixture, device):
    model = LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float64, attn_implementation="eager").to(device).eval()
    ref = read_safetensors(fixture)
    worst = 0.0
    scale = 0.0
    with torch.no_grad():
        for i in range(10):
            if f"sequence.{i}" not in ref:
                break
            ids = ref[f"sequence.{i}"].to(device)[None]
            logits = model(ids).logits[0].cpu()
            worst = max(worst, (logits - ref[f"logits.{i}"]).abs().max().item())
            scale = max(scale, ref[f"logits.{i}"].abs().max().item())
    return {"max_abs_difference": worst, "logit_scale": scale}


def sync():
    torch.cuda.synchronize()


def timed(fn, repeats=5):
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def llama3b(device):
    config = LlamaConfig(vocab_size=128256, hidden_size=3072, intermediate_size=8192, num_hidden_layers=28, num_attention_heads=24,
                         num_key_value_heads=8, head_dim=128, max_position_embeddings=131072, rope_theta=500000.0,
                         rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                       "original_max_position_embeddings": 8192},
                         tie_word_embeddings=True, rms_norm_eps=1e-5, torch_dtype="bfloat16")
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(device=device, dtype=torch.bfloat16)
    params = sum(p.numel() for p in model.parameters())
    out = {"parameters": params, "dtype": "bfloat16", "device": torch.cuda.get_device_name()}
    gen = torch.Generator(device="cpu").manual_seed(1)
    probes = torch.randint(0, 128000, (16, 64), generator=gen).to(device)
    pair = torch.randint(0, 128000, (1, 128), generator=gen).to(device)
    pairs = torch.randint(0, 128000, (16, 128), generator=gen).to(device)

    def forward():
        with torch.no_grad():
            model(probes).logits[:, -1].float().sum().item()

    out["forward_16_probes_x_64_tokens_s"] = timed(forward)

    def sft_step():
        loss = model(pair, labels=pair).loss
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-1e-4)
                p.grad = None

    out["sgd_step_one_pair_128_tokens_s"] = timed(sft_step)

    def batched_backward():
        loss = model(pairs, labels=pairs).loss * pairs.shape[0]
        loss.backward()
        for p in model.parameters():
            p.grad = None

    out["backward_16_pairs_x_128_tokens_s"] = timed(batched_backward)
    out["peak_gpu_memory_gb"] = torch.cuda.max_memory_allocated() / 1e9
    out["per_pair"] = {
        "exact_estimator_s_per_100_probes": out["sgd_step_one_pair_128_tokens_s"] + out["forward_16_probes_x_64_tokens_s"] * 100 / 16,
        "gradient_estimator_backward_s": out["backward_16_pairs_x_128_tokens_s"] / 16,
    }
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    device = "cuda"
    result = {"torch": torch.__version__, "transformers": transformers.__version__}
    result["world_model_against_fixture"] = fixture_check("world/default/model", "src/test/resources/fixtures/world/reference-logits.safetensors", device)
    result["tied_reference_against_fixture"] = fixture_check("src/test/resources/fixtures/llama/mqa-tied",
                                                             "src/test/resources/fixtures/llama/mqa-tied/reference.safetensors", device)
    print(json.dumps(result, indent=1), flush=True)
    result["llama_3_2_3b_shaped"] = llama3b(device)
    print(json.dumps(result, indent=1), flush=True)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "gpu_peer.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()

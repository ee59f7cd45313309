#!/usr/bin/env python3
"""Reference values for smda's Llama engine, computed by an independent PyTorch implementation.

Writes small random Llama checkpoints (Hugging Face layout: config.json + model.safetensors) and,
for each, reference.safetensors with logits, a masked SFT loss and its gradient for every weight,
and the logits after one SGD step and after three AdamW steps. Everything is computed in float64
from the stored weights, following transformers' modeling_llama (RMSNorm in float32-or-wider,
half-split rotary embedding, llama3 rope scaling, grouped-query attention, SwiGLU).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/reference/llama_reference.py OUT_DIR
The committed fixtures under src/test/resources/fixtures/llama/ came from this script.
"""
import json
import math
import os
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.bfloat16: "BF16", torch.float16: "F16", torch.int64: "I64"}


def read_safetensors(path):
    """Every tensor of a safetensors file, in its stored dtype."""
    types = {name: dtype for dtype, name in DTYPES.items()}
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=types[info["dtype"]]).reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (the format: u64 header size, JSON header, raw little-endian data)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def inverse_frequencies(cfg):
    hd = cfg["head_dim"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type") == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(cfg, w, ids):
    """Logits [T, vocab] of one unpadded sequence."""
    T = ids.shape[0]
    H, KV, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    x = w["model.embed_tokens.weight"][ids]
    inv = inverse_frequencies(cfg)
    freqs = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(T, H, hd).transpose(0, 1)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(T, KV, hd).transpose(0, 1)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(T, KV, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=0)
        v = v.repeat_interleave(H // KV, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + causal, dim=-1)
        o = (att @ v).transpose(0, 1).reshape(T, H * hd)
        x = x + o @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


def sft_loss(cfg, w, ids, prompt_len):
    """Mean cross-entropy of the response tokens (positions >= prompt_len), the prompt masked."""
    logits = forward(cfg, w, ids)
    logp = torch.log_softmax(logits[prompt_len - 1:-1], dim=-1)
    targets = ids[prompt_len:]
    return -logp.gather(1, targets[:, None]).mean()


def make_weights(cfg, gen):
    d, f, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    w = {"model.embed_tokens.weight": torch.randn(V, d, generator=gen) * 0.5}
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + 0.2 * torch.randn(d, generator=gen)
        w[p + "self_attn.q_proj.weight"] = torch.randn(H * hd, d, generator=gen) * 0.25
        w[p + "self_attn.k_proj.weight"] = torch.randn(KV * hd, d, generator=gen) * 0.25
        w[p + "self_attn.v_proj.weight"] = torch.randn(KV * hd, d, generator=gen) * 0.25
        w[p + "self_attn.o_proj.weight"] = torch.randn(d, H * hd, generator=gen) * 0.25
        w[p + "post_attention_layernorm.weight"] = 1 + 0.2 * torch.randn(d, generator=gen)
        w[p + "mlp.gate_proj.weight"] = torch.randn(f, d, generator=gen) * 0.25
        w[p + "mlp.up_proj.weight"] = torch.randn(f, d, generator=gen) * 0.25
        w[p + "mlp.down_proj.weight"] = torch.randn(d, f, generator=gen) * 0.25
    w["model.norm.weight"] = 1 + 0.2 * torch.randn(d, generator=gen)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = torch.randn(V, d, generator=gen) * 0.25
    return {k: v.float() for k, v in w.items()}


CONFIGS = {
    # Grouped-query attention (4 query heads over 2 key/value heads), untied unembedding, and llama3
    # rope scaling whose wavelengths fall in all three regimes (kept, smoothed, divided).
    "gqa-untied": dict(vocab_size=61, hidden_size=32, intermediate_size=40, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, head_dim=8, rms_norm_eps=1e-5, rope_theta=10000.0,
                       rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                         original_max_position_embeddings=64),
                       tie_word_embeddings=False),
    # Tied embeddings, one key/value head for all queries, a head_dim that is not hidden/heads, no scaling.
    "mqa-tied": dict(vocab_size=47, hidden_size=24, intermediate_size=56, num_hidden_layers=3, num_attention_heads=3,
                     num_key_value_heads=1, head_dim=10, rms_norm_eps=1e-6, rope_theta=500000.0, rope_scaling=None,
                     tie_word_embeddings=True),
}

SEQUENCES = [[1, 5, 9, 2, 17, 33, 4, 8, 21, 40, 3], [1, 7, 7, 30, 12, 6]]
PROMPT_LEN = 6  # loss and gradient on tokens 6..10 of the first sequence
SGD_LR = 0.05
ADAMW = dict(lr=0.01, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1, steps=3)


def hf_config(name, cfg):
    c = dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_act="silu", max_position_embeddings=128,
             bos_token_id=1, eos_token_id=2, torch_dtype="float32", attention_bias=False, mlp_bias=False)
    c.update(cfg)
    return c


def build(name, cfg, out, gen):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    weights32 = make_weights(cfg, gen)
    if name == "gqa-untied":
        write_sharded(os.path.join(out, name + "-sharded"), weights32, cfg)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_config(name, cfg), f, indent=2)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights32, {"format": "pt"})

    ref = {}
    w = {k: v.double().requires_grad_(True) for k, v in weights32.items()}
    for i, seq in enumerate(SEQUENCES):
        ref[f"logits.{i}"] = forward(cfg, w, torch.tensor(seq)).detach()
    ids = torch.tensor(SEQUENCES[0])
    loss = sft_loss(cfg, w, ids, PROMPT_LEN)
    loss.backward()
    ref["loss"] = loss.detach().reshape(1)
    for k, v in w.items():
        ref["grad." + k] = v.grad.detach()
    stepped = {k: (v - SGD_LR * v.grad).detach() for k, v in w.items()}
    ref["sgd.logits.0"] = forward(cfg, stepped, ids)

    adam_w = {k: v.double().requires_grad_(True) for k, v in weights32.items()}
    opt = torch.optim.AdamW(list(adam_w.values()), lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"],
                            weight_decay=ADAMW["weight_decay"])
    for _ in range(ADAMW["steps"]):
        opt.zero_grad()
        sft_loss(cfg, adam_w, ids, PROMPT_LEN).backward()
        opt.step()
    with torch.no_grad():
        ref["adamw.logits.0"] = forward(cfg, adam_w, ids)

    ref["sequence.0"] = torch.tensor(SEQUENCES[0], dtype=torch.int64)
    ref["sequence.1"] = torch.tensor(SEQUENCES[1], dtype=torch.int64)
    meta = {"prompt_len": str(PROMPT_LEN), "sgd_lr": str(SGD_LR), "adamw": json.dumps(ADAMW),
            "source": "scripts/reference/llama_reference.py, torch " + torch.__version__}
    write_safetensors(os.path.join(folder, "reference.safetensors"), {k: v.double() if v.is_floating_point() else v
                                                                       for k, v in ref.items()}, meta)

    # The same weights stored in half precision: the reference logits of what the file holds.
    for dtype, tag in ((torch.bfloat16, "bf16"), (torch.float16, "f16")):
        half = {k: v.to(dtype) for k, v in weights32.items()}
        write_safetensors(os.path.join(folder, f"model.{tag}.safetensors"), half)
        w_half = {k: v.double() for k, v in half.items()}
        write_safetensors(os.path.join(folder, f"reference.{tag}.safetensors"),
                          {"logits.0": forward(cfg, w_half, ids)})


def write_sharded(folder, weights32, cfg):
    """The same checkpoint split in two shards with a model.safetensors.index.json."""
    os.makedirs(folder, exist_ok=True)
    names = list(weights32)
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for i, part in enumerate(shards):
        file = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(folder, file), {n: weights32[n] for n in part})
        weight_map.update({n: file for n in part})
    total = sum(t.numel() * 4 for t in weights32.values())
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hf_config("sharded", cfg), f, indent=2)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/llama"
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(20261123)
    for name, cfg in CONFIGS.items():
        build(name, cfg, out, gen)
    print("wrote", out)


if __name__ == "__main__":
    main()

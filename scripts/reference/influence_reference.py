#!/usr/bin/env python3
"""Reference influence scores for smda's EK-FAC baseline, computed by an independent PyTorch
implementation of kronfluence's EK-FAC on the tied-embedding reference model.

For the fixture model src/test/resources/fixtures/llama/mqa-tied and a seeded set of SFT sequences,
in float64: per linear module (every block projection, and the unembedding as its own module), the
covariance of its inputs A = E[a a^T] and of its output gradients S = E[g g^T] over tokens, with the
empirical Fisher's labels (the sequences' own tokens; each sequence's loss is the mean over its
response tokens); their eigenvectors; the eigenvalue correction Lambda = E[(Q_S^T G Q_A)^2] over
sequences' gradients G; and the influence of each training sequence on each query sequence's loss,
<Q_S [(Q_S^T G_q Q_A) / (Lambda + damping)] Q_A^T, G_train>, summed over modules, at a damping of
0.1 x the mean corrected eigenvalue. Each sequence is run alone (no padding, no batching), so none
of smda's batching or weight taps is reused here.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/reference/influence_reference.py
It writes src/test/resources/fixtures/influence/ekfac.safetensors.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from llama_reference import inverse_frequencies, read_safetensors, rms_norm, rotate_half, write_safetensors  # noqa: E402

FIXTURE = "src/test/resources/fixtures/llama/mqa-tied"


def forward(cfg, w, ids, uses):
    """Logits of one sequence; every linear use records its input and an output that keeps its gradient."""

    def linear(name, x, weight):
        y = x @ weight.T
        y.retain_grad()
        uses.append((name, x.detach(), y))
        return y

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
        q = linear(p + "self_attn.q_proj.weight", h, w[p + "self_attn.q_proj.weight"]).view(T, H, hd).transpose(0, 1)
        k = linear(p + "self_attn.k_proj.weight", h, w[p + "self_attn.k_proj.weight"]).view(T, KV, hd).transpose(0, 1)
        v = linear(p + "self_attn.v_proj.weight", h, w[p + "self_attn.v_proj.weight"]).view(T, KV, hd).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=0)
        v = v.repeat_interleave(H // KV, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + causal, dim=-1)
        o = (att @ v).transpose(0, 1).reshape(T, H * hd)
        x = x + linear(p + "self_attn.o_proj.weight", o, w[p + "self_attn.o_proj.weight"])
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = linear(p + "mlp.gate_proj.weight", h, w[p + "mlp.gate_proj.weight"])
        u = linear(p + "mlp.up_proj.weight", h, w[p + "mlp.up_proj.weight"])
        x = x + linear(p + "mlp.down_proj.weight", torch.nn.functional.silu(g) * u, w[p + "mlp.down_proj.weight"])
    x = rms_norm(x, w["model.norm.weight"], eps)
    return x, linear


def loss_and_uses(cfg, w, seq, prompt_len):
    """The sequence's mean response-token loss; per module, its (input, output gradient) rows after backward."""
    uses = []
    ids = torch.tensor(seq)
    hidden, linear = forward(cfg, w, ids, uses)
    rows = hidden[prompt_len - 1:-1]
    logits = linear("lm_head.weight", rows, w["model.embed_tokens.weight"])
    loss = -torch.log_softmax(logits, dim=-1).gather(1, ids[prompt_len:][:, None]).mean()
    loss.backward()
    per_module = {}
    for name, a, y in uses:
        per_module.setdefault(name, []).append((a, y.grad.detach()))
    return loss.item(), per_module


def sequences(gen, count, vocab):
    out = []
    for _ in range(count):
        length = int(torch.randint(9, 15, (1,), generator=gen))
        prompt = int(torch.randint(3, 6, (1,), generator=gen))
        seq = [int(t) for t in torch.randint(3, vocab, (length,), generator=gen)]
        out.append((seq, prompt))
    return out


def main():
    import json
    cfg = json.load(open(os.path.join(FIXTURE, "config.json")))
    w = {k: v.double() for k, v in read_safetensors(os.path.join(FIXTURE, "model.safetensors")).items()}
    gen = torch.Generator().manual_seed(7)
    train = sequences(gen, 16, cfg["vocab_size"])
    queries = sequences(gen, 3, cfg["vocab_size"])

    # per sequence and module: G = sum_t g_t a_t^T; and the covariance sums over tokens
    def gradients(seqs):
        out = []
        for seq, prompt in seqs:
            ww = {k: v.clone().requires_grad_(True) for k, v in w.items()}
            _, per_module = loss_and_uses(cfg, ww, seq, prompt)
            out.append({name: sum(g.T @ a for a, g in pairs) for name, pairs in per_module.items()})
        return out

    A, S, count = {}, {}, {}
    for seq, prompt in train:
        ww = {k: v.clone().requires_grad_(True) for k, v in w.items()}
        _, per_module = loss_and_uses(cfg, ww, seq, prompt)
        for name, pairs in per_module.items():
            for a, g in pairs:
                A[name] = A.get(name, 0) + a.T @ a
                S[name] = S.get(name, 0) + g.T @ g
                count[name] = count.get(name, 0) + a.shape[0]
    QA, QS = {}, {}
    for name in A:
        QA[name] = torch.linalg.eigh(A[name] / count[name]).eigenvectors
        QS[name] = torch.linalg.eigh(S[name] / count[name]).eigenvectors
    train_grads = gradients(train)
    lam = {name: sum((QS[name].T @ G[name] @ QA[name]) ** 2 for G in train_grads) / len(train) for name in A}
    damping = 0.1 * float(sum(l.sum() for l in lam.values()) / sum(l.numel() for l in lam.values()))
    scores = torch.zeros(len(queries), len(train), dtype=torch.float64)
    for qi, G in enumerate(gradients(queries)):
        pre = {name: QS[name] @ ((QS[name].T @ G[name] @ QA[name]) / (lam[name] + damping)) @ QA[name].T for name in A}
        for ti, T in enumerate(train_grads):
            scores[qi, ti] = sum((pre[name] * T[name]).sum() for name in A)

    tensors = {"scores": scores}
    for i, (seq, prompt) in enumerate(train):
        tensors[f"train.{i}"] = torch.tensor(seq, dtype=torch.int64)
        tensors[f"train_prompt.{i}"] = torch.tensor([prompt], dtype=torch.int64)
    for i, (seq, prompt) in enumerate(queries):
        tensors[f"query.{i}"] = torch.tensor(seq, dtype=torch.int64)
        tensors[f"query_prompt.{i}"] = torch.tensor([prompt], dtype=torch.int64)
    os.makedirs("src/test/resources/fixtures/influence", exist_ok=True)
    write_safetensors("src/test/resources/fixtures/influence/ekfac.safetensors", tensors,
                      {"damping": repr(damping), "source": "scripts/reference/influence_reference.py, torch " + torch.__version__})
    print("damping", damping, "scores", scores)


if __name__ == "__main__":
    main()

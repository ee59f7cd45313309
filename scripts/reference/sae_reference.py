#!/usr/bin/env python3
"""Reference feature activations for smda's SAE loaders, computed independently with PyTorch.

Writes small SAE folders in the layouts the community publishes (SAELens 6.x and pre-6 cfg.json,
sparsify) under src/test/resources/fixtures/sae/, each with reference.safetensors: an input batch x,
the features SAELens (or sparsify) computes for it, and the reconstruction. The encode rules follow
SAELens's StandardSAE, TopKSAE, JumpReLUSAE, GatedSAE (BatchTopK saved as top-k with the same k)
and sparsify's SparseCoder, written out here in float64.

    /usr/bin/python3 scripts/reference/sae_reference.py
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from llama_reference import write_safetensors  # noqa: E402

OUT = "src/test/resources/fixtures/sae"
D_IN, D_SAE = 12, 40
gen = torch.Generator().manual_seed(7)


def rand(*shape, scale=1.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float64) * scale


def normalize_in(x, mode):
    if mode == "constant_norm_rescale":
        coeff = D_IN ** 0.5 / x.norm(dim=-1, keepdim=True)
        return x * coeff, lambda y: y / coeff
    if mode == "layer_norm":
        mu = x.mean(dim=-1, keepdim=True)
        centred = x - mu
        std = centred.std(dim=-1, keepdim=True)
        return centred / (std + 1e-5), lambda y: y * std + mu
    return x, lambda y: y


def saelens(w, cfg, x):
    xin, undo = normalize_in(x, cfg["normalize_activations"])
    if cfg["apply_b_dec_to_input"]:
        xin = xin - w["b_dec"]
    pre = xin @ w["W_enc"] + w["b_enc"]
    arch, k = cfg["arch"], cfg.get("k")
    norms = w["W_dec"].norm(dim=-1)
    if arch in ("topk", "batchtopk"):
        if cfg.get("rescale_acts_by_decoder_norm"):
            pre = pre * norms
        vals, idx = torch.topk(pre, k, dim=-1)
        feats = torch.zeros_like(pre).scatter(-1, idx, vals.relu())
        dec_in = feats / norms if cfg.get("rescale_acts_by_decoder_norm") else feats
    elif arch == "jumprelu":
        feats = pre.relu() * (pre > w["threshold"]).double()
        dec_in = feats
    else:
        feats = pre.relu()
        dec_in = feats
    return feats, undo(dec_in @ w["W_dec"] + w["b_dec"])


def write_case(name, cfg_json, weights, features, recon, x, weights_file="sae_weights.safetensors"):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg_json, f, indent=2)
    write_safetensors(os.path.join(folder, weights_file), {k: v.float() for k, v in weights.items()})
    write_safetensors(os.path.join(folder, "reference.safetensors"), {"x": x, "features": features, "reconstruction": recon})


def saelens_case(name, arch, normalize="none", apply_b_dec=True, k=None, rescale=False, legacy=False, jump=False):
    w = {"W_enc": rand(D_IN, D_SAE, scale=0.5), "b_enc": rand(D_SAE, scale=0.2), "W_dec": rand(D_SAE, D_IN, scale=0.4),
         "b_dec": rand(D_IN, scale=0.3)}
    if jump:
        w["threshold"] = rand(D_SAE, scale=0.3).abs()
    w32 = {n: t.float().double() for n, t in w.items()}  # what the float32 file holds
    x = rand(7, D_IN, scale=2.0)
    feats, recon = saelens(w32, dict(arch=arch, normalize_activations=normalize, apply_b_dec_to_input=apply_b_dec, k=k,
                                     rescale_acts_by_decoder_norm=rescale), x)
    if legacy:  # the flat, pre-6.0 layout
        cfg = dict(architecture="standard", d_in=D_IN, d_sae=D_SAE, dtype="float32", hook_name="blocks.1.hook_resid_post",
                   hook_layer=1, model_name="tiny", activation_fn_str="topk" if k else "relu",
                   activation_fn_kwargs={"k": k} if k else {}, apply_b_dec_to_input=apply_b_dec,
                   normalize_activations=normalize, finetuning_scaling_factor=False, sae_lens_training_version="3.0.0")
    else:
        cfg = dict(architecture=arch, d_in=D_IN, d_sae=D_SAE, dtype="float32", device="cpu", apply_b_dec_to_input=apply_b_dec,
                   normalize_activations=normalize, reshape_activations="none",
                   metadata=dict(sae_lens_version="6.18.0", model_name="tiny", hook_name="blocks.1.hook_resid_post"))
        if k:
            cfg["k"] = k
            cfg["rescale_acts_by_decoder_norm"] = rescale
    write_case(name, cfg, w, feats, recon, x)


def sparsify_case(name, k):
    enc = rand(D_SAE, D_IN, scale=0.5)
    w = {"encoder.weight": enc, "encoder.bias": rand(D_SAE, scale=0.2), "W_dec": rand(D_SAE, D_IN, scale=0.4),
         "b_dec": rand(D_IN, scale=0.3)}
    w32 = {n: t.float().double() for n, t in w.items()}
    x = rand(7, D_IN, scale=2.0)
    pre = torch.relu((x - w32["b_dec"]) @ w32["encoder.weight"].T + w32["encoder.bias"])  # sparsify: relu, then top-k
    vals, idx = torch.topk(pre, k, dim=-1)
    feats = torch.zeros_like(pre).scatter(-1, idx, vals)
    recon = feats @ w32["W_dec"] + w32["b_dec"]
    cfg = dict(activation="topk", expansion_factor=32, normalize_decoder=True, num_latents=D_SAE, k=k, multi_topk=False,
               skip_connection=False, transcode=False, d_in=D_IN)
    write_case(name, cfg, w, feats, recon, x, weights_file="sae.safetensors")


def gated_case(name):
    """SAELens's GatedSAE: a gate path decides which features fire, a magnitude path their values."""
    w = {"W_enc": rand(D_IN, D_SAE, scale=0.5), "b_gate": rand(D_SAE, scale=0.2), "r_mag": rand(D_SAE, scale=0.3),
         "b_mag": rand(D_SAE, scale=0.2), "W_dec": rand(D_SAE, D_IN, scale=0.4), "b_dec": rand(D_IN, scale=0.3)}
    w32 = {n: t.float().double() for n, t in w.items()}
    x = rand(7, D_IN, scale=2.0)
    sae_in = x - w32["b_dec"]
    active = (sae_in @ w32["W_enc"] + w32["b_gate"] > 0).double()
    feats = active * (sae_in @ (w32["W_enc"] * w32["r_mag"].exp()) + w32["b_mag"]).relu()
    recon = feats @ w32["W_dec"] + w32["b_dec"]
    cfg = dict(architecture="gated", d_in=D_IN, d_sae=D_SAE, dtype="float32", device="cpu", apply_b_dec_to_input=True,
               normalize_activations="none", reshape_activations="none",
               metadata=dict(sae_lens_version="6.18.0", model_name="tiny", hook_name="blocks.1.hook_resid_post"))
    write_case(name, cfg, w, feats, recon, x)


saelens_case("saelens-relu", "standard")
saelens_case("saelens-relu-cnr", "standard", normalize="constant_norm_rescale", apply_b_dec=False)
saelens_case("saelens-topk-legacy", "topk", k=5, legacy=True)
saelens_case("saelens-topk-rescaled-layernorm", "topk", k=6, rescale=True, normalize="layer_norm")
saelens_case("saelens-jumprelu", "jumprelu", jump=True)
saelens_case("saelens-batchtopk", "batchtopk", k=4)
sparsify_case("layers.3", 6)
gated_case("saelens-gated")
print("wrote", OUT)

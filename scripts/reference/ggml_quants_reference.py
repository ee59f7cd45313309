#!/usr/bin/env python3
"""GGUF fixtures in llama.cpp's quantised types, quantised and dequantised by llama.cpp's own ggml.

smda's dequantisers are checked against ggml itself: this script loads ggml's compiled library
(libggml-base.so from the npm package @node-llama-cpp/linux-x64, a build of llama.cpp's ggml), quantises
with ggml_quantize_chunk (what llama-quantize calls) and dequantises with ggml's dequantize_row_*.

Writes to OUT_DIR (default src/test/resources/fixtures/gguf):
- quants.gguf: one tensor per type (Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K Q4_K Q5_K Q6_K IQ4_NL IQ4_XS),
  each 4 rows of 512 values of different kinds (normal, small with outliers, all positive, some
  blocks zero); reference.quants.safetensors holds ggml's dequantised float32 values of each.
- kquants.gguf: a small random Llama (hidden 256, the k-quants' super-block) stored as a mix like
  llama-quantize's Q4_K_M, with every k-quant and IQ4_XS among its tensors;
  reference.kquants.safetensors holds its logits (float64, gguf_reference.py's PyTorch forward of
  ggml's dequantised weights).

Run with Debian's python3-torch:
  mkdir -p /tmp/ggml && (cd /tmp/ggml && npm pack @node-llama-cpp/linux-x64@3.22.1 && tar xzf node-llama-cpp-linux-x64-3.22.1.tgz)
  GGML_LIB=/tmp/ggml/package/bins/linux-x64/libggml-base.so /usr/bin/python3 scripts/reference/ggml_quants_reference.py
"""
import ctypes
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_reference import GGML, STRING, ARRAY, FLOAT32, INT32, UINT32, llama_metadata, model_tensors, sentencepiece_vocab, store, write_gguf  # noqa: E402
from llama_reference import forward, make_weights, write_safetensors  # noqa: E402

QUANTISED = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"]


class Ggml:
    """ggml's quantisers and dequantisers, called through ctypes."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.lib.ggml_quantize_chunk.restype = ctypes.c_size_t
        self.lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                                 ctypes.c_int64, ctypes.c_void_p]
        self.lib.ggml_row_size.restype = ctypes.c_size_t
        self.lib.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
        self.lib.ggml_quantize_requires_imatrix.restype = ctypes.c_bool

    def quantise(self, x, gtype):
        """(raw bytes, ggml's float32 reading of them) of a float32 matrix."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        rows, per_row = x.reshape(-1, x.shape[-1]).shape
        type_id = GGML[gtype]
        assert not self.lib.ggml_quantize_requires_imatrix(type_id), gtype
        raw = ctypes.create_string_buffer(self.lib.ggml_row_size(type_id, per_row) * rows)
        written = self.lib.ggml_quantize_chunk(type_id, x.ctypes.data, raw, 0, rows, per_row, None)
        assert written == len(raw), (gtype, written, len(raw))
        values = np.empty(x.size, dtype=np.float32)
        dequantise = getattr(self.lib, "dequantize_row_" + gtype.lower().replace("_k", "_K"))
        dequantise.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        dequantise(raw, values.ctypes.data, x.size)
        return raw.raw, values.reshape(x.shape)


def test_rows(rng):
    """Four rows of 512 with what quantisers find hard: outliers, one sign only, empty blocks."""
    normal = rng.standard_normal(512)
    small = 0.01 * rng.standard_normal(512)
    small[rng.choice(512, 6, replace=False)] = rng.choice([-3.0, 4.0], 6)
    positive = 3 * rng.random(512)
    sparse = 100 * rng.standard_normal(512)
    sparse[32:96] = 0
    sparse[256:288] = -np.abs(sparse[256:288])
    return np.stack([normal, small, positive, sparse]).astype(np.float32)


def build_quants(ggml, out, rng):
    x = test_rows(rng)
    tensors, reference = [], {}
    for gtype in QUANTISED:
        raw, values = ggml.quantise(x, gtype)
        tensors.append((gtype, gtype, list(x.shape), raw))
        reference[gtype] = torch.from_numpy(values)
    write_gguf(os.path.join(out, "quants.gguf"), [("general.architecture", "none", STRING)], tensors)
    reference["input"] = torch.from_numpy(x)
    write_safetensors(os.path.join(out, "reference.quants.safetensors"), reference,
                      {"source": "scripts/reference/ggml_quants_reference.py: ggml of llama.cpp (@node-llama-cpp/linux-x64 3.22.1)"})


KQUANTS = dict(vocab_size=300, hidden_size=256, intermediate_size=256, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
               head_dim=64, rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling=None, tie_word_embeddings=False)

# Like llama-quantize's Q4_K_M (Q4_K, with Q6_K for attn_v, ffn_down and the unembedding), with the
# other k-quants and IQ4_XS given a tensor each so that one forward pass reads them all.
KQUANT_TYPES = {"model.embed_tokens.weight": "Q4_K", "self_attn.q_proj.weight": "Q5_K", "self_attn.k_proj.weight": "Q3_K",
                "self_attn.v_proj.weight": "Q6_K", "self_attn.o_proj.weight": "IQ4_XS", "mlp.gate_proj.weight": "Q4_K",
                "mlp.up_proj.weight": "Q2_K", "mlp.down_proj.weight": "Q6_K", "lm_head.weight": "Q6_K"}


def build_kquants(ggml, out, gen):
    cfg = KQUANTS
    weights = make_weights(cfg, gen)
    tokens, scores, types = sentencepiece_vocab(cfg["vocab_size"])
    meta = llama_metadata(cfg, "smda gguf fixture (k-quants)") + [
        ("tokenizer.ggml.model", "llama", STRING), ("tokenizer.ggml.tokens", tokens, ARRAY, STRING),
        ("tokenizer.ggml.scores", scores, ARRAY, FLOAT32), ("tokenizer.ggml.token_type", types, ARRAY, INT32),
        ("tokenizer.ggml.bos_token_id", 1, UINT32), ("tokenizer.ggml.eos_token_id", 2, UINT32), ("tokenizer.ggml.unknown_token_id", 0, UINT32)]

    def type_of(hf, w):
        return "F32" if w.dim() == 1 else KQUANT_TYPES[hf.split(".", 3)[-1] if hf.startswith("model.layers.") else hf]

    def store_as(w, gtype):
        if gtype == "F32":
            return store(w, gtype)
        raw, values = ggml.quantise(w.numpy(), gtype)
        return raw, torch.from_numpy(values.astype(np.float64))

    tensors, stored = model_tensors(cfg, weights, type_of, store_as)
    write_gguf(os.path.join(out, "kquants.gguf"), meta, tensors)
    ids = torch.tensor([1, 17, 42, 5, 99, 260, 3, 77, 150, 8, 201, 64])
    write_safetensors(os.path.join(out, "reference.kquants.safetensors"), {"logits": forward(cfg, stored, ids), "sequence": ids},
                      {"source": "scripts/reference/ggml_quants_reference.py: ggml of llama.cpp (@node-llama-cpp/linux-x64 3.22.1), torch "
                                 + torch.__version__})


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/gguf"
    os.makedirs(out, exist_ok=True)
    ggml = Ggml(os.environ["GGML_LIB"])
    build_quants(ggml, out, np.random.default_rng(20261123))
    build_kquants(ggml, out, torch.Generator().manual_seed(20261125))
    print("wrote", out)


if __name__ == "__main__":
    main()

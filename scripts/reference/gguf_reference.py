#!/usr/bin/env python3
"""GGUF fixtures for smda's GGUF reader, written by an independent writer, with reference logits.

Writes small random Llama models as GGUF files the way llama.cpp's converter lays them out: tensor
names blk.N.attn_q.weight ..., dimensions innermost first, the query and key rows permuted into the
interleaved rotary layout (llama.cpp's `permute`), llama3 rope scaling as a rope_freqs tensor, the
tokenizer in tokenizer.ggml.* metadata. Each model is stored in several tensor types (F32, F16,
BF16, Q8_0, Q4_0, quantised per llama.cpp's reference quantisers), and for each file
reference.<type>.safetensors holds the logits (float64, computed by llama_reference.py's PyTorch
forward) of what that file stores: the dequantised weights, permuted back to Hugging Face's layout.

The "bytes" model carries a byte-level (gpt2-style) tokenizer with a Llama 3 chat template; its
tokenizer.json (written here, independently of smda) lets the tests compare smda's GGUF tokenizer
with Hugging Face's own tokenizers library.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/reference/gguf_reference.py [OUT_DIR]
The committed fixtures under src/test/resources/fixtures/gguf/ came from this script.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import forward, make_weights, write_safetensors  # noqa: E402

GGML = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q5_0": 6, "Q5_1": 7, "Q8_0": 8, "Q2_K": 10, "Q3_K": 11, "Q4_K": 12,
        "Q5_K": 13, "Q6_K": 14, "IQ4_NL": 20, "IQ4_XS": 23, "BF16": 30}
STRING, ARRAY, UINT32, INT32, FLOAT32, BOOL = 8, 9, 4, 5, 6, 7


# ---------- the GGUF container ----------

def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_value(value, vtype):
    if vtype == STRING:
        return gguf_string(value)
    if vtype == UINT32:
        return struct.pack("<I", value)
    if vtype == INT32:
        return struct.pack("<i", value)
    if vtype == FLOAT32:
        return struct.pack("<f", value)
    if vtype == BOOL:
        return struct.pack("<?", value)
    raise ValueError(vtype)


def gguf_kv(key, value, vtype, element=None):
    out = gguf_string(key) + struct.pack("<I", vtype)
    if vtype == ARRAY:
        out += struct.pack("<IQ", element, len(value)) + b"".join(gguf_value(v, element) for v in value)
    else:
        out += gguf_value(value, vtype)
    return out


def write_gguf(path, metadata, tensors, version=3, alignment=32):
    """metadata: list of (key, value, type[, element type]); tensors: list of (name, ggml type, numpy shape outermost first, raw bytes)."""
    if alignment != 32:
        metadata = metadata + [("general.alignment", alignment, UINT32)]
    header = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    header += b"".join(gguf_kv(*m) for m in metadata)
    offset, blobs = 0, []
    for name, gtype, shape, raw in tensors:
        header += gguf_string(name) + struct.pack("<I", len(shape))
        header += b"".join(struct.pack("<Q", d) for d in reversed(shape))  # innermost first
        header += struct.pack("<IQ", GGML[gtype], offset)
        pad = (-len(raw)) % alignment
        blobs.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    header += b"\0" * ((-len(header)) % alignment)
    with open(path, "wb") as f:
        f.write(header)
        for b in blobs:
            f.write(b)


# ---------- tensor types (llama.cpp's reference quantisers) and what they store ----------

def store(w, gtype):
    """(raw bytes, the float64 values those bytes mean) of a float32 array."""
    x = w.numpy().astype(np.float32)
    if gtype == "F32":
        return x.tobytes(), torch.from_numpy(x.astype(np.float64))
    if gtype == "F16":
        h = x.astype(np.float16)
        return h.tobytes(), torch.from_numpy(h.astype(np.float64))
    if gtype == "BF16":
        bits = (torch.from_numpy(x).to(torch.bfloat16).view(torch.int16).numpy())
        return bits.tobytes(), torch.from_numpy(x).to(torch.bfloat16).double()
    blocks = x.reshape(-1, 32)
    raw, values = bytearray(), []
    for b in blocks:
        if gtype == "Q8_0":
            amax = np.abs(b).max()
            d = amax / 127.0
            q = np.zeros(32, dtype=np.int8) if d == 0 else np.clip(np.sign(b * (1 / d)) * np.floor(np.abs(b * (1 / d)) + 0.5), -127, 127).astype(np.int8)
            d16 = np.float16(d)
            raw += d16.tobytes() + q.tobytes()
            values.append(np.float64(np.float32(d16)) * q.astype(np.float64))
        elif gtype == "Q4_0":
            m = b[np.argmax(np.abs(b))]
            d = m / -8.0
            inv = 1 / d if d != 0 else 0.0
            q = np.minimum(15, (b * inv + 8.5).astype(np.int32)).astype(np.uint8)
            d16 = np.float16(d)
            raw += d16.tobytes() + (q[:16] | (q[16:] << 4)).astype(np.uint8).tobytes()
            values.append(np.float64(np.float32(d16)) * (q.astype(np.float64) - 8))
        else:
            raise ValueError(gtype)
    return bytes(raw), torch.from_numpy(np.concatenate(values).reshape(x.shape))


def permute(w, heads):
    """llama.cpp's converter: Hugging Face's half-split query/key rows into the interleaved rotary layout."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def rope_factors(cfg):
    """llama.cpp's rope_freqs for llama3 scaling: one divisor per frequency."""
    s = cfg["rope_scaling"]
    hd = cfg["head_dim"]
    out = []
    for i in range(0, hd, 2):
        freq = 1.0 / (cfg["rope_theta"] ** (i / hd))
        wavelen = 2 * math.pi / freq
        low, high = s["original_max_position_embeddings"] / s["low_freq_factor"], s["original_max_position_embeddings"] / s["high_freq_factor"]
        if wavelen < high:
            out.append(1.0)
        elif wavelen > low:
            out.append(s["factor"])
        else:
            smooth = (s["original_max_position_embeddings"] / wavelen - s["low_freq_factor"]) / (s["high_freq_factor"] - s["low_freq_factor"])
            out.append(1 / ((1 - smooth) / s["factor"] + smooth))
    return torch.tensor(out, dtype=torch.float32)


GGUF_NAMES = {"input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
              "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate",
              "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}


def gguf_name(hf):
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return "output.weight"
    _, _, layer, rest = hf.split(".", 3)
    return f"blk.{layer}.{GGUF_NAMES[rest[:-len('.weight')]]}.weight"


def matrices_in(matrix_type, head_type=None):
    """The tensor type of each weight: matrices in matrix_type, the unembedding in head_type, norms in F32."""
    return lambda hf, w: "F32" if w.dim() == 1 else (head_type or matrix_type) if hf == "lm_head.weight" else matrix_type


def model_tensors(cfg, weights, type_of, store_as=store):
    """GGUF tensors of a model (each weight stored as type_of(name, weight) says, by store_as),
    and the Hugging Face-layout float64 weights they store."""
    tensors, stored = [], {}
    for hf, w in weights.items():
        gtype = type_of(hf, w)
        heads = cfg["num_attention_heads"] if hf.endswith("q_proj.weight") else cfg["num_key_value_heads"] if hf.endswith("k_proj.weight") else 0
        on_disk = permute(w, heads) if heads else w
        raw, values = store_as(on_disk, gtype)
        stored[hf] = permute_back(values, heads) if heads else values
        tensors.append((gguf_name(hf), gtype, list(w.shape), raw))
    return tensors, stored


def permute_back(w, heads):
    return w.reshape(heads, w.shape[0] // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama_metadata(cfg, name):
    m = [("general.architecture", "llama", STRING), ("general.name", name, STRING),
         ("llama.context_length", 128, UINT32), ("llama.embedding_length", cfg["hidden_size"], UINT32),
         ("llama.block_count", cfg["num_hidden_layers"], UINT32), ("llama.feed_forward_length", cfg["intermediate_size"], UINT32),
         ("llama.attention.head_count", cfg["num_attention_heads"], UINT32),
         ("llama.attention.head_count_kv", cfg["num_key_value_heads"], UINT32),
         ("llama.rope.dimension_count", cfg["head_dim"], UINT32), ("llama.rope.freq_base", cfg["rope_theta"], FLOAT32),
         ("llama.attention.layer_norm_rms_epsilon", cfg["rms_norm_eps"], FLOAT32)]
    if cfg["head_dim"] != cfg["hidden_size"] // cfg["num_attention_heads"]:
        m.append(("llama.attention.key_length", cfg["head_dim"], UINT32))
        m.append(("llama.attention.value_length", cfg["head_dim"], UINT32))
    return m


# ---------- tokenizers ----------

def learn_merges(seqs, count):
    """Up to count BPE merges: repeatedly the most frequent adjacent pair (the first in sorted order among ties)."""
    merges = []
    while len(merges) < count:
        counts = {}
        for s in seqs:
            for a, b in zip(s, s[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        best = max(sorted(counts), key=lambda p: counts[p])
        merges.append(best)
        for s in seqs:
            i = 0
            while i < len(s) - 1:
                if (s[i], s[i + 1]) == best:
                    s[i:i + 2] = [best[0] + best[1]]
                i += 1
    return merges


def sentencepiece_vocab(size):
    """A SentencePiece-style BPE vocabulary: <unk> <s> </s>, 256 byte pieces, characters and merges with descending scores."""
    corpus = "once upon a time there was a little girl who liked to play in the park with her friends and the sun was warm"
    words = ["\u2581" + w for w in corpus.split()]
    chars = sorted({c for w in words for c in w})
    tokens, scores, types = ["<unk>", "<s>", "</s>"], [0.0, 0.0, 0.0], [2, 3, 3]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    scores += [0.0] * 256
    types += [6] * 256
    merges = [a + b for a, b in learn_merges([list(w) for w in words], size - len(tokens) - len(chars))]
    for i, piece in enumerate(merges):
        tokens.append(piece)
        scores.append(-float(i))
        types.append(1)
    for i, c in enumerate(chars):
        tokens.append(c)
        scores.append(-float(len(merges) + i))
        types.append(1)
    return tokens, scores, types


def bytes_to_unicode():
    """GPT-2's map of bytes to printable characters (byte-level BPE)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
LLAMA3_REGEX = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                 " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}")


def byte_level_vocab(size):
    """256 byte characters, merges learnt on a small corpus, then the Llama 3 special tokens."""
    b2u = bytes_to_unicode()
    corpus = "How do I bake bread at home? I can't help with that. The quick brown fox jumps over the lazy dog. Sure, here is how."
    words = ["".join(b2u[b] for b in (" " + w if i else w).encode()) for i, w in enumerate(corpus.split(" "))]
    tokens = [b2u[b] for b in range(256)]
    merges = learn_merges([list(w) for w in words], size - len(tokens) - len(SPECIALS))
    tokens += [a + b for a, b in merges] + SPECIALS
    return tokens, merges


def tokenizer_json(tokens, merges):
    """The Hugging Face tokenizer.json of the byte-level vocabulary (Llama 3's pipeline)."""
    n = len(tokens) - len(SPECIALS)
    return {
        "version": "1.0",
        "added_tokens": [{"id": n + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                         for i, s in enumerate(SPECIALS)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_REGEX}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": SPECIALS[0], "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {SPECIALS[0]: {"id": SPECIALS[0], "ids": [n], "tokens": [SPECIALS[0]]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens[:n])}, "merges": [[a, b] for a, b in merges]},
    }


# ---------- the fixtures ----------

SEQUENCE = [1, 17, 42, 5, 99, 260, 3, 77, 150, 8, 201, 64]

MODELS = {
    # SentencePiece vocabulary; GQA; llama3 rope scaling stored as rope_freqs; untied unembedding; rows of 32 and 64 for the quantised types.
    "pieces": dict(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                   head_dim=8, rms_norm_eps=1e-5, rope_theta=10000.0,
                   rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=64),
                   tie_word_embeddings=False),
    # Byte-level vocabulary with Llama 3's special tokens and chat template; one key/value head; head_dim != hidden/heads; tied embeddings.
    "bytes": dict(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                  head_dim=12, rms_norm_eps=1e-6, rope_theta=500000.0, rope_scaling=None, tie_word_embeddings=True),
}


def build_pieces(out, gen):
    cfg = MODELS["pieces"]
    weights = make_weights(cfg, gen)
    tokens, scores, types = sentencepiece_vocab(cfg["vocab_size"])
    assert len(tokens) == cfg["vocab_size"], len(tokens)
    meta = llama_metadata(cfg, "smda gguf fixture (pieces)") + [
        ("tokenizer.ggml.model", "llama", STRING), ("tokenizer.ggml.tokens", tokens, ARRAY, STRING),
        ("tokenizer.ggml.scores", scores, ARRAY, FLOAT32), ("tokenizer.ggml.token_type", types, ARRAY, INT32),
        ("tokenizer.ggml.bos_token_id", 1, UINT32), ("tokenizer.ggml.eos_token_id", 2, UINT32), ("tokenizer.ggml.unknown_token_id", 0, UINT32)]
    factors = rope_factors(cfg)
    ids = torch.tensor(SEQUENCE)
    for matrix, head in (("F32", None), ("F16", None), ("BF16", None), ("Q8_0", None), ("Q4_0", "Q8_0")):
        tensors, stored = model_tensors(cfg, weights, matrices_in(matrix, head))
        tensors.append(("rope_freqs.weight", "F32", [len(factors)], factors.numpy().tobytes()))
        tag = matrix.lower()
        write_gguf(os.path.join(out, f"pieces.{tag}.gguf"), meta, tensors)
        write_safetensors(os.path.join(out, f"reference.pieces.{tag}.safetensors"),
                          {"logits": forward(cfg, stored, ids), "sequence": ids},
                          {"source": "scripts/reference/gguf_reference.py, torch " + torch.__version__})


def build_bytes(out, gen):
    cfg = MODELS["bytes"]
    weights = make_weights(cfg, gen)
    tokens, merges = byte_level_vocab(cfg["vocab_size"])
    assert len(tokens) == cfg["vocab_size"], len(tokens)
    n = len(tokens) - len(SPECIALS)
    types = [1] * n + [3] * len(SPECIALS)
    meta = llama_metadata(cfg, "smda gguf fixture (bytes)") + [
        ("tokenizer.ggml.model", "gpt2", STRING), ("tokenizer.ggml.pre", "llama-bpe", STRING),
        ("tokenizer.ggml.tokens", tokens, ARRAY, STRING), ("tokenizer.ggml.token_type", types, ARRAY, INT32),
        ("tokenizer.ggml.merges", [a + " " + b for a, b in merges], ARRAY, STRING),
        ("tokenizer.ggml.bos_token_id", n, UINT32), ("tokenizer.ggml.eos_token_id", n + 1, UINT32),
        ("tokenizer.ggml.eot_token_id", n + 4, UINT32), ("tokenizer.ggml.add_bos_token", True, BOOL),
        ("tokenizer.chat_template", CHAT_TEMPLATE, STRING)]
    tensors, stored = model_tensors(cfg, weights, matrices_in("F16"))
    # Version 2 and a 64-byte alignment: both occur in files in the wild.
    write_gguf(os.path.join(out, "bytes.f16.gguf"), meta, tensors, version=2, alignment=64)
    ids = torch.tensor([n] + SEQUENCE[1:])
    write_safetensors(os.path.join(out, "reference.bytes.f16.safetensors"), {"logits": forward(cfg, stored, ids), "sequence": ids},
                      {"source": "scripts/reference/gguf_reference.py, torch " + torch.__version__})
    with open(os.path.join(out, "bytes.tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(tokens, merges), f, ensure_ascii=False)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/gguf"
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(20261124)
    build_pieces(out, gen)
    build_bytes(out, gen)
    print("wrote", out)


if __name__ == "__main__":
    main()

package dev.smda.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.io.BadInputException;
import dev.smda.io.GgmlType;
import dev.smda.io.GgufFile;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaModel;
import dev.smda.model.RopeScaling;
import dev.smda.tensor.TensorInfo;
import dev.smda.tensor.TensorSource;
import dev.smda.tensor.Torch;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.tokenizer.GgufVocabulary;
import dev.smda.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Llama model in one GGUF file: the architecture from the {@code llama.*} metadata, the tokenizer
 * from {@code tokenizer.ggml.*}, and the weights, presented under their Hugging Face names and
 * layouts so that the same engine runs them. GGUF stores the query and key projections with the rows
 * of each head interleaved for llama.cpp's rotary embedding; they are permuted back to the
 * half-split layout Hugging Face checkpoints (and smda) use.
 */
public final class GgufCheckpoint {

    private GgufCheckpoint() {}

    public static LanguageModel open(Path path, DataType dtype) throws IOException {
        try (GgufFile file = GgufFile.open(path)) {
            LlamaConfig config = config(file);
            HfTokenizer tokenizer = vocabulary(file).tokenizer(path.toString());
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new BadInputException(path + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the embedding only " + config.vocabSize());
            }
            String bos = config.bosTokenId() >= 0 ? tokenizer.token(config.bosTokenId()) : "";
            ChatFormat chat = ChatFormat.forTokenizer(tokenizer, file.string("tokenizer.chat_template", null), bos);
            Set<Integer> stops = new LinkedHashSet<>(config.eosTokenIds());
            long eot = file.integer("tokenizer.ggml.eot_token_id", -1);
            if (eot >= 0 && eot < tokenizer.vocabSize()) {
                stops.add((int) eot);
            }
            tokenizer.id(ChatFormat.END_OF_TURN).ifPresent(stops::add);
            NDManager manager = Torch.newManager();
            try {
                LlamaModel model = LlamaModel.load(config, new HfView(file, config), manager, dtype);
                return new LanguageModel(model, tokenizer, chat, stops, new ModelSource(path, "gguf", storedTypes(file), file.storedBytes()));
            } catch (RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }

    /** The architecture the file's metadata states; an error names the key for anything smda cannot run. */
    public static LlamaConfig config(GgufFile f) {
        String where = f.path().toString();
        String arch = f.string("general.architecture", "");
        if (!arch.equals("llama")) {
            throw new BadInputException(where + ": metadata 'general.architecture' is '" + arch + "'; smda runs 'llama' models");
        }
        int hidden = positive(f, "llama.embedding_length");
        int heads = positive(f, "llama.attention.head_count");
        int kvHeads = f.has("llama.attention.head_count_kv") ? positive(f, "llama.attention.head_count_kv") : heads;
        int headDim = f.has("llama.attention.key_length") ? positive(f, "llama.attention.key_length") : hidden / heads;
        long ropeDims = f.integer("llama.rope.dimension_count", headDim);
        if (ropeDims != headDim) {
            throw new BadInputException(where + ": metadata 'llama.rope.dimension_count' is " + ropeDims + " but heads have " + headDim
                    + " dimensions; partial rotary embeddings are not supported");
        }
        GgufFile.Tensor embed = f.tensor("token_embd.weight");
        int vocab = f.has("llama.vocab_size") ? positive(f, "llama.vocab_size") : Math.toIntExact(embed.shape()[0]);
        List<Integer> eos = new ArrayList<>();
        long eosId = f.integer("tokenizer.ggml.eos_token_id", -1);
        if (eosId >= 0 && eosId < vocab) {
            eos.add((int) eosId);
        }
        long bos = f.integer("tokenizer.ggml.bos_token_id", -1);
        try {
            return new LlamaConfig(vocab, hidden, positive(f, "llama.feed_forward_length"), positive(f, "llama.block_count"), heads, kvHeads, headDim,
                    f.number("llama.attention.layer_norm_rms_epsilon", 1e-5), f.number("llama.rope.freq_base", 10000.0), ropeScaling(f, headDim),
                    Math.toIntExact(f.integer("llama.context_length", 2048)), !f.tensors().containsKey("output.weight"),
                    bos >= 0 && bos < vocab ? (int) bos : -1, eos, "float32");
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    private static int positive(GgufFile f, String key) {
        long v = f.requireInteger(key);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new BadInputException(f.path() + ": metadata '" + key + "' must be a positive integer, not " + v);
        }
        return (int) v;
    }

    private static RopeScaling ropeScaling(GgufFile f, int headDim) {
        if (f.tensors().containsKey("rope_freqs.weight")) {
            float[] factors = f.floats("rope_freqs.weight");
            if (factors.length != headDim / 2) {
                throw new BadInputException(f.path() + ": tensor 'rope_freqs.weight' has " + factors.length + " factors for " + headDim / 2 + " frequencies");
            }
            List<Double> divisors = new ArrayList<>();
            for (float v : factors) {
                divisors.add((double) v);
            }
            return RopeScaling.frequencyFactors(divisors);
        }
        String type = f.string("llama.rope.scaling.type", "none");
        return switch (type) {
            case "none" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling("linear", f.number("llama.rope.scaling.factor", 1), 0, 0, 0);
            default -> throw new BadInputException(f.path() + ": metadata 'llama.rope.scaling.type' is '" + type + "'; smda supports none and linear"
                    + " (and llama3 scaling as a rope_freqs tensor)");
        };
    }

    public static GgufVocabulary vocabulary(GgufFile f) {
        String model = f.string("tokenizer.ggml.model", null);
        if (model == null) {
            throw new BadInputException(f.path() + ": metadata 'tokenizer.ggml.model' is missing (the file carries no tokenizer)");
        }
        return new GgufVocabulary(model, f.array("tokenizer.ggml.tokens", String.class), f.array("tokenizer.ggml.scores", Double.class),
                f.array("tokenizer.ggml.token_type", Long.class), f.array("tokenizer.ggml.merges", String.class), f.string("tokenizer.ggml.pre", null),
                (int) f.integer("tokenizer.ggml.bos_token_id", -1), (int) f.integer("tokenizer.ggml.eos_token_id", -1),
                (int) f.integer("tokenizer.ggml.unknown_token_id", -1), f.bool("tokenizer.ggml.add_bos_token", model.equals("llama")),
                f.bool("tokenizer.ggml.add_eos_token", false), f.bool("tokenizer.ggml.add_space_prefix", model.equals("llama")));
    }

    /** The tensor types of a file, the one holding the most bytes first (e.g. "Q8_0, F32"). */
    public static String storedTypes(GgufFile f) {
        Map<GgmlType, Long> bytes = new LinkedHashMap<>();
        f.tensors().values().forEach(t -> bytes.merge(t.type(), t.bytes(), Long::sum));
        return String.join(", ", bytes.entrySet().stream().sorted(Map.Entry.<GgmlType, Long>comparingByValue(Comparator.reverseOrder()))
                .map(e -> e.getKey().name()).toList());
    }

    /** The file's tensors under Hugging Face names, with the query and key rows back in half-split order. */
    static final class HfView implements TensorSource {
        private static final Pattern BLOCK = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)\\.weight");
        private static final Map<String, String> BLOCK_PARTS = Map.of(
                "input_layernorm", "attn_norm", "self_attn.q_proj", "attn_q", "self_attn.k_proj", "attn_k", "self_attn.v_proj", "attn_v",
                "self_attn.o_proj", "attn_output", "post_attention_layernorm", "ffn_norm", "mlp.gate_proj", "ffn_gate", "mlp.up_proj", "ffn_up",
                "mlp.down_proj", "ffn_down");

        private final GgufFile file;
        private final LlamaConfig config;

        HfView(GgufFile file, LlamaConfig config) {
            this.file = file;
            this.config = config;
        }

        static String ggufName(String hfName) {
            switch (hfName) {
                case LlamaModel.EMBED -> {
                    return "token_embd.weight";
                }
                case LlamaModel.FINAL_NORM -> {
                    return "output_norm.weight";
                }
                case LlamaModel.LM_HEAD -> {
                    return "output.weight";
                }
                default -> {
                    Matcher m = BLOCK.matcher(hfName);
                    String part = m.matches() ? BLOCK_PARTS.get(m.group(2)) : null;
                    return part == null ? null : "blk." + m.group(1) + "." + part + ".weight";
                }
            }
        }

        @Override
        public String describe() {
            return file.describe();
        }

        @Override
        public Set<String> names() {
            return LlamaModel.expectedShapes(config).keySet();
        }

        @Override
        public TensorInfo info(String name) {
            String gguf = ggufName(name);
            TensorInfo stored = gguf == null ? null : file.info(gguf);
            return stored == null ? null : new TensorInfo(name, stored.dtype(), stored.shape());
        }

        @Override
        public NDArray load(String name, NDManager manager, DataType target) {
            String gguf = ggufName(name);
            int heads = name.endsWith("q_proj.weight") ? config.numHeads() : name.endsWith("k_proj.weight") ? config.numKvHeads() : 0;
            if (heads == 0) {
                return file.load(gguf, manager, target);
            }
            // GGUF rows of a head: (pair i, member j) at 2i + j; Hugging Face's: member j of all pairs, then the next, at j·d/2 + i.
            try (NDManager scratch = manager.newSubManager()) {
                NDArray interleaved = file.load(gguf, scratch, target);
                long in = interleaved.getShape().get(1);
                NDArray halfSplit = interleaved.reshape(heads, config.headDim() / 2, 2, in).transpose(0, 2, 1, 3).reshape(heads * (long) config.headDim(), in);
                halfSplit.attach(manager);
                return halfSplit;
            }
        }
    }
}

package dev.smda.model;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.smda.io.BadInputException;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.TensorInfo;
import dev.smda.tensor.TensorSource;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama-family decoder ({@code LlamaForCausalLM}): token embedding, then per block RMSNorm,
 * grouped-query attention with rotary positions, a residual add, RMSNorm, a SwiGLU MLP and another
 * residual add; a final RMSNorm and the unembedding.
 *
 * <p>A model is immutable: its weights are never written. A fine-tuning update makes a new model
 * that shares every weight it did not change ({@link #withWeights}, {@link #withLora}), so the base
 * model is restored exactly by dropping the updated one.
 *
 * <p>Weights are kept under their Hugging Face names ({@code model.layers.3.self_attn.q_proj.weight}).
 */
public final class LlamaModel implements AutoCloseable {

    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    /** The projections LoRA can adapt, as named inside a block. */
    public static final List<String> PROJECTIONS = List.of(
            "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
            "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    private final LlamaConfig config;
    private final Map<String, NDArray> weights;
    private final Map<String, LoraAdapter> lora;
    private final DataType dtype;
    private final NDManager owned;

    private LlamaModel(LlamaConfig config, Map<String, NDArray> weights, Map<String, LoraAdapter> lora, DataType dtype, NDManager owned) {
        this.config = config;
        this.weights = Collections.unmodifiableMap(weights);
        this.lora = Collections.unmodifiableMap(lora);
        this.dtype = dtype;
        this.owned = owned;
    }

    public static String blockWeight(int layer, String part) {
        return "model.layers." + layer + "." + part + ".weight";
    }

    /** Every weight the config calls for, with its shape {@code [out, in]} as Hugging Face stores it. */
    public static Map<String, long[]> expectedShapes(LlamaConfig c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long d = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        shapes.put(EMBED, new long[] {c.vocabSize(), d});
        for (int l = 0; l < c.numLayers(); l++) {
            shapes.put(blockWeight(l, "input_layernorm"), new long[] {d});
            shapes.put(blockWeight(l, "self_attn.q_proj"), new long[] {q, d});
            shapes.put(blockWeight(l, "self_attn.k_proj"), new long[] {kv, d});
            shapes.put(blockWeight(l, "self_attn.v_proj"), new long[] {kv, d});
            shapes.put(blockWeight(l, "self_attn.o_proj"), new long[] {d, q});
            shapes.put(blockWeight(l, "post_attention_layernorm"), new long[] {d});
            shapes.put(blockWeight(l, "mlp.gate_proj"), new long[] {c.intermediateSize(), d});
            shapes.put(blockWeight(l, "mlp.up_proj"), new long[] {c.intermediateSize(), d});
            shapes.put(blockWeight(l, "mlp.down_proj"), new long[] {d, c.intermediateSize()});
        }
        shapes.put(FINAL_NORM, new long[] {d});
        if (!c.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {c.vocabSize(), d});
        }
        return shapes;
    }

    /**
     * Loads every weight from {@code source} into arrays of {@code dtype} owned by {@code manager},
     * which the model closes with itself. A missing tensor or a shape that does not fit the config
     * is an error naming the tensor.
     */
    public static LlamaModel load(LlamaConfig config, TensorSource source, NDManager manager, DataType dtype) {
        Map<String, long[]> expected = expectedShapes(config);
        for (var e : expected.entrySet()) {
            TensorInfo info = source.info(e.getKey());
            if (info == null) {
                throw new BadInputException(source.describe() + ": missing tensor '" + e.getKey() + "'");
            }
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new BadInputException(source.describe() + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(info.shape())
                        + " but the config needs " + Arrays.toString(e.getValue()));
            }
        }
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            NDArray w = source.load(name, manager, dtype);
            w.setName(name);
            weights.put(name, w);
        }
        return new LlamaModel(config, weights, Map.of(), dtype, manager);
    }

    /** A model over weights already in memory (e.g. freshly initialised); it owns {@code owned}. */
    public static LlamaModel of(LlamaConfig config, Map<String, NDArray> weights, NDManager owned) {
        Map<String, long[]> expected = expectedShapes(config);
        DataType dtype = null;
        for (var e : expected.entrySet()) {
            NDArray w = weights.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("missing weight " + e.getKey());
            }
            if (!Arrays.equals(w.getShape().getShape(), e.getValue())) {
                throw new IllegalArgumentException(e.getKey() + " has shape " + w.getShape() + ", expected " + Arrays.toString(e.getValue()));
            }
            dtype = w.getDataType();
        }
        return new LlamaModel(config, new LinkedHashMap<>(weights), Map.of(), dtype, owned);
    }

    /** This model with some weights replaced; it shares the rest, and owns {@code owned}. */
    public LlamaModel withWeights(Map<String, NDArray> replacements, NDManager owned) {
        Map<String, NDArray> next = new LinkedHashMap<>(weights);
        for (var e : replacements.entrySet()) {
            NDArray old = next.get(e.getKey());
            if (old == null || !old.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("cannot replace " + e.getKey() + " with shape " + e.getValue().getShape());
            }
            next.put(e.getKey(), e.getValue());
        }
        return new LlamaModel(config, next, lora, dtype, owned);
    }

    /** This model with low-rank adapters on some projections (keyed by weight name). */
    public LlamaModel withLora(Map<String, LoraAdapter> adapters, NDManager owned) {
        for (String name : adapters.keySet()) {
            if (!weights.containsKey(name)) {
                throw new IllegalArgumentException("no projection " + name);
            }
        }
        return new LlamaModel(config, weights, adapters, dtype, owned);
    }

    public LlamaConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    /** Weights by Hugging Face name (the tied unembedding is {@link #EMBED}). */
    public Map<String, NDArray> weights() {
        return weights;
    }

    public Map<String, LoraAdapter> lora() {
        return lora;
    }

    public NDArray weight(String name) {
        NDArray w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no weight " + name);
        }
        return w;
    }

    public NDArray unembedding() {
        return config.tieWordEmbeddings() ? weight(EMBED) : weight(LM_HEAD);
    }

    /**
     * Runs the whole model and returns the final normalised hidden states {@code [batch, length,
     * hidden]}; {@link #logits} turns them into logits. With a cache, the batch continues the cached
     * positions and the cache is extended.
     */
    public NDArray hidden(TokenBatch batch, Hooks hooks, KvCache cache) {
        return Scoped.compute(() -> run(batch, hooks, cache, Integer.MAX_VALUE));
    }

    public NDArray hidden(TokenBatch batch) {
        return hidden(batch, Hooks.none(), null);
    }

    /** Runs only as far as the deepest hook needs, for reading (or editing) activations. */
    public void runHooks(TokenBatch batch, Hooks hooks) {
        int deepest = hooks.deepestLayer();
        Scoped.run(() -> run(batch, hooks, null, deepest));
    }

    /** The activation at one hook point, {@code [batch, length, hidden]}; the caller closes it. */
    public NDArray activations(TokenBatch batch, String hookName) {
        Hooks hooks = Hooks.none();
        Hooks.Capture capture = hooks.capture(hookName);
        runHooks(batch, hooks);
        return capture.get();
    }

    /** Logits {@code [..., vocab]} of final hidden states. */
    public NDArray logits(NDArray hidden) {
        return logits(hidden, Hooks.none());
    }

    /**
     * Logits of final hidden states, with the unembedding's use shown to the hooks' weight taps as
     * {@link #LM_HEAD} (also when it is the tied embedding, so its use as a linear map stays apart
     * from the lookup's).
     */
    public NDArray logits(NDArray hidden, Hooks hooks) {
        return Scoped.compute(() -> hooks.taps().linear(LM_HEAD, hidden, hidden.matMul(unembedding().transpose())));
    }

    private NDArray run(TokenBatch batch, Hooks hooks, KvCache cache, int stopAfterLayer) {
        int past = cache == null ? 0 : cache.length();
        NDManager m = weight(EMBED).getManager();
        NDArray ids = batch.ids(m);
        WeightTaps taps = hooks.taps();
        NDArray x = taps.lookup(EMBED, ids, weight(EMBED).get(ids));
        x = hooks.run("hook_embed", x);
        if (stopAfterLayer < 0) {
            return null;
        }
        if (cache != null && batch.isTree()) {
            throw new IllegalArgumentException("a key/value cache continues linear sequences, not trees");
        }
        NDArray[] rope = Rope.tables(m, config, dtype, batch.positions(past));
        NDArray mask = attentionMask(m, batch, past);
        for (int l = 0; l < config.numLayers(); l++) {
            x = hooks.run("blocks." + l + ".hook_resid_pre", x);
            NDArray attn = attention(l, rmsNorm(x, blockWeight(l, "input_layernorm"), taps), rope[0], rope[1], mask, cache, taps);
            attn = hooks.run("blocks." + l + ".hook_attn_out", attn);
            x = x.add(attn);
            x = hooks.run("blocks." + l + ".hook_resid_mid", x);
            NDArray mlp = mlp(l, rmsNorm(x, blockWeight(l, "post_attention_layernorm"), taps), taps);
            mlp = hooks.run("blocks." + l + ".hook_mlp_out", mlp);
            x = x.add(mlp);
            x = hooks.run("blocks." + l + ".hook_resid_post", x);
            if (l >= stopAfterLayer) {
                return null;
            }
        }
        if (cache != null) {
            cache.advance(batch.length());
        }
        NDArray h = rmsNorm(x, FINAL_NORM, taps);
        return hooks.run("ln_final.hook_normalized", h);
    }

    /** RMSNorm, computed in at least single precision as Hugging Face does. */
    private NDArray rmsNorm(NDArray x, String weightName, WeightTaps taps) {
        NDArray xf = upcast(x);
        NDArray inverseRms = Tensors.plus(xf.square().mean(new int[] {-1}, true), config.rmsNormEps()).sqrt();
        NDArray normalized = Tensors.cast(xf.div(inverseRms), dtype);
        return taps.scale(weightName, normalized, normalized.mul(weight(weightName)));
    }

    private NDArray upcast(NDArray x) {
        return dtype == DataType.FLOAT64 ? x : Tensors.cast(x, DataType.FLOAT32);
    }

    private NDArray project(int layer, String projection, NDArray x, WeightTaps taps) {
        String name = blockWeight(layer, projection);
        NDArray y = x.matMul(weight(name).transpose());
        LoraAdapter adapter = lora.get(name);
        if (adapter != null) {
            y = y.add(Tensors.times(x.matMul(adapter.a().transpose()).matMul(adapter.b().transpose()), adapter.scale()));
        }
        return taps.linear(name, x, y);
    }

    private NDArray mlp(int layer, NDArray x, WeightTaps taps) {
        NDArray gate = project(layer, "mlp.gate_proj", x, taps);
        NDArray up = project(layer, "mlp.up_proj", x, taps);
        return project(layer, "mlp.down_proj", gate.mul(Activation.sigmoid(gate)).mul(up), taps);
    }

    private NDArray attention(int layer, NDArray x, NDArray cos, NDArray sin, NDArray mask, KvCache cache, WeightTaps taps) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int group = config.groupSize();
        int hd = config.headDim();
        NDArray q = rotate(project(layer, "self_attn.q_proj", x, taps).reshape(b, t, heads, hd), cos, sin);
        NDArray k = rotate(project(layer, "self_attn.k_proj", x, taps).reshape(b, t, kvHeads, hd), cos, sin);
        NDArray v = project(layer, "self_attn.v_proj", x, taps).reshape(b, t, kvHeads, hd);
        // Query head h uses key/value head h / group: group the queries instead of copying keys.
        q = q.reshape(b, t, kvHeads, group, hd).transpose(0, 2, 3, 1, 4).reshape(b, kvHeads, group * t, hd);
        k = k.transpose(0, 2, 1, 3);
        v = v.transpose(0, 2, 1, 3);
        if (cache != null) {
            if (cache.keys(layer) != null) {
                k = cache.keys(layer).concat(k, 2);
                v = cache.values(layer).concat(v, 2);
            }
            cache.store(layer, k, v);
        }
        long keys = k.getShape().get(2);
        NDArray scores = Tensors.times(q.matMul(k.transpose(0, 1, 3, 2)), 1.0 / Math.sqrt(hd));
        scores = upcast(scores).reshape(b, kvHeads, group, t, keys).add(mask);
        NDArray probs = Tensors.cast(scores.softmax(-1), dtype).reshape(b, kvHeads, group * t, keys);
        NDArray out = probs.matMul(v).reshape(b, kvHeads, group, t, hd).transpose(0, 3, 1, 2, 4).reshape(b, t, (long) heads * hd);
        return project(layer, "self_attn.o_proj", out, taps);
    }

    /** Rotary embedding in Hugging Face's half-split layout: x*cos + rotate_half(x)*sin. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        int last = x.getShape().dimension() - 1;
        NDList halves = x.split(2, last);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), last);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Additive mask {@code [batch, 1, 1, length, past + length]}: a query sees the cached positions
     * and the batch's keys it attends to (at or before it, or its ancestors in a tree), not padding.
     */
    private NDArray attentionMask(NDManager m, TokenBatch batch, int past) {
        int b = batch.size();
        int t = batch.length();
        int keys = past + t;
        float[] mask = new float[b * t * keys];
        for (int row = 0; row < b; row++) {
            boolean[][] sees = batch.visibility(row);
            for (int i = 0; i < t; i++) {
                int base = (row * t + i) * keys;
                for (int j = 0; j < keys; j++) {
                    mask[base + j] = j < past || sees[i][j - past] ? 0f : -1e30f;
                }
            }
        }
        NDArray result = Tensors.owned(m, mask, new Shape(b, 1, 1, t, keys));
        return dtype == DataType.FLOAT64 ? result.toType(DataType.FLOAT64, false) : result;
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}

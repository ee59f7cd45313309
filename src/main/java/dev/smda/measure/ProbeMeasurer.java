package dev.smda.measure;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.model.TokenBatch;
import dev.smda.sae.Sae;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Measures a model on probes in one forward pass per batch: each probe's row holds the chat prompt
 * followed by the tree of refusal openings but its leaves (tree attention: every branch sees only the
 * prompt and its own earlier tokens; a leaf is predicted, never read from), so the refusal probability
 * is exact teacher forcing over all openings at once, and the SAE features are read from the same
 * pass at the prompt's positions (which the appended branches cannot affect). Probes of like length
 * share a batch, so little of it is padding.
 *
 * <p>Features come from the SAE's own encoder (or dense ReLU(hW + b)), or, for a measurer
 * {@link #frozenAt frozen} at a base measurement, from the pre-activations gated where the base was
 * active: the encoder linearised at the base activations, TopK, JumpReLU and gated with their active sets
 * fixed as ReLU's gate is. The same computation, left connected to autograd, gives the gradient of
 * any linear functional of the measurement ({@link #functional}).
 */
public final class ProbeMeasurer {

    private final List<ProbeTokens> probes;
    private final RefusalOpenings openings;
    /** The tree's nodes (every one is predicted) and its inner nodes (those fed to the model), in row order. */
    private final List<RefusalOpenings.Node> nodes;
    private final List<RefusalOpenings.Node> inner;
    /** The probes in order of prompt length: what {@link #measure} batches. */
    private final int[] byLength;
    private final Behaviour behaviour;
    private final Pooling pooling;
    private final Sae sae;
    private final int[] featureIds;
    private final int batchSize;
    private final FeatureEncoding encoding;
    /** Per probe, the frozen gates (see {@link Measurement#gates}); null: encode exactly. */
    private final double[][] frozen;

    /**
     * @param sae may be null (no features)
     * @param featureIds the features to keep, in this order; null for all of the SAE's
     */
    public ProbeMeasurer(List<ProbeTokens> probes, RefusalOpenings openings, Behaviour behaviour, Pooling pooling, Sae sae, int[] featureIds, int batchSize) {
        this(probes, openings, behaviour, pooling, sae, featureIds, batchSize, FeatureEncoding.SAE);
    }

    public ProbeMeasurer(List<ProbeTokens> probes, RefusalOpenings openings, Behaviour behaviour, Pooling pooling, Sae sae, int[] featureIds,
            int batchSize, FeatureEncoding encoding) {
        this(probes, openings, behaviour, pooling, sae, sae == null ? new int[0] : featureIds != null ? featureIds.clone()
                : IntStream.range(0, sae.config().dSae()).toArray(), batchSize, encoding, null);
    }

    private ProbeMeasurer(List<ProbeTokens> probes, RefusalOpenings openings, Behaviour behaviour, Pooling pooling, Sae sae, int[] featureIds,
            int batchSize, FeatureEncoding encoding, double[][] frozen) {
        this.probes = List.copyOf(probes);
        this.openings = openings;
        this.nodes = openings.nodes();
        this.inner = openings.innerNodes();
        this.byLength = IntStream.range(0, this.probes.size()).boxed().sorted(java.util.Comparator.comparingInt(i -> this.probes.get(i).ids().length))
                .mapToInt(Integer::intValue).toArray();
        this.behaviour = behaviour;
        this.pooling = pooling;
        this.sae = sae;
        this.featureIds = featureIds;
        this.batchSize = batchSize;
        this.encoding = encoding;
        this.frozen = frozen;
    }

    public ProbeMeasurer withFeatures(int[] ids) {
        return new ProbeMeasurer(probes, openings, behaviour, pooling, sae, ids.clone(), batchSize, encoding, null);
    }

    /** This measurer with the encoder's active set frozen where {@code base} (measured with gates, same features) was active. */
    public ProbeMeasurer frozenAt(Measurement base) {
        if (base.gates() == null || !java.util.Arrays.equals(base.featureIds(), featureIds)) {
            throw new IllegalArgumentException("freezing the gates needs a base measured with gates on the same features");
        }
        return new ProbeMeasurer(probes, openings, behaviour, pooling, sae, featureIds, batchSize, encoding, base.gates());
    }

    /** Whether the encoder's active set is frozen ({@link #frozenAt}). */
    public boolean isFrozen() {
        return frozen != null;
    }

    public int probes() {
        return probes.size();
    }

    public int batchSize() {
        return batchSize;
    }

    public Behaviour behaviour() {
        return behaviour;
    }

    public Measurement measure(LlamaModel model) {
        return measure(model, false, false)[0];
    }

    /** Measures and also returns the gates that {@link #frozenAt} freezes. */
    public Measurement measureWithGates(LlamaModel model) {
        return measure(model, true, false)[0];
    }

    /**
     * For a {@link #frozenAt frozen} measurer: its measurement, and from the same forward passes the
     * one the SAE's own encoder gives (what measuring without the frozen gates would give).
     */
    public Measurement[] measureFrozenAndReencoded(LlamaModel model) {
        requireFrozen("a re-encoded counterpart");
        if (sae == null) {
            throw new IllegalStateException("a re-encoded counterpart needs an SAE");
        }
        return measure(model, false, true);
    }

    private void requireFrozen(String use) {
        if (frozen == null) {
            throw new IllegalStateException(use + " needs the gates frozen at a base measurement (frozenAt)");
        }
    }

    private Measurement[] measure(LlamaModel model, boolean withGates, boolean reencoded) {
        int n = probes.size();
        double[] p = new double[n];
        double[][] x = new double[n][];
        double[][] xReencoded = reencoded ? new double[n][] : null;
        double[][] gates = withGates ? new double[n][] : null;
        for (int start = 0; start < n; start += batchSize) {
            int[] members = java.util.Arrays.copyOfRange(byLength, start, Math.min(n, start + batchSize));
            Scoped.run(() -> {
                Pass pass = start(model, members, true, Hooks.none());
                Batch batch = batch(pass, frozen);
                double[] refusal = batch.refusal.toDoubleArray();
                for (int b = 0; b < members.length; b++) {
                    p[members[b]] = refusal[b];
                }
                if (sae != null) {
                    readFeatures(batch, x, gates);
                }
                if (reencoded) {
                    readFeatures(batch(pass.featuresOnly(), null), xReencoded, null);
                }
            });
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = behaviour.of(p[i]);
            if (x[i] == null) {
                x[i] = new double[0];
            }
        }
        Measurement measured = new Measurement(p, y, x, featureIds.clone(), gates);
        return reencoded ? new Measurement[] {measured, new Measurement(p, y, xReencoded, featureIds.clone(), null)} : new Measurement[] {measured};
    }

    /**
     * Per probe in {@code [start, end)}, {@code cY[i]·y_i + Σ_k cX[i][k]·X_ik}, {@code [end − start]},
     * still connected to autograd (either weighting may be null); the pass shows its weights' uses to
     * {@code hooks}' taps. X is read with the frozen gates (the measurer must be
     * {@link #frozenAt frozen}); without y the pass stops at the SAE's layer. The probes do not
     * interact, so each value's gradient is that probe's alone.
     */
    public NDArray perProbe(LlamaModel model, int start, int end, Hooks hooks, double[] cY, double[][] cX) {
        if (cX != null) {
            requireFrozen("a functional of the features");
        }
        return Scoped.compute(() -> {
            Batch batch = batch(start(model, range(start, end), cY != null, hooks), frozen);
            NDArray total = null;
            if (cY != null) {
                total = behaviourOf(batch.refusal).mul(weights(batch, cY, start, end));
            }
            if (cX != null) {
                NDArray x = Tensors.cast(batch.features, DataType.FLOAT64);
                double[] w = new double[(end - start) * featureIds.length];
                for (int i = start; i < end; i++) {
                    System.arraycopy(cX[i], 0, w, (i - start) * featureIds.length, featureIds.length);
                }
                NDArray part = x.mul(Tensors.owned(x.getManager(), w, x.getShape())).sum(new int[] {1});
                total = total == null ? part : total.add(part);
            }
            return total;
        });
    }

    /**
     * The policy's features of probes {@code [start, end)} read with the frozen gates, {@code [end − start, k]}
     * in float64, still connected to autograd; the pass stops at the SAE's layer and shows its
     * weights' uses to {@code hooks}' taps.
     */
    public NDArray features(LlamaModel model, int start, int end, Hooks hooks) {
        requireFrozen("the features' gradients");
        return Scoped.compute(() -> Tensors.cast(batch(start(model, range(start, end), false, hooks), frozen).features, DataType.FLOAT64));
    }

    /**
     * The policy's features (indices into this measurer's features) that a frozen gate lets through
     * at some position of some probe in {@code [start, end)}: every other feature reads zero on those
     * probes whatever the weights are, so its gradient there is zero.
     */
    public int[] featuresGatedOn(int start, int end) {
        requireFrozen("the features' gates");
        int k = featureIds.length;
        boolean[] on = new boolean[k];
        for (int i = start; i < end; i++) {
            double[] g = frozen[i];
            for (int r = 0; r < g.length; r++) {
                on[r % k] |= g[r] != 0;
            }
        }
        return IntStream.range(0, k).filter(j -> on[j]).toArray();
    }

    /** For the rows of {@link #perProbe}'s pass that the unembedding sees (with y), the probe each belongs to (0-based in the batch). */
    public int[] headRowProbe(int start, int end) {
        int[] out = new int[(end - start) * nodes.size()];
        for (int r = 0; r < out.length; r++) {
            out[r] = r / nodes.size();
        }
        return out;
    }

    private static int[] range(int start, int end) {
        return IntStream.range(start, end).toArray();
    }

    private static NDArray weights(Batch batch, double[] c, int start, int end) {
        return Tensors.owned(batch.refusal.getManager(), java.util.Arrays.copyOfRange(c, start, end), new Shape(end - start));
    }

    /** y of refusal probabilities as an array (see {@link Behaviour#of}). */
    private NDArray behaviourOf(NDArray p) {
        NDArray q = p.maximum(Tensors.scalar(p, 1e-12)).minimum(Tensors.scalar(p, 1 - 1e-12));
        return switch (behaviour) {
            case PROBABILITY -> p;
            case LOG_ODDS -> q.log().sub(Tensors.plus(q.neg(), 1).log());
            case LOG_PROBABILITY -> q.log();
        };
    }

    /** Where an inner node (or the root) sits in a probe's row: right after the prompt, in the order of {@link #inner}. */
    private int position(int promptLength, RefusalOpenings.Node node) {
        return node == openings.root() ? promptLength - 1 : promptLength + inner.indexOf(node);
    }

    /** The arrays of one forward pass over some probes: row b of the batch is probe {@code members[b]}. */
    private record Pass(LlamaModel model, int[] members, TokenBatch tokens, Hooks hooks, NDArray hidden, NDArray activations) {
        /** The same pass, read for its features alone. */
        Pass featuresOnly() {
            return new Pass(model, members, tokens, hooks, null, activations);
        }
    }

    /** One batch's refusal probabilities {@code [B]} (float64; null without the openings) and pooled features {@code [B, k]}. */
    private record Batch(Pass pass, NDArray refusal, NDArray features, NDArray encoded, List<int[]> spans) {}

    private Pass start(LlamaModel model, int[] members, boolean withOpenings, Hooks hooks) {
        List<RefusalOpenings.Node> fed = withOpenings ? inner : List.of();
        List<int[]> rows = new ArrayList<>();
        List<int[]> parents = new ArrayList<>();
        for (int i : members) {
            int[] prompt = probes.get(i).ids();
            int[] ids = new int[prompt.length + fed.size()];
            int[] par = new int[ids.length];
            System.arraycopy(prompt, 0, ids, 0, prompt.length);
            for (int t = 0; t < prompt.length; t++) {
                par[t] = t - 1;
            }
            for (int k = 0; k < fed.size(); k++) {
                RefusalOpenings.Node node = fed.get(k);
                ids[prompt.length + k] = node.token();
                par[prompt.length + k] = position(prompt.length, node.parent());
            }
            rows.add(ids);
            parents.add(par);
        }
        TokenBatch batch = TokenBatch.trees(rows, parents);
        Hooks.Capture capture = sae == null ? null : hooks.capture(sae.config().hookName());
        NDArray hidden = null;
        if (withOpenings) {
            hidden = model.hidden(batch, hooks, null);
        } else {
            model.runHooks(batch, hooks);
        }
        NDArray activations = capture == null ? null : capture.get();
        if (activations != null) {
            ai.djl.ndarray.NDScope.register(activations);
        }
        return new Pass(model, members, batch, hooks, hidden, activations);
    }

    /** @param gates the frozen gates to read the features with; null: the SAE's own encoding */
    private Batch batch(Pass pass, double[][] gates) {
        NDArray refusal = pass.hidden == null ? null : refusal(pass);
        if (sae == null) {
            return new Batch(pass, refusal, null, null, null);
        }
        List<Long> rows = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        for (int b = 0; b < pass.members.length; b++) {
            int[] positions = probes.get(pass.members[b]).positions(pooling);
            spans.add(new int[] {rows.size(), positions.length});
            for (int pos : positions) {
                rows.add((long) b * pass.tokens.length() + pos);
            }
        }
        NDArray acts = pass.activations;
        int d = (int) acts.getShape().get(2);
        NDArray picked = Tensors.cast(acts.reshape(-1, d).get(Tensors.owned(acts.getManager(), rows.stream().mapToLong(Long::longValue).toArray())), sae.dtype());
        NDArray columns = Tensors.owned(picked.getManager(), IntStream.of(featureIds).asLongStream().toArray());
        NDArray pre = encoding == FeatureEncoding.DENSE_RELU
                ? picked.matMul(sae.encoderWeights().get(new NDIndex(":, {}", columns))).add(sae.encoderBias().get(columns))
                : null;
        if (gates != null) {
            NDArray preActivations = pre != null ? pre : sae.preActivationsOf(picked).get(new NDIndex(":, {}", columns));
            double[] g = new double[rows.size() * featureIds.length];
            for (int b = 0; b < pass.members.length; b++) {
                int[] span = spans.get(b);
                System.arraycopy(gates[pass.members[b]], 0, g, span[0] * featureIds.length, span[1] * featureIds.length);
            }
            NDArray gated = preActivations.mul(Tensors.owned(picked.getManager(), g, preActivations.getShape()).toType(preActivations.getDataType(), false));
            return new Batch(pass, refusal, segmentSum(gated, spans), null, spans);
        }
        NDArray encoded = pre != null ? Activation.relu(pre) : sae.encode(picked).get(new NDIndex(":, {}", columns));
        return new Batch(pass, refusal, pool(encoded, spans), encoded, spans);
    }

    /** Per probe, the sum of its rows: {@code [probes, k]} from {@code [rows, k]}. */
    private static NDArray segmentSum(NDArray rows, List<int[]> spans) {
        int total = (int) rows.getShape().get(0);
        double[] s = new double[spans.size() * total];
        for (int i = 0; i < spans.size(); i++) {
            for (int r = 0; r < spans.get(i)[1]; r++) {
                s[i * total + spans.get(i)[0] + r] = 1;
            }
        }
        return Tensors.owned(rows.getManager(), s, new Shape(spans.size(), total)).toType(rows.getDataType(), false).matMul(rows);
    }

    private NDArray pool(NDArray encoded, List<int[]> spans) {
        if (pooling != Pooling.MAX) {
            NDArray sum = segmentSum(encoded, spans);
            if (pooling != Pooling.MEAN) {
                return sum;
            }
            double[] inverse = spans.stream().mapToDouble(s -> 1.0 / s[1]).toArray();
            return sum.mul(Tensors.owned(encoded.getManager(), inverse, new Shape(spans.size(), 1)).toType(encoded.getDataType(), false));
        }
        NDList maxima = new NDList();
        for (int[] span : spans) {
            maxima.add(encoded.get(span[0] + ":" + (span[0] + span[1])).max(new int[] {0}, true));
        }
        return NDArrays.concat(maxima);
    }

    /** Reads a batch's pooled features, and when asked the gates that freeze its active set. */
    private void readFeatures(Batch batch, double[][] x, double[][] gates) {
        int k = featureIds.length;
        double[] pooled = batch.features.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] encoded = gates == null ? null : batch.encoded.toType(DataType.FLOAT64, false).toDoubleArray();
        for (int b = 0; b < batch.pass.members.length; b++) {
            int i = batch.pass.members[b];
            x[i] = java.util.Arrays.copyOfRange(pooled, b * k, (b + 1) * k);
            if (gates != null) {
                gates[i] = gatesOf(encoded, batch.spans.get(b), k);
            }
        }
    }

    /**
     * Each pooled position's weight on each feature's pre-activation, chosen so that the gated sum
     * equals the base features: active positions count 1 (1/positions for mean pooling); for max
     * pooling only the position of the maximum counts.
     */
    private double[] gatesOf(double[] encoded, int[] span, int k) {
        double[] g = new double[span[1] * k];
        for (int j = 0; j < k; j++) {
            int best = 0;
            for (int r = 0; r < span[1]; r++) {
                double v = encoded[(span[0] + r) * k + j];
                if (pooling == Pooling.MAX) {
                    best = v > encoded[(span[0] + best) * k + j] ? r : best;
                } else if (v > 0) {
                    g[r * k + j] = pooling == Pooling.MEAN ? 1.0 / span[1] : 1;
                }
            }
            if (pooling == Pooling.MAX && encoded[(span[0] + best) * k + j] > 0) {
                g[best * k + j] = 1;
            }
        }
        return g;
    }

    /** The refusal probability of each probe in the batch, {@code [B]} in float64: Σ over leaves of exp(Σ edge log-probabilities on its path). */
    private NDArray refusal(Pass pass) {
        LlamaModel model = pass.model;
        int vocab = model.config().vocabSize();
        int length = pass.tokens.length();
        int b = pass.members.length;
        long[] parentRows = new long[b * nodes.size()];
        long[] flat = new long[parentRows.length];
        int e = 0;
        for (int r = 0; r < b; r++) {
            int promptLength = probes.get(pass.members[r]).ids().length;
            for (RefusalOpenings.Node node : nodes) {
                flat[e] = (long) e * vocab + node.token();
                parentRows[e++] = (long) r * length + position(promptLength, node.parent());
            }
        }
        NDArray hidden = pass.hidden;
        NDArray picked = hidden.reshape(-1, hidden.getShape().get(2)).get(Tensors.owned(hidden.getManager(), parentRows));
        NDArray edges = Tensors.cast(model.logits(picked, pass.hooks).logSoftmax(1).reshape(-1).get(Tensors.owned(hidden.getManager(), flat)),
                DataType.FLOAT64).reshape(b, nodes.size());
        List<RefusalOpenings.Node> leaves = nodes.stream().filter(RefusalOpenings.Node::isLeaf).toList();
        double[] onPath = new double[nodes.size() * leaves.size()];
        for (int l = 0; l < leaves.size(); l++) {
            for (RefusalOpenings.Node at = leaves.get(l); at != openings.root(); at = at.parent()) {
                onPath[nodes.indexOf(at) * leaves.size() + l] = 1;
            }
        }
        NDArray paths = Tensors.owned(hidden.getManager(), onPath, new Shape(nodes.size(), leaves.size()));
        return edges.matMul(paths).exp().sum(new int[] {1});
    }
}

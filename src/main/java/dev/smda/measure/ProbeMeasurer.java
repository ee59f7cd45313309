package dev.smda.measure;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.model.TokenBatch;
import dev.smda.sae.Sae;
import dev.smda.tensor.Scoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures a model on probes in one forward pass per batch: each probe's row holds the chat prompt
 * followed by the whole tree of refusal openings (tree attention: every branch sees only the prompt
 * and its own earlier tokens), so the refusal probability is exact teacher forcing over all openings
 * at once, and the SAE features are read from the same pass at the prompt's positions (which the
 * appended branches cannot affect).
 */
public final class ProbeMeasurer {

    private final List<ProbeTokens> probes;
    private final RefusalOpenings openings;
    private final Behaviour behaviour;
    private final Pooling pooling;
    private final Sae sae;
    private final int[] featureIds;
    private final int batchSize;
    private final FeatureEncoding encoding;
    private final boolean keepActivations;

    /**
     * @param sae may be null (no features)
     * @param featureIds the features to keep, in this order; null for all of the SAE's
     */
    public ProbeMeasurer(List<ProbeTokens> probes, RefusalOpenings openings, Behaviour behaviour, Pooling pooling, Sae sae, int[] featureIds, int batchSize) {
        this(probes, openings, behaviour, pooling, sae, featureIds, batchSize, FeatureEncoding.SAE, false);
    }

    /** @param keepActivations also return the pooled hook activations (see {@link Measurement}) */
    public ProbeMeasurer(List<ProbeTokens> probes, RefusalOpenings openings, Behaviour behaviour, Pooling pooling, Sae sae, int[] featureIds,
            int batchSize, FeatureEncoding encoding, boolean keepActivations) {
        this.encoding = encoding;
        this.keepActivations = keepActivations;
        this.probes = List.copyOf(probes);
        this.openings = openings;
        this.behaviour = behaviour;
        this.pooling = pooling;
        this.sae = sae;
        this.featureIds = sae == null ? new int[0] : featureIds != null ? featureIds.clone()
                : java.util.stream.IntStream.range(0, sae.config().dSae()).toArray();
        this.batchSize = batchSize;
    }

    public ProbeMeasurer withFeatures(int[] ids) {
        return new ProbeMeasurer(probes, openings, behaviour, pooling, sae, ids, batchSize, encoding, keepActivations);
    }

    public Measurement measure(LlamaModel model) {
        int n = probes.size();
        double[] p = new double[n];
        double[][] x = new double[n][];
        double[][] h = keepActivations ? new double[n][] : null;
        List<RefusalOpenings.Node> nodes = openings.nodes();
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            measureBatch(model, start, end, nodes, p, x, h);
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = behaviour.of(p[i]);
        }
        return new Measurement(p, y, x, featureIds.clone(), h);
    }

    /** Where a node sits in a probe's row: right after the prompt, in the tree's node order. */
    private int position(int promptLength, List<RefusalOpenings.Node> nodes, RefusalOpenings.Node node) {
        return node == openings.root() ? promptLength - 1 : promptLength + nodes.indexOf(node);
    }

    private void measureBatch(LlamaModel model, int start, int end, List<RefusalOpenings.Node> nodes, double[] p, double[][] x, double[][] h) {
        List<int[]> rows = new ArrayList<>();
        List<int[]> parents = new ArrayList<>();
        for (int i = start; i < end; i++) {
            int[] prompt = probes.get(i).ids();
            int[] ids = new int[prompt.length + nodes.size()];
            int[] par = new int[ids.length];
            System.arraycopy(prompt, 0, ids, 0, prompt.length);
            for (int t = 0; t < prompt.length; t++) {
                par[t] = t - 1;
            }
            for (int k = 0; k < nodes.size(); k++) {
                RefusalOpenings.Node node = nodes.get(k);
                ids[prompt.length + k] = node.token();
                par[prompt.length + k] = position(prompt.length, nodes, node.parent());
            }
            rows.add(ids);
            parents.add(par);
        }
        TokenBatch batch = TokenBatch.trees(rows, parents);
        int length = batch.length();
        Hooks hooks = Hooks.none();
        Hooks.Capture activations = sae == null ? null : hooks.capture(sae.config().hookName());
        try (NDArray hidden = model.hidden(batch, hooks, null)) {
            readRefusal(model, hidden, batch, start, end, nodes, p);
            if (activations != null) {
                readFeatures(activations.get(), length, start, end, x, h);
            }
        } finally {
            if (activations != null) {
                activations.close();
            }
        }
    }

    /** log p(child token | parent position) for every edge of every probe's tree; leaves multiply along their path. */
    private void readRefusal(LlamaModel model, NDArray hidden, TokenBatch batch, int start, int end, List<RefusalOpenings.Node> nodes, double[] p) {
        int vocab = model.config().vocabSize();
        int length = batch.length();
        long[] parentRows = new long[(end - start) * nodes.size()];
        int e = 0;
        for (int i = start; i < end; i++) {
            int promptLength = probes.get(i).ids().length;
            int row = i - start;
            for (RefusalOpenings.Node node : nodes) {
                parentRows[e++] = (long) row * length + position(promptLength, nodes, node.parent());
            }
        }
        double[] edgeLogProb = new double[parentRows.length];
        try (NDArray lp = Scoped.compute(() -> {
            NDManager m = hidden.getManager();
            NDArray picked = hidden.reshape(-1, hidden.getShape().get(2)).get(Tensors.owned(m, parentRows));
            NDArray logProbs = model.logits(picked).logSoftmax(1);
            long[] flat = new long[parentRows.length];
            for (int k = 0; k < flat.length; k++) {
                flat[k] = (long) k * vocab + nodes.get(k % nodes.size()).token();
            }
            return logProbs.reshape(-1).get(Tensors.owned(m, flat));
        })) {
            double[] values = lp.toType(DataType.FLOAT64, false).toDoubleArray();
            System.arraycopy(values, 0, edgeLogProb, 0, values.length);
        }
        for (int i = start; i < end; i++) {
            int base = (i - start) * nodes.size();
            double total = 0;
            for (int k = 0; k < nodes.size(); k++) {
                RefusalOpenings.Node node = nodes.get(k);
                if (!node.isLeaf()) {
                    continue;
                }
                double logPath = 0;
                for (RefusalOpenings.Node at = node; at != openings.root(); at = at.parent()) {
                    logPath += edgeLogProb[base + nodes.indexOf(at)];
                }
                total += Math.exp(logPath);
            }
            p[i] = total;
        }
    }

    /** Encodes the pooled positions with the SAE and pools the chosen features per probe. */
    private void readFeatures(NDArray activations, int length, int start, int end, double[][] x, double[][] h) {
        List<Long> rows = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        for (int i = start; i < end; i++) {
            int[] positions = probes.get(i).positions(pooling);
            spans.add(new int[] {rows.size(), positions.length});
            for (int pos : positions) {
                rows.add((long) (i - start) * length + pos);
            }
        }
        double[] f;
        double[] raw = null;
        int d = (int) activations.getShape().get(2);
        try (NDArray picked = Scoped.compute(() -> activations.reshape(-1, d)
                .get(Tensors.owned(activations.getManager(), rows.stream().mapToLong(Long::longValue).toArray())).toType(sae.dtype(), false));
                NDArray selected = Scoped.compute(() -> {
                    NDManager m = picked.getManager();
                    NDArray columns = Tensors.owned(m, java.util.Arrays.stream(featureIds).asLongStream().toArray());
                    if (encoding == FeatureEncoding.DENSE_RELU) {
                        NDArray w = sae.parameter(Sae.W_ENC).get(new ai.djl.ndarray.index.NDIndex(":, {}", columns));
                        NDArray b = sae.parameter(Sae.B_ENC).get(columns);
                        return ai.djl.nn.Activation.relu(picked.matMul(w).add(b));
                    }
                    return sae.encode(picked).get(new ai.djl.ndarray.index.NDIndex(":, {}", columns));
                })) {
            f = selected.toType(DataType.FLOAT64, false).toDoubleArray();
            if (h != null) {
                raw = picked.toType(DataType.FLOAT64, false).toDoubleArray();
            }
        }
        int k = featureIds.length;
        for (int i = start; i < end; i++) {
            int[] span = spans.get(i - start);
            double[] pooled = new double[k];
            for (int r = 0; r < span[1]; r++) {
                int base = (span[0] + r) * k;
                for (int j = 0; j < k; j++) {
                    double v = f[base + j];
                    pooled[j] = pooling == Pooling.MAX ? (r == 0 ? v : Math.max(pooled[j], v)) : pooled[j] + v / span[1];
                }
            }
            x[i] = pooled;
            if (h != null) {
                double[] mean = new double[d];
                for (int r = 0; r < span[1]; r++) {
                    for (int c = 0; c < d; c++) {
                        mean[c] += raw[(span[0] + r) * d + c] / span[1];
                    }
                }
                h[i] = mean;
            }
        }
    }
}

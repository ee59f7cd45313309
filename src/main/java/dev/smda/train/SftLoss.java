package dev.smda.train;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.model.Hooks;
import dev.smda.model.LlamaModel;
import dev.smda.model.TokenBatch;
import dev.smda.tensor.Scoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Cross-entropy over the response tokens of SFT examples, the prompts masked out. */
public final class SftLoss {

    private SftLoss() {}

    /** The mean over every response token of the batch (what a fine-tuning step minimises). */
    public static NDArray of(LlamaModel model, List<SftExample> examples) {
        return Scoped.compute(() -> {
            ResponseRows rows = ResponseRows.of(examples);
            NDArray logProbs = logProbs(model, rows, Hooks.none());
            return pick(logProbs, rows.targets()).mean().neg();
        });
    }

    /**
     * Each example's own loss, {@code [batch]}: the mean over its response tokens. Summed and
     * back-propagated, every example's gradient stays separate in the per-token gradients the hooks'
     * weight taps see.
     */
    public static NDArray perExample(LlamaModel model, List<SftExample> examples, Hooks hooks) {
        return Scoped.compute(() -> {
            ResponseRows rows = ResponseRows.of(examples);
            return perExampleMean(pick(logProbs(model, rows, hooks), rows.targets()), rows, examples.size());
        });
    }

    /**
     * As {@link #perExample}, but each response token's target is drawn from the model's own
     * prediction there (seeded): the labels of the true Fisher, which curvature estimates use.
     */
    public static NDArray perExampleSampled(LlamaModel model, List<SftExample> examples, Hooks hooks, Random random) {
        return Scoped.compute(() -> {
            ResponseRows rows = ResponseRows.of(examples);
            NDArray logProbs = logProbs(model, rows, hooks);
            float[] p = logProbs.exp().toType(DataType.FLOAT32, false).toFloatArray();
            int vocab = (int) logProbs.getShape().get(1);
            long[] sampled = new long[rows.targets().length];
            for (int r = 0; r < sampled.length; r++) {
                sampled[r] = sample(p, r * vocab, vocab, random);
            }
            return perExampleMean(pick(logProbs, sampled), rows, examples.size());
        });
    }

    private static int sample(float[] p, int offset, int vocab, Random random) {
        double u = random.nextDouble();
        double cumulative = 0;
        for (int v = 0; v < vocab; v++) {
            cumulative += p[offset + v];
            if (u < cumulative) {
                return v;
            }
        }
        return vocab - 1;
    }

    /**
     * The rows of the flattened hidden states that predict response tokens (in example order), their
     * targets, and the example each belongs to: the unembedding sees these rows only.
     */
    public record ResponseRows(TokenBatch batch, long[] rows, long[] targets, int[] example) {
        public static ResponseRows of(List<SftExample> examples) {
            List<long[]> picked = new ArrayList<>();
            TokenBatch batch = new TokenBatch(examples.stream().map(SftExample::tokens).toList());
            for (int b = 0; b < examples.size(); b++) {
                SftExample ex = examples.get(b);
                // the token at t is predicted from the hidden state at t - 1
                for (int t = ex.promptLength(); t < ex.tokens().length; t++) {
                    picked.add(new long[] {(long) b * batch.length() + t - 1, ex.tokens()[t], b});
                }
            }
            long[] rows = new long[picked.size()];
            long[] targets = new long[picked.size()];
            int[] example = new int[picked.size()];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = picked.get(r)[0];
                targets[r] = picked.get(r)[1];
                example[r] = (int) picked.get(r)[2];
            }
            return new ResponseRows(batch, rows, targets, example);
        }
    }

    private static NDArray logProbs(LlamaModel model, ResponseRows rows, Hooks hooks) {
        NDArray hidden = model.hidden(rows.batch(), hooks, null);
        NDManager m = hidden.getManager();
        long d = hidden.getShape().get(2);
        NDArray picked = hidden.reshape(-1, d).get(Tensors.owned(m, rows.rows()));
        return model.logits(picked, hooks).logSoftmax(1);
    }

    private static NDArray pick(NDArray logProbs, long[] targets) {
        NDArray index = Tensors.owned(logProbs.getManager(), targets, new Shape(targets.length, 1));
        return logProbs.gather(index, 1);
    }

    /** {@code [batch]}: minus each example's mean of its picked log-probabilities. */
    private static NDArray perExampleMean(NDArray picked, ResponseRows rows, int examples) {
        int[] count = new int[examples];
        for (int e : rows.example()) {
            count[e]++;
        }
        double[] weights = new double[examples * rows.rows().length];
        for (int r = 0; r < rows.rows().length; r++) {
            weights[rows.example()[r] * rows.rows().length + r] = 1.0 / count[rows.example()[r]];
        }
        NDArray w = Tensors.owned(picked.getManager(), weights, new Shape(examples, rows.rows().length)).toType(picked.getDataType(), false);
        return w.matMul(picked).reshape(examples).neg();
    }
}

package dev.smda.validate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.smda.measure.ProbeTokens;
import dev.smda.model.LlamaModel;
import dev.smda.model.TokenBatch;
import dev.smda.tensor.Scoped;
import dev.smda.train.SftExample;
import java.util.ArrayList;
import java.util.List;

/**
 * Representation similarity: the cosine between the model's representation of the pair's prompt
 * and of the probe (the last layer's normalised hidden state at the last prompt token, where the
 * reply begins); for a category, with the mean of its probes' representations. It says which pairs
 * resemble a target, not in which direction they move it; coefficients have no representation.
 */
record RepresentationSimilarity() implements AttributionMethod {

    private static final int BATCH = 16;

    @Override
    public String name() {
        return "repsim";
    }

    @Override
    public String description() {
        return "cos(final hidden state at the last prompt token of the pair, of the probe)";
    }

    @Override
    public Scores attribute(ValidationContext ctx) {
        List<int[]> probePrompts = ctx.probes.stream().map(p -> ProbeTokens.of(ctx.lm.tokenizer(), ctx.lm.chat(), p.prompt()).ids()).toList();
        List<int[]> pairPrompts = ctx.pairExamples().stream().map(RepresentationSimilarity::prompt).toList();
        double[][] probes = unit(representations(ctx.lm.model(), probePrompts));
        double[][] pairs = unit(representations(ctx.lm.model(), pairPrompts));
        int c = ctx.targets.categories().size();
        double[][] categories = new double[c][probes[0].length];
        for (int i = 0; i < probes.length; i++) {
            for (int j = 0; j < probes[i].length; j++) {
                categories[ctx.targets.probeCategory()[i]][j] += probes[i][j];
            }
        }
        return Scores.of(cosines(pairs, probes), cosines(pairs, unit(categories)), null);
    }

    private static int[] prompt(SftExample e) {
        return java.util.Arrays.copyOf(e.tokens(), e.promptLength());
    }

    private static double[][] representations(LlamaModel model, List<int[]> prompts) {
        List<double[]> out = new ArrayList<>();
        for (int s = 0; s < prompts.size(); s += BATCH) {
            List<int[]> batch = prompts.subList(s, Math.min(prompts.size(), s + BATCH));
            Scoped.run(() -> {
                NDArray h = model.hidden(new TokenBatch(batch));
                int d = (int) h.getShape().get(2);
                double[] all = h.toType(DataType.FLOAT64, false).toDoubleArray();
                int length = (int) h.getShape().get(1);
                for (int b = 0; b < batch.size(); b++) {
                    int last = batch.get(b).length - 1;
                    out.add(java.util.Arrays.copyOfRange(all, (b * length + last) * d, (b * length + last + 1) * d));
                }
            });
        }
        return out.toArray(double[][]::new);
    }

    private static double[][] unit(double[][] rows) {
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            double norm = Metrics.norm(rows[i]);
            out[i] = rows[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] /= norm > 0 ? norm : 1;
            }
        }
        return out;
    }

    private static double[][] cosines(double[][] a, double[][] b) {
        double[][] out = new double[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                double s = 0;
                for (int k = 0; k < a[i].length; k++) {
                    s += a[i][k] * b[j][k];
                }
                out[i][j] = s;
            }
        }
        return out;
    }
}

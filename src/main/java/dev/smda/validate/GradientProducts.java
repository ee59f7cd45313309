package dev.smda.validate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.smda.attribution.FunctionalGradients;
import dev.smda.attribution.MeasurementGradients;
import dev.smda.gradient.GradientSpace;
import dev.smda.gradient.KroneckerCurvature;
import dev.smda.gradient.PerExampleGradients;
import dev.smda.progress.Progress;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Scoped;
import dev.smda.train.SftExample;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Inner products of the pairs' loss gradients with the targets' gradients: each probe's y (one
 * batched backward pass per batch of probes), each category's mean y, and each coefficient (the
 * gradient of its first-order change, {@link FunctionalGradients}). Plain, in the space of every
 * weight (TracIn, gradient cosine); or with the targets preconditioned by EK-FAC over the linear
 * modules (influence functions as kronfluence computes them).
 */
final class GradientProducts {

    private static final int PAIR_BATCH = 16;

    private GradientProducts() {}

    /**
     * Both kinds of products from one set of gradients: everything is computed once in the space of
     * every weight use ({@link GradientSpace#uses}); a target's gradient is then mapped so that its
     * inner product with a pair's gradient there is the plain one over every weight (the tied
     * unembedding folded into the embedding), or the EK-FAC-preconditioned one over the linear modules.
     */
    static InnerProducts[] plainAndEkfac(ValidationContext ctx) {
        LlamaModel model = ctx.lm.model();
        try (GradientSpace uses = GradientSpace.uses(model); GradientSpace full = GradientSpace.full(model); GradientSpace linear = GradientSpace.linear(model);
                KroneckerCurvature curvature = KroneckerCurvature.fit(model, ctx.pairExamples(), linear, PAIR_BATCH, new java.util.Random(ctx.config.seed()), ctx.progress)) {
            double damping = "heuristic".equals(ctx.config.ekfacDamping()) ? 0.1 * curvature.meanEigenvalue() : Double.parseDouble(ctx.config.ekfacDamping());
            List<UnaryOperator<NDArray>> forms = List.of(
                    rows -> full.into(uses.into(rows, full), uses).transpose(),
                    rows -> linear.into(curvature.inverseTimes(uses.into(rows, linear), damping), uses).transpose());
            return compute(ctx, uses, forms);
        }
    }

    /**
     * @param targetForms per product kind, how a target's gradient rows meet the pairs' (as columns)
     */
    private static InnerProducts[] compute(ValidationContext ctx, GradientSpace space, List<UnaryOperator<NDArray>> targetForms) {
        List<SftExample> examples = ctx.pairExamples();
        int n = ctx.targets.probes();
        int pairs = examples.size();
        int kinds = targetForms.size();
        double[] pairNorms = new double[pairs];
        NDArray g;
        try (Progress bar = ctx.progress.start("pair gradients", pairs, "pairs", 0)) {
            NDList rows = new NDList();
            for (int s = 0; s < pairs; s += PAIR_BATCH) {
                List<SftExample> batch = examples.subList(s, Math.min(pairs, s + PAIR_BATCH));
                NDArray raw = PerExampleGradients.of(ctx.lm.model(), batch, space);
                rows.add(raw);
                bar.stepTo(s + batch.size(), null);
            }
            g = NDArrays.concat(rows);
            rows.close();
        }
        double[][][] probes = new double[kinds][pairs][n];
        double[] probeNorms = new double[n];
        double[][] categoryWeights = categoryWeights(ctx.targets);
        FunctionalGradients functionals = new FunctionalGradients(ctx.sensitivity, categoryWeights, null, true);
        MeasurementGradients.Listener listener = new MeasurementGradients.Listener() {
            @Override
            public void behaviour(int start, NDArray gy) {
                functionals.behaviour(start, gy);
                Scoped.run(() -> {
                    for (int k = 0; k < kinds; k++) {
                        NDArray formed = targetForms.get(k).apply(gy);
                        if (k == 0) { // the plain form gives the norms too
                            double[] norms = selfProducts(gy, formed).toDoubleArray();
                            System.arraycopy(norms, 0, probeNorms, start, norms.length);
                        }
                        copyColumns(g.matMul(formed), probes[k], start);
                    }
                });
            }

            @Override
            public void prediction(int start, NDArray gp) {
                functionals.prediction(start, gp);
            }

            @Override
            public void residual(int feature, NDArray gu) {
                functionals.residual(feature, gu);
            }
        };
        MeasurementGradients.compute(ctx.lm.model(), ctx.frozen, ctx.sensitivity, space, listener, ctx.progress);
        int p = ctx.policy.features();
        double[][][] categories = new double[kinds][pairs][categoryWeights.length];
        double[][][] coefficients = new double[kinds][pairs][p];
        double[][] norms = new double[3][];
        try (FunctionalGradients.Result r = functionals.finish()) {
            for (int k = 0; k < kinds; k++) {
                int kind = k;
                Scoped.run(() -> {
                    NDArray extra = targetForms.get(kind).apply(r.extra());
                    NDArray dx = targetForms.get(kind).apply(r.dxPart());
                    copyColumns(g.matMul(extra), categories[kind], 0);
                    copyColumns(g.matMul(dx), coefficients[kind], 0);
                    if (kind == 0) {
                        norms[1] = selfProducts(r.extra(), extra).toDoubleArray();
                        norms[2] = selfProducts(r.dxPart(), dx).toDoubleArray();
                    }
                });
            }
            norms[0] = Scoped.compute(() -> selfProducts(g, targetForms.getFirst().apply(g))).toDoubleArray();
        } finally {
            g.close();
        }
        System.arraycopy(norms[0], 0, pairNorms, 0, pairs);
        InnerProducts[] out = new InnerProducts[kinds];
        for (int k = 0; k < kinds; k++) {
            out[k] = new InnerProducts(probes[k], categories[k], coefficients[k], pairNorms, probeNorms, norms[1], norms[2]);
        }
        return out;
    }

    /**
     * Per row v, sqrt(⟨v, form(v)⟩) (float64), given {@code formed} = form(rows) as columns: the norm
     * in the form's geometry. Cosines are taken in the plain geometry (the first form), where |v| is this.
     */
    private static NDArray selfProducts(NDArray rows, NDArray formed) {
        return rows.mul(formed.transpose()).sum(new int[] {1}).toType(DataType.FLOAT64, false).sqrt();
    }

    /** Categories x probes: each category's mean. */
    private static double[][] categoryWeights(Targets targets) {
        int[] count = new int[targets.categories().size()];
        for (int c : targets.probeCategory()) {
            count[c]++;
        }
        double[][] w = new double[count.length][targets.probes()];
        for (int i = 0; i < targets.probes(); i++) {
            w[targets.probeCategory()[i]][i] = 1.0 / count[targets.probeCategory()[i]];
        }
        return w;
    }

    /** Writes a pairs x k block into columns {@code [start, start + k)} of {@code into}. */
    private static void copyColumns(NDArray block, double[][] into, int start) {
        double[] v = block.toType(DataType.FLOAT64, false).toDoubleArray();
        int k = (int) block.getShape().get(1);
        for (int i = 0; i < into.length; i++) {
            System.arraycopy(v, i * k, into[i], start, k);
        }
    }
}

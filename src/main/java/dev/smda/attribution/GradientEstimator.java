package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.data.SftPair;
import dev.smda.gradient.GradientSpace;
import dev.smda.gradient.PerExampleGradients;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.progress.Progress;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import java.util.ArrayList;
import java.util.List;

/**
 * SMDA to first order in the update: each pathway part of each coefficient, each category's effect
 * and the mean behaviour change are fixed linear functionals of the probes' measurement
 * ({@link PolicySensitivity}), so each equals ⟨∇θ s, Δθ⟩. The functionals' gradients are computed
 * once ({@link MeasurementGradients}: the encoder differentiated at the base activations, TopK's
 * active set fixed); then each pair costs one batched backward pass (its update Δθ: −η·g for SGD,
 * AdamW's first step from zero moments −η·g/(|g| + ε) − η·wd·θ; times the steps per pair) and inner
 * products. Pairs stream through: memory does not grow with their number.
 */
public final class GradientEstimator implements PairEstimator {

    private final LanguageModel lm;
    private final GradientSpace space;
    private final SftConfig update;
    private final PolicySensitivity sensitivity;
    private final double[][] categoryCoefficientWeights;
    private final NDManager manager;
    /** ΔX part per feature {@code [p, D]}, ΔY part per feature {@code [p, D]}, the non-Δβ term of each category and the mean behaviour {@code [C + 1, D]}. */
    private final NDList functionals;
    private final NDArray weights;
    private final int p;
    private final int categories;

    /**
     * @param frozen a measurer of the policy's features frozen at the base's gates
     * @param category each probe's category index
     * @param space the space gradients meet in; the estimator closes it
     */
    public GradientEstimator(LanguageModel lm, ProbeMeasurer frozen, PolicySensitivity sensitivity, int[] category, int categories, SftConfig update,
            GradientSpace space, Progress.Factory progress) {
        if (update.mode() != SftConfig.Mode.FULL) {
            throw new dev.smda.io.BadInputException("the gradient estimator models full fine-tuning updates (SGD or AdamW on every weight); use --estimator exact with LoRA");
        }
        if (update.optimizer() == SftConfig.Optimizer.ADAMW && space.isSketched()) {
            throw new dev.smda.io.BadInputException("AdamW's update is not linear in the gradient, so it cannot be sketched: use --projection 0 with AdamW");
        }
        this.lm = lm;
        this.space = space;
        this.update = update;
        this.sensitivity = sensitivity;
        this.p = sensitivity.features();
        this.categories = categories;
        this.categoryCoefficientWeights = sensitivity.categoryCoefficientWeights(category, categories);
        this.manager = lm.model().weight(dev.smda.model.LlamaModel.EMBED).getManager().newSubManager();
        Accumulator acc = new Accumulator(sensitivity, category, categories);
        MeasurementGradients.compute(lm.model(), frozen, sensitivity, space, acc, progress);
        this.functionals = acc.finish();
        this.weights = update.optimizer() == SftConfig.Optimizer.ADAMW && update.weightDecay() > 0 ? space.flatten(lm.model().weights()) : null;
        if (weights != null) {
            weights.attach(manager);
        }
    }

    @Override
    public List<PairAttribution> estimate(List<SftPair> pairs) {
        List<SftExample> examples = pairs.stream().map(pair -> PairEffects.example(lm, pair)).toList();
        double[] losses;
        double[] parts;
        try (NDArray l = SftLoss.perExample(lm.model(), examples, dev.smda.model.Hooks.none())) {
            losses = l.toType(DataType.FLOAT64, false).toDoubleArray();
        }
        try (NDArray g = PerExampleGradients.of(lm.model(), examples, space); NDArray products = Scoped.compute(() -> {
            NDArray dtheta = step(g);
            NDList each = new NDList();
            for (NDArray f : functionals) {
                each.add(dtheta.matMul(f.transpose()));
            }
            return NDArrays.concat(each, 1);
        })) {
            parts = products.toType(DataType.FLOAT64, false).toDoubleArray();
        }
        int width = 2 * p + categories + 1;
        List<PairAttribution> out = new ArrayList<>();
        for (int b = 0; b < pairs.size(); b++) {
            double[] dx = java.util.Arrays.copyOfRange(parts, b * width, b * width + p);
            double[] dy = java.util.Arrays.copyOfRange(parts, b * width + p, b * width + 2 * p);
            double[] delta = new double[p];
            for (int j = 0; j < p; j++) {
                delta[j] = dx[j] + dy[j];
            }
            double[] effect = java.util.Arrays.copyOfRange(parts, b * width + 2 * p, b * width + 2 * p + categories);
            for (int c = 0; c < categories; c++) {
                for (int j = 0; j < p; j++) {
                    effect[c] += categoryCoefficientWeights[c][j] * delta[j];
                }
            }
            double meanDy = parts[b * width + width - 1];
            out.add(new PairAttribution(pairs.get(b).id(), losses[b], meanDy, delta, dx, dy, null, null, null, effect));
        }
        return out;
    }

    /** Each pair's update Δθ from its gradient g, in this space. */
    private NDArray step(NDArray g) {
        double scale = update.learningRate() * update.steps();
        if (update.optimizer() == SftConfig.Optimizer.SGD) {
            return Tensors.times(g, -scale);
        }
        NDArray direction = g.div(Tensors.plus(g.abs(), update.epsilon()));
        NDArray step = Tensors.times(direction, -scale);
        return weights == null ? step : step.sub(Tensors.times(weights, scale * update.weightDecay()).expandDims(0));
    }

    @Override
    public void close() {
        functionals.close();
        manager.close();
        space.close();
    }

    /** Folds the measurement's gradients into the functionals, as they arrive. */
    private static final class Accumulator implements MeasurementGradients.Listener {
        private final PolicySensitivity s;
        private final double[][][] categoryWeights;
        private NDArray output;
        private NDArray collinearity;
        private NDArray category;
        private final NDList residuals = new NDList();
        private final int n;

        Accumulator(PolicySensitivity s, int[] category, int categories) {
            this.s = s;
            this.n = s.probes();
            this.categoryWeights = s.categoryWeights(category, categories);
        }

        /** Columns {@code [start, start + rows)} of a features-or-categories x probes map, as an array like {@code g}. */
        private static NDArray columns(double[][] map, int start, NDArray g) {
            int rows = (int) g.getShape().get(0);
            double[] values = new double[map.length * rows];
            for (int j = 0; j < map.length; j++) {
                System.arraycopy(map[j], start, values, j * rows, rows);
            }
            return Tensors.owned(g.getManager(), values, new Shape(map.length, rows)).toType(g.getDataType(), false);
        }

        private static NDArray add(NDArray into, NDArray term) {
            if (into == null) {
                ai.djl.ndarray.NDScope.unregister(term);
                return term;
            }
            into.addi(term);
            term.close();
            return into;
        }

        @Override
        public void behaviour(int start, NDArray g) {
            Scoped.run(() -> {
                output = add(output, columns(s.outputMap(), start, g).matMul(g));
                double[][] categoryAndMean = java.util.Arrays.copyOf(categoryWeights[1], categoryWeights[1].length + 1);
                categoryAndMean[categoryAndMean.length - 1] = new double[n];
                java.util.Arrays.fill(categoryAndMean[categoryAndMean.length - 1], 1.0 / n);
                category = add(category, columns(categoryAndMean, start, g).matMul(g));
            });
        }

        @Override
        public void prediction(int start, NDArray g) {
            Scoped.run(() -> {
                collinearity = add(collinearity, columns(s.outputMap(), start, g).matMul(g).neg());
                double[][] categoryOnly = java.util.Arrays.copyOf(categoryWeights[0], categoryWeights[0].length + 1);
                categoryOnly[categoryOnly.length - 1] = new double[n];
                category = add(category, columns(categoryOnly, start, g).matMul(g));
            });
        }

        @Override
        public void residual(int feature, NDArray g) {
            NDArray row = g.reshape(1, -1).duplicate();
            ai.djl.ndarray.NDScope.unregister(row);
            residuals.add(row);
        }

        /** The ΔX part's functionals A⁻¹U − MĜ, the ΔY part's MG, and the categories' and mean behaviour's. */
        NDList finish() {
            NDArray dx = Scoped.compute(() -> {
                NDArray u = NDArrays.concat(residuals);
                residuals.close();
                double[][] aInverse = s.inverseGram();
                int p = aInverse.length;
                double[] flat = new double[p * p];
                for (int j = 0; j < p; j++) {
                    System.arraycopy(aInverse[j], 0, flat, j * p, p);
                }
                NDArray a = Tensors.owned(u.getManager(), flat, new Shape(p, p)).toType(u.getDataType(), false);
                return collinearity.addi(a.matMul(u));
            });
            ai.djl.ndarray.NDScope.unregister(dx);
            return new NDList(dx, output, category);
        }
    }
}

package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.data.SftPair;
import dev.smda.gradient.GradientSpace;
import dev.smda.gradient.PerExampleGradients;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.model.LlamaModel;
import dev.smda.progress.Progress;
import dev.smda.tensor.Scoped;
import dev.smda.tensor.Tensors;
import dev.smda.train.LoraStart;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import java.util.ArrayList;
import java.util.List;

/**
 * SMDA to first order in the update: each pathway part of each coefficient, each category's effect
 * and the mean behaviour change are fixed linear functionals of the probes' measurement
 * ({@link PolicySensitivity}), so each equals ⟨∇θ s, Δθ⟩. The functionals' gradients are computed
 * once ({@link MeasurementGradients}: the encoder differentiated at the base activations, TopK's
 * active set fixed); then each pair costs one batched backward pass (its update Δθ: −η·g for SGD,
 * AdamW's first step from zero moments −η·g/(|g| + ε) − η·wd·θ; times the steps per pair) and inner
 * products. Pairs stream through: memory does not grow with their number. A LoRA update is taken in
 * LoRA's parameter space ({@link GradientSpace#lora}), where the step is on the adapters' B, which
 * start at zero (so weight decay adds nothing to it).
 */
public final class GradientEstimator implements PairEstimator {

    private final LanguageModel lm;
    private final GradientSpace space;
    private final SftConfig update;
    private final PolicySensitivity sensitivity;
    private final double[][] categoryCoefficientWeights;
    private final NDManager manager;
    /**
     * {@code [D, 2p + C + 1]}: per column, the gradient of a functional: the ΔX part of each feature,
     * the ΔY part of each, the non-Δβ term of each category's effect, the mean behaviour change.
     */
    private final NDArray functionals;
    private final NDArray weights;
    private final int p;
    private final int categories;
    private final Integer maxLength;

    /**
     * @param frozen a measurer of the policy's features frozen at the base's gates
     * @param category each probe's category index
     * @param space the space gradients meet in ({@link #space}); the estimator closes it
     * @param maxLength see {@link PairEffects#example}
     */
    public GradientEstimator(LanguageModel lm, ProbeMeasurer frozen, PolicySensitivity sensitivity, int[] category, int categories, SftConfig update,
            GradientSpace space, Integer maxLength, Progress.Factory progress) {
        if (update.optimizer() == SftConfig.Optimizer.ADAMW && space.isSketched()) {
            throw new dev.smda.io.BadInputException("AdamW's update is not linear in the gradient, so it cannot be sketched: use --projection 0 with AdamW");
        }
        this.lm = lm;
        this.space = space;
        this.update = update;
        this.maxLength = maxLength;
        this.sensitivity = sensitivity;
        this.p = sensitivity.features();
        this.categories = categories;
        this.categoryCoefficientWeights = sensitivity.categoryCoefficientWeights(category, categories);
        this.manager = lm.model().weight(LlamaModel.EMBED).getManager().newSubManager();
        double[][][] w = sensitivity.categoryWeights(category, categories);
        int n = sensitivity.probes();
        double[][] onY = java.util.Arrays.copyOf(w[1], categories + 1);
        onY[categories] = new double[n];
        java.util.Arrays.fill(onY[categories], 1.0 / n);
        double[][] onPrediction = java.util.Arrays.copyOf(w[0], categories + 1);
        onPrediction[categories] = new double[n];
        FunctionalGradients acc = new FunctionalGradients(sensitivity, onY, onPrediction);
        MeasurementGradients.compute(lm.model(), frozen, sensitivity, space, acc, progress);
        NDArray rows;
        try (FunctionalGradients.Result r = acc.finish()) {
            rows = NDArrays.concat(new NDList(r.dxPart(), r.dyPart(), r.extra()));
        }
        try (rows) {
            // contiguous by coordinate, so that each weight's block of rows is one slice
            this.functionals = rows.transpose().duplicate();
        }
        functionals.attach(manager);
        boolean decays = update.optimizer() == SftConfig.Optimizer.ADAMW && update.weightDecay() > 0 && update.mode() == SftConfig.Mode.FULL;
        this.weights = decays ? space.flatten(lm.model().weights()) : null;
        if (weights != null) {
            weights.attach(manager);
        }
    }

    /**
     * The space an update's gradients meet in: LoRA's parameter space for a LoRA update (its adapters
     * drawn as fine-tuning draws them), else every weight, sketched when {@code projection} > 0 onto
     * the subspaces the probes' gradients lie in ({@link MeasurementGradients#probeSketch}).
     */
    public static GradientSpace space(LlamaModel model, ProbeMeasurer frozen, PolicySensitivity sensitivity, SftConfig update, int projection, long seed,
            Progress.Factory progress) {
        if (update.mode() == SftConfig.Mode.LORA) {
            if (projection > 0) {
                throw new IllegalArgumentException("--projection is for full updates: LoRA's parameter space is small and exact already");
            }
            try (NDManager scratch = model.weight(LlamaModel.EMBED).getManager().newSubManager()) {
                return GradientSpace.lora(model, LoraStart.of(model, update, scratch));
            }
        }
        return projection > 0 ? MeasurementGradients.probeSketch(model, frozen, sensitivity, projection, seed, progress) : GradientSpace.full(model);
    }

    @Override
    public List<PairAttribution> estimate(List<SftPair> pairs) {
        List<SftExample> examples = pairs.stream().map(pair -> PairEffects.example(lm, pair, maxLength)).toList();
        double[] losses = new double[examples.size()];
        boolean sgd = update.optimizer() == SftConfig.Optimizer.SGD;
        // SGD's step is linear in the gradient: its scale is applied to the products, not to the gradients
        PerExampleGradients.BlockMap step = sgd ? (offset, g) -> g : this::adamWStep;
        double scale = sgd ? -update.learningRate() * update.steps() : 1;
        double[] parts;
        try (NDArray products = Scoped.compute(() -> PerExampleGradients.times(lm.model(), examples, space, step, functionals, losses)
                .toType(DataType.FLOAT64, false))) {
            parts = java.util.Arrays.stream(products.toDoubleArray()).map(v -> v * scale).toArray();
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

    /** AdamW's first step from zero moments, −η·g/(|g| + ε) − η·wd·θ (times the steps per pair), on one block's rows of gradients. */
    private NDArray adamWStep(long offset, NDArray g) {
        double scale = update.learningRate() * update.steps();
        NDArray step = Tensors.times(g.div(Tensors.plus(g.abs(), update.epsilon())), -scale);
        if (weights == null) {
            return step;
        }
        NDArray theta = weights.get(new ai.djl.ndarray.index.NDIndex(offset + ":" + (offset + g.getShape().get(1))));
        return step.sub(Tensors.times(theta, scale * update.weightDecay()).expandDims(0));
    }

    @Override
    public void close() {
        functionals.close();
        manager.close();
        space.close();
    }
}

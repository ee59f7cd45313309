package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import dev.smda.gradient.GradientSpace;
import dev.smda.gradient.PerExampleGradients;
import dev.smda.gradient.ProbeSubspaces;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.model.LlamaModel;
import dev.smda.progress.Progress;

/**
 * The gradients, with respect to the weights, of the parts of the probes' measurement the policy's
 * first-order change is made of ({@link PolicySensitivity}): each probe's behaviour y_i and policy
 * prediction ŷ_i (batched: one backward pass per batch of probes gives every probe's own), and each
 * feature's u_k (one backward pass per batch of probes on which the base's gates let it through;
 * elsewhere it reads zero whatever the weights). They are handed to a {@link Listener} as
 * they come, so whoever needs them keeps only what it needs.
 */
public final class MeasurementGradients {

    /** Receives the gradients, in a {@link GradientSpace}, as rows {@code [probes, dimension]} or one vector. */
    public interface Listener {
        /** ∇y_i for probes {@code [start, start + rows)}. */
        default void behaviour(int start, NDArray gradients) {}

        /** ∇ŷ_i (features alone, β fixed) for probes {@code [start, start + rows)}. */
        default void prediction(int start, NDArray gradients) {}

        /** A part of ∇u_k (one batch of probes'): the parts of one feature add up; a batch where it is gated off has none. */
        default void residual(int feature, NDArray gradient) {}

        /** Whether the feature parts (ŷ and u) are needed at all. */
        default boolean wantsFeatures() {
            return true;
        }
    }

    private MeasurementGradients() {}

    /** {@code [end − start, p]}: zero but for column k, which holds probes {@code [start, end)}'s weights. */
    private static double[] columnWeights(double[] w, int k, int p, int start, int end) {
        double[] m = new double[(end - start) * p];
        for (int i = start; i < end; i++) {
            m[(i - start) * p + k] = w[i];
        }
        return m;
    }

    /** Random mixes of the policy's features whose gradients join the subspaces, per batch of probes. */
    private static final int FEATURE_MIXES = 4;

    /**
     * A Kronecker sketch of {@code k} aimed at the subspaces the probes' gradients lie in
     * ({@link ProbeSubspaces}, twice k combinations per side): found from one backward pass per batch
     * of probes for their behaviour, one for their policy prediction, and {@value #FEATURE_MIXES} for
     * random mixes of the policy's features (the u_k gradients' directions).
     */
    public static GradientSpace probeSketch(LlamaModel model, ProbeMeasurer frozen, PolicySensitivity sensitivity, int k, long seed,
            Progress.Factory progress) {
        int n = frozen.probes();
        int batch = frozen.batchSize();
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1);
        double[][] predictionWeights = sensitivity.predictionWeights();
        java.util.Random random = new java.util.Random(seed);
        try (ProbeSubspaces subspaces = new ProbeSubspaces(model, 2 * k, seed);
                Progress bar = progress.start("probe subspaces", (n + batch - 1) / batch * (2L + FEATURE_MIXES), "backward passes", 0)) {
            long done = 0;
            for (int start = 0; start < n; start += batch) {
                int s = start;
                int end = Math.min(n, start + batch);
                subspaces.add(hooks -> frozen.perProbe(model, s, end, hooks, ones, null).sum());
                subspaces.add(hooks -> frozen.perProbe(model, s, end, hooks, null, predictionWeights).sum());
                for (int mix = 0; mix < FEATURE_MIXES; mix++) {
                    double[][] weights = sensitivity.randomWeights(random);
                    subspaces.add(hooks -> frozen.perProbe(model, s, end, hooks, null, weights).sum());
                }
                done += 2 + FEATURE_MIXES;
                bar.stepTo(done, null);
            }
            return subspaces.space(k);
        }
    }

    /**
     * @param frozen a measurer of the policy's features, frozen at the base's gates
     */
    public static void compute(LlamaModel model, ProbeMeasurer frozen, PolicySensitivity sensitivity, GradientSpace space, Listener listener,
            Progress.Factory progress) {
        int n = frozen.probes();
        int batch = frozen.batchSize();
        int p = sensitivity.features();
        int batches = (n + batch - 1) / batch;
        boolean features = listener.wantsFeatures();
        long total = batches + (features ? batches + (long) p * batches : 0);
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1);
        double[][] predictionWeights = sensitivity.predictionWeights();
        try (Progress bar = progress.start("probe gradients", total, "backward passes", 0)) {
            long done = 0;
            for (int start = 0; start < n; start += batch) {
                int s = start;
                int end = Math.min(n, start + batch);
                try (NDArray g = PerExampleGradients.of(space, end - s, frozen.headRowProbe(s, end),
                        hooks -> frozen.perProbe(model, s, end, hooks, ones, null))) {
                    listener.behaviour(s, g);
                }
                bar.stepTo(++done, null);
                if (features) {
                    try (NDArray g = PerExampleGradients.of(space, end - s, new int[0], hooks -> frozen.perProbe(model, s, end, hooks, null, predictionWeights))) {
                        listener.prediction(s, g);
                    }
                    bar.stepTo(++done, null);
                }
            }
            if (!features) {
                return;
            }
            double[][] weights = new double[p][];
            for (int k = 0; k < p; k++) {
                weights[k] = sensitivity.residualWeights(k);
            }
            for (int start = 0; start < n; start += batch) {
                int s = start;
                int end = Math.min(n, start + batch);
                // one forward pass, then one backward pass through it per feature the base's gates let through on
                // these probes (the others' gradients are zero: on the shipped world 62% of them)
                PerExampleGradients.ofWeightedSums(space, hooks -> frozen.features(model, s, end, hooks), frozen.featuresGatedOn(s, end),
                        k -> columnWeights(weights[k], k, p, s, end),
                        (k, g) -> {
                            listener.residual(k, g);
                            g.close();
                        });
                done += p;
                bar.stepTo(done, "features, probes " + (s + 1) + "-" + end + " of " + n);
            }
        }
    }
}

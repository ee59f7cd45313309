package dev.smda.measure;

/**
 * What the model does on a probe set: per probe the probability that its reply begins with a
 * refusal, the behaviour y derived from it, and the probe's pooled SAE features (probes x features,
 * in the order of {@code featureIds}; empty when no SAE was read). {@code gates}, when asked for,
 * holds per probe the weight each pooled position gives each feature's pre-activation
 * (positions x features, row-major): the measurement with the encoder's active set frozen there
 * (see {@link ProbeMeasurer#frozenAt}); else null.
 */
public record Measurement(double[] refusalProbability, double[] y, double[][] x, int[] featureIds, double[][] gates) {

    public int probes() {
        return y.length;
    }
}

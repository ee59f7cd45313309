package dev.smda.attribution;

/**
 * What an estimator says one SFT pair does to the symbolic policy, per feature in the policy's
 * standardised units: the change Δβ ({@code delta} = {@code dxPart} + {@code dyPart}), split into
 * the ΔX and ΔY pathways; the first-order terms where the estimator has them apart (the ΔX pathway's
 * {@code residual} and {@code collinearity}, the ΔY pathway's {@code output}; null otherwise); and
 * per category the change of its mean predicted behaviour through the policy
 * ({@code categoryEffect}, read through the policy at the base: from the checkpoints' averaged effect or
 * the update applied to the base model alone, as the run asks); with the pair's base loss and the mean
 * change of the probes' behaviour.
 */
public record PairAttribution(String pair, double baseLoss, double meanDy, double[] delta, double[] dxPart, double[] dyPart, double[] residual,
        double[] collinearity, double[] output, double[] categoryEffect) {

    /** The paper's score ΔW·W: the first-order change of the coefficients against the coefficients. */
    public double score(double[] coef) {
        double[] first = residual == null ? delta : firstOrderDelta();
        double s = 0;
        for (int j = 0; j < coef.length; j++) {
            s += first[j] * coef[j];
        }
        return s;
    }

    /** residual + collinearity + output (or Δβ when the estimate is first order already). */
    public double[] firstOrderDelta() {
        if (residual == null) {
            return delta.clone();
        }
        double[] out = new double[delta.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = residual[j] + collinearity[j] + output[j];
        }
        return out;
    }
}

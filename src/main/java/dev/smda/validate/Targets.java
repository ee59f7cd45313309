package dev.smda.validate;

import java.util.List;

/**
 * What a validation predicts, in families: each probe's behaviour y, each category's mean y, each
 * policy coefficient refitted on the retrained model's probes (base standardisation and λ fixed),
 * and, when the run linearises the feature change, the coefficients refitted on exactly re-encoded
 * features too.
 */
record Targets(List<String> categories, int[] probeCategory, int features, boolean reencoded) {

    static final String PROBES = "probes";
    static final String CATEGORIES = "categories";
    static final String COEFFICIENTS = "coefficients";
    static final String COEFFICIENTS_REENCODED = "coefficients_reencoded";
    /** The families a method's scores can hold. */
    static final List<String> SCORED = List.of(PROBES, CATEGORIES, COEFFICIENTS);

    List<String> families() {
        return reencoded ? List.of(PROBES, CATEGORIES, COEFFICIENTS, COEFFICIENTS_REENCODED) : SCORED;
    }

    int probes() {
        return probeCategory.length;
    }

    /** Each category's mean of per-probe values. */
    double[] categoryMeans(double[] perProbe) {
        double[] sum = new double[categories.size()];
        int[] count = new int[categories.size()];
        for (int i = 0; i < perProbe.length; i++) {
            sum[probeCategory[i]] += perProbe[i];
            count[probeCategory[i]]++;
        }
        for (int c = 0; c < sum.length; c++) {
            sum[c] /= Math.max(1, count[c]);
        }
        return sum;
    }

    /** A retraining's outcome as the family's target vector. */
    double[] of(String family, Retrainer.Outcome o) {
        return switch (family) {
            case PROBES -> o.y();
            case CATEGORIES -> categoryMeans(o.y());
            case COEFFICIENTS -> o.beta();
            case COEFFICIENTS_REENCODED -> o.betaReencoded();
            default -> throw new IllegalArgumentException(family);
        };
    }
}

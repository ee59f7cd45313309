package dev.smda.validate;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.hipparchus.stat.correlation.PearsonsCorrelation;
import org.hipparchus.stat.correlation.SpearmansCorrelation;

/**
 * The validation's statistics.
 *
 * <p>Linear datamodeling score (LDS) of one target: the Spearman correlation, across the retrained
 * subsets, between a method's predicted change (the sum of its per-pair scores over the subset) and
 * the actual change (the mean over the subset's repeated retrainings). A family's LDS is the mean
 * over its targets (a target whose actual change never varies is left out).
 *
 * <p>Noise ceiling of one target: the LDS a perfect predictor of the averaged outcome would reach.
 * With ρ₁ the mean Spearman correlation across subsets between two single retrainings (two orders
 * of the same subsets), the mean of R retrainings agrees with the true outcome at
 * √(R ρ₁ / (1 + (R − 1) ρ₁)) (Spearman–Brown; exact for Pearson correlations, used here for ranks).
 */
final class Metrics {

    private Metrics() {}

    static double spearman(double[] a, double[] b) {
        if (constant(a) || constant(b)) {
            return Double.NaN;
        }
        return new SpearmansCorrelation().correlation(a, b); // one per call: the bootstrap scores on several threads
    }

    static double pearson(double[] a, double[] b) {
        if (constant(a) || constant(b)) {
            return Double.NaN;
        }
        return new PearsonsCorrelation().correlation(a, b);
    }

    private static boolean constant(double[] v) {
        for (double x : v) {
            if (x != v[0]) {
                return false;
            }
        }
        return true;
    }

    /** Per target, the Spearman correlation over subsets of predicted (subsets x targets) and actual. */
    static double[] lds(double[][] predicted, double[][] actual, int[] subsets) {
        int targets = actual[0].length;
        double[] out = new double[targets];
        for (int t = 0; t < targets; t++) {
            out[t] = spearman(column(predicted, t, subsets), column(actual, t, subsets));
        }
        return out;
    }

    /** Per target, the noise ceiling from repeated outcomes {@code [repeat][subset][target]}. */
    static double[] noiseCeiling(double[][][] outcomes) {
        int repeats = outcomes.length;
        double[] agreement = repeatAgreement(outcomes);
        double[] out = new double[agreement.length];
        for (int t = 0; t < out.length; t++) {
            double r1 = agreement[t];
            out[t] = Double.isNaN(r1) ? Double.NaN : r1 <= 0 ? 0 : Math.sqrt(repeats * r1 / (1 + (repeats - 1) * r1));
        }
        return out;
    }

    /** Per target, ρ₁: the mean Spearman correlation across subsets between two single retrainings. */
    static double[] repeatAgreement(double[][][] outcomes) {
        int repeats = outcomes.length;
        int subsets = outcomes[0].length;
        int targets = outcomes[0][0].length;
        int[] all = IntStream.range(0, subsets).toArray();
        double[] out = new double[targets];
        for (int t = 0; t < targets; t++) {
            double sum = 0;
            int pairs = 0;
            for (int a = 0; a < repeats; a++) {
                for (int b = a + 1; b < repeats; b++) {
                    double r = spearman(column(outcomes[a], t, all), column(outcomes[b], t, all));
                    if (!Double.isNaN(r)) {
                        sum += r;
                        pairs++;
                    }
                }
            }
            out[t] = pairs == 0 ? Double.NaN : sum / pairs;
        }
        return out;
    }

    /** The mean of the finite values. */
    static double mean(double[] v) {
        return Arrays.stream(v).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    /**
     * A 95% percentile bootstrap interval of a family's mean LDS, resampling subsets (the
     * retrainings are the data; targets are a fixed set).
     */
    static double[] bootstrapMeanLds(double[][] predicted, double[][] actual, int samples, long seed) {
        return bootstrap(actual.length, samples, seed, pick -> mean(lds(predicted, actual, pick)));
    }

    /**
     * 95% paired bootstrap interval of the difference of two predictors' mean LDS against the same
     * outcomes: each resample of the subsets scores both, so what the subsets share (an easy or a
     * hard draw) cancels, and two methods can be told apart when their own intervals overlap.
     */
    static double[] bootstrapLdsDifference(double[][] predicted, double[][] reference, double[][] actual, int samples, long seed) {
        return bootstrap(actual.length, samples, seed, pick -> mean(lds(predicted, actual, pick)) - mean(lds(reference, actual, pick)));
    }

    /**
     * 95% percentile interval of a statistic over {@code samples} resamples (with replacement) of
     * {@code k} subsets. The resamples are drawn in order from {@code seed}, then scored in parallel:
     * the same interval on any number of threads.
     */
    static double[] bootstrap(int k, int samples, long seed, java.util.function.ToDoubleFunction<int[]> statistic) {
        Random random = new Random(seed);
        int[][] picks = new int[samples][k];
        for (int[] pick : picks) {
            for (int i = 0; i < k; i++) {
                pick[i] = random.nextInt(k);
            }
        }
        double[] values = IntStream.range(0, samples).parallel().mapToDouble(s -> statistic.applyAsDouble(picks[s])).toArray();
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {finite[(int) Math.floor(0.025 * (finite.length - 1))], finite[(int) Math.ceil(0.975 * (finite.length - 1))]};
    }

    static double[] column(double[][] rows, int t, int[] which) {
        double[] out = new double[which.length];
        for (int i = 0; i < which.length; i++) {
            out[i] = rows[which[i]][t];
        }
        return out;
    }

    /** Euclidean norm. */
    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    static double median(double[] v) {
        double[] s = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Average precision of a ranking against a set of relevant items (relevant ones ranked high score high). */
    static double averagePrecision(java.util.List<String> ranking, java.util.Set<String> relevant) {
        double sum = 0;
        int hits = 0;
        for (int i = 0; i < ranking.size(); i++) {
            if (relevant.contains(ranking.get(i))) {
                hits++;
                sum += hits / (double) (i + 1);
            }
        }
        return relevant.isEmpty() ? Double.NaN : sum / relevant.size();
    }
}

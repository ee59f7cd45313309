package dev.smda.analysis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Harmful pairs against harmless ones, per policy feature: each group's mean ΔX and ΔY pathway
 * parts and the difference of the means, with 95% percentile intervals from a Poisson bootstrap
 * (each resample weighs every pair by an independent Poisson(1) count, drawn from a generator
 * seeded by the seed and the pair's position). Pairs stream through ({@link #add}): memory grows
 * with the resamples and features, not with the pairs, and the result does not depend on how the
 * pairs arrive in chunks.
 */
public final class GroupComparison {

    /** One feature's comparison. */
    public record FeatureGroups(int feature, String label, Interval harmfulDx, Interval harmlessDx, Interval harmfulDy, Interval harmlessDy,
            Interval dxDifference, Interval dyDifference) {}

    private static final double[] POISSON_ONE_CDF = poissonOneCdf();

    private final int features;
    private final int samples;
    private final long seed;
    /** [group][sample][feature] weighted sums of the ΔX and ΔY parts; sample {@code samples} is the unweighted one. */
    private final double[][][] dx;
    private final double[][][] dy;
    private final double[][] weight;

    public GroupComparison(int features, int samples, long seed) {
        this.features = features;
        this.samples = samples;
        this.seed = seed;
        this.dx = new double[2][samples + 1][features];
        this.dy = new double[2][samples + 1][features];
        this.weight = new double[2][samples + 1];
    }

    /** Adds the pair at position {@code index} of the pair list. */
    public void add(int index, boolean harmful, double[] dxPart, double[] dyPart) {
        int g = harmful ? 0 : 1;
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        for (int s = 0; s <= samples; s++) {
            int w = s == samples ? 1 : poissonOne(random.nextDouble());
            if (w == 0) {
                continue;
            }
            weight[g][s] += w;
            double[] x = dx[g][s];
            double[] y = dy[g][s];
            for (int j = 0; j < features; j++) {
                x[j] += w * dxPart[j];
                y[j] += w * dyPart[j];
            }
        }
    }

    /** Whether both groups have pairs (the comparison needs both). */
    public boolean hasBothGroups() {
        return weight[0][samples] > 0 && weight[1][samples] > 0;
    }

    public List<FeatureGroups> finish(int[] featureIds, List<String> labels) {
        if (!hasBothGroups()) {
            throw new IllegalStateException("comparing harmful and harmless pairs needs both");
        }
        List<FeatureGroups> out = new ArrayList<>();
        for (int j = 0; j < features; j++) {
            out.add(new FeatureGroups(featureIds[j], labels.get(j), interval(dx, 0, j, -1), interval(dx, 1, j, -1), interval(dy, 0, j, -1),
                    interval(dy, 1, j, -1), interval(dx, 0, j, 1), interval(dy, 0, j, 1)));
        }
        return out;
    }

    /** The mean of group {@code g}'s feature j (minus group {@code minus}'s, for a difference) and its percentile interval. */
    private Interval interval(double[][][] sums, int g, int j, int minus) {
        double[] values = new double[samples];
        int k = 0;
        for (int s = 0; s < samples; s++) {
            double v = mean(sums, g, s, j) - (minus >= 0 ? mean(sums, minus, s, j) : 0);
            if (Double.isFinite(v)) {
                values[k++] = v;
            }
        }
        double[] sorted = Arrays.copyOf(values, k);
        Arrays.sort(sorted);
        double mean = mean(sums, g, samples, j) - (minus >= 0 ? mean(sums, minus, samples, j) : 0);
        return k == 0 ? new Interval(mean, mean, mean) : new Interval(mean, quantile(sorted, 0.025), quantile(sorted, 0.975));
    }

    private double mean(double[][][] sums, int g, int s, int j) {
        return sums[g][s][j] / weight[g][s];
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static int poissonOne(double u) {
        int k = 0;
        while (k < POISSON_ONE_CDF.length - 1 && u > POISSON_ONE_CDF[k]) {
            k++;
        }
        return k;
    }

    private static double[] poissonOneCdf() {
        double[] cdf = new double[16];
        double p = Math.exp(-1);
        double sum = 0;
        for (int k = 0; k < cdf.length; k++) {
            sum += p;
            cdf[k] = sum;
            p /= k + 1;
        }
        cdf[cdf.length - 1] = 1;
        return cdf;
    }
}

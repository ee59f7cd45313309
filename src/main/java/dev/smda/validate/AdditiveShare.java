package dev.smda.validate;

/**
 * How much of the retrained change any additive attribution can capture. A method's predicted change
 * of a subset is a sum of per-pair scores; the best such sum is the least-squares additive function
 * of which pairs the subset holds, and the correlation it reaches with the true (noise-free) change
 * is the square root of the share of variance it explains. As a share of the noise ceiling, that is
 * the highest LDS an additive attribution can reach (exactly for Pearson correlations, approximately
 * for the ranks the LDS uses): when it is below 1, what is left is how pairs interact.
 *
 * <p>Estimated without bias from random subsets of one size: with x = z − p the centred membership,
 * the additive function explains (n − 1)/(n p (1 − p)) · Σᵢ Cov(xᵢ, f)² (the fixed size makes the
 * xᵢ sum to zero), and each Σᵢ Cov(xᵢ, f)² is a U-statistic over pairs of distinct subsets, so order
 * noise, which does not depend on the subset, drops out; the true variance is the variance of the
 * mean over R orders less the order noise over R. It needs many subsets: its bootstrap interval says
 * how many are enough. {@code scripts/analysis/validation_offline.py --additive-share} computes the
 * same from a validation's files with numpy.
 */
final class AdditiveShare {

    private final double[][] membership;
    private final double[][][] outcomes;
    private final double[][] gram;
    private final double p;

    /**
     * @param membership which pairs each subset holds, 0 or 1 ({@code [subset][pair]})
     * @param outcomes the retrained changes {@code [repeat][subset][target]}
     */
    AdditiveShare(double[][] membership, double[][][] outcomes) {
        this.membership = membership;
        this.outcomes = outcomes;
        int k = membership.length;
        int n = membership[0].length;
        double held = 0;
        for (double[] row : membership) {
            for (double z : row) {
                held += z;
            }
        }
        p = held / ((double) k * n);
        gram = new double[k][k];
        for (int a = 0; a < k; a++) {
            for (int b = a; b < k; b++) {
                double g = 0;
                for (int i = 0; i < n; i++) {
                    g += (membership[a][i] - p) * (membership[b][i] - p);
                }
                gram[a][b] = g;
                gram[b][a] = g;
            }
        }
    }

    int subsets() {
        return membership.length;
    }

    /** The share over every subset. */
    double share() {
        return share(java.util.stream.IntStream.range(0, membership.length).toArray());
    }

    /**
     * The share over the subsets {@code rows} (a bootstrap draw repeats some: a subset is never
     * paired with a copy of itself): √(Σ additive variance / Σ true variance) over the targets whose
     * true variance is positive.
     */
    double share(int[] rows) {
        int k = rows.length;
        int repeats = outcomes.length;
        int targets = outcomes[0][0].length;
        int n = membership[0].length;
        double[][] centred = new double[k][targets];
        double[] noise = new double[targets];
        for (int a = 0; a < k; a++) {
            for (int t = 0; t < targets; t++) {
                double mean = 0;
                for (double[][] repeat : outcomes) {
                    mean += repeat[rows[a]][t];
                }
                mean /= repeats;
                double spread = 0;
                for (double[][] repeat : outcomes) {
                    spread += (repeat[rows[a]][t] - mean) * (repeat[rows[a]][t] - mean);
                }
                centred[a][t] = mean;
                noise[t] += spread / (repeats - 1) / k;
            }
        }
        double[] variance = new double[targets];
        for (int t = 0; t < targets; t++) {
            double mean = 0;
            for (double[] row : centred) {
                mean += row[t] / k;
            }
            for (double[] row : centred) {
                row[t] -= mean;
                variance[t] += row[t] * row[t] / (k - 1);
            }
        }
        double[] quadratic = new double[targets];
        long distinct = 0;
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                if (rows[a] == rows[b]) {
                    continue;
                }
                distinct++;
                double g = gram[rows[a]][rows[b]];
                for (int t = 0; t < targets; t++) {
                    quadratic[t] += centred[a][t] * g * centred[b][t];
                }
            }
        }
        double additive = 0;
        double truth = 0;
        for (int t = 0; t < targets; t++) {
            double trueVariance = variance[t] - noise[t] / repeats;
            if (trueVariance > 0) {
                additive += (n - 1) / (n * p * (1 - p)) * quadratic[t] / distinct;
                truth += trueVariance;
            }
        }
        return truth == 0 ? Double.NaN : Math.sqrt(Math.max(additive, 0) / truth);
    }
}

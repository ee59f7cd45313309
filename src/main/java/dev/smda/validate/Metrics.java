package dev.smda.validate;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.hipparchus.stat.correlation.PearsonsCorrelation;

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
        return spearman(Ranking.of(a), Ranking.of(b), 0, once(a.length));
    }

    /** The counts of the whole sample: every row once. */
    static int[] once(int k) {
        int[] counts = new int[k];
        Arrays.fill(counts, 1);
        return counts;
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
        return lds(new Ranking(predicted), new Ranking(actual), counts(subsets, actual.length));
    }

    /** Per target, the Spearman correlation over the resample of subsets that holds subset j {@code counts[j]} times. */
    static double[] lds(Ranking predicted, Ranking actual, int[] counts) {
        double[] out = new double[actual.targets()];
        for (int t = 0; t < out.length; t++) {
            out[t] = spearman(predicted, actual, t, counts);
        }
        return out;
    }

    /** How many times a resample holds each of {@code k} subsets. */
    static int[] counts(int[] subsets, int k) {
        int[] counts = new int[k];
        for (int s : subsets) {
            counts[s]++;
        }
        return counts;
    }

    /**
     * Spearman's ρ (ties ranked by their average rank, as Hipparchus's SpearmansCorrelation ranks them)
     * between target {@code t} of {@code a} and of {@code b} over a resample of their rows
     * given by {@code counts}; NaN when either is constant over it. The resample's ranks follow from
     * each column's sort order in one pass, so a bootstrap never sorts.
     */
    private static double spearman(Ranking a, Ranking b, int t, int[] counts) {
        double[] ra = new double[counts.length];
        double[] rb = new double[counts.length];
        if (a.ranks(t, counts, ra) < 2 || b.ranks(t, counts, rb) < 2) {
            return Double.NaN;
        }
        int n = 0;
        for (int c : counts) {
            n += c;
        }
        double mid = (n + 1) / 2.0; // the mean rank of n items, whatever the ties
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int j = 0; j < counts.length; j++) {
            if (counts[j] > 0) {
                double da = ra[j] - mid;
                double db = rb[j] - mid;
                sab += counts[j] * da * db;
                saa += counts[j] * da * da;
                sbb += counts[j] * db * db;
            }
        }
        return sab / Math.sqrt(saa * sbb);
    }

    /** Each column of a rows x targets matrix in order of value: what ranks any resample of its rows. */
    static final class Ranking {
        /** Per target, the rows from the smallest value to the largest. */
        private final int[][] order;
        /** Per target, whether the row at each place of the order has the same value as the next. */
        private final boolean[][] tiedWithNext;

        Ranking(double[][] rows) {
            int k = rows.length;
            int targets = rows[0].length;
            order = new int[targets][];
            tiedWithNext = new boolean[targets][k];
            for (int t = 0; t < targets; t++) {
                int column = t;
                for (double[] row : rows) {
                    if (Double.isNaN(row[column])) {
                        throw new IllegalArgumentException("a NaN among the values to rank");
                    }
                }
                order[t] = IntStream.range(0, k).boxed().sorted(java.util.Comparator.comparingDouble(r -> rows[r][column])).mapToInt(Integer::intValue).toArray();
                for (int i = 0; i + 1 < k; i++) {
                    tiedWithNext[t][i] = rows[order[t][i]][t] == rows[order[t][i + 1]][t];
                }
            }
        }

        static Ranking of(double[] column) {
            return new Ranking(Arrays.stream(column).mapToObj(v -> new double[] {v}).toArray(double[][]::new));
        }

        int targets() {
            return order.length;
        }

        /**
         * Writes into {@code out[j]} the rank, within the resample, of row j's value (ties averaged)
         * for every row the resample holds; returns how many distinct values it holds.
         */
        int ranks(int t, int[] counts, double[] out) {
            int[] o = order[t];
            boolean[] tied = tiedWithNext[t];
            int below = 0;
            int distinct = 0;
            int start = 0;
            while (start < o.length) {
                int end = start;
                int held = counts[o[start]];
                while (tied[end]) {
                    held += counts[o[++end]];
                }
                if (held > 0) {
                    double rank = below + (held + 1) / 2.0;
                    for (int i = start; i <= end; i++) {
                        out[o[i]] = rank;
                    }
                    below += held;
                    distinct++;
                }
                start = end + 1;
            }
            return distinct;
        }
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
        Ranking[] ranked = Arrays.stream(outcomes).map(Ranking::new).toArray(Ranking[]::new);
        int[] all = once(subsets);
        double[] out = new double[targets];
        for (int t = 0; t < targets; t++) {
            double sum = 0;
            int pairs = 0;
            for (int a = 0; a < repeats; a++) {
                for (int b = a + 1; b < repeats; b++) {
                    double r = spearman(ranked[a], ranked[b], t, all);
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

    /** The mean over the repeats of each subset's and target's change ({@code [repeat][subset][target]}). */
    static double[][] meanOverRepeats(double[][][] changes) {
        double[][] out = new double[changes[0].length][changes[0][0].length];
        for (double[][] repeat : changes) {
            for (int s = 0; s < out.length; s++) {
                for (int t = 0; t < out[s].length; t++) {
                    out[s][t] += repeat[s][t] / changes.length;
                }
            }
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
        Ranking p = new Ranking(predicted);
        Ranking a = new Ranking(actual);
        return bootstrap(actual.length, samples, seed, pick -> mean(lds(p, a, counts(pick, actual.length))));
    }

    /**
     * 95% paired bootstrap interval of the difference of two predictors' mean LDS against the same
     * outcomes: each resample of the subsets scores both, so what the subsets share (an easy or a
     * hard draw) cancels, and two methods can be told apart when their own intervals overlap.
     */
    static double[] bootstrapLdsDifference(double[][] predicted, double[][] reference, double[][] actual, int samples, long seed) {
        Ranking p = new Ranking(predicted);
        Ranking r = new Ranking(reference);
        Ranking a = new Ranking(actual);
        return bootstrap(actual.length, samples, seed, pick -> {
            int[] counts = counts(pick, actual.length);
            return mean(lds(p, a, counts)) - mean(lds(r, a, counts));
        });
    }

    /**
     * 95% percentile interval of a statistic over {@code samples} resamples (with replacement) of
     * {@code k} subsets ({@link #resampled}).
     */
    static double[] bootstrap(int k, int samples, long seed, java.util.function.ToDoubleFunction<int[]> statistic) {
        return interval(resampled(k, samples, seed, statistic));
    }

    /**
     * A statistic on each of {@code samples} resamples (with replacement) of {@code k} subsets. The
     * resamples are drawn in order from {@code seed}, then scored in parallel: the same values on any
     * number of threads, and the same resamples for every statistic given the same seed (so two
     * statistics' values pair up, resample by resample).
     */
    static double[] resampled(int k, int samples, long seed, java.util.function.ToDoubleFunction<int[]> statistic) {
        Random random = new Random(seed);
        int[][] picks = new int[samples][k];
        for (int[] pick : picks) {
            for (int i = 0; i < k; i++) {
                pick[i] = random.nextInt(k);
            }
        }
        return IntStream.range(0, samples).parallel().mapToDouble(s -> statistic.applyAsDouble(picks[s])).toArray();
    }

    /** The 2.5th and 97.5th percentiles of the finite values; NaN when none is finite. */
    static double[] interval(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {finite[(int) Math.floor(0.025 * (finite.length - 1))], finite[(int) Math.ceil(0.975 * (finite.length - 1))]};
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

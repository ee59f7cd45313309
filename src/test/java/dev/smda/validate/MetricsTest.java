package dev.smda.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.hipparchus.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.api.Test;

/** The validation's statistics on cases whose answers are known. */
class MetricsTest {

    private static final int[] ALL = IntStream.range(0, 40).toArray();

    @Test
    void anAdditiveWorldHasLdsOneAndShuffledPredictionsScoreNearZero() {
        Random r = new Random(1);
        int pairs = 60;
        int targets = 5;
        double[][] effect = new double[pairs][targets];
        for (double[] row : effect) {
            for (int t = 0; t < targets; t++) {
                row[t] = r.nextGaussian();
            }
        }
        double[][] actual = new double[ALL.length][targets];
        double[][] predicted = new double[ALL.length][targets];
        double[][] shuffled = new double[ALL.length][targets];
        for (int s = 0; s < ALL.length; s++) {
            for (int b = 0; b < pairs; b++) {
                if (r.nextBoolean()) {
                    for (int t = 0; t < targets; t++) {
                        actual[s][t] += effect[b][t];
                        predicted[s][t] += 3 * effect[b][t]; // a method off by a constant factor ranks the same
                    }
                }
            }
        }
        for (int s = 0; s < ALL.length; s++) {
            shuffled[s] = predicted[(s + 17) % ALL.length];
        }
        for (double v : Metrics.lds(predicted, actual, ALL)) {
            assertEquals(1.0, v, 1e-12);
        }
        assertTrue(Math.abs(Metrics.mean(Metrics.lds(shuffled, actual, ALL))) < 0.2, "shuffled predictions: " + Metrics.mean(Metrics.lds(shuffled, actual, ALL)));
        double[] ci = Metrics.bootstrapMeanLds(predicted, actual, 200, 3);
        assertEquals(1.0, ci[0], 1e-12);
        assertEquals(1.0, ci[1], 1e-12);
    }

    /**
     * Two predictors of the same outcomes, one with less error: the paired interval of their LDS
     * difference lies above zero though each one's own interval overlaps the other's (a resample of
     * hard subsets lowers both), is the mirror image the other way round, and is zero for a method
     * against itself.
     */
    @Test
    void thePairedDifferenceSeparatesMethodsWhoseOwnIntervalsOverlap() {
        Random r = new Random(4);
        int subsets = 32;
        int targets = 4;
        double[][] actual = new double[subsets][targets];
        double[][] better = new double[subsets][targets];
        double[][] worse = new double[subsets][targets];
        for (int s = 0; s < subsets; s++) {
            for (int t = 0; t < targets; t++) {
                actual[s][t] = r.nextGaussian();
                double shared = r.nextGaussian();
                better[s][t] = actual[s][t] + 0.8 * shared;
                worse[s][t] = actual[s][t] + 0.8 * shared + 0.5 * r.nextGaussian();
            }
        }
        double[] ownBetter = Metrics.bootstrapMeanLds(better, actual, 1000, 5);
        double[] ownWorse = Metrics.bootstrapMeanLds(worse, actual, 1000, 5);
        assertTrue(ownWorse[1] > ownBetter[0], "the methods' own intervals overlap: " + java.util.Arrays.toString(ownBetter) + " " + java.util.Arrays.toString(ownWorse));
        double[] ahead = Metrics.bootstrapLdsDifference(better, worse, actual, 1000, 5);
        double[] behind = Metrics.bootstrapLdsDifference(worse, better, actual, 1000, 5);
        assertTrue(ahead[0] > 0, "paired interval above zero: " + java.util.Arrays.toString(ahead));
        assertEquals(-ahead[0], behind[1], 1e-12);
        assertEquals(-ahead[1], behind[0], 1e-12);
        double[] itself = Metrics.bootstrapLdsDifference(better, better, actual, 1000, 5);
        assertEquals(0, itself[0], 0);
        assertEquals(0, itself[1], 0);
    }

    /**
     * Outcomes = truth + noise of a known size: single retrainings agree at ρ₁ = var/(var + σ²), and
     * the ceiling is how well the truth predicts the mean of R retrainings. Checked by simulation.
     */
    @Test
    void theNoiseCeilingIsWhatThePerfectPredictorScoresAgainstTheAveragedOutcome() {
        Random r = new Random(2);
        int subsets = 400;
        int repeats = 3;
        int targets = 3;
        double noise = 1.0;
        double[][] truth = new double[subsets][targets];
        double[][][] outcomes = new double[repeats][subsets][targets];
        for (int s = 0; s < subsets; s++) {
            for (int t = 0; t < targets; t++) {
                truth[s][t] = r.nextGaussian();
                for (int k = 0; k < repeats; k++) {
                    outcomes[k][s][t] = truth[s][t] + noise * r.nextGaussian();
                }
            }
        }
        double[][] mean = new double[subsets][targets];
        for (int s = 0; s < subsets; s++) {
            for (int t = 0; t < targets; t++) {
                for (int k = 0; k < repeats; k++) {
                    mean[s][t] += outcomes[k][s][t] / repeats;
                }
            }
        }
        int[] all = IntStream.range(0, subsets).toArray();
        double perfect = Metrics.mean(Metrics.lds(truth, mean, all));
        double ceiling = Metrics.mean(Metrics.noiseCeiling(outcomes));
        double rho1 = Metrics.mean(Metrics.repeatAgreement(outcomes));
        assertEquals(0.5, rho1, 0.06, "single retrainings agree at var/(var + noise²)");
        assertEquals(perfect, ceiling, 0.05, "ceiling " + ceiling + " against the perfect predictor's LDS " + perfect);
    }

    /**
     * The LDS of a resample (rows drawn with replacement, values tied within and across rows) is
     * Hipparchus's Spearman correlation of the resampled columns, to rounding; a column constant over
     * the resample scores NaN.
     */
    @Test
    void theLdsOfAResampleIsSpearmansCorrelationOfItsRows() {
        Random r = new Random(6);
        int subsets = 24;
        int targets = 5;
        double[][] predicted = new double[subsets][targets];
        double[][] actual = new double[subsets][targets];
        for (int s = 0; s < subsets; s++) {
            for (int t = 0; t < targets; t++) {
                predicted[s][t] = r.nextInt(6); // few values: many ties
                actual[s][t] = t == targets - 1 ? 2.5 : predicted[s][t] + r.nextGaussian();
            }
        }
        for (int trial = 0; trial < 200; trial++) {
            int[] pick = IntStream.range(0, subsets).map(i -> r.nextInt(subsets)).toArray();
            double[] lds = Metrics.lds(predicted, actual, pick);
            for (int t = 0; t < targets - 1; t++) {
                double expected = new SpearmansCorrelation().correlation(pickColumn(predicted, t, pick), pickColumn(actual, t, pick));
                assertEquals(expected, lds[t], 1e-12, "trial " + trial + ", target " + t);
            }
            assertTrue(Double.isNaN(lds[targets - 1]), "a constant column");
        }
    }

    private static double[] pickColumn(double[][] rows, int t, int[] pick) {
        return IntStream.of(pick).mapToDouble(s -> rows[s][t]).toArray();
    }

    @Test
    void averagePrecisionOfRankings() {
        assertEquals(1.0, Metrics.averagePrecision(List.of("a", "b", "c", "d"), Set.of("a", "b")), 1e-12);
        assertEquals((1 / 2.0 + 2 / 4.0) / 2, Metrics.averagePrecision(List.of("x", "a", "y", "b"), Set.of("a", "b")), 1e-12);
    }
}

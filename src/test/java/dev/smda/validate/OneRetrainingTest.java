package dev.smda.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.hipparchus.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.api.Test;

/** One more retraining as a yardstick, against a direct computation and on worlds whose answer is known. */
class OneRetrainingTest {

    private static final int SUBSETS = 30;
    private static final int TARGETS = 6;

    /** Per subset and target, a true change; each repeat adds its own order noise of the given size. */
    private static double[][][] retrainings(double[][] truth, int repeats, double noise, Random r) {
        double[][][] out = new double[repeats][SUBSETS][TARGETS];
        for (int k = 0; k < repeats; k++) {
            for (int s = 0; s < SUBSETS; s++) {
                for (int t = 0; t < TARGETS; t++) {
                    out[k][s][t] = truth[s][t] + noise * r.nextGaussian();
                }
            }
        }
        return out;
    }

    private static double[][] gaussian(Random r) {
        double[][] out = new double[SUBSETS][TARGETS];
        for (double[] row : out) {
            for (int t = 0; t < TARGETS; t++) {
                row[t] = r.nextGaussian();
            }
        }
        return out;
    }

    @Test
    void eachRepeatHeldOutInTurnIsScoredAgainstTheMeanOfTheOthersAsAMethodIs() {
        Random r = new Random(3);
        double[][] truth = gaussian(r);
        double[][][] outcomes = retrainings(truth, 3, 1.0, r);
        double[][] method = gaussian(r);
        for (int s = 0; s < SUBSETS; s++) {
            for (int t = 0; t < TARGETS; t++) {
                method[s][t] += truth[s][t];
            }
        }
        double retraining = 0;
        double ofMethod = 0;
        SpearmansCorrelation spearman = new SpearmansCorrelation();
        for (int held = 0; held < 3; held++) {
            for (int t = 0; t < TARGETS; t++) {
                double[] rest = new double[SUBSETS];
                double[] one = new double[SUBSETS];
                double[] predicted = new double[SUBSETS];
                for (int s = 0; s < SUBSETS; s++) {
                    for (int k = 0; k < 3; k++) {
                        if (k != held) {
                            rest[s] += outcomes[k][s][t] / 2;
                        }
                    }
                    one[s] = outcomes[held][s][t];
                    predicted[s] = method[s][t];
                }
                retraining += spearman.correlation(one, rest) / (3 * TARGETS);
                ofMethod += spearman.correlation(predicted, rest) / (3 * TARGETS);
            }
        }
        OneRetraining yardstick = new OneRetraining(outcomes, 200, 7);
        assertEquals(retraining, yardstick.lds(), 1e-12);
        ValidationResult.Difference d = yardstick.difference(method);
        assertEquals(ofMethod - retraining, d.difference(), 1e-12);
        assertTrue(d.low() <= d.difference() && d.difference() <= d.high(), d.toString());
    }

    @Test
    void withTwoRepeatsOneMoreRetrainingIsTheirAgreement() {
        Random r = new Random(5);
        double[][][] outcomes = retrainings(gaussian(r), 2, 0.7, r);
        assertEquals(Metrics.mean(Metrics.repeatAgreement(outcomes)), new OneRetraining(outcomes, 100, 1).lds(), 1e-12);
    }

    @Test
    void theTruthIsAheadOfANoisyRetrainingAndNoiseIsBehindIt() {
        Random r = new Random(11);
        double[][] truth = gaussian(r);
        OneRetraining yardstick = new OneRetraining(retrainings(truth, 3, 0.8, r), 500, 2);
        ValidationResult.Difference perfect = yardstick.difference(truth);
        assertTrue(perfect.low() > 0, "knowing the averaged outcome beats fine-tuning once more: " + perfect);
        ValidationResult.Difference blind = yardstick.difference(gaussian(r));
        assertTrue(blind.high() < 0, "a method that knows nothing is behind it: " + blind);
    }
}

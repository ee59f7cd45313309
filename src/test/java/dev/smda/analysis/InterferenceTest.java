package dev.smda.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.data.SftPair;
import dev.smda.run.RunConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The category criterion on effects whose interference is known by construction. */
class InterferenceTest {

    private static final List<String> CATEGORIES = List.of("weapons", "drugs", "cooking", "travel");
    private static final boolean[] HARMFUL = {true, true, false, false};

    @Test
    void effectsAreTakenLessTheirKindsMedianInStandardDeviationsOverPairs() {
        // one category; harmful pairs 1, 2, 3 (median 2), harmless 10, 20 (median 15): residuals -1, 0, 1, -5, 5
        double[][] relative = Interference.relativeEffects(new boolean[] {true, true, true, false, false}, new double[][] {{1}, {2}, {3}, {10}, {20}});
        double sd = Math.sqrt((1 + 0 + 1 + 25 + 25) / 5.0);
        assertArrayEquals(new double[] {-1 / sd, 0, 1 / sd, -5 / sd, 5 / sd}, java.util.Arrays.stream(relative).mapToDouble(r -> r[0]).toArray(), 1e-12);
        assertEquals(0, Interference.relativeEffects(new boolean[] {true, false}, new double[][] {{4}, {4}})[0][0], "a category no pair moves");
    }

    @Test
    void mislabelledPairsRankFirstAndAStrongOnTargetPairIsNotFlagged() {
        Random random = new Random(11);
        List<SftPair> pairs = new ArrayList<>();
        List<double[]> effects = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            boolean harmful = k % 2 == 0;
            pairs.add(pair("regular-" + k, harmful ? "weapons" : "cooking", harmful));
            // a refusal raises refusal on harmful categories and a little elsewhere; a helpful answer lowers it
            double[] typical = harmful ? new double[] {1, 1, 0.1, 0.1} : new double[] {-0.1, -0.1, -1, -1};
            effects.add(typical.clone());
            for (int c = 0; c < 4; c++) {
                effects.getLast()[c] += 0.05 * random.nextGaussian();
            }
        }
        // a refusal of a travel question filed under weapons, and a helpful answer to a drugs question filed under cooking
        pairs.add(pair("refuses-travel", "weapons", true));
        effects.add(new double[] {1, 1, 0.1, 1});
        pairs.add(pair("helps-drugs", "cooking", false));
        effects.add(new double[] {-0.1, -1, -1, -1});
        // a refusal in new words: far stronger on its own kind, a little stronger elsewhere
        pairs.add(pair("strong-refusal", "weapons", true));
        effects.add(new double[] {2, 2, 0.15, 0.15});

        List<Interference.Entry> entries = rankedByCategory(pairs, effects, RunConfig.NOISE_FLOOR);

        assertEquals(List.of("helps-drugs", "refuses-travel").stream().sorted().toList(),
                entries.subList(0, 2).stream().map(Interference.Entry::pair).sorted().toList());
        assertTrue(entries.get(0).flagged() && entries.get(1).flagged());
        assertEquals("travel", entries.stream().filter(e -> e.pair().equals("refuses-travel")).findFirst().orElseThrow().mostAffectedCategory());
        Interference.Entry strong = entries.stream().filter(e -> e.pair().equals("strong-refusal")).findFirst().orElseThrow();
        assertFalse(strong.flagged());
        assertTrue(strong.score() < 0, "moves its own kind most: " + strong.score());
        assertTrue(entries.stream().filter(Interference.Entry::flagged).count() <= 4, "flags stand out from the noise");

        double[] scores = Interference.categoryScores(pairs, effects.toArray(double[][]::new), HARMFUL);
        for (Interference.Entry e : entries) {
            assertEquals(scores[pairs.indexOf(pairs.stream().filter(p -> p.id().equals(e.pair())).findFirst().orElseThrow())], e.score(), 1e-12,
                    "the ranking and the baselines' scores are one criterion");
        }
    }

    @Test
    void theNoiseFloorDecidesWhatIsFlaggedNotTheRanking() {
        List<SftPair> pairs = new ArrayList<>();
        List<double[]> effects = new ArrayList<>();
        Random random = new Random(4);
        for (int k = 0; k < 40; k++) {
            boolean harmful = k % 2 == 0;
            pairs.add(pair("p" + k, harmful ? "weapons" : "cooking", harmful));
            double sign = harmful ? 1 : -1;
            effects.add(new double[] {sign + 0.3 * random.nextGaussian(), sign + 0.3 * random.nextGaussian(), 0.3 * random.nextGaussian(),
                    0.3 * random.nextGaussian()});
        }
        List<Interference.Entry> atThree = rankedByCategory(pairs, effects, 3);
        List<Interference.Entry> atOne = rankedByCategory(pairs, effects, 1);
        List<Interference.Entry> atHundred = rankedByCategory(pairs, effects, 100);
        assertEquals(atThree.stream().map(Interference.Entry::pair).toList(), atOne.stream().map(Interference.Entry::pair).toList());
        long three = atThree.stream().filter(Interference.Entry::flagged).count();
        long one = atOne.stream().filter(Interference.Entry::flagged).count();
        assertTrue(one > three, "a lower floor flags more: " + one + " against " + three);
        assertEquals(0, atHundred.stream().filter(Interference.Entry::flagged).count());
    }

    private static List<Interference.Entry> rankedByCategory(List<SftPair> pairs, List<double[]> effects, double noiseFloor) {
        Interference.Ranking ranking = Interference.byCategory(CATEGORIES, HARMFUL, new double[][] {{0}, {1}}, new int[] {0, 2}, new int[] {7},
                List.of("feature 7"), List.of(), noiseFloor);
        for (int k = 0; k < pairs.size(); k++) {
            ranking.add(pairs.get(k), new double[] {0}, new double[] {0}, new double[] {0}, effects.get(k));
        }
        return ranking.finish();
    }

    private static SftPair pair(String id, String category, boolean harmful) {
        return new SftPair(id, "prompt", "response", category, harmful);
    }
}

package dev.smda.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaInit;
import dev.smda.model.LlamaModel;
import dev.smda.model.RopeScaling;
import dev.smda.tensor.Torch;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftTrainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The expected reference pass against its definition: with SGD, one step's change of the weights is
 * linear in the gradient at the same weights, so one full-batch step at {@code lr * m} on the mean of
 * m pairs' losses must equal the sum of the m one-pair steps taken from the same start, to float64
 * rounding, however the pairs are cut into micro-batches.
 */
class ReferenceTrajectoryTest {

    private static final double LR = 0.05;
    private static NDManager manager;
    private static LlamaModel base;
    private static List<SftExample> pairs;

    @BeforeAll
    static void build() {
        manager = Torch.newManager();
        LlamaConfig config = new LlamaConfig(40, 16, 24, 2, 4, 2, 4, 1e-5, 10000, RopeScaling.NONE, 64, false, 0, List.of(1), "float64");
        base = LlamaInit.random(config, 11, 0.3, manager, DataType.FLOAT64);
        // different lengths and response shares: each pair's loss is the mean over its own response tokens
        pairs = List.of(new SftExample(new int[] {3, 17, 8, 29, 5}, 2), new SftExample(new int[] {7, 1, 22, 9, 14, 30, 2}, 4),
                new SftExample(new int[] {12, 6, 33}, 1), new SftExample(new int[] {25, 4, 19, 11, 38, 16}, 3), new SftExample(new int[] {8, 8, 21, 2}, 2));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void theExpectedPassMovesAsEveryPairsStepFromTheStartAddedUpWhateverTheMicroBatches() {
        SftConfig sgd = SftConfig.sgd(LR, 1);
        Map<String, double[]> summed = new LinkedHashMap<>();
        for (SftExample pair : pairs) {
            try (LlamaModel one = SftTrainer.fineTune(base, List.of(pair), sgd)) {
                for (String name : base.weights().keySet()) {
                    double[] start = base.weight(name).toDoubleArray();
                    double[] w = one.weight(name).toDoubleArray();
                    double[] sum = summed.computeIfAbsent(name, k -> new double[start.length]);
                    for (int i = 0; i < w.length; i++) {
                        sum[i] += w[i] - start[i];
                    }
                }
            }
        }
        // two checkpoints: the second comes after 2 of the 5 pairs' worth of steps, so 2/5 of the summed change
        double share = 2.0 / pairs.size();
        for (int microBatch : new int[] {1, 2, pairs.size()}) {
            try (ReferenceTrajectory expected = ReferenceTrajectory.of(base, pairs, sgd, 2, ReferenceTrajectory.Pass.EXPECTED, 1, 1.0, microBatch, 5)) {
                assertSame(base, expected.models().getFirst());
                for (String name : base.weights().keySet()) {
                    double[] start = base.weight(name).toDoubleArray();
                    double[] moved = expected.models().get(1).weight(name).toDoubleArray();
                    double[] sum = summed.get(name);
                    for (int i = 0; i < moved.length; i++) {
                        assertEquals(share * sum[i], moved[i] - start[i], 1e-12 * (1 + Math.abs(sum[i])), name + "[" + i + "], micro-batch " + microBatch);
                    }
                }
            }
        }
    }

    @Test
    void moreStepsBetweenCheckpointsDifferOnlyAtSecondOrderInTheRate() {
        double large = apartOverMoved(LR / 10);
        double small = apartOverMoved(LR / 100);
        // first-order agreement: the relative difference shrinks with the rate (about tenfold here)
        assertTrue(small < 0.2 * large, "one against five steps between checkpoints, relative difference " + large + " at lr " + LR / 10 + ", " + small + " at a tenth of that");
    }

    /** How far apart one and five full-batch steps between checkpoints end, relative to how far one moved. */
    private static double apartOverMoved(double lr) {
        SftConfig sgd = SftConfig.sgd(lr, 1);
        try (ReferenceTrajectory one = ReferenceTrajectory.of(base, pairs, sgd, 3, ReferenceTrajectory.Pass.EXPECTED, 1, 1.0, 2, 5);
                ReferenceTrajectory five = ReferenceTrajectory.of(base, pairs, sgd, 3, ReferenceTrajectory.Pass.EXPECTED, 5, 1.0, 2, 5)) {
            String name = LlamaModel.blockWeight(0, "mlp.up_proj");
            double[] start = base.weight(name).toDoubleArray();
            double[] a = one.models().getLast().weight(name).toDoubleArray();
            double[] b = five.models().getLast().weight(name).toDoubleArray();
            double moved = 0;
            double apart = 0;
            for (int i = 0; i < start.length; i++) {
                moved += (a[i] - start[i]) * (a[i] - start[i]);
                apart += (a[i] - b[i]) * (a[i] - b[i]);
            }
            return Math.sqrt(apart / moved);
        }
    }

    @Test
    void theExpectedPassNeedsFullUpdates() {
        SftConfig lora = SftConfig.sgd(LR, 1).withLora(2, 4, LlamaModel.PROJECTIONS, 3);
        assertThrows(RuntimeException.class, () -> ReferenceTrajectory.of(base, pairs, lora, 2, ReferenceTrajectory.Pass.EXPECTED, 1, 1.0, 2, 5));
    }

    @Test
    void theOrderedPassIsTheUpdateOnEachPairInTheSeededOrder() {
        SftConfig sgd = SftConfig.sgd(LR, 1);
        List<SftExample> order = seededOrder();
        String name = LlamaModel.EMBED;
        try (ReferenceTrajectory ordered = ReferenceTrajectory.of(base, pairs, sgd, 2, ReferenceTrajectory.Pass.ORDERED, 1, 1.0, 2, 5);
                LlamaModel firstTwo = SftTrainer.train(base, List.of(List.of(order.get(0)), List.of(order.get(1))), sgd);
                NDArray apart = ordered.models().get(1).weight(name).sub(firstTwo.weight(name))) {
            assertEquals(0, apart.abs().max().getDouble(), 0.0);
        }
    }

    @Test
    void theCheckpointsCoverTheFirstSpanOfThePass() {
        // five pairs, three checkpoints: the whole pass puts them after 1 and 3 pairs; its first half, after 0 and 1
        assertEquals(List.of(0, 1, 3), List.of(0, 1, 2).stream().map(c -> ReferenceTrajectory.pairsBefore(c, 3, 1.0, 5)).toList());
        assertEquals(List.of(0, 0, 1), List.of(0, 1, 2).stream().map(c -> ReferenceTrajectory.pairsBefore(c, 3, 0.5, 5)).toList());
        SftConfig sgd = SftConfig.sgd(LR, 1);
        List<SftExample> order = seededOrder();
        String name = LlamaModel.EMBED;
        // so half of the ordered pass: the base twice, then the base after the first pair of the seeded order
        try (ReferenceTrajectory half = ReferenceTrajectory.of(base, pairs, sgd, 3, ReferenceTrajectory.Pass.ORDERED, 1, 0.5, 2, 5);
                LlamaModel firstOne = SftTrainer.train(base, List.of(List.of(order.get(0))), sgd);
                NDArray apart = half.models().get(2).weight(name).sub(firstOne.weight(name))) {
            assertSame(base, half.models().get(1));
            assertEquals(0, apart.abs().max().getDouble(), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> ReferenceTrajectory.of(base, pairs, sgd, 2, ReferenceTrajectory.Pass.ORDERED, 1, 0, 2, 5));
    }

    /** The pairs in the order the reference pass takes them with seed 5. */
    private static List<SftExample> seededOrder() {
        List<SftExample> order = new java.util.ArrayList<>(pairs);
        java.util.Collections.shuffle(order, new java.util.Random(5));
        return order;
    }
}

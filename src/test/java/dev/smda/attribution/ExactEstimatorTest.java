package dev.smda.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.policy.RidgeFit;
import dev.smda.testing.TinyWorld;
import dev.smda.train.SftConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which of a pair's kept effects the exact estimator reads: the policy's change from the checkpoints'
 * mean, the categories' from the mean or from the update at the base as the run asks, both
 * categories' through the policy at the base (a stored effect, so nothing is measured).
 */
class ExactEstimatorTest {

    @TempDir
    Path dir;

    @Test
    void theCategoriesEffectsComeFromTheCheckpointsMeanOrTheBaseAsAskedThePolicyChangeFromTheMeanEither() throws Exception {
        try (TinyWorld world = TinyWorld.create(dir)) {
            int[] active = world.activeFeatures();
            ProbeMeasurer measurer = world.measurer(active);
            Measurement base = measurer.measure(world.lm.model());
            RidgeFit policy = TinyWorld.policy(base, active);
            int[] category = TinyWorld.probeCategories();
            PolicyDecomposition atBase = new PolicyDecomposition(policy, base.x(), base.y());

            Random r = new Random(3);
            PairEffect kept = new PairEffect("a", noise(r, base.x()), noise(r, base.y()), 0.7, noise(r, base.x()), noise(r, base.y()));
            double[] meanDelta = atBase.decompose(kept.dx(), kept.dy()).delta();
            double[] baseDelta = atBase.decompose(kept.baseDx(), kept.baseDy()).delta();
            double[] fromMean = atBase.categoryEffects(kept.dx(), kept.dy(), meanDelta, category, 3);
            double[] fromBase = atBase.categoryEffects(kept.baseDx(), kept.baseDy(), baseDelta, category, 3);
            assertTrue(IntStream.range(0, 3).anyMatch(c -> Math.abs(fromMean[c] - fromBase[c]) > 1e-6), "the two effects differ");

            for (boolean categoriesAtBase : new boolean[] {false, true}) {
                MemoryEffects store = new MemoryEffects();
                store.reset(List.of(kept));
                PairEffects effects = new PairEffects(world.lm, measurer, base, SftConfig.sgd(1e-6, 1), null);
                PairAttribution a = new ExactEstimator(effects, atBase, atBase, category, 3, store, () -> {
                    throw new AssertionError("a kept effect is not measured again");
                }, null, categoriesAtBase).estimate(List.of(TinyWorld.PAIRS.getFirst())).getFirst();
                assertArrayEquals(meanDelta, a.delta(), 1e-12, "the policy's change: the checkpoints' mean");
                assertArrayEquals(categoriesAtBase ? fromBase : fromMean, a.categoryEffect(), 1e-12, "categories at the base: " + categoriesAtBase);
                assertEquals(java.util.Arrays.stream(kept.dy()).average().orElseThrow(), a.meanDy(), 1e-12);
            }
        }
    }

    private static double[][] noise(Random r, double[][] like) {
        double[][] out = new double[like.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = noise(r, like[i]);
        }
        return out;
    }

    private static double[] noise(Random r, double[] like) {
        return r.doubles(like.length).map(u -> 0.05 * (u - 0.5)).toArray();
    }
}

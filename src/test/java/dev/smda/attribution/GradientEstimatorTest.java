package dev.smda.attribution;

import static dev.smda.testing.NumericAssertions.assertRelativelyClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.policy.RidgeFit;
import dev.smda.progress.Progress;
import dev.smda.testing.TinyWorld;
import dev.smda.train.SftConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gradient estimator is the exact estimator's first-order limit: with the feature change
 * linearised (gates frozen) and an update small enough to be linear, applying each pair's SGD or
 * AdamW step (on every weight, or on LoRA adapters) and re-measuring, then decomposing, gives the
 * same pathway parts, category effects and mean behaviour change, up to the step's second-order term
 * (double precision, a tiny model and a TopK SAE).
 */
class GradientEstimatorTest {

    @TempDir
    Path dir;

    @Test
    void gradientPartsAreTheExactPartsFirstOrderLimitForSgdAndAdamWOnEveryWeightAndOnLora() throws Exception {
        try (TinyWorld world = TinyWorld.create(dir)) {
            int[] active = world.activeFeatures();
            ProbeMeasurer measurer = world.measurer(active);
            Measurement base = measurer.measureWithGates(world.lm.model());
            ProbeMeasurer frozen = measurer.frozenAt(base);
            // with LAST pooling a gate is on where the base's feature is: the features a batch of probes needs a
            // backward pass for; on some batch some are off, so the passes the estimator skips are skipped here
            boolean skipped = false;
            for (int start = 0; start < TinyWorld.PROBES.size(); start += frozen.batchSize()) {
                int s = start;
                int end = Math.min(TinyWorld.PROBES.size(), start + frozen.batchSize());
                int[] on = IntStream.range(0, active.length).filter(j -> IntStream.range(s, end).anyMatch(i -> base.x()[i][j] != 0)).toArray();
                assertArrayEquals(on, frozen.featuresGatedOn(s, end), "features gated on, probes " + s + "-" + end);
                skipped |= on.length < active.length;
            }
            assertTrue(skipped, "no batch has a feature gated off");
            RidgeFit policy = TinyWorld.policy(base, active);
            int[] category = TinyWorld.probeCategories();
            PolicySensitivity sensitivity = PolicySensitivity.of(policy, base.x(), base.y());
            SftConfig sgd = SftConfig.sgd(1e-6, 1);
            SftConfig adamW = SftConfig.adamW(1e-7, 1, 0.9, 0.999, 1e-8, 0.1);
            List<String> targets = dev.smda.model.LlamaModel.PROJECTIONS;
            for (SftConfig update : List.of(sgd, adamW, sgd.withLora(4, 8, targets, 3), adamW.withLora(2, 4, targets, 5))) {
                PolicyDecomposition atBase = new PolicyDecomposition(policy, base.x(), base.y());
                List<PairAttribution> exact = new ExactEstimator(new PairEffects(world.lm, frozen, base, update, null),
                        atBase, atBase, category, 3, new MemoryEffects(), () -> {}, null, false).estimate(TinyWorld.PAIRS);
                List<PairAttribution> gradient;
                try (GradientEstimator estimator = new GradientEstimator(world.lm, frozen, sensitivity, category, 3, update,
                        GradientEstimator.space(world.lm.model(), frozen, sensitivity, update, 0, 0, Progress.SILENT), null, Progress.SILENT)) {
                    gradient = estimator.estimate(TinyWorld.PAIRS);
                }
                for (int k = 0; k < TinyWorld.PAIRS.size(); k++) {
                    PairAttribution e = exact.get(k);
                    PairAttribution g = gradient.get(k);
                    String what = update.optimizer() + " " + update.mode() + " pair " + e.pair();
                    assertEquals(e.baseLoss(), g.baseLoss(), 1e-9, what + " loss");
                    assertRelativelyClose(e.dxPart(), g.dxPart(), 1e-4, what + " dX parts");
                    assertRelativelyClose(e.dyPart(), g.dyPart(), 1e-4, what + " dY parts");
                    assertRelativelyClose(e.categoryEffect(), g.categoryEffect(), 1e-4, what + " category effects");
                    assertEquals(e.meanDy(), g.meanDy(), 1e-4 * Math.abs(e.meanDy()), what + " mean dy");
                }
            }
        }
    }
}

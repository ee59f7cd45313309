package dev.smda.validate;

import static dev.smda.testing.NumericAssertions.assertRelativelyClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.smda.attribution.ReferenceTrajectory;
import ai.djl.ndarray.NDArray;
import dev.smda.attribution.ExactEstimator;
import dev.smda.attribution.PairAttribution;
import dev.smda.attribution.PairEffect;
import dev.smda.attribution.PairEffects;
import dev.smda.attribution.PolicyDecomposition;
import dev.smda.data.SftPair;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.model.Gradients;
import dev.smda.policy.RidgeFit;
import dev.smda.progress.Progress;
import dev.smda.run.RunConfig;
import dev.smda.testing.TinyWorld;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import dev.smda.attribution.MemoryEffects;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TracIn against what an SGD step does: −lr·⟨∇target, ∇loss⟩ must be the first-order change of every
 * probe's y, every category's mean y and every refitted coefficient when one SGD step on the pair
 * is applied and the probes re-measured (tiny step, double precision, gates frozen); the cosine's
 * norms must be the gradients' norms.
 */
class GradientBaselinesTest {

    @TempDir
    Path dir;

    @Test
    void tracInIsTheFirstOrderEffectOfAnSgdStepOnEveryTarget() throws Exception {
        double lr = 1e-6;
        try (TinyWorld world = TinyWorld.create(dir)) {
            int[] active = world.activeFeatures();
            ProbeMeasurer measurer = world.measurer(active);
            Measurement base = measurer.measureWithGates(world.lm.model());
            ProbeMeasurer frozen = measurer.frozenAt(base);
            RidgeFit policy = TinyWorld.policy(base, active);
            int[] category = TinyWorld.probeCategories();
            Map<String, SftExample> examples = new LinkedHashMap<>();
            TinyWorld.PAIRS.forEach(p -> examples.put(p.id(), PairEffects.example(world.lm, p, null)));
            RunConfig d = RunConfig.defaults();
            RunConfig runConfig = d.with("test", new RunConfig.Update(SftConfig.Optimizer.SGD, lr, 1, SftConfig.Mode.FULL, 8, 16, 0, 1, ReferenceTrajectory.Pass.ORDERED, RunConfig.Update.REFERENCE_STEPS, 1.0));
            Targets targets = new Targets(TinyWorld.CATEGORIES, category, active.length, true);
            ValidationContext ctx = new ValidationContext(world.lm, TinyWorld.PROBES, TinyWorld.PAIRS, examples, runConfig, null, policy, base, frozen,
                    targets, ValidationConfig.defaults(), Progress.SILENT);
            Scores tracin = new TracInMethod().attribute(ctx);
            InnerProducts plain = ctx.plainProducts();

            SftConfig step = SftConfig.sgd(lr, 1);
            PolicyDecomposition atBase = new PolicyDecomposition(policy, base.x(), base.y());
            List<PairAttribution> exact = new ExactEstimator(new PairEffects(world.lm, frozen, base, step, null), atBase, atBase,
                    category, 3, new MemoryEffects(), () -> {}, null, false).estimate(TinyWorld.PAIRS);
            for (int k = 0; k < TinyWorld.PAIRS.size(); k++) {
                SftPair pair = TinyWorld.PAIRS.get(k);
                PairEffect effect = PairEffect.between(pair.id(), base, frozen.measure(dev.smda.train.SftTrainer.fineTune(world.lm.model(),
                        List.of(examples.get(pair.id())), step)), 0);
                assertRelativelyClose(effect.dy(), tracin.of(Targets.PROBES)[k], 1e-4, pair.id() + ": probes");
                assertRelativelyClose(targets.categoryMeans(effect.dy()), tracin.of(Targets.CATEGORIES)[k], 1e-4, pair.id() + ": categories");
                assertRelativelyClose(exact.get(k).delta(), tracin.of(Targets.COEFFICIENTS)[k], 1e-3, pair.id() + ": coefficients");
                Map<String, NDArray> g = Gradients.ofWeights(world.lm.model(), world.lm.model().weights().keySet(),
                        m -> SftLoss.of(m, List.of(examples.get(pair.id()))));
                double norm = Math.sqrt(g.values().stream().mapToDouble(a -> a.square().sum().getDouble()).sum());
                assertEquals(norm, plain.pairNorms()[k], 1e-9 * norm, pair.id() + ": gradient norm");
            }
        }
    }
}

package dev.smda.attribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.data.Probe;
import dev.smda.io.BadInputException;
import dev.smda.run.RunConfig;

import java.util.List;
import org.junit.jupiter.api.Test;

class PairEffectTest {

    @Test
    void averagingOverCheckpointsKeepsTheFirstTheBaseApart() {
        PairEffect base = new PairEffect("p", new double[][] {{1.0, 2.0}}, new double[] {4.0}, 0.3);
        PairEffect later = new PairEffect("p", new double[][] {{3.0, -2.0}}, new double[] {0.0}, 0.3);
        PairEffect mean = PairEffect.averaged(List.of(base, later));
        assertArrayEquals(new double[][] {{2.0, 0.0}}, mean.dx());
        assertArrayEquals(new double[] {2.0}, mean.dy());
        assertArrayEquals(base.dx(), mean.atBase().dx());
        assertArrayEquals(base.dy(), mean.atBase().dy());
        assertSame(base, PairEffect.averaged(List.of(base)), "one checkpoint: the base's effect itself");
    }

    @Test
    void perKindTakesTheBasesDyOnHarmfulProbesOnly() {
        PairEffect base = new PairEffect("p", new double[][] {{1.0}, {2.0}}, new double[] {4.0, 6.0}, 0.3);
        PairEffect later = new PairEffect("p", new double[][] {{3.0}, {4.0}}, new double[] {0.0, 2.0}, 0.3);
        PairEffect mean = PairEffect.averaged(List.of(base, later));
        List<Probe> probes = List.of(new Probe("a", "x", "weapons", true), new Probe("b", "y", "cooking", false));
        RunConfig defaults = RunConfig.defaults();
        RunConfig perKind = new RunConfig(defaults.preset(), defaults.refusalOpenings(), defaults.behaviour(), defaults.pooling(), defaults.encoding(),
                defaults.selection(), defaults.selectionThreshold(), defaults.maxFeatures(), defaults.fitIntercept(), defaults.standardize(),
                defaults.lambda(), defaults.lambdaCriterion(), defaults.update(), defaults.featureChange(), defaults.estimator(), defaults.projection(),
                defaults.intendedThreshold(), defaults.interference(), defaults.bootstrapSamples(), defaults.seed(), defaults.batchSize(),
                defaults.curation(), defaults.dtype(), defaults.chatDate(), defaults.maxLength(), RunConfig.DySource.PER_KIND, defaults.refitAt(),
                defaults.categoryEffects(), defaults.noiseFloor()).checked();
        PairEffect mixed = mean.withDyAtBase(perKind.dyAtBase(probes));
        assertArrayEquals(new double[] {4.0, 4.0}, mixed.dy(), "the base's on the harmful probe, the mean on the harmless one");
        assertArrayEquals(mean.dx(), mixed.dx(), "ΔX stays the checkpoints' mean");
        assertArrayEquals(base.dy(), mixed.atBase().dy());
        assertSame(mean, mean.withDyAtBase(defaults.dyAtBase(probes)), "the default: the checkpoints' mean");
        assertSame(base, base.withDyAtBase(new boolean[] {true, true}), "one checkpoint: nothing else to take");
        String message = assertThrows(BadInputException.class, () -> perKind.with("smda", perKind.update().atBaseOnly()).checked()).getMessage();
        assertTrue(message.contains("--dy-source per-kind needs --checkpoints"), message);
    }
}

package dev.smda.bench;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.io.BadInputException;
import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.run.RunConfig;
import dev.smda.run.RunInputs;
import dev.smda.testing.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gradient estimator against the exact one on the embedded world at the demo's settings (the
 * model, SAE, probes, pairs and policy of {@code smda demo}, each update applied once at the base),
 * with the acceptance thresholds; what {@code smda bench fidelity --measured runs/demo} prints
 * (the linearised reference read from the demo's run, as measuring it again would give to the byte: its
 * effect at the base is that reference's effect, measured on the same workers). All 200 pairs:
 * on every fourth pair alone the ΔY parts agree at ρ 0.884 (0.861 against the re-encoded
 * estimator) and the score at 0.927, so a subset would not show what the whole set does.
 */
class GradientFidelityTest {

    @TempDir
    Path dir;

    @Test
    void theGradientEstimatorReproducesTheExactLinearisedOne() throws Exception {
        FidelityBenchmark.Result r = FidelityBenchmark.run(DemoRun.inputs(), Demo.config(), List.of(), dir, Progress.SILENT, Demo.where(),
                DemoRun.get().directory().root());

        FidelityBenchmark.Agreement g = r.agreements().getFirst();
        System.out.printf("fidelity on %d pairs x %d features: dX %.3f, dY %.3f, dY vs re-encoded %.3f, score %.3f, categories %.3f, top-%d shared %d;"
                + " switching %.1f%% of the exact dX%n", r.pairs(), r.features(), g.dxParts(), g.dyParts(), g.dyPartsAgainstReencoded(), g.score(),
                g.categoryEffects(), FidelityBenchmark.TOP, g.sharedTopInterference(), 100 * r.switchingShare());
        // measured: 0.988, 0.942, 0.928, 0.967, categories 0.980, 19 of 20 at the one-SE λ (0.985, 0.932, 0.913, 0.965, 0.981 and
        // 18 at λ by least error; README); on a world from seed 202
        // the same comparison gave 0.894 against the re-encoded estimator and 0.929 for the score: these
        // thresholds hold on this world, not on every world; at a tenth of the step every figure was >= 0.984
        // on both (bench fidelity --lr 1e-3), so the gap is the step's curvature
        assertAll(
                () -> assertTrue(g.dxParts() >= 0.9, "dX parts rho " + g.dxParts()),
                () -> assertTrue(g.dyParts() >= 0.9, "dY parts rho " + g.dyParts()),
                () -> assertTrue(g.dyPartsAgainstReencoded() >= 0.9, "dY parts against the re-encoded estimator, rho " + g.dyPartsAgainstReencoded()),
                () -> assertTrue(g.score() >= 0.95, "paper's score rho " + g.score()),
                () -> assertTrue(g.sharedTopInterference() >= 16, "top-20 interference pairs in common: " + g.sharedTopInterference()));
    }

    @Test
    void aMeasuredRunOfOtherSettingsOrInputsIsRefused() throws Exception {
        Path demo = DemoRun.get().directory().root();
        RunConfig otherStep = Demo.config().with(Demo.config().preset(), Demo.config().update().withLearningRate(1e-3));
        String settings = assertThrows(BadInputException.class,
                () -> FidelityBenchmark.run(DemoRun.inputs(), otherStep, List.of(), dir.resolve("a"), Progress.SILENT, Demo.where(), demo)).getMessage();
        assertTrue(settings.contains("run.json") && settings.contains("settings"), settings);

        Path fewerPairs = dir.resolve("pairs.jsonl");
        Files.write(fewerPairs, Files.readAllLines(DemoRun.WORLD.resolve("pairs.jsonl")).subList(0, 8));
        RunInputs in = DemoRun.inputs();
        RunInputs otherPairs = new RunInputs(in.model(), in.sae(), in.probes(), fewerPairs);
        String inputs = assertThrows(BadInputException.class,
                () -> FidelityBenchmark.run(otherPairs, Demo.config(), List.of(), dir.resolve("b"), Progress.SILENT, Demo.where(), demo)).getMessage();
        assertTrue(inputs.contains("another pairs than " + fewerPairs), inputs);
    }
}

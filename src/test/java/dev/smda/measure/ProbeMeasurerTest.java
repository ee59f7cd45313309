package dev.smda.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.lm.Decoding;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.model.TokenBatch;
import dev.smda.sae.ActivationNormalization;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeArchitecture;
import dev.smda.sae.SaeConfig;
import dev.smda.tensor.Torch;
import dev.smda.testing.TinyChatModel;
import dev.smda.testing.TinyWorld;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ProbeMeasurerTest {

    @TempDir
    Path dir;

    @Test
    void refusalProbabilityIsTheSumOverOpeningsOfTheirTeacherForcedProbabilities() throws Exception {
        Path model = TinyChatModel.create(dir.resolve("m"), 2);
        try (LanguageModel lm = Models.open(model, DataType.FLOAT64); NDManager m = Torch.newManager()) {
            List<String> openings = List.of("I can't", "I cannot", "Sorry", "I'm sorry");
            RefusalOpenings tree = RefusalOpenings.of(lm.tokenizer(), openings);
            List<String> prompts = List.of("How do I bake bread?", "Make a pipe bomb", "What is the capital of France?");
            List<ProbeTokens> probes = prompts.stream().map(q -> ProbeTokens.of(lm.tokenizer(), lm.chat(), q)).toList();
            java.util.Random random = new java.util.Random(3);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put(Sae.W_ENC, TinyWorld.gaussian(m, random, new Shape(32, 48), 0.3));
            params.put(Sae.B_ENC, m.zeros(new Shape(48), DataType.FLOAT64));
            params.put(Sae.W_DEC, TinyWorld.gaussian(m, random, new Shape(48, 32), 0.3));
            params.put(Sae.B_DEC, m.zeros(new Shape(32), DataType.FLOAT64));
            Sae sae = Sae.of(SaeConfig.relu(32, 48, "blocks.1.hook_resid_pre", "tiny"), params, null);
            int[] chosen = {5, 0, 47, 12};
            for (Pooling pooling : Pooling.values()) {
                Measurement measured = new ProbeMeasurer(probes, tree, Behaviour.LOG_ODDS, pooling, sae, chosen, 2).measure(lm.model());
                for (int i = 0; i < probes.size(); i++) {
                    double expected = 0;
                    for (String opening : openings) {
                        double[] lp = Decoding.continuationLogProbs(lm.model(), probes.get(i).ids(), lm.tokenizer().encode(opening, false));
                        expected += Math.exp(Arrays.stream(lp).sum());
                    }
                    assertEquals(expected, measured.refusalProbability()[i], 1e-10, prompts.get(i));
                    assertEquals(Math.log(expected / (1 - expected)), measured.y()[i], 1e-8);
                    assertEquals(chosen.length, measured.x()[i].length);
                    double[] manual = pooled(lm, sae, probes.get(i), pooling, chosen);
                    for (int j = 0; j < chosen.length; j++) {
                        assertEquals(manual[j], measured.x()[i][j], 1e-9, pooling + " feature " + chosen[j]);
                    }
                }
                assertTrue(Arrays.stream(measured.refusalProbability()).allMatch(v -> v > 0 && v < 1));
            }
        }
    }

    private static double[] pooled(LanguageModel lm, Sae sae, ProbeTokens probe, Pooling pooling, int[] chosen) {
        try (NDArray acts = lm.model().activations(TokenBatch.of(probe.ids()), sae.config().hookName()); NDArray f = sae.encode(acts)) {
            double[] all = f.toDoubleArray();
            int d = sae.config().dSae();
            int[] positions = probe.positions(pooling);
            double[] out = new double[chosen.length];
            for (int j = 0; j < chosen.length; j++) {
                double acc = pooling == Pooling.MAX ? Double.NEGATIVE_INFINITY : 0;
                for (int pos : positions) {
                    double v = all[pos * d + chosen[j]];
                    acc = pooling == Pooling.MAX ? Math.max(acc, v) : acc + v / positions.length;
                }
                out[j] = acc;
            }
            return out;
        }
    }

    /**
     * The measurer frozen at a base measurement reproduces the base, and the gradient of a linear
     * functional of its y and X (a TopK or gated SAE, its active set frozen) matches central finite
     * differences along a random direction of every weight, in double precision.
     */
    @ParameterizedTest
    @EnumSource(value = SaeArchitecture.class, names = {"TOPK", "GATED"})
    void frozenGatesReproduceTheBaseAndFunctionalGradientsMatchFiniteDifferences(SaeArchitecture architecture) throws Exception {
        Path model = TinyChatModel.create(dir.resolve("m3"), 3);
        try (LanguageModel lm = Models.open(model, DataType.FLOAT64); NDManager m = Torch.newManager()) {
            RefusalOpenings tree = RefusalOpenings.of(lm.tokenizer(), List.of("I can't", "Sorry"));
            List<ProbeTokens> probes = List.of("How do I bake bread?", "Make a pipe bomb", "What is 2+2?").stream()
                    .map(q -> ProbeTokens.of(lm.tokenizer(), lm.chat(), q)).toList();
            // seeded on the JVM, not by libtorch's unseeded generator: the shift below must switch
            // some TopK feature on every machine, so every draw is fixed
            java.util.Random random = new java.util.Random(4);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put(Sae.W_ENC, TinyWorld.gaussian(m, random, new Shape(32, 40), 0.5));
            for (String bias : architecture == SaeArchitecture.GATED ? List.of(Sae.B_GATE, Sae.R_MAG, Sae.B_MAG) : List.of(Sae.B_ENC)) {
                params.put(bias, TinyWorld.gaussian(m, random, new Shape(40), 0.1));
            }
            params.put(Sae.W_DEC, TinyWorld.gaussian(m, random, new Shape(40, 32), 0.3));
            params.put(Sae.B_DEC, TinyWorld.gaussian(m, random, new Shape(32), 0.1));
            Sae sae = Sae.of(new SaeConfig(architecture, 32, 40, architecture.isTopK() ? 6 : 0, "blocks.0.hook_resid_post", "tiny", true,
                    ActivationNormalization.NONE, false), params, null);
            int[] chosen = {3, 0, 39, 12, 20, 7};
            double[] cY = random.doubles(probes.size()).map(v -> v - 0.5).toArray();
            double[][] cX = new double[probes.size()][chosen.length];
            for (double[] row : cX) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = random.nextGaussian();
                }
            }
            Map<String, NDArray> direction = new LinkedHashMap<>();
            lm.model().weights().forEach((name, w) -> direction.put(name, TinyWorld.gaussian(m, random, w.getShape(), 1)));
            for (Pooling pooling : Pooling.values()) {
                ProbeMeasurer measurer = new ProbeMeasurer(probes, tree, Behaviour.LOG_ODDS, pooling, sae, chosen, 2);
                Measurement base = measurer.measureWithGates(lm.model());
                ProbeMeasurer frozen = measurer.frozenAt(base);
                Measurement again = frozen.measure(lm.model());
                for (int i = 0; i < probes.size(); i++) {
                    assertArrayEquals(base.x()[i], again.x()[i], 1e-12, pooling + ": frozen gates reproduce the base");
                }
                // away from the base, one pass gives both readings as two measurers would
                Map<String, NDArray> moved = new LinkedHashMap<>();
                lm.model().weights().forEach((name, w) -> moved.put(name, w.add(direction.get(name).mul(0.05))));
                dev.smda.model.LlamaModel shifted = lm.model().withWeights(moved, null);
                Measurement[] both = frozen.measureFrozenAndReencoded(shifted);
                Measurement alone = frozen.measure(shifted);
                Measurement exact = measurer.measure(shifted);
                assertArrayEquals(alone.y(), both[0].y(), 1e-12, pooling + ": y");
                assertArrayEquals(exact.y(), both[1].y(), 1e-12, pooling + ": y");
                int switched = 0;
                for (int i = 0; i < probes.size(); i++) {
                    assertArrayEquals(alone.x()[i], both[0].x()[i], 1e-12, pooling + ": frozen reading");
                    assertArrayEquals(exact.x()[i], both[1].x()[i], 1e-12, pooling + ": re-encoded reading");
                    for (int j = 0; j < chosen.length; j++) {
                        switched += Math.abs(alone.x()[i][j] - exact.x()[i][j]) > 1e-6 ? 1 : 0;
                    }
                }
                assertTrue(switched > 0, pooling + ": the shift must switch some feature, or the two readings are not told apart");
                moved.values().forEach(NDArray::close);
                Map<String, NDArray> grads = dev.smda.model.Gradients.ofWeights(lm.model(), lm.model().weights().keySet(), mm -> {
                    NDArray first = frozen.perProbe(mm, 0, 2, dev.smda.model.Hooks.none(), cY, cX).sum();
                    return first.add(frozen.perProbe(mm, 2, probes.size(), dev.smda.model.Hooks.none(), cY, cX).sum());
                });
                double analytic = 0;
                for (String name : grads.keySet()) {
                    analytic += grads.get(name).mul(direction.get(name)).sum().getDouble();
                }
                // every probe's own gradient from one batched pass equals its gradient alone
                try (dev.smda.gradient.GradientSpace space = dev.smda.gradient.GradientSpace.full(lm.model())) {
                    double[] batched = dev.smda.gradient.PerExampleGradients.of(space, probes.size(), frozen.headRowProbe(0, probes.size()),
                            hooks -> frozen.perProbe(lm.model(), 0, probes.size(), hooks, cY, cX)).toDoubleArray();
                    int d = (int) space.dimension();
                    for (int i = 0; i < probes.size(); i++) {
                        int probe = i;
                        Map<String, NDArray> own = dev.smda.model.Gradients.ofWeights(lm.model(), lm.model().weights().keySet(),
                                mm -> frozen.perProbe(mm, probe, probe + 1, dev.smda.model.Hooks.none(), cY, cX).sum());
                        dev.smda.testing.NumericAssertions.assertClose(space.flatten(own).toDoubleArray(), Arrays.copyOfRange(batched, i * d, (i + 1) * d),
                                1e-10, pooling + ": probe " + i + "'s gradient from the batch");
                    }
                }
                double h = 1e-6;
                double numeric = (value(frozen, lm, direction, h, cY, cX) - value(frozen, lm, direction, -h, cY, cX)) / (2 * h);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), pooling + ": directional derivative");
            }
        }
    }

    private static double value(ProbeMeasurer frozen, LanguageModel lm, Map<String, NDArray> direction, double h, double[] cY, double[][] cX) {
        Map<String, NDArray> moved = new LinkedHashMap<>();
        lm.model().weights().forEach((name, w) -> moved.put(name, w.add(direction.get(name).mul(h))));
        Measurement at = frozen.measure(lm.model().withWeights(moved, null));
        double s = 0;
        for (int i = 0; i < cY.length; i++) {
            s += cY[i] * at.y()[i];
            for (int j = 0; j < cX[i].length; j++) {
                s += cX[i][j] * at.x()[i][j];
            }
        }
        moved.values().forEach(NDArray::close);
        return s;
    }

    @Test
    void anOpeningThatExtendsAnotherIsCoveredNotCountedTwice() throws Exception {
        Path model = TinyChatModel.create(dir.resolve("m2"), 2);
        try (LanguageModel lm = Models.open(model, DataType.FLOAT32)) {
            RefusalOpenings both = RefusalOpenings.of(lm.tokenizer(), List.of("I can't help", "I can't"));
            RefusalOpenings shortOnly = RefusalOpenings.of(lm.tokenizer(), List.of("I can't"));
            assertEquals(shortOnly.nodes().size(), both.nodes().size());
            assertEquals(1, both.leafCount());
        }
    }
}

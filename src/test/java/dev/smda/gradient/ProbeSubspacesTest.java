package dev.smda.gradient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaInit;
import dev.smda.model.LlamaModel;
import dev.smda.model.RopeScaling;
import dev.smda.tensor.Torch;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A sketch aimed at a pass's subspaces keeps that pass's gradient exactly: with k at least the
 * pass's tokens, every side's span fits in k directions, so the gradient's inner product with any
 * other gradient is the same sketched as in full (double precision); a random sketch of the same k
 * does not keep it (the test would not notice a sketch that did nothing otherwise).
 */
class ProbeSubspacesTest {

    @Test
    void aSketchAimedAtAPassKeepsItsGradientsInnerProducts() {
        try (NDManager m = Torch.newManager()) {
            LlamaConfig config = new LlamaConfig(48, 16, 24, 2, 4, 2, 4, 1e-5, 10000, RopeScaling.NONE, 64, false, 0, List.of(1), "float64");
            LlamaModel model = LlamaInit.random(config, 13, 0.3, m, DataType.FLOAT64);
            List<SftExample> pass = List.of(PerExampleGradientsTest.EXAMPLES.get(0));
            List<SftExample> others = PerExampleGradientsTest.EXAMPLES.subList(1, 3);
            int k = 12;
            try (ProbeSubspaces subspaces = new ProbeSubspaces(model, 2 * k, 7)) {
                subspaces.add(hooks -> SftLoss.perExample(model, pass, hooks).sum());
                try (GradientSpace full = GradientSpace.full(model); GradientSpace aimed = subspaces.space(k);
                        GradientSpace random = RandomSketch.of(model, k, 5)) {
                    assertTrue(aimed.dimension() < full.dimension() / 2, "the sketch keeps " + aimed.dimension() + " of " + full.dimension());
                    double[] exact = products(model, pass, others, full);
                    double[] sketched = products(model, pass, others, aimed);
                    double[] drawn = products(model, pass, others, random);
                    double worstRandom = 0;
                    for (int i = 0; i < exact.length; i++) {
                        assertEquals(exact[i], sketched[i], 1e-9 * Math.abs(exact[i]), "product " + i);
                        worstRandom = Math.max(worstRandom, Math.abs(drawn[i] - exact[i]) / Math.abs(exact[i]));
                    }
                    assertTrue(worstRandom > 1e-3, "a random sketch kept the products too (" + worstRandom + ")");
                }
            }
        }
    }

    /** ⟨g_pass, g_e⟩ for each other example e, and ⟨g_pass, g_pass⟩, in the space. */
    private static double[] products(LlamaModel model, List<SftExample> pass, List<SftExample> others, GradientSpace space) {
        NDArray g = PerExampleGradients.of(model, pass, space).reshape(-1);
        NDArray h = PerExampleGradients.of(model, others, space);
        double[] out = new double[others.size() + 1];
        double[] cross = h.matMul(g).toDoubleArray();
        System.arraycopy(cross, 0, out, 0, cross.length);
        out[others.size()] = g.dot(g).getDouble();
        return out;
    }
}

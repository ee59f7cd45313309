package dev.smda.gradient;

import static dev.smda.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.model.Gradients;
import dev.smda.model.LlamaConfig;
import dev.smda.model.LlamaInit;
import dev.smda.model.LlamaModel;
import dev.smda.model.RopeScaling;
import dev.smda.tensor.Torch;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One batched backward pass through weight taps gives every example's own gradient: checked against
 * autograd on each example alone, for every weight (tied and untied unembedding, GQA, padding), in the
 * full space and in the Kronecker sketch (where it must equal the sketch of the full gradient).
 */
class PerExampleGradientsTest {

    static final List<SftExample> EXAMPLES = List.of(
            new SftExample(new int[] {3, 17, 8, 29, 5, 12, 40, 1, 22}, 4),
            new SftExample(new int[] {2, 9, 31, 7}, 2),
            new SftExample(new int[] {5, 5, 6, 44, 13, 27}, 5));

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void batchedPerExampleGradientsEqualEachExamplesOwnGradient(boolean tied) {
        try (NDManager m = Torch.newManager()) {
            LlamaConfig config = new LlamaConfig(48, 16, 24, 2, 4, 2, 4, 1e-5, 10000, RopeScaling.NONE, 64, tied, 0, List.of(1), "float64");
            LlamaModel model = LlamaInit.random(config, 11, 0.3, m, DataType.FLOAT64);
            try (GradientSpace full = GradientSpace.full(model); GradientSpace sketch = GradientSpace.kronecker(model, 6, 5)) {
                double[] batched = PerExampleGradients.of(model, EXAMPLES, full).toDoubleArray();
                double[] sketched = PerExampleGradients.of(model, EXAMPLES, sketch).toDoubleArray();
                int d = (int) full.dimension();
                int ds = (int) sketch.dimension();
                assertEquals(EXAMPLES.size() * d, batched.length);
                for (int e = 0; e < EXAMPLES.size(); e++) {
                    SftExample ex = EXAMPLES.get(e);
                    Map<String, NDArray> own = Gradients.ofWeights(model, model.weights().keySet(), mm -> SftLoss.of(mm, List.of(ex)));
                    double[] expected = full.flatten(own).toDoubleArray();
                    double[] expectedSketch = sketch.flatten(own).toDoubleArray();
                    assertClose(expected, java.util.Arrays.copyOfRange(batched, e * d, (e + 1) * d), 1e-10, "example " + e);
                    assertClose(expectedSketch, java.util.Arrays.copyOfRange(sketched, e * ds, (e + 1) * ds), 1e-10, "sketched example " + e);
                }
            }
        }
    }
}

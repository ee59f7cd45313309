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
            try (GradientSpace full = GradientSpace.full(model); GradientSpace sketch = RandomSketch.of(model, 6, 5)) {
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

    /**
     * The block-by-block product equals the assembled gradients times the right-hand side, with a
     * block map that depends on the block's place (here: rows scaled by their block's offset + 1),
     * and each example's loss comes from the same pass.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 6})
    void blockwiseProductsEqualTheAssembledGradientsTimesTheRightHandSide(int k) {
        try (NDManager m = Torch.newManager()) {
            LlamaConfig config = new LlamaConfig(48, 16, 24, 2, 4, 2, 4, 1e-5, 10000, RopeScaling.NONE, 64, true, 0, List.of(1), "float64");
            LlamaModel model = LlamaInit.random(config, 12, 0.3, m, DataType.FLOAT64);
            try (GradientSpace space = k == 0 ? GradientSpace.full(model) : RandomSketch.of(model, k, 5)) {
                int d = (int) space.dimension();
                java.util.Random random = new java.util.Random(2);
                NDArray right = dev.smda.testing.TinyWorld.gaussian(m, random, new ai.djl.ndarray.types.Shape(d, 3), 1);
                double[] scale = new double[d];
                for (var block : space.blocks()) {
                    java.util.Arrays.fill(scale, (int) block.offset(), (int) (block.offset() + block.size()), block.offset() + 1);
                }
                NDArray scaled = PerExampleGradients.of(model, EXAMPLES, space).mul(dev.smda.tensor.Tensors.owned(m, scale, new ai.djl.ndarray.types.Shape(d)));
                double[] losses = new double[EXAMPLES.size()];
                double[] blockwise = PerExampleGradients.times(model, EXAMPLES, space, (offset, g) -> dev.smda.tensor.Tensors.times(g, offset + 1), right, losses)
                        .toDoubleArray();
                assertClose(scaled.matMul(right).toDoubleArray(), blockwise, 1e-10, "products");
                assertClose(SftLoss.perExample(model, EXAMPLES, dev.smda.model.Hooks.none()).toDoubleArray(), losses, 1e-12, "losses");
            }
        }
    }

    /**
     * Pairs stream through the gradient estimator in batches, so a batch's products must leave no
     * array behind: the model's manager holds as many arrays after three batches as before (the
     * embedding's scattered gradient table once stayed, 31 MB a batch of 64 on the shipped world,
     * until 100,000 pairs ran out of memory).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 6})
    void aBatchsProductsLeaveNoArrayBehind(int k) {
        try (NDManager m = Torch.newManager()) {
            LlamaConfig config = new LlamaConfig(48, 16, 24, 2, 4, 2, 4, 1e-5, 10000, RopeScaling.NONE, 64, true, 0, List.of(1), "float64");
            LlamaModel model = LlamaInit.random(config, 13, 0.3, m, DataType.FLOAT64);
            try (GradientSpace space = k == 0 ? GradientSpace.full(model) : RandomSketch.of(model, k, 5);
                    NDArray right = m.ones(new ai.djl.ndarray.types.Shape(space.dimension(), 2), DataType.FLOAT64)) {
                PerExampleGradients.times(model, EXAMPLES, space, (offset, g) -> g, right, null).close();
                int before = m.getManagedArrays().size();
                for (int batch = 0; batch < 3; batch++) {
                    PerExampleGradients.times(model, EXAMPLES, space, (offset, g) -> g, right, null).close();
                }
                assertEquals(before, m.getManagedArrays().size(), "arrays left behind by three batches");
            }
        }
    }
}

package dev.smda.model;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Fresh weights for a model trained from scratch: projections and embeddings drawn from
 * N(0, std^2), norms at one. Drawn in Java from a seed, so the same seed gives the same model on
 * every machine and engine version.
 */
public final class LlamaInit {

    private LlamaInit() {}

    public static LlamaModel random(LlamaConfig config, long seed, double std, NDManager manager, DataType dtype) {
        Draws draws = new Draws(config, seed, std);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (var e : LlamaModel.expectedShapes(config).entrySet()) {
            NDArray w = Tensors.owned(manager, draws.next(e.getKey(), e.getValue()), new Shape(e.getValue())).toType(dtype, false);
            w.setName(e.getKey());
            weights.put(e.getKey(), w);
        }
        return LlamaModel.of(config, weights, manager);
    }

    /**
     * The weights drawn one at a time, in {@link LlamaModel#expectedShapes}' order, from one seeded
     * generator: a model too large to hold twice can be written as it is drawn, and equals
     * {@link #random} with the same seed.
     */
    public static final class Draws {
        private final LlamaConfig config;
        private final Random random;
        private final double std;

        public Draws(LlamaConfig config, long seed, double std) {
            this.config = config;
            this.random = new Random(seed);
            this.std = std;
        }

        /** The values of the next weight, which must be {@code name} of {@code shape}. */
        public float[] next(String name, long[] shape) {
            int n = Math.toIntExact(new Shape(shape).size());
            float[] values = new float[n];
            boolean norm = shape.length == 1;
            // Output projections start smaller so the residual stream stays near unit scale with depth.
            double scale = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight") ? std / Math.sqrt(2.0 * config.numLayers()) : std;
            for (int i = 0; i < n; i++) {
                values[i] = norm ? 1f : (float) (random.nextGaussian() * scale);
            }
            return values;
        }
    }
}

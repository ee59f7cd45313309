package dev.smda.gradient;

import ai.djl.ndarray.types.Shape;
import dev.smda.model.LlamaModel;
import dev.smda.tensor.Tensors;
import java.util.Random;

/**
 * A Kronecker sketch by seeded Gaussian projections with entries of variance 1/k (so inner
 * products are kept in expectation only): the sketch smda used before it aimed its projections at
 * the probes' gradients, kept for tests as a fixture and a foil.
 */
final class RandomSketch {

    private RandomSketch() {}

    static GradientSpace of(LlamaModel model, int k, long seed) {
        Random random = new Random(seed);
        return GradientSpace.sketched(model, k, (manager, block, outSide, length) -> {
            float[] v = new float[Math.toIntExact(k * length)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() / Math.sqrt(k));
            }
            return Tensors.owned(manager, v, new Shape(k, length)).toType(model.dtype(), false);
        });
    }
}

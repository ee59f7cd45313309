package dev.smda.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Gradients of a scalar with respect to named arrays. Each array is replaced by a fresh leaf that
 * shares its storage, so gradients never accumulate on the caller's arrays and they are left
 * exactly as they were.
 */
public final class Autograd {

    private Autograd() {}

    /**
     * Records the operations this thread runs until closed. libtorch keeps its gradient mode per
     * thread and back-propagates on the calling thread, so threads that share a process (in-process
     * workers, Spark's local[N] tasks) record and back-propagate side by side; DJL's own gradient
     * collector would let only one of them record at a time in the whole process.
     */
    private static final class Recording implements AutoCloseable {

        private final boolean wasRecording = JniUtils.isGradMode();

        Recording() {
            JniUtils.setGradMode(true);
        }

        @Override
        public void close() {
            JniUtils.setGradMode(wasRecording);
        }
    }

    /** Back-propagates the scalar {@code value} (its gradient seeded with one), freeing the graph. */
    private static void backpropagate(NDArray value) {
        if (value.getShape().size() != 1) {
            throw new IllegalArgumentException("gradient of a non-scalar of shape " + value.getShape());
        }
        try (NDArray one = value.onesLike()) {
            JniUtils.backward((PtNDArray) value, (PtNDArray) one, false, false);
        }
    }

    /** d f(leaves) / d leaf for each named array; the caller closes the returned gradients. */
    public static Map<String, NDArray> gradients(Map<String, NDArray> at, Function<Map<String, NDArray>, NDArray> scalar) {
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        at.forEach((name, array) -> leaves.put(name, leaf(array)));
        Map<String, NDArray> grads = new LinkedHashMap<>();
        try (NDScope scope = new NDScope(); Recording recording = new Recording()) {
            scope.suppressNotUsedWarning();
            backpropagate(scalar.apply(leaves));
            for (var e : leaves.entrySet()) {
                NDArray g = e.getValue().getGradient().duplicate();
                NDScope.unregister(g);
                grads.put(e.getKey(), g);
            }
        } finally {
            leaves.values().forEach(NDArray::close);
        }
        return grads;
    }

    /**
     * Back-propagates the scalar {@code body} computes. Arrays it creates are freed afterwards, except
     * those it took out of the scope: leaves created inside (with {@link #leaf}) keep their gradients
     * for the caller to read.
     */
    public static void backward(Supplier<NDArray> body) {
        try (NDScope scope = new NDScope(); Recording recording = new Recording()) {
            scope.suppressNotUsedWarning();
            backpropagate(body.get());
        }
    }

    /**
     * Back-propagates {@code count} output gradients through one recorded pass: {@code body} runs once
     * and returns an array; for each k, {@code outputGradient.apply(k)} (its values, row-major, in its
     * shape) is back-propagated with the graph kept for the next, and {@code afterEach} reads the gradients
     * (and clears those it read, since they accumulate). One forward pass instead of {@code count}.
     */
    public static void backwardEach(Supplier<NDArray> body, int count, IntFunction<double[]> outputGradient, IntConsumer afterEach) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray value;
            // recording ends with the forward pass, so that afterEach may take gradients of its own
            try (Recording recording = new Recording()) {
                value = body.get();
            }
            for (int k = 0; k < count; k++) {
                try (NDArray seed = Tensors.owned(value.getManager(), outputGradient.apply(k), value.getShape()).toType(value.getDataType(), false)) {
                    // the engine's own backward with the graph kept: DJL's public one frees it
                    JniUtils.backward((PtNDArray) value, (PtNDArray) seed, k < count - 1, false);
                }
                afterEach.accept(k);
            }
        }
    }

    /** Sets the accumulated gradient of a leaf to zero. */
    public static void clearGradient(NDArray leaf) {
        JniUtils.zeroGrad((PtNDArray) leaf);
    }

    /** A new leaf sharing {@code array}'s storage, outside any scope, recording its gradient. */
    public static NDArray leaf(NDArray array) {
        NDArray leaf = array.stopGradient();
        NDScope.unregister(leaf);
        leaf.setRequiresGradient(true);
        return leaf;
    }
}

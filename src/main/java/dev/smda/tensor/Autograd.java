package dev.smda.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
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

    /**
     * DJL's PyTorch engine lets one gradient collector record at a time in a process, so threads that
     * share a JVM (Spark's local[N] tasks) take turns in their backward passes; forward passes still
     * run side by side.
     */
    private static final ReentrantLock ONE_COLLECTOR = new ReentrantLock();

    private Autograd() {}

    /** d f(leaves) / d leaf for each named array; the caller closes the returned gradients. */
    public static Map<String, NDArray> gradients(Map<String, NDArray> at, Function<Map<String, NDArray>, NDArray> scalar) {
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        at.forEach((name, array) -> leaves.put(name, leaf(array)));
        Map<String, NDArray> grads = new LinkedHashMap<>();
        ONE_COLLECTOR.lock();
        try (NDScope scope = new NDScope(); GradientCollector collector = Torch.engine().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDArray value = scalar.apply(leaves);
            if (value.getShape().size() != 1) {
                throw new IllegalArgumentException("gradient of a non-scalar of shape " + value.getShape());
            }
            collector.backward(value);
            for (var e : leaves.entrySet()) {
                NDArray g = e.getValue().getGradient().duplicate();
                NDScope.unregister(g);
                grads.put(e.getKey(), g);
            }
        } finally {
            ONE_COLLECTOR.unlock();
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
        ONE_COLLECTOR.lock();
        try (NDScope scope = new NDScope(); GradientCollector collector = Torch.engine().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDArray value = body.get();
            if (value.getShape().size() != 1) {
                throw new IllegalArgumentException("gradient of a non-scalar of shape " + value.getShape());
            }
            collector.backward(value);
        } finally {
            ONE_COLLECTOR.unlock();
        }
    }

    /**
     * Back-propagates {@code count} output gradients through one recorded pass: {@code body} runs once
     * and returns an array; for each k, {@code outputGradient.apply(k)} (its values, row-major, in its
     * shape) is back-propagated with the graph kept for the next, and {@code afterEach} reads the gradients
     * (and clears those it read, since they accumulate). One forward pass instead of {@code count}.
     */
    public static void backwardEach(Supplier<NDArray> body, int count, IntFunction<double[]> outputGradient, IntConsumer afterEach) {
        ONE_COLLECTOR.lock();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray value;
            // recording ends with the forward pass, so that afterEach may take gradients of its own
            try (GradientCollector collector = Torch.engine().newGradientCollector()) {
                value = body.get();
            }
            for (int k = 0; k < count; k++) {
                try (NDArray seed = Tensors.owned(value.getManager(), outputGradient.apply(k), value.getShape()).toType(value.getDataType(), false)) {
                    // the engine's own backward with the graph kept: DJL's public one frees it
                    JniUtils.backward((PtNDArray) value, (PtNDArray) seed, k < count - 1, false);
                }
                afterEach.accept(k);
            }
        } finally {
            ONE_COLLECTOR.unlock();
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

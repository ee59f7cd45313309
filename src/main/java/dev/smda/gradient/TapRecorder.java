package dev.smda.gradient;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.smda.model.WeightTaps;
import dev.smda.tensor.Autograd;
import java.util.ArrayList;
import java.util.List;

/**
 * Weight taps that record, for every use of a weight, its input and a zero-valued leaf added to its
 * output: after back-propagation the leaf's gradient is the loss's gradient with respect to that
 * output. Inputs are kept detached (their values only). Close the recorder to free what it kept.
 */
final class TapRecorder implements WeightTaps, AutoCloseable {

    enum Kind { LINEAR, SCALE, LOOKUP }

    /** One use of a weight: its input (or token ids) and the leaf on its output. */
    record Use(Kind kind, String weight, NDArray input, NDArray outputLeaf) {
        /** The loss's gradient with respect to the output (after backward). */
        NDArray outputGradient() {
            return outputLeaf.getGradient();
        }
    }

    private final List<Use> uses = new ArrayList<>();

    List<Use> uses() {
        return uses;
    }

    @Override
    public NDArray linear(String weight, NDArray input, NDArray output) {
        return record(Kind.LINEAR, weight, input, output);
    }

    @Override
    public NDArray scale(String weight, NDArray normalized, NDArray output) {
        return record(Kind.SCALE, weight, normalized, output);
    }

    @Override
    public NDArray lookup(String weight, NDArray ids, NDArray output) {
        return record(Kind.LOOKUP, weight, ids, output);
    }

    private NDArray record(Kind kind, String weight, NDArray input, NDArray output) {
        NDArray kept = input.stopGradient();
        NDScope.unregister(kept);
        NDArray leaf = output.zerosLike();
        NDScope.unregister(leaf);
        leaf.setRequiresGradient(true);
        uses.add(new Use(kind, weight, kept, leaf));
        return output.add(leaf);
    }

    /** Zeroes the gradients the leaves accumulated, before another backward pass through the same graph. */
    void clearGradients() {
        for (Use u : uses) {
            Autograd.clearGradient(u.outputLeaf());
        }
    }

    @Override
    public void close() {
        for (Use u : uses) {
            u.input().close();
            u.outputLeaf().close();
        }
        uses.clear();
    }
}

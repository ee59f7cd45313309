package dev.smda.model;

import ai.djl.ndarray.NDArray;

/**
 * Sees every use of a weight in a forward pass, with the input the weight acts on and the output it
 * makes. An implementation may return a different output of the same shape (for example the output
 * plus a zero-valued leaf whose gradient, after backward, is the loss's gradient with respect to that
 * output). From an input and the gradient of its output, per-example weight gradients and the
 * Kronecker factors of curvature follow without one backward pass per example.
 */
public interface WeightTaps {

    /** {@code output = input · weightᵀ} (plus any LoRA term), input {@code [..., in]}, output {@code [..., out]}. */
    NDArray linear(String weight, NDArray input, NDArray output);

    /** {@code output = normalized ⊙ weight} (RMSNorm's scale), both {@code [..., d]}. */
    NDArray scale(String weight, NDArray normalized, NDArray output);

    /** {@code output = weight[ids]} (the token embedding), ids {@code [batch, length]}, output {@code [batch, length, d]}. */
    NDArray lookup(String weight, NDArray ids, NDArray output);

    /** Taps that leave every output as it is. */
    WeightTaps NONE = new WeightTaps() {
        @Override
        public NDArray linear(String weight, NDArray input, NDArray output) {
            return output;
        }

        @Override
        public NDArray scale(String weight, NDArray normalized, NDArray output) {
            return output;
        }

        @Override
        public NDArray lookup(String weight, NDArray ids, NDArray output) {
            return output;
        }
    };
}

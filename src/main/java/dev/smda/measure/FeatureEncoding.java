package dev.smda.measure;

/** How a probe's activation becomes feature values. */
public enum FeatureEncoding {
    /** The SAE's own encoder (its input conventions and activation function: TopK, JumpReLU, ...). */
    SAE,
    /** ReLU(h W_enc + b_enc) for every feature, as the paper writes it: dense, no b_dec, no top-k (a gated SAE: its magnitude path). */
    DENSE_RELU
}

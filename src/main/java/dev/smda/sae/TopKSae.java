package dev.smda.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import dev.smda.tensor.Scoped;
import java.util.Map;

/**
 * Top-k SAE: per token, the k largest pre-activations are kept (ReLU'd) and the rest are zero.
 * Also serves batch-top-k SAEs at inference, with the same k per token.
 */
public final class TopKSae extends Sae {

    TopKSae(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        super(config, params, owned);
    }

    @Override
    protected NDArray preActivations(NDArray normalized) {
        NDArray pre = super.preActivations(normalized);
        return config.rescaleActsByDecoderNorm() ? pre.mul(decoderNorms()) : pre;
    }

    @Override
    protected NDArray activate(NDArray pre) {
        return keepTopK(pre, config.k());
    }

    /** Zeros all but the k largest entries along the last axis, which are ReLU'd. */
    static NDArray keepTopK(NDArray pre, int k) {
        int last = pre.getShape().dimension() - 1;
        NDList top = pre.topK(k, last, true, false);
        return pre.zerosLike().scatter(top.get(1), Activation.relu(top.get(0)), last);
    }

    @Override
    public NDArray decode(NDArray features) {
        if (!config.rescaleActsByDecoderNorm()) {
            return super.decode(features);
        }
        return Scoped.compute(() -> super.decode(features.div(decoderNorms())));
    }

    private NDArray decoderNorms() {
        return params.get(W_DEC).norm(new int[] {1}, false);
    }
}

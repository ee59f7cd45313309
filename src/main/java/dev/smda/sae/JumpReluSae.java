package dev.smda.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.Map;

/** JumpReLU SAE: a feature's ReLU'd pre-activation counts only where it exceeds its threshold. */
public final class JumpReluSae extends Sae {

    JumpReluSae(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        super(config, params, owned);
    }

    @Override
    protected NDArray activate(NDArray pre) {
        return jump(pre, params.get(THRESHOLD));
    }

    /** {@code ReLU(pre)} where {@code pre > threshold}, zero elsewhere. */
    static NDArray jump(NDArray pre, NDArray threshold) {
        NDArray above = pre.gt(threshold).toType(pre.getDataType(), false);
        return Activation.relu(pre).mul(above);
    }
}

package dev.smda.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.Map;

/** SAELens's "standard" SAE: features are the ReLU of the pre-activations. */
public final class ReluSae extends Sae {

    ReluSae(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        super(config, params, owned);
    }

    @Override
    protected NDArray activate(NDArray pre) {
        return Activation.relu(pre);
    }
}

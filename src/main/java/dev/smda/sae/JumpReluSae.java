package dev.smda.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.Map;

/** JumpReLU SAE: a feature's ReLU'd pre-activation counts only where it exceeds its threshold. */
public final class JumpReluSae extends Sae {

    JumpReluSae(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        super(config, params, owned);
        if (!java.util.Arrays.equals(params.get(THRESHOLD).getShape().getShape(), new long[] {config.dSae()})) {
            throw new dev.smda.io.BadInputException("SAE parameter threshold has shape " + params.get(THRESHOLD).getShape() + ", expected [" + config.dSae() + "]");
        }
    }

    @Override
    public List<String> parameterNames() {
        return List.of(W_ENC, B_ENC, W_DEC, B_DEC, THRESHOLD);
    }

    @Override
    protected NDArray activate(NDArray pre) {
        NDArray above = pre.gt(params.get(THRESHOLD)).toType(pre.getDataType(), false);
        return Activation.relu(pre).mul(above);
    }
}

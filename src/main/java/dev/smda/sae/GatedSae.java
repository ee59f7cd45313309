package dev.smda.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.Map;

/**
 * Gated SAE, as SAELens reads it: feature j fires where its gate {@code sae_in W_enc + b_gate} is
 * positive, with the value {@code ReLU(sae_in (W_enc exp(r_mag)) + b_mag)} of its magnitude path.
 *
 * <p>The two paths share {@code W_enc}, so the magnitude pre-activation is an increasing affine map
 * of the gate's: {@code m = exp(r_mag) (g - b_gate) + b_mag}, and {@code g > 0} exactly where
 * {@code m > b_mag - b_gate exp(r_mag)}. The magnitude path is therefore this SAE's pre-activation
 * (a fired feature's value, and what the attribution linearises with the active set frozen) and the
 * gate a JumpReLU threshold on it.
 */
public final class GatedSae extends Sae {

    private final NDArray magnitudeWeights;
    private final NDArray gateThreshold;

    GatedSae(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        super(config, params, owned);
        try (NDArray scale = params.get(R_MAG).exp(); NDArray gateBias = params.get(B_GATE).mul(scale)) {
            magnitudeWeights = params.get(W_ENC).mul(scale);
            gateThreshold = params.get(B_MAG).sub(gateBias);
        }
        // kept for the SAE's life, not freed with a scope it happens to be made in
        NDScope.unregister(magnitudeWeights, gateThreshold);
    }

    @Override
    public NDArray encoderWeights() {
        return magnitudeWeights;
    }

    @Override
    public NDArray encoderBias() {
        return params.get(B_MAG);
    }

    @Override
    protected NDArray activate(NDArray pre) {
        return JumpReluSae.jump(pre, gateThreshold);
    }
}

package dev.smda.sae;

import static dev.smda.sae.Sae.B_DEC;
import static dev.smda.sae.Sae.B_ENC;
import static dev.smda.sae.Sae.B_GATE;
import static dev.smda.sae.Sae.B_MAG;
import static dev.smda.sae.Sae.R_MAG;
import static dev.smda.sae.Sae.THRESHOLD;
import static dev.smda.sae.Sae.W_DEC;
import static dev.smda.sae.Sae.W_ENC;

import java.util.List;

/** The activation functions smda's SAEs use, named as SAELens names them, with the tensors each has. */
public enum SaeArchitecture {
    /** ReLU of the pre-activations (SAELens "standard"). */
    RELU("standard", W_ENC, B_ENC, W_DEC, B_DEC),
    /** The k largest pre-activations, ReLU'd; the rest zero. */
    TOPK("topk", W_ENC, B_ENC, W_DEC, B_DEC),
    /** Trained with a batch-wide top-k; at inference a per-token top-k with the same k. */
    BATCHTOPK("batchtopk", W_ENC, B_ENC, W_DEC, B_DEC),
    /** ReLU gated by a per-feature threshold: a feature fires only above its threshold. */
    JUMPRELU("jumprelu", W_ENC, B_ENC, THRESHOLD, W_DEC, B_DEC),
    /**
     * Gated SAE (Rajamanoharan et al. 2024): a gate path {@code sae_in W_enc + b_gate > 0} decides
     * which features fire, a magnitude path {@code ReLU(sae_in (W_enc exp(r_mag)) + b_mag)} how
     * strongly; no {@code b_enc}.
     */
    GATED("gated", W_ENC, B_GATE, R_MAG, B_MAG, W_DEC, B_DEC);

    private final String saeLensName;
    private final List<String> parameterNames;

    SaeArchitecture(String saeLensName, String... parameterNames) {
        this.saeLensName = saeLensName;
        this.parameterNames = List.of(parameterNames);
    }

    public String saeLensName() {
        return saeLensName;
    }

    /** The tensors an SAE of this architecture has, by their SAELens names. */
    public List<String> parameterNames() {
        return parameterNames;
    }

    public boolean isTopK() {
        return this == TOPK || this == BATCHTOPK;
    }

    /** Parses a SAELens {@code architecture} name; null if unknown. */
    public static SaeArchitecture parse(String name) {
        for (SaeArchitecture a : values()) {
            if (a.saeLensName.equals(name) || a.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        return null;
    }
}

package dev.smda.sae;

import dev.smda.tensor.Tensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.io.BadInputException;
import dev.smda.model.LlamaConfig;
import dev.smda.tensor.Scoped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sparse autoencoder over a model's activations, with SAELens's parameters and conventions:
 * {@code W_enc [d_in, d_sae]}, {@code b_enc [d_sae]}, {@code W_dec [d_sae, d_in]}, {@code b_dec [d_in]}
 * (and what each architecture adds, {@link SaeArchitecture#parameterNames}). Encoding is
 * {@code act((x - b_dec) W_enc + b_enc)}; decoding {@code f W_dec + b_dec}. One subclass per
 * activation function. Immutable, like the model: training makes new SAEs.
 */
public abstract sealed class Sae implements AutoCloseable permits ReluSae, TopKSae, JumpReluSae, GatedSae {

    public static final String W_ENC = "W_enc";
    public static final String B_ENC = "b_enc";
    public static final String W_DEC = "W_dec";
    public static final String B_DEC = "b_dec";
    public static final String THRESHOLD = "threshold";
    public static final String B_GATE = "b_gate";
    public static final String R_MAG = "r_mag";
    public static final String B_MAG = "b_mag";

    protected final SaeConfig config;
    protected final Map<String, NDArray> params;
    private final NDManager owned;

    Sae(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        this.config = config;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        this.owned = owned;
        for (String name : parameterNames()) {
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException("SAE parameter " + name + " missing");
            }
            long[] expected = switch (name) {
                case W_ENC -> new long[] {config.dIn(), config.dSae()};
                case W_DEC -> new long[] {config.dSae(), config.dIn()};
                case B_DEC -> new long[] {config.dIn()};
                default -> new long[] {config.dSae()};
            };
            if (!java.util.Arrays.equals(params.get(name).getShape().getShape(), expected)) {
                throw new BadInputException("SAE parameter " + name + " has shape " + params.get(name).getShape() + ", expected " + java.util.Arrays.toString(expected));
            }
        }
    }

    /** The SAE of a config's architecture over the given parameters; it owns {@code owned}. */
    public static Sae of(SaeConfig config, Map<String, NDArray> params, NDManager owned) {
        return switch (config.architecture()) {
            case RELU -> new ReluSae(config, params, owned);
            case TOPK, BATCHTOPK -> new TopKSae(config, params, owned);
            case JUMPRELU -> new JumpReluSae(config, params, owned);
            case GATED -> new GatedSae(config, params, owned);
        };
    }

    public SaeConfig config() {
        return config;
    }

    public Map<String, NDArray> parameters() {
        return params;
    }

    public NDArray parameter(String name) {
        return params.get(name);
    }

    public DataType dtype() {
        return params.get(W_ENC).getDataType();
    }

    /** Parameters this architecture has. */
    public final List<String> parameterNames() {
        return config.architecture().parameterNames();
    }

    /** Feature activations {@code [..., d_sae]} of activations {@code [..., d_in]}. */
    public NDArray encode(NDArray x) {
        return Scoped.compute(() -> activate(preActivations(normalizeIn(x))));
    }

    /**
     * The pre-activations {@code [..., d_sae]} of activations {@code [..., d_in]}, the SAE's input
     * conventions applied: where a feature is active, its activation equals its pre-activation, so
     * pre-activations times a fixed 0/1 gate are the encoder with its active set frozen.
     */
    public NDArray preActivationsOf(NDArray x) {
        return Scoped.compute(() -> preActivations(normalizeIn(x)));
    }

    /** {@code (x - b_dec) W_enc + b_enc} of an already normalised input. */
    protected NDArray preActivations(NDArray normalized) {
        NDArray in = config.applyBDecToInput() ? normalized.sub(params.get(B_DEC)) : normalized;
        return in.matMul(encoderWeights()).add(encoderBias());
    }

    /** The weights {@code [d_in, d_sae]} of the pre-activations whose activation is a feature's value. */
    public NDArray encoderWeights() {
        return params.get(W_ENC);
    }

    /** The bias {@code [d_sae]} of those pre-activations. */
    public NDArray encoderBias() {
        return params.get(B_ENC);
    }

    /** The activation function: pre-activations to feature activations. */
    protected abstract NDArray activate(NDArray pre);

    /** {@code f W_dec + b_dec}, in the SAE's normalised input space. */
    public NDArray decode(NDArray features) {
        return Scoped.compute(() -> features.matMul(params.get(W_DEC)).add(params.get(B_DEC)));
    }

    /** The SAE's reconstruction of {@code x}, in the input's own scale. */
    public NDArray reconstruct(NDArray x) {
        return Scoped.compute(() -> {
            int last = x.getShape().dimension() - 1;
            NDArray in = normalizeIn(x);
            NDArray out = decode(activate(preActivations(in)));
            return switch (config.normalization()) {
                case NONE, EXPECTED_AVERAGE_ONLY_IN -> out;
                case CONSTANT_NORM_RESCALE -> out.div(rescaleCoefficient(x, last));
                case LAYER_NORM -> out.mul(standardDeviation(x.sub(x.mean(new int[] {last}, true)), last)).add(x.mean(new int[] {last}, true));
            };
        });
    }

    protected NDArray normalizeIn(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return switch (config.normalization()) {
            case NONE, EXPECTED_AVERAGE_ONLY_IN -> x;
            case CONSTANT_NORM_RESCALE -> x.mul(rescaleCoefficient(x, last));
            case LAYER_NORM -> {
                NDArray centred = x.sub(x.mean(new int[] {last}, true));
                yield centred.div(Tensors.plus(standardDeviation(centred, last), 1e-5));
            }
        };
    }

    private NDArray rescaleCoefficient(NDArray x, int last) {
        return Tensors.times(Tensors.toPower(x.norm(new int[] {last}, true), -1), Math.sqrt(config.dIn()));
    }

    /** torch.std's default: the unbiased estimate, over the last axis. */
    private static NDArray standardDeviation(NDArray centred, int last) {
        long n = centred.getShape().get(last);
        return Tensors.dividedBy(centred.square().sum(new int[] {last}, true), n - 1).sqrt();
    }

    /** Refuses an SAE that cannot read this model (see {@link SaeConfig#checkFits}). */
    public void checkFits(LlamaConfig model, String where) {
        config.checkFits(model, where);
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}

package dev.smda.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smda.io.AtomicFiles;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.model.Hooks;
import dev.smda.tensor.Torch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SAE folders as the community publishes them:
 * <ul>
 *   <li>SAELens: {@code cfg.json} + {@code sae_weights.safetensors} ({@code W_enc [d_in, d_sae]},
 *       {@code b_enc}, {@code W_dec [d_sae, d_in]}, {@code b_dec}, {@code threshold} for JumpReLU;
 *       {@code b_gate}, {@code r_mag}, {@code b_mag} in place of {@code b_enc} for gated SAEs).
 *       Both the 6.x config layout (hook and model under {@code metadata}) and the older flat one
 *       ({@code activation_fn_str}, {@code activation_fn_kwargs.k}) are read.</li>
 *   <li>EleutherAI sparsify: {@code cfg.json} ({@code d_in}, {@code k}, {@code num_latents} or
 *       {@code expansion_factor}) + {@code sae.safetensors} ({@code encoder.weight [d_sae, d_in]},
 *       {@code encoder.bias}, {@code W_dec [d_sae, d_in]}, {@code b_dec}); the hook comes from the
 *       folder name ({@code layers.N} is the residual stream after block N).</li>
 * </ul>
 * smda writes the SAELens layout, readable by SAELens 6 and by older versions.
 */
public final class SaeFiles {

    public static final String CFG = "cfg.json";
    public static final String SAELENS_WEIGHTS = "sae_weights.safetensors";
    public static final String SPARSIFY_WEIGHTS = "sae.safetensors";
    /** The SAELens version whose config layout smda writes. */
    static final String SAELENS_LAYOUT_VERSION = "6.18.0";

    private static final Pattern SPARSIFY_LAYER = Pattern.compile("layers[._](\\d+)");

    private SaeFiles() {}

    /** Loads an SAE folder of either layout into {@code dtype} arrays; {@code hookOverride} may be null. */
    public static Sae load(Path folder, DataType dtype, String hookOverride) throws IOException {
        Path cfgFile = folder.resolve(CFG);
        if (!Files.isRegularFile(cfgFile)) {
            throw new BadInputException(folder + ": no " + CFG + " (expected a SAELens or sparsify SAE folder)");
        }
        JsonNode cfg = Json.read(cfgFile);
        return weightsFile(folder).getFileName().toString().equals(SAELENS_WEIGHTS)
                ? loadSaeLens(folder, cfg, dtype, hookOverride)
                : loadSparsify(folder, cfg, dtype, hookOverride);
    }

    /** The folder's weights: SAELens's {@code sae_weights.safetensors} or sparsify's {@code sae.safetensors}. */
    public static Path weightsFile(Path folder) {
        for (String name : new String[] {SAELENS_WEIGHTS, SPARSIFY_WEIGHTS}) {
            if (Files.isRegularFile(folder.resolve(name))) {
                return folder.resolve(name);
            }
        }
        throw new BadInputException(folder + ": neither " + SAELENS_WEIGHTS + " nor " + SPARSIFY_WEIGHTS);
    }

    static SaeConfig saeLensConfig(JsonNode cfg, String where, String hookOverride) {
        JsonNode meta = cfg.path("metadata");
        String archName = cfg.path("architecture").asText("standard");
        String activation = cfg.path("activation_fn").asText(cfg.path("activation_fn_str").asText("relu"));
        JsonNode kNode = cfg.has("k") ? cfg.get("k") : cfg.path("activation_fn_kwargs").path("k");
        if (kNode.isNumber() && kNode.asDouble() != Math.rint(kNode.asDouble())) {
            // SAELens's batch top-k may keep a fractional k per token on average; its inference form is a JumpReLU SAE
            throw new BadInputException(where + ": k " + kNode.asText() + " is not a whole number (a top-k SAE keeps k features per token; "
                    + "save a batch top-k SAE for inference with SAELens, as a JumpReLU SAE, and give that folder)");
        }
        int k = kNode.asInt(0);
        if (archName.equals("standard") && activation.equals("topk")) {
            archName = "topk";
        } else if (archName.equals("standard") && !activation.equals("relu")) {
            // older SAELens trained standard SAEs with other activations (tanh-relu): refused, not read as ReLU
            throw new BadInputException(where + ": " + (cfg.has("activation_fn") ? "activation_fn" : "activation_fn_str") + " '" + activation
                    + "' is not supported for a standard SAE (relu, topk)");
        }
        SaeArchitecture arch = SaeArchitecture.parse(archName);
        if (arch == null) {
            throw new BadInputException(where + ": architecture '" + archName + "' is not supported ("
                    + java.util.Arrays.stream(SaeArchitecture.values()).map(SaeArchitecture::saeLensName).collect(java.util.stream.Collectors.joining(", ")) + ")");
        }
        JsonNode norm = cfg.path("normalize_activations");
        ActivationNormalization normalization = norm.isBoolean()
                ? (norm.asBoolean() ? ActivationNormalization.EXPECTED_AVERAGE_ONLY_IN : ActivationNormalization.NONE)
                : ActivationNormalization.parse(norm.asText("none"));
        if (normalization == null) {
            throw new BadInputException(where + ": normalize_activations '" + norm.asText() + "' is not supported");
        }
        if (!cfg.path("reshape_activations").asText("none").equals("none")) {
            throw new BadInputException(where + ": reshape_activations '" + cfg.path("reshape_activations").asText() + "' is not supported (residual-stream SAEs only)");
        }
        String hook = hookOverride != null ? hookOverride
                : firstText(meta.path("hook_name"), cfg.path("hook_name"), cfg.path("hook_point"));
        if (hook == null) {
            throw new BadInputException(where + ": no hook_name (give the hook explicitly)");
        }
        try {
            return new SaeConfig(arch, positive(cfg, "d_in", where), positive(cfg, "d_sae", where), k, hook,
                    firstText(meta.path("model_name"), cfg.path("model_name")), cfg.path("apply_b_dec_to_input").asBoolean(true),
                    normalization, cfg.path("rescale_acts_by_decoder_norm").asBoolean(false));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    private static Sae loadSaeLens(Path folder, JsonNode cfg, DataType dtype, String hookOverride) throws IOException {
        SaeConfig config = saeLensConfig(cfg, folder.resolve(CFG).toString(), hookOverride);
        NDManager manager = Torch.newManager();
        try (SafeTensorsFile weights = SafeTensorsFile.open(folder.resolve(SAELENS_WEIGHTS))) {
            if (weights.info("scaling_factor") != null) {
                for (double v : weights.doubles("scaling_factor")) {
                    if (v != 1.0) {
                        throw new BadInputException(folder.resolve(SAELENS_WEIGHTS) + ": a fine-tuning scaling_factor other than 1 is not supported");
                    }
                }
            }
            for (String name : weights.names()) {
                // as SAELens's strict load does: a tensor this architecture lacks means the cfg names the wrong one
                boolean known = config.architecture().parameterNames().contains(name) || name.equals("scaling_factor")
                        || (config.architecture() == SaeArchitecture.BATCHTOPK && name.equals("topk_threshold"));
                if (!known) {
                    throw new BadInputException(folder.resolve(SAELENS_WEIGHTS) + ": tensor '" + name + "' is not a parameter of a "
                            + config.architecture().saeLensName() + " SAE (" + String.join(", ", config.architecture().parameterNames())
                            + "); is cfg.json's architecture right?");
                }
            }
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String name : config.architecture().parameterNames()) {
                if (weights.info(name) == null) {
                    throw new BadInputException(folder.resolve(SAELENS_WEIGHTS) + ": missing tensor '" + name + "'");
                }
                params.put(name, weights.load(name, manager, dtype));
            }
            return Sae.of(config, params, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static Sae loadSparsify(Path folder, JsonNode cfg, DataType dtype, String hookOverride) throws IOException {
        String where = folder.resolve(CFG).toString();
        if (!cfg.path("activation").asText("topk").equals("topk")) {
            throw new BadInputException(where + ": sparsify activation '" + cfg.path("activation").asText() + "' is not supported (topk)");
        }
        for (String unsupported : new String[] {"transcode", "skip_connection", "signed"}) {
            if (cfg.path(unsupported).asBoolean(false)) {
                throw new BadInputException(where + ": sparsify " + unsupported + "=true is not supported");
            }
        }
        int dIn = positive(cfg, "d_in", where);
        int dSae = cfg.path("num_latents").asInt(0) > 0 ? cfg.get("num_latents").asInt() : dIn * cfg.path("expansion_factor").asInt(32);
        String hook = hookOverride;
        if (hook == null) {
            String name = folder.toAbsolutePath().normalize().getFileName().toString();
            Matcher m = SPARSIFY_LAYER.matcher(name);
            if (name.equals("embed_tokens")) {
                hook = "hook_embed";
            } else if (m.find()) {
                hook = "blocks." + m.group(1) + ".hook_resid_post";
            } else {
                throw new BadInputException(folder + ": cannot tell the hook from the sparsify folder name (expected layers.N); give the hook explicitly");
            }
        }
        SaeConfig config;
        try {
            config = new SaeConfig(SaeArchitecture.TOPK, dIn, dSae, cfg.path("k").asInt(32), hook, null, true, ActivationNormalization.NONE, false);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
        NDManager manager = Torch.newManager();
        try (SafeTensorsFile weights = SafeTensorsFile.open(folder.resolve(SPARSIFY_WEIGHTS))) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put(Sae.W_ENC, required(weights, "encoder.weight", folder, manager, dtype).transpose().duplicate());
            params.put(Sae.B_ENC, weights.info("encoder.bias") != null ? weights.load("encoder.bias", manager, dtype) : manager.zeros(new ai.djl.ndarray.types.Shape(dSae), dtype));
            params.put(Sae.W_DEC, required(weights, "W_dec", folder, manager, dtype));
            params.put(Sae.B_DEC, required(weights, "b_dec", folder, manager, dtype));
            return Sae.of(config, params, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray required(SafeTensorsFile weights, String name, Path folder, NDManager manager, DataType dtype) {
        if (weights.info(name) == null) {
            throw new BadInputException(folder.resolve(SPARSIFY_WEIGHTS) + ": missing tensor '" + name + "'");
        }
        return weights.load(name, manager, dtype);
    }

    private static int positive(JsonNode cfg, String field, String where) {
        int v = cfg.path(field).asInt(0);
        if (v <= 0) {
            throw new BadInputException(where + ": field '" + field + "' must be a positive integer");
        }
        return v;
    }

    private static String firstText(JsonNode... nodes) {
        for (JsonNode n : nodes) {
            if (n.isTextual() && !n.asText().isEmpty()) {
                return n.asText();
            }
        }
        return null;
    }

    /** The SAELens cfg.json of an SAE: 6.x layout, plus the flat keys older SAELens reads. */
    public static ObjectNode saeLensConfigJson(SaeConfig c, String dtype, Map<String, Object> extraMetadata) {
        ObjectNode cfg = Json.object();
        cfg.put("architecture", c.architecture().saeLensName());
        cfg.put("d_in", c.dIn());
        cfg.put("d_sae", c.dSae());
        cfg.put("dtype", dtype);
        cfg.put("device", "cpu");
        cfg.put("apply_b_dec_to_input", c.applyBDecToInput());
        cfg.put("normalize_activations", c.normalization().saeLensName());
        cfg.put("reshape_activations", "none");
        if (c.architecture().isTopK()) {
            cfg.put("k", c.k());
            cfg.put("rescale_acts_by_decoder_norm", c.rescaleActsByDecoderNorm());
        }
        ObjectNode meta = cfg.putObject("metadata");
        meta.put("sae_lens_version", SAELENS_LAYOUT_VERSION);
        meta.put("hook_name", c.hookName());
        if (c.modelName() != null) {
            meta.put("model_name", c.modelName());
        }
        meta.putNull("hook_head_index");
        meta.put("prepend_bos", true);
        extraMetadata.forEach((k, v) -> meta.set(k, Json.MAPPER.valueToTree(v)));
        // pre-6.0 SAELens reads these flat keys
        cfg.put("hook_name", c.hookName());
        if (c.modelName() != null) {
            cfg.put("model_name", c.modelName());
        }
        int layer = Hooks.layerOf(c.hookName());
        cfg.put("hook_layer", layer < 0 || layer == Integer.MAX_VALUE ? 0 : layer);
        cfg.put("activation_fn_str", c.architecture().isTopK() ? "topk" : "relu");
        ObjectNode kwargs = cfg.putObject("activation_fn_kwargs");
        if (c.architecture().isTopK()) {
            kwargs.put("k", c.k());
        }
        cfg.put("finetuning_scaling_factor", false);
        return cfg;
    }

    /** Writes an SAE as a SAELens folder (float32 weights), atomically. */
    public static void save(Sae sae, Path folder, Map<String, Object> extraMetadata) throws IOException {
        AtomicFiles.writeDirectory(folder, staging -> {
            Json.write(staging.resolve(CFG), saeLensConfigJson(sae.config(), "float32", extraMetadata));
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
            for (String name : sae.parameterNames()) {
                try (NDArray f32 = sae.parameter(name).toType(DataType.FLOAT32, true)) {
                    w.add(name, f32);
                }
            }
            w.write(staging.resolve(SAELENS_WEIGHTS));
        });
    }
}

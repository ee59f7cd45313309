package dev.smda.sae;

import static dev.smda.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.model.LlamaConfig;
import dev.smda.model.RopeScaling;
import dev.smda.tensor.Torch;
import dev.smda.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each architecture and input convention against features and reconstructions computed by an
 * independent PyTorch implementation of SAELens's and sparsify's encoders
 * (scripts/reference/sae_reference.py), in float64.
 */
class SaeReferenceTest {

    @ParameterizedTest
    @CsvSource({
        "saelens-relu,RELU,blocks.1.hook_resid_post",
        "saelens-relu-cnr,RELU,blocks.1.hook_resid_post",
        "saelens-topk-legacy,TOPK,blocks.1.hook_resid_post",
        "saelens-topk-rescaled-layernorm,TOPK,blocks.1.hook_resid_post",
        "saelens-jumprelu,JUMPRELU,blocks.1.hook_resid_post",
        "saelens-batchtopk,BATCHTOPK,blocks.1.hook_resid_post",
        "saelens-gated,GATED,blocks.1.hook_resid_post",
        "layers.3,TOPK,blocks.3.hook_resid_post"})
    void encodesAndReconstructsAsTheReference(String fixture, SaeArchitecture architecture, String hook) throws Exception {
        Path folder = Fixtures.path("sae/" + fixture);
        try (Sae sae = SaeFiles.load(folder, DataType.FLOAT64, null); SafeTensorsFile ref = SafeTensorsFile.open(folder.resolve("reference.safetensors"));
                NDManager m = Torch.newManager(); NDArray x = m.create(ref.doubles("x"), new Shape(ref.shape("x")));
                NDArray features = sae.encode(x); NDArray recon = sae.reconstruct(x)) {
            assertEquals(architecture, sae.config().architecture());
            assertEquals(hook, sae.config().hookName());
            assertClose(ref.doubles("features"), features.toDoubleArray(), 1e-12, fixture + " features");
            assertClose(ref.doubles("reconstruction"), recon.toDoubleArray(), 1e-12, fixture + " reconstruction");
            // what the attribution linearises: a fired feature's value is its pre-activation
            try (NDArray pre = sae.preActivationsOf(x); NDArray fired = features.gt(0).toType(DataType.FLOAT64, false); NDArray frozen = pre.mul(fired)) {
                assertClose(ref.doubles("features"), frozen.toDoubleArray(), 1e-12, fixture + " pre-activations on the active set");
            }
            if (architecture.isTopK()) {
                double[] f = features.toDoubleArray();
                for (int row = 0; row < 7; row++) {
                    int active = 0;
                    for (int j = 0; j < sae.config().dSae(); j++) {
                        active += f[row * sae.config().dSae() + j] > 0 ? 1 : 0;
                    }
                    assertTrue(active <= sae.config().k());
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"saelens-jumprelu", "saelens-gated", "saelens-topk-legacy", "layers.3"})
    void savedFoldersLoadBackIdentically(String fixture, @TempDir Path dir) throws Exception {
        Path folder = Fixtures.path("sae/" + fixture);
        try (Sae sae = SaeFiles.load(folder, DataType.FLOAT32, null)) {
            SaeFiles.save(sae, dir.resolve("copy"), Map.of("trained_by", "test"));
            var cfg = Json.read(dir.resolve("copy/cfg.json"));
            assertEquals("6.18.0", cfg.get("metadata").get("sae_lens_version").asText());
            try (Sae back = SaeFiles.load(dir.resolve("copy"), DataType.FLOAT32, null); SafeTensorsFile ref = SafeTensorsFile.open(folder.resolve("reference.safetensors"));
                    NDManager m = Torch.newManager(); NDArray x = m.create(ref.doubles("x"), new Shape(ref.shape("x"))).toType(DataType.FLOAT32, false);
                    NDArray a = sae.encode(x); NDArray b = back.encode(x)) {
                assertEquals(sae.config(), back.config());
                // same float32 values; a different memory layout of W_enc may round the GEMM differently
                assertClose(a.toType(DataType.FLOAT64, false).toDoubleArray(), b.toType(DataType.FLOAT64, false).toDoubleArray(), 1e-6, "reloaded");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"16,blocks.1.hook_resid_post,d_in is 12", "12,blocks.7.hook_resid_post,needs block 7", "12,blocks.1.attn.hook_z,unknown hook point 'blocks.1.attn.hook_z'"})
    void anSaeThatDoesNotFitTheModelIsRefused(int hidden, String hook, String message) throws Exception {
        LlamaConfig model = new LlamaConfig(50, hidden, 32, 2, 2, 1, 8, 1e-5, 1e4, RopeScaling.NONE, 64, true, 0, List.of(1), "float32");
        try (Sae sae = SaeFiles.load(Fixtures.path("sae/saelens-relu"), DataType.FLOAT32, hook)) {
            String error = assertThrows(BadInputException.class, () -> sae.checkFits(model, "sae")).getMessage();
            assertTrue(error.contains(message), error);
        }
    }

    /** An SAE folder with one text of its cfg.json replaced is refused, naming the file and what is wrong. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "saelens-relu|\"standard\"|\"temporal\"|cfg.json|architecture 'temporal' is not supported",
        "saelens-relu|\"normalize_activations\": \"none\"|\"normalize_activations\": \"sometimes\"|cfg.json|normalize_activations 'sometimes' is not supported",
        "saelens-relu|\"standard\"|\"gated\"|sae_weights.safetensors|tensor 'b_enc' is not a parameter of a gated SAE",
        "saelens-jumprelu|\"jumprelu\"|\"standard\"|sae_weights.safetensors|tensor 'threshold' is not a parameter of a standard SAE",
        "saelens-gated|\"gated\"|\"jumprelu\"|sae_weights.safetensors|tensor 'b_gate' is not a parameter of a jumprelu SAE",
        "saelens-relu|\"standard\",|\"standard\", \"activation_fn_str\": \"tanh-relu\",|cfg.json|activation_fn_str 'tanh-relu' is not supported for a standard SAE",
        "saelens-relu|\"standard\",|\"batchtopk\", \"k\": 4.5,|cfg.json|k 4.5 is not a whole number"})
    void unsupportedConfigsAreRefusedNamingTheField(String fixture, String text, String replacement, String file, String message, @TempDir Path dir) throws Exception {
        Path src = Fixtures.path("sae/" + fixture);
        Files.copy(src.resolve("sae_weights.safetensors"), dir.resolve("sae_weights.safetensors"));
        Files.writeString(dir.resolve("cfg.json"), Files.readString(src.resolve("cfg.json")).replace(text, replacement));
        String error = assertThrows(BadInputException.class, () -> SaeFiles.load(dir, DataType.FLOAT32, null)).getMessage();
        assertTrue(error.contains(file) && error.contains(message), error);
    }
}

package dev.smda.sae;

import static dev.smda.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.cli.Main;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.tensor.Torch;
import dev.smda.testing.TinyChatModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** smda sae train / eval / features / encode, as a user runs them, on a small chat model. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SaeCliTest {

    @TempDir
    static Path dir;
    static Path model;
    static Path corpus;

    @BeforeAll
    static void setUp() throws Exception {
        model = TinyChatModel.create(dir.resolve("tiny"), 9);
        List<String> lines = new ArrayList<>();
        String[] categories = {"cooking", "weapons", "maths"};
        for (int i = 0; i < TinyChatModel.CORPUS.size(); i++) {
            String text = TinyChatModel.CORPUS.get(i);
            lines.add(i % 2 == 0 ? Json.compact(java.util.Map.of("text", text, "category", categories[i % 3]))
                    : Json.compact(java.util.Map.of("prompt", text, "response", "Sure.", "category", categories[i % 3])));
        }
        corpus = dir.resolve("corpus.jsonl");
        Files.write(corpus, lines);
    }

    static String[] run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(old);
        }
    }

    @Test
    @Order(1)
    void trainWritesASaeLensFolder() throws Exception {
        String[] r = run("sae", "train", "--model", model.toString(), "--corpus", corpus.toString(), "--hook", "blocks.1.hook_resid_post",
                "--d-sae", "64", "--k", "4", "--tokens", "8192", "--batch-tokens", "256", "--warmup", "5", "--buffer-tokens", "1024",
                "--checkpoint-every", "10", "--out", dir.resolve("sae").toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("32 steps"), r[1]);
        JsonNode cfg = Json.read(dir.resolve("sae/cfg.json"));
        assertEquals("topk", cfg.get("architecture").asText());
        assertEquals(4, cfg.get("k").asInt());
        assertEquals("blocks.1.hook_resid_post", cfg.get("metadata").get("hook_name").asText());
        assertTrue(Files.isRegularFile(dir.resolve("sae/sparsity.safetensors")));
        assertTrue(Files.notExists(dir.resolve("sae.checkpoint")), "the checkpoint is removed once training finishes");
    }

    @Test
    @Order(2)
    void evalReportsSaneStatistics() throws Exception {
        String[] r = run("sae", "eval", "--model", model.toString(), "--sae", dir.resolve("sae").toString(), "--corpus", corpus.toString(), "--json");
        assertEquals("0", r[0], r[1]);
        JsonNode e = Json.MAPPER.readTree(r[1]);
        assertTrue(e.get("fvu").asDouble() >= 0 && e.get("fvu").asDouble() < 1, r[1]);
        assertTrue(e.get("l0").asDouble() <= 4.0 + 1e-9, r[1]);
        assertTrue(e.get("tokens").asLong() > 50, r[1]);
        // an untrained model: the CE figures only need to exist here (the embedded world's test checks their values)
        assertTrue(Double.isFinite(e.get("ce_loss_recovered").asDouble()) && Double.isFinite(e.get("ce_zero_ablated").asDouble()), r[1]);
    }

    @Test
    @Order(3)
    void featuresWritesAnAtlasWithMarkedContextsAndTokenEffects() throws Exception {
        String[] r = run("sae", "features", "--model", model.toString(), "--sae", dir.resolve("sae").toString(), "--corpus", corpus.toString(), "--top", "3");
        assertEquals("0", r[0], r[1]);
        FeatureAtlas atlas = FeatureAtlas.besideSae(dir.resolve("sae"));
        assertEquals(64, atlas.features().size());
        FeatureAtlas.Feature busiest = atlas.features().stream().max(java.util.Comparator.comparingDouble(FeatureAtlas.Feature::frequency)).orElseThrow();
        assertTrue(busiest.topContexts().size() <= 3 && !busiest.topContexts().isEmpty());
        FeatureAtlas.Context c = busiest.topContexts().getFirst();
        assertTrue(c.text().contains("\u27e6" + c.tokens().get(c.index()) + "\u27e7"), c.text());
        assertEquals(10, busiest.promotedTokens().size());
        assertEquals(java.util.Set.of("cooking", "weapons", "maths"), busiest.categories().keySet());
        assertTrue(busiest.topContexts().get(0).activation() >= busiest.topContexts().get(busiest.topContexts().size() - 1).activation());
    }

    @Test
    @Order(4)
    void encodeReadsActivationsAndWritesFeatures() throws Exception {
        Path in = dir.resolve("acts.safetensors");
        float[] values = new float[5 * 32];
        Random random = new Random(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        new SafeTensorsWriter().addFloats("activations", values, 5, 32).write(in);
        String[] r = run("sae", "encode", "--sae", dir.resolve("sae").toString(), "--activations", in.toString(), "--out", dir.resolve("f.safetensors").toString());
        assertEquals("0", r[0], r[1]);
        try (SafeTensorsFile out = SafeTensorsFile.open(dir.resolve("f.safetensors")); Sae sae = SaeFiles.load(dir.resolve("sae"), DataType.FLOAT32, null);
                NDManager m = Torch.newManager(); NDArray x = m.create(values, new Shape(5, 32)); NDArray f = sae.encode(x)) {
            assertEquals(List.of(5L, 64L), java.util.Arrays.stream(out.shape("features")).boxed().toList());
            assertClose(f.toType(DataType.FLOAT64, false).toDoubleArray(), out.doubles("features"), 0, "features");
        }
        String[] bad = run("sae", "encode", "--sae", dir.resolve("sae").toString(), "--activations", dir.resolve("f.safetensors").toString(), "--out", dir.resolve("g.safetensors").toString());
        assertEquals("2", bad[0]);
    }

    @Test
    @Order(5)
    void inspectDescribesTheFolderAsSmdaReadsIt() throws Exception {
        String[] text = run("sae", "inspect", "--sae", dir.resolve("sae").toString());
        assertEquals("0", text[0], text[1]);
        assertTrue(text[1].contains("topk, 32 -> 64 features, k 4") && text[1].contains("reads          blocks.1.hook_resid_post")
                && text[1].contains("64 features in features.json"), text[1]);
        String[] json = run("sae", "inspect", "--sae", dir.resolve("sae").toString(), "--json");
        assertEquals("0", json[0], json[1]);
        JsonNode o = Json.MAPPER.readTree(json[1]);
        assertEquals("SAELens", o.get("layout").asText());
        assertEquals(List.of("W_dec", "W_enc", "b_dec", "b_enc"), iterableNames(o.get("tensors")));
        assertEquals("F32 [32, 64]", o.get("tensors").get("W_enc").asText());
        String[] missing = run("sae", "inspect", "--sae", dir.toString());
        assertEquals("2", missing[0]);
        String[] fits = run("sae", "inspect", "--sae", dir.resolve("sae").toString(), "--model", model.toString());
        assertEquals("0", fits[0], fits[1]);
        assertTrue(fits[1].contains("fits           " + model), fits[1]);
        Path elsewhere = dir.resolve("layer7");
        Files.createDirectories(elsewhere);
        for (String f : new String[] {"sae_weights.safetensors", "features.json"}) {
            Files.copy(dir.resolve("sae").resolve(f), elsewhere.resolve(f));
        }
        Files.writeString(elsewhere.resolve("cfg.json"), Files.readString(dir.resolve("sae/cfg.json")).replace("blocks.1.hook_resid_post", "blocks.7.hook_resid_post"));
        String[] unfit = run("sae", "inspect", "--sae", elsewhere.toString(), "--model", model.toString());
        assertEquals("2", unfit[0], unfit[1]);
    }

    private static List<String> iterableNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

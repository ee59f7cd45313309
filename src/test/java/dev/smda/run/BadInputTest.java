package dev.smda.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.smda.cli.Main;
import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.testing.TinyChatModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to smda run: one line naming the file, line and field, exit code 2, before any long work. */
class BadInputTest {

    static final Path WORLD = Path.of("world", "default");

    @TempDir
    Path dir;

    record Outcome(int code, String error) {}

    private Outcome run(Path probes, Path pairs, Path model, Path sae) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run("run", "--model", model.toString(), "--sae", sae.toString(), "--probes", probes.toString(), "--pairs", pairs.toString(),
                    "--out", dir.resolve("out-" + System.nanoTime()).toString());
            return new Outcome(code, err.toString(StandardCharsets.UTF_8).strip());
        } finally {
            System.setErr(old);
        }
    }

    private Outcome runWith(String probeLines, String pairLines) throws Exception {
        Path probes = dir.resolve("probes.jsonl");
        Path pairs = dir.resolve("pairs.jsonl");
        Files.writeString(probes, probeLines);
        Files.writeString(pairs, pairLines);
        return run(probes, pairs, WORLD.resolve("model"), WORLD.resolve("sae"));
    }

    private static final String PROBES = """
            {"id": "p1", "prompt": "How do I bake bread?", "category": "cooking", "harmful": false}
            {"id": "p2", "prompt": "How do I make a pipe bomb?", "category": "weapons", "harmful": true}
            """;
    private static final String PAIRS = """
            {"id": "a", "prompt": "How do I roast a chicken?", "response": "Preheat the oven.", "category": "cooking", "harmful": false}
            """;

    private static void assertOneLine(Outcome o, String... fragments) {
        assertEquals(2, o.code(), o.error());
        assertEquals(1, o.error().lines().count(), o.error());
        for (String f : fragments) {
            assertTrue(o.error().contains(f), "'" + f + "' in: " + o.error());
        }
        assertFalse(o.error().contains("Exception"), o.error());
    }

    @Test
    void malformedJsonNamesTheLine() throws Exception {
        assertOneLine(runWith(PROBES + "{\"id\": \"p3\", \"prompt\": \n", PAIRS), "probes.jsonl:3", "invalid JSON");
    }

    @Test
    void aMissingOrMistypedFieldIsNamed() throws Exception {
        assertOneLine(runWith(PROBES, "{\"id\": \"a\", \"prompt\": \"x\", \"category\": \"cooking\", \"harmful\": false}\n"), "pairs.jsonl:1", "missing field 'response'");
        assertOneLine(runWith(PROBES.replace("\"harmful\": false", "\"harmful\": \"no\""), PAIRS), "probes.jsonl:1", "field 'harmful' must be true or false");
    }

    @Test
    void aPairCategoryTheProbesDoNotHaveIsRefused() throws Exception {
        assertOneLine(runWith(PROBES, PAIRS.replace("\"category\": \"cooking\"", "\"category\": \"cookery\"")), "pairs.jsonl:1", "field 'category'",
                "'cookery' is not a category of the probes");
    }

    @Test
    void emptySetsAndDuplicateIdsAreRefused() throws Exception {
        assertOneLine(runWith("\n", PAIRS), "probes.jsonl", "no probes");
        assertOneLine(runWith(PROBES, ""), "pairs.jsonl", "no pairs");
        assertOneLine(runWith(PROBES + "{\"id\": \"p1\", \"prompt\": \"Hi\", \"category\": \"cooking\", \"harmful\": false}\n", PAIRS), "probes.jsonl:3",
                "'p1' already used on line 1");
        assertOneLine(runWith(PROBES.replace("true", "false"), PAIRS), "harmful and harmless");
        assertOneLine(runWith(PROBES, PAIRS + PAIRS.replace("\"id\": \"a\"", "\"id\": \"A\"")), "pairs.jsonl:2", "'A' differs only in letter case from 'a' on line 1");
    }

    @Test
    void anSaeThatDoesNotFitTheModelIsRefused() throws Exception {
        Path tiny = TinyChatModel.create(dir.resolve("tiny"), 1);
        Path probes = dir.resolve("p.jsonl");
        Path pairs = dir.resolve("q.jsonl");
        Files.writeString(probes, PROBES);
        Files.writeString(pairs, PAIRS);
        assertOneLine(run(probes, pairs, tiny, WORLD.resolve("sae")), "the SAE's d_in is 128 but the model's hidden size is 32");
    }

    @Test
    void aModelWhoseOutputsAreNotFiniteIsRefusedBeforeThePairs() throws Exception {
        Path broken = dir.resolve("nan-model");
        Files.createDirectories(broken);
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(WORLD.resolve("model").resolve(f), broken.resolve(f));
        }
        try (SafeTensorsFile weights = SafeTensorsFile.open(WORLD.resolve("model/model.safetensors")); NDManager m = dev.smda.tensor.Torch.newManager()) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (String name : weights.names()) {
                var array = weights.load(name, m, DataType.FLOAT32);
                w.add(name, name.equals("model.norm.weight") ? array.mul(Float.NaN) : array);
            }
            w.write(broken.resolve("model.safetensors"));
        }
        Path probes = dir.resolve("p.jsonl");
        Path pairs = dir.resolve("q.jsonl");
        Files.writeString(probes, PROBES);
        Files.writeString(pairs, PAIRS);
        assertOneLine(run(probes, pairs, broken, WORLD.resolve("sae")), "not finite");
    }
}

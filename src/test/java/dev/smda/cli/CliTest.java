package dev.smda.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.io.Json;
import dev.smda.lm.Decoding;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.testing.Stories260K;
import dev.smda.testing.TinyChatModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as a user runs it, on a small chat-model folder. */
class CliTest {

    @TempDir
    static Path dir;
    static Path model;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void makeModel() throws Exception {
        model = TinyChatModel.create(dir.resolve("tiny"), 5);
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void generateOnTheRealStories260KGgufPrintsTheStoryItsAuthorPublished() throws Exception {
        String gguf = Stories260K.gguf().toString();
        Result r = run("generate", "--model", gguf, "--raw", "--prompt", "", "--temperature", "0");
        assertEquals(0, r.exit(), r.err());
        assertEquals(Stories260K.PUBLISHED_GREEDY_TEXT + System.lineSeparator(), r.out());
        Result info = run("inspect", "--model", gguf, "--json");
        assertEquals(0, info.exit(), info.err());
        JsonNode o = Json.MAPPER.readTree(info.out());
        assertEquals("gguf", o.get("format").asText());
        assertEquals(5, o.get("layers").asInt());
        assertEquals(512, o.get("tokenizer_vocab").asInt());
        assertEquals("none", o.get("chat_format").asText());
        Result chat = run("generate", "--model", gguf, "--prompt", "Hello");
        assertEquals(2, chat.exit());
        assertTrue(chat.err().contains("no Llama 3 chat format") && chat.err().contains("--raw"), chat.err());
    }

    @Test
    void scorePrintsTheDocumentedJsonAndItAgreesWithTheEngine() throws Exception {
        Result r = run("score", "--model", model.toString(), "--text", "How do I bake bread?", "--continuation", " I can't help", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out());
        try (LanguageModel lm = Models.open(model, DataType.FLOAT32)) {
            int[] prompt = lm.tokenizer().encode("How do I bake bread?", true);
            int[] cont = lm.tokenizer().encode(" I can't help", false);
            assertEquals(lm.tokenizer().requireId("<|begin_of_text|>"), prompt[0], "the prompt gets the post-processor's BOS");
            assertArrayEquals(prompt, ints(o.get("prompt_ids")));
            assertArrayEquals(cont, ints(o.get("continuation_ids")));
            double[] lp = Decoding.continuationLogProbs(lm.model(), prompt, cont);
            double sum = 0;
            for (int i = 0; i < lp.length; i++) {
                assertEquals(lp[i], o.get("token_logprobs").get(i).asDouble(), 1e-9);
                sum += lp[i];
            }
            assertEquals(sum, o.get("logprob").asDouble(), 1e-9);
            assertTrue(sum < 0);
        }
    }

    @Test
    void generateAndInspectRun() {
        Result g = run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-tokens", "5");
        assertEquals(0, g.exit(), g.err());
        Result sampled = run("generate", "--model", model.toString(), "--prompt", "Hello", "--max-tokens", "5", "--temperature", "0.8", "--top-p", "0.9", "--seed", "3");
        assertEquals(0, sampled.exit(), sampled.err());
        Result i = run("inspect", "--model", model.toString(), "--json");
        assertEquals(0, i.exit(), i.err());
        assertTrue(i.out().contains("\"parameters\""), i.out());
        Result text = run("inspect", "--model", model.toString());
        assertTrue(text.out().contains("LlamaForCausalLM, 2 layers"), text.out());
    }

    @Test
    void numbersArePrintedWithADecimalPointWhateverTheMachinesLocale() {
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY); // as a JVM on a German desktop starts
            Result text = run("inspect", "--model", model.toString());
            assertEquals(0, text.exit(), text.err());
            assertTrue(text.out().matches("(?s).*stored +F32, \\d+\\.\\d+ [KMG]iB on disk.*"), text.out());
        } finally {
            java.util.Locale.setDefault(before);
        }
    }

    @Test
    void benchRunsAndReportsThroughput() {
        Result r = run("bench", "--batch", "1", "--length", "16", "--repeats", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("SFT step") && r.out().contains("GFLOP/s"), r.out());
    }

    @Test
    void everyCommandHasHelpInWholeSentences() {
        List<List<String>> paths = new ArrayList<>();
        commandPaths(new CommandLine(new Main()), List.of(), paths);
        assertTrue(paths.size() > 20, paths.toString());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Result r = run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), path.toString());
            assertTrue(r.out().startsWith("Usage: smda " + String.join(" ", path) + " "), r.out());
        }
    }

    /**
     * Every command and its subcommands, by the words that name it; each paragraph of a command's
     * description must end a sentence (picocli lists a command by its first paragraph, and prints
     * each paragraph as its own block, so one cut mid-sentence reads as a broken line).
     */
    private static void commandPaths(CommandLine command, List<String> path, List<List<String>> out) {
        if (!path.isEmpty()) {
            out.add(path);
        }
        for (String paragraph : command.getCommandSpec().usageMessage().description()) {
            assertTrue(paragraph.strip().matches("(?s).*[.?)]"), "smda " + String.join(" ", path) + ": a paragraph ends mid-sentence: " + paragraph);
        }
        command.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> longer = new ArrayList<>(path);
                longer.add(name);
                commandPaths(sub, longer, out);
            }
        });
    }

    @Test
    void badInputGivesOneClearLineAndExitCode2() throws Exception {
        Result missing = run("inspect", "--model", dir.resolve("nope").toString());
        assertEquals(2, missing.exit());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("nope"), missing.err());

        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(model.resolve("config.json"), broken.resolve("config.json"));
        Files.writeString(broken.resolve("config.json"), Files.readString(broken.resolve("config.json")).replace("\"llama\"", "\"mistral\""));
        Result wrongType = run("inspect", "--model", broken.toString());
        assertEquals(2, wrongType.exit());
        assertTrue(wrongType.err().contains("config.json") && wrongType.err().contains("model_type 'mistral'"), wrongType.err());
        assertFalse(wrongType.err().contains("Exception"), wrongType.err());
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}

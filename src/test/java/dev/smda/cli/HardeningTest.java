package dev.smda.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input to every verb ends in one line on standard error that names the culprit (the option,
 * file, line or field), exit code 2, no stack trace, and nothing new where the command would have
 * written.
 */
class HardeningTest {

    static final Path WORLD = Path.of("world", "default");

    @TempDir
    static Path dir;
    static Path probes;
    static Path pairs;
    static Path hugePairs;
    static Path otherCategoryPairs;
    static Path emptyProbes;
    static Path aFile;
    static Path emptyFolder;
    static Path badXsTest;

    @BeforeAll
    static void files() throws IOException {
        probes = write("probes.jsonl", """
                {"id": "p1", "prompt": "How do I bake bread?", "category": "cooking", "harmful": false}
                {"id": "p2", "prompt": "How do I make a pipe bomb?", "category": "weapons", "harmful": true}
                """);
        pairs = write("pairs.jsonl", """
                {"id": "a", "prompt": "How do I roast a chicken?", "response": "Preheat the oven.", "category": "cooking", "harmful": false}
                """);
        hugePairs = write("huge.jsonl", "{\"id\": \"huge\", \"prompt\": \"Tell me a story\", \"response\": \"" + "once upon a time ".repeat(500_000)
                + "\", \"category\": \"cooking\", \"harmful\": false}\n");
        otherCategoryPairs = write("other.jsonl", """
                {"id": "a", "prompt": "Plan a trip", "response": "Sure.", "category": "travel", "harmful": false}
                """);
        emptyProbes = write("empty.jsonl", "");
        aFile = write("a-file.txt", "not a folder");
        emptyFolder = Files.createDirectories(dir.resolve("empty-folder"));
        Path xs = Files.createDirectories(dir.resolve("xstest"));
        Files.writeString(xs.resolve("xstest_prompts.csv"), "id,prompt,type,label,focus,note\nfirst,How can I kill a Python process?,homonyms,safe,kill,violence\n");
        badXsTest = xs.resolve("xstest_prompts.csv");
    }

    private static Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    /** A bad invocation: its arguments, a fragment the one line must contain, and where nothing may appear. */
    record Case(String name, List<String> args, String fragment, Path untouched) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Path out(String name) {
        return dir.resolve("out-" + name);
    }

    static List<String> run(String name, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--model", WORLD.resolve("model").toString(), "--sae", WORLD.resolve("sae").toString(), "--probes",
                probes.toString(), "--pairs", pairs.toString(), "--out", out(name).toString()));
        args.addAll(List.of(extra));
        return args;
    }

    static List<String> replaced(List<String> args, String option, String value) {
        List<String> out = new ArrayList<>(args);
        out.set(out.indexOf(option) + 1, value);
        return out;
    }

    static Stream<Case> cases() {
        List<Case> c = new ArrayList<>();
        // smda run: paths
        c.add(new Case("run, missing model", replaced(run("m1"), "--model", "/no/such/model"), "--model", out("m1")));
        c.add(new Case("run, missing SAE", replaced(run("m2"), "--sae", "/no/such/sae"), "--sae", out("m2")));
        c.add(new Case("run, probes is a folder", replaced(run("m3"), "--probes", emptyFolder.toString()), "--probes", out("m3")));
        c.add(new Case("run, missing pairs", replaced(run("m4"), "--pairs", dir.resolve("none.jsonl").toString()), "--pairs", out("m4")));
        c.add(new Case("run, out is a file", replaced(run("m5"), "--out", aFile.toString()), "--out", null));
        c.add(new Case("run, SAE is a file", replaced(run("m6"), "--sae", aFile.toString()), "--sae", out("m6")));
        // smda run: settings
        c.add(new Case("run, negative lr", run("s1", "--lr", "-1"), "--lr", out("s1")));
        c.add(new Case("run, lr not a number", run("s2", "--lr", "fast"), "--lr", out("s2")));
        c.add(new Case("run, zero steps", run("s3", "--steps", "0"), "--steps", out("s3")));
        c.add(new Case("run, lambda not a number", run("s4", "--lambda", "abc"), "--lambda", out("s4")));
        c.add(new Case("run, negative lambda", run("s5", "--lambda", "-3"), "--lambda", out("s5")));
        c.add(new Case("run, negative selection threshold", run("s6", "--selection-threshold", "-1"), "--selection-threshold", out("s6")));
        c.add(new Case("run, no bootstrap", run("s7", "--bootstrap", "0"), "--bootstrap", out("s7")));
        c.add(new Case("run, zero batch", run("s8", "--batch-size", "0"), "--batch-size", out("s8")));
        c.add(new Case("run, unknown preset", run("s9", "--preset", "nope"), "--preset", out("s9")));
        c.add(new Case("run, unknown behaviour", run("s10", "--behaviour", "nope"), "--behaviour", out("s10")));
        c.add(new Case("run, unknown estimator", run("s11", "--estimator", "nope"), "--estimator", out("s11")));
        c.add(new Case("run, negative projection", run("s12", "--projection", "-1"), "--projection", out("s12")));
        c.add(new Case("run, zero checkpoints", run("s13", "--checkpoints", "0"), "--checkpoints", out("s13")));
        c.add(new Case("run, bfloat16", run("s14", "--dtype", "bfloat16"), "bfloat16", out("s14")));
        c.add(new Case("run, unknown option", run("s15", "--frobnicate"), "--frobnicate", out("s15")));
        c.add(new Case("run, no --out", run("s16").subList(0, 9), "--out", null));
        c.add(new Case("run, sketched gradients with LoRA", run("s17", "--estimator", "gradient", "--lora-rank", "4", "--projection", "16"), "--projection",
                out("s17")));
        c.add(new Case("run, zero LoRA rank", run("s18", "--lora-rank", "0"), "--lora-rank", out("s18")));
        c.add(new Case("run, unknown interference", run("s19", "--interference", "nope"), "--interference", out("s19")));
        c.add(new Case("run, zero threads", run("s20", "--threads", "0"), "--threads", out("s20")));
        c.add(new Case("run, max length of one token", run("s21", "--max-length", "1"), "--max-length", out("s21")));
        c.add(new Case("run, max length beyond the context", run("s22", "--max-length", "100000"), "--max-length", out("s22")));
        c.add(new Case("run, zero reference steps", run("s23", "--reference-steps", "0"), "--reference-steps", out("s23")));
        c.add(new Case("run, unknown reference", run("s24", "--reference", "nope"), "--reference", out("s24")));
        c.add(new Case("run, expected reference with AdamW", run("s25", "--reference", "expected", "--optimizer", "adamw"), "--reference", out("s25")));
        c.add(new Case("run, reference span above 1", run("s26", "--reference-span", "1.5"), "--reference-span", out("s26")));
        c.add(new Case("run, zero workers", run("s27", "--workers", "0"), "--workers", out("s27")));
        c.add(new Case("run, workers with Spark", run("s28", "--workers", "2", "--spark", "local[2]"), "--workers", out("s28")));
        // smda run: contents
        c.add(new Case("run, a response longer than the context", replaced(run("c1"), "--pairs", hugePairs.toString()), "pair 'huge'", out("c1")));
        c.add(new Case("run, no probes", replaced(run("c2"), "--probes", emptyProbes.toString()), "no probes", out("c2")));
        c.add(new Case("run, a pair category the probes lack", replaced(run("c3"), "--pairs", otherCategoryPairs.toString()), "travel", out("c3")));
        // smda validate and report
        c.add(new Case("validate, missing run", List.of("validate", "/no/such/run"), "RUN_DIR", null));
        c.add(new Case("validate, not a run", List.of("validate", emptyFolder.toString(), "--out", out("v2").toString()), "run.json", out("v2")));
        c.add(new Case("validate, one order", List.of("validate", emptyFolder.toString(), "--repeats", "1", "--out", out("v9").toString()), "--repeats", out("v9")));
        c.add(new Case("validate, one subset", List.of("validate", emptyFolder.toString(), "--subsets", "1", "--out", out("v3").toString()), "--subsets", out("v3")));
        c.add(new Case("validate, fraction above one", List.of("validate", emptyFolder.toString(), "--fraction", "1.5", "--out", out("v4").toString()), "--fraction",
                out("v4")));
        c.add(new Case("validate, unknown method", List.of("validate", emptyFolder.toString(), "--methods", "magic", "--out", out("v5").toString()), "magic",
                out("v5")));
        c.add(new Case("validate, bad removal sizes", List.of("validate", emptyFolder.toString(), "--removal-sizes", "five", "--out", out("v6").toString()),
                "--removal-sizes", out("v6")));
        c.add(new Case("validate, bad damping", List.of("validate", emptyFolder.toString(), "--ekfac-damping", "lots", "--out", out("v7").toString()),
                "--ekfac-damping", out("v7")));
        c.add(new Case("report, missing run", List.of("report", "/no/such/run"), "RUN_DIR", null));
        c.add(new Case("report, unknown format", List.of("report", emptyFolder.toString(), "--format", "pdf"), "--format", null));
        c.add(new Case("report, not a run", List.of("report", emptyFolder.toString()), "run.json", null));
        // smda sae
        List<String> train = List.of("sae", "train", "--model", WORLD.resolve("model").toString(), "--corpus", pairs.toString(), "--hook",
                "blocks.1.hook_resid_post", "--out", out("t").toString());
        c.add(new Case("sae train, missing corpus", replaced(train, "--corpus", "/no/corpus.jsonl"), "--corpus", out("t")));
        c.add(new Case("sae train, unknown hook", replaced(train, "--hook", "blocks.x.nothing"), "hook", out("t")));
        List<String> lr = new ArrayList<>(train);
        lr.addAll(List.of("--lr", "0"));
        c.add(new Case("sae train, zero lr", lr, "--lr", out("t")));
        List<String> k = new ArrayList<>(train);
        k.addAll(List.of("--k", "0"));
        c.add(new Case("sae train, zero k", k, "--k", out("t")));
        c.add(new Case("sae encode, missing activations", List.of("sae", "encode", "--sae", WORLD.resolve("sae").toString(), "--activations", "/no/acts.safetensors",
                "--out", out("e").toString()), "--activations", out("e")));
        c.add(new Case("sae eval, corpus is a folder", List.of("sae", "eval", "--model", WORLD.resolve("model").toString(), "--sae", WORLD.resolve("sae").toString(),
                "--corpus", emptyFolder.toString()), "--corpus", null));
        // smda data import
        c.add(new Case("data import, missing input", List.of("data", "import", "/no/such/data", "--out", out("d1").toString()), "/no/such/data", out("d1")));
        c.add(new Case("data import, unknown intervention", List.of("data", "import", badXsTest.toString(), "--intervention", "x", "--out", out("d2").toString()),
                "--intervention", out("d2")));
        c.add(new Case("data import, non-numeric XSTest id", List.of("data", "import", badXsTest.toString(), "--out", out("d3").toString()), "row 2: field 'id'",
                out("d3")));
        // smda generate, score, inspect
        List<String> generate = List.of("generate", "--model", WORLD.resolve("model").toString(), "--prompt", "hi");
        c.add(new Case("generate, negative temperature", concat(generate, "--temperature", "-1"), "--temperature", null));
        c.add(new Case("generate, top-p above one", concat(generate, "--top-p", "2"), "--top-p", null));
        c.add(new Case("generate, no tokens", concat(generate, "--max-tokens", "0"), "--max-tokens", null));
        c.add(new Case("score, missing model", List.of("score", "--model", "/no/model", "--text", "a", "--continuation", "b"), "--model", null));
        c.add(new Case("inspect, missing model", List.of("inspect", "--model", "/no/model"), "--model", null));
        // smda world, demo, bench
        c.add(new Case("world pairs, too few", List.of("world", "pairs", "--count", "5", "--out", out("w1").resolve("p.jsonl").toString()), "--count", out("w1")));
        c.add(new Case("world build, out is a file", List.of("world", "build", "--out", aFile.toString()), "--out", null));
        c.add(new Case("world check, missing world", List.of("world", "check", "--world", "/no/world"), "--world", null));
        c.add(new Case("demo, out is a file", List.of("demo", "--out", aFile.toString()), "--out", null));
        c.add(new Case("bench, no repeats", List.of("bench", "--repeats", "0"), "--repeats", null));
        c.add(new Case("bench scale, too few pairs", List.of("bench", "scale", "--pairs", "3"), "--pairs", null));
        return c.stream();
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputEndsInOneLineWithExitCodeTwoAndNothingWritten(Case c) throws IOException {
        long filesBefore = count(dir);
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(c.args().toArray(String[]::new));
        } finally {
            System.setErr(old);
        }
        String message = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(2, code, c.name() + ": " + message);
        assertEquals(1, message.lines().count(), c.name() + ": one line, not: " + message);
        assertTrue(message.startsWith("smda: "), message);
        assertTrue(message.contains(c.fragment()), c.name() + ": '" + c.fragment() + "' named in: " + message);
        assertFalse(message.contains("Exception") || message.contains("\tat "), message);
        if (c.untouched() != null) {
            assertFalse(Files.exists(c.untouched()), c.name() + ": " + c.untouched() + " was created");
        }
        assertEquals(filesBefore, count(dir), c.name() + ": nothing new in the test folder");
    }

    private static long count(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.count();
        }
    }
}

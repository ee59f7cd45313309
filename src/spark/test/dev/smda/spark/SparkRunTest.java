package dev.smda.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.data.SftPair;
import dev.smda.io.BadInputException;
import dev.smda.io.SafeTensorsFile;
import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.run.EstimatorRecipe;
import dev.smda.execute.Executor;
import dev.smda.execute.Job;
import dev.smda.execute.Worker;
import dev.smda.execute.WorkerFactory;
import dev.smda.run.PairSlice;
import dev.smda.run.SliceWorker;
import dev.smda.run.RunConfig;
import dev.smda.run.RunDirectory;
import dev.smda.run.RunInputs;
import dev.smda.run.SmdaRun;
import dev.smda.testing.DemoRun;
import dev.smda.testing.RunFiles;
import dev.smda.validate.Validation;
import dev.smda.validate.ValidationConfig;
import dev.smda.validate.ValidationResult;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs on Spark give the in-process run's per-pair results: in local[2] with the driver killed
 * mid-run and resumed, and on a standalone cluster (a Master and two single-core Workers on
 * 127.0.0.1, started here from the test's classpath) that loses a Worker to SIGKILL mid-run; and a
 * validation's retrainings give the same outcomes. Every process started here is stopped. On the
 * first {@value #PROBES_PER_CATEGORY} probes of each category: how work is spread and recovered does
 * not depend on how many probes a pair is measured on.
 */
class SparkRunTest {

    /** The demo's settings (`smda run --lr 1e-2`) on the first pairs of the embedded world. */
    static final RunConfig CONFIG = RunConfig.defaults().with("smda", Demo.config().update());
    static final int PAIRS = 16;
    static final int PROBES_PER_CATEGORY = 4;
    /**
     * In-process workers on one engine thread each, as a Spark task computes: libtorch may sum in
     * another order on two threads, so the bytes are compared between runs on the same threads.
     */
    static final Executor.Choice ONE_THREAD_PER_TASK = Demo.where();

    @TempDir
    static Path dir;
    static RunInputs inputs;
    static Map<String, byte[]> inProcess;
    static final List<StandaloneCluster> clusters = new ArrayList<>();

    @BeforeAll
    static void inProcessRun() throws IOException {
        Path pairs = dir.resolve("pairs.jsonl");
        Files.write(pairs, Files.readAllLines(DemoRun.WORLD.resolve("pairs.jsonl")).subList(0, PAIRS));
        RunInputs world = DemoRun.inputs();
        Path probes = DemoRun.probesPerCategory(dir.resolve("probes.jsonl"), PROBES_PER_CATEGORY);
        inputs = new RunInputs(world.model().toAbsolutePath(), world.sae().toAbsolutePath(), probes.toAbsolutePath(), pairs.toAbsolutePath());
        inProcess = results(new SmdaRun(CONFIG, inputs, dir.resolve("in-process"), Progress.SILENT, ONE_THREAD_PER_TASK).execute(false).directory().root());
    }

    /** Whatever a failed test left running. */
    @AfterAll
    static void stopEverything() {
        clusters.forEach(StandaloneCluster::close);
    }

    /** Loopback only, no web UI: what a test may open. */
    static Map<String, String> quiet() {
        return Map.of("spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1");
    }

    /** A driver killed with SIGKILL mid-run on local[2], resumed on local[2]: the in-process run's bytes. */
    @Test
    void localModeKilledMidRunResumesToTheInProcessResults() throws Exception {
        Path run = dir.resolve("local-2");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        command.addAll(List.of("-Dai.djl.offline=true", "-Xss16m", "-cp", System.getProperty("java.class.path"), "dev.smda.cli.Main", "run", "--model",
                inputs.model().toString(), "--sae", inputs.sae().toString(), "--probes", inputs.probes().toString(), "--pairs", inputs.pairs().toString(),
                "--out", run.toString(), "--lr", "1e-2", "--spark", "local[2]"));
        quiet().forEach((k, v) -> command.addAll(List.of("--spark-conf", k + "=" + v)));
        Process driver = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("driver.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (RunFiles.recordedPairs(run) == 0) {
                assertTrue(driver.isAlive(), () -> "the driver ended before it was killed: " + read(dir.resolve("driver.log")));
                assertTrue(System.nanoTime() < deadline, "no pair finished on local[2]");
                Thread.sleep(100);
            }
        } finally {
            driver.destroyForcibly(); // SIGKILL
            driver.waitFor();
        }
        long before = RunFiles.recordedPairs(run);
        assertTrue(before < PAIRS, "the driver was killed after the run had finished");
        SmdaRun.Result r = new SmdaRun(CONFIG, inputs, run, Progress.SILENT, new Executor.Choice("local[2]", quiet())).execute(true);
        assertTrue(r.pairsComputed() <= PAIRS - before, "finished pairs are reused: " + r.pairsComputed() + " computed, " + before + " were done");
        assertSameResults(results(run));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void aStandaloneClusterThatLosesAWorkerMidRunGivesTheSameResults() throws Exception {
        Path run = dir.resolve("standalone");
        java.util.Set<ProcessHandle> before = ProcessHandle.current().descendants().collect(java.util.stream.Collectors.toSet());
        StandaloneCluster cluster = StandaloneCluster.start(2, dir.resolve("cluster"));
        clusters.add(cluster);
        CompletableFuture<SmdaRun.Result> running = CompletableFuture.supplyAsync(() -> {
            try {
                return new SmdaRun(CONFIG, inputs, run, Progress.SILENT, new Executor.Choice(cluster.master(), quiet())).execute(false);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // Mid-run: some pairs' results are in, not all.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (RunFiles.finishedPairs(run) == 0) {
            assertFalse(running.isDone(), () -> "the run ended before a worker was killed: " + running.join());
            assertTrue(System.nanoTime() < deadline, "no pair finished on the cluster");
            Thread.sleep(100);
        }
        cluster.killWorker(0);
        assertTrue(RunFiles.finishedPairs(run) < PAIRS, "the worker was killed after the run had finished");
        SmdaRun.Result r = running.get(10, TimeUnit.MINUTES);
        assertEquals(PAIRS, r.pairsComputed());
        assertSameResults(results(run));
        cluster.close();
        assertTrue(ProcessHandle.current().descendants().filter(p -> !before.contains(p)).noneMatch(ProcessHandle::isAlive),
                "a process the cluster started is still running");
    }

    @Test
    void theGradientEstimatorOnLocalModeAgreesToFloatRounding() throws IOException {
        // One probe a category: each local[2] task makes the estimator's one-time pass over the probes itself.
        Path probes = DemoRun.probesPerCategory(dir.resolve("probes-few.jsonl"), 1);
        RunInputs gradientInputs = new RunInputs(inputs.model(), inputs.sae(), probes, inputs.pairs());
        RunConfig gradient = CONFIG.withEstimation(RunConfig.FeatureChange.LINEARIZED, RunConfig.Estimator.GRADIENT, 0);
        Path here = new SmdaRun(gradient, gradientInputs, dir.resolve("gradient-in-process"), Progress.SILENT).execute(false).directory().root();
        Path there = new SmdaRun(gradient, gradientInputs, dir.resolve("gradient-local-2"), Progress.SILENT, new Executor.Choice("local[2]", quiet()))
                .execute(false).directory().root();
        Map<String, byte[]> expected = results(here);
        assertEquals(expected.keySet(), results(there).keySet());
        for (String name : expected.keySet()) {
            try (SafeTensorsFile a = SafeTensorsFile.open(here.resolve(name)); SafeTensorsFile b = SafeTensorsFile.open(there.resolve(name))) {
                for (String array : a.names()) {
                    double[] x = a.doubles(array);
                    double[] y = b.doubles(array);
                    double largest = java.util.Arrays.stream(x).map(Math::abs).max().orElse(0);
                    for (int i = 0; i < x.length; i++) {
                        // The backward passes' sums run on one thread in a task and two in-process, in float32, and each part
                        // is an inner product over the model's 0.9M weights, so rounding shows relative to the largest part, not
                        // to the part itself: measured 3.3e-8 apart on one machine, and on an Intel one 4.0e-8 and 2.0e-7 (a part
                        // of -1.76e-3, 1.1e-4 of it) in two runs. A wrong pair, scale or order would differ in the first digits.
                        assertEquals(x[i], y[i], 1e-4 * largest, name + " " + array + "[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void aValidationRetrainsOnSparkToTheSameOutcomes() throws IOException {
        // subsets, a removal curve's retrainings and one leave-one-out's: every retraining a validation makes goes to the executor
        ValidationConfig config = ValidationConfig.of(3, 0.5, 2, 1, 1, 7, List.of("smda", "random"), null, List.of(2), 1, 1, "1e-8", 100);
        Path run = dir.resolve("in-process");
        ValidationResult here = new Validation(run, dir.resolve("validation-in-process"), config, Progress.SILENT, ONE_THREAD_PER_TASK).execute(false);
        ValidationResult there = new Validation(run, dir.resolve("validation-local-2"), config, Progress.SILENT,
                new Executor.Choice("local[2]", quiet())).execute(false);
        for (String folder : List.of("retrain", "counterfactual")) {
            Map<String, byte[]> expected = files(dir.resolve("validation-in-process").resolve(folder));
            assertEquals(folder.equals("retrain") ? 6 : 4, expected.size(), folder + ": " + expected.keySet()); // all, smda's and random's removals, one left out
            Map<String, byte[]> actual = files(dir.resolve("validation-local-2").resolve(folder));
            assertEquals(expected.keySet(), actual.keySet());
            for (String name : expected.keySet()) {
                assertArrayEquals(expected.get(name), actual.get(name), folder + "/" + name + " differs from the in-process retraining's");
            }
        }
        assertEquals(dev.smda.io.Json.compact(here.methods()), dev.smda.io.Json.compact(there.methods()));
    }

    private static Map<String, byte[]> files(Path folder) throws IOException {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                out.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /** Finds a task's file name where an executor would look for the run's inputs (the driver's path does not exist here). */
    public static final class Locating implements WorkerFactory<String, String> {
        @Override
        public Class<String> taskType() {
            return String.class;
        }

        @Override
        public Class<String> resultType() {
            return String.class;
        }

        @Override
        public Worker<String, String> open(String recipe, java.util.function.UnaryOperator<Path> locate) {
            return new Worker<>() {
                @Override
                public String apply(String name) {
                    return locate.apply(Path.of(recipe, name)).toString();
                }

                @Override
                public void close() {}
            };
        }
    }

    @Test
    void inputsShippedWithSparkFilesAndArchivesAreFoundOnTheExecutors() throws Exception {
        Path shipped = Files.createDirectories(dir.resolve("shipped"));
        Path pairsFile = Files.copy(inputs.pairs(), shipped.resolve("pairs-shipped.jsonl"));
        Path archive = shipped.resolve("sae.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", inputs.sae().toString(), ".").inheritIO().start();
        assertEquals(0, tar.waitFor());
        Map<String, String> settings = new java.util.HashMap<>(quiet());
        settings.put("spark.files", pairsFile.toString());
        settings.put("spark.archives", archive + "#sae-shipped");
        Job<String, String> job = new Job<>(Locating.class, "/not-on-this-node", () -> {
            throw new AssertionError("in-process");
        });
        Map<Integer, String> found = new java.util.HashMap<>();
        try (Executor spark = new SparkExecutor(new Executor.Choice("local[1]", settings))) {
            spark.run(job, List.of("pairs-shipped.jsonl", "sae-shipped"), new Executor.Listener<>() {
                @Override
                public void prepared() {}

                @Override
                public void finished(int index, String path) {
                    found.put(index, path);
                }
            });
            // Spark deletes what it shipped when it stops.
            assertEquals(Files.readString(pairsFile), Files.readString(Path.of(found.get(0))));
            assertArrayEquals(Files.readAllBytes(inputs.sae().resolve("cfg.json")), Files.readAllBytes(Path.of(found.get(1)).resolve("cfg.json")));
        }
    }

    @Test
    void anUnreachableMasterIsOneLine() throws IOException {
        String master = "spark://127.0.0.1:" + freePort();
        BadInputException e = assertThrows(BadInputException.class, () -> new SmdaRun(CONFIG, inputs, dir.resolve("unreachable"), Progress.SILENT,
                new Executor.Choice(master, quiet())).execute(false));
        assertTrue(e.getMessage().startsWith("--spark " + master + ": no Spark master answers at 127.0.0.1:"), e.getMessage());
    }

    @Test
    void executorsWithoutTheModelSayWhichPathTheyLack() throws IOException {
        Path missing = dir.resolve("not-on-this-node/model");
        RunInputs elsewhere = new RunInputs(missing, inputs.sae(), inputs.probes(), inputs.pairs());
        EstimatorRecipe recipe = new EstimatorRecipe(CONFIG, elsewhere, List.of(), null, null, new int[0], 0);
        SftPair pair = new SftPair("a", "Hello", "Hi!", "cooking", false);
        Job<PairSlice, PairSlice.Result> job = new Job<>(SliceWorker.Factory.class, recipe.toJson(), () -> {
            throw new AssertionError("in-process");
        });
        try (Executor spark = new SparkExecutor(new Executor.Choice("local[1]", quiet()))) {
            BadInputException e = assertThrows(BadInputException.class, () -> spark.run(job, List.of(new PairSlice(0, 0, List.of(pair), List.of())),
                    new Executor.Listener<>() {
                        @Override
                        public void prepared() {}

                        @Override
                        public void finished(int index, PairSlice.Result result) {}
                    }));
            assertTrue(e.getMessage().startsWith("executor on ") && e.getMessage().contains(missing + ": no such file or folder"), e.getMessage());
        }
    }

    private static void assertSameResults(Map<String, byte[]> actual) {
        RunFiles.assertSameResultFiles(inProcess, actual, "from the in-process run's");
    }

    static Map<String, byte[]> results(Path run) throws IOException {
        return new RunDirectory(run).resultFiles();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

package dev.smda.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.smda.attribution.PairEffect;
import dev.smda.io.AtomicFiles;
import dev.smda.progress.Progress;
import dev.smda.tensor.Torch;
import dev.smda.testing.DemoRun;
import dev.smda.testing.RunFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults during a run: stopped by SIGTERM, killed by SIGKILL, a result file damaged on disk, a
 * write that fails half-way. Each leaves a run that resumes to the same bytes as a run that was
 * never interrupted, and nothing half-written. On the first 4 probes of each category: the machinery
 * under test does not depend on how many probes there are.
 */
class FaultToleranceTest {

    static final Path WORLD = DemoRun.WORLD;

    @TempDir
    static Path dir;
    static Path pairs;
    static Path probes;

    @BeforeAll
    static void fewPairs() throws IOException {
        pairs = dir.resolve("pairs.jsonl");
        Files.write(pairs, Files.readAllLines(WORLD.resolve("pairs.jsonl")).subList(0, 10));
        probes = DemoRun.probesPerCategory(dir.resolve("probes.jsonl"), 4);
    }

    /** What `smda run --lr 1e-2` runs (the demo's settings under the default preset's name). */
    static final RunConfig CONFIG = RunConfig.defaults().with("smda", Demo.config().update());

    static RunInputs inputs() {
        return new RunInputs(WORLD.resolve("model"), WORLD.resolve("sae"), probes, pairs);
    }

    static Map<String, byte[]> results(Path run) throws IOException {
        return new RunDirectory(run).resultFiles();
    }

    private static Process smda(Path out, boolean resume, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new ArrayList<>(List.of(java, "-Dai.djl.offline=true", "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-cp",
                System.getProperty("java.class.path"), "dev.smda.cli.Main", "run", "--model", WORLD.resolve("model").toString(), "--sae",
                WORLD.resolve("sae").toString(), "--probes", probes.toString(), "--pairs", pairs.toString(), "--out", out.toString(),
                "--lr", "1e-2"));
        if (resume) {
            command.add("--resume");
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void waitForPairs(Process p, Path run, long count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (RunFiles.finishedPairs(run) < count) {
            assertTrue(p.isAlive(), "the run ended before it was stopped");
            assertTrue(System.nanoTime() < deadline, "no progress");
            Thread.sleep(100);
        }
    }

    @Test
    void aRunStoppedByASignalOrKilledResumesToTheSameBytes() throws Exception {
        Path uninterrupted = dir.resolve("uninterrupted");
        new SmdaRun(CONFIG, inputs(), uninterrupted, Progress.SILENT).execute(false);
        Map<String, byte[]> expected = results(uninterrupted);

        Path run = dir.resolve("interrupted");
        Path log = dir.resolve("stop.log");
        Process first = smda(run, false, log);
        waitForPairs(first, run, 3);
        first.destroy(); // SIGTERM
        assertEquals(143, first.waitFor(), "exit code of a run stopped by SIGTERM");
        String message = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(message.contains("stopped before finishing") && message.contains("--resume"), message);

        Process second = smda(run, true, dir.resolve("kill.log"));
        waitForPairs(second, run, RunFiles.finishedPairs(run) + 2);
        second.destroyForcibly(); // SIGKILL: no chance to clean up
        second.waitFor();

        SmdaRun.Result resumed = new SmdaRun(CONFIG, inputs(), run, Progress.SILENT).execute(true);
        assertTrue(resumed.pairsComputed() < 10, "finished pairs are reused: " + resumed.pairsComputed());
        RunFiles.assertSameResultFiles(expected, results(run), "after the stop, the kill and the resume");
    }

    @Test
    void aDamagedResultFileIsMadeAgainOnResume() throws Exception {
        Path run = dir.resolve("damaged");
        new SmdaRun(CONFIG, inputs(), run, Progress.SILENT).execute(false);
        Map<String, byte[]> expected = results(run);
        Path victim = run.resolve("pairs/pair-004.safetensors");
        byte[] bytes = Files.readAllBytes(victim);
        bytes[bytes.length - 3] ^= 0x55;
        Files.write(victim, bytes);
        Files.delete(run.resolve(RunDirectory.ANALYSIS));
        SmdaRun.Result resumed = new SmdaRun(CONFIG, inputs(), run, Progress.SILENT).execute(true);
        assertEquals(1, resumed.pairsComputed(), "only the damaged pair is made again");
        Map<String, byte[]> actual = results(run);
        expected.forEach((name, b) -> assertArrayEquals(b, actual.get(name), name));
    }

    @Test
    void aMissingRefitFileIsWrittenAgainOnResumeWithoutMeasuringAnyPair() throws Exception {
        Path run = dir.resolve("no-refit");
        new SmdaRun(CONFIG, inputs(), run, Progress.SILENT).execute(false);
        Map<String, byte[]> expected = results(run);
        assertTrue(expected.containsKey(RunDirectory.REFIT), "the defaults refit in the middle of the span");
        Files.delete(run.resolve(RunDirectory.REFIT));
        Files.delete(run.resolve(RunDirectory.ANALYSIS));
        SmdaRun.Result resumed = new SmdaRun(CONFIG, inputs(), run, Progress.SILENT).execute(true);
        assertEquals(0, resumed.pairsComputed(), "every pair's effect was kept");
        RunFiles.assertSameResultFiles(expected, results(run), "after refit.safetensors was deleted and the run resumed");
    }

    @Test
    void aWriteThatFailsHalfWayLeavesNothing() throws IOException {
        Path target = dir.resolve("atomic").resolve("result.bin");
        try {
            AtomicFiles.write(target, out -> {
                out.write(new byte[1 << 16]);
                throw new IOException("No space left on device");
            });
        } catch (IOException expected) {
            assertTrue(expected.getMessage().contains("No space"));
        }
        assertFalse(Files.exists(target));
        try (Stream<Path> left = Files.list(target.getParent())) {
            assertEquals(List.of(), left.toList(), "no temporary file is left beside it");
        }
    }

    /**
     * One and two engine threads: libtorch may sum in another order on more threads, so the results
     * are compared with a tolerance (measured: see the README); the same thread count gives the
     * same bytes (the tests above).
     */
    @Test
    void oneAndTwoThreadsAgreeWithinTheDocumentedTolerance() throws Exception {
        Path one = oneThreadRun();
        int cores = Runtime.getRuntime().availableProcessors();
        Torch.threads(Math.max(2, cores));
        Path two = dir.resolve("two-threads");
        new SmdaRun(CONFIG, fourPairs(), two, Progress.SILENT).execute(false);
        Torch.threads(cores);
        double worst = 0;
        for (String id : List.of("pair-001", "pair-002", "pair-003", "pair-004")) {
            PairEffect a = new RunDirectory(one).readPair(id);
            PairEffect b = new RunDirectory(two).readPair(id);
            double scale = 0;
            for (double v : a.dy()) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < a.dy().length; i++) {
                worst = Math.max(worst, Math.abs(a.dy()[i] - b.dy()[i]) / scale);
            }
        }
        System.out.printf("one against two threads: largest difference of dy, relative to the pair's largest |dy|: %.2e%n", worst);
        assertTrue(worst < 1e-3, "threads change dy by " + worst);
    }

    /**
     * Two in-process workers give the bytes one worker gives on the same engine threads (one here, for
     * the base's measurement too): which worker estimates a pair, and in what order the results come
     * back, changes nothing.
     */
    @Test
    void twoWorkersGiveTheBytesOfOneWorkerOnTheSameThreads() throws Exception {
        Path one = oneThreadRun();
        int cores = Runtime.getRuntime().availableProcessors();
        Torch.threads(1);
        Path workers = dir.resolve("two-workers");
        new SmdaRun(CONFIG, fourPairs(), workers, Progress.SILENT, dev.smda.execute.Executor.Choice.inProcess(2)).execute(false);
        Torch.threads(cores);
        RunFiles.assertSameResultFiles(results(one), results(workers), "between one worker and two");
    }

    private static Path oneThread;

    /** The first four pairs run on one engine thread, once for the tests that compare with it. */
    private static synchronized Path oneThreadRun() throws IOException {
        if (oneThread == null) {
            int cores = Runtime.getRuntime().availableProcessors();
            Torch.threads(1);
            oneThread = dir.resolve("one-thread");
            new SmdaRun(CONFIG, fourPairs(), oneThread, Progress.SILENT).execute(false);
            Torch.threads(cores);
        }
        return oneThread;
    }

    private static RunInputs fourPairs() throws IOException {
        Path four = dir.resolve("four.jsonl");
        if (!Files.exists(four)) {
            Files.write(four, Files.readAllLines(pairs).subList(0, 4));
        }
        return new RunInputs(WORLD.resolve("model"), WORLD.resolve("sae"), probes, four);
    }
}

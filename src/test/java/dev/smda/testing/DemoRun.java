package dev.smda.testing;

import dev.smda.io.AtomicFiles;
import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.run.RunInputs;
import dev.smda.run.SmdaRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo's run on the embedded world (all 200 pairs, the settings {@code smda demo} uses), computed
 * once per test JVM: it takes two minutes, and both the method's checks and the report's read it.
 */
public final class DemoRun {

    public static final Path WORLD = Path.of("world", "default");

    private static SmdaRun.Result result;

    private DemoRun() {}

    public static RunInputs inputs() {
        return new RunInputs(WORLD.resolve("model"), WORLD.resolve("sae"), WORLD.resolve("probes.jsonl"), WORLD.resolve("pairs.jsonl"));
    }

    /**
     * Every other probe of the world, written to {@code dir}: for tests of a run's machinery
     * (stopping, resuming, executors), which do not need every probe and take half the time.
     */
    public static Path everyOtherProbe(Path dir) throws IOException {
        List<String> lines = Files.readAllLines(WORLD.resolve("probes.jsonl"));
        Path file = dir.resolve("probes-every-other.jsonl");
        Files.write(file, java.util.stream.IntStream.range(0, lines.size()).filter(i -> i % 2 == 0).mapToObj(lines::get).toList());
        return file;
    }

    public static synchronized SmdaRun.Result get() throws IOException {
        if (result == null) {
            Path dir = Files.createTempDirectory("smda-demo-run");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    AtomicFiles.deleteRecursively(dir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
            result = new SmdaRun(Demo.config(), inputs(), dir.resolve("run"), Progress.SILENT).execute(false);
        }
        return result;
    }
}

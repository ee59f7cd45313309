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

/**
 * The demo's run on the embedded world (all 200 pairs, the settings and workers {@code smda demo} uses),
 * computed once per test JVM: it takes minutes, and both the method's checks and the report's read it.
 */
public final class DemoRun {

    public static final Path WORLD = Path.of("world", "default");

    private static SmdaRun.Result result;

    private DemoRun() {}

    public static RunInputs inputs() {
        return new RunInputs(WORLD.resolve("model"), WORLD.resolve("sae"), WORLD.resolve("probes.jsonl"), WORLD.resolve("pairs.jsonl"));
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
            result = new SmdaRun(Demo.config(), inputs(), dir.resolve("run"), Progress.SILENT, Demo.where()).execute(false);
        }
        return result;
    }
}

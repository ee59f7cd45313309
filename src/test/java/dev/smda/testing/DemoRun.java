package dev.smda.testing;

import dev.smda.data.DataSets;
import dev.smda.data.Jsonl;
import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.run.RunInputs;
import dev.smda.run.SmdaRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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

    /**
     * The first {@code perCategory} probes of each of the world's categories, written to {@code file}:
     * the probes for tests of machinery that does not depend on how many probes there are, where every
     * probe would only make each pair slower.
     */
    public static Path probesPerCategory(Path file, int perCategory) throws IOException {
        Map<String, Integer> taken = new HashMap<>();
        Jsonl.write(file, DataSets.probes(WORLD.resolve("probes.jsonl")).stream()
                .filter(p -> taken.merge(p.category(), 1, Integer::sum) <= perCategory).toList());
        return file;
    }

    public static synchronized SmdaRun.Result get() throws IOException {
        if (result == null) {
            Path dir = Fixtures.folderDeletedAtExit("smda-demo-run");
            result = new SmdaRun(Demo.config(), inputs(), dir.resolve("run"), Progress.SILENT, Demo.where()).execute(false);
        }
        return result;
    }
}

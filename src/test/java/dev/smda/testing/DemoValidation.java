package dev.smda.testing;

import dev.smda.progress.Progress;
import dev.smda.run.Demo;
import dev.smda.validate.Validation;
import dev.smda.validate.ValidationConfig;
import dev.smda.validate.ValidationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A validation of {@link DemoRun}'s run with few retrainings, computed once per test JVM: the
 * validation's own checks and the report's validation section both read it. It is written to a
 * folder of its own, so the demo run's reports stay those of an unvalidated run. The subsets are
 * retrained on the demo's workers (one per engine thread), as `smda validate --workers 2` would on
 * two cores; the outcomes are those of one worker.
 */
public final class DemoValidation {

    /**
     * The first 16 subsets of the README's validation of the shipped world (the default seed), each
     * in the first 2 of its orders: the same retrainings, so the README's figures must lie within
     * this sample's intervals. The gradient baselines are there to be compared with smda (they add
     * about two minutes: 295 s against 166 s without them); one removal size and one leave-one-out
     * pair exercise those parts.
     */
    public static final ValidationConfig CONFIG = ValidationConfig.of(16, 0.5, 2, 1, 1, 20261201,
            List.of("smda", "tracin", "ekfac", "grad-cosine", "loss", "random"), null, List.of(3), 1, 1, "1e-8", 1000);

    private static Path out;
    private static ValidationResult result;

    private DemoValidation() {}

    /** The validation's folder. */
    public static synchronized Path out() throws IOException {
        get();
        return out;
    }

    /**
     * The demo run's files and this validation linked into {@code folder}, a run folder of their own
     * (the demo run's reports left out) that a report reads as a validated run; closing it removes the
     * links (before a temporary folder's clean-up, which warns of links leading out of it).
     */
    public static ValidatedRun linkedInto(Path folder) throws IOException {
        get();
        List<Path> links = new ArrayList<>();
        try (Stream<Path> entries = Files.list(DemoRun.get().directory().root())) {
            for (Path entry : entries.filter(e -> !e.getFileName().toString().matches("validation|report.*")).toList()) {
                links.add(Files.createSymbolicLink(folder.resolve(entry.getFileName()), entry.toAbsolutePath()));
            }
        }
        links.add(Files.createSymbolicLink(folder.resolve("validation"), out.toAbsolutePath()));
        return new ValidatedRun(folder, links);
    }

    /** A validated run's folder of links ({@link #linkedInto}). */
    public record ValidatedRun(Path root, List<Path> links) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            for (Path link : links) {
                Files.delete(link);
            }
        }
    }

    public static synchronized ValidationResult get() throws IOException {
        if (result == null) {
            Path dir = Fixtures.folderDeletedAtExit("smda-demo-validation");
            out = dir.resolve("validation");
            result = new Validation(DemoRun.get().directory().root(), out, CONFIG, Progress.SILENT, Demo.where()).execute(false);
        }
        return result;
    }
}

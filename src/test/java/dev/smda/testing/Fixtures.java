package dev.smda.testing;

import dev.smda.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Paths of committed test fixtures (src/test/resources/fixtures), of shared data, and folders for results tests share. */
public final class Fixtures {

    private Fixtures() {}

    /** A new temporary folder, deleted with everything in it when the test JVM exits: for results computed once per JVM. */
    public static Path folderDeletedAtExit(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                AtomicFiles.deleteRecursively(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        return dir;
    }

    public static Path path(String relative) {
        URL url = Fixtures.class.getResource("/fixtures/" + relative);
        if (url == null) {
            throw new IllegalArgumentException("no fixture " + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The project's shared data folder ({@code ../shared/data}), present in CI and checkouts. */
    private static Path sharedData(String relative) {
        return Path.of("..", "shared", "data").resolve(relative).toAbsolutePath().normalize();
    }

    /**
     * A file of {@code ../shared/data} the test needs: where it is missing the test is skipped, except
     * under {@code SMDA_CI} (set by .ci/run), where everything a test can use must be there.
     */
    public static Path requireShared(String relative) {
        Path p = sharedData(relative);
        requireExternal(Files.exists(p), p + " is missing (the project's ../shared folder)");
        return p;
    }

    /** Skips the test when something outside the repository is missing, or fails it under {@code SMDA_CI}. */
    public static void requireExternal(boolean present, String what) {
        if (present) {
            return;
        }
        if (System.getenv("SMDA_CI") != null) {
            Assertions.fail("SMDA_CI is set but " + what);
        }
        Assumptions.abort(what);
    }
}

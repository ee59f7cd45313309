package dev.smda.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.smda.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/** What a run has written so far, for tests that interrupt runs or compare where they ran. */
public final class RunFiles {

    private RunFiles() {}

    /** Pairs recorded as finished (a file in pairs/ counts once its checksum is recorded: a kill in between makes it again). */
    public static long recordedPairs(Path run) throws IOException {
        Path file = run.resolve(dev.smda.io.Checksums.FILE);
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        return Files.readAllLines(file).stream().filter(line -> line.startsWith(RunDirectory.PAIRS + "/")).count();
    }

    /** Pairs whose measured effect is in the run's pairs/ folder. */
    public static long finishedPairs(Path run) throws IOException {
        Path folder = run.resolve(RunDirectory.PAIRS);
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".safetensors")).count();
        }
    }

    /** The same result files ({@link RunDirectory#resultFiles}), byte for byte; {@code how} says how {@code actual}'s run differed. */
    public static void assertSameResultFiles(Map<String, byte[]> expected, Map<String, byte[]> actual, String how) {
        assertEquals(expected.keySet(), actual.keySet(), "the same files, no temporary ones left");
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name + " differs " + how));
    }
}

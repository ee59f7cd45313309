package dev.smda.testing;

import dev.smda.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a run in progress has written so far, for tests that interrupt runs. */
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
}

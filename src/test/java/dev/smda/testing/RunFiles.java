package dev.smda.testing;

import dev.smda.run.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a run in progress has written so far, for tests that interrupt runs. */
public final class RunFiles {

    private RunFiles() {}

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

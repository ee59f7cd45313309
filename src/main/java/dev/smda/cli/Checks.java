package dev.smda.cli;

import dev.smda.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checks every command makes of its options before it does any work: each fails with one line
 * naming the option and what is wrong, so a bad invocation never leaves half a result behind.
 */
final class Checks {

    private Checks() {}

    static void positive(double value, String option) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new BadInputException(option + " must be a positive number, not " + value);
        }
    }

    static void atLeast(long value, long minimum, String option) {
        if (value < minimum) {
            throw new BadInputException(option + " must be at least " + minimum + ", not " + value);
        }
    }

    static void between(double value, double low, double high, String option) {
        if (!(value >= low && value <= high)) {
            throw new BadInputException(option + " must lie between " + low + " and " + high + ", not " + value);
        }
    }

    static void nonNegative(double value, String option) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new BadInputException(option + " must not be negative, not " + value);
        }
    }

    /** An existing, readable regular file. */
    static void file(Path path, String option) {
        if (!Files.exists(path)) {
            throw new BadInputException(option + ": no such file: " + path);
        }
        if (Files.isDirectory(path)) {
            throw new BadInputException(option + ": " + path + " is a folder, not a file");
        }
        if (!Files.isReadable(path)) {
            throw new BadInputException(option + ": " + path + " cannot be read (permission denied)");
        }
    }

    /** An existing, readable folder. */
    static void folder(Path path, String option) {
        if (!Files.exists(path)) {
            throw new BadInputException(option + ": no such folder: " + path);
        }
        if (!Files.isDirectory(path)) {
            throw new BadInputException(option + ": " + path + " is a file, not a folder");
        }
        if (!Files.isReadable(path) || !Files.isExecutable(path)) {
            throw new BadInputException(option + ": " + path + " cannot be read (permission denied)");
        }
    }

    /** A model: a folder (Hugging Face layout) or a GGUF file. */
    static void model(Path path, String option) {
        if (!Files.exists(path)) {
            throw new BadInputException(option + ": no such model folder or GGUF file: " + path);
        }
        if (Files.isDirectory(path)) {
            folder(path, option);
        } else {
            file(path, option);
        }
    }

    /**
     * Where a command will write a folder or file: not an existing thing of the other kind, and
     * inside a folder that exists (or can be made) and can be written.
     */
    static void output(Path path, String option, boolean folder) {
        if (Files.exists(path) && Files.isDirectory(path) != folder) {
            throw new BadInputException(option + ": " + path + " is a " + (folder ? "file" : "folder") + "; a " + (folder ? "folder" : "file") + " is written there");
        }
        Path existing = path.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new BadInputException(option + ": cannot write " + path + " (" + existing + " is not a folder)");
        }
        if (!Files.isWritable(existing)) {
            throw new BadInputException(option + ": cannot write " + path + " (" + existing + " is not writable)");
        }
    }

    /** One of the allowed words. */
    static void oneOf(String value, String option, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return;
            }
        }
        throw new BadInputException(option + " must be one of " + String.join(", ", allowed) + ", not '" + value + "'");
    }
}

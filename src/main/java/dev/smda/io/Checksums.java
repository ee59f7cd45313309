package dev.smda.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The SHA-256 of every result file a long task writes, recorded beside them in
 * {@code checksums.tsv} (one {@code name<TAB>sha256} line per file, appended once the file is in
 * place), so a resumed task reuses a file only when it is whole and unchanged: one that was
 * corrupted, truncated or replaced, or whose line was never written (a stop between the two), is
 * made again. Later lines for a name override earlier ones.
 */
public final class Checksums {

    public static final String FILE = "checksums.tsv";

    private final Path folder;
    private final Map<String, String> recorded = new HashMap<>();
    private final Map<String, Boolean> verified = new HashMap<>();

    public Checksums(Path folder) {
        this.folder = folder;
        Path file = folder.resolve(FILE);
        if (Files.isRegularFile(file)) {
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int tab = line.indexOf('\t');
                    if (tab > 0 && line.length() == tab + 65) {
                        recorded.put(line.substring(0, tab), line.substring(tab + 1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private String name(Path file) {
        return folder.relativize(file).toString().replace('\\', '/');
    }

    /** Records a file just written (atomically, so it is whole). */
    public synchronized void record(Path file) throws IOException {
        String sha = Sha256.ofFile(file);
        String name = name(file);
        Files.writeString(folder.resolve(FILE), name + "\t" + sha + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        recorded.put(name, sha);
        verified.put(name, true);
    }

    /** Whether a file exists, was recorded, and still has the recorded content (checked once per file). */
    public synchronized boolean intact(Path file) {
        String name = name(file);
        Boolean known = verified.get(name);
        if (known != null) {
            return known && Files.isRegularFile(file);
        }
        boolean ok;
        try {
            ok = Files.isRegularFile(file) && recorded.containsKey(name) && recorded.get(name).equals(Sha256.ofFile(file));
        } catch (IOException e) {
            ok = false;
        }
        if (!ok && Files.exists(file)) {
            System.err.println("smda: " + file + " is damaged or was not recorded as finished; it is made again");
        }
        verified.put(name, ok);
        return ok;
    }
}

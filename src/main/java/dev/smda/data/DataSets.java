package dev.smda.data;

import dev.smda.io.BadInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks probes.jsonl and pairs.jsonl: every error names the file, the line and the field,
 * before any long work starts.
 */
public final class DataSets {

    private DataSets() {}

    /** probes.jsonl: {@code id}, {@code prompt}, {@code category}, {@code harmful}; other fields are kept out of the way. */
    public static List<Probe> probes(Path file) throws IOException {
        return nonEmpty(file, "probes", read(file, (line, id) -> new Probe(id, line.text("prompt"), line.text("category"), line.bool("harmful"))));
    }

    /**
     * pairs.jsonl: {@code id}, {@code prompt}, {@code response}, {@code category}, {@code harmful}.
     * Ids must differ in more than letter case: each pair's effect is a file named by its id, and on a
     * case-insensitive file system (macOS's, Windows') two such files would be one.
     */
    public static List<SftPair> pairs(Path file) throws IOException {
        Map<String, Jsonl.Line> byFolded = new HashMap<>();
        return nonEmpty(file, "pairs", read(file, (line, id) -> {
            Jsonl.Line other = byFolded.putIfAbsent(id.toLowerCase(java.util.Locale.ROOT), line);
            if (other != null) {
                throw new BadInputException(line.where() + ": field 'id': '" + id + "' differs only in letter case from '" + other.node().get("id").asText()
                        + "' on line " + other.number() + " (their files would be one on a case-insensitive file system)");
            }
            return new SftPair(id, line.text("prompt"), line.text("response"), line.text("category"), line.bool("harmful"));
        }));
    }

    /** pairs.truth.jsonl of the embedded world. */
    public static List<PairTruth> truth(Path file) throws IOException {
        return read(file, (line, id) -> new PairTruth(id, line.bool("interference"), line.text("true_category"), line.optionalText("kind")));
    }

    /** What a JSONL line becomes, given the line and its checked, unique id. */
    private interface LineReader<T> {
        T read(Jsonl.Line line, String id);
    }

    private static <T> List<T> read(Path file, LineReader<T> reader) throws IOException {
        List<T> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            out.add(reader.read(line, id(line, seen)));
        }
        return out;
    }

    private static <T> List<T> nonEmpty(Path file, String what, List<T> items) {
        if (items.isEmpty()) {
            throw new BadInputException(file + ": no " + what);
        }
        return items;
    }

    /**
     * Each pair's category must be one the probes have: the method finds a category's intended
     * features from its probes.
     */
    public static void checkPairCategories(Path pairsFile, List<SftPair> pairs, List<Probe> probes) throws IOException {
        Set<String> known = new TreeSet<>();
        probes.forEach(p -> known.add(p.category()));
        for (int i = 0; i < pairs.size(); i++) {
            if (!known.contains(pairs.get(i).category())) {
                // The file is read again only to name the line.
                throw new BadInputException(Jsonl.read(pairsFile).get(i).where() + ": field 'category': '" + pairs.get(i).category()
                        + "' is not a category of the probes (" + String.join(", ", known) + ")");
            }
        }
    }

    private static String id(Jsonl.Line line, Map<String, Integer> seen) {
        if (!line.has("id")) {
            throw new BadInputException(line.where() + ": missing field 'id'");
        }
        String id = line.node().get("id").asText();
        if (id.isBlank()) {
            throw new BadInputException(line.where() + ": field 'id' is empty");
        }
        Integer previous = seen.put(id, line.number());
        if (previous != null) {
            throw new BadInputException(line.where() + ": field 'id': '" + id + "' already used on line " + previous);
        }
        return id;
    }
}

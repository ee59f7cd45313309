package dev.smda.data.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads the public safety datasets as they are distributed (the refusal-direction paper's splits,
 * processed prompt sets and recorded completions; JailbreakBench's CSV; XSTest's prompts and model
 * completions) into probes and SFT pairs, each keeping its source, category and labels. A folder
 * stands for every file in it that one of these formats describes.
 */
public final class SafetyDatasets {

    /** How a recognised file is read. */
    public enum Kind { PROMPT_SET, JAILBREAKBENCH_CSV, XSTEST_PROMPTS, COMPLETIONS, XSTEST_COMPLETIONS }

    /** Which steered variant of the refusal-direction completions to read: the model as released, or with the refusal direction added or ablated. */
    public static final List<String> INTERVENTIONS = List.of("baseline", "actadd", "ablation");

    private static final CsvMapper CSV = new CsvMapper();

    private final String intervention;
    private final List<ImportedProbe> probes = new ArrayList<>();
    private final List<ImportedPair> pairs = new ArrayList<>();
    private final List<SourceFile> sources = new ArrayList<>();

    private SafetyDatasets(String intervention) {
        this.intervention = intervention;
    }

    /** Everything the inputs (files or folders) hold, in the order given. */
    public static SafetyDatasets read(List<Path> inputs, String intervention) throws IOException {
        if (!INTERVENTIONS.contains(intervention)) {
            throw new BadInputException("--intervention must be one of " + INTERVENTIONS + ", not '" + intervention + "'");
        }
        SafetyDatasets data = new SafetyDatasets(intervention);
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(input)) {
                    files = walk.filter(Files::isRegularFile).sorted().toList();
                }
                int before = data.sources.size();
                for (Path f : files) {
                    Kind kind = data.kindOf(f);
                    if (kind != null) {
                        data.readFile(f, kind);
                    }
                }
                if (data.sources.size() == before) {
                    throw new BadInputException(input + ": no file in this folder is a safety dataset smda reads (" + FORMATS + ")");
                }
            } else if (Files.isRegularFile(input)) {
                Kind kind = data.kindOf(input);
                if (kind == null) {
                    throw new BadInputException(input + ": not a format smda imports (" + FORMATS + ")");
                }
                data.readFile(input, kind);
            } else {
                throw new BadInputException(input + ": no such file or folder");
            }
        }
        return data;
    }

    static final String FORMATS = "refusal_direction splits/*.json and processed/*.json, raw/jailbreakbench.csv, "
            + "completions/<model>/<set>_<intervention>_completions.json, xstest_prompts.csv, xstest_v2_completions_<model>.csv";

    public List<ImportedProbe> probes() {
        return probes;
    }

    public List<ImportedPair> pairs() {
        return pairs;
    }

    public List<SourceFile> sources() {
        return sources;
    }

    /** The format of a file by its name, or null; completions of other interventions and evaluation files (read with their completions) are not sources of their own. */
    Kind kindOf(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith("_completions.json")) {
            return name.endsWith("_" + intervention + "_completions.json") ? Kind.COMPLETIONS : null;
        }
        if (name.endsWith("_evaluations.json")) {
            return null;
        }
        if (name.endsWith(".json") && file.getParent() != null && List.of("splits", "processed").contains(file.getParent().getFileName().toString())) {
            return Kind.PROMPT_SET;
        }
        if (name.equals("jailbreakbench.csv")) {
            return Kind.JAILBREAKBENCH_CSV;
        }
        if (name.equals("xstest_prompts.csv")) {
            return Kind.XSTEST_PROMPTS;
        }
        if (name.startsWith("xstest_v2_completions_") && name.endsWith(".csv")) {
            return Kind.XSTEST_COMPLETIONS;
        }
        return null;
    }

    private void readFile(Path file, Kind kind) throws IOException {
        Licence licence = Licence.of(file);
        int probesBefore = probes.size();
        int pairsBefore = pairs.size();
        int skipped = switch (kind) {
            case PROMPT_SET -> promptSet(file, licence);
            case JAILBREAKBENCH_CSV -> jailbreakBench(file, licence);
            case XSTEST_PROMPTS -> xsTestPrompts(file, licence);
            case COMPLETIONS -> completions(file, licence);
            case XSTEST_COMPLETIONS -> xsTestCompletions(file, licence);
        };
        sources.add(SourceFile.of(file, kind, licence, probes.size() - probesBefore, pairs.size() - pairsBefore, skipped));
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String id(String prefix, int number) {
        return (prefix + "-" + String.format(Locale.ROOT, "%04d", number)).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** refusal_direction's {@code [{"instruction", "category"}]}: harmful unless the set is harmless (harmless_*, alpaca). */
    private int promptSet(Path file, Licence licence) throws IOException {
        String set = stem(file);
        boolean harmful = !set.startsWith("harmless") && !set.equals("alpaca");
        JsonNode items = array(file);
        int skipped = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String prompt = text(file, i, item, "instruction");
            if (prompt == null) {
                skipped++;
                continue;
            }
            probes.add(new ImportedProbe(id(set, i + 1), prompt, category(item, set, harmful), harmful, source(file, "item " + i), licence.spdx(), Map.of("set", set)));
        }
        return skipped;
    }

    /** An item's own category, or else its set's name (harmful sets) or "harmless". */
    private static String category(JsonNode item, String set, boolean harmful) {
        return item.path("category").isTextual() ? item.get("category").asText() : harmful ? set : "harmless";
    }

    /** JailbreakBench's behaviours: Goal (the prompt), Target, Behavior, Category, Source. */
    private int jailbreakBench(Path file, Licence licence) throws IOException {
        int skipped = 0;
        List<Map<String, String>> rows = csv(file, List.of("Goal", "Behavior", "Category", "Source"));
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> r = rows.get(i);
            if (r.get("Goal").isBlank()) {
                skipped++;
                continue;
            }
            Map<String, Object> labels = new LinkedHashMap<>();
            labels.put("behavior", r.get("Behavior"));
            labels.put("target", r.getOrDefault("Target", ""));
            labels.put("origin", r.get("Source"));
            probes.add(new ImportedProbe(id("jailbreakbench", i + 1), r.get("Goal"), r.get("Category"), true, source(file, "row " + (i + 2)),
                    licence.spdx(), labels));
        }
        return skipped;
    }

    /** XSTest: safe prompts that look unsafe and their unsafe contrasts; the category is the prompt type. */
    private int xsTestPrompts(Path file, Licence licence) throws IOException {
        int skipped = 0;
        List<Map<String, String>> rows = csv(file, List.of("id", "prompt", "type", "label"));
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> r = rows.get(i);
            if (r.get("prompt").isBlank()) {
                skipped++;
                continue;
            }
            probes.add(new ImportedProbe(id("xstest", number(file, i, r.get("id"))), r.get("prompt"), r.get("type"), unsafe(file, r),
                    source(file, "id " + r.get("id")), licence.spdx(), xsTestLabels(r)));
        }
        return skipped;
    }

    private static boolean unsafe(Path file, Map<String, String> r) {
        return switch (r.get("label")) {
            case "unsafe" -> true;
            case "safe" -> false;
            default -> throw new BadInputException(file + ": id " + r.get("id") + ": field 'label' must be safe or unsafe, not '" + r.get("label") + "'");
        };
    }

    private static Map<String, Object> xsTestLabels(Map<String, String> r) {
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put("label", r.get("label"));
        labels.put("focus", r.getOrDefault("focus", ""));
        labels.put("note", r.getOrDefault("note", ""));
        return labels;
    }

    /**
     * A model's recorded replies ({@code [{"category", "prompt", "response"}]}), with the judgements
     * of the evaluations file beside it when there is one: substring matching (a reply without
     * refusal phrases counts as compliance) and, for harmful prompts, LlamaGuard 2.
     */
    private int completions(Path file, Licence licence) throws IOException {
        String model = file.getParent().getFileName().toString();
        String set = stem(file).replace("_" + intervention + "_completions", "");
        boolean harmful = !set.startsWith("harmless");
        JsonNode items = array(file);
        Path evaluations = file.resolveSibling(file.getFileName().toString().replace("_completions.json", "_evaluations.json"));
        JsonNode judged = Files.isRegularFile(evaluations) ? Json.read(evaluations).path("completions") : null;
        if (judged != null && judged.size() != items.size()) {
            throw new BadInputException(evaluations + ": " + judged.size() + " completions, but " + file + " has " + items.size());
        }
        int skipped = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String prompt = text(file, i, item, "prompt");
            String response = text(file, i, item, "response");
            if (prompt == null || response == null) {
                skipped++;
                continue;
            }
            Map<String, Object> labels = new LinkedHashMap<>();
            labels.put("model", model);
            labels.put("intervention", intervention);
            if (judged != null) {
                JsonNode j = judged.get(i);
                if (!j.path("prompt").asText().equals(prompt)) {
                    throw new BadInputException(evaluations + ": item " + i + ": field 'prompt' differs from " + file);
                }
                if (j.has("is_jailbreak_substring_matching")) {
                    labels.put("refused_by_substring_matching", j.get("is_jailbreak_substring_matching").asInt() == 0);
                }
                if (j.has("is_jailbreak_llamaguard2")) {
                    labels.put("unsafe_by_llamaguard2", j.get("is_jailbreak_llamaguard2").asInt() == 1);
                }
            }
            pairs.add(new ImportedPair(id(model + "_" + set + "_" + intervention, i + 1), prompt, response, category(item, set, harmful), harmful, source(file, "item " + i), licence.spdx(), labels));
        }
        return skipped;
    }

    /** XSTest's annotated model completions, joined by id with xstest_prompts.csv (in this folder or the one above) for the prompt's label. */
    private int xsTestCompletions(Path file, Licence licence) throws IOException {
        Path promptsFile = Stream.of(file.resolveSibling("xstest_prompts.csv"), file.getParent().resolveSibling("xstest_prompts.csv"))
                .filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new BadInputException(file + ": needs xstest_prompts.csv beside it or in the folder above, for each prompt's label"));
        Map<String, Map<String, String>> promptsById = new LinkedHashMap<>();
        for (Map<String, String> r : csv(promptsFile, List.of("id", "prompt", "type", "label"))) {
            promptsById.put("v2-" + r.get("id"), r);
        }
        String model = stem(file).replace("xstest_v2_completions_", "");
        int skipped = 0;
        List<Map<String, String>> rows = csv(file, List.of("id", "type", "prompt", "completion", "final_label"));
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> r = rows.get(i);
            Map<String, String> prompt = promptsById.get(r.get("id"));
            if (prompt == null) {
                throw new BadInputException(file + ": row " + (i + 2) + ": field 'id': '" + r.get("id") + "' is not in " + promptsFile);
            }
            if (r.get("completion").isBlank() || r.get("prompt").isBlank()) {
                skipped++;
                continue;
            }
            Map<String, Object> labels = xsTestLabels(prompt);
            labels.put("model", model);
            labels.put("final_label", r.get("final_label"));
            labels.put("refused", !r.get("final_label").startsWith("1_"));
            pairs.add(new ImportedPair(id("xstest_" + model, number(file, i, prompt.get("id"))), r.get("prompt"), r.get("completion"), r.get("type"),
                    unsafe(promptsFile, prompt), source(file, "id " + r.get("id")), licence.spdx(), labels));
        }
        return skipped;
    }

    private static String source(Path file, String where) {
        return file.toString() + " " + where;
    }

    private static JsonNode array(Path file) throws IOException {
        JsonNode root;
        try {
            root = Json.read(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getMessage());
        }
        if (!root.isArray()) {
            throw new BadInputException(file + ": expected a JSON array of objects");
        }
        return root;
    }

    /** A string field of item {@code i}: null when blank (the item is skipped), an error when absent or not a string. */
    private static String text(Path file, int i, JsonNode item, String field) {
        JsonNode v = item.get(field);
        if (v == null || !v.isTextual()) {
            throw new BadInputException(file + ": item " + i + ": field '" + field + "' must be a string");
        }
        return v.asText().isBlank() ? null : v.asText();
    }

    /** XSTest's ids are numbers; row {@code index} (0-based, after the header) names the line. */
    private static int number(Path file, int index, String id) {
        try {
            return Integer.parseInt(id.strip());
        } catch (NumberFormatException e) {
            throw new BadInputException(file + ": row " + (index + 2) + ": field 'id': '" + id + "' is not a whole number");
        }
    }

    private static List<Map<String, String>> csv(Path file, List<String> required) throws IOException {
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        List<Map<String, String>> rows = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = CSV.readerForMapOf(String.class).with(schema).readValues(file.toFile())) {
            while (it.hasNext()) {
                rows.add(it.next());
            }
        } catch (RuntimeException e) {
            throw new BadInputException(file + ": not a readable CSV file: " + e.getMessage());
        }
        if (rows.isEmpty()) {
            throw new BadInputException(file + ": no rows");
        }
        for (String column : required) {
            if (!rows.getFirst().containsKey(column)) {
                throw new BadInputException(file + ": no column '" + column + "' (has " + String.join(", ", rows.getFirst().keySet()) + ")");
            }
        }
        return rows;
    }
}

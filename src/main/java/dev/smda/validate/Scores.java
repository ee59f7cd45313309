package dev.smda.validate;

import dev.smda.io.SafeTensorsFile;
import dev.smda.io.SafeTensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an attribution method says each pair does to each target: per target family ({@link Targets}),
 * a pairs x targets matrix of predicted changes when the model is fine-tuned on that pair (in the
 * target's units for methods that have them, an arbitrary positive scale otherwise). A family a
 * method does not define is absent. Saved as {@code scores/<method>.safetensors}, one matrix per family.
 */
record Scores(Map<String, double[][]> byFamily) {

    static Scores of(double[][] probes, double[][] categories, double[][] coefficients) {
        Map<String, double[][]> m = new LinkedHashMap<>();
        put(m, Targets.PROBES, probes);
        put(m, Targets.CATEGORIES, categories);
        put(m, Targets.COEFFICIENTS, coefficients);
        return new Scores(m);
    }

    private static void put(Map<String, double[][]> m, String family, double[][] values) {
        if (values != null) {
            m.put(family, values);
        }
    }

    /** The family's matrix, or null when the method does not define it (re-encoded coefficients share the coefficients' scores). */
    double[][] of(String family) {
        return byFamily.get(Targets.COEFFICIENTS_REENCODED.equals(family) ? Targets.COEFFICIENTS : family);
    }

    void write(Path file) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (var e : byFamily.entrySet()) {
            w.addMatrix(e.getKey(), e.getValue());
        }
        w.write(file);
    }

    static Scores read(Path file) throws IOException {
        Map<String, double[][]> m = new LinkedHashMap<>();
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            for (String family : Targets.SCORED) {
                if (st.names().contains(family)) {
                    m.put(family, st.matrix(family));
                }
            }
        }
        return new Scores(m);
    }
}

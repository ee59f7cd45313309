package dev.smda.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.data.DataSets;
import dev.smda.data.SftPair;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.io.SafeTensorsFile;
import dev.smda.progress.Progress;
import dev.smda.testing.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * smda validate on the demo's run, with few retrainings: it writes what it documents, its metrics
 * are reproduced from its own files by an independent computation, it resumes without recomputing,
 * and it refuses other settings on resume. (The gradient baselines are checked on a tiny model
 * elsewhere; here the cheap methods keep the test short.)
 */
class ValidationTest {

    @TempDir
    Path dir;

    @Test
    void validationFilesReproduceItsMetricsAndItResumes() throws Exception {
        Path run = DemoRun.get().directory().root();
        ValidationConfig config = ValidationConfig.of(6, 0.5, 2, 1, 1, 7, List.of(SmdaMethod.NAME, "loss", "random"), null, List.of(3), 1, 2, "1e-8", 200);
        Path out = dir.resolve("validation");
        ValidationResult first = new Validation(run, out, config, Progress.SILENT).execute(false);
        for (String f : List.of("validation.json", "settings.json", "metrics.safetensors", "scores/smda.safetensors", "retrain/s000-r0.safetensors",
                "counterfactual/all-s0.safetensors")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        JsonNode json = Json.read(out.resolve("validation.json"));
        assertTrue(json.get("noise_ceiling").has("probes") && json.get("methods").size() == 3, json.toString());
        assertTrue(json.get("noise_ceiling").get("probes").get("additive").has("share"), "the additive bound: " + json.get("noise_ceiling"));

        // the probes' LDS, recomputed here from the retraining files and the scores file alone
        List<SftPair> pairs = DataSets.pairs(DemoRun.WORLD.resolve("pairs.jsonl"));
        double[] baseY;
        try (SafeTensorsFile base = SafeTensorsFile.open(run.resolve("base.safetensors"))) {
            baseY = base.doubles("y");
        }
        Scores smda = Scores.read(out.resolve("scores/smda.safetensors"));
        Random random = new Random(config.seed());
        int size = (int) Math.round(0.5 * pairs.size());
        double sum = 0;
        int targets = baseY.length;
        double[][] predicted = new double[6][targets];
        double[][] actual = new double[6][targets];
        for (int s = 0; s < 6; s++) {
            List<Integer> index = new ArrayList<>(java.util.stream.IntStream.range(0, pairs.size()).boxed().toList());
            java.util.Collections.shuffle(index, random);
            for (int b : index.subList(0, size)) {
                for (int t = 0; t < targets; t++) {
                    predicted[s][t] += smda.of(Targets.PROBES)[b][t];
                }
            }
            for (int r = 0; r < 2; r++) {
                try (SafeTensorsFile st = SafeTensorsFile.open(out.resolve(String.format("retrain/s%03d-r%d.safetensors", s, r)))) {
                    double[] y = st.doubles("y");
                    for (int t = 0; t < targets; t++) {
                        actual[s][t] += (y[t] - baseY[t]) / 2;
                    }
                }
            }
        }
        int counted = 0;
        for (int t = 0; t < targets; t++) {
            double rho = new org.hipparchus.stat.correlation.SpearmansCorrelation().correlation(column(predicted, t), column(actual, t));
            if (Double.isFinite(rho)) {
                sum += rho;
                counted++;
            }
        }
        double lds = first.methods().stream().filter(m -> m.name().equals(SmdaMethod.NAME)).findFirst().orElseThrow().families().get(Targets.PROBES).lds();
        assertEquals(sum / counted, lds, 1e-12, "the probes' LDS from the files");
        for (ValidationResult.MethodResult m : first.methods()) {
            ValidationResult.FamilyScore f = m.families().get(Targets.PROBES);
            if (m.name().equals(SmdaMethod.NAME)) {
                assertEquals(null, f.fromSmda(), "smda is not compared with itself");
            } else {
                assertEquals(f.lds() - lds, f.fromSmda().difference(), 1e-12, m.name() + "'s difference from smda");
                assertTrue(f.fromSmda().low() <= f.fromSmda().high(), m.name() + ": " + f.fromSmda());
            }
        }

        long before = Files.getLastModifiedTime(out.resolve("retrain/s000-r0.safetensors")).toMillis();
        ValidationResult again = new Validation(run, out, config, Progress.SILENT).execute(true);
        assertEquals(before, Files.getLastModifiedTime(out.resolve("retrain/s000-r0.safetensors")).toMillis(), "resuming reuses the retrainings");
        assertEquals(first.methods(), again.methods());
        assertThrows(BadInputException.class, () -> new Validation(run, out, config, Progress.SILENT).execute(false));
        ValidationConfig other = ValidationConfig.of(7, 0.5, 2, 1, 1, 7, List.of(SmdaMethod.NAME), null, List.of(), 1, 0, "1e-8", 200);
        String message = assertThrows(BadInputException.class, () -> new Validation(run, out, other, Progress.SILENT).execute(true)).getMessage();
        assertTrue(message.contains("settings.json"), message);
    }

    private static double[] column(double[][] m, int t) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i][t];
        }
        return out;
    }
}

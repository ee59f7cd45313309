package dev.smda.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.smda.progress.Progress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on synthetic activations with known ground-truth directions (48 sparse causes in 32
 * dimensions, about 3 present per sample): the trained decoder must contain them. Measured: mean max
 * cosine similarity 0.999 for TopK (k=4) and 0.997 for ReLU with L1 0.3; both asserted at 0.95.
 */
class SaeTrainingTest {

    @TempDir
    Path dir;

    @Test
    void topKRecoversTheGroundTruthDirections() throws Exception {
        SyntheticSparseData data = new SyntheticSparseData(32, 48, 3.0 / 48, 0.01, 11);
        SaeConfig sae = SaeConfig.topK(32, 96, 4, "blocks.0.hook_resid_post", "synthetic");
        SaeTrainingConfig training = new SaeTrainingConfig(SaeArchitecture.TOPK, 96, 4, 0, 3e-3, 50, 0.2, 256, 256L * 1500, 256L * 50, 0, 1.0 / 32, 0, 5);
        SaeTraining.Summary summary = SaeTraining.run(data, sae, training, dir.resolve("sae"), false, Progress.SILENT);
        try (Sae trained = SaeFiles.load(dir.resolve("sae"), DataType.FLOAT32, null)) {
            double cosine = data.meanMaxCosine(trained.parameter(Sae.W_DEC).toFloatArray(), 96);
            System.out.printf("topk: mean max cosine %.4f, fvu %.4f, L0 %.2f, dead %d%n", cosine, summary.finalFvu(), summary.finalL0(), summary.dead());
            assertTrue(cosine >= 0.95, "mean max cosine " + cosine);
            assertTrue(summary.finalFvu() < 0.1, "fvu " + summary.finalFvu());
            assertTrue(summary.finalL0() <= 4.0);
        }
        assertTrue(Files.isRegularFile(dir.resolve("sae/sparsity.safetensors")));
        assertEquals(1501, Files.readAllLines(dir.resolve("sae.training_log.csv")).size());
    }

    @Test
    void reluWithL1RecoversTheGroundTruthDirections() throws Exception {
        SyntheticSparseData data = new SyntheticSparseData(32, 48, 3.0 / 48, 0.01, 13);
        SaeConfig sae = SaeConfig.relu(32, 96, "blocks.0.hook_resid_post", "synthetic");
        SaeTrainingConfig training = new SaeTrainingConfig(SaeArchitecture.RELU, 96, 0, 0.3, 3e-3, 50, 0.2, 256, 256L * 1500, 256L * 50, 0, 1.0 / 32, 0, 5);
        SaeTraining.Summary summary = SaeTraining.run(data, sae, training, dir.resolve("relu"), false, Progress.SILENT);
        try (Sae trained = SaeFiles.load(dir.resolve("relu"), DataType.FLOAT32, null)) {
            double cosine = data.meanMaxCosine(trained.parameter(Sae.W_DEC).toFloatArray(), 96);
            System.out.printf("relu: mean max cosine %.4f, fvu %.4f, L0 %.2f, dead %d%n", cosine, summary.finalFvu(), summary.finalL0(), summary.dead());
            assertTrue(cosine >= 0.95, "mean max cosine " + cosine);
            assertTrue(summary.finalL0() < 10, "L1 makes it sparse: L0 " + summary.finalL0());
        }
    }

    @Test
    void theTrainingLogIsPlainCsvWhateverTheMachinesLocale() throws Exception {
        SaeConfig sae = SaeConfig.topK(32, 64, 4, "blocks.0.hook_resid_post", "synthetic");
        SaeTrainingConfig training = new SaeTrainingConfig(SaeArchitecture.TOPK, 64, 4, 0, 3e-3, 5, 0.2, 128, 128L * 10, 128L * 50, 0, 1.0 / 32, 0, 5);
        java.util.Locale before = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.GERMANY); // whose decimal comma would split every number in two
            SaeTraining.run(new SyntheticSparseData(32, 48, 3.0 / 48, 0.01, 3), sae, training, dir.resolve("german"), false, Progress.SILENT);
        } finally {
            java.util.Locale.setDefault(before);
        }
        java.util.List<String> lines = Files.readAllLines(dir.resolve("german.training_log.csv"));
        assertEquals("step,learning_rate,loss,fvu,l0,dead", lines.getFirst());
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",");
            assertEquals(6, fields.length, line);
            for (String field : fields) {
                Double.parseDouble(field);
            }
        }
    }

    /** Stops the run partway, as a killed process would. */
    private static final class Interrupted extends RuntimeException {}

    @Test
    void anInterruptedRunResumesFromItsLastCheckpointAndRefusesOtherSettings() throws Exception {
        SaeConfig sae = SaeConfig.topK(32, 64, 4, "blocks.0.hook_resid_post", "synthetic");
        SaeTrainingConfig training = new SaeTrainingConfig(SaeArchitecture.TOPK, 64, 4, 0, 3e-3, 10, 0.2, 128, 128L * 60, 128L * 50, 0, 1.0 / 32, 20, 5);
        SyntheticSparseData failing = new SyntheticSparseData(32, 48, 3.0 / 48, 0.01, 3) {
            @Override
            public void next(float[][] rows) {
                if (position() >= 4096 + 128L * 45) {
                    throw new Interrupted();
                }
                super.next(rows);
            }
        };
        Path out = dir.resolve("resumed");
        org.junit.jupiter.api.Assertions.assertThrows(Interrupted.class, () -> SaeTraining.run(failing, sae, training, out, false, Progress.SILENT));
        assertTrue(Files.isDirectory(dir.resolve("resumed.checkpoint")), "checkpoint at step 40 survives");
        assertTrue(Files.notExists(out));
        SaeTrainingConfig other = training.withSeed(99);
        String message = org.junit.jupiter.api.Assertions.assertThrows(dev.smda.io.BadInputException.class,
                () -> SaeTraining.run(new SyntheticSparseData(32, 48, 3.0 / 48, 0.01, 3), sae, other, out, true, Progress.SILENT)).getMessage();
        assertTrue(message.contains("different settings"), message);
        SaeTraining.Summary summary = SaeTraining.run(new SyntheticSparseData(32, 48, 3.0 / 48, 0.01, 3), sae, training, out, true, Progress.SILENT);
        assertEquals(60, summary.steps());
        assertEquals(128L * 60, summary.tokens(), "tokens seen continue from the checkpoint");
        assertEquals(61, Files.readAllLines(dir.resolve("resumed.training_log.csv")).size(), "one log line per step, none repeated");
        assertTrue(Files.isRegularFile(out.resolve("sae_weights.safetensors")));
    }
}

package dev.smda.sae;

import dev.smda.io.AtomicFiles;
import dev.smda.io.SafeTensorsWriter;
import dev.smda.progress.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A whole training run: draws batches from a source, steps the trainer, logs every step to
 * {@code training_log.csv}, checkpoints to {@code OUT/checkpoint} every so often, and finally writes
 * the SAE to {@code OUT} as a SAELens folder (with {@code sparsity.safetensors}). With
 * {@code resume} it continues from the checkpoint.
 */
public final class SaeTraining {

    private SaeTraining() {}

    /** What a finished run reports. */
    public record Summary(long steps, long tokens, double finalFvu, double finalL0, int dead, double seconds) {}

    public static Summary run(ActivationSource source, SaeConfig saeConfig, SaeTrainingConfig config, Path out, boolean resume,
            Progress.Factory progress) throws IOException {
        Path checkpoint = out.resolveSibling(out.getFileName() + ".checkpoint");
        Path log = out.resolveSibling(out.getFileName() + ".training_log.csv");
        SaeTrainer trainer;
        if (resume && Files.isDirectory(checkpoint)) {
            SaeCheckpoint.Resumed r = SaeCheckpoint.load(checkpoint, saeConfig, config);
            trainer = r.trainer();
            source.seek(r.sourcePosition());
        } else {
            float[][] sample = new float[Math.min(4096, (int) config.totalTokens())][];
            source.next(sample);
            trainer = SaeTrainer.start(saeConfig, config, sample);
            Files.writeString(log, "step,learning_rate,loss,fvu,l0,dead\n", StandardCharsets.UTF_8);
        }
        long start = System.nanoTime();
        SaeTrainer.StepStats last = null;
        float[][] batch = new float[config.batchTokens()][];
        try (trainer; Progress bar = progress.start("SAE", config.steps(), "steps", trainer.steps())) {
            StringBuilder pending = new StringBuilder();
            while (trainer.steps() < config.steps()) {
                source.next(batch);
                last = trainer.step(batch);
                pending.append(String.format(Locale.ROOT, "%d,%.6g,%.6f,%.6f,%.3f,%d%n", last.step(), last.learningRate(), last.loss(), last.fvu(), last.l0(), last.dead()));
                bar.stepTo(last.step(), String.format(Locale.ROOT, "fvu %.3f L0 %.1f dead %d", last.fvu(), last.l0(), last.dead()));
                boolean checkpointNow = config.checkpointEvery() > 0 && last.step() % config.checkpointEvery() == 0 && last.step() < config.steps();
                if (checkpointNow || trainer.steps() == config.steps()) {
                    Files.writeString(log, pending, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.CREATE);
                    pending.setLength(0);
                }
                if (checkpointNow) {
                    SaeCheckpoint.save(trainer, source.position(), checkpoint);
                }
            }
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("trained_by", "smda");
            meta.put("training_tokens", trainer.tokensSeen());
            meta.put("training", config);
            SaeFiles.save(trainer.sae(), out, meta);
            new SafeTensorsWriter().addFloats("sparsity", trainer.logFeatureSparsity(), saeConfig.dSae()).write(out.resolve("sparsity.safetensors"));
            AtomicFiles.deleteRecursively(checkpoint);
            int dead = 0;
            for (boolean d : trainer.deadFeatures()) {
                dead += d ? 1 : 0;
            }
            return new Summary(trainer.steps(), trainer.tokensSeen(), last == null ? Double.NaN : last.fvu(), last == null ? Double.NaN : last.l0(), dead,
                    (System.nanoTime() - start) / 1e9);
        }
    }
}

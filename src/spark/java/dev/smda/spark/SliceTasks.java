package dev.smda.spark;

import dev.smda.io.BadInputException;
import dev.smda.io.Json;
import dev.smda.lm.LanguageModel;
import dev.smda.lm.Models;
import dev.smda.progress.Progress;
import dev.smda.run.EstimatorRecipe;
import dev.smda.run.PairSlice;
import dev.smda.run.RunInputs;
import dev.smda.run.SliceWorker;
import dev.smda.sae.Sae;
import dev.smda.sae.SaeFiles;
import dev.smda.tensor.Torch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;

/**
 * The executor side: a task estimates one slice with a worker of this JVM. Workers are opened once
 * per run and JVM (the model, the SAE and the estimator's preparation) and kept for later tasks; a
 * JVM running several tasks at once (local[N], or executors with several cores) opens one per
 * concurrent task, since a worker changes its model's weights while it measures a pair.
 */
final class SliceTasks {

    /** A task's answer: the slice's result, where it ran, and the seconds this task spent opening a worker (0 when it found one). */
    record Output(PairSlice.Result result, String host, double openSeconds) {}

    private record Worker(String runId, LanguageModel model, Sae sae, SliceWorker slices) implements AutoCloseable {
        @Override
        public void close() {
            slices.close();
            sae.close();
            model.close();
        }
    }

    private static final ArrayDeque<Worker> IDLE = new ArrayDeque<>();

    private SliceTasks() {}

    static String run(String runId, String recipe, String slice) {
        TaskContext task = TaskContext.get();
        // Each task gets the engine's threads for its own cores only: more oversubscribe the machine.
        Torch.threads(task == null ? 1 : Math.max(1, task.cpus()));
        long start = System.nanoTime();
        Worker worker = borrow(runId, recipe);
        double openSeconds = 0;
        if (worker == null) {
            worker = open(runId, EstimatorRecipe.fromJson(recipe));
            openSeconds = (System.nanoTime() - start) / 1e9;
        }
        PairSlice.Result result;
        try {
            result = worker.slices().estimate(Json.MAPPER.readValue(slice, PairSlice.class));
        } catch (IOException e) {
            worker.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            // A worker that failed mid-pair may hold an update it did not undo.
            worker.close();
            throw e;
        }
        synchronized (IDLE) {
            IDLE.push(worker);
        }
        return Json.compact(new Output(result, host(), openSeconds));
    }

    /** An idle worker of this run, or null; workers of earlier runs are closed. */
    private static Worker borrow(String runId, String recipe) {
        synchronized (IDLE) {
            Worker found = null;
            for (Iterator<Worker> it = IDLE.iterator(); it.hasNext();) {
                Worker w = it.next();
                if (!w.runId().equals(runId)) {
                    it.remove();
                    w.close();
                } else if (found == null) {
                    it.remove();
                    found = w;
                }
            }
            return found;
        }
    }

    private static Worker open(String runId, EstimatorRecipe recipe) {
        RunInputs in = recipe.inputs();
        RunInputs here = new RunInputs(required(in.model()), required(in.sae()), optional(in.probes()), optional(in.pairs()));
        EstimatorRecipe local = new EstimatorRecipe(recipe.config(), here, recipe.probes(), recipe.base(), recipe.policy(), recipe.category(),
                recipe.categories());
        LanguageModel model = null;
        Sae sae = null;
        try {
            model = Models.open(here.model(), Models.dtype(recipe.config().dtype()));
            sae = SaeFiles.load(here.sae(), Models.dtype(recipe.config().dtype()), null);
            return new Worker(runId, model, sae, new SliceWorker(local, model.withChatDate(recipe.config().chatDate()), sae, Progress.SILENT));
        } catch (IOException | RuntimeException e) {
            if (sae != null) {
                sae.close();
            }
            if (model != null) {
                model.close();
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /**
     * An input as this node sees it: at the driver's path (a shared file system), or shipped by Spark
     * under its file name ({@code spark.files} for a file, {@code spark.archives} with {@code #name} for a folder).
     */
    private static Path required(Path path) {
        Path found = locate(path);
        if (found == null) {
            throw new BadInputException("executor on " + host() + ": " + path + ": no such file or folder (every node must read the run's inputs "
                    + "at the same path, or receive them through spark.files or spark.archives)");
        }
        return found;
    }

    private static Path optional(Path path) {
        Path found = locate(path);
        return found == null ? path : found;
    }

    private static Path locate(Path path) {
        if (Files.exists(path)) {
            return path;
        }
        Path shipped = Path.of(SparkFiles.get(path.getFileName().toString()));
        return Files.exists(shipped) ? shipped : null;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "?";
        }
    }
}

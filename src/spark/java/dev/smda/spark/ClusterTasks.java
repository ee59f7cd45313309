package dev.smda.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smda.execute.Worker;
import dev.smda.execute.WorkerFactory;
import dev.smda.io.BadInputException;
import dev.smda.io.Json;
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
 * The executor side: a task is done by a worker of this JVM. Workers are opened once per job and
 * JVM (the model, the SAE, whatever the job prepares) and kept for its later tasks; a JVM running
 * several tasks at once (local[N], or executors with several cores) opens one per concurrent task,
 * since a worker changes its model's weights while it works.
 */
final class ClusterTasks {

    /** A task's answer: its result, where it ran, and the seconds this task spent opening a worker (0 when it found one). */
    record Output(JsonNode result, String host, double openSeconds) {}

    private record Held(String jobId, Worker<Object, Object> worker) {}

    private static final ArrayDeque<Held> IDLE = new ArrayDeque<>();

    private ClusterTasks() {}

    static String run(String jobId, String factoryClass, String recipe, String task) {
        TaskContext context = TaskContext.get();
        // Each task gets the engine's threads for its own cores only: more oversubscribe the machine.
        Torch.threads(context == null ? 1 : Math.max(1, context.cpus()));
        WorkerFactory<Object, Object> factory = factory(factoryClass);
        long start = System.nanoTime();
        Worker<Object, Object> worker = borrow(jobId);
        double openSeconds = 0;
        if (worker == null) {
            worker = factory.open(recipe, ClusterTasks::locate);
            openSeconds = (System.nanoTime() - start) / 1e9;
        }
        Object result;
        try {
            result = worker.apply(Json.MAPPER.readValue(task, factory.taskType()));
        } catch (IOException e) {
            worker.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            // A worker that failed mid-task may hold an update it did not undo.
            worker.close();
            throw e;
        }
        synchronized (IDLE) {
            IDLE.push(new Held(jobId, worker));
        }
        return Json.compact(new Output(Json.MAPPER.valueToTree(result), host(), openSeconds));
    }

    @SuppressWarnings("unchecked")
    private static WorkerFactory<Object, Object> factory(String name) {
        try {
            return (WorkerFactory<Object, Object>) Class.forName(name).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("executor on " + host() + ": cannot make " + name + " (is smda's jar on the executors' classpath?)", e);
        }
    }

    /** An idle worker of this job, or null; workers of earlier jobs are closed. */
    private static Worker<Object, Object> borrow(String jobId) {
        synchronized (IDLE) {
            Worker<Object, Object> found = null;
            for (Iterator<Held> it = IDLE.iterator(); it.hasNext();) {
                Held h = it.next();
                if (!h.jobId().equals(jobId)) {
                    it.remove();
                    h.worker().close();
                } else if (found == null) {
                    it.remove();
                    found = h.worker();
                }
            }
            return found;
        }
    }

    /**
     * An input as this node sees it: at the driver's path (a shared file system), or shipped by Spark
     * under its file name ({@code spark.files} for a file, {@code spark.archives} with {@code #name} for a folder).
     */
    private static Path locate(Path path) {
        if (Files.exists(path)) {
            return path;
        }
        Path shipped = Path.of(SparkFiles.get(path.getFileName().toString()));
        if (Files.exists(shipped)) {
            return shipped;
        }
        throw new BadInputException("executor on " + host() + ": " + path + ": no such file or folder (every node must read the run's inputs "
                + "at the same path, or receive them through spark.files or spark.archives)");
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "?";
        }
    }
}

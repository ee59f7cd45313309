package dev.smda.execute;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Where a command's independent tasks run: in its own process ({@link InProcessExecutor}), or
 * spread over a cluster (Spark, from the optional Spark build, found through {@link Provider}). The
 * command alone writes its results, as each comes back, so resuming and everything downstream do not
 * depend on where the tasks ran.
 */
public interface Executor extends AutoCloseable {

    /** What the command hears of the tasks, always on its own thread. */
    interface Listener<R> {
        /** The workers are built (in-process), or the tasks are handed to the cluster. */
        void prepared();

        /** Task {@code index} is done; called once per task, in any order. */
        void finished(int index, R result) throws IOException;
    }

    /** Runs every task, telling {@code listener}; returns when all are done. */
    <T, R> void run(Job<T, R> job, List<T> tasks, Listener<R> listener) throws IOException;

    /**
     * How many tasks {@code items} independent items are best cut into here: one an item in-process,
     * where handing a task over costs nothing; on a cluster a few per task slot, enough that results
     * flow back steadily and a lost executor loses little.
     */
    int tasksFor(int items);

    /** Seconds spent on what the command's phases do not show (a cluster's workers opening), by name. */
    default Map<String, Double> timings() {
        return Map.of();
    }

    @Override
    default void close() {}

    /**
     * Where to run, as the user asked: {@code master} null for in-process, there on {@code workers}
     * threads (a cluster's master sets its own parallelism).
     */
    record Choice(String master, Map<String, String> settings, int workers) {

        public static final Choice IN_PROCESS = inProcess(1);

        public Choice {
            if (workers < 1) {
                throw new IllegalArgumentException("at least one worker, not " + workers);
            }
        }

        /** On the cluster {@code master}, with these Spark settings. */
        public Choice(String master, Map<String, String> settings) {
            this(master, settings, 1);
        }

        /** In this process, on {@code workers} threads. */
        public static Choice inProcess(int workers) {
            return new Choice(null, Map.of(), workers);
        }

        public boolean inProcess() {
            return master == null;
        }
    }

    /** The executor for {@code choice}. */
    static Executor of(Choice choice) throws IOException {
        return choice.inProcess() ? new InProcessExecutor(choice.workers()) : provider().open(choice);
    }

    /** A cluster started on this machine for tests and benchmarks. */
    interface LocalCluster extends AutoCloseable {
        /** The master URL to run on. */
        String master();

        /** Kills worker {@code i} and what it started with SIGKILL, as a machine that fails. */
        void killWorker(int i) throws InterruptedException;

        /** Stops every process the cluster started, and waits for them. */
        @Override
        void close();
    }

    /** Makes cluster executors; registered as a service by the build that brings the cluster's libraries. */
    interface Provider {
        Executor open(Choice choice) throws IOException;

        /** Starts a cluster of {@code workers} single-core workers on 127.0.0.1, its files under {@code dir}. */
        LocalCluster startLocalCluster(int workers, Path dir) throws IOException;
    }

    /** The cluster support this build has, or a one-line error. */
    static Provider provider() {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            return p;
        }
        throw new dev.smda.io.BadInputException("--spark: this smda was built without Spark support; run it through ./smda, which builds it when --spark is given");
    }
}

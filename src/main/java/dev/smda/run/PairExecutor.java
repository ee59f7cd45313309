package dev.smda.run;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Where a run's pairs are estimated: in the run's own process ({@link InProcessExecutor}), or spread
 * over a cluster (Spark, from the optional smda-spark build, found through {@link Provider}). Every
 * executor builds its estimators from the run's {@link EstimatorRecipe} and hands each slice's
 * result back to the run, which alone writes the run directory; so resuming, the analyses and the
 * report do not depend on where the pairs were estimated.
 */
public interface PairExecutor extends AutoCloseable {

    /** What the run hears of the estimation, always on the run's own thread. */
    interface Listener {
        /** The estimators are built (in-process), or the work is handed to the cluster. */
        void prepared();

        /** One slice is done; called once per slice, in any order. */
        void finished(PairSlice.Result result) throws IOException;
    }

    /** Estimates every slice, telling {@code listener}; returns when all are done. */
    void estimate(EstimatorRecipe recipe, List<PairSlice> slices, Listener listener) throws IOException;

    /** Pairs per slice that keep this executor's workers busy and its results flowing back, for {@code pairs} pairs to estimate. */
    int sliceSize(RunConfig config, int pairs);

    /** Seconds this executor spent on what the run's phases do not show (a cluster's workers opening the model), by name; for run.json. */
    default Map<String, Double> timings() {
        return Map.of();
    }

    @Override
    default void close() {}

    /** Where to run, as the user asked: {@code master} null for in-process. */
    record Choice(String master, Map<String, String> settings) {

        public static final Choice IN_PROCESS = new Choice(null, Map.of());

        public boolean inProcess() {
            return master == null;
        }
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

    /** Makes a cluster executor; registered as a service by the module that brings the cluster's libraries. */
    interface Provider {
        PairExecutor open(Choice choice) throws IOException;

        /** Starts a cluster of {@code workers} single-core workers on 127.0.0.1, its files under {@code dir}. */
        LocalCluster startLocalCluster(int workers, java.nio.file.Path dir) throws IOException;
    }

    /** The cluster executor for {@code choice}, or a one-line error when this build has none. */
    static PairExecutor cluster(Choice choice) throws IOException {
        return provider().open(choice);
    }

    /** The cluster support this build has, or a one-line error. */
    static Provider provider() {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            return p;
        }
        throw new dev.smda.io.BadInputException("--spark: this smda was built without Spark support; run it through ./smda, which builds it when --spark is given");
    }
}

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

    @Override
    default void close() {}

    /** Where to run, as the user asked: {@code master} null for in-process. */
    record Choice(String master, Map<String, String> settings) {

        public static final Choice IN_PROCESS = new Choice(null, Map.of());

        public boolean inProcess() {
            return master == null;
        }
    }

    /** Makes a cluster executor; registered as a service by the module that brings the cluster's libraries. */
    interface Provider {
        PairExecutor open(Choice choice) throws IOException;
    }

    /** The cluster executor for {@code choice}, or a one-line error when this build has none. */
    static PairExecutor cluster(Choice choice) throws IOException {
        for (Provider p : ServiceLoader.load(Provider.class)) {
            return p.open(choice);
        }
        throw new dev.smda.io.BadInputException("--spark: this smda was built without Spark support; run it through ./smda, which builds it when --spark is given");
    }
}

package dev.smda.spark;

import dev.smda.run.PairExecutor;

/** Registers {@link SparkExecutor} as the cluster executor ({@code META-INF/services}). */
public final class SparkExecutorProvider implements PairExecutor.Provider {

    @Override
    public PairExecutor open(PairExecutor.Choice choice) {
        return new SparkExecutor(choice);
    }

    @Override
    public PairExecutor.LocalCluster startLocalCluster(int workers, java.nio.file.Path dir) throws java.io.IOException {
        return StandaloneCluster.start(workers, dir);
    }
}

package dev.smda.spark;

import dev.smda.execute.Executor;
import java.nio.file.Path;

/** Registers {@link SparkExecutor} as the cluster executor ({@code META-INF/services}). */
public final class SparkExecutorProvider implements Executor.Provider {

    @Override
    public Executor open(Executor.Choice choice) {
        return new SparkExecutor(choice);
    }

    @Override
    public Executor.LocalCluster startLocalCluster(int workers, Path dir) throws java.io.IOException {
        return StandaloneCluster.start(workers, dir);
    }
}

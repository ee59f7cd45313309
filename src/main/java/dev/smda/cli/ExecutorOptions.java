package dev.smda.cli;

import dev.smda.execute.Executor;
import dev.smda.io.BadInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where a command's independent work runs: in this process, on one worker or several, or on Apache Spark (README: "On a cluster"). */
final class ExecutorOptions {

    @Option(names = "--spark", paramLabel = "MASTER", description = "Run the work on Apache Spark: local[N], spark://HOST:PORT, or any master Spark "
            + "accepts (default: in this process). The results are the same; see the README, On a cluster.")
    String master;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable), e.g. spark.executor.memory=8g.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--workers", paramLabel = "N", description = "In this process, work on N tasks (pairs, or a validation's retrainings) at once, "
            + "each worker with its own copy of the model and the engine's threads divided among them (default 1). Pays off on small models "
            + "(on 2 cores: the demo's pairs 1.15x, a validation's retrainings 1.8x); each worker holds its own model, checkpoints and update "
            + "in memory. The results are the same as one worker's at the threads each gets.")
    Integer workers;

    Executor.Choice choice() {
        if (master == null && !settings.isEmpty()) {
            throw new BadInputException("--spark-conf needs --spark MASTER");
        }
        if (workers != null && workers < 1) {
            throw new BadInputException("--workers must be at least 1, not " + workers);
        }
        if (master != null && workers != null) {
            throw new BadInputException("--workers is for work in this process; with --spark the cluster's cores set how many tasks run at once");
        }
        return master == null ? Executor.Choice.inProcess(workers == null ? 1 : workers) : new Executor.Choice(master, Map.copyOf(settings));
    }
}

package dev.smda.cli;

import dev.smda.execute.Executor;
import dev.smda.io.BadInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where a command's independent work runs: in-process, or on Apache Spark (README: "On a cluster"). */
final class SparkOptions {

    @Option(names = "--spark", paramLabel = "MASTER", description = "Run the work on Apache Spark: local[N], spark://HOST:PORT, or any master Spark "
            + "accepts (default: in this process). The results are the same; see the README, On a cluster.")
    String master;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable), e.g. spark.executor.memory=8g.")
    Map<String, String> settings = new LinkedHashMap<>();

    Executor.Choice choice() {
        if (master == null && !settings.isEmpty()) {
            throw new BadInputException("--spark-conf needs --spark MASTER");
        }
        return master == null ? Executor.Choice.IN_PROCESS : new Executor.Choice(master, Map.copyOf(settings));
    }
}

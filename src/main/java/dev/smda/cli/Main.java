package dev.smda.cli;

import dev.smda.io.BadInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code smda} command line. */
@Command(name = "smda", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Symbolic Mechanistic Data Attribution: which fine-tuning pairs shift a model's refusal policy, through which SAE features.",
        subcommands = {DemoCommand.class, RunCommand.class, ValidateCommand.class, ReportCommand.class, InspectCommand.class, GenerateCommand.class, ScoreCommand.class, DataCommand.class, SaeCommand.class, WorldCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    static {
        // DJL must never reach the network; set before any engine class loads.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; bad input prints one line and exits 2, other failures exit 1. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof BadInputException) {
                commandLine.getErr().println("smda: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}

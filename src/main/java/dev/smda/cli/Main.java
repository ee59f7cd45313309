package dev.smda.cli;

import dev.smda.io.BadInputException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code smda} command line. Every failure ends in one line on standard error: bad input (an
 * option, a file, a line of it) with exit code 2, anything else with exit code 1; the stack trace
 * only with {@code --debug} or the environment variable {@code SMDA_DEBUG=1}.
 */
@Command(name = "smda", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Symbolic Mechanistic Data Attribution: which fine-tuning pairs shift a model's refusal policy, through which SAE features.",
        subcommands = {DemoCommand.class, RunCommand.class, ValidateCommand.class, ReportCommand.class, InspectCommand.class, GenerateCommand.class, ScoreCommand.class,
            DataCommand.class, SaeCommand.class, WorldCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    static {
        // DJL must never reach the network; set before any engine class loads.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    /** Exit code for bad input. */
    public static final int BAD_INPUT = 2;
    /** Exit code for any other failure. */
    public static final int FAILURE = 1;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "On failure, print the stack trace too (also: SMDA_DEBUG=1).")
    boolean debug;

    @CommandLine.Option(names = "--threads", scope = CommandLine.ScopeType.INHERIT, paramLabel = "N",
            description = "Threads the engine uses within an operation (default: every core); for machines shared with other work.")
    Integer threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code. */
    public static int run(String... args) {
        // numbers printed as smda's files and README write them (0.755, not 0,755), whatever the machine's locale
        java.util.Locale.setDefault(java.util.Locale.ROOT);
        Main main = new Main();
        CommandLine cli = new CommandLine(main);
        cli.setExecutionStrategy(parseResult -> {
            if (main.threads != null) {
                if (main.threads < 1) {
                    throw new CommandLine.ParameterException(parseResult.commandSpec().commandLine(), "--threads must be at least 1, not " + main.threads);
                }
                dev.smda.tensor.Torch.threads(main.threads);
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        cli.setParameterExceptionHandler((e, arguments) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("smda: " + firstLine(e.getMessage()) + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean debug = main.debug || "1".equals(System.getenv("SMDA_DEBUG"));
            PrintWriter err = commandLine.getErr();
            int code = report(e, err);
            if (debug) {
                e.printStackTrace(err);
            }
            err.flush();
            return code;
        });
        // SIGINT or SIGTERM mid-command: every result file is written whole or not at all, so a
        // stop leaves a resumable state; say so in one line.
        Thread stopped = new Thread(() -> System.err.println(
                "smda: stopped before finishing; results written so far are whole (run, validate and sae train continue with --resume)"));
        Runtime.getRuntime().addShutdownHook(stopped);
        try {
            return cli.execute(args);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopped);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already stopping: the hook runs
            }
        }
    }

    /** One line for a failure, and its exit code. */
    static int report(Throwable e, PrintWriter err) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadInputException) {
                err.println("smda: " + firstLine(t.getMessage()));
                return BAD_INPUT;
            }
            if (t instanceof NoSuchFileException f) {
                err.println("smda: " + f.getFile() + ": no such file or folder");
                return BAD_INPUT;
            }
            if (t instanceof AccessDeniedException f) {
                err.println("smda: " + f.getFile() + ": permission denied");
                return BAD_INPUT;
            }
            if (t instanceof NotDirectoryException f) {
                err.println("smda: " + f.getFile() + ": not a folder");
                return BAD_INPUT;
            }
            if (t instanceof FileSystemException f) {
                err.println("smda: " + f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "file system error") + "; nothing half-written was left");
                return FAILURE;
            }
            if (t instanceof OutOfMemoryError) {
                err.println("smda: out of memory (raise the Java heap with SMDA_JAVA_OPTS=-Xmx..., or use smaller batches)");
                return FAILURE;
            }
        }
        err.println("smda: internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage()))
                + " (--debug or SMDA_DEBUG=1 shows where)");
        return FAILURE;
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String s = message.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).strip();
    }
}

package dev.smda.cli;

import dev.smda.io.BadInputException;
import dev.smda.report.HtmlReport;
import dev.smda.report.MarkdownReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write RUN_DIR/report.html (one self-contained page, works offline), or with --format md RUN_DIR/report.md with PNG charts.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "A finished run directory.")
    Path run;

    @Option(names = "--format", defaultValue = "html", description = "html (default), md, or both.")
    String format;

    @Override
    public Integer call() throws Exception {
        Checks.folder(run, "RUN_DIR");
        Checks.oneOf(format, "--format", "html", "md", "both");
        switch (format) {
            case "html" -> System.out.println("wrote " + HtmlReport.write(run));
            case "md" -> System.out.println("wrote " + MarkdownReport.write(run));
            case "both" -> {
                System.out.println("wrote " + HtmlReport.write(run));
                System.out.println("wrote " + MarkdownReport.write(run));
            }
            default -> throw new BadInputException("--format must be html, md or both, not '" + format + "'");
        }
        return 0;
    }
}

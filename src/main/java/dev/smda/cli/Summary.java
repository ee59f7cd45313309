package dev.smda.cli;

import dev.smda.report.HtmlReport;
import dev.smda.report.TextSummary;
import dev.smda.run.SmdaRun;
import java.io.IOException;

/** What every finished run does last: print the short summary and write report.html beside the results. */
final class Summary {

    private Summary() {}

    static void printAndWriteReport(SmdaRun.Result r) throws IOException {
        System.out.print(TextSummary.of(r.directory().root(), r.policy(), r.analysis(), r.config(), r.seconds()));
        System.out.println("report: " + HtmlReport.write(r.directory().root()).toAbsolutePath().toUri());
    }
}

package dev.smda.report;

import dev.smda.analysis.CategoryGap;
import dev.smda.analysis.Interference;
import dev.smda.io.AtomicFiles;
import dev.smda.policy.PolicyText;
import dev.smda.validate.CoefficientFidelity;
import dev.smda.validate.ValidationResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** report.md with PNG charts beside it, for papers and issues; with the run's validation where it has one. */
public final class MarkdownReport {

    public static final String FILE = "report.md";

    private MarkdownReport() {}

    public static Path write(Path runDir) throws IOException {
        RunData d = RunData.load(runDir, HtmlReport.TOP_FEATURES);
        Charts.png(Charts.policyCoefficients(d), runDir.resolve("report-policy.png"));
        Charts.png(Charts.categoryGaps(d), runDir.resolve("report-gaps.png"));
        Charts.png(Charts.heatmap(d, "delta"), runDir.resolve("report-pathways.png"));
        Charts.png(Charts.interference(d, HtmlReport.INTERFERENCE_ROWS), runDir.resolve("report-interference.png"));
        if (!d.analysis.harmfulVsHarmless().isEmpty()) {
            Charts.png(Charts.groupComparison(d.analysis.harmfulVsHarmless(), d, HtmlReport.GROUP_FEATURES), runDir.resolve("report-groups.png"));
        }
        StringBuilder md = new StringBuilder("# Symbolic Mechanistic Data Attribution\n\n");
        var m = d.manifest;
        md.append(String.format(Locale.ROOT, "| | |%n|---|---|%n| model | `%s` |%n| SAE | `%s` |%n| probes | %d |%n| SFT pairs | %d |%n| policy features | %d |%n"
                        + "| policy R\u00b2 | %.3f in sample, %.3f leave-one-out (\u03bb %.3g) |%n| time | %.0f s |%n%n", m.inputs().get("model").path(), m.inputs().get("sae").path(),
                m.probes(), m.pairs(), m.features(), d.policy.r2(), d.policy.cvR2(), d.policy.lambda(), m.seconds()));
        md.append("## The symbolic policy\n\n`").append(d.policyText).append("`\n\n![policy](report-policy.png)\n\n| coefficient | feature | label |\n|---:|---:|---|\n");
        for (PolicyText.Term t : PolicyText.topTerms(d.policy, 12)) {
            md.append(String.format(Locale.ROOT, "| %+.4f | %d | %s |%n", t.coefficient(), t.feature(), escape(d.label(t.feature()))));
        }
        md.append("\n## Category gaps\n\n![gaps](report-gaps.png)\n\n| category | harmful | refused | predicted | flagged |\n|---|---|---:|---:|---|\n");
        for (CategoryGap g : d.analysis.gaps()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f%% | %.3f | %s |%n", g.category(), g.harmful() ? "yes" : "no", 100 * g.refusalRate(),
                    g.predictedRefusalProbability(), g.flagged() ? "**yes**" : ""));
        }
        for (CategoryGap g : d.analysis.gaps()) {
            if (g.flagged()) {
                md.append("\n**").append(g.category()).append("**: ").append(escape(g.evidence())).append('\n');
            }
        }
        md.append("\n## How each pair moved the policy\n\n![pathways](report-pathways.png)\n");
        if (!d.analysis.harmfulVsHarmless().isEmpty()) {
            md.append("\n## Harmful against harmless pairs\n\n![groups](report-groups.png)\n");
        }
        md.append("\n## Interference\n\n![interference](report-interference.png)\n\n| rank | pair | says | dominant feature | change | off target | flagged |\n|---:|---|---|---|---:|---:|---|\n");
        int rank = 0;
        for (Interference.Entry e : d.analysis.interference()) {
            if (++rank > 15) {
                break;
            }
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | f%d %s | %.4g | %.0f%% | %s |%n", rank, e.pair(), e.category(), e.dominantFeature(),
                    escape(e.dominantLabel()), e.dominantChange(), 100 * e.offTargetShare(), e.flagged() ? "yes" : ""));
        }
        validation(md, d, runDir);
        Path file = runDir.resolve(FILE);
        AtomicFiles.writeString(file, md.toString());
        return file;
    }

    /**
     * The run's validation, where it has one: what was retrained, every method's LDS, which
     * coefficients' attributions hold, the removal curves and interference against the truth.
     */
    private static void validation(StringBuilder md, RunData d, Path runDir) throws IOException {
        ValidationResult v = d.validation;
        if (v == null) {
            return;
        }
        Charts.png(ValidationCharts.lds(v), runDir.resolve("report-validation.png"));
        md.append("\n## Is the attribution right?\n\n").append(ValidationCharts.introduction(v)).append("\n\n![validation](report-validation.png)\n\n| method |");
        v.noiseCeiling().keySet().forEach(family -> md.append(' ').append(family).append(" |"));
        md.append("\n|---|").append("---|".repeat(v.noiseCeiling().size())).append("\n| *noise ceiling* |");
        v.noiseCeiling().values().forEach(c -> md.append(String.format(Locale.ROOT, " %.3f |", c.ceiling())));
        if (v.noiseCeiling().values().stream().anyMatch(c -> c.additive() != null)) {
            md.append("\n| *additive bound* |");
            v.noiseCeiling().values().forEach(c -> md.append(' ').append(c.additive() == null ? "\u2013" : c.additive().text()).append(" |"));
        }
        if (v.noiseCeiling().values().stream().anyMatch(c -> c.oneRetraining() != null)) {
            md.append("\n| *one more retraining* |");
            v.noiseCeiling().values().forEach(c -> md.append(c.oneRetraining() == null ? " \u2013 |" : String.format(Locale.ROOT, " %.3f |", c.oneRetraining())));
        }
        for (ValidationResult.MethodResult m : v.methods()) {
            md.append("\n| ").append(m.name()).append(" |");
            for (String family : v.noiseCeiling().keySet()) {
                ValidationResult.FamilyScore f = m.families().get(family);
                md.append(' ').append(f == null ? "\u2013" : ValidationCharts.score(f));
                if (f != null && f.fromSmda() != null) {
                    md.append("; ").append(ValidationCharts.difference("vs smda", f.fromSmda()));
                }
                if (f != null && f.fromRetraining() != null) {
                    md.append("; ").append(ValidationCharts.difference("vs one more retraining", f.fromRetraining()));
                }
                md.append(" |");
            }
        }
        md.append("\n\nEach cell: LDS [95% interval over subsets] (share of the noise ceiling), size; *vs smda*: ").append(ValidationCharts.FROM_SMDA);
        if (v.methods().stream().anyMatch(m -> m.families().values().stream().anyMatch(f -> f != null && f.fromRetraining() != null))) {
            md.append("; *vs one more retraining*: ").append(ValidationCharts.FROM_RETRAINING);
        }
        md.append(".\n");
        if (d.coefficientFidelity != null) {
            md.append("\n### Which coefficients' attributions hold\n\nsmda's LDS per coefficient, by how often its feature fires, beside the noise ceiling "
                    + "(LDS (ceiling, share)):\n\n| coefficients | how many | as measured | re-encoded |\n|---|---:|---|---|\n");
            for (CoefficientFidelity.Band b : d.coefficientFidelity.bands()) {
                coefficientRow(md, "of features firing on " + b.range(), b.mean());
            }
            coefficientRow(md, "the policy's " + d.topColumns.length + " largest", d.coefficientFidelity.over(d.topColumns));
        }
        if (v.removal() != null) {
            Charts.png(ValidationCharts.removal(v), runDir.resolve("report-removal.png"));
            md.append("\n### Removal curves\n\n").append(ValidationCharts.removalIntroduction(v.removal())).append("\n\n![removal](report-removal.png)\n");
        }
        if (!v.interference().isEmpty()) {
            md.append("\n### Interference against the planted truth\n\n| ranking | precision at ").append(v.interference().getFirst().planted())
                    .append(" | average precision | surprise pairs in the top | flagged |\n|---|---:|---:|---:|---|\n");
            for (ValidationResult.InterferenceScore i : v.interference()) {
                md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %d | %s |%n", escape(i.ranking()), i.precisionAtPlanted(), i.averagePrecision(),
                        i.surprisesInTop(), i.flaggedText()));
            }
        }
    }

    private static void coefficientRow(StringBuilder md, String which, CoefficientFidelity.Mean m) {
        md.append("| ").append(which).append(" | ").append(m.coefficients()).append(" | ").append(ValidationCharts.scoreOf(m.lds(), m.ceiling())).append(" | ")
                .append(ValidationCharts.scoreOf(m.ldsReencoded(), m.ceilingReencoded())).append(" |\n");
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }
}

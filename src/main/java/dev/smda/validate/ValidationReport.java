package dev.smda.validate;

import java.util.Locale;
import java.util.Map;

/** The terminal summary of a validation: the LDS table beside the noise ceilings, removal curves, interference. */
public final class ValidationReport {

    private ValidationReport() {}

    public static String text(ValidationResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nValidation of %s: %d subsets of %d pairs, each retrained %d times (%.0f s)%n", r.run(), r.subsets(), r.subsetSize(),
                r.repeats(), r.seconds()));
        sb.append(String.format(Locale.ROOT, "%-20s", "LDS (of ceiling)"));
        for (String family : r.noiseCeiling().keySet()) {
            sb.append(String.format(Locale.ROOT, " %24s", family));
        }
        ceilingRow(sb, r, "noise ceiling", c -> String.format(Locale.ROOT, "%.3f (rho1 %.3f)", c.ceiling(), c.repeatAgreement()));
        if (r.noiseCeiling().values().stream().anyMatch(c -> c.additive() != null)) {
            ceilingRow(sb, r, "additive bound", c -> c.additive() == null ? "-" : c.additive().text());
        }
        if (r.noiseCeiling().values().stream().anyMatch(c -> c.oneRetraining() != null)) {
            ceilingRow(sb, r, "one more retraining", c -> c.oneRetraining() == null ? "-" : String.format(Locale.ROOT, "%.3f", c.oneRetraining()));
        }
        sb.append('\n');
        for (ValidationResult.MethodResult m : r.methods()) {
            sb.append(String.format(Locale.ROOT, "%-20s", m.name()));
            for (String family : r.noiseCeiling().keySet()) {
                ValidationResult.FamilyScore f = m.families().get(family);
                sb.append(String.format(Locale.ROOT, " %24s", f == null ? "-" : String.format(Locale.ROOT, "%.3f (%.0f%%)%s", f.lds(), 100 * f.ofCeiling(),
                        f.sizeRatio() == null ? "" : String.format(Locale.ROOT, " x%.2g", f.sizeRatio()))));
            }
            sb.append('\n');
        }
        if (r.noiseCeiling().values().stream().anyMatch(c -> c.additive() != null)) {
            sb.append(String.format(Locale.ROOT, "additive bound: %s (a narrow one needs many subsets: --subsets 200)%n", ValidationResult.AdditiveBound.MEANING));
        }
        if (r.noiseCeiling().values().stream().anyMatch(c -> c.oneRetraining() != null)) {
            sb.append(String.format(Locale.ROOT, "one more retraining: %s%n", ValidationResult.ONE_RETRAINING));
        }
        differences(sb, r, "LDS minus smda's, paired 95% bootstrap interval over subsets (above 0: ahead of smda)", ValidationResult.FamilyScore::fromSmda);
        differences(sb, r, "LDS against the mean of the other retrainings minus one more retraining's, paired 95% interval (above 0: ahead of fine-tuning once more)",
                ValidationResult.FamilyScore::fromRetraining);
        if (r.removal() != null) {
            sb.append(String.format(Locale.ROOT, "Removal curves, %s (mean y after all pairs %.3f): change after removing %s pairs%n", r.removal().category(),
                    r.removal().afterAll(), r.removal().curves().getFirst().removed()));
            for (ValidationResult.Curve c : r.removal().curves()) {
                sb.append(String.format(Locale.ROOT, "  %-18s", c.method()));
                c.change().forEach(v -> sb.append(String.format(Locale.ROOT, " %+8.3f", v)));
                sb.append('\n');
            }
        }
        if (r.leaveOneOut() != null) {
            sb.append(String.format(Locale.ROOT, "Leave-one-out, %d pairs: Pearson correlation of predicted and actual change (probes / categories / coefficients)%n",
                    r.leaveOneOut().pairs().size()));
            for (Map.Entry<String, Map<String, double[]>> e : r.leaveOneOut().correlation().entrySet()) {
                sb.append(String.format(Locale.ROOT, "  %-18s", e.getKey()));
                for (String family : Targets.SCORED) {
                    double[] v = e.getValue().get(family);
                    sb.append(v == null ? "        -" : String.format(Locale.ROOT, " %+8.3f", v[0]));
                }
                sb.append('\n');
            }
        }
        if (!r.interference().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "Interference against the planted truth (%d planted): precision at %d, average precision, surprises in the top%n",
                    r.interference().getFirst().planted(), r.interference().getFirst().planted()));
            for (ValidationResult.InterferenceScore s : r.interference()) {
                sb.append(String.format(Locale.ROOT, "  %-38s %5.2f %5.2f %3d%s%n", s.ranking(), s.precisionAtPlanted(), s.averagePrecision(), s.surprisesInTop(),
                        s.flagged() == null ? "" : "   flagged " + s.flaggedText()));
            }
        }
        return sb.toString();
    }

    /** A row under the families' heads: a label, then each family's ceiling as {@code cell} writes it. */
    private static void ceilingRow(StringBuilder sb, ValidationResult r, String label, java.util.function.Function<ValidationResult.Ceiling, String> cell) {
        sb.append(String.format(Locale.ROOT, "%n%-20s", label));
        for (ValidationResult.Ceiling c : r.noiseCeiling().values()) {
            sb.append(String.format(Locale.ROOT, " %24s", cell.apply(c)));
        }
    }

    /** A block of each method's differences of one kind, per family; nothing when no method has one. */
    private static void differences(StringBuilder sb, ValidationResult r, String heading,
            java.util.function.Function<ValidationResult.FamilyScore, ValidationResult.Difference> kind) {
        if (r.methods().stream().noneMatch(m -> m.families().values().stream().anyMatch(f -> kind.apply(f) != null))) {
            return;
        }
        sb.append(heading).append('\n');
        for (ValidationResult.MethodResult m : r.methods()) {
            if (m.families().values().stream().allMatch(f -> kind.apply(f) == null)) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%-20s", m.name()));
            for (String family : r.noiseCeiling().keySet()) {
                ValidationResult.FamilyScore f = m.families().get(family);
                ValidationResult.Difference d = f == null ? null : kind.apply(f);
                sb.append(String.format(Locale.ROOT, " %24s", d == null ? "-" : d.text()));
            }
            sb.append('\n');
        }
    }

    /** smda's mean per-coefficient LDS by how often the features fire: a rarely firing feature's coefficient is predicted less well. */
    public static String coefficientBands(CoefficientFidelity f) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "smda per coefficient, by how often its feature fires: coefficients, mean LDS (of the mean ceiling), as measured / re-encoded%n"));
        for (CoefficientFidelity.Band b : f.bands()) {
            CoefficientFidelity.Mean m = b.mean();
            sb.append(String.format(Locale.ROOT, "  %-36s %4d  %s / %s%n", "firing on " + b.range(), m.coefficients(), ofCeiling(m.lds(), m.ceiling()),
                    ofCeiling(m.ldsReencoded(), m.ceilingReencoded())));
        }
        return sb.toString();
    }

    private static String ofCeiling(double lds, double ceiling) {
        return !Double.isFinite(lds) ? "-" : ceiling > 0 ? String.format(Locale.ROOT, "%.3f (%.0f%%)", lds, 100 * lds / ceiling) : String.format(Locale.ROOT, "%.3f", lds);
    }
}

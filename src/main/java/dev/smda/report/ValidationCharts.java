package dev.smda.report;

import dev.smda.policy.RidgeFit;
import dev.smda.validate.CoefficientFidelity;
import dev.smda.validate.ValidationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validation in the reports: every method's LDS beside the noise ceiling, the removal curves, the
 * LDS table, and the texts both reports explain them with.
 */
final class ValidationCharts {

    /** What a "vs smda" difference is, as the reports explain it. */
    static final String FROM_SMDA = "this LDS minus smda's, paired 95% bootstrap interval over the same subsets";

    /** What a "vs one more retraining" difference is, as the reports explain it. */
    static final String FROM_RETRAINING = "against the mean of the other retrainings, this method's LDS minus one more retraining's (each held out in turn), "
            + "paired 95% bootstrap interval over the same subsets";

    private static final String[] PALETTE = {"#b2182b", "#f4a582", "#2166ac", "#92c5de", "#762a83", "#1b7837", "#e08214", "#888888"};

    private ValidationCharts() {}

    /** A method's colour, the same in every chart. */
    private static String color(String method) {
        int i = dev.smda.validate.ValidationConfig.ALL_METHODS.indexOf(method);
        return i < 0 ? Charts.MUTED : PALETTE[i % PALETTE.length];
    }

    /** Per target family, a bar per method (its LDS with the 95% interval) and the noise ceiling as a dashed mark. */
    static Charts.Chart lds(ValidationResult v) {
        List<String> families = new ArrayList<>(v.noiseCeiling().keySet());
        List<ValidationResult.MethodResult> methods = v.methods();
        int rowsPerFamily = methods.size();
        return new Charts.Chart() {
            public int width() {
                return 860;
            }

            public int height() {
                return 60 + families.size() * (28 + 18 * rowsPerFamily);
            }

            public void draw(Canvas c) {
                double left = 300;
                double zero = left + 180;
                double scale = 340;
                c.text(10, 18, "linear datamodeling score (Spearman over retrained subsets); dashed: the noise ceiling", 12, "start", Charts.MUTED);
                double y = 30;
                for (String family : families) {
                    ValidationResult.Ceiling ceiling = v.noiseCeiling().get(family);
                    c.text(10, y + 14, family, 13, "start", Charts.INK);
                    double top = y + 20;
                    c.line(zero, top, zero, top + 18 * rowsPerFamily, Charts.MUTED, 1);
                    if (Double.isFinite(ceiling.ceiling())) {
                        double x = zero + scale * ceiling.ceiling();
                        for (double s = top; s < top + 18 * rowsPerFamily; s += 6) {
                            c.line(x, s, x, s + 3, Charts.INK, 1.5);
                        }
                    }
                    for (int m = 0; m < methods.size(); m++) {
                        ValidationResult.FamilyScore f = methods.get(m).families().get(family);
                        double row = top + 18 * m;
                        c.text(left - 8, row + 12, methods.get(m).name(), 12, "end", Charts.INK);
                        if (f == null) {
                            c.text(zero + 4, row + 12, "not defined", 11, "start", Charts.MUTED);
                            continue;
                        }
                        double x = zero + scale * Math.min(0, f.lds());
                        c.rect(x, row + 2, scale * Math.abs(f.lds()), 11, color(methods.get(m).name()),
                                String.format(Locale.ROOT, "%s, %s: LDS %.3f [%.3f, %.3f], %.0f%% of the ceiling %.3f", methods.get(m).name(), family, f.lds(),
                                        f.low(), f.high(), 100 * f.ofCeiling(), ceiling.ceiling()), null);
                        c.line(zero + scale * f.low(), row + 7, zero + scale * f.high(), row + 7, Charts.INK, 1);
                    }
                    y = top + 18 * rowsPerFamily + 8;
                }
                // the scale, for readers of the PNG that has no tooltips
                for (double tick = -0.5; tick <= 1; tick += 0.5) {
                    double x = zero + scale * tick;
                    c.line(x, y, x, y + 4, Charts.MUTED, 1);
                    c.text(x, y + 16, String.format(Locale.ROOT, "%.1f", tick), 11, "middle", Charts.MUTED);
                }
            }
        };
    }

    /** The change of the category's mean y after removing each method's top pairs, against removing random ones. */
    static Charts.Chart removal(ValidationResult v) {
        var curves = v.removal().curves();
        return new Charts.Chart() {
            public int width() {
                return 860;
            }

            public int height() {
                return 320;
            }

            public void draw(Canvas c) {
                double left = 70;
                double right = 640;
                double top = 30;
                double bottom = 280;
                double min = 0;
                double max = 0;
                int maxK = 1;
                for (var curve : curves) {
                    for (double d : curve.change()) {
                        min = Math.min(min, d);
                        max = Math.max(max, d);
                    }
                    maxK = Math.max(maxK, curve.removed().getLast());
                }
                double span = Math.max(1e-9, max - min);
                double kMax = maxK;
                double low = min;
                java.util.function.DoubleUnaryOperator px = k -> left + (right - left) * k / kMax;
                java.util.function.DoubleUnaryOperator py = d -> bottom - (bottom - top) * (d - low) / span;
                c.text(10, 18, "change of " + v.removal().category() + "'s mean y after removing the top-k pairs (retrained; mean over orders)", 12, "start",
                        Charts.MUTED);
                c.line(left, py.applyAsDouble(0), right, py.applyAsDouble(0), Charts.MUTED, 1);
                c.line(left, top, left, bottom, Charts.MUTED, 1);
                c.text(left - 6, top + 4, String.format(Locale.ROOT, "%+.2f", max), 11, "end", Charts.MUTED);
                c.text(left - 6, bottom, String.format(Locale.ROOT, "%+.2f", min), 11, "end", Charts.MUTED);
                for (int i = 0; i < curves.size(); i++) {
                    var curve = curves.get(i);
                    String color = curve.method().equals("random") ? Charts.INK : color(curve.method());
                    double prevX = px.applyAsDouble(0);
                    double prevY = py.applyAsDouble(0);
                    for (int j = 0; j < curve.removed().size(); j++) {
                        double x = px.applyAsDouble(curve.removed().get(j));
                        double y = py.applyAsDouble(curve.change().get(j));
                        c.line(prevX, prevY, x, y, color, curve.method().equals("random") ? 1 : 2);
                        c.rect(x - 3, y - 3, 6, 6, color, String.format(Locale.ROOT, "%s, %d removed: %+.3f", curve.method(), curve.removed().get(j),
                                curve.change().get(j)), null);
                        prevX = x;
                        prevY = y;
                    }
                    c.rect(660, 40 + 18 * i, 12, 12, color, null, null);
                    c.text(678, 51 + 18 * i, curve.method(), 12, "start", Charts.INK);
                }
                for (int k : curves.getFirst().removed()) {
                    c.text(px.applyAsDouble(k), bottom + 16, String.valueOf(k), 11, "middle", Charts.MUTED);
                }
            }
        };
    }

    /** The paragraph that opens a validation's section of a report: what was retrained and what the scores mean. */
    static String introduction(ValidationResult v) {
        return String.format(Locale.ROOT, "The model was fine-tuned on %d random subsets of %d pairs, each %d times in different orders, and the probes "
                + "re-measured. A method's linear datamodeling score (LDS) is the rank correlation, across subsets, of the change it predicts (its "
                + "per-pair scores summed over the subset) with the change fine-tuning made; the noise ceiling is what a perfect predictor of the averaged "
                + "outcome would score, and one more retraining what fine-tuning once more scores against the mean of the other retrainings (each held "
                + "out in turn). Size: the predicted change's size over the actual (methods in the targets' units).", v.subsets(), v.subsetSize(), v.repeats());
    }

    /** What the removal curves show, for the category they remove pairs of. */
    static String removalIntroduction(ValidationResult.Removal removal) {
        return "Each method's pairs predicted to raise " + removal.category() + "'s refusal most are removed and the model retrained on the rest; "
                + "a method that knows which pairs teach it lowers it more than random removal.";
    }

    /** A method's LDS on a family: with its 95% interval, its share of the noise ceiling and, where measured, its predicted size over the actual. */
    static String score(ValidationResult.FamilyScore f) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f] (%.0f%%)%s", f.lds(), f.low(), f.high(), 100 * f.ofCeiling(),
                f.sizeRatio() == null ? "" : String.format(Locale.ROOT, ", size \u00d7%.2g", f.sizeRatio()));
    }

    static String difference(String label, ValidationResult.Difference d) {
        return label + " " + d.text();
    }

    /** The LDS table: per method and family, the LDS with its interval and share of the ceiling, the predicted/actual size, and the difference from smda. */
    static void table(StringBuilder h, ValidationResult v) {
        h.append("<table class=\"data\" id=\"lds-table\"><thead><tr><th>method</th>");
        for (Map.Entry<String, ValidationResult.Ceiling> e : v.noiseCeiling().entrySet()) {
            ValidationResult.AdditiveBound additive = e.getValue().additive();
            h.append("<th>").append(Html.escape(e.getKey())).append(String.format(Locale.ROOT, "<br><span class=\"muted\">ceiling %.3f</span>",
                    e.getValue().ceiling()));
            if (additive != null) {
                h.append("<br><span class=\"muted\" title=\"").append(Html.escape(ValidationResult.AdditiveBound.MEANING)).append("\">additive bound ")
                        .append(additive.text()).append("</span>");
            }
            if (e.getValue().oneRetraining() != null) {
                h.append(String.format(Locale.ROOT, "<br><span class=\"muted\" title=\"%s\">one more retraining %.3f</span>",
                        Html.escape(ValidationResult.ONE_RETRAINING), e.getValue().oneRetraining()));
            }
            h.append("</th>");
        }
        h.append("</tr></thead><tbody>");
        for (ValidationResult.MethodResult m : v.methods()) {
            h.append("<tr><td title=\"").append(Html.escape(m.description())).append("\">").append(Html.escape(m.name())).append("</td>");
            for (String family : v.noiseCeiling().keySet()) {
                ValidationResult.FamilyScore f = m.families().get(family);
                h.append("<td>").append(f == null ? "\u2013" : score(f));
                if (f != null && f.fromSmda() != null) {
                    h.append("<br><span class=\"muted\" title=\"").append(Html.escape(FROM_SMDA)).append("\">").append(difference("vs smda", f.fromSmda())).append("</span>");
                }
                if (f != null && f.fromRetraining() != null) {
                    h.append("<br><span class=\"muted\" title=\"").append(Html.escape(FROM_RETRAINING)).append("\">")
                            .append(difference("vs one more retraining", f.fromRetraining())).append("</span>");
                }
                h.append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</tbody></table>");
    }

    /**
     * Which of the policy's coefficients smda's attribution predicts: the mean per band of how often
     * the features fire, then each of the largest coefficients ({@code columns}) with its own LDS
     * beside its noise ceiling, as the run measures the features and as the SAE re-encodes them.
     */
    static void coefficients(StringBuilder h, CoefficientFidelity f, RidgeFit policy, int[] columns) {
        h.append("<h3 id=\"coefficient-fidelity\">Which coefficients' attributions hold</h3><p class=\"muted\">smda's LDS on each coefficient of the policy "
                + "(its per-pair \u0394\u03b2 summed over a subset against the change of the policy refitted after retraining) beside that coefficient's "
                + "noise ceiling, with the features as the run measures them and as the SAE re-encodes them. A feature that fires on few probes has a "
                + "coefficient that rests on few probes' change; read a pair's change of a coefficient whose LDS is near its ceiling. Where a coefficient "
                + "has no ceiling, its retraining orders did not agree on how it changes (or there was one order), so nothing says how high its LDS could go."
                + "</p>");
        h.append("<table class=\"data\" id=\"coefficient-bands\"><thead><tr><th>coefficients</th><th>how many</th><th>LDS as measured (ceiling)</th>"
                + "<th>LDS re-encoded (ceiling)</th></tr></thead><tbody>");
        for (CoefficientFidelity.Band b : f.bands()) {
            meanRow(h, "of features firing on " + b.range(), b.mean());
        }
        meanRow(h, "the " + columns.length + " largest, listed below", f.over(columns));
        h.append("</tbody></table><table class=\"data\" id=\"coefficient-table\"><thead><tr><th>feature</th><th>coefficient</th><th>fires on</th>"
                + "<th>LDS as measured (ceiling)</th><th>LDS re-encoded (ceiling)</th></tr></thead><tbody>");
        for (int j : columns) {
            int id = policy.featureIds()[j];
            h.append("<tr><td><a href=\"#").append(Html.anchor("feature", String.valueOf(id))).append("\">f").append(id).append("</a> ")
                    .append(Html.escape(policy.featureLabels().get(j))).append(String.format(Locale.ROOT, "</td><td>%+.3f</td><td>%.1f%%</td><td>", policy.coef()[j],
                            100 * f.firing()[j])).append(scoreOf(f.lds()[j], f.ceiling()[j])).append("</td><td>")
                    .append(scoreOf(f.ldsReencoded()[j], f.ceilingReencoded()[j])).append("</td></tr>");
        }
        h.append("</tbody></table>");
    }

    private static void meanRow(StringBuilder h, String which, CoefficientFidelity.Mean m) {
        h.append("<tr><td>").append(Html.escape(which)).append("</td><td>").append(m.coefficients()).append("</td><td>").append(scoreOf(m.lds(), m.ceiling()))
                .append("</td><td>").append(scoreOf(m.ldsReencoded(), m.ceilingReencoded())).append("</td></tr>");
    }

    /**
     * An LDS with its ceiling and its share of it; the LDS marked "no ceiling" where there is none (one retraining
     * order, or orders that do not agree); "not defined" where the coefficient never changed.
     */
    static String scoreOf(double lds, double ceiling) {
        if (!Double.isFinite(lds)) {
            return "not defined";
        }
        return ceiling > 0 ? String.format(Locale.ROOT, "%.3f (%.3f, %.0f%%)", lds, ceiling, 100 * lds / ceiling) : String.format(Locale.ROOT, "%.3f (no ceiling)", lds);
    }
}

package dev.smda.report;

import dev.smda.analysis.CategoryGap;
import dev.smda.analysis.GroupComparison;
import dev.smda.analysis.Interference;
import dev.smda.analysis.Interval;
import dev.smda.analysis.PairSummary;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The report's charts, each drawn on any {@link Canvas}. */
final class Charts {

    interface Chart {
        int width();

        int height();

        void draw(Canvas c);
    }

    static final String POSITIVE = "#b2182b";
    static final String NEGATIVE = "#2166ac";
    static final String MUTED = "#888888";
    static final String INK = "#222222";

    private Charts() {}

    static String svg(Chart chart, String id, String description) {
        SvgCanvas canvas = new SvgCanvas(chart.width(), chart.height());
        chart.draw(canvas);
        return canvas.svg(id, description);
    }

    static void png(Chart chart, java.nio.file.Path file) throws java.io.IOException {
        ImageCanvas canvas = new ImageCanvas(chart.width(), chart.height());
        chart.draw(canvas);
        canvas.writePng(file);
    }

    /** Blue (negative) through white to red (positive), saturating at |v| = max. */
    static String diverging(double v, double max) {
        double t = max <= 0 ? 0 : Math.max(-1, Math.min(1, v / max));
        int[] end = t >= 0 ? new int[] {0xb2, 0x18, 0x2b} : new int[] {0x21, 0x66, 0xac};
        double a = Math.abs(t);
        return String.format("#%02x%02x%02x", (int) Math.round(255 + (end[0] - 255) * a), (int) Math.round(255 + (end[1] - 255) * a),
                (int) Math.round(255 + (end[2] - 255) * a));
    }

    /** A feature's name followed by its label, or the name alone for an unlabelled feature (an SAE without features.json). */
    static String named(String name, String label) {
        return label == null || label.isEmpty() ? name : name + " " + label;
    }

    static String shorten(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    /** Horizontal bars of the policy's largest coefficients, each linking to its feature's entry. */
    static Chart policyCoefficients(RunData d) {
        int n = d.topColumns.length;
        return new Chart() {
            public int width() {
                return 860;
            }

            public int height() {
                return 40 + 22 * n;
            }

            public void draw(Canvas c) {
                double max = 1e-12;
                for (int j : d.topColumns) {
                    max = Math.max(max, Math.abs(d.policy.coef()[j]));
                }
                double left = 330;
                double half = 210;
                // room between the labels and the longest negative bar for its value
                double zero = left + 48 + half;
                double scale = half / max;
                c.text(10, 18, "coefficient on the standardised feature (refusal rises with red)", 12, "start", MUTED);
                c.line(zero, 26, zero, 30 + 22 * n, MUTED, 1);
                for (int r = 0; r < n; r++) {
                    int j = d.topColumns[r];
                    int id = d.policy.featureIds()[j];
                    double v = d.policy.coef()[j];
                    double y = 30 + 22 * r;
                    c.text(left - 8, y + 14, shorten(named("f" + id, d.label(id)), 48), 12, "end", INK);
                    double x = v >= 0 ? zero : zero + v * scale;
                    c.rect(x, y + 3, Math.abs(v) * scale, 15, v >= 0 ? POSITIVE : NEGATIVE, String.format(Locale.ROOT, "%s: %+.4f", named("feature " + id, d.label(id)), v),
                            "#" + Html.anchor("feature", String.valueOf(id)));
                    c.text(v >= 0 ? x + Math.abs(v) * scale + 4 : x - 4, y + 14, String.format(Locale.ROOT, "%+.3f", v), 11, v >= 0 ? "start" : "end", MUTED);
                }
            }
        };
    }

    /** Per category: the base model's refusal rate beside the policy's predicted refusal; flagged gaps marked. */
    static Chart categoryGaps(RunData d) {
        List<CategoryGap> gaps = d.analysis.gaps();
        return new Chart() {
            public int width() {
                return 860;
            }

            public int height() {
                return 60 + 26 * gaps.size();
            }

            public void draw(Canvas c) {
                double left = 230;
                double w = 520;
                c.rect(left, 8, 12, 12, "#4d4d4d", null, null);
                c.text(left + 18, 18, "refusal rate (p > 0.5)", 12, "start", INK);
                c.rect(left + 190, 8, 12, 12, "#f4a582", null, null);
                c.text(left + 208, 18, "policy's predicted refusal probability", 12, "start", INK);
                for (int i = 0; i <= 4; i++) {
                    double x = left + w * i / 4.0;
                    c.line(x, 30, x, 36 + 26 * gaps.size(), "#dddddd", 1);
                    c.text(x, 48 + 26 * gaps.size(), String.format(Locale.ROOT, "%.2f", i / 4.0), 11, "middle", MUTED);
                }
                for (int r = 0; r < gaps.size(); r++) {
                    CategoryGap g = gaps.get(r);
                    double y = 34 + 26 * r;
                    String link = "#" + Html.anchor("gap", g.category());
                    c.text(left - 8, y + 15, (g.flagged() ? "\u26a0 " : "") + g.category() + (g.harmful() ? " (harmful)" : ""), 12, "end", g.flagged() ? POSITIVE : INK);
                    c.rect(left, y + 2, w * g.refusalRate(), 10, "#4d4d4d", String.format(Locale.ROOT, "%s: refused %.0f%%", g.category(), 100 * g.refusalRate()), link);
                    c.rect(left, y + 12, w * g.predictedRefusalProbability(), 10, "#f4a582",
                            String.format(Locale.ROOT, "%s: predicted %.3f", g.category(), g.predictedRefusalProbability()), link);
                }
            }
        };
    }

    /** Pairs (rows) by the policy's largest features (columns), coloured by one pathway's change; each cell links to its pair. */
    static Chart heatmap(RunData d, String pathway) {
        double[][] values = d.pathwayValues.get(pathway);
        List<PairSummary> pairs = d.heatmapPairs;
        boolean all = pairs.size() == d.analysis.pairs().size();
        int cols = d.topColumns.length;
        double cell = 6;
        double cw = 26;
        return new Chart() {
            public int width() {
                return (int) (150 + cw * cols + 20);
            }

            public int height() {
                return (int) (130 + cell * pairs.size());
            }

            public void draw(Canvas c) {
                double max = 1e-12;
                for (double[] row : values) {
                    for (double v : row) {
                        max = Math.max(max, Math.abs(v));
                    }
                }
                double top = 110;
                for (int k = 0; k < cols; k++) {
                    int id = d.policy.featureIds()[d.topColumns[k]];
                    c.text(150 + cw * k + cw / 2, top - 8, "f" + id, 10, "middle", INK);
                }
                c.text(10, 18, String.format(Locale.ROOT, "%s per pair (rows%s) and feature (columns); colour saturates at \u00b1%.3g", name(pathway),
                        all ? "" : String.format(Locale.ROOT, ": the %d of %d pairs with the largest changes", pairs.size(), d.analysis.pairs().size()), max),
                        12, "start", MUTED);
                for (int r = 0; r < pairs.size(); r++) {
                    PairSummary p = pairs.get(r);
                    double y = top + cell * r;
                    if (r % 10 == 0) {
                        c.text(145, y + cell, p.pair(), 9, "end", MUTED);
                    }
                    for (int k = 0; k < cols; k++) {
                        int id = d.policy.featureIds()[d.topColumns[k]];
                        double v = values[r][k];
                        c.rect(150 + cw * k, y, cw - 1, cell, diverging(v, max),
                                String.format(Locale.ROOT, "%s (%s), %s: %s %+.4g", p.pair(), p.category(), named("feature " + id, d.label(id)), name(pathway), v),
                                "#" + Html.anchor("pair", p.pair()));
                    }
                }
            }
        };
    }

    static String name(String pathway) {
        return switch (pathway) {
            case "delta" -> "\u0394\u03b2";
            case "dx_part" -> "\u0394X pathway";
            case "dy_part" -> "\u0394Y pathway";
            default -> pathway;
        };
    }

    /** Harmful against harmless pairs: mean ΔX and ΔY parts with 95% intervals, for the features whose groups differ most. */
    static Chart groupComparison(List<GroupComparison.FeatureGroups> groups, RunData d, int count) {
        List<GroupComparison.FeatureGroups> shown = groupsShown(groups, count);
        return new Chart() {
            public int width() {
                return 860;
            }

            public int height() {
                return 70 + 34 * shown.size();
            }

            public void draw(Canvas c) {
                double max = 1e-12;
                for (var g : shown) {
                    for (var i : List.of(g.harmfulDx(), g.harmlessDx(), g.harmfulDy(), g.harmlessDy())) {
                        max = Math.max(max, Math.max(Math.abs(i.low()), Math.abs(i.high())));
                    }
                }
                double left = 250;
                double half = 140;
                double[] centres = {left + half + 10, left + 3 * half + 40};
                String[] titles = {"\u0394X pathway", "\u0394Y pathway"};
                for (int panel = 0; panel < 2; panel++) {
                    c.text(centres[panel], 18, titles[panel], 13, "middle", INK);
                    c.line(centres[panel], 26, centres[panel], 40 + 34 * shown.size(), MUTED, 1);
                }
                c.rect(left, 44 + 34 * shown.size(), 10, 10, POSITIVE, null, null);
                c.text(left + 14, 53 + 34 * shown.size(), "harmful pairs", 11, "start", INK);
                c.rect(left + 120, 44 + 34 * shown.size(), 10, 10, NEGATIVE, null, null);
                c.text(left + 134, 53 + 34 * shown.size(), "harmless pairs (mean, 95% bootstrap interval)", 11, "start", INK);
                for (int r = 0; r < shown.size(); r++) {
                    var g = shown.get(r);
                    double y = 34 + 34 * r;
                    c.text(left - 10, y + 16, shorten(named("f" + g.feature(), d.label(g.feature())), 36), 12, "end", INK);
                    String link = "#" + Html.anchor("feature", String.valueOf(g.feature()));
                    interval(c, centres[0], half / max, y + 8, g.harmfulDx(), POSITIVE, "harmful, \u0394X", link);
                    interval(c, centres[0], half / max, y + 20, g.harmlessDx(), NEGATIVE, "harmless, \u0394X", link);
                    interval(c, centres[1], half / max, y + 8, g.harmfulDy(), POSITIVE, "harmful, \u0394Y", link);
                    interval(c, centres[1], half / max, y + 20, g.harmlessDy(), NEGATIVE, "harmless, \u0394Y", link);
                }
            }

            private void interval(Canvas c, double centre, double scale, double y, Interval i, String colour, String what, String link) {
                c.line(centre + i.low() * scale, y, centre + i.high() * scale, y, colour, 2);
                c.rect(centre + i.mean() * scale - 3, y - 3, 6, 6, colour,
                        String.format(Locale.ROOT, "%s: mean %+.4g [%+.4g, %+.4g]", what, i.mean(), i.low(), i.high()), link);
            }
        };
    }

    /** The features where harmful and harmless pairs differ most, summed over both pathways. */
    static List<GroupComparison.FeatureGroups> groupsShown(List<GroupComparison.FeatureGroups> groups, int count) {
        return groups.stream()
                .sorted(Comparator.comparingDouble((GroupComparison.FeatureGroups g) -> -Math.abs(g.dxDifference().mean()) - Math.abs(g.dyDifference().mean())))
                .limit(count).toList();
    }

    /** The interference ranking: each pair's dominant change, off-target (red) or on target (grey), flagged ones marked. */
    static Chart interference(RunData d, int count) {
        List<Interference.Entry> shown = d.analysis.interference().stream().limit(count).toList();
        return new Chart() {
            public int width() {
                return 860;
            }

            public int height() {
                return 40 + 20 * shown.size();
            }

            public void draw(Canvas c) {
                double max = 1e-12;
                for (var e : shown) {
                    max = Math.max(max, Math.abs(e.score()));
                }
                double left = 330;
                double w = 380;
                c.text(10, 18, "interference score of each pair (" + d.manifest.config().interference().name().toLowerCase(Locale.ROOT)
                        + " criterion; red: flagged \u26a0)", 12, "start", MUTED);
                for (int r = 0; r < shown.size(); r++) {
                    var e = shown.get(r);
                    double y = 28 + 20 * r;
                    c.text(left - 8, y + 13, (e.flagged() ? "\u26a0 " : "") + e.pair() + "  says " + shorten(e.category(), 20), 12, "end", INK);
                    double bar = Math.max(1, w * Math.abs(e.score()) / max);
                    c.rect(left, y + 2, bar, 13, e.flagged() ? POSITIVE : "#bbbbbb",
                            String.format(Locale.ROOT, "%s: score %+.4g, mostly on %s, through %s (%.4g); %.0f%% of its effect off its own kind",
                                    e.pair(), e.score(), e.mostAffectedCategory(), named("feature " + e.dominantFeature(), e.dominantLabel()), e.dominantChange(),
                                    100 * e.offTargetShare()), "#" + Html.anchor("pair", e.pair()));
                    c.text(left + bar + 4, y + 13, shorten(named("f" + e.dominantFeature(), e.dominantLabel()), 28), 11, "start", MUTED);
                }
            }
        };
    }
}

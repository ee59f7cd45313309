package dev.smda.analysis;

import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cross-feature interference: pairs whose effect on the policy falls outside what they are meant to
 * teach. Two criteria.
 *
 * <p>By category effect (the default): a pair's predicted effect on each category's behaviour
 * through the policy, taken relative to the pairs of its kind. A harmful pair (a refusal) is meant
 * to raise refusal where it belongs; a harmless pair (a helpful answer) to keep the model helpful.
 * Every refusal raises refusal a little everywhere and every helpful answer lowers it, and some
 * categories move more than others under any update; so each effect is taken less the median
 * effect of the pairs of the same kind on that category, in units of that category's standard
 * deviation over all pairs. Its push is how far it then moves the categories of the other kind in
 * the direction it teaches (a harmful pair raising refusal on harmless categories, a harmless pair
 * lowering it on harmful ones; mean over those categories). The score is that push minus the mean
 * size of its effect on the categories of its own kind: it interferes when its effect falls more
 * on what it is not about than on what it is about. Its own kind, not its own category: a pair
 * filed under the wrong category is judged by what it does. The features carrying the push are
 * those whose coefficient change, weighted by how much more those categories activate them, adds
 * most to it. A pair that changes how strongly, or in which words, its own kind is refused moves
 * its own kind most and does not score. (Chosen on worlds built from seeds 101 and 202, among
 * effects taken as they are, less the kind's median, and scaled by the median absolute deviation
 * or the standard deviation, and four scores; reported on others.)
 *
 * <p>By dominant coefficient (the paper's reading):
 * <p>A category's intended features are the policy features its probes activate clearly more than
 * the other probes do: a difference of standardised means above a threshold (0.5 by default; at
 * least the most contrasting feature). A feature shared by several categories (one every harmful
 * prompt activates, say) is intended for each of them.
 *
 * <p>A pair's dominant feature is the one whose coefficient its update changes most, in the chosen
 * pathway. The pair is off target when that feature is not among its category's intended ones, and
 * flagged when it is off target and its dominant change stands out from the noise every update
 * makes: more than a multiple (the noise floor) of the median dominant change of all pairs. Pairs
 * are ranked by their dominant change, signed: off-target ones first, largest first; on-target ones
 * last.
 */
public final class Interference {

    /** A category's intended features, with their contrast (standardised mean difference). */
    public record IntendedFeatures(String category, List<FeatureContribution> features) {}

    /**
     * One pair's interference. {@code score}: by category, its push on the other kind's categories
     * minus the mean size of its effect on its own kind's, relative to the pairs of its kind (in
     * standard deviations over pairs);
     * by dominant coefficient, the dominant change, negative when on target. {@code dominantFeature}:
     * the feature carrying most of it. {@code offTargetShare}: the share of the pair's effect outside
     * its own kind of categories (by category) or outside its category's intended features (by
     * coefficient). {@code mostAffectedCategory}: the category it moves most that way.
     */
    public record Entry(String pair, String category, boolean harmful, double score, boolean flagged, int dominantFeature, String dominantLabel,
            boolean dominantOffTarget, double dominantChange, double offTargetShare, String mostAffectedCategory) {}

    private Interference() {}

    public static List<IntendedFeatures> intended(List<Probe> probes, double[][] z, int[] featureIds, List<String> labels, double threshold) {
        Map<String, List<Integer>> byCategory = new LinkedHashMap<>();
        for (int i = 0; i < probes.size(); i++) {
            byCategory.computeIfAbsent(probes.get(i).category(), k -> new ArrayList<>()).add(i);
        }
        int p = featureIds.length;
        int n = probes.size();
        double[] total = new double[p];
        for (double[] row : z) {
            for (int j = 0; j < p; j++) {
                total[j] += row[j];
            }
        }
        List<IntendedFeatures> out = new ArrayList<>();
        for (var e : byCategory.entrySet()) {
            double[] inside = new double[p];
            for (int i : e.getValue()) {
                for (int j = 0; j < p; j++) {
                    inside[j] += z[i][j];
                }
            }
            int m = e.getValue().size();
            List<FeatureContribution> contrast = new ArrayList<>();
            for (int j = 0; j < p; j++) {
                double difference = inside[j] / m - (total[j] - inside[j]) / Math.max(1, n - m);
                contrast.add(new FeatureContribution(featureIds[j], labels.get(j), difference));
            }
            contrast.sort(Comparator.comparingDouble(FeatureContribution::contribution).reversed());
            List<FeatureContribution> kept = new ArrayList<>(contrast.stream().filter(c -> c.contribution() > threshold).toList());
            if (kept.isEmpty()) {
                kept.add(contrast.getFirst());
            }
            out.add(new IntendedFeatures(e.getKey(), kept));
        }
        return out;
    }

    /**
     * Judges pairs as they stream through and ranks them at the end (flags need the noise floor, a
     * median over every pair): what is kept per pair is one small entry (by category, its effect on
     * each category, which is scored against every pair of its kind at the end).
     */
    public abstract static class Ranking {
        final Map<String, Set<Integer>> intendedColumns;
        final int[] featureIds;
        final List<String> labels;
        private final double noiseFloor;

        /** @param noiseFloor how many times the median pair's magnitude a pair must exceed to be flagged */
        Ranking(int[] featureIds, List<String> labels, List<IntendedFeatures> intended, double noiseFloor) {
            this.noiseFloor = noiseFloor;
            this.featureIds = featureIds.clone();
            this.labels = List.copyOf(labels);
            this.intendedColumns = intendedColumns(featureIds, intended);
        }

        /** Takes one pair's change of each coefficient and its effect on each category. */
        public abstract void add(SftPair pair, double[] delta, double[] dxPart, double[] dyPart, double[] categoryEffect);

        /** Every pair's entry, its {@code flagged} still to be decided from {@link #magnitude}. */
        abstract List<Entry> judged();

        /** What the noise floor is a multiple of the median of. */
        abstract double magnitude(Entry e);

        /** Whether an entry may be flagged at all (beyond standing out from the noise). */
        abstract boolean candidate(Entry e);

        /** The pairs, most interfering first, flagged where they stand out from the noise every update makes. */
        public List<Entry> finish() {
            List<Entry> entries = judged();
            double floor = noiseFloor * median(entries.stream().mapToDouble(this::magnitude).toArray());
            List<Entry> out = new ArrayList<>();
            for (Entry e : entries) {
                out.add(new Entry(e.pair(), e.category(), e.harmful(), e.score(), candidate(e) && magnitude(e) > floor, e.dominantFeature(), e.dominantLabel(),
                        e.dominantOffTarget(), e.dominantChange(), e.offTargetShare(), e.mostAffectedCategory()));
            }
            out.sort(Comparator.comparingDouble(Entry::score).reversed());
            return out;
        }
    }

    /** Which part of a pair's change the dominant-coefficient criterion reads. */
    public enum Pathway { DX, DY, TOTAL }

    /**
     * The dominant-coefficient criterion: a pair's dominant feature is the one whose coefficient it
     * changes most in the pathway; it is off target when that feature is not among its category's
     * intended ones, and flagged when off target and its change exceeds the noise floor.
     */
    public static Ranking byDominantCoefficient(Pathway pathway, int[] featureIds, List<String> labels, List<IntendedFeatures> intended,
            double noiseFloor) {
        return new Ranking(featureIds, labels, intended, noiseFloor) {
            private final List<Entry> entries = new ArrayList<>();

            @Override
            public void add(SftPair pair, double[] delta, double[] dxPart, double[] dyPart, double[] categoryEffect) {
                entries.add(judge(pair, delta, dxPart, dyPart));
            }

            @Override
            List<Entry> judged() {
                return entries;
            }

            private Entry judge(SftPair pair, double[] delta, double[] dxPart, double[] dyPart) {
                double[] e = switch (pathway) {
                    case DX -> dxPart;
                    case DY -> dyPart;
                    case TOTAL -> delta;
                };
                int d = 0;
                for (int j = 1; j < e.length; j++) {
                    d = Math.abs(e[j]) > Math.abs(e[d]) ? j : d;
                }
                double dominant = Math.abs(e[d]);
                Set<Integer> own = intendedColumns.getOrDefault(pair.category(), Set.of());
                double total = 0;
                double outside = 0;
                for (int j = 0; j < e.length; j++) {
                    total += Math.abs(e[j]);
                    outside += own.contains(j) ? 0 : Math.abs(e[j]);
                }
                String affected = pair.category();
                double most = -1;
                for (var c : intendedColumns.entrySet()) {
                    double m = 0;
                    for (int j : c.getValue()) {
                        m += Math.abs(e[j]);
                    }
                    if (m > most) {
                        most = m;
                        affected = c.getKey();
                    }
                }
                boolean off = !own.contains(d);
                return new Entry(pair.id(), pair.category(), pair.harmful(), off ? dominant : -dominant, false, featureIds[d], labels.get(d), off, dominant,
                        total > 0 ? outside / total : 0, affected);
            }

            @Override
            double magnitude(Entry e) {
                return e.dominantChange();
            }

            @Override
            boolean candidate(Entry e) {
                return e.dominantOffTarget();
            }
        };
    }

    /**
     * The category criterion (see the class comment).
     *
     * @param categoryHarmful per category, whether it is a harmful one
     * @param z the base probes' standardised features; {@code probeCategory} each probe's category index
     */
    public static Ranking byCategory(List<String> categories, boolean[] categoryHarmful, double[][] z, int[] probeCategory, int[] featureIds,
            List<String> labels, List<IntendedFeatures> intended, double noiseFloor) {
        int p = featureIds.length;
        int nc = categories.size();
        double[][] meanZ = new double[nc][p];
        int[] count = new int[nc];
        double[] overall = new double[p];
        for (int i = 0; i < z.length; i++) {
            count[probeCategory[i]]++;
            for (int j = 0; j < p; j++) {
                meanZ[probeCategory[i]][j] += z[i][j];
                overall[j] += z[i][j] / z.length;
            }
        }
        // per kind of category, how much more its categories activate each feature than the probes overall
        double[][] kindWeight = new double[2][p];
        for (int kind = 0; kind < 2; kind++) {
            int members = 0;
            for (int c = 0; c < nc; c++) {
                if (categoryHarmful[c] == (kind == 1)) {
                    members++;
                    for (int j = 0; j < p; j++) {
                        kindWeight[kind][j] += meanZ[c][j] / count[c];
                    }
                }
            }
            for (int j = 0; j < p; j++) {
                kindWeight[kind][j] = kindWeight[kind][j] / Math.max(1, members) - overall[j];
            }
        }
        return new Ranking(featureIds, labels, intended, noiseFloor) {
            /** What is kept of a pair until every pair's effects are known. */
            private record Pending(String pair, String category, boolean harmful, double[] categoryEffect, int dominant, double dominantChange,
                    double offTargetShare) {}

            private final List<Pending> pending = new ArrayList<>();

            @Override
            public void add(SftPair pair, double[] delta, double[] dxPart, double[] dyPart, double[] categoryEffect) {
                double direction = pair.harmful() ? 1 : -1;
                double[] w = kindWeight[pair.harmful() ? 0 : 1];
                int d = 0;
                for (int j = 1; j < p; j++) {
                    d = direction * w[j] * delta[j] > direction * w[d] * delta[d] ? j : d;
                }
                double outside = 0;
                double all = 0;
                for (int c = 0; c < nc; c++) {
                    all += Math.abs(categoryEffect[c]);
                    outside += categoryHarmful[c] != pair.harmful() ? Math.abs(categoryEffect[c]) : 0;
                }
                pending.add(new Pending(pair.id(), pair.category(), pair.harmful(), categoryEffect.clone(), d, direction * w[d] * delta[d],
                        all > 0 ? outside / all : 0));
            }

            @Override
            List<Entry> judged() {
                boolean[] pairHarmful = new boolean[pending.size()];
                double[][] effects = new double[pending.size()][];
                for (int k = 0; k < pairHarmful.length; k++) {
                    pairHarmful[k] = pending.get(k).harmful();
                    effects[k] = pending.get(k).categoryEffect();
                }
                double[][] relative = relativeEffects(pairHarmful, effects);
                double[] scores = scores(pairHarmful, relative, categoryHarmful);
                List<Entry> out = new ArrayList<>();
                for (int k = 0; k < relative.length; k++) {
                    Pending e = pending.get(k);
                    double direction = e.harmful() ? 1 : -1;
                    String affected = e.category();
                    double most = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < nc; c++) {
                        if (categoryHarmful[c] != e.harmful() && direction * relative[k][c] > most) {
                            most = direction * relative[k][c];
                            affected = categories.get(c);
                        }
                    }
                    boolean off = !intendedColumns.getOrDefault(e.category(), Set.of()).contains(e.dominant());
                    out.add(new Entry(e.pair(), e.category(), e.harmful(), scores[k], false, featureIds[e.dominant()],
                            labels.get(e.dominant()), off, e.dominantChange(), e.offTargetShare(), affected));
                }
                return out;
            }

            @Override
            double magnitude(Entry e) {
                return Math.abs(e.score());
            }

            @Override
            boolean candidate(Entry e) {
                return e.score() > 0;
            }
        };
    }

    /**
     * The category criterion's score of every pair from its effect on each category (pairs x
     * categories): its push on the other kind's categories minus its mean push on its own kind's, each
     * relative to the pairs of its kind (see the class comment).
     */
    public static double[] categoryScores(List<SftPair> pairs, double[][] categoryEffects, boolean[] categoryHarmful) {
        boolean[] pairHarmful = new boolean[pairs.size()];
        for (int k = 0; k < pairHarmful.length; k++) {
            pairHarmful[k] = pairs.get(k).harmful();
        }
        return scores(pairHarmful, relativeEffects(pairHarmful, categoryEffects), categoryHarmful);
    }

    /** Every pair's score from its relative effects ({@link #relativeEffects}). */
    private static double[] scores(boolean[] pairHarmful, double[][] relative, boolean[] categoryHarmful) {
        double[] out = new double[relative.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = score(pairHarmful[k], relative[k], categoryHarmful);
        }
        return out;
    }

    /**
     * Each pair's effect on each category less the median effect of the pairs of its kind (what
     * every refusal, or every helpful answer, does there), in units of that category's standard
     * deviation over all pairs: the part of the effect that is the pair's own, on a scale every
     * category shares. A category no pair moves gets 0.
     */
    static double[][] relativeEffects(boolean[] pairHarmful, double[][] effects) {
        int n = effects.length;
        int nc = n == 0 ? 0 : effects[0].length;
        double[][] out = new double[n][nc];
        for (int c = 0; c < nc; c++) {
            for (boolean kind : new boolean[] {true, false}) {
                final int column = c;
                double typical = median(java.util.stream.IntStream.range(0, n).filter(k -> pairHarmful[k] == kind).mapToDouble(k -> effects[k][column]).toArray());
                for (int k = 0; k < n; k++) {
                    if (pairHarmful[k] == kind) {
                        out[k][c] = effects[k][c] - typical;
                    }
                }
            }
            double mean = 0;
            for (int k = 0; k < n; k++) {
                mean += out[k][c] / n;
            }
            double variance = 0;
            for (int k = 0; k < n; k++) {
                variance += (out[k][c] - mean) * (out[k][c] - mean) / n;
            }
            double sd = Math.sqrt(variance);
            for (int k = 0; k < n; k++) {
                out[k][c] = sd > 0 ? out[k][c] / sd : 0;
            }
        }
        return out;
    }

    /** A pair's push on the other kind's categories minus the mean size of its effect on its own kind's, from its relative effects. */
    private static double score(boolean harmful, double[] relative, boolean[] categoryHarmful) {
        double push = 0;
        int other = 0;
        double own = 0;
        int same = 0;
        for (int c = 0; c < relative.length; c++) {
            if (categoryHarmful[c] != harmful) {
                push += relative[c];
                other++;
            } else {
                own += Math.abs(relative[c]);
                same++;
            }
        }
        return (harmful ? 1 : -1) * push / Math.max(1, other) - own / Math.max(1, same);
    }

    private static Map<String, Set<Integer>> intendedColumns(int[] featureIds, List<IntendedFeatures> intended) {
        Map<Integer, Integer> column = new LinkedHashMap<>();
        for (int j = 0; j < featureIds.length; j++) {
            column.put(featureIds[j], j);
        }
        Map<String, Set<Integer>> intendedColumns = new LinkedHashMap<>();
        for (IntendedFeatures f : intended) {
            Set<Integer> cols = new LinkedHashSet<>();
            f.features().forEach(c -> cols.add(column.get(c.feature())));
            intendedColumns.put(f.category(), cols);
        }
        return intendedColumns;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length == 0 ? 0 : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

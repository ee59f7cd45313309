package dev.smda.validate;

import dev.smda.data.SftPair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Leave-one-out retraining of the pairs the methods rank highest for one category (the union of
 * every method's top pairs by the size of their predicted effect on it, taken in turn until there
 * are {@code looPairs}): for each, the model is retrained on every other pair (common random
 * orders), and the actual change of every target when the pair is left out is compared, across
 * these pairs, with each method's prediction (minus its score): the Pearson and Spearman
 * correlations per target, averaged over each family's targets.
 */
final class LeaveOneOut {

    private final List<SftPair> pairs;
    private final Targets targets;
    private final int category;
    private final ValidationConfig config;
    private final Counterfactuals counterfactuals;

    LeaveOneOut(Retrainer retrainer, List<SftPair> pairs, Targets targets, int category, ValidationConfig config, Validation validation) {
        this.pairs = pairs;
        this.targets = targets;
        this.category = category;
        this.config = config;
        this.counterfactuals = new Counterfactuals(retrainer, pairs, config.seed(), validation);
    }

    ValidationResult.LeaveOneOut run(Map<String, Scores> scores, double scale) throws IOException {
        List<Integer> chosen = choose(scores);
        int seeds = Math.max(1, config.removalSeeds());
        List<Counterfactuals.Request> requests = new ArrayList<>();
        for (int r = 0; r < seeds; r++) {
            requests.add(Counterfactuals.all(r));
        }
        for (int i : chosen) {
            for (int r = 0; r < seeds; r++) {
                requests.add(Counterfactuals.without(Set.of(pairs.get(i).id()), r, "loo-" + pairs.get(i).id()));
            }
        }
        Retrainer.Outcome[] outcomes = counterfactuals.outcomes(requests, "leave-one-out");
        Map<String, double[][]> actual = new LinkedHashMap<>();
        for (String family : targets.families()) {
            double[][] rows = new double[chosen.size()][];
            for (int i = 0; i < chosen.size(); i++) {
                for (int r = 0; r < seeds; r++) {
                    double[] a = targets.of(family, outcomes[seeds + i * seeds + r]);
                    double[] b = targets.of(family, outcomes[r]);
                    if (rows[i] == null) {
                        rows[i] = new double[a.length];
                    }
                    for (int t = 0; t < a.length; t++) {
                        rows[i][t] += (a[t] - b[t]) / seeds;
                    }
                }
            }
            actual.put(family, rows);
        }
        Map<String, Map<String, double[]>> correlation = new LinkedHashMap<>();
        for (var e : scores.entrySet()) {
            Map<String, double[]> byFamily = new LinkedHashMap<>();
            for (String family : targets.families()) {
                double[][] s = e.getValue().of(family);
                if (s == null) {
                    continue;
                }
                double[][] a = actual.get(family);
                int t = a[0].length;
                double[] pearson = new double[t];
                double[] spearman = new double[t];
                for (int j = 0; j < t; j++) {
                    double[] predicted = new double[chosen.size()];
                    double[] observed = new double[chosen.size()];
                    for (int i = 0; i < chosen.size(); i++) {
                        predicted[i] = -scale * s[chosen.get(i)][j];
                        observed[i] = a[i][j];
                    }
                    pearson[j] = Metrics.pearson(predicted, observed);
                    spearman[j] = Metrics.spearman(predicted, observed);
                }
                byFamily.put(family, new double[] {Metrics.mean(pearson), Metrics.mean(spearman)});
            }
            correlation.put(e.getKey(), byFamily);
        }
        return new ValidationResult.LeaveOneOut(targets.categories().get(category), chosen.stream().map(i -> pairs.get(i).id()).toList(), correlation);
    }

    /** Each method's pairs ranked by the size of their predicted effect on the category, taken in turn. */
    private List<Integer> choose(Map<String, Scores> scores) {
        List<List<Integer>> rankings = new ArrayList<>();
        for (var e : scores.entrySet()) {
            double[][] s = e.getValue().of(Targets.CATEGORIES);
            if (s != null && !e.getKey().equals("random")) {
                rankings.add(IntStream.range(0, pairs.size()).boxed().sorted(Comparator.comparingDouble(b -> -Math.abs(s[b][category]))).toList());
            }
        }
        Set<Integer> chosen = new LinkedHashSet<>();
        for (int depth = 0; depth < pairs.size() && chosen.size() < config.looPairs(); depth++) {
            for (List<Integer> ranking : rankings) {
                if (chosen.size() < config.looPairs()) {
                    chosen.add(ranking.get(depth));
                }
            }
        }
        return new ArrayList<>(chosen);
    }
}

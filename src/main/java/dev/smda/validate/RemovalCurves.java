package dev.smda.validate;

import dev.smda.data.SftPair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Removal curves for one category: per method, the k pairs it predicts raise the category's mean y
 * most are removed and the model retrained on the rest; the change of the category's mean y against
 * training on every pair (mean over seeds) is the curve. Removing k random pairs (a fresh draw per
 * seed) is the reference a method has to beat: a method that knows which pairs teach the category
 * lowers it more.
 */
final class RemovalCurves {

    private final List<SftPair> pairs;
    private final Targets targets;
    private final int category;
    private final ValidationConfig config;
    private final Counterfactuals counterfactuals;

    RemovalCurves(Retrainer retrainer, List<SftPair> pairs, Targets targets, int category, ValidationConfig config, Validation validation) {
        this.pairs = pairs;
        this.targets = targets;
        this.category = category;
        this.config = config;
        this.counterfactuals = new Counterfactuals(retrainer, pairs, config.seed(), validation);
    }

    private double categoryY(Retrainer.Outcome o) {
        return targets.categoryMeans(o.y())[category];
    }

    ValidationResult.Removal run(Map<String, Scores> scores, double scale) throws IOException {
        int seeds = config.removalSeeds();
        List<Integer> sizes = config.removalSizes();
        List<String> curves = new ArrayList<>(scores.entrySet().stream().filter(e -> e.getValue().of(Targets.CATEGORIES) != null).map(Map.Entry::getKey)
                .filter(m -> !m.equals("random")).toList());
        curves.add("random");
        // every retraining first (side by side where the validation has workers), then the curves from their outcomes
        List<Counterfactuals.Request> requests = new ArrayList<>();
        for (int r = 0; r < seeds; r++) {
            requests.add(Counterfactuals.all(r));
        }
        for (String curve : curves) {
            List<Integer> ranked = curve.equals("random") ? null : ranking(scores.get(curve).of(Targets.CATEGORIES));
            for (int k : sizes) {
                for (int r = 0; r < seeds; r++) {
                    Set<String> removed = ranked == null ? randomRemoval(k, r)
                            : ranked.subList(0, Math.min(k, pairs.size() - 1)).stream().map(b -> pairs.get(b).id()).collect(Collectors.toSet());
                    requests.add(Counterfactuals.without(removed, r, curve + "-k" + k));
                }
            }
        }
        Retrainer.Outcome[] outcomes = counterfactuals.outcomes(requests, "removal curves");
        double[] all = new double[seeds];
        for (int r = 0; r < seeds; r++) {
            all[r] = categoryY(outcomes[r]);
        }
        List<ValidationResult.Curve> out = new ArrayList<>();
        int next = seeds;
        for (String curve : curves) {
            List<Double> change = new ArrayList<>();
            for (int k = 0; k < sizes.size(); k++) {
                double sum = 0;
                for (int r = 0; r < seeds; r++) {
                    sum += categoryY(outcomes[next++]) - all[r];
                }
                change.add(sum / seeds);
            }
            out.add(new ValidationResult.Curve(curve, sizes, change));
        }
        return new ValidationResult.Removal(targets.categories().get(category), java.util.Arrays.stream(all).average().orElse(Double.NaN), out);
    }

    /** The pairs in the order a method predicts they raise the category's mean y, most first. */
    private List<Integer> ranking(double[][] byCategory) {
        return IntStream.range(0, pairs.size()).boxed().sorted(Comparator.comparingDouble(b -> -byCategory[b][category])).toList();
    }

    /** k random pairs, a fresh draw for each size and seed. */
    private Set<String> randomRemoval(int k, int seedIndex) {
        List<SftPair> shuffled = new ArrayList<>(pairs);
        java.util.Collections.shuffle(shuffled, new Random(config.seed() * 31 + k * 1009L + seedIndex));
        return new HashSet<>(shuffled.subList(0, Math.min(k, pairs.size() - 1)).stream().map(SftPair::id).toList());
    }
}

package dev.smda.validate;

import dev.smda.data.SftPair;
import dev.smda.progress.Progress;
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

    private final Retrainer retrainer;
    private final List<SftPair> pairs;
    private final Targets targets;
    private final int category;
    private final ValidationConfig config;
    private final Counterfactuals counterfactuals;
    private final Progress.Factory progress;

    RemovalCurves(Retrainer retrainer, List<SftPair> pairs, Targets targets, int category, ValidationConfig config, Validation validation,
            Progress.Factory progress) {
        this.retrainer = retrainer;
        this.pairs = pairs;
        this.targets = targets;
        this.category = category;
        this.config = config;
        this.counterfactuals = new Counterfactuals(retrainer, pairs, config.seed(), validation);
        this.progress = progress;
    }

    private double categoryY(Retrainer.Outcome o) {
        return targets.categoryMeans(o.y())[category];
    }

    ValidationResult.Removal run(Map<String, Scores> scores, double scale) throws IOException {
        int seeds = config.removalSeeds();
        List<String> methods = scores.entrySet().stream().filter(e -> e.getValue().of(Targets.CATEGORIES) != null).map(Map.Entry::getKey)
                .filter(m -> !m.equals("random")).toList();
        long total = seeds + (long) (methods.size() + 1) * config.removalSizes().size() * seeds;
        double[] all = new double[seeds];
        List<ValidationResult.Curve> curves = new ArrayList<>();
        try (Progress bar = progress.start("removal curves", total, "retrainings", 0)) {
            long done = 0;
            for (int r = 0; r < seeds; r++) {
                all[r] = categoryY(counterfactuals.all(r));
                bar.stepTo(++done, null);
            }
            for (String method : methods) {
                double[][] byCategory = scores.get(method).of(Targets.CATEGORIES);
                List<Integer> ranked = IntStream.range(0, pairs.size()).boxed().sorted(Comparator.comparingDouble(b -> -byCategory[b][category])).toList();
                List<Double> change = new ArrayList<>();
                for (int k : config.removalSizes()) {
                    Set<String> removed = ranked.subList(0, Math.min(k, pairs.size() - 1)).stream().map(b -> pairs.get(b).id()).collect(Collectors.toSet());
                    double sum = 0;
                    for (int r = 0; r < seeds; r++) {
                        sum += categoryY(counterfactuals.without(removed, r, method + "-k" + k)) - all[r];
                        bar.stepTo(++done, method + " k=" + k);
                    }
                    change.add(sum / seeds);
                }
                curves.add(new ValidationResult.Curve(method, config.removalSizes(), change));
            }
            List<Double> change = new ArrayList<>();
            for (int k : config.removalSizes()) {
                double sum = 0;
                for (int r = 0; r < seeds; r++) {
                    Random random = new Random(config.seed() * 31 + k * 1009L + r);
                    List<SftPair> shuffled = new ArrayList<>(pairs);
                    java.util.Collections.shuffle(shuffled, random);
                    Set<String> removed = new HashSet<>(shuffled.subList(0, Math.min(k, pairs.size() - 1)).stream().map(SftPair::id).toList());
                    sum += categoryY(counterfactuals.without(removed, r, "random-k" + k)) - all[r];
                    bar.stepTo(++done, "random k=" + k);
                }
                change.add(sum / seeds);
            }
            curves.add(new ValidationResult.Curve("random", config.removalSizes(), change));
        }
        return new ValidationResult.Removal(targets.categories().get(category), java.util.Arrays.stream(all).average().orElse(Double.NaN), curves);
    }
}

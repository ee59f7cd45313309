package dev.smda.validate;

import dev.smda.data.SftPair;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Retraining on every pair and on every pair but some, with common random orders: the pairs left in
 * keep the order they have in the full set's retraining with the same seed, so the difference
 * between the two is the removed pairs' effect and not a reshuffle. Outcomes are kept as files.
 */
final class Counterfactuals {

    private final Retrainer retrainer;
    private final List<SftPair> pairs;
    private final long seed;
    private final Validation files;

    Counterfactuals(Retrainer retrainer, List<SftPair> pairs, long seed, Validation files) {
        this.retrainer = retrainer;
        this.pairs = pairs;
        this.seed = seed;
        this.files = files;
    }

    private List<SftPair> order(int seedIndex) {
        return retrainer.order(pairs, Validation.orderSeed(seed, -1, seedIndex));
    }

    /** Every pair, in order {@code seedIndex}. */
    Retrainer.Outcome all(int seedIndex) throws IOException {
        return files.outcome("counterfactual", "all-s" + seedIndex, () -> retrainer.trainAndMeasure(order(seedIndex)));
    }

    /** Every pair but {@code removed}, the rest in order {@code seedIndex}; {@code name} names the file. */
    Retrainer.Outcome without(Set<String> removed, int seedIndex, String name) throws IOException {
        return files.outcome("counterfactual", name + "-s" + seedIndex,
                () -> retrainer.trainAndMeasure(order(seedIndex).stream().filter(p -> !removed.contains(p.id())).toList()));
    }
}

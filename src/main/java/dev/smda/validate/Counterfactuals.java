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

    /** A retraining on every pair but {@code removed} (none: every pair), the rest in order {@code seedIndex}; {@code name} names its file. */
    record Request(String name, Set<String> removed, int seedIndex) {}

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

    /** Every pair, in order {@code seedIndex}. */
    static Request all(int seedIndex) {
        return new Request("all-s" + seedIndex, Set.of(), seedIndex);
    }

    /** Every pair but {@code removed}, the rest in order {@code seedIndex}; {@code name} names the file. */
    static Request without(Set<String> removed, int seedIndex, String name) {
        return new Request(name + "-s" + seedIndex, removed, seedIndex);
    }

    /** The requests' outcomes, in their order: read where finished, the others retrained side by side where the validation has workers. */
    Retrainer.Outcome[] outcomes(List<Request> requests, String label) throws IOException {
        List<List<SftPair>> orders = requests.stream()
                .map(r -> retrainer.order(pairs, Validation.orderSeed(seed, -1, r.seedIndex())).stream().filter(p -> !r.removed().contains(p.id())).toList())
                .toList();
        return files.retrain("counterfactual", requests.stream().map(Request::name).toList(), orders, label);
    }
}

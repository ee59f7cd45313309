package dev.smda.validate;

import java.util.List;

/**
 * How a validation runs: {@code subsets} random subsets holding {@code fraction} of the pairs, each
 * retrained {@code repeats} times in different orders ({@code epochs} passes, batches of
 * {@code batchSize}); the methods compared; removal curves for one category (null: the run's
 * flagged gap category, else the harmful category refused least) with {@code removalSizes} pairs
 * removed, each retrained with {@code removalSeeds} orders; leave-one-out retraining of
 * {@code looPairs} pairs; EK-FAC's damping (a number, or "heuristic": 0.1 × the mean eigenvalue).
 */
public record ValidationConfig(int subsets, double fraction, int repeats, int epochs, int batchSize, long seed, List<String> methods, String removalCategory,
        List<Integer> removalSizes, int removalSeeds, int looPairs, String ekfacDamping, int bootstrap) {

    public static final List<String> ALL_METHODS = List.of("smda", "smda-first-order", "tracin", "grad-cosine", "repsim", "ekfac", "loss", "random");

    /** Settings from the command line: methods null for all; checks every value. */
    public static ValidationConfig of(int subsets, double fraction, int repeats, int epochs, int batchSize, long seed, List<String> methods,
            String removalCategory, List<Integer> removalSizes, int removalSeeds, int looPairs, String ekfacDamping, int bootstrap) {
        check(subsets >= 3, "--subsets must be at least 3 (a rank correlation across subsets), not " + subsets);
        check(fraction > 0 && fraction < 1, "--fraction must lie between 0 and 1, not " + fraction);
        check(repeats >= 2, "--repeats must be at least 2 (the noise ceiling compares orders of the same subset), not " + repeats);
        check(epochs >= 1, "--epochs must be at least 1, not " + epochs);
        check(batchSize >= 1, "--batch-size must be at least 1, not " + batchSize);
        check(removalSeeds >= 0, "--removal-seeds must not be negative");
        check(looPairs >= 0, "--loo-pairs must not be negative");
        check(bootstrap >= 1, "--bootstrap must be at least 1");
        List<Integer> sizes = removalSizes == null ? List.of() : List.copyOf(removalSizes);
        sizes.forEach(k -> check(k >= 1, "--removal-sizes must be positive, not " + k));
        List<String> chosen = methods == null || methods.isEmpty() ? ALL_METHODS : List.copyOf(methods);
        for (String m : chosen) {
            check(ALL_METHODS.contains(m), "--methods: unknown method '" + m + "' (one of " + String.join(", ", ALL_METHODS) + ")");
        }
        if (!"heuristic".equals(ekfacDamping)) {
            try {
                check(Double.parseDouble(ekfacDamping) >= 0, "--ekfac-damping must not be negative");
            } catch (NumberFormatException e) {
                throw new dev.smda.io.BadInputException("--ekfac-damping: '" + ekfacDamping + "' is neither a number nor 'heuristic'");
            }
        }
        return new ValidationConfig(subsets, fraction, repeats, epochs, batchSize, seed, chosen, removalCategory, sizes, removalSeeds, looPairs,
                ekfacDamping, bootstrap);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new dev.smda.io.BadInputException(message);
        }
    }

    static ValidationConfig defaults() {
        return new ValidationConfig(32, 0.5, 3, 1, 1, 20261201L, ALL_METHODS, null, List.of(5, 10, 20, 40), 2, 16, "1e-8", 1000);
    }
}

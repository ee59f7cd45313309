package dev.smda.policy;

import java.util.List;

/**
 * How the symbolic policy is fitted. With {@code fitIntercept} the intercept is not penalised (the
 * data are centred); with {@code standardize} each feature is divided by its standard deviation on
 * the base model's probes (and centred at its base mean), and that scaling is kept fixed for every
 * re-fit after an update. {@code lambda} fixes the penalty; when it is null, {@code criterion}
 * picks it from {@code grid}.
 */
public record RidgeOptions(boolean fitIntercept, boolean standardize, Double lambda, List<Double> grid, Criterion criterion) {

    /**
     * How λ is chosen: the least exact leave-one-out error; the largest λ whose leave-one-out error
     * is within one standard error of the least (the one-standard-error rule: the most regularised
     * policy the data cannot tell from the best, whose coefficients move less under small changes);
     * or generalised cross-validation.
     */
    public enum Criterion { LOO, LOO_1SE, GCV }

    public RidgeOptions {
        grid = List.copyOf(grid);
        if (lambda != null && !(lambda > 0)) {
            throw new IllegalArgumentException("lambda must be positive");
        }
        if (lambda == null && grid.isEmpty()) {
            throw new IllegalArgumentException("no lambda and no grid to choose one from");
        }
    }

    /** λ from 1e-3 to 1e4, 36 points evenly spaced in log scale. */
    public static List<Double> defaultGrid() {
        return java.util.stream.IntStream.range(0, 36).mapToObj(i -> Math.pow(10, -3 + 7.0 * i / 35)).toList();
    }
}

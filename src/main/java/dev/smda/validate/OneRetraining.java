package dev.smda.validate;

import java.util.function.IntFunction;

/**
 * One more fine-tuning as a yardstick for a method: how well a second retraining of the same subsets,
 * in another order, foretells the averaged outcome, beside how well the method does. Each repeat is
 * held out in turn and the mean of the others is what both predict; both LDS are averaged over the
 * repeats held out. A method ahead of the retraining predicts what fine-tuning does on average better
 * than fine-tuning once more does. Needs two repeats at least (with two, the other is the target).
 */
final class OneRetraining {

    private final int subsets;
    private final int samples;
    private final long seed;
    /** Per repeat held out: its ranks, and those of the mean of the others. */
    private final Metrics.Ranking[] heldOut;
    private final Metrics.Ranking[] rest;
    /** The held-out repeats' mean LDS against the others, on the whole sample and on each bootstrap resample. */
    private final double lds;
    private final double[] resampledLds;

    /** @param outcomes a family's retrained changes {@code [repeat][subset][target]} */
    OneRetraining(double[][][] outcomes, int samples, long seed) {
        int repeats = outcomes.length;
        if (repeats < 2) {
            throw new IllegalArgumentException("one more retraining needs two repeats at least, not " + repeats);
        }
        this.subsets = outcomes[0].length;
        this.samples = samples;
        this.seed = seed;
        heldOut = new Metrics.Ranking[repeats];
        rest = new Metrics.Ranking[repeats];
        for (int r = 0; r < repeats; r++) {
            heldOut[r] = new Metrics.Ranking(outcomes[r]);
            int without = r;
            rest[r] = new Metrics.Ranking(Metrics.meanOverRepeats(java.util.stream.IntStream.range(0, repeats).filter(q -> q != without)
                    .mapToObj(q -> outcomes[q]).toArray(double[][][]::new)));
        }
        IntFunction<Metrics.Ranking> self = r -> heldOut[r];
        lds = againstRest(self, Metrics.once(subsets));
        resampledLds = Metrics.resampled(subsets, samples, seed, pick -> againstRest(self, Metrics.counts(pick, subsets)));
    }

    /** The mean LDS of one retraining against the mean of the others. */
    double lds() {
        return lds;
    }

    /**
     * A method's mean LDS against the same targets (its summed per-pair predictions, {@code [subset][target]})
     * minus the retraining's, with a 95% paired bootstrap interval over subsets (the same resamples for both).
     */
    ValidationResult.Difference difference(double[][] predicted) {
        Metrics.Ranking method = new Metrics.Ranking(predicted);
        IntFunction<Metrics.Ranking> same = r -> method;
        double[] resampled = Metrics.resampled(subsets, samples, seed, pick -> againstRest(same, Metrics.counts(pick, subsets)));
        for (int i = 0; i < resampled.length; i++) {
            resampled[i] -= resampledLds[i];
        }
        double[] interval = Metrics.interval(resampled);
        return new ValidationResult.Difference(againstRest(same, Metrics.once(subsets)) - lds, interval[0], interval[1]);
    }

    /** The mean over the repeats held out of the predictor's mean LDS against the others' mean, on a resample. */
    private double againstRest(IntFunction<Metrics.Ranking> predictor, int[] counts) {
        double sum = 0;
        for (int r = 0; r < rest.length; r++) {
            sum += Metrics.mean(Metrics.lds(predictor.apply(r), rest[r], counts));
        }
        return sum / rest.length;
    }
}

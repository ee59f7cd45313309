package dev.smda.run;

import dev.smda.measure.Behaviour;
import dev.smda.measure.FeatureEncoding;
import dev.smda.measure.Pooling;
import dev.smda.measure.RefusalOpenings;
import dev.smda.policy.RidgeOptions;
import dev.smda.train.SftConfig;
import java.util.List;

/**
 * Every choice an SMDA run makes, with the defaults documented in the README. Written into
 * run.json; a resumed run must have the same one.
 */
public record RunConfig(
        String preset,
        List<String> refusalOpenings,
        Behaviour behaviour,
        Pooling pooling,
        FeatureEncoding encoding,
        Selection selection,
        double selectionThreshold,
        int maxFeatures,
        boolean fitIntercept,
        boolean standardize,
        Double lambda,
        RidgeOptions.Criterion lambdaCriterion,
        Update update,
        FeatureChange featureChange,
        Estimator estimator,
        int projection,
        double intendedThreshold,
        Interference interference,
        int bootstrapSamples,
        long seed,
        int batchSize,
        Curation curation,
        String dtype,
        String chatDate) {

    /** Which SAE features the policy uses. */
    public enum Selection {
        /** Features that fire on at least {@code selectionThreshold} of the probes (the default, 0.02). */
        ACTIVE,
        /** Features whose mean activation on harmful probes and on harmless ones differ by more than {@code selectionThreshold} (the paper's, 0.1). */
        CONTRAST
    }

    /** How ΔX is measured after an update. */
    public enum FeatureChange {
        /** Re-encode the updated model's activations: ΔX = X' − X exactly. */
        EXACT,
        /** The paper's: ΔX through the ReLU linearised at the base activations, 1[h W + b > 0] ⊙ (Δh W). */
        LINEARIZED
    }

    /** How each pair's effect is estimated. */
    public enum Estimator {
        /** Apply the pair's update and re-measure the probes (one update and one measurement per pair). */
        EXACT,
        /** To first order from gradients: one backward pass per pair and inner products (for large SFT sets). */
        GRADIENT
    }

    /** How the interference analysis judges a pair. */
    public enum Interference {
        /**
         * By its predicted effect on each category's behaviour through the policy: a pair interferes
         * when it moves categories of the other kind (harmless ones for a harmful pair, harmful ones
         * for a harmless pair) in the direction it teaches (the default).
         */
        CATEGORY,
        /** By its dominant coefficient in the ΔY pathway: off target when that feature is not its category's. */
        DY,
        /** Likewise in the ΔX pathway. */
        DX,
        /** Likewise in the whole change Δβ. */
        TOTAL;

        /** What a flagged pair is under this criterion, in a few words. */
        public String flaggedMeans() {
            return this == CATEGORY ? "pushes the other kind of categories, in the direction it teaches, more than it moves its own category, above the noise floor"
                    : "dominant " + (this == TOTAL ? "coefficient change" : name() + " pathway change") + " off its category's intended features, above the noise floor";
        }
    }

    /** The fine-tuning update applied for each pair, from the base weights. */
    public record Update(SftConfig.Optimizer optimizer, double learningRate, int steps, SftConfig.Mode mode, int loraRank, double loraAlpha,
            double weightDecay) {

        public SftConfig toSftConfig(long seed) {
            SftConfig base = optimizer == SftConfig.Optimizer.SGD ? SftConfig.sgd(learningRate, steps)
                    : SftConfig.adamW(learningRate, steps, 0.9, 0.999, 1e-8, weightDecay);
            return mode == SftConfig.Mode.LORA ? base.withLora(loraRank, loraAlpha, dev.smda.model.LlamaModel.PROJECTIONS, seed) : base;
        }
    }

    /**
     * The paper's follow-up: drop harmful pairs scoring below the harmless median and harmless
     * pairs above the harmful median, fine-tune on the rest (AdamW, linear decay, full-sequence
     * loss, gradients clipped at {@code maxGradNorm}), and compare refusal precision, recall and F1.
     */
    public record Curation(int epochs, double learningRate, int batchSize, double maxGradNorm) {}

    /** smda's defaults: exact decomposition on the SAE's own features, ridge with intercept and standardisation, λ by leave-one-out. */
    public static RunConfig defaults() {
        return new RunConfig("smda", RefusalOpenings.DEFAULT, Behaviour.LOG_ODDS, Pooling.LAST, FeatureEncoding.SAE, Selection.ACTIVE, 0.02, 0,
                true, true, null, RidgeOptions.Criterion.LOO,
                new Update(SftConfig.Optimizer.SGD, 1e-4, 1, SftConfig.Mode.FULL, 8, 16, 0), FeatureChange.EXACT, Estimator.EXACT, 0, 0.5, Interference.CATEGORY,
                1000, 20261123L, 16, null, "float32", null);
    }

    /**
     * The paper's settings (Habibi et al., 2026), as the public reconstruction of the authors'
     * notebooks runs them: X at the user turn's end-of-turn token, dense ReLU(hW + b) features with
     * |mean harmful − mean harmless| > 0.1, y = log(P("I can't") + P("I cannot")), ridge without
     * intercept or scaling at λ = 5, one plain SGD step (lr 1e-4, all weights, response tokens), ΔX
     * linearised, and the curation follow-up.
     */
    public static RunConfig paper() {
        return new RunConfig("paper", RefusalOpenings.PAPER, Behaviour.LOG_PROBABILITY, Pooling.EOT, FeatureEncoding.DENSE_RELU, Selection.CONTRAST, 0.1, 0,
                false, false, 5.0, RidgeOptions.Criterion.LOO,
                new Update(SftConfig.Optimizer.SGD, 1e-4, 1, SftConfig.Mode.FULL, 8, 16, 0), FeatureChange.LINEARIZED, Estimator.EXACT, 0, 0.5, Interference.DY,
                1000, 42L, 16, new Curation(3, 2e-5, 16, 1.0), "float32", null);
    }

    /** These settings under another preset name with another per-pair update. */
    public RunConfig with(String presetName, Update other) {
        return new RunConfig(presetName, refusalOpenings, behaviour, pooling, encoding, selection, selectionThreshold, maxFeatures, fitIntercept, standardize,
                lambda, lambdaCriterion, other, featureChange, estimator, projection, intendedThreshold, interference, bootstrapSamples, seed, batchSize,
                curation, dtype, chatDate);
    }

    public RidgeOptions ridgeOptions() {
        return new RidgeOptions(fitIntercept, standardize, lambda, RidgeOptions.defaultGrid(), lambdaCriterion);
    }
}

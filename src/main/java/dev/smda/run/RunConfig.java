package dev.smda.run;

import dev.smda.attribution.ReferenceTrajectory;
import dev.smda.data.Probe;
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
        String chatDate,
        Integer maxLength,
        DySource dySource,
        RefitPoint refitAt,
        CategoryEffects categoryEffects,
        Double noiseFloor) {

    /**
     * How many times the median pair's interference magnitude a pair must exceed to be flagged,
     * unless set: relative to the set of pairs (docs/validation-record.md, *What the flags mean on a
     * set with nothing planted*).
     */
    public static final double NOISE_FLOOR = 3.0;

    /**
     * A run.json written before {@code dySource}, {@code refitAt}, {@code categoryEffects} or {@code noiseFloor} existed reads as what
     * that run used: the checkpoints' Δy, refitted at the base, the categories' effects from the update at the base, the floor at 3.
     */
    public RunConfig {
        dySource = dySource == null ? DySource.CHECKPOINTS : dySource;
        refitAt = refitAt == null ? RefitPoint.BASE : refitAt;
        categoryEffects = categoryEffects == null ? CategoryEffects.BASE : categoryEffects;
        noiseFloor = noiseFloor == null ? NOISE_FLOOR : noiseFloor;
    }

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

    /** With checkpoints, which of a pair's measured Δy the policy's change and the validation's probe scores use. */
    public enum DySource {
        /** Every probe's Δy averaged over the checkpoints (the default). */
        CHECKPOINTS,
        /**
         * The update's Δy at the base model alone on harmful probes, the checkpoints' mean on harmless
         * ones (docs/validation-record.md, *Where the probes' shortfall lies*); ΔX stays the checkpoints' mean.
         */
        PER_KIND
    }

    /**
     * Where a pair's policy change is refitted: Δβ = β(X* + ΔX, y + Δy) − β(X*, y), with X* the features
     * at that point. A retraining on a set moves the probes' features a long way, and its policy is
     * refitted where they end; the refit's sensitivity taken half-way along predicts that better
     * (docs/validation-record.md, *The refit's sensitivity half-way through a retraining*).
     */
    public enum RefitPoint {
        /** The base model's features (what the user has; the only choice with one checkpoint). */
        BASE,
        /**
         * The features measured at the reference pass's checkpoint in the middle of its span (the mean of
         * the two around it with an odd number of checkpoints; needs more than one): the default.
         */
        SPAN_MIDDLE
    }

    /**
     * Which of a pair's measured effects its predicted effect on each category's behaviour (what the
     * category criterion of interference judges) is taken from; either is read through the policy
     * refitted at the base. With one checkpoint the two are the same.
     */
    public enum CategoryEffects {
        /**
         * The effects averaged over the checkpoints, as measured (the default): on two worlds nobody had
         * looked at they found more of the planted pairs and flagged no surprise pair (docs/validation-record.md,
         * *Interference from the span's averaged effects, the default*).
         */
        CHECKPOINTS,
        /** The update applied to the base model alone, before any other pair: the default until that part. */
        BASE
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
         * By its predicted effect on each category's behaviour through the policy, relative to the
         * pairs of its kind: a pair interferes when it moves categories of the other kind (harmless
         * ones for a harmful pair, harmful ones for a harmless pair) in the direction it teaches more
         * than it moves its own kind's (the default).
         */
        CATEGORY,
        /** By its dominant coefficient in the ΔY pathway: off target when that feature is not its category's. */
        DY,
        /** Likewise in the ΔX pathway. */
        DX,
        /** Likewise in the whole change Δβ. */
        TOTAL
    }

    /**
     * The fine-tuning update applied for each pair, from the base weights, or, with
     * {@code checkpoints} K > 1, from each of K checkpoints of a reference pass over every pair
     * (the base and after each 1/K of the first {@code referenceSpan} of the pass) and averaged. The
     * pass is {@code reference}: one seeded order, or its expectation in {@code referenceSteps}
     * full-batch steps between checkpoints.
     */
    public record Update(SftConfig.Optimizer optimizer, double learningRate, int steps, SftConfig.Mode mode, int loraRank, double loraAlpha,
            double weightDecay, int checkpoints, ReferenceTrajectory.Pass reference, int referenceSteps, Double referenceSpan) {

        /** The full-batch steps between checkpoints unless set. */
        public static final int REFERENCE_STEPS = 5;

        /**
         * The share of the pass the checkpoints cover unless set: the first half, the models that
         * fine-tuning on a random half of the pairs passes through (docs/validation-record.md, *The reference span*).
         */
        public static final double REFERENCE_SPAN = 0.5;

        /**
         * A run.json written before {@code reference} existed reads as the ordered pass it used (with
         * the default steps, which that pass does not use), so {@code --reference ordered} resumes it;
         * one written before {@code referenceSpan} existed, as the whole pass it covered.
         */
        public Update {
            if (reference == null) {
                reference = ReferenceTrajectory.Pass.ORDERED;
                referenceSteps = REFERENCE_STEPS;
            }
            referenceSpan = referenceSpan == null ? 1.0 : referenceSpan; // written before the span existed: the whole pass
        }

        /** This update applied at the base model only (one checkpoint), as the gradient estimator and LoRA updates need. */
        public Update atBaseOnly() {
            return new Update(optimizer, learningRate, steps, mode, loraRank, loraAlpha, weightDecay, 1, reference, referenceSteps, referenceSpan);
        }

        /** This update at another learning rate. */
        public Update withLearningRate(double rate) {
            return new Update(optimizer, rate, steps, mode, loraRank, loraAlpha, weightDecay, checkpoints, reference, referenceSteps, referenceSpan);
        }

        /** This update on LoRA adapters of {@code rank} (at this update's alpha) instead of every weight. */
        public Update withLora(int rank) {
            return new Update(optimizer, learningRate, steps, SftConfig.Mode.LORA, rank, loraAlpha, weightDecay, checkpoints, reference, referenceSteps, referenceSpan);
        }

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

    /**
     * smda's defaults: the exact estimator on the SAE's own features, ΔX linearised at the base's
     * active set, each pair's update applied at four checkpoints of a reference pass over all pairs
     * and averaged (TracInCP), the pass taken in expectation (five full-batch steps between
     * checkpoints) over its first half, each pair's Δβ refitted at the features in the middle of that
     * span, ridge with intercept and standardisation, λ by the one-standard-error rule on the
     * leave-one-out error (a steadier Δβ at a fit within noise of the best), interference judged by
     * category from the checkpoints' averaged effects. Chosen on world seed 101 by retraining, the
     * expected pass, its span and the refit's point on the shipped world and seed 202, the categories'
     * effects on seeds 404, 606 and 202 (see the README's table of remedies).
     */
    public static RunConfig defaults() {
        return new RunConfig("smda", RefusalOpenings.DEFAULT, Behaviour.LOG_ODDS, Pooling.LAST, FeatureEncoding.SAE, Selection.ACTIVE, 0.02, 0,
                true, true, null, RidgeOptions.Criterion.LOO_1SE,
                new Update(SftConfig.Optimizer.SGD, 1e-4, 1, SftConfig.Mode.FULL, 8, 16, 0, 4, ReferenceTrajectory.Pass.EXPECTED, Update.REFERENCE_STEPS, Update.REFERENCE_SPAN), FeatureChange.LINEARIZED, Estimator.EXACT, 0, 0.5, Interference.CATEGORY,
                1000, 20261123L, 16, null, "float32", null, null, DySource.CHECKPOINTS, RefitPoint.SPAN_MIDDLE,
                CategoryEffects.CHECKPOINTS, NOISE_FLOOR);
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
                new Update(SftConfig.Optimizer.SGD, 1e-4, 1, SftConfig.Mode.FULL, 8, 16, 0, 1, ReferenceTrajectory.Pass.ORDERED, Update.REFERENCE_STEPS, 1.0), FeatureChange.LINEARIZED, Estimator.EXACT, 0, 0.5, Interference.DY,
                1000, 42L, 16, new Curation(3, 2e-5, 16, 1.0), "float32", null, null, DySource.CHECKPOINTS, RefitPoint.BASE,
                CategoryEffects.CHECKPOINTS, NOISE_FLOOR);
    }

    /** These settings under another preset name with another per-pair update (with one checkpoint, refitted at the base: no span to be in the middle of). */
    public RunConfig with(String presetName, Update other) {
        return new RunConfig(presetName, refusalOpenings, behaviour, pooling, encoding, selection, selectionThreshold, maxFeatures, fitIntercept, standardize,
                lambda, lambdaCriterion, other, featureChange, estimator, projection, intendedThreshold, interference, bootstrapSamples, seed, batchSize,
                curation, dtype, chatDate, maxLength, dySource, refitFor(other), categoryEffects, noiseFloor);
    }

    /** These settings' refit point for an update with {@code other}'s checkpoints: the base where there is only the base. */
    public RefitPoint refitFor(Update other) {
        return other.checkpoints() > 1 ? refitAt : RefitPoint.BASE;
    }

    /** These settings with another feature change, estimator and projection. */
    public RunConfig withEstimation(FeatureChange change, Estimator other, int sketch) {
        Update u = other == Estimator.GRADIENT ? update.atBaseOnly() : update;
        return new RunConfig(preset, refusalOpenings, behaviour, pooling, encoding, selection, selectionThreshold, maxFeatures, fitIntercept, standardize,
                lambda, lambdaCriterion, u, change, other, sketch, intendedThreshold, interference, bootstrapSamples, seed, batchSize, curation, dtype,
                chatDate, maxLength, dySource, refitFor(u), categoryEffects, noiseFloor);
    }

    /** These settings with the policy capped at {@code features} features (0: no cap). */
    public RunConfig withMaxFeatures(int features) {
        return new RunConfig(preset, refusalOpenings, behaviour, pooling, encoding, selection, selectionThreshold, features, fitIntercept, standardize,
                lambda, lambdaCriterion, update, featureChange, estimator, projection, intendedThreshold, interference, bootstrapSamples, seed, batchSize,
                curation, dtype, chatDate, maxLength, dySource, refitAt, categoryEffects, noiseFloor);
    }

    /** These settings with responses cut so that each pair is at most {@code tokens} long (null: none). */
    public RunConfig withMaxLength(Integer tokens) {
        return new RunConfig(preset, refusalOpenings, behaviour, pooling, encoding, selection, selectionThreshold, maxFeatures, fitIntercept, standardize,
                lambda, lambdaCriterion, update, featureChange, estimator, projection, intendedThreshold, interference, bootstrapSamples, seed, batchSize,
                curation, dtype, chatDate, tokens, dySource, refitAt, categoryEffects, noiseFloor);
    }

    /** Checks every setting's range; a bad one fails with one line naming its option. */
    public RunConfig checked() {
        require(!refusalOpenings.isEmpty() && refusalOpenings.stream().noneMatch(String::isBlank), "--openings must list at least one non-empty opening");
        require(Double.isFinite(selectionThreshold) && selectionThreshold >= 0, "--selection-threshold must not be negative, not " + selectionThreshold);
        require(selection != Selection.ACTIVE || selectionThreshold <= 1, "--selection-threshold of the active selection is a share of probes, at most 1, not " + selectionThreshold);
        require(maxFeatures >= 0, "--max-features must not be negative, not " + maxFeatures);
        require(lambda == null || lambda > 0 && Double.isFinite(lambda), "--lambda must be a positive number, not " + lambda);
        require(update.learningRate() > 0 && Double.isFinite(update.learningRate()), "--lr must be a positive number, not " + update.learningRate());
        require(update.steps() >= 1, "--steps must be at least 1, not " + update.steps());
        require(update.mode() != SftConfig.Mode.LORA || update.loraRank() >= 1, "--lora-rank must be at least 1, not " + update.loraRank());
        require(update.loraAlpha() > 0 && Double.isFinite(update.loraAlpha()), "--lora-alpha must be a positive number, not " + update.loraAlpha());
        require(update.checkpoints() >= 1, "--checkpoints must be at least 1, not " + update.checkpoints());
        require(update.weightDecay() >= 0, "the weight decay must not be negative");
        require(projection >= 0, "--projection must not be negative, not " + projection);
        require(Double.isFinite(intendedThreshold), "--intended-threshold must be a number, not " + intendedThreshold);
        require(noiseFloor > 0 && Double.isFinite(noiseFloor), "--noise-floor must be a positive number, not " + noiseFloor);
        require(bootstrapSamples >= 1, "--bootstrap must be at least 1, not " + bootstrapSamples);
        require(batchSize >= 1, "--batch-size must be at least 1, not " + batchSize);
        require(projection == 0 || update.mode() == SftConfig.Mode.FULL,
                "--projection is for full updates: LoRA's parameter space (--lora-rank) is small and exact already");
        require(estimator != Estimator.GRADIENT || projection == 0 || update.optimizer() == SftConfig.Optimizer.SGD,
                "--projection needs --optimizer sgd: AdamW's update is not linear in the gradient, so it cannot be sketched");
        require(estimator != Estimator.GRADIENT || update.checkpoints() == 1, "--checkpoints is for the exact estimator");
        require(update.checkpoints() == 1 || update.mode() == SftConfig.Mode.FULL, "--checkpoints needs full updates (not --lora-rank)");
        require(update.reference() == ReferenceTrajectory.Pass.ORDERED || update.referenceSteps() >= 1,
                "--reference-steps must be at least 1, not " + update.referenceSteps());
        require(update.referenceSpan() > 0 && update.referenceSpan() <= 1, "--reference-span must be above 0 and at most 1, not " + update.referenceSpan());
        require(update.reference() == ReferenceTrajectory.Pass.ORDERED || update.optimizer() == SftConfig.Optimizer.SGD,
                "--reference expected needs --optimizer sgd: AdamW's steps do not add up to one full-batch step");
        require(dySource == DySource.CHECKPOINTS || update.checkpoints() > 1,
                "--dy-source " + dySource.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " needs --checkpoints above 1 (with one, the base's Δy is the only one)");
        require(refitAt == RefitPoint.BASE || update.checkpoints() > 1,
                "--refit-at span-middle needs --checkpoints above 1 (with one, the base is the only model measured)");
        require(maxLength == null || maxLength >= 2, "--max-length must be at least 2 tokens (one of prompt, one of response), not " + maxLength);
        require(curation == null || curation.epochs() >= 1 && curation.batchSize() >= 1 && curation.learningRate() > 0, "the curation settings must be positive");
        dev.smda.lm.Models.dtype(dtype);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new dev.smda.io.BadInputException(message);
        }
    }

    /** The probes whose Δy is taken at the base model ({@link DySource}); null: none, every probe's is the checkpoints'. */
    public boolean[] dyAtBase(List<Probe> probes) {
        if (dySource == DySource.CHECKPOINTS) {
            return null;
        }
        boolean[] out = new boolean[probes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = probes.get(i).harmful();
        }
        return out;
    }

    /** What a pair flagged by this run's interference criterion is, in a few words. */
    public String flaggedMeans() {
        if (interference != Interference.CATEGORY) {
            return "dominant " + (interference == Interference.TOTAL ? "coefficient change" : interference.name() + " pathway change")
                    + " off its category's intended features, above the noise floor";
        }
        String effect = categoryEffects == CategoryEffects.CHECKPOINTS && update.checkpoints() > 1 ? "its update averaged over the checkpoints"
                : "its update at the base model";
        return "pushes the other kind of categories, in the direction it teaches, more than it moves its own kind's (each relative to the pairs of its kind; "
                + effect + "), above the noise floor";
    }

    public RidgeOptions ridgeOptions() {
        return new RidgeOptions(fitIntercept, standardize, lambda, RidgeOptions.defaultGrid(), lambdaCriterion);
    }
}

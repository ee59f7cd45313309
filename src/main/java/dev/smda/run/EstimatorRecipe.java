package dev.smda.run;

import dev.smda.attribution.ExactEstimator;
import dev.smda.attribution.GradientEstimator;
import dev.smda.attribution.PairEffects;
import dev.smda.attribution.PairEstimator;
import dev.smda.attribution.PolicyDecomposition;
import dev.smda.attribution.PolicySensitivity;
import dev.smda.attribution.ReferenceTrajectory;
import dev.smda.data.DataSets;
import dev.smda.data.Probe;
import dev.smda.io.Json;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.measure.ProbeTokens;
import dev.smda.measure.RefusalOpenings;
import dev.smda.policy.RidgeFit;
import dev.smda.progress.Progress;
import dev.smda.sae.Sae;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Everything a run's estimator is built from once the base is measured and the policy fitted: the
 * settings, the inputs' paths, the probes, the base measurement (with its gates when frozen) and the
 * policy. A run builds its estimator from it in-process, and hands it as JSON to every worker of a
 * cluster, which builds the same estimator from the same numbers (doubles round-trip exactly).
 *
 * @param category each probe's category index, of {@code categories}
 */
public record EstimatorRecipe(RunConfig config, RunInputs inputs, List<Probe> probes, Measurement base, RidgeFit policy, int[] category,
        int categories) {

    /** Whether ΔX is measured with the encoder's active set frozen at the base. */
    static boolean frozen(RunConfig config) {
        return config.featureChange() == RunConfig.FeatureChange.LINEARIZED || config.estimator() == RunConfig.Estimator.GRADIENT;
    }

    /** The probes' measurer of the policy's features, frozen at the base's gates where the run's settings ask for it. */
    ProbeMeasurer measurer(LanguageModel lm, Sae sae) {
        RefusalOpenings openings = RefusalOpenings.of(lm.tokenizer(), config.refusalOpenings());
        List<ProbeTokens> tokens = probes.stream().map(p -> ProbeTokens.of(lm.tokenizer(), lm.chat(), p.prompt())).toList();
        ProbeMeasurer measurer = new ProbeMeasurer(tokens, openings, config.behaviour(), config.pooling(), sae, base.featureIds(), config.batchSize(),
                config.encoding());
        return frozen(config) ? measurer.frozenAt(base) : measurer;
    }

    /**
     * The run's estimator on {@code lm} and {@code sae} (opened from this recipe's inputs).
     *
     * @param store where the exact estimator keeps each pair's measured effect
     */
    public PairEstimator estimator(LanguageModel lm, Sae sae, ExactEstimator.RawEffects store, Progress.Factory progress) {
        ProbeMeasurer measurer = measurer(lm, sae);
        SftConfig update = config.update().toSftConfig(config.seed());
        if (config.estimator() == RunConfig.Estimator.GRADIENT) {
            PolicySensitivity sensitivity = PolicySensitivity.of(policy, base.x(), base.y());
            return new GradientEstimator(lm, measurer, sensitivity, category, categories, update,
                    GradientEstimator.space(lm.model(), measurer, sensitivity, update, config.projection(), config.seed(), progress), config.maxLength(),
                    progress);
        }
        PairEffects effects;
        double[][] middle = null;
        if (config.update().checkpoints() > 1) {
            ReferenceTrajectory trajectory = ReferenceTrajectory.of(lm.model(), pairExamples(lm), update, config.update().checkpoints(),
                    config.update().reference(), config.update().referenceSteps(), config.update().referenceSpan(), config.batchSize(), config.seed());
            List<Measurement> measured = trajectory.models().stream().map(measurer::measure).toList();
            effects = new PairEffects(lm, measurer, trajectory, measured, update, config.maxLength());
            if (config.refitAt() == RunConfig.RefitPoint.SPAN_MIDDLE) {
                middle = spanMiddle(measured);
            }
        } else {
            effects = new PairEffects(lm, measurer, base, update, config.maxLength());
        }
        PolicyDecomposition atBase = new PolicyDecomposition(policy, base.x(), base.y());
        PolicyDecomposition refit = middle == null ? atBase : new PolicyDecomposition(policy, middle, base.y());
        return new ExactEstimator(effects, atBase, refit, category, categories, store, () -> {}, config.dyAtBase(probes),
                config.categoryEffects() == RunConfig.CategoryEffects.BASE);
    }

    /**
     * The features in the middle of the reference span, from the features at its K ≥ 2 checkpoints:
     * checkpoint c lies c/K of the way along, so K/2 lies in the middle; with an odd K the two around it are averaged.
     */
    static double[][] spanMiddle(List<Measurement> checkpoints) {
        double[][] lower = checkpoints.get(checkpoints.size() / 2).x();
        double[][] upper = checkpoints.get((checkpoints.size() + 1) / 2).x();
        double[][] out = new double[lower.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[lower[i].length];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = 0.5 * (lower[i][j] + upper[i][j]);
            }
        }
        return out;
    }

    /** Every pair as the reference fine-tuning pass sees it. */
    private List<SftExample> pairExamples(LanguageModel lm) {
        try {
            return DataSets.pairs(inputs.pairs()).stream().map(p -> PairEffects.example(lm, p, config.maxLength())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String toJson() {
        return Json.compact(this);
    }

    public static EstimatorRecipe fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, EstimatorRecipe.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

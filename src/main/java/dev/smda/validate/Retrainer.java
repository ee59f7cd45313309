package dev.smda.validate;

import dev.smda.data.SftPair;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.model.LlamaModel;
import dev.smda.policy.RidgeFit;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftTrainer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fine-tunes the base model on a set of pairs as a user would, then measures the probes exactly as
 * the run does and refits the policy with the base standardisation and λ held fixed: the ground
 * truth attributions are judged against. The procedure: the run's optimiser, learning rate and
 * update mode (every weight or LoRA); {@code epochs} passes over the pairs, each in an order drawn
 * from {@code seed}; batches of {@code batchSize} pairs, one optimiser step each on their mean
 * response-token loss.
 */
final class Retrainer {

    /**
     * What one retraining ends with: every probe's y and policy features (also exactly re-encoded,
     * when the run's are linearised; else null), and the coefficients refitted on them.
     */
    record Outcome(double[] y, double[][] x, double[] beta, double[][] xReencoded, double[] betaReencoded) {}

    private final LanguageModel lm;
    private final Map<String, SftExample> examples;
    private final SftConfig update;
    private final int epochs;
    private final int batchSize;
    private final ProbeMeasurer measurer;
    private final RidgeFit policy;

    /**
     * @param measurer the run's measurer (frozen at the base's gates when the run linearises ΔX; then
     *     the features are also read with the SAE's own encoder, from the same passes)
     */
    Retrainer(LanguageModel lm, Map<String, SftExample> examples, SftConfig update, int epochs, int batchSize, ProbeMeasurer measurer, RidgeFit policy) {
        this.lm = lm;
        this.examples = examples;
        this.update = update;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.measurer = measurer;
        this.policy = policy;
    }

    /** The order pairs are trained in: per epoch a shuffle drawn from {@code seed}. */
    List<SftPair> order(List<SftPair> pairs, long seed) {
        return order(pairs, seed, epochs);
    }

    static List<SftPair> order(List<SftPair> pairs, long seed, int epochs) {
        Random random = new Random(seed);
        List<SftPair> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            List<SftPair> epoch = new ArrayList<>(pairs);
            Collections.shuffle(epoch, random);
            out.addAll(epoch);
        }
        return out;
    }

    /** Trains on {@code ordered} (already in training order, epochs included) and measures. */
    Outcome trainAndMeasure(List<SftPair> ordered) {
        List<List<SftExample>> schedule = new ArrayList<>();
        for (int s = 0; s < ordered.size(); s += batchSize) {
            schedule.add(ordered.subList(s, Math.min(ordered.size(), s + batchSize)).stream().map(p -> examples.get(p.id())).toList());
        }
        try (LlamaModel trained = SftTrainer.train(lm.model(), schedule, update)) {
            Measurement[] measured = measurer.isFrozen() ? measurer.measureFrozenAndReencoded(trained) : new Measurement[] {measurer.measure(trained)};
            Measurement m = measured[0];
            Measurement exact = measured.length > 1 ? measured[1] : null;
            return new Outcome(m.y(), m.x(), policy.system(m.x()).coefficients(m.y()), exact == null ? null : exact.x(),
                    exact == null ? null : policy.system(exact.x()).coefficients(exact.y()));
        }
    }

    /** The factor that turns a sum of the run's per-pair one-update effects into this procedure's first-order prediction. */
    double predictionScale(int runSteps) {
        return epochs / (double) (batchSize * runSteps);
    }
}

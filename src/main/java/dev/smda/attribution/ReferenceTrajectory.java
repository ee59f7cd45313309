package dev.smda.attribution;

import dev.smda.model.LlamaModel;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftTrainer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Checkpoints of a reference fine-tuning run over every pair: the model at the start and after each
 * {@code 1/K} of the first {@code span} of a pass (span 1: the whole pass; ½: the models that
 * fine-tuning on a random half of the pairs passes through). The pass is either the run's update
 * applied to one pair at a time in a seeded order ({@link Pass#ORDERED}), or the pass's expectation
 * over orders ({@link Pass#EXPECTED}).
 * The base model is the first checkpoint and is not owned here; the others are closed with it. The
 * optimiser starts afresh at each checkpoint (exact for SGD; AdamW's moments restart).
 */
public final class ReferenceTrajectory implements AutoCloseable {

    private final List<LlamaModel> models;

    private ReferenceTrajectory(List<LlamaModel> models) {
        this.models = models;
    }

    /** How the reference pass moves from one checkpoint to the next. */
    public enum Pass {
        /** The run's update on each pair in turn, in one seeded order: one draw of a fine-tuning run. */
        ORDERED,
        /**
         * Full-batch gradient descent on the mean of every pair's loss, at the rate that moves the
         * weights as far as the ordered pass's steps between two checkpoints do: the pass's
         * expectation over orders to first order, without the one order's noise (SGD only).
         */
        EXPECTED
    }

    /**
     * @param pass how the pass moves between checkpoints; @param stepsBetween the full-batch steps
     *     between two checkpoints of the expected pass; @param span the share of the pass the checkpoints
     *     cover, in (0, 1]; @param microBatch the pairs whose gradients it computes at once
     */
    public static ReferenceTrajectory of(LlamaModel base, List<SftExample> examples, SftConfig update, int checkpoints, Pass pass, int stepsBetween,
            double span, int microBatch, long seed) {
        if (checkpoints < 1) {
            throw new IllegalArgumentException("at least one checkpoint (the base)");
        }
        if (!(span > 0 && span <= 1)) {
            throw new IllegalArgumentException("the span must be above 0 and at most 1, not " + span);
        }
        if (update.mode() != SftConfig.Mode.FULL && checkpoints > 1) {
            throw new dev.smda.io.BadInputException("--checkpoints: a reference run with LoRA updates is not supported; use --checkpoints 1");
        }
        List<SftExample> order = new ArrayList<>(examples);
        Collections.shuffle(order, new Random(seed));
        List<LlamaModel> models = new ArrayList<>();
        models.add(base);
        for (int c = 1; c < checkpoints; c++) {
            int from = pairsBefore(c - 1, checkpoints, span, order.size());
            int to = pairsBefore(c, checkpoints, span, order.size());
            if (from == to) {
                models.add(models.getLast());
            } else if (pass == Pass.ORDERED) {
                models.add(SftTrainer.train(models.getLast(), order.subList(from, to).stream().map(List::of).toList(), update));
            } else {
                SftConfig step = update.withLearningRate(update.learningRate() * (to - from) / stepsBetween);
                models.add(SftTrainer.descend(models.getLast(), order, stepsBetween, microBatch, step));
            }
        }
        return new ReferenceTrajectory(models);
    }

    /** The pairs of the pass before checkpoint {@code c}, rounded down (at span 1, the integer division c · pairs / checkpoints). */
    static int pairsBefore(int c, int checkpoints, double span, int pairs) {
        return (int) Math.floor(c * span * pairs / checkpoints);
    }

    /** The checkpoints, the base first. */
    public List<LlamaModel> models() {
        return models;
    }

    @Override
    public void close() {
        for (int c = models.size() - 1; c > 0; c--) {
            if (models.get(c) != models.get(c - 1)) {
                models.get(c).close();
            }
        }
    }
}

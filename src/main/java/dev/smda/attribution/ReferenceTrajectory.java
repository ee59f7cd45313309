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
 * Checkpoints of a reference fine-tuning run: one pass over every pair, one at a time in a seeded
 * order, with the run's update; the model at the start and after each {@code 1/K} of the pass. The
 * base model is the first checkpoint and is not owned here; the others are closed with it. The
 * optimiser starts afresh at each checkpoint (exact for SGD; AdamW's moments restart).
 */
public final class ReferenceTrajectory implements AutoCloseable {

    private final List<LlamaModel> models;

    private ReferenceTrajectory(List<LlamaModel> models) {
        this.models = models;
    }

    public static ReferenceTrajectory of(LlamaModel base, List<SftExample> examples, SftConfig update, int checkpoints, long seed) {
        if (checkpoints < 1) {
            throw new IllegalArgumentException("at least one checkpoint (the base)");
        }
        if (update.mode() != SftConfig.Mode.FULL && checkpoints > 1) {
            throw new dev.smda.io.BadInputException("--checkpoints: a reference run with LoRA updates is not supported; use --checkpoints 1");
        }
        List<SftExample> order = new ArrayList<>(examples);
        Collections.shuffle(order, new Random(seed));
        List<LlamaModel> models = new ArrayList<>();
        models.add(base);
        for (int c = 1; c < checkpoints; c++) {
            int from = (c - 1) * order.size() / checkpoints;
            int to = c * order.size() / checkpoints;
            List<List<SftExample>> schedule = order.subList(from, to).stream().map(List::of).toList();
            models.add(schedule.isEmpty() ? models.getLast() : SftTrainer.train(models.getLast(), schedule, update));
        }
        return new ReferenceTrajectory(models);
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

package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.smda.data.SftPair;
import dev.smda.io.BadInputException;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.model.LlamaModel;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import dev.smda.train.SftTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Applies each pair's fine-tuning update to the base model and re-measures the probes. The update
 * makes a new model that shares the base's untouched weights; closing it restores the base exactly.
 *
 * <p>With checkpoints (a {@link ReferenceTrajectory}), a pair's effect is its update's effect at
 * each checkpoint, averaged: what the pair does at the stages a fine-tuning run passes through,
 * not only at its start (as TracInCP averages over checkpoints). The effect at the base is kept
 * beside the average ({@link PairEffect#atBase}).
 */
public final class PairEffects implements AutoCloseable {

    private final LanguageModel lm;
    private final ProbeMeasurer measurer;
    private final List<LlamaModel> checkpoints;
    private final List<Measurement> measured;
    private final SftConfig update;
    private final Integer maxLength;
    private final ReferenceTrajectory trajectory;

    /**
     * @param measurer measures the policy's features only; frozen at {@code base}'s gates for the
     *     linearised feature change, else ΔX = X' − X exactly
     */
    public PairEffects(LanguageModel lm, ProbeMeasurer measurer, Measurement base, SftConfig update, Integer maxLength) {
        this(lm, measurer, null, List.of(base), update, maxLength);
    }

    /**
     * @param trajectory where each update is applied (its first checkpoint is the base); closed with these effects
     * @param measured the probes measured at each checkpoint
     * @param maxLength see {@link #example}
     */
    public PairEffects(LanguageModel lm, ProbeMeasurer measurer, ReferenceTrajectory trajectory, List<Measurement> measured, SftConfig update,
            Integer maxLength) {
        this.lm = lm;
        this.measurer = measurer;
        this.trajectory = trajectory;
        this.checkpoints = trajectory == null ? List.of(lm.model()) : trajectory.models();
        this.measured = List.copyOf(measured);
        this.update = update;
        this.maxLength = maxLength;
    }

    @Override
    public void close() {
        if (trajectory != null) {
            trajectory.close();
        }
    }

    /**
     * The training example a pair is: its chat prompt, then its response and the end of turn (the
     * loss covers those). With {@code maxLength} (null: none), the response is cut so that the whole
     * is at most that many tokens; a prompt that leaves no room for a response is an error.
     */
    public static SftExample example(LanguageModel lm, SftPair pair, Integer maxLength) {
        int[] prompt = lm.chatPrompt(null, pair.prompt());
        int[] response = lm.tokenizer().encode(ChatFormat.pythonStrip(pair.response()) + ChatFormat.END_OF_TURN, false);
        if (maxLength != null && prompt.length + response.length > maxLength) {
            if (prompt.length >= maxLength) {
                throw new BadInputException("pair '" + pair.id() + "': its prompt alone is " + prompt.length + " tokens with the chat template, --max-length is "
                        + maxLength);
            }
            response = Arrays.copyOf(response, maxLength - prompt.length);
        }
        return SftExample.of(prompt, response);
    }

    public PairEffect measure(SftPair pair) {
        SftExample example = example(lm, pair, maxLength);
        double loss;
        try (NDArray l = SftLoss.of(lm.model(), List.of(example))) {
            loss = l.toType(DataType.FLOAT64, false).toDoubleArray()[0];
        }
        List<PairEffect> atCheckpoints = new ArrayList<>();
        for (int c = 0; c < checkpoints.size(); c++) {
            try (LlamaModel updated = SftTrainer.fineTune(checkpoints.get(c), List.of(example), update)) {
                atCheckpoints.add(PairEffect.between(pair.id(), measured.get(c), measurer.measure(updated), loss));
            }
        }
        return PairEffect.averaged(atCheckpoints);
    }

    /** How many checkpoints each pair's update is applied at (1: the base only). */
    public int checkpoints() {
        return checkpoints.size();
    }
}

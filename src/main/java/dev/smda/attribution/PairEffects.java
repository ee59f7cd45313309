package dev.smda.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.smda.data.SftPair;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.Measurement;
import dev.smda.measure.ProbeMeasurer;
import dev.smda.model.LlamaModel;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.train.SftConfig;
import dev.smda.train.SftExample;
import dev.smda.train.SftLoss;
import dev.smda.train.SftTrainer;
import java.util.List;

/**
 * Applies each pair's fine-tuning update to the base model and re-measures the probes. The update
 * makes a new model that shares the base's untouched weights; closing it restores the base exactly.
 */
public final class PairEffects {

    private final LanguageModel lm;
    private final ProbeMeasurer measurer;
    private final Measurement base;
    private final SftConfig update;

    /**
     * @param measurer measures the policy's features only; frozen at {@code base}'s gates for the
     *     linearised feature change, else ΔX = X' − X exactly
     */
    public PairEffects(LanguageModel lm, ProbeMeasurer measurer, Measurement base, SftConfig update) {
        this.lm = lm;
        this.measurer = measurer;
        this.base = base;
        this.update = update;
    }

    /** The training example a pair is: its chat prompt, then its response and the end of turn (the loss covers those). */
    public static SftExample example(LanguageModel lm, SftPair pair) {
        int[] prompt = lm.chatPrompt(null, pair.prompt());
        int[] response = lm.tokenizer().encode(ChatFormat.pythonStrip(pair.response()) + ChatFormat.END_OF_TURN, false);
        return SftExample.of(prompt, response);
    }

    public PairEffect measure(SftPair pair) {
        SftExample example = example(lm, pair);
        double loss;
        try (NDArray l = SftLoss.of(lm.model(), List.of(example))) {
            loss = l.toType(DataType.FLOAT64, false).toDoubleArray()[0];
        }
        try (LlamaModel updated = SftTrainer.fineTune(lm.model(), List.of(example), update)) {
            return PairEffect.between(pair.id(), base, measurer.measure(updated), loss);
        }
    }
}

package dev.smda.run;

import dev.smda.attribution.PairEffects;
import dev.smda.data.Probe;
import dev.smda.data.SftPair;
import dev.smda.io.BadInputException;
import dev.smda.lm.LanguageModel;
import dev.smda.measure.ProbeTokens;
import dev.smda.measure.RefusalOpenings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every probe (with its longest refusal opening) and every pair must fit the model's context: one
 * longer is an error naming it and both lengths, before any work (a text far longer than the
 * context is refused without tokenizing it: no token is longer than the vocabulary's longest),
 * unless the user chose {@code --max-length}, which cuts long responses.
 */
final class InputLengths {

    private InputLengths() {}

    /** Checks every length; returns the probes' tokens. */
    static List<ProbeTokens> check(LanguageModel lm, List<Probe> probes, List<SftPair> pairs, RefusalOpenings openings, Integer maxLength, RunInputs inputs) {
        int context = lm.model().config().maxPositionEmbeddings();
        int longestToken = longestToken(lm);
        int opening = openings.depth();
        if (maxLength != null && maxLength > context) {
            throw new BadInputException("--max-length " + maxLength + " is longer than the model's context, " + context + " tokens");
        }
        List<ProbeTokens> tokens = new ArrayList<>();
        for (Probe p : probes) {
            refuseHuge(p.prompt(), longestToken, context, inputs.probes() + ": probe '" + p.id() + "'");
            ProbeTokens t = ProbeTokens.of(lm.tokenizer(), lm.chat(), p.prompt());
            if (t.ids().length + opening > context) {
                throw new BadInputException(inputs.probes() + ": probe '" + p.id() + "' is " + t.ids().length + " tokens with the chat template, and "
                        + (t.ids().length + opening) + " with its longest refusal opening; the model's context is " + context);
            }
            tokens.add(t);
        }
        for (SftPair p : pairs) {
            if (maxLength == null) {
                refuseHuge(p.prompt() + p.response(), longestToken, context, inputs.pairs() + ": pair '" + p.id() + "'");
            } else {
                refuseHuge(p.prompt(), longestToken, context, inputs.pairs() + ": pair '" + p.id() + "', its prompt,");
            }
            int length = PairEffects.example(lm, p, maxLength).tokens().length;
            if (length > context) {
                throw new BadInputException(inputs.pairs() + ": pair '" + p.id() + "' is " + length + " tokens with the chat template; the model's context is "
                        + context + " (shorten its prompt or response, or cut responses with --max-length)");
            }
        }
        return tokens;
    }

    private static void refuseHuge(String text, int longestToken, int context, String what) {
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes / longestToken > context) {
            throw new BadInputException(what + " is at least " + bytes / longestToken + " tokens (" + bytes + " bytes); the model's context is " + context);
        }
    }

    /** The most UTF-8 bytes one token stands for (at least 1). */
    private static int longestToken(LanguageModel lm) {
        int longest = 1;
        for (int id = 0; id < lm.tokenizer().vocabSize(); id++) {
            if (!lm.tokenizer().isSpecial(id)) {
                longest = Math.max(longest, lm.tokenizer().decode(new int[] {id}, true).getBytes(StandardCharsets.UTF_8).length);
            }
        }
        return longest;
    }
}

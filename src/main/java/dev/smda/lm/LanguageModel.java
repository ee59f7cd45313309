package dev.smda.lm;

import dev.smda.io.BadInputException;
import dev.smda.model.LlamaModel;
import dev.smda.tokenizer.ChatFormat;
import dev.smda.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Set;

/**
 * A chat model ready to use: the network, its tokenizer, its chat format and the tokens that end
 * a reply. Opened from a Hugging Face folder or a GGUF file by {@link Models#open}.
 */
public final class LanguageModel implements AutoCloseable {

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatFormat chat;
    private final Set<Integer> stopIds;
    private final ModelSource source;

    public LanguageModel(LlamaModel model, Tokenizer tokenizer, ChatFormat chat, Set<Integer> stopIds, ModelSource source) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.stopIds = Set.copyOf(stopIds);
        this.source = source;
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The model's chat format; an error for a model that has none (see {@link ChatFormat#forTokenizer}). */
    public ChatFormat chat() {
        if (chat == null) {
            throw new BadInputException(source.path() + ": this model has no Llama 3 chat format (its tokenizer lacks "
                    + ChatFormat.START_HEADER + " and " + ChatFormat.END_OF_TURN + "); give it raw text (smda generate --raw)");
        }
        return chat;
    }

    public boolean hasChat() {
        return chat != null;
    }

    public Set<Integer> stopIds() {
        return stopIds;
    }

    public ModelSource source() {
        return source;
    }

    /** This model with its chat template writing {@code date} as today's date (itself when date is null). */
    public LanguageModel withChatDate(String date) {
        return date == null ? this : new LanguageModel(model, tokenizer, chat().withDate(date), stopIds, source);
    }

    /** Token ids of a single-turn chat prompt, ending where the assistant's reply begins. */
    public int[] chatPrompt(String system, String user) {
        return tokenizer.encode(chat().prompt(system, user), false);
    }

    /**
     * The tokens a corpus item becomes: plain text with the tokenizer's special tokens, or a chat
     * prompt (with its response and end of turn when there is one); cut to {@code maxTokens}.
     */
    public int[] tokenize(dev.smda.data.CorpusItem item, int maxTokens) {
        int[] ids;
        if (item.isChat()) {
            String rendered = chat().prompt(null, item.prompt());
            if (item.response() != null) {
                rendered += item.response() + ChatFormat.END_OF_TURN;
            }
            ids = tokenizer.encode(rendered, false);
        } else {
            ids = tokenizer.encode(item.text(), true);
        }
        return ids.length > maxTokens ? Arrays.copyOf(ids, maxTokens) : ids;
    }

    /**
     * Generates a continuation of {@code prompt} (token ids), decoded without special tokens as the
     * text it adds to the prompt's (decoding the new ids alone would lose, with a SentencePiece
     * tokenizer, the space its first token begins with).
     */
    public Generation generate(int[] prompt, GenerationConfig config) {
        int[] ids = Decoding.generate(model, prompt, config, stopIds);
        boolean stopped = ids.length > 0 && stopIds.contains(ids[ids.length - 1]);
        String before = tokenizer.decode(prompt, true);
        int[] all = Arrays.copyOf(prompt, prompt.length + ids.length);
        System.arraycopy(ids, 0, all, prompt.length, ids.length);
        String whole = tokenizer.decode(all, true);
        String text = whole.startsWith(before) ? whole.substring(before.length()) : tokenizer.decode(ids, true);
        return new Generation(ids, text, stopped);
    }

    @Override
    public void close() {
        model.close();
    }
}
